/** One valid example of every message type and frame kind, for the protocol tests. */
import type { HostMonitoring, NodeCapabilities, VmInfo } from '../../src/protocol/domain.js';
import type { Frame } from '../../src/protocol/frames.js';
import type { Message, MessageType, NodeHello } from '../../src/protocol/messages.js';
import { PROTOCOL_VERSION } from '../../src/protocol/version.js';

export const figures: HostMonitoring = {
  HOSTNAME: 'host-3',
  ARCH: 'x86_64',
  CPU_MODEL: 'QEMU Virtual CPU',
  HYPERVISOR: 'qemu',
  TOTALCPU: 400,
  USEDCPU: 12.5,
  FREECPU: 387.5,
  TOTALMEMORY: 8_388_608,
  USEDMEMORY: 1_048_576,
  FREEMEMORY: 7_340_032,
  RUNNING_VMS: 2,
  TIMESTAMP: 1_700_000_000_000,
};

export const vmInfo: VmInfo = { vmId: 42, state: 'running', cpuUsage: 3.5, memoryKb: 524_288, deployId: 'qemu-4242' };

export const capabilities: NodeCapabilities = {
  hypervisors: ['dummy', 'qemu'],
  hypervisor: 'qemu',
  arch: 'x86_64',
  cpus: 4,
  memoryKb: 8_388_608,
  hostname: 'host-3',
  version: '0.1.0',
};

export const messages: { readonly [K in MessageType]: Extract<Message, { type: K }> } = {
  'vm.deploy': { type: 'vm.deploy', opId: 'op-1', spec: { vmId: 42, name: 'web', cpu: 0.5, vcpu: 1, memoryMb: 512 } },
  'vm.shutdown': { type: 'vm.shutdown', opId: 'op-2', vmId: 42, hard: false },
  'vm.reboot': { type: 'vm.reboot', opId: 'op-3', vmId: 42, hard: true },
  'vm.suspend': { type: 'vm.suspend', opId: 'op-4', vmId: 42 },
  'vm.resume': { type: 'vm.resume', opId: 'op-5', vmId: 42 },
  'vm.save': { type: 'vm.save', opId: 'op-6', vmId: 42 },
  'vm.restore': { type: 'vm.restore', opId: 'op-7', spec: { vmId: 42, name: 'web', cpu: 0.5, vcpu: 1, memoryMb: 512 } },
  'vm.prolog': {
    type: 'vm.prolog',
    opId: 'op-8',
    vmId: 42,
    dir: '/var/ds/0/42',
    steps: [
      { action: 'clone', source: '/var/ds/1/abc', target: '/var/ds/0/42/disk.0', sizeMb: 2048 },
      { action: 'swap', target: '/var/ds/0/42/disk.1', sizeMb: 256 },
      { action: 'volatile', target: '/var/ds/0/42/disk.2', sizeMb: 64, fs: 'ext4' },
    ],
    context: { target: '/var/ds/0/42/disk.3', script: "HOSTNAME='web'\n", files: [{ name: 'init.sh', source: '/var/ds/1/def' }] },
  },
  'vm.epilog': {
    type: 'vm.epilog',
    opId: 'op-9',
    vmId: 42,
    dir: '/var/ds/0/42',
    saves: [{ source: '/var/ds/0/42/disk.0', target: '/var/ds/1/0123' }],
    purge: true,
  },
  'vm.migrate_in': {
    type: 'vm.migrate_in',
    opId: 'op-10',
    spec: { vmId: 42, name: 'web', cpu: 0.5, vcpu: 1, memoryMb: 512 },
    listen: { host: '10.0.0.2', port: 49152 },
  },
  'vm.migrate_out': { type: 'vm.migrate_out', opId: 'op-11', vmId: 42, uri: 'tcp:10.0.0.2:49152' },
  'host.monitor': { type: 'host.monitor' },
  'vm.list': { type: 'vm.list' },
  'vm.poll': { type: 'vm.poll', vmId: 42 },
  'node.ping': { type: 'node.ping' },
  'node.stats': { type: 'node.stats' },
  'host.monitoring': { type: 'host.monitoring', figures },
  'vm.state': { type: 'vm.state', vmId: 42, opId: 'op-1', state: 'running', reason: 'booted', info: vmInfo },
  'vm.op_result': { type: 'vm.op_result', opId: 'op-1', vmId: 42, ok: false, error: { code: 'NO_CAPACITY', message: 'full' } },
};

export const allMessages: readonly Message[] = Object.values(messages);

export const frames: readonly Frame[] = [
  { t: 'cmd', seq: 1, msg: messages['vm.deploy'] },
  { t: 'ack', seq: 7 },
  { t: 'evt', msg: messages['host.monitoring'] },
  { t: 'req', id: 3, msg: messages['vm.poll'] },
  { t: 'res', id: 3, ok: true, value: vmInfo },
  { t: 'res', id: 4, ok: false, error: { code: 'VM_NOT_FOUND', message: 'no VM 9', details: { vmId: 9, tried: ['a', 'b'] } } },
  { t: 'ping', ts: 1234.5 },
  { t: 'pong', ts: 1234.5 },
  { t: 'hello', incarnation: 'fe-1', recvSeq: 12, heartbeatMs: 2000 },
  { t: 'hello', incarnation: 'fe-2', recvSeq: 0, heartbeatMs: 2000, monitorMs: 10_000 },
  { t: 'bye', code: 'BAD_FRAME', message: 'garbage' },
];

export const hello: NodeHello = {
  protocol: PROTOCOL_VERSION,
  hostId: 3,
  token: 's3cr3t-token',
  incarnation: 'node-1',
  recvSeq: 0,
  capabilities,
};

export { prng } from '../../src/base/prng.js';

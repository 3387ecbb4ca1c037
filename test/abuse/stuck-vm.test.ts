/**
 * The attack: an agent that refuses a command, or takes it and never
 * answers. Nothing timed out: the VM stayed in BOOT or PROLOG for good,
 * kept its capacity, and its owner could not terminate it. Now an
 * unanswered operation ends in its step's failure state when its deadline
 * passes (the reason in lastError), a refusal ends there at once, and the
 * owner can always `terminate --hard` a VM in a step in flight.
 *
 * The agent here is a real socket.io client on the project's Link and
 * FrontendClient, with a valid host token, that answers each VM's commands
 * the way the test says: refuse, accept, or never answer.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import t from 'tap';
import { systemClock } from '../../src/base/clock.js';
import { ApiClient } from '../../src/cli/api-client.js';
import { NepheleError } from '../../src/errors.js';
import type { HostMonitoring, NodeCapabilities } from '../../src/protocol/domain.js';
import { Link } from '../../src/protocol/link.js';
import type { NodeCommand, NodeRequest } from '../../src/protocol/messages.js';
import type { VmView } from '../../src/vms/vm-record.js';
import { FrontendClient } from '../../nodes/frontend-client.js';
import { startCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';

type Mode = 'refuse' | 'accept' | 'silent';

const FIGURES: HostMonitoring = {
  HOSTNAME: 'rogue',
  ARCH: 'x86_64',
  CPU_MODEL: 'test',
  HYPERVISOR: 'dummy',
  TOTALCPU: 800,
  USEDCPU: 0,
  FREECPU: 800,
  TOTALMEMORY: 16_777_216,
  USEDMEMORY: 0,
  FREEMEMORY: 16_777_216,
  RUNNING_VMS: 0,
  TIMESTAMP: 0,
};
const CAPABILITIES: NodeCapabilities = {
  hypervisors: ['dummy'],
  hypervisor: 'dummy',
  arch: 'x86_64',
  cpus: 8,
  memoryKb: 16_777_216,
  hostname: 'rogue',
  version: '0.1.0',
};

/** An agent that answers each VM's commands as `modes` says (default: never), and counts what it got. */
function rogueAgent(url: string, hostId: number, token: string): { modes: Map<number, Mode>; got: NodeCommand[]; close(): void } {
  const modes = new Map<number, Mode>();
  const got: NodeCommand[] = [];
  const link: Link<'node'> = new Link<'node'>({
    side: 'node',
    name: 'oned',
    incarnation: randomUUID(),
    clock: systemClock,
    log: pino({ level: 'silent' }),
    heartbeatMs: 200,
    onCommand: (cmd) => {
      got.push(cmd);
      const vmId = 'spec' in cmd ? cmd.spec.vmId : cmd.vmId;
      // Only deploys are ever answered: prologs and shutdowns (a cleanup too) go unanswered.
      const mode = cmd.type === 'vm.deploy' ? (modes.get(vmId) ?? 'silent') : 'silent';
      if (mode === 'refuse')
        link.tell({
          type: 'vm.op_result',
          opId: cmd.opId,
          vmId,
          ok: false,
          error: { code: 'DRIVER_FAILED', message: 'the rogue agent refuses this deploy' },
        });
      if (mode === 'accept') link.tell({ type: 'vm.op_result', opId: cmd.opId, vmId, ok: true });
    },
    onRequest: async (req: NodeRequest) => {
      switch (req.type) {
        case 'host.monitor':
          return FIGURES;
        case 'vm.list':
          return [];
        case 'node.ping':
          return { incarnation: link.incarnation };
        case 'node.stats':
          return { commandsRun: 0, duplicatesDropped: 0 };
        case 'vm.poll':
          throw new NepheleError('VM_NOT_FOUND', 'no such VM here');
      }
    },
    onResumed: () => link.emit({ type: 'host.monitoring', figures: FIGURES }),
  }) as Link<'node'>;
  const client = new FrontendClient({
    url,
    hostId,
    token,
    capabilities: CAPABILITIES,
    link,
    clock: systemClock,
    log: pino({ level: 'silent' }),
  });
  client.start();
  return {
    modes,
    got,
    close: () => {
      client.close();
      link.close();
    },
  };
}

t.setTimeout(120_000);

t.test('refused and unanswered commands end in their failure state; the owner can always terminate --hard', async (t) => {
  // Deploys and prologs get 1.5 s; shutdowns a minute, so a VM can be caught waiting on one.
  const cloud = await startCloud(t, { operationDeadlines: { deploy: 1_500, prolog: 1_500, shutdown: 60_000 } });
  const admin = cloud.client;
  // An earlier VM on a real dummy agent: nothing below may touch it.
  const honest = await cloud.addHost('honest');
  await cloud.waitState(honest.id, 'MONITORED');
  const bystander = (await admin.call('vm.allocate', { template: 'NAME = bystander\nCPU = 0.1\nMEMORY = 64\n', hold: true })).id;
  await admin.call('vm.action', { id: bystander, action: 'deploy', host: honest.id });
  const before = await eventually(
    () => admin.call('vm.info', { id: bystander }),
    (v) => v.state === 'RUNNING',
    20_000,
    'bystander RUNNING',
  );

  const { id: hostId, token } = await admin.call('host.allocate', { name: 'rogue', im: 'dummy', vm: 'dummy' });
  const rogue = rogueAgent(cloud.oned.url, hostId, token as string);
  t.teardown(() => rogue.close());
  await cloud.waitState(hostId, 'MONITORED');

  // The VMs are alice's: she is their owner, not an administrator.
  await admin.call('user.allocate', { name: 'alice', password: 'alice-pw' });
  const alice = await ApiClient.connect({ url: cloud.oned.url, user: 'alice', password: 'alice-pw' });
  t.teardown(() => alice.close());
  const make = async (name: string, extra = ''): Promise<number> =>
    (await alice.call('vm.allocate', { template: `NAME = ${name}\nCPU = 0.5\nMEMORY = 128\n${extra}`, hold: true })).id;
  const info = (id: number): Promise<VmView> => alice.call('vm.info', { id });
  const reach = (id: number, state: string, timeoutMs = 20_000): Promise<VmView> =>
    eventually(
      () => info(id),
      (v) => v.state === state && v.pending === undefined,
      timeoutMs,
      `VM ${id} ${state}`,
    );

  const refused = await make('refused');
  const silent = await make('silent');
  const prolog = await make('prolog', 'CONTEXT = [ GREETING = "hello" ]\n');
  const stuck = await make('stuck');
  rogue.modes.set(refused, 'refuse');
  rogue.modes.set(stuck, 'accept');
  for (const id of [refused, silent, prolog, stuck]) await admin.call('vm.action', { id, action: 'deploy', host: hostId });

  // A refusal ends the boot at once, with the agent's reason.
  const r = await reach(refused, 'BOOT_FAILURE');
  t.match(r.lastError, /refuses this deploy/, "the refusal is the VM's last error");
  // No answer: the deadline ends it, in the failure state of its step.
  const s = await reach(silent, 'BOOT_FAILURE');
  t.match(s.lastError, /no outcome for deploy .* within its deadline/, "the timeout is the VM's last error");
  const p = await reach(prolog, 'PROLOG_FAILURE');
  t.match(p.lastError, /no outcome for prolog .* within its deadline/);
  t.ok(
    rogue.got.some((c) => c.type === 'vm.prolog' && c.vmId === prolog),
    'the prolog did go to the agent',
  );

  // The owner ends the failed VMs: terminate needs no --hard there.
  await alice.call('vm.action', { id: refused, action: 'terminate' });
  await alice.call('vm.action', { id: silent, action: 'terminate', hard: true });
  await alice.call('vm.action', { id: prolog, action: 'terminate' });
  for (const id of [refused, silent, prolog]) t.equal((await reach(id, 'DONE')).state, 'DONE', `VM ${id} DONE`);

  // A VM waiting on a shutdown the agent never answers: a plain terminate waits for the step; --hard ends it.
  await reach(stuck, 'RUNNING');
  await alice.call('vm.action', { id: stuck, action: 'terminate' });
  t.equal((await info(stuck)).state, 'SHUTDOWN', 'caught in SHUTDOWN');
  await t.rejects(
    alice.call('vm.action', { id: stuck, action: 'terminate' }),
    { code: 'ACTION_NOT_ALLOWED' },
    'a second soft terminate is refused',
  );
  await alice.call('vm.action', { id: stuck, action: 'terminate', hard: true });
  const ended = await reach(stuck, 'DONE');
  t.ok(
    ended.history.every((h) => h.etime !== undefined),
    'its stay is closed',
  );
  t.ok(
    rogue.got.some((c) => c.type === 'vm.shutdown' && c.vmId === stuck && c.hard),
    'the agent was asked to destroy it',
  );

  // Every VM of the rogue host is gone from it: capacity given back.
  const host = await eventually(
    () => admin.call('host.info', { host: hostId }),
    (h) => h.rvm === 0,
    10_000,
    'the rogue host empty',
  );
  t.equal(host.allocatedCpu, 0, 'no CPU held');
  t.equal(host.allocatedMem, 0, 'no memory held');

  // oned still answers its administrator; the earlier VM is as it was.
  const after = await admin.call('vm.info', { id: bystander });
  t.equal(after.state, 'RUNNING');
  t.same(after.history, before.history);
  t.equal((await cloud.host(honest.id)).state, 'MONITORED');
  t.equal((await admin.call('hostpool.info', {})).length, 2, 'both hosts listed');
});

import t from 'tap';
import { io } from 'socket.io-client';
import { isNepheleError } from '../../src/errors.js';
import type { HostPoolMsg } from '../../src/hosts/host-pool.js';
import type { ActorRef } from '../../src/actors/index.js';
import { startCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';

t.test('an agent dials in, is lost on kill -9, and comes back without operator action', async (t) => {
  const cloud = await startCloud(t);
  const { id, start, agent } = await cloud.addHost('node1');
  const monitored = await cloud.waitState(id, 'MONITORED');
  t.equal(monitored.monitoring?.HYPERVISOR, 'dummy');
  const { cpus, hostname } = await import('node:os');
  t.equal(monitored.monitoring?.TOTALCPU, 100 * cpus().length, 'real figures from /proc: 100 per core');
  t.equal(monitored.monitoring?.HOSTNAME, hostname());
  const fresh = await cloud.client.call('host.monitor', { host: id });
  t.ok(fresh.lastMonitored >= monitored.lastMonitored, 'monitoring on demand');

  await agent.kill('SIGKILL');
  const lost = await cloud.waitState(id, 'ERROR');
  t.match(lost.error, /agent/);

  start();
  const back = await cloud.waitState(id, 'MONITORED');
  t.equal(back.error, undefined);
  t.not(back.agentIncarnation, monitored.agentIncarnation, 'a new agent process: a new incarnation');
});

t.test('enable, disable, offline and delete', async (t) => {
  const cloud = await startCloud(t);
  const { id } = await cloud.addHost('node1');
  await cloud.waitState(id, 'MONITORED');
  t.equal((await cloud.client.call('host.status', { host: 'node1', action: 'disable' })).state, 'DISABLED');
  t.equal((await cloud.client.call('host.status', { host: id, action: 'offline' })).state, 'OFFLINE');
  t.equal((await cloud.client.call('host.status', { host: id, action: 'enable' })).state, 'MONITORED');
  await t.rejects(cloud.client.call('host.allocate', { name: 'node1', im: 'dummy', vm: 'dummy' }), { code: 'NAME_TAKEN' });
  await cloud.client.call('host.delete', { host: id, force: false });
  await t.rejects(cloud.client.call('host.info', { host: id }), { code: 'HOST_NOT_FOUND' });
  t.same(await cloud.client.call('hostpool.info', {}), []);
});

t.test('a wrong token is refused, logged, and not retried in a tight loop', async (t) => {
  const cloud = await startCloud(t);
  const { id } = await cloud.addHost('good');
  const bad = await cloud.addHost('bad');
  await bad.agent.kill('SIGKILL');
  // the same host id with another host's token
  const { writeSecretFile } = await import('../../src/auth/auth-file.js');
  const { join } = await import('node:path');
  await writeSecretFile(join(cloud.dir, 'bad.token'), 'not-the-token\n');
  const impostor = bad.start();
  await impostor.waitFor(/oned refused this agent/);
  await new Promise((r) => setTimeout(r, 1500));
  const refusals = impostor
    .output()
    .split('\n')
    .filter((l) => l.includes('oned refused this agent')).length;
  t.equal(refusals, 1, 'one refusal, then a long wait before the next try');
  // Never connected: INIT, or ERROR once its grace ran out (a loaded machine gets there first).
  const seen = await cloud.host(bad.id);
  t.ok(seen.agentIncarnation === undefined && seen.lastMonitored === 0, 'the impostor never got in');
  t.equal((await cloud.waitState(id, 'MONITORED')).name, 'good', 'the rest of the cloud is unaffected');
});

t.test('a protocol version mismatch is refused with a clear error', async (t) => {
  const cloud = await startCloud(t);
  const { id, token } = await cloud.addHost('node1');
  const socket = io(`${cloud.oned.url}/node`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: { protocol: 99, hostId: id, token, incarnation: 'x', recvSeq: 0, capabilities: {} },
  });
  t.teardown(() => socket.close());
  const err = await new Promise<Error & { data?: { code?: string } }>((resolve) => socket.once('connect_error', resolve));
  t.equal(err.data?.code, 'PROTOCOL_VERSION');
  t.match(err.message, /protocol 1/);
});

t.test('garbage on the node and API sockets changes nothing and kills nothing', async (t) => {
  const cloud = await startCloud(t);
  const { id } = await cloud.addHost('node1');
  const other = await cloud.addHost('node2');
  await other.agent.kill('SIGKILL');
  await cloud.waitState(id, 'MONITORED');

  // an admitted connection (node2's token) that then sends garbage
  const socket = io(`${cloud.oned.url}/node`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: {
      protocol: 1,
      hostId: other.id,
      token: other.token,
      incarnation: 'fuzzer',
      recvSeq: 0,
      capabilities: {
        hypervisors: ['dummy'],
        hypervisor: 'dummy',
        arch: 'x86_64',
        cpus: 1,
        memoryKb: 1024,
        hostname: 'fuzz',
        version: '0',
      },
    },
  });
  t.teardown(() => socket.close());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  const closed = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
  for (let i = 0; i < 200; i++) {
    const len = 1 + Math.floor(Math.random() * 512);
    socket.emit('f', Buffer.from(Array.from({ length: len }, () => Math.floor(Math.random() * 256))));
  }
  await closed;
  t.pass('oned closed the fuzzing connection');

  // the API answers garbage with a coded error, and keeps serving
  const api = (cloud.client as unknown as { socket: { timeout(ms: number): { emitWithAck(ev: string, d: unknown): Promise<unknown> } } })
    .socket;
  const { Packr } = await import('msgpackr');
  const packr = new Packr({ useRecords: false });
  const reply = packr.unpack((await api.timeout(5000).emitWithAck('call', Buffer.from([0xc1, 0xff, 0x00]))) as Uint8Array) as {
    ok: boolean;
    error?: { code: string };
  };
  t.same({ ok: reply.ok, code: reply.error?.code }, { ok: false, code: 'BAD_FRAME' });
  await t.rejects(cloud.client.call('host.info', { host: -1 } as never), { code: 'INVALID_ARGUMENT' });
  t.equal((await cloud.host(id)).state, 'MONITORED', 'the real agent never noticed');
  t.equal((await cloud.client.call('hostpool.info', {})).length, 2, 'no state lost or half-changed');
});

t.test('a command sent again (as after a front-end restart) is executed once', async (t) => {
  const cloud = await startCloud(t);
  const { id } = await cloud.addHost('node1');
  await cloud.waitState(id, 'MONITORED');
  const pool = cloud.oned.system.lookup<HostPoolMsg>('host-pool') as ActorRef<HostPoolMsg>;
  const host = await pool.ask({ type: 'get', host: id });
  const deploy = { type: 'vm.deploy', opId: 'op-42', spec: { vmId: 42, name: 'vm42', cpu: 0.5, vcpu: 1, memoryMb: 128 } } as const;
  host.tell({ type: 'command', cmd: deploy });
  const first = await eventually(
    () => host.ask({ type: 'request', req: { type: 'node.stats' } }),
    (s) => s.commandsRun === 1,
  );
  t.same(first, { commandsRun: 1, duplicatesDropped: 0 }, 'the node ran it');

  // oned forgets the link (as a restarted oned would); the agent redials;
  // the same command comes again on a new link, with new sequence numbers
  const before = await cloud.host(id);
  host.tell({ type: 'drop_link' });
  await eventually(
    () => cloud.host(id),
    (h) => h.state === 'MONITORED' && h.agentIncarnation === before.agentIncarnation && h.lastMonitored > before.lastMonitored,
  );
  host.tell({ type: 'command', cmd: deploy });
  const stats = await eventually(
    () => host.ask({ type: 'request', req: { type: 'node.stats' } }),
    (s) => s.duplicatesDropped === 1,
  );
  t.same(stats, { commandsRun: 1, duplicatesDropped: 1 }, 'run once, the repeat dropped by opId');
  const vms = await host.ask({ type: 'request', req: { type: 'vm.list' } });
  t.equal(vms.length, 1);
  t.ok(isNepheleError(await host.ask({ type: 'request', req: { type: 'vm.poll', vmId: 7 } }).catch((e: unknown) => e), 'VM_NOT_FOUND'));
});

t.test('an agent running another hypervisor than the host was registered with is refused', async (t) => {
  const cloud = await startCloud(t);
  const { id, token } = await cloud.client.call('host.allocate', { name: 'kvm1', im: 'qemu', vm: 'qemu' });
  const socket = io(`${cloud.oned.url}/node`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: {
      protocol: 1,
      hostId: id,
      token,
      incarnation: 'x',
      recvSeq: 0,
      capabilities: { hypervisors: ['dummy'], hypervisor: 'dummy', arch: 'x86_64', cpus: 1, memoryKb: 1024, hostname: 'h', version: '0' },
    },
  });
  t.teardown(() => socket.close());
  const err = await new Promise<Error & { data?: { code?: string } }>((resolve) => socket.once('connect_error', resolve));
  t.equal(err.data?.code, 'INVALID_ARGUMENT');
  t.match(err.message, /VM_MAD qemu, the agent runs dummy/);
  t.equal((await cloud.host(id)).state, 'INIT');
});

t.test('a host whose agent never shows up goes to ERROR after a grace period', async (t) => {
  const cloud = await startCloud(t, { heartbeatMs: 100, lostAfterMs: 300 });
  const { id } = await cloud.client.call('host.allocate', { name: 'ghost', im: 'dummy', vm: 'dummy' });
  t.equal((await cloud.host(id)).state, 'INIT', 'at first, INIT');
  const err = await cloud.waitState(id, 'ERROR');
  t.equal(err.error, 'no agent has connected');
});

t.test('a crash of the host pool restarts it without touching the host actors', async (t) => {
  const cloud = await startCloud(t);
  const { id } = await cloud.addHost('node1');
  const before = await cloud.waitState(id, 'MONITORED');
  const pool = cloud.oned.system.lookup<HostPoolMsg>('host-pool') as ActorRef<HostPoolMsg>;
  const hostRef = await pool.ask({ type: 'get', host: id });
  // the kernel's crash path, as if a handler had thrown
  (pool as unknown as { fail(e: Error): void }).fail(new Error('injected crash'));
  const after = await eventually(
    () => cloud.client.call('hostpool.info', {}),
    (hs) => hs.length === 1,
    10_000,
    'the pool to come back',
  );
  t.equal(cloud.oned.system.inspect(pool).restarts, 1, 'the pool restarted');
  t.equal(await pool.ask({ type: 'get', host: id }), hostRef, 'it adopted the running host actor');
  t.equal(cloud.oned.system.inspect(hostRef).restarts, 0, 'which was not restarted');
  t.equal(after[0]?.state, 'MONITORED');
  t.equal(after[0]?.agentIncarnation, before.agentIncarnation, 'the agent link never dropped');
  t.equal((await cloud.client.call('host.allocate', { name: 'node2', im: 'dummy', vm: 'dummy' })).id, id + 1);
});

t.test('a hung agent (SIGSTOP) is declared lost by heartbeats, and recovers on SIGCONT', async (t) => {
  const cloud = await startCloud(t, { heartbeatMs: 100, lostAfterMs: 500 });
  const { id, agent } = await cloud.addHost('node1');
  const before = await cloud.waitState(id, 'MONITORED');
  process.kill(agent.pid, 'SIGSTOP');
  t.teardown(() => {
    try {
      process.kill(agent.pid, 'SIGCONT');
    } catch {
      /* gone */
    }
  });
  const lost = await cloud.waitState(id, 'ERROR');
  t.equal(lost.error, 'agent lost: no heartbeat', 'the socket never closed: the heartbeat noticed');
  process.kill(agent.pid, 'SIGCONT');
  const back = await cloud.waitState(id, 'MONITORED');
  t.equal(back.agentIncarnation, before.agentIncarnation, 'the same agent process, reconnected');
});

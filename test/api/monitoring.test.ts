/**
 * Monitoring history and accounting through the real API: oned on port 0,
 * a real dummy agent pushing its host's and its VMs' figures every 200 ms
 * into windows made short here, so that they fill and stay bounded within
 * the test. A VM's figures are its owner's (and an administrator's) to see,
 * another user's VM is not found; a garbage push is refused and nothing of
 * it kept, and the host's link lives on; accounting answers the stays that
 * overlap a period, as OpenNebula's oneacct.
 */
import t, { type Test } from 'tap';
import type { Socket } from 'socket.io-client';
import { ApiClient } from '../../src/cli/api-client.js';
import { isNepheleError } from '../../src/errors.js';
import { decodeFrames, encodeFrames } from '../../src/protocol/codec.js';
import type { HostMonitoring, NodeCapabilities } from '../../src/protocol/domain.js';
import type { Frame } from '../../src/protocol/frames.js';
import type { NodeHello } from '../../src/protocol/messages.js';
import { PROTOCOL_VERSION } from '../../src/protocol/version.js';
import type { VmView } from '../../src/vms/vm-record.js';
import { dial } from '../fixtures/abuse.js';
import { startCloud, type TestCloud } from '../fixtures/cloud.js';
import { eventually, runCliBin } from '../fixtures/processes.js';

const VM = 'NAME = web\nCPU = 0.5\nMEMORY = 64\n';
/** Windows of 2 s: 4 host samples (one per 500 ms slot), 3 VM samples. */
const MONITORING = { host: { windowMs: 2_000, maxSamples: 4 }, vm: { windowMs: 2_000, maxSamples: 3 } };

async function user(t: Test, cloud: TestCloud, name: string): Promise<ApiClient> {
  await cloud.client.call('user.allocate', { name, password: `${name}-secret` });
  const c = await ApiClient.connect({ url: cloud.oned.url, user: name, password: `${name}-secret` });
  t.teardown(() => c.close());
  return c;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isNepheleError(err)) return err.code;
    throw err;
  }
  return 'OK';
}

/** A VM of `owner`'s, deployed by the administrator on `hostId` and RUNNING. */
async function runningVm(cloud: TestCloud, owner: ApiClient, hostId: number): Promise<VmView> {
  const { id } = await owner.call('vm.allocate', { template: VM, hold: false });
  await cloud.client.call('vm.action', { id, action: 'deploy', host: hostId });
  return eventually(
    () => cloud.client.call('vm.info', { id }),
    (v) => v.state === 'RUNNING',
    10_000,
    `VM ${id} RUNNING`,
  );
}

t.test("windows fill from the agent's pushes and stay within their bounds", async (t) => {
  const cloud = await startCloud(t, { monitoring: MONITORING });
  const admin = cloud.client;
  const { id: hostId } = await cloud.addHost('node1');
  await cloud.waitState(hostId, 'MONITORED');
  const vm = await runningVm(cloud, admin, hostId);

  const first = await eventually(
    () => admin.call('vm.monitoring', { id: vm.id }),
    (m) => m.samples.length >= 2,
    10_000,
    'two VM samples',
  );
  t.equal(first.id, vm.id);
  t.match(first.samples.at(-1), { hostId, cpu: 25, memory: 64 * 1024 }, "the dummy's figures: CPU × 50 %, MEMORY in KiB");

  // Three windows' worth of pushes (every 200 ms): full, and never past the cap.
  await new Promise((r) => setTimeout(r, 3 * MONITORING.host.windowMs));
  const host = await admin.call('host.monitoring', { host: 'node1' });
  t.equal(host.id, hostId, 'a host by name');
  // Some 30 pushes went in: at most the cap stays (a loaded machine may have pushed less often, so no exact count).
  t.ok(host.samples.length >= 2 && host.samples.length <= 4, `the host's window is filled and bounded: ${host.samples.length}`);
  const newest = host.samples.at(-1)?.timestamp ?? 0;
  t.ok(
    host.samples.every((s) => s.timestamp >= newest - MONITORING.host.windowMs),
    'nothing older than the window',
  );
  t.ok(
    host.samples.slice(1).every((s, i) => s.timestamp > (host.samples[i]?.timestamp ?? 0)),
    'oldest first',
  );
  t.match(host.samples.at(-1), { totalCpu: Number, usedCpu: Number, totalMemory: Number, runningVms: 1 });
  const vms = await admin.call('vm.monitoring', { id: vm.id });
  t.ok(vms.samples.length >= 1 && vms.samples.length <= 3, `the VM's window is bounded: ${vms.samples.length}`);

  t.equal((await admin.call('host.monitoring', { host: hostId, seconds: 0 })).samples.length, 1, 'seconds 0: the newest only');
  const pool = await admin.call('hostpool.monitoring', {});
  t.same(
    pool.map((h) => h.id),
    [hostId],
  );
  t.ok((pool[0]?.samples.length ?? 0) >= 3);
  t.equal(await codeOf(admin.call('host.monitoring', { host: 'nosuch' })), 'HOST_NOT_FOUND');
  t.equal(await codeOf(admin.call('vm.monitoring', { id: 999 })), 'VM_NOT_FOUND');
  t.equal(await codeOf(admin.call('vm.monitoring', { id: vm.id, seconds: -2 })), 'INVALID_ARGUMENT');

  // DONE: the window goes, and a late push does not bring it back.
  await admin.call('vm.action', { id: vm.id, action: 'terminate', hard: true });
  await eventually(
    () => admin.call('vm.info', { id: vm.id }),
    (v) => v.state === 'DONE',
    10_000,
    'DONE',
  );
  await new Promise((r) => setTimeout(r, 500));
  t.same((await admin.call('vm.monitoring', { id: vm.id })).samples, [], "a DONE VM's window is gone");
  t.same(await admin.call('vmpool.monitoring', {}), [], 'and the pool has no VM with samples');
  t.ok((await admin.call('host.monitoring', { host: hostId, seconds: 0 })).samples[0]?.runningVms === 0, 'the host goes on');
});

t.test("a VM's figures are its owner's to see, not another user's", async (t) => {
  const cloud = await startCloud(t, { monitoring: MONITORING });
  const admin = cloud.client;
  const { id: hostId } = await cloud.addHost('node1');
  await cloud.waitState(hostId, 'MONITORED');
  const alice = await user(t, cloud, 'alice');
  const bob = await user(t, cloud, 'bob');
  const hers = await runningVm(cloud, alice, hostId);
  const mine = await runningVm(cloud, admin, hostId);
  await eventually(
    () => alice.call('vm.monitoring', { id: hers.id }),
    (m) => m.samples.length > 0,
    10_000,
    'samples of her VM',
  );
  await eventually(
    () => admin.call('vm.monitoring', { id: mine.id }),
    (m) => m.samples.length > 0,
    10_000,
    "samples of the administrator's",
  );

  t.equal(await codeOf(bob.call('vm.monitoring', { id: hers.id })), 'VM_NOT_FOUND', "another user's VM is not found");
  t.equal(await codeOf(bob.call('vm.monitoring', { id: 9_999 })), 'VM_NOT_FOUND', 'exactly as a missing one');
  t.same(await bob.call('vmpool.monitoring', {}), [], 'nor in the pool');
  t.same(await bob.call('vmpool.monitoring', { filter: hers.uid }), [], 'not even naming her');
  t.same(
    (await alice.call('vmpool.monitoring', {})).map((m) => m.id),
    [hers.id],
    'she sees hers alone',
  );
  t.same(
    (await admin.call('vmpool.monitoring', {})).map((m) => m.id),
    [hers.id, mine.id],
    'an administrator sees all',
  );
  t.same(
    (await admin.call('vmpool.monitoring', { filter: -3 })).map((m) => m.id),
    [mine.id],
    'filter -3: the caller’s own',
  );
  t.same(
    (await admin.call('vmpool.monitoring', { filter: hers.uid, seconds: 0 })).map((m) => [m.id, m.samples.length]),
    [[hers.id, 1]],
    'a user id: that user’s; seconds 0: the newest sample each',
  );
  t.ok((await bob.call('host.monitoring', { host: hostId })).samples.length > 0, "a host's figures are for everyone, as host.info");
});

/** An agent of `hostId` on a raw socket: it sends whatever frames it is given, valid or not. */
async function rawAgent(
  url: string,
  hostId: number,
  token: string,
  incarnation: string,
): Promise<{ socket: Socket; received: Frame[]; closed: Promise<string> }> {
  const capabilities: NodeCapabilities = {
    hypervisors: ['dummy'],
    hypervisor: 'dummy',
    arch: 'x86_64',
    cpus: 4,
    memoryKb: 8_388_608,
    hostname: 'rogue',
    version: '0.1.0',
  };
  const hello: NodeHello = { protocol: PROTOCOL_VERSION, hostId, token, incarnation, recvSeq: 0, capabilities };
  const received: Frame[] = [];
  let closed!: Promise<string>;
  const outcome = await dial(url, '/node', hello, (socket) => {
    closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    socket.on('f', (data: Uint8Array) => received.push(...decodeFrames(data, Number.POSITIVE_INFINITY)));
  });
  if (outcome.kind !== 'connected') throw new Error(`the agent was not admitted: ${JSON.stringify(outcome)}`);
  await eventually(
    async () => received.some((f) => f.t === 'hello'),
    (x) => x,
    5_000,
    "oned's hello",
  );
  return { socket: outcome.socket, received, closed };
}

t.test('a garbage push is refused and nothing of it kept; the links live on', async (t) => {
  const cloud = await startCloud(t, { monitoring: MONITORING });
  const admin = cloud.client;
  const { id: honestId } = await cloud.addHost('node1');
  await cloud.waitState(honestId, 'MONITORED');
  const vm = await runningVm(cloud, admin, honestId);
  const { id: rogueId, token } = await admin.call('host.allocate', { name: 'rogue', im: 'dummy', vm: 'dummy' });
  const figures: HostMonitoring = {
    HOSTNAME: 'rogue',
    ARCH: 'x86_64',
    CPU_MODEL: 'test',
    HYPERVISOR: 'dummy',
    TOTALCPU: 400,
    USEDCPU: 7,
    FREECPU: 393,
    TOTALMEMORY: 8_388_608,
    USEDMEMORY: 0,
    FREEMEMORY: 8_388_608,
    RUNNING_VMS: 0,
    TIMESTAMP: 0,
  };
  const push = (extra: object): Uint8Array => encodeFrames([{ t: 'evt', msg: { type: 'host.monitoring', figures, ...extra } } as Frame]);

  const rogue = await rawAgent(cloud.oned.url, rogueId, token as string, 'rogue-1');
  t.teardown(() => rogue.socket.close());
  // Valid, but it speaks for a VM that is not on its host: the host's figures are kept, the VM's are not.
  rogue.socket.emit('f', push({ vms: [{ vmId: vm.id, cpu: 4_000, memoryKb: 1 }] }));
  await cloud.waitState(rogueId, 'MONITORED');
  t.same(
    (await admin.call('host.monitoring', { host: rogueId })).samples.map((s) => s.usedCpu),
    [7],
  );
  t.notOk(
    (await admin.call('vm.monitoring', { id: vm.id })).samples.some((s) => s.hostId === rogueId || s.cpu === 4_000),
    "an agent cannot write another host's VM's figures",
  );

  // Garbage: too many VMs, a figure out of bounds, not a number.
  const huge = Array.from({ length: 65_537 }, (_, i) => ({ vmId: i, cpu: 1, memoryKb: 1 }));
  rogue.socket.emit('f', push({ figures: { ...figures, USEDCPU: 666 }, vms: huge }));
  t.match(await rogue.closed, /./, 'the connection that sent it is closed');
  const bye = rogue.received.find((f) => f.t === 'bye');
  t.match(bye, { t: 'bye', code: 'BAD_FRAME' }, 'with a bye saying BAD_FRAME');
  t.same(
    (await admin.call('host.monitoring', { host: rogueId })).samples.map((s) => s.usedCpu),
    [7],
    'nothing of the refused push is kept',
  );

  // The same agent dials again and resumes its link; its next valid push is taken.
  const again = await rawAgent(cloud.oned.url, rogueId, token as string, 'rogue-1');
  t.teardown(() => again.socket.close());
  again.socket.emit('f', push({ vms: [{ vmId: 1, cpu: Number.NaN, memoryKb: 1 }] }));
  await again.closed;
  t.match(
    again.received.find((f) => f.t === 'bye'),
    { code: 'BAD_FRAME' },
    'a figure that is not a number: refused too',
  );
  const third = await rawAgent(cloud.oned.url, rogueId, token as string, 'rogue-1');
  t.teardown(() => third.socket.close());
  third.socket.emit('f', push({ figures: { ...figures, USEDCPU: 8 }, vms: [] }));
  const after = await eventually(
    () => admin.call('host.monitoring', { host: rogueId, seconds: 0 }),
    (m) => m.samples[0]?.usedCpu === 8,
    5_000,
    'the next valid push kept',
  );
  t.equal(after.samples.length, 1);
  t.equal((await admin.call('host.info', { host: rogueId })).state, 'MONITORED', 'the host is MONITORED again');
  t.notOk(
    (await admin.call('host.monitoring', { host: rogueId })).samples.some((s) => s.usedCpu === 666),
    'and the garbage never made it in',
  );
  // Its next push, whenever it comes (the agent pushes on its own interval, which a loaded machine stretches).
  const honest = await eventually(
    () => admin.call('vm.monitoring', { id: vm.id, seconds: 0 }),
    (m) => m.samples.length > 0,
    10_000,
    "the honest agent's next push",
  );
  t.match(honest.samples, [{ hostId: honestId, cpu: 25 }], "the honest agent's VM is measured as before");
});

t.test('accounting: the stays that overlap a period, of the VMs the caller may see', async (t) => {
  const cloud = await startCloud(t, { monitoring: MONITORING });
  const admin = cloud.client;
  const { id: hostId } = await cloud.addHost('node1');
  await cloud.waitState(hostId, 'MONITORED');
  const alice = await user(t, cloud, 'alice');
  const bob = await user(t, cloud, 'bob');

  const before = Date.now() - 1;
  const early = await runningVm(cloud, alice, hostId);
  await alice.call('vm.action', { id: early.id, action: 'terminate', hard: true });
  const done = await eventually(
    () => alice.call('vm.info', { id: early.id }),
    (v) => v.state === 'DONE',
    10_000,
    'DONE',
  );
  const ended = done.history.at(-1)?.etime ?? 0;
  await new Promise((r) => setTimeout(r, 20));
  const between = Date.now();
  await new Promise((r) => setTimeout(r, 20));
  const late = await runningVm(cloud, alice, hostId);
  const lateStart = late.history.at(-1)?.stime ?? 0;
  const adminVm = await runningVm(cloud, admin, hostId);

  const all = await alice.call('vmpool.accounting', {});
  t.same(
    all.map((a) => a.vm.id),
    [early.id, late.id],
    'hers, the DONE one included, in id order',
  );
  t.match(all[0]?.records, [{ hostId, host: 'node1', stime: Number, etime: ended }], 'each stay with its host');
  t.equal(all[1]?.records[0]?.etime, undefined, 'a stay still open');
  t.match(all[0]?.vm, { user: 'alice', state: 'DONE' });

  const ids = async (c: ApiClient, p: { filter?: number; start?: number; end?: number }) =>
    (await c.call('vmpool.accounting', p)).map((a) => a.vm.id);
  t.same(await ids(alice, { end: before }), [], 'a period before anything ran');
  t.same(await ids(alice, { start: before, end: between }), [early.id], 'a period the first stay overlaps');
  t.same(await ids(alice, { start: between }), [late.id], 'after the first ended: the open stay alone');
  t.same(await ids(alice, { start: ended - 1, end: lateStart + 1 }), [early.id, late.id], 'a period both overlap');
  t.same(await ids(alice, { start: ended, end: lateStart }), [], 'the edges: ended at start, began at end, neither counts');

  t.same(await ids(bob, {}), [], 'another user sees none of hers');
  t.same(await ids(bob, { filter: early.uid }), [], 'not even naming her');
  t.same(await ids(admin, {}), [early.id, late.id, adminVm.id], 'an administrator sees all');
  t.same(await ids(admin, { filter: early.uid }), [early.id, late.id], "a user id: that user's");
  t.same(await ids(admin, { filter: -3 }), [adminVm.id], "-3: the caller's own");
  t.equal(await codeOf(admin.call('vmpool.accounting', { start: -5 })), 'INVALID_ARGUMENT');
  t.equal(await codeOf(admin.call('vmpool.accounting', { filter: -5 })), 'INVALID_ARGUMENT');

  // The CLI: oneacct per user, as OpenNebula's; onevm show with the VM's newest figures.
  const env = { NEPHELE_URL: cloud.oned.url, NEPHELE_AUTH: cloud.oned.authFile };
  const acct = await runCliBin(t, 'oneacct', ['--userfilter', 'alice'], env);
  t.equal(acct.code, 0);
  t.match(acct.out, /^# User \d+ alice$/m, 'a table per user');
  t.match(acct.out, new RegExp(`^\\s*${early.id}\\s+0 node1\\s+`, 'm'), 'a row per stay: VID, SEQ, host');
  t.notMatch(acct.out, /# User 0 oneadmin/, 'only the user asked for');
  const period = await runCliBin(t, 'oneacct', ['--start', new Date(between).toISOString(), '--json'], env);
  t.same(
    (JSON.parse(period.out) as { vm: { id: number } }[]).map((a) => a.vm.id),
    [late.id, adminVm.id],
    '--start: from that time on',
  );
  t.equal((await runCliBin(t, 'oneacct', ['--start', 'someday'], env)).code, 1, 'a date it cannot read: an error');
  await eventually(
    () => admin.call('vm.monitoring', { id: late.id, seconds: 0 }),
    (m) => m.samples.length === 1,
    10_000,
    'a sample',
  );
  const show = await runCliBin(t, 'onevm', ['show', String(late.id)], env);
  t.match(show.out, /VIRTUAL MACHINE MONITORING\nCPU\s+: 25\nMEMORY\s+: 64M\nLAST POLL/, 'onevm show prints the newest figures');
});

/**
 * oned's supervision tree is one subtree per domain under a `one_for_one`
 * root: a crash in one subtree restarts what is in it, and nothing in the
 * others. Crashes are injected through the kernel's crash path, as
 * test/oned/chaos.test.ts does, into a real oned with a real agent.
 */
import t, { type Test } from 'tap';
import { supervisor, type ActorRef, type AnyRef, type ChildSpec, type SupervisorMsg } from '../../src/actors/index.js';
import { HOST_POOL, HOST_SUPERVISOR } from '../../src/hosts/host-subtree.js';
import type { HostPoolMsg } from '../../src/hosts/host-pool.js';
import { NETWORK_POOL } from '../../src/networks/network-subtree.js';
import { PLACEMENT } from '../../src/placement/placement-subtree.js';
import { actorDirectory } from '../../src/oned/registry-names.js';
import { checkStartOrder } from '../../src/oned/root-supervisor.js';
import { TEMPLATE_POOL, VM_POOL, VM_SUPERVISOR } from '../../src/vms/vm-subtree.js';
import { startCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';

t.test('the start order is checked: a subtree needs what comes before it', async (t) => {
  const spec = (id: string): ChildSpec<SupervisorMsg> => ({ id, start: supervisor({ children: [] }) });
  const [a, b] = [spec('a'), spec('b')];
  t.doesNotThrow(() =>
    checkStartOrder([
      { spec: a, after: [] },
      { spec: b, after: [a] },
    ]),
  );
  t.throws(
    () =>
      checkStartOrder([
        { spec: b, after: [a] },
        { spec: a, after: [] },
      ]),
    TypeError,
    'a need listed later',
  );
  t.throws(() => checkStartOrder([{ spec: b, after: [a] }]), TypeError, 'a need not listed');
  t.throws(
    () =>
      checkStartOrder([
        { spec: a, after: [] },
        { spec: spec('a'), after: [] },
      ]),
    TypeError,
    'two subtrees of one id',
  );
});

t.test('a crash in one subtree restarts nothing in the others', async (t) => {
  const cloud = await startCloud(t, { scheduler: true });
  const c = cloud.client;
  const system = cloud.oned.system;
  const actors = actorDirectory(system);
  // Typed by name: no type argument, and the pool's messages are checked here.
  const hostPool: ActorRef<HostPoolMsg> = actors.lookup(HOST_POOL);
  let gaveUp = false;
  void cloud.oned.failed.then(() => {
    gaveUp = true;
  });

  const host = await cloud.addHost('h1');
  await cloud.waitState(host.id, 'MONITORED');
  await c.call('vn.allocate', { template: 'NAME = lan\nBRIDGE = br0\nAR = [ TYPE = IP4, IP = 10.9.0.10, SIZE = 4 ]\n' });
  const ids: number[] = [];
  for (const name of ['a', 'b']) {
    const { id } = await c.call('vm.allocate', {
      template: `NAME = ${name}\nCPU = 0.1\nMEMORY = 32\nNIC = [ NETWORK = lan ]\n`,
      hold: false,
    });
    ids.push(id);
  }
  for (const id of ids)
    await eventually(
      () => c.call('vm.info', { id }),
      (v) => v.state === 'RUNNING',
      20_000,
      `VM ${id} RUNNING`,
    );
  await eventually(
    () => cloud.host(host.id),
    (h) => h.rvm === 2,
    10_000,
    'the host to hold both VMs',
  );

  const vmRefs = ids.map((id) => actors.vm(id) as AnyRef);
  const hostRef = actors.host(host.id) as AnyRef;
  const network = actors.network(0) as AnyRef;
  t.equal(
    system.inspect(vmRefs[0] as AnyRef).path,
    `/oned/root/vms/vm-actors/${VM_SUPERVISOR}/vm-${ids[0]}`,
    'a VM actor sits in the VMs subtree',
  );
  t.equal(system.inspect(hostRef).path, `/oned/root/hosts/${HOST_SUPERVISOR}/host-${host.id}`, 'a host actor sits in the hosts subtree');
  t.equal(system.inspect(hostPool).path, `/oned/root/hosts/${HOST_POOL}`);
  t.equal(system.inspect(network).path, '/oned/root/networks/network-supervisor/vnet-0');

  const restarts = (ref: AnyRef): number => system.inspect(ref).restarts;
  /** The actors as they are now, to compare with after a crash elsewhere. */
  const snapshot = (refs: readonly AnyRef[]): { ref: AnyRef; restarts: number }[] => refs.map((ref) => ({ ref, restarts: restarts(ref) }));
  /** The same actors, running, not restarted since the snapshot. */
  const untouched = (t: Test, before: readonly { ref: AnyRef; restarts: number }[], what: string): void => {
    for (const { ref, restarts: n } of before) {
      // Refs compared by identity: tap would print a whole actor cell.
      t.ok(system.lookup(ref.name) === ref, `${what}: ${ref.name} is the same actor`);
      t.equal(system.inspect(ref).status, 'running', `${what}: ${ref.name} runs`);
      t.equal(restarts(ref), n, `${what}: ${ref.name} was not restarted`);
    }
  };
  // The kernel's crash path, as if a handler had thrown.
  const crash = (ref: AnyRef): void => (ref as unknown as { fail(e: Error): void }).fail(new Error(`injected crash of ${ref.name}`));
  /** Crashes `ref` and waits until its supervisor has restarted it. */
  const crashAndWait = async (ref: AnyRef, what: string): Promise<void> => {
    const n = restarts(ref);
    crash(ref);
    await eventually(
      async () => system.inspect(ref),
      (s) => s.restarts === n + 1 && s.status === 'running',
      10_000,
      what,
    );
  };

  await t.test('the network pool: VM and host actors, and the network actors, go on', async (t) => {
    const others = snapshot([network, ...vmRefs, actors.lookup(VM_POOL), hostRef, hostPool, actors.lookup(PLACEMENT)]);
    await crashAndWait(actors.lookup(NETWORK_POOL), 'the network pool to restart');
    untouched(t, others, 'network actors (adopted by the new pool), VMs, hosts, the scheduler');
    t.equal((await c.call('vn.info', { network: 'lan' })).name, 'lan', 'the API finds the network through the restarted pool');
  });

  await t.test('the host supervisor: host actors and the host pool restart, VM actors do not', async (t) => {
    const others = snapshot([...vmRefs, actors.lookup(VM_POOL), actors.lookup(PLACEMENT), network, actors.lookup(NETWORK_POOL)]);
    const pool = restarts(hostPool);
    crash(actors.lookup(HOST_SUPERVISOR));
    await eventually(
      async () => system.inspect(hostPool),
      (s) => s.restarts === pool + 1 && s.status === 'running',
      10_000,
      'the host pool to restart after its supervisor',
    );
    t.equal(system.inspect(hostRef).status, 'stopped', 'the old host actor went with its supervisor');
    const again = await eventually(
      async () => actors.host(host.id),
      (r) => r !== undefined && r !== hostRef,
      10_000,
      'a new host actor',
    );
    t.ok(again !== hostRef, 'a new host actor runs');
    untouched(t, others, 'VMs, the scheduler, networks');
    const back = await eventually(
      () => cloud.host(host.id),
      (h) => h.state === 'MONITORED' && h.rvm === 2,
      15_000,
      'the host to know its VMs again',
    );
    t.equal(back.rvm, 2, 'the new host actor learnt both VMs from the VM actors');
    for (const id of ids) t.equal((await c.call('vm.info', { id })).state, 'RUNNING', `VM ${id} never noticed`);
  });

  await t.test('the VM pool: VM actors are adopted, the template pool and hosts go on', async (t) => {
    const others = snapshot([...vmRefs, actors.lookup(TEMPLATE_POOL), actors.host(host.id) as AnyRef, hostPool, actors.lookup(PLACEMENT)]);
    await crashAndWait(actors.lookup(VM_POOL), 'the VM pool to restart');
    untouched(t, others, 'VM actors (adopted by the new pool), templates, hosts, the scheduler');
    t.same((await c.call('vmpool.info', { all: false })).map((v) => v.id).sort(), [...ids].sort(), 'the restarted pool lists both VMs');
  });

  await t.test('the VM supervisor: VM actors restart from the store, hosts and networks do not', async (t) => {
    const others = snapshot([
      actors.host(host.id) as AnyRef,
      hostPool,
      network,
      actors.lookup(NETWORK_POOL),
      actors.lookup(TEMPLATE_POOL),
      actors.lookup(PLACEMENT),
    ]);
    const vmPool = actors.lookup(VM_POOL);
    const pool = restarts(vmPool);
    crash(actors.lookup(VM_SUPERVISOR));
    await eventually(
      async () => system.inspect(vmPool),
      (s) => s.restarts === pool + 1 && s.status === 'running',
      10_000,
      'the VM pool to restart after its supervisor',
    );
    for (const [i, id] of ids.entries()) {
      const now = await eventually(
        async () => actors.vm(id),
        (r) => r !== undefined && r !== vmRefs[i],
        10_000,
        `VM ${id}'s new actor`,
      );
      t.ok(now !== vmRefs[i], `VM ${id} has a new actor`);
    }
    untouched(t, others, 'hosts, networks, templates, the scheduler');
    for (const id of ids) t.equal((await c.call('vm.info', { id })).state, 'RUNNING', `VM ${id} is RUNNING, read back from the store`);
    t.equal((await cloud.host(host.id)).rvm, 2, 'the host still holds both VMs');
  });

  await t.test('a subtree that gives up is restarted whole by the root, alone', async (t) => {
    const others = snapshot([...ids.map((id) => actors.vm(id) as AnyRef), actors.lookup(VM_POOL), network, actors.lookup(PLACEMENT)]);
    const first = actors.lookup(HOST_POOL);
    // The hosts subtree allows 5 restarts in 10 s: crashes of its pool soon make it give up, and the root restarts it whole.
    let crashes = 0;
    for (; crashes < 8 && actors.find(HOST_POOL) === first; crashes++) {
      const n = restarts(first);
      crash(first);
      await eventually(
        async () => actors.find(HOST_POOL),
        (r) => r !== undefined && system.inspect(r).status === 'running' && (r !== first || restarts(first) === n + 1),
        10_000,
        'the host pool back, restarted or new',
      );
    }
    const fresh = actors.lookup(HOST_POOL);
    t.ok(fresh !== first, `after ${crashes} crashes of its pool the hosts subtree started afresh, with a new pool`);
    t.ok(crashes <= 6, "within the subtree's intensity and one more");
    t.equal(restarts(fresh), 0, 'the new pool has not restarted');
    untouched(t, others, 'VMs, networks, the scheduler');
    await eventually(
      () => cloud.host(host.id),
      (h) => h.state === 'MONITORED' && h.rvm === 2,
      15_000,
      'the host back with its VMs',
    );
    t.notOk(gaveUp, 'the root did not give up');
  });
});

import t from 'tap';
import type { VmActionParams } from '../../src/api/api-types.js';
import { LIFECYCLE, transition } from '../../src/vms/vm-lifecycle.js';
import { USER_ACTION_NAMES, type UserAction, type UserEvent } from '../../src/vms/vm-actions.js';
import type { VmView } from '../../src/vms/vm-record.js';
import type { VmState } from '../../src/vms/vm-states.js';
import { startCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';

/**
 * Every user action of the table, in every state a VM can be brought to
 * through the real path (API → oned → agents), checked against the table:
 * the reply shows the state the table names, and an action the table does
 * not have is refused with ACTION_NOT_ALLOWED and changes nothing.
 */
t.test('every user action in every reachable state, through oned and real agents', async (t) => {
  const cloud = await startCloud(t);
  const h1 = await cloud.addHost('h1');
  const h2 = await cloud.addHost('h2');
  const broken = await cloud.addHost('broken', { fail: 'deploy,restore' });
  // slow enough to catch a VM in a transient state
  const slow = await cloud.addHost('slow', { latencyMs: 2500 });
  for (const h of [h1, h2, broken, slow]) await cloud.waitState(h.id, 'MONITORED');
  const c = cloud.client;
  let n = 0;
  const create = async (hold = false): Promise<number> =>
    (await c.call('vm.allocate', { template: `NAME = e${n++}\nCPU = 0.01\nMEMORY = 16\n`, hold })).id;
  const act = (id: number, action: VmActionParams['action'], extra: Partial<VmActionParams> = {}) =>
    c.call('vm.action', { id, action, ...extra });
  const settled = (id: number, state: VmState) =>
    eventually(
      () => c.call('vm.info', { id }),
      (v: VmView) => v.state === state && v.pending === undefined,
      20_000,
      `VM ${id} settled in ${state}`,
    );
  const runningOn = async (hostId: number): Promise<number> => {
    const id = await create();
    await act(id, 'deploy', { host: hostId });
    await settled(id, 'RUNNING');
    return id;
  };
  const running = (): Promise<number> => runningOn(h1.id);
  /** Starts `action` on a VM on the slow host and returns while it is in flight. */
  const caught = async (
    make: () => Promise<number>,
    action: VmActionParams['action'],
    state: VmState,
    extra: Partial<VmActionParams> = {},
  ) => {
    const id = await make();
    await act(id, action, extra);
    await eventually(
      () => c.call('vm.info', { id }),
      (v: VmView) => v.state === state,
      20_000,
      `VM ${id} caught in ${state}`,
    );
    return id;
  };
  const onSlow = (): Promise<number> => runningOn(slow.id);
  const from = async (
    make: () => Promise<number>,
    action: VmActionParams['action'],
    state: VmState,
    extra: Partial<VmActionParams> = {},
  ) => {
    const id = await make();
    await act(id, action, extra);
    await settled(id, state);
    return id;
  };

  // How to bring a fresh VM to each state the real path reaches today.
  const recipes: Partial<Record<VmState, () => Promise<number>>> = {
    PENDING: () => create(),
    HOLD: () => create(true),
    RUNNING: running,
    POWEROFF: () => from(running, 'poweroff', 'POWEROFF'),
    SUSPENDED: () => from(running, 'suspend', 'SUSPENDED'),
    STOPPED: () => from(running, 'stop', 'STOPPED'),
    UNDEPLOYED: () => from(running, 'undeploy', 'UNDEPLOYED'),
    BOOT_FAILURE: () => from(() => create(), 'deploy', 'BOOT_FAILURE', { host: broken.id }),
    BOOT_MIGRATE_FAILURE: () => from(running, 'migrate', 'BOOT_MIGRATE_FAILURE', { host: broken.id }),
    BOOT_STOPPED_FAILURE: async () => {
      const id = await from(running, 'stop', 'STOPPED');
      await act(id, 'resume');
      await act(id, 'deploy', { host: broken.id });
      await settled(id, 'BOOT_STOPPED_FAILURE');
      return id;
    },
    BOOT: () => caught(() => create(), 'deploy', 'BOOT', { host: slow.id }),
    SHUTDOWN: () => caught(onSlow, 'terminate', 'SHUTDOWN'),
    SHUTDOWN_POWEROFF: () => caught(onSlow, 'poweroff', 'SHUTDOWN_POWEROFF'),
    SHUTDOWN_UNDEPLOY: () => caught(onSlow, 'undeploy', 'SHUTDOWN_UNDEPLOY'),
    SAVE_STOP: () => caught(onSlow, 'stop', 'SAVE_STOP'),
    SAVE_SUSPEND: () => caught(onSlow, 'suspend', 'SAVE_SUSPEND'),
    SAVE_MIGRATE: () => caught(onSlow, 'migrate', 'SAVE_MIGRATE', { host: h1.id }),
    MIGRATE: () => caught(running, 'migrate', 'MIGRATE', { host: slow.id, live: true }),
    BOOT_UNDEPLOY_FAILURE: async () => {
      const id = await from(running, 'undeploy', 'UNDEPLOYED');
      await act(id, 'deploy', { host: broken.id });
      await settled(id, 'BOOT_UNDEPLOY_FAILURE');
      return id;
    },
  };

  const params = (action: UserAction, vm: VmView): Partial<VmActionParams> & { action: VmActionParams['action'] } => {
    const other = vm.hostId === h2.id ? h1.id : h2.id;
    if (action === 'deploy') return { action, host: h2.id };
    if (action === 'migrate') return { action, host: other };
    if (action === 'migrate_live') return { action: 'migrate', host: other, live: true };
    if (action === 'terminate_hard') return { action: 'terminate', hard: true };
    if (action.startsWith('recover_')) return { action: 'recover', op: action.slice('recover_'.length) as VmActionParams['op'] & string };
    return { action: action as VmActionParams['action'] };
  };
  const event = (p: Partial<VmActionParams> & { action: VmActionParams['action'] }): UserEvent => {
    switch (p.action) {
      case 'deploy':
        return { type: 'deploy', hostId: p.host as number };
      case 'migrate':
        return { type: 'migrate', hostId: p.host as number, live: p.live === true };
      case 'recover':
        return { type: 'recover', op: p.op ?? 'retry' };
      case 'terminate':
        return { type: 'terminate', hard: p.hard === true };
      default:
        return { type: p.action } as UserEvent;
    }
  };

  let walked = 0;
  let refused = 0;
  for (const [state, make] of Object.entries(recipes) as [VmState, () => Promise<number>][]) {
    const cases = USER_ACTION_NAMES.map(async (action) => {
      const id = await make();
      const vm = await c.call('vm.info', { id });
      const p = params(action, vm);
      const entry = LIFECYCLE[state][action];
      if (entry === undefined) {
        await t.rejects(act(id, p.action, p), { code: 'ACTION_NOT_ALLOWED' }, `${state} refuses ${action}`);
        t.equal((await c.call('vm.info', { id })).state, state, `${state} unchanged after a refused ${action}`);
        refused++;
        return;
      }
      // Prolog and epilog have nothing to move yet and finish in the same write: follow them as oned does.
      let step = transition(state, event(p));
      for (;;) {
        const local = step.effects.find((e) => e.kind === 'prolog' || e.kind === 'epilog');
        const then =
          local === undefined ? undefined : transition(step.next, { type: local.kind === 'prolog' ? 'prolog_done' : 'epilog_done' });
        if (then === undefined) break;
        step = then;
      }
      const expected = step.next;
      const reply = await act(id, p.action, p);
      t.equal(reply.state, expected, `${state} --${action}--> ${expected}`);
      walked++;
    });
    await Promise.all(cases);
  }
  const states = Object.keys(recipes) as VmState[];
  const edges = states.reduce((sum, s) => sum + USER_ACTION_NAMES.filter((a) => LIFECYCLE[s][a] !== undefined).length, 0);
  t.comment(`walked ${walked} edges, checked ${refused} refusals, in ${states.length} states`);
  t.equal(walked, edges, 'every user-action edge of these states, for real');
  t.equal(walked + refused, states.length * USER_ACTION_NAMES.length);
});

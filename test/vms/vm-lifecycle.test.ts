import t from 'tap';
import { isNepheleError } from '../../src/errors.js';
import {
  INITIAL,
  LIFECYCLE,
  OUTCOMES,
  OUTCOME_NAMES,
  allowedActions,
  created,
  isOutcome,
  keyOf,
  transition,
  type Effect,
  type EventKey,
  type Outcome,
  type TableEntry,
  type VmEvent,
} from '../../src/vms/vm-lifecycle.js';
import { USER_ACTION_NAMES, isUserAction, type UserAction } from '../../src/vms/vm-actions.js';
import { VM_STATES, VM_STATE_NAMES, isTransient, isVmState, shortState, type VmState } from '../../src/vms/vm-states.js';

const HOST = 7;

/** An event the table files under `key`. */
function sample(key: EventKey, hard = false): VmEvent {
  switch (key) {
    case 'deploy':
      return { type: 'deploy', hostId: HOST };
    case 'migrate':
      return { type: 'migrate', hostId: HOST };
    case 'migrate_live':
      return { type: 'migrate', hostId: HOST, live: true };
    case 'terminate_hard':
      return { type: 'terminate', hard: true };
    case 'terminate':
      return { type: key, hard: false };
    case 'poweroff':
    case 'reboot':
    case 'undeploy':
      return { type: key, hard };
    case 'recover_success':
    case 'recover_failure':
    case 'recover_retry':
    case 'recover_delete':
    case 'recover_recreate':
      return { type: 'recover', op: key.slice('recover_'.length) as 'success' };
    default:
      return { type: key } as VmEvent;
  }
}

/** The entry's effects with the event's parameters in, bound independently of the module. */
function expectedEffects(entry: TableEntry, hard: boolean): unknown[] {
  return entry.effects.map((e) =>
    Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v === '$hard' ? hard : v === '$hostId' ? HOST : v])),
  );
}

function rows(state: VmState): [EventKey, TableEntry][] {
  return Object.entries(LIFECYCLE[state]) as [EventKey, TableEntry][];
}

function edges(): { from: VmState; key: EventKey; entry: TableEntry }[] {
  return VM_STATE_NAMES.flatMap((from) => rows(from).map(([key, entry]) => ({ from, key, entry })));
}

/** The states reachable from `from` along entries whose key `use` accepts. */
function reachable(from: VmState, use: (key: EventKey) => boolean = () => true): Set<VmState> {
  const seen = new Set<VmState>([from]);
  const queue = [from];
  for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
    for (const [key, entry] of rows(state)) {
      if (use(key) && !seen.has(entry.next)) {
        seen.add(entry.next);
        queue.push(entry.next);
      }
    }
  }
  return seen;
}

/** Applies `events` from `from`; every one must apply. */
function run(from: VmState, events: VmEvent[]): { states: VmState[]; effects: Effect[][] } {
  const states: VmState[] = [from];
  const effects: Effect[][] = [];
  let state = from;
  for (const event of events) {
    const taken = transition(state, event);
    if (taken === undefined) throw new Error(`${event.type} was ignored in ${state}`);
    state = taken.next;
    states.push(state);
    effects.push([...taken.effects]);
  }
  return { states, effects };
}

const ESCAPE_KEYS: readonly EventKey[] = ['recover_delete', 'recover_recreate'];

t.test('the table has a row for every state, and its entries name known states and events', async (t) => {
  t.same(Object.keys(LIFECYCLE), VM_STATE_NAMES);
  for (const { from, key, entry } of edges()) {
    t.ok(isUserAction(key) || isOutcome(key), `${from}: ${key} is an event`);
    t.ok(isVmState(entry.next), `${from}: ${key} goes to a state`);
  }
});

t.test("transition takes every entry of the table, with the event's parameters bound", async (t) => {
  let walked = 0;
  for (const { from, key, entry } of edges()) {
    for (const hard of [false, true]) {
      const taken = transition(from, sample(key, hard));
      t.same(taken, { next: entry.next, effects: expectedEffects(entry, hard) }, `${from} --${key}${hard ? ' hard' : ''}-->`);
      t.notMatch(JSON.stringify(taken), /"\$/, 'no parameter left unbound');
      walked++;
    }
  }
  t.ok(walked > 400, `walked ${walked} edges`);
});

t.test('keyOf files each event under its key, and refuses what is no event', async (t) => {
  for (const key of [...USER_ACTION_NAMES, ...OUTCOME_NAMES]) t.equal(keyOf(sample(key)), key);
  t.equal(keyOf({ type: 'migrate', hostId: 1, live: false }), 'migrate');
  t.throws(() => keyOf({ type: 'frobnicate' } as unknown as VmEvent), TypeError);
  t.throws(() => keyOf({ type: 'recover', op: 'maybe' } as unknown as VmEvent), TypeError);
  t.throws(() => transition('RUNNING', { type: 'constructor' } as unknown as VmEvent), TypeError);
  t.throws(() => transition('RUNNNING' as VmState, { type: 'stop' }), TypeError);
});

t.test('every state but DONE reaches DONE, even without recover --delete and --recreate', async (t) => {
  for (const state of VM_STATE_NAMES) {
    t.ok(reachable(state).has('DONE'), `${state} reaches DONE`);
    t.ok(reachable(state, (key) => !ESCAPE_KEYS.includes(key)).has('DONE'), `${state} reaches DONE the long way`);
  }
});

t.test('every state can be reached from a new VM', async (t) => {
  const seen = new Set([...reachable(INITIAL.create.next), ...reachable(INITIAL.create_hold.next)]);
  t.same(
    VM_STATE_NAMES.filter((s) => !seen.has(s)),
    [],
  );
});

t.test('DONE is final: no action is allowed there and every outcome is stale', async (t) => {
  t.same(LIFECYCLE.DONE, {});
  t.same(allowedActions('DONE'), []);
  t.equal(VM_STATES.DONE.kind, 'final');
  for (const state of VM_STATE_NAMES) t.equal(VM_STATES[state].kind === 'final', state === 'DONE');
});

t.test('every user action is allowed somewhere and every outcome applies somewhere', async (t) => {
  const used = new Set(edges().map((e) => e.key));
  t.same(
    USER_ACTION_NAMES.filter((a) => !used.has(a)),
    [],
  );
  t.same(
    OUTCOME_NAMES.filter((o) => !used.has(o)),
    [],
  );
});

t.test('a refused action throws ACTION_NOT_ALLOWED naming the state', async (t) => {
  let refused = 0;
  for (const state of VM_STATE_NAMES) {
    for (const action of USER_ACTION_NAMES.filter((a) => !Object.hasOwn(LIFECYCLE[state], a))) {
      try {
        transition(state, sample(action) as Extract<VmEvent, { type: UserAction | 'migrate' | 'recover' }>);
        t.fail(`${action} in ${state} was allowed`);
      } catch (err) {
        t.ok(isNepheleError(err, 'ACTION_NOT_ALLOWED'), `${action} in ${state}`);
        if (isNepheleError(err)) {
          t.match(err.message, new RegExp(`\\b${state}\\b`));
          t.same(err.details, { state, action });
        }
      }
      refused++;
    }
  }
  t.ok(refused > 300, `${refused} refusals`);
  t.throws(() => transition('RUNNING', { type: 'hold' }), { code: 'ACTION_NOT_ALLOWED', message: 'cannot hold a VM in state RUNNING' });
  t.throws(() => transition('SHUTDOWN', { type: 'migrate', hostId: 1, live: true }), {
    code: 'ACTION_NOT_ALLOWED',
    message: 'cannot migrate --live a VM in state SHUTDOWN',
  });
  t.throws(() => transition('DONE', { type: 'recover', op: 'delete' }), { code: 'ACTION_NOT_ALLOWED', details: { state: 'DONE' } });
});

t.test('a stale outcome is ignored, never thrown', async (t) => {
  for (const state of VM_STATE_NAMES) {
    for (const outcome of OUTCOME_NAMES.filter((o) => !Object.hasOwn(LIFECYCLE[state], o))) {
      t.equal(transition(state, { type: outcome, reason: 'late' }), undefined, `${outcome} in ${state}`);
    }
  }
  t.equal(transition('DONE', { type: 'boot_done' }), undefined);
  // A boot reported after the operator gave up on it.
  const gaveUp = transition('BOOT', { type: 'recover', op: 'failure' });
  t.equal(gaveUp.next, 'BOOT_FAILURE');
  t.equal(transition(gaveUp.next, { type: 'boot_done' }), undefined);
  // The host comes back twice.
  t.equal(transition('RUNNING', { type: 'host_back_running' }), undefined);
});

t.test("allowedActions lists the user actions of the state's row, in a stable order", async (t) => {
  for (const state of VM_STATE_NAMES) {
    const actions = allowedActions(state);
    t.same(
      actions,
      USER_ACTION_NAMES.filter((a) => Object.hasOwn(LIFECYCLE[state], a)),
      state,
    );
    if (state !== 'DONE') t.ok(actions.includes('recover_delete') && actions.includes('recover_recreate'), `${state} has a way out`);
  }
  t.same(allowedActions('PENDING'), ['deploy', 'hold', 'terminate', 'terminate_hard', 'recover_delete', 'recover_recreate']);
  t.same(allowedActions('RUNNING'), [
    'terminate',
    'terminate_hard',
    'poweroff',
    'reboot',
    'stop',
    'suspend',
    'undeploy',
    'migrate',
    'migrate_live',
    'resched',
    'unresched',
    'recover_delete',
    'recover_recreate',
  ]);
});

t.test('state kinds agree with the table', async (t) => {
  const driverOutcomes = (state: VmState): Outcome[] =>
    rows(state)
      .map(([k]) => k)
      .filter((k): k is Outcome => isOutcome(k) && OUTCOMES[k].source === 'driver');
  for (const state of VM_STATE_NAMES) {
    const row = LIFECYCLE[state];
    const kind = VM_STATES[state].kind;
    t.equal(isTransient(state), driverOutcomes(state).length > 0, `${state}: transient iff it waits for a driver`);
    if (kind === 'transient') {
      // recover --success / --failure take the way of the outcome they stand for.
      const done = driverOutcomes(state).filter((o) => o.endsWith('_done'));
      const failed = driverOutcomes(state).filter((o) => o.endsWith('_failed'));
      t.equal(done.length, 1, `${state} waits for one step`);
      t.same(row.recover_success, row[done[0]!], `${state}: --success is ${done[0]}`);
      t.same(row.recover_failure, failed.length === 0 ? undefined : row[failed[0]!], `${state}: --failure`);
    }
    if (kind === 'failure') {
      t.same(
        rows(state)
          .map(([k]) => k)
          .sort(),
        ['recover_delete', 'recover_recreate', 'recover_retry', 'recover_success', 'terminate', 'terminate_hard'],
        state,
      );
      // --retry runs again the step that failed into this state, --success goes on as it would have.
      const retry = row.recover_retry!;
      t.ok(isTransient(retry.next), `${state} retries a step`);
      const step = driverOutcomes(retry.next).find((o) => o.endsWith('_failed'))!;
      t.equal(LIFECYCLE[retry.next][step]?.next, state, `${retry.next} fails into ${state}`);
      const succeeded = step.replace(/_failed$/, '_done') as Outcome;
      t.same(row.recover_success, LIFECYCLE[retry.next][succeeded], `${state}: --success as ${retry.next}'s ${succeeded}`);
      const kinds = { prolog: ['prolog'], boot: ['deploy', 'restore'], epilog: ['epilog'] }[step.replace(/_failed$/, '')];
      t.same(retry.effects.length, 1);
      t.ok(kinds?.includes(retry.effects[0]!.kind), `${state}: --retry runs ${retry.effects[0]!.kind}`);
    }
  }
});

t.test('every way into DONE gives the leases back and closes the history', async (t) => {
  for (const { from, key, entry } of edges().filter((e) => e.entry.next === 'DONE')) {
    const kinds = entry.effects.map((e) => e.kind);
    t.ok(kinds.includes('release_leases'), `${from} --${key}--> DONE releases the leases`);
    if (from !== 'PENDING' && from !== 'HOLD') {
      t.ok(
        entry.effects.some((e) => e.kind === 'close_history' && e.which === 'all'),
        `${from} --${key}--> DONE closes every stay`,
      );
    }
  }
});

t.test('the table and what transition returns are frozen', async (t) => {
  t.ok(Object.isFrozen(LIFECYCLE));
  for (const { from, entry } of edges()) {
    t.ok(Object.isFrozen(LIFECYCLE[from]) && Object.isFrozen(entry) && Object.isFrozen(entry.effects), from);
    t.ok(entry.effects.every((e) => Object.isFrozen(e)));
  }
  const taken = transition('PENDING', { type: 'deploy', hostId: 1 });
  t.ok(Object.isFrozen(taken) && Object.isFrozen(taken.effects) && taken.effects.every((e) => Object.isFrozen(e)));
});

t.test('short names are those of onevm list', async (t) => {
  t.same([...new Set(VM_STATE_NAMES.map(shortState))].sort(), [
    'boot',
    'clea',
    'done',
    'epil',
    'fail',
    'hold',
    'migr',
    'pend',
    'poff',
    'prol',
    'runn',
    'save',
    'shut',
    'stop',
    'susp',
    'unde',
    'unkn',
  ]);
  t.equal(shortState('SHUTDOWN_POWEROFF'), 'shut');
  t.equal(shortState('PROLOG_MIGRATE'), 'migr');
  t.equal(shortState('BOOT_STOPPED'), 'boot');
  for (const state of VM_STATE_NAMES) t.equal(state.endsWith('_FAILURE'), VM_STATES[state].kind === 'failure', state);
  for (const state of VM_STATE_NAMES) t.equal(state.endsWith('_FAILURE'), shortState(state) === 'fail', state);
});

// ---- OpenNebula's paths, step by step

t.test('create, deploy, run, terminate', async (t) => {
  t.same(created(), { next: 'PENDING', effects: [{ kind: 'schedule' }] });
  t.same(created({ hold: true }), { next: 'HOLD', effects: [] });
  const { states, effects } = run('PENDING', [
    { type: 'deploy', hostId: 3 },
    { type: 'prolog_done' },
    { type: 'boot_done' },
    { type: 'terminate' },
    { type: 'shutdown_done' },
    { type: 'epilog_done' },
  ]);
  t.same(states, ['PENDING', 'PROLOG', 'BOOT', 'RUNNING', 'SHUTDOWN', 'EPILOG', 'DONE']);
  t.same(effects, [
    [{ kind: 'unschedule' }, { kind: 'open_history', hostId: 3 }, { kind: 'prolog', from: 'images' }],
    [{ kind: 'deploy' }],
    [],
    [{ kind: 'shutdown', hard: false }],
    [{ kind: 'epilog', keepDisks: false }],
    [{ kind: 'close_history', which: 'all', reason: 'terminate' }, { kind: 'release_leases' }],
  ]);
  t.same(transition('RUNNING', { type: 'terminate', hard: true }).effects, [{ kind: 'shutdown', hard: true }]);
});

t.test('hold, release; terminate before deploy', async (t) => {
  t.same(run('PENDING', [{ type: 'hold' }, { type: 'release' }]).states, ['PENDING', 'HOLD', 'PENDING']);
  t.same(run('HOLD', [{ type: 'deploy', hostId: 1 }]).states, ['HOLD', 'PROLOG']);
  t.same(transition('PENDING', { type: 'terminate' }), { next: 'DONE', effects: [{ kind: 'unschedule' }, { kind: 'release_leases' }] });
});

t.test('reboot, resched and unresched keep the VM running', async (t) => {
  t.same(transition('RUNNING', { type: 'reboot', hard: true }), { next: 'RUNNING', effects: [{ kind: 'reboot', hard: true }] });
  t.same(transition('RUNNING', { type: 'resched' }), { next: 'RUNNING', effects: [{ kind: 'schedule' }] });
  t.same(transition('RUNNING', { type: 'unresched' }), { next: 'RUNNING', effects: [{ kind: 'unschedule' }] });
});

t.test('poweroff, resume', async (t) => {
  const { states, effects } = run('RUNNING', [
    { type: 'poweroff', hard: true },
    { type: 'shutdown_done' },
    { type: 'resume' },
    { type: 'boot_done' },
  ]);
  t.same(states, ['RUNNING', 'SHUTDOWN_POWEROFF', 'POWEROFF', 'BOOT_POWEROFF', 'RUNNING']);
  t.same(effects, [[{ kind: 'shutdown', hard: true }], [], [{ kind: 'deploy' }], []]);
  t.same(run('RUNNING', [{ type: 'vm_gone' }]).effects, [[{ kind: 'shutdown', hard: true }]], 'a guest that powers itself off');
  t.same(run('POWEROFF', [{ type: 'resume' }, { type: 'boot_failed' }]).states, ['POWEROFF', 'BOOT_POWEROFF', 'POWEROFF']);
});

t.test('stop, resume on the host the scheduler picks', async (t) => {
  const { states, effects } = run('RUNNING', [
    { type: 'stop' },
    { type: 'save_done' },
    { type: 'epilog_done' },
    { type: 'resume' },
    { type: 'deploy', hostId: 5 },
    { type: 'prolog_done' },
    { type: 'boot_done' },
  ]);
  t.same(states, ['RUNNING', 'SAVE_STOP', 'EPILOG_STOP', 'STOPPED', 'STOPPED', 'PROLOG_RESUME', 'BOOT_STOPPED', 'RUNNING']);
  t.same(effects, [
    [{ kind: 'save' }],
    [{ kind: 'epilog', keepDisks: true }],
    [{ kind: 'close_history', which: 'current', reason: 'stop' }],
    [{ kind: 'schedule' }],
    [{ kind: 'unschedule' }, { kind: 'open_history', hostId: 5 }, { kind: 'prolog', from: 'system_ds' }],
    [{ kind: 'restore' }],
    [],
  ]);
});

t.test('suspend, resume', async (t) => {
  const { states, effects } = run('RUNNING', [{ type: 'suspend' }, { type: 'save_done' }, { type: 'resume' }, { type: 'boot_done' }]);
  t.same(states, ['RUNNING', 'SAVE_SUSPEND', 'SUSPENDED', 'BOOT_SUSPENDED', 'RUNNING']);
  t.same(effects, [[{ kind: 'save' }], [], [{ kind: 'restore' }], []]);
});

t.test('undeploy, resume', async (t) => {
  const { states, effects } = run('RUNNING', [
    { type: 'undeploy' },
    { type: 'shutdown_done' },
    { type: 'epilog_done' },
    { type: 'resume' },
    { type: 'deploy', hostId: 2 },
    { type: 'prolog_done' },
    { type: 'boot_done' },
  ]);
  t.same(states, [
    'RUNNING',
    'SHUTDOWN_UNDEPLOY',
    'EPILOG_UNDEPLOY',
    'UNDEPLOYED',
    'UNDEPLOYED',
    'PROLOG_UNDEPLOY',
    'BOOT_UNDEPLOY',
    'RUNNING',
  ]);
  t.same(effects, [
    [{ kind: 'shutdown', hard: false }],
    [{ kind: 'epilog', keepDisks: true }],
    [{ kind: 'close_history', which: 'current', reason: 'undeploy' }],
    [{ kind: 'schedule' }],
    [{ kind: 'unschedule' }, { kind: 'open_history', hostId: 2 }, { kind: 'prolog', from: 'system_ds' }],
    [{ kind: 'deploy' }],
    [],
  ]);
  t.same(run('POWEROFF', [{ type: 'undeploy' }, { type: 'epilog_done' }]).states, ['POWEROFF', 'EPILOG_UNDEPLOY', 'UNDEPLOYED']);
});

t.test('cold migration: save, copy, restore', async (t) => {
  const { states, effects } = run('RUNNING', [
    { type: 'migrate', hostId: 4 },
    { type: 'save_done' },
    { type: 'prolog_done' },
    { type: 'boot_done' },
  ]);
  t.same(states, ['RUNNING', 'SAVE_MIGRATE', 'PROLOG_MIGRATE', 'BOOT_MIGRATE', 'RUNNING']);
  t.same(effects, [
    [{ kind: 'unschedule' }, { kind: 'open_history', hostId: 4 }, { kind: 'save' }],
    [{ kind: 'prolog', from: 'previous_host' }],
    [{ kind: 'close_history', which: 'previous', reason: 'migrate' }, { kind: 'restore' }],
    [],
  ]);
  t.same(
    run('RUNNING', [{ type: 'migrate', hostId: 4 }, { type: 'save_failed' }]).effects[1],
    [{ kind: 'close_history', which: 'current', reason: 'migrate_failed' }],
    'a failed save gives the target host back',
  );
});

t.test('live migration, and its failure', async (t) => {
  const live = { type: 'migrate', hostId: 4, live: true } as const;
  const ok = run('RUNNING', [live, { type: 'migrate_done' }]);
  t.same(ok.states, ['RUNNING', 'MIGRATE', 'RUNNING']);
  t.same(ok.effects, [
    [{ kind: 'unschedule' }, { kind: 'open_history', hostId: 4 }, { kind: 'migrate_live', to: 4 }],
    [{ kind: 'close_history', which: 'previous', reason: 'migrate' }],
  ]);
  const failed = run('RUNNING', [live, { type: 'migrate_failed' }]);
  t.same(failed.states, ['RUNNING', 'MIGRATE', 'RUNNING']);
  t.same(failed.effects[1], [{ kind: 'close_history', which: 'current', reason: 'migrate_failed' }]);
});

t.test('a lost host: UNKNOWN, then back with or without the VM', async (t) => {
  t.same(run('RUNNING', [{ type: 'host_lost' }, { type: 'host_back_running' }]).states, ['RUNNING', 'UNKNOWN', 'RUNNING']);
  t.same(run('RUNNING', [{ type: 'host_lost' }, { type: 'host_back_gone' }]).states, ['RUNNING', 'UNKNOWN', 'POWEROFF']);
  t.same(run('UNKNOWN', [{ type: 'resume' }, { type: 'boot_done' }]).states, ['UNKNOWN', 'BOOT_UNKNOWN', 'RUNNING']);
  t.same(run('UNKNOWN', [{ type: 'terminate', hard: true }]).effects, [[{ kind: 'shutdown', hard: true }]]);
  t.equal(transition('UNKNOWN', { type: 'host_lost' }), undefined, 'lost twice');
});

t.test('failures and recover', async (t) => {
  const retried = run('PENDING', [
    { type: 'deploy', hostId: 1 },
    { type: 'prolog_failed', reason: 'no space left' },
    { type: 'recover', op: 'retry' },
    { type: 'prolog_done' },
    { type: 'boot_failed' },
    { type: 'recover', op: 'success' },
  ]);
  t.same(retried.states, ['PENDING', 'PROLOG', 'PROLOG_FAILURE', 'PROLOG', 'BOOT', 'BOOT_FAILURE', 'RUNNING']);
  t.same(retried.effects[2], [{ kind: 'prolog', from: 'images' }], '--retry runs the prolog again');

  t.same(run('SHUTDOWN', [{ type: 'shutdown_failed' }]).states, ['SHUTDOWN', 'RUNNING'], 'a guest that ignores the shutdown');
  t.same(run('SHUTDOWN', [{ type: 'recover', op: 'failure' }]).states, ['SHUTDOWN', 'RUNNING']);
  t.same(run('EPILOG', [{ type: 'epilog_failed' }, { type: 'recover', op: 'success' }]).states, ['EPILOG', 'EPILOG_FAILURE', 'DONE']);

  t.same(transition('EPILOG_FAILURE', { type: 'recover', op: 'delete' }), {
    next: 'DONE',
    effects: [
      { kind: 'unschedule' },
      { kind: 'cleanup' },
      { kind: 'close_history', which: 'all', reason: 'delete' },
      { kind: 'release_leases' },
    ],
  });
  const recreated = run('RUNNING', [{ type: 'recover', op: 'recreate' }, { type: 'cleanup_done' }]);
  t.same(recreated.states, ['RUNNING', 'CLEANUP_RESUBMIT', 'PENDING']);
  t.same(recreated.effects, [
    [{ kind: 'unschedule' }, { kind: 'cleanup' }],
    [{ kind: 'close_history', which: 'all', reason: 'recreate' }, { kind: 'schedule' }],
  ]);
  t.throws(() => transition('PROLOG', { type: 'recover', op: 'retry' }), { code: 'ACTION_NOT_ALLOWED' }, 'retry is for failures');
  t.throws(() => transition('BOOT_FAILURE', { type: 'recover', op: 'failure' }), { code: 'ACTION_NOT_ALLOWED' });
  // Nothing runs in a failure state: terminate cleans up, with or without --hard.
  const abandon = {
    next: 'DONE',
    effects: [
      { kind: 'unschedule' },
      { kind: 'cleanup' },
      { kind: 'close_history', which: 'all', reason: 'terminate' },
      { kind: 'release_leases' },
    ],
  };
  t.same(transition('BOOT_FAILURE', { type: 'terminate' }), abandon);
  t.same(transition('BOOT_FAILURE', { type: 'terminate', hard: true }), abandon);
});

t.test('a step in flight ends only with terminate --hard, which abandons it', async (t) => {
  const abandon = {
    next: 'DONE',
    effects: [
      { kind: 'unschedule' },
      { kind: 'cleanup' },
      { kind: 'close_history', which: 'all', reason: 'terminate' },
      { kind: 'release_leases' },
    ],
  };
  for (const state of VM_STATE_NAMES.filter(isTransient)) {
    t.same(transition(state, { type: 'terminate', hard: true }), abandon, `${state} --terminate --hard--> DONE`);
    t.throws(
      () => transition(state, { type: 'terminate' }),
      { code: 'ACTION_NOT_ALLOWED' },
      `${state}: a plain terminate waits for the step`,
    );
  }
  t.same(transition('RUNNING', { type: 'terminate' }).effects, [{ kind: 'shutdown', hard: false }]);
  t.same(transition('RUNNING', { type: 'terminate', hard: true }).effects, [{ kind: 'shutdown', hard: true }]);
});

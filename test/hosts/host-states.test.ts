import t from 'tap';
import type { HostAdminState } from '../../src/hosts/host-record.js';
import {
  HOST_EVENTS,
  HOST_EVENT_NAMES,
  HOST_INITIAL,
  HOST_STATE_NAMES,
  HOST_STATE_RULES,
  HOST_TRANSITIONS,
  hostState,
  possibleFacts,
  startFacts,
  type HostFacts,
} from '../../src/hosts/host-states.js';

// The table against the rules: every combination of facts a host actor can hold, every event.

const ADMIN: readonly HostAdminState[] = ['enabled', 'disabled', 'offline'];
const FLAGS = ['connected', 'linked', 'monitored', 'everConnected', 'deployFailed', 'overdue'] as const;

function everyFacts(): HostFacts[] {
  const all: HostFacts[] = [];
  for (const admin of ADMIN) {
    for (let bits = 0; bits < 1 << FLAGS.length; bits++) {
      const f = Object.fromEntries(FLAGS.map((flag, i) => [flag, ((bits >> i) & 1) === 1])) as Omit<HostFacts, 'admin'>;
      const facts: HostFacts = { admin, ...f };
      if (possibleFacts(facts)) all.push(facts);
    }
  }
  return all;
}

const key = (from: string, event: string, to: string): string => `${from} --${event}--> ${to}`;

t.test('the transitions are exactly the moves the rules make', async (t) => {
  const seen = new Set<string>();
  for (const facts of everyFacts()) {
    for (const event of HOST_EVENT_NAMES) {
      const from = hostState(facts);
      const to = hostState(HOST_EVENTS[event].apply(facts));
      if (from !== to) seen.add(key(from, event, to));
    }
  }
  const table = HOST_TRANSITIONS.map((tr) => key(tr.from, tr.event, tr.to));
  t.same(
    [...seen].filter((k) => !table.includes(k)),
    [],
    'no move missing from the table',
  );
  t.same(
    table.filter((k) => !seen.has(k)),
    [],
    'no row the rules never take',
  );
  t.equal(new Set(table).size, table.length, 'no row twice');
});

t.test('a (state, event) with several ways out says when each is taken', async (t) => {
  for (const tr of HOST_TRANSITIONS) {
    const ways = HOST_TRANSITIONS.filter((o) => o.from === tr.from && o.event === tr.event);
    if (ways.length > 1) t.ok(tr.when !== undefined, key(tr.from, tr.event, tr.to));
  }
});

t.test('every state is reached, and each has a rule', async (t) => {
  const reached = new Set(everyFacts().map(hostState));
  t.same([...reached].sort(), [...HOST_STATE_NAMES].sort());
  for (const state of HOST_STATE_NAMES)
    t.ok(
      HOST_STATE_RULES.some((r) => r.state === state),
      state,
    );
  t.equal(HOST_STATE_RULES.at(-1)?.holds(startFacts('enabled')), true, 'the last rule always holds');
});

t.test('the rules, one by one', async (t) => {
  const base = startFacts('enabled');
  t.equal(hostState(base), 'INIT', 'a host just started waits for its agent');
  t.same(HOST_INITIAL, { enabled: 'INIT', disabled: 'DISABLED', offline: 'OFFLINE' });
  const linked = { ...base, connected: true, linked: true, everConnected: true };
  t.equal(hostState(linked), 'INIT', 'connected, no figures yet');
  t.equal(hostState({ ...linked, monitored: true }), 'MONITORED');
  t.equal(hostState({ ...linked, monitored: true, admin: 'disabled' }), 'DISABLED', "the operator's choice comes first");
  t.equal(hostState({ ...base, everConnected: true, monitored: true }), 'ERROR', 'lost');
  t.equal(hostState({ ...base, deployFailed: true }), 'ERROR');
  t.equal(hostState({ ...base, overdue: true }), 'ERROR', 'none connected in time');
  t.equal(hostState({ ...linked, overdue: true, deployFailed: true }), 'INIT', 'a connected agent is no error');
});

/**
 * A seeded chaos run: three clients (oneadmin, alice, bob) create VMs with
 * NICs, drive them through their life cycle at random and make and hold
 * network addresses, while oned and the dummy agents (as real processes,
 * 400 ms per operation) are killed with SIGKILL and started again. Then the
 * faults stop, everything is brought up, the cloud settles, and what oned,
 * the agents and the networks say must agree. The seed is printed; set
 * CHAOS_SEED to replay its choices and CHAOS_MS to run longer (see
 * docs/reliability.md).
 */
import t from 'tap';
import type { VmView } from '../../src/vms/vm-record.js';
import { VM_STATES } from '../../src/vms/vm-states.js';
import { runChaos, settle, type Final } from '../fixtures/chaos-run.js';

const SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const DURATION_MS = Number(process.env.CHAOS_MS ?? 45_000);
const SETTLE_MS = 30_000;
/**
 * Codes a call may be refused with here. An action that reaches a VM's actor
 * just as the VM ends (its actor stops at DONE) is asked of the pool again
 * and gets ACTION_NOT_ALLOWED, never the internal ACTOR_STOPPED.
 */
const EXPLAINED = new Set(['ACTION_NOT_ALLOWED', 'NO_LEASES', 'FRONTEND_UNREACHABLE', 'TOO_BUSY']);

t.setTimeout(DURATION_MS + 150_000);

const tag = `(seed ${SEED})`;
const count = (xs: Iterable<string>): string => {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return [...m]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
};

/** The stays a VM holds capacity for: its history records still open. */
const openHosts = (v: VmView): number[] => v.history.filter((h) => h.etime === undefined).map((h) => h.hostId);

t.test(`kill -9 of oned and agents under random actions of three clients ${tag}`, async (t) => {
  t.comment(
    `chaos seed ${SEED}, ${DURATION_MS} ms of actions and faults; replay: CHAOS_SEED=${SEED} npx tap test/abuse/chaos-kill.test.ts`,
  );
  const { rig, admin } = await runChaos(t, { seed: SEED, durationMs: DURATION_MS });
  const c = rig.counts;
  t.comment(`actions done: ${count([...c.done].flatMap(([k, n]) => Array<string>(n).fill(k)))}`);
  t.comment(`refused: ${count([...c.refused].flatMap(([k, n]) => Array<string>(n).fill(k)))}`);
  t.comment(
    `kills: oned ${c.onedKills}, agents ${c.agentKills}, with ${c.inFlightAtKills} VM operations in flight on what was killed; VMs created ${c.created.size}`,
  );
  t.ok(c.created.size > 0 && c.onedKills + c.agentKills > 0, `the run made VMs and injected faults ${tag}`);
  // A refusal the VM's state, a full network or a dead oned explains; anything else is a finding.
  t.same(
    [...c.refused.keys()].filter((code) => !EXPLAINED.has(code)),
    [],
    `every refused call was refused for a reason its state explains ${tag}`,
  );

  const f: Final = await settle(rig, admin, SETTLE_MS);
  t.comment(`final states: ${count(f.vms.map((v) => v.state))}`);
  const failed = f.vms.filter((v) => VM_STATES[v.state].kind === 'failure');
  for (const v of failed) t.comment(`VM ${v.id} ${v.state}: ${v.lastError ?? '(no reason)'}`);

  t.same(c.unexpectedExits, [], `no process exited by itself ${tag}`);
  t.same(
    f.hosts.filter((h) => h.state !== 'MONITORED').map((h) => `${h.name} ${h.state} ${h.error ?? ''}`),
    [],
    `every host MONITORED ${tag}`,
  );

  // (a) settled: nothing in flight, nothing UNKNOWN with every host up; a failure says why.
  t.same(f.unsettled, [], `every VM settled in ${SETTLE_MS} ms ${tag}`);
  t.same(
    failed.filter((v) => v.lastError === undefined).map((v) => `${v.id} ${v.state}`),
    [],
    `every failed VM has its reason ${tag}`,
  );

  // (e) no VM lost.
  const byId = new Map(f.vms.map((v) => [v.id, v]));
  t.same(
    [...c.created.keys()].filter((id) => !byId.has(id)),
    [],
    `every VM created is still listed (DONE counts) ${tag}`,
  );

  // A resched moves a VM once at most (under striping, VMs flagged together once chased each other), and so does a migrate.
  const moved = f.vms.map((v) => ({ id: v.id, n: v.history.filter((h) => h.reason === 'migrate').length, asked: c.moves.get(v.id) ?? 0 }));
  t.same(
    moved.filter((m) => m.n > m.asked).map((m) => `VM ${m.id} moved ${m.n} times for ${m.asked} resched/migrate calls`),
    [],
    `no VM migrated more often than it was asked to ${tag}`,
  );

  // (b) each agent runs exactly the VMs oned has running there, and no VM is on two hosts.
  for (const h of f.hosts) {
    const running = f.vms.filter((v) => v.state === 'RUNNING' && v.hostId === h.id).map((v) => v.id);
    const agent = f.agents.get(h.id);
    t.equal(
      agent?.runningVms,
      running.length,
      `host ${h.name}: the agent runs as many VMs as oned has RUNNING there (${running.join(',')}) ${tag}`,
    );
    t.same(
      running.filter((id) => !(agent?.ledger ?? []).includes(id)),
      [],
      `host ${h.name}: its ledger holds every VM oned has RUNNING there ${tag}`,
    );
    t.same(
      (agent?.ledger ?? [])
        .filter((id) => !running.includes(id))
        .map((id) => `${id} ${byId.get(id)?.state ?? '?'} on ${byId.get(id)?.hostId ?? '-'}`),
      [],
      `host ${h.name}: its ledger holds no VM that oned does not run there ${tag}`,
    );
  }
  const ledgers = [...f.agents.values()].flatMap((a) => a.ledger);
  t.same(
    ledgers.filter((id, i) => ledgers.indexOf(id) !== i),
    [],
    `no VM in two agents' ledgers ${tag}`,
  );

  // (d) each host's allocation is the sum of the VMs with an open stay on it.
  for (const h of f.hosts) {
    const here = f.vms.filter((v) => openHosts(v).includes(h.id));
    t.same(
      [...h.vms].sort((a, b) => a - b),
      here.map((v) => v.id),
      `host ${h.name}: its VMs are those with a stay open on it ${tag}`,
    );
    t.equal(h.allocatedCpu, Math.round(here.reduce((s, v) => s + v.cpu * 100, 0)), `host ${h.name}: allocated CPU ${tag}`);
    t.equal(
      h.allocatedMem,
      here.reduce((s, v) => s + v.memory * 1024, 0),
      `host ${h.name}: allocated memory ${tag}`,
    );
  }
  t.same(
    f.vms.filter((v) => v.state === 'DONE' && openHosts(v).length > 0).map((v) => v.id),
    [],
    `no DONE VM holds a host ${tag}`,
  );

  // (c) leases: a network's VM leases are the NICs of its live VMs, no address twice; holds are the ones made.
  for (const n of f.nets) {
    const leased = n.leases
      .filter((l) => l.vmId !== undefined)
      .map((l) => `${l.vmId}/${l.nicId}/${l.ip}`)
      .sort();
    const nics = f.vms
      .filter((v) => v.state !== 'DONE')
      .flatMap((v) => v.nics.filter((x) => x.networkId === n.id).map((x) => `${v.id}/${x.nicId}/${x.ip}`))
      .sort();
    t.same(leased, nics, `network ${n.name}: its leases are the NICs of its live VMs ${tag}`);
    const ips = n.leases.map((l) => l.ip);
    t.same(
      ips.filter((ip, i) => ips.indexOf(ip) !== i),
      [],
      `network ${n.name}: no address leased twice ${tag}`,
    );
    t.equal(n.used, n.leases.length, `network ${n.name}: used counts its leases ${tag}`);
    const holds = n.leases.filter((l) => l.vmId === undefined).map((l) => l.ip ?? '');
    const made = c.held.get(n.id) ?? new Set<string>();
    const unsure = c.heldUnsure.get(n.id) ?? new Set<string>();
    t.same(
      holds.filter((ip) => !made.has(ip) && !unsure.has(ip)),
      [],
      `network ${n.name}: no hold nobody made ${tag}`,
    );
    t.same(
      [...made].filter((ip) => !unsure.has(ip) && !holds.includes(ip)),
      [],
      `network ${n.name}: every hold made is kept ${tag}`,
    );
  }
});

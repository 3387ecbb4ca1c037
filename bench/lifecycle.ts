/**
 * The lifecycle suite: how fast oned takes VMs from `vm.allocate` to
 * RUNNING, and how fast it comes back from a restart with 20,000 VMs, with
 * the real pieces (see cloud-rig.ts): oned in this process on a temp data
 * dir, an ApiClient over socket.io on loopback, and HOSTS real `onenode
 * --vm dummy` agent processes (dummy latency 0: a deploy costs the node
 * nothing, so what is measured is oned, the API and the link).
 *
 * 1. vm_create_to_running_p50/p99_ms, vms_all_running_s. CREATE_VMS VMs
 *    (template CPU = 0.001, MEMORY = 64: the dummy reserves round(CPU × 100)
 *    percent of a core, so 0 here, and 64 MiB, which HOSTS hosts × the
 *    machine's memory hold; oned still counts ALLOCATED_CPU of 0.1 % each),
 *    CONCURRENCY at a time: each of CONCURRENCY workers calls `vm.allocate`,
 *    then `vm.action deploy` to the next host round-robin (there is no
 *    scheduler yet), then starts its next VM. Each VM's create→RUNNING is
 *    read from oned's own records once all run: from its STIME (set when
 *    the create is handled) to the RSTIME of its stay (set when RUNNING is
 *    written), so no poller races the VMs or loads oned; the end of the
 *    burst is checked every DONE_POLL_MS. The client runs in this process,
 *    on oned's thread, and is part of what is measured. Baseline:
 *    CREATE_VMS bare `system.version` round trips by CONCURRENCY workers
 *    (the floor of any API call at that concurrency), taken just before the
 *    burst. RUNS runs, each on a fresh cloud (new data dir, oned, agents) so
 *    that each starts from the same state: WARMUP_VMS VMs and calls through
 *    the same paths, untimed, then the baseline, then the burst. Reported:
 *    the median over the runs of each run's p50, p99 and total time.
 * 2. restart_20k_s, restart_hosts_back_s. oned is closed; VM records are
 *    written straight into its store until it holds RESTART_VMS VMs (the
 *    VmRecord shape of a placed VM: POWEROFF, one open history stay on a
 *    host round-robin, no pending operation), on the last run's data dir —
 *    its WARMUP_VMS + CREATE_VMS VMs made through the API count — then oned starts again on
 *    the same data dir and port. restart_20k_s runs from the startOned call
 *    until a fresh client's `vmpool.info` answers with all RESTART_VMS VMs;
 *    restart_hosts_back_s until `hostpool.info` shows every host MONITORED
 *    again. The agents, left running, redial on their own backoff (250 ms
 *    doubling, ±20 %), which restart_hosts_back_s includes. Baseline for
 *    both: `Store.open` of the same LevelDB plus `list('vms')` of every
 *    record — the raw cost of reading the state — median of RUNS, taken
 *    after oned is closed at the end.
 * 3. restart_20k_heap_mb: heapUsed after the restart (every host back)
 *    minus heapUsed just before startOned, both after forced collections;
 *    the baseline is the heap before the start, so the ratio is the growth.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VmView, VmRecord } from '../src/vms/vm-record.js';
import type { ApiClient } from '../src/cli/api-client.js';
import type { Oned } from '../src/oned/oned.js';
import { ONEADMIN_ID } from '../src/users/user-record.js';
import { fillStore, readState } from './store-fill.js';
import { connectClient, startBenchOned, startCloud, until, type AgentProc, type Cloud } from './cloud-rig.js';
import {
  RUNS,
  median,
  now,
  percentile,
  pool,
  result,
  settledHeapUsed,
  type Progress,
  type Result,
  type SuiteOptions,
  type SuiteResult,
} from './suite.js';

// ---- sizes ---------------------------------------------------------------------

const HOSTS = 4;
const CREATE_VMS = 1_000;
const WARMUP_VMS = 100;
const CONCURRENCY = 100;
const RESTART_VMS = 20_000;
const VM_CPU = 0.001;
/** MiB; less if HOSTS hosts of this machine's memory could not hold every VM. */
const VM_MEMORY = Math.max(1, Math.min(64, Math.floor(((totalmem() / 2 ** 20) * 0.9) / Math.ceil((CREATE_VMS + WARMUP_VMS) / HOSTS))));
const TEMPLATE = `CPU = ${VM_CPU}\nMEMORY = ${VM_MEMORY}\n`;

// ---- targets -------------------------------------------------------------------

const CREATE_P50_TARGET_MS = 50;
const RESTART_TARGET_S = 5;

export const notes: readonly string[] = [
  `ratio = value / baseline. oned in this process, ${HOSTS} real onenode --vm dummy agents, ApiClient over loopback.`,
  `create→RUNNING: ${CREATE_VMS} VMs (CPU ${VM_CPU}, MEMORY ${VM_MEMORY}), ${CONCURRENCY} in flight, create→RUNNING from oned's STIME and RSTIME;` +
    ` baseline: ${CREATE_VMS} system.version calls, ${CONCURRENCY} in flight. Median of ${RUNS} runs, each on a fresh cloud.`,
  `restart: oned closed, store filled to ${RESTART_VMS} VMs placed on the hosts, started again; baseline: Store.open + list('vms') (median of ${RUNS}).`,
  'restart_20k_heap_mb: heap growth over the restart (after gc); its baseline is the heap before the start.',
];

// ---- 1. create → RUNNING ------------------------------------------------------------

const FAILED = /FAILURE|^UNKNOWN$|^DONE$/;
/** How often the end of a burst is checked; slow on purpose, so watching costs oned little. */
const DONE_POLL_MS = 100;

interface Burst {
  /** ms from each VM's creation (its STIME) to when it first ran (its stay's RSTIME), sorted. */
  latencies: Float64Array;
  /** From the first create call to the last VM running. */
  totalMs: number;
  polls: number;
}

/**
 * CONCURRENCY workers create and deploy VMs (each worker's next create
 * starts once its deploy call is answered), then the burst ends when every
 * VM runs. Each VM's create→RUNNING comes from oned's own records — its
 * STIME and the RSTIME of its stay — so no poller has to race the VMs.
 */
async function createBurst(client: ApiClient, hostIds: readonly number[], n: number): Promise<Burst> {
  const t0 = Date.now();
  const ids = await pool(n, CONCURRENCY, async (i) => {
    const { id } = await client.call('vm.allocate', { template: TEMPLATE, hold: false });
    await client.call('vm.action', { id, action: 'deploy', host: hostIds[i % hostIds.length] as number });
    return id;
  });
  const wanted = new Set(ids);
  let polls = 0;
  for (;;) {
    polls++;
    const list = (await client.call('vmpool.info', { all: false })).filter((v) => wanted.has(v.id));
    const bad = list.find((v) => FAILED.test(v.state));
    if (bad !== undefined) throw new Error(`VM ${bad.id} went ${bad.state}: ${bad.lastError ?? ''}`);
    if (list.length === wanted.size && list.every((v) => v.state === 'RUNNING')) {
      const ran = list.map((v) => (v.history[v.history.length - 1]?.rstime ?? NaN) - v.stime);
      if (ran.some((x) => !Number.isFinite(x))) throw new Error('a RUNNING VM without RSTIME');
      const last = Math.max(...list.map((v) => v.history[v.history.length - 1]?.rstime ?? 0));
      return { latencies: Float64Array.from(ran).sort(), totalMs: last - t0, polls };
    }
    await new Promise((r) => setTimeout(r, DONE_POLL_MS));
  }
}

interface Calls {
  p50: number;
  p99: number;
  totalMs: number;
}

async function versionCalls(client: ApiClient, n: number): Promise<Calls> {
  const t0 = now();
  const samples = await pool(n, CONCURRENCY, async () => {
    const start = now();
    await client.call('system.version', {});
    return now() - start;
  });
  const totalMs = now() - t0;
  const sorted = Float64Array.from(samples).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), totalMs };
}

// ---- 2. restart ------------------------------------------------------------------------

/**
 * A VM placed on a host as VmActor leaves it after a poweroff: one open stay
 * (so it registers with its host on start, as a running one does), no
 * operation in flight. Not RUNNING: the agents do not run these VMs, and oned
 * would rightly reconcile RUNNING ones to POWEROFF when the agents return —
 * 18,900 transitions that are no part of a restart.
 */
function placedRecord(id: number, hostId: number, at: number): VmRecord {
  return {
    id,
    name: `bench-${id}`,
    uid: ONEADMIN_ID,
    template: TEMPLATE,
    cpu: VM_CPU,
    vcpu: 1,
    memory: VM_MEMORY,
    state: 'POWEROFF',
    history: [{ seq: 0, hostId, stime: at, etime: undefined, reason: undefined }],
    pending: undefined,
    // prolog and deploy were issued
    opSeq: 2,
    scheduled: false,
    stime: at,
    etime: undefined,
    lastError: undefined,
  };
}

function countStates(vms: readonly VmView[]): string {
  const by = new Map<string, number>();
  for (const v of vms) by.set(v.state, (by.get(v.state) ?? 0) + 1);
  return [...by].map(([s, n]) => `${s} ${n}`).join(', ');
}

// ---- the suite ---------------------------------------------------------------------------------

interface BurstRun {
  p50: number;
  p99: number;
  totalS: number;
  polls: number;
  base: Calls;
}

/** One measured run on `cloud`: warm-up, the baseline, then the burst. */
async function burstRun(cloud: Cloud): Promise<BurstRun> {
  await versionCalls(cloud.client, WARMUP_VMS);
  await createBurst(cloud.client, cloud.hostIds, WARMUP_VMS);
  const base = await versionCalls(cloud.client, CREATE_VMS);
  const b = await createBurst(cloud.client, cloud.hostIds, CREATE_VMS);
  return {
    p50: percentile(b.latencies, 50),
    p99: percentile(b.latencies, 99),
    totalS: b.totalMs / 1000,
    polls: b.polls,
    base,
  };
}

async function stopCloud(cloud: { client: ApiClient | undefined; oned: Oned | undefined; agents: readonly AgentProc[] }): Promise<void> {
  cloud.client?.close();
  await Promise.all(cloud.agents.map((a) => a.stop()));
  await cloud.oned?.close();
}

export async function run(opts: SuiteOptions): Promise<SuiteResult> {
  const progress: Progress = opts.json ? () => undefined : (line) => process.stderr.write(`  ${line}\n`);
  const results: Record<string, Result> = {};
  const started = now();
  const root = await mkdtemp(join(tmpdir(), 'nephele-bench-lifecycle-'));
  // What is running now, for the finally block.
  const live: { client: ApiClient | undefined; oned: Oned | undefined; agents: readonly AgentProc[] } = {
    client: undefined,
    oned: undefined,
    agents: [],
  };
  try {
    // ---- 1. create → RUNNING: RUNS runs, each on a fresh cloud, so that each starts from the same state
    const runs: BurstRun[] = [];
    let cloud: Cloud | undefined;
    let dir = '';
    for (let r = 0; r < RUNS; r++) {
      if (cloud !== undefined) {
        await stopCloud(live);
        await rm(dir, { recursive: true, force: true });
      }
      dir = join(root, `run-${r}`);
      cloud = await startCloud(dir, HOSTS);
      live.oned = cloud.oned;
      live.client = cloud.client;
      live.agents = cloud.agents;
      const b = await burstRun(cloud);
      runs.push(b);
      progress(
        `run ${r + 1}: create→RUNNING p50 ${b.p50.toFixed(1)} ms, p99 ${b.p99.toFixed(1)} ms` +
          ` (oned's STIME → RSTIME), all ${CREATE_VMS} in ${b.totalS.toFixed(2)} s (${b.polls} end checks);` +
          ` system.version p50 ${b.base.p50.toFixed(2)} ms, p99 ${b.base.p99.toFixed(2)} ms, all in ${(b.base.totalMs / 1000).toFixed(3)} s`,
      );
    }
    if (cloud === undefined) throw new Error('no run');
    const pick = (f: (b: BurstRun) => number): { value: number; runs: number[] } => ({ value: median(runs.map(f)), runs: runs.map(f) });
    const p50 = pick((b) => b.p50);
    const p99 = pick((b) => b.p99);
    const total = pick((b) => b.totalS);
    const b50 = pick((b) => b.base.p50);
    const b99 = pick((b) => b.base.p99);
    const bTotal = pick((b) => b.base.totalMs / 1000);
    results['vm_create_to_running_p50_ms'] = result(p50.value, 'ms', b50.value, 'lower', {
      target: CREATE_P50_TARGET_MS,
      runs: p50.runs,
      baselineRuns: b50.runs,
    });
    results['vm_create_to_running_p99_ms'] = result(p99.value, 'ms', b99.value, 'lower', { runs: p99.runs, baselineRuns: b99.runs });
    results['vms_all_running_s'] = result(total.value, 's', bTotal.value, 'lower', { runs: total.runs, baselineRuns: bTotal.runs });

    // ---- 2. restart with RESTART_VMS VMs, on the last run's cloud
    const dataDir = join(dir, 'oned');
    const dbDir = join(dataDir, 'db');
    const port = cloud.oned.port;
    const before = await cloud.client.call('vmpool.info', { all: false });
    progress(`before the restart: ${before.length} VMs (${countStates(before)})`);
    cloud.client.close();
    live.client = undefined;
    await cloud.oned.close();
    live.oned = undefined;
    const hostIds = cloud.hostIds;
    const { written } = await fillStore(dbDir, RESTART_VMS, (id, at) => placedRecord(id, hostIds[id % hostIds.length] as number, at));
    progress(`wrote ${written} VM records straight into the store (${RESTART_VMS - written} were created through the API)`);

    const heapBefore = await settledHeapUsed();
    const t0 = now();
    const oned = await startBenchOned(dataDir, port);
    live.oned = oned;
    const tListening = now();
    const client = await connectClient(oned);
    live.client = client;
    let all = await client.call('vmpool.info', { all: false });
    if (all.length !== RESTART_VMS) throw new Error(`vmpool.info lists ${all.length} VMs after the restart, expected ${RESTART_VMS}`);
    const tApi = now();
    await until(
      () => client.call('hostpool.info', {}),
      (hs) => hs.every((h) => h.state === 'MONITORED'),
      'every host MONITORED after the restart',
      30_000,
    );
    const tHosts = now();
    progress(
      `restart: startOned ${((tListening - t0) / 1000).toFixed(2)} s, vmpool.info with ${RESTART_VMS} VMs at ${((tApi - t0) / 1000).toFixed(2)} s,` +
        ` every host MONITORED at ${((tHosts - t0) / 1000).toFixed(2)} s`,
    );
    all = await client.call('vmpool.info', { all: false });
    progress(`after the restart: ${countStates(all)}`);
    all = [];
    const heapAfter = await settledHeapUsed();
    const mb = (b: number): number => b / 2 ** 20;
    progress(
      `heap: ${mb(heapBefore).toFixed(1)} MB before the start, ${mb(heapAfter).toFixed(1)} MB after (${((heapAfter - heapBefore) / RESTART_VMS).toFixed(0)} B per VM)`,
    );

    client.close();
    live.client = undefined;
    await oned.close();
    live.oned = undefined;
    const reads: number[] = [];
    for (let r = 0; r < RUNS; r++) reads.push(await readState(dbDir, RESTART_VMS));
    const readS = median(reads) / 1000;
    progress(`Store.open + list('vms') of ${RESTART_VMS}: ${(readS * 1000).toFixed(0)} ms`);
    const readRuns = reads.map((ms) => ms / 1000);
    results['restart_20k_s'] = result((tApi - t0) / 1000, 's', readS, 'lower', { target: RESTART_TARGET_S, baselineRuns: readRuns });
    results['restart_hosts_back_s'] = result((tHosts - t0) / 1000, 's', readS, 'lower', { baselineRuns: readRuns });
    results['restart_20k_heap_mb'] = result(mb(heapAfter - heapBefore), 'MB', mb(heapBefore), 'lower');
  } finally {
    await stopCloud(live);
    await rm(root, { recursive: true, force: true });
  }

  progress(`suite took ${((now() - started) / 1000).toFixed(1)} s`);
  return { suite: 'lifecycle', results };
}

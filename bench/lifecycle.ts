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
 *    scheduler yet), then waits for RUNNING, then starts its next VM.
 *    RUNNING is seen by ONE poller that calls `vmpool.info` back to back, at
 *    most once every POLL_MS, and timestamps each VM when the first reply
 *    showing it RUNNING arrives: an upper bound of the true time (the
 *    progress line also gives the lower bound, the send time of the previous
 *    poll). The poller loads oned too — every poll lists and encodes every
 *    VM — which is part of what is measured. WARMUP_VMS VMs go through the
 *    same path first, untimed. Baseline: CREATE_VMS bare `system.version`
 *    round trips by CONCURRENCY workers, without the poller (the floor of
 *    any API call at that concurrency); the median over RUNS runs of its
 *    p50 / p99 / total time.
 * 2. restart_20k_s, restart_hosts_back_s. oned is closed; VM records are
 *    written straight into its store until it holds RESTART_VMS VMs (the
 *    VmRecord shape of a deployed VM: RUNNING, one open history stay on a
 *    host round-robin, no pending operation), then oned starts again on the
 *    same data dir and port. restart_20k_s runs from the startOned call
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
import { ONEADMIN_ID } from '../src/oned/admin-user.js';
import { Store } from '../src/store/index.js';
import { addAgent, connectClient, startBenchOned, until, type AgentProc } from './cloud-rig.js';
import {
  RUNS, median, now, percentile, result, settledHeapUsed,
  type Progress, type Result, type SuiteOptions, type SuiteResult,
} from './suite.js';

// ---- sizes ---------------------------------------------------------------------

const HOSTS = 4;
const CREATE_VMS = 1_000;
const WARMUP_VMS = 100;
const CONCURRENCY = 100;
const POLL_MS = 20;
const RESTART_VMS = 20_000;
const VM_CPU = 0.001;
/** MiB; less if HOSTS hosts of this machine's memory could not hold every VM. */
const VM_MEMORY = Math.max(1, Math.min(64, Math.floor((totalmem() / 2 ** 20) * 0.9 / Math.ceil((CREATE_VMS + WARMUP_VMS) / HOSTS))));
const TEMPLATE = `CPU = ${VM_CPU}\nMEMORY = ${VM_MEMORY}\n`;

// ---- targets -------------------------------------------------------------------

const CREATE_P50_TARGET_MS = 50;
const RESTART_TARGET_S = 5;

export const notes: readonly string[] = [
  `ratio = value / baseline. oned in this process, ${HOSTS} real onenode --vm dummy agents, ApiClient over loopback.`,
  `create→RUNNING: ${CREATE_VMS} VMs (CPU ${VM_CPU}, MEMORY ${VM_MEMORY}), ${CONCURRENCY} in flight, RUNNING seen by polling vmpool.info every ≥${POLL_MS} ms;`
    + ` baseline: ${CREATE_VMS} system.version calls, ${CONCURRENCY} in flight (median of ${RUNS} runs).`,
  `restart: oned closed, store filled to ${RESTART_VMS} RUNNING VMs, started again; baseline: Store.open + list('vms') (median of ${RUNS}).`,
  'restart_20k_heap_mb: heap growth over the restart (after gc); its baseline is the heap before the start.',
];

// ---- 1. create → RUNNING ------------------------------------------------------------

const FAILED = /FAILURE|^UNKNOWN$|^DONE$/;

/**
 * One poller for every VM waited on: `vmpool.info` back to back, at most
 * once every POLL_MS. A waiter resolves with the arrival time of the first
 * reply that shows its VM RUNNING, and the send time of the poll before it.
 */
class RunningWatcher {
  private readonly client: ApiClient;
  private readonly waiters = new Map<number, { resolve: (t: { seen: number; after: number }) => void; reject: (e: Error) => void }>();
  private stopped = false;
  private loop: Promise<void> | undefined;
  private lastSent = 0;
  readonly pollMs: number[] = [];
  readonly pollSizes: number[] = [];

  constructor(client: ApiClient) {
    this.client = client;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** Call before the deploy, so that no poll can miss the VM. */
  waitRunning(id: number): Promise<{ seen: number; after: number }> {
    return new Promise((resolve, reject) => this.waiters.set(id, { resolve, reject }));
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const sent = now();
      let list: VmView[];
      try {
        list = await this.client.call('vmpool.info', { all: false });
      } catch (err) {
        for (const w of this.waiters.values()) w.reject(err as Error);
        this.waiters.clear();
        return;
      }
      const seen = now();
      this.pollMs.push(seen - sent);
      this.pollSizes.push(list.length);
      for (const vm of list) {
        const w = this.waiters.get(vm.id);
        if (w === undefined) continue;
        if (vm.state === 'RUNNING') {
          this.waiters.delete(vm.id);
          w.resolve({ seen, after: this.lastSent });
        } else if (FAILED.test(vm.state)) {
          this.waiters.delete(vm.id);
          w.reject(new Error(`VM ${vm.id} went ${vm.state}: ${vm.lastError ?? ''}`));
        }
      }
      this.lastSent = sent;
      const wait = POLL_MS - (now() - sent);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** Runs `n` jobs with `concurrency` workers; returns each job's value, by job index. */
async function pool<T>(n: number, concurrency: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      out[i] = await job(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, worker));
  return out;
}

interface Burst {
  /** ms from allocate to the poll reply showing RUNNING (upper bound), sorted. */
  upper: Float64Array;
  /** ms from allocate to the send of the poll before it (lower bound), sorted. */
  lower: Float64Array;
  totalMs: number;
}

async function createBurst(client: ApiClient, hostIds: readonly number[], n: number): Promise<Burst> {
  const watcher = new RunningWatcher(client);
  watcher.start();
  const t0 = now();
  let last = t0;
  try {
    const samples = await pool(n, CONCURRENCY, async (i) => {
      const start = now();
      const { id } = await client.call('vm.allocate', { template: TEMPLATE, hold: false });
      const running = watcher.waitRunning(id);
      await client.call('vm.action', { id, action: 'deploy', host: hostIds[i % hostIds.length] as number });
      const { seen, after } = await running;
      last = Math.max(last, seen);
      return { upper: seen - start, lower: Math.max(0, after - start) };
    });
    return {
      upper: Float64Array.from(samples, (s) => s.upper).sort(),
      lower: Float64Array.from(samples, (s) => s.lower).sort(),
      totalMs: last - t0,
    };
  } finally {
    await watcher.stop();
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

/** A deployed VM as VmActor leaves it: RUNNING, one open stay, no operation in flight. */
function runningRecord(id: number, hostId: number, at: number): VmRecord {
  return {
    id,
    name: `bench-${id}`,
    uid: ONEADMIN_ID,
    template: TEMPLATE,
    cpu: VM_CPU,
    vcpu: 1,
    memory: VM_MEMORY,
    state: 'RUNNING',
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

/** Adds records until the store holds `total` VMs; returns how many it wrote. */
async function fillStore(dbDir: string, total: number, hostIds: readonly number[]): Promise<number> {
  const store = await Store.open(dbDir);
  try {
    const have = await store.count('vms');
    const at = Date.now();
    let written = 0;
    while (have + written < total) {
      const chunk = Math.min(2_000, total - have - written);
      const ops = [];
      for (let j = 0; j < chunk; j++) {
        const id = store.reserveId('vms');
        ops.push({ type: 'put' as const, kind: 'vms' as const, id, value: runningRecord(id, hostIds[id % hostIds.length] as number, at) });
      }
      await store.batch(ops);
      written += chunk;
    }
    return written;
  } finally {
    await store.close();
  }
}

/** The baseline: open the LevelDB and read every VM record; ms. */
async function readState(dbDir: string, expect: number): Promise<number> {
  const t0 = now();
  const store = await Store.open(dbDir);
  try {
    const all = await store.list<VmRecord>('vms');
    if (all.length !== expect) throw new Error(`store holds ${all.length} VMs, expected ${expect}`);
    return now() - t0;
  } finally {
    await store.close();
  }
}

function countStates(vms: readonly VmView[]): string {
  const by = new Map<string, number>();
  for (const v of vms) by.set(v.state, (by.get(v.state) ?? 0) + 1);
  return [...by].map(([s, n]) => `${s} ${n}`).join(', ');
}

// ---- the suite ---------------------------------------------------------------------------------

export async function run(opts: SuiteOptions): Promise<SuiteResult> {
  const progress: Progress = opts.json ? () => undefined : (line) => process.stderr.write(`  ${line}\n`);
  const results: Record<string, Result> = {};
  const started = now();
  const dir = await mkdtemp(join(tmpdir(), 'nephele-bench-lifecycle-'));
  const dataDir = join(dir, 'oned');
  const dbDir = join(dataDir, 'db');
  const agents: AgentProc[] = [];
  let oned: Oned | undefined;
  let client: ApiClient | undefined;
  try {
    // ---- the cloud
    oned = await startBenchOned(dataDir);
    const port = oned.port;
    client = await connectClient(oned);
    for (let h = 0; h < HOSTS; h++) agents.push(await addAgent(client, oned, dir, `bench-node-${h}`));
    const hostIds = agents.map((a) => a.hostId);
    const c1 = client;
    await until(() => c1.call('hostpool.info', {}), (hs) => hs.every((h) => h.state === 'MONITORED'), 'every host MONITORED', 30_000)
      .catch((err: unknown) => {
        throw new Error(`${String(err)}\nlast agent output:\n${agents.map((a) => a.output()).join('\n')}`);
      });
    progress(`${HOSTS} agents MONITORED after ${((now() - started) / 1000).toFixed(1)} s`);

    // ---- 1. create → RUNNING
    await versionCalls(client, WARMUP_VMS);
    await createBurst(client, hostIds, WARMUP_VMS);
    const base: Calls[] = [];
    for (let r = 0; r < RUNS; r++) base.push(await versionCalls(client, CREATE_VMS));
    const burst = await createBurst(client, hostIds, CREATE_VMS);
    const baseP50 = median(base.map((b) => b.p50));
    const baseP99 = median(base.map((b) => b.p99));
    const baseTotalS = median(base.map((b) => b.totalMs)) / 1000;
    const p50 = percentile(burst.upper, 50);
    const p99 = percentile(burst.upper, 99);
    progress(`create→RUNNING: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (lower bounds ${percentile(burst.lower, 50).toFixed(1)} / ${percentile(burst.lower, 99).toFixed(1)} ms);`
      + ` all ${CREATE_VMS} in ${(burst.totalMs / 1000).toFixed(2)} s; system.version p50 ${baseP50.toFixed(2)} ms, p99 ${baseP99.toFixed(2)} ms`);
    results['vm_create_to_running_p50_ms'] = result(p50, 'ms', baseP50, 'lower', {
      target: CREATE_P50_TARGET_MS, baselineRuns: base.map((b) => b.p50),
    });
    results['vm_create_to_running_p99_ms'] = result(p99, 'ms', baseP99, 'lower', { baselineRuns: base.map((b) => b.p99) });
    results['vms_all_running_s'] = result(burst.totalMs / 1000, 's', baseTotalS, 'lower', { baselineRuns: base.map((b) => b.totalMs / 1000) });

    // ---- 2. restart with RESTART_VMS VMs
    const before = await client.call('vmpool.info', { all: false });
    progress(`before the restart: ${before.length} VMs (${countStates(before)})`);
    client.close();
    client = undefined;
    await oned.close();
    oned = undefined;
    const written = await fillStore(dbDir, RESTART_VMS, hostIds);
    progress(`wrote ${written} VM records straight into the store (${RESTART_VMS - written} were created through the API)`);

    const heapBefore = await settledHeapUsed();
    const t0 = now();
    oned = await startBenchOned(dataDir, port);
    const tListening = now();
    client = await connectClient(oned);
    const c2 = client;
    let all = await c2.call('vmpool.info', { all: false });
    if (all.length !== RESTART_VMS) throw new Error(`vmpool.info lists ${all.length} VMs after the restart, expected ${RESTART_VMS}`);
    const tApi = now();
    await until(() => c2.call('hostpool.info', {}), (hs) => hs.every((h) => h.state === 'MONITORED'), 'every host MONITORED after the restart', 30_000);
    const tHosts = now();
    progress(`restart: startOned ${((tListening - t0) / 1000).toFixed(2)} s, vmpool.info with ${RESTART_VMS} VMs at ${((tApi - t0) / 1000).toFixed(2)} s,`
      + ` every host MONITORED at ${((tHosts - t0) / 1000).toFixed(2)} s`);
    all = await c2.call('vmpool.info', { all: false });
    progress(`after the restart: ${countStates(all)}`);
    all = [];
    const heapAfter = await settledHeapUsed();
    const mb = (b: number): number => b / 2 ** 20;
    progress(`heap: ${mb(heapBefore).toFixed(1)} MB before the start, ${mb(heapAfter).toFixed(1)} MB after (${((heapAfter - heapBefore) / RESTART_VMS).toFixed(0)} B per VM)`);

    client.close();
    client = undefined;
    await oned.close();
    oned = undefined;
    const reads: number[] = [];
    for (let r = 0; r < RUNS; r++) reads.push(await readState(dbDir, RESTART_VMS));
    const readS = median(reads) / 1000;
    progress(`Store.open + list('vms') of ${RESTART_VMS}: ${(readS * 1000).toFixed(0)} ms`);
    const readRuns = reads.map((ms) => ms / 1000);
    results['restart_20k_s'] = result((tApi - t0) / 1000, 's', readS, 'lower', { target: RESTART_TARGET_S, baselineRuns: readRuns });
    results['restart_hosts_back_s'] = result((tHosts - t0) / 1000, 's', readS, 'lower', { baselineRuns: readRuns });
    results['restart_20k_heap_mb'] = result(mb(heapAfter - heapBefore), 'MB', mb(heapBefore), 'lower');
  } finally {
    client?.close();
    await Promise.all(agents.map((a) => a.stop()));
    await oned?.close();
    await rm(dir, { recursive: true, force: true });
  }

  progress(`suite took ${((now() - started) / 1000).toFixed(1)} s`);
  return { suite: 'lifecycle', results };
}

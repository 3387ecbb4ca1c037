/**
 * The scale suite (issue 9): a thousand hosts and tens of thousands of VMs
 * on one front-end, with the real pieces in their own processes — oned
 * (`node dist/bin/oned.js`, scheduler on, striping), one `onenode --simulate
 * 1000` standing for every host (each with its own socket.io connection,
 * token, link and monitoring, over the dummy driver), and the API clients
 * in this process.
 *
 * 1. The burst, RUNS times, each on a fresh cloud (scale-burst.ts): HOSTS
 *    hosts registered through `host.allocate`, their ids and tokens written
 *    to the simulation's hosts file, the simulation started, every host
 *    MONITORED. Then VMS VMs created with `vm.allocate` by CONCURRENCY
 *    workers over CLIENTS connections (each worker creates its next VM once
 *    its last create is answered, as a script of `onevm create` would), the
 *    scheduler placing them. `vms_all_running_s` runs from the first create
 *    to the RUNNING write of the last VM (its stay's RSTIME, read from
 *    oned's own records once all run; the end is noticed through GET
 *    /metrics once a second). Baseline: VMS bare `system.version` round
 *    trips over the same clients and concurrency, just before.
 *    During the burst one more client reads, one call at a time: `vm.info`
 *    of a random VM made so far every SHOW_EVERY_MS (`onevm show`), and the
 *    first page of `vmpool.info` as `onevm list` asks for it every
 *    LIST_EVERY_MS: `show_p50/p99_ms`, `list_p50/p99_ms`. Baseline: the
 *    same reads for IDLE_MS on the idle oned after the burst (same VMs, no
 *    load). `eventloop_lag_p99_ms`: oned's
 *    `nephele_eventloop_lag_p99_seconds`, scraped once a second (each scrape
 *    starts a new window); a run's value is its worst window's p99 — an
 *    upper bound of the p99 over the whole burst (no more than 1 % of any
 *    window's samples lie above it, so no more than 1 % of all) — and its
 *    baseline the same over IDLE_MS of the idle oned with every host
 *    connected, before the burst. `oned_rss_mb`: oned's resident memory
 *    once all run (/proc VmRSS); baseline: the same just before the burst
 *    (every host, no VM). Each figure is the median of the runs.
 * 2. Restarts, on the last run's cloud: oned is killed with SIGKILL; while
 *    it is down its store is filled to SIZE VMs (records in the shape of
 *    one the pool wrote, POWEROFF on the hosts round-robin: see
 *    store-fill.ts), and it is started again on the same port.
 *    `restart_<n>_api_s`: from the spawn until the API answers and
 *    `vmpool.info` gives its first page; `restart_<n>_hosts_s`: until every
 *    host is MONITORED again (the agents redial on their own backoff, 250 ms
 *    doubling to 10 s, ±20 %; oned holds what dials while it starts). Then,
 *    after SETTLE_MS for the hosts' reports, every VM's state is compared
 *    with what it was before the kill (the fill's VMs: POWEROFF):
 *    `restart_<n>_changed`, whose baseline is the number of VMs compared.
 *    Baselines: the API's, `Store.open` + `list('vms')` of the same store in
 *    this process (the raw cost of reading the state, median of RUNS); the
 *    hosts', the median time the hosts took to connect to a fresh oned in
 *    the burst runs. `oned_rss_100k_mb`: oned's memory once every host is
 *    back with 100,000 VMs; baseline the same as `oned_rss_mb`'s.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiClient } from '../src/cli/api-client.js';
import { LIST_PAGE_SIZE, listPageParams } from '../src/cli/vm-list-page.js';
import type { VmState } from '../src/vms/vm-states.js';
import {
  CLIENTS,
  CONCURRENCY,
  HOSTS,
  IDLE_MS,
  LIST_EVERY_MS,
  ONED_ARGS,
  SHOW_EVERY_MS,
  VMS,
  burstRun,
  type BurstRun,
  type Cloud,
} from './scale-burst.js';
import { allMonitored, freePort, listAll, memoryOf, spawnOned, whenServing, type OnedProc } from './scale-rig.js';
import { fillStore, poweredOffLike, readState, sampleRecord } from './store-fill.js';
import { RUNS, median, now, percentile, result, type Progress, type Result, type SuiteOptions, type SuiteResult } from './suite.js';

const RESTART_SIZES = [20_000, 100_000] as const;
const SETTLE_MS = 3_000;

const ALL_RUNNING_S = 30;
const SHOW_P99_MS = 50;
const LAG_P99_MS = 50;
const RESTART_TARGET_S: Readonly<Record<number, number>> = { 20000: 5, 100000: 15 };

export const notes: readonly string[] = [
  `ratio = value / baseline. oned and one onenode --simulate ${HOSTS} in their own processes, API clients here; burst figures: median of ${RUNS} runs, each on a fresh cloud.`,
  `burst: ${VMS} vm.allocate by ${CONCURRENCY} workers over ${CLIENTS} connections, scheduler placing (striping); baseline ${VMS} system.version the same way.`,
  `show/list: vm.info every ${SHOW_EVERY_MS} ms and onevm list's first page (${LIST_PAGE_SIZE}) every ${LIST_EVERY_MS} ms during the burst; baseline the same for ${IDLE_MS / 1000} s on the idle oned after it.`,
  "lag: worst 1 s window of oned's nephele_eventloop_lag_p99_seconds (an upper bound of the burst's p99); baseline the same, idle, before the burst.",
  "restart: kill -9, store filled while down, oned spawned again; baselines Store.open + list('vms') (API) and the hosts' first connect (hosts back).",
];

const mb = (bytes: number): number => bytes / 2 ** 20;

/** The median over the runs of `f`, with the runs' values. */
function pick(runs: readonly BurstRun[], f: (r: BurstRun) => number): { value: number; runs: number[] } {
  const values = runs.map(f);
  return { value: median(values), runs: values };
}

interface Restart {
  apiS: number;
  hostsS: number;
  changed: number;
  rss: number;
}

/**
 * Kills oned, fills its store to `size` VMs while it is down, starts it
 * again: the times until it serves and until every host is back, and how
 * many VMs are not in the state `expected` says (VMs it lacks count too).
 */
async function restart(
  cloud: Cloud,
  dataDir: string,
  port: number,
  size: number,
  sampleVm: number,
  expected: Map<number, VmState>,
  rawReads: Map<number, number[]>,
  progress: Progress,
): Promise<Restart> {
  const oned = cloud.oned as OnedProc;
  for (const c of cloud.clients.splice(0)) c.close();
  await oned.kill();
  const tKilled = now();
  const db = join(dataDir, 'db');
  // While oned is down anyway, the baseline of the last restart: the raw read of the store it started on.
  const held = expected.size;
  if (rawReads.has(held)) for (let r = 0; r < RUNS; r++) rawReads.get(held)?.push(await readState(db, held));
  const like = await sampleRecord(db, sampleVm);
  const hostIds = cloud.hostIds;
  const { written, ms } = await fillStore(db, size, (id, at) => poweredOffLike(like, id, hostIds[id % hostIds.length] as number, at));
  for (let id = 0; id < size; id++) if (!expected.has(id)) expected.set(id, 'POWEROFF');
  const tStart = now();
  const again = spawnOned(dataDir, port, join(dataDir, '..'), ONED_ARGS);
  cloud.oned = again;
  const { client } = await whenServing(again, 120_000);
  cloud.clients.push(client);
  await client.call('vmpool.info', listPageParams({ all: false }));
  const apiS = (now() - tStart) / 1000;
  await allMonitored(client, HOSTS, 120_000);
  const hostsS = (now() - tStart) / 1000;
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const after = await listAll(client);
  const changed = after.filter((v) => expected.get(v.id) !== v.state);
  const rss = (await memoryOf(again.pid)).rss;
  progress(
    `restart with ${size} VMs (${written} written while oned was down, in ${(ms / 1000).toFixed(2)} s; down ${((tStart - tKilled) / 1000).toFixed(2)} s in all):` +
      ` API serving ${apiS.toFixed(2)} s after the spawn, every host MONITORED at ${hostsS.toFixed(2)} s;` +
      ` ${changed.length} VMs changed state, ${size - after.length} missing; RSS ${mb(rss).toFixed(0)} MB`,
  );
  for (const v of changed.slice(0, 5)) progress(`  VM ${v.id}: ${expected.get(v.id) ?? '?'} → ${v.state} (${v.lastError ?? ''})`);
  for (const v of after) expected.set(v.id, v.state);
  return { apiS, hostsS, changed: changed.length + size - after.length, rss };
}

/** Stops what runs: the simulation, oned, the clients. */
async function stopCloud(cloud: Cloud): Promise<void> {
  for (const c of cloud.clients.splice(0)) c.close();
  await cloud.sim?.stop(10_000);
  await cloud.oned?.stop(30_000);
  cloud.sim = undefined;
  cloud.oned = undefined;
}

export async function run(opts: SuiteOptions): Promise<SuiteResult> {
  const progress: Progress = opts.json ? () => undefined : (line) => process.stderr.write(`  ${line}\n`);
  const results: Record<string, Result> = {};
  const started = now();
  const root = await mkdtemp(join(tmpdir(), 'nephele-bench-scale-'));
  const cloud: Cloud = { oned: undefined, sim: undefined, clients: [], hostIds: [] };
  try {
    // ---- 1. the burst, RUNS times on a fresh cloud; the last one stays up for the restarts
    const port = await freePort();
    const runs: BurstRun[] = [];
    let dir = '';
    for (let r = 0; r < RUNS; r++) {
      if (r > 0) {
        await stopCloud(cloud);
        await rm(dir, { recursive: true, force: true });
      }
      dir = join(root, `run-${r}`);
      progress(`run ${r + 1} of ${RUNS}`);
      runs.push(await burstRun(cloud, dir, port, progress));
    }
    const p = (f: (r: BurstRun) => Float64Array, q: number) => pick(runs, (r) => percentile(f(r), q));
    const opt = (v: { value: number; runs: number[] }, b: { value: number; runs: number[] }, target?: number) => ({
      runs: v.runs,
      baselineRuns: b.runs,
      ...(target === undefined ? {} : { target }),
    });
    const res = (
      name: string,
      unit: string,
      v: { value: number; runs: number[] },
      b: { value: number; runs: number[] },
      target?: number,
    ): void => {
      results[name] = result(v.value, unit, b.value, 'lower', opt(v, b, target));
    };
    res(
      'vms_all_running_s',
      's',
      pick(runs, (r) => r.allRunningS),
      pick(runs, (r) => r.baseS),
      ALL_RUNNING_S,
    );
    res(
      'show_p50_ms',
      'ms',
      p((r) => r.show, 50),
      p((r) => r.idleShow, 50),
    );
    res(
      'show_p99_ms',
      'ms',
      p((r) => r.show, 99),
      p((r) => r.idleShow, 99),
      SHOW_P99_MS,
    );
    res(
      'list_p50_ms',
      'ms',
      p((r) => r.list, 50),
      p((r) => r.idleList, 50),
    );
    res(
      'list_p99_ms',
      'ms',
      p((r) => r.list, 99),
      p((r) => r.idleList, 99),
    );
    res(
      'eventloop_lag_p99_ms',
      'ms',
      pick(runs, (r) => Math.max(...r.lag)),
      pick(runs, (r) => Math.max(...r.idleLag)),
      LAG_P99_MS,
    );
    const rssBefore = pick(runs, (r) => mb(r.rssBefore));
    res(
      'oned_rss_mb',
      'MB',
      pick(runs, (r) => mb(r.rssAfter)),
      rssBefore,
    );
    const connect = pick(runs, (r) => r.connectS);

    // ---- 2. kill -9 and restart with more VMs, on the last run's cloud
    const last = runs[runs.length - 1] as BurstRun;
    const dataDir = join(dir, 'oned');
    const expected = new Map<number, VmState>((await listAll(cloud.clients[0] as ApiClient)).map((v) => [v.id, v.state]));
    const restarts = new Map<number, Restart>();
    const rawReads = new Map<number, number[]>(RESTART_SIZES.map((n) => [n, []]));
    for (const size of RESTART_SIZES) {
      restarts.set(size, await restart(cloud, dataDir, port, size, last.sampleVm, expected, rawReads, progress));
    }
    await stopCloud(cloud);
    const top = RESTART_SIZES[RESTART_SIZES.length - 1] as number;
    for (let r = 0; r < RUNS; r++) rawReads.get(top)?.push(await readState(join(dataDir, 'db'), top));
    for (const size of RESTART_SIZES) {
      const r = restarts.get(size) as Restart;
      const k = `${size / 1000}k`;
      const reads = (rawReads.get(size) ?? []).map((ms) => ms / 1000);
      progress(`Store.open + list('vms') of ${size} VMs: ${(median(reads) * 1000).toFixed(0)} ms`);
      const target = RESTART_TARGET_S[size] as number;
      results[`restart_${k}_api_s`] = result(r.apiS, 's', median(reads), 'lower', { target, baselineRuns: reads });
      results[`restart_${k}_hosts_s`] = result(r.hostsS, 's', connect.value, 'lower', { target, baselineRuns: connect.runs });
      results[`restart_${k}_changed`] = result(r.changed, 'VMs', size, 'lower', { target: 1 });
    }
    results['oned_rss_100k_mb'] = result(mb((restarts.get(top) as Restart).rss), 'MB', rssBefore.value, 'lower', {
      baselineRuns: rssBefore.runs,
    });
  } finally {
    await stopCloud(cloud);
    await rm(root, { recursive: true, force: true });
  }
  progress(`suite took ${((now() - started) / 1000).toFixed(1)} s`);
  return { suite: 'scale', results };
}

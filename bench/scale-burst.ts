/**
 * One run of the scale suite's burst, on a fresh cloud: oned as its own
 * process, HOSTS hosts registered through the API and one `onenode
 * --simulate` standing for them all, an idle window, the baseline, the
 * burst of VMS VMs with reads sampled during it, and the same reads on the
 * idle oned after it. See scale.ts for what each figure means.
 */
import { join } from 'node:path';
import type { ApiClient } from '../src/cli/api-client.js';
import { LIST_PAGE_SIZE, listPageParams } from '../src/cli/vm-list-page.js';
import type { BinProc } from './cloud-rig.js';
import {
  allMonitored,
  clients,
  cpuSecondsOf,
  listAll,
  memoryOf,
  sample,
  scrape,
  spawnOned,
  spawnSimulation,
  watchMetrics,
  whenServing,
  writeHostsFile,
  type OnedProc,
} from './scale-rig.js';
import { now, percentile, pool, type Progress } from './suite.js';

export const HOSTS = 1_000;
export const VMS = 10_000;
export const CLIENTS = 4;
export const CONCURRENCY = 100;
const HOST_CPUS = 8;
const HOST_MEMORY_MB = 32_768;
/** The agents' own interval; oned's hello stretches it to HOSTS / its budget (100/s: 10 s). */
const AGENT_MONITOR_MS = 2_000;
const TEMPLATE = 'CPU = 0.1\nVCPU = 1\nMEMORY = 64\n';
export const SHOW_EVERY_MS = 10;
export const LIST_EVERY_MS = 250;
export const SCRAPE_EVERY_MS = 1_000;
export const IDLE_MS = 6_000;
/**
 * The scheduler spreads the VMs over every host (packing would fill hosts one after another). A thousand
 * simulated agents dial from one address at once, each unauthenticated until its handshake passes.
 */
export const ONED_ARGS: readonly string[] = ['--sched-policy', 'striping', '--max-unauthenticated-per-address', String(2 * HOSTS)];

/** What is running: the suite stops it whatever happens. */
export interface Cloud {
  oned: OnedProc | undefined;
  sim: BinProc | undefined;
  clients: ApiClient[];
  hostIds: number[];
}

export interface BurstRun {
  /** Until every host was MONITORED, from the simulation's spawn. */
  connectS: number;
  allRunningS: number;
  /** VMS system.version the same way. */
  baseS: number;
  show: Float64Array;
  list: Float64Array;
  idleShow: Float64Array;
  idleList: Float64Array;
  /** Event-loop p99 of each 1 s window, ms. */
  lag: number[];
  idleLag: number[];
  rssBefore: number;
  rssAfter: number;
  /** A VM the burst made, whose record the restarts copy the shape of. */
  sampleVm: number;
}

const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
const ms = (sorted: Float64Array, q: number): string => percentile(sorted, q).toFixed(1);
const cores = (cpuS: number, wallS: number): string => `${((100 * cpuS) / wallS).toFixed(0)} %`;

/** oned on `dataDir` and `port`, HOSTS hosts registered, and the simulation connected: in `cloud`. */
async function startCloud(cloud: Cloud, dir: string, port: number, progress: Progress): Promise<number> {
  const oned = spawnOned(join(dir, 'oned'), port, dir, ONED_ARGS);
  cloud.oned = oned;
  const { client } = await whenServing(oned, 30_000);
  cloud.clients.push(client);
  const hosts = await pool(HOSTS, 50, async (i) => {
    const { id, token } = await client.call('host.allocate', { name: `sim-${i}`, im: 'dummy', vm: 'dummy' });
    if (token === undefined) throw new Error('a host without ssh gets a token');
    return { hostId: id, token };
  });
  cloud.hostIds = hosts.map((h) => h.hostId);
  const hostsFile = join(dir, 'hosts.json');
  await writeHostsFile(hostsFile, hosts);
  const t0 = now();
  cloud.sim = spawnSimulation(oned.url, hostsFile, HOSTS, join(dir, 'node'), [
    '--simulate-cpus',
    String(HOST_CPUS),
    '--simulate-memory-mb',
    String(HOST_MEMORY_MB),
    '--monitor-interval-ms',
    String(AGENT_MONITOR_MS),
  ]);
  await allMonitored(client, HOSTS, 120_000).catch((err: unknown) => {
    throw new Error(`${String(err)}\nsimulation output:\n${cloud.sim?.output() ?? ''}`);
  });
  const connectS = (now() - t0) / 1000;
  progress(`${HOSTS} simulated hosts MONITORED ${connectS.toFixed(2)} s after the simulation started`);
  return connectS;
}

/** Scrapes once a second for `forMs`: each window's event-loop p99, ms. */
async function idleLag(url: string, forMs: number): Promise<number[]> {
  await scrape(url);
  const windows: number[] = [];
  for (let t = 0; t < forMs; t += SCRAPE_EVERY_MS) {
    await new Promise((r) => setTimeout(r, SCRAPE_EVERY_MS));
    windows.push(((await scrape(url)).get('nephele_eventloop_lag_p99_seconds') ?? NaN) * 1000);
  }
  return windows;
}

/** One run on a fresh cloud in `dir`; what it started is in `cloud`, left running. */
export async function burstRun(cloud: Cloud, dir: string, port: number, progress: Progress): Promise<BurstRun> {
  const connectS = await startCloud(cloud, dir, port, progress);
  const oned = cloud.oned as OnedProc;
  const sim = cloud.sim as BinProc;
  const pushes = async (): Promise<number> => (await scrape(oned.url)).get('nephele_host_monitoring_pushes_total') ?? NaN;
  const cpu = async (): Promise<{ oned: number; sim: number; at: number }> => ({
    oned: await cpuSecondsOf(oned.pid),
    sim: await cpuSecondsOf(sim.pid),
    at: now(),
  });

  // ---- idle, every host connected: the lag baseline and the memory before the burst
  const pushes0 = await pushes();
  const idle0 = await cpu();
  const lagIdle = await idleLag(oned.url, IDLE_MS);
  const idle1 = await cpu();
  const idleS = (idle1.at - idle0.at) / 1000;
  const rssBefore = (await memoryOf(oned.pid)).rss;
  progress(
    `idle: event-loop lag p99 per 1 s window ${lagIdle.map((w) => w.toFixed(1)).join(', ')} ms; RSS ${mb(rssBefore)} MB;` +
      ` CPU: oned ${cores(idle1.oned - idle0.oned, idleS)} of a core, the simulation ${cores(idle1.sim - idle0.sim, idleS)}` +
      ` (RSS ${mb((await memoryOf(sim.pid)).rss)} MB)`,
  );

  // ---- the baseline, then the burst with reads sampled during it
  const workers = [cloud.clients[0] as ApiClient, ...(await clients(oned, CLIENTS - 1))];
  const reader = (await clients(oned, 1))[0] as ApiClient;
  cloud.clients.push(...workers.slice(1), reader);
  const tBase = now();
  await pool(VMS, CONCURRENCY, (i) => (workers[i % CLIENTS] as ApiClient).call('system.version', {}));
  const baseS = (now() - tBase) / 1000;

  const made: number[] = [];
  const show = (): Promise<unknown> | undefined =>
    made.length === 0 ? undefined : reader.call('vm.info', { id: made[Math.floor(Math.random() * made.length)] as number });
  const list = (): Promise<unknown> => reader.call('vmpool.info', listPageParams({ all: false }));
  const shows = sample(show, SHOW_EVERY_MS);
  const lists = sample(list, LIST_EVERY_MS);
  await scrape(oned.url);
  const metrics = watchMetrics(oned.url, SCRAPE_EVERY_MS);
  const burst0 = await cpu();
  const wall0 = Date.now();
  await pool(VMS, CONCURRENCY, async (i) => {
    const { id } = await (workers[i % CLIENTS] as ApiClient).call('vm.allocate', { template: TEMPLATE, hold: false });
    made.push(id);
  });
  while (metrics.count('RUNNING') < VMS) {
    if (metrics.failures() > 0) throw new Error('a VM failed during the burst');
    if (Date.now() - wall0 > 300_000) throw new Error(`only ${metrics.count('RUNNING')} of ${VMS} VMs RUNNING after 300 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await metrics.stop();
  const burst1 = await cpu();
  const showSamples = await shows.stop();
  const listSamples = await lists.stop();
  const vms = await listAll(reader);
  const lastRun = Math.max(...vms.map((v) => v.history[v.history.length - 1]?.rstime ?? Infinity));
  if (vms.length !== VMS || !Number.isFinite(lastRun)) throw new Error(`${vms.length} VMs listed, or one RUNNING without RSTIME`);
  const allRunningS = (lastRun - wall0) / 1000;
  const rssAfter = (await memoryOf(oned.pid)).rss;
  const burstS = (burst1.at - burst0.at) / 1000;
  progress(
    `all ${VMS} RUNNING ${allRunningS.toFixed(2)} s after the first create (${(VMS / allRunningS).toFixed(0)}/s;` +
      ` ${VMS} system.version took ${baseS.toFixed(2)} s); CPU: oned ${cores(burst1.oned - burst0.oned, burstS)} of a core,` +
      ` the simulation ${cores(burst1.sim - burst0.sim, burstS)}`,
  );
  progress(
    `during it: vm.info p50 ${ms(showSamples, 50)} / p99 ${ms(showSamples, 99)} ms (${showSamples.length} calls),` +
      ` vmpool.info page of ${LIST_PAGE_SIZE} p50 ${ms(listSamples, 50)} / p99 ${ms(listSamples, 99)} ms (${listSamples.length} calls);` +
      ` event-loop lag p99 per 1 s window ${metrics.windows.map((w) => w.toFixed(1)).join(', ')} ms; RSS ${mb(rssAfter)} MB`,
  );

  // ---- the same reads on the idle oned: their baselines
  const idleShows = sample(show, SHOW_EVERY_MS);
  const idleLists = sample(list, LIST_EVERY_MS);
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const idleShow = await idleShows.stop();
  const idleList = await idleLists.stop();
  const pushRate = ((await pushes()) - pushes0) / ((now() - idle0.at) / 1000);
  progress(
    `idle after it: vm.info p50 ${ms(idleShow, 50)} / p99 ${ms(idleShow, 99)} ms, vmpool.info page p50 ${ms(idleList, 50)} / p99 ${ms(idleList, 99)} ms;` +
      ` ${pushRate.toFixed(0)} monitoring pushes/s since the hosts came up (agents' own interval ${AGENT_MONITOR_MS / 1000} s)`,
  );
  return {
    connectS,
    allRunningS,
    baseS,
    show: showSamples,
    list: listSamples,
    idleShow,
    idleList,
    lag: metrics.windows,
    idleLag: lagIdle,
    rssBefore,
    rssAfter,
    sampleVm: made[0] as number,
  };
}

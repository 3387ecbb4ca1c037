/**
 * What the scale suite runs against: oned as its own process (so that it can
 * be killed with SIGKILL and its memory read from /proc), one `onenode
 * --simulate` process standing for every host, and the probes the suite
 * reads them with: oned's GET /metrics, /proc/<pid>/status, the API.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { readAuthFile, writeSecretFile } from '../src/auth/auth-file.js';
import { ApiClient } from '../src/cli/api-client.js';
import type { VmView } from '../src/vms/vm-record.js';
import type { VmState } from '../src/vms/vm-states.js';
import { spawnBin, until, type BinProc } from './cloud-rig.js';
import { now } from './suite.js';

/** A free TCP port on loopback: oned must come back on the same one after a kill. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface OnedProc extends BinProc {
  readonly url: string;
  readonly authFile: string;
}

/**
 * Starts `oned` on `dataDir` and `port`. HOME points into `home` so that
 * oned's first start writes oneadmin's ~/.nephele/auth there, not in the
 * user's home.
 */
export function spawnOned(
  dataDir: string,
  port: number,
  home: string,
  args: readonly string[] = [],
  nodeArgs: readonly string[] = [],
): OnedProc {
  const proc = spawnBin(
    'oned',
    ['--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--log-level', 'warn', '--log-format', 'json', ...args],
    { HOME: home },
    nodeArgs,
  );
  return { ...proc, url: `http://127.0.0.1:${port}`, authFile: join(dataDir, 'one_auth') };
}

/** Connects oneadmin's client once oned answers; resolves with it and the time (ms, `now()`) it first answered. */
export async function whenServing(oned: OnedProc, timeoutMs: number): Promise<{ client: ApiClient; at: number }> {
  const deadline = now() + timeoutMs;
  let last: unknown;
  while (now() < deadline) {
    try {
      const client = await ApiClient.connect({ url: oned.url, ...(await readAuthFile(oned.authFile)), timeoutMs: 60_000 });
      try {
        await client.call('system.version', {});
        return { client, at: now() };
      } catch (err) {
        client.close();
        throw err;
      }
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`oned did not serve within ${timeoutMs} ms (${String(last)})\n${oned.output()}`);
}

/** Writes the hosts file `onenode --simulate-hosts` reads (mode 0600: it holds tokens). */
export async function writeHostsFile(path: string, hosts: readonly { hostId: number; token: string }[]): Promise<void> {
  await writeSecretFile(path, JSON.stringify(hosts));
}

/** `onenode --simulate` for every host in `hostsFile`. */
export function spawnSimulation(url: string, hostsFile: string, hosts: number, dataDir: string, args: readonly string[] = []): BinProc {
  return spawnBin('onenode', [
    '--simulate',
    String(hosts),
    '--simulate-hosts',
    hostsFile,
    '--frontend',
    url,
    '--data-dir',
    dataDir,
    '--log-level',
    'warn',
    '--log-format',
    'json',
    ...args,
  ]);
}

/** One scrape of oned's GET /metrics: each sample by its name and labels as printed (`nephele_vms{state="RUNNING"}`). */
export async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) throw new Error(`GET /metrics: ${res.status}`);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** A process's resident memory now and at its peak, in bytes (Linux /proc). */
export async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** CPU seconds a process has used so far, user and system (Linux /proc; USER_HZ is 100). */
export async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// ---- probes during a run

export interface Sampler {
  /** Stops, once the call in flight is answered; the latencies (ms), sorted. */
  stop(): Promise<Float64Array>;
}

/**
 * Calls `call` one at a time, starting one every `everyMs` at most (later
 * when the last took longer), until stopped. `call` may return undefined:
 * nothing to call yet.
 */
export function sample(call: () => Promise<unknown> | undefined, everyMs: number): Sampler {
  const times: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t0 = now();
      const p = call();
      if (p !== undefined) {
        await p;
        times.push(now() - t0);
      }
      await new Promise((r) => setTimeout(r, Math.max(1, everyMs - (now() - t0))));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return Float64Array.from(times).sort();
    },
  };
}

export interface MetricsWatch {
  /** Each window's `nephele_eventloop_lag_p99_seconds`, in ms. */
  readonly windows: number[];
  /** VMs in `state` at the last scrape. */
  count(state: VmState): number;
  /** States of failure (…_FAILURE, UNKNOWN) that held a VM at the last scrape. */
  failures(): number;
  stop(): Promise<void>;
}

/** Scrapes oned every `everyMs`; each scrape starts a new event-loop window. */
export function watchMetrics(url: string, everyMs: number): MetricsWatch {
  const windows: number[] = [];
  let last = new Map<string, number>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await new Promise((r) => setTimeout(r, everyMs));
      last = await scrape(url);
      const p99 = last.get('nephele_eventloop_lag_p99_seconds');
      if (p99 !== undefined) windows.push(p99 * 1000);
    }
  })();
  return {
    windows,
    count: (state) => last.get(`nephele_vms{state="${state}"}`) ?? 0,
    failures: () => [...last].filter(([k, v]) => v > 0 && /^nephele_vms\{state="(.*FAILURE|UNKNOWN)"\}$/.test(k)).length,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** Every VM, DONE ones too, a page at a time. */
export async function listAll(client: ApiClient): Promise<VmView[]> {
  const all: VmView[] = [];
  const limit = 5_000;
  for (;;) {
    const page = await client.call('vmpool.info', { all: true, offset: all.length, limit });
    all.push(...page);
    if (page.length < limit) return all;
  }
}

/** `n` more oneadmin clients, each on its own connection. */
export async function clients(oned: OnedProc, n: number): Promise<ApiClient[]> {
  const creds = await readAuthFile(oned.authFile);
  return Promise.all(Array.from({ length: n }, () => ApiClient.connect({ url: oned.url, ...creds, timeoutMs: 120_000 })));
}

/** Resolves once oned lists `hosts` hosts, all MONITORED. */
export async function allMonitored(client: ApiClient, hosts: number, timeoutMs: number): Promise<void> {
  await until(
    () => client.call('hostpool.info', {}),
    (hs) => hs.length === hosts && hs.every((h) => h.state === 'MONITORED'),
    `all ${hosts} hosts MONITORED`,
    timeoutMs,
    100,
  );
}

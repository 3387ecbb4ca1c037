/**
 * `npm run bench -- abuse`: what an attack costs everybody else. oned runs as
 * its own process; the attackers run in a process of their own
 * (bench/abuse-attacker.ts); the suite's process only times an
 * administrator's `vm.info`, sequentially, over a connection opened before
 * the attack:
 *
 * - idle: oned with nothing else to do (the baseline of the run);
 * - logins: 1,000 failed logins a second, each a new connection with an
 *   unknown user name;
 * - flood: one user keeping 10,000 `vmpool.info` calls in flight on one
 *   connection (each refused call is sent again at once).
 *
 * Targets (the hardening issue): p99 under either attack ≤ 5× idle, no error
 * for the administrator, oned's RSS growth ≤ 100 MB.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiClient } from '../src/cli/api-client.js';
import { freePort, memoryOf, spawnOned, whenServing } from './scale-rig.js';
import { median, percentile, type Progress, result, type SuiteOptions, type SuiteResult, timeSequential, RUNS } from './suite.js';

const LOGINS_PER_SECOND = 1_000;
const FLOOD_IN_FLIGHT = 10_000;
/** Timed calls per run, and warm-up calls before the runs. */
const CALLS = 1_000;
const WARMUP = 200;
/** The attack runs this long before the timing starts. */
const RAMP_MS = 2_000;
const MB = 1024 * 1024;

export const notes: readonly string[] = [
  `An administrator's vm.info, ${CALLS} sequential calls a run, p99 (median of ${RUNS} runs) on oned as its own process,`,
  `idle (baseline: ${RUNS} runs before the attacks and ${RUNS} after), under ${LOGINS_PER_SECOND.toLocaleString('en-US')} failed logins/s, and while one user keeps ${FLOOD_IN_FLIGHT.toLocaleString('en-US')} calls in flight;`,
  "attackers in a separate process. RSS: oned's peak during the attacks against its idle RSS. Errors: the administrator's failed calls of all made.",
];

interface Phase {
  p99: number[];
  p50: number[];
  errors: number;
  calls: number;
  attacker?: Record<string, number>;
}

function attacker(args: readonly string[]): ChildProcess {
  const script = fileURLToPath(new URL('./abuse-attacker.js', import.meta.url));
  return spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function stopAttacker(child: ChildProcess): Promise<Record<string, number>> {
  let out = '';
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString('utf8');
  });
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  try {
    return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, number>;
  } catch {
    return {};
  }
}

/** Times the administrator's calls; a failed call is counted and timed like any other. */
async function timeAdmin(admin: ApiClient, vmId: number): Promise<Phase> {
  let errors = 0;
  const call = (): Promise<unknown> =>
    admin.call('vm.info', { id: vmId }).catch(() => {
      errors++;
    });
  await timeSequential(WARMUP, call);
  const p50: number[] = [];
  const p99: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const s = await timeSequential(CALLS, call);
    p50.push(percentile(s, 50) / 1000);
    p99.push(percentile(s, 99) / 1000);
  }
  return { p50, p99, errors, calls: WARMUP + RUNS * CALLS };
}

async function phase(
  progress: Progress,
  name: string,
  admin: ApiClient,
  vmId: number,
  pid: number,
  peak: { rss: number },
  args?: readonly string[],
): Promise<Phase> {
  const child = args === undefined ? undefined : attacker(args);
  const watch = setInterval(() => {
    memoryOf(pid).then(
      (m) => {
        peak.rss = Math.max(peak.rss, m.rss);
      },
      () => undefined,
    );
  }, 200);
  try {
    if (child !== undefined) await new Promise((resolve) => setTimeout(resolve, RAMP_MS));
    const timed = await timeAdmin(admin, vmId);
    if (child !== undefined) timed.attacker = await stopAttacker(child);
    progress(
      `${name}: vm.info p50 ${timed.p50.map((x) => x.toFixed(2)).join(', ')} ms, p99 ${timed.p99.map((x) => x.toFixed(2)).join(', ')} ms;` +
        ` ${timed.errors} errors of ${timed.calls}${timed.attacker === undefined ? '' : `; attacker: ${JSON.stringify(timed.attacker)}`}`,
    );
    return timed;
  } finally {
    clearInterval(watch);
    if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
  }
}

export async function run(opts: SuiteOptions): Promise<SuiteResult> {
  const progress: Progress = (line) => {
    if (!opts.json) process.stderr.write(`${line}\n`);
  };
  const dir = await mkdtemp(join(tmpdir(), 'nephele-bench-abuse-'));
  const port = await freePort();
  const oned = spawnOned(join(dir, 'oned'), port, dir);
  let admin: ApiClient | undefined;
  try {
    admin = (await whenServing(oned, 30_000)).client;
    await admin.call('user.allocate', { name: 'flooder', password: 'flooder-pw' });
    const { id: vmId } = await admin.call('vm.allocate', { template: 'NAME = target\nCPU = 0.1\nMEMORY = 64\n', hold: true });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const idleRss = (await memoryOf(oned.pid)).rss;
    const peak = { rss: idleRss };
    const idle = await phase(progress, 'idle', admin, vmId, oned.pid, { rss: 0 });
    // The flood first: the login storm blocks its address (this one) for a while, the flooder's logins included.
    const flood = await phase(progress, 'flood', admin, vmId, oned.pid, peak, [
      'flood',
      oned.url,
      'flooder',
      'flooder-pw',
      String(FLOOD_IN_FLIGHT),
    ]);
    if ((flood.attacker?.sent ?? 0) < FLOOD_IN_FLIGHT) throw new Error(`the flooder did not flood: ${JSON.stringify(flood.attacker)}`);
    const logins = await phase(progress, 'logins', admin, vmId, oned.pid, peak, ['logins', oned.url, String(LOGINS_PER_SECOND)]);
    // Idle again: the first idle runs are the coldest, so the baseline takes both.
    const idleAfter = await phase(progress, 'idle again', admin, vmId, oned.pid, { rss: 0 });
    idle.p99.push(...idleAfter.p99);
    idle.p50.push(...idleAfter.p50);
    const after = await admin.call('vm.info', { id: vmId });
    if (after.state !== 'HOLD') throw new Error(`the target VM changed: ${after.state}`);
    const base = median(idle.p99);
    progress(`oned RSS idle ${(idleRss / MB).toFixed(0)} MB, peak during the attacks ${(peak.rss / MB).toFixed(0)} MB`);
    const errors = logins.errors + flood.errors;
    return {
      suite: 'abuse',
      results: {
        'vm.info p99 under 1,000 failed logins/s': result(median(logins.p99), 'ms', base, 'lower', {
          target: 5 * base,
          runs: logins.p99,
          baselineRuns: idle.p99,
        }),
        'vm.info p99 under a 10,000-call flood': result(median(flood.p99), 'ms', base, 'lower', {
          target: 5 * base,
          runs: flood.p99,
          baselineRuns: idle.p99,
        }),
        'vm.info p50 under 1,000 failed logins/s': result(median(logins.p50), 'ms', median(idle.p50), 'lower', {
          runs: logins.p50,
          baselineRuns: idle.p50,
        }),
        'vm.info p50 under a 10,000-call flood': result(median(flood.p50), 'ms', median(idle.p50), 'lower', {
          runs: flood.p50,
          baselineRuns: idle.p50,
        }),
        'oned RSS peak during the attacks': result(peak.rss / MB, 'MB', idleRss / MB, 'lower', { target: idleRss / MB + 100 }),
        // The baseline is every call the administrator made under attack: the ratio is the share that failed.
        'administrator errors under attack': result(errors, 'calls', logins.calls + flood.calls, 'lower', { target: 1 }),
      },
    };
  } finally {
    admin?.close();
    await oned.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

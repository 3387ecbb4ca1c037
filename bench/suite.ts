/**
 * What every benchmark suite shares: the shape of its results, and the small
 * helpers for timing, statistics and forced garbage collection.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

export interface SuiteOptions {
  /** Machine-readable output is wanted: write nothing to stdout. */
  json: boolean;
}

/** Which way a metric improves. */
export type Better = 'higher' | 'lower';

export interface Target {
  better: Better;
  /** The metric meets its target when it is >= (higher) or < (lower) this. */
  value: number;
}

export interface Result {
  value: number;
  unit: string;
  /** The same measurement without the kernel, taken in the same run. */
  baseline: number;
  /** value / baseline, whichever way is better. */
  ratio: number;
  better: Better;
  target?: number;
  /** Absent when the metric has no target. */
  met?: boolean;
  /** The individual measurements `value` was taken from. */
  runs?: number[];
  baselineRuns?: number[];
}

export interface SuiteResult {
  suite: string;
  results: Record<string, Result>;
}

export interface Suite {
  /** Lines the table prints above its header: what the baseline is, how it was measured. */
  readonly notes?: readonly string[];
  run(opts: SuiteOptions): Promise<SuiteResult>;
}

/** Builds a result from a value and its baseline; ratio is always value / baseline. */
export function result(
  value: number,
  unit: string,
  baseline: number,
  better: Better,
  extra: { target?: number; runs?: number[]; baselineRuns?: number[] } = {},
): Result {
  const r: Result = { value, unit, baseline, ratio: baseline === 0 ? NaN : value / baseline, better };
  if (extra.target !== undefined) {
    r.target = extra.target;
    r.met = better === 'higher' ? value >= extra.target : value < extra.target;
  }
  if (extra.runs !== undefined) r.runs = extra.runs;
  if (extra.baselineRuns !== undefined) r.baselineRuns = extra.baselineRuns;
  return r;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  if (s.length === 0) return NaN;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The p-th percentile (0..100) of sorted samples, nearest-rank. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** Milliseconds, fractional. */
export function now(): number {
  return performance.now();
}

/** Resolves on the next event-loop turn (after I/O and setImmediate callbacks). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

let gcFn: (() => void) | undefined;

/**
 * A full, synchronous garbage collection. Uses global.gc when node runs with
 * --expose-gc; otherwise turns the flag on at run time and takes `gc` from a
 * fresh context (the flag only affects contexts created after it is set).
 * The collection is of the whole isolate either way.
 */
export function gc(): void {
  if (gcFn === undefined) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (typeof g === 'function') {
      gcFn = g;
    } else {
      v8.setFlagsFromString('--expose_gc');
      gcFn = vm.runInNewContext('gc') as () => void;
    }
  }
  gcFn();
}

/** Collects until the heap stops shrinking, so that what is left is what is live. */
export async function settledHeapUsed(): Promise<number> {
  let last = Infinity;
  for (let i = 0; i < 6; i++) {
    await nextTurn();
    gc();
    const used = process.memoryUsage().heapUsed;
    if (used >= last - 1024) return Math.min(used, last);
    last = used;
  }
  return last;
}

/** Measured runs of each side; the median is reported. */
export const RUNS = 3;
/** Warm-up runs are this fraction of a measured run. */
export const WARMUP_FRACTION = 0.25;

export type Progress = (line: string) => void;

export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A rate in units per second from a count and the milliseconds it took. */
export function perSecond(count: number, ms: number): number {
  return (count * 1000) / ms;
}

export function fmt(n: number): string {
  return n >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

/**
 * Warm-up, then RUNS measured runs of the subject and its baseline,
 * alternating so both see the same machine noise. Each function gets its
 * size and returns a rate; the result is the median of the runs.
 */
export async function compareRates(
  progress: Progress,
  name: string,
  size: number,
  subject: (n: number) => Promise<number>,
  baseline: (n: number) => Promise<number>,
): Promise<{ value: number; baseline: number; runs: number[]; baselineRuns: number[] }> {
  const warm = Math.max(1, Math.floor(size * WARMUP_FRACTION));
  await subject(warm);
  await baseline(warm);
  const runs: number[] = [];
  const baselineRuns: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    runs.push(await subject(size));
    baselineRuns.push(await baseline(size));
  }
  const r = { value: median(runs), baseline: median(baselineRuns), runs, baselineRuns };
  progress(`${name}: ${fmt(r.value)} (baseline ${fmt(r.baseline)})`);
  return r;
}

/** Times `n` sequential calls of `call`, in µs each, sorted. */
export async function timeSequential(n: number, call: (i: number) => Promise<unknown>): Promise<Float64Array> {
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call(i);
    samples[i] = (performance.now() - t0) * 1000;
  }
  return samples.sort();
}

/** `warmup` calls, then RUNS runs of `n` timed calls: each run's p50 and p99, in µs. */
export async function latencies(
  call: (i: number) => Promise<unknown>,
  n: number,
  warmup: number,
): Promise<{ p50: number[]; p99: number[] }> {
  await timeSequential(warmup, call);
  const p50: number[] = [];
  const p99: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const s = await timeSequential(n, call);
    p50.push(percentile(s, 50));
    p99.push(percentile(s, 99));
  }
  return { p50, p99 };
}

/** Runs `n` jobs with `concurrency` workers; returns each job's value, by job index. */
export async function pool<T>(n: number, concurrency: number, job: (i: number) => Promise<T>): Promise<T[]> {
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

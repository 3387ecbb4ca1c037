/**
 * The kernel suite: what one actor system does per second, how long an ask
 * takes and what an idle actor weighs, each against a baseline taken in the
 * same run that does the same work without the kernel.
 *
 * The baseline is a bare mailbox: a RingQueue (the kernel's own) with a
 * handler, drained the way the kernel drains, in batches on a microtask, and
 * after TURN_BUDGET messages in one event-loop turn on setImmediate. It is
 * about the physical limit of a mailbox in JavaScript; ratio = value /
 * baseline, so for throughputs 1 means "no kernel overhead at all", and for
 * latency and memory (lower is better) it says how many times the bare cost
 * the kernel spends.
 *
 * Throughputs: one warm-up run of each side, then 3 measured runs of each,
 * kernel and baseline alternating so that both see the same machine noise;
 * the reported value is the MEDIAN of the 3 runs (robust on a busy 2-core
 * machine, where the best would reward luck). Latencies: 10,000 warm-up
 * asks, then 3 runs of 100,000 timed asks; p50 and p99 are medians over the
 * runs. Memory: one measurement each, after forced collections.
 */
import { pino } from 'pino';
import { ActorSystem, type Actor, type ActorFactory, type ActorRef, type Reply } from '../src/actors/index.js';
import { RingQueue } from '../src/actors/ring-queue.js';
import {
  WARMUP_FRACTION,
  compareRates,
  deferred,
  latencies,
  median,
  nextTurn,
  now,
  perSecond,
  result,
  settledHeapUsed,
  type Progress,
  type Result,
  type SuiteOptions,
  type SuiteResult,
} from './suite.js';

// ---- sizes ---------------------------------------------------------------------

const TELL_N = 2_000_000;
const PING_PONG_M = 500_000;
const PAIRS = 100;
/** Round trips of each of the PAIRS pairs: the same total as PING_PONG_M. */
const PAIR_M = PING_PONG_M / PAIRS;
const ASK_PIPELINED_N = 1_000_000;
const ASK_WINDOW = 10_000;
const ASK_SEQ_N = 100_000;
const ASK_SEQ_WARMUP = 10_000;
const IDLE_ACTORS = 100_000;

// ---- targets -------------------------------------------------------------------

const TELL_TARGET = 5_000_000;
const ASK_PIPELINED_TARGET = 500_000;
const ASK_P50_TARGET_US = 5;
const IDLE_ACTOR_TARGET_BYTES = 2048;

export const notes: readonly string[] = ['ratio = value / baseline (baseline: a bare RingQueue mailbox, measured in the same run).'];

// ---- the baseline: a bare mailbox ---------------------------------------------------

/** The kernel's default turnBudget: messages per event-loop turn before setImmediate. */
const TURN_BUDGET = 1024;

/**
 * The event-loop turns the bare mailboxes share, as the kernel's dispatcher
 * counts them: work goes on microtasks until TURN_BUDGET messages ran in this
 * turn, then waits for setImmediate.
 */
class Turns {
  used = 0;
  private markPending = false;

  schedule(fn: () => void): void {
    if (this.used < TURN_BUDGET) queueMicrotask(fn);
    else setImmediate(fn);
  }

  count(n: number): void {
    this.used += n;
    if (this.markPending) return;
    this.markPending = true;
    setImmediate(this.newTurn);
  }

  private readonly newTurn = (): void => {
    this.markPending = false;
    this.used = 0;
  };
}

/** A mailbox and nothing else: a ring, a handler and a flag. */
class BareQueue<M> {
  private readonly q = new RingQueue<M>();
  private scheduled = false;
  private readonly turns: Turns;
  private readonly handler: (msg: M) => void;

  constructor(turns: Turns, handler: (msg: M) => void) {
    this.turns = turns;
    this.handler = handler;
  }

  tell(msg: M): void {
    this.q.push(msg);
    if (this.scheduled) return;
    this.scheduled = true;
    this.turns.schedule(this.drain);
  }

  private readonly drain = (): void => {
    const budget = Math.max(1, TURN_BUDGET - this.turns.used);
    let n = 0;
    while (n < budget) {
      const msg = this.q.shift();
      if (msg === undefined) break;
      n++;
      this.handler(msg);
    }
    this.turns.count(n);
    if (this.q.length > 0) this.turns.schedule(this.drain);
    else this.scheduled = false;
  };
}

// ---- helpers ---------------------------------------------------------------------------

function newSystem(): ActorSystem {
  return new ActorSystem({ logger: pino({ level: 'silent' }) });
}

async function withSystem<T>(fn: (system: ActorSystem) => Promise<T>): Promise<T> {
  const system = newSystem();
  try {
    return await fn(system);
  } finally {
    await system.shutdown();
  }
}

// ---- 1. tell throughput -------------------------------------------------------------

/** The handler both sides run: count, and say when all arrived. */
function counter(n: number, done: () => void): (msg: number) => void {
  let count = 0;
  return (_msg: number) => {
    if (++count === n) done();
  };
}

async function kernelTell(n: number): Promise<number> {
  return withSystem(async (system) => {
    const finished = deferred();
    const handle = counter(n, finished.resolve);
    const ref = system.spawn<number>(() => ({ receive: handle }), { name: 'sink' });
    await nextTurn(); // started
    const t0 = now();
    for (let i = 0; i < n; i++) ref.tell(i);
    await finished.promise;
    return perSecond(n, now() - t0);
  });
}

async function baselineTell(n: number): Promise<number> {
  const finished = deferred();
  const q = new BareQueue<number>(new Turns(), counter(n, finished.resolve));
  await nextTurn();
  const t0 = now();
  for (let i = 0; i < n; i++) q.tell(i);
  await finished.promise;
  return perSecond(n, now() - t0);
}

// ---- 2, 3. ping-pong ------------------------------------------------------------------

type PingMsg = number | { readonly peer: ActorRef<PingMsg> };

/**
 * The pinger gets a count: at 0 the pair is done, else it sends the count to
 * the ponger, which sends it back one lower. A count of m is m round trips.
 */
function pinger(onDone: () => void): ActorFactory<PingMsg> {
  return (): Actor<PingMsg> => {
    let peer: ActorRef<PingMsg> | undefined;
    return {
      receive(msg: PingMsg): void {
        if (typeof msg !== 'number') peer = msg.peer;
        else if (msg === 0) onDone();
        else (peer as ActorRef<PingMsg>).tell(msg);
      },
    };
  };
}

const ponger: ActorFactory<PingMsg> = (): Actor<PingMsg> => {
  let peer: ActorRef<PingMsg> | undefined;
  return {
    receive(msg: PingMsg): void {
      if (typeof msg !== 'number') peer = msg.peer;
      else (peer as ActorRef<PingMsg>).tell(msg - 1);
    },
  };
};

/** `pairs` pairs of actors, `m` round trips each; returns total round trips per second. */
async function kernelPingPong(pairs: number, m: number): Promise<number> {
  return withSystem(async (system) => {
    const finished = deferred();
    let left = pairs;
    const onDone = (): void => {
      if (--left === 0) finished.resolve();
    };
    const pings: ActorRef<PingMsg>[] = [];
    for (let p = 0; p < pairs; p++) {
      const ping = system.spawn<PingMsg>(pinger(onDone), { name: `ping-${p}` });
      const pong = system.spawn<PingMsg>(ponger, { name: `pong-${p}` });
      ping.tell({ peer: pong });
      pong.tell({ peer: ping });
      pings.push(ping);
    }
    await nextTurn(); // started and introduced
    const t0 = now();
    for (const ping of pings) ping.tell(m);
    await finished.promise;
    return perSecond(pairs * m, now() - t0);
  });
}

async function baselinePingPong(pairs: number, m: number): Promise<number> {
  const finished = deferred();
  let left = pairs;
  const onDone = (): void => {
    if (--left === 0) finished.resolve();
  };
  const turns = new Turns();
  const pings: BareQueue<number>[] = [];
  for (let p = 0; p < pairs; p++) {
    const ping: BareQueue<number> = new BareQueue<number>(turns, (n) => {
      if (n === 0) onDone();
      else pong.tell(n);
    });
    const pong: BareQueue<number> = new BareQueue<number>(turns, (n) => ping.tell(n - 1));
    pings.push(ping);
  }
  await nextTurn();
  const t0 = now();
  for (const ping of pings) ping.tell(m);
  await finished.promise;
  return perSecond(pairs * m, now() - t0);
}

// ---- 4. pipelined asks ------------------------------------------------------------------

const increment = (x: number): number => x + 1;
/** A number, answered with a number: the reply type rides on the message, nothing is added at run time. */
type Echo = number & Reply<number>;

/** n asks, ASK_WINDOW in flight at a time; returns asks per second. */
async function kernelAskPipelined(n: number): Promise<number> {
  return withSystem(async (system) => {
    const ref = system.spawn<Echo>(() => ({ receive: increment }), { name: 'echo' });
    await nextTurn();
    return windowedAsks(n, (j) => ref.ask(j));
  });
}

/** n asks, ASK_WINDOW in flight at a time, each answered with its message + 1; returns asks per second. */
async function windowedAsks(n: number, ask: (j: number) => Promise<number>): Promise<number> {
  const t0 = now();
  let check = 0;
  for (let sent = 0; sent < n; sent += ASK_WINDOW) {
    const window = Math.min(ASK_WINDOW, n - sent);
    const ps: Promise<number>[] = [];
    for (let j = 0; j < window; j++) ps.push(ask(j));
    const replies = await Promise.all(ps);
    check += replies[window - 1] as number;
  }
  const ms = now() - t0;
  if (check !== Math.ceil(n / ASK_WINDOW) * ASK_WINDOW) throw new Error(`wrong replies: ${check}`);
  return perSecond(n, ms);
}

interface Job {
  readonly msg: number;
  readonly resolve: (value: number) => void;
}

/** The same shape with no kernel: a new Promise, its resolver queued with the message, resolved by the handler. */
async function baselineAskPipelined(n: number): Promise<number> {
  const q = new BareQueue<Job>(new Turns(), (job) => job.resolve(increment(job.msg)));
  await nextTurn();
  return windowedAsks(n, (j) => new Promise<number>((resolve) => q.tell({ msg: j, resolve })));
}

// ---- 5. sequential ask latency -----------------------------------------------------------

async function kernelAskSequential(): Promise<{ p50: number[]; p99: number[] }> {
  return withSystem(async (system) => {
    const ref = system.spawn<Echo>(() => ({ receive: increment }), { name: 'echo' });
    await nextTurn();
    return latencies((i) => ref.ask(i), ASK_SEQ_N, ASK_SEQ_WARMUP);
  });
}

async function baselineAskSequential(): Promise<{ p50: number[]; p99: number[] }> {
  return latencies((i) => new Promise<number>((resolve) => queueMicrotask(() => resolve(increment(i)))), ASK_SEQ_N, ASK_SEQ_WARMUP);
}

// ---- 6. memory per idle actor --------------------------------------------------------------

function noop(): void {
  // an idle actor's handler
}

/** What a real actor allocates at the least: an instance of its own, with a shared method. */
const idleActor: ActorFactory<number> = () => ({ receive: noop });

async function kernelMemory(n: number): Promise<{ bytes: number; spawnMs: number; shutdownMs: number }> {
  const system = newSystem();
  const refs: ActorRef<number>[] = [];
  const before = await settledHeapUsed();
  const t0 = now();
  for (let i = 0; i < n; i++) refs.push(system.spawn<number>(idleActor));
  const last = refs[n - 1] as ActorRef<number>;
  while (system.inspect(last).status !== 'running') await nextTurn();
  const spawnMs = now() - t0;
  const after = await settledHeapUsed();
  // The refs (and the system's own child set) keep every actor alive up to here.
  if (refs.length !== n || system.stats().actors !== n) throw new Error('actors went missing');
  const t1 = now();
  await system.shutdown();
  const shutdownMs = now() - t1;
  return { bytes: (after - before) / n, spawnMs, shutdownMs };
}

interface BareActor {
  readonly queue: RingQueue<number>;
  readonly handler: (msg: number) => void;
}

async function baselineMemory(n: number): Promise<number> {
  const actors: BareActor[] = [];
  const before = await settledHeapUsed();
  for (let i = 0; i < n; i++) actors.push({ queue: new RingQueue<number>(), handler: noop });
  const after = await settledHeapUsed();
  if (actors.length !== n) throw new Error('actors went missing');
  return (after - before) / n;
}

// ---- the suite ---------------------------------------------------------------------------------

export async function run(opts: SuiteOptions): Promise<SuiteResult> {
  const progress: Progress = opts.json ? () => undefined : (line) => process.stderr.write(`  ${line}\n`);
  const results: Record<string, Result> = {};
  const started = now();

  // Memory first, while the heap holds nothing of the other measurements.
  await kernelMemory(Math.floor(IDLE_ACTORS * WARMUP_FRACTION)); // warm-up: compiles spawn and shutdown
  const mem = await kernelMemory(IDLE_ACTORS);
  const memBase = await baselineMemory(IDLE_ACTORS);
  progress(
    `memory_per_idle_actor: ${mem.bytes.toFixed(0)} B (baseline ${memBase.toFixed(0)} B); ` +
      `spawn ${IDLE_ACTORS} took ${mem.spawnMs.toFixed(0)} ms, shutdown ${mem.shutdownMs.toFixed(0)} ms`,
  );

  const tell = await compareRates(progress, 'tell_throughput', TELL_N, kernelTell, baselineTell);
  results['tell_throughput'] = result(tell.value, 'msgs/s', tell.baseline, 'higher', {
    target: TELL_TARGET,
    runs: tell.runs,
    baselineRuns: tell.baselineRuns,
  });

  const pp = await compareRates(
    progress,
    'ping_pong',
    PING_PONG_M,
    (m) => kernelPingPong(1, m),
    (m) => baselinePingPong(1, m),
  );
  results['ping_pong'] = result(pp.value, 'round trips/s', pp.baseline, 'higher', {
    runs: pp.runs,
    baselineRuns: pp.baselineRuns,
  });

  const pp100 = await compareRates(
    progress,
    'ping_pong_100_pairs',
    PAIR_M,
    (m) => kernelPingPong(PAIRS, m),
    (m) => baselinePingPong(PAIRS, m),
  );
  results['ping_pong_100_pairs'] = result(pp100.value, 'round trips/s', pp100.baseline, 'higher', {
    runs: pp100.runs,
    baselineRuns: pp100.baselineRuns,
  });

  const ap = await compareRates(progress, 'ask_pipelined', ASK_PIPELINED_N, kernelAskPipelined, baselineAskPipelined);
  results['ask_pipelined'] = result(ap.value, 'asks/s', ap.baseline, 'higher', {
    target: ASK_PIPELINED_TARGET,
    runs: ap.runs,
    baselineRuns: ap.baselineRuns,
  });

  const seq = await kernelAskSequential();
  const seqBase = await baselineAskSequential();
  progress(
    `ask_sequential: p50 ${median(seq.p50).toFixed(2)} µs, p99 ${median(seq.p99).toFixed(2)} µs ` +
      `(baseline p50 ${median(seqBase.p50).toFixed(2)} µs, p99 ${median(seqBase.p99).toFixed(2)} µs)`,
  );
  results['ask_sequential_p50'] = result(median(seq.p50), 'µs', median(seqBase.p50), 'lower', {
    target: ASK_P50_TARGET_US,
    runs: seq.p50,
    baselineRuns: seqBase.p50,
  });
  results['ask_sequential_p99'] = result(median(seq.p99), 'µs', median(seqBase.p99), 'lower', {
    runs: seq.p99,
    baselineRuns: seqBase.p99,
  });

  results['memory_per_idle_actor'] = result(mem.bytes, 'bytes', memBase, 'lower', { target: IDLE_ACTOR_TARGET_BYTES });

  progress(`suite took ${((now() - started) / 1000).toFixed(1)} s`);
  return { suite: 'kernel', results };
}

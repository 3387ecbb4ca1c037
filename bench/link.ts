/**
 * The link suite: what the wire protocol's Link costs on top of a bare
 * WebSocket, over loopback, with the real pieces oned and onenode use — a
 * socket.io Server (namespace /node, binary event `f`, one msgpack frame
 * array per event), socket.io-client (websocket transport), and a
 * Link<'frontend'> and a Link<'node'> wired to them as node-gateway.ts and
 * nodes/frontend-client.ts do (see link-rig.ts). Server and client run in
 * this one Node process, so every figure pays for both ends on one thread.
 *
 * The baseline is raw `ws` with msgpackr and nothing else: each message is
 * its own packed WebSocket message — no batching, no seqs, no acks, no
 * validation, no socket.io. ratio = value / baseline, as in every suite.
 *
 * - link_oneway (msgs/s): the front-end tells `vm.shutdown` commands with
 *   distinct opIds, TURN_BUDGET per event-loop turn (what a HostActor does
 *   with a full dispatcher batch), until the node link's onCommand has
 *   counted them all. Coalescing makes each turn's tells one frame array.
 *   The baseline server sends the same messages at the same pace, each in
 *   its own WebSocket message; the client unpacks and counts them. The
 *   front-end's outbox is drained (acked) before the next run starts.
 * - link_ask_p50/p99 (µs): sequential `node.ping` asks front-end → node,
 *   answered at once by the node link's onRequest. Baseline: a raw ws
 *   request/response (the client sends, the server unpacks and replies).
 * - link_ask_pipelined (asks/s): asks in windows of ASK_WINDOW in flight.
 *   Baseline: the same windows over raw ws, one message per request and
 *   per reply, matched by id.
 *
 * Throughputs: one warm-up run of each side, then RUNS measured runs,
 * link and baseline alternating; the value is the median. Latencies:
 * ASK_SEQ_WARMUP asks, then RUNS runs of ASK_SEQ_N timed asks; p50 and p99
 * are medians over the runs.
 *
 * Mind that `npm run bench` runs through tsx, whose esbuild transform keeps
 * function names: every closure created at run time also calls a `__name`
 * helper (Object.defineProperty). The Link makes several closures per
 * request, so asks measure slower here than in the tsc build oned runs
 * (pipelined asks about half as fast).
 */
import { Packr, Unpackr } from 'msgpackr';
import type { NodeCommand } from '../src/protocol/messages.js';
import { startLinkRig, startWsRig, type LinkRig, type WsRig } from './link-rig.js';
import {
  compareRates,
  deferred,
  latencies,
  median,
  nextTurn,
  now,
  perSecond,
  result,
  type Progress,
  type Result,
  type SuiteOptions,
  type SuiteResult,
} from './suite.js';

// ---- sizes ---------------------------------------------------------------------

const ONEWAY_N = 200_000;
/** Tells per event-loop turn: the kernel's default turnBudget, a full dispatcher batch. */
const TURN_BUDGET = 1024;
const ASK_SEQ_N = 20_000;
const ASK_SEQ_WARMUP = 2_000;
const ASK_PIPELINED_N = 100_000;
const ASK_WINDOW = 1_000;

// ---- targets -------------------------------------------------------------------

const ONEWAY_TARGET = 200_000;
const ASK_P50_TARGET_US = 150;

export const notes: readonly string[] = [
  'ratio = value / baseline (baseline: raw unbatched ws + msgpackr, one WebSocket message per message, measured in the same run).',
  'Loopback; server (socket.io /node + front-end Link) and client (socket.io-client + node Link) in ONE Node process.',
];

// ---- helpers ---------------------------------------------------------------------------

/** msgpackr as the codec configures it (src/protocol/codec.ts). */
const packr = new Packr({ useRecords: false, moreTypes: false });
const unpackr = new Unpackr({ useRecords: false, moreTypes: false });

/** Each run's commands get opIds of their own, as retried commands would not. */
let runId = 0;

function shutdown(run: number, i: number): NodeCommand {
  return { type: 'vm.shutdown', opId: `op-${run}-${i}`, vmId: i, hard: false };
}

/** Calls `send(i)` for i in [0, n), `perTurn` per event-loop turn. */
async function paced(n: number, perTurn: number, send: (i: number) => void): Promise<void> {
  for (let i = 0; i < n; ) {
    const end = Math.min(n, i + perTurn);
    for (; i < end; i++) send(i);
    if (i < n) await nextTurn();
  }
}

/** Until every reliable message the front-end sent is acked: the next run starts from an empty outbox. */
async function drained(rig: LinkRig): Promise<void> {
  const deadline = now() + 10_000;
  while (rig.front.stats().outbox > 0) {
    if (now() > deadline) throw new Error(`outbox not drained: ${rig.front.stats().outbox} unacked`);
    await nextTurn();
  }
}

// ---- 1. one-way reliable messages ---------------------------------------------------

interface OnewayDetail {
  /** Frames per transport message the node link received during the last run. */
  framesPerMessage: number;
}

async function linkOneway(rig: LinkRig, n: number, detail: OnewayDetail): Promise<number> {
  const run = runId++;
  const finished = deferred();
  let count = 0;
  rig.hooks.onCommand = () => {
    if (++count === n) finished.resolve();
  };
  const before = rig.node.stats();
  const t0 = now();
  await paced(n, TURN_BUDGET, (i) => rig.front.tell(shutdown(run, i)));
  await finished.promise;
  const ms = now() - t0;
  const after = rig.node.stats();
  detail.framesPerMessage = (after.framesIn - before.framesIn) / (after.received - before.received);
  rig.hooks.onCommand = () => undefined;
  await drained(rig);
  return perSecond(n, ms);
}

async function wsOneway(rig: WsRig, n: number): Promise<number> {
  const run = runId++;
  const finished = deferred();
  let count = 0;
  rig.hooks.onClient = (data) => {
    unpackr.unpack(data);
    if (++count === n) finished.resolve();
  };
  const t0 = now();
  await paced(n, TURN_BUDGET, (i) => rig.server.send(packr.pack(shutdown(run, i))));
  await finished.promise;
  const ms = now() - t0;
  rig.hooks.onClient = () => undefined;
  return perSecond(n, ms);
}

// ---- 2. sequential ask latency ------------------------------------------------------

async function linkAskSequential(rig: LinkRig): Promise<{ p50: number[]; p99: number[] }> {
  const expected = rig.nodeIncarnation;
  return latencies(
    async () => {
      const reply = await rig.front.ask({ type: 'node.ping' });
      if (reply.incarnation !== expected) throw new Error('wrong reply');
    },
    ASK_SEQ_N,
    ASK_SEQ_WARMUP,
  );
}

interface WsRequest {
  readonly id: number;
  readonly msg: { readonly type: string };
}

interface WsReply {
  readonly id: number;
  readonly value: unknown;
}

/**
 * Raw request/response over a WsRig: the client sends `{ id, msg }`, the
 * server unpacks it and replies `{ id, value }`, the client unpacks that and
 * settles the request by id.
 */
class WsAsker {
  private readonly rig: WsRig;
  private readonly pending = new Map<number, (value: unknown) => void>();
  private nextId = 1;

  constructor(rig: WsRig, value: unknown) {
    this.rig = rig;
    rig.hooks.onServer = (data) => {
      const req = unpackr.unpack(data) as WsRequest;
      rig.server.send(packr.pack({ id: req.id, value }));
    };
    rig.hooks.onClient = (data) => {
      const res = unpackr.unpack(data) as WsReply;
      const resolve = this.pending.get(res.id);
      if (resolve === undefined) return;
      this.pending.delete(res.id);
      resolve(res.value);
    };
  }

  ask(msg: { readonly type: string }): Promise<unknown> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, resolve);
      this.rig.client.send(packr.pack({ id, msg }));
    });
  }

  release(): void {
    this.rig.hooks.onServer = () => undefined;
    this.rig.hooks.onClient = () => undefined;
  }
}

async function wsAskSequential(rig: WsRig, incarnation: string): Promise<{ p50: number[]; p99: number[] }> {
  const asker = new WsAsker(rig, { incarnation });
  try {
    return await latencies(
      async () => {
        const reply = (await asker.ask({ type: 'node.ping' })) as { incarnation?: unknown };
        if (reply.incarnation !== incarnation) throw new Error('wrong reply');
      },
      ASK_SEQ_N,
      ASK_SEQ_WARMUP,
    );
  } finally {
    asker.release();
  }
}

// ---- 3. pipelined asks ----------------------------------------------------------------

/** n asks, ASK_WINDOW in flight at a time; returns asks per second. */
async function windows(n: number, ask: () => Promise<unknown>): Promise<number> {
  const t0 = now();
  for (let sent = 0; sent < n; sent += ASK_WINDOW) {
    const window = Math.min(ASK_WINDOW, n - sent);
    const ps: Promise<unknown>[] = [];
    for (let j = 0; j < window; j++) ps.push(ask());
    await Promise.all(ps);
  }
  return perSecond(n, now() - t0);
}

async function linkAskPipelined(rig: LinkRig, n: number): Promise<number> {
  return windows(n, () => rig.front.ask({ type: 'node.ping' }));
}

async function wsAskPipelined(rig: WsRig, incarnation: string, n: number): Promise<number> {
  const asker = new WsAsker(rig, { incarnation });
  try {
    return await windows(n, () => asker.ask({ type: 'node.ping' }));
  } finally {
    asker.release();
  }
}

// ---- the suite ---------------------------------------------------------------------------------

export async function run(opts: SuiteOptions): Promise<SuiteResult> {
  const progress: Progress = opts.json ? () => undefined : (line) => process.stderr.write(`  ${line}\n`);
  const results: Record<string, Result> = {};
  const started = now();

  const rig = await startLinkRig();
  let ws: WsRig | undefined;
  try {
    const raw = await startWsRig();
    ws = raw;
    const detail: OnewayDetail = { framesPerMessage: NaN };
    const oneway = await compareRates(
      progress,
      'link_oneway',
      ONEWAY_N,
      (n) => linkOneway(rig, n, detail),
      (n) => wsOneway(raw, n),
    );
    progress(`  (${detail.framesPerMessage.toFixed(0)} frames per transport message in the last link run)`);
    results['link_oneway'] = result(oneway.value, 'msgs/s', oneway.baseline, 'higher', {
      target: ONEWAY_TARGET,
      runs: oneway.runs,
      baselineRuns: oneway.baselineRuns,
    });

    const seq = await linkAskSequential(rig);
    const seqBase = await wsAskSequential(raw, rig.nodeIncarnation);
    progress(
      `link_ask: p50 ${median(seq.p50).toFixed(2)} µs, p99 ${median(seq.p99).toFixed(2)} µs ` +
        `(baseline p50 ${median(seqBase.p50).toFixed(2)} µs, p99 ${median(seqBase.p99).toFixed(2)} µs)`,
    );
    results['link_ask_p50_us'] = result(median(seq.p50), 'µs', median(seqBase.p50), 'lower', {
      target: ASK_P50_TARGET_US,
      runs: seq.p50,
      baselineRuns: seqBase.p50,
    });
    results['link_ask_p99_us'] = result(median(seq.p99), 'µs', median(seqBase.p99), 'lower', {
      runs: seq.p99,
      baselineRuns: seqBase.p99,
    });

    const ap = await compareRates(
      progress,
      'link_ask_pipelined',
      ASK_PIPELINED_N,
      (n) => linkAskPipelined(rig, n),
      (n) => wsAskPipelined(raw, rig.nodeIncarnation, n),
    );
    results['link_ask_pipelined'] = result(ap.value, 'asks/s', ap.baseline, 'higher', {
      runs: ap.runs,
      baselineRuns: ap.baselineRuns,
    });

    const frontStats = rig.front.stats();
    if (frontStats.badFrames !== 0 || rig.node.stats().badFrames !== 0) throw new Error('protocol errors during the suite');
  } finally {
    await rig.close();
    await ws?.close();
  }

  progress(`suite took ${((now() - started) / 1000).toFixed(1)} s`);
  return { suite: 'link', results };
}

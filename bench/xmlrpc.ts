/**
 * The xmlrpc suite: OpenNebula's XML-RPC door (`POST /RPC2`) against the
 * socket.io API, on one oned holding 10,000 VMs.
 *
 * oned runs in a process of its own (as in production; the clients here
 * would otherwise take its core); its store is filled to STORE_VMS VMs on
 * hold while it is down, then it is started again. In each of RUNS rounds:
 *
 *  - `vm.info` of random VMs, CONCURRENCY in flight, CALLS calls: over
 *    socket.io (the baseline), over XML-RPC with keep-alive (CONCURRENCY
 *    connections), and over XML-RPC with a new connection per call, as
 *    OpenNebula's Ruby CLI does. Throughput and p50/p99 of each.
 *  - `one.vmpool.info` of every VM (filter -2, no paging), timed alone;
 *    baseline: the socket.io listing of all of them.
 *  - `vm.allocate` of ALLOCATE_VMS VMs on hold, CONCURRENCY in flight, over
 *    XML-RPC and over socket.io.
 *
 * Figures are medians of the rounds. Targets (issue 17): XML-RPC
 * `vm.info` ≥ 3,000 calls/s; the full `vmpool.info` ≤ 300 ms; XML-RPC
 * `vm.info` p50 ≤ 3× the socket.io API's.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAuthFile } from '../src/auth/auth-file.js';
import { decodeResponse, encodeCall, type XmlRpcValue } from '../src/api/transports/xmlrpc/xmlrpc-codec.js';
import type { ApiClient } from '../src/cli/api-client.js';
import type { VmRecord } from '../src/vms/vm-record.js';
import { fillStore, sampleRecord } from './store-fill.js';
import { freePort, spawnOned, whenServing, type OnedProc } from './scale-rig.js';
import { RUNS, median, now, percentile, pool, result, type SuiteResult } from './suite.js';

const STORE_VMS = 10_000;
const CONCURRENCY = 8;
const CALLS = 6_000;
const PER_CONNECTION_CALLS = 2_000;
const WARMUP = 1_000;
const ALLOCATE_VMS = 1_000;
const POOL_CALLS = 5;
const TEMPLATE = 'NAME = "x"\nCPU = 0.01\nMEMORY = 64\n';

export const notes: readonly string[] = [
  `oned in its own process, ${STORE_VMS} VMs on hold in its store; clients in this process. Medians of ${RUNS} rounds.`,
  `vm.info: ${CALLS} calls of random VMs, ${CONCURRENCY} in flight (per connection: ${PER_CONNECTION_CALLS}); baseline the socket.io API, the same way.`,
  "XML-RPC replies are read by a strict reader of the door's success triple (the codec's decoder for anything else): the figures are oned's, not a general XML parser's in the client.",
  `vmpool: one.vmpool.info of all ${STORE_VMS} VMs (filter -2, no paging); baseline the socket.io listing of all of them.`,
  `allocate: ${ALLOCATE_VMS} VMs on hold, ${CONCURRENCY} in flight; baseline socket.io vm.allocate.`,
];

/**
 * The value of a success triple written as the door writes it, read without
 * a full XML parse (the text of a `<string>` unescaped, or an `<i4>`);
 * undefined for anything else, which the codec's decoder then reads. The
 * clients share the machine with oned: a client that parses every reply
 * with a general XML parser measures itself more than oned.
 */
const HEAD =
  '<?xml version="1.0" encoding="UTF-8"?>\n<methodResponse><params><param><value><array><data><value><boolean>1</boolean></value><value>';
const TAIL = '</value><value><i4>0</i4></value></data></array></value></param></params></methodResponse>\n';
const HEAD_BYTES = Buffer.from(`${HEAD}<string>`);
const TAIL_BYTES = Buffer.from(`</string>${TAIL}`);
const INT = new RegExp(`^${HEAD.replace(/[?.]/g, '\\$&')}<i4>(-?\\d+)</i4>${TAIL.replace(/[?.]/g, '\\$&')}$`);
/** The entities the door writes, by the byte after `&`: the whole entity, and the byte it stands for. */
const ENTITIES = new Map<number, readonly [Buffer, number]>([
  [0x6c, [Buffer.from('&lt;'), 0x3c]],
  [0x67, [Buffer.from('&gt;'), 0x3e]],
  [0x61, [Buffer.from('&amp;'), 0x26]],
  [0x23, [Buffer.from('&#13;'), 0x0d]],
]);

function oneSuccess(body: Buffer): XmlRpcValue | undefined {
  if (body.length < HEAD_BYTES.length + TAIL_BYTES.length) {
    const m = INT.exec(body.toString('utf8'));
    return m === null ? undefined : Number(m[1]);
  }
  if (!body.subarray(0, HEAD_BYTES.length).equals(HEAD_BYTES) || !body.subarray(body.length - TAIL_BYTES.length).equals(TAIL_BYTES)) {
    const m = INT.exec(body.toString('utf8'));
    return m === null ? undefined : Number(m[1]);
  }
  const text = body.subarray(HEAD_BYTES.length, body.length - TAIL_BYTES.length);
  if (text.indexOf(0x3c) !== -1) return undefined;
  // The four entities the door writes, byte by byte; any other reference goes to the codec's decoder.
  const out = Buffer.allocUnsafe(text.length);
  let j = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as number;
    if (c !== 0x26) {
      out[j++] = c;
      continue;
    }
    const e = ENTITIES.get(text[i + 1] as number);
    if (e === undefined || text.compare(e[0], 0, e[0].length, i, i + e[0].length) !== 0) return undefined;
    out[j++] = e[1];
    i += e[0].length - 1;
  }
  return out.toString('utf8', 0, j);
}

/** An XML-RPC client over node:http: keep-alive (up to `sockets` connections) or a new connection per call. */
class RpcClient {
  private readonly url: URL;
  private readonly agent: Agent;

  constructor(base: string, keepAlive: boolean, sockets: number) {
    this.url = new URL('/RPC2', base);
    this.agent = new Agent({ keepAlive, maxSockets: sockets });
  }

  /** OpenNebula's reply triple's value; a `[false, message, code]` reply or a fault rejects. */
  async one(method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue> {
    const body = await new Promise<Buffer>((resolve, reject) => {
      const req = request(this.url, { method: 'POST', agent: this.agent, headers: { 'Content-Type': 'text/xml' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`HTTP ${res.statusCode}`))));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(encodeCall(method, params));
    });
    const fast = oneSuccess(body);
    if (fast !== undefined) return fast;
    const r = decodeResponse(body.toString('utf8'));
    if (!r.ok) throw new Error(`${method}: fault ${r.code} ${r.message}`);
    const v = r.value;
    if (!Array.isArray(v) || v[0] !== true) throw new Error(`${method}: ${JSON.stringify(v).slice(0, 300)}`);
    return v[1] as XmlRpcValue;
  }

  close(): void {
    this.agent.destroy();
  }
}

interface Rate {
  perSecond: number;
  p50: number;
  p99: number;
}

/** `n` calls, `CONCURRENCY` in flight: calls per second and the latency percentiles (ms). */
async function rate(n: number, call: (i: number) => Promise<unknown>): Promise<Rate> {
  const samples = new Float64Array(n);
  const t0 = now();
  await pool(n, CONCURRENCY, async (i) => {
    const s = performance.now();
    await call(i);
    samples[i] = performance.now() - s;
  });
  const ms = now() - t0;
  samples.sort();
  return { perSecond: (n * 1000) / ms, p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

interface Round {
  socketio: Rate;
  keepAlive: Rate;
  perConnection: Rate;
  poolMs: number;
  poolBaselineMs: number;
  allocateRpc: number;
  allocateSocketio: number;
}

async function round(
  oned: OnedProc,
  api: ApiClient,
  session: string,
  ids: readonly number[],
  progress: (l: string) => void,
): Promise<Round> {
  const pick = (i: number): number => ids[(i * 7919) % ids.length] as number;
  const keep = new RpcClient(oned.url, true, CONCURRENCY);
  const fresh = new RpcClient(oned.url, false, CONCURRENCY);
  try {
    // Warm both doors (and the session cache) before anything is timed.
    await rate(WARMUP, (i) => api.call('vm.info', { id: pick(i) }));
    await rate(WARMUP, (i) => keep.one('one.vm.info', session, pick(i), false));
    const socketio = await rate(CALLS, (i) => api.call('vm.info', { id: pick(i) }));
    const keepAlive = await rate(CALLS, (i) => keep.one('one.vm.info', session, pick(i), false));
    const perConnection = await rate(PER_CONNECTION_CALLS, (i) => fresh.one('one.vm.info', session, pick(i), false));
    progress(
      `  vm.info: socket.io ${socketio.perSecond.toFixed(0)}/s p50 ${socketio.p50.toFixed(2)} ms; XML-RPC keep-alive ${keepAlive.perSecond.toFixed(0)}/s p50 ${keepAlive.p50.toFixed(2)} ms; per connection ${perConnection.perSecond.toFixed(0)}/s p50 ${perConnection.p50.toFixed(2)} ms`,
    );

    const poolTimes: number[] = [];
    let poolBytes = 0;
    for (let i = 0; i < POOL_CALLS; i++) {
      const t0 = now();
      const doc = await keep.one('one.vmpool.info', session, -2, -1, -1, -1);
      poolTimes.push(now() - t0);
      poolBytes = typeof doc === 'string' ? doc.length : 0;
      const count = typeof doc === 'string' ? doc.split('<VM>').length - 1 : 0;
      if (count < STORE_VMS) throw new Error(`one.vmpool.info listed ${count} VMs, expected ${STORE_VMS} or more`);
    }
    const baseTimes: number[] = [];
    for (let i = 0; i < POOL_CALLS; i++) {
      const t0 = now();
      const all = await api.call('vmpool.info', { all: true, limit: 100_000 });
      baseTimes.push(now() - t0);
      if (all.length < STORE_VMS) throw new Error(`vmpool.info listed ${all.length} VMs`);
    }
    progress(
      `  vmpool: XML-RPC ${median(poolTimes).toFixed(0)} ms (${(poolBytes / 1e6).toFixed(1)} MB), socket.io ${median(baseTimes).toFixed(0)} ms`,
    );

    const made: number[] = [];
    const allocRpc = await rate(ALLOCATE_VMS, async () =>
      made.push((await keep.one('one.vm.allocate', session, TEMPLATE, true)) as number),
    );
    const allocIo = await rate(ALLOCATE_VMS, async () => made.push((await api.call('vm.allocate', { template: TEMPLATE, hold: true })).id));
    // Ended, so that the next round lists the same VMs (a DONE VM is not in vmpool.info's default state filter).
    await pool(made.length, CONCURRENCY, (i) => api.call('vm.action', { id: made[i] as number, action: 'terminate', hard: true }));
    progress(`  vm.allocate: XML-RPC ${allocRpc.perSecond.toFixed(0)}/s, socket.io ${allocIo.perSecond.toFixed(0)}/s`);
    return {
      socketio,
      keepAlive,
      perConnection,
      poolMs: median(poolTimes),
      poolBaselineMs: median(baseTimes),
      allocateRpc: allocRpc.perSecond,
      allocateSocketio: allocIo.perSecond,
    };
  } finally {
    keep.close();
    fresh.close();
  }
}

export async function run(opts: { json: boolean }): Promise<SuiteResult> {
  const progress = (line: string): void => {
    if (!opts.json) process.stderr.write(`${line}\n`);
  };
  const dir = await mkdtemp(join(tmpdir(), 'nephele-bench-xmlrpc-'));
  const dataDir = join(dir, 'oned');
  let oned: OnedProc | undefined;
  let api: ApiClient | undefined;
  try {
    const port = await freePort();
    // A first start makes oneadmin and one VM to copy the shape of; the rest are written while oned is down.
    oned = spawnOned(dataDir, port, dir);
    api = (await whenServing(oned, 30_000)).client;
    const { id: sampleId } = await api.call('vm.allocate', { template: TEMPLATE, hold: true });
    api.close();
    await oned.stop();
    const like = await sampleRecord(join(dataDir, 'db'), sampleId);
    const fill = await fillStore(join(dataDir, 'db'), STORE_VMS, (id, at): VmRecord => ({ ...like, id, name: `one-${id}`, stime: at }));
    progress(`  store filled with ${fill.written} VMs in ${(fill.ms / 1000).toFixed(2)} s`);
    // NEPHELE_BENCH_ONED_ARGS: node flags for the measured oned (`--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it).
    const nodeArgs = (process.env.NEPHELE_BENCH_ONED_ARGS ?? '').split(' ').filter((a) => a !== '');
    oned = spawnOned(dataDir, port, dir, [], nodeArgs);
    api = (await whenServing(oned, 60_000)).client;
    const { user, password } = await readAuthFile(oned.authFile);
    const session = `${user}:${password}`;
    const ids = (await api.call('vmpool.info', { all: true, limit: 100_000 })).map((v) => v.id);

    const rounds: Round[] = [];
    for (let r = 0; r < RUNS; r++) {
      progress(`  round ${r + 1} of ${RUNS}`);
      rounds.push(await round(oned, api, session, ids, progress));
    }
    const m = (f: (r: Round) => number): number => median(rounds.map(f));
    const runsOf = (f: (r: Round) => number): number[] => rounds.map(f);
    const ioRate = m((r) => r.socketio.perSecond);
    const ioP50 = m((r) => r.socketio.p50);
    const ioP99 = m((r) => r.socketio.p99);
    return {
      suite: 'xmlrpc',
      results: {
        vm_info_keepalive_per_s: result(
          m((r) => r.keepAlive.perSecond),
          '/s',
          ioRate,
          'higher',
          {
            target: 3_000,
            runs: runsOf((r) => r.keepAlive.perSecond),
          },
        ),
        vm_info_keepalive_p50_ms: result(
          m((r) => r.keepAlive.p50),
          'ms',
          ioP50,
          'lower',
          {
            target: 3 * ioP50,
            runs: runsOf((r) => r.keepAlive.p50),
          },
        ),
        vm_info_keepalive_p99_ms: result(
          m((r) => r.keepAlive.p99),
          'ms',
          ioP99,
          'lower',
        ),
        vm_info_per_connection_per_s: result(
          m((r) => r.perConnection.perSecond),
          '/s',
          ioRate,
          'higher',
        ),
        vm_info_per_connection_p50_ms: result(
          m((r) => r.perConnection.p50),
          'ms',
          ioP50,
          'lower',
        ),
        vm_info_per_connection_p99_ms: result(
          m((r) => r.perConnection.p99),
          'ms',
          ioP99,
          'lower',
        ),
        vmpool_info_10k_ms: result(
          m((r) => r.poolMs),
          'ms',
          m((r) => r.poolBaselineMs),
          'lower',
          {
            target: 300,
            runs: runsOf((r) => r.poolMs),
          },
        ),
        vm_allocate_per_s: result(
          m((r) => r.allocateRpc),
          '/s',
          m((r) => r.allocateSocketio),
          'higher',
          {
            runs: runsOf((r) => r.allocateRpc),
          },
        ),
      },
    };
  } finally {
    api?.close();
    await oned?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

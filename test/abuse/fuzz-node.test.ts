/**
 * Property-based fuzzing of oned's door for node agents (socket.io /node,
 * msgpack frames): random handshakes are refused with a code, and an agent
 * that holds a valid host token but sends garbage, near-valid or hostile
 * frames only loses its own connection. oned lives, no actor crashes, and
 * an agent cannot move a VM that is not on its host.
 */
import * as fc from 'fast-check';
import t from 'tap';
import type { Socket } from 'socket.io-client';
import { decodeFrames, encodeFrames } from '../../src/protocol/codec.js';
import type { Frame } from '../../src/protocol/frames.js';
import type { NodeCapabilities } from '../../src/protocol/domain.js';
import type { NodeHello } from '../../src/protocol/messages.js';
import { PROTOCOL_VERSION } from '../../src/protocol/version.js';
import { startCloud } from '../fixtures/cloud.js';
import { checkProperty, dial, fuzzSeed, hugeString, nastyNumber, nastyString, ownObject, wildValue } from '../fixtures/abuse.js';
import { capabilities, frames as sampleFrames, messages } from '../protocol/samples.js';

const NODE = '/node';
const FRAME_EVENT = 'f';
/** oned's socket.io maxHttpBufferSize: a larger message is closed by engine.io, not refused by oned. */
const TRANSPORT_MAX_BYTES = 8 * 1024 * 1024;
/** Codes a refused agent handshake may carry. */
const HANDSHAKE_CODES = new Set(['AUTH_FAILED', 'PROTOCOL_VERSION', 'BAD_FRAME', 'INVALID_ARGUMENT', 'TOO_BUSY', 'HOST_ALREADY_CONNECTED']);
const DUMMY_CAPS: NodeCapabilities = { ...capabilities, hypervisors: ['dummy'], hypervisor: 'dummy' };

/** Polls `check` every 10 ms (runs are many and short) until it holds; throws after `timeoutMs`. */
async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Values for one handshake field: the right one now and then, else anything. */
function either<T>(right: T, ...more: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> {
  // Weighted so that about one handshake in four gets every field right but one, and some reach the token check.
  return fc.oneof({ arbitrary: fc.constant(right), weight: 24 }, fc.constant(undefined), nastyString, nastyNumber, ...more);
}

/** What the agent side may send: frames of every kind, fields and VM ids varied, some near-valid. */
function agentFrame(vmIds: readonly number[]): fc.Arbitrary<Frame> {
  const vmId = fc.oneof(fc.constantFrom(...vmIds), fc.integer({ min: 0, max: 10 }));
  const seq = fc.integer({ min: 0, max: 4 });
  const states = fc.constantFrom('running', 'poweroff', 'failed', 'done', 'suspended', 'paused', 'booting');
  const opId = fc.oneof(fc.constant(undefined), fc.constantFrom('op-1', 'op-0', ''), fc.string({ maxLength: 8 }));
  const message = fc.oneof(
    fc
      .record({ vmId, state: states, opId, reason: fc.constantFrom(undefined, 'incoming', 'crashed') })
      .map((m) => ({ ...messages['vm.state'], ...m, info: { ...messages['vm.state'].info, vmId: m.vmId } })),
    fc.record({ vmId, opId, ok: fc.boolean() }).map((m) => ({ ...messages['vm.op_result'], ...m })),
    fc.constant(messages['host.monitoring']),
    fc.constantFrom(...Object.values(messages)),
  );
  const valid: fc.Arbitrary<Frame> = fc.oneof(
    fc.record({ seq: seq.map((s) => s + 1), msg: message }).map(({ seq: s, msg }) => ({ t: 'cmd', seq: s, msg }) as Frame),
    message.map((msg) => ({ t: 'evt', msg }) as Frame),
    fc.record({ id: fc.integer({ min: 1, max: 5 }), msg: message }).map(({ id, msg }) => ({ t: 'req', id, msg }) as Frame),
    seq.map((s) => ({ t: 'ack', seq: s }) as Frame),
    fc.double().map((ts) => ({ t: 'ping', ts }) as Frame),
    fc.constantFrom(...sampleFrames),
  );
  // One field of a valid frame (or of its message) replaced by anything.
  const mutated = fc.tuple(valid, fc.string({ maxLength: 6 }), fc.boolean(), wildValue).map(([frame, key, deep, value]) => {
    const f = frame as unknown as Record<string, unknown>;
    const fields = Object.keys(f);
    const name = fields[key.length % fields.length] ?? 't';
    const inner = f['msg'];
    if (deep && typeof inner === 'object' && inner !== null) {
      const m = inner as Record<string, unknown>;
      const mk = Object.keys(m)[key.length % Object.keys(m).length] ?? 'type';
      return ownObject(Object.entries({ ...f, msg: ownObject(Object.entries({ ...m, [mk]: value })) })) as unknown as Frame;
    }
    return ownObject(Object.entries({ ...f, [name]: value })) as unknown as Frame;
  });
  return fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: mutated, weight: 2 });
}

/** One transport message: frames through the project's codec, those bytes flipped, or bytes of no protocol at all. */
function transportMessage(vmIds: readonly number[]): fc.Arbitrary<unknown> {
  const framesArb = fc.array(agentFrame(vmIds), { minLength: 1, maxLength: 4 });
  return fc.oneof(
    { arbitrary: framesArb.map((f) => encodeFrames(f)), weight: 6 },
    {
      arbitrary: fc
        .tuple(framesArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
        .map(([f, flips]) => {
          const bytes = Uint8Array.from(encodeFrames(f));
          for (const [at, b] of flips) bytes[at % bytes.length] = b;
          return bytes;
        }),
      weight: 2,
    },
    { arbitrary: fc.uint8Array({ maxLength: 128 }), weight: 1 },
    { arbitrary: wildValue.map((v) => encodeFrames([v as Frame])), weight: 1 },
    // Over the link's 4 MiB bound, within the transport's 8.
    { arbitrary: fc.integer({ min: 1, max: 1024 }).map((n) => new Uint8Array(4 * 1024 * 1024 + n).fill(0x90)), weight: 1 },
    // Not binary: oned closes the connection.
    { arbitrary: fc.oneof(nastyString, fc.jsonValue({ maxDepth: 2 })), weight: 1 },
  );
}

/**
 * A batch an honest agent could send: cmds numbered from 1 (a new incarnation each run), the
 * monitoring as an evt, acks of nothing, pings, requests oned refuses, replies nobody asked for.
 * These reach the host actor and, through it, the VM actors.
 */
function honestBatch(vmIds: readonly number[]): fc.Arbitrary<Uint8Array[]> {
  const vmId = fc.oneof(fc.constantFrom(...vmIds), fc.integer({ min: 0, max: 10 }));
  const opId = fc.oneof(fc.constant(undefined), fc.constantFrom('op-1', 'op-0'), fc.string({ minLength: 1, maxLength: 8 }));
  const tell = fc.oneof(
    fc
      .record({
        vmId,
        state: fc.constantFrom('running', 'poweroff', 'failed', 'done', 'suspended'),
        opId,
        reason: fc.constantFrom(undefined, 'incoming', 'crashed'),
      })
      .map((m) => ({ ...messages['vm.state'], ...m, info: { ...messages['vm.state'].info, vmId: m.vmId } })),
    fc
      .record({ vmId, opId: fc.string({ minLength: 1, maxLength: 8 }), ok: fc.boolean() })
      .map((m) => ({ ...messages['vm.op_result'], ...m })),
  );
  const frame = fc.oneof(
    tell.map((msg) => ({ t: 'cmd', seq: 0, msg }) as Frame),
    fc.constant({ t: 'evt', msg: messages['host.monitoring'] } as Frame),
    fc.constant({ t: 'ack', seq: 0 } as Frame),
    fc.double({ noNaN: true }).map((ts) => ({ t: 'ping', ts }) as Frame),
    fc.constantFrom(...Object.values(messages)).map((msg) => ({ t: 'req', id: 1, msg }) as Frame),
    fc.constant({ t: 'res', id: 9, ok: true, value: null } as Frame),
  );
  return fc.array(fc.array(frame, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }).map((messagesOut) => {
    let seq = 0;
    return messagesOut.map((fs) => encodeFrames(fs.map((f) => (f.t === 'cmd' ? { ...f, seq: ++seq } : f))));
  });
}

t.test("oned's /node door: random handshakes are refused, hostile frames cost only the sender's connection", async (t) => {
  const seed = fuzzSeed(t);
  const cloud = await startCloud(t, { heartbeatMs: 200 });
  const admin = cloud.client;
  const url = cloud.oned.url;
  const { id: hostId, token } = await admin.call('host.allocate', { name: 'fz', im: 'dummy', vm: 'dummy' });
  if (token === undefined) throw new TypeError('a host without --ssh gets a token');
  const { id: otherHost } = await admin.call('host.allocate', { name: 'other', im: 'dummy', vm: 'dummy' });
  // VMs that are not on the fuzzed host: nothing its agent says may move them.
  const vmIds = [
    (await admin.call('vm.allocate', { template: 'NAME = a\nCPU = 0.1\nMEMORY = 64\n', hold: true })).id,
    (await admin.call('vm.allocate', { template: 'NAME = b\nCPU = 0.1\nMEMORY = 64\n', hold: false })).id,
  ];
  const vmsNow = async (): Promise<unknown> =>
    Promise.all(
      vmIds.map(async (id) => {
        const v = await admin.call('vm.info', { id });
        return [v.id, v.state, v.hostId, v.history.length, v.lastError];
      }),
    );
  const vmsBefore = await vmsNow();
  const restartsBefore = cloud.oned.system.stats().restarts;
  let incarnations = 0;
  const hello = (): NodeHello => ({
    protocol: PROTOCOL_VERSION,
    hostId,
    token,
    incarnation: `fuzz-${++incarnations}`,
    recvSeq: 0,
    capabilities: DUMMY_CAPS,
  });
  /** The host actor has taken the last connection's end: the next one is not a second, concurrent agent. */
  const settled = (): Promise<unknown> =>
    eventually(
      () => admin.call('host.info', { host: hostId }),
      (h) => h.agentIncarnation === undefined,
      5000,
      'agent gone',
    );
  const restarts = (): number => cloud.oned.system.stats().restarts - restartsBefore;

  const refusals = new Map<string, number>();
  let admitted = 0;
  await checkProperty(
    t,
    'random agent handshakes are refused with a code',
    seed,
    { numRuns: 80, timeLimitMs: 4000 },
    fc.asyncProperty(
      fc.oneof(
        {
          arbitrary: fc.record({
            protocol: either(PROTOCOL_VERSION, fc.constantFrom(0, 2, PROTOCOL_VERSION + 1, '1')),
            hostId: either(hostId, fc.constantFrom(otherHost, hostId + 100, -1, 2 ** 53, `${hostId}`)),
            token: either(
              token,
              fc.constantFrom(`${token}x`, token.slice(1), token.toUpperCase(), `${token}\0`, ''),
              hugeString(1_000_000),
            ),
            incarnation: either('fuzz-h', hugeString(200_000)),
            recvSeq: either(0, fc.constantFrom(1, -1, 2 ** 40)),
            capabilities: either(
              DUMMY_CAPS,
              fc.constant(capabilities),
              fc.jsonValue({ maxDepth: 3 }),
              fc.constant({ ...DUMMY_CAPS, cpus: 0 }),
            ),
          }),
          weight: 8,
        },
        { arbitrary: fc.oneof(nastyString, nastyNumber, fc.jsonValue({ maxDepth: 3 })), weight: 1 },
      ),
      async (auth) => {
        const outcome = await dial(url, NODE, auth);
        if (outcome.kind === 'connected') {
          const a = auth as Record<string, unknown>;
          outcome.socket.close();
          if (a['hostId'] !== hostId || a['token'] !== token) throw new Error("a handshake without the host's token was admitted");
          admitted++;
          await settled();
          return;
        }
        if (outcome.kind === 'closed') {
          const plain = auth === null || auth === undefined || Object.prototype.toString.call(auth) === '[object Object]';
          if (plain && Buffer.byteLength(JSON.stringify(auth)) <= TRANSPORT_MAX_BYTES)
            throw new Error(`the handshake ended without a refusal: ${outcome.reason}`);
          return;
        }
        if (typeof outcome.code !== 'string' || !HANDSHAKE_CODES.has(outcome.code)) throw new Error(`refused with ${String(outcome.code)}`);
        refusals.set(outcome.code, (refusals.get(outcome.code) ?? 0) + 1);
        if (restarts() !== 0) throw new Error('an actor restarted');
      },
    ),
  );
  t.comment(`refusals: ${JSON.stringify(Object.fromEntries(refusals))}; admitted with the right token: ${admitted}`);

  // Two agents with the host's token at once (a copied agent, a stolen token, a restart whose old
  // socket is half-open): one keeps the host or both lose it, and nothing crashes.
  await checkProperty(
    t,
    'two connections of one host at once',
    seed,
    { numRuns: 20, timeLimitMs: 3000 },
    fc.asyncProperty(fc.boolean(), fc.integer({ min: 0, max: 20 }), async (sameIncarnation, delayMs) => {
      const first = hello();
      const second = sameIncarnation ? first : hello();
      const [a, b] = await Promise.all([
        dial(url, NODE, first),
        new Promise((r) => setTimeout(r, delayMs)).then(() => dial(url, NODE, second)),
      ]);
      for (const o of [a, b]) {
        if (o.kind === 'connected') o.socket.close();
        else if (o.kind === 'refused' && (typeof o.code !== 'string' || !HANDSHAKE_CODES.has(o.code)))
          throw new Error(`refused with ${String(o.code)}`);
      }
      await settled();
      if (restarts() !== 0) throw new Error('an actor restarted');
    }),
  );

  /** A valid agent connection, past oned's hello frame; everything oned sends is decoded and kept. */
  const connect = async (): Promise<{ socket: Socket; received: Frame[]; closed: Promise<string> }> => {
    const received: Frame[] = [];
    let closed!: Promise<string>;
    const outcome = await dial(url, NODE, hello(), (socket) => {
      closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      socket.on(FRAME_EVENT, (data: unknown) => {
        // What oned sends must always decode: a throw here fails the run below.
        try {
          received.push(...decodeFrames(data as Uint8Array, Infinity));
        } catch (err) {
          received.push({ t: 'bye', code: 'BAD_FRAME', message: `oned sent an undecodable frame: ${String(err)}` });
        }
      });
    });
    if (outcome.kind !== 'connected') throw new Error(`a valid handshake was not admitted: ${JSON.stringify(outcome)}`);
    const socket = outcome.socket;
    try {
      await eventually(
        async () => received.length,
        (n) => n > 0,
        5000,
        "oned's hello",
      );
      if (received[0]?.t !== 'hello') throw new Error(`oned's first frame is ${received[0]?.t}, not hello`);
    } catch (err) {
      socket.close();
      throw err;
    }
    return { socket, received, closed };
  };

  const endings = new Map<string, number>();
  await checkProperty(
    t,
    'garbage and near-valid frames after a valid hello',
    seed,
    { numRuns: 150, timeLimitMs: 6000 },
    fc.asyncProperty(
      fc.oneof(honestBatch(vmIds), fc.array(transportMessage(vmIds), { minLength: 1, maxLength: 5 })),
      async (batch: unknown[]) => {
        const { socket, received, closed } = await connect();
        try {
          for (const m of batch) socket.emit(FRAME_EVENT, m);
          // A ping last: a pong means oned read everything and kept the link; otherwise it must have closed it.
          socket.emit(FRAME_EVENT, encodeFrames([{ t: 'ping', ts: 42 }]));
          const pong = eventually(
            async () => received.some((f) => f.t === 'pong' && f.ts === 42),
            (x) => x,
            3000,
            'pong',
          ).then(() => 'pong');
          const ending = await Promise.race([pong, closed.then((reason) => `closed (${reason})`)]);
          const bad = received.find((f) => f.t === 'bye' && f.message.startsWith('oned sent'));
          if (bad !== undefined && bad.t === 'bye') throw new Error(bad.message);
          const bye = received.find((f) => f.t === 'bye');
          const key = ending === 'pong' ? 'pong' : bye !== undefined && bye.t === 'bye' ? `bye ${bye.code}` : 'closed';
          endings.set(key, (endings.get(key) ?? 0) + 1);
          if (bye !== undefined && bye.t === 'bye' && bye.code !== 'BAD_FRAME' && bye.code !== 'FRAME_TOO_LARGE')
            throw new Error(`oned said bye with ${bye.code}`);
          if (restarts() !== 0) throw new Error('an actor restarted');
        } finally {
          socket.close();
          await settled();
        }
      },
    ),
  );
  t.comment(`how the links ended: ${JSON.stringify(Object.fromEntries(endings))}`);
  t.ok((endings.get('pong') ?? 0) > 0, 'some batches were valid enough for the link to live on');

  // oned lives, and so does the host: a well-behaved agent is admitted and answered.
  t.equal(restarts(), 0, 'no actor restarted (the host actor did not crash-loop)');
  t.type((await admin.call('system.version', {})).version, 'string', "an administrator's call answers");
  t.same((await admin.call('hostpool.info', {})).map((h) => h.name).sort(), ['fz', 'other'], 'and hostpool.info lists the hosts');
  t.same(await vmsNow(), vmsBefore, 'no VM moved: the agent spoke only for its host, which runs none');
  const last = await connect();
  last.socket.emit(FRAME_EVENT, encodeFrames([{ t: 'evt', msg: messages['host.monitoring'] }]));
  const h = await eventually(
    () => admin.call('host.info', { host: hostId }),
    (v) => v.state === 'MONITORED',
    5000,
    'MONITORED',
  );
  t.equal(h.state, 'MONITORED', 'a well-behaved agent still brings the host to MONITORED');
  last.socket.close();
});

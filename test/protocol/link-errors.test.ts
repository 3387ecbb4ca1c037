import t, { type Test } from 'tap';
import { pino } from 'pino';
import { FakeClock } from '../../src/base/clock.js';
import type { NepheleError } from '../../src/errors.js';
import { encodeFrames } from '../../src/protocol/codec.js';
import type { Frame } from '../../src/protocol/frames.js';
import { Link } from '../../src/protocol/link.js';
import type { NodeCommand } from '../../src/protocol/messages.js';
import { linkPair, type LinkPair } from '../fixtures/link-pair.js';

const suspend = (n: number): NodeCommand => ({ type: 'vm.suspend', opId: `op-${n}`, vmId: n });

/** A connected pair that has delivered 2 commands to the node and 1 event to the front-end. */
async function busyPair(t: Test): Promise<LinkPair> {
  const pair = linkPair(t);
  pair.connect();
  pair.frontend.tell(suspend(1));
  pair.frontend.tell(suspend(2));
  pair.node.tell({ type: 'vm.state', vmId: 1, state: 'paused' });
  await pair.settle();
  return pair;
}

function snapshot(pair: LinkPair): unknown {
  return {
    node: {
      recvSeq: pair.node.recvSeq,
      outbox: pair.node.stats().outbox,
      peer: pair.node.peerIncarnation,
      commands: pair.atNode.commands.length,
    },
    frontend: { recvSeq: pair.frontend.recvSeq, outbox: pair.frontend.stats().outbox },
  };
}

async function injectAndExpectBye(t: Test, pair: LinkPair, data: Uint8Array, code: string): Promise<void> {
  const wire = pair.wire;
  if (wire === undefined) throw new Error('not connected');
  const before = snapshot(pair);
  const bad = pair.node.stats().badFrames;
  wire.inject('toNode', data);
  await pair.settle();
  t.equal(pair.node.stats().badFrames, bad + 1, 'counted');
  t.equal(pair.protocolErrors.node.at(-1)?.code, code, 'reported');
  t.match(wire.frames('toFrontend').at(-1), { t: 'bye', code }, 'the peer is told');
  t.match(wire.closed, { by: 'node' }, 'and the connection closed');
  t.equal(pair.node.status, 'detached');
  t.same(snapshot(pair), before, 'no state changed');
}

t.test('garbage: bye, close, nothing else changes, and the link resumes afterwards', async (t) => {
  const pair = await busyPair(t);
  await injectAndExpectBye(t, pair, Uint8Array.of(0xc1, 0xff, 0x00, 0x13), 'BAD_FRAME');
  pair.frontend.tell(suspend(3));
  pair.connect();
  await pair.settle();
  t.same(
    pair.atNode.commands.map((c) => c.opId),
    ['op-1', 'op-2', 'op-3'],
  );
  t.equal(pair.node.status, 'attached');
});

t.test('a message over maxFrameBytes: FRAME_TOO_LARGE, bye, close', async (t) => {
  const pair = await busyPair(t);
  await injectAndExpectBye(t, pair, new Uint8Array(4 * 1024 * 1024 + 1), 'FRAME_TOO_LARGE');
});

t.test('a cmd that skips a seq is a protocol error', async (t) => {
  const pair = await busyPair(t);
  await injectAndExpectBye(t, pair, encodeFrames([{ t: 'cmd', seq: 5, msg: suspend(5) }]), 'BAD_FRAME');
  t.match(pair.protocolErrors.node.at(-1)?.details, { field: 'cmd.seq', expected: 3, got: 5 });
});

t.test('a message in the wrong direction or frame kind is a protocol error', async (t) => {
  const cases: Array<[string, Frame]> = [
    ['an event the node only sends', { t: 'evt', msg: { type: 'vm.state', vmId: 1, state: 'done' } }],
    ['a node event as a cmd towards the node', { t: 'cmd', seq: 3, msg: { type: 'vm.op_result', opId: 'x', vmId: 1, ok: true } }],
    ['a request as a cmd', { t: 'cmd', seq: 3, msg: { type: 'vm.list' } }],
  ];
  for (const [name, frame] of cases) {
    await t.test(name, async (t) => {
      const pair = await busyPair(t);
      await injectAndExpectBye(t, pair, encodeFrames([frame]), 'BAD_FRAME');
    });
  }
});

t.test('frames before the handshake, a second hello and acks of unsent seqs are protocol errors', async (t) => {
  const hello: Frame = { t: 'hello', incarnation: 'fe-x', recvSeq: 0, heartbeatMs: 1000 };
  const cases: Array<[string, Frame[]]> = [
    ['a second hello', [hello]],
    ['an ack of a seq never sent', [{ t: 'ack', seq: 99 }]],
  ];
  for (const [name, frames] of cases) {
    await t.test(name, async (t) => {
      const pair = await busyPair(t);
      await injectAndExpectBye(t, pair, encodeFrames(frames), 'BAD_FRAME');
    });
  }
  await t.test('a cmd before the hello', async (t) => {
    const sent: Uint8Array[] = [];
    let closed: string | undefined;
    const errors: NepheleError[] = [];
    const commands: unknown[] = [];
    const node = new Link({
      side: 'node',
      name: 'fe',
      incarnation: 'n',
      clock: new FakeClock(),
      log: pino({ level: 'silent' }),
      onCommand: (msg) => commands.push(msg),
      onProtocolError: (err) => errors.push(err),
    });
    t.teardown(() => node.close());
    node.attach({
      send: (d) => sent.push(d),
      close: (r) => {
        closed = r;
      },
    });
    node.receive(encodeFrames([{ t: 'cmd', seq: 1, msg: suspend(1) }]));
    t.same(commands, []);
    t.equal(node.recvSeq, 0);
    t.match(errors, [{ code: 'BAD_FRAME', details: { t: 'cmd' } }]);
    t.ok(closed);
  });
});

t.test('a peer resuming from a recvSeq this link cannot serve is refused', async (t) => {
  const pair = await busyPair(t);
  pair.disconnect();
  let closed: string | undefined;
  pair.frontend.attach({
    send: () => {},
    close: (r) => {
      closed = r;
    },
  });
  pair.frontend.resume(pair.node.incarnation, 7);
  t.ok(closed, 'closed');
  t.match(pair.protocolErrors.frontend.at(-1), { code: 'BAD_FRAME', details: { field: 'recvSeq', got: 7, lastSeq: 2 } });
  t.equal(pair.frontend.status, 'detached');
  t.equal(pair.frontend.stats().outbox, 0, 'the acked outbox is as it was');
});

t.test('a throwing callback is contained: the rest of the message is still delivered', async (t) => {
  let calls = 0;
  const pair = linkPair(t, {
    node: {
      onCommand: () => {
        calls++;
        if (calls === 1) throw new Error('glue bug');
      },
    },
  });
  pair.connect();
  for (let n = 1; n <= 3; n++) pair.frontend.tell(suspend(n));
  await pair.settle();
  t.equal(calls, 3);
  t.equal(pair.node.recvSeq, 3);
  t.equal(pair.node.status, 'attached');
});

t.test('what could never be delivered is refused at the sender', async (t) => {
  const pair = linkPair(t);
  pair.connect();
  t.throws(() => pair.frontend.tell({ type: 'vm.suspend', opId: '', vmId: 1 }), { code: 'BAD_FRAME', details: { field: 'msg.opId' } });
  t.throws(() => pair.frontend.tell({ type: 'vm.suspend', opId: 'op-1', vmId: Number.NaN }), {
    code: 'BAD_FRAME',
    details: { field: 'msg.vmId' },
  });
  const big = {
    type: 'vm.deploy',
    opId: 'o'.repeat(4096),
    spec: { vmId: 1, name: 'n'.repeat(128), cpu: 1, vcpu: 1, memoryMb: 1 },
  } as const;
  const small = linkPair(t, { frontend: { maxFrameBytes: 4096 } });
  t.throws(() => small.frontend.tell(big), { code: 'FRAME_TOO_LARGE' });
  t.equal(small.frontend.stats().outbox, 0, 'nothing kept');
  t.throws(() => pair.frontend.tell({ type: 'vm.list' } as unknown as NodeCommand), TypeError, 'a request is no command');
  t.throws(() => pair.node.tell({ type: 'vm.deploy' } as never), TypeError, 'a command does not travel towards the front-end');
  t.equal(pair.frontend.stats().outbox, 0);
});

t.test('options are checked', async (t) => {
  const base = {
    side: 'frontend' as const,
    name: 'x',
    incarnation: 'i',
    clock: new FakeClock(),
    log: pino({ level: 'silent' }),
    onCommand: () => {},
  };
  t.throws(() => new Link({ ...base, heartbeatMs: 0 }), TypeError);
  t.throws(() => new Link({ ...base, maxBatch: 0.5 }), TypeError);
  t.throws(() => new Link({ ...base, maxFrameBytes: 10 }), TypeError);
  const link = new Link(base);
  link.attach({ send: () => {}, close: () => {} });
  t.throws(() => link.attach({ send: () => {}, close: () => {} }), TypeError, 'one transport at a time');
  link.close();
  let closed: string | undefined;
  link.attach({
    send: () => {},
    close: (r) => {
      closed = r;
    },
  });
  t.equal(closed, 'link closed', 'a closed link turns connections away');
});

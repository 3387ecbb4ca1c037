import t from 'tap';
import { linkPair } from '../fixtures/link-pair.js';

t.test('a healthy link pings, answers pongs and is never lost', async (t) => {
  const pair = linkPair(t);
  const wire = pair.connect();
  await pair.clock.advance(60_000);
  t.same(pair.lost, { frontend: 0, node: 0 });
  t.equal(pair.frontend.status, 'attached');
  const pings = wire.frames('toNode').filter((f) => f.t === 'ping').length;
  t.ok(pings >= 29 && pings <= 31, `the front-end pinged every 2 s (${pings})`);
  t.ok(
    wire.frames('toFrontend').some((f) => f.t === 'pong'),
    'the node answered',
  );
  t.ok(
    wire.frames('toFrontend').some((f) => f.t === 'ping'),
    'the node pinged too',
  );
});

t.test('a silent peer is lost after lostAfterMs: onLost once, transport closed, link detached', async (t) => {
  const pair = linkPair(t);
  const wire = pair.connect();
  await pair.clock.advance(3_000);
  wire.cut.add('toNode');
  wire.cut.add('toFrontend');
  // The last ping got through at 2 s or 3 s: lost once 6 s of silence have passed since.
  await pair.clock.advance(3_500);
  t.same(pair.lost, { frontend: 0, node: 0 }, 'not yet: less than 3 heartbeats of silence');
  await pair.clock.advance(3_000);
  t.same(pair.lost, { frontend: 1, node: 1 });
  t.equal(pair.frontend.status, 'detached');
  t.equal(pair.node.status, 'detached');
  t.match(wire.closed, { reason: 'heartbeat timeout' });
  await pair.clock.advance(60_000);
  t.same(pair.lost, { frontend: 1, node: 1 }, 'exactly once');
  t.equal(pair.clock.pending, 0, 'no timer left running');
});

t.test("the node takes the heartbeat period from the front-end's hello", async (t) => {
  const pair = linkPair(t, { frontend: { heartbeatMs: 500 } });
  const wire = pair.connect();
  await pair.clock.advance(10_000);
  const nodePings = wire.frames('toFrontend').filter((f) => f.t === 'ping').length;
  t.ok(nodePings >= 19 && nodePings <= 21, `node pings every 500 ms (${nodePings})`);
  wire.cut.add('toNode');
  wire.cut.add('toFrontend');
  await pair.clock.advance(1_600);
  t.same(pair.lost, { frontend: 1, node: 1 }, 'both lose the peer after 3 × 500 ms');
});

t.test('a dialling side that never gets a hello gives up after lostAfterMs', async (t) => {
  const pair = linkPair(t, { node: { lostAfterMs: 4_000 } });
  let closed: string | undefined;
  pair.node.attach({
    send: () => {},
    close: (reason) => {
      closed = reason;
    },
  });
  await pair.clock.advance(3_999);
  t.equal(pair.node.status, 'attached');
  await pair.clock.advance(1);
  t.equal(closed, 'heartbeat timeout');
  t.equal(pair.lost.node, 1);
});

t.test('after a loss the link reattaches and carries on', async (t) => {
  const pair = linkPair(t);
  const wire = pair.connect();
  wire.cut.add('toNode');
  wire.cut.add('toFrontend');
  pair.frontend.tell({ type: 'vm.suspend', opId: 'op-1', vmId: 1 });
  await pair.clock.advance(10_000);
  t.equal(pair.lost.frontend, 1);
  pair.disconnect();
  pair.connect();
  await pair.settle();
  t.same(pair.atNode.commands, [{ type: 'vm.suspend', opId: 'op-1', vmId: 1 }]);
  await pair.clock.advance(20_000);
  t.equal(pair.lost.frontend, 1, 'no further loss');
});

import t from 'tap';
import type { NodeCommand } from '../../src/protocol/messages.js';
import { linkPair } from '../fixtures/link-pair.js';
import { figures } from './samples.js';

const deploy = (n: number): NodeCommand => ({
  type: 'vm.deploy',
  opId: `op-${n}`,
  spec: { vmId: n, name: `vm-${n}`, cpu: 1, vcpu: 1, memoryMb: 128 },
});
const opIds = (msgs: readonly { opId?: string }[]): Array<string | undefined> => msgs.map((m) => m.opId);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

t.test('commands arrive in order, once, and the outbox empties on the ack', async (t) => {
  const pair = linkPair(t);
  pair.connect();
  for (const n of range(1, 5)) pair.frontend.tell(deploy(n));
  t.equal(pair.frontend.stats().outbox, 5, 'kept until acked');
  await pair.settle();
  t.same(opIds(pair.atNode.commands), ['op-1', 'op-2', 'op-3', 'op-4', 'op-5']);
  t.equal(pair.node.recvSeq, 5);
  t.equal(pair.frontend.stats().outbox, 0);
  t.equal(pair.frontend.status, 'attached');
});

t.test('commands told while detached go out on the next attach, in order', async (t) => {
  const pair = linkPair(t);
  pair.connect();
  pair.frontend.tell(deploy(1));
  await pair.settle();
  pair.disconnect();
  t.equal(pair.frontend.status, 'detached');
  pair.frontend.tell(deploy(2));
  pair.frontend.tell(deploy(3));
  await pair.settle();
  t.equal(pair.atNode.commands.length, 1, 'nothing flows while detached');
  pair.connect();
  await pair.settle();
  t.same(opIds(pair.atNode.commands), ['op-1', 'op-2', 'op-3']);
  t.equal(pair.frontend.stats().outbox, 0);
});

t.test('commands lost in flight are resent after a reconnect', async (t) => {
  const pair = linkPair(t);
  const wire = pair.connect();
  await pair.settle();
  wire.cut.add('toNode');
  for (const n of range(1, 3)) pair.frontend.tell(deploy(n));
  await pair.settle();
  t.equal(pair.atNode.commands.length, 0, 'the wire ate them');
  pair.disconnect();
  pair.connect();
  await pair.settle();
  t.same(opIds(pair.atNode.commands), ['op-1', 'op-2', 'op-3']);
});

t.test('a lost ack makes no command run twice after a reconnect', async (t) => {
  const pair = linkPair(t);
  const wire = pair.connect();
  await pair.settle();
  // Delivered, but the node's acks never make it back.
  wire.cut.add('toFrontend');
  for (const n of range(1, 3)) pair.frontend.tell(deploy(n));
  await pair.settle();
  t.equal(pair.atNode.commands.length, 3);
  t.equal(pair.frontend.stats().outbox, 3, 'the front-end never saw the ack');
  t.ok(
    wire.frames('toFrontend').some((f) => f.t === 'ack' && f.seq === 3),
    'the node did ack',
  );
  pair.disconnect();
  const second = pair.connect();
  await pair.settle();
  t.equal(pair.atNode.commands.length, 3, 'each command ran once');
  t.equal(pair.frontend.stats().outbox, 0, 'the handshake acked them');
  t.notOk(
    second.frames('toNode').some((f) => f.t === 'cmd'),
    'nothing was resent',
  );
});

t.test('duplicated transport messages are dropped by seq and re-acked', async (t) => {
  const pair = linkPair(t);
  const wire = pair.connect();
  await pair.settle();
  wire.duplicate.add('toNode');
  for (const n of range(1, 4)) pair.frontend.tell(deploy(n));
  await pair.settle();
  t.same(opIds(pair.atNode.commands), ['op-1', 'op-2', 'op-3', 'op-4']);
  t.equal(pair.node.stats().dupsDropped, 4);
  t.equal(pair.frontend.stats().outbox, 0);
  t.equal(pair.node.status, 'attached', 'duplicates are no protocol error');
});

t.test('node events: reliable ones survive a reconnect, unreliable ones are dropped while detached', async (t) => {
  const pair = linkPair(t);
  pair.connect();
  await pair.settle();
  pair.disconnect();
  pair.node.tell({ type: 'vm.state', vmId: 7, state: 'running' });
  pair.node.emit({ type: 'host.monitoring', figures: figures });
  pair.connect();
  await pair.settle();
  t.same(pair.atFrontend.commands, [{ type: 'vm.state', vmId: 7, state: 'running' }]);
  t.same(pair.atFrontend.events, [], 'the event told while detached is gone');
  pair.node.emit({ type: 'host.monitoring', figures: figures });
  await pair.settle();
  t.equal(pair.atFrontend.events.length, 1, 'while attached it goes');
});

t.test('a restarted node gets the outbox renumbered from 1, and its own seqs start over', async (t) => {
  const pair = linkPair(t);
  pair.connect();
  pair.frontend.tell(deploy(1));
  pair.node.tell({ type: 'vm.state', vmId: 1, state: 'running' });
  pair.node.tell({ type: 'vm.state', vmId: 1, state: 'paused' });
  await pair.settle();
  t.equal(pair.frontend.recvSeq, 2);
  pair.restartNode();
  pair.frontend.tell(deploy(2));
  pair.frontend.tell(deploy(3));
  t.equal(pair.node.recvSeq, 0);
  const before = pair.atNode.commands.length;
  const wire = pair.connect();
  await pair.settle();
  t.same(opIds(pair.atNode.commands.slice(before)), ['op-2', 'op-3'], 'the new node got what was not acked');
  t.same(
    wire
      .frames('toNode')
      .filter((f) => f.t === 'cmd')
      .map((f) => f.t === 'cmd' && f.seq),
    [1, 2],
  );
  t.equal(pair.frontend.peerIncarnation, pair.node.incarnation);
  t.equal(pair.frontend.recvSeq, 0, 'reset for the new node');
  pair.node.tell({ type: 'vm.state', vmId: 1, state: 'poweroff' });
  await pair.settle();
  t.same(
    pair.atFrontend.commands.map((m) => m.type === 'vm.state' && m.state),
    ['running', 'paused', 'poweroff'],
    "the new node's seq 1 is not taken for a duplicate",
  );
});

t.test("a restarted front-end gets the node's unacked events renumbered", async (t) => {
  const pair = linkPair(t);
  pair.connect();
  pair.frontend.tell(deploy(1));
  await pair.settle();
  t.equal(pair.node.recvSeq, 1);
  const wire = pair.wire;
  wire?.cut.add('toFrontend');
  pair.node.tell({ type: 'vm.op_result', opId: 'op-1', vmId: 1, ok: true });
  await pair.settle();
  pair.restartFrontend();
  const received = pair.atFrontend.commands.length;
  pair.connect();
  await pair.settle();
  t.same(pair.atFrontend.commands.slice(received), [{ type: 'vm.op_result', opId: 'op-1', vmId: 1, ok: true }]);
  t.equal(pair.node.recvSeq, 0, 'the node starts over with the new front-end');
  t.equal(pair.node.stats().outbox, 0);
  pair.frontend.tell(deploy(9));
  await pair.settle();
  t.equal(pair.atNode.commands.at(-1)?.opId, 'op-9', 'seq 1 of the new front-end is delivered');
});

t.test('coalescing: 1,000 tells in one turn leave as one transport message, acked by one', async (t) => {
  const pair = linkPair(t);
  const wire = pair.connect();
  await pair.settle();
  const before = { toNode: wire.sends('toNode'), toFrontend: wire.sends('toFrontend') };
  for (const n of range(1, 1000)) pair.frontend.tell(deploy(n));
  await pair.settle();
  t.equal(wire.sends('toNode') - before.toNode, 1);
  t.equal(pair.atNode.commands.length, 1000);
  t.equal(wire.sends('toFrontend') - before.toFrontend, 1, 'one ack message');
  t.same(wire.sent.at(-1)?.frames, [{ t: 'ack', seq: 1000 }], 'one cumulative ack');
  t.equal(pair.frontend.stats().outbox, 0);
});

t.test('coalescing splits at maxBatch frames and at half of maxFrameBytes', async (t) => {
  const byCount = linkPair(t, { frontend: { maxBatch: 100 } });
  const w1 = byCount.connect();
  await byCount.settle();
  const s1 = w1.sends('toNode');
  for (const n of range(1, 1000)) byCount.frontend.tell(deploy(n));
  await byCount.settle();
  t.equal(w1.sends('toNode') - s1, 10);
  t.equal(byCount.atNode.commands.length, 1000);

  const byBytes = linkPair(t, { frontend: { maxFrameBytes: 8192 }, node: { maxFrameBytes: 8192 } });
  const w2 = byBytes.connect();
  await byBytes.settle();
  const s2 = w2.sent.length;
  for (const n of range(1, 1000)) byBytes.frontend.tell(deploy(n));
  await byBytes.settle();
  const messages = w2.sent.slice(s2).filter((s) => s.dir === 'toNode');
  t.ok(messages.length > 10, `${messages.length} messages`);
  t.ok(
    messages.every((m) => m.data.length <= 4096),
    'each within half the bound',
  );
  t.equal(byBytes.atNode.commands.length, 1000);
});

t.test('stats count messages and frames both ways', async (t) => {
  const pair = linkPair(t);
  const wire = pair.connect();
  pair.frontend.tell(deploy(1));
  await pair.settle();
  const fe = pair.frontend.stats();
  const node = pair.node.stats();
  t.equal(fe.sent, wire.sends('toNode'));
  t.equal(node.received, wire.sends('toNode'));
  t.equal(fe.framesOut, wire.frames('toNode').length);
  t.equal(node.framesIn, fe.framesOut);
  t.equal(fe.badFrames + node.badFrames, 0);
});

t.test('each side hears when the handshake is done, and whether the peer is new', async (t) => {
  const pair = linkPair(t);
  pair.connect();
  t.equal(pair.frontend.ready, true, 'the accepting side is ready at once');
  t.equal(pair.node.ready, false, 'the dialling side waits for the hello');
  await pair.settle();
  t.equal(pair.node.ready, true);
  pair.disconnect();
  t.equal(pair.frontend.ready, false);
  pair.connect();
  await pair.settle();
  pair.restartNode();
  pair.connect();
  await pair.settle();
  const [n1, n2] = [pair.resumed.frontend[0]?.incarnation, pair.node.incarnation];
  t.same(pair.resumed.frontend, [
    { incarnation: n1, newPeer: true },
    { incarnation: n1, newPeer: false },
    { incarnation: n2, newPeer: true },
  ]);
  t.not(n1, n2);
  t.same(
    pair.resumed.node.map((p) => p.newPeer),
    [true, false, true],
    'the old node, twice, then the new one',
  );
});

t.test("the front-end's hello tells the node the least monitoring interval", async (t) => {
  const pair = linkPair(t);
  const wire = pair.connect({ monitorMs: 12_000 });
  await pair.settle();
  t.same(wire.frames('toNode')[0], {
    t: 'hello',
    incarnation: pair.frontend.incarnation,
    recvSeq: 0,
    heartbeatMs: 2000,
    monitorMs: 12_000,
  });
  t.same(pair.resumed.node.at(-1), { incarnation: pair.frontend.incarnation, newPeer: true, monitorMs: 12_000 });
  pair.disconnect();
  pair.connect();
  await pair.settle();
  t.equal(pair.resumed.node.at(-1)?.monitorMs, undefined, 'absent when the front-end asks for none');
});

import t from 'tap';
import { NepheleError, isNepheleError } from '../../src/errors.js';
import type { HostMonitoring } from '../../src/protocol/domain.js';
import { encodeFrames } from '../../src/protocol/codec.js';
import { linkPair } from '../fixtures/link-pair.js';
import { figures, vmInfo } from './samples.js';

async function rejection(p: Promise<unknown>): Promise<NepheleError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof NepheleError)) throw new Error(`expected a NepheleError, got ${String(err)}`);
  return err;
}

t.test('an ask gets the reply, sync or async, checked and typed', async (t) => {
  const pair = linkPair(t);
  pair.connect();
  pair.onNodeRequest = (msg) => {
    switch (msg.type) {
      case 'host.monitor':
        return figures;
      case 'vm.poll':
        return Promise.resolve({ ...vmInfo, vmId: msg.vmId });
      default:
        return undefined;
    }
  };
  const got: HostMonitoring = await pair.frontend.ask({ type: 'host.monitor' });
  t.same(got, figures);
  t.same(await pair.frontend.ask({ type: 'vm.poll', vmId: 9 }), { ...vmInfo, vmId: 9 });
  t.same(pair.atNode.requests, [{ type: 'host.monitor' }, { type: 'vm.poll', vmId: 9 }]);
});

t.test('a refusal comes back with its code, message and details', async (t) => {
  const pair = linkPair(t);
  pair.connect();
  pair.onNodeRequest = (msg) => {
    throw new NepheleError('VM_NOT_FOUND', 'no VM 9 here', { details: { vmId: msg.type === 'vm.poll' ? msg.vmId : -1 } });
  };
  const err = await rejection(pair.frontend.ask({ type: 'vm.poll', vmId: 9 }));
  t.equal(err.code, 'VM_NOT_FOUND');
  t.equal(err.message, 'no VM 9 here');
  t.same(err.details, { vmId: 9 });
  t.equal(pair.node.status, 'attached');
});

t.test('a handler that crashes or rejects with a plain error answers ACTOR_FAILED', async (t) => {
  const pair = linkPair(t);
  pair.connect();
  pair.onNodeRequest = () => {
    throw new TypeError('oops');
  };
  t.match(await rejection(pair.frontend.ask({ type: 'vm.list' })), { code: 'ACTOR_FAILED', message: 'oops' });
  pair.onNodeRequest = () => Promise.reject(new Error('async oops'));
  t.match(await rejection(pair.frontend.ask({ type: 'vm.list' })), { code: 'ACTOR_FAILED', message: 'async oops' });
});

t.test('details the peer could not take are dropped from a refusal, the code kept', async (t) => {
  const pair = linkPair(t);
  pair.connect();
  pair.onNodeRequest = () => {
    throw new NepheleError('DRIVER_FAILED', 'qemu died', { details: { at: new Date(0) } });
  };
  const err = await rejection(pair.frontend.ask({ type: 'vm.list' }));
  t.equal(err.code, 'DRIVER_FAILED');
  t.equal(err.details, undefined);
  t.equal(pair.frontend.status, 'attached');
});

t.test('a malformed reply rejects the ask with BAD_FRAME and keeps the link', async (t) => {
  const pair = linkPair(t);
  pair.connect();
  pair.onNodeRequest = () => ({ ...figures, FREECPU: 'lots' });
  const err = await rejection(pair.frontend.ask({ type: 'host.monitor' }));
  t.equal(err.code, 'BAD_FRAME');
  t.same(err.details, { field: 'res.value.FREECPU' });
  t.equal(pair.frontend.stats().badFrames, 1);
  t.equal(pair.protocolErrors.frontend.length, 1);
  t.equal(pair.frontend.status, 'attached');
});

t.test('an unknown or misdirected request type is refused without closing', async (t) => {
  const pair = linkPair(t);
  const wire = pair.connect();
  await pair.settle();
  const replies: unknown[] = [];
  const sent = wire.sent.length;
  wire.inject(
    'toNode',
    encodeFrames([
      { t: 'req', id: 1001, msg: { type: 'vm.teleport' } },
      { t: 'req', id: 1002, msg: { type: 'vm.state' } },
      { t: 'req', id: 1003, msg: { type: 'vm.poll', vmId: 'x' } as { type: string } },
    ]),
  );
  await pair.settle();
  for (const s of wire.sent.slice(sent)) for (const f of s.frames ?? []) if (f.t === 'res') replies.push(f);
  t.match(replies, [
    { id: 1001, ok: false, error: { code: 'UNKNOWN_MESSAGE', details: { type: 'vm.teleport' } } },
    { id: 1002, ok: false, error: { code: 'UNKNOWN_MESSAGE', details: { type: 'vm.state' } } },
    { id: 1003, ok: false, error: { code: 'BAD_FRAME', details: { field: 'req.msg.vmId' } } },
  ]);
  t.equal(pair.atNode.requests.length, 0, 'the handler never saw them');
  t.equal(pair.node.status, 'attached');
  t.equal(pair.node.stats().badFrames, 3);
});

t.test('an ask on a detached link is LINK_DOWN at once', async (t) => {
  const pair = linkPair(t);
  t.match(await rejection(pair.frontend.ask({ type: 'node.ping' })), { code: 'LINK_DOWN', details: { target: 'host-3' } });
  t.equal(pair.clock.pending, 0, 'no timer was started');
});

t.test('asks in flight fail with LINK_DOWN when the link detaches', async (t) => {
  const pair = linkPair(t);
  pair.connect();
  pair.onNodeRequest = () => new Promise(() => {});
  const pending = pair.frontend.ask({ type: 'vm.list' }, { timeoutMs: 60_000 });
  await pair.settle();
  pair.disconnect();
  t.equal((await rejection(pending)).code, 'LINK_DOWN');
});

t.test('an unanswered ask times out with ASK_TIMEOUT on the clock', async (t) => {
  const pair = linkPair(t);
  pair.connect();
  let answer: ((v: unknown) => void) | undefined;
  pair.onNodeRequest = () =>
    new Promise((resolve) => {
      answer = resolve;
    });
  const pending = rejection(pair.frontend.ask({ type: 'vm.list' }, { timeoutMs: 10_000 }));
  let settled = false;
  void pending.then(() => {
    settled = true;
  });
  await pair.clock.advance(1_000);
  t.notOk(settled, 'still waiting before the timeout');
  await pair.clock.advance(9_000);
  const err = await pending;
  t.equal(err.code, 'ASK_TIMEOUT');
  t.same(err.details, { target: 'host-3', timeoutMs: 10_000 });
  answer?.([vmInfo]);
  await pair.settle();
  t.equal(pair.frontend.status, 'attached', 'the late reply is dropped quietly');
  t.equal(pair.frontend.stats().badFrames, 0);
});

t.test('an aborted ask rejects with the signal reason', async (t) => {
  const pair = linkPair(t);
  pair.connect();
  pair.onNodeRequest = () => new Promise(() => {});
  const controller = new AbortController();
  const pending = pair.frontend.ask({ type: 'vm.list' }, { signal: controller.signal });
  controller.abort(new Error('changed my mind'));
  t.match(await pending.catch((e: unknown) => e), { message: 'changed my mind' });
  const aborted = AbortSignal.abort(new Error('already'));
  t.match(await pair.frontend.ask({ type: 'vm.list' }, { signal: aborted }).catch((e: unknown) => e), { message: 'already' });
});

t.test('close fails asks with LINK_DOWN and says bye', async (t) => {
  const pair = linkPair(t);
  const wire = pair.connect();
  pair.onNodeRequest = () => new Promise(() => {});
  const pending = pair.frontend.ask({ type: 'vm.list' });
  await pair.settle();
  pair.frontend.close();
  t.ok(isNepheleError(await pending.catch((e: unknown) => e), 'LINK_DOWN'));
  t.equal(pair.frontend.status, 'closed');
  t.match(wire.frames('toNode').at(-1), { t: 'bye', code: 'LINK_DOWN' });
  t.match(wire.closed, { by: 'frontend', reason: 'link closed' });
  t.equal((await rejection(pair.frontend.ask({ type: 'vm.list' }))).code, 'LINK_DOWN', 'and every ask after');
});

t.test('a reply too large for the link comes back as FRAME_TOO_LARGE', async (t) => {
  const pair = linkPair(t, { node: { maxFrameBytes: 4096 } });
  pair.connect();
  pair.onNodeRequest = () => Array.from({ length: 200 }, (_, i) => ({ ...vmInfo, vmId: i }));
  t.match(await rejection(pair.frontend.ask({ type: 'vm.list' })), { code: 'FRAME_TOO_LARGE' });
  pair.onNodeRequest = () => [vmInfo];
  t.same(await pair.frontend.ask({ type: 'vm.list' }), [vmInfo], 'the link carries on');
});

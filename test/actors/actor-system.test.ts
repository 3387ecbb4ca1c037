import t from 'tap';
import { NepheleError, isNepheleError } from '../../src/errors.js';
import type { ActorContext, ExitReason, Reply, Terminated, WithReplies } from '../../src/actors/index.js';
import { fakeTimeSystem, settle, testSystem } from '../fixtures/system.js';

type CounterMsg = WithReplies<
  { type: 'inc' } | { type: 'get' } | { type: 'crash' } | { type: 'refuse' },
  { get: number; crash: never; refuse: never }
>;
/** The kernel's own tests ask any message and compare what comes back: the reply is left open. */
type Asked<M> = M & Reply<unknown>;

const counter = () => () => {
  let n = 0;
  return {
    receive(msg: CounterMsg): number | undefined {
      switch (msg.type) {
        case 'inc':
          n++;
          return undefined;
        case 'get':
          return n;
        case 'crash':
          throw new TypeError('crash');
        case 'refuse':
          throw new NepheleError('CHILD_NOT_FOUND', 'no such thing');
      }
    },
  };
};

t.test('tell is FIFO and ask returns the handler value', async (t) => {
  const system = testSystem(t);
  const seen: number[] = [];
  const ref = system.spawn<Asked<number>>(() => ({
    receive: (n) => {
      seen.push(n);
      return n * 2;
    },
  }));
  for (let i = 0; i < 1000; i++) ref.tell(i);
  t.equal(await ref.ask(21), 42);
  t.same(
    seen.slice(0, 1000),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  t.equal(system.inspect(ref).processed, 1001);
});

t.test('an async handler holds the mailbox until it settles', async (t) => {
  const system = testSystem(t);
  const order: string[] = [];
  const ref = system.spawn<Asked<string>>(() => ({
    async receive(msg) {
      order.push(`start ${msg}`);
      await new Promise((r) => setTimeout(r, 5));
      order.push(`end ${msg}`);
      return msg.toUpperCase();
    },
  }));
  const [a, b] = await Promise.all([ref.ask('a'), ref.ask('b')]);
  t.same([a, b], ['A', 'B']);
  t.same(order, ['start a', 'end a', 'start b', 'end b']);
});

t.test('detach answers later without holding the mailbox', async (t) => {
  const system = testSystem(t);
  let release!: (v: string) => void;
  const slow = new Promise<string>((r) => {
    release = r;
  });
  const ref = system.spawn<Asked<string>>((ctx) => ({
    receive: (msg) => (msg === 'slow' ? ctx.detach(slow) : `fast ${msg}`),
  }));
  const pending = ref.ask('slow');
  t.equal(await ref.ask('x'), 'fast x', 'the next message ran while the first waits');
  release('done');
  t.equal(await pending, 'done');
});

t.test('a thrown NepheleError refuses the ask and the actor lives on', async (t) => {
  const system = testSystem(t);
  const ref = system.spawn(counter());
  ref.tell({ type: 'inc' });
  await t.rejects(ref.ask({ type: 'refuse' }), { code: 'CHILD_NOT_FOUND' });
  t.equal(await ref.ask({ type: 'get' }), 1, 'state kept');
  t.equal(system.inspect(ref).restarts, 0);
});

t.test('a throw or a rejection in a handler does not crash the process', async (t) => {
  const system = testSystem(t);
  const syncRef = system.spawn(counter());
  const asyncRef = system.spawn<Asked<string>>(() => ({
    receive: async () => {
      throw new Error('async boom');
    },
  }));
  const e1 = await syncRef.ask({ type: 'crash' }).catch((e: unknown) => e);
  t.ok(isNepheleError(e1, 'ACTOR_FAILED'));
  t.match((e1 as Error).cause, { message: 'crash' });
  const e2 = await asyncRef.ask('x').catch((e: unknown) => e);
  t.ok(isNepheleError(e2, 'ACTOR_FAILED'));
  // Top-level actors that fail are stopped by the root guardian, with the reason.
  const r1 = await system.whenTerminated(syncRef);
  t.equal(r1.type, 'failure');
  t.match((r1 as Extract<ExitReason, { type: 'failure' }>).error, { message: 'crash' });
  t.equal((await system.whenTerminated(asyncRef)).type, 'failure');
  t.equal(system.status, 'open');
});

t.test('ask times out with ASK_TIMEOUT (fake clock)', async (t) => {
  const { system, clock } = fakeTimeSystem(t, { askTimeoutMs: 1000 });
  const never = new Promise(() => undefined);
  const ref = system.spawn<Asked<string>>((ctx) => ({ receive: () => ctx.detach(never) }));
  let err: unknown;
  const p = ref.ask('hello').catch((e: unknown) => {
    err = e;
  });
  const p2 = ref.ask('again', { timeoutMs: 3000 }).catch((e: unknown) => e);
  await clock.advance(999);
  t.equal(err, undefined, 'not yet');
  await clock.advance(1);
  await p;
  t.ok(isNepheleError(err, 'ASK_TIMEOUT'));
  t.match((err as NepheleError).details, { timeoutMs: 1000 });
  await clock.advance(2000);
  t.ok(isNepheleError(await p2, 'ASK_TIMEOUT'), 'each ask keeps its own timeout');
});

t.test('an aborted ask rejects with the signal reason', async (t) => {
  const system = testSystem(t);
  const ref = system.spawn<Asked<string>>((ctx) => ({ receive: () => ctx.detach(new Promise(() => undefined)) }));
  const ac = new AbortController();
  const p = ref.ask('x', { signal: ac.signal });
  ac.abort(new Error('user gave up'));
  await t.rejects(p, { message: 'user gave up' });
});

t.test('registry: names are unique among live actors and freed on stop', async (t) => {
  const system = testSystem(t);
  const a = system.spawn(counter(), { register: 'the-counter' });
  t.equal(system.lookup('the-counter'), a);
  t.throws(() => system.spawn(counter(), { register: 'the-counter' }), { code: 'NAME_TAKEN' });
  await system.stop(a);
  t.equal(system.lookup('the-counter'), undefined);
  const b = system.spawn(counter(), { register: 'the-counter' });
  t.equal(system.lookup('the-counter'), b);
});

t.test('sibling names are unique and paths follow the tree', async (t) => {
  const system = testSystem(t, { name: 'root' });
  let ctxOf!: ActorContext<string>;
  const parent = system.spawn<Asked<string>>(
    (ctx) => {
      ctxOf = ctx;
      return { receive: () => undefined };
    },
    { name: 'parent' },
  );
  await settle();
  const child = ctxOf.spawn<Asked<string>>(() => ({ receive: () => undefined }), { name: 'kid' });
  t.equal(parent.path, '/root/parent');
  t.equal(child.path, '/root/parent/kid');
  t.throws(() => ctxOf.spawn(() => ({ receive: () => undefined }), { name: 'kid' }), { code: 'NAME_TAKEN' });
});

t.test('watch delivers Terminated with the reason', async (t) => {
  const system = testSystem(t);
  const signals: Terminated[] = [];
  const target = system.spawn(counter());
  const other = system.spawn(counter());
  const watcher = system.spawn<Asked<'watch'>>((ctx) => ({
    receive: () => {
      ctx.watch(target);
      ctx.watch(other);
    },
    onTerminated: (s) => {
      signals.push(s);
    },
  }));
  await watcher.ask('watch');
  await system.stop(other);
  target.tell({ type: 'crash' });
  await system.whenTerminated(target);
  await settle();
  t.equal(signals.length, 2);
  t.equal(signals[0]?.ref, other);
  t.same(signals[0]?.reason, { type: 'shutdown' });
  t.equal(signals[1]?.ref, target);
  t.equal(signals[1]?.reason.type, 'failure');
});

t.test('watching an actor that already stopped delivers Terminated at once', async (t) => {
  const system = testSystem(t);
  const dead = system.spawn(counter());
  await system.stop(dead);
  let got: Terminated | undefined;
  const watcher = system.spawn<Asked<'go'>>((ctx) => ({
    receive: () => ctx.watch(dead),
    onTerminated: (s) => {
      got = s;
    },
  }));
  await watcher.ask('go');
  await settle();
  t.equal(got?.ref, dead);
});

t.test('timers deliver to self, repeat, and are cancelled on stop (fake clock)', async (t) => {
  const { system, clock } = fakeTimeSystem(t);
  const ticks: string[] = [];
  let ctxOf!: ActorContext<string>;
  const ref = system.spawn<Asked<string>>((ctx) => {
    ctxOf = ctx;
    return {
      preStart: () => {
        ctx.startTimer('once', 'once', 100);
        ctx.startTimer('tick', 'tick', 50, { repeat: true });
      },
      receive: (m) => {
        ticks.push(m);
      },
    };
  });
  await settle();
  await clock.advance(160);
  t.same(ticks, ['tick', 'once', 'tick', 'tick']);
  t.ok(ctxOf.isTimerActive('tick'));
  t.notOk(ctxOf.isTimerActive('once'), 'a single timer is gone once fired');
  await system.stop(ref);
  const before = ticks.length;
  await clock.advance(1000);
  t.equal(ticks.length, before, 'no tick after stop');
  t.equal(clock.pending, 0, 'no timer left behind');
});

t.test('system messages go before user messages', async (t) => {
  const system = testSystem(t);
  const order: string[] = [];
  const victim = system.spawn(counter());
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const watcher = system.spawn<Asked<string>>((ctx) => ({
    receive: async (m) => {
      if (m === 'watch') {
        ctx.watch(victim);
        return;
      }
      if (m === 'block') {
        await gate;
        return;
      }
      order.push(m);
    },
    onTerminated: () => {
      order.push('terminated');
    },
  }));
  await watcher.ask('watch');
  watcher.tell('block');
  watcher.tell('user-1');
  watcher.tell('user-2');
  await system.stop(victim); // its Terminated queues behind the blocked handler
  release();
  await watcher.ask('sync');
  t.same(order, ['terminated', 'user-1', 'user-2', 'sync']);
});

t.test('messages to a stopped actor are dead letters; asks fail fast', async (t) => {
  const system = testSystem(t);
  const ref = system.spawn(counter());
  await system.stop(ref);
  const letters: string[] = [];
  system.deadLetters.subscribe((l) => letters.push(`${l.messageType}:${l.code}`));
  ref.tell({ type: 'inc' });
  await t.rejects(ref.ask({ type: 'get' }), { code: 'ACTOR_STOPPED' });
  t.same(letters, ['inc:ACTOR_STOPPED', 'get:ACTOR_STOPPED']);
  t.equal(system.stats().deadLetters, 2);
});

t.test('mailboxCapacity bounds the mailbox', async (t) => {
  const system = testSystem(t);
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const ref = system.spawn<Asked<number>>(() => ({ receive: () => gate }), { mailboxCapacity: 3 });
  await settle();
  ref.tell(0); // taken at once; it blocks the actor
  await settle();
  for (let i = 1; i < 10; i++) ref.tell(i);
  t.equal(system.inspect(ref).mailboxDepth, 3);
  t.equal(system.deadLetters.count, 6);
  release();
});

t.test('stop: children in reverse start order, postStop after them', async (t) => {
  const system = testSystem(t);
  const order: string[] = [];
  const node =
    (name: string, kids: string[] = []) =>
    (ctx: ActorContext<unknown>) => ({
      preStart: () => {
        for (const k of kids) ctx.spawn(node(k), { name: k });
      },
      postStop: () => {
        order.push(name);
      },
      receive: () => undefined,
    });
  const top = system.spawn(node('top', ['a', 'b', 'c']), { name: 'top' });
  await settle();
  t.equal(system.stats().actors, 4);
  await system.stop(top);
  t.same(order, ['c', 'b', 'a', 'top']);
  t.equal(system.stats().actors, 0);
});

t.test('an actor that does not stop in time is killed (fake clock)', async (t) => {
  const { system, clock } = fakeTimeSystem(t);
  const ref = system.spawn<unknown>(() => ({ receive: () => undefined, postStop: () => new Promise(() => undefined) }), {
    stopTimeoutMs: 200,
  });
  await settle();
  let stopped = false;
  const p = system.stop(ref).then(() => {
    stopped = true;
  });
  await clock.advance(199);
  t.notOk(stopped);
  await clock.advance(1);
  await p;
  t.equal(system.inspect(ref).status, 'stopped');
});

t.test('a stopped actor stops itself with reason normal', async (t) => {
  const system = testSystem(t);
  const ref = system.spawn<Asked<string>>((ctx) => ({ receive: () => ctx.stop() }));
  ref.tell('bye');
  t.same(await system.whenTerminated(ref), { type: 'normal' });
});

t.test('shutdown stops everything and refuses new actors', async (t) => {
  const system = testSystem(t);
  const order: string[] = [];
  for (const name of ['first', 'second', 'third']) {
    system.spawn<unknown>(
      () => ({
        receive: () => undefined,
        postStop: () => {
          order.push(name);
        },
      }),
      { name },
    );
  }
  await settle();
  await system.shutdown();
  t.same(order, ['third', 'second', 'first'], 'newest first');
  t.equal(system.status, 'closed');
  t.throws(() => system.spawn(counter()), { code: 'SYSTEM_SHUTDOWN' });
});

t.test('stats count actors, restarts and mailbox depth', async (t) => {
  const system = testSystem(t);
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const ref = system.spawn<Asked<number>>(() => ({ receive: () => gate }));
  for (let i = 0; i < 5; i++) ref.tell(i);
  await settle();
  const s = system.stats();
  t.equal(s.actors, 1);
  t.equal(s.mailboxDepth, 4, 'one is being handled, four wait');
  t.equal(system.inspect(ref).mailboxDepth, 4);
  t.equal(system.inspect(ref).status, 'running');
  release();
});

t.test('an async handler may resolve to a detached reply', async (t) => {
  const system = testSystem(t);
  const ref = system.spawn<Asked<string>>((ctx) => ({
    async receive(msg) {
      await Promise.resolve();
      return ctx.detach(Promise.resolve(`later ${msg}`));
    },
  }));
  t.equal(await ref.ask('x'), 'later x');
});

t.test('stopping itself from an async handler waits for that handler', async (t) => {
  const system = testSystem(t);
  const order: string[] = [];
  const ref = system.spawn<Asked<string>>((ctx) => ({
    async receive() {
      void ctx.stop();
      await new Promise((r) => setTimeout(r, 5));
      order.push('handler done');
    },
    postStop: () => {
      order.push('postStop');
    },
  }));
  ref.tell('go');
  await system.whenTerminated(ref);
  t.same(order, ['handler done', 'postStop']);
});

t.test('ask rejects a timeout that is not a positive number of ms', async (t) => {
  const system = testSystem(t);
  const ref = system.spawn(counter());
  await t.rejects(ref.ask({ type: 'get' }, { timeoutMs: 0 }), TypeError);
  await t.rejects(ref.ask({ type: 'get' }, { timeoutMs: Infinity }), TypeError);
});

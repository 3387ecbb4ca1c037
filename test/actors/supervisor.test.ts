import t, { type Test } from 'tap';
import { isNepheleError } from '../../src/errors.js';
import {
  supervisor,
  type ActorContext,
  type ActorRef,
  type ChildSpec,
  type RestartType,
  type SupervisorMsg,
  type SupervisorOptions,
  type Reply,
} from '../../src/actors/index.js';
import { fakeTimeSystem, settle, testSystem } from '../fixtures/system.js';

// Any reply: the tests compare what comes back.
type WorkerMsg = ('crash' | 'get' | 'inc' | 'stop') & Reply<unknown>;

/** A worker that logs its life cycle into `log` and counts `inc`s. */
function worker(name: string, log: string[]) {
  return (ctx: ActorContext<WorkerMsg>) => {
    let n = 0;
    return {
      preStart: () => {
        log.push(`start ${name}`);
      },
      postStop: () => {
        log.push(`stop ${name}`);
      },
      preRestart: (err: Error) => {
        log.push(`preRestart ${name}: ${err.message}`);
      },
      receive(msg: WorkerMsg): number | undefined {
        if (msg === 'crash') throw new Error(`${name} crashed`);
        if (msg === 'inc') n++;
        if (msg === 'stop') void ctx.stop();
        return n;
      },
    };
  };
}

function specs(names: string[], log: string[], restart: RestartType = 'permanent'): ChildSpec[] {
  return names.map((id) => ({ id, start: worker(id, log) as never, restart }));
}

async function child(sup: ActorRef<SupervisorMsg>, id: string): Promise<ActorRef<WorkerMsg>> {
  const ref: ActorRef<WorkerMsg> | undefined = await sup.ask({ type: 'get_child', id });
  if (ref === undefined) throw new Error(`no child ${id}`);
  return ref;
}

async function startSup(t: Test, options: Partial<SupervisorOptions> & { children: ChildSpec[] }) {
  const system = testSystem(t);
  const sup = system.spawn(supervisor({ maxRestarts: 10, periodMs: 1000, ...options }), { name: 'sup' });
  await sup.ask({ type: 'which_children' });
  return { system, sup };
}

t.test('children start in order and stop in reverse order', async (t) => {
  const log: string[] = [];
  const { system, sup } = await startSup(t, { children: specs(['a', 'b', 'c'], log) });
  t.same(log, ['start a', 'start b', 'start c']);
  log.length = 0;
  await system.stop(sup);
  t.same(log, ['stop c', 'stop b', 'stop a']);
});

t.test('one_for_one restarts only the failed child; its ref stays valid', async (t) => {
  const log: string[] = [];
  const { system, sup } = await startSup(t, { strategy: 'one_for_one', children: specs(['a', 'b', 'c'], log) });
  const [a, b, c] = [await child(sup, 'a'), await child(sup, 'b'), await child(sup, 'c')];
  a.tell('inc');
  b.tell('inc');
  c.tell('inc');
  log.length = 0;
  const err = await b.ask('crash').catch((e: unknown) => e);
  t.ok(isNepheleError(err, 'ACTOR_FAILED'));
  t.equal(await b.ask('get'), 0, 'b restarted with fresh state, same ref');
  t.equal(await a.ask('get'), 1, 'a kept its state');
  t.equal(await c.ask('get'), 1, 'c kept its state');
  t.same(log, ['preRestart b: b crashed', 'start b']);
  t.equal(system.inspect(b).restarts, 1);
  t.equal(system.stats().restarts, 1);
});

t.test('one_for_all restarts every child: shut down in reverse, started in order', async (t) => {
  const log: string[] = [];
  const { sup } = await startSup(t, { strategy: 'one_for_all', children: specs(['a', 'b', 'c'], log) });
  const [a, b, c] = [await child(sup, 'a'), await child(sup, 'b'), await child(sup, 'c')];
  a.tell('inc');
  c.tell('inc');
  log.length = 0;
  b.tell('crash');
  // b's next message waits in its stash until the supervisor has restarted it
  t.equal(await b.ask('get'), 0);
  t.equal(await c.ask('get'), 0);
  t.equal(await a.ask('get'), 0);
  t.same(log, ['stop c', 'preRestart b: b crashed', 'stop a', 'start a', 'start b', 'start c']);
});

t.test('rest_for_one restarts the failed child and those started after it', async (t) => {
  const log: string[] = [];
  const { sup } = await startSup(t, { strategy: 'rest_for_one', children: specs(['a', 'b', 'c'], log) });
  const [a, b, c] = [await child(sup, 'a'), await child(sup, 'b'), await child(sup, 'c')];
  a.tell('inc');
  b.tell('inc');
  c.tell('inc');
  log.length = 0;
  b.tell('crash');
  t.equal(await b.ask('get'), 0, 'b restarted');
  t.equal(await c.ask('get'), 0, 'c restarted');
  t.equal(await a.ask('get'), 1, 'a untouched');
  t.same(log, ['stop c', 'preRestart b: b crashed', 'start b', 'start c']);
});

t.test('restart types: permanent, transient, temporary', async (t) => {
  const log: string[] = [];
  const children: ChildSpec[] = [
    { id: 'perm', start: worker('perm', log) as never, restart: 'permanent' },
    { id: 'trans', start: worker('trans', log) as never, restart: 'transient' },
    { id: 'temp', start: worker('temp', log) as never, restart: 'temporary' },
  ];
  const { system, sup } = await startSup(t, { children });

  t.test('a permanent child that stops normally is started again', async (t) => {
    const old = await child(sup, 'perm');
    old.tell('stop');
    t.same(await system.whenTerminated(old), { type: 'normal' });
    await settle();
    const now = await child(sup, 'perm');
    t.not(now, old, 'a stopped actor is gone: a new one takes its place');
    t.equal(await now.ask('get'), 0);
  });

  t.test('a transient child is restarted after a failure only', async (t) => {
    const trans = await child(sup, 'trans');
    trans.tell('crash');
    t.equal(await trans.ask('get'), 0, 'restarted after the crash');
    trans.tell('stop');
    await system.whenTerminated(trans);
    await settle();
    t.equal(await sup.ask({ type: 'get_child', id: 'trans' }), undefined, 'not restarted after a normal stop');
  });

  t.test('a temporary child is never restarted', async (t) => {
    const temp = await child(sup, 'temp');
    temp.tell('crash');
    const reason = await system.whenTerminated(temp);
    t.equal(reason.type, 'failure', 'watchers learn it failed');
    t.equal(await sup.ask({ type: 'get_child', id: 'temp' }), undefined);
  });

  t.test('which_children lists what is left', async (t) => {
    const kids = await sup.ask({ type: 'which_children' });
    t.same(
      kids.map((k) => [k.id, k.restart, k.status]),
      [['perm', 'permanent', 'running']],
    );
  });
});

t.test('restart intensity escalates through two levels', async (t) => {
  const system = testSystem(t);
  const log: string[] = [];
  const mid = supervisor({ maxRestarts: 1, periodMs: 60_000, children: specs(['w'], log) });
  const top = system.spawn(supervisor({ maxRestarts: 1, periodMs: 60_000, children: [{ id: 'mid', start: mid as never }] }), {
    name: 'top',
  });
  await top.ask({ type: 'which_children' });
  const midRef: ActorRef<SupervisorMsg> | undefined = await top.ask({ type: 'get_child', id: 'mid' });
  if (midRef === undefined) throw new TypeError('mid is running');
  const crashWorker = async (): Promise<void> => {
    const w: ActorRef<WorkerMsg> | undefined = await midRef.ask({ type: 'get_child', id: 'w' });
    await w?.ask('crash').catch(() => undefined);
    await settle();
  };
  log.length = 0;
  await crashWorker(); // mid restarts w (1 of 1 allowed)
  t.same(log, ['preRestart w: w crashed', 'start w']);
  t.equal(system.inspect(midRef).restarts, 0);

  log.length = 0;
  await crashWorker(); // mid gives up → top restarts mid, which starts w again
  t.same(log, ['stop w', 'start w'], 'mid stopped its child, then was restarted and started it again');
  t.equal(system.inspect(midRef).restarts, 1);
  t.equal(system.inspect(top).status, 'running');

  await crashWorker(); // mid restarts w
  await crashWorker(); // mid gives up again → top is past its intensity too
  const reason = await system.whenTerminated(top);
  t.equal(reason.type, 'failure');
  t.ok(reason.type === 'failure' && isNepheleError(reason.error, 'RESTART_INTENSITY'));
  t.equal(system.stats().actors, 0, 'the whole tree is gone');
});

t.test('backoff: exponential delays, reset after a quiet period (fake clock)', async (t) => {
  const { system, clock } = fakeTimeSystem(t);
  const log: string[] = [];
  const sup = system.spawn(
    supervisor({
      maxRestarts: 100,
      periodMs: 1000,
      backoff: { minMs: 100, factor: 2, maxMs: 1000, jitter: 0, resetAfterMs: 5000 },
      children: specs(['w'], log),
    }),
  );
  await settle();
  const w = await child(sup, 'w');
  const restartsAfter = async (ms: number): Promise<number> => {
    await clock.advance(ms);
    return system.inspect(w).restarts;
  };

  w.tell('crash');
  t.equal(await restartsAfter(99), 0, 'first delay is minMs');
  t.equal(await restartsAfter(1), 1);
  w.tell('crash');
  t.equal(await restartsAfter(199), 1, 'second delay doubles');
  t.equal(await restartsAfter(1), 2);
  w.tell('crash');
  t.equal(await restartsAfter(399), 2);
  t.equal(await restartsAfter(1), 3);
  await clock.advance(5000); // quiet period
  w.tell('crash');
  t.equal(await restartsAfter(99), 3, 'back to minMs after running quietly');
  t.equal(await restartsAfter(1), 4);
});

t.test('backoff jitter stays within its spread and is capped', async (t) => {
  const { backoffDelay } = await import('../../src/actors/index.js');
  const opts = { minMs: 100, maxMs: 1000, factor: 2, jitter: 0.2, resetAfterMs: 1 };
  t.equal(
    backoffDelay(opts, 0, () => 0),
    80,
  );
  t.equal(
    backoffDelay(opts, 0, () => 1),
    120,
  );
  t.equal(
    backoffDelay(opts, 10, () => 1),
    1000,
    'never past maxMs',
  );
  t.equal(
    backoffDelay({ ...opts, minMs: 0 }, 0, () => 1),
    0,
    'minMs 0: the first restart is immediate',
  );
});

t.test('messages sent while a child restarts are stashed up to a bound', async (t) => {
  const { system, clock } = fakeTimeSystem(t);
  const seen: string[] = [];
  const spec: ChildSpec = {
    id: 'w',
    start: (() => ({
      receive: (m: string) => {
        if (m === 'crash') throw new Error('boom');
        seen.push(m);
      },
    })) as never,
    spawn: { stashLimit: 5 },
  };
  const sup = system.spawn(
    supervisor({
      maxRestarts: 10,
      periodMs: 1000,
      backoff: { minMs: 1000, jitter: 0 },
      children: [spec],
    }),
  );
  await settle();
  const w = (await child(sup, 'w')) as unknown as ActorRef<string & Reply<unknown>>;
  const dropped: string[] = [];
  system.deadLetters.subscribe((l) => dropped.push(l.code));
  w.tell('crash');
  await settle();
  t.equal(system.inspect(w).status, 'suspended');
  for (let i = 1; i <= 8; i++) w.tell(`m${i}`);
  t.same(dropped, ['MAILBOX_FULL', 'MAILBOX_FULL', 'MAILBOX_FULL']);
  const late = w.ask('m9').catch((e: unknown) => e);
  await clock.advance(1000);
  t.same(seen, ['m1', 'm2', 'm3', 'm4', 'm5'], 'the stash is delivered in order to the new instance');
  t.ok(isNepheleError(await late, 'MAILBOX_FULL'), 'an ask past the bound fails at once');
});

t.test('start_child and terminate_child at run time', async (t) => {
  const log: string[] = [];
  const { sup } = await startSup(t, { children: specs(['a'], log) });
  const b = await sup.ask({ type: 'start_child', spec: specs(['b'], log)[0] as ChildSpec });
  t.equal(b.name, 'b');
  await t.rejects(sup.ask({ type: 'start_child', spec: specs(['b'], log)[0] as ChildSpec }), { code: 'NAME_TAKEN' });
  await sup.ask({ type: 'terminate_child', id: 'b' });
  t.equal(await sup.ask({ type: 'get_child', id: 'b' }), undefined);
  await t.rejects(sup.ask({ type: 'terminate_child', id: 'b' }), { code: 'CHILD_NOT_FOUND' });
});

t.test('a child that cannot start is refused, not kept (CHILD_START_FAILED)', async (t) => {
  const log: string[] = [];
  const { system, sup } = await startSup(t, { children: specs(['a'], log) });
  const broken: ChildSpec = {
    id: 'broken',
    start: (() => ({
      preStart: () => {
        throw new Error('no disk');
      },
      receive: () => undefined,
    })) as never,
  };
  const err = await sup.ask({ type: 'start_child', spec: broken }).catch((e: unknown) => e);
  t.ok(isNepheleError(err, 'CHILD_START_FAILED'));
  t.match((err as Error).cause, { message: 'no disk' });
  t.equal(await sup.ask({ type: 'get_child', id: 'broken' }), undefined);
  t.equal(system.stats().restarts, 0, 'no restart loop');
  await t.rejects(sup.ask({ type: 'no_such_request' } as never), { code: 'UNKNOWN_MESSAGE' });
});

t.test('a supervisor whose child cannot start fails, and its parent decides', async (t) => {
  const system = testSystem(t);
  let attempts = 0;
  const inner = supervisor({
    children: [
      {
        id: 'w',
        start: (() => {
          attempts++;
          throw new Error('bad config');
        }) as never,
      },
    ],
  });
  const sup = system.spawn(inner);
  const reason = await system.whenTerminated(sup);
  t.equal(attempts, 1);
  t.ok(reason.type === 'failure' && isNepheleError(reason.error, 'CHILD_START_FAILED'));
});

t.test('a slow child does not make its parent skip the siblings (fake clock)', async (t) => {
  const { system, clock } = fakeTimeSystem(t);
  const log: string[] = [];
  const children: ChildSpec[] = [
    ...specs(['a'], log),
    {
      id: 'slow',
      start: (() => ({ receive: () => undefined, postStop: () => new Promise(() => undefined) })) as never,
      spawn: { stopTimeoutMs: 100 },
    },
    ...specs(['c'], log),
  ];
  const sup = system.spawn(supervisor({ children }), { stopTimeoutMs: 50 });
  await settle();
  let stopped = false;
  const p = system.stop(sup).then(() => {
    stopped = true;
  });
  await clock.advance(99);
  t.same(log, ['start a', 'start c', 'stop c'], 'waiting for the slow one');
  t.notOk(stopped);
  await clock.advance(1);
  await p;
  t.same(log, ['start a', 'start c', 'stop c', 'stop a'], 'the slow one was killed at its own timeout; a still stopped cleanly');
});

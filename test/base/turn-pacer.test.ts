import t from 'tap';
import { TurnPacer } from '../../src/base/turn-pacer.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

t.test('a turn lets perTurn starts through at once, the rest go in later turns, in order', async (t) => {
  const pacer = new TurnPacer({ perTurn: 2, budgetMs: Number.POSITIVE_INFINITY });
  const order: number[] = [];
  const slots = [0, 1, 2, 3, 4].map((i) => {
    const wait = pacer.slot();
    if (wait === undefined) order.push(i);
    else void wait.then(() => order.push(i));
    return wait;
  });
  t.same(
    slots.map((s) => s === undefined),
    [true, true, false, false, false],
    'two go without a hop',
  );
  t.equal(pacer.queued, 3);
  await nextTurn();
  t.same(order, [0, 1, 2, 3], 'two more in the next turn');
  await nextTurn();
  t.same(order, [0, 1, 2, 3, 4], 'the last in the one after');
  t.equal(pacer.queued, 0);
  await nextTurn();
  t.equal(pacer.slot(), undefined, 'an idle pacer lets the next start go at once');
});

t.test('a start arriving while others wait queues behind them', async (t) => {
  const pacer = new TurnPacer({ perTurn: 1, budgetMs: Number.POSITIVE_INFINITY });
  const order: string[] = [];
  t.equal(pacer.slot(), undefined);
  void pacer.slot()?.then(() => order.push('first'));
  await nextTurn();
  // The turn's budget is spent by the one let through; a newcomer waits behind nobody but keeps order.
  void pacer.slot()?.then(() => order.push('second'));
  await nextTurn();
  await nextTurn();
  t.same(order, ['first', 'second']);
});

t.test('once the budget of a turn is spent, nothing more starts in it', async (t) => {
  let clock = 0;
  const pacer = new TurnPacer({ perTurn: 100, budgetMs: 4, now: () => clock });
  t.equal(pacer.slot(), undefined, 'the first start of a turn always goes');
  clock = 3;
  t.equal(pacer.slot(), undefined, 'within the budget');
  clock = 4;
  const late = pacer.slot();
  t.not(late, undefined, 'past the budget it waits');
  let went = false;
  void late?.then(() => {
    went = true;
  });
  await nextTurn();
  t.ok(went, 'and goes in the next turn, whose budget is fresh');
});

t.test('perTurn must be a positive integer', async (t) => {
  t.throws(() => new TurnPacer({ perTurn: 0 }), TypeError);
  t.throws(() => new TurnPacer({ perTurn: 1.5 }), TypeError);
});

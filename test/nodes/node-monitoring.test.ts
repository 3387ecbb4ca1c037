/**
 * The node's monitoring pace: its own interval, stretched to the floor
 * oned's hello asks for, with the first push after a connect at a random
 * point of the interval's second half (driven by a FakeClock).
 */
import t from 'tap';
import type { HostMonitoring } from '../../src/protocol/domain.js';
import { DummyHypervisor } from '../../nodes/drivers/dummy-hypervisor.js';
import { NodeActor, type NodeMsg } from '../../nodes/node-actor.js';
import { VmLedger } from '../../nodes/vm-ledger.js';
import { monitorFloorMs } from '../../src/hosts/monitor-budget.js';
import { fakeTimeSystem, settle } from '../fixtures/system.js';

function node(t: Parameters<typeof fakeTimeSystem>[0], random: number) {
  const { system, clock } = fakeTimeSystem(t);
  const pushes: number[] = [];
  const ref = system.spawn<NodeMsg>(
    (ctx) =>
      new NodeActor(ctx, {
        incarnation: 'test',
        hypervisor: new DummyHypervisor(),
        monitoring: { host: async () => ({}) as HostMonitoring },
        ledger: VmLedger.memory(),
        frontend: {
          tell: () => undefined,
          emit: () => {
            pushes.push(clock.now());
          },
        },
        monitorIntervalMs: 1_000,
        random: () => random,
      }),
  );
  return { ref, clock, pushes };
}

t.test('without a floor, the agent keeps its own interval', async (t) => {
  const { ref, clock, pushes } = node(t, 0);
  await clock.advance(3_000);
  t.same(pushes, [1_000, 2_000, 3_000]);
  ref.tell({ type: 'connected' });
  await settle();
  await clock.advance(2_000);
  t.same(pushes.slice(3), [3_000, 3_500, 4_500], 'a push on connect, the next half an interval later, then every interval');
});

t.test("oned's floor stretches the interval; the phase spreads hosts", async (t) => {
  const { ref, clock, pushes } = node(t, 0.5);
  ref.tell({ type: 'connected', monitorMs: 10_000 });
  await settle();
  await clock.advance(30_000);
  t.same(pushes, [0, 7_500, 17_500, 27_500], 'a push on connect, then at 3/4 of the interval (random 0.5), then every 10 s');
  ref.tell({ type: 'connected', monitorMs: 500 });
  await settle();
  await clock.advance(2_000);
  t.same(pushes.slice(4), [30_000, 30_750, 31_750], 'a floor below its own interval changes nothing but the phase');
});

t.test('the floor is the host count over the budget', async (t) => {
  t.equal(monitorFloorMs(1, 100), 10);
  t.equal(monitorFloorMs(1_000, 100), 10_000);
  t.equal(monitorFloorMs(10_000, 100), 100_000);
  t.equal(monitorFloorMs(0, 100), 1, 'never 0');
  t.equal(monitorFloorMs(1e9, 1), 86_400_000, 'at most a day');
  t.throws(() => monitorFloorMs(10, 0), TypeError);
});

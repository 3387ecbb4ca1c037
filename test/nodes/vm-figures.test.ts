/**
 * The per-VM figures of the agent's monitoring push: each tick lists the
 * driver once and pushes the host's figures with those of every VM whose
 * process runs (the dummy driver's simulated ones here), each reading kept
 * within the wire's bounds so that the push is never refused.
 */
import t from 'tap';
import { DummyHypervisor } from '../../nodes/drivers/dummy-hypervisor.js';
import { NodeActor, type NodeMsg, vmFigures } from '../../nodes/node-actor.js';
import { VmLedger } from '../../nodes/vm-ledger.js';
import type { VmInfo } from '../../src/protocol/domain.js';
import type { HostMonitoringEvent } from '../../src/protocol/messages.js';
import { MAX_VMS_PER_HOST, MAX_VM_CPU_PERCENT, MAX_VM_MEMORY_KB } from '../../src/protocol/validate-domain.js';
import { validateMessage } from '../../src/protocol/validate.js';
import { fakeTimeSystem, settle } from '../fixtures/system.js';

t.test("each push carries the figures of the VMs whose process runs, the dummy's simulated ones", async (t) => {
  const { system, clock } = fakeTimeSystem(t);
  const hv = new DummyHypervisor({ cpus: 4, memoryKb: 8 * 1024 * 1024, now: () => clock.now() });
  await hv.open();
  await hv.deploy({ vmId: 1, name: 'a', cpu: 0.5, vcpu: 1, memoryMb: 256 });
  await hv.deploy({ vmId: 2, name: 'b', cpu: 2, vcpu: 2, memoryMb: 1024 });
  await hv.deploy({ vmId: 3, name: 'c', cpu: 1, vcpu: 1, memoryMb: 128 });
  await hv.suspend(2);
  hv.simulateCrash(3);
  let listed = 0;
  const counted = Object.assign(Object.create(hv) as DummyHypervisor, {
    list: (): Promise<VmInfo[]> => {
      listed++;
      return hv.list();
    },
  });
  const pushes: HostMonitoringEvent[] = [];
  system.spawn<NodeMsg>(
    (ctx) =>
      new NodeActor(ctx, {
        incarnation: 'test',
        hypervisor: counted,
        monitoring: hv,
        ledger: VmLedger.memory(),
        frontend: { tell: () => undefined, emit: (m) => void pushes.push(m) },
        monitorIntervalMs: 1_000,
        random: () => 0,
      }),
  );
  await clock.advance(1_000);
  await settle();
  t.equal(pushes.length, 1, 'one push a tick');
  t.equal(listed, 1, 'the driver listed once for the push and the stopped-VM watch together');
  const push = pushes[0] as HostMonitoringEvent;
  t.same(
    push.vms,
    [
      { vmId: 1, cpu: 25, memoryKb: 256 * 1024 },
      { vmId: 2, cpu: 0, memoryKb: 1024 * 1024 },
    ],
    'running and paused VMs, in id order; the failed one is not measured',
  );
  t.same(validateMessage(push), push, 'what the agent pushes passes the wire validator');
  t.equal(push.figures.USEDMEMORY, (256 + 1024) * 1024, "the host's figures count the same VMs' memory");
});

t.test('odd readings are kept within the bounds, and a push holds at most MAX_VMS_PER_HOST VMs', async (t) => {
  const info = (vmId: number, cpuUsage: number, memoryKb: number): VmInfo => ({
    vmId,
    state: 'running',
    cpuUsage,
    memoryKb,
    deployId: 'x',
  });
  t.same(vmFigures([info(0, Number.NaN, -5), info(1, -3, Number.POSITIVE_INFINITY), info(2, 1e12, 1e15), info(3, 50, 1024)]), [
    { vmId: 0, cpu: 0, memoryKb: 0 },
    { vmId: 1, cpu: 0, memoryKb: 0 },
    { vmId: 2, cpu: MAX_VM_CPU_PERCENT, memoryKb: MAX_VM_MEMORY_KB },
    { vmId: 3, cpu: 50, memoryKb: 1024 },
  ]);
  const many = Array.from({ length: MAX_VMS_PER_HOST + 10 }, (_, i) => info(i, 1, 1));
  t.equal(vmFigures(many).length, MAX_VMS_PER_HOST, 'past the cap the rest go unmeasured, the push stays valid');
});

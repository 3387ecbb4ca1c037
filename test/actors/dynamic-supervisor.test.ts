import t from 'tap';
import { dynamicSupervisor, type ActorContext, type ActorRef, type WithReplies } from '../../src/actors/index.js';
import { settle, testSystem } from '../fixtures/system.js';

type VmMsg = WithReplies<{ type: 'get' } | { type: 'crash' }, { get: { vmId: number; calls: number } }>;

const vm = (vmId: number) => (_ctx: ActorContext<VmMsg>) => {
  let calls = 0;
  return {
    receive(msg: VmMsg): { vmId: number; calls: number } {
      if (msg.type === 'crash') throw new Error(`vm ${vmId} crashed`);
      return { vmId, calls: ++calls };
    },
  };
};

t.test('one child per item, restarted one for one', async (t) => {
  const system = testSystem(t);
  const sup = system.spawn(dynamicSupervisor<number>({ start: vm as never, maxRestarts: 5, periodMs: 1000 }), { name: 'vms' });
  const refs: ActorRef<VmMsg>[] = [];
  for (let id = 0; id < 100; id++) refs.push(await sup.ask({ type: 'start_child', args: id, name: `vm-${id}` }));
  t.equal(await sup.ask({ type: 'count_children' }), 100);
  t.equal(refs[42]?.path, '/nephele/vms/vm-42');
  for (const r of refs) await r.ask({ type: 'get' });

  const victim = refs[7] as ActorRef<VmMsg>;
  victim.tell({ type: 'crash' });
  t.same(await victim.ask({ type: 'get' }), { vmId: 7, calls: 1 }, 'restarted with its own arguments, same ref');
  t.same(await refs[8]?.ask({ type: 'get' }), { vmId: 8, calls: 2 }, 'a sibling kept its state');
  t.equal(system.stats().restarts, 1);
});

t.test('register, terminate_child and maxChildren', async (t) => {
  const system = testSystem(t);
  const sup = system.spawn(dynamicSupervisor<number>({ start: vm as never, maxChildren: 2 }));
  const a: ActorRef<VmMsg> = await sup.ask({ type: 'start_child', args: 1, register: 'vm-1' });
  t.equal(system.lookup('vm-1'), a);
  await sup.ask({ type: 'start_child', args: 2 });
  await t.rejects(sup.ask({ type: 'start_child', args: 3 }), { code: 'MAX_CHILDREN' });
  await sup.ask({ type: 'terminate_child', ref: a });
  t.equal(system.lookup('vm-1'), undefined, 'the name goes with the actor');
  t.same((await sup.ask({ type: 'which_children' })).length, 1);
  await sup.ask({ type: 'start_child', args: 3 });
  await t.rejects(sup.ask({ type: 'terminate_child', ref: a }), { code: 'CHILD_NOT_FOUND' });
});

t.test('a temporary child that fails is removed, not restarted', async (t) => {
  const system = testSystem(t);
  const sup = system.spawn(dynamicSupervisor<number>({ start: vm as never, restart: 'temporary' }));
  const a: ActorRef<VmMsg> = await sup.ask({ type: 'start_child', args: 1 });
  a.tell({ type: 'crash' });
  t.equal((await system.whenTerminated(a)).type, 'failure');
  await settle();
  t.equal(await sup.ask({ type: 'count_children' }), 0);
});

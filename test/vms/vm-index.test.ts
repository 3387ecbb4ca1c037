import t from 'tap';
import { VmIndex } from '../../src/vms/vm-index.js';
import type { VmRecord } from '../../src/vms/vm-record.js';
import type { VmState } from '../../src/vms/vm-states.js';

function vm(id: number, state: VmState, uid = 0): VmRecord {
  return {
    id,
    name: `one-${id}`,
    uid,
    template: '',
    cpu: 1,
    vcpu: 1,
    memory: 64,
    state,
    history: [],
    pending: undefined,
    opSeq: 0,
    scheduled: false,
    stime: 0,
    etime: undefined,
    lastError: undefined,
  };
}

t.test('counts by state follow each record written', async (t) => {
  const index = new VmIndex();
  index.put(vm(0, 'PENDING'));
  index.put(vm(1, 'PENDING'));
  t.same(index.counts(), { PENDING: 2 });
  index.put(vm(0, 'RUNNING'));
  t.same(index.counts(), { PENDING: 1, RUNNING: 1 });
  index.put(vm(0, 'DONE'));
  t.same(index.counts(), { PENDING: 1, DONE: 1 });
  t.equal(index.get(0), undefined, 'a DONE VM keeps no record in memory');
  t.ok(index.isDone(0));
  t.equal(index.size, 2);
  t.same(index.liveIds(), [1]);
});

t.test('the record held is the one written', async (t) => {
  const index = new VmIndex();
  const r = vm(5, 'RUNNING');
  index.put(r);
  t.equal(index.get(5), r, 'the same object: the index costs no copy');
});

t.test('pages: id order, DONE with all only, one owner, offset and limit', async (t) => {
  const index = new VmIndex();
  // Out of order, as concurrent creates can finish.
  for (const id of [2, 0, 1, 4, 3, 5]) index.put(vm(id, id === 3 ? 'DONE' : 'PENDING', id % 2));
  t.same(index.page({ all: false }), [0, 1, 2, 4, 5]);
  t.same(index.page({ all: true }), [0, 1, 2, 3, 4, 5]);
  t.same(index.page({ all: true, uid: 1 }), [1, 3, 5]);
  t.same(index.page({ all: false, uid: 1 }), [1, 5]);
  t.same(index.page({ all: false, offset: 1, limit: 2 }), [1, 2]);
  t.same(index.page({ all: true, offset: 5, limit: 10 }), [5]);
  t.same(index.page({ all: false, offset: 9 }), []);
  t.same(index.liveOwners().sort(), [0, 0, 0, 1, 1]);
});

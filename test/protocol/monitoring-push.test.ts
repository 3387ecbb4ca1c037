/**
 * The VM figures of a host's monitoring push, at the edge: each VM's CPU and
 * memory within bounds, one entry per VM, at most MAX_VMS_PER_HOST of them;
 * anything else is BAD_FRAME naming the field, so oned never keeps it.
 */
import t from 'tap';
import { NepheleError } from '../../src/errors.js';
import { decodeFrames, encodeFrames } from '../../src/protocol/codec.js';
import type { Frame } from '../../src/protocol/frames.js';
import { MAX_VMS_PER_HOST, MAX_VM_CPU_PERCENT, MAX_VM_MEMORY_KB } from '../../src/protocol/validate-domain.js';
import { validateMessage } from '../../src/protocol/validate.js';
import { figures } from './samples.js';

const PUSH = {
  type: 'host.monitoring',
  figures,
  vms: [
    { vmId: 3, cpu: 12.5, memoryKb: 262_144 },
    { vmId: 7, cpu: 0, memoryKb: 0 },
  ],
} as const;

function refusal(fn: () => unknown): NepheleError {
  try {
    fn();
  } catch (err) {
    if (err instanceof NepheleError) return err;
    throw err;
  }
  throw new Error('accepted');
}

t.test('a push with VM figures passes as sent; without them, as before', async (t) => {
  t.same(validateMessage(PUSH), PUSH);
  t.same(validateMessage({ type: 'host.monitoring', figures }), { type: 'host.monitoring', figures }, 'vms is optional');
  t.notOk('vms' in validateMessage({ type: 'host.monitoring', figures }), 'and absent stays absent');
  const extra = validateMessage({ ...PUSH, vms: [{ vmId: 1, cpu: 1, memoryKb: 1, disk: 'x' }] });
  t.same(extra, { ...PUSH, vms: [{ vmId: 1, cpu: 1, memoryKb: 1 }] }, 'unknown fields of an entry are dropped');
  const full = Array.from({ length: MAX_VMS_PER_HOST }, (_, i) => ({ vmId: i, cpu: 1, memoryKb: 1 }));
  t.equal((validateMessage({ ...PUSH, vms: full }) as typeof PUSH).vms.length, MAX_VMS_PER_HOST, 'the cap itself is accepted');
});

t.test('garbage and out-of-bound VM figures are refused, naming the field', async (t) => {
  const vm = PUSH.vms[0];
  const cases: Array<[unknown, string]> = [
    ['nope', 'msg.vms'],
    [{ 0: vm }, 'msg.vms'],
    [[null], 'msg.vms.0'],
    [[{ ...vm, vmId: -1 }], 'msg.vms.0.vmId'],
    [[{ ...vm, vmId: 1.5 }], 'msg.vms.0.vmId'],
    [[{ ...vm, vmId: '3' }], 'msg.vms.0.vmId'],
    [[{ ...vm, cpu: Number.NaN }], 'msg.vms.0.cpu'],
    [[{ ...vm, cpu: Number.POSITIVE_INFINITY }], 'msg.vms.0.cpu'],
    [[{ ...vm, cpu: -0.1 }], 'msg.vms.0.cpu'],
    [[{ ...vm, cpu: MAX_VM_CPU_PERCENT + 1 }], 'msg.vms.0.cpu'],
    [[{ ...vm, memoryKb: -1 }], 'msg.vms.0.memoryKb'],
    [[{ ...vm, memoryKb: MAX_VM_MEMORY_KB + 1 }], 'msg.vms.0.memoryKb'],
    [[{ vmId: 3, cpu: 1 }], 'msg.vms.0.memoryKb'],
    [[vm, { ...vm, cpu: 1 }], 'msg.vms.1.vmId'],
  ];
  for (const [vms, field] of cases) {
    const err = refusal(() => validateMessage({ ...PUSH, vms }));
    t.equal(err.code, 'BAD_FRAME', field);
    t.same(err.details, { field }, `${field}: ${JSON.stringify(vms)?.slice(0, 60)}`);
  }
  const huge = Array.from({ length: MAX_VMS_PER_HOST + 1 }, (_, i) => ({ vmId: i, cpu: 1, memoryKb: 1 }));
  t.same(refusal(() => validateMessage({ ...PUSH, vms: huge })).details, { field: 'msg.vms' }, 'one VM past the cap: refused whole');
});

t.test('on the wire: a transport message holding a bad push is refused whole', async (t) => {
  const good: Frame = { t: 'evt', msg: PUSH };
  t.same(decodeFrames(encodeFrames([good]), 4 * 1024 * 1024), [good]);
  const huge = Array.from({ length: MAX_VMS_PER_HOST + 1 }, (_, i) => ({ vmId: i, cpu: 1, memoryKb: 1 }));
  const bad = encodeFrames([{ t: 'ping', ts: 1 }, { t: 'evt', msg: { ...PUSH, vms: huge } } as unknown as Frame]);
  const err = refusal(() => decodeFrames(bad, 4 * 1024 * 1024));
  t.equal(err.code, 'BAD_FRAME');
  t.same(err.details, { field: 'evt.msg.vms' });
});

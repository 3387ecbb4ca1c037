import t from 'tap';
import { NepheleError } from '../../src/errors.js';
import { MESSAGE_TYPES, validateFrame, validateHello, validateMessage, validateReply } from '../../src/protocol/validate.js';
import { PROTOCOL_VERSION } from '../../src/protocol/version.js';
import { allMessages, capabilities, figures, frames, hello, messages, vmInfo } from './samples.js';

function refusal(fn: () => unknown): NepheleError {
  try {
    fn();
  } catch (err) {
    if (err instanceof NepheleError) return err;
    throw err;
  }
  throw new Error('accepted');
}

t.test('the catalogue has a validator for every message type, and each sample passes', async (t) => {
  t.same([...MESSAGE_TYPES].sort(), Object.keys(messages).sort());
  for (const msg of allMessages) t.same(validateMessage(msg), msg, msg.type);
});

t.test('a validated message is a fresh copy without unknown fields', async (t) => {
  const sent = { ...messages['vm.deploy'], extra: 'x', spec: { ...messages['vm.deploy'].spec, gpu: true } };
  const got = validateMessage(sent);
  t.same(got, messages['vm.deploy']);
  t.not(got, sent);
  t.notOk('extra' in got);
  t.notOk('gpu' in (got as (typeof messages)['vm.deploy']).spec);
});

t.test('each message type refuses its own bad values, naming the field', async (t) => {
  const cases: Array<[unknown, string]> = [
    [{ ...messages['vm.deploy'], opId: '' }, 'msg.opId'],
    [{ ...messages['vm.deploy'], opId: 'o'.repeat(4097) }, 'msg.opId'],
    [{ ...messages['vm.deploy'], spec: { ...messages['vm.deploy'].spec, vcpu: 0 } }, 'msg.spec.vcpu'],
    [{ ...messages['vm.deploy'], spec: { ...messages['vm.deploy'].spec, vmId: 1.5 } }, 'msg.spec.vmId'],
    [{ ...messages['vm.deploy'], spec: { ...messages['vm.deploy'].spec, cpu: Number.NaN } }, 'msg.spec.cpu'],
    [{ ...messages['vm.shutdown'], hard: 'yes' }, 'msg.hard'],
    [{ ...messages['vm.reboot'], vmId: -3 }, 'msg.vmId'],
    [{ ...messages['vm.suspend'], vmId: 2 ** 53 }, 'msg.vmId'],
    [{ ...messages['vm.resume'], opId: 7 }, 'msg.opId'],
    [{ ...messages['vm.poll'], vmId: '42' }, 'msg.vmId'],
    [{ ...messages['host.monitoring'], figures: { ...figures, HYPERVISOR: 'xen' } }, 'msg.figures.HYPERVISOR'],
    [{ ...messages['host.monitoring'], figures: { ...figures, RUNNING_VMS: 0.5 } }, 'msg.figures.RUNNING_VMS'],
    [{ ...messages['vm.state'], state: 'exploded' }, 'msg.state'],
    [{ ...messages['vm.state'], info: null }, 'msg.info'],
    [{ ...messages['vm.state'], info: { ...vmInfo, deployId: 5 } }, 'msg.info.deployId'],
    [{ ...messages['vm.op_result'], error: { code: 'NOT_A_CODE', message: 'x' } }, 'msg.error.code'],
    [{ ...messages['vm.op_result'], ok: 1 }, 'msg.ok'],
  ];
  for (const [msg, field] of cases) {
    const err = refusal(() => validateMessage(msg));
    t.equal(err.code, 'BAD_FRAME', field);
    t.same(err.details, { field }, field);
  }
  t.equal(refusal(() => validateMessage([{ type: 'vm.list' }])).details?.field, 'msg', 'an array is no message');
  t.equal(refusal(() => validateMessage(new Map([['type', 'vm.list']]))).details?.field, 'msg', 'nor a Map');
  t.same(refusal(() => validateMessage({ type: 'vm.nope' })).details, { field: 'msg.type', type: 'vm.nope' });
});

t.test('optional fields may be absent or undefined, never null', async (t) => {
  t.same(validateMessage({ type: 'vm.state', vmId: 1, state: 'done' }), { type: 'vm.state', vmId: 1, state: 'done' });
  t.same(validateMessage({ type: 'vm.state', vmId: 1, state: 'done', reason: undefined, opId: undefined }), {
    type: 'vm.state',
    vmId: 1,
    state: 'done',
  });
  t.equal(refusal(() => validateMessage({ type: 'vm.state', vmId: 1, state: 'done', reason: null })).details?.field, 'msg.reason');
});

t.test('replies are checked against the request type', async (t) => {
  t.same(validateReply('host.monitor', figures), figures);
  t.same(validateReply('vm.list', [vmInfo, vmInfo]), [vmInfo, vmInfo]);
  t.same(validateReply('vm.poll', vmInfo), vmInfo);
  t.same(validateReply('node.ping', { incarnation: 'n-1' }), { incarnation: 'n-1' });
  t.same(refusal(() => validateReply('vm.list', [vmInfo, { ...vmInfo, state: 'zombie' }])).details, { field: 'res.value.1.state' });
  t.same(refusal(() => validateReply('host.monitor', undefined)).details, { field: 'res.value' });
  t.same(refusal(() => validateReply('node.ping', { incarnation: '' })).details, { field: 'res.value.incarnation' });
});

t.test('frames: every kind validates; envelopes are checked', async (t) => {
  for (const f of frames) t.same(validateFrame(f), f, f.t);
  const cases: Array<[unknown, string]> = [
    [{ t: 'cmd', seq: 0, msg: messages['vm.deploy'] }, 'cmd.seq'],
    [{ t: 'req', id: 1, msg: 'vm.list' }, 'req.msg'],
    [{ t: 'req', id: 1, msg: { type: 5 } }, 'req.msg.type'],
    [{ t: 'res', id: 1, ok: 'yes', value: 1 }, 'res.ok'],
    [{ t: 'res', id: 1, ok: false, error: { code: 'BAD_FRAME', message: 'x', details: { at: new Date() } } }, 'res.error.details'],
    [{ t: 'res', id: 1, ok: false, error: { code: 'BAD_FRAME', message: 'x', details: [1] } }, 'res.error.details'],
    [{ t: 'hello', incarnation: 'f', recvSeq: 0, heartbeatMs: 1 }, 'hello.heartbeatMs'],
    [{ t: 'hello', incarnation: '', recvSeq: 0, heartbeatMs: 1000 }, 'hello.incarnation'],
    [{ t: 'hello', incarnation: 'f', recvSeq: 0, heartbeatMs: 1000, monitorMs: 0 }, 'hello.monitorMs'],
    [{ t: 'hello', incarnation: 'f', recvSeq: 0, heartbeatMs: 1000, monitorMs: '10000' }, 'hello.monitorMs'],
    [{ t: 'hello', incarnation: 'f', recvSeq: 0, heartbeatMs: 1000, monitorMs: 86_400_001 }, 'hello.monitorMs'],
    [{ t: 'bye', code: 'PLEASE_LEAVE', message: 'x' }, 'bye.code'],
  ];
  for (const [frame, field] of cases) t.same(refusal(() => validateFrame(frame)).details, { field }, field);
  const deep = { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } };
  t.equal(
    refusal(() => validateFrame({ t: 'res', id: 1, ok: false, error: { code: 'BAD_FRAME', message: 'x', details: deep } })).code,
    'BAD_FRAME',
    'details nest at most 8 deep',
  );
});

t.test('a req frame carries any typed message: the link answers bad ones', async (t) => {
  t.same(validateFrame({ t: 'req', id: 9, msg: { type: 'vm.future', x: 1 } }), { t: 'req', id: 9, msg: { type: 'vm.future', x: 1 } });
});

t.test('validateHello: a node handshake', async (t) => {
  t.same(validateHello(hello), hello);
  const v2 = refusal(() => validateHello({ ...hello, protocol: PROTOCOL_VERSION + 1, token: 5 }));
  t.equal(v2.code, 'PROTOCOL_VERSION', 'the version is checked before the rest');
  t.same(v2.details, { expected: PROTOCOL_VERSION, got: PROTOCOL_VERSION + 1 });
  const cases: Array<[unknown, string]> = [
    [{ ...hello, protocol: '1' }, 'hello.protocol'],
    [{ ...hello, hostId: -1 }, 'hello.hostId'],
    [{ ...hello, token: '' }, 'hello.token'],
    [{ ...hello, incarnation: 3 }, 'hello.incarnation'],
    [{ ...hello, recvSeq: 1.5 }, 'hello.recvSeq'],
    [{ ...hello, capabilities: { ...capabilities, hypervisor: 'xen' } }, 'hello.capabilities.hypervisor'],
    [{ ...hello, capabilities: { ...capabilities, hypervisors: ['qemu', 'vbox'] } }, 'hello.capabilities.hypervisors.1'],
    [{ ...hello, capabilities: { ...capabilities, cpus: 0 } }, 'hello.capabilities.cpus'],
    [null, 'hello'],
  ];
  for (const [x, field] of cases) {
    const err = refusal(() => validateHello(x));
    t.equal(err.code, 'BAD_FRAME', field);
    t.same(err.details, { field }, field);
  }
});

t.test('a refused token never shows in the error', async (t) => {
  const token = `secret-${'x'.repeat(5000)}`;
  const err = refusal(() => validateHello({ ...hello, token }));
  t.same(err.details, { field: 'hello.token' });
  t.notMatch(err.message, 'secret');
  t.notMatch(JSON.stringify(err), 'secret');
});

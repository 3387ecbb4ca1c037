import t from 'tap';
import {
  RECOVER_OPS,
  USER_ACTIONS,
  USER_ACTION_NAMES,
  VM_ACTIONS,
  VM_ACTION_NAMES,
  actionKey,
  isAdminAction,
  isRecoverOp,
  isVmAction,
  userEvent,
  type UserAction,
  type VmActionRequest,
} from '../../src/vms/vm-actions.js';

// The one declaration of the VM actions, and what is derived from it.

t.test('the actions, their ops and who may ask', async (t) => {
  t.same(VM_ACTION_NAMES, [
    'deploy',
    'hold',
    'release',
    'terminate',
    'poweroff',
    'resume',
    'reboot',
    'stop',
    'suspend',
    'undeploy',
    'migrate',
    'resched',
    'unresched',
    'recover',
  ]);
  t.same(RECOVER_OPS, ['success', 'failure', 'retry', 'delete', 'recreate']);
  t.same(VM_ACTION_NAMES.filter(isAdminAction), ['deploy', 'migrate', 'recover'], "placing, moving and recovering are the administrators'");
  t.same(
    VM_ACTION_NAMES.filter((a) => VM_ACTIONS[a].host === true),
    ['deploy', 'migrate'],
    'the ones that go to a host',
  );
  t.ok(isVmAction('resched'));
  t.notOk(isVmAction('toString'), 'not an inherited name');
  t.notOk(isRecoverOp('constructor'));
});

t.test('every request becomes an event whose table key is declared, and every key is reached', async (t) => {
  const reached = new Set<UserAction>();
  for (const action of VM_ACTION_NAMES) {
    const hostId = VM_ACTIONS[action].host === true ? 3 : undefined;
    const variants: VmActionRequest[] = [{ action }];
    for (const flag of VM_ACTIONS[action].flags ?? []) if (flag !== 'enforce') variants.push({ action, [flag]: true });
    if (VM_ACTIONS[action].ops !== undefined) variants.splice(0, 1, ...RECOVER_OPS.map((op) => ({ action, op })));
    for (const request of variants) {
      const event = userEvent(request, hostId);
      t.equal(event.type, action);
      reached.add(actionKey(event));
    }
  }
  t.same([...reached].sort(), [...USER_ACTION_NAMES].sort());
  for (const key of USER_ACTION_NAMES)
    t.ok(isVmAction(USER_ACTIONS[key].label.split(' ')[0] ?? ''), `${key}'s label starts with its action`);
});

t.test("a request's event", async (t) => {
  t.same(userEvent({ action: 'migrate', live: true }, 5), { type: 'migrate', hostId: 5, live: true });
  t.same(userEvent({ action: 'deploy' }, 5), { type: 'deploy', hostId: 5 });
  t.same(userEvent({ action: 'poweroff' }, undefined), { type: 'poweroff', hard: false });
  t.same(userEvent({ action: 'recover' }, undefined), { type: 'recover', op: 'retry' }, 'recover defaults to a retry');
  t.same(userEvent({ action: 'hold', hard: true }, undefined), { type: 'hold' }, 'a flag the action does not take is dropped');
  t.throws(() => userEvent({ action: 'deploy' }, undefined), TypeError, 'a deploy without a host is a mistake of the caller');
});

import t from 'tap';
import { isNepheleError } from '../../src/errors.js';
import {
  LIFECYCLE,
  OPERATIONS,
  SCHEDULABLE_STATES,
  checkGuards,
  createdRecord,
  fencedEvent,
  hostBackEvent,
  isOpKind,
  outcomeOf,
  takesGuestReport,
  waitsForScheduler,
  type OpKind,
  type VmFacts,
} from '../../src/vms/vm-lifecycle.js';
import type { UserEvent } from '../../src/vms/vm-actions.js';
import { VM_STATE_NAMES, isTransient } from '../../src/vms/vm-states.js';

// The rest of the VM machine as data: guards, operations' outcomes, the scheduler's states, the way in.

const facts = (more: Partial<VmFacts> = {}): VmFacts => ({ vmId: 4, hostId: 1, hasFiles: true, ownFiles: () => false, ...more });

function refusal(event: UserEvent, f: VmFacts): string | undefined {
  try {
    checkGuards(event, f);
    return undefined;
  } catch (err) {
    if (!isNepheleError(err)) throw err;
    return err.code;
  }
}

t.test('a migration goes elsewhere; a live one needs shared files at both ends', async (t) => {
  t.equal(refusal({ type: 'migrate', hostId: 1 }, facts()), 'INVALID_ARGUMENT', 'not to the host it is on');
  t.equal(refusal({ type: 'migrate', hostId: 1, live: true }, facts()), 'INVALID_ARGUMENT');
  t.equal(refusal({ type: 'migrate', hostId: 2 }, facts({ ownFiles: () => true })), undefined, 'a cold one moves the files');
  t.equal(refusal({ type: 'migrate', hostId: 2, live: true }, facts()), undefined);
  t.equal(
    refusal({ type: 'migrate', hostId: 2, live: true }, facts({ ownFiles: (h) => h === 2 })),
    'ACTION_NOT_ALLOWED',
    'to a TM_MAD = ssh host',
  );
  t.equal(refusal({ type: 'migrate', hostId: 2, live: true }, facts({ ownFiles: (h) => h === 1 })), 'ACTION_NOT_ALLOWED', 'from one');
  t.equal(
    refusal({ type: 'migrate', hostId: 2, live: true }, facts({ hasFiles: false, ownFiles: () => true })),
    undefined,
    'no files, nothing to share',
  );
  t.equal(refusal({ type: 'deploy', hostId: 1 }, facts()), undefined, 'other actions have no guard');
});

t.test('monitoring moves only a RUNNING VM with nothing in flight', async (t) => {
  for (const state of VM_STATE_NAMES) {
    t.equal(takesGuestReport(state, false), state === 'RUNNING', state);
    t.equal(takesGuestReport(state, true), false, `${state}, in flight`);
  }
  t.same(hostBackEvent('UNKNOWN', false, true), { type: 'host_back_running' });
  t.same(hostBackEvent('UNKNOWN', true, false), { type: 'host_back_gone' }, 'UNKNOWN hears its host back whatever is in flight');
  t.match(hostBackEvent('RUNNING', false, false), { type: 'vm_gone' }, 'the node no longer runs it');
  t.equal(hostBackEvent('RUNNING', true, false), undefined, 'the step in flight accounts for it');
  t.equal(hostBackEvent('RUNNING', false, true), undefined);
  t.equal(hostBackEvent('POWEROFF', false, false), undefined);
});

t.test("a fenced host's VMs take the host-failure policy's event", async (t) => {
  t.equal(fencedEvent('UNKNOWN', 'none', true), undefined);
  t.same(fencedEvent('UNKNOWN', 'migrate', true), { type: 'host_fenced' }, 'shared disks boot elsewhere');
  t.same(fencedEvent('UNKNOWN', 'migrate', false), { type: 'recover', op: 'recreate' }, "a host's own disks are lost with it");
  t.same(fencedEvent('BOOT', 'migrate', true), { type: 'recover', op: 'recreate' });
  t.same(fencedEvent('UNKNOWN', 'recreate', true), { type: 'recover', op: 'recreate' });
  t.same(fencedEvent('RUNNING', 'delete', true), { type: 'recover', op: 'delete' });
});

t.test('each operation the table starts is awaited by the transient state it leads to', async (t) => {
  for (const state of VM_STATE_NAMES) {
    for (const [event, entry] of Object.entries(LIFECYCLE[state])) {
      for (const effect of entry.effects) {
        // A stable state takes no outcome: its operation (a destroy on the way to POWEROFF) just ends.
        if (!isOpKind(effect.kind) || !isTransient(entry.next)) continue;
        const { done, failed } = OPERATIONS[effect.kind];
        const row = LIFECYCLE[entry.next];
        if (done !== undefined) t.ok(Object.hasOwn(row, done), `${state} --${event}--> ${entry.next} awaits ${done}`);
        if (failed !== undefined) t.ok(Object.hasOwn(row, failed), `${state} --${event}--> ${entry.next} awaits ${failed}`);
      }
    }
  }
});

t.test("an operation's result is its outcome; a shutdown of a VM already gone did its job", async (t) => {
  t.same(outcomeOf('prolog', true), { ok: true, outcome: 'prolog_done' });
  t.same(outcomeOf('prolog', false, 'DRIVER_FAILED'), { ok: false, outcome: 'prolog_failed' });
  t.same(outcomeOf('shutdown', false, 'VM_NOT_FOUND'), { ok: true, outcome: 'shutdown_done' });
  t.same(outcomeOf('deploy', false, 'VM_NOT_FOUND'), { ok: false, outcome: 'boot_failed' });
  t.same(outcomeOf('reboot', true), { ok: true, outcome: undefined }, 'a reboot moves nothing');
  t.same(outcomeOf('cleanup', false), { ok: false, outcome: 'cleanup_done' }, 'a cleanup is over either way');
  const onSource = (Object.keys(OPERATIONS) as OpKind[]).filter((k) => OPERATIONS[k].runsOn === 'source');
  t.same(onSource, ['save'], 'only a save runs where a migrating VM leaves');
});

t.test('the scheduler holds a VM that asked, waits for nothing, and is in a state it deploys from', async (t) => {
  for (const state of VM_STATE_NAMES) {
    t.equal(waitsForScheduler({ state, scheduled: true, inFlight: false }), SCHEDULABLE_STATES.has(state), state);
    t.equal(waitsForScheduler({ state, scheduled: true, inFlight: true }), false);
    t.equal(waitsForScheduler({ state, scheduled: false, inFlight: false }), false);
  }
  t.same(createdRecord(), { state: 'PENDING', scheduled: true });
  t.same(createdRecord({ hold: true }), { state: 'HOLD', scheduled: false });
});

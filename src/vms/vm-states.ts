/**
 * The states of a VM, as OpenNebula users read them: OpenNebula's VM state
 * and LCM state flattened into one name (what `onevm show` prints as LCM_STATE
 * for an ACTIVE VM, the VM state otherwise), with the four-letter name of
 * `onevm list`'s STAT column. The transitions between them are in
 * vm-lifecycle.ts.
 */

/**
 * What a state means for the VM actor:
 * - `stable`: nothing is in flight; the VM waits for a user action (or, in
 *   UNKNOWN, for its host to come back);
 * - `transient`: an effect is in flight and its outcome moves the VM on;
 * - `failure`: a step failed and nothing is in flight; only `recover` leads out;
 * - `final`: DONE, kept for accounting; nothing leads out.
 */
export type StateKind = 'stable' | 'transient' | 'failure' | 'final';

/** The STAT column of `onevm list`, as OpenNebula prints it. */
export type ShortState =
  | 'pend'
  | 'hold'
  | 'prol'
  | 'boot'
  | 'runn'
  | 'migr'
  | 'save'
  | 'epil'
  | 'shut'
  | 'poff'
  | 'stop'
  | 'susp'
  | 'unde'
  | 'unkn'
  | 'fail'
  | 'clea'
  | 'done';

export interface VmStateInfo {
  readonly short: ShortState;
  readonly kind: StateKind;
  /** One line for people: the CLI's help and docs/vm-lifecycle.md. */
  readonly summary: string;
}

// The record's key order is the order docs and listings show the states in.
const STATES = {
  PENDING: { short: 'pend', kind: 'stable', summary: 'Waits for the scheduler to pick a host.' },
  HOLD: { short: 'hold', kind: 'stable', summary: 'Not scheduled until released; can be deployed by hand.' },
  PROLOG: { short: 'prol', kind: 'transient', summary: 'The disks are cloned from their images to the host, the context CD built.' },
  BOOT: { short: 'boot', kind: 'transient', summary: 'The hypervisor starts the VM from its disks.' },
  RUNNING: { short: 'runn', kind: 'stable', summary: 'The VM runs on its host.' },
  MIGRATE: { short: 'migr', kind: 'transient', summary: 'Live migration to another host.' },
  SAVE_STOP: { short: 'save', kind: 'transient', summary: 'The memory is saved to a checkpoint before a stop.' },
  SAVE_SUSPEND: { short: 'save', kind: 'transient', summary: 'The memory is saved to a checkpoint on the host.' },
  SAVE_MIGRATE: { short: 'save', kind: 'transient', summary: 'The memory is saved before a cold migration.' },
  PROLOG_MIGRATE: { short: 'migr', kind: 'transient', summary: 'Disks and checkpoint are copied to the new host.' },
  PROLOG_RESUME: { short: 'prol', kind: 'transient', summary: "A stopped VM's files go back to a host." },
  PROLOG_UNDEPLOY: { short: 'prol', kind: 'transient', summary: 'The disks of an undeployed VM go back to a host.' },
  BOOT_POWEROFF: { short: 'boot', kind: 'transient', summary: 'The hypervisor starts a powered-off VM again.' },
  BOOT_SUSPENDED: { short: 'boot', kind: 'transient', summary: 'The hypervisor restores a suspended VM.' },
  BOOT_STOPPED: { short: 'boot', kind: 'transient', summary: 'The hypervisor restores a stopped VM.' },
  BOOT_UNDEPLOY: { short: 'boot', kind: 'transient', summary: 'The hypervisor starts an undeployed VM from its disks.' },
  BOOT_MIGRATE: { short: 'boot', kind: 'transient', summary: 'The hypervisor restores a cold-migrated VM.' },
  BOOT_UNKNOWN: { short: 'boot', kind: 'transient', summary: 'The hypervisor starts again a VM whose host was lost.' },
  EPILOG_STOP: { short: 'epil', kind: 'transient', summary: 'Disks and checkpoint move to the system datastore.' },
  EPILOG: { short: 'epil', kind: 'transient', summary: 'Persistent disks are saved back, the rest deleted.' },
  SHUTDOWN: { short: 'shut', kind: 'transient', summary: 'The guest is shut down before the VM ends.' },
  SHUTDOWN_POWEROFF: { short: 'shut', kind: 'transient', summary: 'The guest is shut down; the VM stays on its host.' },
  SHUTDOWN_UNDEPLOY: { short: 'shut', kind: 'transient', summary: 'The guest is shut down before an undeploy.' },
  EPILOG_UNDEPLOY: { short: 'epil', kind: 'transient', summary: 'The disks move to the system datastore.' },
  POWEROFF: { short: 'poff', kind: 'stable', summary: 'Powered off; files and capacity stay on its host.' },
  STOPPED: { short: 'stop', kind: 'stable', summary: 'Saved to the system datastore; no host.' },
  SUSPENDED: { short: 'susp', kind: 'stable', summary: 'Saved with its checkpoint on its host.' },
  UNDEPLOYED: { short: 'unde', kind: 'stable', summary: 'Shut down, disks in the system datastore; no host.' },
  UNKNOWN: { short: 'unkn', kind: 'stable', summary: 'Its host was lost while it ran.' },
  PROLOG_FAILURE: { short: 'fail', kind: 'failure', summary: 'The prolog failed.' },
  PROLOG_MIGRATE_FAILURE: { short: 'fail', kind: 'failure', summary: 'Copying to the new host failed.' },
  PROLOG_RESUME_FAILURE: { short: 'fail', kind: 'failure', summary: 'Bringing a stopped VM back failed.' },
  PROLOG_UNDEPLOY_FAILURE: { short: 'fail', kind: 'failure', summary: 'Bringing an undeployed VM back failed.' },
  BOOT_FAILURE: { short: 'fail', kind: 'failure', summary: 'The hypervisor could not start the VM.' },
  BOOT_MIGRATE_FAILURE: { short: 'fail', kind: 'failure', summary: 'Restoring a cold-migrated VM failed.' },
  BOOT_STOPPED_FAILURE: { short: 'fail', kind: 'failure', summary: 'Restoring a stopped VM failed.' },
  BOOT_UNDEPLOY_FAILURE: { short: 'fail', kind: 'failure', summary: 'Starting an undeployed VM failed.' },
  EPILOG_FAILURE: { short: 'fail', kind: 'failure', summary: 'The epilog of an ending VM failed.' },
  EPILOG_STOP_FAILURE: { short: 'fail', kind: 'failure', summary: 'Moving a stopped VM away failed.' },
  EPILOG_UNDEPLOY_FAILURE: { short: 'fail', kind: 'failure', summary: 'Moving an undeployed VM away failed.' },
  CLEANUP_RESUBMIT: { short: 'clea', kind: 'transient', summary: 'Cleanup after `recover --recreate`, then PENDING.' },
  DONE: { short: 'done', kind: 'final', summary: 'Ended; kept for accounting.' },
} as const satisfies Record<string, VmStateInfo>;

export type VmState = keyof typeof STATES;

/** Every state, with its short name, kind and summary. */
export const VM_STATES: Readonly<Record<VmState, VmStateInfo>> = Object.freeze(STATES);
for (const info of Object.values(STATES)) Object.freeze(info);

/** The state names in display order. */
export const VM_STATE_NAMES: readonly VmState[] = Object.freeze(Object.keys(STATES) as VmState[]);

export function isVmState(name: string): name is VmState {
  return Object.hasOwn(STATES, name);
}

/** The STAT column of `onevm list` for `state`. */
export function shortState(state: VmState): ShortState {
  return VM_STATES[state].short;
}

/** True while an effect is in flight: the VM waits for its outcome (or for `recover`). */
export function isTransient(state: VmState): boolean {
  return VM_STATES[state].kind === 'transient';
}

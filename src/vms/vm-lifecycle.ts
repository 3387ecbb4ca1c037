/**
 * The VM life cycle as one transition table: `(state, event) → (next state,
 * effects)`. It is the single source of truth: the VM actor applies it, the
 * CLI checks actions against it (`allowedActions`), docs/vm-lifecycle.md is
 * rendered from it (scripts/render-lifecycle.ts) and the tests walk every edge.
 *
 * Events are user actions (refused with ACTION_NOT_ALLOWED where the table
 * has no entry) and outcomes reported by drivers and monitoring (ignored where
 * the table has no entry: a late or repeated report must never break a VM).
 * Effects are data; the actor stores the transition, then runs its effects in
 * order, each command with an operation id.
 */
import { NepheleError } from '../errors.js';
import { USER_ACTIONS, USER_ACTION_NAMES, actionKey, isUserAction, type UserAction, type UserEvent } from './vm-actions.js';
import type { VmState } from './vm-states.js';
import type { HostFailurePolicy } from '../hosts/host-failure.js';

// ---- events

export interface OutcomeInfo {
  /** A driver reporting on an effect, or monitoring reporting on a host or guest. */
  readonly source: 'driver' | 'monitor';
  readonly summary: string;
}

const OUTCOME_INFO = {
  prolog_done: { source: 'driver', summary: "The transfer driver brought the VM's files to its host." },
  prolog_failed: { source: 'driver', summary: 'The transfer driver could not.' },
  boot_done: { source: 'driver', summary: 'The hypervisor started or restored the VM.' },
  boot_failed: { source: 'driver', summary: 'The hypervisor could not.' },
  shutdown_done: { source: 'driver', summary: 'The guest is off and the hypervisor let it go.' },
  shutdown_failed: { source: 'driver', summary: "The guest ignored it past the driver's timeout, or the driver failed." },
  save_done: { source: 'driver', summary: 'The memory is in a checkpoint and the guest is gone.' },
  save_failed: { source: 'driver', summary: 'The save failed; the VM still runs.' },
  epilog_done: { source: 'driver', summary: "The transfer driver moved or deleted the VM's files." },
  epilog_failed: { source: 'driver', summary: 'The transfer driver could not.' },
  migrate_done: { source: 'driver', summary: 'The VM runs on the new host.' },
  migrate_failed: { source: 'driver', summary: 'The live migration failed; the VM runs on the old host.' },
  cleanup_done: { source: 'driver', summary: 'The cleanup ended; best effort, its failures are logged.' },
  host_lost: { source: 'monitor', summary: "The VM's host stopped answering." },
  host_back_running: { source: 'monitor', summary: 'The lost host is back and runs the VM.' },
  host_back_gone: { source: 'monitor', summary: 'The lost host is back without the VM.' },
  vm_gone: { source: 'monitor', summary: 'The guest shut itself down, or its host no longer has it.' },
  host_fenced: {
    source: 'monitor',
    summary: "The lost host was fenced and the host-failure policy is migrate: the VM's disks (shared) boot on another host.",
  },
  vm_failed: { source: 'monitor', summary: "The VM's hypervisor process died (a QEMU crash, a kill)." },
} as const satisfies Record<string, OutcomeInfo>;

/** What a driver (the outcome of an effect) or monitoring reports. */
export type Outcome = keyof typeof OUTCOME_INFO;

export const OUTCOMES: Readonly<Record<Outcome, OutcomeInfo>> = OUTCOME_INFO;
export const OUTCOME_NAMES: readonly Outcome[] = Object.freeze(Object.keys(OUTCOME_INFO) as Outcome[]);

export interface OutcomeEvent {
  readonly type: Outcome;
  /** The driver's error, for the log; the table does not read it. */
  readonly reason?: string;
}

export type VmEvent = UserEvent | OutcomeEvent;

/** The table's key for an event. */
export type EventKey = UserAction | Outcome;

// ---- effects

/** Where a prolog takes the VM's files from. */
export type PrologSource = 'images' | 'system_ds' | 'previous_host';

/** Which stay on a host a history record covers; during a migration the source is `previous`. */
export type HistoryStay = 'current' | 'previous' | 'all';

/** Why a stay ended. */
export type HistoryReason = 'terminate' | 'stop' | 'undeploy' | 'migrate' | 'migrate_failed' | 'delete' | 'recreate';

export type Effect =
  | { readonly kind: 'schedule' }
  | { readonly kind: 'unschedule' }
  | { readonly kind: 'open_history'; readonly hostId: number }
  | { readonly kind: 'close_history'; readonly which: HistoryStay; readonly reason: HistoryReason }
  | { readonly kind: 'prolog'; readonly from: PrologSource }
  | { readonly kind: 'deploy' }
  | { readonly kind: 'restore' }
  | { readonly kind: 'save' }
  | { readonly kind: 'shutdown'; readonly hard: boolean }
  | { readonly kind: 'reboot'; readonly hard: boolean }
  | { readonly kind: 'migrate_live'; readonly to: number }
  | { readonly kind: 'epilog'; readonly keepDisks: boolean }
  | { readonly kind: 'cleanup' }
  | { readonly kind: 'release_leases' };

export type EffectKind = Effect['kind'];

export const EFFECTS: Readonly<Record<EffectKind, string>> = Object.freeze({
  schedule: 'Ask the placement actor for a host; it answers with `deploy`, or `migrate` after a resched.',
  unschedule: 'Withdraw that request; idempotent.',
  open_history: "Start a stay on `hostId`: a history record, and the host's capacity is taken.",
  close_history: "End the `current` stay, the `previous` one (a migration's source) or `all`; capacity given back.",
  prolog: "Transfer: bring the VM's files to its host from `images`, the `system_ds` or the `previous_host`.",
  deploy: 'Hypervisor: start the VM from its disks (`vm.deploy`).',
  restore: 'Hypervisor: start the VM from its checkpoint.',
  save: "Hypervisor: save the VM's memory to a checkpoint; the guest is gone.",
  shutdown: 'Hypervisor: shut the guest down, or destroy it when `hard` (`vm.shutdown`).',
  reboot: 'Hypervisor: reboot the guest, or reset it when `hard` (`vm.reboot`); its result moves nothing.',
  migrate_live: 'Hypervisor: move the running VM to host `to`.',
  epilog: 'Transfer: with `keepDisks` move the files to the system datastore, else save persistent disks, delete the rest.',
  cleanup: 'Best effort, wherever the VM is: abandon the step in flight, destroy the guest, delete its files.',
  release_leases: "Give the VM's MAC and IP leases back to their networks.",
});

/**
 * In the table, a value the event supplies when the transition is taken:
 * `$hard` its `hard` flag, `$hostId` its host.
 */
export type EventParam = '$hard' | '$hostId';

type Templated<E> = {
  readonly [K in keyof E]: K extends 'hard' ? E[K] | '$hard' : K extends 'hostId' | 'to' ? E[K] | '$hostId' : E[K];
};
type EachTemplated<E> = E extends unknown ? Templated<E> : never;

/** An effect as the table holds it: an `Effect` whose parameters may be `EventParam`s. */
export type EffectTemplate = EachTemplated<Effect>;

export interface TableEntry {
  readonly next: VmState;
  readonly effects: readonly EffectTemplate[];
}

export type LifecycleTable = Readonly<Record<VmState, Readonly<Partial<Record<EventKey, TableEntry>>>>>;

/** A transition taken: the state to store and the effects to run, in order. */
export interface Transition {
  readonly next: VmState;
  readonly effects: readonly Effect[];
}

// ---- the table

function go(next: VmState, ...effects: EffectTemplate[]): TableEntry {
  return Object.freeze({ next, effects: Object.freeze(effects.map((e) => Object.freeze(e))) });
}

const SCHEDULE = { kind: 'schedule' } as const;
const UNSCHEDULE = { kind: 'unschedule' } as const;
const OPEN_HISTORY = { kind: 'open_history', hostId: '$hostId' } as const;
const close = (which: HistoryStay, reason: HistoryReason) => ({ kind: 'close_history', which, reason }) as const;
const prolog = (from: PrologSource) => ({ kind: 'prolog', from }) as const;
const DEPLOY = { kind: 'deploy' } as const;
const RESTORE = { kind: 'restore' } as const;
const SAVE = { kind: 'save' } as const;
const SHUTDOWN = { kind: 'shutdown', hard: '$hard' } as const;
const DESTROY = { kind: 'shutdown', hard: true } as const;
// `terminate --hard` is an action of its own (terminate_hard), so a plain terminate always asks the guest.
const SHUTDOWN_SOFT = { kind: 'shutdown', hard: false } as const;
const REBOOT = { kind: 'reboot', hard: '$hard' } as const;
const MIGRATE_LIVE = { kind: 'migrate_live', to: '$hostId' } as const;
const EPILOG_DELETE = { kind: 'epilog', keepDisks: false } as const;
const EPILOG_KEEP = { kind: 'epilog', keepDisks: true } as const;
const CLEANUP = { kind: 'cleanup' } as const;
const RELEASE_LEASES = { kind: 'release_leases' } as const;

/** The way out of every state but DONE, as OpenNebula's `recover --delete` and `--recreate`. */
const ESCAPES = {
  recover_delete: go('DONE', UNSCHEDULE, CLEANUP, close('all', 'delete'), RELEASE_LEASES),
  recover_recreate: go('CLEANUP_RESUBMIT', UNSCHEDULE, CLEANUP),
};

/**
 * The owner's way out of a step in flight or a failure: the step is
 * abandoned (its late outcome is ignored), the guest destroyed and its
 * files removed wherever it is, and capacity, leases and images given back.
 */
const ABANDON = go('DONE', UNSCHEDULE, CLEANUP, close('all', 'terminate'), RELEASE_LEASES);

/** The rows every transient state shares: `terminate --hard` and the escapes. */
const TRANSIENT_ENDS = { terminate_hard: ABANDON, ...ESCAPES };

/** The rows every failure state shares: nothing runs there, so `terminate` with or without `--hard` cleans up. */
const FAILURE_ENDS = { terminate: ABANDON, terminate_hard: ABANDON, ...ESCAPES };

type Step = 'prolog' | 'boot' | 'shutdown' | 'save' | 'epilog' | 'migrate';

/**
 * The rows of a transient state waiting for `step`: its outcomes, and
 * `recover --success` / `--failure` taking the same way as they would.
 */
function awaiting<S extends Step>(step: S, done: TableEntry, failed: TableEntry) {
  return { [`${step}_done`]: done, [`${step}_failed`]: failed, recover_success: done, recover_failure: failed } as Record<
    `${S}_done` | `${S}_failed` | 'recover_success' | 'recover_failure',
    TableEntry
  >;
}

/**
 * The table. A failure state's `recover --retry` runs its step again and its
 * `--success` goes on as that step's success would.
 */
export const LIFECYCLE: LifecycleTable = Object.freeze({
  PENDING: {
    deploy: go('PROLOG', UNSCHEDULE, OPEN_HISTORY, prolog('images')),
    hold: go('HOLD', UNSCHEDULE),
    terminate: go('DONE', UNSCHEDULE, RELEASE_LEASES),
    terminate_hard: go('DONE', UNSCHEDULE, RELEASE_LEASES),
    ...ESCAPES,
  },
  HOLD: {
    release: go('PENDING', SCHEDULE),
    deploy: go('PROLOG', OPEN_HISTORY, prolog('images')),
    terminate: go('DONE', RELEASE_LEASES),
    terminate_hard: go('DONE', RELEASE_LEASES),
    ...ESCAPES,
  },
  PROLOG: { ...awaiting('prolog', go('BOOT', DEPLOY), go('PROLOG_FAILURE')), ...TRANSIENT_ENDS },
  BOOT: { ...awaiting('boot', go('RUNNING'), go('BOOT_FAILURE')), ...TRANSIENT_ENDS },
  RUNNING: {
    terminate: go('SHUTDOWN', SHUTDOWN_SOFT),
    terminate_hard: go('SHUTDOWN', DESTROY),
    poweroff: go('SHUTDOWN_POWEROFF', SHUTDOWN),
    undeploy: go('SHUTDOWN_UNDEPLOY', SHUTDOWN),
    reboot: go('RUNNING', REBOOT),
    stop: go('SAVE_STOP', SAVE),
    suspend: go('SAVE_SUSPEND', SAVE),
    // A migration answers a resched: it moves the VM once per request, never back and forth.
    migrate: go('SAVE_MIGRATE', UNSCHEDULE, OPEN_HISTORY, SAVE),
    migrate_live: go('MIGRATE', UNSCHEDULE, OPEN_HISTORY, MIGRATE_LIVE),
    resched: go('RUNNING', SCHEDULE),
    unresched: go('RUNNING', UNSCHEDULE),
    host_lost: go('UNKNOWN'),
    // The hypervisor may still hold the dead or powered-off guest: let it go.
    vm_gone: go('POWEROFF', DESTROY),
    // As OpenNebula does with a guest its hypervisor reports in error: UNKNOWN, for the operator to resume or recover.
    vm_failed: go('UNKNOWN', DESTROY),
    ...ESCAPES,
  },
  MIGRATE: {
    ...awaiting('migrate', go('RUNNING', close('previous', 'migrate')), go('RUNNING', close('current', 'migrate_failed'))),
    ...TRANSIENT_ENDS,
  },
  SAVE_STOP: { ...awaiting('save', go('EPILOG_STOP', EPILOG_KEEP), go('RUNNING')), ...TRANSIENT_ENDS },
  SAVE_SUSPEND: { ...awaiting('save', go('SUSPENDED'), go('RUNNING')), ...TRANSIENT_ENDS },
  SAVE_MIGRATE: {
    ...awaiting('save', go('PROLOG_MIGRATE', prolog('previous_host')), go('RUNNING', close('current', 'migrate_failed'))),
    ...TRANSIENT_ENDS,
  },
  PROLOG_MIGRATE: {
    ...awaiting('prolog', go('BOOT_MIGRATE', close('previous', 'migrate'), RESTORE), go('PROLOG_MIGRATE_FAILURE')),
    ...TRANSIENT_ENDS,
  },
  PROLOG_RESUME: { ...awaiting('prolog', go('BOOT_STOPPED', RESTORE), go('PROLOG_RESUME_FAILURE')), ...TRANSIENT_ENDS },
  PROLOG_UNDEPLOY: { ...awaiting('prolog', go('BOOT_UNDEPLOY', DEPLOY), go('PROLOG_UNDEPLOY_FAILURE')), ...TRANSIENT_ENDS },
  // A boot from a stable state that fails goes back to it, as in OpenNebula.
  BOOT_POWEROFF: { ...awaiting('boot', go('RUNNING'), go('POWEROFF')), ...TRANSIENT_ENDS },
  BOOT_SUSPENDED: { ...awaiting('boot', go('RUNNING'), go('SUSPENDED')), ...TRANSIENT_ENDS },
  BOOT_STOPPED: { ...awaiting('boot', go('RUNNING'), go('BOOT_STOPPED_FAILURE')), ...TRANSIENT_ENDS },
  BOOT_UNDEPLOY: { ...awaiting('boot', go('RUNNING'), go('BOOT_UNDEPLOY_FAILURE')), ...TRANSIENT_ENDS },
  BOOT_MIGRATE: { ...awaiting('boot', go('RUNNING'), go('BOOT_MIGRATE_FAILURE')), ...TRANSIENT_ENDS },
  BOOT_UNKNOWN: { ...awaiting('boot', go('RUNNING'), go('UNKNOWN')), ...TRANSIENT_ENDS },
  EPILOG_STOP: { ...awaiting('epilog', go('STOPPED', close('current', 'stop')), go('EPILOG_STOP_FAILURE')), ...TRANSIENT_ENDS },
  EPILOG: {
    ...awaiting('epilog', go('DONE', close('all', 'terminate'), RELEASE_LEASES), go('EPILOG_FAILURE')),
    ...TRANSIENT_ENDS,
  },
  SHUTDOWN: { ...awaiting('shutdown', go('EPILOG', EPILOG_DELETE), go('RUNNING')), ...TRANSIENT_ENDS },
  SHUTDOWN_POWEROFF: { ...awaiting('shutdown', go('POWEROFF'), go('RUNNING')), ...TRANSIENT_ENDS },
  SHUTDOWN_UNDEPLOY: { ...awaiting('shutdown', go('EPILOG_UNDEPLOY', EPILOG_KEEP), go('RUNNING')), ...TRANSIENT_ENDS },
  EPILOG_UNDEPLOY: {
    ...awaiting('epilog', go('UNDEPLOYED', close('current', 'undeploy')), go('EPILOG_UNDEPLOY_FAILURE')),
    ...TRANSIENT_ENDS,
  },
  POWEROFF: {
    resume: go('BOOT_POWEROFF', DEPLOY),
    terminate: go('EPILOG', EPILOG_DELETE),
    terminate_hard: go('EPILOG', EPILOG_DELETE),
    undeploy: go('EPILOG_UNDEPLOY', EPILOG_KEEP),
    ...ESCAPES,
  },
  // Like PENDING in OpenNebula, a resumed STOPPED or UNDEPLOYED VM waits for
  // the scheduler's `deploy`; here it keeps its own state while it waits.
  STOPPED: {
    resume: go('STOPPED', SCHEDULE),
    deploy: go('PROLOG_RESUME', UNSCHEDULE, OPEN_HISTORY, prolog('system_ds')),
    terminate: go('EPILOG', UNSCHEDULE, EPILOG_DELETE),
    terminate_hard: go('EPILOG', UNSCHEDULE, EPILOG_DELETE),
    ...ESCAPES,
  },
  SUSPENDED: {
    resume: go('BOOT_SUSPENDED', RESTORE),
    terminate: go('EPILOG', EPILOG_DELETE),
    terminate_hard: go('EPILOG', EPILOG_DELETE),
    ...ESCAPES,
  },
  UNDEPLOYED: {
    resume: go('UNDEPLOYED', SCHEDULE),
    deploy: go('PROLOG_UNDEPLOY', UNSCHEDULE, OPEN_HISTORY, prolog('system_ds')),
    terminate: go('EPILOG', UNSCHEDULE, EPILOG_DELETE),
    terminate_hard: go('EPILOG', UNSCHEDULE, EPILOG_DELETE),
    ...ESCAPES,
  },
  UNKNOWN: {
    // The host is down for sure (fenced): its files, in the shared datastores, wait for another host.
    host_fenced: go('UNDEPLOYED', close('current', 'migrate'), SCHEDULE),
    host_back_running: go('RUNNING'),
    host_back_gone: go('POWEROFF'),
    vm_gone: go('POWEROFF', DESTROY),
    resume: go('BOOT_UNKNOWN', DEPLOY),
    terminate: go('SHUTDOWN', SHUTDOWN_SOFT),
    terminate_hard: go('SHUTDOWN', DESTROY),
    poweroff: go('SHUTDOWN_POWEROFF', SHUTDOWN),
    undeploy: go('SHUTDOWN_UNDEPLOY', SHUTDOWN),
    // The operator checked the host by hand: as if it had come back.
    recover_success: go('RUNNING'),
    recover_failure: go('POWEROFF'),
    ...ESCAPES,
  },
  PROLOG_FAILURE: { recover_retry: go('PROLOG', prolog('images')), recover_success: go('BOOT', DEPLOY), ...FAILURE_ENDS },
  PROLOG_MIGRATE_FAILURE: {
    recover_retry: go('PROLOG_MIGRATE', prolog('previous_host')),
    recover_success: go('BOOT_MIGRATE', close('previous', 'migrate'), RESTORE),
    ...FAILURE_ENDS,
  },
  PROLOG_RESUME_FAILURE: {
    recover_retry: go('PROLOG_RESUME', prolog('system_ds')),
    recover_success: go('BOOT_STOPPED', RESTORE),
    ...FAILURE_ENDS,
  },
  PROLOG_UNDEPLOY_FAILURE: {
    recover_retry: go('PROLOG_UNDEPLOY', prolog('system_ds')),
    recover_success: go('BOOT_UNDEPLOY', DEPLOY),
    ...FAILURE_ENDS,
  },
  BOOT_FAILURE: { recover_retry: go('BOOT', DEPLOY), recover_success: go('RUNNING'), ...FAILURE_ENDS },
  BOOT_MIGRATE_FAILURE: { recover_retry: go('BOOT_MIGRATE', RESTORE), recover_success: go('RUNNING'), ...FAILURE_ENDS },
  BOOT_STOPPED_FAILURE: { recover_retry: go('BOOT_STOPPED', RESTORE), recover_success: go('RUNNING'), ...FAILURE_ENDS },
  BOOT_UNDEPLOY_FAILURE: { recover_retry: go('BOOT_UNDEPLOY', DEPLOY), recover_success: go('RUNNING'), ...FAILURE_ENDS },
  EPILOG_FAILURE: {
    recover_retry: go('EPILOG', EPILOG_DELETE),
    recover_success: go('DONE', close('all', 'terminate'), RELEASE_LEASES),
    ...FAILURE_ENDS,
  },
  EPILOG_STOP_FAILURE: {
    recover_retry: go('EPILOG_STOP', EPILOG_KEEP),
    recover_success: go('STOPPED', close('current', 'stop')),
    ...FAILURE_ENDS,
  },
  EPILOG_UNDEPLOY_FAILURE: {
    recover_retry: go('EPILOG_UNDEPLOY', EPILOG_KEEP),
    recover_success: go('UNDEPLOYED', close('current', 'undeploy')),
    ...FAILURE_ENDS,
  },
  CLEANUP_RESUBMIT: {
    cleanup_done: go('PENDING', close('all', 'recreate'), SCHEDULE),
    recover_success: go('PENDING', close('all', 'recreate'), SCHEDULE),
    // ESCAPES' recover_recreate sends the cleanup again.
    ...TRANSIENT_ENDS,
  },
  DONE: {},
} satisfies Record<VmState, Partial<Record<EventKey, TableEntry>>>);

for (const row of Object.values(LIFECYCLE)) Object.freeze(row);

/** How a VM enters the table: `onevm create`, or `onevm create --hold`. */
export const INITIAL: Readonly<Record<'create' | 'create_hold', TableEntry>> = Object.freeze({
  create: go('PENDING', SCHEDULE),
  create_hold: go('HOLD'),
});

/** What a new VM's record starts with: its state, and whether it waits for the scheduler (a `schedule` effect). */
export function createdRecord(options: { readonly hold?: boolean } = {}): { readonly state: VmState; readonly scheduled: boolean } {
  const t = created(options);
  return { state: t.next, scheduled: t.effects.some((e) => e.kind === 'schedule') };
}

// ---- operations: the effects that run on a node

/** The kinds of effect that run on a node (or, with nothing to move yet, at once): at most one per transition. */
export type OpKind = Extract<
  EffectKind,
  'prolog' | 'deploy' | 'restore' | 'save' | 'shutdown' | 'reboot' | 'migrate_live' | 'epilog' | 'cleanup'
>;

export type Operation = Extract<Effect, { readonly kind: OpKind }>;

export interface OperationInfo {
  /** The outcome its success reports; none: it moves nothing (a reboot), it just ends. */
  readonly done: Outcome | undefined;
  /** The outcome its failure reports. */
  readonly failed: Outcome | undefined;
  /** An error code that means it did what it was for. @default none */
  readonly doneOnError?: string;
  /** During a migration, the host it runs on: the one the VM leaves (`source`) or the one it goes to. */
  readonly runsOn: 'source' | 'destination';
  /** It neither starts nor moves the guest: one the node lost meanwhile stays lost after it. */
  readonly keepsGuest: boolean;
}

export const OPERATIONS: Readonly<Record<OpKind, OperationInfo>> = Object.freeze({
  prolog: { done: 'prolog_done', failed: 'prolog_failed', runsOn: 'destination', keepsGuest: false },
  deploy: { done: 'boot_done', failed: 'boot_failed', runsOn: 'destination', keepsGuest: false },
  restore: { done: 'boot_done', failed: 'boot_failed', runsOn: 'destination', keepsGuest: false },
  // A save runs where the VM is: the source of a cold migration.
  save: { done: 'save_done', failed: 'save_failed', runsOn: 'source', keepsGuest: true },
  // A shutdown of a VM the node no longer has did what it was for.
  shutdown: { done: 'shutdown_done', failed: 'shutdown_failed', doneOnError: 'VM_NOT_FOUND', runsOn: 'destination', keepsGuest: true },
  reboot: { done: undefined, failed: undefined, runsOn: 'destination', keepsGuest: true },
  migrate_live: { done: 'migrate_done', failed: 'migrate_failed', runsOn: 'destination', keepsGuest: false },
  epilog: { done: 'epilog_done', failed: 'epilog_failed', runsOn: 'destination', keepsGuest: false },
  // Cleanup is best effort: whatever the node says, it is over.
  cleanup: { done: 'cleanup_done', failed: 'cleanup_done', runsOn: 'destination', keepsGuest: false },
});

export function isOpKind(kind: string): kind is OpKind {
  return Object.hasOwn(OPERATIONS, kind);
}

export function isOperation(effect: Effect): effect is Operation {
  return isOpKind(effect.kind);
}

/** The outcome an operation's result reports: a failure with its `doneOnError` code counts as done. */
export function outcomeOf(kind: OpKind, ok: boolean, errorCode?: string): { readonly ok: boolean; readonly outcome: Outcome | undefined } {
  const info = OPERATIONS[kind];
  const done = ok || (info.doneOnError !== undefined && errorCode === info.doneOnError);
  return { ok: done, outcome: done ? info.done : info.failed };
}

// ---- the scheduler

/** States from which the scheduler deploys a VM that waits (RUNNING ones wait for a resched). */
export const SCHEDULABLE_STATES: ReadonlySet<VmState> = new Set<VmState>(['PENDING', 'STOPPED', 'UNDEPLOYED', 'RUNNING']);

/** Whether the scheduler should hold the VM as waiting: asked to (`schedule`), nothing in flight, in a state it deploys from. */
export function waitsForScheduler(r: { readonly state: VmState; readonly scheduled: boolean; readonly inFlight: boolean }): boolean {
  return r.scheduled && !r.inFlight && SCHEDULABLE_STATES.has(r.state);
}

// ---- guards: what the table allows but the VM's facts do not, and which reports apply

/** What the guards read of a VM besides its state. */
export interface VmFacts {
  readonly vmId: number;
  /** The host the VM is on. */
  readonly hostId: number | undefined;
  /** Whether the VM has files in the datastores. */
  readonly hasFiles: boolean;
  /** Whether a host keeps the VM's files on its own (TM_MAD = ssh) rather than sharing the datastores. */
  readonly ownFiles: (hostId: number) => boolean;
}

export interface Guard {
  /** What it refuses, for people (docs/vm-lifecycle.md). */
  readonly refuses: string;
  /** The refusal of a user event the table allows, or undefined. */
  readonly check: (event: UserEvent, facts: VmFacts) => NepheleError | undefined;
}

const elsewhere: Guard = {
  refuses: 'a migration to the host the VM is on (`INVALID_ARGUMENT`)',
  check: (event, facts) => {
    if (event.type !== 'migrate' || event.hostId !== facts.hostId) return undefined;
    return new NepheleError('INVALID_ARGUMENT', `VM ${facts.vmId} already runs on host ${event.hostId}`, { details: { field: 'host' } });
  },
};

// A live migration copies memory, not disks: both ends must see the same files.
const sharedFiles: Guard = {
  refuses: 'a VM with files on a TM_MAD = ssh host, at either end (`ACTION_NOT_ALLOWED`): a live migration needs shared datastores',
  check: (event, facts) => {
    if (event.type !== 'migrate' || !facts.hasFiles) return undefined;
    const ends = [facts.hostId, event.hostId].filter((h): h is number => h !== undefined);
    if (!ends.some((h) => facts.ownFiles(h))) return undefined;
    return new NepheleError(
      'ACTION_NOT_ALLOWED',
      `VM ${facts.vmId} has files on a TM_MAD=ssh host: a live migration needs shared datastores; use a cold migration (onevm migrate without --live)`,
      {
        details: { vmId: facts.vmId, action: 'migrate_live' },
      },
    );
  },
};

/** The guards of each user action, checked in order before the table. */
export const GUARDS: Readonly<Partial<Record<UserAction, readonly Guard[]>>> = Object.freeze({
  migrate: [elsewhere],
  migrate_live: [elsewhere, sharedFiles],
});

/** Throws the first refusal of `event`'s guards, if any. */
export function checkGuards(event: UserEvent, facts: VmFacts): void {
  for (const guard of GUARDS[actionKey(event)] ?? []) {
    const refusal = guard.check(event, facts);
    if (refusal !== undefined) throw refusal;
  }
}

/**
 * Monitoring's word that the guest stopped by itself (`vm_gone`, or
 * `vm_failed` when its process died), or is no longer on its returning host,
 * moves only a RUNNING VM with nothing in flight: otherwise the step in
 * flight accounts for it.
 */
export function takesGuestReport(state: VmState, inFlight: boolean): boolean {
  return state === 'RUNNING' && !inFlight;
}

/** The event a VM takes when its lost host's agent is back, and says whether it still runs the VM. */
export function hostBackEvent(state: VmState, inFlight: boolean, running: boolean): OutcomeEvent | undefined {
  if (state === 'UNKNOWN') return { type: running ? 'host_back_running' : 'host_back_gone' };
  // Reconciliation: the node says it no longer runs a VM we think runs.
  if (!running && takesGuestReport(state, inFlight)) return { type: 'vm_gone', reason: 'the node no longer runs the VM' };
  return undefined;
}

/**
 * OpenNebula's host_error hook: the event a VM on a fenced host takes under
 * the host-failure policy. `migrate` boots its own disks on another host
 * when they are in the shared datastores (else it is recreated); `recreate`
 * starts it again from its template; `delete` ends it.
 */
export function fencedEvent(state: VmState, policy: HostFailurePolicy, sharedFiles: boolean): VmEvent | undefined {
  if (policy === 'none') return undefined;
  if (policy === 'migrate' && sharedFiles && state === 'UNKNOWN') return { type: 'host_fenced' };
  return { type: 'recover', op: policy === 'delete' ? 'delete' : 'recreate' };
}

// ---- applying it

export function isOutcome(key: string): key is Outcome {
  return Object.hasOwn(OUTCOME_INFO, key);
}

/** The table's key for `event`. An event of no known type is a `TypeError`. */
export function keyOf(event: VmEvent): EventKey {
  const key: string = isOutcome(event.type) ? event.type : actionKey(event as UserEvent);
  if (!isUserAction(key) && !isOutcome(key)) throw new TypeError(`not a VM event: ${JSON.stringify(event)}`);
  return key;
}

/** The first state and effects of a new VM. */
export function created(options: { readonly hold?: boolean } = {}): Transition {
  return take(options.hold === true ? INITIAL.create_hold : INITIAL.create, undefined);
}

/**
 * The transition `event` takes from `state`, its effects' parameters taken
 * from the event. A user action the state does not allow throws
 * `ACTION_NOT_ALLOWED` (details `{ state, action }`); an outcome that does
 * not apply (late, repeated, or from an abandoned step) returns `undefined`
 * for the caller to log and drop.
 */
export function transition(state: VmState, event: UserEvent): Transition;
export function transition(state: VmState, event: OutcomeEvent): Transition | undefined;
export function transition(state: VmState, event: VmEvent): Transition | undefined;
export function transition(state: VmState, event: VmEvent): Transition | undefined {
  if (!Object.hasOwn(LIFECYCLE, state)) throw new TypeError(`not a VM state: ${String(state)}`);
  const row = LIFECYCLE[state];
  const key = keyOf(event);
  const entry = Object.hasOwn(row, key) ? row[key] : undefined;
  if (entry !== undefined) return take(entry, event);
  if (isOutcome(key)) return undefined;
  throw new NepheleError('ACTION_NOT_ALLOWED', `cannot ${USER_ACTIONS[key].label} a VM in state ${state}`, {
    details: { state, action: key },
  });
}

/** The user actions `state` allows, in `USER_ACTION_NAMES` order. */
export function allowedActions(state: VmState): UserAction[] {
  const row = LIFECYCLE[state];
  return USER_ACTION_NAMES.filter((action) => Object.hasOwn(row, action));
}

function take(entry: TableEntry, event: VmEvent | undefined): Transition {
  return Object.freeze({ next: entry.next, effects: Object.freeze(entry.effects.map((e) => bind(e, event))) });
}

function bind(template: EffectTemplate, event: VmEvent | undefined): Effect {
  switch (template.kind) {
    case 'shutdown':
    case 'reboot':
      return Object.freeze({ kind: template.kind, hard: template.hard === '$hard' ? hardOf(event) : template.hard });
    case 'open_history':
      return Object.freeze({ kind: template.kind, hostId: template.hostId === '$hostId' ? hostOf(event) : template.hostId });
    case 'migrate_live':
      return Object.freeze({ kind: template.kind, to: template.to === '$hostId' ? hostOf(event) : template.to });
    default:
      return template;
  }
}

// An entry that reads a parameter its event lacks is a mistake in the table.
function hardOf(event: VmEvent | undefined): boolean {
  switch (event?.type) {
    case 'terminate':
    case 'poweroff':
    case 'reboot':
    case 'undeploy':
      return event.hard === true;
    default:
      throw new TypeError(`the event ${event?.type ?? '(none)'} carries no hard flag`);
  }
}

function hostOf(event: VmEvent | undefined): number {
  switch (event?.type) {
    case 'deploy':
    case 'migrate':
      return event.hostId;
    default:
      throw new TypeError(`the event ${event?.type ?? '(none)'} carries no hostId`);
  }
}

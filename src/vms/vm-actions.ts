/**
 * The VM actions, declared once. Everything else is derived from here: the
 * API's `vm.action` validation and its `action` union, the rule of which
 * actions are the administrators', `onevm`'s subcommands and their help, the
 * life cycle table's keys (vm-lifecycle.ts) and docs/vm-lifecycle.md.
 *
 * Two vocabularies meet here. An *action* is what a caller asks for
 * (`terminate` with `hard`, `recover` with an op); a *table key* is how the
 * life cycle table names it, split where the way taken differs
 * (`terminate_hard`, `migrate_live`, `recover_retry`).
 */

export type RecoverOp = 'success' | 'failure' | 'retry' | 'delete' | 'recreate';

/** OpenNebula's `--hard`. */
export interface HardOption {
  /** Destroy or reset the guest instead of asking it. @default false */
  readonly hard?: boolean;
}

/** What a user (or the scheduler, acting as one) asks of a VM. */
export type UserEvent =
  | { readonly type: 'deploy'; readonly hostId: number }
  | { readonly type: 'hold' }
  | { readonly type: 'release' }
  | ({ readonly type: 'terminate' } & HardOption)
  | ({ readonly type: 'poweroff' } & HardOption)
  | { readonly type: 'resume' }
  | ({ readonly type: 'reboot' } & HardOption)
  | { readonly type: 'stop' }
  | { readonly type: 'suspend' }
  | ({ readonly type: 'undeploy' } & HardOption)
  | {
      readonly type: 'migrate';
      readonly hostId: number;
      /** Move the running VM instead of saving, copying and restoring it. @default false */
      readonly live?: boolean;
    }
  | { readonly type: 'resched' }
  | { readonly type: 'unresched' }
  | { readonly type: 'recover'; readonly op: RecoverOp };

/** An action's name, as the API's `vm.action` and `onevm` take it. */
export type VmActionName = UserEvent['type'];

/** A flag an action's caller may give. */
export type VmActionFlag = 'hard' | 'live' | 'enforce';

export interface VmActionInfo {
  /** `onevm <name>`'s one line of help. */
  readonly help: string;
  /** It goes to a host, which the caller must name (by id or name). @default false */
  readonly host?: boolean;
  /** The flags `onevm` offers for it. @default none */
  readonly flags?: readonly VmActionFlag[];
  /** It takes exactly one op (`recover`): each op's help. @default none */
  readonly ops?: Readonly<Record<RecoverOp, string>>;
  /** As OpenNebula's default ACL: only administrators may ask for it. @default false */
  readonly admin?: boolean;
}

// The record's key order is the order the API's refusal and `onevm --help` list them in.
// Placing, moving and recovering VMs is the administrators' business.
const ACTIONS = {
  deploy: {
    help: 'Start a VM on the given host (bypasses the scheduler, not the capacity check)',
    host: true,
    flags: ['enforce'],
    admin: true,
  },
  hold: { help: 'Keep a PENDING VM from being scheduled' },
  release: { help: 'Release a VM on hold' },
  terminate: { help: 'End the VM', flags: ['hard'] },
  poweroff: { help: 'Power the VM off; it keeps its host', flags: ['hard'] },
  resume: { help: 'Resume a stopped, suspended, powered-off or undeployed VM' },
  reboot: { help: 'Reboot the VM', flags: ['hard'] },
  stop: { help: 'Save the VM and free its host' },
  suspend: { help: 'Save the VM on its host' },
  undeploy: { help: 'Power the VM off and free its host', flags: ['hard'] },
  migrate: { help: 'Move a VM to the given host', host: true, flags: ['live'], admin: true },
  resched: { help: 'Ask the scheduler to move the VM' },
  unresched: { help: 'Withdraw a resched' },
  recover: {
    help: 'Get a VM out of a failure or a stuck step',
    ops: {
      success: 'as if the step had worked',
      failure: 'as if the step had failed',
      retry: 'run the step again',
      delete: 'end the VM at once',
      recreate: 'clean up and go back to PENDING',
    },
    admin: true,
  },
} as const satisfies Record<VmActionName, VmActionInfo>;

/** Every action, with what it takes and who may ask for it. */
export const VM_ACTIONS: Readonly<Record<VmActionName, VmActionInfo>> = ACTIONS;
export const VM_ACTION_NAMES: readonly VmActionName[] = Object.freeze(Object.keys(ACTIONS) as VmActionName[]);
export const RECOVER_OPS: readonly RecoverOp[] = Object.freeze(Object.keys(ACTIONS.recover.ops) as RecoverOp[]);

/** How `onevm` spells each flag, and its help. */
export const VM_ACTION_FLAGS: Readonly<Record<VmActionFlag, { readonly option: string; readonly help: string }>> = Object.freeze({
  hard: { option: '--hard', help: 'destroy or reset instead of asking the guest' },
  live: { option: '--live', help: 'live migration' },
  // On by default: the option turns it off.
  enforce: { option: '--no-enforce', help: "deploy even past the host's capacity" },
});

export function isVmAction(name: string): name is VmActionName {
  return Object.hasOwn(ACTIONS, name);
}

export function isRecoverOp(op: string): op is RecoverOp {
  return Object.hasOwn(ACTIONS.recover.ops, op);
}

/** Whether only administrators may ask for `action`. */
export function isAdminAction(action: VmActionName): boolean {
  return VM_ACTIONS[action].admin === true;
}

/** An action as a caller gives it, flat: the API's `vm.action` params less the VM and the host. */
export interface VmActionRequest {
  readonly action: VmActionName;
  readonly hard?: boolean;
  readonly live?: boolean;
  readonly op?: RecoverOp;
}

/**
 * The event a request stands for, `hostId` the host it names resolved to
 * its id. An action that goes to a host given none is a `TypeError`: the
 * edge checks that (`VM_ACTIONS[action].host`).
 */
export function userEvent(p: VmActionRequest, hostId: number | undefined): UserEvent {
  const hard = p.hard === true;
  const host = (): number => {
    if (hostId === undefined) throw new TypeError(`${p.action} needs a host`);
    return hostId;
  };
  switch (p.action) {
    case 'deploy':
      return { type: 'deploy', hostId: host() };
    case 'migrate':
      return { type: 'migrate', hostId: host(), live: p.live === true };
    case 'terminate':
    case 'poweroff':
    case 'reboot':
    case 'undeploy':
      return { type: p.action, hard };
    case 'recover':
      return { type: 'recover', op: p.op ?? 'retry' };
    case 'hold':
    case 'release':
    case 'resume':
    case 'stop':
    case 'suspend':
    case 'resched':
    case 'unresched':
      return { type: p.action };
  }
}

// ---- the table's keys

export interface UserActionInfo {
  /** How `onevm` spells it, flags that change the way taken included. */
  readonly label: string;
  readonly summary: string;
}

const TABLE_ACTIONS = {
  deploy: { label: 'deploy', summary: 'Start the VM on the given host; the scheduler does it after `create`, `release`, `resume`.' },
  hold: { label: 'hold', summary: 'Keep a PENDING VM from being scheduled.' },
  release: { label: 'release', summary: 'Let the scheduler place a VM on hold.' },
  terminate: { label: 'terminate', summary: 'End the VM: shut the guest down, clean up, free its leases.' },
  terminate_hard: {
    label: 'terminate --hard',
    summary:
      'End the VM: destroy the guest, clean up, free its leases; from a step in flight or a failure, abandon it and clean up wherever the VM is.',
  },
  poweroff: { label: 'poweroff', summary: 'Shut the guest down (`--hard`: destroy it); the VM keeps its host.' },
  resume: { label: 'resume', summary: 'Start the VM again on its host, or on one the scheduler picks when it has none.' },
  reboot: { label: 'reboot', summary: 'Reboot the guest (`--hard`: reset it).' },
  stop: { label: 'stop', summary: 'Save the VM and move it to the system datastore; the host is freed.' },
  suspend: { label: 'suspend', summary: 'Save the VM to a checkpoint on its host, which keeps its capacity.' },
  undeploy: { label: 'undeploy', summary: 'Shut the guest down (`--hard`: destroy it), move its disks to the system datastore.' },
  migrate: { label: 'migrate', summary: 'Cold migration to the given host: save, copy, restore.' },
  migrate_live: { label: 'migrate --live', summary: 'Live migration to the given host.' },
  resched: { label: 'resched', summary: 'Ask the scheduler to move the VM to a better host.' },
  unresched: { label: 'unresched', summary: 'Withdraw a `resched`.' },
  recover_success: { label: 'recover --success', summary: 'Go on as if the step in flight, or the failed one, had worked.' },
  recover_failure: { label: 'recover --failure', summary: 'Go on as if the step in flight had failed.' },
  recover_retry: { label: 'recover --retry', summary: 'Run the failed step again.' },
  recover_delete: { label: 'recover --delete', summary: 'End the VM at once, cleaning up whatever it left.' },
  recover_recreate: { label: 'recover --recreate', summary: 'Clean up, then PENDING again with the same id and leases.' },
} as const satisfies Record<Exclude<VmActionName, 'recover'> | 'terminate_hard' | 'migrate_live' | `recover_${RecoverOp}`, UserActionInfo>;

/** A user event as the table names it: `terminate` splits on `hard`, `migrate` on `live`, `recover` on its op. */
export type UserAction = keyof typeof TABLE_ACTIONS;

/** Each user action's CLI form (`migrate --live`, `recover --retry`) and what it does. */
export const USER_ACTIONS: Readonly<Record<UserAction, UserActionInfo>> = TABLE_ACTIONS;
export const USER_ACTION_NAMES: readonly UserAction[] = Object.freeze(Object.keys(TABLE_ACTIONS) as UserAction[]);

export function isUserAction(key: string): key is UserAction {
  return Object.hasOwn(TABLE_ACTIONS, key);
}

/** The table's key for a user event. */
export function actionKey(event: UserEvent): UserAction {
  switch (event.type) {
    case 'migrate':
      return event.live === true ? 'migrate_live' : 'migrate';
    case 'terminate':
      return event.hard === true ? 'terminate_hard' : 'terminate';
    case 'recover':
      return `recover_${event.op}`;
    default:
      return event.type;
  }
}

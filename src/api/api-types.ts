import type { HypervisorName } from '../protocol/domain.js';
import type { TransferMode } from '../hosts/host-record.js';
import type { HostSshParams, HostStatusAction, HostView, SyncResult } from '../hosts/host-view.js';
import type { HostMonitoringView, VmMonitoringView } from '../hosts/monitoring-book.js';
import type { VmActionRequest } from '../vms/vm-actions.js';
import type { HistoryRecord, VmView } from '../vms/vm-record.js';
import type { TemplateView } from '../vms/template-view.js';
import type { GroupView, UserView } from '../users/user-record.js';
import type { VnetView } from '../networks/network-view.js';
import type { ImageFormat, ImageType } from '../images/image-record.js';
import type { ImageView } from '../images/image-view.js';

/** `image.allocate`: an image to upload (LOCKED until `image.commit`), or with `size` an empty DATABLOCK, READY at once. */
export interface ImageAllocateParams {
  readonly name: string;
  readonly type: ImageType;
  readonly persistent: boolean;
  readonly description: string;
  /** MiB of an empty DATABLOCK. */
  readonly size?: number;
  /** With `size`. @default 'raw' */
  readonly format?: ImageFormat;
}

/** A user or group by id or name (digits only: an id). */
export type NameRef = string | number;

/**
 * OpenNebula's `chown` of object `id`: a new owner and/or a new group, by id
 * or name; one left out (or -1, OpenNebula's) stays as it is.
 */
export interface ChownParams<Id> {
  readonly id: Id;
  readonly user?: NameRef;
  readonly group?: NameRef;
}

/**
 * OpenNebula's `chmod` of object `id`: either `octet`, three octal digits
 * (`640`: every bit set or cleared), or `values`, its nine arguments
 * OWNER_U, OWNER_M, OWNER_A, GROUP_U … OTHER_A, each 1 (set), 0 (clear)
 * or -1 (unchanged).
 */
export interface ChmodParams<Id> {
  readonly id: Id;
  readonly octet?: string;
  readonly values?: readonly number[];
}

/** Every API method: its parameters and its result. Names follow OpenNebula's XML-RPC API. */
export interface ApiMethods {
  'system.version': { params: Record<string, never>; result: { version: string; protocol: number } };
  'host.allocate': {
    /** With `ssh`, oned deploys the agent itself (`host.deploy`) and no token is shown. */
    params: { name: string; im: HypervisorName; vm: HypervisorName; tm?: TransferMode; ssh?: HostSshParams };
    /** The token is shown once, at creation; oned keeps only its hash. */
    result: { id: number; token?: string };
  };
  /** Deploys (again) the agent of a host created with `ssh`: every step, in order; fails naming the step. */
  'host.deploy': { params: { host: string | number; frontend?: string; rekey?: boolean }; result: HostView };
  /** Redeploys the agents (of one host, or all SSH hosts) whose build differs from oned's; `force`: all of them. */
  /** The operator says a lost host is down (powered off): its VMs may run elsewhere. */
  'host.fence': { params: { host: string | number }; result: HostView };
  'host.sync': { params: { host?: string | number; force: boolean; rekey?: boolean }; result: SyncResult[] };
  'hostpool.info': { params: Record<string, never>; result: HostView[] };
  'host.info': { params: { host: string | number }; result: HostView };
  'host.delete': { params: { host: string | number; force: boolean }; result: { id: number } };
  'host.status': { params: { host: string | number; action: HostStatusAction }; result: HostView };
  'host.monitor': { params: { host: string | number }; result: HostView };
  /** Replaces (or with `append`, merges into) the host's template attributes. */
  'host.update': { params: { host: string | number; template: string; append: boolean }; result: HostView };
  /** `id`: the host's id or name. Administrators only; names are unique among all hosts (NAME_TAKEN). */
  'host.rename': { params: { id: string | number; name: string }; result: HostView };
  /**
   * Monitoring history (docs/monitoring.md), oldest sample first. `seconds` as
   * OpenNebula's: absent or -1 the whole window, 0 the newest sample, more the
   * last `seconds`. Anyone who may see the hosts may see their figures.
   */
  'host.monitoring': { params: { host: string | number; seconds?: number }; result: HostMonitoringView };
  /** Every host's window, in id order. */
  'hostpool.monitoring': { params: { seconds?: number }; result: HostMonitoringView[] };
  /** A VM's window: for whoever may see the VM (VM_NOT_FOUND otherwise); a DONE VM's is empty. */
  'vm.monitoring': { params: { id: number; seconds?: number }; result: VmMonitoringView };
  /** The windows of the VMs not DONE that the caller may see, in id order; `filter` as OpenNebula's pool filter. @default filter -2 */
  'vmpool.monitoring': { params: { filter?: number; seconds?: number }; result: VmMonitoringView[] };
  /**
   * OpenNebula's accounting (oneacct): the history records, DONE VMs' too,
   * that overlap [`start`, `end`] (ms since the epoch; either may be left
   * out), of the VMs the caller may see, grouped by VM in id order.
   */
  'vmpool.accounting': { params: { filter?: number; start?: number; end?: number }; result: VmAccounting[] };
  'vm.allocate': { params: { template: string; hold: boolean }; result: { id: number } };
  /**
   * The VMs the caller may see, in id order (not DONE ones unless `all`).
   * Paged like OpenNebula's pool calls: skip `offset` of them, return at most
   * `limit` (up to VMPOOL_MAX_LIMIT); without `limit`, all of them.
   */
  'vmpool.info': { params: { all: boolean; offset?: number; limit?: number }; result: VmView[] };
  'vm.info': { params: { id: number }; result: VmView };
  'template.allocate': { params: { template: string }; result: { id: number } };
  'templatepool.info': { params: Record<string, never>; result: TemplateView[] };
  /** A template by `id`, or by name (a string): the caller's own first, see docs/templates.md. */
  'template.info': { params: { id: NameRef }; result: TemplateView };
  'template.update': { params: { id: NameRef; template: string }; result: { id: number } };
  'template.delete': { params: { id: NameRef }; result: { id: number } };
  'template.instantiate': { params: { id: NameRef; name?: string; hold: boolean }; result: { id: number } };
  /** Unique among its owner's templates (NAME_TAKEN); the template's NAME follows. */
  'template.rename': { params: { id: NameRef; name: string }; result: TemplateView };
  /** Permissions (docs/users.md): a new owner (administrators only) and/or group. */
  'template.chown': { params: ChownParams<NameRef>; result: TemplateView };
  'template.chmod': { params: ChmodParams<NameRef>; result: TemplateView };
  /**
   * OpenNebula's `onetemplate clone`: a copy of a template the caller may
   * use, owned by the caller, named `name` (unique among their templates:
   * NAME_TAKEN). `recursive` (copy its images too) is not supported.
   */
  'template.clone': { params: { id: NameRef; name: string; recursive?: boolean }; result: { id: number } };
  /** One life cycle action; `host` for deploy and migrate, by id or name. */
  'vm.action': { params: VmActionParams; result: VmView };
  /** In any state but DONE; names need not be unique (OpenNebula's rule for VMs). */
  'vm.rename': { params: { id: number; name: string }; result: VmView };
  /** In any state but DONE, as OpenNebula's; see docs/users.md. */
  'vm.chown': { params: ChownParams<number>; result: VmView };
  'vm.chmod': { params: ChmodParams<number>; result: VmView };
  /**
   * OpenNebula's `onevm update`: the VM's USER_TEMPLATE replaced by
   * `template`, or with `append` merged into it; in any state but DONE, by
   * whoever may manage the VM. See docs/templates.md#a-vms-user-template.
   */
  'vm.update': { params: { id: number; template: string; append: boolean }; result: VmView };
  /** Users: who may call which is in docs/users.md. */
  'user.allocate': { params: { name: string; password: string; group?: NameRef }; result: { id: number } };
  'user.delete': { params: { user: NameRef }; result: { id: number } };
  'user.passwd': { params: { user: NameRef; password: string }; result: { id: number } };
  /** Without `user`: the caller. */
  'user.info': { params: { user?: NameRef }; result: UserView };
  'userpool.info': { params: Record<string, never>; result: UserView[] };
  'user.enable': { params: { user: NameRef; enable: boolean }; result: UserView };
  'user.chgrp': { params: { user: NameRef; group: NameRef }; result: UserView };
  /** A login token for `expire` seconds (0 revokes every token: `token` is then empty); shown once. */
  'user.login': { params: { user: NameRef; expire: number }; result: { token: string; expires: number } };
  /** The user's TEMPLATE replaced by `template`, or with `append` merged into it: one's own, or anyone's for an administrator. */
  'user.update': { params: { user: NameRef; template: string; append: boolean }; result: UserView };
  /** Virtual networks (OpenNebula's one.vn.*): see docs/networks.md. */
  'vn.allocate': { params: { template: string }; result: { id: number } };
  'vnpool.info': { params: Record<string, never>; result: VnetView[] };
  'vn.info': { params: { network: NameRef }; result: VnetView };
  'vn.delete': { params: { network: NameRef }; result: { id: number } };
  'vn.hold': { params: { network: NameRef; ip: string }; result: VnetView };
  'vn.release': { params: { network: NameRef; ip: string }; result: VnetView };
  /** `template` holds one `AR = [ … ]`. */
  'vn.add_ar': { params: { network: NameRef; template: string }; result: VnetView };
  'vn.rm_ar': { params: { network: NameRef; arId: number }; result: VnetView };
  /** `id`: the network's id or name. Unique among its owner's networks (NAME_TAKEN). */
  'vn.rename': { params: { id: NameRef; name: string }; result: VnetView };
  /** A new owner must have no other network by its name (NAME_TAKEN). */
  'vn.chown': { params: ChownParams<NameRef>; result: VnetView };
  'vn.chmod': { params: ChmodParams<NameRef>; result: VnetView };
  /**
   * The network's template attributes replaced by `template`, or with
   * `append` merged into them; not its address ranges (`vn.add_ar`,
   * `vn.rm_ar`). See docs/networks.md.
   */
  'vn.update': { params: { id: NameRef; template: string; append: boolean }; result: VnetView };
  /** Images (OpenNebula's one.image.*): see docs/images.md. `image` is an id or a name. */
  'image.allocate': { params: ImageAllocateParams; result: { id: number } };
  'imagepool.info': { params: Record<string, never>; result: ImageView[] };
  'image.info': { params: { image: NameRef }; result: ImageView };
  /** One chunk (at most 4 MiB) of a LOCKED image, at the offset where the previous one ended; the owner only. */
  'image.upload': { params: { id: number; offset: number; data: Uint8Array }; result: { id: number; received: number } };
  /** Ends an upload of `size` bytes: the format is detected and the image READY. */
  'image.commit': { params: { id: number; size: number }; result: ImageView };
  'image.delete': { params: { image: NameRef }; result: { id: number } };
  'image.persistent': { params: { image: NameRef; persistent: boolean }; result: ImageView };
  'image.enable': { params: { image: NameRef; enable: boolean }; result: ImageView };
  'image.rename': { params: { image: NameRef; name: string }; result: ImageView };
  /** A copy owned by the caller, LOCKED until its file is whole (then READY, or ERROR); `datastore` the images one. */
  'image.clone': { params: { image: NameRef; name: string; datastore?: NameRef }; result: { id: number } };
  /** OpenNebula's chtype: a disk type to a disk type, a file type to a file type. */
  'image.chtype': { params: { image: NameRef; type: ImageType }; result: ImageView };
  /** Replaces (or with `append`, merges into) the image's template attributes. */
  'image.update': { params: { image: NameRef; template: string; append: boolean }; result: ImageView };
  /** Permissions (docs/users.md): a new owner (administrators only; NAME_TAKEN if they have an image of its name) and/or group. */
  'image.chown': { params: ChownParams<NameRef>; result: ImageView };
  'image.chmod': { params: ChmodParams<NameRef>; result: ImageView };
  'grouppool.info': { params: Record<string, never>; result: GroupView[] };
  'group.info': { params: { group: NameRef }; result: GroupView };
  'group.allocate': { params: { name: string }; result: { id: number } };
  'group.delete': { params: { group: NameRef }; result: { id: number } };
}

/** One VM action (its names and what each takes: src/vms/vm-actions.ts), on VM `id`. */
export interface VmActionParams extends VmActionRequest {
  readonly id: number;
  readonly host?: string | number;
  /** With deploy: refuse a host without the capacity. @default true */
  readonly enforce?: boolean;
}

export type ApiMethod = keyof ApiMethods;
export type ParamsOf<K extends ApiMethod> = ApiMethods[K]['params'];
export type ResultOf<K extends ApiMethod> = ApiMethods[K]['result'];

/** A call as it travels (msgpack) from the CLI to oned. */
export interface ApiCall {
  readonly method: string;
  readonly params: unknown;
}

export type ApiReply =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string; readonly details?: unknown } };

/** The socket.io namespace and event of the API. */
/** Longest a login token may live (`user.login`'s `expire`): a year. */
export const MAX_TOKEN_SECONDS = 366 * 24 * 3600;
/** As OpenNebula's `oneuser login` without --time: ten hours. */
export const DEFAULT_TOKEN_SECONDS = 36_000;

/** The most VMs one `vmpool.info` page may ask for. */
export const VMPOOL_MAX_LIMIT = 100_000;

/**
 * OpenNebula's pool filter (`vmpool.monitoring`, `vmpool.accounting`): -2
 * every VM the caller may see, -3 the caller's own, -1 the caller's and
 * their group's, -4 their group's, a user id that user's.
 */
export const POOL_FILTER = Object.freeze({ all: -2, mine: -3, mineAndGroup: -1, group: -4 });

/** One stay of an accounting answer, with its host's name (undefined for a host deleted since). */
export interface AccountingRecord extends HistoryRecord {
  readonly host: string | undefined;
}

/** A VM and those of its history records that overlap an accounting period. */
export interface VmAccounting {
  readonly vm: VmView;
  readonly records: readonly AccountingRecord[];
}

export const API_NAMESPACE = '/api';
export const API_EVENT = 'call';
/** OpenNebula's port. */
/** Sent by oned just before it ends a connection whose login no longer holds: a msgpack `{ code, message }`. */
export const API_ENDED_EVENT = 'ended';
export const DEFAULT_PORT = 2633;

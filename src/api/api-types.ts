import type { HostMonitoring, HypervisorName, NodeCapabilities } from '../protocol/domain.js';
import type { TransferMode } from '../hosts/host-record.js';
import type { RecoverOp, UserEvent } from '../vms/vm-lifecycle.js';
import type { VmView } from '../vms/vm-record.js';
import type { TemplateRecord } from '../vms/template-pool.js';
import type { GroupView, UserView } from '../users/user-record.js';
import type { NetworkView } from '../networks/network-view.js';
import type { ImageFormat, ImageRecord, ImageType } from '../images/image-record.js';

/** OpenNebula's host states that Nephele uses. */
export type HostState = 'INIT' | 'MONITORED' | 'ERROR' | 'DISABLED' | 'OFFLINE';

/** The short form `onehost list` prints in its STAT column, as OpenNebula does. */
export const HOST_STAT: Readonly<Record<HostState, string>> = Object.freeze({
  INIT: 'init', MONITORED: 'on', ERROR: 'err', DISABLED: 'dsbl', OFFLINE: 'off',
});

/** A host as the API returns it. */
export interface HostView {
  readonly id: number;
  readonly name: string;
  readonly state: HostState;
  readonly im: HypervisorName;
  readonly vm: HypervisorName;
  readonly cluster: string;
  /** Running VMs. */
  readonly rvm: number;
  /** The ids of the VMs with a stay on the host (OpenNebula's VMS). */
  readonly vms: readonly number[];
  /** CPU and memory promised to the VMs placed on the host (percent of a core, KiB). */
  readonly allocatedCpu: number;
  readonly allocatedMem: number;
  /** The latest monitoring figures, if any arrived. */
  readonly monitoring: HostMonitoring | undefined;
  readonly capabilities: NodeCapabilities | undefined;
  /** Milliseconds since the epoch of the last monitoring, 0 if never. */
  readonly lastMonitored: number;
  /** Why the host is in ERROR, when it is. */
  readonly error: string | undefined;
  /** The agent's incarnation while connected. */
  readonly agentIncarnation: string | undefined;
  /** The host's own template attributes (`onehost update`). */
  readonly attributes: Readonly<Record<string, string>>;
  /** TM_MAD: how VM files reach the host. */
  readonly tm: TransferMode;
  /** How oned reaches the host over SSH, for hosts it deployed the agent to. */
  readonly ssh: { readonly target: string; readonly dir: string; readonly hostKey: string | undefined; readonly ownKey: boolean } | undefined;
  /** When the host was fenced (declared down) and how; undefined when it is not. */
  readonly fenced: { readonly at: number; readonly how: string } | undefined;
  /** The steps of the latest agent deployment (`onehost create --ssh`, `onehost sync`), while it runs and after; oldest first. */
  readonly deploy: readonly DeployProgress[] | undefined;
}

/** The steps of deploying a node agent over SSH, in order. */
export const DEPLOY_STEPS = ['connect', 'check', 'upload', 'configure', 'start', 'wait'] as const;
export type DeployStep = (typeof DEPLOY_STEPS)[number];

export interface DeployProgress {
  readonly step: DeployStep;
  readonly status: 'running' | 'done' | 'failed';
  /** What the step found or did, or why it failed. */
  readonly message: string;
  readonly at: number;
}

export type HostStatusAction = 'enable' | 'disable' | 'offline';

/** A VM template as the API returns it: the record with its owner's names. */
export interface TemplateView extends TemplateRecord {
  readonly user: string;
  readonly group: string;
}

/** A virtual network as the API returns it: with its owner's names. */
export interface VnetView extends NetworkView {
  readonly user: string;
  readonly group: string;
}

/** An image as the API returns it: with its owner's names and its datastore. */
export interface ImageView extends ImageRecord {
  readonly user: string;
  readonly group: string;
  readonly datastore: string;
  readonly datastoreId: number;
}

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

/** `onehost create --ssh`. */
export interface HostSshParams {
  /** `[user@]address[:port]`. */
  readonly target: string;
  /** The agent's directory on the host. @default '/var/lib/nephele/node' */
  readonly dir?: string;
  /** A private key (OpenSSH text) for this host instead of oned's own. */
  readonly key?: string;
}

export interface SyncResult {
  readonly id: number;
  readonly name: string;
  /** The build the agent ran, and the one it runs now. */
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly status: 'upgraded' | 'current' | 'failed';
  readonly error?: string;
}

/** A user or group by id or name (digits only: an id). */
export type NameRef = string | number;

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
  /** One life cycle action; `host` for deploy and migrate, by id or name. */
  'vm.action': { params: VmActionParams; result: VmView };
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
  'grouppool.info': { params: Record<string, never>; result: GroupView[] };
  'group.info': { params: { group: NameRef }; result: GroupView };
}

export interface VmActionParams {
  readonly id: number;
  readonly action: UserEvent['type'];
  readonly hard?: boolean;
  readonly host?: string | number;
  readonly live?: boolean;
  readonly op?: RecoverOp;
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
/** The most VMs one `vmpool.info` page may ask for. */
export const VMPOOL_MAX_LIMIT = 100_000;

export const API_NAMESPACE = '/api';
export const API_EVENT = 'call';
/** OpenNebula's port. */
/** Sent by oned just before it ends a connection whose login no longer holds: a msgpack `{ code, message }`. */
export const API_ENDED_EVENT = 'ended';
export const DEFAULT_PORT = 2633;

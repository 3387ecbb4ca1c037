import type { HostMonitoring, HypervisorName, NodeCapabilities } from '../protocol/domain.js';
import type { TransferMode } from './host-record.js';

/** OpenNebula's host states that Nephele uses. */
export type HostState = 'INIT' | 'MONITORED' | 'ERROR' | 'DISABLED' | 'OFFLINE';

/** The short form `onehost list` prints in its STAT column, as OpenNebula does. */
export const HOST_STAT: Readonly<Record<HostState, string>> = Object.freeze({
  INIT: 'init',
  MONITORED: 'on',
  ERROR: 'err',
  DISABLED: 'dsbl',
  OFFLINE: 'off',
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
  readonly ssh:
    | { readonly target: string; readonly dir: string; readonly hostKey: string | undefined; readonly ownKey: boolean }
    | undefined;
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

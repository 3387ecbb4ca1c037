/**
 * The message catalogue of protocol 1: what oned and a node agent say to each
 * other, as discriminated unions on `type`. Requests and their replies are
 * apart; a reply is correlated by the id of the `req` frame that carried the
 * request (see frames.ts), and its type by `ReplyOf`.
 */
import type { ErrorCode } from '../errors.js';
import type {
  ContextCdSpec,
  HostMonitoring,
  NodeCapabilities,
  SaveStep,
  TransferStep,
  VmInfo,
  VmMonitoring,
  VmRunState,
  VmSpec,
} from './domain.js';

// ---- front-end → node: commands (reliable, at-least-once; `opId` lets the node drop repeats)

export interface VmDeploy {
  readonly type: 'vm.deploy';
  readonly opId: string;
  readonly spec: VmSpec;
}

export interface VmShutdown {
  readonly type: 'vm.shutdown';
  readonly opId: string;
  readonly vmId: number;
  readonly hard: boolean;
  /** Delete this directory (the VM's) once the VM is stopped: a cleanup. */
  readonly purge?: string;
}

export interface VmReboot {
  readonly type: 'vm.reboot';
  readonly opId: string;
  readonly vmId: number;
  readonly hard: boolean;
}

export interface VmSuspend {
  readonly type: 'vm.suspend';
  readonly opId: string;
  readonly vmId: number;
}

export interface VmResume {
  readonly type: 'vm.resume';
  readonly opId: string;
  readonly vmId: number;
}

/** Save the VM's memory to a checkpoint on the host and stop it. */
export interface VmSave {
  readonly type: 'vm.save';
  readonly opId: string;
  readonly vmId: number;
}

/** Start the VM from its checkpoint. */
export interface VmRestore {
  readonly type: 'vm.restore';
  readonly opId: string;
  readonly spec: VmSpec;
}

/** PROLOG: make the VM's files in its directory on the host. */
export interface VmProlog {
  readonly type: 'vm.prolog';
  readonly opId: string;
  readonly vmId: number;
  readonly dir: string;
  readonly steps: readonly TransferStep[];
  readonly context?: ContextCdSpec;
}

/** EPILOG: copy the disks to save into the images datastore, then delete the VM's directory when `purge`. */
export interface VmEpilog {
  readonly type: 'vm.epilog';
  readonly opId: string;
  readonly vmId: number;
  readonly dir: string;
  readonly saves: readonly SaveStep[];
  readonly purge: boolean;
}

/**
 * Live migration, destination side: start the VM waiting for its state on
 * `listen` (host:port on the destination), and resolve once it runs there.
 */
export interface VmMigrateIn {
  readonly type: 'vm.migrate_in';
  readonly opId: string;
  readonly spec: VmSpec;
  readonly listen: { readonly host: string; readonly port: number };
}

/** Live migration, source side: send the running VM to `uri` (`tcp:host:port`) and forget it once there. */
export interface VmMigrateOut {
  readonly type: 'vm.migrate_out';
  readonly opId: string;
  readonly vmId: number;
  readonly uri: string;
}

export type NodeCommand =
  | VmDeploy
  | VmShutdown
  | VmReboot
  | VmSuspend
  | VmResume
  | VmSave
  | VmRestore
  | VmProlog
  | VmEpilog
  | VmMigrateIn
  | VmMigrateOut;

// ---- front-end → node: requests (ask; always time out)

export interface HostMonitor {
  readonly type: 'host.monitor';
}

export interface VmList {
  readonly type: 'vm.list';
}

export interface VmPoll {
  readonly type: 'vm.poll';
  readonly vmId: number;
}

export interface NodePing {
  readonly type: 'node.ping';
}

/** The agent's counters: commands run and repeats dropped by opId. */
export interface NodeStatsRequest {
  readonly type: 'node.stats';
}

export type NodeRequest = HostMonitor | VmList | VmPoll | NodePing | NodeStatsRequest;

/** The reply to each request type. */
export interface NodeReplies {
  'host.monitor': HostMonitoring;
  'vm.list': readonly VmInfo[];
  'vm.poll': VmInfo;
  'node.ping': { readonly incarnation: string };
  'node.stats': { readonly commandsRun: number; readonly duplicatesDropped: number };
}

/** The reply type of request `Q`. */
export type ReplyOf<Q extends NodeRequest> = NodeReplies[Q['type']];

// ---- node → front-end: events

/** The host's figures; unreliable, the newest wins. */
export interface HostMonitoringEvent {
  readonly type: 'host.monitoring';
  readonly figures: HostMonitoring;
  /**
   * The figures of the VMs the agent runs, at most MAX_VMS_PER_HOST, one
   * entry per VM. Absent from agents older than this field.
   */
  readonly vms?: readonly VmMonitoring[];
}

/** A VM changed state at the node; reliable. `opId` when a command caused it. */
export interface VmStateEvent {
  readonly type: 'vm.state';
  readonly vmId: number;
  readonly opId?: string;
  readonly state: VmRunState | 'done';
  readonly reason?: string;
  readonly info?: VmInfo;
}

/** The outcome of a command, once per `opId`; reliable. */
export interface VmOpResult {
  readonly type: 'vm.op_result';
  readonly opId: string;
  readonly vmId: number;
  readonly ok: boolean;
  readonly error?: { readonly code: ErrorCode; readonly message: string };
}

export type NodeEvent = HostMonitoringEvent | VmStateEvent | VmOpResult;

// ---- both directions

export type FrontendToNode = NodeCommand | NodeRequest;
export type NodeToFrontend = NodeEvent;
export type Message = FrontendToNode | NodeToFrontend;
export type MessageType = Message['type'];

// ---- flows: which messages travel which way, and how

/**
 * The messages of one direction, named after the Link method that sends
 * them: `tell` reliable (cmd frames), `emit` unreliable (evt frames), `ask`
 * request/reply (req/res frames).
 */
export interface Flow {
  readonly tell: { readonly type: string };
  readonly emit: { readonly type: string };
  readonly ask: { readonly type: string };
  readonly replies: object;
}

export interface ToNode extends Flow {
  readonly tell: NodeCommand;
  readonly emit: never;
  readonly ask: NodeRequest;
  readonly replies: NodeReplies;
}

export interface ToFrontend extends Flow {
  readonly tell: VmStateEvent | VmOpResult;
  readonly emit: HostMonitoringEvent;
  readonly ask: never;
  readonly replies: Record<never, never>;
}

/** Which end of a link: oned's or a node agent's. */
export type Side = 'frontend' | 'node';

export interface Flows {
  readonly frontend: { readonly out: ToNode; readonly in: ToFrontend };
  readonly node: { readonly out: ToFrontend; readonly in: ToNode };
}

export type Outbound<S extends Side> = Flows[S]['out'];
export type Inbound<S extends Side> = Flows[S]['in'];

/** Any message side `S` sends. */
export type OutboundMessage<S extends Side> = Outbound<S>['tell'] | Outbound<S>['emit'] | Outbound<S>['ask'];

/** The reply to request `Q` sent from side `S`. */
export type ReplyTo<S extends Side, Q extends { readonly type: string }> = Q['type'] extends keyof Outbound<S>['replies']
  ? Outbound<S>['replies'][Q['type']]
  : unknown;

// ---- handshake

/**
 * What a node agent presents when it dials in: socket.io's `auth` payload.
 * `incarnation` and `recvSeq` let the front-end's link resume (see link.ts).
 */
export interface NodeHello {
  readonly protocol: number;
  readonly hostId: number;
  /** The per-host secret; compared in constant time, never logged. */
  readonly token: string;
  readonly incarnation: string;
  readonly recvSeq: number;
  readonly capabilities: NodeCapabilities;
}

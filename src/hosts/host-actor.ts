import { randomUUID } from 'node:crypto';
import type { Actor, ActorContext, Reply, TellRef, WithReplies } from '../actors/index.js';
import type { HostStatusAction, HostView, HostState } from './host-view.js';
import { NepheleError, isNepheleError } from '../errors.js';
import type { HostMonitoring, NodeCapabilities } from '../protocol/domain.js';
import { Link } from '../protocol/link.js';
import type { NodeCommand, NodeHello, NodeRequest, NodeToFrontend, ReplyOf } from '../protocol/messages.js';
import type { Store } from '../store/index.js';
import type { HostToVm } from './host-to-vm.js';
import { hashToken, hostAccess, tokenMatches, type HostAccess, type HostRecord, type HostSsh } from './host-record.js';
import { DEFAULT_HOST_FAILURE, type HostFailureOptions } from './host-failure.js';
import { hostState } from './host-states.js';
import type { MonitoringBook } from './monitoring-book.js';
import { rm } from 'node:fs/promises';
import type { DeployProgress } from './host-view.js';
import { formatSshTarget } from '../ssh/ssh-target.js';
import { parseTemplate } from '../templates/index.js';

/** One agent connection as the gateway hands it over. */
export interface NodeConnection {
  readonly id: string;
  send(data: Uint8Array): void;
  close(reason: string): void;
  /** Whether the transport is still up, as far as this side knows. */
  isOpen(): boolean;
  /** Where inbound transport messages go from now on. */
  setReceiver(fn: (data: Uint8Array) => void): void;
}

type HostMessages =
  | { readonly type: 'info' }
  /** The host's record less its token's hash: what the deployer, the transfers and the pool need. */
  | { readonly type: 'access' }
  | { readonly type: 'status'; readonly action: HostStatusAction }
  | { readonly type: 'monitor' }
  | { readonly type: 'update'; readonly template: string; readonly append: boolean }
  /** From the pool, which keeps names unique. */
  | { readonly type: 'rename'; readonly name: string }
  | { readonly type: 'verify'; readonly token: string }
  /** Before a connection is taken: refused (HOST_ALREADY_CONNECTED) while a live agent holds the host. */
  | { readonly type: 'admit'; readonly incarnation: string }
  | { readonly type: 'connect'; readonly conn: NodeConnection; readonly hello: NodeHello }
  | { readonly type: 'disconnect'; readonly conn: NodeConnection; readonly reason: string }
  | { readonly type: 'lost'; readonly linkId: string }
  | { readonly type: 'node_event'; readonly msg: NodeToFrontend }
  /** A command for the node, delivered at least once (VM actors send these). */
  | { readonly type: 'command'; readonly cmd: NodeCommand }
  | NodeRequestMsg
  /** Forgets the link, as a restarted oned would: the agent redials and resumes against a new one. */
  | { readonly type: 'drop_link' }
  /** A VM has (or no longer has) a stay on this host: for RVM, ALLOCATED_* and host losses. */
  | { readonly type: 'vm_here'; readonly vmId: number; readonly cpu: number; readonly memory: number }
  | { readonly type: 'vm_left'; readonly vmId: number }
  /** The handshake is done; `newPeer`: the agent is another process than the link knew (or the link is new). */
  | { readonly type: 'resumed'; readonly linkId: string; readonly newPeer: boolean }
  /** A deployment put a new token on the host (oned keeps its hash). */
  | { readonly type: 'set_token'; readonly token: string }
  /** A deployment pinned (or, asked to, replaced) the host's SSH key. */
  | { readonly type: 'set_ssh'; readonly ssh: HostSsh }
  | { readonly type: 'deploy_progress'; readonly progress: DeployProgress }
  /** The host stayed lost for the grace period: fence it (timer). */
  | { readonly type: 'failure_check' }
  | { readonly type: 'fence_result'; readonly ok: boolean; readonly how: string }
  /** The operator says the host is down (`onehost fence`). */
  | { readonly type: 'fence' };

/** A request to the node, answered with the node's reply: one member per request, so an ask infers it as ReplyOf does. */
type NodeRequestMsg = NodeRequest extends infer Q
  ? Q extends NodeRequest
    ? { readonly type: 'request'; readonly req: Q; readonly timeoutMs?: number } & Reply<ReplyOf<Q>>
    : never
  : never;

/** What an ask of a host actor answers; the other messages are told. No reply holds the token's hash. */
export interface HostReplies {
  readonly info: HostView;
  readonly access: HostAccess;
  readonly verify: boolean;
  readonly status: HostView;
  readonly monitor: HostView;
  readonly update: HostView;
  readonly rename: HostView;
  readonly fence: HostView;
  /** Refused (HOST_ALREADY_CONNECTED) or done. */
  readonly admit: undefined;
  readonly set_token: undefined;
  readonly set_ssh: undefined;
}

export type HostMsg = WithReplies<HostMessages, HostReplies>;

export interface HostActorDeps {
  readonly store: Store;
  /** Heartbeat period and the silence after which the agent counts as lost. */
  readonly heartbeatMs: number;
  readonly lostAfterMs: number;
  /** A host whose agent has not connected this long after oned started (or the host was created) is in ERROR. */
  readonly initGraceMs: number;
  /** The VM actor of a VM id, where node outcomes and host losses go. */
  readonly vm: (vmId: number) => TellRef<HostToVm> | undefined;
  /** Asks every VM actor to say again whether it stays on this host (after this actor restarted). */
  readonly announceVms: (hostId: number) => void;
  /** Tells the scheduler that capacity may have changed here. */
  readonly kickPlacement: () => void;
  /** Hears each heartbeat's round trip to the agent, in ms (oned's metrics). @default none */
  readonly linkRtt?: (ms: number) => void;
  /** What to do with the VMs of a host that stays lost. @default DEFAULT_HOST_FAILURE (none) */
  readonly failure?: HostFailureOptions;
  /**
   * Makes sure a lost host runs none of its VMs (over SSH: stops the agent,
   * kills its QEMUs) and says what it found; rejects when it cannot be sure.
   */
  readonly fence?: (host: HostAccess) => Promise<string>;
  /** The front-end's datastores: a fenced shared host's VM directories are oned's own to remove. */
  readonly datastores?: string;
  /** The least monitoring interval to ask of an agent in the hello (see monitor-budget.ts). @default none */
  readonly monitorFloorMs?: () => number;
  /** Hears each monitoring push (oned's metrics). @default none */
  readonly monitoringPush?: () => void;
  /** Where each push's figures are kept, the host's and its VMs' (monitoring-book.ts). @default none */
  readonly monitoringBook?: Pick<MonitoringBook, 'push' | 'watchVm'>;
}

/**
 * One per host: owns the host's record, its link to the node agent and its
 * state. The agent dials in through the gateway, which hands the connection
 * here; a lost agent puts the host in ERROR, its return puts it back to
 * MONITORED. A restarted HostActor starts a new link (a new incarnation), so
 * the agent resumes against it as against a restarted front-end.
 */
export class HostActor implements Actor<HostMsg> {
  private readonly ctx: ActorContext<HostMsg>;
  private readonly deps: HostActorDeps;
  private readonly hostId: number;
  private record!: HostRecord;
  private link: Link<'frontend'> | undefined;
  private conn: NodeConnection | undefined;
  private monitoring: HostMonitoring | undefined;
  private capabilities: NodeCapabilities | undefined;
  private lastMonitored = 0;
  private error: string | undefined;
  private deploy: DeployProgress[] | undefined;
  private everConnected = false;
  private startedAt = 0;
  /** The VMs with a stay here: CPU share and MiB each. */
  private readonly vms = new Map<number, { cpu: number; memory: number }>();

  constructor(ctx: ActorContext<HostMsg>, hostId: number, deps: HostActorDeps) {
    this.ctx = ctx;
    this.hostId = hostId;
    this.deps = deps;
  }

  async preStart(): Promise<void> {
    const record = await this.deps.store.get('hosts', this.hostId);
    if (record === undefined) throw new NepheleError('HOST_NOT_FOUND', `host ${this.hostId} is not in the store`);
    this.record = record;
    this.startedAt = this.ctx.clock.now();
    // A host that never comes back after oned started is lost too.
    this.armFailure(this.deps.initGraceMs);
    // At oned's start the VM actors come later and announce themselves; after a
    // restart of this actor alone they must be asked.
    this.deps.announceVms(this.hostId);
  }

  postStop(): void {
    this.dropLink('host actor stopped');
  }

  async receive(msg: HostMsg): Promise<unknown> {
    switch (msg.type) {
      case 'info':
        return this.view();
      case 'access':
        return hostAccess(this.record);
      case 'verify':
        return tokenMatches(msg.token, this.record);
      case 'status':
        return this.setStatus(msg.action);
      case 'monitor':
        return this.monitorNow();
      case 'update':
        return this.update(msg.template, msg.append);
      case 'rename':
        await this.persist({ ...this.record, name: msg.name });
        // A requirement may name hosts (NAME = "node1"): the scheduler looks again.
        this.deps.kickPlacement();
        return this.view();
      case 'admit':
        this.admit(msg.incarnation);
        return undefined;
      case 'connect':
        this.attach(msg.conn, msg.hello);
        return undefined;
      case 'disconnect':
        if (msg.conn === this.conn) this.detach(`agent disconnected: ${msg.reason}`);
        return undefined;
      case 'lost':
        if (this.link !== undefined && this.link.incarnation === msg.linkId) this.detach('agent lost: no heartbeat');
        return undefined;
      case 'node_event':
        this.onNodeEvent(msg.msg);
        return undefined;
      case 'command':
        if (this.record.fencedAt !== undefined) {
          await this.answerFenced(msg.cmd);
          return undefined;
        }
        this.sendCommand(msg.cmd);
        return undefined;
      case 'failure_check':
        this.failureCheck();
        return undefined;
      case 'fence_result':
        return this.fenceResult(msg.ok, msg.how);
      case 'fence':
        if (this.conn !== undefined || this.link?.ready === true) {
          throw new NepheleError('HOST_NOT_FAILED', `the agent of host ${this.record.name} is connected: it is not down`, {
            details: { hostId: this.hostId },
          });
        }
        await this.fenced('the operator declared the host down (onehost fence)');
        return this.view();
      case 'request': {
        const link = this.link;
        if (link === undefined) throw new NepheleError('LINK_DOWN', `the agent of host ${this.record.name} is not connected`);
        return this.ctx.detach(link.ask(msg.req, { timeoutMs: msg.timeoutMs ?? 10_000 }));
      }
      case 'drop_link':
        this.dropLink('link reset');
        return undefined;
      case 'vm_here':
        this.vms.set(msg.vmId, { cpu: msg.cpu, memory: msg.memory });
        this.deps.monitoringBook?.watchVm(msg.vmId);
        return undefined;
      case 'vm_left':
        this.vms.delete(msg.vmId);
        this.deps.kickPlacement();
        return undefined;
      case 'resumed':
        if (this.link?.incarnation === msg.linkId) return this.ctx.detach(this.reportBack(msg.newPeer));
        return undefined;
      case 'set_token':
        await this.persist({ ...this.record, tokenHash: hashToken(msg.token) });
        return undefined;
      case 'set_ssh':
        await this.persist({ ...this.record, ssh: msg.ssh });
        return undefined;
      case 'deploy_progress':
        // A deployment starts with `connect`: the log of the one before goes.
        if (msg.progress.step === 'connect' && msg.progress.status === 'running') this.deploy = [];
        (this.deploy ??= []).push(msg.progress);
        if (msg.progress.status === 'failed') this.error = `deploying the agent failed at ${msg.progress.step}: ${msg.progress.message}`;
        return undefined;
    }
  }

  /**
   * One agent speaks for a host at a time. A second connection with the
   * host's token while the first is live is refused: it is a copy of the
   * agent, or someone holding its token, and taking it would drop the
   * agent that runs the VMs. A connection already known dead (closed, not
   * past its handshake) or the same agent process dialling again (its old
   * socket half-open) is replaced.
   */
  private admit(incarnation: string): void {
    if (this.replaceable(incarnation)) return;
    throw new NepheleError('HOST_ALREADY_CONNECTED', `an agent of host ${this.record.name} is connected already`, {
      details: { hostId: this.hostId },
    });
  }

  private replaceable(incarnation: string): boolean {
    const current = this.conn;
    if (current === undefined || !current.isOpen()) return true;
    if (this.link === undefined || !this.link.ready) return true;
    return this.link.peerIncarnation === incarnation;
  }

  private attach(conn: NodeConnection, hello: NodeHello): void {
    if (this.conn === conn) return;
    if (this.conn !== undefined) {
      // Admitted while the other was live (two handshakes at once): the one first in keeps the host.
      if (!this.replaceable(hello.incarnation)) {
        this.ctx.log.warn({ incarnation: hello.incarnation }, 'a second agent connection refused: the host has a live one');
        conn.close('another connection of this host is live');
        return;
      }
      this.ctx.log.info('an agent connection replaces one known dead');
      const old = this.conn;
      this.link?.detach();
      old.close('replaced by a newer connection of the same host');
    }
    this.conn = conn;
    const link = (this.link ??= this.newLink());
    conn.setReceiver((data) => link.receive(data));
    link.attach({ send: (data) => conn.send(data), close: (reason) => conn.close(reason) });
    const monitorMs = this.deps.monitorFloorMs?.();
    link.resume(hello.incarnation, hello.recvSeq, monitorMs === undefined ? {} : { monitorMs });
    this.capabilities = hello.capabilities;
    this.error = undefined;
    this.everConnected = true;
    this.ctx.cancelTimer('failure');
    if (this.record.fencedAt !== undefined) {
      // Back from the dead: its VMs went elsewhere (or were deleted); it takes new ones again.
      const { fencedAt: _at, fencedHow: _how, ...rest } = this.record;
      void this.persist(rest).catch((err: unknown) => this.ctx.log.error({ err }, 'could not clear the fence'));
    }
    this.ctx.log.info({ incarnation: hello.incarnation, version: hello.capabilities.version }, 'node agent connected');
  }

  private detach(why: string): void {
    this.link?.detach();
    this.conn = undefined;
    this.error = why;
    this.ctx.log.warn({ reason: why }, 'host in ERROR');
    for (const vmId of this.vms.keys()) this.deps.vm(vmId)?.tell({ type: 'host_lost', hostId: this.hostId });
    this.armFailure(0);
  }

  private failurePolicy(): HostFailureOptions {
    return this.deps.failure ?? DEFAULT_HOST_FAILURE;
  }

  /** After the grace period (and `extraMs`), a host still lost is fenced and its VMs dealt with. */
  private armFailure(extraMs: number): void {
    const { policy, graceMs } = this.failurePolicy();
    if (policy === 'none' || this.record.fencedAt !== undefined) return;
    this.ctx.startTimer('failure', { type: 'failure_check' }, graceMs + extraMs);
  }

  private failureCheck(): void {
    if (this.conn !== undefined || this.link?.ready === true || this.record.fencedAt !== undefined) return;
    if (this.vms.size === 0) {
      this.armFailure(0);
      return;
    }
    const fence = this.deps.fence;
    if (fence === undefined) {
      this.error = `lost for over ${this.failurePolicy().graceMs / 1000} s; nothing can confirm it is down: onehost fence ${this.record.name} once it is powered off`;
      return;
    }
    const self = this.ctx.self;
    this.ctx.log.warn({ policy: this.failurePolicy().policy }, 'host lost past its grace period: fencing it');
    fence(hostAccess(this.record)).then(
      (how) => self.tell({ type: 'fence_result', ok: true, how }),
      (err: unknown) => self.tell({ type: 'fence_result', ok: false, how: err instanceof Error ? err.message : String(err) }),
    );
  }

  private async fenceResult(ok: boolean, how: string): Promise<undefined> {
    if (this.conn !== undefined || this.record.fencedAt !== undefined) return undefined;
    if (ok) {
      await this.fenced(how);
      return undefined;
    }
    // Never run a VM twice: without proof the host is down, its VMs wait (and the operator can say so).
    this.error = `lost, and fencing could not confirm it is down (${how}): onehost fence ${this.record.name} once it is powered off`;
    this.ctx.log.warn({ how }, 'fencing failed; trying again after the grace period');
    this.armFailure(0);
    return undefined;
  }

  /** The host is down for sure: record it, and hand its VMs to the policy. */
  private async fenced(how: string): Promise<void> {
    await this.persist({ ...this.record, fencedAt: Date.now(), fencedHow: how });
    this.ctx.cancelTimer('failure');
    this.error = `fenced: ${how}`;
    const { policy } = this.failurePolicy();
    this.ctx.log.warn({ how, policy, vms: this.vms.size }, 'host fenced');
    for (const vmId of this.vms.keys())
      this.deps.vm(vmId)?.tell({ type: 'host_fenced', hostId: this.hostId, policy, sharedFiles: this.record.tm !== 'ssh' });
  }

  /**
   * A fenced host runs nothing: a hard stop (a cleanup, a recreate) is done
   * already, and the directory of a shared host's VM is oned's own to remove.
   * Anything else is refused.
   */
  private async answerFenced(cmd: NodeCommand): Promise<void> {
    // A deploy, restore or incoming migration is refused too: its VM must hear it.
    const vmId = vmIdOf(cmd);
    const reply = (ok: boolean, error?: { code: string; message: string }): void => {
      this.deps
        .vm(vmId)
        ?.tell(error === undefined ? { type: 'op_result', opId: cmd.opId, ok } : { type: 'op_result', opId: cmd.opId, ok, error });
    };
    if (cmd.type !== 'vm.shutdown' || !cmd.hard) {
      reply(false, { code: 'HOST_FENCED', message: `host ${this.record.name} is fenced` });
      return;
    }
    const root = this.deps.datastores;
    if (
      cmd.purge !== undefined &&
      this.record.tm !== 'ssh' &&
      root !== undefined &&
      cmd.purge.startsWith(`${root}/0/`) &&
      !cmd.purge.includes('..')
    ) {
      await rm(cmd.purge, { recursive: true, force: true });
    }
    reply(true);
  }

  /**
   * A command the link refuses to send (it fails the protocol's own
   * validation, or could never fit a frame) would otherwise vanish with the
   * VM waiting on it: its VM hears the refusal as the operation's outcome.
   */
  private sendCommand(cmd: NodeCommand): void {
    try {
      (this.link ??= this.newLink()).tell(cmd);
    } catch (err) {
      if (!isNepheleError(err)) throw err;
      this.ctx.log.error({ code: err.code, type: cmd.type, opId: cmd.opId }, 'command refused by the link');
      this.deps.vm(vmIdOf(cmd))?.tell({ type: 'op_result', opId: cmd.opId, ok: false, error: { code: err.code, message: err.message } });
    }
  }

  /**
   * The agent is back: tell each VM here whether the node still runs it.
   * After a new agent process (`newPeer`) the commands it had acknowledged
   * died with the old one: the VMs send theirs again.
   */
  private async reportBack(newPeer: boolean): Promise<void> {
    if (this.vms.size === 0 || this.link === undefined) return;
    let running: Set<number>;
    try {
      running = new Set(
        (await this.link.ask({ type: 'vm.list' }, { timeoutMs: 10_000 })).filter((v) => v.state !== 'failed').map((v) => v.vmId),
      );
    } catch (err) {
      this.ctx.log.warn({ err }, 'could not list the VMs of a returning agent');
      return;
    }
    for (const vmId of this.vms.keys())
      this.deps.vm(vmId)?.tell({ type: 'host_back', hostId: this.hostId, running: running.has(vmId), newPeer });
  }

  private dropLink(reason: string): void {
    this.conn?.close(reason);
    this.conn = undefined;
    this.link?.close();
    this.link = undefined;
  }

  private newLink(): Link<'frontend'> {
    const self = this.ctx.self;
    const linkId = randomUUID();
    return new Link<'frontend'>({
      side: 'frontend',
      name: `host-${this.hostId}`,
      incarnation: linkId,
      clock: this.ctx.clock,
      log: this.ctx.log,
      heartbeatMs: this.deps.heartbeatMs,
      lostAfterMs: this.deps.lostAfterMs,
      onCommand: (msg) => self.tell({ type: 'node_event', msg }),
      onEvent: (msg) => self.tell({ type: 'node_event', msg }),
      onRequest: () => {
        throw new NepheleError('UNKNOWN_MESSAGE', 'oned answers no requests from nodes');
      },
      onLost: () => self.tell({ type: 'lost', linkId }),
      onResumed: (peer) => self.tell({ type: 'resumed', linkId, newPeer: peer.newPeer }),
      onRtt: (ms) => this.deps.linkRtt?.(ms),
    });
  }

  private onNodeEvent(msg: NodeToFrontend): void {
    if (msg.type === 'host.monitoring') {
      this.deps.monitoringPush?.();
      const wasMonitored = this.state() === 'MONITORED';
      this.monitoring = msg.figures;
      this.lastMonitored = Date.now();
      // A VM's figures are kept only while it stays here: an agent speaks for its own VMs alone.
      this.deps.monitoringBook?.push(this.hostId, msg.figures, msg.vms, (vmId) => this.vms.has(vmId));
      if (!wasMonitored && this.state() === 'MONITORED') this.deps.kickPlacement();
    }
    if (msg.type === 'vm.state' && msg.opId === undefined && (msg.state === 'poweroff' || msg.state === 'failed')) {
      // Monitoring: the VM stopped without being asked.
      this.deps
        .vm(msg.vmId)
        ?.tell({ type: 'stopped_by_itself', hostId: this.hostId, failed: msg.state === 'failed', reason: msg.reason ?? msg.state });
    }
    if (msg.type === 'vm.state' && msg.reason === 'incoming' && msg.opId !== undefined) {
      // A live migration's destination is ready: its VM actor has the source send.
      this.deps.vm(msg.vmId)?.tell({ type: 'migrate_ready', opId: msg.opId });
    }
    if (msg.type === 'vm.op_result') {
      const result =
        msg.error === undefined
          ? { type: 'op_result' as const, opId: msg.opId, ok: msg.ok }
          : { type: 'op_result' as const, opId: msg.opId, ok: msg.ok, error: msg.error };
      this.deps.vm(msg.vmId)?.tell(result);
    }
  }

  private async monitorNow(): Promise<HostView> {
    const link = this.link;
    if (link === undefined || !link.ready) {
      throw new NepheleError('LINK_DOWN', `the agent of host ${this.record.name} is not connected`);
    }
    const figures = await link.ask({ type: 'host.monitor' }, { timeoutMs: 10_000 });
    this.monitoring = figures;
    this.lastMonitored = Date.now();
    this.deps.monitoringBook?.push(this.hostId, figures, undefined, () => false);
    return this.view();
  }

  /** The host's template: its top-level string attributes, as OpenNebula's onehost update keeps them. */
  private async update(text: string, append: boolean): Promise<HostView> {
    const parsed: Record<string, string> = {};
    for (const a of parseTemplate(text).attributes) if (typeof a.value === 'string') parsed[a.name] = a.value;
    const attributes = append ? { ...this.record.attributes, ...parsed } : parsed;
    const next: HostRecord = { ...this.record, attributes };
    await this.deps.store.put('hosts', this.hostId, next);
    this.record = next;
    this.deps.kickPlacement();
    return this.view();
  }

  private async persist(next: HostRecord): Promise<void> {
    await this.deps.store.put('hosts', this.hostId, next);
    this.record = next;
  }

  private async setStatus(action: HostStatusAction): Promise<HostView> {
    const admin = action === 'enable' ? 'enabled' : action === 'disable' ? 'disabled' : 'offline';
    if (admin !== this.record.admin) {
      const next: HostRecord = { ...this.record, admin };
      await this.deps.store.put('hosts', this.hostId, next);
      this.record = next;
      if (admin === 'enabled') this.deps.kickPlacement();
    }
    return this.view();
  }

  /** The state the table's rules give (host-states.ts). */
  private state(): HostState {
    return hostState({
      admin: this.record.admin,
      connected: this.conn !== undefined,
      linked: this.link?.ready === true,
      monitored: this.monitoring !== undefined,
      everConnected: this.everConnected,
      deployFailed: this.deploy?.at(-1)?.status === 'failed',
      overdue: this.ctx.clock.now() - this.startedAt > this.deps.initGraceMs,
    });
  }

  private view(): HostView {
    return {
      id: this.record.id,
      name: this.record.name,
      state: this.state(),
      im: this.record.im,
      vm: this.record.vm,
      cluster: this.record.cluster,
      rvm: this.vms.size,
      vms: [...this.vms.keys()].sort((a, b) => a - b),
      allocatedCpu: Math.round([...this.vms.values()].reduce((sum, v) => sum + v.cpu * 100, 0)),
      allocatedMem: [...this.vms.values()].reduce((sum, v) => sum + v.memory * 1024, 0),
      monitoring: this.monitoring,
      capabilities: this.capabilities,
      lastMonitored: this.lastMonitored,
      error: this.state() === 'ERROR' ? (this.error ?? 'no agent has connected') : undefined,
      agentIncarnation: this.conn === undefined ? undefined : this.link?.peerIncarnation,
      attributes: this.record.attributes ?? {},
      tm: this.record.tm ?? 'shared',
      ssh:
        this.record.ssh === undefined
          ? undefined
          : {
              target: formatSshTarget(this.record.ssh),
              dir: this.record.ssh.dir,
              hostKey: this.record.ssh.hostKey,
              ownKey: this.record.ssh.keyFile !== undefined,
            },
      deploy: this.deploy === undefined ? undefined : [...this.deploy],
      fenced: this.record.fencedAt === undefined ? undefined : { at: this.record.fencedAt, how: this.record.fencedHow ?? '' },
    };
  }
}

function vmIdOf(cmd: NodeCommand): number {
  return 'spec' in cmd ? cmd.spec.vmId : cmd.vmId;
}

import type { Actor, ActorContext, ActorRef, AnyRef, TellRef, WithReplies } from '../actors/index.js';
import { NepheleError } from '../errors.js';
import type { HostMsg } from '../hosts/host-actor.js';
import type { HostToVm } from '../hosts/host-to-vm.js';
import { releaseLeases, type NetworkMsg } from '../networks/network-actor.js';
import type { VmToScheduler } from './vm-to-scheduler.js';
import type { Store } from '../store/index.js';
import type { VmIndex } from './vm-index.js';
import {
  OPERATIONS,
  checkGuards,
  fencedEvent,
  hostBackEvent,
  outcomeOf,
  takesGuestReport,
  transition,
  waitsForScheduler,
  type OpKind,
  type Transition,
} from './vm-lifecycle.js';
import { step } from './vm-step.js';
import type { UserEvent } from './vm-actions.js';
import { currentHostId, hasFiles, openStays, vmView, type HistoryRecord, type PendingOp, type VmRecord, type VmView } from './vm-record.js';
import type { ImagePoolMsg } from '../images/image-pool.js';
import type { HostSsh } from '../hosts/host-record.js';
import type { Place, SshTransfers } from '../hosts/ssh-transfers.js';
import { migrationPort, nodeCommand } from './node-command.js';
import { saves, type OnedTransfer, type Spot, type TransferFacts } from './transfer-facts.js';
import { isLocal, isTransferOp, planTransfer } from './transfer-plan.js';
import { isNepheleError } from '../errors.js';
import { ownedOf } from '../auth/authorize.js';
import { applyChmod, checkChmod, checkChown, type Changer } from '../auth/permissions.js';
import { updatedUserTemplate } from './vm-user-template.js';

type VmMessages =
  | { readonly type: 'info' }
  | { readonly type: 'action'; readonly event: UserEvent }
  /** In any state (OpenNebula's rule): only the record holds the name. */
  | { readonly type: 'rename'; readonly name: string }
  /**
   * OpenNebula's chown, checked here against the record as it is (checkChown):
   * a new owner and/or group. `ownerGid`: the group a VM stored without one
   * is shown in, which it then keeps.
   */
  | { readonly type: 'chown'; readonly who: Changer; readonly uid?: number; readonly gid?: number; readonly ownerGid: number }
  /** OpenNebula's chmod: its nine values, 1 set, 0 clear, -1 leave (checkChmod). */
  | { readonly type: 'chmod'; readonly who: Changer; readonly values: readonly number[]; readonly ownerGid: number }
  /**
   * OpenNebula's `onevm update`: the user template replaced by `template`
   * (text), or merged into it with `append`; `admin` may change the
   * restricted attributes (src/vms/vm-user-template.ts). In any state: only
   * the record holds it.
   */
  | { readonly type: 'update'; readonly template: string; readonly append: boolean; readonly admin: boolean }
  | HostToVm
  /** The operation's deadline passed (timer). */
  | { readonly type: 'op_deadline'; readonly opId: string }
  /** A host actor restarted and lost its list: say again whether this VM stays there. */
  | { readonly type: 'announce'; readonly hostId: number }
  /** The scheduler started afresh: a VM that waits tells it again. */
  | { readonly type: 'sched_hello' }
  /** Why the scheduler left the VM where it is. */
  | { readonly type: 'sched_message'; readonly message: string };

/** What an ask of a VM actor answers; the other messages are told. */
export interface VmReplies {
  readonly info: VmView;
  readonly action: VmView;
  readonly rename: VmView;
  readonly chown: VmView;
  readonly chmod: VmView;
  readonly update: VmView;
}

export type VmMsg = WithReplies<VmMessages, VmReplies>;

/** Where a VM's files are: the front-end's datastores, which hosts share (TM_MAD = shared). */
export interface VmDatastores {
  /** The VM's directory: `<datastores>/0/<vmId>`. */
  readonly vmDir: (vmId: number) => string;
  /** The images datastore, where SAVE = yes disks go: `<datastores>/1`. */
  readonly images: string;
}

export interface VmActorDeps {
  readonly store: Store;
  /** The HostActor of a host id, if that host exists. */
  readonly host: (hostId: number) => ActorRef<HostMsg> | undefined;
  /** A record the pool already holds for a new actor; a restarted actor reads the store. */
  readonly preloaded: Map<number, VmRecord>;
  /** The pool's index, told of every record written. @default none */
  readonly index?: VmIndex;
  /** The scheduler, told whenever the VM starts or stops waiting for it. */
  readonly placement: () => TellRef<VmToScheduler> | undefined;
  /** The NetworkActor of a network id, if that network exists. */
  readonly network?: (networkId: number) => ActorRef<NetworkMsg> | undefined;
  /** Without datastores a VM has no files: PROLOG and EPILOG have nothing to do. */
  readonly datastores?: VmDatastores;
  /** A host's name, which is where its agent's migrations listen (OpenNebula migrates to the host's name). */
  readonly hostName?: (hostId: number) => Promise<string | undefined>;
  /** The image pool: images are given back at DONE, saved disks registered. */
  readonly images?: () => ActorRef<ImagePoolMsg> | undefined;
  /** A host's SSH access when its TM_MAD is ssh (its files are its own), else undefined (it shares the datastores). */
  readonly hostSsh?: (hostId: number) => Promise<HostSsh | undefined>;
  /** Oned's side of TM_MAD = ssh. */
  readonly transfers?: SshTransfers;
  /** How long each kind of operation may take before the VM gives up on it. @default DEFAULT_OPERATION_DEADLINES */
  readonly operationDeadlines?: Partial<Readonly<Record<OpKind, number>>>;
  /** Told once the VM is DONE and stored so: its monitoring window goes (src/hosts/monitoring-book.ts). @default none */
  readonly monitoringDone?: (vmId: number) => void;
}

/**
 * How long an operation may go without an outcome (ms), by kind: then the
 * VM takes its step's failure (OPERATION_TIMEOUT) instead of waiting for
 * ever on an agent that will never answer. Generous: an image transfer or a
 * migration of a large VM takes long on a real host; a driver that fails
 * says so long before.
 */
export const DEFAULT_OPERATION_DEADLINES: Readonly<Record<OpKind, number>> = Object.freeze({
  prolog: 3_600_000,
  epilog: 3_600_000,
  migrate_live: 3_600_000,
  save: 1_800_000,
  restore: 1_800_000,
  deploy: 900_000,
  shutdown: 900_000,
  reboot: 900_000,
  cleanup: 900_000,
});

/**
 * After oned starts, an operation whose deadline passed while it was down
 * still gets this long (or its whole deadline, if shorter): its agent may
 * have finished it and only waits to say so.
 */
const RESTART_GRACE_MS = 60_000;

/** A timer cannot wait longer (setTimeout's limit); a longer deadline re-arms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** VM actors are registered under this name, so that host actors can route node outcomes to them. */
export function vmActorName(vmId: number): string {
  return `vm-${vmId}`;
}

/**
 * One per VM: owns its state and walks it through the life cycle table.
 * Every transition is written to the store — with the operation it starts
 * and its opId — before the operation is sent, so a restarted oned sends
 * the same operation again, and the node (which dedups by opId) does it
 * once. Outcomes of any other opId are late and ignored.
 */
export class VmActor implements Actor<VmMsg> {
  private readonly ctx: ActorContext<VmMsg>;
  private readonly deps: VmActorDeps;
  private readonly vmId: number;
  private record!: VmRecord;
  /** Whether the scheduler was last told that this VM waits. */
  private toldWaiting = false;
  /** Hosts' TM_MAD = ssh access (null: shared), learnt once per host: it does not change. */
  private readonly sshHosts = new Map<number, HostSsh | null>();
  /** Operations whose transfer before the node's part (TM_MAD = ssh) is under way: the node's part follows it. */
  private readonly transferring = new Set<string>();
  /**
   * The host whose restarted agent no longer had the VM while an operation
   * that keeps the guest where it is (shutdown, save, reboot) was resent:
   * if that operation fails back into RUNNING, the VM is not running there.
   */
  private goneFrom: { readonly opId: string; readonly hostId: number } | undefined;

  constructor(ctx: ActorContext<VmMsg>, vmId: number, deps: VmActorDeps) {
    this.ctx = ctx;
    this.vmId = vmId;
    this.deps = deps;
  }

  async preStart(): Promise<void> {
    const preloaded = this.deps.preloaded.get(this.vmId);
    this.deps.preloaded.delete(this.vmId);
    const record = preloaded ?? (await this.deps.store.get('vms', this.vmId));
    if (record === undefined) throw new NepheleError('VM_NOT_FOUND', `VM ${this.vmId} is not in the store`);
    this.record = record;
    for (const stay of openStays(record))
      this.tellHost(stay.hostId, { type: 'vm_here', vmId: record.id, cpu: record.cpu, memory: record.memory });
    // Which of its hosts keep files of their own (TM_MAD = ssh), before an operation goes out again;
    // other VMs learn it at their next transition, not all at once at oned's start.
    if (record.pending !== undefined) await this.learnHosts(record.history.map((h) => h.hostId));
    // Reconcile: whatever was in flight goes out again under its own opId.
    if (record.pending !== undefined) {
      this.armDeadline(record.pending, Date.now() + Math.min(this.deadlineMs(record.pending.effect.kind), RESTART_GRACE_MS));
      this.send(record.pending);
    }
    this.tellScheduler();
  }

  async receive(msg: VmMsg): Promise<VmView | undefined> {
    switch (msg.type) {
      case 'info':
        return vmView(this.record);
      case 'action': {
        const hostId = currentHostId(this.record);
        // The guards may ask which of the hosts the event names keep files of their own.
        if ('hostId' in msg.event && this.dir() !== undefined)
          await this.learnHosts([hostId, msg.event.hostId].filter((h): h is number => h !== undefined));
        checkGuards(msg.event, {
          vmId: this.vmId,
          hostId,
          hasFiles: this.dir() !== undefined,
          ownFiles: (h) => this.sshOf(h) !== undefined,
        });
        await this.apply(transition(this.record.state, msg.event), undefined);
        return vmView(this.record);
      }
      case 'rename':
        if (msg.name !== this.record.name) await this.persist({ ...this.record, name: msg.name });
        return vmView(this.record);
      case 'chown': {
        const r = this.record;
        const owned = { ...ownedOf(r, 'VM'), gid: r.gid ?? msg.ownerGid };
        checkChown(msg.who, owned, { uid: msg.uid, gid: msg.gid }, `VM ${r.id}`);
        // The bits are stored with the new owner: a record without them keeps the rule it was made under.
        await this.persist({ ...r, uid: msg.uid ?? r.uid, gid: msg.gid ?? owned.gid, perms: owned.perms });
        return vmView(this.record);
      }
      case 'chmod': {
        const r = this.record;
        const owned = { ...ownedOf(r, 'VM'), gid: r.gid ?? msg.ownerGid };
        const perms = applyChmod(owned.perms, msg.values);
        checkChmod(msg.who, owned, perms, `VM ${r.id}`);
        await this.persist({ ...r, gid: owned.gid, perms });
        return vmView(this.record);
      }
      case 'update': {
        const r = this.record;
        const change = updatedUserTemplate(r, msg.template, msg);
        await this.persist({ ...r, ...change });
        // New scheduling expressions reach the scheduler at once for a VM that waits (tellScheduler sends only then).
        if (change.requirements !== r.requirements || change.rank !== r.rank) {
          this.toldWaiting = false;
          this.tellScheduler();
        }
        return vmView(this.record);
      }
      case 'op_result':
        return this.onResult(msg);
      case 'host_lost':
        if (currentHostId(this.record) === msg.hostId) await this.apply(transition(this.record.state, { type: 'host_lost' }), undefined);
        return undefined;
      case 'stopped_by_itself': {
        // As OpenNebula's monitoring: a RUNNING VM whose guest powered off goes to POWEROFF,
        // one whose process died to UNKNOWN; both say why.
        // Only the host the VM is on speaks for it: a host it left may still report its old copy.
        const here = msg.hostId === undefined || msg.hostId === currentHostId(this.record);
        if (here && takesGuestReport(this.record.state, this.record.pending !== undefined)) {
          await this.apply(transition(this.record.state, { type: msg.failed === true ? 'vm_failed' : 'vm_gone' }), msg.reason);
        }
        return undefined;
      }
      case 'host_fenced':
        await this.onHostFenced(msg);
        return undefined;
      case 'migrate_ready':
        this.sendMigrateOut(msg.opId);
        return undefined;
      case 'sched_hello':
        this.toldWaiting = false;
        this.tellScheduler();
        return undefined;
      case 'sched_message':
        if (msg.message !== this.record.schedMessage) await this.persist({ ...this.record, schedMessage: msg.message });
        return undefined;
      case 'announce':
        if (openStays(this.record).some((s) => s.hostId === msg.hostId)) {
          this.tellHost(msg.hostId, { type: 'vm_here', vmId: this.vmId, cpu: this.record.cpu, memory: this.record.memory });
        }
        return undefined;
      case 'op_deadline':
        return this.onDeadline(msg.opId);
      case 'host_back': {
        if (msg.newPeer === true) this.resendTo(msg.hostId, msg.running);
        if (currentHostId(this.record) !== msg.hostId) return undefined;
        const back = hostBackEvent(this.record.state, this.record.pending !== undefined, msg.running);
        if (back !== undefined) await this.apply(transition(this.record.state, back), back.reason);
        return undefined;
      }
    }
  }

  /**
   * The host's agent is another process than the one the operation went to:
   * what it had acknowledged died with the old one. The operation goes again
   * under its own opId (the agent's ledger runs it once, or says again how
   * it ended).
   */
  private resendTo(hostId: number, running: boolean): void {
    const pending = this.record.pending;
    if (pending === undefined || pending.hostId !== hostId) return;
    if (!running && OPERATIONS[pending.effect.kind].keepsGuest) this.goneFrom = { opId: pending.opId, hostId };
    // Oned's own transfer is still under way: the node's part follows it, to the new agent.
    if (this.transferring.has(pending.opId)) return;
    this.ctx.log.info({ opId: pending.opId, op: pending.effect.kind, hostId }, 'operation sent again to a restarted agent');
    this.sendCommand(pending);
  }

  /** No outcome in time: the operation ends as failed, its reason in lastError and the log. */
  private async onDeadline(opId: string): Promise<undefined> {
    const pending = this.record.pending;
    if (pending?.opId !== opId) return undefined;
    const deadline = pending.deadline ?? 0;
    if (deadline > Date.now()) {
      // A deadline farther than a timer can wait, or one moved by a restart: wait on.
      this.armDeadline(pending, deadline);
      return undefined;
    }
    const seconds = Math.round(this.deadlineMs(pending.effect.kind) / 1000);
    const message = `no outcome for ${pending.effect.kind} (operation ${opId}) from host ${pending.hostId ?? '-'} within its deadline of ${seconds} s`;
    this.ctx.log.warn({ opId, op: pending.effect.kind, hostId: pending.hostId }, 'operation timed out');
    // A live migration's destination may hold a copy waiting for the state: it goes, the VM stays where it ran.
    if (pending.effect.kind === 'migrate_live' && pending.hostId !== undefined) this.hardStop(pending.hostId, `${opId}.abort`);
    return this.onResult({ type: 'op_result', opId, ok: false, error: { code: 'OPERATION_TIMEOUT', message } });
  }

  private deadlineMs(kind: OpKind): number {
    return this.deps.operationDeadlines?.[kind] ?? DEFAULT_OPERATION_DEADLINES[kind];
  }

  /** The timer for the operation's deadline (or `atLeast`, if later: after a restart). */
  private armDeadline(op: PendingOp, atLeast = 0): void {
    const at = Math.max(op.deadline ?? Date.now() + this.deadlineMs(op.effect.kind), atLeast);
    this.ctx.startTimer('op_deadline', { type: 'op_deadline', opId: op.opId }, Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS));
  }

  /** The host is down for sure, so the VM may run elsewhere: the host-failure policy's event (fencedEvent). */
  private async onHostFenced(msg: Extract<VmMsg, { type: 'host_fenced' }>): Promise<void> {
    if (currentHostId(this.record) !== msg.hostId) return;
    const event = fencedEvent(this.record.state, msg.policy, msg.sharedFiles);
    if (event === undefined) return;
    if (event.type === 'recover') this.ctx.log.warn({ hostId: msg.hostId, op: event.op }, 'host failure policy');
    await this.apply(transition(this.record.state, event), `host ${msg.hostId} failed and was fenced; policy ${msg.policy}`);
  }

  private async onResult(msg: Extract<VmMsg, { type: 'op_result' }>): Promise<undefined> {
    const pending = this.record.pending;
    if (pending?.effect.kind === 'migrate_live' && msg.opId === `${pending.opId}.out`) {
      if (msg.ok) return undefined; // the destination's own outcome ends the migration
      // The source kept the VM: the destination's waiting copy goes, the VM runs where it was.
      const dest = pending.hostId;
      if (dest !== undefined) this.hardStop(dest, `${pending.opId}.abort`);
      await this.apply(
        transition(this.record.state, { type: 'migrate_failed', reason: msg.error?.message ?? 'failed' }),
        msg.error?.message ?? 'the migration failed',
      );
      return undefined;
    }
    if (pending === undefined || pending.opId !== msg.opId) {
      this.ctx.log.debug({ opId: msg.opId }, 'late outcome ignored');
      return undefined;
    }
    const after = msg.ok && msg.after !== true && isTransferOp(pending) ? planTransfer(pending, this.facts()).after : undefined;
    if (after !== undefined) {
      // The node did its part; oned's transfer (TM_MAD = ssh) ends the operation.
      void this.transfer(after, false).then(
        () => this.ctx.self.tell({ type: 'op_result', opId: pending.opId, ok: true, after: true }),
        (err: unknown) => this.ctx.self.tell({ type: 'op_result', opId: pending.opId, ok: false, after: true, error: errorOf(err) }),
      );
      return undefined;
    }
    const { ok, outcome } = outcomeOf(pending.effect.kind, msg.ok, msg.error?.code);
    if (ok && pending.effect.kind === 'migrate_live') this.finishLiveMigration();
    if (ok && pending.effect.kind === 'epilog') await this.registerSaved(pending.opId);
    const error = ok ? undefined : (msg.error?.message ?? 'failed');
    const t =
      outcome === undefined
        ? undefined
        : transition(this.record.state, { type: outcome, ...(error === undefined ? {} : { reason: error }) });
    const gone = this.goneFrom?.opId === pending.opId ? this.goneFrom.hostId : undefined;
    this.goneFrom = undefined;
    if (t === undefined) {
      // Nothing in the table moves on this outcome (a reboot, a late one): it just ends the operation.
      await this.persist({ ...this.record, pending: undefined, lastError: error ?? this.record.lastError });
    } else {
      await this.apply(t, error);
    }
    // The operation failed back into RUNNING on a host whose restarted agent no longer has the VM.
    const r = this.record;
    if (gone !== undefined && r.state === 'RUNNING' && r.pending === undefined && currentHostId(r) === gone) {
      await this.apply(
        transition(r.state, { type: 'vm_gone' }),
        'the node no longer runs the VM: its agent restarted during the operation',
      );
    }
    return undefined;
  }

  /**
   * Stores the transition and what it starts, then starts it. Bookkeeping
   * effects (history, scheduling flags) become part of the stored record;
   * the operation (at most one per transition) is sent after the write.
   */
  private async apply(t: Transition | undefined, error: string | undefined): Promise<void> {
    if (t === undefined) return;
    const now = Date.now();
    const before = this.record;
    const deadlines = (kind: OpKind): number => this.deadlineMs(kind);
    let { next, stays, release } = step(before, t, error, now, deadlines);
    await this.learnHosts(next.history.map((h) => h.hostId));
    // A step with nothing to do on a node (the prolog and epilog of a VM
    // without files, or of one whose files stay where they are) finishes at
    // once: its outcome goes into the same write.
    while (next.pending !== undefined && isLocal(next.pending, this.facts(next))) {
      const outcome = OPERATIONS[next.pending.effect.kind].done;
      const then = outcome === undefined ? undefined : transition(next.state, { type: outcome });
      if (then === undefined) {
        next = { ...next, pending: undefined };
        break;
      }
      const after = step(next, then, undefined, now, deadlines);
      ({ next, stays } = after);
      release ||= after.release;
    }
    const pending = next.pending;
    // A DONE VM waits for nothing: its cleanup goes once, best effort, and no actor hears how it ended.
    const done = next.state === 'DONE';
    await this.persist({ ...next, ...(next.scheduled ? {} : { schedMessage: undefined }), ...(done ? { pending: undefined } : {}) });
    this.tellScheduler();
    this.ctx.log.info({ from: before.state, to: next.state, op: pending?.effect.kind }, 'transition');
    this.announceStays(before.history, next.history);
    if (pending !== undefined) {
      if (!done) this.armDeadline(pending);
      this.send(pending);
    }
    // After the write: a crash before it leaves the leases held by a VM that is not
    // yet DONE; one after it is caught by oned's reconciliation at start.
    if (release) {
      releaseLeases(this.vmId, this.record.nics ?? [], (id) => this.deps.network?.(id));
      this.deps.images?.()?.tell({ type: 'release', vmId: this.vmId });
    }
    // A cleanup reaches every host the VM was on, not only the one its opId goes to.
    if (pending?.effect.kind === 'cleanup') for (const st of stays.slice(0, -1)) this.hardStop(st.hostId, `${pending.opId}.h${st.hostId}`);
    if (next.state === 'DONE') {
      this.deps.monitoringDone?.(this.vmId);
      void this.ctx.stop();
    }
  }

  private tellScheduler(): void {
    const r = this.record;
    const waits = waitsForScheduler({ state: r.state, scheduled: r.scheduled, inFlight: r.pending !== undefined });
    if (!waits && !this.toldWaiting) return;
    this.toldWaiting = waits;
    this.deps.placement()?.tell({
      type: 'vm',
      vmId: r.id,
      vm: waits
        ? {
            id: r.id,
            state: r.state,
            cpu: r.cpu,
            memory: r.memory,
            hostId: currentHostId(r),
            requirements: r.requirements,
            rank: r.rank,
            schedMessage: r.schedMessage,
          }
        : undefined,
    });
  }

  private async persist(next: VmRecord): Promise<void> {
    await this.deps.store.put('vms', next.id, next);
    this.record = next;
    this.deps.index?.put(next);
    if (next.pending === undefined) this.ctx.cancelTimer('op_deadline');
  }

  /** Tells hosts which VMs they hold, for RVM and ALLOCATED_CPU/MEM and for routing host losses. */
  private announceStays(before: readonly HistoryRecord[], after: readonly HistoryRecord[]): void {
    const open = (hs: readonly HistoryRecord[]) => new Set(hs.filter((h) => h.etime === undefined).map((h) => h.hostId));
    const was = open(before);
    const now = open(after);
    for (const hostId of now)
      if (!was.has(hostId)) this.tellHost(hostId, { type: 'vm_here', vmId: this.vmId, cpu: this.record.cpu, memory: this.record.memory });
    for (const hostId of was) if (!now.has(hostId)) this.tellHost(hostId, { type: 'vm_left', vmId: this.vmId });
  }

  /** Sends the operation to its node, or — with nothing to do on a node yet — completes it at once. */
  private send(op: PendingOp): void {
    const before = isTransferOp(op) ? planTransfer(op, this.facts()).before : undefined;
    if (before === undefined) {
      this.sendCommand(op);
      return;
    }
    // Oned's part of the transfer first (TM_MAD = ssh), then the node's.
    this.transferring.add(op.opId);
    void this.transfer(before, true)
      .finally(() => this.transferring.delete(op.opId))
      .then(
        () => this.sendCommand(op),
        (err: unknown) => this.ctx.self.tell({ type: 'op_result', opId: op.opId, ok: false, error: errorOf(err) }),
      );
  }

  private sendCommand(op: PendingOp): void {
    const command = nodeCommand(op, this.facts());
    if (command === undefined || op.hostId === undefined) {
      this.ctx.self.tell({ type: 'op_result', opId: op.opId, ok: true });
      return;
    }
    const host = this.deps.host(op.hostId);
    if (host === undefined) {
      this.ctx.self.tell({
        type: 'op_result',
        opId: op.opId,
        ok: false,
        error: { code: 'HOST_NOT_FOUND', message: `host ${op.hostId} is gone` },
      });
      return;
    }
    if (command.type === 'vm.migrate_in') {
      void this.migrationHost(op.hostId).then((name) =>
        host.tell({ type: 'command', cmd: { ...command, listen: { ...command.listen, host: name } } }),
      );
      return;
    }
    host.tell({ type: 'command', cmd: command });
  }

  /** The VM's directory on the front-end (and on hosts sharing its datastores), when it has files. */
  private dir(): string | undefined {
    return this.deps.datastores !== undefined && hasFiles(this.record) ? this.deps.datastores.vmDir(this.vmId) : undefined;
  }

  private sshOf(hostId: number): HostSsh | undefined {
    return this.sshHosts.get(hostId) ?? undefined;
  }

  private async learnHosts(ids: readonly number[]): Promise<void> {
    const lookup = this.deps.hostSsh;
    // Only a VM with files reads a host's TM_MAD (see facts): the others ask no host actor on their way.
    if (lookup === undefined || this.dir() === undefined) return;
    for (const id of new Set(ids)) {
      if (this.sshHosts.has(id)) continue;
      this.sshHosts.set(id, (await lookup(id).catch(() => undefined)) ?? null);
    }
  }

  /** What a transfer plan reads: `record` (the one being written, in apply) and where its files are. */
  private facts(record: VmRecord = this.record): TransferFacts {
    const ds = this.deps.datastores;
    return {
      vm: record,
      dir: ds !== undefined && hasFiles(record) ? ds.vmDir(this.vmId) : undefined,
      images: ds?.images,
      sshOf: (h) => this.sshOf(h),
    };
  }

  /**
   * Runs one of oned's own transfers (TM_MAD = ssh). A host's SSH access is
   * read afresh: `onehost sync --rekey` may have pinned a new key. Without
   * transfers in this oned, a part before the node's fails; one after it is
   * skipped.
   */
  private async transfer(t: OnedTransfer, required: boolean): Promise<void> {
    const tm = this.deps.transfers;
    if (tm === undefined) {
      if (required) throw new NepheleError('DRIVER_FAILED', 'TM_MAD = ssh is not available in this oned');
      return;
    }
    const ssh = async (hostId: number): Promise<HostSsh | undefined> => (await this.deps.hostSsh?.(hostId)) ?? this.sshOf(hostId);
    const place = async (spot: Spot): Promise<Place> => {
      const access = spot.host === undefined ? undefined : await ssh(spot.host);
      return access === undefined ? { dir: spot.dir } : { ssh: access, dir: spot.dir };
    };
    switch (t.kind) {
      case 'move':
        await tm.move(await place(t.from), await place(t.to));
        return;
      case 'put': {
        const access = await ssh(t.host);
        if (access !== undefined) await tm.put(access, t.files);
        return;
      }
      case 'remove': {
        const access = await ssh(t.host);
        if (access !== undefined) await tm.remove(access, t.paths);
        return;
      }
      case 'bring_back': {
        const access = await ssh(t.host);
        if (access !== undefined) await tm.bringBack(access, t.dir, t.files);
        return;
      }
    }
  }

  /** The disks EPILOG saved become images of the VM's owner; a refusal (a name taken) is logged and kept in lastError. */
  private async registerSaved(opId: string): Promise<void> {
    const dir = this.dir();
    const pool = this.deps.images?.();
    if (dir === undefined || pool === undefined) return;
    const saved = saves(this.record, dir, opId, this.deps.datastores?.images);
    const disks = (this.record.disks ?? []).filter((d) => d.saveAs !== undefined);
    for (const [i, save] of saved.entries()) {
      const name = disks[i]?.saveAs ?? `${this.record.name}-${this.vmId}`;
      try {
        await pool.ask(
          { type: 'register', name, uid: this.record.uid, gid: this.record.gid ?? 0, imageType: 'OS', path: save.target },
          { timeoutMs: 30_000 },
        );
      } catch (err) {
        const message = `disk saved to ${save.target} but not registered as image ${name}: ${err instanceof Error ? err.message : String(err)}`;
        this.ctx.log.error({ err, path: save.target }, 'saved disk not registered');
        this.record = { ...this.record, lastError: message };
      }
    }
  }

  /** The destination waits: the source sends the VM there (its outcome is the `.out` of the migration's opId). */
  private sendMigrateOut(opId: string): void {
    const pending = this.record.pending;
    if (pending?.effect.kind !== 'migrate_live' || pending.opId !== opId) return;
    const source = openStays(this.record)[0]?.hostId;
    const dest = pending.hostId;
    if (source === undefined || dest === undefined || source === dest) return;
    void this.migrationHost(dest).then((host) => {
      this.tellHost(source, {
        type: 'command',
        cmd: { type: 'vm.migrate_out', opId: `${opId}.out`, vmId: this.vmId, uri: `tcp:${host}:${migrationPort(this.vmId)}` },
      });
    });
  }

  /** Where a destination listens: its host name, as OpenNebula migrates to the host's name. */
  private async migrationHost(hostId: number): Promise<string> {
    return (await this.deps.hostName?.(hostId).catch(() => undefined)) ?? '127.0.0.1';
  }

  /** The copy runs on the destination; once it does, the source lets its copy go. */
  private finishLiveMigration(): void {
    const source = openStays(this.record)[0]?.hostId;
    if (source === undefined || source === currentHostId(this.record)) return;
    this.hardStop(source, `${this.record.pending?.opId ?? this.vmId}.src`);
  }

  /** Best effort, outside the one operation in flight: its outcome is not awaited. */
  private hardStop(hostId: number, opId: string): void {
    this.tellHost(hostId, { type: 'command', cmd: { type: 'vm.shutdown', opId, vmId: this.vmId, hard: true } });
  }

  private tellHost(hostId: number, msg: HostMsg): void {
    const host: AnyRef | undefined = this.deps.host(hostId);
    host?.tell(msg);
  }
}

function errorOf(err: unknown): { code: string; message: string } {
  return { code: isNepheleError(err) ? err.code : 'DRIVER_FAILED', message: err instanceof Error ? err.message : String(err) };
}

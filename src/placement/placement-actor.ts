import type { Actor, ActorContext, ActorRef, WithReplies } from '../actors/index.js';
import type { HostView } from '../hosts/host-view.js';
import type { HostPoolMsg } from '../hosts/host-pool.js';
import type { VmMsg } from '../vms/vm-actor.js';
import type { VmState } from '../vms/vm-states.js';
import type { SchedVm, VmToScheduler } from '../vms/vm-to-scheduler.js';
import { ExpressionCache, type Rank, type Requirements, compileRank, compileRequirements } from './expr/index.js';
import { POLICY_RANK, place, type HostCandidate, type HostVars, type PendingVm, type PlacementOptions } from './placement-core.js';

type PlacementMessages =
  | VmToScheduler
  /** Capacity may have changed: a host came up or was enabled, a VM left a host. */
  | { readonly type: 'kick' }
  | { readonly type: 'pass' }
  | { readonly type: 'stats' };

/** What an ask of the scheduler answers; the other messages are told. */
export interface PlacementReplies {
  readonly stats: PlacementStats;
}

export type PlacementMsg = WithReplies<PlacementMessages, PlacementReplies>;

export interface PlacementStats {
  readonly queued: number;
  readonly passes: number;
  readonly placed: number;
  readonly rescheduled: number;
}

/** Hears the scheduler's work, for metrics (oned's are in src/metrics/). */
export interface PlacementMetrics {
  /** A VM was deployed by a pass, `waitedSeconds` after it began to wait for the scheduler. */
  placed(waitedSeconds: number): void;
}

export interface PlacementDeps {
  readonly hostPool: () => ActorRef<HostPoolMsg>;
  readonly vm: (id: number) => ActorRef<VmMsg> | undefined;
  readonly options: Readonly<PlacementOptions>;
  /** Wait after a change before a pass, so a burst is placed in one. @default 10 */
  readonly debounceMs?: number;
  /** A pass this often while VMs wait, whatever happens. @default 5000 */
  readonly safetyPassMs?: number;
  /** @default none */
  readonly metrics?: PlacementMetrics;
  /**
   * Asks the VMs that wait to say so again: at oned's start they spoke
   * before the scheduler ran, and a restarted scheduler has lost its queue.
   */
  readonly helloVms?: () => void;
}

interface Queued {
  readonly vm: SchedVm;
  readonly requirements: Requirements;
  readonly rank: Rank | undefined;
  /** When the VM began to wait (clock ms), kept while it waits. */
  readonly since: number;
}

/** States the scheduler deploys from; RUNNING ones are resched requests. */
const DEPLOYABLE = new Set<VmState>(['PENDING', 'STOPPED', 'UNDEPLOYED']);

/**
 * The scheduler: keeps the VMs that wait for a host, and when something
 * changes (debounced) — or every few seconds while any wait — matches them
 * against the hosts that are MONITORED, as OpenNebula's mm_sched does but in
 * one process and with every expression compiled once per VM. Dispatching
 * is an ordinary `deploy` (or `migrate --live` for a resched) to the VM's
 * actor, awaited before the pass ends, so the next pass sees the capacity
 * the last one took.
 */
export class PlacementActor implements Actor<PlacementMsg> {
  private readonly ctx: ActorContext<PlacementMsg>;
  private readonly deps: PlacementDeps;
  private readonly queue = new Map<number, Queued>();
  /** VMs from one template share their compiled expressions. */
  private readonly expressions = new ExpressionCache();
  private passes = 0;
  private placed = 0;
  private rescheduled = 0;

  constructor(ctx: ActorContext<PlacementMsg>, deps: PlacementDeps) {
    this.ctx = ctx;
    this.deps = deps;
  }

  preStart(): void {
    this.ctx.startTimer('safety', { type: 'pass' }, this.deps.safetyPassMs ?? 5000, { repeat: true });
    this.deps.helloVms?.();
  }

  receive(msg: PlacementMsg): unknown {
    switch (msg.type) {
      case 'vm':
        if (msg.vm === undefined) {
          this.queue.delete(msg.vmId);
          return undefined;
        }
        this.enqueue(msg.vm);
        this.soon();
        return undefined;
      case 'kick':
        if (this.queue.size > 0) this.soon();
        return undefined;
      case 'pass':
        return this.queue.size === 0 ? undefined : this.pass();
      case 'stats':
        return {
          queued: this.queue.size,
          passes: this.passes,
          placed: this.placed,
          rescheduled: this.rescheduled,
        } satisfies PlacementStats;
    }
  }

  private enqueue(vm: SchedVm): void {
    const known = this.queue.get(vm.id);
    if (known !== undefined && known.vm.requirements === vm.requirements && known.vm.rank === vm.rank) {
      this.queue.set(vm.id, { ...known, vm });
      return;
    }
    try {
      // Checked at create; a record from before the check could still hold a bad one.
      this.queue.set(vm.id, {
        vm,
        since: known?.since ?? this.ctx.clock.now(),
        requirements: compileRequirements(vm.requirements ?? '', this.expressions),
        rank: vm.rank === undefined ? undefined : compileRank(vm.rank, this.expressions),
      });
    } catch (err) {
      this.ctx.log.warn({ vmId: vm.id, err }, 'VM with an expression that does not compile is not scheduled');
      this.deps
        .vm(vm.id)
        ?.tell({ type: 'sched_message', message: `Cannot evaluate SCHED_REQUIREMENTS or SCHED_RANK: ${(err as Error).message}` });
    }
  }

  private soon(): void {
    if (!this.ctx.isTimerActive('debounce')) this.ctx.startTimer('debounce', { type: 'pass' }, this.deps.debounceMs ?? 10);
  }

  private async pass(): Promise<void> {
    this.passes++;
    this.ctx.cancelTimer('debounce');
    const views = await this.deps.hostPool().ask({ type: 'list' });
    const hosts = views
      .filter((h) => h.state === 'MONITORED' && h.monitoring !== undefined)
      .sort((a, b) => a.id - b.id)
      .map(candidate);
    const waiting = [...this.queue.values()];
    const deployable = waiting.filter((q) => DEPLOYABLE.has(q.vm.state));
    const result = place(deployable.map(pending), hosts, this.deps.options);
    const dispatches = result.dispatched.map(async ({ vmId, hostId }) => {
      const since = this.queue.get(vmId)?.since;
      this.queue.delete(vmId);
      try {
        await this.deps.vm(vmId)?.ask({ type: 'action', event: { type: 'deploy', hostId } });
        this.placed++;
        if (since !== undefined) this.deps.metrics?.placed((this.ctx.clock.now() - since) / 1000);
      } catch (err) {
        this.ctx.log.warn({ vmId, hostId, err }, 'dispatch refused');
      }
    });
    for (const { vmId, reason } of result.unplaced) {
      const q = this.queue.get(vmId);
      if (q !== undefined && q.vm.schedMessage !== reason) {
        this.queue.set(vmId, { ...q, vm: { ...q.vm, schedMessage: reason } });
        this.deps.vm(vmId)?.tell({ type: 'sched_message', message: reason });
      }
    }
    await Promise.all(dispatches);
    await this.resched(
      waiting.filter((q) => q.vm.state === 'RUNNING'),
      hosts,
    );
  }

  /**
   * Flagged RUNNING VMs move (live) to a host that ranks better than theirs.
   * A resched is one request: the migration it starts clears the flag (the
   * life cycle's `migrate`), and so does finding the VM's own host as good
   * as any, so no VM moves twice for it — under striping, VMs flagged
   * together would otherwise chase each other between hosts for ever. The
   * hosts' figures follow the moves of this pass: a VM leaving a host makes
   * it less busy for the next one.
   */
  private async resched(flagged: Queued[], hosts: HostCandidate[]): Promise<void> {
    for (const q of flagged) {
      const current = hosts.find((h) => h.id === q.vm.hostId);
      const others = hosts.filter((h) => h.id !== q.vm.hostId);
      // place() takes the capacity on the target: on a copy, until the VM does move.
      const trial = others.map((h) => ({ ...h, vars: { ...h.vars } }));
      const { dispatched } = place([pending(q)], trial, { ...this.deps.options, maxVmsPerPass: 1 });
      const target = dispatched[0];
      const rank = q.rank ?? POLICY_RANK[this.deps.options.policy];
      const chosen = target === undefined ? undefined : trial.find((h) => h.id === target.hostId);
      const fine = current !== undefined && q.requirements(current.vars);
      if (chosen === undefined || (fine && rank(chosen.vars) <= rank(current.vars))) {
        // Nowhere better, from a host that is up and still suits it: the request is answered.
        if (fine) await this.answerResched(q.vm.id);
        continue;
      }
      this.queue.delete(q.vm.id);
      try {
        await this.deps.vm(q.vm.id)?.ask({ type: 'action', event: { type: 'migrate', hostId: chosen.id, live: true } });
        this.rescheduled++;
        const into = others.find((h) => h.id === chosen.id) as HostCandidate;
        Object.assign(into, { allocatedCpu: chosen.allocatedCpu, allocatedMemory: chosen.allocatedMemory });
        Object.assign(into.vars, chosen.vars);
        if (current !== undefined && typeof current.vars.RUNNING_VMS === 'number') current.vars.RUNNING_VMS -= 1;
      } catch (err) {
        this.ctx.log.warn({ vmId: q.vm.id, err }, 'resched refused');
      }
    }
  }

  /** The VM stays where it is: its resched flag goes (as `onevm unresched`), and it waits no more. */
  private async answerResched(vmId: number): Promise<void> {
    this.queue.delete(vmId);
    try {
      await this.deps.vm(vmId)?.ask({ type: 'action', event: { type: 'unresched' } });
    } catch (err) {
      // It left RUNNING meanwhile: whatever it does now is not a resched.
      this.ctx.log.debug({ vmId, err }, 'resched flag not cleared');
    }
  }
}

function pending(q: Queued): PendingVm {
  return { id: q.vm.id, cpu: q.vm.cpu, memory: q.vm.memory, priority: 0, requirements: q.requirements, rank: q.rank };
}

/** A host as the expressions and the capacity check see it. */
export function candidate(h: HostView): HostCandidate {
  const m = h.monitoring;
  const vars: HostVars = {
    // The host's own attributes first: the monitored figures win over a namesake.
    ...Object.fromEntries(Object.entries(h.attributes).map(([k, v]) => [k, /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v])),
    // CURRENT_VMS is OpenNebula's list of the VM ids on the host: `CURRENT_VMS = 5` means VM 5 runs here.
    ID: h.id,
    NAME: h.name,
    CLUSTER: h.cluster,
    RUNNING_VMS: h.rvm,
    CURRENT_VMS: h.vms.join(','),
    HYPERVISOR: m?.HYPERVISOR ?? h.vm,
    ARCH: m?.ARCH ?? '',
    HOSTNAME: m?.HOSTNAME ?? h.name,
    CPU_MODEL: m?.CPU_MODEL ?? '',
    TOTALCPU: m?.TOTALCPU ?? 0,
    USEDCPU: m?.USEDCPU ?? 0,
    FREECPU: m?.FREECPU ?? 0,
    TOTALMEMORY: m?.TOTALMEMORY ?? 0,
    USEDMEMORY: m?.USEDMEMORY ?? 0,
    FREEMEMORY: m?.FREEMEMORY ?? 0,
  };
  return {
    id: h.id,
    vars,
    totalCpu: m?.TOTALCPU ?? 0,
    totalMemory: m?.TOTALMEMORY ?? 0,
    allocatedCpu: h.allocatedCpu,
    allocatedMemory: h.allocatedMem,
  };
}

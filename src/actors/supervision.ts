import type { Logger } from 'pino';
import { NepheleError } from '../errors.js';
import type { AnyCell } from './actor-cell.js';
import { DEFAULT_BACKOFF, RestartIntensity, backoffDelay, type BackoffOptions } from '../base/backoff.js';
import type { Clock, TimerHandle } from '../base/clock.js';
import { SHUTDOWN, type ActorFactory, type AnyRef, type ExitReason, type SpawnOptions } from './types.js';

/**
 * `permanent` children are always restarted, `transient` ones only after a
 * failure (not after a normal stop), `temporary` ones never.
 */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/**
 * `one_for_one` restarts the child that went down; `one_for_all` restarts all
 * children; `rest_for_one` restarts it and every child started after it.
 */
export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';

// Children of one supervisor speak different protocols, hence `any`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface ChildSpec<M = any> {
  /** Unique within the supervisor; also the child's name unless `spawn.name` says otherwise. */
  id: string;
  start: ActorFactory<M>;
  /** @default 'permanent' */
  restart?: RestartType;
  /** Options for the child; `stopTimeoutMs` is its shutdown time. */
  spawn?: SpawnOptions;
}

export interface SupervisionOptions {
  /** @default 'one_for_one' */
  strategy?: Strategy;
  /** More restarts than this within `periodMs` and the supervisor gives up. @default 3 */
  maxRestarts?: number;
  /** @default 5000 */
  periodMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** Source of jitter. @default Math.random */
  random?: () => number;
}

export interface ChildInfo {
  id: string;
  ref: AnyRef;
  restart: RestartType;
  status: string;
}

interface ChildRecord {
  readonly id: string;
  readonly spec: ChildSpec<unknown>;
  cell: AnyCell;
  attempts: number;
  timer: TimerHandle | undefined;
}

/**
 * The decisions both supervisors share: start children in order, and when
 * one goes down apply its restart type, the strategy, the restart intensity
 * and the backoff. Runs inside the supervisor actor, one decision at a time.
 */
export class SupervisorCore {
  private readonly self: AnyCell;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly strategy: Strategy;
  private readonly intensity: RestartIntensity;
  private readonly backoff: Readonly<BackoffOptions>;
  private readonly random: () => number;
  private readonly byId = new Map<string, ChildRecord>();
  private readonly byCell = new Map<AnyCell, ChildRecord>();

  constructor(self: AnyCell, clock: Clock, options: Readonly<SupervisionOptions>) {
    this.self = self;
    this.clock = clock;
    this.log = self.log;
    this.strategy = options.strategy ?? 'one_for_one';
    this.intensity = new RestartIntensity(options.maxRestarts ?? 3, options.periodMs ?? 5000);
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.random = options.random ?? Math.random;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Starts a child and waits until its preStart is over. */
  async startChild(spec: ChildSpec<unknown>): Promise<AnyRef> {
    if (this.byId.has(spec.id)) throw new NepheleError('NAME_TAKEN', `a child with id ${spec.id} exists`, { details: { id: spec.id } });
    const record: ChildRecord = { id: spec.id, spec, cell: this.spawn(spec), attempts: 0, timer: undefined };
    this.byId.set(spec.id, record);
    this.byCell.set(record.cell, record);
    await record.cell.whenStarted();
    const error = record.cell.startError;
    if (error !== undefined) {
      // As OTP's start_child: a child that cannot start is not kept.
      this.remove(record);
      await record.cell.terminate({ type: 'failure', error }, true);
      throw new NepheleError('CHILD_START_FAILED', `child ${spec.id} failed to start: ${error.message}`, {
        cause: error,
        details: { id: spec.id },
      });
    }
    return record.cell;
  }

  child(id: string): AnyRef | undefined {
    return this.byId.get(id)?.cell;
  }

  async terminateChild(idOrRef: string | AnyRef): Promise<void> {
    const record = typeof idOrRef === 'string' ? this.byId.get(idOrRef) : this.byCell.get(idOrRef as AnyCell);
    if (record === undefined)
      throw new NepheleError('CHILD_NOT_FOUND', `no such child: ${typeof idOrRef === 'string' ? idOrRef : idOrRef.path}`);
    this.remove(record);
    await record.cell.terminate(SHUTDOWN, true);
  }

  whichChildren(): ChildInfo[] {
    return [...this.byId.values()].map((r) => ({
      id: r.id,
      ref: r.cell,
      restart: r.spec.restart ?? 'permanent',
      status: r.cell.status,
    }));
  }

  /** Stops every child, last started first. */
  async stopAll(): Promise<void> {
    const records = [...this.byId.values()].reverse();
    for (const r of records) this.remove(r);
    for (const r of records) await r.cell.terminate(SHUTDOWN, true);
  }

  /** A child failed or stopped by itself. */
  async onDown(child: AnyCell, reason: ExitReason): Promise<void> {
    const record = this.byCell.get(child);
    if (record === undefined) return;
    const restart = record.spec.restart ?? 'permanent';
    if (restart === 'temporary' || (restart === 'transient' && reason.type !== 'failure')) {
      this.remove(record);
      await child.terminate(reason, true);
      return;
    }
    if (!this.intensity.record(this.clock.now())) {
      this.log.error({ child: record.id }, 'restart intensity reached; stopping all children and giving up');
      await this.stopAll();
      throw new NepheleError('RESTART_INTENSITY', `${this.self.path} reached its restart intensity`, {
        details: { child: record.id },
      });
    }
    const group = this.group(record);
    for (const r of [...group].reverse()) {
      if (r === record) {
        await child.suspendInstance(reason.type === 'failure' ? reason.error : undefined);
      } else if ((r.spec.restart ?? 'permanent') === 'temporary') {
        this.remove(r);
        await r.cell.terminate(SHUTDOWN, true);
      } else {
        await r.cell.suspendInstance(undefined);
      }
    }
    const toRestart = group.filter((r) => this.byId.get(r.id) === r);
    if (this.clock.now() - child.startedAt >= this.backoff.resetAfterMs) record.attempts = 0;
    const delay = backoffDelay(this.backoff, record.attempts++, this.random);
    if (delay === 0) return this.restart(toRestart);
    this.log.info({ child: record.id, delayMs: delay }, 'restart scheduled');
    record.timer = this.clock.setTimer(() => {
      record.timer = undefined;
      this.self.pushSystem({ kind: 'call', fn: () => this.restart(toRestart) });
    }, delay);
  }

  private async restart(group: readonly ChildRecord[]): Promise<void> {
    for (const r of group) {
      if (this.byId.get(r.id) !== r) continue;
      if (r.cell.status === 'stopped') {
        // It stopped for good, so a new actor (with a new ref) takes its place.
        this.byCell.delete(r.cell);
        r.cell = this.spawn(r.spec);
        r.cell.countRestart();
        this.byCell.set(r.cell, r);
        await r.cell.whenStarted();
      } else {
        await r.cell.restartInstance();
      }
    }
  }

  private group(record: ChildRecord): ChildRecord[] {
    if (this.strategy === 'one_for_one') return [record];
    const all = [...this.byId.values()];
    return this.strategy === 'one_for_all' ? all : all.slice(all.indexOf(record));
  }

  private spawn(spec: ChildSpec<unknown>): AnyCell {
    return this.self.spawnChild(spec.start, { ...spec.spawn, name: spec.spawn?.name ?? spec.id });
  }

  private remove(record: ChildRecord): void {
    record.timer?.cancel();
    record.timer = undefined;
    this.byId.delete(record.id);
    this.byCell.delete(record.cell);
  }
}

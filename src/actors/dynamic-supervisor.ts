import { NepheleError } from '../errors.js';
import { SUPERVISE, type AnyCell, type Supervising } from './actor-cell.js';
import { SupervisorCore, type ChildInfo, type RestartType, type SupervisionOptions } from './supervision.js';
import type { Reply } from './replies.js';
import type { Actor, ActorContext, ActorFactory, AnyRef, ExitReason, SpawnOptions } from './types.js';

export interface DynamicSupervisorOptions<A> extends Omit<SupervisionOptions, 'strategy'> {
  /** Makes the child for the arguments of a `start_child`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  start: (args: A) => ActorFactory<any>;
  /** @default 'permanent' */
  restart?: RestartType;
  /** @default Infinity */
  maxChildren?: number;
  /** Options for every child (its name and registration come with `start_child`). */
  spawn?: Omit<SpawnOptions, 'name' | 'register'>;
}

// `start` makes children of any kind (see DynamicSupervisorOptions), so a started child's ref is any actor's.
export type DynamicSupervisorMsg<A> =
  | ({ readonly type: 'start_child'; readonly args: A; readonly name?: string; readonly register?: string } & Reply<AnyRef>)
  | ({ readonly type: 'terminate_child'; readonly ref: AnyRef } & Reply<void>)
  | ({ readonly type: 'which_children' } & Reply<ChildInfo[]>)
  | ({ readonly type: 'count_children' } & Reply<number>);

/**
 * A supervisor for many children of one kind, started on demand (one actor
 * per VM, per host, per network): Elixir's DynamicSupervisor, OTP's
 * simple_one_for_one. Children are restarted one for one. `start_child`
 * answers with the child's ref once its preStart is over.
 */
export function dynamicSupervisor<A>(options: Readonly<DynamicSupervisorOptions<A>>): ActorFactory<DynamicSupervisorMsg<A>> {
  return (ctx) => new DynamicSupervisor(ctx, options);
}

class DynamicSupervisor<A> implements Actor<DynamicSupervisorMsg<A>>, Supervising {
  private readonly core: SupervisorCore;
  private readonly options: Readonly<DynamicSupervisorOptions<A>>;
  private seq = 0;

  constructor(ctx: ActorContext<DynamicSupervisorMsg<A>>, options: Readonly<DynamicSupervisorOptions<A>>) {
    const cell = ctx as unknown as AnyCell;
    this.core = new SupervisorCore(cell, cell.clock, { ...options, strategy: 'one_for_one' });
    this.options = options;
  }

  postStop(): Promise<void> {
    return this.core.stopAll();
  }

  receive(msg: DynamicSupervisorMsg<A>): Promise<AnyRef | void> | ChildInfo[] | number {
    switch (msg.type) {
      case 'start_child': {
        const max = this.options.maxChildren ?? Infinity;
        if (this.core.size >= max) throw new NepheleError('MAX_CHILDREN', `at most ${max} children`, { details: { max } });
        const id = msg.name ?? `child-${++this.seq}`;
        const spawn: SpawnOptions = { ...this.options.spawn, name: id };
        if (msg.register !== undefined) spawn.register = msg.register;
        return this.core.startChild({ id, start: this.options.start(msg.args), restart: this.options.restart ?? 'permanent', spawn });
      }
      case 'terminate_child':
        return this.core.terminateChild(msg.ref);
      case 'which_children':
        return this.core.whichChildren();
      case 'count_children':
        return this.core.size;
      default:
        throw new NepheleError('UNKNOWN_MESSAGE', 'a dynamic supervisor does not understand this message');
    }
  }

  [SUPERVISE](child: AnyCell, reason: ExitReason): Promise<void> {
    return this.core.onDown(child, reason);
  }
}

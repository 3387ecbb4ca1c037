import { NepheleError } from '../errors.js';
import { SUPERVISE, type AnyCell, type Supervising } from './actor-cell.js';
import { SupervisorCore, type ChildInfo, type ChildSpec, type SupervisionOptions } from './supervision.js';
import type { Reply } from './replies.js';
import type { Actor, ActorContext, ActorFactory, AnyRef, ExitReason } from './types.js';

export interface SupervisorOptions extends SupervisionOptions {
  /** Started in this order; stopped in the reverse order. */
  children: readonly ChildSpec[];
}

// A supervisor's children are of many kinds, so the refs it answers are any actor's:
// the caller knows which child it asked for (and its type) by the id it gave.
export type SupervisorMsg =
  | ({ readonly type: 'which_children' } & Reply<ChildInfo[]>)
  | ({ readonly type: 'get_child'; readonly id: string } & Reply<AnyRef | undefined>)
  | ({ readonly type: 'start_child'; readonly spec: ChildSpec } & Reply<AnyRef>)
  | ({ readonly type: 'terminate_child'; readonly id: string } & Reply<void>);

/**
 * An OTP-style supervisor over a fixed list of children. Ask it
 * `which_children` (ChildInfo[]), `get_child` (the ref, or undefined),
 * `start_child` (the new child's ref) or `terminate_child`.
 */
export function supervisor(options: Readonly<SupervisorOptions>): ActorFactory<SupervisorMsg> {
  return (ctx) => new Supervisor(ctx, options);
}

class Supervisor implements Actor<SupervisorMsg>, Supervising {
  private readonly core: SupervisorCore;
  private readonly specs: readonly ChildSpec[];

  constructor(ctx: ActorContext<SupervisorMsg>, options: Readonly<SupervisorOptions>) {
    const cell = ctx as unknown as AnyCell;
    this.core = new SupervisorCore(cell, cell.clock, options);
    this.specs = options.children;
  }

  async preStart(): Promise<void> {
    for (const spec of this.specs) await this.core.startChild(spec as ChildSpec<unknown>);
  }

  postStop(): Promise<void> {
    return this.core.stopAll();
  }

  receive(msg: SupervisorMsg): ChildInfo[] | AnyRef | undefined | Promise<AnyRef | void> {
    switch (msg.type) {
      case 'which_children':
        return this.core.whichChildren();
      case 'get_child':
        return this.core.child(msg.id);
      case 'start_child':
        return this.core.startChild(msg.spec as ChildSpec<unknown>);
      case 'terminate_child':
        return this.core.terminateChild(msg.id);
      default:
        throw new NepheleError('UNKNOWN_MESSAGE', 'a supervisor does not understand this message');
    }
  }

  [SUPERVISE](child: AnyCell, reason: ExitReason): Promise<void> {
    return this.core.onDown(child, reason);
  }
}

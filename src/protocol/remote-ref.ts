/**
 * An actor on the other end of a link, behind the same ActorRef API as a
 * local one: `tell` sends reliably (or, for an unreliable message type,
 * as an event), `ask` sends a request and waits for its reply.
 */
import type { ActorRef, AskOptions } from '../actors/types.js';
import { flowsOf } from './flows.js';
import type { Link } from './link.js';
import type { Outbound, OutboundMessage, Side } from './messages.js';

export interface RemoteRefOptions<S extends Side> {
  link: Link<S>;
  id: number;
  /** The remote actor's name, e.g. 'node'. */
  name: string;
  /** @default `node://<link name>/<name>`, e.g. node://host-3/node */
  path?: string;
}

export class RemoteRef<S extends Side> implements ActorRef<OutboundMessage<S>> {
  readonly id: number;
  readonly name: string;
  readonly path: string;
  private readonly link: Link<S>;
  private readonly unreliable: ReadonlySet<string>;

  constructor(options: RemoteRefOptions<S>) {
    this.link = options.link;
    this.id = options.id;
    this.name = options.name;
    this.path = options.path ?? `node://${options.link.name}/${options.name}`;
    this.unreliable = flowsOf(options.link.side).out.emit;
  }

  /** A request type is a TypeError here: it needs `ask`. */
  tell(msg: OutboundMessage<S>): void {
    if (this.unreliable.has(msg.type)) this.link.emit(msg as Outbound<S>['emit']);
    else this.link.tell(msg as Outbound<S>['tell']);
  }

  ask<R = unknown>(msg: OutboundMessage<S>, options?: AskOptions): Promise<R> {
    return this.link.ask(msg as Outbound<S>['ask'], options) as Promise<R>;
  }
}

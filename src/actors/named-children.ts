import { NepheleError, type ErrorCode } from '../errors.js';
import type { DynamicSupervisorMsg } from './dynamic-supervisor.js';
import type { ChildInfo } from './supervision.js';
import type { ActorRef } from './types.js';

export interface NamedChild<M> {
  readonly id: number;
  readonly name: string;
  readonly ref: ActorRef<M>;
}

export interface NamedChildrenOptions {
  /** The dynamic supervisor that runs one child per id. */
  readonly supervisor: () => ActorRef<DynamicSupervisorMsg<number>>;
  /** The name a child is registered under (`host-3`), so that other actors reach it. */
  readonly childName: (id: number) => string;
  /** What the children are, for errors: `host`, `network`. */
  readonly what: string;
  /** The code of a lookup that finds nothing (HOST_NOT_FOUND …). */
  readonly notFound: ErrorCode;
}

/**
 * A pool's children of one kind under a dynamic supervisor, found by id or
 * by unique name: started, adopted after the pool's own restart, stopped.
 * The pool actor that owns it serialises every change, which is what keeps
 * names unique.
 */
export class NamedChildren<M> {
  private readonly options: NamedChildrenOptions;
  private readonly byId = new Map<number, NamedChild<M>>();
  private readonly byName = new Map<string, number>();

  constructor(options: NamedChildrenOptions) {
    this.options = options;
  }

  /**
   * Takes the stored entities: those whose child still runs (the pool alone
   * crashed) are adopted, the others started. Returns how many were adopted.
   */
  async load(entities: Iterable<{ readonly id: number; readonly name: string }>): Promise<number> {
    const { childName, supervisor } = this.options;
    const running = new Map((await supervisor().ask<ChildInfo[]>({ type: 'which_children' })).map((c) => [c.id, c.ref]));
    let adopted = 0;
    for (const { id, name } of entities) {
      const ref = running.get(childName(id));
      if (ref === undefined) await this.start(id, name);
      else {
        this.track(id, name, ref as ActorRef<M>);
        adopted++;
      }
    }
    return adopted;
  }

  async start(id: number, name: string): Promise<ActorRef<M>> {
    const ref = await this.options.supervisor().ask<ActorRef<M>>({
      type: 'start_child', args: id, name: this.options.childName(id), register: this.options.childName(id),
    });
    this.track(id, name, ref);
    return ref;
  }

  /** Stops the child and forgets it. */
  async stop(id: number): Promise<void> {
    const child = this.byId.get(id);
    if (child === undefined) return;
    await this.options.supervisor().ask({ type: 'terminate_child', ref: child.ref });
    this.byId.delete(id);
    this.byName.delete(child.name);
  }

  /** Refuses a name in use with NAME_TAKEN. */
  requireFreeName(name: string): void {
    if (this.byName.has(name)) throw new NepheleError('NAME_TAKEN', `a ${this.options.what} named ${name} exists`, { details: { name } });
  }

  get(id: number): NamedChild<M> | undefined {
    return this.byId.get(id);
  }

  /** By id or name; the `notFound` code otherwise. */
  find(ref: string | number): NamedChild<M> {
    const id = typeof ref === 'number' ? ref : this.byName.get(ref);
    const child = id === undefined ? undefined : this.byId.get(id);
    if (child === undefined) {
      throw new NepheleError(this.options.notFound, `no ${this.options.what} ${ref}`, { details: { [this.options.what]: ref } });
    }
    return child;
  }

  values(): IterableIterator<NamedChild<M>> {
    return this.byId.values();
  }

  private track(id: number, name: string, ref: ActorRef<M>): void {
    this.byId.set(id, { id, name, ref });
    this.byName.set(name, id);
  }
}

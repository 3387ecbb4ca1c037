import { NepheleError, type ErrorCode } from '../errors.js';
import type { DynamicSupervisorMsg } from './dynamic-supervisor.js';
import type { ActorRef } from './types.js';

export interface NamedChild<M> {
  readonly id: number;
  readonly name: string;
  /** The owner, when names are unique per owner (`perOwner`). */
  readonly uid?: number;
  readonly gid?: number;
  /** Its permission bits, for lookups by whoever may use it (src/auth/find-named.ts). */
  readonly perms?: number;
  readonly ref: ActorRef<M>;
}

/** A stored entity as the pool loads it. */
export interface NamedEntity {
  readonly id: number;
  readonly name: string;
  readonly uid?: number;
  readonly gid?: number;
  readonly perms?: number;
}

/** Who owns a child: what `start` and `reown` take. */
export interface ChildOwner {
  readonly uid?: number;
  readonly gid?: number;
  readonly perms?: number;
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
  /**
   * Names are unique per owner (`uid`), not across the pool: two users may
   * each have a network `pub`. Lookups by name are then the pool's, with
   * `values()` (see src/auth/find-named.ts). @default false
   */
  readonly perOwner?: boolean;
}

/**
 * A pool's children of one kind under a dynamic supervisor, found by id or
 * by name (unique in the pool, or per owner): started, adopted after the
 * pool's own restart, stopped. The pool actor that owns it serialises every
 * change, which is what keeps names unique.
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
  async load(entities: Iterable<NamedEntity>): Promise<number> {
    const { childName, supervisor } = this.options;
    const running = new Map((await supervisor().ask({ type: 'which_children' })).map((c) => [c.id, c.ref]));
    let adopted = 0;
    for (const entity of entities) {
      const ref = running.get(childName(entity.id));
      if (ref === undefined) await this.start(entity.id, entity.name, entity);
      else {
        this.track(entity, ref);
        adopted++;
      }
    }
    return adopted;
  }

  /** Starts the child of entity `id`; `owner` when names are unique per owner. */
  async start(id: number, name: string, owner: ChildOwner = {}): Promise<ActorRef<M>> {
    // The supervisor's `start` makes this pool's children, so its refs take `M`.
    const ref: ActorRef<M> = await this.options.supervisor().ask({
      type: 'start_child',
      args: id,
      name: this.options.childName(id),
      register: this.options.childName(id),
    });
    this.track({ id, name, ...owner }, ref);
    return ref;
  }

  /** Stops the child and forgets it. */
  async stop(id: number): Promise<void> {
    const child = this.byId.get(id);
    if (child === undefined) return;
    await this.options.supervisor().ask({ type: 'terminate_child', ref: child.ref });
    this.byId.delete(id);
    this.byName.delete(this.key(child.name, child.uid));
  }

  /** Refuses a name in use (by `uid`, when names are unique per owner) with NAME_TAKEN. */
  requireFreeName(name: string, uid?: number): void {
    if (this.byName.has(this.key(name, uid))) {
      const whose = this.options.perOwner === true ? ` of this owner` : '';
      throw new NepheleError('NAME_TAKEN', `a ${this.options.what}${whose} named ${name} exists`, { details: { name } });
    }
  }

  /** Takes a child's new name, once its entity is stored under it (the caller checked it with requireFreeName). */
  rename(id: number, name: string): void {
    const child = this.byId.get(id);
    if (child === undefined) return;
    this.byName.delete(this.key(child.name, child.uid));
    this.byId.set(id, { ...child, name });
    this.byName.set(this.key(name, child.uid), id);
  }

  /** Takes a child's new owner, group or bits, once its entity is stored with them (a new owner checked with requireFreeName). */
  reown(id: number, owner: ChildOwner): void {
    const child = this.byId.get(id);
    if (child === undefined) return;
    this.byName.delete(this.key(child.name, child.uid));
    this.track({ ...child, ...owner }, child.ref);
  }

  get(id: number): NamedChild<M> | undefined {
    return this.byId.get(id);
  }

  /** By id or name (by id only when names are per owner); the `notFound` code otherwise. */
  find(ref: string | number): NamedChild<M> {
    const id = typeof ref === 'number' ? ref : this.options.perOwner === true ? undefined : this.byName.get(ref);
    const child = id === undefined ? undefined : this.byId.get(id);
    if (child === undefined) {
      throw new NepheleError(this.options.notFound, `no ${this.options.what} ${ref}`, { details: { [this.options.what]: ref } });
    }
    return child;
  }

  values(): IterableIterator<NamedChild<M>> {
    return this.byId.values();
  }

  private track(entity: NamedEntity, ref: ActorRef<M>): void {
    const { id, name, uid, gid, perms } = entity;
    this.byId.set(id, {
      id,
      name,
      ref,
      ...(uid === undefined ? {} : { uid }),
      ...(gid === undefined ? {} : { gid }),
      ...(perms === undefined ? {} : { perms }),
    });
    this.byName.set(this.key(name, uid), id);
  }

  /** A name's key: itself, or with its owner when names are per owner (a uid holds no `/`). */
  private key(name: string, uid: number | undefined): string {
    return this.options.perOwner === true ? `${uid ?? ''}/${name}` : name;
  }
}

import { NepheleError } from '../errors.js';
import type { AnyRef } from './types.js';

/** System-wide names for actors (Erlang's registered names). A name is freed when its actor stops. */
export class Registry {
  private readonly names = new Map<string, AnyRef>();

  /** @throws NepheleError NAME_TAKEN when a live actor holds the name. */
  register(name: string, ref: AnyRef): void {
    const holder = this.names.get(name);
    if (holder !== undefined && holder !== ref) {
      throw new NepheleError('NAME_TAKEN', `the name ${name} is taken by ${holder.path}`, { details: { name } });
    }
    this.names.set(name, ref);
  }

  unregister(name: string, ref: AnyRef): void {
    if (this.names.get(name) === ref) this.names.delete(name);
  }

  lookup(name: string): AnyRef | undefined {
    return this.names.get(name);
  }

  get size(): number {
    return this.names.size;
  }
}

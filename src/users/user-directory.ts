import type { Store } from '../store/index.js';
import { upgradeUser, type UserRecord } from './user-record.js';

/** A user's id and name: what a view prints for an owner. */
export interface UserName {
  readonly id: number;
  readonly name: string;
}

/**
 * The users as the user pool last wrote them, for everyone else: the
 * session check of every API call, the owners' names of the views, a VM
 * NIC's NETWORK_UNAME. The user pool alone writes the `users` kind; outside
 * it, this is the one module that reads it, so a change of the record's
 * shape has two places to look. oned keeps the kind in memory (the store's
 * memoryKinds): these reads do not reach LevelDB. Records come out upgraded
 * (upgradeUser); what they hold is shared with the store's copy and frozen.
 */
export class UserDirectory {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  async get(id: number): Promise<UserRecord | undefined> {
    const raw = await this.store.get('users', id);
    return raw === undefined ? undefined : upgradeUser(raw);
  }

  /** Every user, in id order. */
  async list(): Promise<UserRecord[]> {
    return (await this.store.list('users')).map(({ value }) => upgradeUser(value));
  }

  /** Every user's id and name, in id order; no secret in them. */
  async names(): Promise<UserName[]> {
    return (await this.store.list('users')).map(({ value }) => ({ id: value.id, name: value.name }));
  }
}

import { createHash, timingSafeEqual } from 'node:crypto';
import type { HypervisorName } from '../protocol/domain.js';

/** What the operator decided of a host; the rest of its state comes from its agent. */
export type HostAdminState = 'enabled' | 'disabled' | 'offline';

/**
 * How a VM's files reach the host (OpenNebula's TM_MAD): `shared`, the
 * front-end's datastores mounted at the same path; `ssh`, copied over SSH
 * into the host's own datastores.
 */
export type TransferMode = 'shared' | 'ssh';

/** How oned reaches a host it deployed the agent to (`onehost create --ssh`). */
export interface HostSsh {
  readonly user: string;
  readonly host: string;
  readonly port: number;
  /** The agent's directory on the host: bundle, config, token, state; its datastores in `datastores/`. */
  readonly dir: string;
  /** The host key's fingerprint, pinned at the first connection. */
  readonly hostKey?: string;
  /** The host's own private key (`--key`), a file of mode 0600 in oned's data dir; else oned's key. */
  readonly keyFile?: string;
}

/** A host as persisted in the store (sublevel `hosts`). */
export interface HostRecord {
  readonly id: number;
  readonly name: string;
  readonly im: HypervisorName;
  readonly vm: HypervisorName;
  readonly cluster: string;
  readonly admin: HostAdminState;
  /** SHA-256 of the agent's token: oned never keeps the token itself. */
  readonly tokenHash: Uint8Array;
  readonly createdAt: number;
  /** The host's own template attributes (`onehost update`), for SCHED_REQUIREMENTS and SCHED_RANK. */
  readonly attributes?: Readonly<Record<string, string>>;
  /** @default 'shared' */
  readonly tm?: TransferMode;
  readonly ssh?: HostSsh;
  /** When oned fenced the host (declared it down, its VMs stopped); cleared when its agent connects again. */
  readonly fencedAt?: number;
  /** How it was fenced: what the fence found, or the operator. */
  readonly fencedHow?: string;
}

/**
 * A host as others see it: the record without its token's hash, which
 * stays with the host actor (it checks tokens itself: `verify`).
 */
export type HostAccess = Omit<HostRecord, 'tokenHash'>;

export function hostAccess(record: HostRecord): HostAccess {
  const { tokenHash: _secret, ...access } = record;
  return access;
}

/** The host's datastores as its agent sees them, for TM_MAD = ssh. */
export function hostDatastores(ssh: HostSsh): string {
  return `${ssh.dir}/datastores`;
}

export function hashToken(token: string): Uint8Array {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Constant-time: hashes have the same length whatever the token. */
export function tokenMatches(token: string, record: Pick<HostRecord, 'tokenHash'>): boolean {
  const given = hashToken(token);
  const stored = Buffer.from(record.tokenHash);
  return stored.length === given.length && timingSafeEqual(given, stored);
}

// The store's record of this kind (src/store/entity-kind.ts): reads need no type argument.
declare module '../store/entity-kind.js' {
  interface EntityRecords {
    hosts: HostRecord;
  }
}

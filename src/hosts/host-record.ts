import { createHash, timingSafeEqual } from 'node:crypto';
import type { HypervisorName } from '../protocol/domain.js';

/** What the operator decided of a host; the rest of its state comes from its agent. */
export type HostAdminState = 'enabled' | 'disabled' | 'offline';

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

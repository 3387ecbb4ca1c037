import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { LoginTokenRecord } from './user-record.js';

/**
 * Every login token starts with this, so authentication tells a token from
 * a password without spending scrypt on it. A password may not start with
 * it; a generated one (base64url) never does, as `.` is not in its alphabet.
 */
export const TOKEN_PREFIX = 'ntk.';

export function newLoginToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function isLoginToken(secret: string): boolean {
  return secret.startsWith(TOKEN_PREFIX);
}

export function hashLoginToken(token: string): Uint8Array {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * The live stored token that `token` is, if any. Every stored hash is
 * compared, in constant time, so timing tells neither which one matched nor
 * how much of it.
 */
export function liveToken(tokens: readonly LoginTokenRecord[], token: string, now: number): LoginTokenRecord | undefined {
  const given = hashLoginToken(token);
  let found: LoginTokenRecord | undefined;
  for (const t of tokens) {
    const stored = Buffer.from(t.hash);
    const same = stored.length === given.length && timingSafeEqual(stored, given);
    if (same && t.expires > now) found = t;
  }
  return found;
}

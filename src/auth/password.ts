import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** A password as stored: never the password itself. */
export interface PasswordHash {
  readonly salt: Uint8Array;
  readonly hash: Uint8Array;
}

const KEY_LEN = 32;
const SCRYPT = { N: 16_384, r: 8, p: 1 } as const;

function derive(password: string, salt: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LEN, SCRYPT, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** scrypt with a per-user random salt. */
export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(16);
  return { salt, hash: await derive(password, salt) };
}

/** Compares in constant time. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const key = await derive(password, stored.salt);
  return key.length === stored.hash.length && timingSafeEqual(key, stored.hash);
}

/** A random secret, URL-safe: for generated passwords and host tokens. */
export function randomSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

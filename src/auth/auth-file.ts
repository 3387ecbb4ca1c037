import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { NepheleError } from '../errors.js';

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

/** ~/.nephele/auth, as OpenNebula's ~/.one/one_auth. */
export function userAuthPath(): string {
  return join(homedir(), '.nephele', 'auth');
}

/** Parses `user:password` (one line; the password may hold colons). */
export function parseAuth(text: string, source: string): Credentials {
  const line = text.split('\n', 1)[0]?.trim() ?? '';
  const i = line.indexOf(':');
  if (i <= 0 || i === line.length - 1) throw new NepheleError('INVALID_ARGUMENT', `${source} must hold user:password`);
  return { user: line.slice(0, i), password: line.slice(i + 1) };
}

export async function readAuthFile(path: string): Promise<Credentials> {
  return parseAuth(await readFile(path, 'utf8'), path);
}

/** Writes `user:password` with mode 0600, atomically. */
export function writeAuthFile(path: string, creds: Credentials): Promise<void> {
  return writeSecretFile(path, `${creds.user}:${creds.password}\n`);
}

/** Writes a secret with mode 0600 (its folder 0700), atomically: never readable by others, never half-written. */
export async function writeSecretFile(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

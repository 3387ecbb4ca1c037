import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';

// ssh2 is CommonJS: its `utils` is reached through the default export.
const { utils } = ssh2;

/** Oned's SSH identity: what hosts put in their authorized_keys. */
export interface OnedKey {
  readonly privateKeyFile: string;
  readonly publicKey: string;
}

/**
 * `<data-dir>/ssh/id_ed25519` (mode 0600) and its `.pub`, made at the first
 * start: the key oned deploys agents and copies VM files with.
 */
export async function ensureOnedKey(dataDir: string): Promise<OnedKey> {
  const dir = join(dataDir, 'ssh');
  const privateKeyFile = join(dir, 'id_ed25519');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    return { privateKeyFile, publicKey: (await readFile(`${privateKeyFile}.pub`, 'utf8')).trim() };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const pair = utils.generateKeyPairSync('ed25519', { comment: `nephele-oned@${hostname()}` });
  await writeFile(`${privateKeyFile}.part`, pair.private, { mode: 0o600 });
  await chmod(`${privateKeyFile}.part`, 0o600);
  await rename(`${privateKeyFile}.part`, privateKeyFile);
  // The public half last: its presence says the pair is whole.
  await writeFile(`${privateKeyFile}.pub`, `${pair.public.trim()}\n`, { mode: 0o644 });
  return { privateKeyFile, publicKey: pair.public.trim() };
}

/** True when `text` is a private key ssh2 can use (no passphrase). */
export function isUsablePrivateKey(text: string): boolean {
  const parsed = utils.parseKey(text);
  return !(parsed instanceof Error) && !Array.isArray(parsed) && parsed.isPrivateKey();
}

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
 * start: the key oned deploys agents and copies VM files with. A key on
 * disk that ssh2 cannot read (see below) is made again: it never worked.
 */
export async function ensureOnedKey(dataDir: string): Promise<OnedKey> {
  const dir = join(dataDir, 'ssh');
  const privateKeyFile = join(dir, 'id_ed25519');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    const [privateKey, publicKey] = await Promise.all([readFile(privateKeyFile, 'utf8'), readFile(`${privateKeyFile}.pub`, 'utf8')]);
    if (isUsablePrivateKey(privateKey)) return { privateKeyFile, publicKey: publicKey.trim() };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const pair = generateUsableKey();
  await writeFile(`${privateKeyFile}.part`, pair.private, { mode: 0o600 });
  await chmod(`${privateKeyFile}.part`, 0o600);
  await rename(`${privateKeyFile}.part`, privateKeyFile);
  // The public half last: its presence says the pair is whole.
  await writeFile(`${privateKeyFile}.pub`, `${pair.public.trim()}\n`, { mode: 0o644 });
  return { privateKeyFile, publicKey: pair.public.trim() };
}

/**
 * An ed25519 pair ssh2 can read back. ssh2 1.17's generator writes about one
 * key in 200 that its own parser refuses ("Malformed OpenSSH private key"),
 * so each is read back before it is kept.
 */
export function generateUsableKey(comment = `nephele-oned@${hostname()}`): { private: string; public: string } {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519', { comment });
    if (isUsablePrivateKey(pair.private)) return pair;
  }
  throw new TypeError('ssh2 made 20 ed25519 keys it cannot read back');
}

/** True when `text` is a private key ssh2 can use (no passphrase). */
export function isUsablePrivateKey(text: string): boolean {
  const parsed = utils.parseKey(text);
  return !(parsed instanceof Error) && !Array.isArray(parsed) && parsed.isPrivateKey();
}

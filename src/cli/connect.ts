import { NepheleError } from '../errors.js';
import { DEFAULT_PORT } from '../api/api-types.js';
import { readAuthFile, userAuthPath, type Credentials } from '../auth/auth-file.js';
import { ApiClient } from './api-client.js';

export interface GlobalOptions {
  url?: string;
  user?: string;
  password?: string;
  json?: boolean;
}

export const DEFAULT_URL = `http://127.0.0.1:${DEFAULT_PORT}`;

/** oned's URL: --url, $NEPHELE_URL, or the local default. */
export function frontendUrl(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  return opts.url ?? env.NEPHELE_URL ?? DEFAULT_URL;
}

/** Credentials: --user/--password, else the file $NEPHELE_AUTH, else ~/.nephele/auth (as OpenNebula's $ONE_AUTH). */
export async function credentials(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Promise<Credentials> {
  if (opts.user !== undefined || opts.password !== undefined) {
    if (opts.user === undefined || opts.password === undefined) {
      throw new NepheleError('INVALID_ARGUMENT', '--user and --password go together');
    }
    return { user: opts.user, password: opts.password };
  }
  const path = env.NEPHELE_AUTH ?? userAuthPath();
  try {
    return await readAuthFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NepheleError('AUTH_FAILED', `no credentials: ${path} does not exist (set NEPHELE_AUTH or pass --user/--password)`);
    }
    throw err;
  }
}

export async function connect(opts: GlobalOptions): Promise<ApiClient> {
  return ApiClient.connect({ url: frontendUrl(opts), ...(await credentials(opts)) });
}

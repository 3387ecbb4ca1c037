import { stat, readFile } from 'node:fs/promises';
import { NepheleError } from '../src/errors.js';

/** One host a simulation stands for, as `host.allocate` made it. */
export interface SimulatedHost {
  readonly hostId: number;
  readonly token: string;
}

function refuse(path: string, why: string): NepheleError {
  return new NepheleError('INVALID_ARGUMENT', `--simulate-hosts ${path}: ${why}`, { details: { field: 'simulate-hosts' } });
}

/**
 * Reads `onenode --simulate-hosts`: a JSON list of `{ hostId, token }`, one
 * per host the process stands for. It holds tokens, so it must be readable
 * by its owner alone (mode 0600 or stricter), as an SSH key must. Host ids
 * must be distinct: two nodes on one host would take turns replacing each
 * other's connection.
 */
export async function readSimulatedHosts(path: string): Promise<SimulatedHost[]> {
  const info = await stat(path).catch((err: unknown) => {
    throw refuse(path, err instanceof Error ? err.message : String(err));
  });
  if ((info.mode & 0o077) !== 0) throw refuse(path, `mode ${(info.mode & 0o777).toString(8)} lets others read its tokens; chmod 600 it`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw refuse(path, err instanceof Error ? err.message : String(err));
  }
  if (!Array.isArray(parsed)) throw refuse(path, 'not a JSON list');
  const seen = new Set<number>();
  return parsed.map((entry: unknown, i) => {
    const e = entry as Partial<Record<string, unknown>> | null;
    if (typeof e !== 'object' || e === null || Array.isArray(e)) throw refuse(path, `entry ${i} is not an object`);
    const { hostId, token } = e;
    if (typeof hostId !== 'number' || !Number.isSafeInteger(hostId) || hostId < 0)
      throw refuse(path, `entry ${i}: hostId must be a host id`);
    // The token is never echoed: only which entry is wrong.
    if (typeof token !== 'string' || token === '') throw refuse(path, `entry ${i}: token must be a non-empty string`);
    if (seen.has(hostId)) throw refuse(path, `host ${hostId} is listed twice`);
    seen.add(hostId);
    return { hostId, token };
  });
}

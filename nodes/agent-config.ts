import { readFile } from 'node:fs/promises';
import { NepheleError } from '../src/errors.js';

/**
 * The agent's config file (`onenode --config`), which `onehost create --ssh`
 * writes on the host with mode 0600. Keys are the long options' names in
 * camel case; an option given on the command line wins over the file.
 */
export interface AgentConfigFile {
  readonly frontend?: string;
  readonly hostId?: number;
  readonly tokenFile?: string;
  readonly dataDir?: string;
  readonly vm?: 'dummy' | 'qemu';
  readonly datastores?: string;
  readonly monitorIntervalMs?: number;
  readonly network?: 'linux' | 'none';
  readonly accel?: 'auto' | 'kvm' | 'tcg';
  readonly logLevel?: string;
}

const KEYS: Readonly<Record<keyof AgentConfigFile, 'string' | 'number'>> = {
  frontend: 'string',
  hostId: 'number',
  tokenFile: 'string',
  dataDir: 'string',
  vm: 'string',
  datastores: 'string',
  monitorIntervalMs: 'number',
  network: 'string',
  accel: 'string',
  logLevel: 'string',
};

// The least each number may be, as on the command line (--host-id, --monitor-interval-ms).
const MIN: Readonly<Partial<Record<keyof AgentConfigFile, number>>> = { hostId: 0, monitorIntervalMs: 100 };

/** Reads and checks a config file: an unknown key or a wrong type is an error, not ignored. */
export async function readAgentConfig(path: string): Promise<AgentConfigFile> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new NepheleError('INVALID_ARGUMENT', `--config ${path}: ${err instanceof Error ? err.message : String(err)}`, {
      details: { field: 'config' },
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new NepheleError('INVALID_ARGUMENT', `--config ${path}: not a JSON object`, { details: { field: 'config' } });
  }
  for (const [key, value] of Object.entries(parsed)) {
    const type = (KEYS as Record<string, string>)[key];
    if (type === undefined) throw new NepheleError('INVALID_ARGUMENT', `--config ${path}: unknown key ${key}`, { details: { field: key } });
    if (typeof value !== type)
      throw new NepheleError('INVALID_ARGUMENT', `--config ${path}: ${key} must be a ${type}`, { details: { field: key } });
    const min = (MIN as Record<string, number | undefined>)[key];
    if (min !== undefined && (!Number.isSafeInteger(value) || (value as number) < min)) {
      throw new NepheleError('INVALID_ARGUMENT', `--config ${path}: ${key} must be an integer ≥ ${min}`, { details: { field: key } });
    }
  }
  return parsed as AgentConfigFile;
}

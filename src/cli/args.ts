import { NepheleError } from '../errors.js';

/** An integer option ≥ `min`; INVALID_ARGUMENT otherwise. */
export function positiveInt(value: string, name: string, min = 1): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) {
    throw new NepheleError('INVALID_ARGUMENT', `${name} must be an integer ≥ ${min}, got ${value}`, { details: { field: name } });
  }
  return n;
}

/** HOST:PORT, [v6]:PORT or PORT. */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value) ?? /^()()(\d+)$/.exec(value);
  if (m === null)
    throw new NepheleError('INVALID_ARGUMENT', `--listen must be HOST:PORT, got ${value}`, { details: { field: '--listen' } });
  const port = Number(m[3]);
  if (port > 65_535) throw new NepheleError('INVALID_ARGUMENT', `port out of range: ${port}`, { details: { field: '--listen' } });
  return { host: m[1] || m[2] || '127.0.0.1', port };
}

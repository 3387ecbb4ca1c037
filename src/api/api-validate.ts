import { NepheleError } from '../errors.js';
import type { ApiMethod, ApiMethods, ParamsOf } from './api-types.js';

const HYPERVISORS = new Set(['dummy', 'qemu']);
const STATUS_ACTIONS = new Set(['enable', 'disable', 'offline']);
/** OpenNebula's host names: letters, digits, dots, dashes, underscores. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function bad(field: string, why: string): NepheleError {
  return new NepheleError('INVALID_ARGUMENT', `${field} ${why}`, { details: { field } });
}

function record(x: unknown): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw bad('params', 'must be an object');
  return x as Record<string, unknown>;
}

function hostRef(x: unknown): string | number {
  if (typeof x === 'number' && Number.isInteger(x) && x >= 0) return x;
  if (typeof x === 'string' && NAME_RE.test(x)) return x;
  throw bad('host', 'must be a host id or name');
}

function hypervisor(x: unknown, field: string): 'dummy' | 'qemu' {
  if (typeof x !== 'string' || !HYPERVISORS.has(x)) throw bad(field, 'must be dummy or qemu');
  return x as 'dummy' | 'qemu';
}

type Validators = { [K in ApiMethod]: (p: Record<string, unknown>) => ParamsOf<K> };

const validators: Validators = {
  'system.version': () => ({}),
  'host.allocate': (p) => {
    if (typeof p.name !== 'string' || !NAME_RE.test(p.name)) {
      throw bad('name', 'must be 1-128 letters, digits, dots, dashes or underscores');
    }
    return { name: p.name, im: hypervisor(p.im, 'im'), vm: hypervisor(p.vm, 'vm') };
  },
  'hostpool.info': () => ({}),
  'host.info': (p) => ({ host: hostRef(p.host) }),
  'host.monitor': (p) => ({ host: hostRef(p.host) }),
  'host.delete': (p) => {
    if (p.force !== undefined && typeof p.force !== 'boolean') throw bad('force', 'must be a boolean');
    return { host: hostRef(p.host), force: p.force === true };
  },
  'host.status': (p) => {
    if (typeof p.action !== 'string' || !STATUS_ACTIONS.has(p.action)) throw bad('action', 'must be enable, disable or offline');
    return { host: hostRef(p.host), action: p.action as ApiMethods['host.status']['params']['action'] };
  },
};

export function isApiMethod(m: unknown): m is ApiMethod {
  return typeof m === 'string' && Object.hasOwn(validators, m);
}

/** Checks a call's method and parameters at the edge; throws INVALID_ARGUMENT or UNKNOWN_MESSAGE. */
export function validateCall(method: unknown, params: unknown): { method: ApiMethod; params: unknown } {
  if (!isApiMethod(method)) {
    throw new NepheleError('UNKNOWN_MESSAGE', `unknown API method ${typeof method === 'string' ? method.slice(0, 64) : typeof method}`);
  }
  return { method, params: validators[method](record(params ?? {})) };
}

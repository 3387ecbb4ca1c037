/**
 * Small hand-written checks for values decoded off the wire. Each takes the
 * dotted name of the field it checks, and a failure is a BAD_FRAME whose
 * details name that field. Values are never echoed into the error: they may
 * be large, or secret (a token).
 */
import { NepheleError, type ErrorCode } from '../errors.js';
import { type NumberRule, type TextRule, numberProblem, pathProblem, textProblem } from './field-limits.js';

/** Longest message type, frame kind or error code, in UTF-16 code units. */
export const MAX_TYPE_LENGTH = 64;
/** Longest other string: names, ids, reasons, messages, tokens. */
export const MAX_STRING_LENGTH = 4096;
/** Deepest nesting accepted in free-form data (error details). */
export const MAX_DATA_DEPTH = 8;

export type Fields = Readonly<Record<string, unknown>>;

export function badFrame(field: string, message: string, code: ErrorCode = 'BAD_FRAME'): NepheleError {
  return new NepheleError(code, `${field}: ${message}`, { details: { field } });
}

/** A plain object (what msgpack maps decode to), not an array, Map or class instance. */
export function isRecord(x: unknown): x is Fields {
  if (typeof x !== 'object' || x === null) return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

export function record(x: unknown, field: string): Fields {
  if (!isRecord(x)) throw badFrame(field, 'must be a map');
  return x;
}

export function str(x: unknown, field: string, max = MAX_STRING_LENGTH, min = 0): string {
  if (typeof x !== 'string') throw badFrame(field, 'must be a string');
  if (x.length > max) throw badFrame(field, `must be at most ${max} characters`);
  if (x.length < min) throw badFrame(field, `must be at least ${min} characters`);
  return x;
}

/** An integer within [min, max], by default a non-negative safe integer. */
export function int(x: unknown, field: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x)) throw badFrame(field, 'must be an integer');
  if (x < min || x > max) throw badFrame(field, `must be within [${min}, ${max}]`);
  return x;
}

/** A finite number, by default non-negative. */
export function num(x: unknown, field: string, min = 0): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw badFrame(field, 'must be a finite number');
  if (x < min) throw badFrame(field, `must be at least ${min}`);
  return x;
}

/** A number within a shared field rule (field-limits.ts). */
export function ranged(x: unknown, field: string, rule: NumberRule): number {
  if (typeof x !== 'number') throw badFrame(field, rule.integer ? 'must be an integer' : 'must be a finite number');
  const problem = numberProblem(rule, x);
  if (problem !== undefined) throw badFrame(field, problem);
  return x;
}

/** A string within a shared field rule (field-limits.ts). */
export function text(x: unknown, field: string, rule: TextRule): string {
  if (typeof x !== 'string') throw badFrame(field, 'must be a string');
  const problem = textProblem(rule, x);
  if (problem !== undefined) throw badFrame(field, problem);
  return x;
}

/** An absolute path with no `..` segment and nothing a command line could misread. */
export function absPath(x: unknown, field: string): string {
  if (typeof x !== 'string') throw badFrame(field, 'must be a string');
  const problem = pathProblem(x);
  if (problem !== undefined) throw badFrame(field, problem);
  return x;
}

export function bool(x: unknown, field: string): boolean {
  if (typeof x !== 'boolean') throw badFrame(field, 'must be a boolean');
  return x;
}

export function oneOf<T extends string>(x: unknown, field: string, values: readonly T[]): T {
  if (typeof x !== 'string' || !(values as readonly string[]).includes(x)) {
    throw badFrame(field, `must be one of ${values.join(', ')}`);
  }
  return x as T;
}

export function array(x: unknown, field: string, max: number): readonly unknown[] {
  if (!Array.isArray(x)) throw badFrame(field, 'must be an array');
  if (x.length > max) throw badFrame(field, `must have at most ${max} items`);
  return x;
}

/** Absent and undefined are the same: msgpack carries undefined fields. */
export function optional<T>(x: unknown, check: (x: unknown) => T): T | undefined {
  return x === undefined ? undefined : check(x);
}

/**
 * JSON-like data: null, booleans, finite numbers, bounded strings, arrays and
 * plain maps, nested at most MAX_DATA_DEPTH deep. Keeps the decoder's
 * extension types (Date, RegExp, Set, Error…) out of error details.
 */
export function plainData(x: unknown, field: string, depth = 0): unknown {
  if (x === null || typeof x === 'boolean') return x;
  if (typeof x === 'number') return num(x, field, -Infinity);
  if (typeof x === 'string') return str(x, field);
  if (depth >= MAX_DATA_DEPTH) throw badFrame(field, `must be nested at most ${MAX_DATA_DEPTH} deep`);
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) plainData(x[i], `${field}.${i}`, depth + 1);
    return x;
  }
  if (isRecord(x)) {
    for (const v of Object.values(x)) plainData(v, field, depth + 1);
    return x;
  }
  throw badFrame(field, 'must be plain data');
}

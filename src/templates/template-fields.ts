/**
 * Typed reading of template values for validators: numbers, yes/no, one-of,
 * each refusal an INVALID_TEMPLATE naming the attribute OpenNebula's way
 * (`MEMORY`, `DISK/SIZE`). An empty value counts as not given, as Sunstone
 * writes `LISTEN = ""` for "unset".
 */
import { NepheleError } from '../errors.js';
import { type NumberRule, type TextRule, numberProblem, pathProblem, textProblem } from '../protocol/field-limits.js';
import { quoted } from './excerpt.js';
import type { VectorValue } from './template.js';

/** Where a value came from, for the error's details. */
export interface Where {
  /** `CPU`, or `DISK/SIZE` for a key inside a vector. */
  readonly attribute: string;
  /** Source line of the attribute; absent for a missing one or one built in code. */
  readonly line?: number;
  /** Which of the repeated attributes (0 = the first DISK). */
  readonly index?: number;
}

export function invalid(where: Where, message: string): never {
  const details: Record<string, unknown> = { attribute: where.attribute };
  if (where.line !== undefined && where.line > 0) details['line'] = where.line;
  if (where.index !== undefined) details['index'] = where.index;
  const which = where.index === undefined ? '' : ` (${where.attribute.split('/')[0]} #${where.index + 1})`;
  throw new NepheleError('INVALID_TEMPLATE', `${where.attribute}${which}: ${message}`, { details });
}

// Anchored, one quantifier per run of digits: linear on any input.
const UNSIGNED_INTEGER = /^[0-9]+$/;
const DECIMAL = /^[0-9]+(?:\.[0-9]+)?$/;
const LEADING_DOT_DECIMAL = /^\.[0-9]+$/;

/** An integer ≥ `min` written in decimal digits (no sign, exponent or fraction). */
export function integerAtLeast(text: string, min: number, where: Where): number {
  const s = text.trim();
  const n = UNSIGNED_INTEGER.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n)) invalid(where, `expected an integer, got ${quoted(text)}`);
  if (n < min) invalid(where, `must be at least ${min}, got ${n}`);
  return n;
}

/** A decimal number > 0 (`1`, `0.5`, `.25`). */
export function positiveNumber(text: string, where: Where): number {
  const s = text.trim();
  const n = DECIMAL.test(s) || LEADING_DOT_DECIMAL.test(s) ? Number(s) : NaN;
  if (!Number.isFinite(n)) invalid(where, `expected a number, got ${quoted(text)}`);
  if (n <= 0) invalid(where, `must be greater than 0, got ${quoted(text)}`);
  return n;
}

/** `n`, checked against the field rule the wire checks it with too (protocol/field-limits.ts). */
export function inRange(n: number, rule: NumberRule, where: Where): number {
  const problem = numberProblem(rule, n);
  if (problem !== undefined) invalid(where, `${problem}, got ${n}`);
  return n;
}

/** `s`, checked against the field rule the wire checks it with too. The value is not echoed: it may be huge. */
export function matching(s: string, rule: TextRule, where: Where): string {
  const problem = textProblem(rule, s);
  if (problem !== undefined) invalid(where, problem);
  return s;
}

/** An absolute path on a host, as the wire takes it (no `..`, commas or control characters, at most 1024 characters). */
export function hostPath(s: string, where: Where): string {
  const problem = pathProblem(s);
  if (problem !== undefined) invalid(where, problem);
  return s;
}

/** `yes` or `no`, any case. */
export function yesNo(text: string, where: Where): boolean {
  const s = text.trim().toLowerCase();
  if (s === 'yes') return true;
  if (s === 'no') return false;
  return invalid(where, `expected yes or no, got ${quoted(text)}`);
}

/** One of `choices` (compared lower-case), returned lower-case. */
export function oneOf<C extends string>(text: string, choices: readonly C[], where: Where): C {
  const s = text.trim().toLowerCase();
  const found = choices.find((c) => c === s);
  if (found === undefined) invalid(where, `expected one of ${choices.join(', ')}, got ${quoted(text)}`);
  return found;
}

/**
 * Reads a vector's keys one by one and hands back the ones nobody asked
 * for, so that unknown keys are kept rather than lost.
 */
export class VectorReader {
  private readonly vector: VectorValue;
  private readonly name: string;
  private readonly where: Where;
  private readonly taken = new Set<string>();

  constructor(name: string, vector: VectorValue, where: Omit<Where, 'attribute'> = {}) {
    this.name = name;
    this.vector = vector;
    this.where = { attribute: name, ...where };
  }

  /** Where KEY is, for errors that involve it. */
  at(key: string): Where {
    return { ...this.where, attribute: `${this.name}/${key}` };
  }

  /** The whole vector, for errors about it. */
  get whole(): Where {
    return this.where;
  }

  /** KEY's value; undefined when absent or empty. */
  string(key: string): string | undefined {
    this.taken.add(key);
    const value = this.vector[key];
    return value === undefined || value.trim() === '' ? undefined : value;
  }

  /** KEY parsed by `read`, or undefined when absent or empty. */
  read<T>(key: string, read: (text: string, where: Where) => T): T | undefined {
    const value = this.string(key);
    return value === undefined ? undefined : read(value, this.at(key));
  }

  /** The keys not read, in their order. */
  rest(): VectorValue {
    const rest: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.vector)) if (!this.taken.has(key)) rest[key] = value;
    return Object.freeze(rest);
  }
}

/** `{ [key]: value }`, or `{}` when value is undefined: for optional properties under exactOptionalPropertyTypes. */
export function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

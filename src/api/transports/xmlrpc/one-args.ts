import { NepheleError } from '../../../errors.js';
import type { XmlRpcValue } from './xmlrpc-codec.js';

/**
 * A call's positional parameters as OpenNebula numbers them: 0 is the
 * session string, so `int(1, 'id')` reads the first after it. Types are
 * held to OpenNebula's signatures, with the leniency its clients need:
 * OCA sends `append` as 1/0 where a boolean is meant and the other way
 * round, so a boolean reads 0/1 and an int reads true/false.
 */
export class OneArgs {
  readonly method: string;
  private readonly values: readonly XmlRpcValue[];

  constructor(method: string, values: readonly XmlRpcValue[]) {
    this.method = method;
    this.values = values;
  }

  get length(): number {
    return this.values.length;
  }

  has(i: number): boolean {
    return i < this.values.length;
  }

  int(i: number, name: string): number {
    const v = this.values[i];
    if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
    if (typeof v === 'boolean') return v ? 1 : 0;
    throw this.bad(i, name, 'an int');
  }

  optInt(i: number, name: string, fallback: number): number {
    return this.has(i) ? this.int(i, name) : fallback;
  }

  bool(i: number, name: string): boolean {
    const v = this.values[i];
    if (typeof v === 'boolean') return v;
    if (v === 0 || v === 1) return v === 1;
    throw this.bad(i, name, 'a boolean');
  }

  optBool(i: number, name: string, fallback: boolean): boolean {
    return this.has(i) ? this.bool(i, name) : fallback;
  }

  str(i: number, name: string): string {
    const v = this.values[i];
    if (typeof v === 'string') return v;
    throw this.bad(i, name, 'a string');
  }

  optStr(i: number, name: string, fallback: string): string {
    return this.has(i) ? this.str(i, name) : fallback;
  }

  /** An array of ints (user.allocate's groups). */
  ints(i: number, name: string): number[] {
    const v = this.values[i];
    if (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isSafeInteger(x))) return v as number[];
    throw this.bad(i, name, 'an array of ints');
  }

  /** An object id (≥ 0). */
  id(i: number, name = 'id'): number {
    const n = this.int(i, name);
    if (n < 0) throw this.bad(i, name, 'an id (≥ 0)');
    return n;
  }

  private bad(i: number, name: string, what: string): NepheleError {
    return new NepheleError('INVALID_ARGUMENT', `parameter ${i} (${name}) of ${this.method} must be ${what}`, {
      details: { field: name, position: i },
    });
  }
}

/** A refusal for what OpenNebula has and Nephele does not (yet): its code is XML_RPC_API. */
export function notSupported(what: string): NepheleError {
  return new NepheleError('INVALID_ARGUMENT', `${what} is not supported by Nephele yet`, { details: { field: 'unsupported' } });
}

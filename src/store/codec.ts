import { Packr } from 'msgpackr';

/**
 * How entities look on disk. Keys are ids zero-padded to ten digits so that
 * LevelDB's byte order is numeric order (id 2 sorts before id 10). Values are
 * msgpack without records or shared structures: every value decodes on its
 * own, whatever was written before it.
 */

export const ID_DIGITS = 10;
/** The largest id a key can hold. */
export const MAX_ID = 10 ** ID_DIGITS - 1;
/** Bounds of the numeric key range; keys outside it are the store's own. */
export const MIN_KEY = '0'.repeat(ID_DIGITS);
export const MAX_KEY = '9'.repeat(ID_DIGITS);

export function isId(id: unknown): id is number {
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 && id <= MAX_ID;
}

/** A bad id is a programming mistake, hence a TypeError. */
export function assertId(id: unknown, what = 'id'): asserts id is number {
  if (!isId(id)) throw new TypeError(`${what} must be an integer from 0 to ${MAX_ID}, got ${String(id)}`);
}

export function encodeId(id: number): string {
  return String(id).padStart(ID_DIGITS, '0');
}

/** Iterator bounds for ids in (gt, lt), never straying outside the numeric keys. */
export function idRange(gt?: number, lt?: number): { gt?: string; gte?: string; lt?: string; lte?: string } {
  return {
    ...(gt === undefined ? { gte: MIN_KEY } : { gt: encodeId(gt) }),
    ...(lt === undefined ? { lte: MAX_KEY } : { lt: encodeId(lt) }),
  };
}

export function decodeId(key: string): number {
  return Number(key);
}

const packr = new Packr({ useRecords: false });

/** Encodes one value; each result is a buffer of its own, safe to hold. */
export function encodeValue(value: unknown): Uint8Array {
  return packr.pack(value);
}

export function decodeValue<T>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T;
}

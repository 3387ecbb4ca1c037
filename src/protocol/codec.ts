/**
 * Frames on the wire: one transport message is a msgpack array of frames.
 * msgpackr without records or shared/sequential structures, so every
 * message decodes on its own. Decoding throws nothing but NepheleError.
 */
import { Packr, Unpackr } from 'msgpackr';
import { NepheleError, isNepheleError } from '../errors.js';
import type { Frame } from './frames.js';
import { validateFrame } from './validate.js';

const packr = new Packr({ useRecords: false, moreTypes: false });
const unpackr = new Unpackr({ useRecords: false, moreTypes: false });

/** Bytes of the largest msgpack array header (0xdd + uint32). */
export const ARRAY_HEADER_BYTES = 5;

/** One frame's msgpack bytes, to be joined with others by joinFrames. */
export function encodeFrame(frame: Frame): Uint8Array {
  return packr.pack(frame);
}

/** Joins encoded frames into one msgpack array: what encodeFrames would give for the frames. */
export function joinFrames(parts: readonly Uint8Array[]): Uint8Array {
  const n = parts.length;
  let size = n < 16 ? 1 : n < 0x10000 ? 3 : 5;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at: number;
  if (n < 16) {
    out[0] = 0x90 | n;
    at = 1;
  } else if (n < 0x10000) {
    out[0] = 0xdc;
    out[1] = n >>> 8;
    out[2] = n & 0xff;
    at = 3;
  } else {
    out[0] = 0xdd;
    new DataView(out.buffer).setUint32(1, n);
    at = 5;
  }
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function encodeFrames(frames: readonly Frame[]): Uint8Array {
  return joinFrames(frames.map(encodeFrame));
}

/**
 * Decodes and validates one transport message. FRAME_TOO_LARGE when it
 * exceeds `maxBytes`; BAD_FRAME for anything that is not a msgpack array of
 * valid frames. All or nothing: one bad frame rejects the message.
 */
export function decodeFrames(buf: Uint8Array, maxBytes: number): Frame[] {
  if (!(buf instanceof Uint8Array)) throw new NepheleError('BAD_FRAME', 'a transport message must be binary');
  if (buf.length > maxBytes) {
    throw new NepheleError('FRAME_TOO_LARGE', `${buf.length} bytes exceed the bound of ${maxBytes}`, {
      details: { bytes: buf.length, maxBytes },
    });
  }
  let decoded: unknown;
  try {
    decoded = unpackr.unpack(buf);
  } catch (err) {
    // msgpackr throws Error, RangeError (deep nesting) or its own incomplete-data errors.
    throw new NepheleError('BAD_FRAME', 'not a valid msgpack message', { cause: err });
  }
  if (!Array.isArray(decoded)) throw new NepheleError('BAD_FRAME', 'a transport message must be an array of frames');
  try {
    return decoded.map(validateFrame);
  } catch (err) {
    if (isNepheleError(err)) throw err;
    throw new NepheleError('BAD_FRAME', 'frame validation failed', { cause: err });
  }
}

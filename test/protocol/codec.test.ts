import t from 'tap';
import { Packr } from 'msgpackr';
import { NepheleError, isNepheleError } from '../../src/errors.js';
import { decodeFrames, encodeFrame, encodeFrames, joinFrames } from '../../src/protocol/codec.js';
import type { Frame } from '../../src/protocol/frames.js';
import { allMessages, frames } from './samples.js';

const MAX = 4 * 1024 * 1024;
const raw = new Packr({ useRecords: false });

function decodeError(buf: Uint8Array, max = MAX): NepheleError {
  try {
    decodeFrames(buf, max);
  } catch (err) {
    if (err instanceof NepheleError) return err;
    throw err;
  }
  throw new Error('decoded without an error');
}

t.test('every frame kind round-trips through one transport message', async (t) => {
  t.same(decodeFrames(encodeFrames(frames), MAX), frames);
});

t.test('every message type round-trips in a cmd frame', async (t) => {
  const cmds: Frame[] = allMessages.map((msg, i) => ({ t: 'cmd', seq: i + 1, msg }));
  t.same(decodeFrames(encodeFrames(cmds), MAX), cmds);
});

t.test('joinFrames writes the array header of every size class', async (t) => {
  for (const n of [0, 1, 15, 16, 65_535, 65_536]) {
    const pings: Frame[] = Array.from({ length: n }, (_, i) => ({ t: 'ping', ts: i }));
    const joined = joinFrames(pings.map(encodeFrame));
    t.same(joined, raw.pack(pings), `${n} frames encode as msgpack would`);
    t.equal(decodeFrames(joined, Infinity).length, n);
  }
});

t.test('a message over the bound is FRAME_TOO_LARGE; one at the bound decodes', async (t) => {
  const buf = encodeFrames(frames);
  t.equal(decodeError(buf, buf.length - 1).code, 'FRAME_TOO_LARGE');
  t.same(decodeError(buf, buf.length - 1).details, { bytes: buf.length, maxBytes: buf.length - 1 });
  t.equal(decodeFrames(buf, buf.length).length, frames.length);
});

t.test('what is not an array of valid frames is BAD_FRAME', async (t) => {
  const cases: Record<string, Uint8Array> = {
    empty: new Uint8Array(0),
    'a map': raw.pack({ t: 'ping', ts: 1 }),
    'a string': raw.pack('hello'),
    'an array of numbers': raw.pack([1, 2, 3]),
    'trailing bytes': Uint8Array.from([...encodeFrames(frames), 0xc0]),
    'reserved byte 0xc1': Uint8Array.of(0x91, 0xc1),
    'an unknown extension': Uint8Array.of(0x91, 0xd4, 0x05, 0x00),
    'structured-clone pointer': Uint8Array.of(0x91, 0xd6, 0x70, 0, 0, 0, 1),
    'nested 200,000 deep': new Uint8Array(200_000).fill(0x91),
  };
  for (const [name, buf] of Object.entries(cases)) {
    const err = decodeError(buf);
    t.equal(err.code, 'BAD_FRAME', name);
  }
  t.ok(decodeError(Uint8Array.of(0x92, 0x90)).cause instanceof Error, 'the msgpackr error is the cause');
});

t.test('one bad frame rejects the whole message', async (t) => {
  const buf = raw.pack([...frames, { t: 'ack', seq: -1 }]);
  const err = decodeError(buf);
  t.equal(err.code, 'BAD_FRAME');
  t.same(err.details, { field: 'ack.seq' });
});

t.test('an empty frame array is valid and carries nothing', async (t) => {
  t.same(decodeFrames(Uint8Array.of(0x90), MAX), []);
});

t.test('a map key __proto__ does not reach any prototype', async (t) => {
  const buf = raw.pack([JSON.parse('{"t":"res","id":1,"ok":true,"value":{"__proto__":{"polluted":true}}}')]);
  const [frame] = decodeFrames(buf, MAX);
  t.equal(({} as { polluted?: boolean }).polluted, undefined);
  t.equal(Object.getPrototypeOf((frame as { value: object }).value), Object.prototype);
  t.ok(isNepheleError(decodeError(raw.pack([{ t: 'bye', code: '__proto__', message: 'x' }])), 'BAD_FRAME'));
});

import t, { type Test } from 'tap';
import { Packr } from 'msgpackr';
import { NepheleError } from '../../src/errors.js';
import { decodeFrames, encodeFrames } from '../../src/protocol/codec.js';
import type { Frame } from '../../src/protocol/frames.js';
import { allMessages, frames, prng } from './samples.js';

const raw = new Packr({ useRecords: false });

type Outcome = { ok: Frame[] } | { error: NepheleError };

/** Decodes, and fails the test on anything thrown but a BAD_FRAME or FRAME_TOO_LARGE NepheleError. */
function attempt(t: Test, buf: Uint8Array, maxBytes: number, label: string): Outcome {
  try {
    return { ok: decodeFrames(buf, maxBytes) };
  } catch (err) {
    if (!(err instanceof NepheleError) || (err.code !== 'BAD_FRAME' && err.code !== 'FRAME_TOO_LARGE')) {
      t.fail(`${label}: threw ${String(err)}`);
      throw err;
    }
    return { error: err };
  }
}

t.test('2,000 random buffers decode or fail with BAD_FRAME / FRAME_TOO_LARGE only', async (t) => {
  const random = prng(0x5eed);
  const counts = { ok: 0, BAD_FRAME: 0, FRAME_TOO_LARGE: 0 };
  for (let i = 0; i < 2000; i++) {
    const buf = new Uint8Array(Math.floor(random() * 96));
    for (let j = 0; j < buf.length; j++) buf[j] = Math.floor(random() * 256);
    // Half start as a frame array, so the decoder gets past the first byte.
    if (buf.length > 0 && random() < 0.5) buf[0] = 0x90 | Math.floor(random() * 4);
    const outcome = attempt(t, buf, 64, `buffer ${i}`);
    if ('ok' in outcome) counts.ok++;
    else counts[outcome.error.code as 'BAD_FRAME' | 'FRAME_TOO_LARGE']++;
  }
  t.equal(counts.ok + counts.BAD_FRAME + counts.FRAME_TOO_LARGE, 2000);
  t.ok(counts.BAD_FRAME > 1000, `most are BAD_FRAME (${JSON.stringify(counts)})`);
  t.ok(counts.FRAME_TOO_LARGE > 0, 'the oversized ones are FRAME_TOO_LARGE');
});

t.test('every truncation of a valid message is BAD_FRAME', async (t) => {
  const messages = [encodeFrames(frames), ...frames.map((f) => encodeFrames([f]))];
  let cases = 0;
  for (const buf of messages) {
    for (let n = 0; n < buf.length; n++) {
      const outcome = attempt(t, buf.subarray(0, n), Infinity, `prefix ${n}/${buf.length}`);
      if ('ok' in outcome) t.fail(`prefix ${n}/${buf.length} decoded`);
      else if (outcome.error.code !== 'BAD_FRAME') t.fail(`prefix ${n}: ${outcome.error.code}`);
      cases++;
    }
  }
  t.ok(cases > 1000, `${cases} prefixes`);
});

t.test('2,000 byte mutations of valid messages decode or fail cleanly', async (t) => {
  const random = prng(42);
  const valid = frames.map((f) => encodeFrames([f]));
  let failures = 0;
  let decoded = 0;
  for (let i = 0; i < 2000; i++) {
    const buf = Uint8Array.from(valid[i % valid.length] as Uint8Array);
    const flips = 1 + Math.floor(random() * 3);
    for (let k = 0; k < flips; k++) buf[Math.floor(random() * buf.length)] = Math.floor(random() * 256);
    const outcome = attempt(t, buf, 4096, `mutation ${i}`);
    if ('error' in outcome) failures++;
    else decoded++;
  }
  t.equal(failures + decoded, 2000);
  t.ok(failures > 500, `${failures} of 2000 mutations refused`);
});

const WRONG: Record<string, readonly unknown[]> = {
  number: ['1', Number.NaN, Infinity, -1, null, {}, [], true],
  string: [1, null, 'x'.repeat(5000), {}, []],
  boolean: [1, 'true', null],
  object: [1, 'x', null, []],
};
/** Wrong values that are right for one field. */
const ALLOWED: Record<string, readonly unknown[]> = {
  'ping.ts': [-1],
  'pong.ts': [-1],
  // A context script may be longer than other strings (up to 1 MiB).
  'cmd.msg.context.script': ['x'.repeat(5000)],
};
/** Fields whose content is free-form. */
const FREE = new Set(['res.value', 'res.error.details']);

function setAt(obj: unknown, path: readonly string[], value: unknown): unknown {
  const [head, ...rest] = path as [string, ...string[]];
  const copy = { ...(obj as Record<string, unknown>) };
  copy[head] = rest.length === 0 ? value : setAt(copy[head], rest, value);
  return copy;
}

/** Every field path of `obj` but the discriminants, depth first. */
function* paths(obj: object, prefix: string[] = []): Generator<{ path: string[]; kind: string }> {
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'type' || k === 't' || Array.isArray(v)) continue;
    const path = [...prefix, k];
    yield { path, kind: typeof v };
    if (typeof v === 'object' && v !== null) yield* paths(v, path);
  }
}

function wrongFieldCases(frame: Frame): Array<{ bad: unknown; field: string }> {
  const out: Array<{ bad: unknown; field: string }> = [];
  for (const { path, kind } of paths(frame)) {
    const field = [frame.t, ...path].join('.');
    if ([...FREE].some((f) => field.startsWith(f))) continue;
    for (const value of WRONG[kind] ?? []) {
      if ((ALLOWED[field] ?? []).some((v) => Object.is(v, value))) continue;
      out.push({ bad: setAt(frame, path, value), field });
    }
  }
  return out;
}

t.test('a wrong-typed or out-of-range field is BAD_FRAME naming the field', async (t) => {
  const subjects: Frame[] = [
    ...frames.filter((f) => f.t !== 'req'),
    ...allMessages.map((msg, i): Frame => ({ t: 'cmd', seq: i + 1, msg })),
  ];
  let cases = 0;
  for (const frame of subjects) {
    for (const { bad, field } of wrongFieldCases(frame)) {
      const outcome = attempt(t, raw.pack([bad]), Infinity, field);
      if ('ok' in outcome) t.fail(`${field}: accepted ${JSON.stringify(bad)}`);
      else if (outcome.error.code !== 'BAD_FRAME' || outcome.error.details?.field !== field) {
        t.fail(`${field}: got ${outcome.error.code} ${JSON.stringify(outcome.error.details)}`);
      }
      cases++;
    }
  }
  t.ok(cases > 400, `${cases} wrong fields refused`);
});

t.test('a missing field is BAD_FRAME naming it', async (t) => {
  for (const msg of allMessages) {
    for (const key of Object.keys(msg).filter((k) => k !== 'type')) {
      const optional =
        (['opId', 'reason', 'info', 'error'].includes(key) &&
          (msg.type === 'vm.state' || (msg.type === 'vm.op_result' && key === 'error'))) ||
        (msg.type === 'vm.prolog' && key === 'context');
      const copy: Record<string, unknown> = { ...msg };
      delete copy[key];
      const outcome = attempt(t, raw.pack([{ t: 'cmd', seq: 1, msg: copy }]), Infinity, `${msg.type} without ${key}`);
      if (optional) t.ok('ok' in outcome, `${msg.type}.${key} is optional`);
      else t.match(outcome, { error: { code: 'BAD_FRAME', details: { field: `cmd.msg.${key}` } } }, `${msg.type}.${key} is required`);
    }
  }
});

t.test('unknown message types and frame kinds are BAD_FRAME with the type', async (t) => {
  for (const type of ['vm.explode', '', 'constructor', '__proto__', 'toString']) {
    for (const t2 of ['cmd', 'evt'] as const) {
      const outcome = attempt(t, raw.pack([{ t: t2, seq: 1, msg: { type } }]), Infinity, type);
      t.match(outcome, { error: { code: 'BAD_FRAME', details: { field: `${t2}.msg.type`, type } } }, `${t2} ${JSON.stringify(type)}`);
    }
  }
  for (const kind of ['nope', 'constructor', '']) {
    t.match(attempt(t, raw.pack([{ t: kind }]), Infinity, kind), { error: { code: 'BAD_FRAME', details: { field: 'frame.t', t: kind } } });
  }
  t.match(attempt(t, raw.pack([{ t: 'cmd', seq: 1, msg: { type: 'x'.repeat(65) } }]), Infinity, 'long type'), {
    error: { code: 'BAD_FRAME', details: { field: 'cmd.msg.type' } },
  });
});

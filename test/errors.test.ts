import { readFile } from 'node:fs/promises';
import t from 'tap';
import { ERROR_CODES, NepheleError, isNepheleError } from '../src/errors.js';

t.test('docs/errors.md lists every error code exactly once, and no other', async (t) => {
  const doc = await readFile(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const documented = [...doc.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
  t.same([...documented].sort(), Object.keys(ERROR_CODES).sort());
  t.equal(new Set(documented).size, documented.length, 'no code twice');
});

t.test('a NepheleError carries its code, details and cause, and serialises without the stack', async (t) => {
  const cause = new Error('low level');
  const err = new NepheleError('ASK_TIMEOUT', 'too slow', { cause, details: { timeoutMs: 5 } });
  t.ok(isNepheleError(err, 'ASK_TIMEOUT'));
  t.notOk(isNepheleError(err, 'ACTOR_STOPPED'));
  t.notOk(isNepheleError(new Error('plain')));
  t.equal(err.cause, cause);
  t.same(JSON.parse(JSON.stringify(err)), { code: 'ASK_TIMEOUT', message: 'too slow', details: { timeoutMs: 5 } });
});

import { readFile } from 'node:fs/promises';
import t from 'tap';
import { ONE_METHODS } from '../../src/api/transports/xmlrpc/index.js';

t.test('docs/xmlrpc.md lists every method the door knows, and how it answers', async (t) => {
  const doc = await readFile(new URL('../../docs/xmlrpc.md', import.meta.url), 'utf8');
  for (const [name, entry] of Object.entries(ONE_METHODS)) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
    t.ok(row, `${name} has a row`);
    if (row !== undefined) t.equal(row.includes('not supported yet'), entry.kind === 'unsupported', `${name}: ${entry.kind}`);
  }
});

import { readFile } from 'node:fs/promises';
import t from 'tap';
import { LIFECYCLE_DOC, renderLifecycle } from '../../scripts/render-lifecycle.js';
import { LIFECYCLE } from '../../src/vms/vm-lifecycle.js';
import { VM_STATE_NAMES } from '../../src/vms/vm-states.js';

const STALE = 'docs/vm-lifecycle.md is stale: run `npx tsx scripts/render-lifecycle.ts`';

t.test('docs/vm-lifecycle.md is what the table renders to', async (t) => {
  const doc = await readFile(LIFECYCLE_DOC, 'utf8').catch(() => '');
  t.equal(doc, renderLifecycle(), STALE);
});

t.test('the rendering shows every state and every transition', async (t) => {
  const doc = renderLifecycle();
  t.match(doc, /```mermaid\nstateDiagram-v2\n/);
  for (const state of VM_STATE_NAMES) {
    t.match(doc, new RegExp(`^\\| ${state} \\| \``, 'm'), `${state} in the states table`);
    for (const [event, entry] of Object.entries(LIFECYCLE[state])) {
      t.ok(doc.includes(`| ${state} | ${event} | ${entry.next} |`), `${state} --${event}--> ${entry.next} in the transitions table`);
      t.match(doc, new RegExp(`^    ${state} --> ${entry.next}: .*\\b${event}\\b`, 'm'), `… and in the diagram`);
    }
  }
});

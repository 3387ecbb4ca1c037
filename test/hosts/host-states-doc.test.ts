import { readFile } from 'node:fs/promises';
import t from 'tap';
import { HOST_STATES_DOC, renderHostStates } from '../../scripts/render-host-states.js';
import { HOST_STATE_NAMES, HOST_TRANSITIONS } from '../../src/hosts/host-states.js';

const STALE = 'docs/host-states.md is stale: run `npx tsx scripts/render-host-states.ts`';

t.test('docs/host-states.md is what the table renders to', async (t) => {
  const doc = await readFile(HOST_STATES_DOC, 'utf8').catch(() => '');
  t.equal(doc, renderHostStates(), STALE);
});

t.test('the rendering shows every state and every transition', async (t) => {
  const doc = renderHostStates();
  t.match(doc, /```mermaid\nstateDiagram-v2\n/);
  for (const state of HOST_STATE_NAMES) t.match(doc, new RegExp(`^\\| ${state} \\| \``, 'm'), `${state} in the states table`);
  for (const { from, event, to } of HOST_TRANSITIONS) {
    t.ok(doc.includes(`| ${from} | ${event} | ${to} |`), `${from} --${event}--> ${to} in the transitions table`);
    t.match(doc, new RegExp(`^    ${from} --> ${to}: .*\\b${event}\\b`, 'm'), '… and in the diagram');
  }
});

/**
 * Renders the host states table into docs/host-states.md.
 * Run: `npx tsx scripts/render-host-states.ts`. test/hosts/host-states-doc.test.ts
 * fails while the file differs from what this renders.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  HOST_EVENTS,
  HOST_EVENT_NAMES,
  HOST_INITIAL,
  HOST_STATES,
  HOST_STATE_NAMES,
  HOST_STATE_RULES,
  HOST_TRANSITIONS,
} from '../src/hosts/host-states.js';
import { HOST_STAT } from '../src/hosts/host-view.js';
import type { HostAdminState } from '../src/hosts/host-record.js';

export const HOST_STATES_DOC = new URL('../docs/host-states.md', import.meta.url);

function mermaid(): string[] {
  const lines = ['```mermaid', 'stateDiagram-v2'];
  for (const admin of Object.keys(HOST_INITIAL) as HostAdminState[]) {
    lines.push(`    [*] --> ${HOST_INITIAL[admin]}: start (${admin})`);
  }
  // One arrow per pair of states, labelled with every event that takes it.
  const arrows = new Map<string, string[]>();
  for (const t of HOST_TRANSITIONS) {
    const key = `${t.from} --> ${t.to}`;
    const events = arrows.get(key) ?? [];
    if (!events.includes(t.event)) events.push(t.event);
    arrows.set(key, events);
  }
  for (const [key, events] of arrows) lines.push(`    ${key}: ${events.join(', ')}`);
  lines.push('```');
  return lines;
}

/** The whole of docs/host-states.md. */
export function renderHostStates(): string {
  return [
    '<!-- Generated from src/hosts/host-states.ts by scripts/render-host-states.ts: do not edit, run `npx tsx scripts/render-host-states.ts`. -->',
    '',
    '# Host states',
    '',
    "A host's state is OpenNebula's, with the short name `onehost list` prints. It is not stored: the",
    "host actor derives it from what it knows (the operator's choice, its agent's link, monitoring, the",
    'latest deployment, how long it has waited) by the rules below, the first that holds. The',
    'transitions are every way an event moves a host to another state; a test walks every combination',
    'of those facts and every event and keeps the table and the rules in agreement. This page is',
    'rendered from `src/hosts/host-states.ts`.',
    '',
    "Only the operator's choice (enabled, disabled, offline) is kept in the store: a restarted oned",
    '(or host actor) starts from it, and the rest comes back as its agent redials. Figures are kept',
    'while the agent is lost, so an agent that comes back makes its host MONITORED at once.',
    '',
    '## States',
    '',
    '| State | `onehost list` | Meaning |',
    '|---|---|---|',
    ...HOST_STATE_NAMES.map((s) => `| ${s} | \`${HOST_STAT[s]}\` | ${HOST_STATES[s].summary} |`),
    '',
    '## Rules',
    '',
    '| Order | State | When |',
    '|---|---|---|',
    ...HOST_STATE_RULES.map((r, i) => `| ${i + 1} | ${r.state} | ${r.when} |`),
    '',
    '## Diagram',
    '',
    ...mermaid(),
    '',
    '## Transitions',
    '',
    '| State | Event | Next | When |',
    '|---|---|---|---|',
    ...(Object.keys(HOST_INITIAL) as HostAdminState[]).map((admin) => `| (start) | ${admin} | ${HOST_INITIAL[admin]} | — |`),
    ...HOST_STATE_NAMES.flatMap((s) =>
      HOST_TRANSITIONS.filter((t) => t.from === s).map((t) => `| ${t.from} | ${t.event} | ${t.to} | ${t.when ?? '—'} |`),
    ),
    '',
    '## Events',
    '',
    '| Event | What happens |',
    '|---|---|',
    ...HOST_EVENT_NAMES.map((e) => `| ${e} | ${HOST_EVENTS[e].summary} |`),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  await writeFile(HOST_STATES_DOC, renderHostStates());
  process.stdout.write(`wrote ${fileURLToPath(HOST_STATES_DOC)}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}

/**
 * Renders the VM life cycle table into docs/vm-lifecycle.md.
 * Run: `npx tsx scripts/render-lifecycle.ts`. test/vms/lifecycle-doc.test.ts
 * fails while the file differs from what this renders.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  EFFECTS,
  GUARDS,
  INITIAL,
  LIFECYCLE,
  OUTCOMES,
  OUTCOME_NAMES,
  OPERATIONS,
  SCHEDULABLE_STATES,
  allowedActions,
  type EffectKind,
  type EffectTemplate,
  type EventKey,
  type OpKind,
  type TableEntry,
} from '../src/vms/vm-lifecycle.js';
import { USER_ACTIONS, USER_ACTION_NAMES, VM_ACTIONS, isVmAction, type UserAction } from '../src/vms/vm-actions.js';
import { VM_STATES, VM_STATE_NAMES, type VmState } from '../src/vms/vm-states.js';

export const LIFECYCLE_DOC = new URL('../docs/vm-lifecycle.md', import.meta.url);

/** An effect as the doc writes it: `deploy`, `shutdown(hard=$hard)`, `prolog(from=images)`. */
export function formatEffect(effect: EffectTemplate): string {
  const args = Object.entries(effect)
    .filter(([key]) => key !== 'kind')
    .map(([key, value]) => `${key}=${String(value)}`);
  return args.length === 0 ? effect.kind : `${effect.kind}(${args.join(', ')})`;
}

function formatEffects(entry: TableEntry): string {
  return entry.effects.length === 0 ? '—' : entry.effects.map((e) => `\`${formatEffect(e)}\``).join(', ');
}

/** Who may ask for a table key: the action its label starts with says (vm-actions.ts). */
function whoMay(key: UserAction): string {
  const action = USER_ACTIONS[key].label.split(' ')[0] ?? '';
  if (!isVmAction(action)) throw new TypeError(`${key}: its label names no action`);
  return VM_ACTIONS[action].admin === true ? 'administrators only' : 'its owner, administrators';
}

function rowsOf(state: VmState): [EventKey, TableEntry][] {
  return Object.entries(LIFECYCLE[state]) as [EventKey, TableEntry][];
}

function mermaid(): string[] {
  const lines = ['```mermaid', 'stateDiagram-v2'];
  lines.push(`    [*] --> ${INITIAL.create.next}: create`);
  lines.push(`    [*] --> ${INITIAL.create_hold.next}: create_hold`);
  for (const state of VM_STATE_NAMES) {
    // One arrow per pair of states, labelled with every event that takes it.
    const byNext = new Map<VmState, EventKey[]>();
    for (const [event, entry] of rowsOf(state)) {
      byNext.set(entry.next, [...(byNext.get(entry.next) ?? []), event]);
    }
    for (const [next, events] of byNext) lines.push(`    ${state} --> ${next}: ${events.join(', ')}`);
  }
  lines.push('    DONE --> [*]', '```');
  return lines;
}

/** The whole of docs/vm-lifecycle.md. */
export function renderLifecycle(): string {
  const out: string[] = [
    '<!-- Generated from src/vms/vm-lifecycle.ts by scripts/render-lifecycle.ts: do not edit, run `npx tsx scripts/render-lifecycle.ts`. -->',
    '',
    '# The VM life cycle',
    '',
    'A VM moves through one transition table, `(state, event) → (next state, effects)`, in',
    "`src/vms/vm-lifecycle.ts`; this page is rendered from it. The states are OpenNebula's, its VM and",
    'LCM states flattened into one name, with the short name `onevm list` prints.',
    '',
    '- **Events** are user actions (the scheduler acts as a user when it deploys or migrates) and',
    '  outcomes, which drivers report for the effects they ran and monitoring reports for hosts and',
    '  guests. A user action with no entry for the state is refused with `ACTION_NOT_ALLOWED`; an',
    '  outcome with no entry is stale (late, repeated, or of an abandoned step) and is logged and',
    '  dropped. An outcome whose operation id is not the one in flight is stale too: the VM actor',
    '  checks that before it looks at the table.',
    '- **Effects** run in order once the transition is stored. `$hard` and `$hostId` stand for the',
    "  event's `hard` flag and host id.",
    '- **Kinds**: a *stable* state waits for a user; a *transient* one for the outcome of its effect',
    '  (or `recover --success`/`--failure`); a *failure* state for `recover` (`--retry` runs the',
    '  failed step again, `--success` goes on as if it had worked) or `terminate`. Every state but DONE allows',
    '  `recover --delete` (to DONE) and `recover --recreate` (to CLEANUP_RESUBMIT, then PENDING with the',
    '  same id).',
    '- **No step waits for ever.** Each operation has a deadline (stored with it, so a restarted oned',
    "  keeps it; per kind, oned's `operationDeadlines`, generous by default: an hour for transfers and",
    '  live migrations, 15 minutes for a deploy). An operation its agent neither answered nor refused by',
    '  then fails with `OPERATION_TIMEOUT`, and the VM takes the `…_failed` outcome of its step, the',
    '  reason in its last error. An agent that comes back as a new process gets every operation in',
    '  flight on its host again, under the same operation id (its ledger runs each once).',
    '- **The owner can always end a VM**: `terminate --hard` from any transient state abandons the',
    '  step in flight (its late outcome is ignored), destroys the guest and removes its files wherever',
    '  it is (`cleanup`), and gives back capacity, leases and images; `terminate`, hard or not, does the',
    "  same from a failure state. `recover` stays the administrators'.",
    '- **A resched is one request**: the migration it leads to clears the flag (`unschedule` on',
    '  `migrate` and `migrate --live`), and so does the scheduler when it finds no better host, so a',
    '  VM moves at most once for it.',
    '',
    '## States',
    '',
    '| State | `onevm list` | Kind | Meaning |',
    '|---|---|---|---|',
    ...VM_STATE_NAMES.map((s) => `| ${s} | \`${VM_STATES[s].short}\` | ${VM_STATES[s].kind} | ${VM_STATES[s].summary} |`),
    '',
    '## Diagram',
    '',
    ...mermaid(),
    '',
    '## Transitions',
    '',
    '| State | Event | Next | Effects |',
    '|---|---|---|---|',
    `| (new) | create | ${INITIAL.create.next} | ${formatEffects(INITIAL.create)} |`,
    `| (new) | create_hold | ${INITIAL.create_hold.next} | ${formatEffects(INITIAL.create_hold)} |`,
  ];
  for (const state of VM_STATE_NAMES) {
    for (const [event, entry] of rowsOf(state)) {
      out.push(`| ${state} | ${event} | ${entry.next} | ${formatEffects(entry)} |`);
    }
  }
  out.push(
    '',
    '## User actions per state',
    '',
    '| State | Allowed actions |',
    '|---|---|',
    ...VM_STATE_NAMES.map((s) => {
      const actions = allowedActions(s);
      return `| ${s} | ${actions.length === 0 ? '—' : actions.map((a) => `\`${USER_ACTIONS[a].label}\``).join(', ')} |`;
    }),
    '',
    '## Events',
    '',
    '| User action | CLI | Who may | What it does |',
    '|---|---|---|---|',
    ...USER_ACTION_NAMES.map((a) => `| ${a} | \`onevm ${USER_ACTIONS[a].label}\` | ${whoMay(a)} | ${USER_ACTIONS[a].summary} |`),
    '',
    "Before the table, a user action passes its guards (`GUARDS`), which read the VM's facts rather",
    'than its state:',
    '',
    '| User action | Refused when |',
    '|---|---|',
    ...USER_ACTION_NAMES.flatMap((a) => (GUARDS[a] ?? []).map((g) => `| ${a} | ${g.refuses} |`)),
    '',
    '| Outcome | Reported by | Meaning |',
    '|---|---|---|',
    ...OUTCOME_NAMES.map((o) => `| ${o} | ${OUTCOMES[o].source} | ${OUTCOMES[o].summary} |`),
    '',
    '## Effects',
    '',
    '| Effect | What it does |',
    '|---|---|',
    ...(Object.keys(EFFECTS) as EffectKind[]).map((k) => `| ${k} | ${EFFECTS[k]} |`),
    '',
    '## Operations',
    '',
    'The effects that run on a node (at most one per transition), the outcome each reports, and the',
    'host it runs on while a VM has two (a migration). A transfer with nothing to move (TM_MAD =',
    'shared: a prolog from the system datastore or the previous host, an epilog that keeps the disks;',
    'any transfer of a VM without files) takes its success at once, in the same write.',
    '',
    '| Operation | Success | Failure | Runs on | Keeps the guest where it is |',
    '|---|---|---|---|---|',
    ...(Object.keys(OPERATIONS) as OpKind[]).map((k) => {
      const o = OPERATIONS[k];
      const failed = `${o.failed ?? '—'}${o.doneOnError === undefined ? '' : ` (\`${o.doneOnError}\` counts as success)`}`;
      return `| ${k} | ${o.done ?? '— (moves nothing)'} | ${failed} | ${o.runsOn} | ${o.keepsGuest ? 'yes' : 'no'} |`;
    }),
    '',
    `The scheduler deploys (or, after a resched, migrates) a VM that asked (\`schedule\`), has nothing in flight and is in ${[...SCHEDULABLE_STATES].join(', ')}.`,
    '',
  );
  return out.join('\n');
}

async function main(): Promise<void> {
  await writeFile(LIFECYCLE_DOC, renderLifecycle());
  process.stdout.write(`wrote ${fileURLToPath(LIFECYCLE_DOC)}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}

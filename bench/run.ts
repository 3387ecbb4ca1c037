/**
 * Runs a benchmark suite: `npm run bench -- <suite> [--json]`.
 *
 * Without --json it prints a table; with --json exactly one JSON object,
 * `{ "suite": ..., "results": { <name>: { value, unit, baseline, ratio, ... } } }`,
 * and nothing else on stdout (progress goes to stderr, and only without --json).
 * Note that `npm run` itself prints a banner on stdout; use `npm run -s bench -- <suite> --json`
 * (or `npx tsx bench/run.ts <suite> --json`) when piping the JSON.
 */
import type { Result, Suite, SuiteOptions, SuiteResult } from './suite.js';

/** Suites by name, loaded only when asked for. */
const suites: Readonly<Record<string, () => Promise<Suite>>> = {
  abuse: () => import('./abuse.js'),
  boot: () => import('./boot.js'),
  kernel: () => import('./kernel.js'),
  link: () => import('./link.js'),
  lifecycle: () => import('./lifecycle.js'),
  placement: () => import('./placement.js'),
  scale: () => import('./scale.js'),
  xmlrpc: () => import('./xmlrpc.js'),
};

function usage(): string {
  return `usage: npm run bench -- <suite> [--json]\navailable suites: ${Object.keys(suites).join(', ')}`;
}

async function main(argv: readonly string[]): Promise<number> {
  const flags = argv.filter((a) => a.startsWith('-'));
  const positional = argv.filter((a) => !a.startsWith('-'));
  const unknownFlags = flags.filter((f) => f !== '--json');
  const name = positional[0];
  if (unknownFlags.length > 0 || positional.length !== 1 || name === undefined || !Object.hasOwn(suites, name)) {
    if (name !== undefined && !Object.hasOwn(suites, name)) process.stderr.write(`unknown suite: ${name}\n`);
    if (unknownFlags.length > 0) process.stderr.write(`unknown option: ${unknownFlags.join(' ')}\n`);
    process.stderr.write(`${usage()}\n`);
    return 2;
  }
  const opts: SuiteOptions = { json: flags.includes('--json') };
  const load = suites[name] as () => Promise<Suite>;
  const suite = await load();
  if (!opts.json) process.stderr.write(`running suite ${name}...\n`);
  const res = await suite.run(opts);
  process.stdout.write(opts.json ? `${JSON.stringify(res)}\n` : table(res, suite.notes ?? []));
  return 0;
}

function table(res: SuiteResult, notes: readonly string[]): string {
  const header = ['name', 'value', 'unit', 'baseline', 'ratio', 'target', 'met'];
  const rows = Object.entries(res.results).map(([name, r]) => [
    name,
    num(r.value),
    r.unit,
    num(r.baseline),
    `${r.ratio.toFixed(2)}x`,
    target(r),
    r.met === undefined ? '-' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const right = new Set([1, 3, 4]);
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [
    `suite: ${res.suite}`,
    ...notes,
    'Throughputs (/s): higher is better. Latency (µs) and memory (bytes): lower is better.',
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
  ].join('\n');
}

function target(r: Result): string {
  if (r.target === undefined) return '-';
  return `${r.better === 'higher' ? '>=' : '<'} ${num(r.target)}`;
}

function num(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(2);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);

// The layer order of issue 16, checked against the imports the compiler itself resolves.
//
// dependency-cruiser (18.x) does not support TypeScript 7, and a hand-written import scanner
// would have to re-implement `nodenext` resolution of `.js` specifiers. The compiler already
// knows every edge: `tsc --explainFiles` prints, for each file of the program, every
// `import`, `import type`, `export … from` and dynamic `import()` that reached it. `--noCheck`
// skips type checking, so the walk takes about a second.
//
// Run it alone with `npx tsx scripts/check-layers.ts`: it prints one line per violation.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A layer: files of one name may import each other; across names only to a lower rank. */
export interface Layer {
  readonly rank: number;
  readonly name: string;
}

// Longest prefix wins, so `src/placement/expr/` is infrastructure while `src/placement/` is a domain.
// Kernel and wire share rank 2 under different names: neither may import the other. The domains
// carry fractional ranks for their own order: users < networks < images < hosts < vms < placement.
const LAYERS: ReadonlyArray<readonly [prefix: string, layer: Layer]> = [
  ['src/errors.ts', { rank: 1, name: 'base' }],
  ['src/log/', { rank: 1, name: 'base' }],
  ['src/base/', { rank: 1, name: 'base' }],
  ['src/actors/', { rank: 2, name: 'kernel' }],
  ['src/protocol/', { rank: 2, name: 'wire' }],
  ['src/store/', { rank: 3, name: 'infrastructure' }],
  ['src/templates/', { rank: 3, name: 'infrastructure' }],
  ['src/ssh/', { rank: 3, name: 'infrastructure' }],
  ['src/placement/expr/', { rank: 3, name: 'infrastructure' }],
  ['src/auth/', { rank: 4, name: 'auth' }],
  ['src/users/', { rank: 5.1, name: 'users' }],
  ['src/networks/', { rank: 5.2, name: 'networks' }],
  ['src/images/', { rank: 5.3, name: 'images' }],
  ['src/hosts/', { rank: 5.4, name: 'hosts' }],
  ['src/vms/', { rank: 5.5, name: 'vms' }],
  ['src/placement/', { rank: 5.6, name: 'placement' }],
  ['src/api/', { rank: 6, name: 'api' }],
  ['src/gateway/', { rank: 6, name: 'api' }],
  ['src/metrics/', { rank: 6, name: 'api' }],
  ['src/oned/', { rank: 7, name: 'oned' }],
  ['src/cli/', { rank: 8, name: 'cli' }],
  ['bin/', { rank: 9, name: 'programs' }],
  ['scripts/', { rank: 9, name: 'programs' }],
  ['bench/', { rank: 9, name: 'programs' }],
  // The kernel demo is a program (bin/kernel-demo.ts only parses its arguments), like bench/.
  ['src/demo/', { rank: 9, name: 'programs' }],
  // The agent sits beside 5–7: it may use layers 1–3 (src/ssh included), and only the
  // programs above the front-end (8–9) may use it.
  ['nodes/', { rank: NaN, name: 'nodes' }],
];

/** The layer of a repository-relative path, or undefined for a file outside the order. */
export function layerOf(path: string): Layer | undefined {
  let best: readonly [string, Layer] | undefined;
  for (const entry of LAYERS) {
    if (path.startsWith(entry[0]) && (best === undefined || entry[0].length > best[0].length)) best = entry;
  }
  return best?.[1];
}

/** Whether a file of layer `from` may import one of layer `to`. */
export function mayImport(from: Layer, to: Layer): boolean {
  if (from.name === to.name) return true;
  if (from.name === 'nodes') return to.rank <= 3;
  if (to.name === 'nodes') return from.rank >= 8;
  return to.rank < from.rank;
}

function label(layer: Layer | undefined): string {
  if (layer === undefined) return 'no layer';
  if (layer.name === 'nodes') return 'nodes';
  return `layer ${Math.floor(layer.rank)} ${layer.name}`;
}

/** One import between two files of the repository, as the compiler resolved it. */
export interface Edge {
  readonly from: string;
  readonly to: string;
}

const IMPORTED_VIA = /^\s+Imported via .+ from file '([^']+)'/;

/** Whether tsc's path names a file of the repository, not a library or a file outside it. */
function own(path: string): boolean {
  return !path.includes('node_modules/') && !path.startsWith('/') && !path.startsWith('..');
}

/** Parses `tsc --explainFiles`: a line per file, then indented lines saying why it is in. */
export function parseExplainFiles(text: string): Edge[] {
  const edges = new Map<string, Edge>();
  let file: string | undefined;
  for (const line of text.split('\n')) {
    if (line === '' || /^\s/.test(line)) {
      const via = file === undefined ? null : IMPORTED_VIA.exec(line);
      if (via !== null && file !== undefined) {
        const from = via[1]!;
        if (own(from)) edges.set(`${from}\0${file}`, { from, to: file });
      }
      continue;
    }
    file = own(line) ? line.trim() : undefined;
  }
  return [...edges.values()];
}

/** The repository's import graph, from the compiler's program over tsconfig.json. */
export async function importGraph(root: string): Promise<Edge[]> {
  // lib/tsc.js, not bin/tsc: an extensionless file is CommonJS to the loaders a test runner
  // injects into child processes (tap's process-info), and bin/tsc is ESM.
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'lib', 'tsc.js');
  const args = [tsc, '-p', 'tsconfig.json', '--noEmit', '--noCheck', '--explainFiles', '--pretty', 'false'];
  // A syntax error in a file being edited makes tsc exit non-zero; the edges it printed still hold.
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, args, { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (err, out) => {
      if (err !== null && out === '') reject(err);
      else resolve(out);
    });
  });
  return parseExplainFiles(stdout);
}

/** Files in an import cycle, each mapped to the id of its strongly connected component. */
function cycles(edges: readonly Edge[]): Map<string, number> {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) {
    const list = next.get(from) ?? [];
    list.push(to);
    next.set(from, list);
  }
  // Tarjan's algorithm, iterative so a long import chain cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const component = new Map<string, number>();
  let counter = 0;
  let components = 0;
  for (const start of next.keys()) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; i: number }> = [{ node: start, i: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const outs = next.get(top.node) ?? [];
      if (top.i < outs.length) {
        const to = outs[top.i++]!;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, i: 0 });
        } else if (onStack.has(to)) {
          low.set(top.node, Math.min(low.get(top.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(top.node)!));
      if (low.get(top.node) === index.get(top.node)) {
        const members: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          members.push(member);
        } while (member !== top.node);
        const selfImport = (next.get(top.node) ?? []).includes(top.node);
        if (members.length > 1 || selfImport) {
          for (const m of members) component.set(m, components);
          components++;
        }
      }
    }
  }
  return component;
}

/**
 * Every import that runs against the layer order or sits in an import cycle, one line each:
 * `from -> to (layer a -> layer b)`, with `, cycle` when the import closes a circle of files.
 * Tests (`test/`) stand above every layer, but a cycle through them still counts.
 */
export function violations(edges: readonly Edge[]): string[] {
  const inCycle = cycles(edges);
  const lines: string[] = [];
  for (const { from, to } of edges) {
    const a = layerOf(from);
    const b = layerOf(to);
    const isTest = from.startsWith('test/');
    const againstOrder = !isTest && (a === undefined || b === undefined || !mayImport(a, b));
    const c = inCycle.get(from);
    const cycle = c !== undefined && c === inCycle.get(to);
    if (!againstOrder && !cycle) continue;
    lines.push(`${from} -> ${to} (${isTest ? 'test' : label(a)} -> ${label(b)}${cycle ? ', cycle' : ''})`);
  }
  return lines.sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const found = violations(await importGraph(root));
  for (const line of found) console.log(line);
  console.error(`${found.length} import(s) against the layer order or in a cycle`);
  process.exitCode = found.length === 0 ? 0 : 1;
}

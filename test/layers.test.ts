import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { importGraph, layerOf, mayImport, violations } from '../scripts/check-layers.js';

const root = fileURLToPath(new URL('..', import.meta.url));

t.test('every import points to its own layer or a lower one, and no import closes a cycle', async (t) => {
  const edges = await importGraph(root);
  // The compiler's explanation is text: if its wording changed, no edge would parse and the
  // check would pass on nothing. The tree holds hundreds of imports between its own files.
  t.ok(edges.length > 300, `the compiler reported the tree's imports (${edges.length})`);
  t.same(violations(edges), [], 'no import against the layer order, no cycle');
});

t.test('each path has its layer; the longest prefix wins', async (t) => {
  t.same(layerOf('src/errors.ts'), { rank: 1, name: 'base' });
  t.same(layerOf('src/placement/expr/lexer.ts'), { rank: 3, name: 'infrastructure' });
  t.same(layerOf('src/placement/placement-actor.ts'), { rank: 5.6, name: 'placement' });
  t.equal(layerOf('test/layers.test.ts'), undefined);
  t.equal(layerOf('src/new-folder/thing.ts'), undefined, 'a file outside the order has no layer');
  const of = (path: string) => layerOf(path)!;
  t.ok(mayImport(of('src/vms/vm-actor.ts'), of('src/hosts/host-actor.ts')), 'vms may use hosts');
  t.notOk(mayImport(of('src/hosts/host-actor.ts'), of('src/vms/vm-actor.ts')), 'hosts may not use vms');
  t.notOk(mayImport(of('src/actors/clock.ts'), of('src/protocol/link.ts')), 'the kernel may not use the wire');
  t.notOk(mayImport(of('src/protocol/link.ts'), of('src/actors/clock.ts')), 'the wire may not use the kernel');
  t.ok(mayImport(of('src/templates/template.ts'), of('src/store/store.ts')), 'one layer, two folders');
  t.ok(mayImport(of('nodes/agent.ts'), of('src/ssh/client.ts')), 'the agent may use src/ssh');
  t.notOk(mayImport(of('nodes/agent.ts'), of('src/auth/password.ts')), 'the agent may not use auth');
  t.notOk(mayImport(of('nodes/agent.ts'), of('src/api/api-types.ts')), 'the agent may not use the API');
  t.notOk(mayImport(of('src/oned/oned.ts'), of('nodes/agent.ts')), 'oned may not use the agent');
  t.ok(mayImport(of('bin/onenode.ts'), of('nodes/agent.ts')), 'a program may use the agent');
});

// The check on a small tree of its own: a type-only import and a dynamic import() are imports.
t.test('the check sees import type, export from and import(), and reports cycles', async (t) => {
  const dir = t.testdir();
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ type: 'module' }),
    'tsconfig.json': JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, types: [] },
      include: ['src', 'nodes', 'test'],
    }),
    'src/actors/cell.ts': "import type { Frame } from '../protocol/frame.js';\nexport type Cell = { frame?: Frame };\n",
    'src/protocol/frame.ts': "export type Frame = { n: number };\nexport const load = () => import('../actors/cell.js');\n",
    'src/hosts/host.ts': "export { vm } from '../vms/vm.js';\nexport const host = 1;\n",
    'src/vms/vm.ts': "import { host } from '../hosts/host.js';\nexport const vm = host + 1;\n",
    'src/vms/fine.ts': "import { host } from '../hosts/host.js';\nexport const fine = host;\n",
    'nodes/agent.ts':
      "import type { Frame } from '../src/protocol/frame.js';\nimport { vm } from '../src/vms/vm.js';\nexport const f: Frame | number = vm;\n",
    'test/a.test.ts': "import { vm } from '../src/vms/vm.js';\nexport const a = vm;\n",
  };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  t.same(violations(await importGraph(dir)), [
    'nodes/agent.ts -> src/vms/vm.ts (nodes -> layer 5 vms)',
    'src/actors/cell.ts -> src/protocol/frame.ts (layer 2 kernel -> layer 2 wire, cycle)',
    'src/hosts/host.ts -> src/vms/vm.ts (layer 5 hosts -> layer 5 vms, cycle)',
    'src/protocol/frame.ts -> src/actors/cell.ts (layer 2 wire -> layer 2 kernel, cycle)',
    'src/vms/vm.ts -> src/hosts/host.ts (layer 5 vms -> layer 5 hosts, cycle)',
  ]);
});

/**
 * PROLOG and EPILOG on the node: the node actor runs vm.prolog and
 * vm.epilog on a real LocalTransfer (qemu-img, mkswap, genisoimage) in a
 * datastores directory of the test's own, refuses any path outside it
 * before making anything, and runs each command once per opId.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';
import type { ActorRef } from '../../src/actors/index.js';
import type { HostMonitoring } from '../../src/protocol/domain.js';
import type { NodeCommand, ToFrontend } from '../../src/protocol/messages.js';
import { findOnPath } from '../../scripts/guest/build-guest.js';
import { DummyHypervisor } from '../../nodes/drivers/dummy-hypervisor.js';
import { LocalTransfer } from '../../nodes/drivers/local-transfer.js';
import { NodeActor, type NodeMsg } from '../../nodes/node-actor.js';
import { VmLedger } from '../../nodes/vm-ledger.js';
import { testSystem } from '../fixtures/system.js';
import { eventually } from '../fixtures/processes.js';

const run = promisify(execFile);

async function why(): Promise<string | undefined> {
  for (const tool of ['qemu-img', 'mkswap', 'genisoimage', 'isoinfo'])
    if ((await findOnPath(tool)) === undefined) return `${tool} not found on PATH`;
  return undefined;
}

type Result = Extract<ToFrontend['tell'], { type: 'vm.op_result' }>;

async function node(t: Test): Promise<{ ds: string; send(cmd: NodeCommand): Promise<Result>; results: Result[] }> {
  const dir = t.testdir();
  const ds = join(dir, 'datastores');
  await mkdir(join(ds, '1'), { recursive: true });
  const results: Result[] = [];
  const system = testSystem(t);
  const figures = {} as HostMonitoring;
  const ledger = await VmLedger.open(join(dir, 'ledger.json'));
  const ref: ActorRef<NodeMsg> = system.spawn(
    (ctx) =>
      new NodeActor(ctx, {
        incarnation: 'test',
        hypervisor: new DummyHypervisor(),
        monitoring: { host: async () => figures },
        ledger,
        frontend: {
          tell: (m) => {
            if (m.type === 'vm.op_result') results.push(m);
          },
          emit: () => undefined,
        },
        monitorIntervalMs: 3_600_000,
        transfer: new LocalTransfer({ root: ds }),
        datastores: ds,
      }),
  );
  const send = async (cmd: NodeCommand): Promise<Result> => {
    const before = results.length;
    ref.tell({ type: 'command', cmd });
    await eventually(
      async () => results.length,
      (n) => n > before,
      30_000,
      `outcome of ${cmd.opId}`,
    );
    return results[results.length - 1] as Result;
  };
  return { ds, send, results };
}

const skip = await why();
if (skip !== undefined) {
  t.comment(`skipped: ${skip}`);
  t.pass('skipped');
} else {
  t.test('prolog makes every kind of file, epilog saves a disk and deletes the directory', async (t) => {
    const { ds, send } = await node(t);
    const image = join(ds, '1', 'base');
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', image, '8M']);
    const kernel = join(ds, '1', 'kernel');
    await writeFile(kernel, 'not really a kernel');
    const script = join(ds, '1', 'initsh');
    await writeFile(script, '#!/bin/sh\necho hi\n');
    const vm = join(ds, '0', '7');
    const prolog: NodeCommand = {
      type: 'vm.prolog',
      opId: '7.1',
      vmId: 7,
      dir: vm,
      steps: [
        { action: 'clone', source: image, target: `${vm}/disk.0`, sizeMb: 16 },
        { action: 'link', source: image, target: `${vm}/disk.1` },
        { action: 'swap', target: `${vm}/disk.2`, sizeMb: 4 },
        { action: 'volatile', target: `${vm}/disk.3`, sizeMb: 4 },
        { action: 'file', source: kernel, target: `${vm}/kernel` },
      ],
      context: { target: `${vm}/disk.4`, script: "HOSTNAME='web'\n", files: [{ name: 'init.sh', source: script }] },
    };
    t.match(await send(prolog), { opId: '7.1', ok: true });
    t.same((await readdir(vm)).sort(), ['disk.0', 'disk.1', 'disk.2', 'disk.3', 'disk.4', 'kernel']);
    const info = JSON.parse((await run('qemu-img', ['info', '--output=json', '-U', `${vm}/disk.0`])).stdout) as {
      'backing-filename'?: string;
      'virtual-size': number;
    };
    t.equal(info['backing-filename'], image, 'disk.0: a linked clone of the image');
    t.equal(info['virtual-size'], 16 * 1024 * 1024, 'grown to SIZE');
    t.equal(await readlink(`${vm}/disk.1`), image, 'disk.1: the image itself, in place');
    t.equal((await stat(`${vm}/disk.2`)).size, 4 * 1024 * 1024, 'disk.2: a swap disk');
    t.match(
      (await run('isoinfo', ['-i', `${vm}/disk.4`, '-J', '-x', '/context.sh'])).stdout,
      "HOSTNAME='web'",
      'the context CD holds context.sh',
    );
    t.match((await run('isoinfo', ['-i', `${vm}/disk.4`, '-J', '-x', '/init.sh'])).stdout, 'echo hi', 'and the FILES_DS file');
    t.match((await run('isoinfo', ['-d', '-i', `${vm}/disk.4`])).stdout, /Volume id: CONTEXT/, 'labelled CONTEXT');

    // Again under a new opId (a recover --retry): everything is there already, nothing fails.
    t.match(await send({ ...prolog, opId: '7.2' }), { ok: true }, 'a repeated prolog finds its work done');

    const saved = join(ds, '1', 'saved');
    t.match(
      await send({ type: 'vm.epilog', opId: '7.3', vmId: 7, dir: vm, saves: [{ source: `${vm}/disk.0`, target: saved }], purge: true }),
      { ok: true },
    );
    const standalone = JSON.parse((await run('qemu-img', ['info', '--output=json', saved])).stdout) as {
      format: string;
      'backing-filename'?: string;
    };
    t.equal(standalone.format, 'qcow2', 'the saved disk is a qcow2 image');
    t.equal(standalone['backing-filename'], undefined, 'standing alone: its backing chain flattened in');
    await t.rejects(stat(vm), { code: 'ENOENT' }, 'the VM directory is gone');
    t.ok((await stat(image)).isFile(), 'the image it linked to is untouched');
  });

  t.test('a path outside the datastores is refused before anything is made', async (t) => {
    const { ds, send } = await node(t);
    const vm = join(ds, '0', '8');
    const cases: Array<[string, NodeCommand]> = [
      [
        'a target outside',
        {
          type: 'vm.prolog',
          opId: '8.1',
          vmId: 8,
          dir: vm,
          steps: [
            { action: 'swap', target: `${vm}/disk.0`, sizeMb: 1 },
            { action: 'swap', target: '/tmp/nephele-escape', sizeMb: 1 },
          ],
        },
      ],
      [
        'a source outside',
        { type: 'vm.prolog', opId: '8.2', vmId: 8, dir: vm, steps: [{ action: 'file', source: '/etc/passwd', target: `${vm}/kernel` }] },
      ],
      [
        'a context file outside',
        {
          type: 'vm.prolog',
          opId: '8.3',
          vmId: 8,
          dir: vm,
          steps: [],
          context: { target: `${vm}/disk.0`, script: '', files: [{ name: 'x', source: '/etc/shadow' }] },
        },
      ],
      ['.. out of the datastores', { type: 'vm.prolog', opId: '8.4', vmId: 8, dir: `${ds}/0/../../x`, steps: [] }],
      ['a directory outside', { type: 'vm.epilog', opId: '8.5', vmId: 8, dir: '/var', saves: [], purge: true }],
      [
        'a save into /etc',
        { type: 'vm.epilog', opId: '8.6', vmId: 8, dir: vm, saves: [{ source: `${vm}/disk.0`, target: '/etc/x' }], purge: true },
      ],
    ];
    for (const [what, cmd] of cases) {
      t.match(await send(cmd), { ok: false, error: { code: 'INVALID_ARGUMENT' } }, what);
    }
    await t.rejects(stat(vm), { code: 'ENOENT' }, 'no VM directory was made');
    await t.rejects(stat('/tmp/nephele-escape'), { code: 'ENOENT' }, 'nothing written outside');
    t.ok((await stat('/var')).isDirectory(), '/var is still there');
  });
}

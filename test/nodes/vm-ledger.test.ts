import { existsSync } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import type { VmSpec } from '../../src/protocol/domain.js';
import { VmLedger } from '../../nodes/vm-ledger.js';

const spec = (vmId: number): VmSpec => ({ vmId, name: `vm-${vmId}`, cpu: 1, vcpu: 1, memoryMb: 512 });

t.test('an empty ledger starts where there is no file, and creates its directory', async (t) => {
  const file = join(t.testdir(), 'agent', 'ledger.json');
  const ledger = await VmLedger.open(file);
  t.same(ledger.vms(), []);
  t.equal(ledger.size, 0);
  t.notOk(ledger.has('op-1'));
  await ledger.record('op-1', { vmId: 1, op: 'deploy', at: 10 });
  t.ok(existsSync(file));
});

t.test('operations and VMs survive a reopen', async (t) => {
  const file = join(t.testdir(), 'ledger.json');
  const ledger = await VmLedger.open(file);
  await ledger.setVm(2, spec(2));
  await ledger.setVm(1, spec(1));
  await ledger.setVm(3, spec(3));
  await ledger.setVm(3, undefined);
  await ledger.record('op-a', { vmId: 1, op: 'deploy', at: 100 });
  await ledger.record('op-b', { vmId: 2, op: 'suspend', at: 200 });
  await ledger.close();

  const again = await VmLedger.open(file);
  t.same(again.vms(), [spec(1), spec(2)], 'ordered by vmId, the removed one gone');
  t.same(again.vm(2), spec(2));
  t.equal(again.vm(3), undefined);
  t.same(again.get('op-a'), { vmId: 1, op: 'deploy', at: 100 });
  t.ok(again.has('op-b'));
  t.notOk(again.has('op-c'));
});

t.test('a deploy records its operation and the VM it left running in one write', async (t) => {
  const file = join(t.testdir(), 'ledger.json');
  let writes = 0;
  const ledger = await VmLedger.open(file, {
    rename: async (from, to) => {
      writes++;
      await rename(from, to);
    },
  });
  await ledger.record('op-d', { vmId: 4, op: 'vm.deploy', at: 5, ok: true }, spec(4));
  t.equal(writes, 1, 'one file write for both');
  t.same(ledger.vm(4), spec(4));
  t.throws(
    () => ledger.record('op-e', { vmId: 5, op: 'vm.deploy', at: 6 }, spec(4)),
    TypeError,
    'the spec must be the VM the operation is about',
  );
  const again = await VmLedger.open(file);
  t.same(again.vms(), [spec(4)]);
  t.same(again.get('op-d'), { vmId: 4, op: 'vm.deploy', at: 5, ok: true });
});

t.test('an operation id is recorded once: the first entry stays', async (t) => {
  const file = join(t.testdir(), 'ledger.json');
  const ledger = await VmLedger.open(file);
  await ledger.record('op-1', { vmId: 1, op: 'deploy', at: 1 });
  await ledger.record('op-1', { vmId: 9, op: 'shutdown', at: 2 });
  t.equal(ledger.size, 1);
  t.same(ledger.get('op-1'), { vmId: 1, op: 'deploy', at: 1 });
  t.same((await VmLedger.open(file)).get('op-1'), { vmId: 1, op: 'deploy', at: 1 });
});

t.test("an operation keeps its outcome, and only the ledger's fields", async (t) => {
  const file = join(t.testdir(), 'ledger.json');
  const ledger = await VmLedger.open(file);
  await ledger.record('op-ok', { vmId: 1, op: 'vm.deploy', at: 1, ok: true });
  const failed = { vmId: 2, op: 'vm.suspend', at: 2, ok: false, error: { code: 'VM_NOT_FOUND', message: 'no VM 2' } } as const;
  await ledger.record('op-failed', { ...failed, secret: 'not for the file' } as typeof failed);
  const again = await VmLedger.open(file);
  t.same(again.get('op-ok'), { vmId: 1, op: 'vm.deploy', at: 1, ok: true });
  t.same(again.get('op-failed'), failed);
  t.notMatch(await readFile(file, 'utf8'), /secret/);
});

t.test('only the newest maxOps operation ids are kept, on disk too', async (t) => {
  const file = join(t.testdir(), 'ledger.json');
  const ledger = await VmLedger.open(file, { maxOps: 3 });
  for (const n of [1, 2, 3, 4, 5]) await ledger.record(`op-${n}`, { vmId: n, op: 'deploy', at: n });
  t.same(
    [1, 2, 3, 4, 5].map((n) => ledger.has(`op-${n}`)),
    [false, false, true, true, true],
  );
  const again = await VmLedger.open(file, { maxOps: 3 });
  t.same(
    [1, 2, 3, 4, 5].map((n) => again.has(`op-${n}`)),
    [false, false, true, true, true],
  );
  const smaller = await VmLedger.open(file, { maxOps: 1 });
  t.same(
    [3, 4, 5].map((n) => smaller.has(`op-${n}`)),
    [false, false, true],
    'a lower bound trims the oldest on load',
  );
});

t.test('concurrent changes share writes; the default keeps 10,000 ids', async (t) => {
  const file = join(t.testdir(), 'ledger.json');
  let writes = 0;
  const ledger = await VmLedger.open(file, {
    rename: async (from, to) => {
      writes++;
      await rename(from, to);
    },
  });
  const ops = Array.from({ length: 10_001 }, (_, n) => ledger.record(`op-${n}`, { vmId: n, op: 'deploy', at: n }));
  await Promise.all([...ops, ledger.setVm(1, spec(1))]);
  t.ok(writes <= 2, `${writes} writes for 10,002 changes`);
  t.equal(ledger.size, 10_000);
  t.notOk(ledger.has('op-0'), 'the oldest went');
  const again = await VmLedger.open(file);
  t.equal(again.size, 10_000);
  t.ok(again.has('op-10000'));
  t.same(again.vms(), [spec(1)]);
});

t.test('the file is private to the agent', async (t) => {
  const file = join(t.testdir(), 'ledger.json');
  const ledger = await VmLedger.open(file);
  await ledger.setVm(1, spec(1));
  t.equal((await stat(file)).mode & 0o777, 0o600);
});

t.test('a whole rewrite that dies before its rename leaves the last complete file', async (t) => {
  const file = join(t.testdir(), 'ledger.json');
  let crash = false;
  // Every write rewrites the file whole: appends never outgrow the (tiny) whole.
  const options = {
    compactAfterBytes: 0,
    rename: async (from: string, to: string) => {
      if (crash) throw new Error('power cut');
      await rename(from, to);
    },
  };
  const ledger = await VmLedger.open(file, options);
  await ledger.setVm(1, spec(1));
  await ledger.record('op-1', { vmId: 1, op: 'deploy', at: 1 });
  const before = await readFile(file, 'utf8');

  crash = true;
  await t.rejects(ledger.record('op-2', { vmId: 2, op: 'deploy', at: 2 }), { message: 'power cut' });
  t.equal(await readFile(file, 'utf8'), before, 'the file is untouched');
  t.match(await readFile(`${file}.tmp`, 'utf8'), /op-2/, 'the new content only reached the tmp file');

  const reopened = await VmLedger.open(file);
  t.ok(reopened.has('op-1'));
  t.notOk(reopened.has('op-2'), 'the unfinished write is not taken');
  t.same(reopened.vms(), [spec(1)]);
  t.notOk(existsSync(`${file}.tmp`), 'and its tmp file is discarded');

  crash = false;
  await ledger.setVm(2, spec(2));
  const recovered = await VmLedger.open(file);
  t.ok(recovered.has('op-2'), 'the next write carries what the failed one did not');
  t.same(recovered.vms(), [spec(1), spec(2)]);
});

t.test('changes are appended; an append cut short is not taken, and the next write rewrites the file', async (t) => {
  const file = join(t.testdir(), 'ledger.json');
  let cut = false;
  let renames = 0;
  let appends = 0;
  const ledger = await VmLedger.open(file, {
    rename: async (from, to) => {
      renames++;
      await rename(from, to);
    },
    append: async (handle, text) => {
      appends++;
      if (!cut) return void (await handle.appendFile(text));
      // A crash half way through the line: the part before it reaches the file.
      await handle.appendFile(text.slice(0, Math.floor(text.length / 2)));
      throw new Error('power cut');
    },
  });
  await ledger.setVm(1, spec(1));
  t.equal(renames, 1, 'the first write puts the whole ledger');
  await ledger.record('op-1', { vmId: 1, op: 'deploy', at: 1 });
  await ledger.setVm(3, spec(3));
  await ledger.setVm(3, undefined);
  t.same([renames, appends], [1, 3], 'the changes after it are appended, one write each');
  t.equal((await readFile(file, 'utf8')).split('\n').length, 5, 'a line for the whole, one per change, and the last newline');

  cut = true;
  await t.rejects(ledger.record('op-2', { vmId: 2, op: 'deploy', at: 2 }, spec(2)), { message: 'power cut' });
  t.notMatch((await readFile(file, 'utf8')).slice(-1), /\n/, 'the file ends in a line cut short');
  const reopened = await VmLedger.open(file);
  t.ok(reopened.has('op-1'));
  t.notOk(reopened.has('op-2'), 'the line cut short is not taken');
  t.same(reopened.vms(), [spec(1)], 'VM 3 came and went');

  cut = false;
  await ledger.setVm(4, spec(4));
  t.equal(renames, 2, 'after a failed append the file is rewritten whole');
  const recovered = await VmLedger.open(file);
  t.ok(recovered.has('op-2'), 'the next write carries what the failed one did not');
  t.same(recovered.vms(), [spec(1), spec(2), spec(4)]);
});

t.test('appends that outgrow the whole are compacted into a rewrite', async (t) => {
  const file = join(t.testdir(), 'ledger.json');
  let renames = 0;
  const ledger = await VmLedger.open(file, {
    compactAfterBytes: 4096,
    rename: async (from, to) => {
      renames++;
      await rename(from, to);
    },
  });
  for (let n = 0; n < 200; n++) await ledger.record(`op-${n}`, { vmId: n, op: 'deploy', at: n }, spec(n));
  t.ok(renames > 1 && renames < 20, `${renames} whole writes for 200 changes`);
  const size = (await stat(file)).size;
  const again = await VmLedger.open(file);
  t.equal(again.size, 200);
  t.equal(again.vms().length, 200);
  t.ok(size < 2 * 4096 + Buffer.byteLength(JSON.stringify({ version: 1, ops: [], vms: again.vms() })) * 3, `${size} bytes on disk`);
});

t.test('a ledger written whole on one line, as agents before the appends wrote it, opens', async (t) => {
  const file = join(t.testdir(), 'ledger.json');
  await writeFile(file, JSON.stringify({ version: 1, ops: [{ opId: 'op-old', vmId: 7, op: 'vm.deploy', at: 1 }], vms: [spec(7)] }));
  const ledger = await VmLedger.open(file);
  t.ok(ledger.has('op-old'));
  t.same(ledger.vms(), [spec(7)]);
  await ledger.setVm(8, spec(8));
  const again = await VmLedger.open(file);
  t.same(again.vms(), [spec(7), spec(8)]);
});

t.test('a file that is not a ledger is DRIVER_FAILED, not an empty ledger', async (t) => {
  const dir = t.testdir();
  await writeFile(join(dir, 'truncated.json'), '{"version":1,"ops":[{"opId":"op-1","vm');
  await t.rejects(VmLedger.open(join(dir, 'truncated.json')), { code: 'DRIVER_FAILED' });
  await writeFile(join(dir, 'other.json'), JSON.stringify({ version: 2, ops: [], vms: [] }));
  const other = join(dir, 'other.json');
  await t.rejects(VmLedger.open(other), { code: 'DRIVER_FAILED', details: { file: other } });
  const whole = JSON.stringify({ version: 1, ops: [], vms: [] });
  await writeFile(join(dir, 'bad-change.json'), `${whole}\n{"op":{"opId":"x"}}\n`);
  await t.rejects(VmLedger.open(join(dir, 'bad-change.json')), { code: 'DRIVER_FAILED' }, 'a whole line that is no change');
  await writeFile(join(dir, 'bad-middle.json'), `${whole}\n{"gone":1\n{"gone":2}\n`);
  await t.rejects(VmLedger.open(join(dir, 'bad-middle.json')), { code: 'DRIVER_FAILED' }, 'a broken line before the last');
});

t.test('after close, changes are STORE_CLOSED; reading still works', async (t) => {
  const file = join(t.testdir(), 'ledger.json');
  const ledger = await VmLedger.open(file);
  const pending = ledger.record('op-1', { vmId: 1, op: 'deploy', at: 1 });
  await ledger.close();
  await pending;
  t.ok((await VmLedger.open(file)).has('op-1'), 'close waited for the pending write');
  await t.rejects(ledger.record('op-2', { vmId: 1, op: 'deploy', at: 2 }), { code: 'STORE_CLOSED' });
  await t.rejects(ledger.setVm(1, spec(1)), { code: 'STORE_CLOSED' });
  t.ok(ledger.has('op-1'));
});

t.test('setVm with the spec of another VM is a programming mistake', async (t) => {
  const ledger = await VmLedger.open(join(t.testdir(), 'ledger.json'));
  t.throws(() => ledger.setVm(1, spec(2)), TypeError);
  t.same(ledger.vms(), []);
});

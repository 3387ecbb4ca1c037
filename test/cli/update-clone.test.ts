/**
 * OpenNebula's `onevm update`, `onevnet update`, `oneuser update` (a file,
 * or standard input where OpenNebula opens an editor; -a merges) and
 * `onetemplate clone`, as real processes against a real oned; `show`
 * prints what they changed.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { startCloud } from '../fixtures/cloud.js';
import { runCliBin } from '../fixtures/processes.js';

/** A CLI as a real process with `input` on its standard input. */
function withStdin(
  t: Test,
  bin: string,
  args: readonly string[],
  input: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(`../../bin/${bin}.ts`, import.meta.url)), ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString('utf8');
  });
  child.stderr.on('data', (b: Buffer) => {
    out += b.toString('utf8');
  });
  child.stdin.end(input);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

t.test('update from a file or stdin, -a; clone; show prints the templates', async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  const env = { NEPHELE_URL: cloud.oned.url, NEPHELE_AUTH: cloud.oned.authFile };
  const file = join(cloud.dir, 'attrs.txt');

  const { id: vm } = await admin.call('vm.allocate', { template: 'NAME = web\nCPU = 0.1\nMEMORY = 64\nDESCRIPTION = first\n', hold: true });
  await writeFile(file, 'NOTE = "from a file"\nLABELS = [ TEAM = web, TIER = front ]\n');
  t.equal((await runCliBin(t, 'onevm', ['update', String(vm), file], env)).code, 0);
  const piped = await withStdin(t, 'onevm', ['update', String(vm), '-a'], 'OWNER = ops\n', env);
  t.equal(piped.code, 0, piped.out);
  const shown = (await runCliBin(t, 'onevm', ['show', String(vm)], env)).out;
  t.match(
    shown,
    'USER TEMPLATE\nNOTE="from a file"\nLABELS=[\n  TEAM="web",\n  TIER="front" ]\nOWNER="ops"\n\nVIRTUAL MACHINE TEMPLATE\nNAME = web\n',
    "OpenNebula's section: the file's, then what stdin appended, before the template",
  );
  const syntax = await withStdin(t, 'onevm', ['update', String(vm)], 'A = "open\n', env);
  t.equal(syntax.code, 1);
  t.match(syntax.out, /\[TEMPLATE_SYNTAX\]/);
  const missing = await runCliBin(t, 'onevm', ['update', '999', file], env);
  t.equal(missing.code, 1);
  t.match(missing.out, /\[VM_NOT_FOUND\]/);

  const { id: net } = await admin.call('vn.allocate', {
    template: 'NAME = lan\nBRIDGE = br3\nAR = [ TYPE = IP4, IP = 10.3.0.1, SIZE = 4 ]\n',
  });
  await writeFile(file, 'BRIDGE = br4\nGATEWAY = 10.3.0.254\n');
  t.equal((await runCliBin(t, 'onevnet', ['update', 'lan', file], env)).code, 0);
  t.equal((await withStdin(t, 'onevnet', ['update', String(net), '--append'], 'DNS = 10.3.0.53\n', env)).code, 0);
  const vnet = (await runCliBin(t, 'onevnet', ['show', 'lan'], env)).out;
  t.match(vnet, /BRIDGE\s+: br4/);
  t.match(vnet, 'VIRTUAL NETWORK TEMPLATE\nGATEWAY="10.3.0.254"\nDNS="10.3.0.53"\n');
  const ranges = await withStdin(t, 'onevnet', ['update', 'lan', '-a'], 'AR = [ TYPE = IP4, IP = 10.4.0.1, SIZE = 2 ]\n', env);
  t.equal(ranges.code, 1);
  t.match(ranges.out, /\[INVALID_TEMPLATE\] AR: address ranges change through vn\.add_ar/);

  await admin.call('user.allocate', { name: 'alice', password: 'alice-pw' });
  const aliceAuth = join(cloud.dir, 'alice.auth');
  await writeFile(aliceAuth, 'alice:alice-pw\n', { mode: 0o600 });
  const alice = { NEPHELE_URL: cloud.oned.url, NEPHELE_AUTH: aliceAuth };
  t.equal((await withStdin(t, 'oneuser', ['update', 'alice'], 'SSH_PUBLIC_KEY = "ssh-ed25519 AAAA alice"\n', alice)).code, 0);
  t.match((await runCliBin(t, 'oneuser', ['show'], alice)).out, 'USER TEMPLATE\nSSH_PUBLIC_KEY="ssh-ed25519 AAAA alice"');
  const other = await withStdin(t, 'oneuser', ['update', 'oneadmin', '-a'], 'X = 1\n', alice);
  t.equal(other.code, 1);
  t.match(other.out, /\[USER_NOT_FOUND\]/);

  const { id: tmpl } = await admin.call('template.allocate', { template: 'NAME = base\nCPU = 0.1\nMEMORY = 64\n' });
  const cloned = await runCliBin(t, 'onetemplate', ['clone', 'base', 'base copy'], env);
  t.equal(cloned.code, 0, cloned.out);
  const id = Number(/^ID: (\d+)$/m.exec(cloned.out)?.[1]);
  t.not(id, tmpl);
  t.match((await runCliBin(t, 'onetemplate', ['show', String(id)], env)).out, /NAME\s+: base copy[\s\S]*NAME = "base copy"/);
  const taken = await runCliBin(t, 'onetemplate', ['clone', String(tmpl), 'base copy'], env);
  t.equal(taken.code, 1);
  t.match(taken.out, /\[NAME_TAKEN\]/);
  const deep = await runCliBin(t, 'onetemplate', ['clone', String(tmpl), 'deep', '--recursive'], env);
  t.equal(deep.code, 1);
  t.match(deep.out, /\[INVALID_ARGUMENT\] recursive: copying a template's images with it is not supported/);
});

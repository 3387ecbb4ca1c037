import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { startCloud } from '../fixtures/cloud.js';
import { runCliBin } from '../fixtures/processes.js';

t.test('onetemplate create, list, show, update, instantiate, delete', async (t) => {
  const cloud = await startCloud(t);
  const env = { NEPHELE_URL: cloud.oned.url, NEPHELE_AUTH: cloud.oned.authFile };
  const file = join(cloud.dir, 'small.tmpl');
  await writeFile(file, 'NAME = "small"\nCPU = 0.25\nMEMORY = 128\n');
  t.match((await runCliBin(t, 'onetemplate', ['create', file], env)).out, /^ID: 0$/m);
  t.match((await runCliBin(t, 'onetemplate', ['list'], env)).out, /^\s*0 oneadmin oneadmin small\s+\d{4}-/m);
  t.match((await runCliBin(t, 'onetemplate', ['show', '0'], env)).out, /TEMPLATE CONTENTS\nNAME = "small"/);

  await writeFile(file, 'NAME = "bigger"\nCPU = 1\nMEMORY = 512\n');
  t.equal((await runCliBin(t, 'onetemplate', ['update', '0', file], env)).code, 0);
  t.match((await runCliBin(t, 'onetemplate', ['instantiate', '0', '--name', 'vm-from-tmpl'], env)).out, /^VM ID: 0$/m);
  const vm = await cloud.client.call('vm.info', { id: 0 });
  t.same([vm.name, vm.cpu, vm.memory, vm.state], ['vm-from-tmpl', 1, 512, 'PENDING']);
  t.match((await runCliBin(t, 'onetemplate', ['instantiate', '0', '--hold'], env)).out, /^VM ID: 1$/m);
  t.equal((await cloud.client.call('vm.info', { id: 1 })).state, 'HOLD');
  // By name: the caller's own template of that name.
  t.match((await runCliBin(t, 'onetemplate', ['show', 'bigger'], env)).out, /^ID\s+: 0$/m);
  t.match((await runCliBin(t, 'onetemplate', ['instantiate', 'bigger', '--hold'], env)).out, /^VM ID: 2$/m);
  t.equal((await cloud.client.call('vm.info', { id: 2 })).memory, 512);
  t.match((await runCliBin(t, 'onetemplate', ['show', 'nosuch'], env)).out, /\[TEMPLATE_NOT_FOUND\] no template nosuch/);

  await writeFile(file, 'CPU = 1\nMEMORY = lots\n');
  const bad = await runCliBin(t, 'onetemplate', ['update', '0', file], env);
  t.equal(bad.code, 1);
  t.match(bad.out, /\[INVALID_TEMPLATE\]/);
  t.equal((await runCliBin(t, 'onetemplate', ['delete', '0'], env)).code, 0);
  const gone = await runCliBin(t, 'onetemplate', ['show', '0'], env);
  t.match(gone.out, /\[TEMPLATE_NOT_FOUND\]/);
});

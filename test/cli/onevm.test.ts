import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { startCloud } from '../fixtures/cloud.js';
import { eventually, runCliBin } from '../fixtures/processes.js';

t.test('onevm against a running oned and agent', async (t) => {
  const cloud = await startCloud(t);
  const { id: hostId } = await cloud.addHost('node1');
  await cloud.waitState(hostId, 'MONITORED');
  const env = { NEPHELE_URL: cloud.oned.url, NEPHELE_AUTH: cloud.oned.authFile };
  const file = join(cloud.dir, 'web.tmpl');
  await writeFile(
    file,
    [
      '# an OpenNebula template, as users write them',
      'NAME   = "web"',
      'CPU    = 0.5',
      'VCPU   = 2',
      'MEMORY = 512',
      'CONTEXT = [ NETWORK = "YES", SSH_PUBLIC_KEY = "$USER[SSH_PUBLIC_KEY]" ]',
      '',
    ].join('\n'),
  );

  const created = await runCliBin(t, 'onevm', ['create', file], env);
  t.equal(created.code, 0);
  t.match(created.out, /^ID: 0$/m);
  const quick = await runCliBin(t, 'onevm', ['create', '--name', 'tiny', '--cpu', '0.1', '--memory', '64'], env);
  t.match(quick.out, /^ID: 1$/m);

  const list = await runCliBin(t, 'onevm', ['list'], env);
  const [header, row] = list.out.trim().split('\n');
  t.match(header, /^\s*ID USER\s+GROUP\s+NAME STAT\s+CPU\s+MEM HOST\s+TIME$/);
  t.match(row, /^\s*0 oneadmin oneadmin web\s+pend\s+0\.5\s+512M\s+0d 00h0\d$/);

  t.equal((await runCliBin(t, 'onevm', ['deploy', '0', 'node1'], env)).code, 0);
  await eventually(
    async () => JSON.parse((await runCliBin(t, 'onevm', ['show', '0', '--json'], env)).out) as { state: string },
    (v) => v.state === 'RUNNING',
  );
  const shown = JSON.parse((await runCliBin(t, 'onevm', ['show', '0', '--json'], env)).out) as {
    id: number;
    name: string;
    state: string;
    host: string;
    hostId: number;
    history: unknown[];
  };
  t.same([shown.id, shown.name, shown.state, shown.host, shown.hostId, shown.history.length], [0, 'web', 'RUNNING', 'node1', hostId, 1]);
  t.match((await runCliBin(t, 'onevm', ['list'], env)).out, /web\s+runn\s+0\.5\s+512M node1/);
  t.match((await runCliBin(t, 'onevm', ['show', '0'], env)).out, /HOST\s+: node1[\s\S]*VIRTUAL MACHINE TEMPLATE[\s\S]*VCPU\s+= 2/);

  const refused = await runCliBin(t, 'onevm', ['resume', '0'], env);
  t.equal(refused.code, 1);
  t.match(refused.out, /\[ACTION_NOT_ALLOWED\] cannot resume a VM in state RUNNING/);
  const noop = await runCliBin(t, 'onevm', ['recover', '0'], env);
  t.equal(noop.code, 1);
  t.match(noop.out, /\[INVALID_ARGUMENT\] give exactly one of/);

  t.equal((await runCliBin(t, 'onevm', ['terminate', '0', '--hard'], env)).code, 0);
  await eventually(
    () => cloud.client.call('vm.info', { id: 0 }),
    (v) => v.state === 'DONE',
  );
  t.notMatch((await runCliBin(t, 'onevm', ['list'], env)).out, /web/, 'DONE is hidden');
  t.match((await runCliBin(t, 'onevm', ['list', '--all'], env)).out, /web\s+done/);

  const bad = await runCliBin(t, 'onevm', ['create', '--cpu', '1', '--memory', 'lots'], env);
  t.equal(bad.code, 1);
  t.match(bad.out, /\[INVALID_TEMPLATE\].*MEMORY/);
});

import t from 'tap';
import { startCloud } from '../fixtures/cloud.js';
import { runCliBin } from '../fixtures/processes.js';

t.test('onehost against a running oned', async (t) => {
  // A long heartbeat: the host must stay INIT (no agent yet) for the whole test, however slow the machine.
  const cloud = await startCloud(t, { heartbeatMs: 20_000 });
  const env = { NEPHELE_URL: cloud.oned.url, NEPHELE_AUTH: cloud.oned.authFile };

  const created = await runCliBin(t, 'onehost', ['create', 'node9', '--im', 'dummy', '--vm', 'dummy'], env);
  t.equal(created.code, 0);
  t.match(created.out, /^ID: 0$/m);
  t.match(created.out, /^TOKEN: \S{20,}$/m);
  t.match(created.out, /onenode --frontend http:\/\/127\.0\.0\.1:\d+ --host-id 0 --vm dummy --token-file \S+/);
  const missing = await runCliBin(t, 'onehost', ['create', 'node8'], env);
  t.equal(missing.code, 1, 'as in OpenNebula, -i and -v are required');
  t.match(missing.out, /required option '-i, --im <driver>'/);

  const list = await runCliBin(t, 'onehost', ['list'], env);
  t.equal(list.code, 0);
  const [header, row] = list.out.trim().split('\n');
  t.match(header, /^\s*ID NAME\s+CLUSTER RVM\s+ALLOCATED_CPU\s+ALLOCATED_MEM STAT$/);
  t.match(row, /^\s*0 node9\s+default\s+0\s+.*init$/);

  const top = await runCliBin(t, 'onehost', ['top', '--count', '2', '--delay', '0.2'], env);
  t.equal(top.code, 0);
  t.equal(top.out.split('\n').filter((l) => l.startsWith(' ID NAME') || l.startsWith('ID NAME')).length, 2, 'two refreshes');

  const json = JSON.parse((await runCliBin(t, 'onehost', ['list', '--json'], env)).out) as { name: string; state: string }[];
  t.same(
    json.map((h) => [h.name, h.state]),
    [['node9', 'INIT']],
  );

  const show = await runCliBin(t, 'onehost', ['show', 'node9'], env);
  t.match(show.out, /^STATE\s+: INIT$/m);
  const notConnected = await runCliBin(t, 'onehost', ['forceupdate', 'node9'], env);
  t.equal(notConnected.code, 1);
  t.match(notConnected.out, /\[LINK_DOWN\]/);

  const dup = await runCliBin(t, 'onehost', ['create', 'node9', '--im', 'dummy', '--vm', 'dummy'], env);
  t.equal(dup.code, 1);
  t.match(dup.out, /\[NAME_TAKEN\]/);

  t.equal((await runCliBin(t, 'onehost', ['disable', '0'], env)).code, 0);
  t.match((await runCliBin(t, 'onehost', ['list'], env)).out, /dsbl$/m);
  t.equal((await runCliBin(t, 'onehost', ['delete', 'node9'], env)).code, 0);
  const gone = await runCliBin(t, 'onehost', ['show', 'node9'], env);
  t.equal(gone.code, 1);
  t.match(gone.out, /\[HOST_NOT_FOUND\] no host node9/);

  const wrong = await runCliBin(t, 'onehost', ['list', '--user', 'oneadmin', '--password', 'nope'], env);
  t.equal(wrong.code, 1);
  t.match(wrong.out, /\[AUTH_FAILED\]/);
});

t.test('a clear error when oned is not reachable', async (t) => {
  const dir = t.testdir({ auth: 'oneadmin:x\n' });
  const r = await runCliBin(t, 'onehost', ['list'], { NEPHELE_URL: 'http://127.0.0.1:9', NEPHELE_AUTH: `${dir}/auth` });
  t.equal(r.code, 1);
  t.match(r.out, /\[FRONTEND_UNREACHABLE\] oned is not reachable at http:\/\/127\.0\.0\.1:9/);
});

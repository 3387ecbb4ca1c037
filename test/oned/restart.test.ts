import { join } from 'node:path';
import t from 'tap';
import type { HostView } from '../../src/hosts/host-view.js';
import { readAuthFile, writeSecretFile } from '../../src/auth/auth-file.js';
import { ApiClient } from '../../src/cli/api-client.js';
import { isAlive, readPid } from '../../src/base/pidfile.js';
import { eventually, freePort, runBin } from '../fixtures/processes.js';

async function client(url: string, dir: string): Promise<ApiClient> {
  return eventually(
    async () => ApiClient.connect({ url, ...(await readAuthFile(join(dir, 'one_auth'))) }),
    () => true,
    20_000,
    'oned to answer',
  );
}

t.test('kill -9 of oned: a restarted oned keeps every host, and the agents come back', async (t) => {
  const dir = t.testdir();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const onedArgs = ['--data-dir', dir, '--listen', `127.0.0.1:${port}`, '--heartbeat-ms', '200'];
  const first = runBin(t, 'oned', onedArgs);
  await first.waitFor(/oned listening/);
  const c1 = await client(url, dir);
  const agents = [];
  for (const name of ['node1', 'node2']) {
    const { id, token } = await c1.call('host.allocate', { name, im: 'dummy', vm: 'dummy' });
    const tokenFile = join(dir, `${name}.token`);
    await writeSecretFile(tokenFile, token ?? '');
    agents.push(
      runBin(t, 'onenode', [
        '--frontend',
        url,
        '--host-id',
        String(id),
        '--token-file',
        tokenFile,
        '--data-dir',
        join(dir, name),
        '--vm',
        'dummy',
      ]),
    );
  }
  await eventually(
    () => c1.call('hostpool.info', {}),
    (hs) => hs.length === 2 && hs.every((h) => h.state === 'MONITORED'),
  );
  c1.close();

  await first.kill('SIGKILL');
  const second = runBin(t, 'oned', onedArgs);
  await second.waitFor(/oned listening/);
  const c2 = await client(url, dir);
  t.teardown(() => c2.close());
  const hosts = await c2.call('hostpool.info', {});
  t.same(
    hosts.map((h) => h.name),
    ['node1', 'node2'],
    'every host is still there',
  );
  const back = await eventually(
    () => c2.call('hostpool.info', {}),
    (hs) => hs.every((h) => h.state === 'MONITORED'),
  );
  t.equal(back.length, 2, 'both agents dialled the new oned by themselves');
  for (const a of agents) t.ok(isAlive(a.pid), 'the agent process lived through it');
});

t.test('oned --local: a kill -9 neither orphans a second agent nor loses the local host', async (t) => {
  const dir = t.testdir();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    '--local',
    '--vm',
    'dummy',
    '--data-dir',
    dir,
    '--listen',
    `127.0.0.1:${port}`,
    '--heartbeat-ms',
    '200',
    '--monitor-interval-ms',
    '200',
  ];
  const pidfile = join(dir, 'local-agent', 'onenode.pid');
  const first = runBin(t, 'oned', args);
  const agentLine = await first.waitFor(/started the local agent/);
  // The local agent is detached from oned on purpose; this test removes it by its pid.
  const agentPid = (JSON.parse(agentLine) as { pid: number }).pid;
  t.teardown(() => {
    if (isAlive(agentPid)) process.kill(agentPid, 'SIGKILL');
  });
  await first.waitFor(/Nephele is up/);
  const c1 = await client(url, dir);
  const local = await eventually(
    () => c1.call('host.info', { host: 'localhost' }),
    (h: HostView) => h.state === 'MONITORED',
  );
  t.equal(
    await eventually(
      () => readPid(pidfile),
      (p) => p !== undefined,
    ),
    agentPid,
    'the agent holds its pidfile',
  );
  c1.close();

  await first.kill('SIGKILL');
  t.ok(isAlive(agentPid), 'the agent outlives oned');
  const second = runBin(t, 'oned', args);
  await second.waitFor(/keeping it/);
  t.equal(await readPid(pidfile), agentPid, 'no second agent: the running one is kept');
  const c2 = await client(url, dir);
  t.teardown(() => c2.close());
  const hosts = await c2.call('hostpool.info', {});
  t.same(
    hosts.map((h) => [h.id, h.name]),
    [[local.id, 'localhost']],
    'one local host, the same one',
  );
  const again = await eventually(
    () => c2.call('host.info', { host: 'localhost' }),
    (h: HostView) => h.state === 'MONITORED',
  );
  t.equal(again.capabilities?.hypervisor, 'dummy');
});

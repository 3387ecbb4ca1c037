/**
 * `onehost create --ssh` against real hosts: the test lab's network
 * namespaces, each with its own sshd. Oned deploys the agent bundle over
 * SFTP, the agent dials back from inside its namespace; then sync (an
 * outdated agent is upgraded, a current one left), the refusals (no route,
 * a key the host does not know, a front-end the host cannot reach, a
 * changed host key) and delete (agent stopped, its files gone).
 */
import { appendFile, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { generateUsableKey } from '../../src/ssh/oned-key.js';
import { startCloud } from '../fixtures/cloud.js';
import { labSupport, startLab } from '../fixtures/lab.js';
import { eventually, runCliBin } from '../fixtures/processes.js';
import { onedPublicKey } from '../fixtures/lab-guest.js';
import { isAlive } from '../../src/base/pidfile.js';

const why = await labSupport();
if (why !== undefined) {
  t.comment(`skipped: ${why}`);
  t.pass(`skipped: ${why}`);
} else {
  t.test('onehost create --ssh, sync and delete on lab hosts', async (t) => {
    const cloud = await startCloud(t, { host: '0.0.0.0', deployWaitMs: 8_000 });
    const pub = await onedPublicKey(cloud.dir);
    t.match(pub, /^ssh-ed25519 /, 'oned made its SSH key at first start');
    t.equal((await stat(join(cloud.dir, 'ssh', 'id_ed25519'))).mode & 0o777, 0o600, 'its private half has mode 0600');
    const lab = await startLab(t, { hosts: 2, authorizedKeys: [pub] });
    const [h1, h2] = lab.hosts;
    if (h1 === undefined || h2 === undefined) throw new TypeError('two hosts');
    const env = { NEPHELE_URL: cloud.oned.url, NEPHELE_AUTH: cloud.oned.authFile };
    const agentDir = join(h1.dir, 'agent');

    // Deploy: every step reported, the agent dials back from its namespace.
    const created = await runCliBin(
      t,
      'onehost',
      ['create', 'node1', '--ssh', `root@${h1.address}`, '--dir', agentDir, '--im', 'dummy', '--vm', 'dummy'],
      env,
    );
    t.equal(created.code, 0, `onehost create --ssh succeeds: ${created.out}`);
    for (const step of ['connect', 'check', 'upload', 'configure', 'start', 'wait'])
      t.match(created.out, new RegExp(`^${step}\\s+ok`, 'm'), `step ${step} reported`);
    const view = await cloud.client.call('host.info', { host: 'node1' });
    t.equal(view.state, 'MONITORED', 'the host is MONITORED');
    t.match(view.capabilities?.version, /^\d+\.\d+\.\d+\+[0-9a-f]{12}$/, 'the agent reports its bundle build');
    t.match(view.ssh?.hostKey, /^SHA256:/, 'the host key is pinned');
    for (const f of ['token', 'onenode.json']) t.equal((await stat(join(agentDir, f))).mode & 0o777, 0o600, `${f} has mode 0600`);
    const config = JSON.parse(await readFile(join(agentDir, 'onenode.json'), 'utf8')) as { frontend: string };
    t.equal(config.frontend, `http://${lab.frontendAddress}:${cloud.oned.port}`, 'the agent dials the address the host sees oned from');
    t.notMatch(await readFile(join(agentDir, 'onenode.json'), 'utf8'), /token"\s*:/, 'the config names the token file, not the token');
    const pid = Number((await readFile(join(agentDir, 'onenode.pid'), 'utf8')).trim());
    t.ok(isAlive(pid), 'the agent runs');
    t.equal(await readlink(`/proc/${pid}/ns/net`), await nsLink(h1.netns), "inside the host's network namespace");

    // sync: a current agent is left alone; an outdated one is upgraded.
    const current = await runCliBin(t, 'onehost', ['sync', '--json'], env);
    t.equal(current.code, 0, 'sync succeeds');
    t.match(JSON.parse(current.out), [{ name: 'node1', status: 'current' }], 'a current agent is left alone');
    // Make the running agent an older build: stop it, change its bundle, start it again.
    await lab.exec(h1, ['node', join(agentDir, 'onenode.mjs'), '--config', join(agentDir, 'onenode.json'), '--stop']);
    await appendFile(join(agentDir, 'onenode.mjs'), '\n// an older build\n');
    await lab.exec(h1, ['sh', '-c', `cd '${agentDir}' && setsid -f node onenode.mjs --config onenode.json >>onenode.log 2>&1 </dev/null`]);
    const old = await eventually(
      () => cloud.client.call('host.info', { host: 'node1' }),
      (h) => h.state === 'MONITORED' && h.capabilities?.version !== view.capabilities?.version && h.agentIncarnation !== undefined,
      20_000,
      'the older build connected',
    );
    const synced = await runCliBin(t, 'onehost', ['sync', 'node1', '--json'], env);
    t.equal(synced.code, 0, `sync upgrades: ${synced.out}`);
    const [result] = JSON.parse(synced.out) as { status: string; from: string; to: string }[];
    t.equal(result?.status, 'upgraded', 'the outdated agent is upgraded');
    t.not(result?.from, result?.to, 'from one build to another');
    t.equal(result?.to, view.capabilities?.version.split('+')[1], "to oned's build");
    t.not(
      (await cloud.client.call('host.info', { host: 'node1' })).capabilities?.version,
      old.capabilities?.version,
      'the host reports the new build',
    );

    // Refusals, each naming what failed; nothing half made.
    const unreachable = await runCliBin(
      t,
      'onehost',
      ['create', 'nohost', '--ssh', `root@${lab.subnet.replace(/\.0\/\d+$/, '.250')}`, '--im', 'dummy', '--vm', 'dummy'],
      env,
    );
    t.not(unreachable.code, 0, 'an address nobody answers fails');
    t.match(unreachable.out, /HOST_UNREACHABLE|connect\s+FAIL/, 'at connect, as unreachable');
    const stranger = generateUsableKey();
    const keyFile = join(cloud.dir, 'stranger.key');
    await writeFile(keyFile, stranger.private, { mode: 0o600 });
    const refused = await runCliBin(
      t,
      'onehost',
      ['create', 'node2', '--ssh', h2.address, '--key', keyFile, '--dir', join(h2.dir, 'agent'), '--im', 'dummy', '--vm', 'dummy'],
      env,
    );
    t.not(refused.code, 0, 'a key the host does not know fails');
    t.match(refused.out, /SSH_AUTH_FAILED/, 'as an authentication refusal');
    const n2 = await cloud.client.call('host.info', { host: 'node2' });
    t.equal(n2.state, 'ERROR', 'the host is in ERROR');
    t.match(n2.error, /connect/, 'saying which step failed');
    t.ok(n2.ssh?.ownKey, 'the host keeps its own key, for a retry');
    const keyCopy = (await readdirSafe(join(cloud.dir, 'ssh'))).filter((f) => f.startsWith('host-'));
    t.equal(keyCopy.length, 1, 'oned keeps that key in its data dir');
    t.equal((await stat(join(cloud.dir, 'ssh', keyCopy[0] ?? ''))).mode & 0o777, 0o600, 'with mode 0600');
    await cloud.client.call('host.delete', { host: 'node2', force: true });
    t.same(
      (await readdirSafe(join(cloud.dir, 'ssh'))).filter((f) => f.startsWith('host-')),
      [],
      'deleting the host deletes its key',
    );
    const lost = await runCliBin(
      t,
      'onehost',
      [
        'create',
        'node3',
        '--ssh',
        h2.address,
        '--dir',
        join(h2.dir, 'agent'),
        '--frontend',
        'http://10.255.255.1:9',
        '--im',
        'dummy',
        '--vm',
        'dummy',
      ],
      env,
    );
    t.not(lost.code, 0, 'an agent that cannot dial back fails');
    t.match(lost.out, /DEPLOY_FAILED/, 'as a failed deployment');
    t.match(lost.out, /^wait\s+FAIL/m, 'at the wait step');
    await cloud.client.call('host.delete', { host: 'node3', force: true });
    await t.rejects(stat(join(h2.dir, 'agent', 'onenode.mjs')), { code: 'ENOENT' }, 'delete removes even an agent that never connected');

    // A changed host key is refused until the operator says so.
    const pinned = (await cloud.client.call('host.info', { host: 'node1' })).ssh?.hostKey;
    await cloud.client.call('host.deploy', { host: 'node1' });
    const records = await cloud.oned.store.list('hosts');
    t.equal(records.find((r) => r.value.name === 'node1')?.value.ssh?.hostKey, pinned, 'a redeploy keeps the pinned key');

    // delete: refused with a VM, then forced: the agent stops, its files go.
    const vm = await cloud.client.call('vm.allocate', { template: 'NAME = "a"\nCPU = 0.1\nMEMORY = 64\n', hold: false });
    await cloud.client.call('vm.action', { id: vm.id, action: 'deploy', host: view.id });
    await eventually(
      () => cloud.client.call('vm.info', { id: vm.id }),
      (v) => v.state === 'RUNNING',
      20_000,
      'VM RUNNING',
    );
    const busy = await runCliBin(t, 'onehost', ['delete', 'node1'], env);
    t.match(busy.out, /HOST_HAS_VMS/, 'a host with VMs is kept');
    const agentPid = Number((await readFile(join(agentDir, 'onenode.pid'), 'utf8')).trim());
    const deleted = await runCliBin(t, 'onehost', ['delete', 'node1', '--force'], env);
    t.equal(deleted.code, 0, `delete --force succeeds: ${deleted.out}`);
    await eventually(
      async () => isAlive(agentPid),
      (alive) => !alive,
      20_000,
      'agent gone',
    );
    t.pass('the agent is stopped');
    await t.rejects(stat(join(agentDir, 'onenode.mjs')), { code: 'ENOENT' }, 'its bundle is removed');
    await t.rejects(stat(join(agentDir, 'token')), { code: 'ENOENT' }, 'and its token');
    await t.rejects(cloud.client.call('host.info', { host: 'node1' }), { code: 'HOST_NOT_FOUND' }, 'the host is gone');
  });
}

/** The namespace inode of a named netns, as `ip netns exec` enters it. */
async function nsLink(netns: string): Promise<string> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', netns, 'readlink', '/proc/self/ns/net'], (err, out) =>
      err === null ? resolve(out.trim()) : reject(err),
    );
  });
}

async function readdirSafe(dir: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  return readdir(dir).catch(() => []);
}

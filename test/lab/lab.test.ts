/** The test lab itself: hosts in namespaces with their own sshd, a bridge, the front end reachable, partitions, a clean teardown. */
import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { generateUsableKey } from '../../src/ssh/oned-key.js';
import t from 'tap';
import { findOnPath } from '../../scripts/guest/build-guest.js';
import { labSupport, sshExec, startLab, type Lab, type LabHost } from '../fixtures/lab.js';
import { eventually } from '../fixtures/processes.js';

const run = promisify(execFile);
const skip = await labSupport();

/** `node -e` program: connects to argv[1]:argv[2], writes argv[3] if given, prints the first thing it reads, exits 1 on an error. */
const TCP_CLIENT = `
const s = require('net').connect({ host: process.argv[1], port: +process.argv[2], timeout: 2000 });
s.on('connect', () => { if (process.argv[3]) s.end(process.argv[3]); });
s.on('data', (d) => { process.stdout.write(d.toString().split('\\n')[0]); s.destroy(); });
s.on('timeout', () => { console.error('timeout'); process.exit(1); });
s.on('error', (e) => { console.error(e.code); process.exit(1); });`;

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port, timeout: 1000 });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.once('connect', () => done(true));
    sock.once('timeout', () => done(false));
    sock.once('error', () => done(false));
  });
}

if (skip !== undefined) {
  t.plan(0, `skipped: ${skip}`);
} else {
  const key = generateUsableKey('lab-test');
  const lab: Lab = await startLab(t, { hosts: 3, authorizedKeys: [key.public] });
  const [h1, h2, h3] = lab.hosts as [LabHost, LabHost, LabHost];

  t.test('each host runs commands over SSH in its own namespace, with this Node.js on PATH', async (t) => {
    t.equal(lab.hosts.length, 3);
    t.equal(new Set(lab.hosts.map((h) => h.address)).size, 3, 'three addresses');
    for (const h of lab.hosts) {
      const addr = await sshExec(h, key.private, ['ip', '-o', '-4', 'addr', 'show']);
      t.equal(addr.code, 0, `${h.name}: ip addr`);
      t.match(addr.stdout, ` ${h.address}/${lab.prefixLen} `, `${h.name} has its own address`);
      for (const other of lab.hosts) if (other !== h) t.notMatch(addr.stdout, ` ${other.address}/`, `${h.name} has not ${other.name}'s`);
      t.notMatch(addr.stdout, ` ${lab.frontendAddress}/`, `${h.name} has not the front end's`);
      t.match((await lab.exec(h, ['ip', '-o', 'link', 'show', 'dev', 'lo'])).stdout, /<[^>]*\bUP\b[^>]*>/, `${h.name}: lo is up`);
      const node = await sshExec(h, key.private, ['node', '-p', 'process.execPath']);
      t.equal(node.code, 0, `${h.name}: node runs`);
      t.equal(realpathSync(node.stdout.trim()), realpathSync(process.execPath), `${h.name}: the same Node.js`);
    }
    const viaLabKey = await sshExec(h2, lab.privateKey, ['true']);
    t.equal(viaLabKey.code, 0, "the lab's own key is authorized too");
    await access(h1.dir);
    t.not(h1.dir, h2.dir, 'a directory per host');
  });

  t.test('hosts reach each other', async (t) => {
    const banner = await lab.exec(h1, ['node', '-e', TCP_CLIENT, h2.address, String(h2.sshPort)]);
    t.equal(banner.code, 0, banner.stderr);
    t.match(banner.stdout, /^SSH-2\.0-/, "host1 gets host2's sshd banner");
    // busybox-static is one of the packages CI installs; iputils' ping may not be there.
    const ping =
      (await findOnPath('ping')) !== undefined ? ['ping'] : (await findOnPath('busybox')) !== undefined ? ['busybox', 'ping'] : undefined;
    t.test('ping', { skip: ping === undefined ? 'neither ping nor busybox is installed' : false }, async (t) => {
      const r = await lab.exec(h1, [...(ping ?? []), '-c1', '-W2', h2.address]);
      t.equal(r.code, 0, r.stdout + r.stderr);
    });
  });

  t.test("hosts reach the front end's address", async (t) => {
    const seen = new Map<string, string>();
    const server = createServer((sock: Socket) => {
      sock.on('data', (d) => {
        seen.set(d.toString(), sock.remoteAddress ?? '');
        sock.end('ok\n');
      });
    });
    await new Promise<void>((r) => server.listen(0, lab.frontendAddress, () => r()));
    t.teardown(() => new Promise<void>((r) => server.close(() => r())));
    const { port } = server.address() as { port: number };
    for (const h of lab.hosts) {
      const r = await sshExec(h, key.private, ['node', '-e', TCP_CLIENT, lab.frontendAddress, String(port), h.name]);
      t.same(r, { code: 0, stdout: 'ok', stderr: '' }, `${h.name} connects`);
    }
    t.same(
      Object.fromEntries(seen),
      Object.fromEntries(lab.hosts.map((h) => [h.name, h.address])),
      'the server saw each host from its own address',
    );
  });

  t.test('sshd refuses a key it does not know', async (t) => {
    const wrong = generateUsableKey();
    const err = await sshExec(h1, wrong.private, ['true']).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.match(err, { level: 'client-authentication' }, 'an authentication error');
  });

  t.test('linkDown cuts a host off, linkUp brings it back', async (t) => {
    await lab.linkDown(h3);
    await eventually(
      () => tcpOpen(h3.address, h3.sshPort),
      (open) => !open,
      10_000,
      'host3 unreachable from the front end',
    );
    const fromPeer = await lab.exec(h1, ['node', '-e', TCP_CLIENT, h3.address, String(h3.sshPort)]);
    t.not(fromPeer.code, 0, 'and from host1');
    t.equal((await sshExec(h2, key.private, ['true'])).code, 0, 'the others stay reachable');
    await lab.linkUp(h3);
    const r = await eventually(
      () => sshExec(h3, key.private, ['true'], 3000),
      (x) => x.code === 0,
      15_000,
      'host3 back',
    );
    t.equal(r.code, 0, 'host3 answers again');
    await t.rejects(lab.linkDown({ ...h1, netns: 'nephele-someone-else' }), TypeError, "only the lab's own hosts");
  });

  t.test('teardown removes what the lab made, and can run again', async (t) => {
    // gone, or a zombie that init has not reaped yet
    const alive = async (pid: number): Promise<boolean> => {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      return stat !== '' && !/^\S+ \(.*\) Z/.test(stat);
    };
    for (const h of lab.hosts) t.ok(await alive(h.sshdPid), `sshd ${h.sshdPid} runs before`);
    await lab.teardown();
    const netns = (await run('ip', ['netns', 'list'])).stdout;
    for (const h of lab.hosts) {
      t.notMatch(netns, h.netns, `${h.netns} gone`);
      await t.rejects(run('ip', ['link', 'show', 'dev', h.veth]), `${h.veth} gone`);
      t.notOk(await alive(h.sshdPid), `sshd ${h.sshdPid} gone`);
    }
    await t.rejects(run('ip', ['link', 'show', 'dev', lab.bridge]), `${lab.bridge} gone`);
    t.notMatch((await run('ip', ['-o', 'route'])).stdout, lab.subnet, 'its route gone');
    await t.rejects(access(lab.dir), { code: 'ENOENT' }, 'its directory gone');
    await lab.teardown();
    t.pass('a second teardown is harmless');
  });
}

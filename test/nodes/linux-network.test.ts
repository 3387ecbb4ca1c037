/** The Linux network driver in a network namespace of the test's own, so the host's links are never touched. */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import t from 'tap';
import { LinuxNetwork } from '../../nodes/drivers/linux-network.js';
import { findOnPath } from '../../scripts/guest/build-guest.js';

const run = promisify(execFile);
const skip = process.getuid?.() !== 0 ? 'needs root' : (await findOnPath('ip')) === undefined ? 'ip (iproute2) not found' : undefined;

interface Link {
  ifname: string;
  mtu: number;
  master?: string;
  address: string;
  flags: string[];
  linkinfo?: { info_kind?: string };
}

if (skip !== undefined) {
  t.comment(`skipped: ${skip}`);
  t.pass('skipped');
} else {
  const ns = `nephele-t-${randomBytes(4).toString('hex')}`;
  await run('ip', ['netns', 'add', ns]);
  t.teardown(() => run('ip', ['netns', 'del', ns]));
  const links = async (): Promise<Map<string, Link>> =>
    new Map((JSON.parse((await run('ip', ['-n', ns, '-j', '-d', 'link', 'show'])).stdout) as Link[]).map((l) => [l.ifname, l]));

  t.test('bridge and tap: made, wired, up, idempotent, removed', async (t) => {
    const net = new LinuxNetwork({ netns: ns });
    await net.ensureBridge('onebr0', { mtu: 1400 });
    await net.ensureBridge('onebr0', { mtu: 1400 });
    let now = await links();
    t.match(now.get('onebr0'), { mtu: 1400, linkinfo: { info_kind: 'bridge' } });
    t.ok(now.get('onebr0')?.flags.includes('UP'), 'the bridge is up');
    await net.createTap('one-7-0', 'onebr0', { mac: '02:00:0a:00:00:05' });
    await net.createTap('one-7-0', 'onebr0', { mac: '02:00:0a:00:00:05' });
    now = await links();
    t.match(
      now.get('one-7-0'),
      { master: 'onebr0', mtu: 1400, address: 'fe:00:0a:00:00:05', linkinfo: { info_kind: 'tun' } },
      'a port of the bridge, its MTU, fe: MAC',
    );
    t.ok(now.get('one-7-0')?.flags.includes('UP'), 'set up');
    await net.ensureBridge('onebr1');
    await net.createTap('one-7-0', 'onebr1', { mtu: 1300 });
    t.match((await links()).get('one-7-0'), { master: 'onebr1', mtu: 1300 }, 'moved to another bridge');
    await t.rejects(net.removeBridge('onebr1'), { code: 'DRIVER_FAILED', details: { ports: ['one-7-0'] } });
    await net.removeTap('one-7-0');
    await net.removeTap('one-7-0');
    await net.removeBridge('onebr1');
    await net.removeBridge('onebr0');
    await net.removeBridge('onebr0');
    now = await links();
    t.same(
      [...now.keys()].filter((n) => n !== 'lo'),
      [],
      'nothing left in the namespace',
    );
  });

  t.test('bad names and wrong kinds are refused', async (t) => {
    const net = new LinuxNetwork({ netns: ns });
    for (const bad of ['', 'a-name-longer-than-15', 'br/0', 'br 0', 'x;rm']) {
      await t.rejects(net.ensureBridge(bad), { code: 'INVALID_ARGUMENT' }, `bridge ${JSON.stringify(bad)}`);
      await t.rejects(net.createTap(bad, 'br0'), { code: 'INVALID_ARGUMENT' }, `tap ${JSON.stringify(bad)}`);
    }
    await t.rejects(net.createTap('tap0', 'nobridge'), { code: 'DRIVER_FAILED' });
    await net.ensureBridge('onebr2');
    await t.rejects(net.createTap('onebr2', 'onebr2'), { code: 'DRIVER_FAILED' }, 'a bridge is not a tap');
    await net.createTap('one-8-0', 'onebr2');
    await t.rejects(net.ensureBridge('one-8-0'), { code: 'DRIVER_FAILED' }, 'a tap is not a bridge');
    await net.removeTap('one-8-0');
    await net.removeBridge('onebr2');
  });
}

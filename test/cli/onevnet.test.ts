import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { startCloud } from '../fixtures/cloud.js';
import { runCliBin } from '../fixtures/processes.js';

t.test('onevnet create, list, show, hold, release, addar, rmar, delete', async (t) => {
  const cloud = await startCloud(t);
  const env = { NEPHELE_URL: cloud.oned.url, NEPHELE_AUTH: cloud.oned.authFile };
  const file = join(cloud.dir, 'lan.net');
  await writeFile(
    file,
    'NAME = "Private LAN"\nTYPE = RANGED\nBRIDGE = br0\nNETWORK_ADDRESS = 192.168.0.0\nNETWORK_SIZE = C\nGATEWAY = 192.168.0.1\n',
  );
  t.match((await runCliBin(t, 'onevnet', ['create', file], env)).out, /^ID: 0$/m);
  t.match(
    (await runCliBin(t, 'onevnet', ['list'], env)).out,
    /ID USER\s+GROUP\s+NAME\s+BRIDGE LEASES\n\s*0 oneadmin oneadmin Private LAN br0\s+0/,
  );
  await cloud.client.call('vm.allocate', { template: 'NAME = a\nCPU = 0.1\nMEMORY = 64\nNIC = [ NETWORK = "Private LAN" ]\n', hold: true });
  t.equal((await runCliBin(t, 'onevnet', ['hold', 'Private LAN', '192.168.0.10'], env)).code, 0);
  const shown = (await runCliBin(t, 'onevnet', ['show', '0'], env)).out;
  t.match(shown, /VIRTUAL NETWORK 0 INFORMATION/);
  t.match(shown, /GATEWAY="192\.168\.0\.1"/);
  t.match(shown, /\s+0 IP4\s+254\s+2 02:00:c0:a8:00:01 192\.168\.0\.1 - 192\.168\.0\.254/);
  t.match(shown, /\s+0 V:0\s+02:00:c0:a8:00:01 192\.168\.0\.1/);
  t.match(shown, /\s+0 V:-1 \(hold\) 02:00:c0:a8:00:0a 192\.168\.0\.10/);
  const taken = await runCliBin(t, 'onevnet', ['hold', '0', '192.168.0.1'], env);
  t.equal(taken.code, 1);
  t.match(taken.out, /\[NO_LEASES\] network Private LAN: 192\.168\.0\.1 is leased to VM 0/);
  t.equal((await runCliBin(t, 'onevnet', ['release', '0', '192.168.0.10'], env)).code, 0);

  t.equal((await runCliBin(t, 'onevnet', ['addar', '0', '--ip', '10.0.0.1', '--size', '4'], env)).code, 0);
  t.equal((await runCliBin(t, 'onevnet', ['addar', '0', '-t', 'ETHER', '--size', '2'], env)).code, 0);
  const net = await cloud.client.call('vn.info', { network: 0 });
  t.same(
    net.ranges.map((r) => [r.arId, r.type, r.size]),
    [
      [0, 'IP4', 254],
      [1, 'IP4', 4],
      [2, 'ETHER', 2],
    ],
  );
  const overlap = await runCliBin(t, 'onevnet', ['addar', '0', '--ip', '10.0.0.3', '--size', '4'], env);
  t.match(overlap.out, /\[INVALID_ARGUMENT\] the range overlaps AR 1/);
  const inUse = await runCliBin(t, 'onevnet', ['rmar', '0', '0'], env);
  t.match(inUse.out, /\[ACTION_NOT_ALLOWED\] AR 0 of network Private LAN has 1 leases in use \(VM 0\)/);
  t.equal((await runCliBin(t, 'onevnet', ['rmar', '0', '2'], env)).code, 0);
  t.match(
    (await runCliBin(t, 'onevnet', ['delete', '0'], env)).out,
    /\[ACTION_NOT_ALLOWED\] network Private LAN has leases in use by VM 0/,
  );
  await cloud.client.call('vm.action', { id: 0, action: 'terminate' });
  const deleted = await (async () => {
    for (let i = 0; i < 50; i++) {
      const r = await runCliBin(t, 'onevnet', ['delete', '0'], env);
      if (r.code === 0) return r;
      await new Promise((res) => setTimeout(res, 100));
    }
    return undefined;
  })();
  t.ok(deleted, 'deleted once the VM is done');
  t.match((await runCliBin(t, 'onevnet', ['show', '0'], env)).out, /\[NETWORK_NOT_FOUND\] no network 0/);
  await writeFile(file, 'NAME = bad\nTYPE = RANGED\n');
  t.match((await runCliBin(t, 'onevnet', ['create', file], env)).out, /\[INVALID_TEMPLATE\] NETWORK_ADDRESS/);
});

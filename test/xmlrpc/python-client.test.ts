import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { readAuthFile } from '../../src/auth/auth-file.js';
import { startCloud } from '../fixtures/cloud.js';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./python-client.py', import.meta.url));

const python = await run('python3', ['-c', 'import xmlrpc.client']).then(
  () => true,
  () => false,
);

t.test("Python's xmlrpc.client: successes and each error code", { skip: python ? false : 'python3 is not installed' }, async (t) => {
  const cloud = await startCloud(t);
  const { user, password } = await readAuthFile(cloud.oned.authFile);
  const { stdout } = await run('python3', [SCRIPT, `${cloud.oned.url}/RPC2`], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ONE_SESSION: `${user}:${password}` },
    timeout: 60_000,
  });
  const r = JSON.parse(stdout) as Record<string, [boolean, unknown, number]>;
  t.same(r.version, [true, '6.10.0', 0]);
  t.same(r.allocate, [true, 0]);
  t.same(r.release?.[0], true);
  t.same(r.hold?.[0], true);
  const code = (k: string): [boolean, number] => [r[k]?.[0] as boolean, r[k]?.[2] as number];
  t.same(code('wrong_password'), [false, 0x100]);
  t.same(code('not_admin'), [false, 0x200]);
  t.same(code('no_such_vm'), [false, 0x400]);
  t.same(code('bob_on_alices_vm'), [false, 0x400], 'another user’s VM is not found');
  t.same(code('bad_action'), [false, 0x1000]);
  t.same(code('unsupported'), [false, 0x1000]);
  t.same(code('bad_template'), [false, 0x4000]);
  t.same(r.alice_on_hers?.[0], true);
  t.same(r.token_call, [true, '6.10.0', 0], 'user:token from one.user.login');
  t.same(r.unicode?.[0], true);
  t.equal((await cloud.client.call('vmpool.info', { all: true })).find((v) => v.name.startsWith('vm-'))?.name, 'vm-ünïcødé-✓');
  t.same((r.fault as unknown as [number, string])[0], -506, 'not a method: a fault');
  // Documents, parsed as pyone parses them; alice sees her VM and not oneadmin's.
  const [vm, alicesVm] = r.ids as unknown as [number, number];
  t.same(r.vm_info, ['VM', String(vm), 'vm-ünïcødé-✓', '2'], 'one.vm.info: the VM, on hold');
  t.same(
    r.vmpool_ids,
    [vm, alicesVm].sort((a, b) => a - b),
    'one.vmpool.info -2: every VM for oneadmin',
  );
  t.same(r.alice_pool_ids, [alicesVm], 'alice lists only hers');
  t.same(code('alice_on_admins_vm'), [false, 0x400], "oneadmin's VM is not found for alice");
  t.same(r.alice_self, ['USER', 'alice'], 'one.user.info -1 is the caller');
});

import t, { type Test } from 'tap';
import { ApiClient } from '../../src/cli/api-client.js';
import { adminClient, onedOn, startCloud, type TestCloud } from '../fixtures/cloud.js';

const net = (name: string, prefix: string, bridge: string) =>
  `NAME = "${name}"\nBRIDGE = ${bridge}\nAR = [ TYPE = IP4, IP = ${prefix}.1, SIZE = 10 ]\n`;
const vm = (nic: string) => `NAME = v\nCPU = 0.1\nMEMORY = 64\nNIC = [ ${nic} ]\n`;

async function users(t: Test, cloud: TestCloud, names: readonly string[]): Promise<ApiClient[]> {
  const clients: ApiClient[] = [];
  for (const name of names) {
    await cloud.client.call('user.allocate', { name, password: `${name}-secret` });
    const c = await ApiClient.connect({ url: cloud.oned.url, user: name, password: `${name}-secret` });
    t.teardown(() => c.close());
    clients.push(c);
  }
  return clients;
}

/** Oned still answers an administrator, and what was made before is as it was. */
async function stillServes(t: Test, cloud: TestCloud, networks: ReadonlyArray<[number, string, string, number]>): Promise<void> {
  const all = await cloud.client.call('vnpool.info', {});
  for (const [id, name, user, used] of networks) {
    t.match(
      all.find((n) => n.id === id),
      { name, user, used },
      `network ${id} unchanged`,
    );
  }
  t.equal((await cloud.client.call('system.version', {})).protocol > 0, true, 'oned answers an administrator');
}

t.test("a user's network named like the administrator's captures nothing, made before or after it", async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  const [mallory, bob] = (await users(t, cloud, ['mallory', 'bob'])) as [ApiClient, ApiClient];

  // Before: mallory takes the name first, then the administrator makes "pub" too (names are per owner).
  const { id: trap } = await mallory.call('vn.allocate', { template: net('pub', '10.66.0', 'trapbr') });
  const { id: pub } = await admin.call('vn.allocate', { template: net('pub', '10.1.0', 'pubbr') });
  await t.rejects(admin.call('vn.allocate', { template: net('pub', '10.2.0', 'twobr') }), { code: 'NAME_TAKEN' }, 'unique per owner still');
  // After: a second user's "pub" made once the administrator's exists.
  const { id: trap2 } = await bob.call('vn.allocate', { template: net('pub', '10.77.0', 'bobbr') });

  const adminVm = (await admin.call('vm.allocate', { template: vm('NETWORK = "pub"'), hold: true })).id;
  t.match(
    (await admin.call('vm.info', { id: adminVm })).nics,
    [{ networkId: pub, bridge: 'pubbr', ip: '10.1.0.1' }],
    "the administrator's VM gets the administrator's network",
  );
  const malloryVm = (await mallory.call('vm.allocate', { template: vm('NETWORK = "pub"'), hold: true })).id;
  t.match(
    (await mallory.call('vm.info', { id: malloryVm })).nics,
    [{ networkId: trap, bridge: 'trapbr' }],
    "mallory's VM gets mallory's own",
  );
  const bobVm = (await bob.call('vm.allocate', { template: vm('NETWORK = "pub"'), hold: true })).id;
  t.match((await bob.call('vm.info', { id: bobVm })).nics, [{ networkId: trap2, bridge: 'bobbr' }], "bob's VM gets bob's own");

  // A user without a network of that name gets the public one, never another user's private one.
  const [carol] = (await users(t, cloud, ['carol'])) as [ApiClient];
  const carolVm = (await carol.call('vm.allocate', { template: vm('NETWORK = "pub"'), hold: true })).id;
  t.match((await carol.call('vm.info', { id: carolVm })).nics, [{ networkId: pub }], 'carol gets the public network');
  const { id: bobsOnly } = await bob.call('vn.allocate', { template: net('bobs-only', '10.78.0', 'bob2br') });
  await t.rejects(carol.call('vm.allocate', { template: vm('NETWORK = "bobs-only"'), hold: true }), {
    code: 'NETWORK_NOT_FOUND',
    message: 'no network bobs-only',
  });
  await t.rejects(
    admin.call('vm.allocate', { template: vm('NETWORK = "bobs-only"'), hold: true }),
    { code: 'NETWORK_NOT_FOUND' },
    "not even an administrator's VM takes a user's network by name alone",
  );

  // NETWORK_UNAME / NETWORK_UID: another owner's network, if the caller may use it.
  const byUname = (await admin.call('vm.allocate', { template: vm('NETWORK = "pub", NETWORK_UNAME = "mallory"'), hold: true })).id;
  t.match(
    (await admin.call('vm.info', { id: byUname })).nics,
    [{ networkId: trap }],
    "an administrator names mallory's network with NETWORK_UNAME",
  );
  const byUid = (await admin.call('vm.allocate', { template: vm('NETWORK = "bobs-only", NETWORK_UID = 2'), hold: true })).id;
  t.match((await admin.call('vm.info', { id: byUid })).nics, [{ networkId: bobsOnly }], "and bob's with NETWORK_UID");
  const publicByUname = (await mallory.call('vm.allocate', { template: vm('NETWORK = "pub", NETWORK_UNAME = "oneadmin"'), hold: true })).id;
  t.match(
    (await mallory.call('vm.info', { id: publicByUname })).nics,
    [{ networkId: pub }],
    'mallory names the public network with NETWORK_UNAME = oneadmin',
  );
  await t.rejects(
    mallory.call('vm.allocate', { template: vm('NETWORK = "pub", NETWORK_UNAME = "bob"'), hold: true }),
    { code: 'NETWORK_NOT_FOUND', message: 'no network pub' },
    "bob's private one is not found",
  );
  await t.rejects(mallory.call('vm.allocate', { template: vm('NETWORK = "pub", NETWORK_UID = 2'), hold: true }), {
    code: 'NETWORK_NOT_FOUND',
    message: 'no network pub',
  });
  await t.rejects(
    mallory.call('vm.allocate', { template: vm('NETWORK = "pub", NETWORK_UNAME = "nobody"'), hold: true }),
    { code: 'NETWORK_NOT_FOUND', message: 'no network pub' },
    'a user nobody has: the same',
  );
  await t.rejects(
    mallory.call('vm.allocate', { template: vm(`NETWORK_ID = ${trap2}`), hold: true }),
    { code: 'NETWORK_NOT_FOUND', message: `no network ${trap2}` },
    'by id: the same',
  );

  // The API's names: the caller's own first; an administrator's other names only when unambiguous.
  t.equal((await mallory.call('vn.info', { network: 'pub' })).id, trap);
  t.equal((await carol.call('vn.info', { network: 'pub' })).id, pub);
  t.equal((await admin.call('vn.info', { network: 'pub' })).id, pub);
  t.equal((await admin.call('vn.info', { network: 'bobs-only' })).id, bobsOnly, 'an administrator finds the only network of that name');
  await t.rejects(carol.call('vn.info', { network: 'bobs-only' }), { code: 'NETWORK_NOT_FOUND', message: 'no network bobs-only' });
  await mallory.call('vn.hold', { network: 'pub', ip: '10.66.0.9' });
  t.ok(
    (await admin.call('vn.info', { network: trap })).leases.some((l) => l.ip === '10.66.0.9'),
    "mallory's hold went to her own network",
  );

  await stillServes(t, cloud, [
    [pub, 'pub', 'oneadmin', 3],
    [trap, 'pub', 'mallory', 3],
    [trap2, 'pub', 'bob', 1],
    [bobsOnly, 'bobs-only', 'bob', 1],
  ]);
});

t.test('names per owner are rebuilt from the store when oned restarts', async (t) => {
  const dir = t.testdir();
  const start = onedOn(dir);
  const first = await start();
  const admin1 = await adminClient(first);
  await admin1.call('user.allocate', { name: 'mallory', password: 'mallory-secret' });
  const mallory1 = await ApiClient.connect({ url: first.url, user: 'mallory', password: 'mallory-secret' });
  const { id: trap } = await mallory1.call('vn.allocate', { template: net('pub', '10.66.0', 'trapbr') });
  const { id: pub } = await admin1.call('vn.allocate', { template: net('pub', '10.1.0', 'pubbr') });
  await mallory1.call('template.allocate', { template: 'NAME = web\nCPU = 0.1\nMEMORY = 32\n' });
  const { id: web } = await admin1.call('template.allocate', { template: 'NAME = web\nCPU = 0.1\nMEMORY = 64\n' });
  mallory1.close();
  admin1.close();
  await first.close();

  const second = await start();
  t.teardown(() => second.close());
  const admin = await adminClient(second);
  t.teardown(() => admin.close());
  const mallory = await ApiClient.connect({ url: second.url, user: 'mallory', password: 'mallory-secret' });
  t.teardown(() => mallory.close());
  const { id } = await admin.call('vm.allocate', { template: vm('NETWORK = "pub"'), hold: true });
  t.match(
    (await admin.call('vm.info', { id })).nics,
    [{ networkId: pub }],
    "after the restart the administrator's VM still gets the administrator's network",
  );
  const { id: theirs } = await mallory.call('vm.allocate', { template: vm('NETWORK = "pub"'), hold: true });
  t.match((await mallory.call('vm.info', { id: theirs })).nics, [{ networkId: trap }]);
  await t.rejects(
    mallory.call('vn.allocate', { template: net('pub', '10.67.0', 'trap2') }),
    { code: 'NAME_TAKEN' },
    'her name is still hers',
  );
  await t.rejects(admin.call('template.allocate', { template: 'NAME = web\nCPU = 1\nMEMORY = 1\n' }), { code: 'NAME_TAKEN' });
  t.equal((await admin.call('template.info', { id: 'web' })).id, web);
});

t.test("images: a user's image named like the administrator's is not the administrator's VM's disk", async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  const [mallory, bob] = (await users(t, cloud, ['mallory', 'bob'])) as [ApiClient, ApiClient];
  const blank = { type: 'DATABLOCK' as const, persistent: false, description: '', size: 1, format: 'raw' as const };
  const { id: trap } = await mallory.call('image.allocate', { name: 'base', ...blank });
  const { id: base } = await admin.call('image.allocate', { name: 'base', ...blank });
  const { id: bobs } = await bob.call('image.allocate', { name: 'bobs', ...blank });
  const disk = (d: string) => `NAME = v\nCPU = 0.1\nMEMORY = 64\nDISK = [ ${d} ]\n`;

  const adminVm = (await admin.call('vm.allocate', { template: disk('IMAGE = "base"'), hold: true })).id;
  t.match(
    (await admin.call('vm.info', { id: adminVm })).disks,
    [{ imageId: base }],
    "the administrator's VM gets the administrator's image",
  );
  const malloryVm = (await mallory.call('vm.allocate', { template: disk('IMAGE = "base"'), hold: true })).id;
  t.match((await mallory.call('vm.info', { id: malloryVm })).disks, [{ imageId: trap }], "mallory's VM gets her own");
  const bobVm = (await bob.call('vm.allocate', { template: disk('IMAGE = "base"'), hold: true })).id;
  t.match((await bob.call('vm.info', { id: bobVm })).disks, [{ imageId: base }], 'bob, who has none, gets the public one');
  const byUname = (await admin.call('vm.allocate', { template: disk('IMAGE = "base", IMAGE_UNAME = "mallory"'), hold: true })).id;
  t.match((await admin.call('vm.info', { id: byUname })).disks, [{ imageId: trap }], "IMAGE_UNAME names another owner's");
  const byUid = (await admin.call('vm.allocate', { template: disk('IMAGE = "bobs", IMAGE_UID = 2'), hold: true })).id;
  t.match((await admin.call('vm.info', { id: byUid })).disks, [{ imageId: bobs }], 'IMAGE_UID too');
  await t.rejects(mallory.call('vm.allocate', { template: disk('IMAGE = "bobs", IMAGE_UNAME = "bob"'), hold: true }), {
    code: 'IMAGE_NOT_FOUND',
    message: 'no image bobs',
  });
  await t.rejects(mallory.call('vm.allocate', { template: disk('IMAGE = "bobs", IMAGE_UID = 2'), hold: true }), {
    code: 'IMAGE_NOT_FOUND',
    message: 'no image bobs',
  });
  await t.rejects(mallory.call('vm.allocate', { template: disk('IMAGE = "bobs"'), hold: true }), {
    code: 'IMAGE_NOT_FOUND',
    message: 'no image bobs',
  });
  await t.rejects(
    admin.call('vm.allocate', { template: disk('IMAGE = "bobs"'), hold: true }),
    { code: 'IMAGE_NOT_FOUND' },
    "not even an administrator's VM takes a user's image by name alone",
  );
  await t.rejects(mallory.call('vm.allocate', { template: disk(`IMAGE_ID = ${bobs}`), hold: true }), {
    code: 'IMAGE_NOT_FOUND',
    message: `no image ${bobs}`,
  });

  t.equal((await mallory.call('image.info', { image: 'base' })).id, trap, "by name in the API: the caller's own first");
  t.equal((await admin.call('image.info', { image: 'base' })).id, base);
  t.equal((await admin.call('image.info', { image: 'bobs' })).id, bobs, 'an administrator finds the only one of that name');

  const images = await admin.call('imagepool.info', {});
  t.match(
    images.find((i) => i.id === base),
    { name: 'base', user: 'oneadmin', runningVms: [adminVm, bobVm] },
    "the administrator's image is used by the VMs that named it",
  );
  t.match(
    images.find((i) => i.id === trap),
    { name: 'base', user: 'mallory', runningVms: [malloryVm, byUname] },
  );
  t.equal((await admin.call('system.version', {})).protocol > 0, true, 'oned answers an administrator');
});

t.test("templates: names unique per owner, instantiate by name finds the caller's own first", async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  const [mallory, bob] = (await users(t, cloud, ['mallory', 'bob'])) as [ApiClient, ApiClient];
  const tmpl = (memory: number) => `NAME = web\nCPU = 0.1\nMEMORY = ${memory}\n`;
  const { id: trap } = await mallory.call('template.allocate', { template: tmpl(32) });
  const { id: web } = await admin.call('template.allocate', { template: tmpl(64) });
  await t.rejects(admin.call('template.allocate', { template: tmpl(128) }), { code: 'NAME_TAKEN' }, 'unique per owner');
  const { id: other } = await admin.call('template.allocate', { template: 'NAME = other\nCPU = 0.1\nMEMORY = 64\n' });
  await t.rejects(admin.call('template.update', { id: other, template: tmpl(64) }), { code: 'NAME_TAKEN' }, 'not by a rename either');

  const adminVm = (await admin.call('template.instantiate', { id: 'web', hold: true })).id;
  t.equal((await admin.call('vm.info', { id: adminVm })).memory, 64, "the administrator instantiates the administrator's template");
  const malloryVm = (await mallory.call('template.instantiate', { id: 'web', hold: true })).id;
  t.equal((await mallory.call('vm.info', { id: malloryVm })).memory, 32, 'mallory hers');
  await t.rejects(
    bob.call('template.instantiate', { id: 'web', hold: true }),
    { code: 'TEMPLATE_NOT_FOUND', message: 'no template web' },
    "bob has none: another user's is not found",
  );
  await t.rejects(bob.call('template.info', { id: trap }), { code: 'TEMPLATE_NOT_FOUND', message: `no template ${trap}` });
  t.equal((await admin.call('template.info', { id: 'web' })).id, web);
  t.equal((await mallory.call('template.info', { id: 'web' })).id, trap);
  const { id: bobs } = await bob.call('template.allocate', { template: 'NAME = solo\nCPU = 0.1\nMEMORY = 64\n' });
  t.equal((await admin.call('template.info', { id: 'solo' })).id, bobs, "an administrator finds another's unambiguous name");

  const templates = await admin.call('templatepool.info', {});
  t.same(
    templates.map((r) => [r.id, r.name, r.user]),
    [
      [trap, 'web', 'mallory'],
      [web, 'web', 'oneadmin'],
      [other, 'other', 'oneadmin'],
      [bobs, 'solo', 'bob'],
    ],
  );
  t.equal((await admin.call('system.version', {})).protocol > 0, true, 'oned answers an administrator');
});

/**
 * `image.update` and `image.chtype` through oned's API: the template
 * replaced or merged (OpenNebula's append), kept on disk, checked by the
 * template parser and the value limits, SOURCE an administrator's; the
 * types OpenNebula's chtype allows, in use too; another user's image not
 * found, a public one not theirs to change. A record stored before images
 * had a template opens with its DESCRIPTION as its template.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import t from 'tap';
import type { ApiClient } from '../../src/cli/api-client.js';
import { ApiClient as Client } from '../../src/cli/api-client.js';
import type { ImagePoolMsg } from '../../src/images/image-pool.js';
import type { ImageRecord, ImageType } from '../../src/images/image-record.js';
import { Store } from '../../src/store/index.js';
import { adminClient, onedOn } from '../fixtures/cloud.js';

async function upload(c: ApiClient, name: string, type: ImageType = 'OS', description = ''): Promise<number> {
  const { id } = await c.call('image.allocate', { name, type, persistent: false, description });
  await c.call('image.upload', { id, offset: 0, data: randomBytes(1000) });
  await c.call('image.commit', { id, size: 1000 });
  return id;
}

t.test('update replaces or merges the template; chtype within the disk or the file types; who may', async (t) => {
  const dir = t.testdir();
  const start = onedOn(dir);
  const first = await start();
  const admin = await adminClient(first);
  await admin.call('user.allocate', { name: 'alice', password: 'alice-pw' });
  await admin.call('user.allocate', { name: 'bob', password: 'bob-pw' });
  const alice = await Client.connect({ url: first.url, user: 'alice', password: 'alice-pw' });
  const bob = await Client.connect({ url: first.url, user: 'bob', password: 'bob-pw' });
  const img = await upload(alice, 'disk', 'OS', 'first');
  t.same((await alice.call('image.info', { image: img })).template, [{ name: 'DESCRIPTION', value: 'first' }], 'allocate: DESCRIPTION');

  const replaced = await alice.call('image.update', {
    image: 'disk',
    template: 'description = "a web server\'s disk"\nDEV_PREFIX = vd\nLABELS = [ team = web, tier = "front end" ]\n',
    append: false,
  });
  t.same(replaced.template, [
    { name: 'DESCRIPTION', value: "a web server's disk" },
    { name: 'DEV_PREFIX', value: 'vd' },
    { name: 'LABELS', value: { TEAM: 'web', TIER: 'front end' } },
  ]);
  t.equal(replaced.description, "a web server's disk", 'the description follows DESCRIPTION');
  const merged = await alice.call('image.update', {
    image: img,
    template: 'DEV_PREFIX = sd\nOWNER_NOTE = x\nLABELS = [ ]\n',
    append: true,
  });
  t.same(
    merged.template,
    [
      { name: 'DESCRIPTION', value: "a web server's disk" },
      { name: 'DEV_PREFIX', value: 'sd' },
      { name: 'OWNER_NOTE', value: 'x' },
    ],
    'append: the names given replace theirs, the others stay, an empty vector removes',
  );
  t.equal((await alice.call('image.update', { image: img, template: 'X = 1\n', append: false })).description, '', 'no DESCRIPTION, none');

  await t.rejects(alice.call('image.update', { image: img, template: 'A = "unclosed\n', append: false }), { code: 'TEMPLATE_SYNTAX' });
  await t.rejects(alice.call('image.update', { image: img, template: `A = "${'x'.repeat(4097)}"\n`, append: false }), {
    code: 'INVALID_TEMPLATE',
    details: { attribute: 'A' },
  });
  await t.rejects(alice.call('image.update', { image: img, template: 'A = "bell\x07"\n', append: false }), {
    code: 'INVALID_TEMPLATE',
    details: { attribute: 'A' },
  });
  const many = Array.from({ length: 257 }, (_, i) => `A${i} = ${i}\n`).join('');
  await t.rejects(alice.call('image.update', { image: img, template: many, append: false }), { code: 'INVALID_TEMPLATE' });
  await t.rejects(
    alice.call('image.update', { image: img, template: 'SOURCE = /etc/shadow\n', append: true }),
    { code: 'NOT_AUTHORIZED', details: { attribute: 'SOURCE' } },
    'SOURCE is restricted, as in oned.conf',
  );
  t.same((await alice.call('image.info', { image: img })).template, [{ name: 'X', value: '1' }], 'refusals change nothing');
  await admin.call('image.update', { image: img, template: 'SOURCE = here\n', append: true });
  t.same(
    (await alice.call('image.update', { image: img, template: 'Y = 2\n', append: false })).template,
    [
      { name: 'Y', value: '2' },
      { name: 'SOURCE', value: 'here' },
    ],
    "a user's replace keeps what only an administrator sets",
  );

  await t.rejects(bob.call('image.update', { image: img, template: 'Y = 3\n', append: false }), {
    code: 'IMAGE_NOT_FOUND',
    message: `no image ${img}`,
  });
  await t.rejects(bob.call('image.chtype', { image: img, type: 'CDROM' }), { code: 'IMAGE_NOT_FOUND' });
  const pub = await upload(admin, 'public');
  await t.rejects(bob.call('image.update', { image: pub, template: 'Y = 3\n', append: false }), { code: 'NOT_AUTHORIZED' });
  await t.rejects(bob.call('image.chtype', { image: pub, type: 'CDROM' }), { code: 'NOT_AUTHORIZED' });

  t.equal((await alice.call('image.chtype', { image: img, type: 'cdrom' as ImageType })).type, 'CDROM', 'any case, as OpenNebula');
  t.equal((await alice.call('image.chtype', { image: img, type: 'DATABLOCK' })).type, 'DATABLOCK');
  await t.rejects(alice.call('image.chtype', { image: img, type: 'KERNEL' }), {
    code: 'ACTION_NOT_ALLOWED',
    details: { type: 'DATABLOCK', action: 'chtype' },
  });
  await t.rejects(alice.call('image.chtype', { image: img, type: 'FLOPPY' as ImageType }), {
    code: 'INVALID_ARGUMENT',
    details: { field: 'type' },
  });
  const kernel = await upload(alice, 'vmlinuz', 'KERNEL');
  t.equal((await alice.call('image.chtype', { image: kernel, type: 'RAMDISK' })).type, 'RAMDISK');
  t.equal((await alice.call('image.chtype', { image: kernel, type: 'CONTEXT' })).type, 'CONTEXT');
  await t.rejects(alice.call('image.chtype', { image: kernel, type: 'OS' }), { code: 'ACTION_NOT_ALLOWED' });
  await first.system
    .lookup<ImagePoolMsg>('image-pool')
    ?.ask({ type: 'acquire', vmId: 3, refs: [{ imageId: img, use: 'disk' }], session: { uid: 1, gid: 1, admin: false } });
  t.match(
    await alice.call('image.chtype', { image: img, type: 'OS' }),
    { type: 'OS', state: 'USED', runningVms: [3] },
    'in use too, as OpenNebula',
  );
  alice.close();
  bob.close();
  admin.close();
  await first.close();

  // On disk: the template after a restart; and a record as an older oned wrote it.
  const store = await Store.open(join(dir, 'db'));
  const { template: _gone, ...old } = (await store.get('images', pub)) as ImageRecord;
  await store.put('images', pub, { ...old, description: 'from before' } as unknown as ImageRecord);
  await store.close();
  const second = await start();
  t.teardown(() => second.close());
  const c2 = await adminClient(second);
  t.teardown(() => c2.close());
  t.same((await c2.call('image.info', { image: img })).template, [
    { name: 'Y', value: '2' },
    { name: 'SOURCE', value: 'here' },
  ]);
  t.match(await c2.call('image.info', { image: img }), { type: 'OS' });
  const before = await c2.call('image.info', { image: pub });
  t.same(before.template, [{ name: 'DESCRIPTION', value: 'from before' }], 'an old record: its DESCRIPTION is its template');
  t.same(
    (await c2.call('image.update', { image: pub, template: 'Z = 1\n', append: true })).template,
    [
      { name: 'DESCRIPTION', value: 'from before' },
      { name: 'Z', value: '1' },
    ],
    'and it is updated as any',
  );
});

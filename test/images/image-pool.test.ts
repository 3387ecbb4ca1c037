/**
 * The image pool on a real store: uploads, the rules of acquire and
 * release (all or nothing, persistent images, states, who may use what),
 * the refusals while images are in use, and that every change is on disk
 * before the answer.
 */
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { ActorRef, Askable, Exact, ReplyTo } from '../../src/actors/index.js';
import { imagesDatastore } from '../../src/images/datastores.js';
import { ImagePool, type ImagePoolMsg } from '../../src/images/image-pool.js';
import type { ImageRef, ImageSession, ImageType, ImageUse } from '../../src/images/image-record.js';
import { Store } from '../../src/store/index.js';
import { testSystem } from '../fixtures/system.js';

const ADMIN: ImageSession = { uid: 0, gid: 0, admin: true };
const ALICE: ImageSession = { uid: 1, gid: 1, admin: false };
const BOB: ImageSession = { uid: 2, gid: 1, admin: false };
const OWNERS = [
  { id: 0, name: 'oneadmin' },
  { id: 1, name: 'alice' },
  { id: 2, name: 'bob' },
];

/** A pool on a store in a temp dir; `qemuImg` points at a missing binary to exercise the fallback. */
async function rig(t: Test, qemuImg?: string) {
  const dir = t.testdir();
  const store = await Store.open(join(dir, 'db'));
  t.teardown(() => store.close());
  const system = testSystem(t);
  const pool: ActorRef<ImagePoolMsg> = system.spawn(
    (ctx) =>
      new ImagePool(ctx, {
        store,
        dataDir: dir,
        owners: async () => OWNERS,
        now: () => 1_700_000_000_000,
        ...(qemuImg === undefined ? {} : { qemuImg }),
      }),
  );
  const ask = <Q extends Askable<ImagePoolMsg>>(msg: Exact<ImagePoolMsg, Q>): Promise<ReplyTo<ImagePoolMsg, Q>> =>
    pool.ask(msg, { timeoutMs: 30_000 });
  await ask({ type: 'list' }); // started: the datastore exists
  /** A READY image of `bytes` random bytes, uploaded as the API would. */
  const upload = async (name: string, owner: ImageSession, type: ImageType = 'OS', persistent = false, bytes = 3000): Promise<number> => {
    const { id } = await ask({
      type: 'allocate',
      name,
      uid: owner.uid,
      gid: owner.gid,
      imageType: type,
      persistent,
      description: '',
    });
    await ask({ type: 'upload', id, uid: owner.uid, offset: 0, data: randomBytes(bytes) });
    await ask({ type: 'commit', id, uid: owner.uid, size: bytes });
    return id;
  };
  const info = (id: number) => ask({ type: 'info', id });
  const stored = (id: number) => store.get('images', id);
  const acquire = (vmId: number, refs: ImageRef[], session: ImageSession = ADMIN) => ask({ type: 'acquire', vmId, refs, session });
  return { dir, store, pool, ask, upload, info, stored, acquire };
}

t.test('an upload: LOCKED, contiguous chunks from the owner only, then READY with its size; the file holds the bytes', async (t) => {
  const r = await rig(t);
  const { id } = await r.ask({
    type: 'allocate',
    name: 'disk',
    uid: 1,
    gid: 1,
    imageType: 'DATABLOCK',
    persistent: false,
    description: 'd',
  });
  const image = await r.info(id);
  t.equal(image.state, 'LOCKED');
  t.match(image.source, new RegExp(`^${imagesDatastore(r.dir)}/[0-9a-f]{32}$`));
  const data = randomBytes(3 * 1024 * 1024 + 5);
  const a = data.subarray(0, 2 * 1024 * 1024);
  const b = data.subarray(2 * 1024 * 1024);
  await t.rejects(
    r.ask({ type: 'upload', id, uid: 2, offset: 0, data: a }),
    { code: 'IMAGE_NOT_FOUND', message: `no image ${id}` },
    'another user: not found',
  );
  await t.rejects(
    r.ask({ type: 'upload', id, uid: 0, admin: true, offset: 0, data: a }),
    { code: 'NOT_AUTHORIZED' },
    'not even an administrator',
  );
  t.same(await r.ask({ type: 'upload', id, uid: 1, offset: 0, data: a }), { id, received: a.length });
  await t.rejects(
    r.ask({ type: 'upload', id, uid: 1, offset: 0, data: b }),
    { code: 'INVALID_ARGUMENT', details: { field: 'offset', expected: a.length } },
    'a chunk again',
  );
  await t.rejects(r.ask({ type: 'upload', id, uid: 1, offset: a.length + 1, data: b }), { code: 'INVALID_ARGUMENT' }, 'a gap');
  await t.rejects(
    r.ask({ type: 'commit', id, uid: 1, size: data.length }),
    { code: 'INVALID_ARGUMENT', details: { field: 'size', received: a.length } },
    'commit before the end',
  );
  await r.ask({ type: 'upload', id, uid: 1, offset: a.length, data: b });
  const ready = await r.ask({ type: 'commit', id, uid: 1, size: data.length });
  t.match(ready, { state: 'READY', format: 'raw', sizeMb: 4, uid: 1, gid: 1, type: 'DATABLOCK', description: 'd', runningVms: [] });
  t.same(await r.stored(id), ready, 'written before the answer');
  t.ok((await readFile(ready.source)).equals(data), 'the file holds exactly the bytes sent');
  await t.rejects(
    r.ask({ type: 'upload', id, uid: 1, offset: data.length, data: b }),
    { code: 'ACTION_NOT_ALLOWED' },
    'no upload into a READY image',
  );
});

t.test('names: validated, unique per owner, free across owners', async (t) => {
  const r = await rig(t);
  for (const name of ['../x', 'a;rm -rf /', 'a/b', '-x', '$(reboot)', 'a\nb', 'x'.repeat(129)]) {
    await t.rejects(
      r.ask({ type: 'allocate', name, uid: 1, gid: 1, imageType: 'OS', persistent: false, description: '' }),
      { code: 'INVALID_ARGUMENT', details: { field: 'name' } },
      JSON.stringify(name),
    );
  }
  t.same(await r.ask({ type: 'list' }), [], 'nothing was created');
  const id = await r.upload('base', ALICE);
  await t.rejects(r.ask({ type: 'allocate', name: 'base', uid: 1, gid: 1, imageType: 'OS', persistent: false, description: '' }), {
    code: 'NAME_TAKEN',
  });
  await r.upload('base', BOB);
  await t.rejects(r.ask({ type: 'rename', id, name: 'a;b' }), { code: 'INVALID_ARGUMENT' });
  t.equal((await r.ask({ type: 'rename', id, name: 'base 2' })).name, 'base 2');
  t.equal((await r.stored(id))?.name, 'base 2');
});

t.test("acquire: by id, by name (own, then an administrator's, or of IMAGE_UNAME), in refs order", async (t) => {
  const r = await rig(t);
  const pub = await r.upload('debian', ADMIN);
  const own = await r.upload('debian', ALICE);
  const kernel = await r.upload('vmlinuz', ADMIN, 'KERNEL');
  const bobs = await r.upload('bobdisk', BOB, 'DATABLOCK');
  const uses = await r.acquire(
    7,
    [
      { name: 'debian', use: 'disk' },
      { name: 'debian', uname: 'oneadmin', use: 'disk' },
      { imageId: kernel, use: 'kernel' },
    ],
    ALICE,
  );
  t.same(
    uses.map((u) => u.imageId),
    [own, pub, kernel],
  );
  const first = uses[0] as ImageUse;
  const ownRecord = await r.info(own);
  t.same(first, { imageId: own, name: 'debian', type: 'OS', format: 'raw', path: ownRecord.source, persistent: false, sizeMb: 1 });
  t.match(ownRecord, { state: 'USED', runningVms: [7] });
  t.match(await r.info(kernel), { state: 'READY', runningVms: [7] }, 'a kernel is tracked but does not go USED');
  t.same(await r.stored(own), ownRecord, 'written before the answer');

  await t.rejects(
    r.acquire(8, [{ imageId: bobs, use: 'disk' }], ALICE),
    { code: 'IMAGE_NOT_FOUND', details: { image: bobs } },
    "another user's private image",
  );
  await t.rejects(r.acquire(8, [{ name: 'bobdisk', use: 'disk' }], ALICE), { code: 'IMAGE_NOT_FOUND', details: { image: 'bobdisk' } });
  await t.rejects(r.acquire(8, [{ name: 'bobdisk', uname: 'bob', use: 'disk' }], ALICE), { code: 'IMAGE_NOT_FOUND' });
  await t.rejects(r.acquire(8, [{ name: 'debian', uname: 'nobody', use: 'disk' }], ALICE), { code: 'IMAGE_NOT_FOUND' });
  await t.rejects(r.acquire(8, [{ imageId: 99, use: 'disk' }], ALICE), { code: 'IMAGE_NOT_FOUND' });
  t.same(
    (await r.acquire(8, [{ name: 'bobdisk', uname: 'bob', use: 'disk' }], ADMIN)).map((u) => u.imageId),
    [bobs],
    "an administrator may use anyone's",
  );
  t.same(
    (await r.acquire(9, [{ name: 'debian', use: 'disk' }], BOB)).map((u) => u.imageId),
    [pub],
    'bob has none of that name: the public one',
  );
  await t.rejects(
    r.acquire(8, [{ imageId: kernel, use: 'disk' }], ALICE),
    { code: 'INVALID_ARGUMENT', details: { field: 'IMAGE' } },
    'a kernel is no disk',
  );
  await t.rejects(
    r.acquire(8, [{ imageId: own, use: 'kernel' }], ALICE),
    { code: 'INVALID_ARGUMENT', details: { field: 'IMAGE' } },
    'an OS image is no kernel',
  );
  await t.rejects(r.acquire(8, [{ use: 'disk' }], ALICE), { code: 'INVALID_ARGUMENT', details: { field: 'IMAGE' } }, 'no id, no name');
});

t.test('acquire is all or nothing, and idempotent for one VM', async (t) => {
  const r = await rig(t);
  const a = await r.upload('a', ADMIN);
  const b = await r.upload('b', ADMIN, 'OS', true);
  const locked = (await r.ask({ type: 'allocate', name: 'up', uid: 0, gid: 0, imageType: 'OS', persistent: false, description: '' })).id;
  await t.rejects(
    r.acquire(1, [
      { imageId: a, use: 'disk' },
      { imageId: b, use: 'disk' },
      { imageId: locked, use: 'disk' },
    ]),
    { code: 'IMAGE_NOT_READY', details: { imageId: locked, state: 'LOCKED' } },
  );
  for (const id of [a, b]) {
    t.match(await r.info(id), { state: 'READY', runningVms: [] }, `image ${id} untouched`);
    t.match(await r.stored(id), { state: 'READY', runningVms: [] });
  }
  const refs: ImageRef[] = [
    { imageId: a, use: 'disk' },
    { imageId: b, use: 'disk' },
  ];
  const once = await r.acquire(1, refs);
  t.same(await r.acquire(1, refs), once, 'a retried create gets the same');
  t.same((await r.info(b)).runningVms, [1], 'recorded once');
  await t.rejects(
    r.acquire(2, [{ imageId: b, use: 'disk' }]),
    { code: 'IMAGE_IN_USE', details: { imageId: b, vms: [1] } },
    'persistent: one VM at a time',
  );
  t.same(
    (
      await r.acquire(2, [
        { imageId: a, use: 'disk' },
        { imageId: a, use: 'disk' },
      ])
    ).length,
    2,
    'a non-persistent image twice is fine',
  );
  await t.rejects(
    r.acquire(
      3,
      [
        { imageId: b, use: 'disk' },
        { imageId: b, use: 'disk' },
      ],
      ADMIN,
    ),
    { code: 'IMAGE_IN_USE' },
    'a persistent image named twice',
  );
  t.same((await r.info(a)).runningVms, [1, 2]);
});

t.test('states: DISABLED and ERROR images are not used; in-use images refuse delete, persistent and disable', async (t) => {
  const r = await rig(t);
  const id = await r.upload('a', ALICE);
  t.equal((await r.ask({ type: 'enable', id, enable: false })).state, 'DISABLED');
  await t.rejects(r.acquire(1, [{ imageId: id, use: 'disk' }], ALICE), { code: 'IMAGE_NOT_READY', details: { state: 'DISABLED' } });
  t.equal((await r.ask({ type: 'enable', id, enable: true })).state, 'READY');
  await r.acquire(1, [{ imageId: id, use: 'disk' }], ALICE);
  const inUse = { code: 'IMAGE_IN_USE', details: { imageId: id, vms: [1] } };
  await t.rejects(r.ask({ type: 'delete', id }), inUse);
  await t.rejects(r.ask({ type: 'persistent', id, persistent: true }), inUse);
  await t.rejects(r.ask({ type: 'enable', id, enable: false }), inUse);
  t.equal((await r.ask({ type: 'enable', id, enable: true })).state, 'USED', 'enabling a used image changes nothing');
  t.same(await r.ask({ type: 'release', vmId: 1 }), { released: 1 });
  t.same(await r.ask({ type: 'release', vmId: 1 }), { released: 0 }, 'idempotent');
  t.match(await r.stored(id), { state: 'READY', runningVms: [] });
  t.equal((await r.ask({ type: 'persistent', id, persistent: true })).persistent, true);
  const source = (await r.info(id)).source;
  t.same(await r.ask({ type: 'delete', id }), { id });
  await t.rejects(stat(source), { code: 'ENOENT' }, 'the file is gone');
  t.equal(await r.stored(id), undefined);
  await t.rejects(r.ask({ type: 'info', id }), { code: 'IMAGE_NOT_FOUND' });
});

t.test('reconcile releases the VMs not alive; abandon_uploads puts LOCKED images in ERROR, which can be deleted', async (t) => {
  const r = await rig(t);
  const a = await r.upload('a', ADMIN);
  const b = await r.upload('b', ADMIN, 'CONTEXT');
  await r.acquire(1, [
    { imageId: a, use: 'disk' },
    { imageId: b, use: 'context' },
  ]);
  await r.acquire(2, [{ imageId: a, use: 'disk' }]);
  await r.acquire(3, [{ imageId: b, use: 'context' }]);
  t.same(await r.ask({ type: 'reconcile', live: [2] }), { released: 3 });
  t.match(await r.stored(a), { state: 'USED', runningVms: [2] });
  t.match(await r.stored(b), { state: 'READY', runningVms: [] });

  const { id } = await r.ask({
    type: 'allocate',
    name: 'cut',
    uid: 1,
    gid: 1,
    imageType: 'OS',
    persistent: false,
    description: '',
  });
  await r.ask({ type: 'upload', id, uid: 1, offset: 0, data: randomBytes(10) });
  t.same(await r.ask({ type: 'abandon_uploads' }), { failed: 1 });
  t.match(await r.stored(id), { state: 'ERROR', error: /did not finish/ });
  await t.rejects(r.acquire(4, [{ imageId: id, use: 'disk' }], ALICE), { code: 'IMAGE_NOT_READY', details: { state: 'ERROR' } });
  await t.rejects(r.ask({ type: 'enable', id, enable: true }), { code: 'ACTION_NOT_ALLOWED' }, 'an ERROR image is not made READY by hand');
  t.same(await r.ask({ type: 'delete', id }), { id });
});

t.test('register adopts a file inside the images datastore, once; nothing outside it', async (t) => {
  const r = await rig(t);
  const ds = imagesDatastore(r.dir);
  const path = join(ds, 'saved-disk');
  await writeFile(path, randomBytes(2 * 1024 * 1024 + 1));
  const id = await r.ask({ type: 'register', name: 'saved', uid: 1, gid: 1, imageType: 'OS', path });
  t.equal(typeof id, 'number');
  t.match(await r.stored(id), { name: 'saved', uid: 1, state: 'READY', format: 'raw', sizeMb: 3, source: path, persistent: false });
  t.equal(await r.ask({ type: 'register', name: 'saved', uid: 1, gid: 1, imageType: 'OS', path }), id, 'a retry gets the same image');
  await writeFile(join(ds, 'other'), 'x');
  await t.rejects(r.ask({ type: 'register', name: 'saved', uid: 1, gid: 1, imageType: 'OS', path: join(ds, 'other') }), {
    code: 'NAME_TAKEN',
  });
  await t.rejects(r.ask({ type: 'register', name: 'x', uid: 1, gid: 1, imageType: 'OS', path: join(r.dir, 'db', 'CURRENT') }), {
    code: 'INVALID_ARGUMENT',
    details: { field: 'path' },
  });
  await t.rejects(r.ask({ type: 'register', name: 'x', uid: 1, gid: 1, imageType: 'OS', path: `${ds}/../db/CURRENT` }), {
    code: 'INVALID_ARGUMENT',
    details: { field: 'path' },
  });
  await t.rejects(r.ask({ type: 'register', name: 'x', uid: 1, gid: 1, imageType: 'OS', path: join(ds, 'missing') }), {
    code: 'INVALID_ARGUMENT',
    details: { field: 'path' },
  });
  await t.rejects(r.ask({ type: 'register', name: '../x', uid: 1, gid: 1, imageType: 'OS', path: join(ds, 'other') }), {
    code: 'INVALID_ARGUMENT',
    details: { field: 'name' },
  });
});

t.test('an empty datablock is READY at once; other types take no size', async (t) => {
  const r = await rig(t, '/nonexistent/qemu-img');
  const { id } = await r.ask({
    type: 'allocate',
    name: 'scratch',
    uid: 1,
    gid: 1,
    imageType: 'DATABLOCK',
    persistent: true,
    description: '',
    blank: { sizeMb: 8, format: 'raw' },
  });
  const image = await r.info(id);
  t.match(image, { state: 'READY', format: 'raw', sizeMb: 8, persistent: true });
  t.equal((await stat(image.source)).size, 8 * 1024 * 1024);
  await t.rejects(
    r.ask({
      type: 'allocate',
      name: 'q',
      uid: 1,
      gid: 1,
      imageType: 'DATABLOCK',
      persistent: false,
      description: '',
      blank: { sizeMb: 8, format: 'qcow2' },
    }),
    { code: 'DRIVER_FAILED' },
    'a qcow2 needs qemu-img',
  );
  await t.rejects(
    r.ask({
      type: 'allocate',
      name: 'os',
      uid: 1,
      gid: 1,
      imageType: 'OS',
      persistent: false,
      description: '',
      blank: { sizeMb: 8, format: 'raw' },
    }),
    { code: 'INVALID_ARGUMENT', details: { field: 'size' } },
  );
  t.same(
    (await r.ask({ type: 'list' })).map((i) => i.name),
    ['scratch'],
    'nothing left of the refusals',
  );
});

t.test('records survive a restart of the pool and of the store', async (t) => {
  const dir = t.testdir();
  const open = async () => {
    const store = await Store.open(join(dir, 'db'));
    const system = testSystem(t);
    const pool: ActorRef<ImagePoolMsg> = system.spawn((ctx) => new ImagePool(ctx, { store, dataDir: dir, owners: async () => OWNERS }));
    return { store, system, pool };
  };
  const first = await open();
  const { id } = await first.pool.ask({
    type: 'allocate',
    name: 'a',
    uid: 0,
    gid: 0,
    imageType: 'OS',
    persistent: true,
    description: '',
  });
  await first.pool.ask({ type: 'upload', id, uid: 0, offset: 0, data: randomBytes(100) });
  await first.pool.ask({ type: 'commit', id, uid: 0, size: 100 });
  await first.pool.ask({ type: 'acquire', vmId: 5, refs: [{ imageId: id, use: 'disk' }], session: ADMIN });
  await first.system.shutdown();
  await first.store.close();
  const second = await open();
  t.teardown(() => second.store.close());
  t.match(await second.pool.ask({ type: 'info', id }), { state: 'USED', runningVms: [5], persistent: true });
  await t.rejects(second.pool.ask({ type: 'acquire', vmId: 6, refs: [{ imageId: id, use: 'disk' }], session: ADMIN }), {
    code: 'IMAGE_IN_USE',
  });
});

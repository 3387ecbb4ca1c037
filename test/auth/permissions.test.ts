import fc from 'fast-check';
import t from 'tap';
import {
  DEFAULT_PERMISSIONS,
  PUBLIC_PERMISSIONS,
  applyChmod,
  checkChmod,
  checkChown,
  holds,
  parseOctal,
  permissionString,
  type Owned,
} from '../../src/auth/permissions.js';

const owner = { user: 'alice', uid: 5, gid: 100, admin: false };
const groupmate = { user: 'bob', uid: 6, gid: 100, admin: false };
const stranger = { user: 'carol', uid: 7, gid: 1, admin: false };
const admin = { user: 'oneadmin', uid: 0, gid: 0, admin: true };
const obj = (perms: number): Owned => ({ uid: 5, gid: 100, perms });

t.test('each right, for owner, group and others, as the octal digits say', async (t) => {
  const o = obj(parseOctal('640'));
  t.same(
    [owner, groupmate, stranger].map((s) => (['use', 'manage', 'admin'] as const).map((r) => holds(s, o, r))),
    [
      [true, true, false],
      [true, false, false],
      [false, false, false],
    ],
  );
  t.ok(holds(admin, obj(0), 'admin'), 'administrators hold every right, whatever the bits');
  t.notOk(holds(owner, obj(0), 'use'), 'the owner holds only what the bits give: an owner can lock themselves out');
  t.ok(holds(owner, obj(0o040), 'use'), 'any of the three grants: the owner is in the group too');
  t.ok(holds(stranger, obj(0o004), 'use'), 'other use');
});

t.test("defaults: the owner uses and manages; an administrator's network or image is public", async (t) => {
  t.equal(permissionString(DEFAULT_PERMISSIONS), 'um-------');
  t.equal(permissionString(PUBLIC_PERMISSIONS), 'um----u--');
  t.equal(permissionString(0o777), 'umaumauma');
});

t.test('octal: three digits, an optional leading 0; anything else is refused', async (t) => {
  t.equal(parseOctal('640'), 0o640);
  t.equal(parseOctal('0755'), 0o755);
  for (const bad of ['64', '6400', '800', 'rw-', '', ' 640', '0x1f'])
    t.throws(() => parseOctal(bad), { code: 'INVALID_ARGUMENT' }, JSON.stringify(bad));
});

t.test("chmod's nine values: 1 sets, 0 clears, -1 leaves", async (t) => {
  t.equal(applyChmod(0o600, [-1, -1, -1, 1, -1, -1, 1, -1, -1]), 0o644);
  t.equal(applyChmod(0o777, [0, 0, 0, 0, 0, 0, 0, 0, 0]), 0);
  t.equal(applyChmod(0o640, Array(9).fill(-1)), 0o640);
  t.throws(() => applyChmod(0, [1, 1]), { code: 'INVALID_ARGUMENT' });
  t.throws(() => applyChmod(0, [2, 0, 0, 0, 0, 0, 0, 0, 0]), { code: 'INVALID_ARGUMENT' });
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0o777 }), fc.array(fc.constantFrom(-1, 0, 1), { minLength: 9, maxLength: 9 }), (p, v) => {
      const next = applyChmod(p, v);
      // Bit i (OWNER_U first) is v[i] where set, else the old bit.
      return v.every((x, i) => ((next >> (8 - i)) & 1) === (x === -1 ? (p >> (8 - i)) & 1 : x));
    }),
  );
});

t.test('chmod takes manage, and admin for admin bits', async (t) => {
  t.doesNotThrow(() => checkChmod(owner, obj(0o600), 0o644, 'VM 1'));
  t.throws(() => checkChmod(groupmate, obj(0o640), 0o644, 'VM 1'), { code: 'NOT_AUTHORIZED' }, 'use is not manage');
  t.doesNotThrow(() => checkChmod(groupmate, obj(0o660), 0o664, 'VM 1'), 'group manage');
  t.throws(() => checkChmod(owner, obj(0o600), 0o700, 'VM 1'), { code: 'NOT_AUTHORIZED' }, 'an admin bit needs admin');
  t.doesNotThrow(() => checkChmod(owner, obj(0o700), 0o701, 'VM 1'), 'with admin, admin bits');
  t.doesNotThrow(() => checkChmod(admin, obj(0), 0o777, 'VM 1'));
});

t.test('chown: a new owner by administrators only; a new group by the manager, to their own group', async (t) => {
  t.throws(() => checkChown(owner, obj(0o600), { uid: 6 }, 'VM 1'), { code: 'NOT_AUTHORIZED' });
  t.doesNotThrow(() => checkChown(owner, obj(0o600), { uid: 5, gid: 100 }, 'VM 1'), 'the same owner, to their own group');
  t.throws(() => checkChown(owner, obj(0o600), { gid: 0 }, 'VM 1'), { code: 'NOT_AUTHORIZED' }, 'not to a group they are not in');
  t.throws(() => checkChown(groupmate, obj(0o640), { gid: 100 }, 'VM 1'), { code: 'NOT_AUTHORIZED' }, 'use is not manage');
  t.doesNotThrow(() => checkChown(admin, obj(0), { uid: 9, gid: 7 }, 'VM 1'));
});

t.test("chmod as OpenNebula's: admin bits take the admin right alone, others manage", async (t) => {
  t.doesNotThrow(() => checkChmod(owner, obj(0o100), 0o101, 'VM 1'), 'admin without manage changes an admin bit');
  t.throws(() => checkChmod(owner, obj(0o100), 0o140, 'VM 1'), { code: 'NOT_AUTHORIZED' }, 'but not the other bits');
});

t.test("chown: the object's own group again is no change", async (t) => {
  const moved = { ...owner, gid: 1 };
  t.doesNotThrow(() => checkChown(moved, obj(0o600), { gid: 100 }, 'VM 1'), 'the owner, since moved to group 1');
  t.throws(() => checkChown(moved, obj(0o600), { gid: 7 }, 'VM 1'), { code: 'NOT_AUTHORIZED' });
});

t.test('records without bits read as the rule they were made under', async (t) => {
  const { permsOf, ownedOf, requireRight, NO_GROUP } = await import('../../src/auth/authorize.js');
  t.equal(permsOf({ uid: 5 }, 'VM'), DEFAULT_PERMISSIONS);
  t.equal(permsOf({ uid: 5, gid: 100 }, 'template'), DEFAULT_PERMISSIONS);
  t.equal(permsOf({ uid: 0, gid: 0 }, 'template'), DEFAULT_PERMISSIONS, "an administrator's template is not public");
  t.equal(permsOf({ uid: 5, gid: 100 }, 'network'), DEFAULT_PERMISSIONS);
  t.equal(permsOf({ uid: 0, gid: 1 }, 'network'), PUBLIC_PERMISSIONS, "oneadmin's network is public");
  t.equal(permsOf({ uid: 5, gid: 0 }, 'network'), PUBLIC_PERMISSIONS, 'made in group oneadmin: public');
  t.equal(permsOf({ uid: 0, gid: 0 }, 'image'), PUBLIC_PERMISSIONS);
  t.equal(permsOf({ uid: 0, gid: 0, perms: 0o640 }, 'network'), 0o640, 'bits once set are the bits');
  t.same(ownedOf({ uid: 5 }, 'VM'), { uid: 5, gid: NO_GROUP, perms: DEFAULT_PERMISSIONS }, 'no group: nobody has group rights');
  const vm = ownedOf({ uid: 5, gid: 100, perms: 0o640 }, 'VM');
  t.doesNotThrow(() => requireRight(groupmate, vm, 'use', 'VM', 1));
  t.throws(() => requireRight(groupmate, vm, 'manage', 'VM', 1), { code: 'NOT_AUTHORIZED' }, 'seen, not managed');
  t.throws(() => requireRight(stranger, vm, 'manage', 'VM', 1), { code: 'VM_NOT_FOUND', message: 'no VM 1' }, 'not seen: not found');
});

t.test('names find what the bits share, never by an administrator’s rights alone', async (t) => {
  const { findForUse, findNamed } = await import('../../src/auth/find-named.js');
  const nets = [
    { id: 0, name: 'lan', uid: 5, gid: 100, perms: 0o640 },
    { id: 1, name: 'dmz', uid: 5, gid: 100, perms: 0o600 },
    { id: 2, name: 'lan', uid: 7, gid: 1, perms: 0o604 },
  ];
  t.equal(findForUse(nets, 'lan', groupmate)?.id, 0, "the group's, oldest first");
  t.equal(findForUse(nets, 'lan', stranger)?.id, 2, 'their own first');
  t.equal(findForUse(nets, 'lan', { uid: 9, gid: 1, admin: false })?.id, 2, 'shared with everyone');
  t.equal(findForUse(nets, 'dmz', groupmate), undefined, 'not shared with the group');
  t.equal(findForUse(nets, 'lan', { uid: 6, admin: false })?.id, 2, 'a finder without a group gets no group rights');
  t.equal(findForUse(nets, 'dmz', admin), undefined, 'an administrator finds no private object by name alone');
  t.equal(findNamed(nets, 'dmz', admin, 'network').id, 1, 'the API: an administrator finds the only one');
});

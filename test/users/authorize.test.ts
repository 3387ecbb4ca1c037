import t from 'tap';
import type { Session } from '../../src/auth/session.js';
import { ownedOf, permsOf, requireAdmin, requireRight } from '../../src/auth/authorize.js';
import { holds } from '../../src/auth/permissions.js';

const admin: Session = { user: 'oneadmin', uid: 0, gid: 0, admin: true };
const alice: Session = { user: 'alice', uid: 1, gid: 1, admin: false };
const bob: Session = { user: 'bob', uid: 2, gid: 1, admin: false };

t.test('administrators may do anything; others what the bits of the object give them', async (t) => {
  t.doesNotThrow(() => requireAdmin(admin, 'create users'));
  t.throws(() => requireAdmin(alice, 'create users'), { code: 'NOT_AUTHORIZED' });
  const bobsVm = ownedOf({ uid: 2, gid: 1 }, 'VM');
  t.doesNotThrow(() => requireRight(admin, bobsVm, 'manage', 'VM', 7));
  t.doesNotThrow(() => requireRight(bob, bobsVm, 'manage', 'VM', 7));
  t.throws(
    () => requireRight(alice, bobsVm, 'use', 'VM', 7),
    { code: 'VM_NOT_FOUND', message: 'no VM 7', details: { id: 7 } },
    'what she may not see is hidden as a missing VM',
  );
  const shared = ownedOf({ uid: 2, gid: 1, perms: 0o640 }, 'VM');
  t.doesNotThrow(() => requireRight(alice, shared, 'use', 'VM', 7), 'shared with her group');
  t.throws(() => requireRight(alice, shared, 'manage', 'VM', 7), { code: 'NOT_AUTHORIZED' }, 'seen, not hers to change');
});

t.test("networks and images without bits: the owner's, an administrator's (public), or none", async (t) => {
  const use = (s: Session, r: { uid: number; gid?: number }, kind: 'network' | 'image'): boolean => holds(s, ownedOf(r, kind), 'use');
  for (const kind of ['network', 'image'] as const) {
    t.ok(use(bob, { uid: 0, gid: 0 }, kind), `${kind} created by oneadmin: public`);
    t.ok(use(bob, { uid: 5, gid: 0 }, kind), `${kind} created by a member of oneadmin: public`);
    t.ok(use(alice, { uid: 1, gid: 1 }, kind), `her own ${kind}`);
    t.notOk(use(bob, { uid: 1, gid: 1 }, kind), `another user's private ${kind}`);
    t.ok(use(admin, { uid: 1, gid: 1 }, kind), `administrators use any ${kind}`);
  }
  t.equal(permsOf({ uid: 0, gid: 0 }, 'VM'), 0o600, "an administrator's VM is not public");
  t.throws(() => requireRight(bob, ownedOf({ uid: 1, gid: 1 }, 'network'), 'use', 'network', 3), {
    code: 'NETWORK_NOT_FOUND',
    message: 'no network 3',
    details: { network: 3 },
  });
});

t.test("names: a template's name finds the caller's own, then a public one, never another's private one", async (t) => {
  const { findById, findForUse, findNamed } = await import('../../src/auth/find-named.js');
  const { isPublicNetwork } = await import('../../src/auth/authorize.js');
  const nets = [
    { id: 0, name: 'pub', uid: 1, gid: 1 }, // alice's, made first
    { id: 1, name: 'pub', uid: 0, gid: 0 }, // oneadmin's
    { id: 2, name: 'pub', uid: 5, gid: 0 }, // another administrator's, also public
    { id: 3, name: 'solo', uid: 2, gid: 1 }, // bob's
    { id: 4, name: 'twice', uid: 1, gid: 1 },
    { id: 5, name: 'twice', uid: 2, gid: 1 },
  ];
  const use = (who: Session, name: string, owner?: number) =>
    findForUse(nets, name, who, { isPublic: isPublicNetwork, ...(owner === undefined ? {} : { owner }) })?.id;
  t.equal(use(admin, 'pub'), 1, "the administrator's own");
  t.equal(use(alice, 'pub'), 0, "alice's own");
  t.equal(use(bob, 'pub'), 1, "bob has none: the public one, oneadmin's first");
  t.equal(use(alice, 'solo'), undefined, "never another user's private one");
  t.equal(use(admin, 'solo'), undefined, 'not even for an administrator, by name alone');
  t.equal(use(admin, 'solo', 2), 3, 'with its owner named');
  t.equal(use(alice, 'solo', 2), undefined, 'which the caller must still be allowed to use');
  t.equal(use(alice, 'pub', 5), 2, 'a public one of a named owner');
  t.equal(findNamed(nets, 'solo', admin, 'network', isPublicNetwork).id, 3, 'the API: an administrator finds the only other one');
  t.throws(() => findNamed(nets, 'twice', admin, 'network', isPublicNetwork), { code: 'INVALID_ARGUMENT' }, 'two users have one');
  t.throws(() => findNamed(nets, 'solo', alice, 'network', isPublicNetwork), { code: 'NETWORK_NOT_FOUND', message: 'no network solo' });
  t.throws(() => findById(nets[3], 3, alice, 'network', isPublicNetwork), {
    code: 'NETWORK_NOT_FOUND',
    message: 'no network 3',
    details: { network: 3 },
  });
  t.throws(
    () => findById(undefined, 3, alice, 'network', isPublicNetwork),
    { code: 'NETWORK_NOT_FOUND', message: 'no network 3', details: { network: 3 } },
    'as a missing one',
  );
  t.equal(findById(nets[1], 1, bob, 'network', isPublicNetwork).id, 1);
  t.throws(() => findNamed(nets, 'twice', admin, 'image'), { message: /an image named twice/ });
});

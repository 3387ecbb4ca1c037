import t from 'tap';
import type { Session } from '../../src/api/api-server.js';
import { canAccess, canUseNetwork, requireAdmin, requireNetworkUse, requireOwner, visibleTo } from '../../src/auth/authorize.js';

const admin: Session = { user: 'oneadmin', uid: 0, gid: 0, admin: true };
const alice: Session = { user: 'alice', uid: 1, gid: 1, admin: false };
const bob: Session = { user: 'bob', uid: 2, gid: 1, admin: false };

t.test('administrators may do anything; others only with what they own', async (t) => {
  t.doesNotThrow(() => requireAdmin(admin, 'create users'));
  t.throws(() => requireAdmin(alice, 'create users'), { code: 'NOT_AUTHORIZED' });
  t.ok(canAccess(admin, 2));
  t.ok(canAccess(alice, 1));
  t.notOk(canAccess(alice, 2));
  t.throws(() => requireOwner(alice, 2, 'VM 7'), { code: 'VM_NOT_FOUND', message: 'no VM 7', details: { id: 7 } }, 'hidden as a missing VM');
  const records = [{ uid: 0, id: 'a' }, { uid: 1, id: 'b' }, { uid: 2, id: 'c' }];
  t.same(visibleTo(admin, records).map((r) => r.id), ['a', 'b', 'c']);
  t.same(visibleTo(alice, records).map((r) => r.id), ['b']);
});

t.test('networks: the owner\'s, an administrator\'s (public), or none', async (t) => {
  t.ok(canUseNetwork(bob, { uid: 0 }), 'created by oneadmin: public');
  t.ok(canUseNetwork(bob, { uid: 5, gid: 0 }), 'created by a member of oneadmin: public');
  t.ok(canUseNetwork(alice, { uid: 1, gid: 1 }), 'her own');
  t.notOk(canUseNetwork(bob, { uid: 1, gid: 1 }), 'another user\'s private network');
  t.ok(canUseNetwork(admin, { uid: 1, gid: 1 }), 'administrators use any');
  t.throws(() => requireNetworkUse(bob, { uid: 1, gid: 1 }, 3), { code: 'NETWORK_NOT_FOUND', message: 'no network 3', details: { network: 3 } });
});

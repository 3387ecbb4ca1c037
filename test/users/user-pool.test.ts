import { join } from 'node:path';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import type { ActorRef } from '../../src/actors/index.js';
import type { Authenticated } from '../../src/auth/session.js';
import { readAuthFile } from '../../src/auth/auth-file.js';
import { LoginThrottle } from '../../src/auth/login-throttle.js';
import { Store } from '../../src/store/index.js';
import { ensureOneadmin } from '../../src/users/bootstrap.js';
import { currentSession } from '../../src/users/session.js';
import { UserDirectory } from '../../src/users/user-directory.js';
import { UserPool, type UserPoolMsg } from '../../src/users/user-pool.js';
import { fakeTimeSystem } from '../fixtures/system.js';

/** A user pool on a real store, with a FakeClock for the throttle and a settable wall clock for tokens. */
async function rig(t: Test) {
  const dir = t.testdir();
  const store = await Store.open(join(dir, 'db'));
  t.teardown(() => store.close());
  const authFile = await ensureOneadmin(store, dir, pino({ level: 'silent' }));
  const { system, clock } = fakeTimeSystem(t);
  let wall = 1_700_000_000_000;
  const pool: ActorRef<UserPoolMsg> = system.spawn(
    (ctx) =>
      new UserPool(ctx, {
        store,
        throttle: new LoginThrottle(clock),
        now: () => wall,
      }),
  );
  const auth = (user: string, secret: string): Promise<Authenticated> =>
    pool.ask({ type: 'authenticate', user, secret }, { timeoutMs: 30_000 });
  return {
    store,
    pool,
    clock,
    auth,
    authFile,
    setWall: (ms: number) => {
      wall = ms;
    },
    wall: () => wall,
  };
}

t.test('oneadmin and the two groups exist from the first start; oneadmin is an administrator', async (t) => {
  const r = await rig(t);
  const creds = await readAuthFile(r.authFile);
  const { session, expires } = await r.auth('oneadmin', creds.password);
  t.same(session, { user: 'oneadmin', uid: 0, gid: 0, admin: true });
  t.equal(expires, undefined, 'a password session does not expire');
  t.same(
    (await r.pool.ask({ type: 'groups' })).map((g) => g.name),
    ['oneadmin', 'users'],
  );
});

t.test('create, duplicate, passwd, enable/disable, chgrp, delete', async (t) => {
  const r = await rig(t);
  const { id } = await r.pool.ask({ type: 'allocate', name: 'alice', password: 'wonder land', gid: 1 }, { timeoutMs: 30_000 });
  t.equal(id, 1);
  t.same((await r.auth('alice', 'wonder land')).session, { user: 'alice', uid: 1, gid: 1, admin: false });
  await t.rejects(r.pool.ask({ type: 'allocate', name: 'alice', password: 'x', gid: 1 }), { code: 'NAME_TAKEN' });
  await t.rejects(r.pool.ask({ type: 'allocate', name: 'bob', password: 'x', gid: 7 }), { code: 'GROUP_NOT_FOUND' });
  await t.rejects(r.pool.ask({ type: 'allocate', name: 'bob', password: 'ntk.looks-like-a-token', gid: 1 }), { code: 'INVALID_ARGUMENT' });

  const stored = await r.store.get('users', id);
  t.notOk(Buffer.from(JSON.stringify(stored)).includes('wonder land'), 'the password is not stored');

  await r.pool.ask({ type: 'passwd', id, password: 'new one' }, { timeoutMs: 30_000 });
  await t.rejects(r.auth('alice', 'wonder land'), { code: 'AUTH_FAILED' });
  t.equal((await r.auth('alice', 'new one')).session.uid, id);

  await r.pool.ask({ type: 'enable', id, enabled: false });
  await t.rejects(r.auth('alice', 'new one'), { code: 'AUTH_FAILED' }, 'a disabled user cannot log in');
  await r.pool.ask({ type: 'enable', id, enabled: true });

  const moved = await r.pool.ask({ type: 'chgrp', id, gid: 0 });
  t.equal(moved.group, 'oneadmin');
  t.equal((await r.auth('alice', 'new one')).session.admin, true, 'members of oneadmin are administrators');

  await t.rejects(r.pool.ask({ type: 'delete', id: 0 }), { code: 'NOT_AUTHORIZED' });
  await t.rejects(r.pool.ask({ type: 'enable', id: 0, enabled: false }), { code: 'NOT_AUTHORIZED' });
  await t.rejects(r.pool.ask({ type: 'chgrp', id: 0, gid: 1 }), { code: 'NOT_AUTHORIZED' });
  await r.pool.ask({ type: 'delete', id });
  await t.rejects(r.pool.ask({ type: 'info', user: 'alice' }), { code: 'USER_NOT_FOUND' });
  await t.rejects(r.auth('alice', 'new one'), { code: 'AUTH_FAILED' });
});

t.test('a login token works until it expires, is stored only as a hash, and is revoked by passwd and --time 0', async (t) => {
  const r = await rig(t);
  const { id } = await r.pool.ask({ type: 'allocate', name: 'carol', password: 'pw', gid: 1 }, { timeoutMs: 30_000 });
  const { token, expires } = await r.pool.ask({ type: 'login', id, seconds: 60 });
  t.match(token, /^ntk\.[A-Za-z0-9_-]{43}$/);
  t.equal(expires, r.wall() + 60_000);
  const raw = await r.store.get('users', id);
  t.equal(raw?.tokens.length, 1);
  t.notOk(JSON.stringify(raw).includes(token.slice(4)), 'the token itself is not stored');

  const byToken = await r.auth('carol', token);
  t.equal(byToken.expires, expires);
  t.equal((await currentSession(new UserDirectory(r.store), byToken, r.wall())).uid, id, 'a live token session passes the per-call check');
  await t.rejects(r.auth('carol', `${token}x`), { code: 'AUTH_FAILED' });
  await t.rejects(r.auth('oneadmin', token), { code: 'AUTH_FAILED' }, 'a token is only good for its user');

  r.setWall(expires);
  await t.rejects(r.auth('carol', token), { code: 'AUTH_FAILED' }, 'an expired token is refused');
  await t.rejects(
    currentSession(new UserDirectory(r.store), byToken, r.wall()),
    { code: 'AUTH_FAILED' },
    'and so are calls on a connection made with it',
  );
  t.equal((await r.pool.ask({ type: 'info', user: id })).tokens, 0);

  const second = await r.pool.ask({ type: 'login', id, seconds: 60 });
  t.ok(await r.auth('carol', second.token));
  await r.pool.ask({ type: 'login', id, seconds: 0 });
  await t.rejects(r.auth('carol', second.token), { code: 'AUTH_FAILED' }, '--time 0 revokes');
  const third = await r.pool.ask({ type: 'login', id, seconds: 60 });
  await r.pool.ask({ type: 'passwd', id, password: 'pw2' }, { timeoutMs: 30_000 });
  await t.rejects(r.auth('carol', third.token), { code: 'AUTH_FAILED' }, 'a new password ends the tokens');
});

t.test('failed logins are throttled per user, even for the right password, until the lock ends', async (t) => {
  const r = await rig(t);
  await r.pool.ask({ type: 'allocate', name: 'dave', password: 'right', gid: 1 }, { timeoutMs: 30_000 });
  await r.pool.ask({ type: 'allocate', name: 'erin', password: 'right', gid: 1 }, { timeoutMs: 30_000 });
  for (let i = 0; i < 5; i++) await t.rejects(r.auth('dave', `wrong-${i}`), { code: 'AUTH_FAILED' });
  await t.rejects(r.auth('dave', 'right'), { code: 'AUTH_FAILED', message: /too many failed logins/ });
  t.ok(await r.auth('erin', 'right'), 'another user is not affected');
  await r.clock.advance(30_000);
  t.equal((await r.auth('dave', 'right')).session.user, 'dave', 'the lock ends');
});

t.test('the per-call check follows the user: deleted or disabled ends the session, a new group changes it', async (t) => {
  const r = await rig(t);
  const { id } = await r.pool.ask({ type: 'allocate', name: 'frank', password: 'pw', gid: 1 }, { timeoutMs: 30_000 });
  const a = await r.auth('frank', 'pw');
  await r.pool.ask({ type: 'chgrp', id, gid: 0 });
  t.same(await currentSession(new UserDirectory(r.store), a, r.wall()), { user: 'frank', uid: id, gid: 0, admin: true });
  await r.pool.ask({ type: 'enable', id, enabled: false });
  await t.rejects(currentSession(new UserDirectory(r.store), a, r.wall()), { code: 'AUTH_FAILED' });
  await r.pool.ask({ type: 'delete', id });
  await t.rejects(currentSession(new UserDirectory(r.store), a, r.wall()), { code: 'AUTH_FAILED' });
});

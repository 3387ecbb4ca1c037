import t from 'tap';
import type { Authenticated } from '../../src/auth/session.js';
import { NepheleError } from '../../src/errors.js';
import { SessionCache } from '../../src/api/transports/xmlrpc/session-cache.js';

const auth = (uid: number, expires?: number): Authenticated => ({
  session: { user: `u${uid}`, uid, gid: 1, admin: false },
  expires,
  credential: new Uint8Array([uid]),
});

t.test('a verified session string is kept by its hash, for the TTL', async (t) => {
  let now = 1000;
  const cache = new SessionCache({ size: 4, ttlMs: 100, now: () => now });
  let logins = 0;
  const login = async (): Promise<Authenticated> => {
    logins++;
    return auth(1);
  };
  const key = SessionCache.keyOf('alice:s3cret');
  t.notMatch(key, /alice|s3cret/, 'the key is a digest, not the string');
  t.equal(key, SessionCache.keyOf('alice:s3cret'));
  t.not(key, SessionCache.keyOf('alice:s3cret2'));
  t.same(await cache.get(key, login), { auth: auth(1), cached: false });
  t.equal((await cache.get(key, login)).cached, true);
  t.equal(logins, 1, 'the second call skips the check');
  now += 100;
  t.equal((await cache.get(key, login)).cached, false, 'past its TTL it is checked again');
  t.equal(logins, 2);
});

t.test('a token is not kept past its expiry; a failed login is not kept', async (t) => {
  let now = 0;
  const cache = new SessionCache({ size: 4, ttlMs: 1000, now: () => now });
  await cache.get('k', async () => auth(1, 50));
  now = 50;
  t.equal((await cache.get('k', async () => auth(1, 5000))).cached, false);
  await t.rejects(
    cache.get('bad', async () => Promise.reject(new NepheleError('AUTH_FAILED', 'no'))),
    { code: 'AUTH_FAILED' },
  );
  t.equal(cache.size, 1);
});

t.test("a burst of one string's first calls shares one login", async (t) => {
  const cache = new SessionCache({ size: 4, ttlMs: 1000 });
  let logins = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const login = async (): Promise<Authenticated> => {
    logins++;
    await gate;
    return auth(1);
  };
  const all = Promise.all(Array.from({ length: 20 }, () => cache.get('k', login)));
  release();
  t.equal((await all).length, 20);
  t.equal(logins, 1);
});

t.test('bounded: the least recently used goes first, and stops being watched', async (t) => {
  const watching = new Set<number>();
  const cache = new SessionCache({
    size: 2,
    ttlMs: 1000,
    watch: (a) => {
      watching.add(a.session.uid);
      return () => watching.delete(a.session.uid);
    },
  });
  await cache.get('a', async () => auth(1));
  await cache.get('b', async () => auth(2));
  await cache.get('a', async () => auth(9));
  await cache.get('c', async () => auth(3));
  t.equal(cache.size, 2);
  t.same([...watching].sort(), [1, 3], '"b", the least recently used, went');
  t.equal((await cache.get('a', async () => auth(9))).auth.session.uid, 1);
});

t.test("oned's drop forgets the entry; a drop for an older login of the key leaves the newer one", async (t) => {
  const drops = new Map<number, () => void>();
  const cache = new SessionCache({
    size: 4,
    ttlMs: 1000,
    watch: (a, drop) => {
      drops.set(a.session.uid, drop);
      return () => undefined;
    },
  });
  const first = (await cache.get('k', async () => auth(1))).auth;
  drops.get(1)?.();
  t.equal(cache.size, 0, 'dropped when its login stopped holding');
  await cache.get('k', async () => auth(2));
  cache.drop('k', first);
  drops.get(1)?.();
  t.equal(cache.size, 1, 'the newer login is kept');
  cache.clear();
  t.equal(cache.size, 0);
});

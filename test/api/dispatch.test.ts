import t from 'tap';
import pino from 'pino';
import { ApiCore, type Caller } from '../../src/api/dispatch.js';
import { DEFAULT_API_LIMITS } from '../../src/api/api-limits.js';
import type { ApiHandlers } from '../../src/api/registry.js';
import type { Authenticated, Session } from '../../src/auth/session.js';
import { NepheleError, type ErrorCode } from '../../src/errors.js';

// The core with no transport at all: what any door (socket.io, XML-RPC, HTTP) gets by calling it.

const alice: Session = { user: 'alice', uid: 2, gid: 1, admin: false };
const login = (session: Session): Authenticated => ({ session, expires: undefined, credential: new Uint8Array([1]) });

function caller(session: Session = alice): Caller & { ended: ErrorCode[]; paused: number; resumed: number } {
  const c = {
    auth: login(session),
    address: '192.0.2.1',
    inFlight: 0,
    admin: session.admin,
    refused: 0,
    refusedSince: Date.now(),
    ended: [] as ErrorCode[],
    paused: 0,
    resumed: 0,
    end(err: NepheleError) {
      c.ended.push(err.code);
    },
    pause() {
      c.paused++;
    },
    resume() {
      c.resumed++;
    },
  };
  return c;
}

interface Fixture {
  core: ApiCore;
  /** Users whose logins no longer hold. */
  revoked: Set<string>;
  seen: { method: string; params: unknown; session: Session }[];
  /** Resolves the calls held by `vm.info`. */
  unblock: () => void;
}

function fixture(limits: Partial<typeof DEFAULT_API_LIMITS> = {}): Fixture {
  const revoked = new Set<string>();
  const seen: Fixture['seen'] = [];
  let unblock = (): void => undefined;
  const blocked = new Promise<void>((resolve) => {
    unblock = resolve;
  });
  const handlers = {
    'system.version': (params: unknown, session: Session) => {
      seen.push({ method: 'system.version', params, session });
      return { version: 'test', protocol: 1 };
    },
    'vm.info': async () => {
      await blocked;
      return { id: 1 };
    },
    'user.passwd': (params: { user: string }) => {
      revoked.add(params.user);
      return { id: 3 };
    },
    'userpool.info': () => {
      throw new TypeError('a bug');
    },
  } as unknown as ApiHandlers;
  const core = new ApiCore({
    handlers,
    log: pino({ level: 'silent' }),
    limits: { ...DEFAULT_API_LIMITS, ...limits },
    authenticate: async (user, secret) => {
      if (user === 'alice' && secret === 'pw') return login(alice);
      throw new NepheleError('AUTH_FAILED', 'wrong user name or password');
    },
    checkSession: async (auth) => {
      if (revoked.has(auth.session.user)) throw new NepheleError('AUTH_FAILED', 'the password changed');
      return { ...auth.session, admin: auth.session.user === 'oneadmin' };
    },
  });
  return { core, revoked, seen, unblock: () => unblock() };
}

const call =
  (method: unknown, params: unknown = {}) =>
  () => ({ method, params });

t.test('login: the gate checks credentials; malformed or over-long ones are refused before any check', async (t) => {
  const { core } = fixture({ userNameChars: 8 });
  t.match(await core.login('192.0.2.1', 'alice', 'pw'), { session: { uid: 2 } });
  await t.rejects(core.login('192.0.2.1', 'alice', 'nope'), { code: 'AUTH_FAILED' });
  await t.rejects(core.login('192.0.2.1', 42, 'pw'), { code: 'AUTH_FAILED', message: /credentials required/ });
  await t.rejects(core.login('192.0.2.1', 'a-very-long-name', 'pw'), { code: 'AUTH_FAILED' });
  t.equal(core.stats.logins.running, 0, 'no check left running');
});

t.test('a call: validated, run with the session as it stands now, its errors coded', async (t) => {
  const { core, seen } = fixture();
  const c = caller();
  t.same(await core.handle(c, call('system.version')), { ok: true, value: { version: 'test', protocol: 1 } });
  t.same(seen[0]?.session, alice, 'the handler gets the re-checked session');
  t.match(await core.handle(c, call('no.such')), { ok: false, error: { code: 'UNKNOWN_MESSAGE' } });
  t.match(await core.handle(c, call('vm.info', { id: 'x' })), { ok: false, error: { code: 'INVALID_ARGUMENT' } });
  t.match(
    await core.handle(c, () => {
      throw new NepheleError('BAD_FRAME', 'not msgpack');
    }),
    { ok: false, error: { code: 'BAD_FRAME' } },
    "the transport's decoding errors are replies too",
  );
  t.same(
    await core.handle(c, call('userpool.info')),
    { ok: false, error: { code: 'ACTOR_FAILED', message: 'internal error; see oned log' } },
    'a bug is not told',
  );
  t.equal(c.inFlight, 0, 'every place given back');
  t.same(c.ended, []);
});

t.test('dispatch alone validates too: a door with sessions of its own cannot skip it', async (t) => {
  const { core } = fixture();
  await t.rejects(core.dispatch('vm.info', { id: -1 }, alice), { code: 'INVALID_ARGUMENT' });
  t.same(await core.dispatch('system.version', {}, alice), { version: 'test', protocol: 1 });
});

t.test("admission: over the connection's limit a call is refused and the caller paused; one that keeps on is ended", async (t) => {
  const { core, unblock } = fixture({ callsPerConnection: 2, refusalsBeforeDrop: 3 });
  const c = caller();
  const held = [core.handle(c, call('vm.info', { id: 1 })), core.handle(c, call('vm.info', { id: 1 }))];
  t.equal(c.inFlight, 2);
  t.equal(core.stats.calls, 2);
  for (let i = 0; i < 3; i++)
    t.match(await core.handle(c, call('system.version')), { ok: false, error: { code: 'TOO_BUSY', details: { scope: 'connection' } } });
  t.equal(c.paused, 3, 'paused at each refusal');
  t.same(c.ended, []);
  await core.handle(c, call('system.version'));
  t.same(c.ended, ['TOO_BUSY'], 'ended after refusalsBeforeDrop refusals');
  unblock();
  t.same(await Promise.all(held), [
    { ok: true, value: { id: 1 } },
    { ok: true, value: { id: 1 } },
  ]);
  t.ok(c.resumed > 0, 'resumed once it has room');
  t.equal(core.stats.calls, 0);
});

t.test('a call that revokes logins ends every attached caller whose login no longer holds', async (t) => {
  const { core } = fixture();
  const admin = caller({ user: 'oneadmin', uid: 0, gid: 0, admin: true });
  const other = caller();
  const detach = core.attach(other);
  core.attach(admin);
  t.equal(core.stats.connections, 2);
  t.match(await core.handle(admin, call('user.passwd', { user: 'alice', password: 'new-secret' })), { ok: true });
  await new Promise((resolve) => setImmediate(resolve));
  t.same(other.ended, ['AUTH_FAILED'], 'alice is ended at once, not at her next call');
  t.same(admin.ended, []);
  t.match(
    await core.handle(other, call('system.version')),
    { ok: false, error: { code: 'AUTH_FAILED' } },
    'and a late call of hers is refused',
  );
  detach();
  t.equal(core.stats.connections, 1);
});

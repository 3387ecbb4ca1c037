import t from 'tap';
import type { ActorRef } from '../../src/actors/index.js';
import type { HostPoolMsg } from '../../src/hosts/host-pool.js';
import { hashToken } from '../../src/hosts/host-record.js';
import { HOST_POOL } from '../../src/hosts/host-subtree.js';
import { startCloud } from '../fixtures/cloud.js';

// A host's record has one writer, its actor, and its token's hash never leaves it.

t.test("the host actor gives what others need of a host, never its token's hash", async (t) => {
  const cloud = await startCloud(t);
  const { id, token } = await cloud.addHost('node1');
  await cloud.waitState(id, 'MONITORED');
  const pool = cloud.oned.system.lookup<HostPoolMsg>(HOST_POOL) as ActorRef<HostPoolMsg>;
  const host = await pool.ask({ type: 'get', host: id });
  const access = await host.ask({ type: 'access' });
  t.match(access, { id, name: 'node1', vm: 'dummy', im: 'dummy', admin: 'enabled' });
  t.notOk('tokenHash' in access, 'no hash of the token');
  t.equal(await host.ask({ type: 'verify', token }), true, 'tokens are checked inside the actor');
  t.equal(await host.ask({ type: 'verify', token: `${token}x` }), false);
});

t.test('rotate_token: the pool asks the host actor, which writes the new hash', async (t) => {
  const cloud = await startCloud(t);
  const { id, token: old } = await cloud.client.call('host.allocate', { name: 'node1', im: 'dummy', vm: 'dummy' });
  const pool = cloud.oned.system.lookup<HostPoolMsg>(HOST_POOL) as ActorRef<HostPoolMsg>;
  const before = await pool.ask({ type: 'get', host: id });
  const { token } = await pool.ask({ type: 'rotate_token', host: 'node1' });
  t.not(token, old);
  const stored = await cloud.oned.store.get('hosts', id);
  t.same(Buffer.from(stored?.tokenHash ?? []), Buffer.from(hashToken(token)), 'the new hash is in the store');
  const after = await pool.ask({ type: 'get', host: id });
  t.not(after, before, 'the host actor restarted: an agent with the old token loses its link');
  t.equal(await after.ask({ type: 'verify', token }), true);
  t.equal(await after.ask({ type: 'verify', token: old ?? '' }), false, 'the old token no longer opens the host');
  t.match(await after.ask({ type: 'access' }), { id, name: 'node1', admin: 'enabled' }, 'the rest of the record is kept');
});

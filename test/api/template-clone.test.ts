/**
 * `template.clone` through oned's API, as OpenNebula's one.template.clone
 * (VMTemplateClone): a copy of a template the caller may use, owned by
 * the caller, its NAME the new name; unique among the caller's templates
 * (NAME_TAKEN); another user's private template not found; `recursive`
 * refused; the copy stands on its own and outlives a restart.
 */
import t from 'tap';
import { ApiClient } from '../../src/cli/api-client.js';
import { adminClient, onedOn } from '../fixtures/cloud.js';

const TEMPLATE = '# the web tier\nNAME = web\nCPU = 0.1\nMEMORY = 64\nLABELS = [ TEAM = web ]\n';

t.test('a copy owned by the caller; names; rights; recursive; on disk', async (t) => {
  const start = onedOn(t.testdir());
  const first = await start();
  const admin = await adminClient(first);
  for (const name of ['alice', 'bob']) await admin.call('user.allocate', { name, password: `${name}-pw` });
  const alice = await ApiClient.connect({ url: first.url, user: 'alice', password: 'alice-pw' });
  const bob = await ApiClient.connect({ url: first.url, user: 'bob', password: 'bob-pw' });

  const { id: src } = await alice.call('template.allocate', { template: TEMPLATE });
  const { id } = await alice.call('template.clone', { id: src, name: 'web copy' });
  t.not(id, src);
  const copy = await alice.call('template.info', { id });
  t.match(copy, { id, name: 'web copy', user: 'alice', group: 'users', permissions: 0o600 });
  t.equal(
    copy.template,
    'NAME = "web copy"\nCPU = 0.1\nMEMORY = 64\nLABELS = [\n  TEAM = web ]\n',
    "NAME is the copy's (the text written anew)",
  );
  const { id: vm } = await alice.call('template.instantiate', { id: 'web copy', hold: true });
  t.match(await alice.call('vm.info', { id: vm }), { name: 'web copy', cpu: 0.1, memory: 64 }, 'an instance of the copy');
  await alice.call('template.update', { id, template: 'NAME = "web copy"\nCPU = 0.2\nMEMORY = 64\n' });
  t.equal((await alice.call('template.info', { id: src })).template, TEMPLATE, 'the source is its own');

  const { id: nameless } = await alice.call('template.allocate', { template: 'CPU = 0.1\nMEMORY = 32\n' });
  const { id: named } = await alice.call('template.clone', { id: nameless, name: 'named' });
  t.equal(
    (await alice.call('template.info', { id: named })).template,
    'NAME = named\nCPU = 0.1\nMEMORY = 32\n',
    'a source without NAME gets one, first',
  );

  await t.rejects(alice.call('template.clone', { id: src, name: 'web copy' }), { code: 'NAME_TAKEN', details: { name: 'web copy' } });
  await t.rejects(alice.call('template.clone', { id: src, name: 'web' }), { code: 'NAME_TAKEN' }, "the source's own name");
  for (const name of ['', 'a\nb', 'x'.repeat(129)]) {
    await t.rejects(alice.call('template.clone', { id: src, name }), { code: 'INVALID_ARGUMENT', details: { field: 'name' } });
  }
  await t.rejects(
    alice.call('template.clone', { id: src, name: 'deep', recursive: true }),
    { code: 'INVALID_ARGUMENT', details: { field: 'recursive' } },
    'recursive (the images too) is not supported',
  );

  // Rights: a private template of another user is not found; one shared for use is cloned, into the caller's own.
  await t.rejects(bob.call('template.clone', { id: src, name: 'mine' }), { code: 'TEMPLATE_NOT_FOUND', message: `no template ${src}` });
  await t.rejects(bob.call('template.clone', { id: 9999, name: 'mine' }), { code: 'TEMPLATE_NOT_FOUND', message: 'no template 9999' });
  await alice.call('template.chmod', { id: src, octet: '604' });
  const { id: bobs } = await bob.call('template.clone', { id: src, name: 'web' });
  t.match(await bob.call('template.info', { id: bobs }), { name: 'web', user: 'bob', permissions: 0o600 }, "a name free among bob's own");
  const { id: byName } = await admin.call('template.clone', { id: 'web copy', name: 'web' });
  t.match(await admin.call('template.info', { id: byName }), { user: 'oneadmin', name: 'web' }, 'by name, for an administrator too');
  alice.close();
  bob.close();
  admin.close();
  await first.close();

  const second = await start();
  t.teardown(() => second.close());
  const c = await adminClient(second);
  t.teardown(() => c.close());
  t.match(await c.call('template.info', { id: bobs }), { name: 'web', user: 'bob' }, 'after a restart');
});

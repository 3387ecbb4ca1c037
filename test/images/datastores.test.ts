import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { imagesDatastore, newImageSource, requireInDatastore, systemDatastore } from '../../src/images/datastores.js';
import { checkImageName, imageNameProblem } from '../../src/images/image-name.js';

t.test('the datastores sit under the data directory as OpenNebula numbers them', async (t) => {
  t.equal(imagesDatastore('/var/lib/nephele'), '/var/lib/nephele/datastores/1');
  t.equal(systemDatastore('/var/lib/nephele'), '/var/lib/nephele/datastores/0');
  t.match(newImageSource('/d'), /^\/d\/datastores\/1\/[0-9a-f]{32}$/);
  t.not(newImageSource('/d'), newImageSource('/d'), 'random names');
});

t.test('a path must stay inside its datastore: no .., no relative path, no symbolic link out', async (t) => {
  const dir = t.testdir();
  const ds = imagesDatastore(dir);
  const outside = join(dir, 'outside');
  await mkdir(ds, { recursive: true });
  await mkdir(outside);
  await writeFile(join(ds, 'disk'), 'x');
  await writeFile(join(outside, 'secret'), 'x');
  await symlink(join(outside, 'secret'), join(ds, 'link-out'));
  await symlink(outside, join(ds, 'dir-out'));
  await symlink(join(outside, 'nothing-yet'), join(ds, 'dangling'));
  await symlink(join(ds, 'disk'), join(ds, 'link-in'));

  t.equal(await requireInDatastore(ds, join(ds, 'disk')), join(ds, 'disk'));
  t.equal(await requireInDatastore(ds, join(ds, 'not-yet')), join(ds, 'not-yet'), 'a file still to be written');
  t.equal(await requireInDatastore(ds, join(ds, 'link-in')), join(ds, 'link-in'), 'a link that stays inside');
  const refused = { code: 'INVALID_ARGUMENT', details: { field: 'path' } };
  await t.rejects(requireInDatastore(ds, `${ds}/../outside/secret`), refused, '..');
  await t.rejects(requireInDatastore(ds, `${ds}/a/../disk`), refused, '.. even when it resolves inside');
  await t.rejects(requireInDatastore(ds, 'datastores/1/disk'), refused, 'relative');
  await t.rejects(requireInDatastore(ds, join(outside, 'secret')), refused, 'outside');
  await t.rejects(requireInDatastore(ds, ds), refused, 'the datastore itself');
  await t.rejects(requireInDatastore(ds, `${ds}-evil/disk`), refused, 'a sibling with the same prefix');
  await t.rejects(requireInDatastore(ds, join(ds, 'link-out')), refused, 'a symbolic link out');
  await t.rejects(requireInDatastore(ds, join(ds, 'dir-out', 'secret')), refused, 'through a linked directory');
  await t.rejects(requireInDatastore(ds, join(ds, 'dir-out', 'new-file')), refused, 'a new file under a linked directory');
  await t.rejects(requireInDatastore(ds, join(ds, 'dangling')), refused, 'a dangling link');
  await t.rejects(
    requireInDatastore(ds, join(outside, 'secret'), 'SAVE_AS'),
    { code: 'INVALID_ARGUMENT', details: { field: 'SAVE_AS' } },
    'the field named',
  );
});

t.test('image names: no paths, no shell metacharacters, no control characters, no leading dash', async (t) => {
  for (const good of ['ttylinux', 'Ubuntu 22.04', 'db_1-a+b', 'débian', 'x'.repeat(128), 'a:b@c,d=e']) {
    t.equal(imageNameProblem(good), undefined, good);
  }
  for (const bad of [
    '',
    '../x',
    'a/b',
    '..',
    'a..b',
    'a;rm -rf',
    'a&b',
    'a|b',
    '$(id)',
    '`id`',
    'a>b',
    'a<b',
    'a*',
    'a?',
    "a'b",
    'a"b',
    'a\\b',
    'a\nb',
    'a\tb',
    'a\0b',
    '-rf',
    'x'.repeat(129),
    ' a',
    'a ',
    '{a}',
    '[a]',
    '!a',
    '~a',
  ]) {
    t.not(imageNameProblem(bad), undefined, JSON.stringify(bad));
  }
  t.throws(() => checkImageName('a;rm -rf'), { code: 'INVALID_ARGUMENT', details: { field: 'name' } });
  t.throws(() => checkImageName('../x', 'SAVE_AS', 'INVALID_TEMPLATE'), { code: 'INVALID_TEMPLATE', details: { attribute: 'SAVE_AS' } });
});

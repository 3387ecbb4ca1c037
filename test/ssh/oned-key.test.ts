import { readFile, stat, writeFile } from 'node:fs/promises';
import t from 'tap';
import { ensureOnedKey, generateUsableKey, isUsablePrivateKey } from '../../src/ssh/oned-key.js';
import { shellCommand } from '../../src/ssh/shell-quote.js';

t.test('oned makes its key once, mode 0600, and replaces one ssh2 cannot read', async (t) => {
  const dir = t.testdir();
  const first = await ensureOnedKey(dir);
  t.ok(isUsablePrivateKey(await readFile(first.privateKeyFile, 'utf8')), 'the private key is usable');
  t.equal((await stat(first.privateKeyFile)).mode & 0o777, 0o600, 'with mode 0600');
  t.equal((await ensureOnedKey(dir)).publicKey, first.publicKey, 'a second start keeps it');
  // What ssh2's own generator sometimes writes: a key its parser refuses.
  await writeFile(first.privateKeyFile, '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n', { mode: 0o600 });
  const again = await ensureOnedKey(dir);
  t.not(again.publicKey, first.publicKey, 'an unreadable key is made again');
  t.ok(isUsablePrivateKey(await readFile(again.privateKeyFile, 'utf8')), 'and the new one is usable');
});

t.test('every generated key reads back', async (t) => {
  for (let i = 0; i < 400; i++) if (!isUsablePrivateKey(generateUsableKey('t').private)) t.fail(`key ${i} unreadable`);
  t.pass('400 keys, all readable (ssh2 alone fails about 1 in 200)');
});

t.test('remote command lines quote every argument', async (t) => {
  t.equal(shellCommand(['rm', '-rf', '--', "/a b/it's"]), `'rm' '-rf' '--' '/a b/it'\\''s'`);
  t.throws(() => shellCommand(['a\0b']), TypeError, 'a NUL cannot be passed');
  t.throws(() => shellCommand([]), TypeError, 'nor an empty command');
});

import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { writeAuthFile } from '../../src/auth/auth-file.js';
import { startCloud } from '../fixtures/cloud.js';
import { runCliBin } from '../fixtures/processes.js';

t.test('oneuser and onegroup against a running oned', async (t) => {
  const cloud = await startCloud(t);
  const env = { NEPHELE_URL: cloud.oned.url, NEPHELE_AUTH: cloud.oned.authFile };
  const pwFile = join(cloud.dir, 'bob.pw');
  await writeFile(pwFile, 'bob secret\n');

  t.match((await runCliBin(t, 'oneuser', ['create', 'alice', 'alice-pw'], env)).out, /^ID: 1$/m);
  t.match((await runCliBin(t, 'oneuser', ['create', 'bob', '--read-file', pwFile, '--group', 'users'], env)).out, /^ID: 2$/m);
  const dup = await runCliBin(t, 'oneuser', ['create', 'alice', 'x'], env);
  t.equal(dup.code, 1);
  t.match(dup.out, /\[NAME_TAKEN\]/);

  const list = (await runCliBin(t, 'oneuser', ['list'], env)).out.trimEnd().split('\n');
  t.match(list[0], /^\s*ID NAME\s+ENAB GROUP\s+AUTH VMS$/);
  t.match(list[1], /^\s*0 oneadmin yes\s+oneadmin core\s+0$/);
  t.match(list[3], /^\s*2 bob\s+yes\s+users\s+core\s+0$/);
  t.match((await runCliBin(t, 'oneuser', ['show', 'alice'], env)).out, /^GROUP\s+: users$/m);

  // As alice: her own user only, nobody else's.
  const aliceAuth = join(cloud.dir, 'alice.auth');
  await writeAuthFile(aliceAuth, { user: 'alice', password: 'alice-pw' });
  const asAlice = { ...env, NEPHELE_AUTH: aliceAuth };
  const own = JSON.parse((await runCliBin(t, 'oneuser', ['list', '--json'], asAlice)).out) as { name: string }[];
  t.same(
    own.map((u) => u.name),
    ['alice'],
  );
  const refused = await runCliBin(t, 'oneuser', ['delete', 'bob'], asAlice);
  t.equal(refused.code, 1);
  t.match(refused.out, /\[NOT_AUTHORIZED\]/);

  // A login token, written where asked, then used in place of the password.
  const tokenFile = join(cloud.dir, 'alice.token');
  const login = await runCliBin(t, 'oneuser', ['login', 'alice', '--time', '600', '--write', tokenFile], asAlice);
  t.equal(login.code, 0, login.out);
  t.match(login.out, /^TOKEN: ntk\.\S+$/m);
  t.match(await readFile(tokenFile, 'utf8'), /^alice:ntk\.\S+\n$/);
  t.equal((await stat(tokenFile)).mode & 0o777, 0o600);
  t.match((await runCliBin(t, 'oneuser', ['show'], { ...env, NEPHELE_AUTH: tokenFile })).out, /^NAME\s+: alice$/m);

  t.equal((await runCliBin(t, 'oneuser', ['disable', 'alice'], env)).code, 0);
  t.match((await runCliBin(t, 'oneuser', ['show'], asAlice)).out, /\[AUTH_FAILED\]/);
  t.equal((await runCliBin(t, 'oneuser', ['enable', 'alice'], env)).code, 0);
  t.equal((await runCliBin(t, 'oneuser', ['chgrp', 'alice', 'oneadmin'], env)).code, 0);
  t.match((await runCliBin(t, 'onegroup', ['list'], env)).out, /^\s*0 oneadmin\s+2$/m);
  t.equal((await runCliBin(t, 'oneuser', ['passwd', 'bob', 'new-bob'], asAlice)).code, 0, 'alice is an administrator now');
  t.equal((await runCliBin(t, 'oneuser', ['delete', 'bob'], env)).code, 0);
  t.match((await runCliBin(t, 'oneuser', ['show', 'bob'], env)).out, /\[USER_NOT_FOUND\]/);

  // Groups: created and deleted by administrators, a group with members kept.
  const created = await runCliBin(t, 'onegroup', ['create', 'devs'], env);
  const gid = Number(/^ID: (\d+)$/m.exec(created.out)?.[1]);
  t.ok(Number.isInteger(gid) && gid > 1, `onegroup create prints the new id (${created.out.trim()})`);
  t.match((await runCliBin(t, 'onegroup', ['create', 'devs'], env)).out, /\[NAME_TAKEN\]/, 'names are unique');
  t.match((await runCliBin(t, 'onegroup', ['create', 'bad name'], env)).out, /\[INVALID_ARGUMENT\]/);
  t.match((await runCliBin(t, 'oneuser', ['create', 'carol', 'carol-pw', '--group', 'devs'], env)).out, /^ID: \d+$/m);
  const carolAuth = join(cloud.dir, 'carol.auth');
  await writeAuthFile(carolAuth, { user: 'carol', password: 'carol-pw' });
  const asCarol = { ...env, NEPHELE_AUTH: carolAuth };
  t.match((await runCliBin(t, 'onegroup', ['create', 'mine'], asCarol)).out, /\[NOT_AUTHORIZED\]/, 'only administrators create groups');
  t.match((await runCliBin(t, 'onegroup', ['delete', 'devs'], asCarol)).out, /\[NOT_AUTHORIZED\]/, 'or delete them');
  t.match((await runCliBin(t, 'onegroup', ['delete', 'devs'], env)).out, /\[GROUP_NOT_EMPTY\]/, 'carol is still in it');
  t.match((await runCliBin(t, 'onegroup', ['show', 'devs'], env)).out, /^NAME\s+: devs$/m, 'and it stays');
  t.equal((await runCliBin(t, 'oneuser', ['chgrp', 'carol', 'users'], env)).code, 0);
  t.equal((await runCliBin(t, 'onegroup', ['delete', 'devs'], env)).code, 0, 'empty, it goes');
  t.match((await runCliBin(t, 'onegroup', ['show', String(gid)], env)).out, /\[GROUP_NOT_FOUND\]/);
  t.match((await runCliBin(t, 'onegroup', ['delete', 'users'], env)).out, /\[NOT_AUTHORIZED\]/, 'the built-in groups stay');
});

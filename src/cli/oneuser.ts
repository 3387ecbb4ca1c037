import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { DEFAULT_TOKEN_SECONDS, type NameRef } from '../api/api-types.js';
import { userAuthPath, writeAuthFile } from '../auth/auth-file.js';
import { NepheleError } from '../errors.js';
import type { UserView } from '../users/user-record.js';
import { positiveInt } from './args.js';
import type { GlobalOptions } from './connect.js';
import { printer, withClient, withGlobalOptions, type CliIo } from './run.js';
import { escapeControls, showText } from './terminal-safe.js';
import { renderTable, type Column } from './table.js';
import { attributeLines, updateCommand } from './update-command.js';

/** Digits only: an id; anything else: a name. */
export function nameRef(s: string): NameRef {
  return /^\d+$/.test(s) ? Number(s) : s;
}

const COLUMNS: readonly Column<UserView>[] = [
  { header: 'ID', value: (u) => String(u.id), right: true },
  { header: 'NAME', value: (u) => u.name },
  { header: 'ENAB', value: (u) => (u.enabled ? 'yes' : 'no') },
  { header: 'GROUP', value: (u) => u.group },
  { header: 'AUTH', value: (u) => u.auth },
  { header: 'VMS', value: (u) => String(u.vms), right: true },
];

export function renderUserList(users: readonly UserView[]): string {
  return renderTable(COLUMNS, users);
}

export function renderUser(u: UserView): string {
  return showText([
    `USER ${u.id} INFORMATION`,
    `ID              : ${u.id}`,
    `NAME            : ${u.name}`,
    `GROUP           : ${u.group}`,
    `AUTH_DRIVER     : ${u.auth}`,
    `ENABLED         : ${u.enabled ? 'Yes' : 'No'}`,
    `LOGIN TOKENS    : ${u.tokens}`,
    `VMS             : ${u.vms}`,
    '',
    'USER TEMPLATE',
    ...attributeLines(u.template),
  ]);
}

/** The password argument, or the first line of --read-file (kept out of `ps`). */
async function passwordOf(arg: string | undefined, file: string | undefined): Promise<string> {
  if ((arg === undefined) === (file === undefined)) {
    throw new NepheleError('INVALID_ARGUMENT', 'give the password or --read-file, not both', { details: { field: 'password' } });
  }
  return arg ?? ((await readFile(file as string, 'utf8')).split('\n', 1)[0] ?? '').replace(/\r$/, '');
}

/** `oneuser`: OpenNebula's user commands. */
export function oneuserProgram(io: CliIo): Command {
  const program = new Command('oneuser').description('Manage users').showHelpAfterError();
  const print = printer(io);

  withGlobalOptions(program.command('create').argument('<name>', 'user name').argument('[password]', 'password (or --read-file)'))
    .description('Create a user (administrators only)')
    .option('--read-file <file>', 'read the password from the first line of a file')
    .option('--group <group>', 'primary group, id or name (default: users)')
    .action(async (name: string, password: string | undefined, o: GlobalOptions & { readFile?: string; group?: string }) => {
      const params = {
        name,
        password: await passwordOf(password, o.readFile),
        ...(o.group === undefined ? {} : { group: nameRef(o.group) }),
      };
      io.out(`ID: ${(await withClient(o, (c) => c.call('user.allocate', params))).id}\n`);
    });

  withGlobalOptions(program.command('delete').argument('<user>', 'user id or name'))
    .description('Delete a user (administrators only); their VMs and templates stay')
    .action(async (user: string, o: GlobalOptions) => {
      await withClient(o, (c) => c.call('user.delete', { user: nameRef(user) }));
    });

  withGlobalOptions(program.command('passwd').argument('<user>', 'user id or name').argument('[password]', 'new password (or --read-file)'))
    .description("Change a password (your own; administrators: anyone's); ends the user's login tokens")
    .option('--read-file <file>', 'read the password from the first line of a file')
    .action(async (user: string, password: string | undefined, o: GlobalOptions & { readFile?: string }) => {
      const params = { user: nameRef(user), password: await passwordOf(password, o.readFile) };
      await withClient(o, (c) => c.call('user.passwd', params));
    });

  withGlobalOptions(program.command('list'))
    .option('--json', 'print JSON')
    .description('List the users (all of them for administrators, yourself otherwise)')
    .action(async (o: GlobalOptions) => {
      const users = await withClient(o, (c) => c.call('userpool.info', {}));
      print(users, o.json, () => renderUserList(users));
    });

  withGlobalOptions(program.command('show').argument('[user]', 'user id or name (default: yourself)'))
    .option('--json', 'print JSON')
    .description('Show a user')
    .action(async (user: string | undefined, o: GlobalOptions) => {
      const u = await withClient(o, (c) => c.call('user.info', user === undefined ? {} : { user: nameRef(user) }));
      print(u, o.json, () => renderUser(u));
    });

  for (const action of ['enable', 'disable'] as const) {
    withGlobalOptions(program.command(action).argument('<user>', 'user id or name'))
      .description(`${action === 'enable' ? 'Enable' : 'Disable'} a user (administrators only)`)
      .action(async (user: string, o: GlobalOptions) => {
        await withClient(o, (c) => c.call('user.enable', { user: nameRef(user), enable: action === 'enable' }));
      });
  }

  withGlobalOptions(program.command('chgrp').argument('<user>', 'user id or name').argument('<group>', 'group id or name'))
    .description('Move a user to another group (administrators only); members of oneadmin are administrators')
    .action(async (user: string, group: string, o: GlobalOptions) => {
      await withClient(o, (c) => c.call('user.chgrp', { user: nameRef(user), group: nameRef(group) }));
    });

  updateCommand(program, {
    what: "a user's template (your own; administrators: anyone's)",
    idHelp: 'user id or name',
    update: (c, id, template, append) => c.call('user.update', { user: nameRef(id), template, append }),
  });

  withGlobalOptions(program.command('login').argument('<user>', 'user id or name'))
    .description('Get a login token to use instead of the password; --time 0 revokes every token of the user')
    .option('--time <seconds>', 'how long the token lives', String(DEFAULT_TOKEN_SECONDS))
    .option('--write [file]', 'store user:token (mode 0600) in FILE, default $NEPHELE_AUTH or ~/.nephele/auth')
    .option('--json', 'print JSON')
    .action(async (user: string, o: GlobalOptions & { time: string; write?: string | true }) => {
      const expire = positiveInt(o.time, '--time', 0);
      const ref = nameRef(user);
      const { res, name } = await withClient(o, async (c) => ({
        res: await c.call('user.login', { user: ref, expire }),
        // A token goes with the user's name: an id must be turned into it.
        name: typeof ref === 'string' || o.write === undefined ? user : (await c.call('user.info', { user: ref })).name,
      }));
      if (expire === 0) {
        io.out(`Login tokens of ${escapeControls(user)} revoked\n`);
        return;
      }
      let written: string | undefined;
      if (o.write !== undefined) {
        written = o.write === true ? (process.env.NEPHELE_AUTH ?? userAuthPath()) : o.write;
        await writeAuthFile(written, { user: name, password: res.token });
      }
      print(
        res,
        o.json,
        () =>
          `TOKEN: ${res.token}\nEXPIRES: ${new Date(res.expires).toISOString()}\n${written === undefined ? '' : `Written to ${written}\n`}`,
      );
    });

  return program;
}

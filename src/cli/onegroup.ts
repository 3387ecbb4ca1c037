import { Command } from 'commander';
import type { GroupView } from '../users/user-record.js';
import type { GlobalOptions } from './connect.js';
import { nameRef } from './oneuser.js';
import { printer, withClient, withGlobalOptions, type CliIo } from './run.js';
import { showText } from './terminal-safe.js';
import { renderTable } from './table.js';

export function renderGroupList(groups: readonly GroupView[]): string {
  return renderTable(
    [
      { header: 'ID', value: (g: GroupView) => String(g.id), right: true },
      { header: 'NAME', value: (g) => g.name },
      { header: 'USERS', value: (g) => String(g.users.length), right: true },
    ],
    groups,
  );
}

export function renderGroup(g: GroupView): string {
  return showText([
    `GROUP ${g.id} INFORMATION`,
    `ID              : ${g.id}`,
    `NAME            : ${g.name}`,
    '',
    'USERS',
    ...g.users.map(String),
  ]);
}

/** `onegroup`: OpenNebula's group commands. */
export function onegroupProgram(io: CliIo): Command {
  const program = new Command('onegroup').description('Manage groups').showHelpAfterError();
  const print = printer(io);
  withGlobalOptions(program.command('create').argument('<name>', "the new group's name"))
    .description('Create a group (administrators)')
    .action(async (name: string, o: GlobalOptions) => {
      const { id } = await withClient(o, (c) => c.call('group.allocate', { name }));
      io.out(`ID: ${id}\n`);
    });
  withGlobalOptions(program.command('delete').argument('<group>', 'group id or name'))
    .description('Delete a group that has no users (administrators)')
    .action(async (group: string, o: GlobalOptions) => {
      await withClient(o, (c) => c.call('group.delete', { group: nameRef(group) }));
    });
  withGlobalOptions(program.command('list'))
    .option('--json', 'print JSON')
    .description('List the groups (all of them for administrators, your own otherwise)')
    .action(async (o: GlobalOptions) => {
      const groups = await withClient(o, (c) => c.call('grouppool.info', {}));
      print(groups, o.json, () => renderGroupList(groups));
    });
  withGlobalOptions(program.command('show').argument('<group>', 'group id or name'))
    .option('--json', 'print JSON')
    .description('Show a group and its members')
    .action(async (group: string, o: GlobalOptions) => {
      const g = await withClient(o, (c) => c.call('group.info', { group: nameRef(group) }));
      print(g, o.json, () => renderGroup(g));
    });
  return program;
}

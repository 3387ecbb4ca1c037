import { Command } from 'commander';
import type { GroupView } from '../users/user-record.js';
import type { GlobalOptions } from './connect.js';
import { nameRef } from './oneuser.js';
import { withClient, withGlobalOptions, type CliIo } from './run.js';
import { renderTable } from './table.js';

export function renderGroupList(groups: readonly GroupView[]): string {
  return renderTable([
    { header: 'ID', value: (g: GroupView) => String(g.id), right: true },
    { header: 'NAME', value: (g) => g.name },
    { header: 'USERS', value: (g) => String(g.users.length), right: true },
  ], groups);
}

/** `onegroup`: OpenNebula's group commands, reading only. */
export function onegroupProgram(io: CliIo): Command {
  const program = new Command('onegroup').description('Show groups').showHelpAfterError();
  const print = (value: unknown, json: boolean | undefined, text: () => string): void => {
    io.out(json === true ? `${JSON.stringify(value, null, 2)}\n` : text());
  };
  withGlobalOptions(program.command('list')).option('--json', 'print JSON')
    .description('List the groups (all of them for administrators, your own otherwise)')
    .action(async (o: GlobalOptions) => {
      const groups = await withClient(o, (c) => c.call('grouppool.info', {}));
      print(groups, o.json, () => renderGroupList(groups));
    });
  withGlobalOptions(program.command('show').argument('<group>', 'group id or name')).option('--json', 'print JSON')
    .description('Show a group and its members')
    .action(async (group: string, o: GlobalOptions) => {
      const g = await withClient(o, (c) => c.call('group.info', { group: nameRef(group) }));
      print(g, o.json, () => `GROUP ${g.id} INFORMATION\nID              : ${g.id}\nNAME            : ${g.name}\n\nUSERS\n${g.users.join('\n')}${g.users.length > 0 ? '\n' : ''}`);
    });
  return program;
}

import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import type { TemplateView } from '../vms/template-view.js';
import type { GlobalOptions } from './connect.js';
import { printer, withClient, withGlobalOptions, type CliIo } from './run.js';
import { showText } from './terminal-safe.js';
import { renderTable } from './table.js';
import { ownershipCommands, permissionLines } from './ownership.js';

/** An id (digits), else a name: oned finds the caller's own template of that name first. */
function templateId(s: string): number | string {
  return /^\d+$/.test(s) ? Number(s) : s;
}

export function renderTemplateList(ts: readonly TemplateView[]): string {
  return renderTable(
    [
      { header: 'ID', value: (r: TemplateView) => String(r.id), right: true },
      { header: 'USER', value: (r) => r.user },
      { header: 'GROUP', value: (r) => r.group },
      { header: 'NAME', value: (r) => r.name },
      { header: 'REGTIME', value: (r) => new Date(r.regtime).toISOString().slice(0, 19).replace('T', ' ') },
    ],
    ts,
  );
}

export function renderTemplateView(r: TemplateView): string {
  return showText([
    `TEMPLATE ${r.id} INFORMATION`,
    `ID             : ${r.id}`,
    `NAME           : ${r.name}`,
    `USER           : ${r.user}`,
    `GROUP          : ${r.group}`,
    `REGISTER TIME  : ${new Date(r.regtime).toISOString()}`,
    '',
    ...permissionLines(r.permissions, 15),
    '',
    'TEMPLATE CONTENTS',
    ...r.template.trimEnd().split('\n'),
  ]);
}

/** `onetemplate`: OpenNebula's VM template commands. */
export function onetemplateProgram(io: CliIo): Command {
  const program = new Command('onetemplate').description('Manage VM templates').showHelpAfterError();
  const print = printer(io);

  withGlobalOptions(program.command('create').argument('<file>', 'an OpenNebula VM template'))
    .description('Register a VM template')
    .action(async (file: string, o: GlobalOptions) => {
      const template = await readFile(file, 'utf8');
      io.out(`ID: ${(await withClient(o, (c) => c.call('template.allocate', { template }))).id}\n`);
    });
  withGlobalOptions(program.command('list'))
    .option('--json', 'print JSON')
    .description('List the VM templates')
    .action(async (o: GlobalOptions) => {
      const ts = await withClient(o, (c) => c.call('templatepool.info', {}));
      print(ts, o.json, () => renderTemplateList(ts));
    });
  withGlobalOptions(program.command('show').argument('<id>', 'template id or name'))
    .option('--json', 'print JSON')
    .description('Show a VM template')
    .action(async (id: string, o: GlobalOptions) => {
      const r = await withClient(o, (c) => c.call('template.info', { id: templateId(id) }));
      print(r, o.json, () => renderTemplateView(r));
    });
  withGlobalOptions(program.command('update').argument('<id>', 'template id or name').argument('<file>', 'the new template'))
    .description('Replace a VM template')
    .action(async (id: string, file: string, o: GlobalOptions) => {
      const template = await readFile(file, 'utf8');
      await withClient(o, (c) => c.call('template.update', { id: templateId(id), template }));
    });
  withGlobalOptions(program.command('rename').argument('<id>', 'template id or name').argument('<name>', 'the new name'))
    .description('Rename a VM template')
    .action(async (id: string, name: string, o: GlobalOptions) => {
      await withClient(o, (c) => c.call('template.rename', { id: templateId(id), name }));
    });
  withGlobalOptions(program.command('clone').argument('<id>', 'template id or name').argument('<name>', 'the name of the copy'))
    .description('Copy a VM template: the copy is yours')
    .option('-r, --recursive', "copy the template's images too (not supported: oned refuses it)")
    .action(async (id: string, name: string, o: GlobalOptions & { recursive?: boolean }) => {
      const params = { id: templateId(id), name, ...(o.recursive === true ? { recursive: true } : {}) };
      io.out(`ID: ${(await withClient(o, (c) => c.call('template.clone', params))).id}\n`);
    });

  withGlobalOptions(program.command('delete').argument('<id>', 'template id or name'))
    .description('Delete a VM template')
    .action(async (id: string, o: GlobalOptions) => {
      await withClient(o, (c) => c.call('template.delete', { id: templateId(id) }));
    });
  ownershipCommands(program, {
    what: 'VM template',
    idHelp: 'template id or name',
    chown: (c, id, owner) => c.call('template.chown', { id: templateId(id), ...owner }),
    chmod: (c, id, octet) => c.call('template.chmod', { id: templateId(id), octet }),
  });
  withGlobalOptions(program.command('instantiate').argument('<id>', 'template id or name'))
    .description('Create a VM from a template')
    .option('--name <name>', 'name of the new VM')
    .option('--hold', 'create it on hold')
    .action(async (id: string, o: GlobalOptions & { name?: string; hold?: boolean }) => {
      const params =
        o.name === undefined ? { id: templateId(id), hold: o.hold === true } : { id: templateId(id), hold: o.hold === true, name: o.name };
      io.out(`VM ID: ${(await withClient(o, (c) => c.call('template.instantiate', params))).id}\n`);
    });
  return program;
}

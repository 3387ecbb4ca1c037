import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { NepheleError } from '../errors.js';
import type { TemplateView } from '../api/api-types.js';
import type { GlobalOptions } from './connect.js';
import { withClient, withGlobalOptions, type CliIo } from './run.js';
import { renderTable } from './table.js';

function templateId(s: string): number {
  if (!/^\d+$/.test(s)) throw new NepheleError('INVALID_ARGUMENT', `not a template id: ${s}`, { details: { field: 'id' } });
  return Number(s);
}

export function renderTemplateList(ts: readonly TemplateView[]): string {
  return renderTable([
    { header: 'ID', value: (r: TemplateView) => String(r.id), right: true },
    { header: 'USER', value: (r) => r.user },
    { header: 'GROUP', value: (r) => r.group },
    { header: 'NAME', value: (r) => r.name },
    { header: 'REGTIME', value: (r) => new Date(r.regtime).toISOString().slice(0, 19).replace('T', ' ') },
  ], ts);
}

/** `onetemplate`: OpenNebula's VM template commands. */
export function onetemplateProgram(io: CliIo): Command {
  const program = new Command('onetemplate').description('Manage VM templates').showHelpAfterError();
  const print = (value: unknown, json: boolean | undefined, text: () => string): void => {
    io.out(json === true ? `${JSON.stringify(value, null, 2)}\n` : text());
  };

  withGlobalOptions(program.command('create').argument('<file>', 'an OpenNebula VM template'))
    .description('Register a VM template')
    .action(async (file: string, o: GlobalOptions) => {
      const template = await readFile(file, 'utf8');
      io.out(`ID: ${(await withClient(o, (c) => c.call('template.allocate', { template }))).id}\n`);
    });
  withGlobalOptions(program.command('list')).option('--json', 'print JSON')
    .description('List the VM templates')
    .action(async (o: GlobalOptions) => {
      const ts = await withClient(o, (c) => c.call('templatepool.info', {}));
      print(ts, o.json, () => renderTemplateList(ts));
    });
  withGlobalOptions(program.command('show').argument('<id>', 'template id')).option('--json', 'print JSON')
    .description('Show a VM template')
    .action(async (id: string, o: GlobalOptions) => {
      const r = await withClient(o, (c) => c.call('template.info', { id: templateId(id) }));
      print(r, o.json, () => `TEMPLATE ${r.id} INFORMATION\nID             : ${r.id}\nNAME           : ${r.name}\nUSER           : ${r.user}\nGROUP          : ${r.group}\nREGISTER TIME  : ${new Date(r.regtime).toISOString()}\n\nTEMPLATE CONTENTS\n${r.template.trimEnd()}\n`);
    });
  withGlobalOptions(program.command('update').argument('<id>', 'template id').argument('<file>', 'the new template'))
    .description('Replace a VM template')
    .action(async (id: string, file: string, o: GlobalOptions) => {
      const template = await readFile(file, 'utf8');
      await withClient(o, (c) => c.call('template.update', { id: templateId(id), template }));
    });
  withGlobalOptions(program.command('delete').argument('<id>', 'template id'))
    .description('Delete a VM template')
    .action(async (id: string, o: GlobalOptions) => {
      await withClient(o, (c) => c.call('template.delete', { id: templateId(id) }));
    });
  withGlobalOptions(program.command('instantiate').argument('<id>', 'template id'))
    .description('Create a VM from a template')
    .option('--name <name>', 'name of the new VM')
    .option('--hold', 'create it on hold')
    .action(async (id: string, o: GlobalOptions & { name?: string; hold?: boolean }) => {
      const params = o.name === undefined
        ? { id: templateId(id), hold: o.hold === true }
        : { id: templateId(id), hold: o.hold === true, name: o.name };
      io.out(`VM ID: ${(await withClient(o, (c) => c.call('template.instantiate', params))).id}\n`);
    });
  return program;
}

import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { VMPOOL_MAX_LIMIT, type VmActionParams } from '../api/api-types.js';
import { NepheleError } from '../errors.js';
import type { VmView } from '../vms/vm-record.js';
import type { VmSample } from '../hosts/monitoring-book.js';
import { RECOVER_OPS, VM_ACTIONS, VM_ACTION_FLAGS, VM_ACTION_NAMES, type RecoverOp } from '../vms/vm-actions.js';
import type { ApiClient } from './api-client.js';
import { positiveInt } from './args.js';
import type { GlobalOptions } from './connect.js';
import { printer, topCommand, withClient, withGlobalOptions, type CliIo } from './run.js';
import { showText } from './terminal-safe.js';
import { formatKb, renderTable, type Column } from './table.js';
import { LIST_PAGE_SIZE, listPageParams, splitPage } from './vm-list-page.js';
import { ownershipCommands, permissionLines } from './ownership.js';
import { attributeLines, updateCommand } from './update-command.js';

/** OpenNebula's TIME column: how long the VM has lived, `1d 02h03`. */
export function formatAge(ms: number): string {
  const m = Math.max(0, Math.floor(ms / 60_000));
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  return `${d}d ${String(h).padStart(2, '0')}h${String(m % 60).padStart(2, '0')}`;
}

function vmId(s: string): number {
  if (!/^\d+$/.test(s)) throw new NepheleError('INVALID_ARGUMENT', `not a VM id: ${s}`, { details: { field: 'id' } });
  return Number(s);
}

function hostRef(s: string): string | number {
  return /^\d+$/.test(s) ? Number(s) : s;
}

export function renderVmList(vms: readonly VmView[], now = Date.now()): string {
  const columns: Column<VmView>[] = [
    { header: 'ID', value: (v) => String(v.id), right: true },
    { header: 'USER', value: (v) => v.user },
    { header: 'GROUP', value: (v) => v.group },
    { header: 'NAME', value: (v) => v.name },
    { header: 'STAT', value: (v) => v.short },
    { header: 'CPU', value: (v) => String(v.cpu), right: true },
    { header: 'MEM', value: (v) => formatKb(v.memory * 1024), right: true },
    { header: 'HOST', value: (v) => v.host ?? (v.hostId === undefined ? '' : String(v.hostId)) },
    { header: 'TIME', value: (v) => formatAge((v.etime ?? now) - v.stime), right: true },
  ];
  return renderTable(columns, vms);
}

export function renderVm(v: VmView, hostNames: ReadonlyMap<number, string>, latest?: VmSample): string {
  const host = v.hostId === undefined ? '' : (hostNames.get(v.hostId) ?? String(v.hostId));
  const lines = [
    `VIRTUAL MACHINE ${v.id} INFORMATION`,
    `ID                  : ${v.id}`,
    `NAME                : ${v.name}`,
    `USER                : ${v.user}`,
    `GROUP               : ${v.group}`,
    `STATE               : ${v.state}`,
    `HOST                : ${host}`,
    `START TIME          : ${new Date(v.stime).toISOString()}`,
    `END TIME            : ${v.etime === undefined ? '-' : new Date(v.etime).toISOString()}`,
  ];
  if (v.pending !== undefined) lines.push(`IN FLIGHT           : ${v.pending}`);
  if (v.lastError !== undefined) lines.push(`LAST ERROR          : ${v.lastError}`);
  if (v.schedMessage !== undefined) lines.push(`SCHED MESSAGE       : ${v.schedMessage}`);
  lines.push('', ...permissionLines(v.permissions, 20));

  if (latest !== undefined) {
    // OpenNebula's section: what the VM's process used at the last push (docs/monitoring.md).
    lines.push(
      '',
      'VIRTUAL MACHINE MONITORING',
      `CPU                 : ${latest.cpu}`,
      `MEMORY              : ${formatKb(latest.memory)}`,
      `LAST POLL           : ${new Date(latest.timestamp).toISOString()}`,
    );
  }
  lines.push(
    '',
    'VIRTUAL MACHINE HISTORY',
    ...renderTable(
      [
        { header: 'SEQ', value: (h: VmView['history'][number]) => String(h.seq), right: true },
        { header: 'HOST', value: (h) => hostNames.get(h.hostId) ?? String(h.hostId) },
        { header: 'ACTION', value: (h) => h.reason ?? (h.etime === undefined ? '-' : 'none') },
        { header: 'START', value: (h) => new Date(h.stime).toISOString() },
        { header: 'END', value: (h) => (h.etime === undefined ? '-' : new Date(h.etime).toISOString()) },
      ],
      v.history,
    )
      .trimEnd()
      .split('\n'),
  );
  if (v.nics.length > 0) {
    lines.push(
      '',
      'VM NICS',
      ...renderTable(
        [
          { header: 'ID', value: (n: VmView['nics'][number]) => String(n.nicId), right: true },
          { header: 'NETWORK', value: (n) => n.network },
          { header: 'BRIDGE', value: (n) => n.bridge },
          { header: 'IP', value: (n) => n.ip ?? '-' },
          { header: 'MAC', value: (n) => n.mac },
        ],
        v.nics,
      )
        .trimEnd()
        .split('\n'),
    );
  }
  if (v.context !== undefined) lines.push('', 'CONTEXT', ...Object.entries(v.context).map(([k, val]) => `${k}="${val}"`));
  // OpenNebula's `onevm show` prints the user template (what `onevm update` edits) before the template.
  lines.push('', 'USER TEMPLATE', ...attributeLines(v.userTemplate));
  lines.push('', 'VIRTUAL MACHINE TEMPLATE', ...v.template.trimEnd().split('\n'));
  return showText(lines);
}

async function hostNames(c: ApiClient): Promise<Map<number, string>> {
  return new Map((await c.call('hostpool.info', {})).map((h) => [h.id, h.name]));
}

/** A template from a file, or from --name/--cpu/--memory as OpenNebula's `onevm create` accepts. */
async function templateOf(file: string | undefined, o: { name?: string; cpu?: string; memory?: string }): Promise<string> {
  if (file !== undefined) return readFile(file, 'utf8');
  if (o.cpu === undefined || o.memory === undefined) {
    throw new NepheleError('INVALID_ARGUMENT', 'give a template file, or --cpu and --memory', { details: { field: 'template' } });
  }
  const lines = [`CPU = "${o.cpu}"`, `MEMORY = "${o.memory}"`];
  if (o.name !== undefined) lines.unshift(`NAME = "${o.name.replace(/["\\]/g, '\\$&')}"`);
  return `${lines.join('\n')}\n`;
}

/** `onevm`: OpenNebula's VM commands. */
export function onevmProgram(io: CliIo): Command {
  const program = new Command('onevm').description('Manage virtual machines').showHelpAfterError();
  const print = printer(io);

  withGlobalOptions(program.command('create').argument('[file]', 'an OpenNebula VM template'))
    .description('Create a VM from a template file, or from --name, --cpu and --memory')
    .option('--name <name>', 'VM name')
    .option('--cpu <share>', 'CPU share, 1.0 = one core')
    .option('--memory <mib>', 'memory in MiB')
    .option('--hold', 'create it on hold')
    .action(async (file: string | undefined, o: GlobalOptions & { name?: string; cpu?: string; memory?: string; hold?: boolean }) => {
      const template = await templateOf(file, o);
      const { id } = await withClient(o, (c) => c.call('vm.allocate', { template, hold: o.hold === true }));
      io.out(`ID: ${id}\n`);
    });

  withGlobalOptions(program.command('list'))
    .description(`List the VMs (not DONE ones unless --all), ${LIST_PAGE_SIZE} a page: a longer list shows its first page and says so`)
    .option('--all', 'include VMs in DONE')
    .option('--json', 'print JSON')
    .option('--page <n>', 'which page to show, from 1', '1')
    .option('--page-size <m>', `VMs per page (default ${LIST_PAGE_SIZE})`, String(LIST_PAGE_SIZE))
    .action(async (o: GlobalOptions & { all?: boolean; page: string; pageSize: string }) => {
      const page = positiveInt(o.page, '--page', 1);
      const pageSize = positiveInt(o.pageSize, '--page-size', 1);
      if (pageSize >= VMPOOL_MAX_LIMIT) {
        throw new NepheleError('INVALID_ARGUMENT', `--page-size must be below ${VMPOOL_MAX_LIMIT}`, { details: { field: '--page-size' } });
      }
      await withClient(o, async (c) => {
        const { shown, more } = splitPage(await c.call('vmpool.info', listPageParams({ all: o.all === true, page, pageSize })), pageSize);
        print(shown, o.json, () => renderVmList(shown));
        if (more) {
          const first = (page - 1) * pageSize + 1;
          io.err(
            `VMs ${first}-${first + shown.length - 1} shown; more follow: onevm list --page ${page + 1}${pageSize === LIST_PAGE_SIZE ? '' : ` --page-size ${pageSize}`}\n`,
          );
        }
      });
    });

  withGlobalOptions(program.command('show').argument('<id>', 'VM id'))
    .description('Show a VM: state, history and template')
    .option('--json', 'print JSON')
    .action(async (id: string, o: GlobalOptions) => {
      await withClient(o, async (c) => {
        const v = await c.call('vm.info', { id: vmId(id) });
        const names = o.json === true ? new Map<number, string>() : await hostNames(c);
        const latest = o.json === true ? undefined : (await c.call('vm.monitoring', { id: v.id, seconds: 0 })).samples[0];
        print(v, o.json, () => renderVm(v, names, latest));
      });
    });

  withGlobalOptions(program.command('rename').argument('<id>', 'VM id').argument('<name>', 'the new name'))
    .description('Rename a VM, in any state but DONE')
    .action(async (id: string, name: string, o: GlobalOptions) => {
      await withClient(o, (c) => c.call('vm.rename', { id: vmId(id), name }));
    });

  ownershipCommands(program, {
    what: 'VM',
    idHelp: 'VM id',
    chown: (c, id, owner) => c.call('vm.chown', { id: vmId(id), ...owner }),
    chmod: (c, id, octet) => c.call('vm.chmod', { id: vmId(id), octet }),
  });

  updateCommand(program, {
    what: "a VM's user template (in any state but DONE)",
    idHelp: 'VM id',
    update: (c, id, template, append) => c.call('vm.update', { id: vmId(id), template, append }),
  });

  // The first page: a screen shows no more.
  topCommand(program, 'VMs', io, async (c) => renderVmList(splitPage(await c.call('vmpool.info', listPageParams({ all: false }))).shown));

  const action = (
    name: string,
    description: string,
    extra: (cmd: Command) => Command,
    params: (id: number, args: string[], o: Record<string, unknown>) => VmActionParams,
  ): void => {
    extra(withGlobalOptions(program.command(name).argument('<id>', 'VM id')))
      .description(description)
      .action(async (...args: unknown[]) => {
        const cmd = args[args.length - 1] as Command;
        const positional = cmd.args;
        const o = cmd.opts<GlobalOptions & Record<string, unknown>>();
        await withClient(o, (c) => c.call('vm.action', params(vmId(positional[0] ?? ''), positional.slice(1), o)));
      });
  };
  // Every action of src/vms/vm-actions.ts, each with the host argument, flags and ops it declares.
  for (const name of VM_ACTION_NAMES) {
    const info = VM_ACTIONS[name];
    const extra = (cmd: Command): Command => {
      if (info.host === true) cmd.argument('<host>', 'host id or name');
      for (const flag of info.flags ?? []) cmd.option(VM_ACTION_FLAGS[flag].option, VM_ACTION_FLAGS[flag].help);
      for (const [op, help] of Object.entries(info.ops ?? {})) cmd.option(`--${op}`, help);
      return cmd;
    };
    action(name, info.help, extra, (id, a, o) => {
      const params: { -readonly [K in keyof VmActionParams]: VmActionParams[K] } = { id, action: name };
      if (info.host === true) params.host = hostRef(a[0] ?? '');
      for (const flag of info.flags ?? []) params[flag] = flag === 'enforce' ? o[flag] !== false : o[flag] === true;
      if (info.ops !== undefined) {
        const ops = RECOVER_OPS.filter((k) => o[k] === true);
        if (ops.length !== 1) {
          throw new NepheleError('INVALID_ARGUMENT', `give exactly one of ${RECOVER_OPS.map((k) => `--${k}`).join(', ')}`, {
            details: { field: 'op' },
          });
        }
        params.op = ops[0] as RecoverOp;
      }
      return params;
    });
  }

  return program;
}

import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { NepheleError } from '../errors.js';
import type { NetworkView } from '../networks/network-view.js';
import type { GlobalOptions } from './connect.js';
import { positiveInt } from './args.js';
import { printer, withClient, withGlobalOptions, type CliIo } from './run.js';
import { showText } from './terminal-safe.js';
import { renderTable, type Column } from './table.js';
import { ownershipCommands, permissionLines } from './ownership.js';
import { updateCommand } from './update-command.js';

/** A network as the API shows it: with its owner's names. */
export type VnetRow = NetworkView & { readonly user?: string; readonly group?: string };

function netRef(s: string): string | number {
  return /^\d+$/.test(s) ? Number(s) : s;
}

const COLUMNS: readonly Column<VnetRow>[] = [
  { header: 'ID', value: (n) => String(n.id), right: true },
  { header: 'USER', value: (n) => n.user ?? String(n.uid) },
  { header: 'GROUP', value: (n) => n.group ?? String(n.gid) },
  { header: 'NAME', value: (n) => n.name },
  { header: 'BRIDGE', value: (n) => n.bridge },
  { header: 'LEASES', value: (n) => String(n.used), right: true },
];

export function renderVnetList(nets: readonly VnetRow[]): string {
  return renderTable(COLUMNS, nets);
}

export function renderVnet(n: VnetRow): string {
  const lines = [
    `VIRTUAL NETWORK ${n.id} INFORMATION`,
    `ID                    : ${n.id}`,
    `NAME                  : ${n.name}`,
    `USER                  : ${n.user ?? n.uid}`,
    `GROUP                 : ${n.group ?? n.gid}`,
    `BRIDGE                : ${n.bridge}`,
    `VLAN ID               : ${n.vlanId ?? '-'}`,
    `USED LEASES           : ${n.used}`,
    '',
    ...permissionLines(n.permissions, 22),
    '',
    'VIRTUAL NETWORK TEMPLATE',
    ...Object.entries(n.attributes).map(([k, v]) => `${k}="${v}"`),
    '',
    'ADDRESS RANGE POOL',
    ...renderTable<VnetRow['ranges'][number]>(
      [
        { header: 'AR', value: (r) => String(r.arId), right: true },
        { header: 'TYPE', value: (r) => r.type },
        { header: 'SIZE', value: (r) => String(r.size), right: true },
        { header: 'LEASES', value: (r) => String(r.used), right: true },
        { header: 'MAC', value: (r) => r.mac ?? '(random)' },
        { header: 'IP', value: (r) => (r.ip === undefined ? '-' : `${r.ip} - ${r.ipEnd ?? ''}`) },
      ],
      n.ranges,
    )
      .trimEnd()
      .split('\n'),
    '',
    'LEASES',
    ...renderTable<VnetRow['leases'][number]>(
      [
        { header: 'AR', value: (l) => String(l.arId), right: true },
        { header: 'OWNER', value: (l) => (l.vmId === undefined ? 'V:-1 (hold)' : `V:${l.vmId}`) },
        { header: 'MAC', value: (l) => l.mac },
        { header: 'IP', value: (l) => l.ip ?? '-' },
      ],
      n.leases,
    )
      .trimEnd()
      .split('\n'),
  ];
  return showText(lines);
}

/** `onevnet`: OpenNebula's virtual network commands. */
export function onevnetProgram(io: CliIo): Command {
  const program = new Command('onevnet').description('Manage virtual networks').showHelpAfterError();
  const json = (cmd: Command): Command => cmd.option('--json', 'print JSON');
  const print = printer(io);

  withGlobalOptions(program.command('create').argument('<file>', 'network template'))
    .description('Create a virtual network from a template (TYPE = RANGED | FIXED, or AR = [ … ])')
    .action(async (file: string, opts: GlobalOptions) => {
      const template = await readFile(file, 'utf8');
      const res = await withClient(opts, (c) => c.call('vn.allocate', { template }));
      io.out(`ID: ${res.id}\n`);
    });

  json(withGlobalOptions(program.command('list')))
    .description('List the virtual networks you can use')
    .action(async (opts: GlobalOptions) => {
      const nets = await withClient(opts, (c) => c.call('vnpool.info', {}));
      print(nets, opts.json, () => renderVnetList(nets));
    });

  json(withGlobalOptions(program.command('show').argument('<network>', 'network id or name')))
    .description('Show a virtual network, its address ranges and leases')
    .action(async (network: string, opts: GlobalOptions) => {
      const n = await withClient(opts, (c) => c.call('vn.info', { network: netRef(network) }));
      print(n, opts.json, () => renderVnet(n));
    });

  withGlobalOptions(program.command('delete').argument('<network>', 'network id or name'))
    .description('Delete a virtual network (none of its leases may be in use)')
    .action(async (network: string, opts: GlobalOptions) => {
      await withClient(opts, (c) => c.call('vn.delete', { network: netRef(network) }));
    });

  withGlobalOptions(program.command('rename').argument('<network>', 'network id or name').argument('<name>', 'the new name'))
    .description('Rename a virtual network')
    .action(async (network: string, name: string, opts: GlobalOptions) => {
      await withClient(opts, (c) => c.call('vn.rename', { id: netRef(network), name }));
    });

  ownershipCommands(program, {
    what: 'virtual network',
    idHelp: 'network id or name',
    chown: (c, id, owner) => c.call('vn.chown', { id: netRef(id), ...owner }),
    chmod: (c, id, octet) => c.call('vn.chmod', { id: netRef(id), octet }),
  });

  updateCommand(program, {
    what: "a virtual network's template attributes (not its address ranges: addar, rmar)",
    idHelp: 'network id or name',
    update: (c, id, template, append) => c.call('vn.update', { id: netRef(id), template, append }),
  });

  withGlobalOptions(program.command('hold').argument('<network>', 'network id or name').argument('<ip>', 'address'))
    .description('Keep an address from being leased')
    .action(async (network: string, ip: string, opts: GlobalOptions) => {
      await withClient(opts, (c) => c.call('vn.hold', { network: netRef(network), ip }));
    });

  withGlobalOptions(program.command('release').argument('<network>', 'network id or name').argument('<ip>', 'address'))
    .description('Release an address put on hold')
    .action(async (network: string, ip: string, opts: GlobalOptions) => {
      await withClient(opts, (c) => c.call('vn.release', { network: netRef(network), ip }));
    });

  withGlobalOptions(program.command('addar').argument('<network>', 'network id or name').argument('[file]', 'a file with AR = [ … ]'))
    .description('Add an address range, from a file or from options')
    .option('-t, --type <type>', 'IP4 or ETHER', 'IP4')
    .option('--ip <ip>', 'first address (IP4)')
    .option('-s, --size <n>', 'number of addresses')
    .option('-m, --mac <mac>', 'first MAC')
    .action(
      async (
        network: string,
        file: string | undefined,
        opts: GlobalOptions & { type: string; ip?: string; size?: string; mac?: string },
      ) => {
        let template: string;
        if (file !== undefined) template = await readFile(file, 'utf8');
        else {
          if (opts.size === undefined)
            throw new NepheleError('INVALID_ARGUMENT', 'give a file with AR = [ … ], or --size (and --ip for IP4)');
          const pairs = [`TYPE = ${JSON.stringify(opts.type)}`, `SIZE = ${positiveInt(opts.size, '--size')}`];
          if (opts.ip !== undefined) pairs.push(`IP = ${JSON.stringify(opts.ip)}`);
          if (opts.mac !== undefined) pairs.push(`MAC = ${JSON.stringify(opts.mac)}`);
          template = `AR = [ ${pairs.join(', ')} ]`;
        }
        await withClient(opts, (c) => c.call('vn.add_ar', { network: netRef(network), template }));
      },
    );

  withGlobalOptions(program.command('rmar').argument('<network>', 'network id or name').argument('<ar_id>', 'address range id'))
    .description('Remove an address range (none of its leases may be in use)')
    .action(async (network: string, arId: string, opts: GlobalOptions) => {
      await withClient(opts, (c) => c.call('vn.rm_ar', { network: netRef(network), arId: positiveInt(arId, 'AR_ID', 0) }));
    });

  return program;
}

import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { HOST_STAT, type DeployProgress, type HostView, type SyncResult } from '../hosts/host-view.js';
import type { ApiClient } from './api-client.js';
import type { GlobalOptions } from './connect.js';
import { frontendUrl } from './connect.js';
import { printer, topCommand, withClient, withGlobalOptions, type CliIo } from './run.js';
import { escapeControls, showText } from './terminal-safe.js';
import { formatKb, percent, renderTable, type Column } from './table.js';

type HostRef = string | number;

function hostRef(s: string): HostRef {
  return /^\d+$/.test(s) ? Number(s) : s;
}

const COLUMNS: readonly Column<HostView>[] = [
  { header: 'ID', value: (h) => String(h.id), right: true },
  { header: 'NAME', value: (h) => h.name },
  { header: 'CLUSTER', value: (h) => h.cluster },
  { header: 'RVM', value: (h) => String(h.rvm), right: true },
  {
    header: 'ALLOCATED_CPU',
    right: true,
    value: (h) => {
      const total = h.monitoring?.TOTALCPU ?? 0;
      return `${h.allocatedCpu} / ${total} (${percent(h.allocatedCpu, total)})`;
    },
  },
  {
    header: 'ALLOCATED_MEM',
    right: true,
    value: (h) => {
      const total = h.monitoring?.TOTALMEMORY ?? 0;
      return `${formatKb(h.allocatedMem)} / ${formatKb(total)} (${percent(h.allocatedMem, total)})`;
    },
  },
  { header: 'STAT', value: (h) => HOST_STAT[h.state] },
];

export function renderHostList(hosts: readonly HostView[]): string {
  return renderTable(COLUMNS, hosts);
}

export function renderHost(h: HostView): string {
  const m = h.monitoring;
  const lines = [
    `HOST ${h.id} INFORMATION`,
    `ID                    : ${h.id}`,
    `NAME                  : ${h.name}`,
    `CLUSTER               : ${h.cluster}`,
    `STATE                 : ${h.state}`,
    `IM_MAD                : ${h.im}`,
    `VM_MAD                : ${h.vm}`,
    `TM_MAD                : ${h.tm}`,
    `LAST MONITORING TIME  : ${h.lastMonitored > 0 ? new Date(h.lastMonitored).toISOString() : '-'}`,
  ];
  if (h.error !== undefined) lines.push(`ERROR                 : ${h.error}`);
  if (h.ssh !== undefined) {
    lines.push(`SSH                   : ${h.ssh.target}${h.ssh.ownKey ? ' (own key)' : ''}`, `AGENT DIR             : ${h.ssh.dir}`);
    if (h.ssh.hostKey !== undefined) lines.push(`HOST KEY              : ${h.ssh.hostKey}`);
    const last = h.deploy?.at(-1);
    if (last !== undefined) lines.push(`DEPLOY                : ${last.step} ${last.status}: ${last.message}`);
  }
  if (h.capabilities !== undefined) lines.push(`AGENT VERSION         : ${h.capabilities.version}`);
  if (h.fenced !== undefined) lines.push(`FENCED                : ${new Date(h.fenced.at).toISOString()} ${h.fenced.how}`);
  lines.push('', 'HOST SHARES', `RUNNING VMS           : ${h.rvm}`);
  const attrs = Object.entries(h.attributes);
  if (attrs.length > 0) lines.push('', 'HOST TEMPLATE', ...attrs.map(([k, v]) => `${k}="${v}"`));
  if (m !== undefined) {
    lines.push(
      `MEMORY`,
      `  TOTAL               : ${formatKb(m.TOTALMEMORY)}`,
      `  TOTAL +/- RESERVED  : ${formatKb(m.TOTALMEMORY)}`,
      `  USED (REAL)         : ${formatKb(m.USEDMEMORY)}`,
      `  USED (ALLOCATED)    : ${formatKb(h.allocatedMem)}`,
      `CPU`,
      `  TOTAL               : ${m.TOTALCPU}`,
      `  USED (REAL)         : ${m.USEDCPU}`,
      `  USED (ALLOCATED)    : ${h.allocatedCpu}`,
      '',
      'MONITORING INFORMATION',
      ...Object.entries(m).map(([k, v]) => `${k}="${String(v)}"`),
    );
  }
  return showText(lines);
}

/**
 * How long the CLI waits for a deployment: its steps (an upload over SSH, oned's wait of up to 30 s
 * for the agent to dial back) take longer than an ordinary call's 10 s, and oned reports a failed
 * step itself.
 */
const DEPLOY_TIMEOUT_MS = 10 * 60_000;

/**
 * Runs `host.deploy` and prints each step as oned reports it (polling
 * `host.info`), then the outcome; a failure names its step.
 */
async function deployWithProgress(c: ApiClient, id: number, io: CliIo, frontend: string | undefined): Promise<void> {
  const printed = new Set<string>();
  const show = (steps: readonly DeployProgress[] | undefined): void => {
    for (const p of steps ?? []) {
      const key = `${p.step}:${p.status}`;
      if (p.status === 'running' || printed.has(key)) continue;
      printed.add(key);
      io.out(`${escapeControls(`${p.step.padEnd(10)} ${p.status === 'done' ? 'ok  ' : 'FAIL'} ${p.message}`)}\n`);
    }
  };
  let over = false;
  const poll = (async () => {
    while (!over) {
      show((await c.call('host.info', { host: id }).catch(() => undefined))?.deploy);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  try {
    const view = await c.call(
      'host.deploy',
      { host: id, ...(frontend === undefined ? {} : { frontend }) },
      { timeoutMs: DEPLOY_TIMEOUT_MS },
    );
    over = true;
    await poll;
    show(view.deploy);
    io.out(`host ${escapeControls(view.name)} is ${view.state}\n`);
  } catch (err) {
    over = true;
    await poll;
    show((await c.call('host.info', { host: id }).catch(() => undefined))?.deploy);
    throw err;
  }
}

/** `onehost`: OpenNebula's host commands. */
export function onehostProgram(io: CliIo): Command {
  const program = new Command('onehost').description('Manage the hypervisor hosts').showHelpAfterError();
  const json = (cmd: Command): Command => cmd.option('--json', 'print JSON');
  const print = printer(io);

  withGlobalOptions(program.command('create').argument('<name>', 'host name'))
    .description('Register a host; with --ssh oned deploys its node agent, else print how to start it')
    .requiredOption('-i, --im <driver>', 'information (monitoring) driver: dummy or qemu')
    .requiredOption('-v, --vm <driver>', 'virtualization driver: dummy or qemu')
    .option('--ssh <[user@]addr[:port]>', "deploy the agent over SSH with oned's key (its public half: <oned data dir>/ssh/id_ed25519.pub)")
    .option('--key <file>', "with --ssh: a private key for this host instead of oned's (sent to oned, kept there with mode 0600)")
    .option('--dir <dir>', "with --ssh: the agent's directory on the host (default /var/lib/nephele/node)")
    .option('--tm <mad>', "TM_MAD, how VM files reach the host: shared (the front-end's datastores, mounted at the same path) or ssh")
    .option('--frontend <url>', "with --ssh: oned's URL as the host reaches it (default: the address the host sees oned from)")
    .action(
      async (
        name: string,
        opts: GlobalOptions & { im: string; vm: string; ssh?: string; key?: string; dir?: string; tm?: string; frontend?: string },
      ) => {
        if (opts.ssh !== undefined) {
          const key = opts.key === undefined ? undefined : await readFile(opts.key, 'utf8');
          await withClient(opts, async (c) => {
            // oned validates the names; the casts only satisfy the compiler.
            const { id } = await c.call('host.allocate', {
              name,
              im: opts.im as 'qemu',
              vm: opts.vm as 'qemu',
              ...(opts.tm === undefined ? {} : { tm: opts.tm as 'ssh' }),
              ssh: {
                target: opts.ssh as string,
                ...(opts.dir === undefined ? {} : { dir: opts.dir }),
                ...(key === undefined ? {} : { key }),
              },
            });
            io.out(`ID: ${id}\n`);
            await deployWithProgress(c, id, io, opts.frontend);
          });
          return;
        }
        if (opts.key !== undefined || opts.dir !== undefined || opts.frontend !== undefined)
          throw new Error('--key, --dir and --frontend go with --ssh');
        // oned validates the driver names; the casts only satisfy the compiler.
        const res = await withClient(opts, (c) =>
          c.call('host.allocate', {
            name,
            im: opts.im as 'qemu',
            vm: opts.vm as 'qemu',
            ...(opts.tm === undefined ? {} : { tm: opts.tm as 'ssh' }),
          }),
        );
        io.out(`ID: ${res.id}\n`);
        io.out(`TOKEN: ${res.token}\n`);
        io.out(`The token is shown only now. On ${name}, keep it in a file of mode 0600 and start the agent with\n`);
        io.out(`oned's address as the host reaches it:\n`);
        io.out(`  onenode --frontend ${frontendUrl(opts)} --host-id ${res.id} --vm ${opts.vm} --token-file /var/lib/nephele/node/token\n`);
      },
    );

  json(withGlobalOptions(program.command('list')))
    .description('List the hosts')
    .action(async (opts: GlobalOptions) => {
      const hosts = await withClient(opts, (c) => c.call('hostpool.info', {}));
      print(hosts, opts.json, () => renderHostList(hosts));
    });

  json(withGlobalOptions(program.command('show').argument('<host>', 'host id or name')))
    .description('Show a host')
    .action(async (host: string, opts: GlobalOptions) => {
      const h = await withClient(opts, (c) => c.call('host.info', { host: hostRef(host) }));
      print(h, opts.json, () => renderHost(h));
    });

  json(withGlobalOptions(program.command('forceupdate').argument('<host>', 'host id or name')))
    .description('Ask the host for fresh monitoring now')
    .action(async (host: string, opts: GlobalOptions) => {
      const h = await withClient(opts, (c) => c.call('host.monitor', { host: hostRef(host) }));
      print(h, opts.json, () => renderHost(h));
    });

  withGlobalOptions(program.command('update').argument('<host>', 'host id or name').argument('<file>', 'attributes, in template syntax'))
    .description("Set the host's own attributes (for SCHED_REQUIREMENTS and SCHED_RANK)")
    .option('--append', 'merge into the attributes instead of replacing them')
    .action(async (host: string, file: string, opts: GlobalOptions & { append?: boolean }) => {
      const template = await readFile(file, 'utf8');
      await withClient(opts, (c) => c.call('host.update', { host: hostRef(host), template, append: opts.append === true }));
    });

  withGlobalOptions(program.command('rename').argument('<host>', 'host id or name').argument('<name>', 'the new name'))
    .description('Rename a host (administrators); live migrations reach it by its name')
    .action(async (host: string, name: string, opts: GlobalOptions) => {
      await withClient(opts, (c) => c.call('host.rename', { id: hostRef(host), name }));
    });

  json(withGlobalOptions(program.command('fence').argument('<host>', 'host id or name')))
    .description('Declare a lost host down (powered off), so that the host-failure policy moves its VMs')
    .action(async (host: string, opts: GlobalOptions) => {
      const h = await withClient(opts, (c) => c.call('host.fence', { host: hostRef(host) }));
      print(h, opts.json, () => renderHost(h));
    });

  json(withGlobalOptions(program.command('sync').argument('[host]', 'host id or name (default: every host deployed over SSH)')))
    .description("Upgrade the agents deployed over SSH whose build differs from oned's")
    .option('--force', 'redeploy even agents that are current (also retries a failed deployment)')
    .option('--rekey', 'accept a host key that changed (a reinstalled host)')
    .action(async (host: string | undefined, opts: GlobalOptions & { force?: boolean; rekey?: boolean }) => {
      const results = await withClient(opts, (c) =>
        c.call(
          'host.sync',
          {
            ...(host === undefined ? {} : { host: hostRef(host) }),
            force: opts.force === true,
            rekey: opts.rekey === true,
          },
          { timeoutMs: DEPLOY_TIMEOUT_MS },
        ),
      );
      print(results, opts.json, () =>
        renderTable<SyncResult>(
          [
            { header: 'ID', value: (r) => String(r.id), right: true },
            { header: 'NAME', value: (r) => r.name },
            { header: 'FROM', value: (r) => r.from ?? '-' },
            { header: 'TO', value: (r) => r.to ?? '-' },
            { header: 'STATUS', value: (r) => (r.error === undefined ? r.status : `${r.status}: ${r.error}`) },
          ],
          results,
        ),
      );
      if (results.some((r) => r.status === 'failed')) process.exitCode = 1;
    });

  withGlobalOptions(program.command('delete').argument('<host>', 'host id or name'))
    .description('Delete a host (it must have no VMs unless --force); an agent deployed over SSH is stopped and removed')
    .option('--force', 'delete even with VMs on it')
    .action(async (host: string, opts: GlobalOptions & { force?: boolean }) => {
      await withClient(opts, (c) => c.call('host.delete', { host: hostRef(host), force: opts.force === true }));
    });

  for (const action of ['enable', 'disable', 'offline'] as const) {
    withGlobalOptions(program.command(action).argument('<host>', 'host id or name'))
      .description(`${action[0]?.toUpperCase()}${action.slice(1)} a host`)
      .action(async (host: string, opts: GlobalOptions) => {
        await withClient(opts, (c) => c.call('host.status', { host: hostRef(host), action }));
      });
  }

  topCommand(program, 'hosts', io, async (c) => renderHostList(await c.call('hostpool.info', {})));

  return program;
}

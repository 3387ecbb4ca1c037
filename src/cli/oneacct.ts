import { Command } from 'commander';
import type { AccountingRecord, VmAccounting } from '../api/api-types.js';
import { NepheleError } from '../errors.js';
import type { GlobalOptions } from './connect.js';
import { nameRef } from './oneuser.js';
import { printer, withClient, withGlobalOptions, type CliIo } from './run.js';
import { formatKb, renderTable } from './table.js';
import { showText } from './terminal-safe.js';

/** A time as `--start`/`--end` take it (`2025-06-04`, `2025-06-04T14:00:00Z`): ms since the epoch. */
export function parseTime(text: string, option: string): number {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms) || ms < 0) {
    throw new NepheleError('INVALID_ARGUMENT', `${option}: not a date: ${text.slice(0, 64)}`, { details: { field: option } });
  }
  return ms;
}

const iso = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString().slice(0, 19).replace('T', ' '));

/** One table per user, as OpenNebula's oneacct prints: each stay of each of their VMs. */
export function renderAccounting(entries: readonly VmAccounting[]): string {
  const byUser = new Map<number, { name: string; rows: { vm: VmAccounting['vm']; h: AccountingRecord }[] }>();
  for (const { vm, records } of entries) {
    const user = byUser.get(vm.uid) ?? { name: vm.user, rows: [] };
    for (const h of records) user.rows.push({ vm, h });
    byUser.set(vm.uid, user);
  }
  const lines: string[] = [];
  for (const [uid, { name, rows }] of [...byUser].sort(([a], [b]) => a - b)) {
    if (lines.length > 0) lines.push('');
    lines.push(`# User ${uid} ${name}`, '');
    const table = renderTable(
      [
        { header: 'VID', value: (r: (typeof rows)[number]) => String(r.vm.id), right: true },
        { header: 'SEQ', value: (r) => String(r.h.seq), right: true },
        { header: 'HOSTNAME', value: (r) => r.h.host ?? String(r.h.hostId) },
        { header: 'ACTION', value: (r) => r.h.reason ?? (r.h.etime === undefined ? '-' : 'none') },
        { header: 'START_TIME', value: (r) => iso(r.h.stime) },
        { header: 'END_TIME', value: (r) => iso(r.h.etime) },
        { header: 'MEMORY', value: (r) => formatKb(r.vm.memory * 1024), right: true },
        { header: 'CPU', value: (r) => String(r.vm.cpu), right: true },
      ],
      rows,
    );
    lines.push(...table.trimEnd().split('\n'));
  }
  return showText(lines.length === 0 ? ['No accounting records in that period.'] : lines);
}

/** `oneacct`: OpenNebula's accounting command, from the VMs' history records (docs/monitoring.md). */
export function oneacctProgram(io: CliIo): Command {
  const print = printer(io);
  return withGlobalOptions(new Command('oneacct'))
    .description("The VMs' stays on hosts that overlap a period: each VM's history records, per user")
    .option('-s, --start <time>', 'first day (or time) of the period, e.g. 2025-06-01')
    .option('-e, --end <time>', 'last day (or time) of the period')
    .option('-u, --userfilter <user>', 'only the VMs of this user (name or id)')
    .option('--json', 'print JSON')
    .showHelpAfterError()
    .action(async (o: GlobalOptions & { start?: string; end?: string; userfilter?: string }) => {
      const start = o.start === undefined ? undefined : parseTime(o.start, '--start');
      const end = o.end === undefined ? undefined : parseTime(o.end, '--end');
      const entries = await withClient(o, async (c) => {
        const filter = o.userfilter === undefined ? undefined : (await c.call('user.info', { user: nameRef(o.userfilter) })).id;
        return c.call('vmpool.accounting', {
          ...(filter === undefined ? {} : { filter }),
          ...(start === undefined ? {} : { start }),
          ...(end === undefined ? {} : { end }),
        });
      });
      print(entries, o.json, () => renderAccounting(entries));
    });
}

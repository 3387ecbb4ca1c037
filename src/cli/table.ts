import { escapeControls } from './terminal-safe.js';

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string;
  /** Right-aligned, as OpenNebula prints numbers. @default false */
  readonly right?: boolean;
}

/**
 * An OpenNebula-style table: upper-case headers, columns padded to fit.
 * Each cell has its terminal controls shown escaped (newlines and tabs too,
 * so a value cannot break its row), before the widths are measured.
 */
export function renderTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const cells = rows.map((row) => columns.map((c) => escapeControls(c.value(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => (columns[i]?.right === true ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join(' ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n') + '\n';
}

/** KiB in OpenNebula's short form: 512K, 3.8G. */
export function formatKb(kb: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  let v = kb;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const s = v >= 10 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(1);
  return `${s}${units[u]}`;
}

export function percent(part: number, whole: number): string {
  return whole > 0 ? `${Math.round((part / whole) * 100)}%` : '-';
}

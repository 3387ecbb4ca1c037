/**
 * QEMU processes as the qemu driver runs them: detached in their own session
 * so they outlive the agent, found again by pidfile, told apart from an
 * unrelated process that reused the pid by their command line, and measured
 * through /proc.
 */
import { spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { NepheleError } from '../../src/errors.js';
import { commandLine, isAlive } from '../../src/base/pidfile.js';
import { VM_FILES } from './qemu-args.js';

/** Linux's USER_HZ, the unit of /proc/<pid>/stat times, on every architecture we run on. */
const CLOCK_TICKS = 100;
/** The longest unix socket path that fits sun_path with its NUL, with a margin. */
const MAX_SOCKET_PATH = 100;

/** Starts QEMU detached, its stderr in the VM's qemu.log; resolves with its pid once it is spawned. */
export async function spawnQemu(binary: string, args: readonly string[], dir: string): Promise<number> {
  const log = await open(join(dir, VM_FILES.log), 'a');
  try {
    const child = spawn(binary, args, { cwd: dir, detached: true, stdio: ['ignore', 'ignore', log.fd] });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid ?? 0));
      child.once('error', (err) =>
        reject(
          new NepheleError('DRIVER_FAILED', `cannot start ${binary}: ${err.message}`, {
            details: { driver: 'qemu', binary },
            cause: err,
          }),
        ),
      );
    });
    child.unref();
    return pid;
  } finally {
    await log.close();
  }
}

/** The tail of the VM's qemu.log, for an error's details. */
export async function qemuLogTail(dir: string): Promise<string> {
  try {
    return (await readFile(join(dir, VM_FILES.log), 'utf8')).slice(-2000).trim();
  } catch {
    return '';
  }
}

/**
 * A path to the socket `name` in the VM's directory that fits a unix socket
 * address: the plain one when short enough, else through QEMU's working
 * directory (/proc/<pid>/cwd, which is the VM's directory).
 */
export function socketPath(dir: string, pid: number, name: string): string {
  const plain = join(dir, name);
  return Buffer.byteLength(plain) <= MAX_SOCKET_PATH ? plain : `/proc/${pid}/cwd/${name}`;
}

/** True when `pid` is a live QEMU started with this VM directory's pidfile: pids are reused. */
export async function isQemuOf(pid: number, dir: string): Promise<boolean> {
  if (!isAlive(pid)) return false;
  const args = await commandLine(pid);
  if (args === undefined || args[0] === undefined || !basename(args[0]).startsWith('qemu-system')) return false;
  const at = args.indexOf('-pidfile');
  return at >= 0 && args[at + 1] === join(dir, VM_FILES.pidfile);
}

/** The fields of /proc/<pid>/stat after the command name, which may hold spaces and parentheses. */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Resolves once `pid` is gone, polling; false when it outlived `timeoutMs`. */
export async function waitExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/** SIGKILLs `pid` and waits for it to go. */
export async function killHard(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  await waitExit(pid, 10_000);
}

/** CPU time used so far, in clock ticks, and resident memory, in KiB; undefined once the process is gone. */
export interface ProcSample {
  readonly ticks: number;
  readonly rssKb: number;
  /** When it was taken, ms. */
  readonly at: number;
}

export async function sampleProcess(pid: number): Promise<ProcSample | undefined> {
  try {
    const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')]);
    const fields = statFields(stat);
    // utime and stime are fields 14 and 15 of stat; fields[0] is field 3
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return { ticks, rssKb: rss?.[1] === undefined ? 0 : Number(rss[1]), at: Date.now() };
  } catch {
    return undefined;
  }
}

/** Percent of one core used between two samples. */
export function cpuPercent(before: ProcSample, after: ProcSample): number {
  const ms = after.at - before.at;
  if (ms <= 0) return 0;
  return Math.max(0, Math.round((((after.ticks - before.ticks) / CLOCK_TICKS) * 1000 * 100) / ms));
}

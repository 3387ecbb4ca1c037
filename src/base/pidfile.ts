import { readFileSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { NepheleError } from '../errors.js';

// In the base layer because both sides read pidfiles: the agent (its own, its QEMUs') and
// oned, which finds the local agent it started (`oned --local`) by its pidfile.

/**
 * True when a process with this pid exists and has not exited (signal 0
 * checks, sends nothing). A zombie — exited, not yet reaped by its parent,
 * which for a detached process is init, and some inits reap slowly — is dead.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // no /proc: signal 0 is all we know
  }
}

export async function readPid(path: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(path, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes `path` for this process: one agent per data directory. A pidfile
 * whose process is gone is stale and taken over. Returns the release function.
 */
export async function acquirePidfile(path: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return async () => {
        if ((await readPid(path)) === process.pid) await rm(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = await readPid(path);
      if (pid !== undefined && pid !== process.pid && isAlive(pid)) {
        throw new NepheleError('NAME_TAKEN', `another onenode (pid ${pid}) runs on this data directory`, { details: { pid } });
      }
      await rm(path, { force: true });
    }
  }
  throw new NepheleError('NAME_TAKEN', `could not take ${path}`);
}

/** The command line of a live process (Linux /proc), or undefined. */
export async function commandLine(pid: number): Promise<string[] | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter((a) => a !== '');
  } catch {
    return undefined;
  }
}

/** True when `pid` is an onenode running on `dataDir`: a pidfile can outlive its process, and pids are reused. */
export async function isAgentProcess(pid: number, dataDir: string): Promise<boolean> {
  if (!isAlive(pid)) return false;
  const args = await commandLine(pid);
  if (args === undefined) return false;
  const i = args.indexOf('--data-dir');
  return args.some((a) => /onenode(\.[jt]s)?$/.test(a)) && i >= 0 && args[i + 1] === dataDir;
}

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isQemuOf, killHard, waitExit } from './drivers/qemu-process.js';
import { commandLine, isAlive, readPid } from '../src/base/pidfile.js';

/**
 * Stops the agent that runs on `dataDir` (its pidfile names it), as
 * `onehost sync` and `onehost delete` do over SSH. The pid must still be an
 * onenode: pidfiles outlive processes, and pids are reused. QEMU runs in
 * sessions of its own, so the VMs keep running.
 * Resolves with the pid stopped, or undefined when none ran.
 */
export async function stopAgent(dataDir: string, timeoutMs = 15_000): Promise<number | undefined> {
  const pid = await readPid(join(dataDir, 'onenode.pid'));
  if (pid === undefined || pid === process.pid || !isAlive(pid)) return undefined;
  const args = await commandLine(pid);
  if (args === undefined || !args.some((a) => /onenode(\.m?[jt]s)?$/.test(a))) return undefined;
  process.kill(pid, 'SIGTERM');
  if (!(await waitExit(pid, timeoutMs))) await killHard(pid);
  return pid;
}

/**
 * Fencing (oned's host-failure policy): the agent stops and every QEMU it
 * started is killed, so that the VMs can run elsewhere without running
 * twice. Each QEMU is found by its pidfile under `<dataDir>/vms/<vmId>` and
 * must still be that VM's QEMU. Resolves with what it stopped.
 */
export async function fenceNode(dataDir: string): Promise<{ agent: number | undefined; vms: number[] }> {
  const agent = await stopAgent(dataDir, 5_000);
  const vms: number[] = [];
  const root = join(dataDir, 'vms');
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const dir = join(root, name);
    const pid = await readPid(join(dir, 'qemu.pid'));
    if (pid === undefined || !(await isQemuOf(pid, dir))) continue;
    process.kill(pid, 'SIGKILL');
    vms.push(Number(name));
  }
  return { agent, vms };
}

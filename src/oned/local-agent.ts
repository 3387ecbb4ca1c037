import { spawn } from 'node:child_process';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { isNepheleError } from '../errors.js';
import { isAgentProcess, readPid } from '../base/pidfile.js';
import type { HypervisorName } from '../protocol/domain.js';
import type { Oned } from './oned.js';
import { HOST_POOL } from '../hosts/host-subtree.js';
import { actorDirectory } from './registry-names.js';
import { writeSecretFile } from '../auth/auth-file.js';

export interface LocalAgentOptions {
  readonly dataDir: string;
  readonly hypervisor: HypervisorName;
  readonly monitorIntervalMs: number;
  readonly log: Logger;
}

export interface LocalAgent {
  readonly hostId: number;
  readonly pid: number;
  /** Stops the agent (SIGTERM). */
  stop(): Promise<void>;
}

export const LOCAL_HOST = 'localhost';

/**
 * `oned --local`: this machine is also a host. Registers `localhost` on first
 * start, keeps its token in the data directory (mode 0600), and starts its
 * agent detached — unless the agent from an earlier oned still runs, which
 * is what happens after oned was killed: then that agent is kept, and it
 * dials the new oned by itself.
 */
export async function ensureLocalAgent(oned: Oned, options: LocalAgentOptions): Promise<LocalAgent> {
  const dir = join(options.dataDir, 'local-agent');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tokenFile = join(dir, 'token');
  const pool = actorDirectory(oned.system).lookup(HOST_POOL);

  let hostId: number;
  try {
    const ref = await pool.ask({ type: 'get', host: LOCAL_HOST });
    hostId = ((await ref.ask({ type: 'access' })) as { id: number }).id;
    const haveToken = await readFile(tokenFile, 'utf8').then(
      () => true,
      () => false,
    );
    if (!haveToken) {
      const { token } = await pool.ask({ type: 'rotate_token', host: hostId });
      await writeSecretFile(tokenFile, `${token}\n`);
    }
  } catch (err) {
    if (!isNepheleError(err, 'HOST_NOT_FOUND')) throw err;
    const res = await pool.ask({
      type: 'allocate',
      name: LOCAL_HOST,
      im: options.hypervisor,
      vm: options.hypervisor,
    });
    hostId = res.id;
    await writeSecretFile(tokenFile, `${res.token}\n`);
  }

  const pidfile = join(dir, 'onenode.pid');
  const running = await readPid(pidfile);
  if (running !== undefined && (await isAgentProcess(running, dir))) {
    options.log.info({ pid: running, hostId }, 'the local agent still runs; keeping it');
    return { hostId, pid: running, stop: () => kill(running, dir) };
  }

  const here = fileURLToPath(import.meta.url);
  const ext = here.endsWith('.ts') ? '.ts' : '.js';
  const entry = fileURLToPath(new URL(`../../bin/onenode${ext}`, import.meta.url));
  const logFile = await open(join(dir, 'onenode.log'), 'a', 0o600);
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      entry,
      '--frontend',
      oned.url,
      '--host-id',
      String(hostId),
      '--token-file',
      tokenFile,
      '--data-dir',
      dir,
      '--vm',
      options.hypervisor,
      // This machine's host shares oned's datastores, as any TM_MAD = shared host does.
      '--datastores',
      join(options.dataDir, 'datastores'),
      '--monitor-interval-ms',
      String(options.monitorIntervalMs),
    ],
    { detached: true, stdio: ['ignore', logFile.fd, logFile.fd] },
  );
  child.unref();
  await logFile.close();
  const pid = child.pid ?? 0;
  options.log.info({ pid, hostId, log: join(dir, 'onenode.log') }, 'started the local agent');
  return { hostId, pid, stop: () => kill(pid, dir) };
}

/** SIGTERM to our agent, checked again first: the pid may have been reused since. */
async function kill(pid: number, dir: string): Promise<void> {
  if (!(await isAgentProcess(pid, dir))) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

/**
 * What the lifecycle suite runs against, with the real pieces: oned in this
 * process (startOned: real LevelDB, real socket.io on loopback, a silent
 * logger), an ApiClient, and node agents as real processes (`onenode --vm
 * dummy`) dialling oned over socket.io, as test/fixtures/cloud.ts does it.
 *
 * The agents are the built ones (`node dist/bin/onenode.js`; `npm run bench`
 * builds first). When this file runs from source (`npx tsx bench/run.ts`),
 * they run from source too, through tsx.
 *
 * Every agent is stopped by its pid: SIGTERM, then SIGKILL if it has not
 * exited after a grace period; and if this process exits with agents still
 * alive, an exit hook SIGKILLs them, so none is ever left behind redialling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { readAuthFile, writeSecretFile } from '../src/auth/auth-file.js';
import { ApiClient } from '../src/cli/api-client.js';
import { startOned, type Oned } from '../src/oned/oned.js';

const FROM_SOURCE = fileURLToPath(import.meta.url).endsWith('.ts');
/** The repository: bench/ from source, dist/bench/ when built. */
const ROOT = fileURLToPath(new URL(FROM_SOURCE ? '../' : '../../', import.meta.url));
/** How node runs one of our programs: the built one, or through tsx from source. */
function binArgs(name: 'oned' | 'onenode'): readonly string[] {
  return FROM_SOURCE ? ['--import', 'tsx', join(ROOT, 'bin', `${name}.ts`)] : [join(ROOT, 'dist', 'bin', `${name}.js`)];
}

/** oned's own heartbeat default; an agent is lost after 3 of them. */
export const HEARTBEAT_MS = 2_000;

/** Starts oned in this process on `dataDir`; port 0 picks a free port. */
export function startBenchOned(dataDir: string, port = 0): Promise<Oned> {
  return startOned({
    dataDir,
    host: '127.0.0.1',
    port,
    heartbeatMs: HEARTBEAT_MS,
    lostAfterMs: 3 * HEARTBEAT_MS,
    log: pino({ level: 'silent' }),
    // The lifecycle suite deploys by hand: it measures the life cycle, not placement.
    scheduler: false,
  });
}

/** oneadmin's client, with a timeout long enough for a listing of 20,000 VMs. */
export async function connectClient(oned: Oned): Promise<ApiClient> {
  return ApiClient.connect({ url: oned.url, ...(await readAuthFile(oned.authFile)), timeoutMs: 60_000 });
}

/** One of our programs, started by this process. */
export interface BinProc {
  readonly pid: number;
  /** The last few KB it printed, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once (a crash, as kill -9 makes one); resolves once it has exited. */
  kill(): Promise<void>;
}

export interface AgentProc extends BinProc {
  readonly hostId: number;
}

const live = new Set<ChildProcess>();
let exitHook = false;

function killLeftovers(): void {
  for (const child of live) {
    try {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export interface AgentOptions {
  /** The host's im/vm drivers and the agent's `--vm`. @default 'dummy' */
  readonly vm?: 'dummy' | 'qemu';
  /** More agent arguments, e.g. `--accel tcg --network none --datastores <dir>`. @default none */
  readonly args?: readonly string[];
}

/**
 * Registers host `name` with oned and starts its agent (`onenode --vm dummy`
 * unless told otherwise), the default monitor interval; its data dir is `dir`/`name`.
 */
export async function addAgent(client: ApiClient, oned: Oned, dir: string, name: string, options: AgentOptions = {}): Promise<AgentProc> {
  const vm = options.vm ?? 'dummy';
  const { id, token } = await client.call('host.allocate', { name, im: vm, vm });
  const tokenFile = join(dir, `${name}.token`);
  await writeSecretFile(tokenFile, `${token}\n`);
  const agent = spawnBin('onenode', [
    '--frontend',
    oned.url,
    '--host-id',
    String(id),
    '--token-file',
    tokenFile,
    '--data-dir',
    join(dir, name),
    '--vm',
    vm,
    '--log-level',
    'warn',
    ...(options.args ?? []),
  ]);
  return { ...agent, hostId: id };
}

/**
 * Starts `oned` or `onenode` as a child process, its output kept (the last
 * 8 KB) for error messages; `env` is added to this process's environment,
 * `nodeArgs` go to node itself (e.g. `--cpu-prof`, which NODE_OPTIONS refuses).
 */
export function spawnBin(
  name: 'oned' | 'onenode',
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
  nodeArgs: readonly string[] = [],
): BinProc {
  if (!exitHook) {
    exitHook = true;
    process.on('exit', killLeftovers);
  }
  const child = spawn(process.execPath, [...nodeArgs, ...binArgs(name), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  live.add(child);
  const gone = once(child, 'exit').then(() => {
    live.delete(child);
  });
  let out = '';
  const keep = (buf: Buffer): void => {
    out = (out + buf.toString('utf8')).slice(-8192);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const pid = child.pid;
  return {
    pid,
    output: () => out,
    async kill() {
      if (!exited(child)) process.kill(pid, 'SIGKILL');
      return gone;
    },
    async stop(graceMs = 3_000) {
      if (exited(child)) return gone;
      process.kill(pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), graceMs);
      });
      const how = await Promise.race([gone.then(() => 'exited' as const), late]);
      clearTimeout(timer);
      if (how === 'late' && !exited(child)) process.kill(pid, 'SIGKILL');
      return gone;
    },
  };
}

export interface Cloud {
  readonly oned: Oned;
  readonly client: ApiClient;
  readonly agents: readonly AgentProc[];
  readonly hostIds: readonly number[];
}

/**
 * oned on `dir`/oned, oneadmin's client, and `hosts` agents (`dir`/<name>),
 * once every host is MONITORED. On failure whatever was started is stopped.
 */
export async function startCloud(dir: string, hosts: number): Promise<Cloud> {
  const oned = await startBenchOned(join(dir, 'oned'));
  let client: ApiClient | undefined;
  const agents: AgentProc[] = [];
  try {
    client = await connectClient(oned);
    for (let h = 0; h < hosts; h++) agents.push(await addAgent(client, oned, dir, `bench-node-${h}`));
    const c = client;
    await until(
      () => c.call('hostpool.info', {}),
      (hs) => hs.every((h) => h.state === 'MONITORED'),
      'every host MONITORED',
      30_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\nlast agent output:\n${agents.map((a) => a.output()).join('\n')}`);
    });
    return { oned, client, agents, hostIds: agents.map((a) => a.hostId) };
  } catch (err) {
    client?.close();
    await Promise.all(agents.map((a) => a.stop()));
    await oned.close();
    throw err;
  }
}

/** Calls `fn` every `intervalMs` until `ok` accepts its value; throws after `timeoutMs`. */
export async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 20_000, intervalMs = 20): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (ok(v)) return v;
    } catch (err) {
      lastErr = err;
    }
    if (performance.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastErr === undefined ? '' : ` (last error: ${String(lastErr)})`}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

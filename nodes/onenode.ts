import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { ExitReason } from '../src/actors/index.js';
import { NepheleError } from '../src/errors.js';
import { createLogger } from '../src/log/logger.js';
import { bundleBuild } from '../src/protocol/agent-build.js';
import { startAgent } from './agent.js';
import { readAgentConfig } from './agent-config.js';
import { agentOptions, type AgentOptions, type OnenodeArgs } from './agent-options.js';
import { fenceNode, stopAgent } from './agent-stop.js';
import { readSimulatedHosts } from './simulated-hosts.js';
import { startSimulation } from './simulation.js';

function usage(message: string): NepheleError {
  return new NepheleError('INVALID_ARGUMENT', message);
}

/**
 * The `onenode` program once its arguments are parsed: `--fence` or `--stop`
 * and exit, or run the simulation (`--simulate`) or this host's agent until a
 * signal. A wrong or missing option throws INVALID_ARGUMENT before anything
 * starts; a failure to start is logged and sets the exit status.
 */
export async function runOnenode(args: OnenodeArgs): Promise<void> {
  const o = agentOptions(args, args.config === undefined ? {} : await readAgentConfig(args.config));
  if (o.fence) {
    process.stdout.write(`${JSON.stringify(await fenceNode(resolve(o.dataDir)))}\n`);
    process.exit(0);
  }
  if (o.stop) {
    const pid = await stopAgent(resolve(o.dataDir));
    process.stdout.write(pid === undefined ? 'no agent was running\n' : `stopped onenode (pid ${pid})\n`);
    process.exit(0);
  }
  await (o.simulate === undefined ? agent(o) : simulate(o, o.simulate));
}

/** Stops on SIGINT or SIGTERM (status 0); exits with status 1 if its actors keep crashing, so that it is restarted. */
function runUntilStopped(
  running: { readonly failed: Promise<ExitReason>; stop(): Promise<void> },
  log: Logger,
  failedMessage: string,
): void {
  const stop = (): void => {
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  void running.failed.then((reason) => {
    log.fatal({ err: reason.type === 'failure' ? reason.error : undefined }, failedMessage);
    process.exit(1);
  });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** `--simulate n`: n simulated hosts in this process. */
async function simulate(o: AgentOptions, n: number): Promise<void> {
  if (o.frontend === undefined) throw usage('--frontend is required');
  if (o.vm !== 'dummy') throw usage('--simulate runs the dummy driver only');
  if (o.hostId !== undefined) throw usage('--simulate takes its host ids from --simulate-hosts, not --host-id');
  if (o.simulateHosts === undefined) throw usage('--simulate needs --simulate-hosts <file>');
  const hosts = await readSimulatedHosts(o.simulateHosts);
  if (hosts.length < n) throw usage(`--simulate ${n}: ${o.simulateHosts} lists ${hosts.length} hosts`);
  const log = createLogger(o.logLevel, o.logFormat);
  try {
    const sim = await startSimulation({
      frontend: o.frontend,
      hosts: hosts.slice(0, n),
      dataDir: o.dataDir,
      monitorIntervalMs: o.monitorIntervalMs,
      dummyLatencyMs: o.dummyLatencyMs,
      dummyFail: o.dummyFail,
      ...(o.simulateCpus === undefined ? {} : { cpus: o.simulateCpus }),
      ...(o.simulateMemoryMb === undefined ? {} : { memoryMb: o.simulateMemoryMb }),
      log,
    });
    runUntilStopped(sim, log, 'a simulated node actor keeps crashing; onenode exits so that it is restarted');
  } catch (err) {
    log.fatal({ err }, 'onenode could not start the simulation');
    process.exitCode = 1;
  }
}

/** A bundle (onehost create --ssh) says which build it is, so onehost sync can tell an old agent. */
async function ownBuild(): Promise<string | undefined> {
  // Written exactly so: the bundle's esbuild `define` replaces this expression with "1".
  if (process.env.NEPHELE_AGENT_BUNDLE !== '1') return undefined;
  // In the bundle every module is one file, so this module's URL is the bundle's.
  return bundleBuild(await readFile(fileURLToPath(import.meta.url)));
}

/** One agent for this host. */
async function agent(o: AgentOptions): Promise<void> {
  if (o.frontend === undefined || o.hostId === undefined)
    throw usage('--frontend and --host-id are required (or a --config that gives them)');
  // The most explicit source wins: --token, then --token-file, then the environment.
  const token = o.token ?? (o.tokenFile === undefined ? process.env['NEPHELE_TOKEN'] : (await readFile(o.tokenFile, 'utf8')).trim());
  if (token === undefined || token === '') throw usage('a token is required: --token-file, $NEPHELE_TOKEN or --token');

  const log = createLogger(o.logLevel, o.logFormat);
  try {
    const build = await ownBuild();
    const agent = await startAgent({
      frontend: o.frontend,
      hostId: o.hostId,
      token,
      dataDir: o.dataDir,
      hypervisor: o.vm,
      monitorIntervalMs: o.monitorIntervalMs,
      dummyLatencyMs: o.dummyLatencyMs,
      dummyFail: o.dummyFail,
      // Real VMs get real NICs; simulated ones only when asked (--network linux).
      network: o.network ?? (o.vm === 'qemu' ? 'linux' : 'none'),
      ...(o.netns === undefined ? {} : { netns: o.netns }),
      ...(o.datastores === undefined ? {} : { datastores: resolve(o.datastores) }),
      accelerator: o.accel,
      ...(o.probeKernel === undefined ? {} : { probeKernel: o.probeKernel }),
      log,
      ...(build === undefined ? {} : { build }),
    });
    runUntilStopped(agent, log, 'the node actor keeps crashing; onenode exits so that it is restarted');
  } catch (err) {
    log.fatal({ err }, 'onenode could not start');
    process.exitCode = 1;
  }
}

#!/usr/bin/env node
import { resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import type { Logger } from 'pino';
import type { ExitReason } from '../src/actors/index.js';
import { createLogger, type LogFormat } from '../src/log/logger.js';
import { startAgent } from '../nodes/agent.js';
import { readSimulatedHosts } from '../nodes/simulated-hosts.js';
import { startSimulation } from '../nodes/simulation.js';
import { readAgentConfig } from '../nodes/agent-config.js';
import { fenceNode, stopAgent } from '../nodes/agent-stop.js';
import { bundleBuild } from '../src/hosts/agent-bundle.js';
import { positiveInt } from '../src/cli/args.js';
import { SIMULATED_FAILURES, type SimulatedFailure } from '../nodes/drivers/dummy-hypervisor.js';

function simulatedFailures(list: string): Set<SimulatedFailure> {
  const ops = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const op of ops) if (!(SIMULATED_FAILURES as readonly string[]).includes(op)) program.error(`--dummy-fail: unknown operation ${op}`);
  return new Set(ops as SimulatedFailure[]);
}

const program = new Command('onenode')
  .description('The Nephele node agent: runs VMs on this host for oned')
  .option('--config <file>', 'a JSON file of these options (onehost create --ssh writes one); options given here win')
  .option('--stop', 'stop the agent running on the data directory, and exit (its VMs keep running)')
  .option('--fence', 'stop the agent and kill every QEMU it started (oned fences a lost host so its VMs can run elsewhere); prints JSON')
  .option('--frontend <url>', "oned's URL, e.g. http://10.0.0.1:2633 (required)")
  .option('--host-id <id>', 'this host\'s id in oned, which onehost create prints (required)')
  .option('--token <token>', 'the host token (visible in ps: prefer --token-file or $NEPHELE_TOKEN)')
  .option('--token-file <file>', 'a file holding the host token')
  .option('--data-dir <dir>', 'where the agent keeps its state (default /var/lib/nephele/node)')
  .addOption(new Option('--vm <driver>', 'hypervisor driver (default dummy)').choices(['dummy', 'qemu']))
  .option('--monitor-interval-ms <ms>', 'how often to push monitoring (default 10000)')
  .option('--dummy-latency-ms <ms>', 'with --vm dummy: how long a simulated deploy, shutdown or reboot takes', '0')
  .option('--dummy-fail <ops>', `with --vm dummy: operations that fail, comma-separated (${SIMULATED_FAILURES.join(', ')})`, '')
  .addOption(new Option('--network <driver>', 'how NICs are plugged: linux (a bridge per network, a tap per NIC) or none').choices(['linux', 'none']))
  .option('--netns <name>', 'with --network linux: make the bridges and taps in this network namespace (the test lab)')
  .addOption(new Option('--accel <accel>', 'with --vm qemu: kvm, tcg, or auto (KVM if a real kernel boots under it, else TCG; the default)').choices(['auto', 'kvm', 'tcg']))
  .option('--probe-kernel <file>', 'with --accel auto: the kernel the KVM probe boots (default: the newest /boot/vmlinuz-*)')
  .option('--datastores <dir>', "the host's datastores: VM directories in 0/<vmId>, images in 1/ (with TM_MAD shared, the front-end's, mounted at the same path)")
  .option('--log-level <level>', 'pino log level (default info)')
  .addOption(new Option('--log-format <format>', 'log lines: JSON, pretty, or auto (pretty on a terminal; the default)').choices(['auto', 'json', 'pretty']))
  .option('--simulate <n>', 'stand for n simulated hosts in this process (dummy driver), each with its own connection, token and monitoring')
  .option('--simulate-hosts <file>', 'with --simulate: a JSON list of { "hostId", "token" } (mode 0600), the first n of which are used')
  .option('--simulate-cpus <n>', "with --simulate: each simulated host's CPUs (default this machine's)")
  .option('--simulate-memory-mb <mib>', "with --simulate: each simulated host's memory (default this machine's)")
  .parse();

const cli = program.opts<{
  config?: string; stop?: boolean; fence?: boolean; frontend?: string; hostId?: string; token?: string; tokenFile?: string; dataDir?: string;
  vm?: 'dummy' | 'qemu'; monitorIntervalMs?: string; dummyLatencyMs: string; dummyFail: string; logLevel?: string;
  network?: 'linux' | 'none'; netns?: string; accel?: 'auto' | 'kvm' | 'tcg'; probeKernel?: string; datastores?: string;
  logFormat?: LogFormat; simulate?: string; simulateHosts?: string; simulateCpus?: string; simulateMemoryMb?: string;
}>();
let file: Awaited<ReturnType<typeof readAgentConfig>> = {};
if (cli.config !== undefined) {
  try {
    file = await readAgentConfig(cli.config);
  } catch (err) {
    program.error(err instanceof Error ? err.message : String(err));
  }
}
const o = {
  ...cli,
  frontend: cli.frontend ?? file.frontend,
  hostId: cli.hostId ?? (file.hostId === undefined ? undefined : String(file.hostId)),
  tokenFile: cli.tokenFile ?? file.tokenFile,
  dataDir: cli.dataDir ?? file.dataDir ?? '/var/lib/nephele/node',
  vm: cli.vm ?? file.vm ?? 'dummy',
  monitorIntervalMs: cli.monitorIntervalMs ?? String(file.monitorIntervalMs ?? 10_000),
  network: cli.network ?? file.network,
  accel: cli.accel ?? file.accel ?? 'auto',
  datastores: cli.datastores ?? file.datastores,
  logLevel: cli.logLevel ?? file.logLevel ?? 'info',
};
if (cli.fence === true) {
  process.stdout.write(`${JSON.stringify(await fenceNode(resolve(o.dataDir)))}\n`);
  process.exit(0);
}
if (cli.stop === true) {
  const pid = await stopAgent(resolve(o.dataDir));
  process.stdout.write(pid === undefined ? 'no agent was running\n' : `stopped onenode (pid ${pid})\n`);
  process.exit(0);
}
if (cli.simulate !== undefined) {
  await simulate();
} else {
  await agent();
}

/** Stops on SIGINT or SIGTERM (status 0); exits with status 1 if its actors keep crashing, so that it is restarted. */
function runUntilStopped(running: { readonly failed: Promise<ExitReason>; stop(): Promise<void> }, log: Logger, failedMessage: string): void {
  const stop = (): void => { running.stop().then(() => process.exit(0), () => process.exit(1)); };
  void running.failed.then((reason) => {
    log.fatal({ err: reason.type === 'failure' ? reason.error : undefined }, failedMessage);
    process.exit(1);
  });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** `--simulate n`: n simulated hosts in this process. */
async function simulate(): Promise<void> {
  if (o.frontend === undefined) program.error('--frontend is required');
  if (o.vm !== 'dummy') program.error('--simulate runs the dummy driver only');
  if (o.hostId !== undefined) program.error('--simulate takes its host ids from --simulate-hosts, not --host-id');
  if (cli.simulateHosts === undefined) program.error('--simulate needs --simulate-hosts <file>');
  const n = positiveInt(cli.simulate as string, '--simulate', 1);
  const hosts = await readSimulatedHosts(cli.simulateHosts as string).catch((err: unknown) =>
    program.error(err instanceof Error ? err.message : String(err)));
  if (hosts.length < n) program.error(`--simulate ${n}: ${cli.simulateHosts} lists ${hosts.length} hosts`);
  const log = createLogger(o.logLevel, o.logFormat ?? 'auto');
  try {
    const sim = await startSimulation({
      frontend: o.frontend as string,
      hosts: hosts.slice(0, n),
      dataDir: o.dataDir,
      monitorIntervalMs: positiveInt(o.monitorIntervalMs, '--monitor-interval-ms', 100),
      dummyLatencyMs: positiveInt(o.dummyLatencyMs, '--dummy-latency-ms', 0),
      dummyFail: simulatedFailures(o.dummyFail),
      ...(cli.simulateCpus === undefined ? {} : { cpus: positiveInt(cli.simulateCpus, '--simulate-cpus', 1) }),
      ...(cli.simulateMemoryMb === undefined ? {} : { memoryMb: positiveInt(cli.simulateMemoryMb, '--simulate-memory-mb', 1) }),
      log,
    });
    runUntilStopped(sim, log, 'a simulated node actor keeps crashing; onenode exits so that it is restarted');
  } catch (err) {
    log.fatal({ err }, 'onenode could not start the simulation');
    process.exitCode = 1;
  }
}

/** One agent for this host. */
async function agent(): Promise<void> {
  if (o.frontend === undefined || o.hostId === undefined) program.error('--frontend and --host-id are required (or a --config that gives them)');
  /** A bundle (onehost create --ssh) says which build it is, so onehost sync can tell an old agent. */
  async function ownBuild(): Promise<string | undefined> {
    if (process.env.NEPHELE_AGENT_BUNDLE !== '1') return undefined;
    return bundleBuild(await readFile(fileURLToPath(import.meta.url)));
  }
  // The most explicit source wins: --token, then --token-file, then the environment.
  const token = o.token ?? (o.tokenFile === undefined ? process.env.NEPHELE_TOKEN : (await readFile(o.tokenFile, 'utf8')).trim());
  if (token === undefined || token === '') {
    program.error('a token is required: --token-file, $NEPHELE_TOKEN or --token');
  }

  const log = createLogger(o.logLevel, o.logFormat ?? 'auto');
  try {
    const agent = await startAgent({
      frontend: o.frontend as string,
      hostId: positiveInt(o.hostId as string, '--host-id', 0),
      token: token as string,
      dataDir: o.dataDir,
      hypervisor: o.vm,
      monitorIntervalMs: positiveInt(o.monitorIntervalMs, '--monitor-interval-ms', 100),
      dummyLatencyMs: positiveInt(o.dummyLatencyMs, '--dummy-latency-ms', 0),
      dummyFail: simulatedFailures(o.dummyFail),
      // Real VMs get real NICs; simulated ones only when asked (--network linux).
      network: o.network ?? (o.vm === 'qemu' ? 'linux' : 'none'),
      ...(o.netns === undefined ? {} : { netns: o.netns }),
      ...(o.datastores === undefined ? {} : { datastores: resolve(o.datastores) }),
      accelerator: o.accel,
      ...(o.probeKernel === undefined ? {} : { probeKernel: o.probeKernel }),
      log,
      ...await ownBuild().then((build) => (build === undefined ? {} : { build })),
    });
    runUntilStopped(agent, log, 'the node actor keeps crashing; onenode exits so that it is restarted');
  } catch (err) {
    log.fatal({ err }, 'onenode could not start');
    process.exitCode = 1;
  }
}

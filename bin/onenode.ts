#!/usr/bin/env node
import { Command, Option } from 'commander';
import type { LogFormat } from '../src/log/logger.js';
import { positiveInt } from '../src/cli/args.js';
import { SIMULATED_FAILURES, type SimulatedFailure } from '../nodes/drivers/dummy-hypervisor.js';
import { runOnenode } from '../nodes/onenode.js';

function simulatedFailures(list: string): Set<SimulatedFailure> {
  const ops = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const op of ops) if (!(SIMULATED_FAILURES as readonly string[]).includes(op)) program.error(`--dummy-fail: unknown operation ${op}`);
  return new Set(ops as SimulatedFailure[]);
}

/** A number option, undefined when not given (the config file may give it). */
function int(value: string | undefined, name: string, min: number): number | undefined {
  return value === undefined ? undefined : positiveInt(value, name, min);
}

const program = new Command('onenode')
  .description('The Nephele node agent: runs VMs on this host for oned')
  .option('--config <file>', 'a JSON file of these options (onehost create --ssh writes one); options given here win')
  .option('--stop', 'stop the agent running on the data directory, and exit (its VMs keep running)')
  .option('--fence', 'stop the agent and kill every QEMU it started (oned fences a lost host so its VMs can run elsewhere); prints JSON')
  .option('--frontend <url>', "oned's URL, e.g. http://10.0.0.1:2633 (required)")
  .option('--host-id <id>', "this host's id in oned, which onehost create prints (required)")
  .option('--token <token>', 'the host token (visible in ps: prefer --token-file or $NEPHELE_TOKEN)')
  .option('--token-file <file>', 'a file holding the host token')
  .option('--data-dir <dir>', 'where the agent keeps its state (default /var/lib/nephele/node)')
  .addOption(new Option('--vm <driver>', 'hypervisor driver (default dummy)').choices(['dummy', 'qemu']))
  .option('--monitor-interval-ms <ms>', 'how often to push monitoring (default 10000)')
  .option('--dummy-latency-ms <ms>', 'with --vm dummy: how long a simulated deploy, shutdown or reboot takes', '0')
  .option('--dummy-fail <ops>', `with --vm dummy: operations that fail, comma-separated (${SIMULATED_FAILURES.join(', ')})`, '')
  .addOption(
    new Option('--network <driver>', 'how NICs are plugged: linux (a bridge per network, a tap per NIC) or none').choices([
      'linux',
      'none',
    ]),
  )
  .option('--netns <name>', 'with --network linux: make the bridges and taps in this network namespace (the test lab)')
  .addOption(
    new Option('--accel <accel>', 'with --vm qemu: kvm, tcg, or auto (KVM if a real kernel boots under it, else TCG; the default)').choices(
      ['auto', 'kvm', 'tcg'],
    ),
  )
  .option('--probe-kernel <file>', 'with --accel auto: the kernel the KVM probe boots (default: the newest /boot/vmlinuz-*)')
  .option(
    '--datastores <dir>',
    "the host's datastores: VM directories in 0/<vmId>, images in 1/ (with TM_MAD shared, the front-end's, mounted at the same path)",
  )
  .option('--log-level <level>', 'pino log level (default info)')
  .addOption(
    new Option('--log-format <format>', 'log lines: JSON, pretty, or auto (pretty on a terminal; the default)').choices([
      'auto',
      'json',
      'pretty',
    ]),
  )
  .option(
    '--simulate <n>',
    'stand for n simulated hosts in this process (dummy driver), each with its own connection, token and monitoring',
  )
  .option('--simulate-hosts <file>', 'with --simulate: a JSON list of { "hostId", "token" } (mode 0600), the first n of which are used')
  .option('--simulate-cpus <n>', "with --simulate: each simulated host's CPUs (default this machine's)")
  .option('--simulate-memory-mb <mib>', "with --simulate: each simulated host's memory (default this machine's)")
  .parse();

const cli = program.opts<{
  config?: string;
  stop?: boolean;
  fence?: boolean;
  frontend?: string;
  hostId?: string;
  token?: string;
  tokenFile?: string;
  dataDir?: string;
  vm?: 'dummy' | 'qemu';
  monitorIntervalMs?: string;
  dummyLatencyMs: string;
  dummyFail: string;
  logLevel?: string;
  network?: 'linux' | 'none';
  netns?: string;
  accel?: 'auto' | 'kvm' | 'tcg';
  probeKernel?: string;
  datastores?: string;
  logFormat?: LogFormat;
  simulate?: string;
  simulateHosts?: string;
  simulateCpus?: string;
  simulateMemoryMb?: string;
}>();
try {
  await runOnenode({
    config: cli.config,
    stop: cli.stop === true,
    fence: cli.fence === true,
    frontend: cli.frontend,
    hostId: int(cli.hostId, '--host-id', 0),
    token: cli.token,
    tokenFile: cli.tokenFile,
    dataDir: cli.dataDir,
    vm: cli.vm,
    monitorIntervalMs: int(cli.monitorIntervalMs, '--monitor-interval-ms', 100),
    dummyLatencyMs: positiveInt(cli.dummyLatencyMs, '--dummy-latency-ms', 0),
    dummyFail: simulatedFailures(cli.dummyFail),
    network: cli.network,
    netns: cli.netns,
    accel: cli.accel,
    probeKernel: cli.probeKernel,
    datastores: cli.datastores,
    logLevel: cli.logLevel,
    logFormat: cli.logFormat,
    simulate: int(cli.simulate, '--simulate', 1),
    simulateHosts: cli.simulateHosts,
    simulateCpus: int(cli.simulateCpus, '--simulate-cpus', 1),
    simulateMemoryMb: int(cli.simulateMemoryMb, '--simulate-memory-mb', 1),
  });
} catch (err) {
  program.error(err instanceof Error ? err.message : String(err));
}

import type { LogFormat } from '../src/log/logger.js';
import type { AgentConfigFile } from './agent-config.js';
import type { SimulatedFailure } from './drivers/dummy-hypervisor.js';

/**
 * `onenode`'s options as its command line gave them, numbers already parsed
 * (bin/onenode.ts); undefined where the option was not given, so that the
 * config file can fill it in.
 */
export interface OnenodeArgs {
  readonly config: string | undefined;
  readonly stop: boolean;
  readonly fence: boolean;
  readonly frontend: string | undefined;
  readonly hostId: number | undefined;
  readonly token: string | undefined;
  readonly tokenFile: string | undefined;
  readonly dataDir: string | undefined;
  readonly vm: 'dummy' | 'qemu' | undefined;
  readonly monitorIntervalMs: number | undefined;
  readonly dummyLatencyMs: number;
  readonly dummyFail: ReadonlySet<SimulatedFailure>;
  readonly network: 'linux' | 'none' | undefined;
  readonly netns: string | undefined;
  readonly accel: 'auto' | 'kvm' | 'tcg' | undefined;
  readonly probeKernel: string | undefined;
  readonly datastores: string | undefined;
  readonly logLevel: string | undefined;
  readonly logFormat: LogFormat | undefined;
  readonly simulate: number | undefined;
  readonly simulateHosts: string | undefined;
  readonly simulateCpus: number | undefined;
  readonly simulateMemoryMb: number | undefined;
}

/** The options in force: the command line's, else the config file's, else the defaults. */
export interface AgentOptions extends OnenodeArgs {
  /** @default '/var/lib/nephele/node' */
  readonly dataDir: string;
  /** @default 'dummy' */
  readonly vm: 'dummy' | 'qemu';
  /** @default 10000 */
  readonly monitorIntervalMs: number;
  /** @default 'auto' */
  readonly accel: 'auto' | 'kvm' | 'tcg';
  /** @default 'info' */
  readonly logLevel: string;
  /** @default 'auto' */
  readonly logFormat: LogFormat;
}

/** Merges the command line over the config file (`onenode --config`, which `onehost create --ssh` writes). */
export function agentOptions(args: OnenodeArgs, file: AgentConfigFile): AgentOptions {
  return {
    ...args,
    frontend: args.frontend ?? file.frontend,
    hostId: args.hostId ?? file.hostId,
    tokenFile: args.tokenFile ?? file.tokenFile,
    dataDir: args.dataDir ?? file.dataDir ?? '/var/lib/nephele/node',
    vm: args.vm ?? file.vm ?? 'dummy',
    monitorIntervalMs: args.monitorIntervalMs ?? file.monitorIntervalMs ?? 10_000,
    network: args.network ?? file.network,
    accel: args.accel ?? file.accel ?? 'auto',
    datastores: args.datastores ?? file.datastores,
    logLevel: args.logLevel ?? file.logLevel ?? 'info',
    logFormat: args.logFormat ?? 'auto',
  };
}

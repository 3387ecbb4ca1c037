import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ActorSystem, type ExitReason } from '../src/actors/index.js';
import type { NodeCapabilities } from '../src/protocol/domain.js';
import { AGENT_VERSION } from './agent.js';
import { DummyHypervisor, type SimulatedFailure } from './drivers/dummy-hypervisor.js';
import { openNebulaArch } from './drivers/host-arch.js';
import { startNodeInstance, type NodeInstance } from './node-instance.js';
import { acquirePidfile } from '../src/base/pidfile.js';
import type { SimulatedHost } from './simulated-hosts.js';
import { VmLedger } from './vm-ledger.js';

export interface SimulationConfig {
  /** oned's base URL. */
  readonly frontend: string;
  /** The hosts to stand for, each registered with oned (`host.allocate`, VM_MAD dummy). */
  readonly hosts: readonly SimulatedHost[];
  /** Holds the process's pidfile, and nothing else: the simulated hosts keep their state in memory. */
  readonly dataDir: string;
  /** Each host's own monitoring interval; oned's hello may ask for longer. */
  readonly monitorIntervalMs: number;
  /** CPUs of each simulated host. @default the machine's */
  readonly cpus?: number;
  /** Memory of each simulated host, MiB. @default the machine's */
  readonly memoryMb?: number;
  /** How long a simulated deploy, shutdown or reboot takes. @default 0 */
  readonly dummyLatencyMs?: number;
  /** Operations that fail on every simulated host. @default none */
  readonly dummyFail?: ReadonlySet<SimulatedFailure>;
  readonly log: Logger;
}

export interface Simulation {
  readonly nodes: readonly NodeInstance[];
  /** Settles if any host's node actor keeps crashing past its supervisor's intensity. */
  readonly failed: Promise<ExitReason>;
  stop(): Promise<void>;
}

/**
 * `onenode --simulate`: one process stands for many hosts. Each gets what a
 * real agent has — its own socket.io connection to oned with its host id
 * and token, its own link (incarnation, seqs, heartbeats), its own node
 * actor and monitoring — over the dummy hypervisor, whose VMs are entries
 * in a map and whose monitoring figures are computed from them. What the
 * hosts share is the process: one actor system, one pidfile in `dataDir`,
 * one event loop. Their ledgers are in memory, as their VMs are: when the
 * process ends both are gone, and the front-end finds those VMs gone when
 * the hosts come back (as after a host's power loss).
 */
export async function startSimulation(config: SimulationConfig): Promise<Simulation> {
  if (config.hosts.length === 0) throw new TypeError('a simulation needs at least one host');
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const releasePidfile = await acquirePidfile(join(config.dataDir, 'onenode.pid'));
  const log = config.log.child({ simulation: config.hosts.length });
  const system = new ActorSystem({ logger: log, name: 'onenode' });
  const nodes: NodeInstance[] = [];
  const drivers: DummyHypervisor[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
    await system.shutdown();
    await Promise.all(drivers.map((d) => d.close()));
  };
  try {
    const ms = config.dummyLatencyMs ?? 0;
    for (const host of config.hosts) {
      const name = `${hostname()}-sim-${host.hostId}`;
      const hypervisor = new DummyHypervisor({
        hostname: name,
        deployMs: ms,
        shutdownMs: ms,
        rebootMs: ms,
        failOps: config.dummyFail ?? new Set(),
        ...(config.cpus === undefined ? {} : { cpus: config.cpus }),
        ...(config.memoryMb === undefined ? {} : { memoryKb: config.memoryMb * 1024 }),
      });
      await hypervisor.open();
      drivers.push(hypervisor);
      const capacity = hypervisor.capacity();
      const capabilities: NodeCapabilities = {
        hypervisors: ['dummy'],
        hypervisor: 'dummy',
        arch: openNebulaArch(),
        cpus: capacity.cpus,
        memoryKb: capacity.memoryKb,
        hostname: name,
        version: AGENT_VERSION,
      };
      nodes.push(
        await startNodeInstance(system, `node-${host.hostId}`, {
          frontend: config.frontend,
          hostId: host.hostId,
          token: host.token,
          capabilities,
          monitorIntervalMs: config.monitorIntervalMs,
          // The dummy's own figures: the hosts are simulated, /proc is this one machine's.
          hypervisor,
          monitoring: hypervisor,
          ledger: VmLedger.memory(),
          log: log.child({ hostId: host.hostId }),
        }),
      );
    }
  } catch (err) {
    await stopAll();
    await releasePidfile();
    throw err;
  }
  // The kernel's timers do not hold the process open; a running simulation must.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  log.info({ frontend: config.frontend, hosts: nodes.length, pid: process.pid }, 'onenode simulation started');
  return {
    nodes,
    failed: Promise.race(nodes.map((n) => n.failed)),
    async stop() {
      clearInterval(keepAlive);
      await stopAll();
      await releasePidfile();
    },
  };
}

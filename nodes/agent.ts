import { readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ActorSystem, type ActorRef, type ExitReason } from '../src/actors/index.js';
import type { HypervisorName, NodeCapabilities } from '../src/protocol/domain.js';
import { DummyHypervisor, type SimulatedFailure } from './drivers/dummy-hypervisor.js';
import { LinuxNetwork } from './drivers/linux-network.js';
import { LocalTransfer } from './drivers/local-transfer.js';
import { QemuHypervisor } from './drivers/qemu-hypervisor.js';
import { openNebulaArch } from './drivers/host-arch.js';
import { ProcMonitoring } from './drivers/proc-monitoring.js';
import type { HypervisorDriver, MonitoringDriver } from './drivers/types.js';
import type { NodeMsg } from './node-actor.js';
import { startNodeInstance } from './node-instance.js';
import { acquirePidfile } from '../src/base/pidfile.js';
import { VmLedger } from './vm-ledger.js';

export const AGENT_VERSION = '0.1.0';

export interface AgentConfig {
  readonly frontend: string;
  readonly hostId: number;
  readonly token: string;
  readonly dataDir: string;
  readonly hypervisor: HypervisorName;
  /** @default 10000 */
  readonly monitorIntervalMs: number;
  /** With the dummy driver: how long a simulated deploy and shutdown take. @default 0 */
  readonly dummyLatencyMs?: number;
  /** With the dummy driver: operations that fail, to simulate a broken host. */
  readonly dummyFail?: ReadonlySet<SimulatedFailure>;
  /** How NICs are plugged: `linux` bridges and taps, or `none` (left to the simulation). @default 'none' */
  readonly network?: 'linux' | 'none';
  /** With `linux`: the network namespace to plug NICs in (the test lab's hosts). @default the agent's own */
  readonly netns?: string;
  /** With qemu: `auto` probes KVM with a real kernel (probeKernel, else the newest /boot/vmlinuz-*), TCG when there is none. @default 'auto' */
  readonly accelerator?: 'auto' | 'kvm' | 'tcg';
  readonly probeKernel?: string;
  /**
   * The host's datastores (OpenNebula's DATASTORE_LOCATION): VM directories
   * in `0/<vmId>`, images in `1/`. With TM_MAD = shared it is the front-end's
   * own, mounted at the same path. @default `<dataDir>/datastores`
   */
  readonly datastores?: string;
  readonly log: Logger;
  /** The bundle's build (a hash of its file), reported after the version: `0.1.0+<build>`. */
  readonly build?: string;
}

export interface Agent {
  readonly incarnation: string;
  readonly node: ActorRef<NodeMsg>;
  /** Settles if the node actor keeps crashing past its supervisor's intensity. */
  readonly failed: Promise<ExitReason>;
  stop(): Promise<void>;
}

function hypervisorDriver(config: AgentConfig): HypervisorDriver {
  if (config.hypervisor === 'dummy') {
    const ms = config.dummyLatencyMs ?? 0;
    return new DummyHypervisor({
      hostname: hostname(),
      deployMs: ms,
      shutdownMs: ms,
      rebootMs: ms,
      failOps: config.dummyFail ?? new Set(),
    });
  }
  return new QemuHypervisor({ stateDir: join(config.dataDir, 'vms'), ...qemuAccel(config) });
}

/**
 * KVM only when a real kernel boots under it: on some machines /dev/kvm
 * opens and runs firmware but hangs in the kernel's decompressor, and only a
 * kernel shows it. Without one to probe with, TCG: slow but never hung.
 */
function qemuAccel(config: AgentConfig): { accelerator: 'kvm' | 'tcg' | 'auto'; probeKernel?: string } {
  const accel = config.accelerator ?? 'auto';
  if (accel !== 'auto') return { accelerator: accel };
  const kernel = config.probeKernel ?? hostKernel();
  return kernel === undefined ? { accelerator: 'tcg' } : { accelerator: 'auto', probeKernel: kernel };
}

function hostKernel(): string | undefined {
  try {
    const found = readdirSync('/boot')
      .filter((f) => f.startsWith('vmlinuz-'))
      .sort()
      .at(-1);
    return found === undefined ? undefined : join('/boot', found);
  } catch {
    return undefined;
  }
}

/**
 * Starts a node agent: one per data directory (a pidfile guards it), a node
 * actor over the drivers, and a link that dials oned and redials forever.
 */
export async function startAgent(config: AgentConfig): Promise<Agent> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const releasePidfile = await acquirePidfile(join(config.dataDir, 'onenode.pid'));
  const log = config.log.child({ hostId: config.hostId });
  const ledger = await VmLedger.open(join(config.dataDir, 'ledger.json'));
  const hypervisor = hypervisorDriver(config);
  await hypervisor.open();
  if (hypervisor instanceof QemuHypervisor)
    log.info({ accelerator: hypervisor.accelerator, why: hypervisor.acceleratorReason }, 'qemu driver open');
  // Real VMs have real files; simulated ones have none to make.
  const datastores = config.datastores ?? join(config.dataDir, 'datastores');
  const transfer = config.hypervisor === 'qemu' ? new LocalTransfer({ root: datastores }) : undefined;
  const network = config.network === 'linux' ? new LinuxNetwork(config.netns === undefined ? {} : { netns: config.netns }) : undefined;
  // The host's figures are real (/proc) whatever the hypervisor; the dummy
  // driver's simulated monitoring is for many simulated hosts in one process.
  const monitoring: MonitoringDriver = new ProcMonitoring({
    hypervisor: config.hypervisor,
    runningVms: async () => (await hypervisor.list()).filter((vm) => vm.state === 'running').length,
  });
  const capacity = hypervisor.capacity();
  const capabilities: NodeCapabilities = {
    hypervisors: ['dummy', 'qemu'],
    hypervisor: config.hypervisor,
    arch: openNebulaArch(),
    cpus: capacity.cpus,
    memoryKb: capacity.memoryKb,
    hostname: hostname(),
    version: config.build === undefined ? AGENT_VERSION : `${AGENT_VERSION}+${config.build}`,
  };

  const system = new ActorSystem({ logger: log, name: 'onenode' });
  const node = await startNodeInstance(system, 'agent', {
    frontend: config.frontend,
    hostId: config.hostId,
    token: config.token,
    capabilities,
    monitorIntervalMs: config.monitorIntervalMs,
    hypervisor,
    monitoring,
    ledger,
    log,
    ...(network === undefined ? {} : { network }),
    ...(transfer === undefined ? {} : { transfer, datastores }),
  });
  // The kernel's timers do not hold the process open; a running agent must.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  log.info({ frontend: config.frontend, hypervisor: config.hypervisor, pid: process.pid }, 'onenode started');

  return {
    incarnation: node.incarnation,
    node: node.node,
    failed: node.failed,
    async stop() {
      await node.stop();
      await system.shutdown();
      await hypervisor.close();
      clearInterval(keepAlive);
      await releasePidfile();
    },
  };
}

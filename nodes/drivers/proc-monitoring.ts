import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus, hostname } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/base/clock.js';
import { NepheleError } from '../../src/errors.js';
import type { HostMonitoring, HypervisorName } from '../../src/protocol/domain.js';
import { openNebulaArch } from './host-arch.js';
import { liveClock } from './live-clock.js';
import type { MonitoringDriver } from './types.js';

/** Memory figures from /proc/meminfo, in KiB. */
export interface Meminfo {
  readonly totalKb: number;
  /** What can be handed out without swapping: MemAvailable. */
  readonly availableKb: number;
}

/** Cumulative CPU time from /proc/stat, in clock ticks summed over all CPUs. */
export interface CpuSample {
  readonly total: number;
  readonly idle: number;
  /** The `cpuN` lines: the CPUs the kernel has online. */
  readonly cpus: number;
}

/**
 * Reads MemTotal and MemAvailable. Kernels before 3.14 lack MemAvailable;
 * MemFree + Buffers + Cached stands in for it there.
 */
export function parseMeminfo(text: string): Meminfo {
  const fields = new Map<string, number>();
  for (const m of text.matchAll(/^(\w+(?:\(\w+\))?):\s+(\d+)/gm)) fields.set(m[1] ?? '', Number(m[2]));
  const totalKb = fields.get('MemTotal');
  if (totalKb === undefined) {
    throw new NepheleError('DRIVER_FAILED', 'meminfo has no MemTotal', { details: { file: 'meminfo' } });
  }
  const availableKb =
    fields.get('MemAvailable') ?? (fields.get('MemFree') ?? 0) + (fields.get('Buffers') ?? 0) + (fields.get('Cached') ?? 0);
  return { totalKb, availableKb: Math.min(availableKb, totalKb) };
}

/**
 * Reads the aggregate `cpu` line. Idle time is idle + iowait; the total leaves
 * out guest and guest_nice, which the kernel already counts in user and nice.
 */
export function parseProcStat(text: string): CpuSample {
  const line = /^cpu +([ \d]+)$/m.exec(text)?.[1];
  if (line === undefined) throw new NepheleError('DRIVER_FAILED', 'stat has no cpu line', { details: { file: 'stat' } });
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).map(Number);
  return {
    total: user + nice + system + idle + iowait + irq + softirq + steal,
    idle: idle + iowait,
    cpus: text.match(/^cpu\d+\s/gm)?.length ?? 0,
  };
}

/** The busy share of CPU time between two samples, from 0 to 1; 0 when no time passed. */
export function cpuUsage(prev: CpuSample, next: CpuSample): number {
  const total = next.total - prev.total;
  if (!(total > 0)) return 0;
  const busy = total - (next.idle - prev.idle);
  return Math.min(1, Math.max(0, busy / total));
}

/** The first `model name` of /proc/cpuinfo (x86; ARM kernels have none). */
export function parseCpuModel(text: string): string | undefined {
  return /^model name\s*:\s*(.+?)\s*$/m.exec(text)?.[1];
}

export interface ProcMonitoringOptions {
  /** The hypervisor the agent runs, reported as HYPERVISOR. */
  readonly hypervisor: HypervisorName;
  /** The agent's count of running VMs, reported as RUNNING_VMS. */
  readonly runningVms: () => number | Promise<number>;
  /** @default '/proc' */
  readonly procDir?: string;
  /**
   * CPU usage is over the time between two calls. The first call has no
   * previous sample, so it takes two this far apart; 0 takes them back to
   * back (usage 0).
   * @default 100
   */
  readonly firstSampleMs?: number;
  /** Times the first call's wait. @default liveClock */
  readonly clock?: Clock;
  /** TIMESTAMP, ms since the epoch. @default Date.now */
  readonly now?: () => number;
  /** @default os.hostname() */
  readonly hostname?: string;
}

/**
 * The host's real figures from /proc. TOTALCPU is 100 × the CPUs the kernel
 * has online (the `cpuN` lines of /proc/stat, the same CPUs the usage is
 * measured over), USEDCPU the busy share of that since the previous call.
 * Memory is MemTotal and MemAvailable.
 */
export class ProcMonitoring implements MonitoringDriver {
  private readonly options: ProcMonitoringOptions;
  private readonly procDir: string;
  private readonly firstSampleMs: number;
  private readonly clock: Clock;
  private previous: CpuSample | undefined;
  private cpuModel: string | undefined;

  constructor(options: ProcMonitoringOptions) {
    this.options = options;
    this.procDir = options.procDir ?? '/proc';
    this.firstSampleMs = options.firstSampleMs ?? 100;
    if (!(this.firstSampleMs >= 0)) throw new TypeError(`firstSampleMs must be >= 0, got ${this.firstSampleMs}`);
    this.clock = options.clock ?? liveClock;
  }

  async host(): Promise<HostMonitoring> {
    let prev = this.previous;
    if (prev === undefined) {
      prev = await this.sample();
      if (this.firstSampleMs > 0) await new Promise<void>((resolve) => this.clock.setTimer(resolve, this.firstSampleMs));
    }
    const [next, mem, model, runningVms] = await Promise.all([this.sample(), this.meminfo(), this.model(), this.options.runningVms()]);
    this.previous = next;
    const totalCpu = 100 * (next.cpus > 0 ? next.cpus : availableParallelism());
    const usedCpu = Math.round(cpuUsage(prev, next) * totalCpu);
    return {
      HOSTNAME: this.options.hostname ?? hostname(),
      ARCH: openNebulaArch(),
      CPU_MODEL: model,
      HYPERVISOR: this.options.hypervisor,
      TOTALCPU: totalCpu,
      USEDCPU: usedCpu,
      FREECPU: totalCpu - usedCpu,
      TOTALMEMORY: mem.totalKb,
      USEDMEMORY: mem.totalKb - mem.availableKb,
      FREEMEMORY: mem.availableKb,
      RUNNING_VMS: runningVms,
      TIMESTAMP: (this.options.now ?? Date.now)(),
    };
  }

  private async sample(): Promise<CpuSample> {
    return parseProcStat(await this.read('stat'));
  }

  private async meminfo(): Promise<Meminfo> {
    return parseMeminfo(await this.read('meminfo'));
  }

  /** Read once: the model does not change while the agent runs. */
  private async model(): Promise<string> {
    this.cpuModel ??= parseCpuModel(await this.read('cpuinfo')) ?? cpus()[0]?.model ?? 'unknown';
    return this.cpuModel;
  }

  private async read(name: string): Promise<string> {
    const file = join(this.procDir, name);
    try {
      return await readFile(file, 'utf8');
    } catch (cause) {
      throw new NepheleError('DRIVER_FAILED', `cannot read ${file}`, { cause, details: { file } });
    }
  }
}

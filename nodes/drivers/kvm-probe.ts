/**
 * Whether KVM really runs guests here. /dev/kvm can exist and still hang a
 * guest (nested or para-virtualized hosts), so the probe runs one for a few
 * seconds and falls back to TCG unless it sees the guest make progress.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Accelerator = 'kvm' | 'tcg';

export interface KvmProbeOptions {
  /** @default 'qemu-system-x86_64' */
  readonly qemu?: string;
  /**
   * A Linux kernel to boot under KVM: the probe passes when it prints its
   * banner. Without one the probe boots a 512-byte long-mode test sector
   * (kvm-probe.S), which proves less: some broken KVMs run it and still hang
   * a real kernel, so give one wherever there is one.
   */
  readonly kernel?: string;
  /** @default 3000 */
  readonly timeoutMs?: number;
  /** @default '/dev/kvm' */
  readonly device?: string;
}

export interface KvmProbeResult {
  readonly accelerator: Accelerator;
  /** Why, for the agent's log. */
  readonly reason: string;
}

/** kvm-probe.S assembled. */
const BOOT_SECTOR = Buffer.alloc(512);
Buffer.from(
  '+jHAjtiOwI7QvAB8sFK6AgTuvwAQuQAYMcDzq2bHBgAQAyAAAGbHBgAgAzAAAL8AMGa4gwAAAGaJ' +
    'BWYFAAAgAIPHCIH/ADF17g8BFop9DyDgZoPIIA8i4Ga4ABAAAA8i2Ga5gAAAwA8yZg0AAQAADzAP' +
    'IMBmDQEAAIAPIsDqgnwIAGa4EACO2I7QZroCBLBM7kjHxwAAEABIiT9IgccAEAAASIH/AAAABHXt' +
    'sE3uuEV9AABmiQQl4FAAAGbHBCXiUAAACABmxwQl5FAAAACOSMHoEGaJBCXmUAAAuGB9AAAPARhI' +
    'iwQlAAAACLBQ7moYuPh8AABQSMsPIMAl////fw8iwLBD7g8gwA0AAACADyLA6hh9AAAIALBC7kjH' +
    'wQAAEABIwekDSI00Jfj/HwBIjTwl+P8nAP3zSKX8sEtmugIE7vTr/ccEJQAyAACDAAAIDyDYDyLY' +
    'SIPECEjPjXQmAP8PAFAAAAAAAAAAAAAAAAAAAAAAAAAAmiAA//8AAACSzwD//wAAAJrPAB8Aan0=',
  'base64',
).copy(BOOT_SECTOR);
BOOT_SECTOR.writeUInt16LE(0xaa55, 510);

/**
 * Probes once per process and options: the answer does not change while the
 * process lives and costs seconds when KVM hangs. This memo is the module's
 * only state, deliberately.
 */
const memo = new Map<string, Promise<KvmProbeResult>>();

/** The accelerator to use, probed at most once per process for the same options. */
export function probeKvm(options: KvmProbeOptions = {}): Promise<KvmProbeResult> {
  const key = JSON.stringify([options.qemu, options.kernel, options.timeoutMs, options.device]);
  let result = memo.get(key);
  if (result === undefined) {
    result = probeKvmNow(options);
    memo.set(key, result);
  }
  return result;
}

/** The probe itself, uncached. */
export async function probeKvmNow(options: KvmProbeOptions = {}): Promise<KvmProbeResult> {
  const device = options.device ?? '/dev/kvm';
  try {
    await access(device, constants.R_OK | constants.W_OK);
  } catch {
    return { accelerator: 'tcg', reason: `${device} is missing or not usable` };
  }
  const timeoutMs = options.timeoutMs ?? 3000;
  const dir = await mkdtemp(join(tmpdir(), 'nephele-kvm-probe-'));
  try {
    let args: string[];
    let progress: RegExp;
    if (options.kernel !== undefined) {
      args = ['-kernel', options.kernel, '-append', 'earlyprintk=serial,ttyS0 console=ttyS0 panic=-1', '-serial', 'stdio', '-m', '128'];
      progress = /Linux version/;
    } else {
      const boot = join(dir, 'boot.bin');
      await writeFile(boot, BOOT_SECTOR);
      args = [
        '-drive',
        `file=${boot.replaceAll(',', ',,')},format=raw,if=ide`,
        '-debugcon',
        'stdio',
        '-global',
        'isa-debugcon.iobase=0x402',
        '-m',
        '256',
      ];
      progress = /RLMPCBK/;
    }
    const seen = await runUntil(
      options.qemu ?? 'qemu-system-x86_64',
      ['-accel', 'kvm', '-machine', 'pc', '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot', ...args],
      progress,
      timeoutMs,
    );
    return seen === true
      ? { accelerator: 'kvm', reason: options.kernel === undefined ? 'KVM ran the test sector' : 'KVM booted the kernel' }
      : { accelerator: 'tcg', reason: `KVM ${seen}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** true when `progress` shows up on stdout in time, else why not. */
function runUntil(qemu: string, args: string[], progress: RegExp, timeoutMs: number): Promise<true | string> {
  return new Promise((resolve) => {
    const child = spawn(qemu, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const finish = (answer: true | string): void => {
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          /* gone already */
        }
      }
      resolve(answer);
    };
    const timer = setTimeout(() => finish(`showed no progress in ${timeoutMs} ms`), timeoutMs);
    child.stdout.setEncoding('latin1').on('data', (chunk: string) => {
      out = (out + chunk).slice(-4096);
      if (progress.test(out)) finish(true);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err = (err + chunk).slice(-1024);
    });
    child.on('error', (e) => finish(`could not start: ${e.message}`));
    child.on('exit', (code, signal) => finish(`exited (${signal ?? code}) before showing progress: ${err.trim()}`));
  });
}

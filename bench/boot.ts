/**
 * The boot suite: how long a real guest takes from `vm.allocate` to up with
 * its context applied, through the whole stack, against the same guest
 * launched with plain QEMU in the same run.
 *
 * - stack: oned in this process (startBenchOned: scheduler off) on a temp
 *   data dir, one real `onenode --vm qemu --accel tcg --network none`
 *   agent process sharing oned's datastores, the test guest's kernel,
 *   initrd and disk uploaded once through the API (KERNEL, RAMDISK, OS).
 *   Timed per run: `vm.allocate` of a template with OS KERNEL_DS /
 *   INITRD_DS / KERNEL_CMD, DISK IMAGE (a linked clone) and CONTEXT
 *   SET_HOSTNAME, `vm.action deploy` to the host, until the guest's
 *   NEPHELE-READY line is in the agent's `vms/<id>/console.log`. So it
 *   holds the API, PROLOG on the node (the overlay, the kernel and initrd
 *   copies, the context ISO), the deploy (QEMU spawned, its QMP answering)
 *   and the guest's boot. Then terminate (hard) and DONE, untimed. No NIC:
 *   the baseline would need one of its own, and a NIC costs the boot
 *   nothing measurable besides a tap.
 * - baseline: `qemu-system-x86_64` spawned directly with an argument
 *   array, the same machine (pc, TCG, 1 vCPU, the same memory, virtio disk,
 *   IDE CD), -kernel/-initrd/-append of the same image files; timed from
 *   making its disk (a qcow2 overlay of the same OS image, `qemu-img
 *   create`) and its context ISO (genisoimage, the same context.sh as the
 *   stack writes) until the same line is in its `-serial file:`.
 *
 * Both sides poll their console file every POLL_MS, so a time is late by
 * up to POLL_MS (half on average, the same on both sides). One warm-up run
 * of each side, then RUNS runs alternating; medians are reported. Each
 * guest's READY report is checked: the context CD was found and the
 * hostname set from it.
 *
 * Skips, saying why on stderr, when qemu-system-x86_64, qemu-img or
 * genisoimage is missing or the guest cannot be built (`npm run guest`,
 * run as a child process: its build reads scripts/guest/ beside its
 * source, which a compiled copy under dist/ does not have).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { access, constants, mkdir, mkdtemp, open, readFile, readdir, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ApiClient } from '../src/cli/api-client.js';
import { uploadImage } from '../src/cli/oneimage.js';
import type { ImageType } from '../src/images/image-record.js';
import type { Oned } from '../src/oned/oned.js';
import { contextScript } from '../src/vms/context-script.js';
import type { VmView } from '../src/vms/vm-record.js';
import { addAgent, connectClient, startBenchOned, until, type AgentProc } from './cloud-rig.js';
import { RUNS, median, now, result, type Progress, type Result, type SuiteOptions, type SuiteResult } from './suite.js';

const exec = promisify(execFile);

const FROM_SOURCE = fileURLToPath(import.meta.url).endsWith('.ts');
const ROOT = fileURLToPath(new URL(FROM_SOURCE ? '../' : '../../', import.meta.url));

/** MiB; the smallest the test guest is tested with (Debian's kernel does not boot in 64). */
const MEMORY_MIB = 128;
const POLL_MS = 25;
const READY_TIMEOUT_MS = 180_000;
const READY = 'NEPHELE-READY ';
/** The context CD is the disk after the OS disk, and context.sh names its DISK_ID. */
const CONTEXT_DISK_ID = 1;
const HOST = 'bench-qemu-0';

/** The stack may take this much longer than plain QEMU. */
const RATIO_TARGET = 1.2;

export const notes: readonly string[] = [
  `ratio = value / baseline; target: stack < ${RATIO_TARGET} × baseline. One TCG guest at a time, ${MEMORY_MIB} MiB, 1 vCPU, no NIC.`,
  "stack: vm.allocate + deploy → NEPHELE-READY in the agent's console.log (oned in process, one onenode --vm qemu --accel tcg);" +
    ' baseline: qemu-img overlay + genisoimage context ISO + qemu-system-x86_64 → the same line in its -serial file.',
  `Console files polled every ${POLL_MS} ms. 1 warm-up run of each side, then median of ${RUNS} runs, alternating.`,
  "boot_until_qemu_s: stack create → RUNNING (oned's STIME → RSTIME: PROLOG, QEMU spawned, QMP answering);" +
    ' baseline: overlay + ISO made. boot_qemu_to_ready_s: the rest.',
];

// ---- tools and the guest ------------------------------------------------------------

async function onPath(program: string): Promise<boolean> {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      await access(join(dir, program), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

interface Guest {
  readonly kernel: string;
  readonly initrd: string;
  readonly disk: string;
  readonly cmdline: string;
}

/** The test guest, built (or found in its cache) by `scripts/guest/build-guest.ts` in a child; or why not. */
async function buildGuest(): Promise<Guest | { skip: string }> {
  const script = join(ROOT, 'scripts', 'guest', 'build-guest.ts');
  try {
    const { stdout } = await exec(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, maxBuffer: 1 << 20 });
    const g = JSON.parse(stdout) as Partial<Guest>;
    if (typeof g.kernel !== 'string' || typeof g.initrd !== 'string' || typeof g.disk !== 'string' || typeof g.cmdline !== 'string') {
      return { skip: `the guest build printed no kernel, initrd, disk and cmdline: ${stdout.slice(0, 200)}` };
    }
    return { kernel: g.kernel, initrd: g.initrd, disk: g.disk, cmdline: g.cmdline };
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    // An uncaught error prints its source line first; the error's own line starts with its name.
    const why = stderr.split('\n').find((l) => /^\w*Error: /.test(l)) ?? (err as Error).message;
    return { skip: `cannot build the test guest: ${why.trim()}` };
  }
}

async function whyNot(): Promise<string | undefined> {
  for (const tool of ['qemu-system-x86_64', 'qemu-img', 'genisoimage']) {
    if (!(await onPath(tool))) return `${tool} not found on PATH`;
  }
  return undefined;
}

// ---- watching a console ------------------------------------------------------------------

interface Ready {
  /** now() when the poll saw the line. */
  readonly at: number;
  readonly report: { context?: unknown; hostname?: unknown };
}

/**
 * Polls `file` every POLL_MS, reading only what was appended since the last
 * poll, until a whole NEPHELE-READY line is in it. `check` runs about once a
 * second and throws to give up (the VM failed, QEMU exited).
 */
async function waitReady(file: string, check: () => Promise<void> | void): Promise<Ready> {
  const deadline = now() + READY_TIMEOUT_MS;
  let fh: FileHandle | undefined;
  let offset = 0;
  let pending = '';
  const buf = Buffer.alloc(64 * 1024);
  let lastCheck = now();
  try {
    for (;;) {
      if (fh === undefined) fh = await open(file, 'r').catch(() => undefined);
      if (fh !== undefined) {
        for (;;) {
          const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
          if (bytesRead === 0) break;
          offset += bytesRead;
          pending += buf.toString('latin1', 0, bytesRead);
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) {
            const i = line.indexOf(READY);
            if (i < 0) continue;
            const at = now();
            return { at, report: JSON.parse(line.slice(i + READY.length).trim()) as Ready['report'] };
          }
        }
      }
      const t = now();
      if (t > deadline) throw new Error(`no ${READY.trim()} line in ${file} after ${READY_TIMEOUT_MS / 1000} s`);
      if (t - lastCheck >= 1_000) {
        lastCheck = t;
        await check();
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    await fh?.close();
  }
}

function checkReport(ready: Ready, hostname: string, who: string): void {
  if (ready.report.context !== true || ready.report.hostname !== hostname) {
    throw new Error(`${who}: the guest did not apply its context (READY ${JSON.stringify(ready.report)}, expected hostname ${hostname})`);
  }
}

// ---- processes ---------------------------------------------------------------------------------

/** A pid that runs (a zombie does not) and is a QEMU. */
function qemuAlive(pid: number): boolean {
  try {
    if (/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('qemu-system');
  } catch {
    return false;
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** Every QEMU this run started, by pid, so that none outlives it (even on a crash: see the exit hook). */
class QemuPids {
  readonly pids = new Set<number>();
  private readonly hook = (): void => this.killAll();

  constructor() {
    process.on('exit', this.hook);
  }

  add(pid: number): void {
    this.pids.add(pid);
  }

  /** Adds the pids in the agent's `vms/<id>/qemu.pid` files. */
  async scan(vmsDir: string): Promise<void> {
    const ids = await readdir(vmsDir).catch(() => []);
    for (const id of ids) {
      const pid = Number((await readFile(join(vmsDir, id, 'qemu.pid'), 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0) this.add(pid);
    }
  }

  killAll(): void {
    for (const pid of this.pids) if (qemuAlive(pid)) killPid(pid);
  }

  dispose(): void {
    this.killAll();
    process.off('exit', this.hook);
  }
}

// ---- the stack ---------------------------------------------------------------------------------

/** Uploads a file as an image through the API, as oneimage does; returns its source path. */
async function upload(client: ApiClient, name: string, type: ImageType, path: string): Promise<string> {
  const id = await uploadImage(client, { name, type, persistent: false, description: '' }, path);
  const info = await client.call('image.info', { image: id });
  if (info.source === undefined) throw new Error(`image ${name} has no source after its upload`);
  return info.source;
}

interface Rig {
  readonly oned: Oned;
  readonly client: ApiClient;
  readonly agent: AgentProc;
  readonly hostId: number;
  /** The agent's runtime files: `<vmsDir>/<vmId>/console.log`, `qemu.pid`. */
  readonly vmsDir: string;
  readonly images: { readonly kernel: string; readonly initrd: string; readonly disk: string };
}

interface StackRun {
  totalMs: number;
  /** oned's STIME → RSTIME. */
  runningMs: number;
}

function stackTemplate(name: string, cmdline: string): string {
  const file = (image: string): string => `"$FILE[IMAGE=\\"${image}\\"]"`;
  return [
    `NAME = ${name}`,
    'CPU = 0.5',
    `MEMORY = ${MEMORY_MIB}`,
    `OS = [ KERNEL_DS = ${file('guest-kernel')}, INITRD_DS = ${file('guest-initrd')}, KERNEL_CMD = "${cmdline}" ]`,
    'DISK = [ IMAGE = "guest-disk" ]',
    'CONTEXT = [ SET_HOSTNAME = "$NAME-$VMID" ]',
  ].join('\n');
}

const FAILED = /FAILURE|^UNKNOWN$|^DONE$/;

async function vmFailed(client: ApiClient, id: number): Promise<void> {
  const v = await client.call('vm.info', { id });
  if (FAILED.test(v.state)) throw new Error(`VM ${id} went ${v.state}: ${v.lastError ?? 'no error'}`);
}

async function stackBoot(rig: Rig, guest: Guest, name: string, qemus: QemuPids): Promise<StackRun> {
  const { client } = rig;
  const t0 = now();
  const { id } = await client.call('vm.allocate', { template: stackTemplate(name, guest.cmdline), hold: false });
  await client.call('vm.action', { id, action: 'deploy', host: rig.hostId });
  const dir = join(rig.vmsDir, String(id));
  const ready = await waitReady(join(dir, 'console.log'), () => vmFailed(client, id));
  const totalMs = ready.at - t0;
  await qemus.scan(rig.vmsDir);
  checkReport(ready, `${name}-${id}`, `stack VM ${id}`);
  const vm = await client.call('vm.info', { id });
  const rstime = vm.history[vm.history.length - 1]?.rstime;
  if (rstime === undefined) throw new Error(`VM ${id} is READY without an RSTIME (${vm.state})`);
  // Untimed: gone before the next run, so runs do not overlap.
  await client.call('vm.action', { id, action: 'terminate', hard: true });
  await until(
    () => client.call('vm.info', { id }),
    (v: VmView) => v.state === 'DONE' || /FAILURE/.test(v.state),
    `VM ${id} DONE`,
    60_000,
    50,
  ).then((v) => {
    if (v.state !== 'DONE') throw new Error(`VM ${id} went ${v.state} on terminate: ${v.lastError ?? ''}`);
  });
  qemus.killAll();
  return { totalMs, runningMs: rstime - vm.stime };
}

/** What is running, for the clean-up; filled in as it starts. */
interface Live {
  oned?: Oned;
  client?: ApiClient;
  agent?: AgentProc;
}

async function startRig(dir: string, guest: Guest, started: Live): Promise<Rig> {
  const dataDir = join(dir, 'oned');
  started.oned = await startBenchOned(dataDir);
  started.client = await connectClient(started.oned);
  const client = started.client;
  started.agent = await addAgent(client, started.oned, dir, HOST, {
    vm: 'qemu',
    args: ['--accel', 'tcg', '--network', 'none', '--datastores', join(dataDir, 'datastores')],
  });
  const agent = started.agent;
  await until(
    () => client.call('host.info', { host: agent.hostId }),
    (h) => h.state === 'MONITORED',
    `host ${HOST} MONITORED`,
    60_000,
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}\nlast agent output:\n${agent.output()}`);
  });
  const images = {
    kernel: await upload(client, 'guest-kernel', 'KERNEL', guest.kernel),
    initrd: await upload(client, 'guest-initrd', 'RAMDISK', guest.initrd),
    disk: await upload(client, 'guest-disk', 'OS', guest.disk),
  };
  return { oned: started.oned, client, agent, hostId: agent.hostId, vmsDir: join(dir, HOST, 'vms'), images };
}

// ---- the baseline ------------------------------------------------------------------------------

interface PlainRun {
  totalMs: number;
  /** The overlay and the ISO made. */
  prepMs: number;
}

async function plainBoot(rig: Rig, guest: Guest, dir: string, hostname: string, qemus: QemuPids): Promise<PlainRun> {
  await mkdir(join(dir, 'context'), { recursive: true });
  const overlay = join(dir, 'disk.0');
  const iso = join(dir, 'disk.1');
  const serial = join(dir, 'console.log');
  const t0 = now();
  await exec('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', rig.images.disk, overlay]);
  await writeFile(join(dir, 'context', 'context.sh'), contextScript({ SET_HOSTNAME: hostname }, CONTEXT_DISK_ID), { mode: 0o600 });
  await exec('genisoimage', ['-quiet', '-o', iso, '-V', 'CONTEXT', '-J', '-R', join(dir, 'context')]);
  const prepMs = now() - t0;
  const child: ChildProcess = spawn(
    'qemu-system-x86_64',
    [
      '-no-user-config',
      '-nodefaults',
      '-display',
      'none',
      '-machine',
      'pc',
      '-accel',
      'tcg',
      '-smp',
      '1',
      '-m',
      String(MEMORY_MIB),
      '-drive',
      `file=${overlay},format=qcow2,if=virtio`,
      '-drive',
      `file=${iso},format=raw,if=ide,media=cdrom,readonly=on`,
      '-kernel',
      rig.images.kernel,
      '-initrd',
      rig.images.initrd,
      '-append',
      guest.cmdline,
      '-serial',
      `file:${serial}`,
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString('utf8')).slice(-4096);
  });
  const exited = once(child, 'exit');
  if (child.pid !== undefined) qemus.add(child.pid);
  try {
    const ready = await waitReady(serial, () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`plain QEMU exited: ${stderr.trim()}`);
    });
    const totalMs = ready.at - t0;
    checkReport(ready, hostname, 'plain QEMU');
    return { totalMs, prepMs };
  } finally {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) killPid(child.pid);
    await exited;
    await rm(dir, { recursive: true, force: true });
  }
}

// ---- the suite ---------------------------------------------------------------------------------

function spread(xs: readonly number[]): string {
  const s = xs.map((x) => x / 1000);
  return `${Math.min(...s).toFixed(2)}–${Math.max(...s).toFixed(2)} s`;
}

export async function run(opts: SuiteOptions): Promise<SuiteResult> {
  const progress: Progress = opts.json ? () => undefined : (line) => process.stderr.write(`  ${line}\n`);
  const started = now();
  const missing = await whyNot();
  const guest = missing === undefined ? await buildGuest() : { skip: missing };
  if ('skip' in guest) {
    // Said even with --json: an empty result needs a reason, and stderr leaves the JSON alone.
    process.stderr.write(`boot: skipped: ${guest.skip}\n`);
    return { suite: 'boot', results: {} };
  }
  const root = await mkdtemp(join(tmpdir(), 'nephele-bench-boot-'));
  const qemus = new QemuPids();
  const live: Live = {};
  try {
    const rig = await startRig(root, guest, live);
    progress(`oned, one onenode --vm qemu --accel tcg agent, guest images uploaded (${((now() - started) / 1000).toFixed(1)} s)`);

    const stack: StackRun[] = [];
    const plain: PlainRun[] = [];
    for (let r = -1; r < RUNS; r++) {
      const tag = r < 0 ? 'warm-up' : `run ${r + 1}`;
      const a = await stackBoot(rig, guest, `boot-${r + 1}`, qemus);
      const b = await plainBoot(rig, guest, join(root, `plain-${r + 1}`), `plain-${r + 1}`, qemus);
      progress(
        `${tag}: stack ${(a.totalMs / 1000).toFixed(2)} s (RUNNING at ${(a.runningMs / 1000).toFixed(2)} s),` +
          ` plain QEMU ${(b.totalMs / 1000).toFixed(2)} s (overlay + ISO ${(b.prepMs / 1000).toFixed(2)} s)`,
      );
      if (r < 0) continue;
      stack.push(a);
      plain.push(b);
    }

    const s2 = (ms: readonly number[]): number[] => ms.map((x) => x / 1000);
    const total = s2(stack.map((a) => a.totalMs));
    const base = s2(plain.map((b) => b.totalMs));
    const value = median(total);
    const baseline = median(base);
    const results: Record<string, Result> = {};
    results['boot_create_to_ready_s'] = result(value, 's', baseline, 'lower', {
      target: RATIO_TARGET * baseline,
      runs: total,
      baselineRuns: base,
    });
    const upTo = s2(stack.map((a) => a.runningMs));
    const prep = s2(plain.map((b) => b.prepMs));
    results['boot_until_qemu_s'] = result(median(upTo), 's', median(prep), 'lower', { runs: upTo, baselineRuns: prep });
    const rest = s2(stack.map((a) => a.totalMs - a.runningMs));
    const restBase = s2(plain.map((b) => b.totalMs - b.prepMs));
    results['boot_qemu_to_ready_s'] = result(median(rest), 's', median(restBase), 'lower', { runs: rest, baselineRuns: restBase });
    progress(
      `stack runs ${spread(stack.map((a) => a.totalMs))}, plain runs ${spread(plain.map((b) => b.totalMs))};` +
        ` ratio ${(value / baseline).toFixed(3)} (target ≤ ${RATIO_TARGET})`,
    );
    progress(`suite took ${((now() - started) / 1000).toFixed(1)} s`);
    return { suite: 'boot', results };
  } finally {
    live.client?.close();
    if (live.agent !== undefined) await live.agent.stop();
    // QEMUs outlive their agent by design: each one this run saw goes by pid.
    await qemus.scan(join(root, HOST, 'vms'));
    qemus.dispose();
    await live.oned?.close();
    await rm(root, { recursive: true, force: true });
  }
}

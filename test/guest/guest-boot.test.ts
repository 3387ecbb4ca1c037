/**
 * Boots the test guest in plain QEMU (TCG, user-mode networking: no root, no KVM) and checks
 * what its NEPHELE-READY line reports: the context CD applied, no CD, and the ACPI power button.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';
import { findOnPath } from '../../scripts/guest/build-guest.js';
import { DISK_MARKER, GUEST_CMDLINE, GUEST_MEMORY_MIB, parseReady, testGuest, type ReadyReport } from '../fixtures/guest.js';

const run = promisify(execFile);
/** Generous: TCG boots in seconds, but a loaded CI machine can be slow. */
const BOOT_TIMEOUT_MS = 90_000;

const guest = await testGuest();
const skip = 'skip' in guest ? guest.skip : false;
const noIso = (await findOnPath('genisoimage')) === undefined ? 'genisoimage not found on PATH' : false;
if (skip !== false) t.comment(`skipping guest boots: ${skip}`);

interface Vm {
  readonly child: ChildProcess;
  readonly qmpPath: string;
  readonly exited: Promise<number | null>;
  console(): Promise<string>;
  ready(): Promise<ReadyReport>;
}

/** A scratch directory removed when the test ends (short path: QMP's unix socket lives there). */
async function scratch(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nephele-guest-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** QEMU's -drive values split on commas; a comma in a path is written twice. */
const optValue = (path: string): string => path.replaceAll(',', ',,');

function boot(t: Test, dir: string, extra: readonly string[]): Vm {
  if ('skip' in guest) throw new TypeError('boot() without a guest');
  const log = join(dir, 'console.log');
  const qmpPath = join(dir, 'qmp.sock');
  const child = spawn(
    'qemu-system-x86_64',
    [
      '-accel',
      'tcg',
      '-m',
      String(GUEST_MEMORY_MIB),
      '-nodefaults',
      '-no-reboot',
      '-display',
      'none',
      '-serial',
      `file:${log}`,
      '-qmp',
      `unix:${qmpPath},server=on,wait=off`,
      '-kernel',
      guest.kernel,
      '-initrd',
      guest.initrd,
      '-append',
      GUEST_CMDLINE,
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  child.stdout?.resume();
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const pid = child.pid;
  t.teardown(async () => {
    if (pid !== undefined && child.exitCode === null && child.signalCode === null) {
      process.kill(pid, 'SIGKILL');
      await exited;
    }
  });
  const consoleLog = (): Promise<string> => readFile(log, 'utf8').catch(() => '');
  return {
    child,
    qmpPath,
    exited,
    console: consoleLog,
    async ready() {
      const deadline = Date.now() + BOOT_TIMEOUT_MS;
      for (;;) {
        const report = parseReady(await consoleLog());
        if (report !== undefined) return report;
        if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
          throw new Error(
            `no NEPHELE-READY line (qemu ${child.exitCode ?? child.signalCode ?? 'running'}): ${stderr}\n${(await consoleLog()).slice(-3000)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    },
  };
}

/** A context CD as OpenNebula makes it: ISO 9660 labelled CONTEXT with context.sh and files. */
async function contextIso(dir: string, files: Record<string, string>): Promise<string> {
  const root = join(dir, 'context');
  await mkdir(root);
  for (const [name, text] of Object.entries(files)) await writeFile(join(root, name), text);
  const iso = join(dir, 'context.iso');
  await run('genisoimage', ['-quiet', '-V', 'CONTEXT', '-J', '-R', '-o', iso, root]);
  return iso;
}

/** Sends QMP commands in order; resolves with their replies (events skipped). */
async function qmp(path: string, commands: readonly string[]): Promise<unknown[]> {
  const socket: Socket = createConnection(path);
  await once(socket, 'connect');
  const lines: string[] = [];
  let buffered = '';
  let wake: (() => void) | undefined;
  socket.on('data', (b: Buffer) => {
    buffered += b.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts.filter((l) => l.trim() !== ''));
    wake?.();
  });
  const next = async (): Promise<Record<string, unknown>> => {
    while (lines.length === 0)
      await new Promise<void>((r) => {
        wake = r;
      });
    return JSON.parse(lines.shift() ?? '') as Record<string, unknown>;
  };
  try {
    await next(); // greeting
    const replies: unknown[] = [];
    for (const execute of commands) {
      socket.write(`${JSON.stringify({ execute })}\n`);
      let reply = await next();
      while ('event' in reply) reply = await next();
      replies.push(reply);
    }
    return replies;
  } finally {
    socket.destroy();
  }
}

const NIC_A = '02:00:0a:00:02:0a';
const NIC_B = '02:00:0a:00:02:0f';

t.test('applies the context CD: hostname, addresses by MAC, init scripts, disk', { skip: skip || noIso }, async (t) => {
  const dir = await scratch(t);
  if ('skip' in guest) return;
  // ETH0 names the second NIC's MAC, so the guest must match by MAC, not take eth0.
  const iso = await contextIso(dir, {
    'context.sh': [
      "HOSTNAME='vm-3'",
      `ETH0_MAC='${NIC_B.toUpperCase()}'`,
      "ETH0_IP='10.0.2.15'",
      "ETH0_MASK='255.255.255.0'",
      "ETH0_GATEWAY='10.0.2.2'",
      "ETH0_DNS='10.0.2.3'",
      `ETH1_MAC='${NIC_A}'`,
      "ETH1_IP='192.168.7.9'",
      "ETH1_MASK='255.255.0.0'",
      "INIT_SCRIPTS='hello.sh missing.sh'",
      '',
    ].join('\n'),
    'hello.sh': '#!/bin/sh\necho "HELLO-FROM-CONTEXT $HOSTNAME"\n',
  });
  const vm = boot(t, dir, [
    '-drive',
    `file=${optValue(iso)},if=ide,media=cdrom,readonly=on`,
    '-drive',
    `file=${optValue(guest.disk)},if=virtio,format=qcow2,snapshot=on`,
    '-netdev',
    'user,id=n0',
    '-device',
    `virtio-net-pci,netdev=n0,mac=${NIC_A}`,
    '-netdev',
    'user,id=n1',
    '-device',
    `virtio-net-pci,netdev=n1,mac=${NIC_B}`,
  ]);
  const ready = await vm.ready();
  t.equal(ready.context, true);
  t.equal(ready.hostname, 'vm-3');
  t.same(ready.eth0, { dev: 'eth1', mac: NIC_B, ip: '10.0.2.15/24', gateway: '10.0.2.2' });
  t.same(ready.eth1, { dev: 'eth0', mac: NIC_A, ip: '192.168.7.9/16', gateway: null });
  t.same(ready.dns, ['10.0.2.3']);
  t.same(ready.scripts, ['hello.sh']);
  t.same(ready.failed, ['missing.sh']);
  t.same([...ready.files].sort(), ['context.sh', 'hello.sh']);
  t.same(ready.disks, [{ dev: 'vda', bytes: 32 * 1024 * 1024, marker: DISK_MARKER }]);
  t.match(await vm.console(), /^HELLO-FROM-CONTEXT vm-3\r?$/m, 'the init script ran with the context in its environment');
});

t.test('boots without a context CD', { skip }, async (t) => {
  const vm = boot(t, await scratch(t), []);
  const ready = await vm.ready();
  t.equal(ready.context, false);
  t.equal(ready.eth0, undefined);
  t.same(ready.scripts, []);
  t.same(ready.disks, []);
});

t.test('the ACPI power button powers the guest off', { skip }, async (t) => {
  const vm = boot(t, await scratch(t), []);
  await vm.ready();
  const [, reply] = await qmp(vm.qmpPath, ['qmp_capabilities', 'system_powerdown']);
  t.same(reply, { return: {} });
  t.equal(await vm.exited, 0, 'qemu exits when the guest powers off');
  // Not anchored at the line's start: the console's shell may have printed its prompt just before.
  t.match(await vm.console(), /NEPHELE-POWEROFF\r?$/m);
  t.match(await vm.console(), /reboot: Power down/);
});

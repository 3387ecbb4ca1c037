/**
 * What only the qemu driver does, with the test guest booted for real: the
 * console report, ACPI, save/restore of a live guest, re-adoption of
 * detached processes, a dead process, live migration between two drivers.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { QemuHypervisor, type QemuHypervisorOptions } from '../../nodes/drivers/qemu-hypervisor.js';
import { isAlive } from '../../src/base/pidfile.js';
import { waitExit } from '../../nodes/drivers/qemu-process.js';
import type { VmSpec } from '../../src/protocol/domain.js';
import { GUEST_CMDLINE, GUEST_MEMORY_MIB, parseReady, testGuest } from '../fixtures/guest.js';
import { eventually, freePort } from '../fixtures/processes.js';

// real boots under TCG on a small machine: more than tap's default per file when files run side by side
t.setTimeout(300_000);
const guest = await testGuest();
const skip = 'skip' in guest ? guest.skip : process.getuid?.() !== 0 ? 'the qemu driver tests run as root' : undefined;
if (skip !== undefined || 'skip' in guest) {
  t.comment(`skipped: ${skip}`);
  t.pass('skipped');
} else {
  const spec = (vmId: number, dir?: string): VmSpec => ({
    vmId,
    name: `guest-${vmId}`,
    cpu: 0.5,
    vcpu: 1,
    memoryMb: GUEST_MEMORY_MIB,
    os: { kernel: guest.kernel, initrd: guest.initrd, kernelCmd: GUEST_CMDLINE },
    ...(dir === undefined ? {} : { dir }),
  });

  /** An open driver over a fresh state directory; every VM it holds at the end is killed. */
  const dirs = new WeakMap<Test, string>();
  /** The test's own directory, made once (t.testdir() empties it on every call). */
  const testDir = (t: Test): string => {
    let dir = dirs.get(t);
    if (dir === undefined) dirs.set(t, (dir = t.testdir()));
    return dir;
  };
  const open = async (t: Test, options: Partial<QemuHypervisorOptions> = {}): Promise<QemuHypervisor> => {
    const driver = new QemuHypervisor({
      stateDir: join(testDir(t), 's'),
      probeKernel: guest.kernel,
      cpus: 8,
      memoryKb: 8 << 20,
      ...options,
    });
    await driver.open();
    t.teardown(async () => {
      await driver.open();
      for (const vm of await driver.list()) await driver.shutdown(vm.vmId, { hard: true });
      await driver.close();
    });
    return driver;
  };

  const consoleText = (path: string): Promise<string> => readFile(path, 'utf8').catch(() => '');
  const count = (text: string, re: RegExp): number => text.split('\n').filter((l) => re.test(l)).length;
  /** Waits for the guest's n-th NEPHELE-READY line. */
  const ready = (path: string, n = 1): Promise<string> =>
    eventually(
      () => consoleText(path),
      (s) => count(s, /NEPHELE-READY /) >= n,
      60_000,
      `NEPHELE-READY #${n} in ${path}`,
    );
  const pidOf = (deployId: string): number => Number(deployId.replace(/^qemu-/, ''));

  t.test('the accelerator is probed: KVM only where a guest kernel boots under it', async (t) => {
    const driver = await open(t);
    t.ok(driver.accelerator === 'kvm' || driver.accelerator === 'tcg', `${driver.accelerator}: ${driver.acceleratorReason}`);
    const tcg = await open(t, { accelerator: 'tcg' });
    t.equal(tcg.accelerator, 'tcg', 'or as configured');
  });

  t.test('the guest boots and reports, reboots softly (ACPI, then reset) and powers off on the power button', async (t) => {
    const driver = await open(t);
    const info = await driver.deploy(spec(1));
    const log = driver.consoleLog(1);
    const report = parseReady(await ready(log));
    t.match(report, { v: 1, kernel: String }, 'NEPHELE-READY on the serial console');
    t.ok(isAlive(pidOf(info.deployId)), 'deployId names the QEMU process');
    const polled = await driver.poll(1);
    t.match(polled, { state: 'running', deployId: info.deployId });
    t.ok(polled.memoryKb > 0, "memory is QEMU's RSS");
    await driver.reboot(1, { hard: false });
    const rebooted = await ready(log, 2);
    t.ok(count(rebooted, /NEPHELE-POWEROFF/) >= 1, 'the guest itself powered off for the reboot');
    t.equal((await driver.poll(1)).deployId, info.deployId, 'the same process goes on');
    await driver.shutdown(1, { hard: false });
    t.equal(count(await consoleText(log), /NEPHELE-POWEROFF/), 2, 'the guest answered the power button');
    // Exited (a zombie until its parent, this process, reaps it: kill(pid, 0) still finds it).
    t.ok(await waitExit(pidOf(info.deployId), 10_000), 'QEMU is gone');
  });

  t.test('a soft shutdown the guest ignores fails after the timeout and leaves the VM running', async (t) => {
    const driver = await open(t, { shutdownTimeoutMs: 1500 });
    // no kernel: the firmware finds nothing to boot and nobody listens to the power button
    await driver.deploy({ vmId: 2, name: 'deaf', cpu: 0.1, vcpu: 1, memoryMb: 32 });
    await t.rejects(driver.shutdown(2, { hard: false }), { code: 'DRIVER_FAILED', details: { vmId: 2 } });
    t.equal((await driver.poll(2)).state, 'running');
    await driver.shutdown(2, { hard: true });
    t.same(await driver.list(), []);
  });

  t.test('save and restore keep the live guest: it goes on from where it was', async (t) => {
    const driver = await open(t);
    await driver.deploy(spec(3));
    const log = driver.consoleLog(3);
    await ready(log);
    let t0 = Date.now();
    await driver.save(3);
    t.comment(`save took ${Date.now() - t0} ms`);
    const checkpoint = join(testDir(t), 's', '3', 'checkpoint');
    t.ok((await stat(checkpoint)).size > 1024 * 1024, 'the checkpoint holds the memory');
    t.same(await driver.list(), []);
    t0 = Date.now();
    t.equal((await driver.restore(spec(3))).state, 'running');
    t.comment(`restore took ${Date.now() - t0} ms`);
    await t.rejects(stat(checkpoint), { code: 'ENOENT' }, 'a restored checkpoint is stale and removed');
    await driver.shutdown(3, { hard: false });
    const text = await consoleText(log);
    t.equal(count(text, /Linux version/), 1, 'no second boot: the restored kernel went on');
    t.equal(count(text, /NEPHELE-POWEROFF/), 1, 'and answered the power button');
  });

  t.test('VMs survive the driver; a VM whose QEMU died is failed', async (t) => {
    const stateDir = join(testDir(t), 's');
    const first = await open(t);
    const a = await first.deploy(spec(4));
    const b = await first.deploy(spec(5));
    await first.close();
    t.ok(isAlive(pidOf(a.deployId)) && isAlive(pidOf(b.deployId)), 'the processes outlive the driver');
    process.kill(pidOf(b.deployId), 'SIGKILL');
    const driver = await open(t, { stateDir });
    await eventually(
      () => driver.poll(5),
      (i) => i.state === 'failed',
      5000,
      'VM 5 failed',
    );
    t.same(
      (await driver.list()).map((i) => [i.vmId, i.state, i.deployId]),
      [
        [4, 'running', a.deployId],
        [5, 'failed', b.deployId],
      ],
    );
    t.match(await driver.poll(5), { cpuUsage: 0, memoryKb: 0 });
    await t.rejects(driver.suspend(5), { code: 'VM_WRONG_STATE', details: { state: 'failed' } });
    await t.rejects(
      driver.deploy({ ...spec(6), memoryMb: 8 * 1024 - 2 * GUEST_MEMORY_MIB + 1 }),
      { code: 'NO_CAPACITY' },
      'a failed VM keeps its capacity',
    );
    process.kill(pidOf(a.deployId), 'SIGKILL');
    await eventually(
      () => driver.poll(4),
      (i) => i.state === 'failed',
      5000,
      'VM 4 failed while held',
    );
    await driver.shutdown(5, { hard: false });
    await driver.shutdown(4, { hard: true });
    t.same(await driver.list(), []);
  });

  t.test('live migration between two drivers moves the running guest', async (t) => {
    const source = await open(t);
    const target = await open(t, { stateDir: join(testDir(t), 't') });
    await source.deploy(spec(7));
    await ready(source.consoleLog(7));
    const port = await freePort();
    const incoming = await target.prepareIncoming(spec(7), { host: '127.0.0.1', port });
    const targetLog = target.consoleLog(7);
    t.equal(incoming.state, 'paused', 'the target waits for the state');
    const t0 = Date.now();
    await source.migrateOut(7, `tcp:127.0.0.1:${port}`);
    t.comment(`migration took ${Date.now() - t0} ms`);
    t.same(await source.list(), [], 'the source forgot it');
    t.equal((await target.finishIncoming(7)).state, 'running');
    await target.shutdown(7, { hard: false });
    const log = await consoleText(targetLog);
    t.equal(count(log, /Linux version/), 0, 'no boot on the target');
    t.equal(count(log, /NEPHELE-POWEROFF/), 1, 'the migrated guest answered the power button');
    await t.rejects(source.migrateOut(7, 'exec:cat'), { code: 'INVALID_ARGUMENT' });
  });
}

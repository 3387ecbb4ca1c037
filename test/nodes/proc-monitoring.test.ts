import { existsSync } from 'node:fs';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { FakeClock } from '../../src/base/clock.js';
import { openNebulaArch } from '../../nodes/drivers/host-arch.js';
import { ProcMonitoring, cpuUsage, parseCpuModel, parseMeminfo, parseProcStat } from '../../nodes/drivers/proc-monitoring.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/proc/', import.meta.url));
const fixture = (name: string): Promise<string> => readFile(join(FIXTURES, name), 'utf8');

t.test('parseMeminfo reads MemTotal and MemAvailable', async (t) => {
  t.same(parseMeminfo(await fixture('meminfo')), { totalKb: 16318412, availableKb: 10240000 });
});

t.test('parseMeminfo falls back to MemFree + Buffers + Cached on kernels without MemAvailable', async (t) => {
  const old = 'MemTotal:  1000 kB\nMemFree:  100 kB\nBuffers:  20 kB\nCached:  300 kB\nSwapCached:  7 kB\n';
  t.same(parseMeminfo(old), { totalKb: 1000, availableKb: 420 });
  t.throws(() => parseMeminfo('MemFree: 1 kB\n'), { code: 'DRIVER_FAILED' });
});

t.test('parseProcStat sums the aggregate line, idle with iowait, leaving out guest time', async (t) => {
  t.same(parseProcStat(await fixture('stat')), { total: 95000, idle: 81000, cpus: 4 });
  t.same(parseProcStat('cpu  1 2 3 4\ncpu0 1 2 3 4\n'), { total: 10, idle: 4, cpus: 1 }, 'old kernels have 4 fields');
  t.throws(() => parseProcStat('intr 1 2 3\n'), { code: 'DRIVER_FAILED' });
});

t.test('cpuUsage is the busy share between two samples', async (t) => {
  const prev = { total: 95000, idle: 81000, cpus: 4 };
  t.equal(cpuUsage(prev, { total: 96000, idle: 81700, cpus: 4 }), 0.3);
  t.equal(cpuUsage(prev, { total: 96000, idle: 81000, cpus: 4 }), 1);
  t.equal(cpuUsage(prev, { total: 96000, idle: 82000, cpus: 4 }), 0);
  t.equal(cpuUsage(prev, prev), 0, 'no time passed');
  t.equal(cpuUsage(prev, { total: 94000, idle: 80000, cpus: 4 }), 0, 'counters went back (CPU hot-unplug)');
});

t.test('parseCpuModel takes the first model name; ARM has none', async (t) => {
  t.equal(parseCpuModel(await fixture('cpuinfo')), 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz');
  t.equal(parseCpuModel('processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\n'), undefined);
});

t.test('openNebulaArch names architectures as OpenNebula does', async (t) => {
  t.equal(openNebulaArch('x64'), 'x86_64');
  t.equal(openNebulaArch('arm64'), 'aarch64');
  t.equal(openNebulaArch('ppc64', 'LE'), 'ppc64le');
  t.equal(openNebulaArch('s390x'), 's390x');
});

t.test('ProcMonitoring reports the host from /proc, CPU usage since the previous call', async (t) => {
  const dir = t.testdir();
  await cp(FIXTURES, dir, { recursive: true });
  let vms = 3;
  const monitoring = new ProcMonitoring({
    hypervisor: 'qemu',
    runningVms: () => vms,
    procDir: dir,
    firstSampleMs: 0,
    hostname: 'node-1',
    now: () => 1234,
  });
  t.same(
    await monitoring.host(),
    {
      HOSTNAME: 'node-1',
      ARCH: openNebulaArch(),
      CPU_MODEL: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz',
      HYPERVISOR: 'qemu',
      TOTALCPU: 400,
      USEDCPU: 0,
      FREECPU: 400,
      TOTALMEMORY: 16318412,
      USEDMEMORY: 16318412 - 10240000,
      FREEMEMORY: 10240000,
      RUNNING_VMS: 3,
      TIMESTAMP: 1234,
    },
    'the first call samples twice at once: no time passed, no usage',
  );

  // 1000 ticks later, 300 of them busy (guest time grows too but is inside user)
  await writeFile(join(dir, 'stat'), 'cpu  10200 500 3100 80700 1000 0 500 0 2150 0\ncpu0 1\ncpu1 1\ncpu2 1\ncpu3 1\n');
  vms = 4;
  t.match(await monitoring.host(), { TOTALCPU: 400, USEDCPU: 120, FREECPU: 280, RUNNING_VMS: 4 });
  t.match(await monitoring.host(), { USEDCPU: 0, FREECPU: 400 }, 'nothing happened since the previous call');
});

t.test('the first call waits firstSampleMs on the clock between its samples', async (t) => {
  const dir = t.testdir();
  await cp(FIXTURES, dir, { recursive: true });
  const clock = new FakeClock();
  const monitoring = new ProcMonitoring({
    hypervisor: 'dummy',
    runningVms: async () => 0,
    procDir: dir,
    clock,
    firstSampleMs: 100,
  });
  const first = monitoring.host();
  // The first sample's file reads go through libuv's thread pool: on a loaded machine that takes
  // more than a few event-loop turns, so wait (a bound, not an assertion) in real time.
  for (const deadline = Date.now() + 10_000; clock.pending === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 5));
  t.equal(clock.pending, 1, 'the first sample is read and the wait has begun');
  // the second sample, due at 100 ms, sees 400 busy ticks of 1000
  await writeFile(join(dir, 'stat'), 'cpu  10400 500 3000 80600 1000 0 500 0 2000 0\ncpu0 1\ncpu1 1\ncpu2 1\ncpu3 1\n');
  await clock.advance(100);
  t.match(await first, { USEDCPU: 160, FREECPU: 240, HYPERVISOR: 'dummy' });
});

t.test('a missing /proc file is DRIVER_FAILED naming it', async (t) => {
  const dir = t.testdir();
  await cp(FIXTURES, dir, { recursive: true });
  await rm(join(dir, 'meminfo'));
  const monitoring = new ProcMonitoring({ hypervisor: 'qemu', runningVms: () => 0, procDir: dir, firstSampleMs: 0 });
  await t.rejects(monitoring.host(), { code: 'DRIVER_FAILED', details: { file: join(dir, 'meminfo') } });
});

const noProc = existsSync('/proc/stat') && existsSync('/proc/meminfo') ? false : 'no /proc on this machine (not Linux)';

t.test('reads the real /proc', { skip: noProc }, async (t) => {
  const monitoring = new ProcMonitoring({ hypervisor: 'qemu', runningVms: () => 0, firstSampleMs: 20 });
  for (const host of [await monitoring.host(), await monitoring.host()]) {
    t.equal(host.HOSTNAME, hostname());
    t.equal(host.ARCH, openNebulaArch());
    t.ok(host.CPU_MODEL.length > 0, 'a CPU model');
    t.ok(host.TOTALCPU >= 100 && host.TOTALCPU % 100 === 0, `TOTALCPU ${host.TOTALCPU}`);
    t.ok(host.USEDCPU >= 0 && host.USEDCPU <= host.TOTALCPU, `USEDCPU ${host.USEDCPU}`);
    t.equal(host.FREECPU, host.TOTALCPU - host.USEDCPU);
    t.ok(host.TOTALMEMORY > 0, `TOTALMEMORY ${host.TOTALMEMORY}`);
    t.ok(host.FREEMEMORY > 0 && host.FREEMEMORY <= host.TOTALMEMORY, `FREEMEMORY ${host.FREEMEMORY}`);
    t.equal(host.USEDMEMORY + host.FREEMEMORY, host.TOTALMEMORY);
  }
});

/**
 * The monitoring windows: samples spread over the window, the newest
 * always there, old ones expiring, and never more than the cap per object
 * however fast samples come; the book keeps a VM's figures only while its
 * window is open and only from the host it stays on.
 */
import t from 'tap';
import { MonitoringBook } from '../../src/hosts/monitoring-book.js';
import { SampleWindow } from '../../src/hosts/monitoring-window.js';
import type { HostMonitoring } from '../../src/protocol/domain.js';

const FIGURES: HostMonitoring = {
  HOSTNAME: 'h',
  ARCH: 'x86_64',
  CPU_MODEL: 'test',
  HYPERVISOR: 'dummy',
  TOTALCPU: 400,
  USEDCPU: 50,
  FREECPU: 350,
  TOTALMEMORY: 8_388_608,
  USEDMEMORY: 1_048_576,
  FREEMEMORY: 7_340_032,
  RUNNING_VMS: 2,
  TIMESTAMP: 0,
};

t.test('a window keeps one sample a slot, the newest of it, up to its cap', async (t) => {
  // 10 samples over 1,000 ms: a slot is 100 ms.
  const w = new SampleWindow(1, { windowMs: 1_000, maxSamples: 10 });
  w.add(0, [1]);
  w.add(40, [2]);
  t.same(w.samples(40), [[40, 2]], 'a sample within the slot of the newest row replaces it');
  w.add(100, [3]);
  t.same(w.samples(100), [
    [40, 2],
    [100, 3],
  ]);
  for (let at = 110; at <= 5_000; at += 10) w.add(at, [at]);
  const kept = w.samples(5_000);
  t.ok(kept.length <= 10, `at most the cap: ${kept.length}`);
  t.ok(kept.length >= 9, 'and the window is full');
  t.same(kept.at(-1), [5_000, 5_000], 'the newest sample is there');
  t.ok(
    kept.every((r) => (r[0] as number) >= 4_000),
    'nothing older than the window',
  );
  t.ok(
    kept.slice(1).every((r, i) => (r[0] as number) > (kept[i]?.[0] as number)),
    'oldest first, in time order',
  );
  t.same(w.latest(5_000), [5_000, 5_000]);
});

t.test('samples expire with the window, and a read asks for a period', async (t) => {
  const w = new SampleWindow(2, { windowMs: 1_000, maxSamples: 100 });
  for (let at = 0; at <= 900; at += 100) w.add(at, [at, -at]);
  t.equal(w.samples(900).length, 10);
  t.same(
    w.samples(900, 700).map((r) => r[0]),
    [800, 900],
    'since a time',
  );
  t.same(
    w.samples(1_650).map((r) => r[0]),
    [700, 800, 900],
    'past the window, the old ones went',
  );
  t.equal(w.samples(5_000).length, 0, 'all of them, in the end');
  t.equal(w.latest(5_000), undefined);
  t.equal(w.size, 0);
});

t.test('a clock stepped back neither reorders the window nor grows it', async (t) => {
  const w = new SampleWindow(1, { windowMs: 1_000, maxSamples: 10 });
  w.add(500, [1]);
  w.add(700, [2]);
  w.add(300, [3]);
  t.same(w.samples(700), [
    [500, 1],
    [700, 3],
  ]);
});

t.test('limits are checked once, as a programming mistake', async (t) => {
  t.throws(() => new SampleWindow(1, { windowMs: 0, maxSamples: 1 }), TypeError);
  t.throws(() => new SampleWindow(1, { windowMs: 1, maxSamples: 0 }), TypeError);
  t.throws(() => new SampleWindow(0, { windowMs: 1, maxSamples: 1 }), TypeError);
  t.throws(() => new SampleWindow(2, { windowMs: 1, maxSamples: 1 }).add(0, [1]), TypeError);
});

t.test("the book: hosts' windows, VMs' windows while open, and the bound", async (t) => {
  let now = 1_000_000;
  const book = new MonitoringBook({ host: { windowMs: 10_000, maxSamples: 5 }, vm: { windowMs: 10_000, maxSamples: 4 } }, () => now);
  const vms = [
    { vmId: 1, cpu: 25, memoryKb: 262_144 },
    { vmId: 2, cpu: 5, memoryKb: 1024 },
    { vmId: 3, cpu: 1, memoryKb: 1 },
  ];
  book.watchVm(1);
  book.watchVm(3);
  book.push(0, FIGURES, vms, (id) => id !== 3);
  t.same(book.host(0), [
    {
      timestamp: now,
      totalCpu: 400,
      usedCpu: 50,
      freeCpu: 350,
      totalMemory: 8_388_608,
      usedMemory: 1_048_576,
      freeMemory: 7_340_032,
      runningVms: 2,
    },
  ]);
  t.same(book.vm(1), [{ timestamp: now, hostId: 0, cpu: 25, memory: 262_144 }], 'an open window takes its VM');
  t.same(book.vm(2), [], 'a VM without a window: its figures are dropped, no window made');
  t.same(book.vm(3), [], 'a VM that does not stay on the pushing host: dropped');
  t.same(book.stats(), { hosts: 1, vms: 2, samples: 2 });

  for (let i = 0; i < 1_000; i++) {
    now += 100;
    book.push(0, { ...FIGURES, USEDCPU: i }, [{ vmId: 1, cpu: i, memoryKb: 1 }], () => true);
  }
  t.equal(book.host(0).length, 5, "a host's window: its cap");
  t.equal(book.vm(1).length, 4, "a VM's window: its cap");
  t.same(book.stats(), { hosts: 1, vms: 2, samples: 9 }, 'bounded whatever the pushes');
  t.same(
    book.vm(1, 0).map((s) => s.cpu),
    [999],
    'seconds 0: the newest only',
  );
  t.same(
    book.host(0, 3).map((s) => s.timestamp),
    book
      .host(0)
      .map((s) => s.timestamp)
      .filter((ts) => ts > now - 3_000),
    'seconds > 0: the last seconds',
  );
  t.equal(book.host(0, -1).length, 5, 'seconds < 0: all');

  book.forgetVm(1);
  book.push(0, FIGURES, [{ vmId: 1, cpu: 1, memoryKb: 1 }], () => true);
  t.same(book.vm(1), [], 'a forgotten (DONE) VM is not revived by a late push');
  book.forgetHost(0);
  t.same(book.host(0), []);
  t.same(book.stats(), { hosts: 0, vms: 1, samples: 0 });
});

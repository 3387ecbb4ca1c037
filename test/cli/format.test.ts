import t from 'tap';
import { parseListen, positiveInt } from '../../src/cli/args.js';
import { formatKb, percent, renderTable } from '../../src/cli/table.js';

t.test("memory in OpenNebula's short form", async (t) => {
  t.equal(formatKb(0), '0K');
  t.equal(formatKb(512), '512K');
  t.equal(formatKb(1536), '1.5M');
  t.equal(formatKb(4 * 1024 * 1024 - 200 * 1024), '3.8G');
  t.equal(formatKb(24 * 1024 * 1024), '24G');
  t.equal(percent(1, 4), '25%');
  t.equal(percent(1, 0), '-');
});

t.test('tables pad columns, numbers to the right', async (t) => {
  const out = renderTable(
    [
      { header: 'ID', value: (r: { id: number; n: string }) => String(r.id), right: true },
      { header: 'NAME', value: (r) => r.n },
    ],
    [
      { id: 1, n: 'a' },
      { id: 10, n: 'bbbb' },
    ],
  );
  t.equal(out, 'ID NAME\n 1 a\n10 bbbb\n');
});

t.test('arguments', async (t) => {
  t.same(parseListen('0.0.0.0:2633'), { host: '0.0.0.0', port: 2633 });
  t.same(parseListen('[::1]:80'), { host: '::1', port: 80 });
  t.same(parseListen('2633'), { host: '127.0.0.1', port: 2633 });
  t.throws(() => parseListen('host:99999'), { code: 'INVALID_ARGUMENT' });
  t.throws(() => parseListen('nonsense'), { code: 'INVALID_ARGUMENT' });
  t.equal(positiveInt('5', '--x'), 5);
  t.throws(() => positiveInt('5.5', '--x'), { code: 'INVALID_ARGUMENT' });
  t.throws(() => positiveInt('0', '--x'), { code: 'INVALID_ARGUMENT' });
});

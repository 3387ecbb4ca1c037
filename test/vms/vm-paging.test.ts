import t from 'tap';
import { ApiClient } from '../../src/cli/api-client.js';
import { VMPOOL_MAX_LIMIT } from '../../src/api/api-types.js';
import { startCloud } from '../fixtures/cloud.js';
import { eventually, runCliBin } from '../fixtures/processes.js';

const TEMPLATE = 'CPU = 0.1\nMEMORY = 64\n';

t.test('vmpool.info pages in id order; bad paging params are refused', async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  for (let i = 0; i < 12; i++) await admin.call('vm.allocate', { template: TEMPLATE, hold: true });
  // VMs 3 and 7 end: listed only with `all`.
  for (const id of [3, 7]) {
    await admin.call('vm.action', { id, action: 'terminate', hard: true });
    await eventually(
      () => admin.call('vm.info', { id }),
      (v) => v.state === 'DONE',
      10_000,
      `VM ${id} DONE`,
    );
  }
  const ids = async (p: { all: boolean; offset?: number; limit?: number }): Promise<number[]> =>
    (await admin.call('vmpool.info', p)).map((v) => v.id);

  t.same(await ids({ all: false }), [0, 1, 2, 4, 5, 6, 8, 9, 10, 11], 'unpaged: everything but DONE');
  t.same(await ids({ all: false, limit: 4 }), [0, 1, 2, 4]);
  t.same(await ids({ all: false, offset: 4, limit: 4 }), [5, 6, 8, 9]);
  t.same(await ids({ all: false, offset: 8, limit: 4 }), [10, 11], 'the last page is short');
  t.same(await ids({ all: false, offset: 10, limit: 4 }), [], 'past the end: empty');
  t.same(await ids({ all: true, offset: 2, limit: 3 }), [2, 3, 4], 'with all, DONE ones count');
  const done = (await admin.call('vmpool.info', { all: true, offset: 7, limit: 1 }))[0];
  t.same([done?.id, done?.state], [7, 'DONE'], 'a DONE VM comes back whole');
  t.equal((await admin.call('vm.info', { id: 7 })).state, 'DONE', 'and vm.info still shows it');
  await t.rejects(admin.call('vm.info', { id: 99 }), { code: 'VM_NOT_FOUND' });

  for (const [params, field] of [
    [{ all: false, limit: 0 }, 'limit'],
    [{ all: false, limit: VMPOOL_MAX_LIMIT + 1 }, 'limit'],
    [{ all: false, limit: 1.5 }, 'limit'],
    [{ all: false, offset: -1 }, 'offset'],
    [{ all: false, offset: 'x' }, 'offset'],
  ] as const) {
    await t.rejects(admin.call('vmpool.info', params as never), { code: 'INVALID_ARGUMENT', details: { field } }, JSON.stringify(params));
  }

  // A user's pages hold their own VMs only.
  await admin.call('user.allocate', { name: 'alice', password: 'alice-pw' });
  const alice = await ApiClient.connect({ url: cloud.oned.url, user: 'alice', password: 'alice-pw' });
  t.teardown(() => alice.close());
  for (let i = 0; i < 3; i++) await alice.call('vm.allocate', { template: TEMPLATE, hold: true });
  t.same(
    (await alice.call('vmpool.info', { all: false })).map((v) => v.id),
    [12, 13, 14],
  );
  t.same(
    (await alice.call('vmpool.info', { all: false, offset: 1, limit: 1 })).map((v) => v.id),
    [13],
    'offset counts her VMs only',
  );
  t.same(
    (await admin.call('vmpool.info', { all: false, offset: 10, limit: 5 })).map((v) => v.id),
    [12, 13, 14],
    'the administrator sees hers too',
  );
});

t.test('onevm list shows one page and says when more follow', async (t) => {
  const cloud = await startCloud(t);
  const env = { NEPHELE_URL: cloud.oned.url, NEPHELE_AUTH: cloud.oned.authFile };
  for (let i = 0; i < 5; i++) await cloud.client.call('vm.allocate', { template: TEMPLATE, hold: true });
  const rows = (out: string): string[] =>
    out
      .split('\n')
      .filter((l) => /^\s*\d+ oneadmin/.test(l))
      .map((l) => l.trim().split(/\s+/)[0] as string);

  const whole = await runCliBin(t, 'onevm', ['list'], env);
  t.same(rows(whole.out), ['0', '1', '2', '3', '4'], 'a list that fits in a page is shown whole');
  t.notMatch(whole.out, /more follow/);

  const first = await runCliBin(t, 'onevm', ['list', '--page-size', '2'], env);
  t.same(rows(first.out), ['0', '1']);
  t.match(first.out, /VMs 1-2 shown; more follow: onevm list --page 2 --page-size 2/);
  const last = await runCliBin(t, 'onevm', ['list', '--page', '3', '--page-size', '2'], env);
  t.same(rows(last.out), ['4']);
  t.notMatch(last.out, /more follow/);
  const json = await runCliBin(t, 'onevm', ['list', '--page', '2', '--page-size', '2', '--json'], env);
  t.same(
    (JSON.parse(json.out.slice(0, json.out.lastIndexOf(']') + 1)) as { id: number }[]).map((v) => v.id),
    [2, 3],
  );

  const bad = await runCliBin(t, 'onevm', ['list', '--page', '0'], env);
  t.equal(bad.code, 1);
  t.match(bad.out, /\[INVALID_ARGUMENT\] --page must be an integer ≥ 1/);
});

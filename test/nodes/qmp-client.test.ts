/** The QMP client against a real QEMU with no machine at all (`-machine none`): cheap and quick. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { QmpClient } from '../../nodes/drivers/qmp-client.js';
import { socketPath } from '../../nodes/drivers/qemu-process.js';
import { probeKvm, probeKvmNow } from '../../nodes/drivers/kvm-probe.js';
import { findOnPath } from '../../scripts/guest/build-guest.js';
import { eventually } from '../fixtures/processes.js';

const qemu = await findOnPath('qemu-system-x86_64');

/** A QEMU with a monitor socket in the test's directory, killed by pid when the test ends. */
async function startQemu(t: Test): Promise<{ socket: string; pid: number; exited: Promise<unknown> }> {
  const dir = t.testdir();
  const child = spawn(
    'qemu-system-x86_64',
    [
      '-machine',
      'none',
      '-nodefaults',
      '-display',
      'none',
      '-accel',
      'tcg',
      '-chardev',
      'socket,id=qmp,path=qmp.sock,server=on,wait=off',
      '-mon',
      'chardev=qmp,mode=control',
    ],
    { cwd: dir, stdio: 'ignore' },
  );
  const exited = once(child, 'exit');
  // the test directory is too deep for a unix socket address
  const socket = socketPath(dir, child.pid ?? 0, 'qmp.sock');
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    return exited;
  });
  await eventually(
    async () =>
      QmpClient.connect(socket)
        .then((c) => c.close())
        .then(() => true),
    (ok) => ok,
    10_000,
    'QMP up',
  );
  return { socket, pid: child.pid ?? 0, exited };
}

if (qemu === undefined) {
  t.comment('skipped: qemu-system-x86_64 not found');
  t.pass('skipped');
} else {
  t.test('greeting, capabilities, commands by id, errors by class', async (t) => {
    const { socket } = await startQemu(t);
    const qmp = await QmpClient.connect(socket);
    t.teardown(() => qmp.close());
    t.equal(qmp.greeting.version.qemu.major >= 7, true, `QEMU ${JSON.stringify(qmp.greeting.version.qemu)}`);
    t.equal(qmp.status, 'open');
    const [status, name] = await Promise.all([
      qmp.execute<{ status: string }>('query-status'),
      qmp.execute<Record<string, unknown>>('query-name'),
    ]);
    t.equal(typeof status.status, 'string', 'concurrent commands get their own replies');
    t.same(name, {});
    await t.rejects(qmp.execute('no-such-command'), {
      code: 'DRIVER_FAILED',
      details: { command: 'no-such-command', class: 'CommandNotFound' },
    });
    await t.rejects(qmp.execute('human-monitor-command', { nonsense: 1 }), { code: 'DRIVER_FAILED', details: { class: 'GenericError' } });
    t.equal((await qmp.execute<{ status: string }>('query-status')).status, status.status, 'still usable after errors');
  });

  t.test('events: STOP and RESUME arrive; waiting times out or aborts', async (t) => {
    const { socket } = await startQemu(t);
    const qmp = await QmpClient.connect(socket);
    t.teardown(() => qmp.close());
    const seen: string[] = [];
    const off = qmp.onEvent((e) => seen.push(e.event));
    const stopped = qmp.nextEvent(['STOP']);
    await qmp.execute('stop');
    t.match(await stopped, { event: 'STOP', timestamp: { seconds: Number } });
    const resumed = qmp.nextEvent(['RESUME']);
    await qmp.execute('cont');
    await resumed;
    off();
    t.same(seen, ['STOP', 'RESUME']);
    await t.rejects(qmp.nextEvent(['POWERDOWN'], { timeoutMs: 50 }), { code: 'DRIVER_FAILED', details: { timeoutMs: 50 } });
    const ac = new AbortController();
    const waiting = qmp.nextEvent(['POWERDOWN'], { signal: ac.signal });
    ac.abort(new Error('enough'));
    await t.rejects(waiting, { message: 'enough' });
  });

  t.test('QEMU quitting ends the connection; pending and later commands reject', async (t) => {
    const { socket, exited } = await startQemu(t);
    const qmp = await QmpClient.connect(socket);
    const shutdown = qmp.nextEvent(['SHUTDOWN']);
    await qmp.execute('quit').catch(() => {}); // the reply may lose the race with the exit
    t.match(await shutdown, { event: 'SHUTDOWN', data: { guest: false } });
    await qmp.closed;
    await exited;
    t.equal(qmp.status, 'closed');
    await t.rejects(qmp.execute('query-status'), { code: 'DRIVER_FAILED' });
  });

  t.test('a missing socket or a silent one fails with DRIVER_FAILED', async (t) => {
    await t.rejects(QmpClient.connect(join(t.testdir(), 'nothing.sock')), { code: 'DRIVER_FAILED', details: { errno: 'ENOENT' } });
    const { socket } = await startQemu(t);
    const first = await QmpClient.connect(socket);
    t.teardown(() => first.close());
    // QEMU serves one client per monitor: a second one gets no greeting
    await t.rejects(QmpClient.connect(socket, { timeoutMs: 300 }), { code: 'DRIVER_FAILED', details: { timeoutMs: 300 } });
  });

  t.test('the KVM probe answers kvm or tcg, once per process', async (t) => {
    t.same(await probeKvmNow({ device: '/nonexistent/kvm' }), { accelerator: 'tcg', reason: '/nonexistent/kvm is missing or not usable' });
    const a = probeKvm({ timeoutMs: 3000 });
    t.equal(probeKvm({ timeoutMs: 3000 }), a, 'the same probe for the same options');
    t.match(await a, { accelerator: /^(kvm|tcg)$/, reason: String });
    t.comment(`without a kernel: ${JSON.stringify(await a)}`);
  });
}

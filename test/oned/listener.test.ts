import t from 'tap';
import { io as dial } from 'socket.io-client';
import { listen } from '../../src/oned/listener.js';
import { eventually } from '../fixtures/processes.js';

const metrics = () => (_req: unknown, res: { end(text: string): void }) => res.end('metrics\n');

t.test('handshakes that come before open() wait for it, and then go through', async (t) => {
  const listener = await listen({ host: '127.0.0.1', port: 0, route: metrics as never });
  t.teardown(() => listener.close());
  let connections = 0;
  listener.io.of('/node').on('connection', () => {
    connections++;
  });
  const early = dial(`${listener.url}/node`, { transports: ['websocket'], reconnection: false, forceNew: true });
  t.teardown(() => early.close());
  let refused = false;
  early.on('connect_error', () => {
    refused = true;
  });
  await eventually(
    async () => listener.held,
    (n) => n === 1,
    10_000,
    'the handshake held',
  );
  t.notOk(early.connected || refused, 'neither connected nor refused while oned starts');
  t.equal((await fetch(`${listener.url}/metrics`)).status, 503, 'GET /metrics: oned is starting');

  listener.open();
  await eventually(
    async () => early.connected,
    (c) => c,
    10_000,
    'connected once open',
  );
  t.equal(connections, 1);
  t.equal(listener.held, 0);
  t.equal(await (await fetch(`${listener.url}/metrics`)).text(), 'metrics\n');
  const late = dial(`${listener.url}/node`, { transports: ['websocket'], reconnection: false, forceNew: true });
  t.teardown(() => late.close());
  await eventually(
    async () => late.connected,
    (c) => c,
    10_000,
    'a later one goes straight through',
  );
});

t.test('closing before open refuses what waits', async (t) => {
  const listener = await listen({ host: '127.0.0.1', port: 0, route: metrics as never });
  const early = dial(`${listener.url}/node`, { transports: ['websocket'], reconnection: false, forceNew: true });
  t.teardown(() => early.close());
  let refused = false;
  early.on('connect_error', () => {
    refused = true;
  });
  await eventually(
    async () => listener.held,
    (n) => n === 1,
    10_000,
    'the handshake held',
  );
  await listener.close();
  await eventually(
    async () => refused,
    (r) => r,
    10_000,
    'refused at close',
  );
  t.notOk(early.connected);
});

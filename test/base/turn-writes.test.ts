import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import t, { type Test } from 'tap';
import { coalesceTurn } from '../../src/base/turn-writes.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A loopback TCP pair: what the client writes, the server's side collects. */
async function pair(t: Test): Promise<{ client: Socket; received: () => string; reads: () => number }> {
  let data = '';
  let reads = 0;
  const server = createServer((s) =>
    s.on('data', (d) => {
      reads++;
      data += d.toString();
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const client = connect(address.port, '127.0.0.1');
  await once(client, 'connect');
  t.teardown(() => {
    client.destroy();
    server.close();
  });
  return { client, received: () => data, reads: () => reads };
}

t.test("a callback's writes are held until it and its promise jobs are done, then go out together", async (t) => {
  const { client, received } = await pair(t);
  coalesceTurn(client);
  coalesceTurn(client); // again in the same turn: still one cork
  t.equal(client.writableCorked, 1, 'corked once');
  for (let i = 0; i < 100; i++) client.write(`${i},`);
  t.equal(client.writableLength > 0, true, 'held in the stream, not yet written');
  await Promise.resolve();
  t.equal(client.writableCorked, 1, 'still held through the promise jobs the callback set off');
  await turn();
  t.equal(client.writableCorked, 0, 'uncorked once they are done');
  const want = Array.from({ length: 100 }, (_, i) => `${i},`).join('');
  while (received().length < want.length) await turn();
  t.equal(received(), want, 'every byte arrives, in order');
});

t.test('a destroyed stream is left alone, and nothing is corked for ever', async (t) => {
  const { client } = await pair(t);
  client.destroy();
  coalesceTurn(client);
  t.equal(client.writableCorked, 0);
  coalesceTurn(undefined);
  coalesceTurn(null);
  t.equal(client.writableCorked, 0, 'no stream: nothing corked');
});

t.test('the next callback corks again', async (t) => {
  const { client, received } = await pair(t);
  coalesceTurn(client);
  client.write('a');
  await turn();
  coalesceTurn(client);
  t.equal(client.writableCorked, 1);
  client.write('b');
  await turn();
  t.equal(client.writableCorked, 0);
  while (received().length < 2) await turn();
  t.equal(received(), 'ab');
});

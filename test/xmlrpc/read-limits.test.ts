// Requests are bounded while they are read and decoded, before anything of their caller is known: per
// address and in all, over the limit 429 with Retry-After before the body is read; a body that does not
// arrive in time gets 408. Other addresses, and the same one afterwards, are still served.
import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import t from 'tap';
import { encodeCall } from '../../src/api/transports/xmlrpc/xmlrpc-codec.js';
import { readAuthFile } from '../../src/auth/auth-file.js';
import { startCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';

const BIG = 1024 * 1024;

interface Held {
  readonly req: ClientRequest;
  /** The answer, if one came before the body was sent. */
  readonly answer: Promise<IncomingMessage | undefined>;
}

/** A request that declares a big body, sends a little of it and holds the rest, from `localAddress`. */
function hold(url: string, localAddress: string): Held {
  const req = request(new URL('/RPC2', url), {
    method: 'POST',
    localAddress,
    agent: false,
    headers: { 'Content-Type': 'text/xml', 'Content-Length': String(BIG) },
  });
  const answer = new Promise<IncomingMessage | undefined>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res);
    });
    req.on('error', () => resolve(undefined));
    req.on('close', () => resolve(undefined));
  });
  req.write(
    `<?xml version="1.0"?><methodCall><methodName>one.system.version</methodName><params><param><value><string>${'a'.repeat(4096)}`,
  );
  return { req, answer };
}

/** oneadmin's `one.system.version` from `localAddress`, on a connection of its own: the HTTP status and the body. */
function version(url: string, session: string, localAddress: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/RPC2', url),
      { method: 'POST', localAddress, agent: false, headers: { 'Content-Type': 'text/xml' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(encodeCall('one.system.version', [session]));
  });
}

t.test('many parallel big bodies from one address: refused past the limit, and the door still answers', async (t) => {
  const cloud = await startCloud(t, { apiLimits: { xmlrpcReadingPerAddress: 4, xmlrpcReadingTotal: 6, xmlrpcBodyMs: 30_000 } });
  const { user, password } = await readAuthFile(cloud.oned.authFile);
  const admin = `${user}:${password}`;
  const url = cloud.oned.url;
  const flood = Array.from({ length: 12 }, () => hold(url, '127.0.0.1'));
  t.teardown(() => {
    for (const h of flood) h.req.destroy();
  });
  // The requests past the address's 4 are answered at once, their bodies unread; 4 are being read.
  const PENDING = 'still being read';
  const settled = await Promise.all(flood.map((h) => Promise.race([h.answer, delay(500, PENDING)])));
  const refused = settled.filter((r): r is IncomingMessage => typeof r === 'object');
  t.equal(settled.filter((r) => r === PENDING).length, 4, 'four being read, the limit of one address');
  t.same(
    refused.map((r) => r.statusCode),
    Array(8).fill(429),
    'the 8 past the limit: 429',
  );
  t.ok(
    refused.every((r) => r.headers['retry-after'] === '1' && r.headers.connection === 'close'),
    'with Retry-After, the connection closed',
  );
  // Another address is still served while the flood holds its slots.
  const other = await version(url, admin, '127.0.0.2');
  t.equal(other.status, 200, 'oneadmin from another address is answered');
  t.match(other.body, /6\.10\.0/);
  // The door's total: two more from a third address fill it, and then every address waits.
  const third = [hold(url, '127.0.0.3'), hold(url, '127.0.0.3')];
  t.teardown(() => {
    for (const h of third) h.req.destroy();
  });
  const full = await eventually(
    () => version(url, admin, '127.0.0.4'),
    (r) => r.status === 429,
    5_000,
    'the total reached',
  );
  t.equal(full.status, 429, 'over the total: 429 for a fourth address too');
  // The flood ends: its slots come back, and its own address is served again.
  for (const h of [...flood, ...third]) h.req.destroy();
  const after = await eventually(
    () => version(url, admin, '127.0.0.1'),
    (r) => r.status === 200,
    5_000,
    'slots given back',
  );
  t.match(after.body, /6\.10\.0/, 'the same address is answered once its requests are gone');
});

t.test('a body that does not arrive in time: 408, and its slot is given back', async (t) => {
  const cloud = await startCloud(t, { apiLimits: { xmlrpcReadingPerAddress: 1, xmlrpcBodyMs: 300 } });
  const { user, password } = await readAuthFile(cloud.oned.authFile);
  const slow = hold(cloud.oned.url, '127.0.0.1');
  t.teardown(() => slow.req.destroy());
  const res = await slow.answer;
  t.equal(res?.statusCode, 408, 'cut off');
  t.equal(res?.headers.connection, 'close');
  const next = await version(cloud.oned.url, `${user}:${password}`, '127.0.0.1');
  t.equal(next.status, 200, 'the address has its slot again');
});

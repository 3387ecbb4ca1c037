/**
 * The abuse suite's attacker, in a process of its own so that its work does
 * not slow the administrator's timed calls in the suite's process:
 *
 *   node abuse-attacker.js logins URL RATE   failed logins at RATE per second (new connections, unknown names)
 *   node abuse-attacker.js flood URL USER PASSWORD IN_FLIGHT   one connection keeping IN_FLIGHT vmpool.info calls in flight,
 *     logging in again at once whenever oned drops it
 *
 * It runs until SIGTERM, then prints one JSON line of counts on stdout.
 */
import { Packr } from 'msgpackr';
import { io } from 'socket.io-client';

const packr = new Packr({ useRecords: false, moreTypes: false });
const counts: Record<string, number> = {};
const count = (k: string): void => {
  counts[k] = (counts[k] ?? 0) + 1;
};
let stopping = false;

function logins(url: string, rate: number): void {
  let n = 0;
  const tick = 10;
  const timer = setInterval(() => {
    for (let i = 0; i < (rate * tick) / 1000; i++) {
      const socket = io(`${url}/api`, {
        auth: { user: `guess-${process.pid}-${n++}`, password: 'wrong' },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        timeout: 20_000,
      });
      count('sent');
      socket.once('connect', () => {
        count('connected');
        socket.close();
      });
      socket.once('connect_error', (err: Error & { data?: { code?: string } }) => {
        count(err.data?.code ?? 'transport');
        socket.close();
      });
    }
    if (stopping) clearInterval(timer);
  }, tick);
}

function flood(url: string, user: string, password: string, inFlight: number): void {
  const frame = packr.pack({ method: 'vmpool.info', params: { all: true } });
  // A determined attacker: dropped, it logs in again at once and floods anew.
  const connect = (): void => {
    if (stopping) return;
    const socket = io(`${url}/api`, { auth: { user, password }, transports: ['websocket'], reconnection: false, forceNew: true });
    const one = (): void => {
      if (stopping || !socket.connected) return;
      count('sent');
      socket
        .timeout(60_000)
        .emitWithAck('call', frame)
        .then(
          (raw: Uint8Array) => {
            const reply = packr.unpack(raw) as { ok: boolean; error?: { code: string } };
            count(reply.ok ? 'ok' : (reply.error?.code ?? '?'));
            // A refused call is sent again at once: the attacker keeps its calls in flight.
            one();
          },
          () => count('unanswered'),
        );
    };
    socket.once('connect', () => {
      for (let i = 0; i < inFlight; i++) one();
    });
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) => {
      count(`login ${err.data?.code ?? 'transport'}`);
      socket.close();
      setTimeout(connect, 100);
    });
    socket.once('disconnect', () => {
      count('dropped');
      socket.close();
      connect();
    });
  };
  connect();
}

const [mode, url, ...rest] = process.argv.slice(2);
if (mode === 'logins' && url !== undefined) logins(url, Number(rest[0] ?? 1000));
else if (mode === 'flood' && url !== undefined) flood(url, rest[0] ?? '', rest[1] ?? '', Number(rest[2] ?? 10_000));
else {
  process.stderr.write('usage: abuse-attacker logins URL RATE | flood URL USER PASSWORD IN_FLIGHT\n');
  process.exit(2);
}
process.once('SIGTERM', () => {
  stopping = true;
  process.stdout.write(`${JSON.stringify(counts)}\n`, () => process.exit(0));
});

import { Writable } from 'node:stream';
import t from 'tap';
import { createLogger } from '../../src/log/logger.js';

/** A stream that keeps what is written, and says whether it is a terminal. */
function sink(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  Object.assign(w, { isTTY });
  return { stream: w as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

t.test('JSON lines unless a terminal watches, pretty lines when one does', async (t) => {
  const file = sink(false);
  createLogger('info', 'auto', file.stream).info({ hostId: 3 }, 'host in ERROR');
  const line = JSON.parse(file.text().trim()) as { msg: string; hostId: number; level: number };
  t.match(line, { msg: 'host in ERROR', hostId: 3, level: 30 }, 'a file gets a JSON line');

  const tty = sink(true);
  createLogger('info', 'auto', tty.stream).warn({ hostId: 3 }, 'host in ERROR');
  t.throws(() => JSON.parse(tty.text().trim()), 'a terminal does not get JSON');
  // eslint-disable-next-line no-control-regex
  const plain = tty.text().replace(/\x1b\[[0-9;]*m/g, '');
  t.match(plain, /WARN.*host in ERROR[\s\S]*hostId: 3/, 'it gets the level, the message and the fields');

  const forced = sink(true);
  createLogger('info', 'json', forced.stream).info('x');
  t.equal((JSON.parse(forced.text().trim()) as { msg: string }).msg, 'x', '--log-format json wins over a terminal');

  const quiet = sink(false);
  const log = createLogger('warn', 'auto', quiet.stream);
  log.info('not shown');
  log.error('shown');
  t.notMatch(quiet.text(), /not shown/, 'the level filters');
  t.match(quiet.text(), /shown/);
});

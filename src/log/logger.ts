import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

/** How log lines are written: `auto` is pretty on a terminal, JSON lines otherwise. */
export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * The one pino root of a process (oned, onenode). JSON lines for files,
 * journald and collectors; readable lines when a person watches a terminal.
 * The pretty stream is synchronous (no worker thread), so it also works in
 * the agent's one-file bundle.
 */
export function createLogger(level: string, format: LogFormat = 'auto', stream: NodeJS.WriteStream = process.stdout): Logger {
  const readable = format === 'pretty' || (format === 'auto' && stream.isTTY === true);
  // Standard output goes through pino's own fast writer; any other stream as given.
  if (!readable) return stream === process.stdout ? pino({ level }) : pino({ level }, stream);
  return pino(
    { level },
    pretty({ destination: stream, colorize: stream.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }),
  );
}

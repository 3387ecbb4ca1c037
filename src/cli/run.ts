import { type Command, CommanderError } from 'commander';
import { isNepheleError } from '../errors.js';
import { connect, type GlobalOptions } from './connect.js';
import type { ApiClient } from './api-client.js';
import { escapeControls, jsonText } from './terminal-safe.js';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/**
 * Prints a command's result: with `--json` as JSON, else `text()`; either
 * way with no terminal control in it (the renderers escape their values;
 * this catches what they leave).
 */
export function printer(io: CliIo): (value: unknown, json: boolean | undefined, text: () => string) => void {
  return (value, json, text) => io.out(json === true ? jsonText(value) : escapeControls(text(), { lines: true }));
}

/** The options every command takes. */
export function withGlobalOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'oned URL (default $NEPHELE_URL or http://127.0.0.1:2633)')
    .option('--user <name>', 'user name (default from $NEPHELE_AUTH or ~/.nephele/auth)')
    .option('--password <password>', 'password');
}

/** Runs `fn` with a connected client and closes it. */
export async function withClient<T>(opts: GlobalOptions, fn: (client: ApiClient) => Promise<T>): Promise<T> {
  const client = await connect(opts);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** Parses argv and runs; a coded error prints `[CODE] message` and exits 1. */
export async function runCli(program: Command, argv: readonly string[], io: CliIo = processIo): Promise<number> {
  program.exitOverride();
  // Commander echoes arguments in its errors: a script may pass server-supplied names.
  program.configureOutput({
    writeOut: (s) => io.out(escapeControls(s, { lines: true })),
    writeErr: (s) => io.err(escapeControls(s, { lines: true })),
  });
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (isNepheleError(err)) {
      // The server's messages may echo names users chose.
      io.err(`[${err.code}] ${escapeControls(err.message)}\n`);
      return 1;
    }
    io.err(`${escapeControls(err instanceof Error ? err.message : String(err))}\n`);
    return 1;
  }
}

/**
 * A `top` subcommand: renders what `fetch` returns every --delay seconds
 * until interrupted (or --count times), clearing the screen on a terminal.
 */
export function topCommand(program: Command, what: string, io: CliIo, fetch: (client: ApiClient) => Promise<string>): void {
  withGlobalOptions(program.command('top'))
    .description(`List the ${what}, refreshed until interrupted`)
    .option('--delay <seconds>', 'refresh interval', '2')
    .option('--count <n>', 'stop after n refreshes (default: never)')
    .action(async (o: GlobalOptions & { delay: string; count?: string }) => {
      const delayMs = Math.max(0.2, Number(o.delay)) * 1000;
      const count = o.count === undefined ? Infinity : Number(o.count);
      await withClient(o, async (c) => {
        for (let i = 0; i < count; i++) {
          io.out(`${process.stdout.isTTY ? '\x1b[H\x1b[2J' : ''}${await fetch(c)}`);
          if (i + 1 < count) await new Promise((r) => setTimeout(r, delayMs));
        }
      });
    });
}

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { TemplateAttribute } from '../templates/template-attributes.js';
import type { ApiClient } from './api-client.js';
import type { GlobalOptions } from './connect.js';
import { withClient, withGlobalOptions } from './run.js';

/** Everything on the process's standard input, as UTF-8. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Attributes as OpenNebula's CLI prints a template: `NAME="value"`, a vector one pair a line. */
export function attributeLines(attributes: readonly TemplateAttribute[]): string[] {
  return attributes.flatMap(({ name, value }) => {
    if (typeof value === 'string') return [`${name}=${JSON.stringify(value)}`];
    const pairs = Object.entries(value).map(([k, v]) => `  ${k}=${JSON.stringify(v)}`);
    return pairs.length === 0 ? [`${name}=[ ]`] : [`${name}=[`, ...pairs.map((p, n) => (n === pairs.length - 1 ? `${p} ]` : `${p},`))];
  });
}

/** How one kind of object's update is called. */
export interface UpdateCall {
  /** What is replaced, for the help text: `the VM's user template`. */
  readonly what: string;
  /** The id argument's help: `VM id`, `network id or name`. */
  readonly idHelp: string;
  update(client: ApiClient, id: string, template: string, append: boolean): Promise<unknown>;
  /** Where the text comes from without a file. @default standard input */
  readonly stdin?: () => Promise<string>;
}

/**
 * OpenNebula's `update <id> [file] [-a]`: the template from a file or, where
 * OpenNebula opens an editor, from standard input; `-a` merges it in.
 */
export function updateCommand(program: Command, call: UpdateCall): void {
  const stdin = call.stdin ?? readStdin;
  withGlobalOptions(
    program.command('update').argument('<id>', call.idHelp).argument('[file]', 'the attributes, in template syntax (default: stdin)'),
  )
    .description(`Replace ${call.what} with a file's attributes, or with --append merge them in`)
    .option('-a, --append', 'merge into the attributes instead of replacing them')
    .action(async (id: string, file: string | undefined, o: GlobalOptions & { append?: boolean }) => {
      const template = file === undefined ? await stdin() : await readFile(file, 'utf8');
      await withClient(o, (c) => call.update(c, id, template, o.append === true));
    });
}

/**
 * The test lab by hand (scripts/lab/lab-core.ts).
 *
 *   npm run lab -- up 3 [--key ~/.ssh/id_ed25519.pub]… [--state FILE]
 *     builds three hosts, prints them as JSON and records what it made in the state file
 *     (default /tmp/nephele-lab.json); the lab's own client key is `privateKeyFile`.
 *   npm run lab -- down [--state FILE]
 *     removes exactly what the state file lists. A test that crashed leaves its lab's own
 *     /tmp/nephele-lab-<tag>/lab.json, which `down --state` takes too.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildLab, readLabState, teardownLab } from './lab/lab-core.js';

const USAGE = 'usage: lab up N [--key PUBKEYFILE]... [--state FILE] | lab down [--state FILE]';

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { key: { type: 'string', multiple: true }, state: { type: 'string' } },
  });
  const stateFile = values.state ?? join(tmpdir(), 'nephele-lab.json');
  const [command, count] = positionals;
  if (command === 'up' && count !== undefined && positionals.length === 2) {
    const hosts = Number(count);
    const keys: string[] = [];
    for (const file of values.key ?? []) {
      keys.push(
        ...(await readFile(file, 'utf8'))
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== '' && !l.startsWith('#')),
      );
    }
    // claimed before the lab is built, so a second `up` fails at once
    const file = await open(stateFile, 'wx').catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'EEXIST' ? new Error(`${stateFile} exists: a lab is up (run down first), or pass --state`) : err;
    });
    const lab = await buildLab({ hosts, authorizedKeys: keys, detach: true }).catch(async (err: unknown) => {
      await file.close();
      await rm(stateFile, { force: true });
      throw err;
    });
    try {
      await file.writeFile(await readFile(lab.stateFile, 'utf8'));
    } catch (err) {
      await lab.teardown();
      await rm(stateFile, { force: true });
      throw err;
    } finally {
      await file.close();
    }
    process.stdout.write(
      `${JSON.stringify(
        {
          stateFile,
          sshUser: lab.sshUser,
          privateKeyFile: lab.privateKeyFile,
          frontendAddress: lab.frontendAddress,
          prefixLen: lab.prefixLen,
          bridge: lab.bridge,
          hosts: lab.hosts.map(({ name, address, sshPort, netns, dir }) => ({ name, address, sshPort, netns, dir })),
        },
        null,
        2,
      )}\n`,
    );
  } else if (command === 'down' && positionals.length === 1) {
    const state = await readLabState(stateFile).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? new Error(`no lab state at ${stateFile}: nothing to take down`) : err;
    });
    await teardownLab(state);
    await rm(stateFile, { force: true });
  } else {
    throw new Error(USAGE);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`lab: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

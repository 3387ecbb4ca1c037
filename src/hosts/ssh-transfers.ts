import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { SshSession } from '../ssh/ssh-session.js';
import type { HostSsh } from './host-record.js';

/** A directory on the front-end (or a host sharing its datastores), or on a host reached over SSH. */
export interface Place {
  readonly ssh?: HostSsh;
  readonly dir: string;
}

export interface SshTransfersDeps {
  /** An authenticated session to a host (its pinned host key checked). */
  readonly connect: (ssh: HostSsh) => Promise<SshSession>;
  readonly log: Logger;
}

/**
 * TM_MAD = ssh: oned's side of moving a VM's files, over SFTP with oned's
 * key. Every operation can run again after a crash: files are written
 * beside and renamed, a move deletes its source only once the copy is
 * whole, and a move whose source is gone and whose target is there has
 * already happened.
 */
export class SshTransfers {
  private readonly deps: SshTransfersDeps;

  constructor(deps: SshTransfersDeps) {
    this.deps = deps;
  }

  /** Copies front-end files to a host, making the directories they go in. */
  async put(ssh: HostSsh, files: readonly { local: string; remote: string }[]): Promise<void> {
    if (files.length === 0) return;
    await this.with(ssh, async (s) => {
      for (const dir of new Set(files.map((f) => dirname(f.remote)))) await s.check(['mkdir', '-p', '-m', '0700', '--', dir]);
      for (const f of files) await s.put(f.local, f.remote);
    });
  }

  /** Removes files or directories of a host, in one command. */
  async remove(ssh: HostSsh, paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    await this.with(ssh, (s) => s.check(['rm', '-rf', '--', ...paths]).then(() => undefined));
  }

  /**
   * The end of a VM's stay (terminate): its files to keep come to the
   * front-end, then they and the VM's directory go from the host. A repeat
   * after a crash finds the directory gone: it was all done. A remote file
   * that is gone is skipped when the local one is there.
   */
  async bringBack(ssh: HostSsh, dir: string, files: readonly { remote: string; local: string }[]): Promise<void> {
    await this.with(ssh, async (s) => {
      if ((await s.exec(['test', '-d', dir])).code !== 0) return;
      for (const f of files) {
        const there = (await s.exec(['test', '-e', f.remote])).code === 0;
        if (!there && (await exists(f.local))) continue;
        await mkdir(dirname(f.local), { recursive: true, mode: 0o700 });
        await s.get(f.remote, f.local);
      }
      // Files saved outside the directory (the host's images datastore) go with it.
      await s.check(['rm', '-rf', '--', ...files.map((f) => f.remote).filter((r) => !r.startsWith(`${dir}/`)), dir]);
    });
  }

  /**
   * Moves the files of a VM directory from one place to another: the
   * front-end and a host, or two hosts (through oned: the hosts need no
   * keys for each other). The source goes once the copy is whole.
   */
  async move(from: Place, to: Place): Promise<void> {
    if (from.ssh === undefined && to.ssh === undefined) return;
    const src = from.ssh === undefined ? undefined : await this.deps.connect(from.ssh);
    const dst =
      to.ssh === undefined ? undefined : from.ssh !== undefined && sameHost(from.ssh, to.ssh) ? src : await this.deps.connect(to.ssh);
    try {
      const files = src === undefined ? await localFiles(from.dir) : await src.listFiles(from.dir);
      if (files === undefined) {
        // Nothing at the source: moved already (a repeat after a crash), or never made.
        const arrived = dst === undefined ? await exists(to.dir) : (await dst.exec(['test', '-d', to.dir])).code === 0;
        if (arrived) return;
        throw new Error(`${from.dir} is missing${from.ssh === undefined ? '' : ` on ${from.ssh.host}`}`);
      }
      if (dst === undefined) await mkdir(to.dir, { recursive: true, mode: 0o700 });
      else await dst.check(['mkdir', '-p', '-m', '0700', '--', to.dir]);
      for (const f of files) {
        const source = join(from.dir, f.name);
        const target = join(to.dir, f.name);
        if (src === undefined && dst !== undefined) await dst.put(source, target);
        else if (src !== undefined && dst === undefined) await src.get(source, target);
        else if (src !== undefined && dst !== undefined && src !== dst) await dst.copyFrom(src, source, target, { size: f.size });
        else if (src !== undefined && src === dst && from.dir !== to.dir) await src.check(['cp', '--', source, target]);
      }
      this.deps.log.info({ from: describe(from), to: describe(to), files: files.length }, 'VM files moved');
      if (src === undefined) await rm(from.dir, { recursive: true, force: true });
      else await src.check(['rm', '-rf', '--', from.dir]);
    } finally {
      src?.close();
      if (dst !== src) dst?.close();
    }
  }

  private async with<T>(ssh: HostSsh, fn: (s: SshSession) => Promise<T>): Promise<T> {
    const session = await this.deps.connect(ssh);
    try {
      return await fn(session);
    } finally {
      session.close();
    }
  }
}

/** The regular files of a front-end directory (what a link points to is copied), or undefined when there is none. */
async function localFiles(dir: string): Promise<{ name: string; size: number }[] | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const files: { name: string; size: number }[] = [];
  for (const name of names) {
    const st = await stat(join(dir, name));
    if (st.isFile()) files.push({ name, size: st.size });
  }
  return files;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function sameHost(a: HostSsh, b: HostSsh): boolean {
  return a.host === b.host && a.port === b.port && a.user === b.user;
}

function describe(p: Place): string {
  return p.ssh === undefined ? `front-end:${p.dir}` : `${p.ssh.host}:${p.dir}`;
}

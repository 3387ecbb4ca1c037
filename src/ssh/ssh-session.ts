import { createHash } from 'node:crypto';
import { rename } from 'node:fs/promises';
import { connect as tcpConnect, type Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import ssh2, { type SFTPWrapper } from 'ssh2';
import { NepheleError } from '../errors.js';
import { shellCommand } from './shell-quote.js';
import type { SshTarget } from './ssh-target.js';
import { formatSshTarget } from './ssh-target.js';

export interface SshConnectOptions {
  readonly target: SshTarget;
  /** An OpenSSH private key (oned's own, or the host's `--key`). */
  readonly privateKey: string | Buffer;
  /** The host key's fingerprint pinned at the first connection; a different key is refused. */
  readonly hostKey?: string;
  /** @default 10000 */
  readonly timeoutMs?: number;
}

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Bytes done and the total, for progress bars. */
export type Progress = (done: number, total: number) => void;

/** `SHA256:<base64>`, as `ssh-keygen -l` prints a host key. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

const { Client } = ssh2;
type Client = InstanceType<typeof Client>;

const MAX_OUTPUT = 1 << 20;

/**
 * One SSH connection from oned to a host (ssh2): commands as argument
 * vectors, files over SFTP. The TCP socket is oned's own, so the address the
 * host sees oned from is known (`localAddress`): the front-end URL an agent
 * is told to dial.
 */
export class SshSession {
  readonly target: SshTarget;
  /** The host key's fingerprint, as seen on this connection. */
  readonly hostKey: string;
  /** Oned's address on the connection: the host reaches oned there. */
  readonly localAddress: string;
  private readonly client: Client;
  private sftpSession: Promise<SFTPWrapper> | undefined;

  private constructor(target: SshTarget, client: Client, hostKey: string, localAddress: string) {
    this.target = target;
    this.client = client;
    this.hostKey = hostKey;
    this.localAddress = localAddress;
  }

  /**
   * Connects and authenticates. Failures carry a code that says which part
   * failed: HOST_UNREACHABLE (no TCP connection, or no SSH on it),
   * SSH_AUTH_FAILED (the key was refused), HOST_KEY_MISMATCH (the host's key
   * is not the one pinned).
   */
  static async connect(options: SshConnectOptions): Promise<SshSession> {
    const { target } = options;
    const where = formatSshTarget(target);
    const timeoutMs = options.timeoutMs ?? 10_000;
    const sock = await openSocket(target, timeoutMs);
    const client = new Client();
    let seenKey: string | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new NepheleError('HOST_UNREACHABLE', `${where}: no SSH handshake within ${timeoutMs} ms`, { details: { step: 'connect' } }),
          );
        }, timeoutMs);
        client.once('ready', () => {
          clearTimeout(timer);
          resolve();
        });
        client.once('error', (err: Error & { level?: string }) => {
          clearTimeout(timer);
          reject(classify(err, where, seenKey, options.hostKey));
        });
        client.connect({
          sock,
          username: target.user,
          privateKey: options.privateKey,
          readyTimeout: timeoutMs,
          keepaliveInterval: 15_000,
          hostVerifier: (key: Buffer) => {
            seenKey = fingerprint(key);
            return options.hostKey === undefined || options.hostKey === seenKey;
          },
        });
      });
    } catch (err) {
      client.end();
      sock.destroy();
      throw err;
    }
    client.on('error', () => undefined); // later errors surface on the operation that meets them
    return new SshSession(target, client, seenKey ?? '', sock.localAddress ?? '');
  }

  /** Runs a command (an argument vector, quoted for the remote shell); `stdin` is written to it. */
  async exec(argv: readonly string[], options: { stdin?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    return this.run(shellCommand(argv), options);
  }

  /**
   * Runs a command line. Only for lines made of fixed text and
   * `shellQuote`d values (a redirection, `cd dir && …`): never user data.
   */
  async run(line: string, options: { stdin?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    return new Promise<ExecResult>((resolve, reject) => {
      this.client.exec(line, (err, stream) => {
        if (err !== undefined && err !== null) {
          reject(new NepheleError('HOST_UNREACHABLE', `${formatSshTarget(this.target)}: ${err.message}`, { cause: err }));
          return;
        }
        let stdout = '';
        let stderr = '';
        const timer = setTimeout(() => {
          stream.close();
          reject(
            new NepheleError('DRIVER_FAILED', `${formatSshTarget(this.target)}: a command ran over ${timeoutMs} ms`, {
              details: { timeoutMs },
            }),
          );
        }, timeoutMs);
        stream.on('data', (d: Buffer) => {
          if (stdout.length < MAX_OUTPUT) stdout += d.toString('utf8');
        });
        stream.stderr.on('data', (d: Buffer) => {
          if (stderr.length < MAX_OUTPUT) stderr += d.toString('utf8');
        });
        stream.on('close', (code: number | null, signal?: string) => {
          clearTimeout(timer);
          resolve({ code: code ?? (signal === undefined ? 0 : 128), stdout, stderr });
        });
        if (options.stdin !== undefined) stream.end(options.stdin);
        else stream.end();
      });
    });
  }

  /** Like exec, and a non-zero exit is a DRIVER_FAILED naming the command and its stderr. */
  async check(argv: readonly string[], options: { timeoutMs?: number } = {}): Promise<string> {
    const r = await this.exec(argv, options);
    if (r.code !== 0) {
      throw new NepheleError(
        'DRIVER_FAILED',
        `${formatSshTarget(this.target)}: ${argv[0] ?? ''} exited with ${r.code}: ${lastLine(r.stderr)}`,
        {
          details: { command: argv[0], exitCode: r.code },
        },
      );
    }
    return r.stdout;
  }

  sftp(): Promise<SFTPWrapper> {
    this.sftpSession ??= new Promise<SFTPWrapper>((resolve, reject) => {
      this.client.sftp((err, sftp) => (err === undefined || err === null ? resolve(sftp) : reject(sftpError(this.target, 'sftp', err))));
    });
    return this.sftpSession;
  }

  /** Copies a local file to the host (written beside, then renamed: a reader never sees half a file). */
  async put(local: string, remote: string, options: { mode?: number; onProgress?: Progress } = {}): Promise<void> {
    const sftp = await this.sftp();
    const partial = `${remote}.part`;
    await new Promise<void>((resolve, reject) => {
      sftp.fastPut(
        local,
        partial,
        {
          mode: options.mode ?? 0o600,
          step: (done, _chunk, total) => options.onProgress?.(done, total),
        },
        (err) => (err === undefined || err === null ? resolve() : reject(sftpError(this.target, `put ${remote}`, err))),
      );
    });
    await this.rename(partial, remote);
  }

  /** Copies a file of the host to a local path (beside, then renamed). */
  async get(remote: string, local: string, options: { onProgress?: Progress } = {}): Promise<void> {
    const sftp = await this.sftp();
    const partial = `${local}.part`;
    await new Promise<void>((resolve, reject) => {
      sftp.fastGet(
        remote,
        partial,
        {
          step: (done, _chunk, total) => options.onProgress?.(done, total),
        },
        (err) => (err === undefined || err === null ? resolve() : reject(sftpError(this.target, `get ${remote}`, err))),
      );
    });
    await rename(partial, local);
  }

  /** Writes a small file with `mode` (a token: 0600), replacing it whole. */
  async writeFile(remote: string, data: string | Buffer, mode: number): Promise<void> {
    const sftp = await this.sftp();
    const partial = `${remote}.part`;
    await new Promise<void>((resolve, reject) => {
      sftp.writeFile(partial, data, { mode }, (err) =>
        err === undefined || err === null ? resolve() : reject(sftpError(this.target, `write ${remote}`, err)),
      );
    });
    // The mode given at open is masked by the server's umask; set it plainly.
    await new Promise<void>((resolve, reject) => {
      sftp.chmod(partial, mode, (err) =>
        err === undefined || err === null ? resolve() : reject(sftpError(this.target, `chmod ${remote}`, err)),
      );
    });
    await this.rename(partial, remote);
  }

  /** The names in a remote directory (files only), or undefined when it does not exist. */
  async listFiles(dir: string): Promise<{ name: string; size: number }[] | undefined> {
    const sftp = await this.sftp();
    return new Promise((resolve, reject) => {
      sftp.readdir(dir, (err, list) => {
        if (err !== undefined && err !== null) {
          if ((err as Error & { code?: number }).code === 2) resolve(undefined);
          else reject(sftpError(this.target, `readdir ${dir}`, err));
          return;
        }
        resolve(list.filter((e) => e.attrs.isFile()).map((e) => ({ name: e.filename, size: e.attrs.size })));
      });
    });
  }

  /**
   * Copies a file from another host to this one through oned (host to host
   * with the front-end's key: the hosts need no keys of their own).
   */
  async copyFrom(
    source: SshSession,
    remoteSource: string,
    remote: string,
    options: { onProgress?: Progress; size?: number } = {},
  ): Promise<void> {
    const [from, to] = await Promise.all([source.sftp(), this.sftp()]);
    const partial = `${remote}.part`;
    let done = 0;
    const total = options.size ?? 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        done += chunk.length;
        options.onProgress?.(done, total);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(from.createReadStream(remoteSource), count, to.createWriteStream(partial, { mode: 0o600 }));
    } catch (err) {
      throw sftpError(this.target, `copy ${remoteSource} from ${formatSshTarget(source.target)}`, err as Error);
    }
    await this.rename(partial, remote);
  }

  private async rename(from: string, to: string): Promise<void> {
    const sftp = await this.sftp();
    await new Promise<void>((resolve, reject) => {
      // OpenSSH's posix-rename replaces the target; plain SFTP rename refuses to.
      sftp.ext_openssh_rename(from, to, (err) =>
        err === undefined || err === null ? resolve() : reject(sftpError(this.target, `rename ${to}`, err)),
      );
    });
  }

  close(): void {
    this.client.end();
  }
}

function openSocket(target: SshTarget, timeoutMs: number): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const sock = tcpConnect({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(
        new NepheleError('HOST_UNREACHABLE', `${formatSshTarget(target)}: no TCP connection within ${timeoutMs} ms`, {
          details: { step: 'connect' },
        }),
      );
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      resolve(sock);
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new NepheleError('HOST_UNREACHABLE', `${formatSshTarget(target)}: ${err.code ?? err.message}`, {
          cause: err,
          details: { step: 'connect', errno: err.code },
        }),
      );
    });
  });
}

function classify(err: Error & { level?: string }, where: string, seen: string | undefined, pinned: string | undefined): NepheleError {
  if (pinned !== undefined && seen !== undefined && seen !== pinned) {
    return new NepheleError(
      'HOST_KEY_MISMATCH',
      `${where}: the host key is ${seen}, not the ${pinned} seen before; if the host was reinstalled, say so with onehost sync --rekey`,
      {
        details: { step: 'connect', seen, pinned },
      },
    );
  }
  if (err.level === 'client-authentication') {
    return new NepheleError(
      'SSH_AUTH_FAILED',
      `${where}: the key was refused; add oned's public key to the user's authorized_keys on the host`,
      { details: { step: 'connect' } },
    );
  }
  return new NepheleError('HOST_UNREACHABLE', `${where}: ${err.message}`, { cause: err, details: { step: 'connect' } });
}

function sftpError(target: SshTarget, what: string, err: Error): NepheleError {
  return new NepheleError('DRIVER_FAILED', `${formatSshTarget(target)}: ${what}: ${err.message}`, {
    cause: err,
    details: { step: 'sftp' },
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

/**
 * The test lab (DESIGN.md, "Test lab"): N hosts on this machine, each a network namespace with
 * its own address, its own sshd and its own directory, joined by a bridge in the root namespace,
 * which holds the front end's address. Shared by test/fixtures/lab.ts and `npm run lab`.
 *
 * Everything a lab makes is named after the lab's tag and written to its state file the moment
 * it exists, so a teardown (the lab's own, or `npm run lab -- down --state <file>` after a
 * crash) removes exactly that, by name and by pid, and never anything found by a pattern.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { constants as os, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'ssh2';
import { generateUsableKey } from '../../src/ssh/oned-key.js';
import { shellCommand } from '../../src/ssh/shell-quote.js';
import { findOnPath } from '../guest/build-guest.js';

export const SSHD = '/usr/sbin/sshd';
/** The /16 the labs' /24s are taken from. */
const POOL = '10.213';
const PREFIX_LEN = 24;
/** Host i gets .(10+i); with at most 99 hosts the veth `nl<tag>h<i>` stays within 15 bytes. */
const MAX_HOSTS = 99;
const SSH_PORT = 22;
/** What a command run on a host finds on PATH: this Node.js first, so `node` is the front end's. */
export const HOST_PATH = [
  ...new Set([dirname(process.execPath), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']),
].join(':');

export interface LabHost {
  /** `host1`, `host2`… */
  readonly name: string;
  readonly netns: string;
  readonly address: string;
  readonly sshPort: number;
  /** A directory of its own, the host's "disk" (namespaces share the file system). */
  readonly dir: string;
  /** The root-namespace end of the host's veth pair, a port of the bridge. */
  readonly veth: string;
  readonly sshdPid: number;
}

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Lab {
  /** Unique among the labs on this machine; every name the lab made contains it. */
  readonly tag: string;
  readonly hosts: readonly LabHost[];
  /** The root namespace's address on the bridge: what listens there (or on 0.0.0.0) every host reaches. */
  readonly frontendAddress: string;
  readonly bridge: string;
  /** The lab's /24, `10.213.N.0/24`. */
  readonly subnet: string;
  readonly prefixLen: number;
  readonly sshUser: 'root';
  /** The lab's own client key (OpenSSH format), authorized on every host besides the keys given. */
  readonly privateKey: string;
  readonly privateKeyFile: string;
  /** The lab's temporary directory; removed by teardown. */
  readonly dir: string;
  /** Lists everything the lab made (`npm run lab -- down --state <file>` removes it after a crash). */
  readonly stateFile: string;
  /** Takes the host's link down (its veth's root end), for partition tests. */
  linkDown(host: LabHost): Promise<void>;
  linkUp(host: LabHost): Promise<void>;
  /** Runs a command (an argument vector, no shell) inside the host's namespace, with HOST_PATH. */
  exec(host: LabHost, argv: readonly string[]): Promise<ExecResult>;
  /** Removes everything the lab made; can be called again. */
  teardown(): Promise<void>;
}

export interface LabOptions {
  readonly hosts: number;
  /** OpenSSH public key lines authorized for root on every host. @default [] */
  readonly authorizedKeys?: readonly string[];
  /** Starts the sshds in a process group of their own, so they outlive this process (`npm run lab -- up`). @default false */
  readonly detach?: boolean;
}

/** What a lab made, as its state file records it: what a teardown removes. */
export interface LabState {
  format: 1;
  tag: string;
  dir: string;
  bridge?: string;
  subnet?: string;
  hosts: HostState[];
}

interface HostState {
  name: string;
  address: string;
  dir: string;
  sshdConfig: string;
  netns?: string;
  veth?: string;
  sshdPid?: number;
}

/** Undefined when the lab can run here, else why not (the reason a test prints when it skips). */
export async function labSupport(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'the lab needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'the lab needs root (network namespaces, veth pairs, a bridge)';
  if ((await findOnPath('ip')) === undefined) return 'ip (iproute2) not found';
  if ((await findOnPath('ssh-keygen')) === undefined) return 'ssh-keygen (openssh-client) not found';
  if (
    !(await access(SSHD, constants.X_OK).then(
      () => true,
      () => false,
    ))
  )
    return `${SSHD} (openssh-server) not found`;
  // What the kernel allows, tried in a throwaway namespace so the root namespace is not touched.
  const probe = `nephele-probe-${randomBytes(4).toString('hex')}`;
  const added = await run('ip', ['netns', 'add', probe]);
  if (added.code !== 0) return `ip netns add failed: ${lastLine(added.stderr)}`;
  try {
    for (const args of [
      ['link', 'add', 'p0', 'type', 'bridge'],
      ['link', 'add', 'p1', 'type', 'veth', 'peer', 'name', 'p2'],
    ]) {
      const r = await run('ip', ['-n', probe, ...args]);
      if (r.code !== 0) return `ip ${args.join(' ')} failed: ${lastLine(r.stderr)}`;
    }
  } finally {
    await run('ip', ['netns', 'del', probe]);
  }
  return undefined;
}

/** Builds a lab and checks that every host answers over SSH; on any failure, removes what it made. */
export async function buildLab(options: LabOptions): Promise<Lab> {
  if (!Number.isInteger(options.hosts) || options.hosts < 1 || options.hosts > MAX_HOSTS) {
    throw new TypeError(`hosts: an integer from 1 to ${MAX_HOSTS}, not ${options.hosts}`);
  }
  const keys = options.authorizedKeys ?? [];
  for (const key of keys) {
    if (!/^\S+ \S+/.test(key) || /[\r\n]/.test(key))
      throw new TypeError(`authorizedKeys: one OpenSSH public key line each, not ${JSON.stringify(key)}`);
  }
  const state = await claimTag();
  const stateFile = join(state.dir, 'lab.json');
  const save = (): Promise<void> => writeFile(stateFile, `${JSON.stringify(state, null, 2)}\n`);
  try {
    // sshd's privilege separation directory. Left in place at teardown: another lab's sshd may
    // need it, and it is what openssh-server's own start-up makes.
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    const key = generateUsableKey(`nephele-lab-${state.tag}`);
    const privateKeyFile = join(state.dir, 'id_ed25519');
    await writeFile(privateKeyFile, key.private, { mode: 0o600 });
    const authorizedKeys = join(state.dir, 'authorized_keys');
    await writeFile(authorizedKeys, [key.public, ...keys].map((k) => `${k.trim()}\n`).join(''), { mode: 0o600 });

    const bridge = `nl${state.tag}`;
    await ip(['link', 'add', 'name', bridge, 'type', 'bridge']);
    state.bridge = bridge;
    await save();
    await ip(['link', 'set', 'dev', bridge, 'up']);
    const third = await claimSubnet(bridge);
    state.subnet = `${POOL}.${third}.0/${PREFIX_LEN}`;
    await save();
    const frontendAddress = `${POOL}.${third}.1`;
    await ip(['addr', 'add', `${frontendAddress}/${PREFIX_LEN}`, 'dev', bridge, 'noprefixroute']);

    const started: { host: LabHost; exited: Promise<string> }[] = [];
    for (let i = 1; i <= options.hosts; i++) {
      started.push(await startHost(state, i, { bridge, third, authorizedKeys, detach: options.detach ?? false, save }));
    }
    await Promise.all(started.map(({ host, exited }) => checkHost(host, key.private, exited)));
    const hosts = started.map(({ host }) => host);
    return makeLab(state, { hosts, frontendAddress, privateKey: key.private, privateKeyFile, stateFile });
  } catch (err) {
    try {
      await teardownLab(state);
    } catch (teardownErr) {
      throw new AggregateError([err, teardownErr], `the lab failed to start, and to tear down: ${stateFile} lists what is left`);
    }
    throw err;
  }
}

/** Removes what a state file lists: processes in the hosts' namespaces (by pid), veths, namespaces, bridge, directory. */
export async function teardownLab(state: LabState): Promise<void> {
  const errors: unknown[] = [];
  const step = async (f: () => Promise<void>): Promise<void> => {
    try {
      await f();
    } catch (err) {
      errors.push(err);
    }
  };
  // Processes first: besides sshd, whatever tests deploy into the hosts (agents, QEMU) lives in
  // the hosts' namespaces, and a namespace with a process in it outlives `ip netns del`.
  await Promise.all(state.hosts.map((h) => step(() => killHostProcesses(h))));
  for (const h of state.hosts) if (h.veth !== undefined) await step(() => deleteLink(h.veth ?? ''));
  for (const h of state.hosts) if (h.netns !== undefined) await step(() => deleteNetns(h.netns ?? ''));
  // the subnet's claim, its route, goes with the bridge
  if (state.bridge !== undefined) await step(() => deleteLink(state.bridge ?? ''));
  // kept when something is left, so its state file can be used again
  if (errors.length === 0) await step(() => rm(state.dir, { recursive: true, force: true }));
  if (errors.length > 0) throw new AggregateError(errors, `lab ${state.tag}: teardown incomplete: ${errors.map(String).join('; ')}`);
}

/** Reads a state file that buildLab (or `npm run lab -- up`) wrote. */
export async function readLabState(file: string): Promise<LabState> {
  const state = JSON.parse(await readFile(file, 'utf8')) as Partial<LabState>;
  if (state.format !== 1 || typeof state.tag !== 'string' || typeof state.dir !== 'string' || !Array.isArray(state.hosts)) {
    throw new Error(`${file} is not a lab state file`);
  }
  return state as LabState;
}

/** Runs a command on a host over SSH as root (ssh2; the argument vector quoted for the remote shell). */
export function sshExec(
  host: Pick<LabHost, 'address' | 'sshPort'>,
  privateKey: string,
  argv: readonly string[],
  timeoutMs = 10_000,
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const timer = setTimeout(() => {
      client.end();
      reject(new Error(`ssh ${host.address}: no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      client.end();
      reject(err);
    };
    client.on('error', fail);
    client.once('ready', () => {
      client.exec(shellCommand(argv), (err, stream) => {
        if (err !== undefined && err !== null) return fail(err);
        let stdout = '';
        let stderr = '';
        stream.on('data', (d: Buffer) => {
          stdout += d.toString('utf8');
        });
        stream.stderr.on('data', (d: Buffer) => {
          stderr += d.toString('utf8');
        });
        stream.on('close', (code: number | null) => {
          clearTimeout(timer);
          client.end();
          resolve({ code: code ?? 128, stdout, stderr });
        });
      });
    });
    client.connect({ host: host.address, port: host.sshPort, username: 'root', privateKey, readyTimeout: timeoutMs });
  });
}

function makeLab(state: LabState, parts: Pick<Lab, 'hosts' | 'frontendAddress' | 'privateKey' | 'privateKeyFile' | 'stateFile'>): Lab {
  const own = (h: LabHost): LabHost => {
    const host = parts.hosts.find((x) => x.netns === h.netns);
    if (host === undefined) throw new TypeError(`${h.name} is not a host of lab ${state.tag}`);
    return host;
  };
  let torndown: Promise<void> | undefined;
  const lab: Lab = {
    ...parts,
    tag: state.tag,
    bridge: state.bridge ?? '',
    subnet: state.subnet ?? '',
    prefixLen: PREFIX_LEN,
    sshUser: 'root',
    dir: state.dir,
    async linkDown(h) {
      await ip(['link', 'set', 'dev', own(h).veth, 'down']);
    },
    async linkUp(h) {
      await ip(['link', 'set', 'dev', own(h).veth, 'up']);
    },
    async exec(h, argv) {
      if (argv.length === 0) throw new TypeError('exec: an empty command');
      return run('ip', ['netns', 'exec', own(h).netns, ...argv], { PATH: HOST_PATH });
    },
    teardown: () => (torndown ??= teardownLab(state)),
  };
  return Object.freeze(lab);
}

/** A tag of this process's pid and random bits; its directory, made exclusively, is the claim. */
async function claimTag(): Promise<LabState> {
  for (let attempt = 0; ; attempt++) {
    const tag = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
    const dir = join(tmpdir(), `nephele-lab-${tag}`);
    try {
      await mkdir(dir, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 20) continue;
      throw err;
    }
    const state: LabState = { format: 1, tag, dir, hosts: [] };
    await writeFile(join(dir, 'lab.json'), `${JSON.stringify(state, null, 2)}\n`);
    return state;
  }
}

/**
 * A /24 of the pool that no address or route here overlaps, claimed by adding its route on the
 * lab's bridge: the kernel refuses a second route to the same prefix (EEXIST), so two labs
 * starting at once cannot take the same one. Returns its third byte.
 */
async function claimSubnet(bridge: string): Promise<number> {
  const used = await usedPrefixes();
  const start = randomBytes(1)[0] ?? 0;
  for (let k = 0; k < 256; k++) {
    const third = (start + k) % 256;
    const base = toInt(`${POOL}.${third}.0`);
    if (used.some(([net, len]) => overlaps(base, PREFIX_LEN, net, len))) continue;
    const r = await run('ip', ['route', 'add', `${POOL}.${third}.0/${PREFIX_LEN}`, 'dev', bridge]);
    if (r.code === 0) return third;
    if (!/File exists/.test(r.stderr)) throw new Error(`ip route add: ${lastLine(r.stderr)}`);
  }
  throw new Error(`no free /24 left in ${POOL}.0.0/16`);
}

/** IPv4 prefixes in use in the root namespace: its addresses and routes (the default route aside). */
async function usedPrefixes(): Promise<[number, number][]> {
  const addrs = JSON.parse(await ip(['-j', '-4', 'addr', 'show'])) as { addr_info?: { local?: string; prefixlen?: number }[] }[];
  const routes = JSON.parse(await ip(['-j', '-4', 'route', 'show', 'table', 'all'])) as { dst?: string }[];
  const out: [number, number][] = [];
  for (const a of addrs.flatMap((l) => l.addr_info ?? [])) if (a.local !== undefined) out.push([toInt(a.local), a.prefixlen ?? 32]);
  for (const { dst } of routes) {
    const m = /^(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?$/.exec(dst ?? '');
    if (m?.[1] !== undefined) out.push([toInt(m[1]), Number(m[2] ?? 32)]);
  }
  return out.filter(([, len]) => len > 0);
}

/** Namespace, veth pair and sshd of host i; each recorded in the state as soon as it exists. */
async function startHost(
  state: LabState,
  i: number,
  o: { bridge: string; third: number; authorizedKeys: string; detach: boolean; save: () => Promise<void> },
): Promise<{ host: LabHost; exited: Promise<string> }> {
  const { tag } = state;
  const name = `host${i}`;
  const host: HostState = {
    name,
    address: `${POOL}.${o.third}.${10 + i}`,
    dir: join(state.dir, 'hosts', name),
    sshdConfig: join(state.dir, 'sshd', name, 'sshd_config'),
  };
  state.hosts.push(host);
  const netns = `nephele-${tag}-${name}`;
  const veth = `nl${tag}h${i}`;
  const sshdDir = dirname(host.sshdConfig);
  await mkdir(host.dir, { recursive: true });
  await mkdir(sshdDir, { recursive: true });
  await ip(['netns', 'add', netns]);
  host.netns = netns;
  await o.save();
  await ip(['-n', netns, 'link', 'set', 'dev', 'lo', 'up']);
  await ip(['link', 'add', 'name', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
  host.veth = veth;
  await o.save();
  await ip(['link', 'set', 'dev', veth, 'master', o.bridge, 'up']);
  await ip(['-n', netns, 'addr', 'add', `${host.address}/${PREFIX_LEN}`, 'dev', 'eth0']);
  await ip(['-n', netns, 'link', 'set', 'dev', 'eth0', 'up']);

  const hostKey = join(sshdDir, 'ssh_host_ed25519_key');
  await check('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${name}.${tag}`, '-f', hostKey]);
  await writeFile(
    host.sshdConfig,
    [
      `# nephele lab ${tag}, ${name}`,
      `Port ${SSH_PORT}`,
      `ListenAddress ${host.address}`,
      `HostKey ${configPath(hostKey)}`,
      // its own, or it would overwrite the system sshd's /run/sshd.pid
      `PidFile ${configPath(join(sshdDir, 'sshd.pid'))}`,
      `AuthorizedKeysFile ${configPath(o.authorizedKeys)}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      // the lab's files live under /tmp, which StrictModes would refuse
      'StrictModes no',
      'PrintMotd no',
      'PrintLastLog no',
      // onehost copies the agent over SFTP
      'Subsystem sftp internal-sftp',
      // sshd would set its own default PATH, without the directory of this Node.js
      `SetEnv ${configPath(`PATH=${HOST_PATH}`)}`,
      '',
    ].join('\n'),
  );
  const logFile = join(sshdDir, 'sshd.log');
  const log = await open(logFile, 'a', 0o600);
  // `ip netns exec` execs sshd in place, so the child's pid is sshd's
  const child = spawn('ip', ['netns', 'exec', netns, SSHD, '-D', '-e', '-f', host.sshdConfig], {
    detached: o.detach,
    stdio: ['ignore', log.fd, log.fd],
  });
  await log.close();
  const exited = new Promise<string>((resolve) => {
    child.once('error', (err) => resolve(`sshd did not start: ${err.message}`));
    child.once('exit', (code, signal) => {
      void readFile(logFile, 'utf8')
        .catch(() => '')
        .then((text) => resolve(`sshd exited (${signal ?? code}): ${lastLine(text)}`));
    });
  });
  child.unref();
  if (child.pid === undefined) throw new Error(await exited);
  host.sshdPid = child.pid;
  await o.save();
  return {
    host: Object.freeze({ name, netns, address: host.address, sshPort: SSH_PORT, dir: host.dir, veth, sshdPid: child.pid }),
    exited,
  };
}

/** Waits (bounded) for the host's sshd to accept connections, then runs a command there over SSH. */
async function checkHost(host: LabHost, privateKey: string, exited: Promise<string>): Promise<void> {
  let gone: string | undefined;
  void exited.then((why) => {
    gone = why;
  });
  const deadline = Date.now() + 10_000;
  while (!(await tcpOpen(host.address, host.sshPort, 1000))) {
    if (gone !== undefined) throw new Error(`${host.name}: ${gone}`);
    if (Date.now() > deadline) throw new Error(`${host.name}: sshd does not accept connections on ${host.address}:${host.sshPort}`);
    await sleep(50);
  }
  const r = await sshExec(host, privateKey, ['ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0']);
  if (r.code !== 0 || !r.stdout.includes(` ${host.address}/`)) {
    throw new Error(`${host.name}: a command over SSH did not run in its namespace (exit ${r.code}): ${r.stdout}${r.stderr}`);
  }
}

/** Kills, by pid, every process in the host's namespace (`ip netns pids`) and its sshd, and waits until they are gone. */
async function killHostProcesses(host: HostState): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pids = host.netns === undefined ? [] : await netnsPids(host.netns);
    if (host.sshdPid !== undefined && (await isOurSshd(host.sshdPid, host.sshdConfig))) pids.push(host.sshdPid);
    const alive = [];
    for (const pid of new Set(pids)) if (await isAlive(pid)) alive.push(pid);
    if (alive.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${host.name}: processes ${alive.join(', ')} survive SIGKILL`);
    for (const pid of alive) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    }
    await sleep(50);
  }
}

async function netnsPids(netns: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', netns]);
  if (r.code !== 0) {
    if (/No such file/.test(r.stderr)) return [];
    throw new Error(`ip netns pids ${netns}: ${lastLine(r.stderr)}`);
  }
  return r.stdout
    .split(/\s+/)
    .filter((s) => s !== '')
    .map(Number);
}

/** A pid may have been reused since the state file was written: it is ours only while its command line names our config. */
async function isOurSshd(pid: number, config: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes(config);
}

/** Not gone and not a zombie waiting for its parent. */
async function isAlive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat !== undefined && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

async function deleteLink(name: string): Promise<void> {
  const r = await run('ip', ['link', 'del', 'dev', name]);
  if (r.code !== 0 && !/Cannot find device/.test(r.stderr)) throw new Error(`ip link del ${name}: ${lastLine(r.stderr)}`);
}

async function deleteNetns(name: string): Promise<void> {
  const r = await run('ip', ['netns', 'del', name]);
  if (r.code !== 0 && !/No such file/.test(r.stderr)) throw new Error(`ip netns del ${name}: ${lastLine(r.stderr)}`);
}

function tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.once('connect', () => done(true));
    sock.once('timeout', () => done(false));
    sock.once('error', () => done(false));
  });
}

/** Runs a program; a non-zero exit is a result, only a failure to run it rejects. */
function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      if (err === null) return resolve({ code: 0, stdout, stderr });
      const { code, signal } = err as { code?: number | string; signal?: NodeJS.Signals | null };
      if (typeof code === 'number') return resolve({ code, stdout, stderr });
      if (typeof signal === 'string') return resolve({ code: 128 + os.signals[signal], stdout, stderr });
      reject(err);
    });
  });
}

async function check(file: string, args: readonly string[]): Promise<string> {
  const r = await run(file, args);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')}: ${lastLine(r.stderr)}`);
  return r.stdout;
}

function ip(args: readonly string[]): Promise<string> {
  return check('ip', args);
}

/** A path or value for sshd_config, double-quoted; what its parser would misread is refused. */
function configPath(value: string): string {
  if (/["%\r\n]/.test(value)) throw new TypeError(`cannot be written into sshd_config: ${JSON.stringify(value)}`);
  return `"${value}"`;
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

function toInt(address: string): number {
  return address.split('.').reduce((n, b) => n * 256 + Number(b), 0);
}

function overlaps(a: number, alen: number, b: number, blen: number): boolean {
  const len = Math.min(alen, blen);
  const shift = 32 - len;
  return Math.floor(a / 2 ** shift) === Math.floor(b / 2 ** shift);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

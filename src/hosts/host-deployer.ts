import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ActorRef } from '../actors/index.js';
import type { DeployProgress, DeployStep, HostView, SyncResult } from './host-view.js';
import { randomSecret } from '../auth/password.js';
import { NepheleError, isNepheleError } from '../errors.js';
import { shellQuote } from '../ssh/shell-quote.js';
import { SshSession } from '../ssh/ssh-session.js';
import { formatSshTarget } from '../ssh/ssh-target.js';
import { reportedBuild } from '../protocol/agent-build.js';
import { buildAgentBundle, type AgentBundle } from './agent-bundle.js';
import type { HostMsg } from './host-actor.js';
import { hostDatastores, type HostAccess, type HostSsh } from './host-record.js';

export interface HostDeployerDeps {
  /** Oned's data dir: the bundle is built into `agent/`. */
  readonly dataDir: string;
  /** Oned's own private key file, for hosts without a key of their own. */
  readonly privateKeyFile: string;
  /** Where oned listens: the agent dials the address the host sees oned from, on this port. */
  readonly listen: () => { host: string; port: number };
  readonly log: Logger;
  /** @default 30000 */
  readonly waitMs?: number;
  /** The front-end's datastores: a TM_MAD = shared host mounts them at this path. */
  readonly datastores: string;
}

/** The Node.js a host needs for the agent (the same as oned's own floor). */
const NODE_MAJOR = 20;
/** Free space below which a host is refused: the agent and a small VM's disks. */
const MIN_FREE_KB = 256 * 1024;

/**
 * Deploys node agents over SSH (`onehost create --ssh`, `onehost sync`) and
 * removes them (`onehost delete`). Each step is reported to the host actor
 * as it starts and ends, so `onehost create` can show it; a failure names
 * its step (DEPLOY_FAILED, details.step) or is the SSH error of `connect`.
 * Runs outside the actors: SSH takes seconds, and mailboxes stay free.
 */
export class HostDeployer {
  private readonly deps: HostDeployerDeps;
  private bundle: Promise<AgentBundle> | undefined;
  /** One deployment per host at a time. */
  private readonly running = new Map<number, Promise<HostView>>();

  constructor(deps: HostDeployerDeps) {
    this.deps = deps;
  }

  /** The bundle of this oned, built once (esbuild takes a fraction of a second). */
  agentBundle(): Promise<AgentBundle> {
    this.bundle ??= buildAgentBundle(join(this.deps.dataDir, 'agent')).catch((err: unknown) => {
      this.bundle = undefined;
      throw err;
    });
    return this.bundle;
  }

  /** Connects to a host with the key it was registered with; the pinned host key must match. */
  async connect(ssh: HostSsh, timeoutMs?: number): Promise<SshSession> {
    const privateKey = await readFile(ssh.keyFile ?? this.deps.privateKeyFile);
    return SshSession.connect({
      target: ssh,
      privateKey,
      ...(ssh.hostKey === undefined ? {} : { hostKey: ssh.hostKey }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
  }

  deploy(host: ActorRef<HostMsg>, options: { frontend?: string; rekey?: boolean } = {}): Promise<HostView> {
    return (async () => {
      const record = await host.ask({ type: 'access' });
      const busy = this.running.get(record.id);
      if (busy !== undefined) return busy;
      const run = this.run(host, record, options).finally(() => this.running.delete(record.id));
      this.running.set(record.id, run);
      return run;
    })();
  }

  /** Redeploys the agents whose build is not this oned's (all of them with `force`). */
  async sync(hosts: readonly ActorRef<HostMsg>[], options: { force: boolean; rekey?: boolean }): Promise<SyncResult[]> {
    const { build } = await this.agentBundle();
    const results: SyncResult[] = [];
    for (const host of hosts) {
      const view = await host.ask({ type: 'info' });
      if (view.ssh === undefined) continue;
      const from = reportedBuild(view.capabilities?.version);
      if (!options.force && from === build && view.agentIncarnation !== undefined) {
        results.push({ id: view.id, name: view.name, from, to: from, status: 'current' });
        continue;
      }
      try {
        const after = await this.deploy(host, { rekey: options.rekey === true });
        results.push({ id: view.id, name: view.name, from, to: reportedBuild(after.capabilities?.version) ?? build, status: 'upgraded' });
      } catch (err) {
        results.push({
          id: view.id,
          name: view.name,
          from,
          to: from,
          status: 'failed',
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
    return results;
  }

  /**
   * Stops the agent and removes its files (bundle, config, token, log,
   * ledger). The datastores stay: a forced delete may leave VM disks there.
   */
  async remove(record: HostAccess): Promise<void> {
    const ssh = record.ssh;
    if (ssh === undefined) return;
    const session = await this.connect(ssh);
    try {
      const config = `${ssh.dir}/onenode.json`;
      await session.exec(['node', `${ssh.dir}/onenode.mjs`, '--config', config, '--stop'], { timeoutMs: 30_000 });
      const unit = unitName(record.id);
      if ((await session.run(`test -f ${shellQuote(`/etc/systemd/system/${unit}`)}`)).code === 0) {
        await session.exec(['systemctl', 'disable', '--now', unit]);
        await session.exec(['rm', '-f', '--', `/etc/systemd/system/${unit}`]);
      }
      await session.exec([
        'rm',
        '-rf',
        '--',
        ...['onenode.mjs', 'onenode.json', 'token', 'onenode.log', 'ledger.json', 'vms'].map((f) => `${ssh.dir}/${f}`),
      ]);
    } finally {
      session.close();
    }
  }

  /**
   * Fences a lost host over SSH: its agent stops and its QEMUs are killed
   * (`onenode --fence`). Rejects when the host cannot be reached: then
   * nothing proves it is down.
   */
  async fence(record: HostAccess): Promise<string> {
    const ssh = record.ssh;
    if (ssh === undefined)
      throw new NepheleError('HOST_UNREACHABLE', `host ${record.name} was not deployed over SSH: nothing can reach it but its agent`);
    const session = await this.connect(ssh, 5_000);
    try {
      const out = await session.check(['node', `${ssh.dir}/onenode.mjs`, '--config', `${ssh.dir}/onenode.json`, '--fence'], {
        timeoutMs: 30_000,
      });
      const found = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { agent?: number | null; vms?: number[] };
      return `over SSH: agent ${found.agent === undefined || found.agent === null ? 'not running' : `${found.agent} stopped`}, ${found.vms?.length ?? 0} QEMU killed`;
    } finally {
      session.close();
    }
  }

  private async run(host: ActorRef<HostMsg>, record: HostAccess, options: { frontend?: string; rekey?: boolean }): Promise<HostView> {
    const ssh = record.ssh;
    if (ssh === undefined) {
      throw new NepheleError('INVALID_ARGUMENT', `host ${record.name} was not created with --ssh: start its agent by hand`, {
        details: { field: 'host' },
      });
    }
    let step: DeployStep = 'connect';
    const report = (status: DeployProgress['status'], message: string): void => {
      host.tell({ type: 'deploy_progress', progress: { step, status, message, at: Date.now() } });
    };
    const dir = ssh.dir;
    let session: SshSession | undefined;
    try {
      report('running', formatSshTarget(ssh));
      session = await this.connect(options.rekey === true ? unpinned(ssh) : ssh);
      if (session.hostKey !== ssh.hostKey) await host.ask({ type: 'set_ssh', ssh: { ...ssh, hostKey: session.hostKey } });
      report('done', `host key ${session.hostKey}`);

      step = 'check';
      report('running', 'Node.js, hypervisor tools, disk');
      const found = await this.check(session, record, dir);
      report('done', found);

      step = 'upload';
      const bundle = await this.agentBundle();
      report('running', `onenode build ${bundle.build}`);
      await session.put(bundle.path, `${dir}/onenode.mjs`, { mode: 0o644 });
      report('done', `onenode build ${bundle.build} in ${dir}`);

      step = 'configure';
      const frontend = options.frontend ?? this.frontendUrl(session, record);
      report('running', `front-end ${frontend}`);
      const token = randomSecret();
      await session.writeFile(`${dir}/token`, `${token}\n`, 0o600);
      const config = {
        frontend,
        hostId: record.id,
        tokenFile: `${dir}/token`,
        dataDir: dir,
        vm: record.vm,
        datastores: record.tm === 'ssh' ? hostDatastores(ssh) : this.deps.datastores,
      };
      await session.writeFile(`${dir}/onenode.json`, `${JSON.stringify(config, null, 2)}\n`, 0o600);
      await host.ask({ type: 'set_token', token });
      // The agent of an earlier deployment has the old token: it goes now.
      host.tell({ type: 'drop_link' });
      report('done', `front-end ${frontend}; token and config written with mode 0600`);

      step = 'start';
      report('running', 'stopping any earlier agent, starting the new one');
      const how = await this.start(session, record, dir);
      report('done', how);

      step = 'wait';
      report('running', `waiting for the agent to dial ${frontend}`);
      const view = await this.waitConnected(host, bundle.build);
      if (view === undefined) {
        const log = await session.exec(['tail', '-n', '5', '--', `${dir}/onenode.log`]).catch(() => undefined);
        throw new NepheleError(
          'DEPLOY_FAILED',
          `the agent started but did not dial back to ${frontend} within ${(this.deps.waitMs ?? 30_000) / 1000} s: can the host reach it?${log === undefined || log.stdout.trim() === '' ? '' : ` Its log ends: ${log.stdout.trim().split('\n').at(-1) ?? ''}`}`,
          {
            details: { step },
          },
        );
      }
      report('done', `agent ${view.capabilities?.version ?? ''} connected, host ${view.state}`);
      this.deps.log.info({ hostId: record.id, build: bundle.build }, 'agent deployed');
      return await host.ask({ type: 'info' });
    } catch (err) {
      const error =
        isNepheleError(err) && (err.code !== 'DRIVER_FAILED' || step === 'connect')
          ? err.details?.step === undefined
            ? new NepheleError(err.code, err.message, { cause: err, details: { ...err.details, step } })
            : err
          : new NepheleError('DEPLOY_FAILED', `${step}: ${err instanceof Error ? err.message : String(err)}`, {
              cause: err,
              details: { step },
            });
      report('failed', error.message);
      this.deps.log.warn({ hostId: record.id, step, code: error.code }, 'agent deployment failed');
      throw error;
    } finally {
      session?.close();
    }
  }

  private async check(session: SshSession, record: HostAccess, dir: string): Promise<string> {
    const fail = (message: string): never => {
      throw new NepheleError('DEPLOY_FAILED', message, { details: { step: 'check' } });
    };
    const node = await session.exec(['node', '-p', 'process.versions.node']);
    if (node.code !== 0) fail('Node.js is not installed on the host (no node in PATH); the agent needs Node.js 20 or later');
    const version = node.stdout.trim();
    if (Number(version.split('.')[0]) < NODE_MAJOR) fail(`the host has Node.js ${version}; the agent needs ${NODE_MAJOR} or later`);
    const found = [`Node.js ${version}`];
    if (record.vm === 'qemu') {
      const missing: string[] = [];
      for (const tool of ['qemu-system-x86_64', 'qemu-img', 'genisoimage', 'ip']) {
        if ((await session.run(`command -v ${shellQuote(tool)}`)).code !== 0) missing.push(tool);
      }
      if (missing.length > 0) fail(`the host lacks ${missing.join(', ')} (Debian: qemu-system-x86 qemu-utils genisoimage iproute2)`);
      const kvm = (await session.run('test -c /dev/kvm')).code === 0;
      found.push(`QEMU, ${kvm ? '/dev/kvm present (the agent probes it)' : 'no /dev/kvm: TCG'}`);
    }
    await session.exec(['mkdir', '-p', '-m', '0700', '--', dir]);
    const df = await session.exec(['df', '-Pk', '--', dir]);
    const free = Number(df.stdout.trim().split('\n').at(-1)?.split(/\s+/)[3]);
    if (df.code !== 0 || !Number.isFinite(free)) fail(`cannot tell the free space of ${dir}: ${df.stderr.trim()}`);
    if (free < MIN_FREE_KB) fail(`${dir} has ${Math.floor(free / 1024)} MiB free; the agent needs ${MIN_FREE_KB / 1024} MiB`);
    found.push(`${Math.floor(free / 1024 / 1024)} GiB free in ${dir}`);
    return found.join(', ');
  }

  /** The URL the agent dials: oned's port at the address the host sees oned from. */
  private frontendUrl(session: SshSession, record: HostAccess): string {
    const { host, port } = this.deps.listen();
    const wildcard = host === '0.0.0.0' || host === '::';
    const loopback = host === 'localhost' || host.startsWith('127.') || host === '::1';
    const seen = session.localAddress.replace(/^::ffff:/, '');
    const seenLoopback = seen.startsWith('127.') || seen === '::1';
    if (loopback && !seenLoopback) {
      throw new NepheleError(
        'DEPLOY_FAILED',
        `oned listens on ${host}, which host ${record.name} cannot reach: start oned with --listen 0.0.0.0:${port}, or give --frontend`,
        {
          details: { step: 'configure' },
        },
      );
    }
    const address = wildcard || loopback ? seen : host;
    return `http://${isIP(address) === 6 ? `[${address}]` : address}:${port}`;
  }

  /** A systemd unit where systemd runs (and we are root), a detached process otherwise. */
  private async start(session: SshSession, record: HostAccess, dir: string): Promise<string> {
    const config = `${dir}/onenode.json`;
    const bundle = `${dir}/onenode.mjs`;
    const systemd = record.ssh?.user === 'root' && (await session.run('test -d /run/systemd/system')).code === 0;
    const stopped = await session.exec(['node', bundle, '--config', config, '--stop'], { timeoutMs: 30_000 });
    if (stopped.code !== 0)
      throw new NepheleError('DEPLOY_FAILED', `stopping the earlier agent: ${stopped.stderr.trim()}`, { details: { step: 'start' } });
    if (systemd) {
      const nodePath = (await session.check(['sh', '-c', 'command -v node'])).trim();
      const unit = unitName(record.id);
      await session.writeFile(
        `/etc/systemd/system/${unit}`,
        [
          '[Unit]',
          `Description=Nephele node agent (host ${record.id})`,
          'After=network-online.target',
          'Wants=network-online.target',
          '',
          '[Service]',
          `ExecStart=${nodePath} ${bundle} --config ${config}`,
          'Restart=on-failure',
          'RestartSec=2',
          // The VMs' QEMU processes must outlive a restart of the agent.
          'KillMode=process',
          '',
          '[Install]',
          'WantedBy=multi-user.target',
          '',
        ].join('\n'),
        0o644,
      );
      await session.check(['systemctl', 'daemon-reload']);
      await session.check(['systemctl', 'enable', unit]);
      await session.check(['systemctl', 'restart', unit]);
      return `systemd unit ${unit}`;
    }
    // setsid: a session of its own, so the end of this SSH session does not end it.
    const r = await session.run(
      `cd ${shellQuote(dir)} && setsid -f node ${shellQuote(bundle)} --config ${shellQuote(config)} >>onenode.log 2>&1 </dev/null`,
    );
    if (r.code !== 0)
      throw new NepheleError('DEPLOY_FAILED', `could not start the agent: ${r.stderr.trim()}`, { details: { step: 'start' } });
    return `detached process (no systemd), log in ${dir}/onenode.log`;
  }

  /** Until the agent of this build is connected and the host monitored, or the wait is over. */
  private async waitConnected(host: ActorRef<HostMsg>, build: string): Promise<HostView | undefined> {
    const deadline = Date.now() + (this.deps.waitMs ?? 30_000);
    while (Date.now() < deadline) {
      const view = await host.ask({ type: 'info' });
      if (view.agentIncarnation !== undefined && view.state === 'MONITORED' && reportedBuild(view.capabilities?.version) === build)
        return view;
      await new Promise((r) => setTimeout(r, 200));
    }
    return undefined;
  }
}

function unpinned(ssh: HostSsh): HostSsh {
  const { hostKey: _pinned, ...rest } = ssh;
  return rest;
}

export function unitName(hostId: number): string {
  return `nephele-node-${hostId}.service`;
}

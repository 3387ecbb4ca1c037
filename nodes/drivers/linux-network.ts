import { NepheleError } from '../../src/errors.js';
import { runTool } from './run-tool.js';
import type { NetworkDriver, TapOptions } from './types.js';

export interface LinuxNetworkOptions {
  /** @default 'ip' */
  readonly ip?: string;
  /** Work inside this network namespace (`ip -n <netns>`), as the tests and the lab's hosts do. @default the agent's own */
  readonly netns?: string;
}

/** What a tap may be told besides its MTU: the guest's MAC, from which the tap's own is made. */
export interface LinuxTapOptions extends TapOptions {
  readonly mac?: string;
}

/** Linux interface names: 1–15 bytes, no '/', ':' or whitespace (validate-domain.ts's rule). */
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

interface Link {
  readonly ifname: string;
  readonly mtu: number;
  readonly master?: string;
  readonly address?: string;
  readonly flags?: readonly string[];
  readonly linkinfo?: { readonly info_kind?: string };
}

/**
 * Bridges and taps through iproute2's `ip`, with argument arrays. Every
 * operation looks first and changes only what differs, so it can be
 * repeated.
 */
export class LinuxNetwork implements NetworkDriver {
  private readonly ip: string;
  private readonly prefix: readonly string[];

  constructor(options: LinuxNetworkOptions = {}) {
    this.ip = options.ip ?? 'ip';
    if (options.netns !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(options.netns))
      throw new TypeError(`bad netns name ${options.netns}`);
    this.prefix = options.netns === undefined ? [] : ['-n', options.netns];
  }

  async ensureBridge(bridge: string, options: { readonly mtu?: number } = {}): Promise<void> {
    name(bridge);
    if (options.mtu !== undefined) mtu(options.mtu);
    let link = await this.link(bridge);
    if (link === undefined) {
      await this.run(['link', 'add', 'name', bridge, 'type', 'bridge']);
      link = await this.link(bridge);
    } else if (link.linkinfo?.info_kind !== 'bridge') {
      throw new NepheleError('DRIVER_FAILED', `${bridge} exists and is not a bridge`, {
        details: { bridge, kind: link.linkinfo?.info_kind ?? null },
      });
    }
    await this.run([
      'link',
      'set',
      'dev',
      bridge,
      ...(options.mtu !== undefined && link?.mtu !== options.mtu ? ['mtu', String(options.mtu)] : []),
      'up',
    ]);
  }

  async removeBridge(bridge: string): Promise<void> {
    name(bridge);
    if ((await this.link(bridge)) === undefined) return;
    const ports = (await this.links(['master', bridge])).map((l) => l.ifname);
    if (ports.length > 0) {
      throw new NepheleError('DRIVER_FAILED', `bridge ${bridge} still has ports: ${ports.join(', ')}`, { details: { bridge, ports } });
    }
    await this.run(['link', 'del', 'dev', bridge]);
  }

  async createTap(tap: string, bridge: string, options: LinuxTapOptions = {}): Promise<void> {
    name(tap);
    name(bridge);
    if (options.mtu !== undefined) mtu(options.mtu);
    if (options.mac !== undefined && !MAC.test(options.mac)) {
      throw new NepheleError('INVALID_ARGUMENT', `not a lower-case MAC address: ${options.mac}`, { details: { mac: options.mac } });
    }
    const br = await this.link(bridge);
    if (br === undefined) throw new NepheleError('DRIVER_FAILED', `no bridge ${bridge}`, { details: { bridge } });
    let link = await this.link(tap);
    if (link === undefined) {
      await this.run(['tuntap', 'add', 'dev', tap, 'mode', 'tap']);
      link = await this.link(tap);
    } else if (link.linkinfo?.info_kind !== 'tun') {
      throw new NepheleError('DRIVER_FAILED', `${tap} exists and is not a tap`, {
        details: { tap, kind: link.linkinfo?.info_kind ?? null },
      });
    }
    const want = options.mtu ?? br.mtu;
    // the guest's MAC with the first byte fe (libvirt's rule): the bridge must not take the guest's address for its own
    const address = options.mac === undefined ? undefined : `fe${options.mac.slice(2)}`;
    await this.run([
      'link',
      'set',
      'dev',
      tap,
      ...(link?.master === bridge ? [] : ['master', bridge]),
      ...(link?.mtu === want ? [] : ['mtu', String(want)]),
      ...(address === undefined || link?.address === address ? [] : ['address', address]),
      'up',
    ]);
  }

  async removeTap(tap: string): Promise<void> {
    name(tap);
    if ((await this.link(tap)) === undefined) return;
    await this.run(['link', 'del', 'dev', tap]);
  }

  private async link(ifname: string): Promise<Link | undefined> {
    try {
      return (await this.links(['dev', ifname]))[0];
    } catch (err) {
      if (err instanceof NepheleError && /does not exist/.test(String(err.details?.stderr))) return undefined;
      throw err;
    }
  }

  private async links(filter: readonly string[]): Promise<Link[]> {
    const { stdout } = await this.run(['-j', '-d', 'link', 'show', ...filter]);
    return stdout.trim() === '' ? [] : (JSON.parse(stdout) as Link[]);
  }

  private run(args: readonly string[]): Promise<{ stdout: string }> {
    return runTool(this.ip, [...this.prefix, ...args]);
  }
}

function name(ifname: string): void {
  if (!IFNAME.test(ifname)) {
    throw new NepheleError('INVALID_ARGUMENT', `not a Linux interface name: ${JSON.stringify(ifname)}`, { details: { name: ifname } });
  }
}

function mtu(n: number): void {
  if (!Number.isInteger(n) || n < 68 || n > 65535) throw new NepheleError('INVALID_ARGUMENT', `bad MTU ${n}`, { details: { mtu: n } });
}

import { intToIp, intToMac, macFromIp } from './address.js';
import { totalSize, type NetworkRecord } from './network-record.js';
import { permsOf } from '../auth/authorize.js';
import type { Permissions } from '../auth/permissions.js';

/** An address range as `onevnet show` lists it. */
export interface RangeView {
  readonly arId: number;
  readonly type: 'IP4' | 'ETHER';
  readonly ip: string | undefined;
  readonly ipEnd: string | undefined;
  /** First MAC; undefined for an ETHER range of random MACs. */
  readonly mac: string | undefined;
  readonly size: number;
  readonly used: number;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface LeaseView {
  readonly arId: number;
  readonly ip: string | undefined;
  readonly mac: string;
  /** undefined: on hold. */
  readonly vmId: number | undefined;
  readonly nicId: number | undefined;
}

/** A virtual network as the API returns it. */
export interface NetworkView {
  readonly id: number;
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** OpenNebula's nine bits, OWNER_U (0o400) … OTHER_A (0o001): who may use, manage and administer it. */
  readonly permissions: Permissions;
  readonly bridge: string;
  readonly vlanId: number | undefined;
  readonly attributes: Readonly<Record<string, string>>;
  readonly ranges: readonly RangeView[];
  readonly leases: readonly LeaseView[];
  /** Addresses in all, and how many are leased or held. */
  readonly size: number;
  readonly used: number;
  readonly template: string;
  readonly regtime: number;
}

export function networkView(n: NetworkRecord): NetworkView {
  const used = new Map<number, number>();
  for (const l of n.leases) used.set(l.arId, (used.get(l.arId) ?? 0) + 1);
  return {
    id: n.id,
    name: n.name,
    uid: n.uid,
    gid: n.gid,
    permissions: permsOf(n, 'network'),
    bridge: n.bridge,
    vlanId: n.vlanId,
    attributes: n.attributes,
    ranges: n.ranges.map((r) => {
      const first = r.mac ?? (r.type === 'IP4' && r.ip !== undefined ? macFromIp(n.macPrefix, r.ip) : undefined);
      return {
        arId: r.arId,
        type: r.type,
        size: r.size,
        used: used.get(r.arId) ?? 0,
        attributes: r.attributes,
        ip: r.ip === undefined ? undefined : intToIp(r.ip),
        ipEnd: r.ip === undefined ? undefined : intToIp(r.ip + r.size - 1),
        mac: first === undefined ? undefined : intToMac(first),
      };
    }),
    leases: n.leases.map((l) => ({ arId: l.arId, ip: l.ip, mac: l.mac, vmId: l.vmId, nicId: l.vmId === undefined ? undefined : l.nicId })),
    size: totalSize(n),
    used: n.leases.length,
    template: n.template,
    regtime: n.regtime,
  };
}

/** A virtual network as the API returns it: with its owner's names. */
export interface VnetView extends NetworkView {
  readonly user: string;
  readonly group: string;
}

/**
 * A virtual network as stored (sublevel `networks`) and the pure operations
 * on its leases. The NetworkActor owns one record and applies these, writing
 * the result before it answers; nothing else writes a network.
 */
import { NepheleError } from '../errors.js';
import type { Permissions } from '../auth/permissions.js';
import { intToIp, intToMac, ipToInt, isIPv4, isMac, macFromIp, macToInt, randomMac } from './address.js';
import type { RangeDefinition } from './vnet-template.js';

export interface AddressRange extends RangeDefinition {
  /** OpenNebula's AR_ID: unique in the network, never reused. */
  readonly arId: number;
}

/** An address handed out: to a VM's NIC, or held by the operator (`onevnet hold`). */
export interface Lease {
  readonly arId: number;
  /** Offset in its range. */
  readonly index: number;
  readonly ip?: string;
  readonly mac: string;
  /** The VM and NIC that hold it; absent for a hold. */
  readonly vmId?: number;
  readonly nicId?: number;
}

export interface NetworkRecord {
  readonly id: number;
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** OpenNebula's permission bits, from creation or a chmod; a record without them reads as permsOf says. */
  readonly perms?: Permissions;
  /** The template as given (`onevnet show` prints it). */
  readonly template: string;
  readonly bridge: string;
  readonly vlanId?: number;
  readonly attributes: Readonly<Record<string, string>>;
  readonly ranges: readonly AddressRange[];
  readonly nextArId: number;
  readonly leases: readonly Lease[];
  /** OpenNebula's MAC_PREFIX at creation, as an integer (`02:00` → 0x0200). */
  readonly macPrefix: number;
  readonly regtime: number;
}

/** What a NIC asks for: any free address, or a given IP or MAC. */
export interface LeaseRequest {
  readonly nicId: number;
  readonly ip?: string;
  readonly mac?: string;
}

/** An address's place in the network: `<arId>:<index>`. */
function slot(arId: number, index: number): string {
  return `${arId}:${index}`;
}

function ipAt(r: AddressRange, index: number): string | undefined {
  return r.type === 'IP4' && r.ip !== undefined ? intToIp(r.ip + index) : undefined;
}

function macAt(n: NetworkRecord, r: AddressRange, index: number): string {
  if (r.mac !== undefined) return intToMac(r.mac + index);
  if (r.type === 'IP4' && r.ip !== undefined) return intToMac(macFromIp(n.macPrefix, r.ip + index));
  // An ETHER range without a MAC: a random one per lease (checked unique by the caller).
  return intToMac(randomMac());
}

/** How many addresses the network has in all. */
export function totalSize(n: Pick<NetworkRecord, 'ranges'>): number {
  return n.ranges.reduce((sum, r) => sum + r.size, 0);
}

/** Finds the range and offset of an IP in the network. */
function locateIp(n: NetworkRecord, ip: string): { range: AddressRange; index: number } | undefined {
  if (!isIPv4(ip)) return undefined;
  const v = ipToInt(ip);
  for (const range of n.ranges) {
    if (range.type === 'IP4' && range.ip !== undefined && v >= range.ip && v < range.ip + range.size) return { range, index: v - range.ip };
  }
  return undefined;
}

function locateMac(n: NetworkRecord, mac: string): { range: AddressRange; index: number } | undefined {
  const v = macToInt(mac);
  for (const range of n.ranges) {
    const first = range.mac ?? (range.type === 'IP4' && range.ip !== undefined ? macFromIp(n.macPrefix, range.ip) : undefined);
    if (first !== undefined && v >= first && v < first + range.size) return { range, index: v - first };
  }
  return undefined;
}

function leaseError(n: NetworkRecord, message: string, details: Record<string, unknown> = {}): NepheleError {
  return new NepheleError('NO_LEASES', `network ${n.name}: ${message}`, { details: { networkId: n.id, ...details } });
}

/**
 * The network with one lease per request added for `vmId`, and the leases.
 * All or nothing: on any refusal nothing is taken. A request for a given IP
 * or MAC gets exactly that address or a NO_LEASES error.
 */
export function allocate(n: NetworkRecord, vmId: number, requests: readonly LeaseRequest[]): { next: NetworkRecord; leases: Lease[] } {
  const used = new Set(n.leases.map((l) => slot(l.arId, l.index)));
  const macs = new Set(n.leases.map((l) => l.mac));
  const taken: Lease[] = [];
  for (const req of requests) {
    const { range, index, mac: asked } = place(n, req, used);
    let mac = asked ?? macAt(n, range, index);
    // Random MACs of an ETHER range: draw again on the (unlikely) collision.
    for (let tries = 0; macs.has(mac) && asked === undefined && range.type === 'ETHER' && range.mac === undefined && tries < 16; tries++)
      mac = macAt(n, range, index);
    if (macs.has(mac)) throw leaseError(n, `MAC ${mac} is already leased`, { mac });
    const ip = ipAt(range, index);
    used.add(slot(range.arId, index));
    macs.add(mac);
    taken.push({ arId: range.arId, index, mac, vmId, nicId: req.nicId, ...(ip === undefined ? {} : { ip }) });
  }
  return { next: { ...n, leases: [...n.leases, ...taken] }, leases: taken };
}

/** Where a request's address is: the IP or MAC it names (free, or NO_LEASES), else the first free one. */
function place(n: NetworkRecord, req: LeaseRequest, used: ReadonlySet<string>): { range: AddressRange; index: number; mac?: string } {
  if (req.ip !== undefined) {
    const at = locateIp(n, req.ip);
    if (at === undefined) throw leaseError(n, `${req.ip} is not in any of its address ranges`, { ip: req.ip });
    if (used.has(slot(at.range.arId, at.index))) throw leaseError(n, `${req.ip} is already leased or on hold`, { ip: req.ip });
    return at;
  }
  if (req.mac !== undefined) {
    if (!isMac(req.mac)) throw new NepheleError('INVALID_ARGUMENT', `${req.mac} is not a MAC address`, { details: { field: 'mac' } });
    const at = locateMac(n, req.mac);
    if (at === undefined) throw leaseError(n, `${req.mac} is not in any of its address ranges`, { mac: req.mac });
    if (used.has(slot(at.range.arId, at.index))) throw leaseError(n, `${req.mac} is already leased or on hold`, { mac: req.mac });
    return { ...at, mac: req.mac.toLowerCase() };
  }
  const free = firstFree(n, used);
  if (free === undefined) throw leaseError(n, `no free address (${totalSize(n)} in all, ${used.size} taken)`, { size: totalSize(n) });
  return free;
}

function firstFree(n: NetworkRecord, used: ReadonlySet<string>): { range: AddressRange; index: number } | undefined {
  for (const range of n.ranges) {
    for (let i = 0; i < range.size; i++) if (!used.has(slot(range.arId, i))) return { range, index: i };
  }
  return undefined;
}

/** The network without `vmId`'s leases, and how many it had. */
export function releaseVm(n: NetworkRecord, vmId: number): { next: NetworkRecord; released: number } {
  const leases = n.leases.filter((l) => l.vmId !== vmId);
  return { next: { ...n, leases }, released: n.leases.length - leases.length };
}

/** `onevnet hold IP`: the address is kept from the pool until released. */
export function hold(n: NetworkRecord, ip: string): NetworkRecord {
  const at = locateIp(n, ip);
  if (at === undefined) throw leaseError(n, `${ip} is not in any of its address ranges`, { ip });
  const existing = n.leases.find((l) => l.arId === at.range.arId && l.index === at.index);
  if (existing !== undefined) {
    if (existing.vmId === undefined) return n;
    throw leaseError(n, `${ip} is leased to VM ${existing.vmId}`, { ip, vmId: existing.vmId });
  }
  return { ...n, leases: [...n.leases, { arId: at.range.arId, index: at.index, ip, mac: macAt(n, at.range, at.index) }] };
}

/** `onevnet release IP`: undoes a hold; a lease a VM holds is released by the VM, not by hand. */
export function unhold(n: NetworkRecord, ip: string): NetworkRecord {
  const lease = n.leases.find((l) => l.ip === ip);
  if (lease === undefined) return n;
  if (lease.vmId !== undefined)
    throw leaseError(n, `${ip} is leased to VM ${lease.vmId}; it is released when the VM is done`, { ip, vmId: lease.vmId });
  return { ...n, leases: n.leases.filter((l) => l !== lease) };
}

/** `onevnet addar`: a new range, refused if it overlaps one the network has. */
export function addRange(n: NetworkRecord, def: RangeDefinition): NetworkRecord {
  for (const r of n.ranges) {
    if (
      r.type === 'IP4' &&
      def.type === 'IP4' &&
      r.ip !== undefined &&
      def.ip !== undefined &&
      def.ip < r.ip + r.size &&
      r.ip < def.ip + def.size
    ) {
      throw new NepheleError('INVALID_ARGUMENT', `the range overlaps AR ${r.arId} (${intToIp(r.ip)}, ${r.size} addresses)`, {
        details: { field: 'AR', arId: r.arId },
      });
    }
  }
  return { ...n, ranges: [...n.ranges, { ...def, arId: n.nextArId }], nextArId: n.nextArId + 1 };
}

/** `onevnet rmar`: refused while any of its addresses is leased to a VM. */
export function removeRange(n: NetworkRecord, arId: number): NetworkRecord {
  if (!n.ranges.some((r) => r.arId === arId))
    throw new NepheleError('INVALID_ARGUMENT', `network ${n.name} has no AR ${arId}`, { details: { field: 'arId' } });
  const inUse = n.leases.filter((l) => l.arId === arId && l.vmId !== undefined);
  if (inUse.length > 0) {
    throw new NepheleError(
      'ACTION_NOT_ALLOWED',
      `AR ${arId} of network ${n.name} has ${inUse.length} leases in use (VM ${inUse.map((l) => l.vmId).join(', ')})`,
      {
        details: { arId, vms: inUse.map((l) => l.vmId) },
      },
    );
  }
  return { ...n, ranges: n.ranges.filter((r) => r.arId !== arId), leases: n.leases.filter((l) => l.arId !== arId) };
}

/** The attributes a NIC on this lease sees: the network's, then its range's over them. */
export function leaseAttributes(n: NetworkRecord, lease: Pick<Lease, 'arId'>): Record<string, string> {
  const range = n.ranges.find((r) => r.arId === lease.arId);
  return { ...n.attributes, ...(range?.attributes ?? {}) };
}

// The store's record of this kind (src/store/entity-kind.ts): reads need no type argument.
declare module '../store/entity-kind.js' {
  interface EntityRecords {
    networks: NetworkRecord;
  }
}

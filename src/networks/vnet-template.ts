/**
 * A virtual network's template, as OpenNebula accepts it: the 1.x styles
 * (`TYPE = RANGED` with NETWORK_ADDRESS and NETWORK_SIZE, `TYPE = FIXED` with
 * `LEASES = [ IP, MAC ]`) and address ranges (`AR = [ TYPE = IP4 | ETHER, IP,
 * SIZE, MAC ]`), read into address ranges Nephele leases from.
 */
import { isVector, type Attribute, type Template, type VectorValue } from '../templates/index.js';
import { VectorReader, integerAtLeast, invalid, oneOf, optional, type Where } from '../templates/template-fields.js';
import { quoted } from '../templates/excerpt.js';
import { intToIp, ipToInt, isIPv4, isMac, macToInt, maskOf, prefixFor } from './address.js';

/** One address range, before it gets its AR_ID. */
export interface RangeDefinition {
  readonly type: 'IP4' | 'ETHER';
  /** First IPv4 address (IP4 only), as an integer. */
  readonly ip?: number;
  readonly size: number;
  /** First MAC, as an integer; absent: derived from the IP (IP4) or random per lease (ETHER). */
  readonly mac?: number;
  /** Other keys of the AR (GATEWAY, DNS, NETWORK_MASK …), handed to the VM's context over the network's. */
  readonly attributes: Readonly<Record<string, string>>;
}

export interface VnetDefinition {
  readonly name: string;
  /** @default `onebr<ID>`, chosen by the pool once the id is known */
  readonly bridge?: string;
  readonly vlanId?: number;
  /** Single-valued attributes other than those read above (NETWORK_MASK, GATEWAY, DNS, …), as written. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly ranges: readonly RangeDefinition[];
}

/** Largest range accepted: a /16 of hosts. */
export const MAX_RANGE_SIZE = 65_534;
/** Linux interface names: 1–15 bytes. */
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
/** Read here; everything else single-valued is kept in `attributes`. */
const READ = new Set(['NAME', 'TYPE', 'BRIDGE', 'VLAN_ID', 'NETWORK_SIZE', 'IP_START', 'IP_END', 'LEASES', 'AR']);

const SIZE_CLASSES: Readonly<Record<string, number>> = { C: 254, B: 65_534 };

export function vnetDefinition(t: Template): VnetDefinition {
  const singles = new Map<string, Attribute>();
  const attributes: Record<string, string> = {};
  const leases: Attribute[] = [];
  const ars: Attribute[] = [];
  for (const attr of t.attributes) {
    if (attr.name === 'LEASES') leases.push(attr);
    else if (attr.name === 'AR') ars.push(attr);
    else if (isVector(attr.value)) invalid(where(attr), 'must be a single value, not a vector');
    else if (singles.has(attr.name)) invalid(where(attr), 'given more than once');
    else {
      singles.set(attr.name, attr);
      if (!READ.has(attr.name) && attr.value.trim() !== '') attributes[attr.name] = attr.value.trim();
    }
  }
  const value = (name: string): string | undefined => {
    const v = singles.get(name)?.value;
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };
  const at = (name: string): Where => where(singles.get(name) ?? { name, line: 0 });

  const name = value('NAME');
  if (name === undefined) invalid(at('NAME'), "required: the network's name");
  if (name.length > 128) invalid(at('NAME'), 'must be at most 128 characters');
  const bridge = value('BRIDGE');
  if (bridge !== undefined && !IFNAME.test(bridge))
    invalid(at('BRIDGE'), `must be a Linux interface name (1-15 letters, digits, . _ -), got ${quoted(bridge)}`);
  const vlan = value('VLAN_ID');
  const vlanId = vlan === undefined ? undefined : integerAtLeast(vlan, 0, at('VLAN_ID'));
  if (vlanId !== undefined && vlanId > 4094) invalid(at('VLAN_ID'), 'must be at most 4094');
  for (const key of ['NETWORK_MASK', 'GATEWAY']) {
    const v = attributes[key];
    if (v !== undefined && !isIPv4(v)) invalid(at(key), `expected an IPv4 address, got ${quoted(v)}`);
  }
  const type = value('TYPE') === undefined ? undefined : oneOf(value('TYPE') as string, ['ranged', 'fixed'] as const, at('TYPE'));

  const ranges: RangeDefinition[] = [];
  if (type === 'ranged') ranges.push(ranged(value, at, attributes));
  else if (type === 'fixed') {
    if (leases.length === 0) invalid(at('LEASES'), 'a FIXED network needs LEASES = [ IP = … ]');
  } else if (value('NETWORK_ADDRESS') !== undefined || value('NETWORK_SIZE') !== undefined) {
    invalid(at('TYPE'), 'NETWORK_ADDRESS and NETWORK_SIZE go with TYPE = RANGED');
  }
  if (leases.length > 0 && type !== 'fixed') invalid(where(leases[0] as Attribute), 'LEASES go with TYPE = FIXED');
  for (const [i, attr] of leases.entries()) ranges.push(fixedLease(vectorOf(attr, i), attr.line, i));
  for (const [i, attr] of ars.entries()) ranges.push(addressRange(vectorOf(attr, i), attr.line, i));
  return Object.freeze({
    name,
    ...optional('bridge', bridge),
    ...optional('vlanId', vlanId),
    attributes: Object.freeze(attributes),
    ranges: Object.freeze(ranges),
  });
}

/** One `AR = [ … ]`, also what `onevnet addar` takes. */
export function addressRange(vector: VectorValue, line = 0, index?: number): RangeDefinition {
  const r = new VectorReader('AR', vector, { line, ...optional('index', index) });
  const type =
    r.read('TYPE', (s, w) => oneOf(s, ['ip4', 'ether'] as const, w)) ??
    invalid(r.at('TYPE'), 'required: IP4 or ETHER (IPv6 ranges are not supported yet)');
  const size = r.read('SIZE', (s, w) => integerAtLeast(s, 1, w)) ?? invalid(r.at('SIZE'), 'required: how many addresses');
  if (size > MAX_RANGE_SIZE) invalid(r.at('SIZE'), `must be at most ${MAX_RANGE_SIZE}`);
  const mac = r.read('MAC', readMac);
  if (type === 'ip4') {
    const ip = r.read('IP', readIp) ?? invalid(r.at('IP'), 'required for an IP4 range: its first address');
    if (ip + size - 1 > 0xffffffff) invalid(r.at('SIZE'), 'runs past 255.255.255.255');
    return Object.freeze({ type: 'IP4', ip, size, ...optional('mac', mac), attributes: r.rest() });
  }
  if (r.string('IP') !== undefined) invalid(r.at('IP'), 'an ETHER range has MAC addresses only');
  return Object.freeze({ type: 'ETHER', size, ...optional('mac', mac), attributes: r.rest() });
}

function ranged(value: (n: string) => string | undefined, at: (n: string) => Where, attributes: Record<string, string>): RangeDefinition {
  const address = value('NETWORK_ADDRESS') ?? invalid(at('NETWORK_ADDRESS'), 'required for a RANGED network, e.g. 192.168.0.0');
  const [base, bits] = address.split('/');
  if (base === undefined || !isIPv4(base)) invalid(at('NETWORK_ADDRESS'), `expected an IPv4 address, got ${quoted(address)}`);
  let prefix: number | undefined;
  if (bits !== undefined) {
    prefix = integerAtLeast(bits, 16, at('NETWORK_ADDRESS'));
    if (prefix > 30) invalid(at('NETWORK_ADDRESS'), 'the prefix must be between /16 and /30');
  }
  const sizeText = value('NETWORK_SIZE');
  let size: number;
  if (sizeText !== undefined) {
    size = SIZE_CLASSES[sizeText.toUpperCase()] ?? integerAtLeast(sizeText, 1, at('NETWORK_SIZE'));
    if (size > MAX_RANGE_SIZE) invalid(at('NETWORK_SIZE'), `must be at most ${MAX_RANGE_SIZE} (or C, B)`);
    prefix ??= prefixFor(size);
  } else {
    if (prefix === undefined) invalid(at('NETWORK_SIZE'), 'required unless NETWORK_ADDRESS has a /prefix');
    size = 2 ** (32 - prefix) - 2;
  }
  // The network's own address is not a host: leases start after it.
  const network = ipToInt(base) & ((0xffffffff << (32 - prefix)) >>> 0);
  let first = (network >>> 0) + 1;
  let last = first + size - 1;
  const start = value('IP_START');
  const end = value('IP_END');
  if (start !== undefined) first = readIp(start, at('IP_START'));
  if (end !== undefined) last = readIp(end, at('IP_END'));
  if (last < first) invalid(at('IP_END'), 'comes before IP_START');
  attributes['NETWORK_ADDRESS'] = intToIp(network >>> 0);
  attributes['NETWORK_MASK'] ??= maskOf(prefix);
  return Object.freeze({ type: 'IP4', ip: first, size: last - first + 1, attributes: Object.freeze({}) });
}

function fixedLease(vector: VectorValue, line: number, index: number): RangeDefinition {
  const r = new VectorReader('LEASES', vector, { line, index });
  const ip = r.read('IP', readIp) ?? invalid(r.at('IP'), "required: the lease's address");
  const mac = r.read('MAC', readMac);
  return Object.freeze({ type: 'IP4', ip, size: 1, ...optional('mac', mac), attributes: r.rest() });
}

function readIp(text: string, w: Where): number {
  const s = text.trim();
  if (!isIPv4(s)) invalid(w, `expected an IPv4 address, got ${quoted(text)}`);
  return ipToInt(s);
}

function readMac(text: string, w: Where): number {
  const s = text.trim().toLowerCase();
  if (!isMac(s)) invalid(w, `expected a MAC address like 02:00:c0:a8:00:05, got ${quoted(text)}`);
  const n = macToInt(s);
  if (Math.floor(n / 2 ** 40) % 2 === 1) invalid(w, 'must be a unicast MAC (even first byte)');
  return n;
}

function where(attr: Pick<Attribute, 'name' | 'line'>, index?: number): Where {
  return { attribute: attr.name, line: attr.line, ...optional('index', index) };
}

function vectorOf(attr: Attribute, index: number): VectorValue {
  if (!isVector(attr.value)) invalid(where(attr, index), 'must be a vector ([ KEY = value, … ])');
  return attr.value;
}

/**
 * IPv4 addresses as unsigned 32-bit integers and MAC addresses as 48-bit
 * integers (a double holds them exactly), so that ranges are arithmetic.
 */
import { randomBytes } from 'node:crypto';
import { isIPv4 } from 'node:net';

/** `10.0.0.5` → 167772165. The caller has checked it with isIPv4. */
export function ipToInt(ip: string): number {
  let n = 0;
  for (const part of ip.split('.')) n = n * 256 + Number(part);
  return n;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export { isIPv4 };

const MAC_RE = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;
const PREFIX_RE = /^[0-9a-f]{2}:[0-9a-f]{2}$/;

export function isMac(text: string): boolean {
  return MAC_RE.test(text.toLowerCase());
}

/** `02:00:0a:00:00:05` → its 48-bit value. */
export function macToInt(mac: string): number {
  return parseInt(mac.replaceAll(':', ''), 16);
}

export function intToMac(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return hex.match(/../g)!.join(':');
}

/** Checks OpenNebula's MAC_PREFIX (`02:00`): two bytes, the first locally administered and unicast. */
export function macPrefix(text: string): number {
  const s = text.toLowerCase();
  if (!PREFIX_RE.test(s)) throw new TypeError(`MAC prefix ${text} is not two bytes like 02:00`);
  const first = parseInt(s.slice(0, 2), 16);
  if ((first & 1) !== 0 || (first & 2) === 0)
    throw new TypeError(`MAC prefix ${text} must be locally administered and unicast (its first byte like 02)`);
  return parseInt(s.replace(':', ''), 16);
}

/** OpenNebula's rule: the prefix's two bytes, then the four bytes of the IP (10.0.0.5 → 02:00:0a:00:00:05). */
export function macFromIp(prefix: number, ip: number): number {
  return prefix * 2 ** 32 + ip;
}

/** A random unicast, locally administered MAC (`x2:…`, `x6:…`, `xa:…`, `xe:…`). */
export function randomMac(): number {
  const b = randomBytes(6);
  b[0] = ((b[0] ?? 0) & 0xfc) | 0x02;
  return b.readUIntBE(0, 6);
}

/** Dotted mask of a prefix length: 24 → 255.255.255.0. */
export function maskOf(prefixLength: number): string {
  return intToIp(prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0);
}

/** The shortest prefix whose network holds `hosts` addresses plus its network and broadcast addresses. */
export function prefixFor(hosts: number): number {
  let bits = 0;
  while (2 ** bits < hosts + 2) bits++;
  return 32 - bits;
}

/**
 * OpenNebula's contextualization variables, resolved once per VM when it is
 * created (its leases are known then): `$NAME`, `$VMID`, any single-valued
 * attribute of the VM template (`$MEMORY`), `$UNAME`/`$UID`, `$USER[ATTR]`,
 * `$NIC[ATTR]` and `$NIC[ATTR, NETWORK="x"]` (or NETWORK_ID / NIC_ID),
 * `$NETWORK[ATTR, NETWORK="x"]`, and `NETWORK = YES`, which adds ETHn_IP,
 * ETHn_MAC, ETHn_MASK, ETHn_GATEWAY, ETHn_DNS (and ETHn_NETWORK) per NIC.
 */
import type { NicLease } from '../networks/network-actor.js';
import type { Template, VectorValue } from '../templates/index.js';
import { isVector } from '../templates/index.js';
import { invalid } from '../templates/template-fields.js';
import { MAX_CONTEXT_SCRIPT, MAX_VM_DISKS } from '../protocol/field-limits.js';
import { contextScript, type Context } from './context-script.js';

export interface ContextEnv {
  readonly vmId: number;
  readonly name: string;
  readonly template: Template;
  readonly user: { readonly id: number; readonly name: string };
  /** The VM's leases, in NIC order. */
  readonly nics: readonly NicLease[];
}

// `$NAME` or `$NAME[ATTR, KEY = "value", KEY = value]`; a `\$` stays a `$`.
const VARIABLE =
  /\$([A-Za-z_][A-Za-z0-9_]*)(?:\[\s*([A-Za-z_][A-Za-z0-9_]*)((?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*\s*=\s*(?:"[^"]*"|[^,\]\s"]*))*)\s*\])?/g;
const FILTER = /([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:"([^"]*)"|([^,\]\s"]*))/g;

export function resolveContext(context: VectorValue | undefined, env: ContextEnv): Context | undefined {
  if (context === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(context)) {
    if (key === 'NETWORK') continue;
    out[key] = raw.replace(VARIABLE, (_m, name: string, attr: string | undefined, filters: string | undefined) =>
      resolve(key, name.toUpperCase(), attr?.toUpperCase(), parseFilters(filters), env),
    );
  }
  if (context['NETWORK']?.trim().toUpperCase() === 'YES') {
    env.nics.forEach((nic, i) => {
      const a = nic.attributes;
      const set = (k: string, v: string | undefined): void => {
        if (v !== undefined && out[`ETH${i}_${k}`] === undefined) out[`ETH${i}_${k}`] = v;
      };
      set('IP', nic.ip);
      set('MAC', nic.mac);
      set('MASK', a['NETWORK_MASK']);
      set('GATEWAY', a['GATEWAY']);
      set('DNS', a['DNS']);
      set('NETWORK', a['NETWORK_ADDRESS']);
      set('MTU', a['MTU']);
    });
  }
  // Variables can make CONTEXT grow: its context.sh must still fit the wire's bound, or no PROLOG could
  // ever be sent. The CD's DISK_ID is at most MAX_VM_DISKS, so this is the longest the script can be.
  const size = contextScript(out, MAX_VM_DISKS).length;
  if (size > MAX_CONTEXT_SCRIPT) {
    invalid(
      { attribute: 'CONTEXT' },
      `context.sh would be ${size} characters once its variables are resolved; at most ${MAX_CONTEXT_SCRIPT}`,
    );
  }
  return Object.freeze(out);
}

function parseFilters(text: string | undefined): Map<string, string> {
  const filters = new Map<string, string>();
  if (text === undefined) return filters;
  for (const m of text.matchAll(FILTER)) filters.set((m[1] as string).toUpperCase(), m[2] ?? m[3] ?? '');
  return filters;
}

function resolve(key: string, name: string, attr: string | undefined, filters: Map<string, string>, env: ContextEnv): string {
  const where = { attribute: `CONTEXT/${key}` };
  switch (name) {
    case 'VMID':
      return String(env.vmId);
    case 'NAME':
      if (attr === undefined) return env.name;
      break;
    case 'UID':
      return String(env.user.id);
    case 'UNAME':
      return env.user.name;
    case 'USER':
      if (attr === 'ID') return String(env.user.id);
      if (attr === 'NAME') return env.user.name;
      return '';
    case 'NIC':
    case 'NETWORK': {
      if (attr === undefined) invalid(where, `$${name} needs an attribute, as in $${name}[IP, NETWORK="name"]`);
      const nic = findNic(env.nics, filters);
      if (nic === undefined) invalid(where, `$${name}[${attr}…]: the VM has no NIC ${describe(filters)}`);
      if (name === 'NIC') return nicAttribute(nic, attr);
      return networkAttribute(nic, attr);
    }
  }
  // Any single-valued attribute of the VM's template; unknown ones are empty, as in OpenNebula.
  const value = env.template.get(name);
  if (value === undefined || isVector(value)) return '';
  return attr === undefined ? value : '';
}

function findNic(nics: readonly NicLease[], filters: Map<string, string>): NicLease | undefined {
  const network = filters.get('NETWORK');
  const networkId = filters.get('NETWORK_ID');
  const nicId = filters.get('NIC_ID');
  return nics.find(
    (n) =>
      (network === undefined || n.network === network) &&
      (networkId === undefined || String(n.networkId) === networkId) &&
      (nicId === undefined || String(n.nicId) === nicId),
  );
}

function describe(filters: Map<string, string>): string {
  if (filters.size === 0) return 'at all';
  return `with ${[...filters].map(([k, v]) => `${k}="${v}"`).join(', ')}`;
}

function nicAttribute(nic: NicLease, attr: string): string {
  switch (attr) {
    case 'IP':
      return nic.ip ?? '';
    case 'MAC':
      return nic.mac;
    case 'BRIDGE':
      return nic.bridge;
    case 'NETWORK':
      return nic.network;
    case 'NETWORK_ID':
      return String(nic.networkId);
    case 'NIC_ID':
      return String(nic.nicId);
    case 'VLAN_ID':
      return nic.vlanId === undefined ? '' : String(nic.vlanId);
    default:
      return nic.attributes[attr] ?? '';
  }
}

function networkAttribute(nic: NicLease, attr: string): string {
  switch (attr) {
    case 'NAME':
      return nic.network;
    case 'ID':
      return String(nic.networkId);
    case 'BRIDGE':
      return nic.bridge;
    case 'VLAN_ID':
      return nic.vlanId === undefined ? '' : String(nic.vlanId);
    default:
      return nic.attributes[attr] ?? '';
  }
}

/**
 * `onevnet update` (one.vn.update): the network's template attributes
 * replaced or merged as OpenNebula's VirtualNetwork::replace_template and
 * append_template do. As OpenNebula's post_update_template: BRIDGE left out
 * keeps the bridge, VLAN_ID is taken from the new template. Not the address
 * ranges: those change through add_ar and rm_ar. Networks that are not
 * reservations have no restricted attributes in OpenNebula, nor here.
 */
import { isIPv4 } from 'node:net';
import { NepheleError } from '../errors.js';
import { IFNAME } from '../protocol/field-limits.js';
import { createTemplate, isVector, renderTemplate } from '../templates/index.js';
import { checkAttributes, mergeAttributes, parseAttributes, type TemplateAttribute } from '../templates/template-attributes.js';
import { integerAtLeast, invalid, matching } from '../templates/template-fields.js';
import type { NetworkRecord } from './network-record.js';

const WHAT = "a network's template";

/** Vectors that are address ranges, which have their own calls. */
const RANGES = new Set(['AR', 'LEASES']);

/** The template a network shows: BRIDGE, VLAN_ID, then its attributes (its address ranges are in `ranges`). */
export function networkAttributes(n: Pick<NetworkRecord, 'bridge' | 'vlanId' | 'attributes'>): TemplateAttribute[] {
  return [
    { name: 'BRIDGE', value: n.bridge },
    ...(n.vlanId === undefined ? [] : [{ name: 'VLAN_ID', value: String(n.vlanId) }]),
    ...Object.entries(n.attributes).map(([name, value]) => ({ name, value })),
  ];
}

/** What `text` may hold: single values, each once; no address ranges. NAME is the network's own (vn.rename), not a template attribute. */
function updateAttributes(text: string): TemplateAttribute[] {
  const seen = new Set<string>();
  const out: TemplateAttribute[] = [];
  for (const a of parseAttributes(text, WHAT)) {
    if (RANGES.has(a.name)) {
      throw new NepheleError('INVALID_TEMPLATE', `${a.name}: address ranges change through vn.add_ar and vn.rm_ar (onevnet addar, rmar)`, {
        details: { attribute: a.name },
      });
    }
    if (isVector(a.value)) invalid({ attribute: a.name }, 'must be a single value, not a vector');
    if (seen.has(a.name)) invalid({ attribute: a.name }, 'given more than once');
    seen.add(a.name);
    if (a.name !== 'NAME') out.push(a);
  }
  return out;
}

/**
 * The network after an update of its template. BRIDGE and VLAN_ID (Linux
 * bridge and 802.1Q tag of every NIC) change only while no VM holds a lease:
 * a VM keeps the bridge and tag it was leased with, and a network whose
 * VMs sit on two bridges is two networks (ACTION_NOT_ALLOWED, details
 * `{ attribute, vms }`). NETWORK_MASK and GATEWAY are IPv4 addresses, as at
 * create; an empty value removes an attribute, as at create. The template
 * text is written anew from the result.
 */
export function updatedNetwork(n: NetworkRecord, text: string, append: boolean): NetworkRecord {
  const merged = mergeAttributes(networkAttributes(n), updateAttributes(text), append);
  checkAttributes(merged, WHAT);
  const single = (name: string): string | undefined => {
    const v = merged.find((a) => a.name === name)?.value;
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };
  const bridgeText = single('BRIDGE');
  const bridge = bridgeText === undefined ? n.bridge : matching(bridgeText, IFNAME, { attribute: 'BRIDGE' });
  const vlanText = single('VLAN_ID');
  const vlanId = vlanText === undefined ? undefined : integerAtLeast(vlanText, 0, { attribute: 'VLAN_ID' });
  if (vlanId !== undefined && vlanId > 4094) invalid({ attribute: 'VLAN_ID' }, 'must be at most 4094');
  const attributes: Record<string, string> = {};
  for (const a of merged) {
    if (a.name === 'BRIDGE' || a.name === 'VLAN_ID' || typeof a.value !== 'string' || a.value.trim() === '') continue;
    attributes[a.name] = a.value.trim();
  }
  for (const key of ['NETWORK_MASK', 'GATEWAY']) {
    const v = attributes[key];
    if (v !== undefined && !isIPv4(v)) invalid({ attribute: key }, `expected an IPv4 address, got "${v.slice(0, 64)}"`);
  }
  const vms = [...new Set(n.leases.flatMap((l) => (l.vmId === undefined ? [] : [l.vmId])))].sort((a, b) => a - b);
  for (const [attribute, changed] of [
    ['BRIDGE', bridge !== n.bridge],
    ['VLAN_ID', vlanId !== n.vlanId],
  ] as const) {
    if (changed && vms.length > 0) {
      throw new NepheleError(
        'ACTION_NOT_ALLOWED',
        `network ${n.name}: ${attribute} cannot change while VMs hold leases (VM ${vms.join(', ')}); their NICs keep the old one`,
        { details: { attribute, vms } },
      );
    }
  }
  const { vlanId: _old, ...rest } = n;
  const next = { ...rest, bridge, attributes, ...(vlanId === undefined ? {} : { vlanId }) };
  const template = renderTemplate(createTemplate([{ name: 'NAME', value: n.name }, ...networkAttributes(next)]));
  return { ...next, template };
}

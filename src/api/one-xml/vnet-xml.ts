/**
 * The virtual network documents: `VNET` (one.vn.info) and `VNET_POOL`
 * (one.vnpool.info). Shapes: share/doc/xsd/vnet.xsd, vnet_pool.xsd; `onevnet
 * show` fails without VN_MAD, PHYDEV and VLAN_ID, `onevnet list` without
 * OUTDATED_VMS and ERROR_VMS (docs/xmlrpc-clients.md), so they are always here.
 *
 * From Nephele: owner, bits, bridge, VLAN_ID, the attributes, address
 * ranges with their leases (a hold is VM -1, as OpenNebula writes it).
 * VN_MAD is the template's, else `bridge`: Nephele plugs each NIC's tap
 * into a Linux bridge, which is OpenNebula's bridge driver (BRIDGE_TYPE
 * `linux`). Defaults as OpenNebula's for what Nephele has not: STATE 1
 * (READY: a network is usable from its creation), PREV_STATE 0 (INIT),
 * PARENT_NETWORK_ID, PHYDEV (unless the template gives one), OUTER_VLAN_ID
 * empty, VLAN_ID empty without one, *_AUTOMATIC 0, no virtual routers and
 * no VM update sets (Nephele does not push network changes to VMs).
 */
import type { VnetView } from '../../networks/network-view.js';
import { intToMac, ipToInt, macToInt } from '../../networks/address.js';
import { type OneXmlContext, gnameOf } from './context.js';
import { VNET_STATE_READY } from './one-codes.js';
import { permissionsXml } from './one-permissions.js';
import { sortedAttributes } from './template-xml.js';
import { cdata, el, ids, serialize, text, type XmlElement } from './xml-tree.js';

function vnMad(view: VnetView): string {
  return view.attributes.VN_MAD ?? 'bridge';
}

function head(view: VnetView, ctx: OneXmlContext): XmlElement[] {
  return [
    text('ID', view.id),
    text('UID', view.uid),
    text('GID', view.gid),
    text('UNAME', view.user),
    text('GNAME', gnameOf(view.gid, view.group, ctx)),
    text('NAME', view.name),
    permissionsXml('vnet', view),
    ids('CLUSTERS', [0]),
    cdata('BRIDGE', view.bridge),
    cdata('BRIDGE_TYPE', 'linux'),
    text('STATE', VNET_STATE_READY),
    text('PREV_STATE', 0),
    cdata('PARENT_NETWORK_ID', ''),
    cdata('VN_MAD', vnMad(view)),
    cdata('PHYDEV', view.attributes.PHYDEV ?? ''),
    cdata('VLAN_ID', view.vlanId === undefined ? '' : String(view.vlanId)),
    cdata('OUTER_VLAN_ID', ''),
    cdata('VLAN_ID_AUTOMATIC', '0'),
    cdata('OUTER_VLAN_ID_AUTOMATIC', '0'),
    text('USED_LEASES', view.used),
    ids('VROUTERS', []),
    ids('UPDATED_VMS', []),
    ids('OUTDATED_VMS', []),
    ids('UPDATING_VMS', []),
    ids('ERROR_VMS', []),
  ];
}

/** The network's TEMPLATE: its attributes with BRIDGE, VN_MAD and VLAN_ID, as OpenNebula keeps them there too. */
function vnetTemplate(view: VnetView): XmlElement {
  const attrs = new Map(Object.entries(view.attributes));
  attrs.set('BRIDGE', view.bridge);
  attrs.set('VN_MAD', vnMad(view));
  if (view.vlanId !== undefined) attrs.set('VLAN_ID', String(view.vlanId));
  return el(
    'TEMPLATE',
    sortedAttributes([...attrs].map(([name, value]) => ({ name, value }))).map((a) => cdata(a.name, a.value)),
  );
}

function macEnd(mac: string | undefined, size: number): string | undefined {
  return mac === undefined ? undefined : intToMac(macToInt(mac) + size - 1);
}

function addressKey(l: { readonly ip: string | undefined; readonly mac: string }): number {
  return l.ip === undefined ? macToInt(l.mac) : ipToInt(l.ip);
}

function byAddress(
  a: { readonly ip: string | undefined; readonly mac: string },
  b: { readonly ip: string | undefined; readonly mac: string },
): number {
  return addressKey(a) - addressKey(b);
}

function arPool(view: VnetView, full: boolean): XmlElement {
  return el(
    'AR_POOL',
    view.ranges.map((r) => {
      if (!full) {
        return el('AR', [
          cdata('AR_ID', String(r.arId)),
          r.ip === undefined ? undefined : cdata('IP', r.ip),
          // A range of random MACs has no first MAC: empty, the schema's required element.
          cdata('MAC', r.mac ?? ''),
          text('SIZE', r.size),
          cdata('TYPE', r.type),
        ]);
      }
      // OpenNebula lists a range's leases by their place in it: address order (MAC order for a range without IPs).
      const leases = view.leases.filter((l) => l.arId === r.arId).sort(byAddress);
      return el('AR', [
        cdata('AR_ID', String(r.arId)),
        r.ip === undefined ? undefined : cdata('IP', r.ip),
        cdata('MAC', r.mac ?? ''),
        text('SIZE', r.size),
        cdata('TYPE', r.type),
        r.mac === undefined ? undefined : cdata('MAC_END', macEnd(r.mac, r.size) as string),
        r.ipEnd === undefined ? undefined : cdata('IP_END', r.ipEnd),
        cdata('USED_LEASES', String(r.used)),
        leases.length === 0
          ? undefined
          : el(
              'LEASES',
              leases.map((l) =>
                el('LEASE', [l.ip === undefined ? undefined : cdata('IP', l.ip), cdata('MAC', l.mac), text('VM', l.vmId ?? -1)]),
              ),
            ),
      ]);
    }),
  );
}

function vnetElement(view: VnetView, ctx: OneXmlContext, full: boolean): XmlElement {
  return el('VNET', [...head(view, ctx), vnetTemplate(view), arPool(view, full)]);
}

/** `<VNET>` as one.vn.info answers it: every range with its leases. */
export function vnetXml(view: VnetView, ctx: OneXmlContext): string {
  return serialize(vnetElement(view, ctx, true));
}

/** `<VNET_POOL>` as one.vnpool.info answers it: ranges without their leases (vnet_pool.xsd). */
export function vnetPoolXml(views: readonly VnetView[], ctx: OneXmlContext): string {
  return serialize(
    el(
      'VNET_POOL',
      views.map((v) => vnetElement(v, ctx, false)),
    ),
  );
}

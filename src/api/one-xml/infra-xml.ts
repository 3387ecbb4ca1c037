/**
 * The documents of what Nephele has one of and OpenNebula's clients ask
 * for on the way (`onevm list` asks one.clusterpool.info first): the default
 * cluster, the datastores, the zone and the ACL rules. Shapes:
 * share/doc/xsd/cluster.xsd, datastore.xsd, zone_pool.xsd, acl_pool.xsd.
 */
import { IMAGES_DATASTORE, SYSTEM_DATASTORE } from '../../images/image-view.js';
import type { OneXmlContext } from './context.js';
import { DATASTORE_STATE_READY, DATASTORE_TYPE, DISK_TYPE_FILE } from './one-codes.js';
import { permissionsXml } from './one-permissions.js';
import { cdata, el, ids, serialize, text, type XmlElement } from './xml-tree.js';

/** OpenNebula's default cluster: Nephele has only this one, holding every host, network and datastore. */
export interface ClusterDoc {
  readonly hosts: readonly number[];
  readonly vnets: readonly number[];
  readonly datastores: readonly number[];
}

export const DEFAULT_CLUSTER = Object.freeze({ id: 0, name: 'default' });

function clusterElement(c: ClusterDoc): XmlElement {
  const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
  return el('CLUSTER', [
    text('ID', DEFAULT_CLUSTER.id),
    text('NAME', DEFAULT_CLUSTER.name),
    ids('HOSTS', sorted(c.hosts)),
    ids('DATASTORES', sorted(c.datastores)),
    ids('VNETS', sorted(c.vnets)),
    // OpenNebula's default cluster carries its reserved capacity, empty.
    el('TEMPLATE', [cdata('RESERVED_CPU', ''), cdata('RESERVED_MEM', '')]),
  ]);
}

/** `<CLUSTER>` (one.cluster.info of cluster 0). */
export function clusterXml(c: ClusterDoc, _ctx: OneXmlContext): string {
  return serialize(clusterElement(c));
}

/** `<CLUSTER_POOL>` (one.clusterpool.info): the default cluster alone. */
export function clusterPoolXml(c: ClusterDoc, _ctx: OneXmlContext): string {
  return serialize(el('CLUSTER_POOL', [clusterElement(c)]));
}

/** One of Nephele's datastores, as a document needs it. */
export interface DatastoreDoc {
  readonly id: number;
  readonly name: string;
  readonly type: keyof typeof DATASTORE_TYPE;
  /** Where its files are, on the front-end. @default '' */
  readonly basePath?: string;
  /** MiB, where measured (statfs of its directory). @default 0, OpenNebula's figure before its first monitoring */
  readonly totalMb?: number;
  readonly freeMb?: number;
  readonly usedMb?: number;
  /** The images in it. */
  readonly images: readonly number[];
}

/**
 * Nephele's two datastores (src/images/datastores.ts), numbered as
 * OpenNebula numbers its defaults: 0 `system` (SYSTEM_DS, the VMs'
 * directories) and 1 `default` (IMAGE_DS, every image, kernels and context
 * files included: Nephele has no separate files datastore, OpenNebula's 2).
 */
export function nepheleDatastores(parts: {
  readonly images: readonly { readonly id: number; readonly datastoreId: number }[];
  readonly basePath?: (id: number) => string;
  readonly capacity?: (id: number) => { totalMb: number; freeMb: number; usedMb: number } | undefined;
}): DatastoreDoc[] {
  const of = (id: number, name: string, type: DatastoreDoc['type']): DatastoreDoc => ({
    id,
    name,
    type,
    ...(parts.basePath === undefined ? {} : { basePath: parts.basePath(id) }),
    ...(parts.capacity?.(id) ?? {}),
    images: parts.images.filter((i) => i.datastoreId === id).map((i) => i.id),
  });
  return [of(SYSTEM_DATASTORE.id, SYSTEM_DATASTORE.name, 'SYSTEM_DS'), of(IMAGES_DATASTORE.id, IMAGES_DATASTORE.name, 'IMAGE_DS')];
}

/**
 * One DATASTORE. Owned by oneadmin (UID, GID 0) and usable by everyone
 * (one-permissions.ts); DS_MAD `fs` and TM_MAD `shared`, OpenNebula's
 * drivers for directories of files (Nephele copies to `ssh` hosts itself,
 * per host); STATE 0 (READY), DISK_TYPE 0 (FILE), cluster 0.
 */
function datastoreElement(d: DatastoreDoc): XmlElement {
  const system = d.type === 'SYSTEM_DS';
  const int = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? 0 : Math.round(n));
  return el('DATASTORE', [
    text('ID', d.id),
    text('UID', 0),
    text('GID', 0),
    text('UNAME', 'oneadmin'),
    text('GNAME', 'oneadmin'),
    text('NAME', d.name),
    permissionsXml('datastore', { uid: 0, gid: 0 }),
    cdata('DS_MAD', system ? '-' : 'fs'),
    cdata('TM_MAD', 'shared'),
    cdata('BASE_PATH', d.basePath ?? ''),
    text('TYPE', DATASTORE_TYPE[d.type]),
    text('DISK_TYPE', DISK_TYPE_FILE),
    text('STATE', DATASTORE_STATE_READY),
    ids('CLUSTERS', [0]),
    text('TOTAL_MB', int(d.totalMb)),
    text('FREE_MB', int(d.freeMb)),
    text('USED_MB', int(d.usedMb)),
    ids(
      'IMAGES',
      [...d.images].sort((a, b) => a - b),
    ),
    el('TEMPLATE', [...(system ? [] : [cdata('DS_MAD', 'fs')]), cdata('TM_MAD', 'shared'), cdata('TYPE', d.type)]),
  ]);
}

/** `<DATASTORE>` (one.datastore.info). */
export function datastoreXml(d: DatastoreDoc, _ctx: OneXmlContext): string {
  return serialize(datastoreElement(d));
}

/** `<DATASTORE_POOL>` (one.datastorepool.info). */
export function datastorePoolXml(ds: readonly DatastoreDoc[], _ctx: OneXmlContext): string {
  return serialize(
    el(
      'DATASTORE_POOL',
      ds.map((d) => datastoreElement(d)),
    ),
  );
}

/**
 * `<ZONE_POOL>` (one.zonepool.info): OpenNebula's zone 0 `OpenNebula`, the
 * only one, STATE 0 (ENABLED), ENDPOINT the XML-RPC endpoint (the door
 * knows it: `http://<host>:<port>/RPC2`), no federation servers.
 */
export function zonePoolXml(endpoint: string, _ctx: OneXmlContext): string {
  return serialize(
    el('ZONE_POOL', [
      el('ZONE', [
        text('ID', 0),
        text('NAME', 'OpenNebula'),
        text('STATE', 0),
        el('TEMPLATE', [cdata('ENDPOINT', endpoint)]),
        el('SERVER_POOL'),
      ]),
    ]),
  );
}

// OpenNebula's ACL encoding (src/acl/AclRule.cc, include/PoolObjectSQL.h, include/AuthRequest.h).
const ALL_ID = 0x400000000n;
const RESOURCE = Object.freeze({
  VM: 0x1000000000n,
  NET: 0x4000000000n,
  IMAGE: 0x8000000000n,
  TEMPLATE: 0x20000000000n,
  ZONE: 0x800000000000n,
});
const RIGHT = Object.freeze({ USE: 0x1n, CREATE: 0x8n });

interface AclRuleDoc {
  readonly user: bigint;
  readonly resources: readonly (keyof typeof RESOURCE)[];
  readonly right: keyof typeof RIGHT;
}

/**
 * Nephele's rules written as OpenNebula's ACL: every authenticated user may
 * create VMs, templates, networks and images (docs/users.md), and use the
 * zone. The rest of Nephele's policy (owners, public objects,
 * administrators) is in the objects' PERMISSIONS and the oneadmin group, as
 * in OpenNebula; it has no ACL rule of its own.
 */
const NEPHELE_ACLS: readonly AclRuleDoc[] = [
  { user: ALL_ID, resources: ['VM', 'NET', 'IMAGE', 'TEMPLATE'], right: 'CREATE' },
  { user: ALL_ID, resources: ['ZONE'], right: 'USE' },
];

/** `<ACL_POOL>` (one.acl.info): numbers in hexadecimal and the rule as `oneacl` writes it, as OpenNebula's. */
export function aclPoolXml(_ctx: OneXmlContext): string {
  return serialize(
    el(
      'ACL_POOL',
      NEPHELE_ACLS.map((r, id) => {
        const resource = r.resources.reduce((acc, k) => acc | RESOURCE[k], ALL_ID);
        return el('ACL', [
          text('ID', id),
          text('USER', r.user.toString(16)),
          text('RESOURCE', resource.toString(16)),
          text('RIGHTS', RIGHT[r.right].toString(16)),
          text('ZONE', ALL_ID.toString(16)),
          text('STRING', `* ${r.resources.join('+')}/* ${r.right} *`),
        ]);
      }),
    ),
  );
}

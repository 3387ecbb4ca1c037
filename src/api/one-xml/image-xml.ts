/**
 * The image documents: `IMAGE` (one.image.info) and `IMAGE_POOL`
 * (one.imagepool.info; OpenNebula's pool carries each image whole). Shape:
 * share/doc/xsd/image.xsd.
 *
 * From Nephele: owner, bits (oned's own, from the view), TYPE, PERSISTENT,
 * REGTIME, SOURCE, FORMAT, SIZE, STATE, the VMs using it, CLONING_ID and
 * CLONES, the datastore, its template. Defaults, as OpenNebula writes them
 * for what Nephele has not: DISK_TYPE 0 (FILE: a file in a directory
 * datastore), PATH "" (images arrive by upload, not from a path), FS "",
 * PREV_STATE 0 (INIT), TARGET_SNAPSHOT -1, no APP_CLONES, SNAPSHOTS with
 * ALLOW_ORPHANS NO, CURRENT_BASE -1, NEXT_SNAPSHOT 0 (no snapshots), no
 * BACKUP_INCREMENTS.
 */
import type { ImageView } from '../../images/image-view.js';
import { type OneXmlContext, gnameOf, seconds } from './context.js';
import { DISK_TYPE_FILE, IMAGE_TYPE_CODES, imageStateCode } from './one-codes.js';
import { permissionsXml } from './one-permissions.js';
import { attributeXml, sortedAttributes } from './template-xml.js';
import { cdata, el, ids, serialize, text, type XmlElement } from './xml-tree.js';

function imageElement(view: ImageView, ctx: OneXmlContext): XmlElement {
  const template = [...view.template];
  if (view.error !== undefined && !template.some((a) => a.name === 'ERROR')) template.push({ name: 'ERROR', value: view.error });
  return el('IMAGE', [
    text('ID', view.id),
    text('UID', view.uid),
    text('GID', view.gid),
    text('UNAME', view.user),
    text('GNAME', gnameOf(view.gid, view.group, ctx)),
    text('NAME', view.name),
    permissionsXml('image', view),
    text('TYPE', IMAGE_TYPE_CODES[view.type]),
    text('DISK_TYPE', DISK_TYPE_FILE),
    text('PERSISTENT', view.persistent ? 1 : 0),
    text('REGTIME', seconds(view.regtime)),
    cdata('SOURCE', view.source),
    cdata('PATH', ''),
    cdata('FORMAT', view.format),
    cdata('FS', ''),
    text('SIZE', view.sizeMb),
    text('STATE', imageStateCode(view.state, view.persistent)),
    text('PREV_STATE', 0),
    text('RUNNING_VMS', view.runningVms.length),
    text('CLONING_OPS', view.clones?.length ?? 0),
    text('CLONING_ID', view.cloningId ?? -1),
    text('TARGET_SNAPSHOT', -1),
    text('DATASTORE_ID', view.datastoreId),
    text('DATASTORE', view.datastore),
    ids('VMS', view.runningVms),
    ids('CLONES', view.clones ?? []),
    ids('APP_CLONES', []),
    el(
      'TEMPLATE',
      sortedAttributes(template).map((a) => attributeXml(a.name, a.value)),
    ),
    el('SNAPSHOTS', [cdata('ALLOW_ORPHANS', 'NO'), text('CURRENT_BASE', -1), cdata('NEXT_SNAPSHOT', '0')]),
    el('BACKUP_INCREMENTS'),
  ]);
}

/** `<IMAGE>` as one.image.info answers it. */
export function imageXml(view: ImageView, ctx: OneXmlContext): string {
  return serialize(imageElement(view, ctx));
}

/** `<IMAGE_POOL>` as one.imagepool.info answers it. */
export function imagePoolXml(views: readonly ImageView[], ctx: OneXmlContext): string {
  return serialize(
    el(
      'IMAGE_POOL',
      views.map((v) => imageElement(v, ctx)),
    ),
  );
}

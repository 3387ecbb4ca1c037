/**
 * The VM template documents: `VMTEMPLATE` (one.template.info) and
 * `VMTEMPLATE_POOL` (one.templatepool.info). Shape:
 * share/doc/xsd/vmtemplate.xsd. From Nephele: owner, REGTIME, the template's
 * attributes as written (NAME among them, as OpenNebula keeps it); bits by
 * Nephele's rule (one-permissions.ts); no LOCK (Nephele does not lock).
 */
import type { TemplateView } from '../../vms/template-view.js';
import { type OneXmlContext, gidOf, seconds } from './context.js';
import { permissionsXml } from './one-permissions.js';
import { attributeXml, sortedAttributes, templateAttributes } from './template-xml.js';
import { el, serialize, text, type XmlElement } from './xml-tree.js';

function templateElement(view: TemplateView, ctx: OneXmlContext): XmlElement {
  const attrs = (ctx.templates?.attributes(view.template) ?? templateAttributes(view.template)).filter((a) => a.name !== 'NAME');
  // The record's name wins over the text's, which a rename may not have reached.
  attrs.push({ name: 'NAME', value: view.name, line: 0 });
  return el('VMTEMPLATE', [
    text('ID', view.id),
    text('UID', view.uid),
    text('GID', gidOf(view, ctx)),
    text('UNAME', view.user),
    text('GNAME', view.group),
    text('NAME', view.name),
    permissionsXml('template', view),
    text('REGTIME', seconds(view.regtime)),
    el(
      'TEMPLATE',
      sortedAttributes(attrs).map((a) => attributeXml(a.name, a.value)),
    ),
  ]);
}

/** `<VMTEMPLATE>` as one.template.info answers it. */
export function templateXml(view: TemplateView, ctx: OneXmlContext): string {
  return serialize(templateElement(view, ctx));
}

/** `<VMTEMPLATE_POOL>` as one.templatepool.info answers it. */
export function templatePoolXml(views: readonly TemplateView[], ctx: OneXmlContext): string {
  return serialize(
    el(
      'VMTEMPLATE_POOL',
      views.map((v) => templateElement(v, ctx)),
    ),
  );
}

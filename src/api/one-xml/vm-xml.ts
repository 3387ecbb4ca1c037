/**
 * The VM documents: `VM` (one.vm.info), `VM_POOL` in its short and extended
 * forms (one.vmpool.info, .infoextended), `MONITORING_DATA`
 * (one.vm.monitoring, one.vmpool.monitoring) and `HISTORY_RECORDS`
 * (one.vmpool.accounting). Shapes: share/doc/xsd/vm.xsd, vm_pool.xsd,
 * monitoring_data.xsd, acct.xsd; what the CLI reads: docs/xmlrpc-clients.md.
 *
 * Defaults where Nephele keeps nothing, as OpenNebula writes them empty:
 * LAST_POLL 0 (no VM monitoring), PREV_STATE/PREV_LCM_STATE 0 (INIT,
 * LCM_INIT: Nephele does not record the previous state), RESCHED 0,
 * DEPLOY_ID "" (the hypervisor's id is the node's business), MONITORING
 * empty, SCHED_ACTIONS empty, BACKUPS with an empty BACKUP_CONFIG and no
 * ids, TEMPLATE/TM_MAD_SYSTEM "" until the VM has a host.
 */
import type { TemplateValue } from '../../templates/index.js';
import type { VmMonitoringView } from '../../hosts/monitoring-book.js';
import type { HistoryRecord, VmView } from '../../vms/vm-record.js';
import { type OneXmlContext, gidOf, seconds } from './context.js';
import { VM_STATE_CODES, historyActionCode } from './one-codes.js';
import { permissionsXml } from './one-permissions.js';
import { attributeXml, sortedAttributes, templateAttributes, vectorXml } from './template-xml.js';
import { cdata, el, serialize, text, type XmlElement } from './xml-tree.js';

/**
 * VM TEMPLATE's children in vm.xsd's order, and what each may hold there:
 * `string` a single value, `any` anything, `vector` pairs; `many` may repeat.
 * USER_TEMPLATE is the VM's own (VmView.userTemplate: what its template left
 * to the user, as OpenNebula's VirtualMachine::insert leaves it, and as
 * `onevm update` changed it since).
 */
const TEMPLATE_SLOTS: readonly (readonly [name: string, shape: 'string' | 'any' | 'vector', many: boolean])[] = [
  ['AUTOMATIC_DS_REQUIREMENTS', 'string', false],
  ['AUTOMATIC_NIC_REQUIREMENTS', 'string', false],
  ['AUTOMATIC_REQUIREMENTS', 'string', false],
  ['CLONING_TEMPLATE_ID', 'string', false],
  ['CONTEXT', 'any', false],
  ['CPU', 'string', false],
  ['CPU_COST', 'string', false],
  ['DISK', 'vector', true],
  ['DISK_COST', 'string', false],
  ['EMULATOR', 'string', false],
  ['FEATURES', 'any', false],
  ['HYPERV_OPTIONS', 'any', false],
  ['GRAPHICS', 'any', false],
  ['IMPORTED', 'string', false],
  ['INPUT', 'any', false],
  ['MEMORY', 'string', false],
  ['MEMORY_COST', 'string', false],
  ['MEMORY_MAX', 'string', false],
  ['MEMORY_SLOTS', 'string', false],
  ['MEMORY_RESIZE_MODE', 'string', false],
  ['NIC', 'vector', true],
  ['NIC_DEFAULT', 'any', false],
  ['NUMA_NODE', 'any', false],
  ['OS', 'any', false],
  ['PCI', 'any', false],
  ['RAW', 'any', false],
  ['SECURITY_GROUP_RULE', 'any', true],
  ['SPICE_OPTIONS', 'any', false],
  ['SUBMIT_ON_HOLD', 'string', false],
  ['TEMPLATE_ID', 'string', false],
  ['TM_MAD_SYSTEM', 'string', false],
  ['TOPOLOGY', 'any', false],
  ['VCPU', 'string', false],
  ['VCPU_MAX', 'string', false],
  ['VMGROUP', 'any', true],
  ['VMID', 'string', false],
  ['VROUTER_ID', 'string', false],
  ['VROUTER_KEEPALIVED_ID', 'string', false],
  ['VROUTER_KEEPALIVED_PASSWORD', 'string', false],
];
const SLOT_ORDER = new Map(TEMPLATE_SLOTS.map(([name], i) => [name, i]));
const SLOT = new Map(TEMPLATE_SLOTS.map(([name, shape, many]) => [name, { shape, many }]));

/** Written by Nephele from the VM itself, whatever the template says; NAME is the VM's own element. */
const GENERATED = new Set(['CPU', 'MEMORY', 'VCPU', 'VMID', 'TM_MAD_SYSTEM', 'DISK', 'NIC', 'CONTEXT', 'NAME']);

/** USER_TEMPLATE's children in VM_POOL's short form, in vm_pool.xsd's order (OpenNebula's to_xml_short keeps only these). */
const SHORT_USER_TEMPLATE = [
  'LABELS',
  'ERROR',
  'SCHED_MESSAGE',
  'SCHED_RANK',
  'SCHED_DS_RANK',
  'SCHED_REQUIREMENTS',
  'SCHED_DS_REQUIREMENTS',
  'USER_PRIORITY',
];

interface NamedValue {
  readonly name: string;
  readonly value: TemplateValue;
}

function fits(shape: 'string' | 'any' | 'vector', value: TemplateValue): boolean {
  return shape === 'any' || (shape === 'string') === (typeof value === 'string');
}

/** The pieces of a VM's TEMPLATE and USER_TEMPLATE, computed once for either form. */
interface VmParts {
  readonly template: NamedValue[];
  readonly user: NamedValue[];
  readonly disks: NamedValue[];
  readonly nics: NamedValue[];
}

function nicPairs(view: VmView, written: readonly TemplateValue[]): Record<string, string>[] {
  if (view.nics.length === 0) return written.filter((v) => typeof v !== 'string').map((v) => ({ ...(v as Record<string, string>) }));
  return view.nics.map((n) => {
    const own = written[n.nicId];
    return {
      ...(own !== undefined && typeof own !== 'string' ? own : {}),
      ...n.attributes,
      BRIDGE: n.bridge,
      ...(n.ip === undefined ? {} : { IP: n.ip }),
      MAC: n.mac,
      ...(n.model === undefined ? {} : { MODEL: n.model }),
      NETWORK: n.network,
      NETWORK_ID: String(n.networkId),
      NIC_ID: String(n.nicId),
      // OpenNebula's tap name, as the node plugs it (vm-record.ts tapName).
      TARGET: `one-${view.id}-${n.nicId}`,
      ...(n.vlanId === undefined ? {} : { VLAN_ID: String(n.vlanId) }),
    };
  });
}

function diskPairs(view: VmView, written: readonly TemplateValue[]): Record<string, string>[] {
  if (view.disks.length === 0) return written.filter((v) => typeof v !== 'string').map((v) => ({ ...(v as Record<string, string>) }));
  return view.disks.map((d) => {
    const own = written[d.diskId];
    const fromImage = d.imageId !== undefined;
    return {
      ...(own !== undefined && typeof own !== 'string' ? own : {}),
      CLONE: d.action === 'clone' || d.action === 'copy' ? 'YES' : 'NO',
      ...(fromImage ? { DATASTORE: 'default', DATASTORE_ID: '1' } : {}),
      DISK_ID: String(d.diskId),
      DRIVER: d.format,
      ...(d.fs === undefined ? {} : { FS: d.fs }),
      ...(d.image === undefined ? {} : { IMAGE: d.image }),
      ...(d.imageId === undefined ? {} : { IMAGE_ID: String(d.imageId) }),
      READONLY: d.readonly ? 'YES' : 'NO',
      ...(d.saveAs === undefined ? {} : { SAVE: 'YES', SAVE_AS: d.saveAs }),
      ...(d.sizeMb === undefined ? {} : { SIZE: String(d.sizeMb) }),
      ...(d.source === undefined ? {} : { SOURCE: d.source }),
      ...(d.target === undefined ? {} : { TARGET: d.target }),
      TYPE: d.action === 'swap' ? 'swap' : d.action === 'volatile' ? 'fs' : d.type === 'cdrom' ? 'CDROM' : 'FILE',
    };
  });
}

function vmParts(view: VmView, ctx: OneXmlContext): VmParts {
  const attrs = ctx.templates?.attributes(view.template) ?? templateAttributes(view.template);
  const written = (name: string) => attrs.filter((a) => a.name === name).map((a) => a.value);
  const template: NamedValue[] = [];
  // The VM's own user template: what the template left to the user, as `onevm update` changed it.
  const user: NamedValue[] = [...view.userTemplate];
  const taken = new Set<string>();
  for (const a of attrs) {
    if (GENERATED.has(a.name)) continue;
    const slot = SLOT.get(a.name);
    if (slot !== undefined && fits(slot.shape, a.value) && (slot.many || !taken.has(a.name))) {
      taken.add(a.name);
      template.push(a);
    }
  }
  const host = view.hostId === undefined ? undefined : ctx.hosts.get(view.hostId);
  template.push(
    { name: 'CPU', value: String(view.cpu) },
    { name: 'MEMORY', value: String(view.memory) },
    { name: 'VCPU', value: String(view.vcpu) },
    { name: 'VMID', value: String(view.id) },
    { name: 'TM_MAD_SYSTEM', value: host?.tm ?? '' },
  );
  const context = written('CONTEXT')[0];
  if (view.context !== undefined) {
    // OpenNebula adds the context CD's DISK_ID; it comes after the template's disks.
    template.push({ name: 'CONTEXT', value: { DISK_ID: String(view.disks.length), ...view.context } });
  } else if (context !== undefined) template.push({ name: 'CONTEXT', value: context });
  if (view.lastError !== undefined) user.push({ name: 'ERROR', value: view.lastError });
  if (view.schedMessage !== undefined) user.push({ name: 'SCHED_MESSAGE', value: view.schedMessage });
  return {
    template,
    user,
    disks: diskPairs(view, written('DISK')).map((value) => ({ name: 'DISK', value })),
    nics: nicPairs(view, written('NIC')).map((value) => ({ name: 'NIC', value })),
  };
}

function slotOrder(a: NamedValue, b: NamedValue): number {
  return (SLOT_ORDER.get(a.name) ?? 0) - (SLOT_ORDER.get(b.name) ?? 0);
}

function fullTemplate(parts: VmParts): XmlElement {
  const all = [...parts.template, ...parts.disks, ...parts.nics].sort(slotOrder);
  return el(
    'TEMPLATE',
    all.map((a) => attributeXml(a.name, a.value)),
  );
}

function userTemplate(parts: VmParts): XmlElement {
  return el(
    'USER_TEMPLATE',
    sortedAttributes(parts.user).map((a) => attributeXml(a.name, a.value)),
  );
}

function owner(view: VmView, ctx: OneXmlContext): XmlElement[] {
  const gid = gidOf(view, ctx);
  return [
    text('ID', view.id),
    text('UID', view.uid),
    text('GID', gid),
    text('UNAME', view.user),
    text('GNAME', view.group),
    text('NAME', view.name),
  ];
}

/** HOSTNAME, VM_MAD and TM_MAD of a stay: the host as the context knows it, else as the view names its current one, else empty. */
function stayHost(view: VmView, h: HistoryRecord, ctx: OneXmlContext, name?: string): { name: string; vm: string; tm: string } {
  const host = ctx.hosts.get(h.hostId);
  // The view's own name for its current host is fresher than the context's (a host renamed since it was gathered).
  const current = h.hostId === view.hostId ? view.host : undefined;
  if (host !== undefined) return { name: name ?? current ?? host.name, vm: host.vm, tm: host.tm };
  return { name: name ?? current ?? '', vm: '', tm: '' };
}

/**
 * One HISTORY, full (vm.xsd, acct.xsd). Nephele records a stay's start,
 * end, first run and why it ended; OpenNebula's prolog and epilog times
 * are 0 (not recorded), RETIME is the stay's end when the VM ran in it,
 * CID 0 (the default cluster) and DS_ID 0 (the system datastore); UID, GID
 * and REQUEST_ID -1, OpenNebula's "no user recorded".
 */
function historyXml(view: VmView, h: HistoryRecord, ctx: OneXmlContext, vm?: XmlElement, hostName?: string): XmlElement {
  const host = stayHost(view, h, ctx, hostName);
  return el('HISTORY', [
    text('OID', view.id),
    text('SEQ', h.seq),
    text('HOSTNAME', host.name),
    text('HID', h.hostId),
    text('CID', 0),
    text('STIME', seconds(h.stime)),
    text('ETIME', seconds(h.etime)),
    cdata('VM_MAD', host.vm),
    cdata('TM_MAD', host.tm),
    text('DS_ID', 0),
    text('PSTIME', 0),
    text('PETIME', 0),
    text('RSTIME', seconds(h.rstime)),
    text('RETIME', h.rstime === undefined ? 0 : seconds(h.etime)),
    text('ESTIME', 0),
    text('EETIME', 0),
    text('ACTION', historyActionCode(h.reason)),
    text('UID', -1),
    text('GID', -1),
    text('REQUEST_ID', -1),
    vm,
  ]);
}

/** The short HISTORY of VM_POOL: the last stay only (the CLI indexes it as one record). */
function shortHistoryXml(view: VmView, h: HistoryRecord, ctx: OneXmlContext): XmlElement {
  const host = stayHost(view, h, ctx);
  return el('HISTORY', [
    text('OID', view.id),
    text('SEQ', h.seq),
    text('HOSTNAME', host.name),
    text('HID', h.hostId),
    text('CID', 0),
    text('DS_ID', 0),
    cdata('VM_MAD', host.vm),
    cdata('TM_MAD', host.tm),
    text('ACTION', historyActionCode(h.reason)),
  ]);
}

function stateXml(view: VmView, prev: boolean): XmlElement[] {
  const [state, lcm] = VM_STATE_CODES[view.state];
  return [text('STATE', state), text('LCM_STATE', lcm), ...(prev ? [text('PREV_STATE', 0), text('PREV_LCM_STATE', 0)] : [])];
}

const EMPTY_BACKUPS = (): XmlElement => el('BACKUPS', [el('BACKUP_CONFIG'), el('BACKUP_IDS')]);

function vmElement(view: VmView, ctx: OneXmlContext, withHistory = true): XmlElement {
  const parts = vmParts(view, ctx);
  return el('VM', [
    ...owner(view, ctx),
    permissionsXml('vm', view),
    text('LAST_POLL', 0),
    ...stateXml(view, true),
    text('RESCHED', 0),
    text('STIME', seconds(view.stime)),
    text('ETIME', seconds(view.etime)),
    cdata('DEPLOY_ID', ''),
    el('MONITORING'),
    el('SCHED_ACTIONS'),
    fullTemplate(parts),
    userTemplate(parts),
    el('HISTORY_RECORDS', withHistory ? view.history.map((h) => historyXml(view, h, ctx)) : []),
    EMPTY_BACKUPS(),
  ]);
}

const SHORT_USER = new Set(SHORT_USER_TEMPLATE);

/**
 * One VM of the pool's short form. Only what that form prints is derived
 * (GRAPHICS, the few USER_TEMPLATE attributes, disks and NICs), not the
 * whole of vmParts: a pool is thousands of these.
 */
function vmShortElement(view: VmView, ctx: OneXmlContext): XmlElement {
  const attrs = ctx.templates?.attributes(view.template) ?? templateAttributes(view.template);
  let graphics: NamedValue | undefined;
  const user: NamedValue[] = [];
  let disks: TemplateValue[] | undefined;
  let nics: TemplateValue[] | undefined;
  for (const a of attrs) {
    if (a.name === 'GRAPHICS') graphics ??= a;
    else if (a.name === 'DISK') (disks ??= []).push(a.value);
    else if (a.name === 'NIC') (nics ??= []).push(a.value);
  }
  for (const a of view.userTemplate) if (SHORT_USER.has(a.name) && typeof a.value === 'string') user.push(a);
  if (view.lastError !== undefined) user.push({ name: 'ERROR', value: view.lastError });
  if (view.schedMessage !== undefined) user.push({ name: 'SCHED_MESSAGE', value: view.schedMessage });
  const ordered = user.length < 2 ? user : SHORT_USER_TEMPLATE.flatMap((name) => user.filter((a) => a.name === name));
  const last = view.history[view.history.length - 1];
  return el('VM', [
    ...owner(view, ctx),
    text('LAST_POLL', 0),
    ...stateXml(view, false),
    text('RESCHED', 0),
    text('STIME', seconds(view.stime)),
    text('ETIME', seconds(view.etime)),
    cdata('DEPLOY_ID', ''),
    el('TEMPLATE', [
      cdata('CPU', String(view.cpu)),
      cdata('MEMORY', String(view.memory)),
      cdata('VCPU', String(view.vcpu)),
      diskPairs(view, disks ?? []).map((d) => vectorXml('DISK', d)),
      nicPairs(view, nics ?? []).map((n) => vectorXml('NIC', n)),
      graphics === undefined ? undefined : attributeXml('GRAPHICS', graphics.value),
    ]),
    el('MONITORING'),
    el(
      'USER_TEMPLATE',
      ordered.map((a) => attributeXml(a.name, a.value)),
    ),
    el('HISTORY_RECORDS', [last === undefined ? undefined : shortHistoryXml(view, last, ctx)]),
  ]);
}

/** `<VM>` as one.vm.info answers it: every history record. */
export function vmXml(view: VmView, ctx: OneXmlContext): string {
  return serialize(vmElement(view, ctx));
}

/**
 * `<VM_POOL>` as one.vmpool.info answers it (the short form: the last
 * history record, the few USER_TEMPLATE attributes OpenNebula keeps), or
 * with `extended` as one.vmpool.infoextended (each VM as one.vm.info).
 */
export function vmPoolXml(views: readonly VmView[], ctx: OneXmlContext, options: { readonly extended?: boolean } = {}): string {
  const one = options.extended === true ? vmElement : vmShortElement;
  return serialize(
    el(
      'VM_POOL',
      views.map((v) => one(v, ctx)),
    ),
  );
}

/**
 * `<MONITORING_DATA>` of one.vm.monitoring and one.vmpool.monitoring: one
 * MONITORING per sample kept (src/hosts/monitoring-book.ts), by VM, oldest
 * first: CPU (percent of one core), ID, MEMORY (KiB), TIMESTAMP (seconds).
 * A VM never monitored has none, as OpenNebula's.
 */
export function vmMonitoringXml(windows: readonly VmMonitoringView[], _ctx: OneXmlContext): string {
  const records: XmlElement[] = [];
  for (const w of [...windows].sort((a, b) => a.id - b.id)) {
    for (const s of [...w.samples].sort((a, b) => a.timestamp - b.timestamp)) {
      records.push(
        el('MONITORING', [
          text('CPU', Number.isFinite(s.cpu) ? Math.round(s.cpu * 100) / 100 : 0),
          text('ID', w.id),
          text('MEMORY', Number.isFinite(s.memory) ? Math.round(s.memory) : 0),
          text('TIMESTAMP', seconds(s.timestamp)),
        ]),
      );
    }
  }
  return serialize(el('MONITORING_DATA', records));
}

/** A VM and the stays of it an accounting period holds, each with its host's name where known (api-types' VmAccounting). */
export interface AccountingEntry {
  readonly vm: VmView;
  readonly records: readonly (HistoryRecord & { readonly host?: string | undefined })[];
}

/**
 * `<HISTORY_RECORDS>` of one.vmpool.accounting: the stays the API chose
 * (those overlapping the period, src/api/handlers/monitoring.ts), each with
 * the VM as it is now (acct.xsd's HISTORY/VM; its own history empty),
 * ordered by VM and sequence as OpenNebula's query.
 */
export function accountingXml(entries: readonly AccountingEntry[], ctx: OneXmlContext): string {
  const records: XmlElement[] = [];
  for (const { vm: view, records: stays } of [...entries].sort((a, b) => a.vm.id - b.vm.id)) {
    const vm = accountingVm(view, ctx);
    for (const h of [...stays].sort((a, b) => a.seq - b.seq)) records.push(historyXml(view, h, ctx, vm, h.host));
  }
  return serialize(el('HISTORY_RECORDS', records));
}

/** A VM as accounting carries it inside each HISTORY: the whole VM without its own history records. */
function accountingVm(view: VmView, ctx: OneXmlContext): XmlElement {
  return vmElement(view, ctx, false);
}

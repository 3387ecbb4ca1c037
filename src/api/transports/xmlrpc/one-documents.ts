import { NepheleError } from '../../../errors.js';
import { IMAGES_DATASTORE, SYSTEM_DATASTORE } from '../../../images/image-view.js';
import type { HostMonitoringView } from '../../../hosts/monitoring-book.js';
import type { VmView } from '../../../vms/vm-record.js';
import { VMPOOL_MAX_LIMIT } from '../../api-types.js';
import {
  DEFAULT_CLUSTER,
  type HostRef,
  type OneXmlContext,
  VM_STATE_CODES,
  aclPoolXml,
  clusterPoolXml,
  clusterXml,
  accountingXml,
  datastorePoolXml,
  datastoreXml,
  groupPoolXml,
  groupXml,
  hostMonitoringXml,
  hostPoolXml,
  hostXml,
  imagePoolXml,
  imageXml,
  nepheleDatastores,
  systemConfigXml,
  templatePoolXml,
  templateXml,
  userPoolXml,
  userXml,
  vmMonitoringXml,
  vmPoolXml,
  vmXml,
  vnetPoolXml,
  vnetXml,
  zonePoolXml,
} from '../../one-xml/index.js';
import { type OneArgs, notSupported } from './one-args.js';
import { type OneMethod, type OneMethodEntry, type OneReplyContext, method } from './one-methods.js';
import { ONE_FILTER, ONE_VM_STATE_FILTER, type PoolQuery, poolPage, poolQuery, rowPage } from './one-pools.js';

const NONE: ReadonlyMap<number, never> = new Map<number, never>();

/** What the documents need besides the views: the time, and for VMs the hosts' names and drivers. */
function xmlContext(ctx: OneReplyContext, hosts: ReadonlyMap<number, HostRef> = NONE): OneXmlContext {
  return { now: ctx.now, groups: NONE, groupUsers: NONE, hosts, templates: ctx.templates };
}

/** A pool's parameters, checked before its handler runs (a bad filter is refused, not listed); the handler takes none. */
function checkedPool(a: OneArgs): Record<string, never> {
  poolQuery(a);
  return {};
}

/** A VM document's context: the hosts of every stay it prints (the last only, in the pool's short form). */
async function vmContext(views: readonly VmView[], ctx: OneReplyContext, lastOnly: boolean): Promise<OneXmlContext> {
  const ids = new Set<number>();
  for (const v of views) {
    if (lastOnly) {
      const last = v.history[v.history.length - 1];
      if (last !== undefined) ids.add(last.hostId);
    } else for (const h of v.history) ids.add(h.hostId);
  }
  return xmlContext(ctx, ids.size === 0 ? NONE : await ctx.hosts(ids));
}

/** An object id where OpenNebula's `-1` means "the caller" (one.user.info). */
function selfOrId(a: OneArgs): number | undefined {
  const id = a.int(1, 'id');
  if (id === -1) return undefined;
  return a.id(1);
}

/** How one vmpool call is answered: its filters, and whether the handler's own paging gives the page. */
interface VmPoolPlan {
  readonly q: PoolQuery;
  readonly state: number;
  /** DONE VMs are listed (from the store: only when asked for). */
  readonly all: boolean;
  /** The handler's offset and limit are OpenNebula's page: no filter other than visibility. */
  readonly direct: { offset: number; limit: number } | undefined;
}

function vmPoolPlan(a: OneArgs): VmPoolPlan {
  const q = poolQuery(a);
  const state = a.optInt(4, 'state', ONE_VM_STATE_FILTER.NOT_DONE);
  if (state < ONE_VM_STATE_FILTER.ANY || state > ONE_VM_STATE_FILTER.MAX)
    throw new NepheleError('INVALID_ARGUMENT', 'Incorrect filter_flag, state', { details: { field: 'state' } });
  if (a.optStr(5, 'query', '') !== '') throw notSupported('a JSON query (query)');
  const rows = rowPage(q);
  const direct = q.filter === ONE_FILTER.ALL && state < 0 && rows !== undefined && rows.limit <= VMPOOL_MAX_LIMIT ? rows : undefined;
  return { q, state, all: state === ONE_VM_STATE_FILTER.ANY || state === ONE_VM_STATE_FILTER.DONE, direct };
}

/** one.vmpool.info and .infoextended: the VMs the caller may see, filtered and paged as OpenNebula's. */
function vmPool(extended: boolean): OneMethod {
  return method(
    'vmpool.info',
    'filter:i start:i end:i state:i query:s',
    (a) => {
      const plan = vmPoolPlan(a);
      return { all: plan.all, ...(plan.direct ?? {}) };
    },
    async (views, a, ctx) => {
      const plan = vmPoolPlan(a);
      let page: readonly VmView[] = views;
      if (plan.direct === undefined) {
        const state = plan.state;
        const inState = state < 0 ? views : views.filter((v) => VM_STATE_CODES[v.state][0] === state);
        page = poolPage(inState, plan.q, ctx.session);
      }
      return vmPoolXml(page, await vmContext(page, ctx, !extended), { extended });
    },
  );
}

/** OpenNebula's `seconds` of the monitoring calls, where given: -1 the whole window, 0 the newest sample, more the last seconds. */
function secondsOf(a: OneArgs, i: number): { seconds?: number } {
  return a.has(i) ? { seconds: a.int(i, 'seconds') } : {};
}

/** OpenNebula's accounting bound: seconds since the epoch, -1 open. */
function boundMs(a: OneArgs, i: number, name: string): number | undefined {
  const s = a.optInt(i, name, -1);
  if (s < -1) throw new NepheleError('INVALID_ARGUMENT', `${name} must be -1 or seconds since the epoch`, { details: { field: name } });
  return s === -1 ? undefined : s * 1000;
}

/** Hosts' windows as the documents' samples. */
function hostSamples(windows: readonly HostMonitoringView[]) {
  return windows.flatMap((w) =>
    w.samples.map((s) => ({
      hostId: w.id,
      timestamp: s.timestamp,
      usedCpu: s.usedCpu,
      freeCpu: s.freeCpu,
      usedMemory: s.usedMemory,
      freeMemory: s.freeMemory,
    })),
  );
}

/** The default cluster's members as the caller sees them: hosts, networks, both datastores. */
async function defaultCluster(hosts: readonly { readonly id: number }[], ctx: OneReplyContext) {
  const vnets = await ctx.call('vnpool.info', {});
  return {
    hosts: hosts.map((h) => h.id),
    vnets: vnets.map((n) => n.id),
    datastores: [SYSTEM_DATASTORE.id, IMAGES_DATASTORE.id],
  };
}

function clusterId(a: OneArgs): number {
  const id = a.int(1, 'id');
  if (id !== DEFAULT_CLUSTER.id)
    throw new NepheleError('CLUSTER_NOT_FOUND', `Error getting cluster [${id}]: Nephele has one cluster, 0 (default)`, {
      details: { cluster: id },
    });
  return id;
}

/**
 * The methods that answer one of OpenNebula's XML documents (src/api/one-xml/):
 * each calls its handler, through the same core as every other method (admission,
 * pacing, the session checked, the caller's visibility), and hands the views to
 * the document's builder. Pools are filtered and paged here, as OpenNebula's
 * (one-pools.ts), within what the handler lets the caller see.
 */
export const DOCUMENT_METHODS: Readonly<Record<string, OneMethodEntry>> = Object.freeze({
  'one.system.config': method(
    'system.version',
    '',
    () => ({}),
    (_v, _a, ctx) => systemConfigXml({ port: ctx.port }, xmlContext(ctx)),
  ),

  'one.vm.info': method(
    'vm.info',
    'id:i decrypt:b',
    (a) => ({ id: a.id(1) }),
    async (v, _a, ctx) => vmXml(v, await vmContext([v], ctx, false)),
  ),
  'one.vmpool.info': vmPool(false),
  'one.vmpool.infoextended': vmPool(true),
  'one.vm.monitoring': method(
    'vm.monitoring',
    'id:i',
    (a) => ({ id: a.id(1) }),
    (w, _a, ctx) => vmMonitoringXml([w], xmlContext(ctx)),
  ),
  'one.vmpool.monitoring': method(
    'vmpool.monitoring',
    'filter:i seconds:i',
    (a) => ({ filter: poolQuery(a).filter, ...secondsOf(a, 2) }),
    (ws, _a, ctx) => vmMonitoringXml(ws, xmlContext(ctx)),
  ),
  'one.vmpool.accounting': method(
    'vmpool.accounting',
    'filter:i start_time:i end_time:i',
    (a) => {
      const start = boundMs(a, 2, 'start_time');
      const end = boundMs(a, 3, 'end_time');
      return { filter: poolQuery(a).filter, ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }) };
    },
    async (entries, _a, ctx) => {
      const ids = new Set(entries.flatMap((e) => e.records.map((r) => r.hostId)));
      return accountingXml(entries, xmlContext(ctx, ids.size === 0 ? NONE : await ctx.hosts(ids)));
    },
  ),

  'one.host.info': method(
    'host.info',
    'id:i decrypt:b',
    (a) => ({ host: a.id(1) }),
    (v, _a, ctx) => hostXml(v, xmlContext(ctx)),
  ),
  'one.host.monitoring': method(
    'host.monitoring',
    'id:i',
    (a) => ({ host: a.id(1) }),
    (w, _a, ctx) => hostMonitoringXml(hostSamples([w]), xmlContext(ctx)),
  ),
  'one.hostpool.monitoring': method(
    'hostpool.monitoring',
    'seconds:i',
    (a) => secondsOf(a, 1),
    (ws, _a, ctx) => hostMonitoringXml(hostSamples(ws), xmlContext(ctx)),
  ),
  'one.hostpool.info': method(
    'hostpool.info',
    '',
    () => ({}),
    (views, _a, ctx) => hostPoolXml(views, xmlContext(ctx)),
  ),

  'one.vn.info': method(
    'vn.info',
    'id:i decrypt:b',
    (a) => ({ network: a.id(1) }),
    (v, _a, ctx) => vnetXml(v, xmlContext(ctx)),
  ),
  'one.vnpool.info': method('vnpool.info', 'filter:i start:i end:i', checkedPool, (views, a, ctx) =>
    vnetPoolXml(poolPage(views, poolQuery(a), ctx.session), xmlContext(ctx)),
  ),

  'one.user.info': method(
    'user.info',
    'id:i decrypt:b',
    (a) => {
      const id = selfOrId(a);
      return id === undefined ? {} : { user: id };
    },
    (v, _a, ctx) => userXml(v, xmlContext(ctx)),
  ),
  'one.userpool.info': method(
    'userpool.info',
    '',
    () => ({}),
    (views, _a, ctx) => userPoolXml(views, xmlContext(ctx)),
  ),
  'one.group.info': method(
    'group.info',
    'id:i decrypt:b',
    (a) => ({ group: a.id(1) }),
    (v, _a, ctx) => groupXml(v, xmlContext(ctx)),
  ),
  'one.grouppool.info': method(
    'grouppool.info',
    '',
    () => ({}),
    (views, _a, ctx) => groupPoolXml(views, xmlContext(ctx)),
  ),

  'one.image.info': method(
    'image.info',
    'id:i decrypt:b',
    (a) => ({ image: a.id(1) }),
    (v, _a, ctx) => imageXml(v, xmlContext(ctx)),
  ),
  'one.imagepool.info': method('imagepool.info', 'filter:i start:i end:i', checkedPool, (views, a, ctx) =>
    imagePoolXml(poolPage(views, poolQuery(a), ctx.session), xmlContext(ctx)),
  ),

  'one.template.info': method(
    'template.info',
    'id:i extended:b decrypt:b',
    (a) => ({ id: a.id(1) }),
    (v, _a, ctx) => templateXml(v, xmlContext(ctx)),
  ),
  'one.templatepool.info': method('templatepool.info', 'filter:i start:i end:i', checkedPool, (views, a, ctx) =>
    templatePoolXml(poolPage(views, poolQuery(a), ctx.session), xmlContext(ctx)),
  ),

  'one.cluster.info': method(
    'hostpool.info',
    'id:i decrypt:b',
    (a) => {
      clusterId(a);
      return {};
    },
    async (hosts, _a, ctx) => clusterXml(await defaultCluster(hosts, ctx), xmlContext(ctx)),
  ),
  'one.clusterpool.info': method(
    'hostpool.info',
    '',
    () => ({}),
    async (hosts, _a, ctx) => clusterPoolXml(await defaultCluster(hosts, ctx), xmlContext(ctx)),
  ),
  'one.datastore.info': method(
    'imagepool.info',
    'id:i decrypt:b',
    (a) => {
      const id = a.int(1, 'id');
      if (id !== SYSTEM_DATASTORE.id && id !== IMAGES_DATASTORE.id)
        throw new NepheleError('DATASTORE_NOT_FOUND', `Error getting datastore [${id}]`, { details: { datastore: id } });
      return {};
    },
    (images, a, ctx) => {
      const id = a.int(1, 'id');
      const ds = nepheleDatastores({ images }).find((d) => d.id === id);
      if (ds === undefined)
        throw new NepheleError('DATASTORE_NOT_FOUND', `Error getting datastore [${id}]`, { details: { datastore: id } });
      return datastoreXml(ds, xmlContext(ctx));
    },
  ),
  'one.datastorepool.info': method(
    'imagepool.info',
    '',
    () => ({}),
    (images, _a, ctx) => datastorePoolXml(nepheleDatastores({ images }), xmlContext(ctx)),
  ),
  'one.zonepool.info': method(
    'system.version',
    '',
    () => ({}),
    (_v, _a, ctx) => zonePoolXml(ctx.endpoint, xmlContext(ctx)),
  ),
  'one.acl.info': method(
    'system.version',
    '',
    () => ({}),
    (_v, _a, ctx) => {
      // OpenNebula's ACL rules are oneadmin's to read (one.acl.info authorizes MANAGE of the ACL object).
      if (!ctx.session.admin) throw new NepheleError('NOT_AUTHORIZED', 'only administrators may read the ACL rules');
      return aclPoolXml(xmlContext(ctx));
    },
  ),
});

import type { Session } from '../../../auth/session.js';
import { NepheleError } from '../../../errors.js';
import { parseTemplate } from '../../../templates/index.js';
import { isVector } from '../../../templates/template.js';
import { IMAGE_TYPES, type ImageType } from '../../../images/image-record.js';
import { MAX_TOKEN_SECONDS, type ApiMethod, type ParamsOf, type ResultOf } from '../../api-types.js';
import { type OneArgs, notSupported } from './one-args.js';
import type { HostRef, TemplateCache } from '../../one-xml/index.js';
import type { XmlRpcValue } from './xmlrpc-codec.js';

/** The API level Nephele speaks: OpenNebula's clients compare `major.minor.` with their own (System#compatible_version). */
export const ONE_API_VERSION = '6.10.0';

/** What a method's reply may use besides the handler's answer. */
export interface OneReplyContext {
  /** The caller, as of this call. */
  readonly session: Session;
  /** Another API call for the same caller (owner names, the caller's group…), through the same handlers and checks. */
  call<K extends ApiMethod>(method: K, params: ParamsOf<K>): Promise<ResultOf<K>>;
  /** Wall-clock ms of the call. */
  readonly now: number;
  /** The XML-RPC endpoint as the client reached it (`http://host:port/RPC2`), for the zone's ENDPOINT. */
  readonly endpoint: string;
  /** The port the call came in on: oned's. */
  readonly port: number;
  /** Host names and drivers for the documents (HISTORY's HOSTNAME, VM_MAD, TM_MAD), holding at least `ids` where they exist. */
  hosts(ids: Iterable<number>): Promise<ReadonlyMap<number, HostRef>>;
  /** Parsed templates the documents reuse across calls (src/api/one-xml/template-xml.ts). */
  readonly templates: TemplateCache;
}

/** One `one.*` method: its OpenNebula parameters into an API call, the API's answer into OpenNebula's. */
export interface OneMethod {
  readonly kind: 'call';
  /** OpenNebula's signature after the session, for the docs: `id:i action:s`. */
  readonly signature: string;
  readonly api: ApiMethod;
  readonly params: (a: OneArgs) => unknown;
  readonly reply: (value: unknown, a: OneArgs, ctx: OneReplyContext) => XmlRpcValue | Promise<XmlRpcValue>;
}

/** A method OpenNebula has and Nephele does not answer yet: refused with XML_RPC_API, saying why. */
export interface OneUnsupported {
  readonly kind: 'unsupported';
  readonly signature: string;
  readonly why: string;
}

export type OneMethodEntry = OneMethod | OneUnsupported;

/** A method, typed end to end: `params` must build the API method's parameters, `reply` reads its result. */
export function method<K extends ApiMethod>(
  api: K,
  signature: string,
  params: (a: OneArgs) => ParamsOf<K>,
  reply: (value: ResultOf<K>, a: OneArgs, ctx: OneReplyContext) => XmlRpcValue | Promise<XmlRpcValue>,
): OneMethod {
  return { kind: 'call', signature, api, params, reply: reply as OneMethod['reply'] };
}

export function unsupported(signature: string, why: string): OneUnsupported {
  return { kind: 'unsupported', signature, why };
}

/** Most methods answer the id of the object they acted on. */
const idOf = (v: { readonly id: number }): number => v.id;
/** …or the id they were given (a method whose handler answers a view). */
const givenId = (_v: unknown, a: OneArgs): number => a.id(1);

/** OpenNebula's `one.vm.action` names, in its order: the action, and `hard` where the name says so. */
const VM_ACTION_NAMES = Object.freeze({
  'terminate-hard': { action: 'terminate', hard: true },
  terminate: { action: 'terminate', hard: false },
  'undeploy-hard': { action: 'undeploy', hard: true },
  undeploy: { action: 'undeploy', hard: false },
  'poweroff-hard': { action: 'poweroff', hard: true },
  poweroff: { action: 'poweroff', hard: false },
  'reboot-hard': { action: 'reboot', hard: true },
  reboot: { action: 'reboot', hard: false },
  hold: { action: 'hold' },
  release: { action: 'release' },
  stop: { action: 'stop' },
  suspend: { action: 'suspend' },
  resume: { action: 'resume' },
  resched: { action: 'resched' },
  unresched: { action: 'unresched' },
} as const);

/** `one.vm.recover`'s operation numbers. */
const RECOVER_OPS = ['failure', 'success', 'retry', 'delete', 'recreate'] as const;

/** `one.host.status`'s numbers: ENABLED, DISABLED, OFFLINE. */
const HOST_STATUS = ['enable', 'disable', 'offline'] as const;

/** OpenNebula's drivers as Nephele's: kvm is the qemu driver (it uses KVM when the host has it). */
function hypervisorOf(a: OneArgs, i: number, name: string): 'dummy' | 'qemu' {
  const mad = a.str(i, name).toLowerCase();
  if (mad === 'kvm' || mad === 'qemu') return 'qemu';
  if (mad === 'dummy') return 'dummy';
  throw notSupported(`${name} ${JSON.stringify(mad.slice(0, 32))} (kvm, qemu or dummy are)`);
}

/** Nephele has one cluster, `default` (id 0); -1 means it. */
function defaultCluster(a: OneArgs, i: number): void {
  const c = a.optInt(i, 'cluster_id', -1);
  if (c !== -1 && c !== 0) throw new NepheleError('INVALID_ARGUMENT', `cluster ${c} does not exist: Nephele has one cluster, 0 (default)`);
}

/** The IP of a `LEASES = [ IP = … ]` template, as `onevnet hold/release` sends it. */
function leaseIp(text: string): string {
  const leases = parseTemplate(text).get('LEASES');
  const ip = leases !== undefined && isVector(leases) ? leases.IP : undefined;
  if (ip === undefined)
    throw new NepheleError('INVALID_ARGUMENT', 'the lease template must be LEASES = [ IP = <address> ]', { details: { field: 'ip' } });
  if (leases !== undefined && isVector(leases) && leases.AR_ID !== undefined && leases.AR_ID !== '-1')
    throw notSupported('holding a lease in a given address range (AR_ID)');
  return ip;
}

/** `one.image.allocate`'s template: an empty DATABLOCK (SIZE) Nephele can make; a PATH or SOURCE it cannot read for a caller. */
function imageFromTemplate(text: string): ParamsOf<'image.allocate'> {
  const t = parseTemplate(text);
  const str = (n: string): string | undefined => t.getString(n);
  if (str('PATH') !== undefined || str('SOURCE') !== undefined)
    throw notSupported('an image from PATH or SOURCE (upload it with Nephele’s oneimage create --path)');
  const size = str('SIZE');
  if (size === undefined)
    throw new NepheleError('INVALID_ARGUMENT', 'the image template needs SIZE (MiB) for an empty DATABLOCK', {
      details: { field: 'size' },
    });
  const name = str('NAME');
  if (name === undefined) throw new NepheleError('INVALID_ARGUMENT', 'the image template needs NAME', { details: { field: 'name' } });
  const type = (str('TYPE') ?? 'DATABLOCK').toUpperCase();
  if (!(IMAGE_TYPES as readonly string[]).includes(type))
    throw new NepheleError('INVALID_ARGUMENT', `TYPE must be one of ${IMAGE_TYPES.join(', ')}`);
  const format = str('FORMAT')?.toLowerCase();
  const mib = Number(size);
  return {
    name,
    type: type as ImageType,
    persistent: /^(yes|true|1)$/i.test(str('PERSISTENT') ?? ''),
    description: str('DESCRIPTION') ?? '',
    size: Number.isFinite(mib) ? mib : Number.NaN,
    ...(format === undefined ? {} : { format: format as 'raw' | 'qcow2' }),
  };
}

/** OpenNebula's chown: a new owner and/or group by id, -1 leaving one as it is. */
function chown(a: OneArgs): { user?: number; group?: number } {
  const uid = a.int(2, 'uid');
  const gid = a.int(3, 'gid');
  for (const [n, name] of [
    [uid, 'uid'],
    [gid, 'gid'],
  ] as const) {
    if (n < -1) throw new NepheleError('INVALID_ARGUMENT', `${name} must be an id or -1 (unchanged)`, { details: { field: name } });
  }
  return { ...(uid === -1 ? {} : { user: uid }), ...(gid === -1 ? {} : { group: gid }) };
}

const CHMOD_BITS = ['uu', 'um', 'ua', 'gu', 'gm', 'ga', 'ou', 'om', 'oa'] as const;

/** OpenNebula's chmod: nine values from OWNER_U to OTHER_A, each 1 (set), 0 (clear) or -1 (unchanged). */
function chmodValues(a: OneArgs): number[] {
  return CHMOD_BITS.map((name, i) => {
    const v = a.int(2 + i, name);
    if (v !== -1 && v !== 0 && v !== 1)
      throw new NepheleError('INVALID_ARGUMENT', `${name} must be 1, 0 or -1`, { details: { field: name } });
    return v;
  });
}

const CHMOD_SIGNATURE = 'id:i uu:i um:i ua:i gu:i gm:i ga:i ou:i om:i oa:i';

const UPDATE_SIGNATURE = 'id:i template:s append:i';

/** `one.<x>.update`'s template and update type: 0 replaces, 1 merges (OpenNebula's append). */
function update(a: OneArgs): { template: string; append: boolean } {
  const type = a.optInt(3, 'append', 0);
  if (type !== 0 && type !== 1) throw notSupported(`update type ${type}; 0 replaces, 1 merges`);
  return { template: a.str(2, 'template'), append: type === 1 };
}

/** `one.user.login`'s validity: -1 is as long as Nephele allows, 0 revokes. */
function tokenSeconds(a: OneArgs): number {
  const valid = a.int(3, 'valid');
  if (valid === -1) return MAX_TOKEN_SECONDS;
  if (valid < -1) throw new NepheleError('INVALID_ARGUMENT', 'Wrong valid period for token', { details: { field: 'valid' } });
  return valid;
}

/**
 * The methods that need no document: each maps OpenNebula's positional
 * parameters to a Nephele handler's and answers as OpenNebula does (an id,
 * a token, a version). Signatures are OpenNebula 6.10's (include/RequestManager*.h).
 */
export const CALL_METHODS: Readonly<Record<string, OneMethodEntry>> = Object.freeze({
  'one.system.version': method(
    'system.version',
    '',
    () => ({}),
    () => ONE_API_VERSION,
  ),

  'one.vm.allocate': method(
    'vm.allocate',
    'template:s hold:b',
    (a) => ({ template: a.str(1, 'template'), hold: a.optBool(2, 'hold', false) }),
    idOf,
  ),
  'one.vm.action': method(
    'vm.action',
    'action:s id:i',
    (a) => {
      const name = a.str(1, 'action');
      const act = Object.hasOwn(VM_ACTION_NAMES, name) ? VM_ACTION_NAMES[name as keyof typeof VM_ACTION_NAMES] : undefined;
      if (act === undefined) throw notSupported(`the VM action ${JSON.stringify(name.slice(0, 32))}`);
      return { id: a.id(2), ...act };
    },
    (_v, a) => a.id(2),
  ),
  'one.vm.deploy': method(
    'vm.action',
    'id:i host_id:i enforce:b ds_id:i extra_template:s',
    (a) => {
      if (a.optInt(4, 'ds_id', -1) !== -1) throw notSupported('choosing the system datastore (ds_id other than -1)');
      if (a.optStr(5, 'extra_template', '').trim() !== '') throw notSupported('an extra template on deploy');
      return { id: a.id(1), action: 'deploy', host: a.id(2, 'host_id'), enforce: a.optBool(3, 'enforce', false) };
    },
    givenId,
  ),
  'one.vm.migrate': method(
    'vm.action',
    'id:i host_id:i live:b enforce:b ds_id:i type:i',
    (a) => {
      if (a.optInt(5, 'ds_id', -1) !== -1) throw notSupported('choosing the system datastore (ds_id other than -1)');
      if (a.optInt(6, 'type', 0) !== 0) throw notSupported('a cold migration by power-off (type 1 or 2)');
      return { id: a.id(1), action: 'migrate', host: a.id(2, 'host_id'), live: a.optBool(3, 'live', false) };
    },
    givenId,
  ),
  'one.vm.recover': method(
    'vm.action',
    'id:i operation:i',
    (a) => {
      const n = a.int(2, 'operation');
      const op = RECOVER_OPS[n];
      if (op === undefined) throw notSupported(n === 5 ? 'recover delete-db (5)' : `recover operation ${n}`);
      return { id: a.id(1), action: 'recover', op };
    },
    givenId,
  ),

  'one.vm.rename': method('vm.rename', 'id:i name:s', (a) => ({ id: a.id(1), name: a.str(2, 'name') }), givenId),
  'one.vm.chown': method('vm.chown', 'id:i uid:i gid:i', (a) => ({ id: a.id(1), ...chown(a) }), givenId),
  'one.vm.chmod': method('vm.chmod', CHMOD_SIGNATURE, (a) => ({ id: a.id(1), values: chmodValues(a) }), givenId),
  // OpenNebula's update type: 0 replaces the (user) template, 1 merges into it.
  'one.vm.update': method('vm.update', UPDATE_SIGNATURE, (a) => ({ id: a.id(1), ...update(a) }), givenId),

  'one.host.allocate': method(
    'host.allocate',
    'name:s im_mad:s vmm_mad:s cluster_id:i',
    (a) => {
      defaultCluster(a, 4);
      return { name: a.str(1, 'name'), im: hypervisorOf(a, 2, 'im_mad'), vm: hypervisorOf(a, 3, 'vmm_mad') };
    },
    idOf,
  ),
  'one.host.delete': method('host.delete', 'id:i', (a) => ({ host: a.id(1), force: false }), idOf),
  'one.host.status': method(
    'host.status',
    'id:i status:i',
    (a) => {
      const n = a.int(2, 'status');
      const action = HOST_STATUS[n];
      if (action === undefined)
        throw new NepheleError('INVALID_ARGUMENT', 'status must be 0 (enabled), 1 (disabled) or 2 (offline)', {
          details: { field: 'status' },
        });
      return { host: a.id(1), action };
    },
    givenId,
  ),
  'one.host.update': method(
    'host.update',
    'id:i template:s append:i',
    (a) => ({ host: a.id(1), template: a.str(2, 'template'), append: a.optInt(3, 'append', 0) === 1 }),
    givenId,
  ),

  'one.host.rename': method('host.rename', 'id:i name:s', (a) => ({ id: a.id(1), name: a.str(2, 'name') }), givenId),

  'one.vn.allocate': method(
    'vn.allocate',
    'template:s cluster_id:i',
    (a) => {
      defaultCluster(a, 2);
      return { template: a.str(1, 'template') };
    },
    idOf,
  ),
  'one.vn.delete': method('vn.delete', 'id:i', (a) => ({ network: a.id(1) }), idOf),
  'one.vn.hold': method('vn.hold', 'id:i template:s', (a) => ({ network: a.id(1), ip: leaseIp(a.str(2, 'template')) }), givenId),
  'one.vn.release': method('vn.release', 'id:i template:s', (a) => ({ network: a.id(1), ip: leaseIp(a.str(2, 'template')) }), givenId),
  'one.vn.add_ar': method('vn.add_ar', 'id:i template:s', (a) => ({ network: a.id(1), template: a.str(2, 'template') }), givenId),
  'one.vn.rm_ar': method('vn.rm_ar', 'id:i ar_id:i force:b', (a) => ({ network: a.id(1), arId: a.id(2, 'ar_id') }), givenId),

  'one.vn.rename': method('vn.rename', 'id:i name:s', (a) => ({ id: a.id(1), name: a.str(2, 'name') }), givenId),
  'one.vn.chown': method('vn.chown', 'id:i uid:i gid:i', (a) => ({ id: a.id(1), ...chown(a) }), givenId),
  'one.vn.chmod': method('vn.chmod', CHMOD_SIGNATURE, (a) => ({ id: a.id(1), values: chmodValues(a) }), givenId),
  'one.vn.update': method('vn.update', UPDATE_SIGNATURE, (a) => ({ id: a.id(1), ...update(a) }), givenId),

  'one.user.allocate': method(
    'user.allocate',
    'name:s password:s driver:s groups:A',
    (a) => {
      const driver = a.optStr(3, 'driver', '');
      if (driver !== '' && driver !== 'core')
        throw notSupported(`the authentication driver ${JSON.stringify(driver.slice(0, 32))} (core is)`);
      const groups = a.has(4) ? a.ints(4, 'groups') : [];
      if (groups.length > 1) throw notSupported('secondary groups');
      return { name: a.str(1, 'name'), password: a.str(2, 'password'), ...(groups[0] === undefined ? {} : { group: groups[0] }) };
    },
    idOf,
  ),
  'one.user.delete': method('user.delete', 'id:i', (a) => ({ user: a.id(1) }), idOf),
  'one.user.passwd': method('user.passwd', 'id:i password:s', (a) => ({ user: a.id(1), password: a.str(2, 'password') }), idOf),
  'one.user.enable': method('user.enable', 'id:i enable:b', (a) => ({ user: a.id(1), enable: a.bool(2, 'enable') }), idOf),
  'one.user.update': method('user.update', UPDATE_SIGNATURE, (a) => ({ user: a.id(1), ...update(a) }), givenId),
  'one.user.chgrp': method('user.chgrp', 'id:i group_id:i', (a) => ({ user: a.id(1), group: a.id(2, 'group_id') }), idOf),
  'one.user.login': method(
    'user.login',
    'name:s token:s valid:i egid:i',
    (a) => {
      const expire = tokenSeconds(a);
      if (a.str(2, 'token') !== '')
        throw notSupported(expire === 0 ? 'revoking one given token (revoke all: an empty token)' : 'choosing the token');
      const egid = a.optInt(4, 'egid', -1);
      if (egid !== -1) throw notSupported('a token scoped to a group (egid other than -1)');
      return { user: a.str(1, 'name'), expire };
    },
    (v) => v.token,
  ),

  'one.group.allocate': method('group.allocate', 'name:s', (a) => ({ name: a.str(1, 'name') }), idOf),
  'one.group.delete': method('group.delete', 'id:i', (a) => ({ group: a.id(1) }), idOf),

  'one.image.allocate': method(
    'image.allocate',
    'template:s ds_id:i skip_capacity_check:b',
    (a) => {
      const ds = a.optInt(2, 'ds_id', 1);
      if (ds !== 1)
        throw new NepheleError('INVALID_ARGUMENT', `datastore ${ds} does not take images: Nephele's images datastore is 1`, {
          details: { field: 'ds_id' },
        });
      return imageFromTemplate(a.str(1, 'template'));
    },
    idOf,
  ),
  'one.image.delete': method(
    'image.delete',
    'id:i force:b',
    (a) => {
      if (a.optBool(2, 'force', false)) throw notSupported('deleting an image in use (force)');
      return { image: a.id(1) };
    },
    idOf,
  ),
  'one.image.persistent': method(
    'image.persistent',
    'id:i persistent:b',
    (a) => ({ image: a.id(1), persistent: a.bool(2, 'persistent') }),
    givenId,
  ),
  'one.image.enable': method('image.enable', 'id:i enable:b', (a) => ({ image: a.id(1), enable: a.bool(2, 'enable') }), givenId),
  'one.image.chown': method('image.chown', 'id:i uid:i gid:i', (a) => ({ id: a.id(1), ...chown(a) }), givenId),
  'one.image.chmod': method('image.chmod', CHMOD_SIGNATURE, (a) => ({ id: a.id(1), values: chmodValues(a) }), givenId),
  'one.image.rename': method('image.rename', 'id:i name:s', (a) => ({ image: a.id(1), name: a.str(2, 'name') }), givenId),

  'one.image.clone': method(
    'image.clone',
    'id:i name:s ds_id:i',
    (a) => {
      const ds = a.optInt(3, 'ds_id', -1);
      return { image: a.id(1), name: a.str(2, 'name'), ...(ds === -1 ? {} : { datastore: ds }) };
    },
    idOf,
  ),
  'one.image.chtype': method(
    'image.chtype',
    'id:i type:s',
    (a) => {
      const type = a.str(2, 'type').toUpperCase();
      if (!(IMAGE_TYPES as readonly string[]).includes(type))
        throw new NepheleError('INVALID_ARGUMENT', `type must be one of ${IMAGE_TYPES.join(', ')}`, { details: { field: 'type' } });
      return { image: a.id(1), type: type as ImageType };
    },
    givenId,
  ),
  'one.image.update': method(
    'image.update',
    'id:i template:s append:i',
    (a) => ({ image: a.id(1), template: a.str(2, 'template'), append: a.optInt(3, 'append', 0) === 1 }),
    givenId,
  ),

  'one.template.allocate': method('template.allocate', 'template:s', (a) => ({ template: a.str(1, 'template') }), idOf),
  'one.template.update': method(
    'template.update',
    'id:i template:s append:i',
    (a) => {
      if (a.optInt(3, 'append', 0) === 1) throw notSupported('appending to a template (append 1); send the whole template');
      return { id: a.id(1), template: a.str(2, 'template') };
    },
    idOf,
  ),
  'one.template.rename': method('template.rename', 'id:i name:s', (a) => ({ id: a.id(1), name: a.str(2, 'name') }), givenId),
  'one.template.clone': method(
    'template.clone',
    'id:i name:s recursive:b',
    (a) => ({ id: a.id(1), name: a.str(2, 'name'), recursive: a.optBool(3, 'recursive', false) }),
    idOf,
  ),
  'one.template.chown': method('template.chown', 'id:i uid:i gid:i', (a) => ({ id: a.id(1), ...chown(a) }), givenId),
  'one.template.chmod': method(
    'template.chmod',
    `${CHMOD_SIGNATURE} recursive:b`,
    (a) => {
      if (a.optBool(11, 'recursive', false)) throw notSupported("changing the bits of a template's images with it (recursive)");
      return { id: a.id(1), values: chmodValues(a) };
    },
    givenId,
  ),
  'one.template.delete': method(
    'template.delete',
    'id:i recursive:b',
    (a) => {
      if (a.optBool(2, 'recursive', false)) throw notSupported("deleting a template's images with it (recursive)");
      return { id: a.id(1) };
    },
    idOf,
  ),
  'one.template.instantiate': method(
    'template.instantiate',
    'id:i name:s hold:b extra_template:s persistent:b',
    (a) => {
      // OpenNebula drops the extra template's NAME (the name parameter names the VM): `onetemplate instantiate --name` sends both.
      const extra = parseTemplate(a.optStr(4, 'extra_template', '')).attributes;
      if (extra.some((x) => x.name !== 'NAME')) throw notSupported('an extra template on instantiate (other than NAME)');
      if (a.optBool(5, 'persistent', false)) throw notSupported('a persistent copy of the template (persistent)');
      const name = a.optStr(2, 'name', '');
      return { id: a.id(1), hold: a.optBool(3, 'hold', false), ...(name === '' ? {} : { name }) };
    },
    idOf,
  ),
});

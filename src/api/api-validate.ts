import { isIPv4 } from 'node:net';
import { NepheleError } from '../errors.js';
import { MAX_TOKEN_SECONDS, VMPOOL_MAX_LIMIT, type ApiMethod, type ApiMethods, type ParamsOf, type VmActionParams } from './api-types.js';
import type { HostSshParams } from '../hosts/host-view.js';
import { parseSshTarget } from '../ssh/ssh-target.js';
import { HOST_NAME, type TextRule, VM_NAME, textProblem } from '../protocol/field-limits.js';
import { RECOVER_OPS, VM_ACTIONS, VM_ACTION_NAMES, isRecoverOp, isVmAction } from '../vms/vm-actions.js';
import { imageNameProblem } from '../images/image-name.js';
import { IMAGE_TYPES, MAX_BLANK_MB, UPLOAD_CHUNK_BYTES, type ImageFormat, type ImageType } from '../images/image-record.js';
import { parseOctal } from '../auth/permissions.js';

const HYPERVISORS = new Set(['dummy', 'qemu']);
const STATUS_ACTIONS = new Set(['enable', 'disable', 'offline']);

function templateText(x: unknown): string {
  if (typeof x !== 'string' || x.length === 0) throw bad('template', 'must be a non-empty string');
  return x;
}

function vmId(x: unknown): number {
  if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return x;
  throw bad('id', 'must be a VM id');
}
/** OpenNebula's host names: letters, digits, dots, dashes, underscores. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function bad(field: string, why: string): NepheleError {
  return new NepheleError('INVALID_ARGUMENT', `${field} ${why}`, { details: { field } });
}

function record(x: unknown): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw bad('params', 'must be an object');
  return x as Record<string, unknown>;
}

function hostRef(x: unknown): string | number {
  if (typeof x === 'number' && Number.isInteger(x) && x >= 0) return x;
  if (typeof x === 'string' && NAME_RE.test(x)) return x;
  throw bad('host', 'must be a host id or name');
}

function hypervisor(x: unknown, field: string): 'dummy' | 'qemu' {
  if (typeof x !== 'string' || !HYPERVISORS.has(x)) throw bad(field, 'must be dummy or qemu');
  return x as 'dummy' | 'qemu';
}

function nameRef(x: unknown, field: string): string | number {
  if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return x;
  if (typeof x === 'string' && NAME_RE.test(x)) return x;
  throw bad(field, `must be a ${field} id or name`);
}

/** Never echoed back, never in details beyond the field's name. */
function password(x: unknown): string {
  // One line of an auth file (user:password), of a sane length.
  if (typeof x !== 'string' || x.length === 0 || x.length > 256 || /[\r\n\0]/.test(x)) {
    throw bad('password', 'must be 1-256 characters on one line');
  }
  return x;
}

/** Network names are free text (OpenNebula allows spaces): any 1-128 characters but control ones. */
function networkRef(x: unknown): string | number {
  if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return x;
  if (typeof x === 'string' && x.length > 0 && x.length <= 128 && !/[\0-\x1f]/.test(x)) return x;
  throw bad('network', 'must be a network id or name');
}

/** A template id, or its name (free text, as a network's). */
function templateRef(x: unknown): string | number {
  if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return x;
  if (typeof x === 'string' && x.length > 0 && x.length <= 128 && !/[\0-\x1f]/.test(x)) return x;
  throw bad('id', 'must be a template id or name');
}

function ipv4(x: unknown): string {
  if (typeof x !== 'string' || !isIPv4(x)) throw bad('ip', 'must be an IPv4 address');
  return x;
}

function vmIdLike(x: unknown, field: string): number {
  if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return x;
  throw bad(field, 'must be an integer ≥ 0');
}

function imageName(x: unknown, field = 'name'): string {
  const problem = imageNameProblem(x);
  if (problem !== undefined) throw bad(field, problem);
  return x as string;
}

/** An image id, or a name (names are checked as at creation); `field` names the parameter. */
function imageRef(x: unknown, field = 'image'): string | number {
  if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return x;
  if (imageNameProblem(x) === undefined) return x as string;
  throw bad(field, 'must be an image id or name');
}

/** A new name (`*.rename`), by the rule the object's create holds it to. */
function newName(x: unknown, rule: TextRule): string {
  if (typeof x !== 'string') throw bad('name', 'must be a string');
  const problem = textProblem(rule, x);
  if (problem !== undefined) throw bad('name', problem);
  return x;
}

/** A chown's new owner or group: an id or name; -1 (OpenNebula's) or nothing leaves it. */
function chownParams<Id>(p: Record<string, unknown>, id: Id): { id: Id; user?: string | number; group?: string | number } {
  const out: { id: Id; user?: string | number; group?: string | number } = { id };
  if (p.user !== undefined && p.user !== -1) out.user = nameRef(p.user, 'user');
  if (p.group !== undefined && p.group !== -1) out.group = nameRef(p.group, 'group');
  return out;
}

/** A chmod: `octet` (three octal digits) or `values` (nine of -1, 0, 1), exactly one. */
function chmodParams<Id>(p: Record<string, unknown>, id: Id): { id: Id; octet: string } | { id: Id; values: number[] } {
  if ((p.octet === undefined) === (p.values === undefined)) throw bad('octet', 'or values: give exactly one');
  if (p.octet !== undefined) {
    if (typeof p.octet !== 'string') throw bad('octet', 'must be three octal digits such as 640');
    parseOctal(p.octet);
    return { id, octet: p.octet };
  }
  const v = p.values;
  if (!Array.isArray(v) || v.length !== 9 || !v.every((x) => x === -1 || x === 0 || x === 1)) {
    throw bad('values', 'must be nine values OWNER_U … OTHER_A, each 1 (set), 0 (clear) or -1 (unchanged)');
  }
  return { id, values: [...(v as number[])] };
}

/** An update's text (empty: a replace clears the attributes) and its `append` flag. @default append false */
function updateParams(p: Record<string, unknown>): { template: string; append: boolean } {
  if (typeof p.template !== 'string') throw bad('template', 'must be a string');
  if (p.append !== undefined && typeof p.append !== 'boolean') throw bad('append', 'must be a boolean');
  return { template: p.template, append: p.append === true };
}

function flag(x: unknown, field: string): boolean {
  if (typeof x !== 'boolean') throw bad(field, 'must be a boolean');
  return x;
}

function imageAllocate(p: Record<string, unknown>): ParamsOf<'image.allocate'> {
  if (typeof p.type !== 'string' || !(IMAGE_TYPES as readonly string[]).includes(p.type))
    throw bad('type', `must be one of ${IMAGE_TYPES.join(', ')}`);
  if (p.persistent !== undefined) flag(p.persistent, 'persistent');
  const description = p.description ?? '';
  if (typeof description !== 'string' || description.length > 4096 || /[\0-\x08\x0b-\x1f\x7f]/.test(description)) {
    throw bad('description', 'must be at most 4096 characters, without control characters but tab and newline');
  }
  const out: { -readonly [K in keyof ParamsOf<'image.allocate'>]: ParamsOf<'image.allocate'>[K] } = {
    name: imageName(p.name),
    type: p.type as ImageType,
    persistent: p.persistent === true,
    description,
  };
  if (p.size !== undefined) {
    if (typeof p.size !== 'number' || !Number.isSafeInteger(p.size) || p.size < 1 || p.size > MAX_BLANK_MB)
      throw bad('size', `must be 1 to ${MAX_BLANK_MB} MiB`);
    out.size = p.size;
  }
  if (p.format !== undefined) {
    if (p.format !== 'raw' && p.format !== 'qcow2') throw bad('format', 'must be raw or qcow2');
    if (out.size === undefined) throw bad('format', "is chosen only for an empty DATABLOCK (with size); an upload's is detected");
    out.format = p.format as ImageFormat;
  }
  return out;
}

/** An image type, in any case (OpenNebula upper-cases it). */
function imageType(x: unknown): ImageType {
  const type = typeof x === 'string' ? x.toUpperCase() : undefined;
  if (type === undefined || !(IMAGE_TYPES as readonly string[]).includes(type))
    throw bad('type', `must be one of ${IMAGE_TYPES.join(', ')}`);
  return type as ImageType;
}

function chunk(x: unknown): Uint8Array {
  if (!(x instanceof Uint8Array) || x.byteLength === 0 || x.byteLength > UPLOAD_CHUNK_BYTES) {
    throw bad('data', `must be 1 to ${UPLOAD_CHUNK_BYTES} bytes`);
  }
  return x;
}

/** A directory on a host: absolute, plain characters, no `..` (it goes into commands run there, quoted). */
const HOST_DIR = /^\/[A-Za-z0-9._/-]{0,255}$/;

function sshParams(v: unknown): HostSshParams {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('ssh', 'must be an object');
  const o = v as Record<string, unknown>;
  if (typeof o.target !== 'string' || o.target.length > 300) throw bad('ssh', 'target must be [user@]address[:port]');
  parseSshTarget(o.target);
  if (o.dir !== undefined && (typeof o.dir !== 'string' || !HOST_DIR.test(o.dir) || o.dir.split('/').includes('..'))) {
    throw bad('dir', 'must be an absolute path of letters, digits, dots, dashes, underscores and slashes, without ..');
  }
  if (o.key !== undefined && (typeof o.key !== 'string' || o.key.length > 16_384 || o.key.length === 0))
    throw bad('key', "must be a private key file's text");
  return {
    target: o.target,
    ...(typeof o.dir === 'string' ? { dir: o.dir.replace(/\/+$/, '') || '/' } : {}),
    ...(typeof o.key === 'string' ? { key: o.key } : {}),
  };
}

function frontendUrl(v: unknown): string {
  if (typeof v !== 'string' || v.length > 300) throw bad('frontend', "must be oned's URL as the host reaches it");
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw bad('frontend', 'must be a URL such as http://10.0.0.1:2633');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad('frontend', 'must be an http or https URL');
  return url.origin;
}

/** OpenNebula's `seconds` of a monitoring call: -1 (or any negative) all, 0 the newest, more the last seconds. */
function monitoringSeconds(p: Record<string, unknown>): { seconds?: number } {
  if (p.seconds === undefined) return {};
  if (typeof p.seconds !== 'number' || !Number.isSafeInteger(p.seconds) || p.seconds < -1 || p.seconds > 2 ** 31 - 1)
    throw bad('seconds', 'must be an integer from -1 (all) to 2147483647');
  return { seconds: p.seconds };
}

/** OpenNebula's pool filter: -4 … -1, or a user id. */
function poolFilter(p: Record<string, unknown>): { filter?: number } {
  if (p.filter === undefined) return {};
  if (typeof p.filter !== 'number' || !Number.isSafeInteger(p.filter) || p.filter < -4)
    throw bad('filter', 'must be -4, -3, -2, -1 or a user id');
  return { filter: p.filter };
}

/** The latest time a Date holds, ms since the epoch. */
const MAX_EPOCH_MS = 8.64e15;

function epochMs(p: Record<string, unknown>, field: 'start' | 'end'): { start?: number } | { end?: number } {
  const x = p[field];
  if (x === undefined) return {};
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0 || x > MAX_EPOCH_MS)
    throw bad(field, 'must be a time in ms since the epoch');
  return { [field]: x };
}

type Validators = { [K in ApiMethod]: (p: Record<string, unknown>) => ParamsOf<K> };

const validators: Validators = {
  'system.version': () => ({}),
  'host.allocate': (p) => {
    if (typeof p.name !== 'string' || !NAME_RE.test(p.name)) {
      throw bad('name', 'must be 1-128 letters, digits, dots, dashes or underscores');
    }
    const out = { name: p.name, im: hypervisor(p.im, 'im'), vm: hypervisor(p.vm, 'vm') };
    if (p.tm !== undefined && p.tm !== 'ssh' && p.tm !== 'shared') throw bad('tm', 'must be ssh or shared');
    const ssh = p.ssh === undefined ? undefined : sshParams(p.ssh);
    if (p.tm === 'ssh' && ssh === undefined) throw bad('tm', "ssh needs the host's SSH address (--ssh): oned copies the files over it");
    return { ...out, ...(p.tm === undefined ? {} : { tm: p.tm }), ...(ssh === undefined ? {} : { ssh }) };
  },
  'host.deploy': (p) => {
    if (p.rekey !== undefined && typeof p.rekey !== 'boolean') throw bad('rekey', 'must be a boolean');
    return { host: hostRef(p.host), ...(p.frontend === undefined ? {} : { frontend: frontendUrl(p.frontend) }), rekey: p.rekey === true };
  },
  'host.fence': (p) => ({ host: hostRef(p.host) }),
  'host.sync': (p) => {
    if (p.force !== undefined && typeof p.force !== 'boolean') throw bad('force', 'must be a boolean');
    if (p.rekey !== undefined && typeof p.rekey !== 'boolean') throw bad('rekey', 'must be a boolean');
    return { ...(p.host === undefined ? {} : { host: hostRef(p.host) }), force: p.force === true, rekey: p.rekey === true };
  },
  'hostpool.info': () => ({}),
  'host.info': (p) => ({ host: hostRef(p.host) }),
  'host.monitor': (p) => ({ host: hostRef(p.host) }),
  'host.update': (p) => {
    if (p.append !== undefined && typeof p.append !== 'boolean') throw bad('append', 'must be a boolean');
    return { host: hostRef(p.host), template: templateText(p.template), append: p.append === true };
  },
  'host.rename': (p) => ({ id: hostRef(p.id), name: newName(p.name, HOST_NAME) }),
  'host.monitoring': (p) => ({ host: hostRef(p.host), ...monitoringSeconds(p) }),
  'hostpool.monitoring': (p) => monitoringSeconds(p),
  'vm.monitoring': (p) => ({ id: vmId(p.id), ...monitoringSeconds(p) }),
  'vmpool.monitoring': (p) => ({ ...poolFilter(p), ...monitoringSeconds(p) }),
  'vmpool.accounting': (p) => ({ ...poolFilter(p), ...epochMs(p, 'start'), ...epochMs(p, 'end') }),
  'host.delete': (p) => {
    if (p.force !== undefined && typeof p.force !== 'boolean') throw bad('force', 'must be a boolean');
    return { host: hostRef(p.host), force: p.force === true };
  },
  'vm.allocate': (p) => {
    if (p.hold !== undefined && typeof p.hold !== 'boolean') throw bad('hold', 'must be a boolean');
    return { template: templateText(p.template), hold: p.hold === true };
  },
  'vmpool.info': (p) => {
    if (p.all !== undefined && typeof p.all !== 'boolean') throw bad('all', 'must be a boolean');
    const out: { all: boolean; offset?: number; limit?: number } = { all: p.all === true };
    if (p.offset !== undefined) out.offset = vmIdLike(p.offset, 'offset');
    if (p.limit !== undefined) {
      if (!(typeof p.limit === 'number' && Number.isSafeInteger(p.limit) && p.limit >= 1 && p.limit <= VMPOOL_MAX_LIMIT)) {
        throw bad('limit', `must be an integer from 1 to ${VMPOOL_MAX_LIMIT}`);
      }
      out.limit = p.limit;
    }
    return out;
  },
  'vm.info': (p) => ({ id: vmId(p.id) }),
  'template.allocate': (p) => ({ template: templateText(p.template) }),
  'templatepool.info': () => ({}),
  'template.info': (p) => ({ id: templateRef(p.id) }),
  'template.update': (p) => ({ id: templateRef(p.id), template: templateText(p.template) }),
  'template.delete': (p) => ({ id: templateRef(p.id) }),
  'template.rename': (p) => ({ id: templateRef(p.id), name: newName(p.name, VM_NAME) }),
  'template.chown': (p) => chownParams(p, templateRef(p.id)),
  'template.chmod': (p) => chmodParams(p, templateRef(p.id)),
  'template.clone': (p) => {
    if (p.recursive !== undefined && typeof p.recursive !== 'boolean') throw bad('recursive', 'must be a boolean');
    return { id: templateRef(p.id), name: newName(p.name, VM_NAME), ...(p.recursive === true ? { recursive: true } : {}) };
  },
  'template.instantiate': (p) => {
    if (p.hold !== undefined && typeof p.hold !== 'boolean') throw bad('hold', 'must be a boolean');
    if (p.name !== undefined && (typeof p.name !== 'string' || p.name.length === 0 || p.name.length > 128))
      throw bad('name', 'must be 1-128 characters');
    const out: { id: number | string; hold: boolean; name?: string } = { id: templateRef(p.id), hold: p.hold === true };
    if (typeof p.name === 'string') out.name = p.name;
    return out;
  },
  'vm.action': (p) => {
    if (typeof p.action !== 'string' || !isVmAction(p.action)) throw bad('action', `must be one of ${VM_ACTION_NAMES.join(', ')}`);
    const out: { -readonly [K in keyof VmActionParams]: VmActionParams[K] } = { id: vmId(p.id), action: p.action };
    if (p.hard !== undefined) {
      if (typeof p.hard !== 'boolean') throw bad('hard', 'must be a boolean');
      out.hard = p.hard;
    }
    if (p.live !== undefined) {
      if (typeof p.live !== 'boolean') throw bad('live', 'must be a boolean');
      out.live = p.live;
    }
    if (p.enforce !== undefined) {
      if (typeof p.enforce !== 'boolean') throw bad('enforce', 'must be a boolean');
      out.enforce = p.enforce;
    }
    if (p.host !== undefined) out.host = hostRef(p.host);
    if (VM_ACTIONS[p.action].host === true && out.host === undefined) throw bad('host', `is required to ${p.action}`);
    if (VM_ACTIONS[p.action].ops !== undefined) {
      if (typeof p.op !== 'string' || !isRecoverOp(p.op))
        throw bad('op', `must be ${RECOVER_OPS.slice(0, -1).join(', ')} or ${RECOVER_OPS.at(-1) ?? ''}`);
      out.op = p.op;
    }
    return out;
  },
  'vm.rename': (p) => ({ id: vmId(p.id), name: newName(p.name, VM_NAME) }),
  'vm.chown': (p) => chownParams(p, vmId(p.id)),
  'vm.chmod': (p) => chmodParams(p, vmId(p.id)),
  'vm.update': (p) => ({ id: vmId(p.id), ...updateParams(p) }),
  'user.allocate': (p) => {
    if (typeof p.name !== 'string' || !NAME_RE.test(p.name))
      throw bad('name', 'must be 1-128 letters, digits, dots, dashes or underscores');
    const out: { name: string; password: string; group?: string | number } = { name: p.name, password: password(p.password) };
    if (p.group !== undefined) out.group = nameRef(p.group, 'group');
    return out;
  },
  'user.delete': (p) => ({ user: nameRef(p.user, 'user') }),
  'user.passwd': (p) => ({ user: nameRef(p.user, 'user'), password: password(p.password) }),
  'user.info': (p) => (p.user === undefined ? {} : { user: nameRef(p.user, 'user') }),
  'userpool.info': () => ({}),
  'user.enable': (p) => {
    if (typeof p.enable !== 'boolean') throw bad('enable', 'must be a boolean');
    return { user: nameRef(p.user, 'user'), enable: p.enable };
  },
  'user.chgrp': (p) => ({ user: nameRef(p.user, 'user'), group: nameRef(p.group, 'group') }),
  'user.update': (p) => ({ user: nameRef(p.user, 'user'), ...updateParams(p) }),
  'user.login': (p) => {
    if (typeof p.expire !== 'number' || !Number.isSafeInteger(p.expire) || p.expire < 0 || p.expire > MAX_TOKEN_SECONDS) {
      throw bad('expire', `must be 0 (revoke) to ${MAX_TOKEN_SECONDS} seconds`);
    }
    return { user: nameRef(p.user, 'user'), expire: p.expire };
  },
  'vn.allocate': (p) => ({ template: templateText(p.template) }),
  'vnpool.info': () => ({}),
  'vn.info': (p) => ({ network: networkRef(p.network) }),
  'vn.delete': (p) => ({ network: networkRef(p.network) }),
  'vn.hold': (p) => ({ network: networkRef(p.network), ip: ipv4(p.ip) }),
  'vn.release': (p) => ({ network: networkRef(p.network), ip: ipv4(p.ip) }),
  'vn.add_ar': (p) => ({ network: networkRef(p.network), template: templateText(p.template) }),
  'vn.rm_ar': (p) => ({ network: networkRef(p.network), arId: vmIdLike(p.arId, 'arId') }),
  'vn.rename': (p) => {
    const name = newName(p.name, VM_NAME);
    // A template's NAME is trimmed at create: a name with blanks at its ends could never be written.
    if (name.trim() !== name) throw bad('name', 'must not start or end with blanks');
    return { id: networkRef(p.id), name };
  },
  'vn.chown': (p) => chownParams(p, networkRef(p.id)),
  'vn.chmod': (p) => chmodParams(p, networkRef(p.id)),
  'vn.update': (p) => ({ id: networkRef(p.id), ...updateParams(p) }),
  'image.allocate': imageAllocate,
  'imagepool.info': () => ({}),
  'image.info': (p) => ({ image: imageRef(p.image) }),
  'image.upload': (p) => ({ id: vmIdLike(p.id, 'id'), offset: vmIdLike(p.offset, 'offset'), data: chunk(p.data) }),
  'image.commit': (p) => ({ id: vmIdLike(p.id, 'id'), size: vmIdLike(p.size, 'size') }),
  'image.delete': (p) => ({ image: imageRef(p.image) }),
  'image.persistent': (p) => ({ image: imageRef(p.image), persistent: flag(p.persistent, 'persistent') }),
  'image.enable': (p) => ({ image: imageRef(p.image), enable: flag(p.enable, 'enable') }),
  'image.rename': (p) => ({ image: imageRef(p.image), name: imageName(p.name) }),
  'image.clone': (p) => ({
    image: imageRef(p.image),
    name: imageName(p.name),
    ...(p.datastore === undefined ? {} : { datastore: nameRef(p.datastore, 'datastore') }),
  }),
  'image.chtype': (p) => ({ image: imageRef(p.image), type: imageType(p.type) }),
  'image.update': (p) => {
    if (p.append !== undefined && typeof p.append !== 'boolean') throw bad('append', 'must be a boolean');
    return { image: imageRef(p.image), template: templateText(p.template), append: p.append === true };
  },
  'image.chown': (p) => chownParams(p, imageRef(p.id, 'id')),
  'image.chmod': (p) => chmodParams(p, imageRef(p.id, 'id')),
  'grouppool.info': () => ({}),
  'group.info': (p) => ({ group: nameRef(p.group, 'group') }),
  'group.allocate': (p) => {
    if (typeof p.name !== 'string' || !NAME_RE.test(p.name))
      throw bad('name', 'must be 1-128 letters, digits, dots, dashes or underscores');
    return { name: p.name };
  },
  'group.delete': (p) => ({ group: nameRef(p.group, 'group') }),
  'host.status': (p) => {
    if (typeof p.action !== 'string' || !STATUS_ACTIONS.has(p.action)) throw bad('action', 'must be enable, disable or offline');
    return { host: hostRef(p.host), action: p.action as ApiMethods['host.status']['params']['action'] };
  },
};

export function isApiMethod(m: unknown): m is ApiMethod {
  return typeof m === 'string' && Object.hasOwn(validators, m);
}

/** Checks a call's method and parameters at the edge; throws INVALID_ARGUMENT or UNKNOWN_MESSAGE. */
export function validateCall(method: unknown, params: unknown): { method: ApiMethod; params: unknown } {
  if (!isApiMethod(method)) {
    throw new NepheleError('UNKNOWN_MESSAGE', `unknown API method ${typeof method === 'string' ? method.slice(0, 64) : typeof method}`);
  }
  return { method, params: validators[method](record(params ?? {})) };
}

/**
 * Validation at the edge, in the spirit of socket.io-parser's isPacketValid:
 * everything decoded off the wire passes through here once, and the code
 * behind it trusts the types. A failure is a NepheleError BAD_FRAME (or
 * PROTOCOL_VERSION for a handshake of another version) whose details name
 * the field.
 */
import { ERROR_CODES, NepheleError, type ErrorCode } from '../errors.js';
import type { Frame, WireError } from './frames.js';
import type { Message, MessageType, NodeHello, NodeReplies, NodeRequest } from './messages.js';
import { PROTOCOL_VERSION } from './version.js';
import {
  MAX_TYPE_LENGTH,
  array,
  badFrame,
  bool,
  int,
  num,
  oneOf,
  optional,
  plainData,
  ranged,
  record,
  str,
  text,
  type Fields,
} from './check.js';
import { HOST_NAME, PORT, numberProblem, textProblem } from './field-limits.js';
import {
  MAX_VM_DEVICES,
  VM_RUN_STATES,
  absPath,
  contextCd,
  hostMonitoring,
  nodeCapabilities,
  saveStep,
  transferStep,
  vmInfo,
  vmInfoList,
  vmMonitoringList,
  vmSpec,
} from './validate-domain.js';

/** Heartbeat intervals a hello may ask for. */
export const HEARTBEAT_RANGE_MS = Object.freeze({ min: 10, max: 600_000 });

/** Monitoring intervals a hello may ask for: up to a day. */
export const MONITOR_RANGE_MS = Object.freeze({ min: 1, max: 86_400_000 });

const VM_STATES = Object.freeze([...VM_RUN_STATES, 'done'] as const);

const opId = (x: unknown, field: string): string => str(x, field, undefined, 1);
const vmId = (x: unknown, field: string): number => int(x, field);

export function errorCode(x: unknown, field: string): ErrorCode {
  const code = str(x, field, MAX_TYPE_LENGTH);
  if (!Object.hasOwn(ERROR_CODES, code)) throw badFrame(field, 'must be a known error code');
  return code as ErrorCode;
}

type Validators = { readonly [K in MessageType]: (o: Fields, at: string) => Extract<Message, { type: K }> };

/** One validator per message type of the catalogue. */
const MESSAGE_VALIDATORS: Validators = {
  'vm.deploy': (o, at) => ({ type: 'vm.deploy', opId: opId(o.opId, `${at}.opId`), spec: vmSpec(o.spec, `${at}.spec`) }),
  'vm.shutdown': (o, at) => {
    const purge = optional(o.purge, (x) => absPath(x, `${at}.purge`));
    return {
      type: 'vm.shutdown',
      opId: opId(o.opId, `${at}.opId`),
      vmId: vmId(o.vmId, `${at}.vmId`),
      hard: bool(o.hard, `${at}.hard`),
      ...(purge === undefined ? {} : { purge }),
    };
  },
  'vm.prolog': (o, at) => {
    const context = optional(o.context, (x) => contextCd(x, `${at}.context`));
    return {
      type: 'vm.prolog',
      opId: opId(o.opId, `${at}.opId`),
      vmId: vmId(o.vmId, `${at}.vmId`),
      dir: absPath(o.dir, `${at}.dir`),
      steps: array(o.steps, `${at}.steps`, 2 * MAX_VM_DEVICES).map((s, i) => transferStep(s, `${at}.steps.${i}`)),
      ...(context === undefined ? {} : { context }),
    };
  },
  'vm.epilog': (o, at) => ({
    type: 'vm.epilog',
    opId: opId(o.opId, `${at}.opId`),
    vmId: vmId(o.vmId, `${at}.vmId`),
    dir: absPath(o.dir, `${at}.dir`),
    saves: array(o.saves, `${at}.saves`, MAX_VM_DEVICES).map((s, i) => saveStep(s, `${at}.saves.${i}`)),
    purge: bool(o.purge, `${at}.purge`),
  }),
  'vm.migrate_in': (o, at) => {
    const l = record(o.listen, `${at}.listen`);
    return {
      type: 'vm.migrate_in',
      opId: opId(o.opId, `${at}.opId`),
      spec: vmSpec(o.spec, `${at}.spec`),
      listen: { host: text(l.host, `${at}.listen.host`, HOST_NAME), port: ranged(l.port, `${at}.listen.port`, PORT) },
    };
  },
  'vm.migrate_out': (o, at) => {
    const uri = str(o.uri, `${at}.uri`, 300, 1);
    // The destination as migrate_in's listen names it: the same host and port rules.
    const m = /^tcp:([^:]+):(\d{1,5})$/.exec(uri);
    if (m === null || textProblem(HOST_NAME, m[1] as string) !== undefined || numberProblem(PORT, Number(m[2])) !== undefined) {
      throw badFrame(`${at}.uri`, 'must be tcp:<host>:<port>');
    }
    return { type: 'vm.migrate_out', opId: opId(o.opId, `${at}.opId`), vmId: vmId(o.vmId, `${at}.vmId`), uri };
  },
  'vm.reboot': (o, at) => ({
    type: 'vm.reboot',
    opId: opId(o.opId, `${at}.opId`),
    vmId: vmId(o.vmId, `${at}.vmId`),
    hard: bool(o.hard, `${at}.hard`),
  }),
  'vm.suspend': (o, at) => ({ type: 'vm.suspend', opId: opId(o.opId, `${at}.opId`), vmId: vmId(o.vmId, `${at}.vmId`) }),
  'vm.resume': (o, at) => ({ type: 'vm.resume', opId: opId(o.opId, `${at}.opId`), vmId: vmId(o.vmId, `${at}.vmId`) }),
  'vm.save': (o, at) => ({ type: 'vm.save', opId: opId(o.opId, `${at}.opId`), vmId: vmId(o.vmId, `${at}.vmId`) }),
  'vm.restore': (o, at) => ({ type: 'vm.restore', opId: opId(o.opId, `${at}.opId`), spec: vmSpec(o.spec, `${at}.spec`) }),
  'host.monitor': () => ({ type: 'host.monitor' }),
  'vm.list': () => ({ type: 'vm.list' }),
  'vm.poll': (o, at) => ({ type: 'vm.poll', vmId: vmId(o.vmId, `${at}.vmId`) }),
  'node.ping': () => ({ type: 'node.ping' }),
  'node.stats': () => ({ type: 'node.stats' }),
  'host.monitoring': (o, at) => {
    const vms = optional(o.vms, (x) => vmMonitoringList(x, `${at}.vms`));
    return { type: 'host.monitoring', figures: hostMonitoring(o.figures, `${at}.figures`), ...(vms === undefined ? {} : { vms }) };
  },
  'vm.state': (o, at) => {
    const id = optional(o.opId, (x) => opId(x, `${at}.opId`));
    const reason = optional(o.reason, (x) => str(x, `${at}.reason`));
    const info = optional(o.info, (x) => vmInfo(x, `${at}.info`));
    return {
      type: 'vm.state',
      vmId: vmId(o.vmId, `${at}.vmId`),
      state: oneOf(o.state, `${at}.state`, VM_STATES),
      ...(id === undefined ? {} : { opId: id }),
      ...(reason === undefined ? {} : { reason }),
      ...(info === undefined ? {} : { info }),
    };
  },
  'vm.op_result': (o, at) => {
    const error = optional(o.error, (x) => {
      const e = record(x, `${at}.error`);
      return { code: errorCode(e.code, `${at}.error.code`), message: str(e.message, `${at}.error.message`) };
    });
    return {
      type: 'vm.op_result',
      opId: opId(o.opId, `${at}.opId`),
      vmId: vmId(o.vmId, `${at}.vmId`),
      ok: bool(o.ok, `${at}.ok`),
      ...(error === undefined ? {} : { error }),
    };
  },
};

export const MESSAGE_TYPES: readonly MessageType[] = Object.freeze(Object.keys(MESSAGE_VALIDATORS) as MessageType[]);

export function isMessageType(type: string): type is MessageType {
  return Object.hasOwn(MESSAGE_VALIDATORS, type);
}

/**
 * Checks a message of any type in the catalogue and returns a fresh copy
 * holding only the fields its type has. `at` prefixes the field names.
 */
export function validateMessage(x: unknown, at = 'msg'): Message {
  const o = record(x, at);
  const type = str(o.type, `${at}.type`, MAX_TYPE_LENGTH);
  if (!isMessageType(type)) {
    throw new NepheleError('BAD_FRAME', `${at}.type: unknown message type`, { details: { field: `${at}.type`, type } });
  }
  return MESSAGE_VALIDATORS[type](o, at);
}

const REPLY_VALIDATORS: { readonly [K in NodeRequest['type']]: (x: unknown, at: string) => NodeReplies[K] } = {
  'host.monitor': hostMonitoring,
  'vm.list': vmInfoList,
  'vm.poll': vmInfo,
  'node.ping': (x, at) => ({ incarnation: str(record(x, at).incarnation, `${at}.incarnation`, undefined, 1) }),
  'node.stats': (x, at) => {
    const r = record(x, at);
    return { commandsRun: int(r.commandsRun, `${at}.commandsRun`), duplicatesDropped: int(r.duplicatesDropped, `${at}.duplicatesDropped`) };
  },
};

/** Checks the value of a `res` to a request of `type`; a type without replies checks nothing. */
export function validateReply(type: string, value: unknown): unknown {
  return Object.hasOwn(REPLY_VALIDATORS, type) ? REPLY_VALIDATORS[type as NodeRequest['type']](value, 'res.value') : value;
}

/** Checks a node's handshake (socket.io `auth`); another protocol version is PROTOCOL_VERSION. */
export function validateHello(x: unknown): NodeHello {
  const o = record(x, 'hello');
  const protocol = int(o.protocol, 'hello.protocol');
  if (protocol !== PROTOCOL_VERSION) {
    throw new NepheleError('PROTOCOL_VERSION', `protocol ${protocol} is not spoken here (${PROTOCOL_VERSION} is)`, {
      details: { expected: PROTOCOL_VERSION, got: protocol },
    });
  }
  return {
    protocol,
    hostId: int(o.hostId, 'hello.hostId'),
    token: str(o.token, 'hello.token', undefined, 1),
    incarnation: str(o.incarnation, 'hello.incarnation', undefined, 1),
    recvSeq: int(o.recvSeq, 'hello.recvSeq'),
    capabilities: nodeCapabilities(o.capabilities, 'hello.capabilities'),
  };
}

function wireError(x: unknown, at: string): WireError {
  const e = record(x, at);
  const code = errorCode(e.code, `${at}.code`);
  const message = str(e.message, `${at}.message`);
  const details = optional(e.details, (d) => plainData(record(d, `${at}.details`), `${at}.details`) as Fields);
  return details === undefined ? { code, message } : { code, message, details };
}

/**
 * Checks one frame. The messages of `cmd` and `evt` are checked in full;
 * of a `req` only the type, so that the receiver can answer a bad request
 * rather than drop the connection (see ReqFrame).
 */
export function validateFrame(x: unknown): Frame {
  const f = record(x, 'frame');
  const t = str(f.t, 'frame.t', MAX_TYPE_LENGTH);
  switch (t) {
    case 'cmd':
      return { t, seq: int(f.seq, 'cmd.seq', 1), msg: validateMessage(f.msg, 'cmd.msg') };
    case 'ack':
      return { t, seq: int(f.seq, 'ack.seq') };
    case 'evt':
      return { t, msg: validateMessage(f.msg, 'evt.msg') };
    case 'req': {
      const id = int(f.id, 'req.id', 1);
      const msg = record(f.msg, 'req.msg');
      str(msg.type, 'req.msg.type', MAX_TYPE_LENGTH);
      return { t, id, msg: msg as { readonly type: string } };
    }
    case 'res': {
      const id = int(f.id, 'res.id', 1);
      return bool(f.ok, 'res.ok') ? { t, id, ok: true, value: f.value } : { t, id, ok: false, error: wireError(f.error, 'res.error') };
    }
    case 'ping':
    case 'pong':
      return { t, ts: num(f.ts, `${t}.ts`, -Infinity) };
    case 'hello': {
      const monitorMs = optional(f.monitorMs, (x) => int(x, 'hello.monitorMs', MONITOR_RANGE_MS.min, MONITOR_RANGE_MS.max));
      return {
        t,
        incarnation: str(f.incarnation, 'hello.incarnation', undefined, 1),
        recvSeq: int(f.recvSeq, 'hello.recvSeq'),
        heartbeatMs: int(f.heartbeatMs, 'hello.heartbeatMs', HEARTBEAT_RANGE_MS.min, HEARTBEAT_RANGE_MS.max),
        ...(monitorMs === undefined ? {} : { monitorMs }),
      };
    }
    case 'bye':
      return { t, code: errorCode(f.code, 'bye.code'), message: str(f.message, 'bye.message') };
    default:
      throw new NepheleError('BAD_FRAME', 'frame.t: unknown frame kind', { details: { field: 'frame.t', t } });
  }
}

/**
 * The one registry of error codes. Codes are API: clients match on them, and
 * `docs/errors.md` lists every one (a test keeps the two in sync). Messages are
 * for people and may change.
 */
export const ERROR_CODES = Object.freeze({
  ASK_TIMEOUT: 'An ask got no reply within its timeout.',
  ACTOR_STOPPED: 'The actor has stopped, or stopped before it handled the message.',
  ACTOR_FAILED: 'The actor crashed while it handled the message; its supervisor decides what happens next.',
  MAILBOX_FULL: 'The message was dropped: the mailbox or the restart stash was full.',
  NAME_TAKEN: "The name is in use: a registered name, a sibling's name, or a supervisor child's id.",
  RESTART_INTENSITY: 'A supervisor saw more restarts than its intensity allows and gave up.',
  SYSTEM_SHUTDOWN: 'The actor system is shutting down and accepts no new actors.',
  CHILD_NOT_FOUND: 'The supervisor has no child with that id.',
  MAX_CHILDREN: 'The dynamic supervisor already runs as many children as it may.',
  CHILD_START_FAILED: 'A child asked of a supervisor failed in its preStart and was not kept.',
  UNKNOWN_MESSAGE: 'The actor does not understand the message.',
  // wire protocol and links
  PROTOCOL_VERSION: 'The peer speaks another protocol version.',
  BAD_FRAME: 'A frame could not be decoded or failed validation.',
  FRAME_TOO_LARGE: 'A frame is larger than the link allows.',
  AUTH_FAILED: 'The credentials (host token, or user and password) were refused.',
  NOT_AUTHORIZED: 'The user may not do this.',
  LINK_DOWN: 'The peer is not connected.',
  // front-end API and hosts
  INVALID_ARGUMENT: 'A request argument is missing or has the wrong type or value.',
  REPLY_TOO_LARGE: 'The answer would be larger than oned sends in one reply; ask for a page (offset, limit).',
  TOO_BUSY: 'Oned sheds load: too many calls or logins in flight for this connection, user or address; retry later.',
  HOST_NOT_FOUND: 'No host has that id or name.',
  HOST_HAS_VMS: 'The host still runs VMs; remove them first or force.',
  FRONTEND_UNREACHABLE: 'The CLI could not reach oned.',
  HOST_UNREACHABLE: 'Oned could not reach the host over SSH (no TCP connection, or no SSH server on it).',
  SSH_AUTH_FAILED: "The host refused oned's SSH key.",
  HOST_KEY_MISMATCH: "The host's SSH key is not the one oned pinned at its first connection.",
  HOST_NOT_FAILED: "The host's agent is connected: only a lost host can be fenced.",
  HOST_FENCED: 'The host was fenced (declared down): it takes no VM work until its agent connects again.',
  HOST_ALREADY_CONNECTED: 'Another agent connection of this host is live: the newcomer is refused, the connected agent kept.',
  DEPLOY_FAILED: 'A step of deploying the node agent to a host failed; details.step names it.',
  // node agent and drivers
  NO_CAPACITY: 'The host lacks the CPU or memory the VM asks for.',
  VM_NOT_FOUND: 'No VM has that id.',
  VM_WRONG_STATE: 'The VM is not in a state that allows the operation.',
  DRIVER_FAILED: 'A hypervisor, transfer or network driver operation failed.',
  OPERATION_TIMEOUT: 'A VM operation got no outcome from its host within its deadline: the VM went on as if it had failed.',
  // templates and VMs
  TEMPLATE_SYNTAX: 'A template does not parse; the error names the line and column.',
  INVALID_TEMPLATE: 'A template parses but an attribute is missing or has a wrong value.',
  ACTION_NOT_ALLOWED: 'The VM is in a state that does not allow this action.',
  TEMPLATE_NOT_FOUND: 'No VM template has that id.',
  EXPRESSION_SYNTAX: 'A requirements or rank expression does not parse; the error gives the position.',
  // users and groups
  USER_NOT_FOUND: 'No user has that id or name.',
  GROUP_NOT_FOUND: 'No group has that id or name.',
  GROUP_NOT_EMPTY: 'The group has users: move them to another group before deleting it.',
  // networks
  NETWORK_NOT_FOUND: 'No virtual network has that id or name.',
  NO_LEASES: 'The network cannot give the address asked for: none free, or the one named is taken or not in its ranges.',
  // images
  IMAGE_NOT_FOUND: 'No image has that id or name, or the caller may not see it.',
  IMAGE_NOT_READY: 'The image is not READY or USED: its upload is not finished (LOCKED), it failed (ERROR) or it is DISABLED.',
  IMAGE_IN_USE: 'VMs use the image, or it is persistent and another VM uses it.',
  DATASTORE_NOT_FOUND: 'No datastore has that id or name.',
  CLUSTER_NOT_FOUND: 'No cluster has that id: Nephele has one, 0 (default).',
  // store
  STORE_CLOSED: 'The store is not open.',
  STORE_TOO_NEW: 'The store was written by a newer Nephele: its schema version is higher than this oned knows.',
} as const);

export type ErrorCode = keyof typeof ERROR_CODES;

export interface NepheleErrorOptions {
  cause?: unknown;
  /** Structured facts for clients and logs; never secrets. */
  details?: Readonly<Record<string, unknown>>;
}

/**
 * An expected, coded failure: a refusal, a timeout, a missing thing.
 * Inside an actor, throwing one answers the ask with it and does not crash
 * the actor; anything else thrown is a crash for the supervisor to handle.
 */
export class NepheleError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: NepheleErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NepheleError';
    this.code = code;
    this.details = options.details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Readonly<Record<string, unknown>> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** True when `err` is a NepheleError, and of `code` when one is given. */
export function isNepheleError(err: unknown, code?: ErrorCode): err is NepheleError {
  return err instanceof NepheleError && (code === undefined || err.code === code);
}

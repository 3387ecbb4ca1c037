/**
 * Answering a peer's request: validate it, run the handler, and turn what
 * comes out (a value, a promise, a throw) into a `res` the peer will accept.
 */
import type { Logger } from 'pino';
import { NepheleError, isNepheleError } from '../errors.js';
import { MAX_STRING_LENGTH, plainData } from './check.js';
import type { ReqFrame, ResFrame, WireError } from './frames.js';
import { validateMessage } from './validate.js';

export interface RequestContext<Q> {
  /** The request types this side answers. */
  readonly accepts: ReadonlySet<string>;
  readonly handler: ((msg: Q) => unknown) | undefined;
  readonly log: Logger;
  /** Sends the reply, if the connection it belongs to is still up. */
  reply(res: ResFrame): void;
  /** The request itself was bad; it is answered with `err` too. */
  refused(err: NepheleError): void;
}

/**
 * An error as the peer will take it: a known code, a bounded message, plain
 * details or none. A non-NepheleError is a handler crash: ACTOR_FAILED.
 */
export function toWireError(err: unknown): WireError {
  if (!isNepheleError(err)) {
    const message = err instanceof Error ? err.message : String(err);
    return { code: 'ACTOR_FAILED', message: message.slice(0, MAX_STRING_LENGTH) };
  }
  const message = err.message.slice(0, MAX_STRING_LENGTH);
  if (err.details === undefined) return { code: err.code, message };
  try {
    return { code: err.code, message, details: plainData(err.details, 'details') as Readonly<Record<string, unknown>> };
  } catch {
    // Details the peer would refuse are dropped; the code and message still go.
    return { code: err.code, message };
  }
}

export function answerRequest<Q>(frame: ReqFrame, ctx: RequestContext<Q>): void {
  const { id, msg } = frame;
  const fail = (err: unknown): void => {
    if (!isNepheleError(err)) ctx.log.error({ err, type: msg.type }, 'request handler failed');
    ctx.reply({ t: 'res', id, ok: false, error: toWireError(err) });
  };
  const refuse = (err: NepheleError): void => {
    ctx.refused(err);
    ctx.reply({ t: 'res', id, ok: false, error: toWireError(err) });
  };
  const handler = ctx.handler;
  if (!ctx.accepts.has(msg.type) || handler === undefined) {
    return refuse(new NepheleError('UNKNOWN_MESSAGE', `no request ${msg.type} here`, { details: { type: msg.type } }));
  }
  let request: Q;
  try {
    request = validateMessage(msg, 'req.msg') as Q;
  } catch (err) {
    return refuse(err as NepheleError);
  }
  let result: unknown;
  try {
    result = handler(request);
  } catch (err) {
    return fail(err);
  }
  if (result instanceof Promise) result.then((value: unknown) => ctx.reply({ t: 'res', id, ok: true, value }), fail);
  else ctx.reply({ t: 'res', id, ok: true, value: result });
}

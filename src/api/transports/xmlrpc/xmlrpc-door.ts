import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Authenticated, Session } from '../../../auth/session.js';
import { NepheleError, isNepheleError } from '../../../errors.js';
import type { ApiMethod, ApiReply, ParamsOf, ResultOf } from '../../api-types.js';
import type { ApiCore, Caller } from '../../dispatch.js';
import { TemplateCache } from '../../one-xml/index.js';
import { HostRefs } from './host-refs.js';
import { OneArgs } from './one-args.js';
import { ReadSlots } from './read-slots.js';
import { ONE_ERRORS, oneErrorCode } from './one-errors.js';
import type { OneMethodEntry, OneReplyContext } from './one-methods.js';
import { SessionCache } from './session-cache.js';
import { XmlRpcParseError, decodeCall, encodeFault, encodeResponseBytes, type XmlRpcCall, type XmlRpcValue } from './xmlrpc-codec.js';

/** The path OpenNebula's clients post to. */
export const XMLRPC_PATH = '/RPC2';

/** xmlrpc-c's fault for a method that is not OpenNebula's at all. */
const NO_SUCH_METHOD_FAULT = -506;

/** Longest a connection's reading stays paused when none of its own calls is in flight to resume it. */
const HOLD_MS = 100;

export interface XmlRpcDoorOptions {
  /** The core every door shares: login gate, admission, pacing, session re-check, handlers. */
  readonly core: ApiCore;
  /** `one.*` → handler: the table of src/api/transports/xmlrpc/one-methods.ts and the documents'. */
  readonly methods: Readonly<Record<string, OneMethodEntry>>;
  readonly log: Logger;
  /** @default Date.now */
  readonly now?: () => number;
}

/** What one TCP connection holds across its requests (HTTP/1.1 keep-alive, pipelining). */
interface Connection {
  inFlight: number;
  refused: number;
  refusedSince: number;
  held: boolean;
  /** Closed after the answer in progress: the core ended it (a flood of refused calls). */
  closing: boolean;
}

/**
 * OpenNebula's XML-RPC API on oned's port: `POST /RPC2`, each request one
 * call whose first parameter is the session string (`user:password` or
 * `user:token`), answered `[true, value, 0]` or `[false, message, code]`
 * with OpenNebula's codes. A transport of the handler registry and nothing
 * more: logins pass the core's gate (behind a cache of verified session
 * strings, session-cache.ts), every call the core's admission, pacing and
 * session check; this file reads bodies, decodes, maps parameters
 * (one-methods.ts), encodes.
 *
 * A Caller per request, sharing its connection's counters: the credentials
 * come with each request, so the login is the request's, while the calls in
 * flight and the refusals are counted per TCP connection as on socket.io.
 * `pause` stops reading the connection for a while; `end` closes it after
 * its answer (a flood) or forgets a session string whose login no longer
 * holds — the next call with it logs in again.
 */
export class XmlRpcDoor {
  private readonly core: ApiCore;
  private readonly methods: Readonly<Record<string, OneMethodEntry>>;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly cache: SessionCache;
  private readonly hostRefs: HostRefs;
  private readonly slots: ReadSlots;
  private readonly templates = new TemplateCache();
  private readonly connections = new WeakMap<Socket, Connection>();

  constructor(options: XmlRpcDoorOptions) {
    this.core = options.core;
    this.methods = options.methods;
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.hostRefs = new HostRefs({ now: this.now });
    const limits = this.core.limits;
    this.slots = new ReadSlots({ perAddress: limits.xmlrpcReadingPerAddress, total: limits.xmlrpcReadingTotal });
    this.cache = new SessionCache({
      size: limits.xmlrpcSessions,
      ttlMs: limits.xmlrpcSessionTtlMs,
      now: this.now,
      // Checked again with every socket.io caller after a password change, a revoke, a disable…: dropped when it fails.
      watch: (auth, drop) =>
        this.core.attach({
          auth,
          address: 'xmlrpc session cache',
          admin: auth.session.admin,
          inFlight: 0,
          refused: 0,
          refusedSince: 0,
          end: drop,
          pause: () => undefined,
          resume: () => undefined,
        }),
    });
  }

  /** Verified session strings kept, for tests and metrics. */
  get sessions(): number {
    return this.cache.size;
  }

  /** Forgets every verified session (oned is stopping). */
  close(): void {
    this.cache.clear();
  }

  /** Requests being read or decoded now, for tests and metrics. */
  get reading(): number {
    return this.slots.reading;
  }

  /**
   * The HTTP handler of `XMLRPC_PATH`. Before a byte of the body is read, a
   * request takes one of the read slots (read-slots.ts): an address or the
   * door over its limit is answered 429 with Retry-After and its connection
   * closed. The slot is held while the body arrives (at most
   * `xmlrpcBodyMs`) and is decoded, then the call goes to the core's
   * admission like any other.
   */
  serve(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('XML-RPC: POST a methodCall to /RPC2.\n');
      return;
    }
    const limits = this.core.limits;
    const max = limits.xmlrpcRequestBytes;
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (declared > max) return refuse(req, res, 413, `XML-RPC: a request may be at most ${max} bytes.\n`);
    const release = this.slots.take(req.socket.remoteAddress ?? 'unknown');
    if (release === undefined) {
      return refuse(req, res, 429, 'XML-RPC: too many requests being read from this address or in all; retry later.\n', {
        'Retry-After': '1',
      });
    }
    const timer = setTimeout(() => {
      release();
      refuse(req, res, 408, `XML-RPC: the request's body did not arrive within ${limits.xmlrpcBodyMs} ms.\n`);
    }, limits.xmlrpcBodyMs);
    timer.unref();
    // Whatever ends the request first (its end, a refusal, an abort) gives the slot back; `call` gives it back once decoded.
    const done = (): void => {
      clearTimeout(timer);
      release();
    };
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.byteLength;
      if (size > max) {
        refused = true;
        chunks.length = 0;
        done();
        refuse(req, res, 413, `XML-RPC: a request may be at most ${max} bytes.\n`);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      clearTimeout(timer);
      if (refused || res.writableEnded) return release();
      this.call(req, res, Buffer.concat(chunks, size).toString('utf8'), release).catch((err: unknown) => {
        release();
        this.log.error({ err }, 'XML-RPC reply failed');
        if (!res.headersSent) send(res, encodeFault(-500, 'internal error; see oned log'), true);
      });
    });
    req.on('close', done);
    req.on('error', () => {
      done();
      req.socket.destroy();
    });
  }

  private async call(req: IncomingMessage, res: ServerResponse, body: string, decoded: () => void): Promise<void> {
    let call: XmlRpcCall;
    try {
      call = decodeCall(body, { depth: this.core.limits.xmlrpcDepth });
    } catch (err) {
      if (!(err instanceof XmlRpcParseError)) throw err;
      send(res, encodeFault(err.code, err.message), false);
      return;
    } finally {
      decoded();
    }
    const entry = Object.hasOwn(this.methods, call.method) ? this.methods[call.method] : undefined;
    if (entry === undefined) {
      // OpenNebula's own names answer in its way; anything else is not a method at all.
      if (call.method.startsWith('one.')) {
        this.answer(res, call.method, {
          ok: false,
          error: { code: 'UNKNOWN_MESSAGE', message: `${call.method} is not supported by Nephele` },
        });
      } else send(res, encodeFault(NO_SUCH_METHOD_FAULT, `method ${call.method} is not defined`), false);
      return;
    }
    if (entry.kind === 'unsupported') {
      this.answer(res, call.method, {
        ok: false,
        error: { code: 'UNKNOWN_MESSAGE', message: `${call.method} is not supported by Nephele yet: ${entry.why}` },
      });
      return;
    }
    const address = req.socket.remoteAddress ?? 'unknown';
    const credentials = splitSession(call.params[0]);
    if (credentials === undefined) {
      this.answer(res, call.method, {
        ok: false,
        error: { code: 'AUTH_FAILED', message: 'the first parameter must be the session string user:password' },
      });
      return;
    }
    const args = new OneArgs(call.method, call.params);
    const key = SessionCache.keyOf(credentials.session);
    const login = (): Promise<Authenticated> => this.core.login(address, credentials.user, credentials.secret);
    let reply: ApiReply;
    let session: Session | undefined;
    // A cached login that no longer holds (a password changed and changed back, a user recreated) gets one fresh try.
    for (let attempt = 0; ; attempt++) {
      let auth: Authenticated;
      let cached: boolean;
      try {
        ({ auth, cached } = await this.cache.get(key, login));
      } catch (err) {
        this.log.warn({ address, code: isNepheleError(err) ? err.code : undefined }, 'XML-RPC authentication refused');
        this.answer(res, call.method, this.core.failure(err));
        return;
      }
      const caller = this.caller(req.socket, auth, address, key);
      reply = await this.core.handle(caller, () => ({ method: entry.api, params: entry.params(args) }));
      // As the core checked it for this call: a cached login's group may have changed since.
      session = caller.session ?? { ...auth.session, admin: caller.admin };
      if (reply.ok || reply.error.code !== 'AUTH_FAILED' || !cached || attempt > 0) break;
      this.cache.drop(key, auth);
    }
    if (!reply.ok || res.writableEnded) {
      this.answer(res, call.method, reply);
      return;
    }
    const ctx = this.context(session, req);
    let value: XmlRpcValue;
    try {
      value = await entry.reply(reply.value, args, ctx);
    } catch (err) {
      this.answer(res, call.method, this.core.failure(err));
      return;
    }
    this.answer(res, call.method, { ok: true, value }, value);
  }

  /** A call's answer as OpenNebula's `[true, value, 0]` or `[false, "[method] message", code]`. */
  private answer(res: ServerResponse, method: string, reply: ApiReply, value?: XmlRpcValue): void {
    if (res.writableEnded || res.destroyed) return;
    let body = reply.ok
      ? encodeResponseBytes([true, value ?? null, ONE_ERRORS.SUCCESS])
      : encodeResponseBytes([false, `[${method}] ${reply.error.message}`, oneErrorCode(reply.error.code)]);
    const limit = this.core.limits.xmlrpcReplyBytes;
    if (body.length > limit) {
      const err = new NepheleError(
        'REPLY_TOO_LARGE',
        `the answer would be more than the ${limit} bytes oned sends; ask for a page (start, end)`,
      );
      body = encodeResponseBytes([false, `[${method}] ${err.message}`, oneErrorCode(err.code)]);
    }
    const conn = this.connections.get(res.socket as Socket);
    send(res, body, conn?.closing === true);
  }

  private context(session: Session, req: IncomingMessage): OneReplyContext {
    const core = this.core;
    const call = <K extends ApiMethod>(method: K, params: ParamsOf<K>) => core.dispatch(method, params, session) as Promise<ResultOf<K>>;
    const port = req.socket.localPort ?? 0;
    return {
      session,
      now: this.now(),
      call,
      endpoint: `http://${req.headers.host ?? `${req.socket.localAddress ?? 'localhost'}:${port}`}${XMLRPC_PATH}`,
      port,
      hosts: (ids) => this.hostRefs.get(ids, () => call('hostpool.info', {})),
      templates: this.templates,
    };
  }

  private connection(socket: Socket): Connection {
    let conn = this.connections.get(socket);
    if (conn === undefined) {
      conn = { inFlight: 0, refused: 0, refusedSince: this.now(), held: false, closing: false };
      this.connections.set(socket, conn);
    }
    return conn;
  }

  private caller(socket: Socket, auth: Authenticated, address: string, key: string): Caller {
    const conn = this.connection(socket);
    const cache = this.cache;
    return {
      auth,
      address,
      admin: auth.session.admin,
      get inFlight() {
        return conn.inFlight;
      },
      set inFlight(n: number) {
        conn.inFlight = n;
      },
      get refused() {
        return conn.refused;
      },
      set refused(n: number) {
        conn.refused = n;
      },
      get refusedSince() {
        return conn.refusedSince;
      },
      set refusedSince(t: number) {
        conn.refusedSince = t;
      },
      end: (err) => {
        // A login that no longer holds: forget it (the answer already says why). A flood: close the connection.
        if (err.code === 'AUTH_FAILED') cache.drop(key, auth);
        else {
          conn.closing = true;
          if (conn.inFlight === 0) socket.end();
        }
      },
      pause: () => {
        if (conn.held) return;
        conn.held = true;
        socket.pause();
        setTimeout(() => {
          if (conn.held) {
            conn.held = false;
            socket.resume();
          }
        }, HOLD_MS).unref();
      },
      resume: () => {
        if (!conn.held) return;
        conn.held = false;
        socket.resume();
      },
    };
  }
}

/** `user:secret` (the secret may hold colons, the name may not); undefined when it is not one. */
function splitSession(x: XmlRpcValue | undefined): { session: string; user: string; secret: string } | undefined {
  if (typeof x !== 'string') return undefined;
  const colon = x.indexOf(':');
  if (colon <= 0) return undefined;
  return { session: x, user: x.slice(0, colon), secret: x.slice(colon + 1) };
}

/** Below this, a reply goes out as a string: node writes a string body with its headers in one write, a buffer in two. */
const ONE_WRITE = 64 * 1024;

function send(res: ServerResponse, body: string | Buffer, close: boolean): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(200, {
    'Content-Type': 'text/xml; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...(close ? { Connection: 'close' } : {}),
  });
  res.end(typeof body !== 'string' && body.length < ONE_WRITE ? body.toString('utf8') : body);
}

/**
 * A request refused before its body is read, or while it is: the
 * connection is closed after the answer (the rest of the body would be read
 * as the next request) and reading stops.
 */
function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  status: 408 | 413 | 429,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close', ...headers });
  res.end(message);
  req.pause();
}

import type { Logger } from 'pino';
import { TurnPacer, type TurnPacerOptions } from '../base/turn-pacer.js';
import { LoginGate } from '../auth/login-gate.js';
import type { Authenticated, Session } from '../auth/session.js';
import { NepheleError, isNepheleError } from '../errors.js';
import { Admission, type CallCounter } from './admission.js';
import { DEFAULT_API_LIMITS, type ApiLimits } from './api-limits.js';
import type { ApiMethod, ApiReply } from './api-types.js';
import { validateCall } from './api-validate.js';
import type { ApiHandlers } from './registry.js';

export interface ApiCoreOptions {
  handlers: ApiHandlers;
  /** Checks a user's credentials (a password or a login token); rejects with AUTH_FAILED. */
  authenticate: (user: string, secret: string) => Promise<Authenticated>;
  /**
   * Runs before every call: the session as it stands now (the user may since
   * have been disabled, deleted or moved, their password changed or the token
   * revoked or expired); rejects with AUTH_FAILED, and the caller is ended.
   * @default the session of the login, unchanged
   */
  checkSession?: (auth: Authenticated) => Promise<Session>;
  log: Logger;
  /** Calls in flight, login checks, refusals. @default DEFAULT_API_LIMITS */
  limits?: Readonly<ApiLimits>;
  /** The gate logins pass, shared with the listener, which refuses blocked addresses' connections early. @default a gate of its own */
  gate?: LoginGate;
  /** How many admitted calls start per event-loop turn, and for how long of it (see TurnPacer). @default 64 calls, 4 ms */
  pace?: TurnPacerOptions;
}

/**
 * One authenticated caller as a transport holds it (a socket.io connection
 * today). The core counts its calls and refusals and tells the transport
 * when to pause, resume or end it; how that is done is the transport's.
 */
export interface Caller extends CallCounter {
  readonly auth: Authenticated;
  /** Where it calls from, for the log. */
  readonly address: string;
  /** As of the last call: a user moved out of group oneadmin counts against the total from the next call. */
  admin: boolean;
  /** The session as the core checked it for the last call (the user's group as it is now, not at login). */
  session?: Session;
  /** TOO_BUSY answers in the current window, and when the window began. */
  refused: number;
  refusedSince: number;
  /** Ends the caller, telling it why first, so that its calls fail with the reason rather than a timeout. */
  end(err: NepheleError): void;
  /** Refused for load: stop reading its calls for a while (a transport that cannot, does nothing). */
  pause(): void;
  /** One of its calls ended and it has room again. */
  resume(): void;
}

/** Calls after which the sessions of every caller are checked again: they can end what a login proved. */
const REVOKING: ReadonlySet<ApiMethod> = new Set(['user.passwd', 'user.delete', 'user.enable', 'user.login', 'user.chgrp']);

/** How long refusals are counted before the count starts again. */
const REFUSAL_WINDOW_MS = 10_000;

/**
 * The API's transport-free core: every door (socket.io today; XML-RPC, HTTP
 * or EC2 tomorrow) logs callers in through it and hands it each call, so
 * that all of them share one login gate, one admission (a flood through one
 * door sheds with TOO_BUSY instead of starving the others), one validation,
 * the session re-check before every call and the handler registry. A
 * transport only decodes, calls `handle`, and encodes the reply.
 */
export class ApiCore {
  readonly limits: Readonly<ApiLimits>;
  private readonly options: ApiCoreOptions;
  private readonly admission: Admission;
  private readonly gate: LoginGate;
  private readonly pacer: TurnPacer;
  private readonly callers = new Set<Caller>();

  constructor(options: ApiCoreOptions) {
    this.options = options;
    this.limits = options.limits ?? DEFAULT_API_LIMITS;
    this.admission = new Admission(this.limits);
    this.gate = options.gate ?? new LoginGate(this.limits);
    this.pacer = new TurnPacer(options.pace);
  }

  /** Calls and logins in flight, callers attached, for tests and metrics. */
  get stats(): { calls: number; users: number; connections: number; logins: LoginGate['stats'] } {
    const { total, users } = this.admission.inFlight;
    return { calls: total, users, connections: this.callers.size, logins: this.gate.stats };
  }

  /**
   * Checks credentials as a transport received them, through the login
   * gate; rejects with AUTH_FAILED (or TOO_BUSY from the gate).
   */
  async login(address: string, user: unknown, secret: unknown): Promise<Authenticated> {
    if (typeof user !== 'string' || typeof secret !== 'string')
      throw new NepheleError('AUTH_FAILED', 'credentials required: user and password');
    // Refused before anything keeps them: a huge name must cost nothing (the throttle keys on names).
    if (user.length === 0 || user.length > this.limits.userNameChars || secret.length > this.limits.secretChars) {
      throw new NepheleError('AUTH_FAILED', 'wrong user name or password');
    }
    return this.gate.run(address, () => this.options.authenticate(user, secret));
  }

  /** A caller that stays for more than one call: checked again when users change. Returns its detach. */
  attach(caller: Caller): () => void {
    this.callers.add(caller);
    return () => this.callers.delete(caller);
  }

  /**
   * One call, in the order every door keeps: admitted before anything is
   * awaited, paced (at most a turn's worth start in one event-loop turn),
   * the session checked, then `decode` run (the transport's own
   * framing, throwing BAD_FRAME or FRAME_TOO_LARGE) and the call dispatched.
   * Never rejects: an error is the reply.
   */
  async handle(caller: Caller, decode: () => { method: unknown; params: unknown }): Promise<ApiReply> {
    let release: (() => void) | undefined;
    try {
      // Admitted before anything is awaited: a flood is refused while it costs nothing but this check.
      release = this.admission.admit(caller, caller.auth.session.uid, caller.admin);
      // Admitted calls start a turn's worth at a time: a burst read in one turn would hold the
      // event loop (every timer, socket and actor of oned) for as long as all of it takes.
      const paced = this.pacer.slot();
      if (paced !== undefined) await paced;
      const session = await this.session(caller);
      caller.admin = session.admin;
      caller.session = session;
      const { method, params } = decode();
      return { ok: true, value: await this.dispatch(method, params, session) };
    } catch (err) {
      if (isNepheleError(err, 'TOO_BUSY')) this.refuse(caller, err);
      return this.failure(err);
    } finally {
      if (release !== undefined) {
        release();
        if (caller.inFlight < this.limits.callsPerConnection) caller.resume();
      }
    }
  }

  /**
   * A decoded call for a session already checked: validated, admitted as a
   * listing if it is one, run by its handler. Rejects with the coded error.
   */
  async dispatch(method: unknown, params: unknown, session: Session): Promise<unknown> {
    const call = validateCall(method, params);
    const releaseListing = call.method.endsWith('pool.info') ? this.admission.admitListing(session.uid) : undefined;
    try {
      const handler = this.options.handlers[call.method] as (p: unknown, s: Session) => unknown;
      const value = await handler(call.params, session);
      if (REVOKING.has(call.method)) void this.recheckAll();
      return value;
    } finally {
      releaseListing?.();
    }
  }

  /** An error as a reply: a coded one as it is, anything else as an internal error (logged, never sent). */
  failure(err: unknown): ApiReply {
    if (isNepheleError(err)) return { ok: false, error: err.toJSON() };
    this.options.log.error({ err }, 'API handler failed');
    return { ok: false, error: { code: 'ACTOR_FAILED', message: 'internal error; see oned log' } };
  }

  /**
   * A call refused for load: the caller is paused until it has room again
   * (for socket.io, TCP holds the rest of a flood at no cost to oned), and
   * one that keeps being refused is ended.
   */
  private refuse(caller: Caller, err: NepheleError): void {
    const now = Date.now();
    if (now - caller.refusedSince > REFUSAL_WINDOW_MS) {
      caller.refused = 0;
      caller.refusedSince = now;
    }
    if (++caller.refused > this.limits.refusalsBeforeDrop) {
      this.options.log.warn(
        { address: caller.address, uid: caller.auth.session.uid },
        'API connection dropped: it keeps sending calls refused with TOO_BUSY',
      );
      caller.end(
        new NepheleError(
          'TOO_BUSY',
          `this connection was refused ${caller.refused} calls in ${REFUSAL_WINDOW_MS / 1000} s and is closed; wait for answers before sending more`,
          { details: err.details ?? {} },
        ),
      );
      return;
    }
    caller.pause();
  }

  /** The session as it stands now; a login that no longer holds ends its caller after this answer. */
  private async session(caller: Caller): Promise<Session> {
    if (this.options.checkSession === undefined) return caller.auth.session;
    try {
      return await this.options.checkSession(caller.auth);
    } catch (err) {
      if (isNepheleError(err, 'AUTH_FAILED')) setImmediate(() => caller.end(err));
      throw err;
    }
  }

  /** After a change to users: every caller whose login no longer holds is ended now, not at its next call. */
  private async recheckAll(): Promise<void> {
    const check = this.options.checkSession;
    if (check === undefined) return;
    for (const caller of [...this.callers]) {
      try {
        await check(caller.auth);
      } catch (err) {
        if (isNepheleError(err, 'AUTH_FAILED')) caller.end(err);
      }
    }
  }
}

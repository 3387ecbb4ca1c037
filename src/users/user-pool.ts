import type { Actor, ActorContext, WithReplies } from '../actors/index.js';
import type { Authenticated } from '../auth/session.js';
import type { LoginThrottle } from '../auth/login-throttle.js';
import { hashPassword, verifyPassword, type PasswordHash } from '../auth/password.js';
import { NepheleError } from '../errors.js';
import type { Store } from '../store/index.js';
import { hashLoginToken, isLoginToken, liveToken, newLoginToken, TOKEN_PREFIX } from './login-token.js';
import { sessionOf } from './session.js';
import { updatedUserTemplate } from './user-template.js';
import {
  ONEADMIN_GID,
  ONEADMIN_ID,
  USERS_GID,
  upgradeUser,
  userView,
  type GroupRecord,
  type GroupView,
  type UserRecord,
  type UserView,
} from './user-record.js';

/** A user or group by id or name. */
export type Ref = string | number;

/**
 * Requests to the user pool. It trusts them: who may ask for what is the
 * API's business (src/api/handlers/users.ts), checked before it asks.
 */
type UserPoolMessages =
  | { readonly type: 'authenticate'; readonly user: string; readonly secret: string }
  | { readonly type: 'allocate'; readonly name: string; readonly password: string; readonly gid: number }
  | { readonly type: 'delete'; readonly id: number }
  | { readonly type: 'passwd'; readonly id: number; readonly password: string }
  | { readonly type: 'enable'; readonly id: number; readonly enabled: boolean }
  | { readonly type: 'chgrp'; readonly id: number; readonly gid: number }
  /** OpenNebula's user.update: the TEMPLATE replaced by `template` (text) or merged with `append`; `admin` for an administrator's call. */
  | { readonly type: 'update'; readonly id: number; readonly template: string; readonly append: boolean; readonly admin: boolean }
  /** A login token valid for `seconds`; 0 revokes every token of the user. */
  | { readonly type: 'login'; readonly id: number; readonly seconds: number }
  | { readonly type: 'list' }
  | { readonly type: 'info'; readonly user: Ref }
  | { readonly type: 'groups' }
  | { readonly type: 'group'; readonly group: Ref }
  | { readonly type: 'group_allocate'; readonly name: string }
  | { readonly type: 'group_delete'; readonly id: number };

/** What an ask of the user pool answers. A login's token is the new one, for the user who logs in; oned keeps its hash. */
export interface UserPoolReplies {
  readonly authenticate: Authenticated;
  readonly allocate: { readonly id: number };
  readonly delete: { readonly id: number };
  readonly passwd: { readonly id: number };
  readonly enable: UserView;
  readonly chgrp: UserView;
  readonly update: UserView;
  readonly login: { readonly token: string; readonly expires: number };
  readonly list: UserView[];
  readonly info: UserView;
  readonly groups: GroupView[];
  readonly group: GroupView;
  readonly group_allocate: { readonly id: number };
  readonly group_delete: { readonly id: number };
}

export type UserPoolMsg = WithReplies<UserPoolMessages, UserPoolReplies>;

export interface UserPoolDeps {
  readonly store: Store;
  /** Kept outside the actor so that a restart of the pool does not forgive failures. */
  readonly throttle: LoginThrottle;
  /** Wall-clock ms, for token expiry. @default Date.now */
  readonly now?: () => number;
}

/** Live tokens a user may hold at once; a new login drops the one closest to expiry. */
const MAX_TOKENS = 16;

/**
 * Users and groups. Changes go through this one actor, so that two creates
 * of one name cannot both succeed; reads and authentication are detached
 * (scrypt takes tens of ms), so a login never waits behind another.
 */
export class UserPool implements Actor<UserPoolMsg> {
  private readonly ctx: ActorContext<UserPoolMsg>;
  private readonly deps: UserPoolDeps;
  private readonly now: () => number;

  constructor(ctx: ActorContext<UserPoolMsg>, deps: UserPoolDeps) {
    this.ctx = ctx;
    this.deps = deps;
    this.now = deps.now ?? Date.now;
  }

  receive(msg: UserPoolMsg): unknown {
    switch (msg.type) {
      case 'authenticate':
        return this.ctx.detach(this.authenticate(msg.user, msg.secret));
      case 'list':
        return this.ctx.detach(this.list());
      case 'info':
        return this.ctx.detach(this.find(msg.user).then((r) => this.view(r)));
      case 'groups':
        return this.ctx.detach(this.groups());
      case 'group':
        return this.ctx.detach(this.group(msg.group));
      case 'allocate':
        return this.allocate(msg.name, msg.password, msg.gid);
      case 'delete':
        return this.remove(msg.id);
      case 'passwd':
        return this.passwd(msg.id, msg.password);
      case 'enable':
        return this.update(msg.id, (r) => {
          if (r.id === ONEADMIN_ID && !msg.enabled) throw new NepheleError('NOT_AUTHORIZED', 'oneadmin cannot be disabled');
          return { ...r, enabled: msg.enabled };
        });
      case 'chgrp':
        return this.chgrp(msg.id, msg.gid);
      case 'update':
        return this.update(msg.id, (r) => ({ ...r, template: updatedUserTemplate(r.template ?? [], msg.template, msg) }));
      case 'login':
        return this.login(msg.id, msg.seconds);
      case 'group_allocate':
        return this.allocateGroup(msg.name);
      case 'group_delete':
        return this.removeGroup(msg.id);
    }
  }

  private async authenticate(name: string, secret: string): Promise<Authenticated> {
    const throttle = this.deps.throttle;
    // Reserved before the check: guesses sent at once cannot all pass the lock before the first fails.
    if (!throttle.begin(name)) throw new NepheleError('AUTH_FAILED', 'too many failed logins; try again later');
    let ok = false;
    try {
      const record = await this.byName(name);
      let expires: number | undefined;
      let credential: Uint8Array | undefined;
      // A NUL can be in no password (creation refuses it); scrypt would hash "pw\0" like "pw".
      if (secret.includes('\0')) {
        ok = false;
      } else if (isLoginToken(secret)) {
        const token = record === undefined ? undefined : liveToken(record.tokens, secret, this.now());
        ok = token !== undefined;
        expires = token?.expires;
        credential = token?.hash;
      } else {
        // Hash even for an unknown user, so that timing does not tell which users exist.
        ok = await verifyPassword(secret, record ?? DECOY);
        credential = record?.salt;
      }
      if (!ok || record === undefined || !record.enabled || credential === undefined) {
        ok = false;
        throw new NepheleError('AUTH_FAILED', 'wrong user name or password');
      }
      return { session: sessionOf(record), expires, credential };
    } finally {
      throttle.end(name, ok);
    }
  }

  private async allocate(name: string, password: string, gid: number): Promise<{ id: number }> {
    checkPassword(password);
    if ((await this.byName(name)) !== undefined) throw new NepheleError('NAME_TAKEN', `a user named ${name} exists`, { details: { name } });
    await this.group(gid);
    const hash = await hashPassword(password);
    const id = this.deps.store.reserveId('users');
    const record: UserRecord = { id, name, gid, enabled: true, tokens: [], createdAt: this.now(), ...hash };
    await this.deps.store.batch([{ type: 'put', kind: 'users', id, value: record }]);
    this.ctx.log.info({ uid: id }, 'user created');
    return { id };
  }

  /** The user's VMs and templates stay, owned by a uid no user has: administrators still see them. */
  private async remove(id: number): Promise<{ id: number }> {
    if (id === ONEADMIN_ID) throw new NepheleError('NOT_AUTHORIZED', 'oneadmin cannot be deleted');
    await this.get(id);
    await this.deps.store.del('users', id);
    this.ctx.log.info({ uid: id }, 'user deleted');
    return { id };
  }

  /** A new password ends every login token too: whoever knew the old one loses what it gave. */
  private async passwd(id: number, password: string): Promise<{ id: number }> {
    checkPassword(password);
    const hash = await hashPassword(password);
    await this.update(id, (r) => ({ ...r, ...hash, tokens: [] }));
    this.ctx.log.info({ uid: id }, 'password changed');
    return { id };
  }

  private async chgrp(id: number, gid: number): Promise<UserView> {
    await this.group(gid);
    return this.update(id, (r) => {
      if (r.id === ONEADMIN_ID && gid !== ONEADMIN_GID) throw new NepheleError('NOT_AUTHORIZED', 'oneadmin stays in group oneadmin');
      return { ...r, gid };
    });
  }

  private async allocateGroup(name: string): Promise<{ id: number }> {
    if ((await this.groupRecords()).some((g) => g.name === name)) {
      throw new NepheleError('NAME_TAKEN', `a group named ${name} exists`, { details: { name } });
    }
    const id = this.deps.store.reserveId('groups');
    await this.deps.store.batch([{ type: 'put', kind: 'groups', id, value: { id, name } satisfies GroupRecord }]);
    this.ctx.log.info({ gid: id }, 'group created');
    return { id };
  }

  /**
   * As OpenNebula: the built-in groups stay, and a group with members is not
   * deleted (move them first, `oneuser chgrp`). What its members created
   * keeps its group id, as their VMs keep a deleted user's id.
   */
  private async removeGroup(id: number): Promise<{ id: number }> {
    if (id === ONEADMIN_GID || id === USERS_GID)
      throw new NepheleError('NOT_AUTHORIZED', 'the groups oneadmin and users cannot be deleted');
    const g = await this.group(id);
    if (g.users.length > 0) {
      throw new NepheleError('GROUP_NOT_EMPTY', `group ${g.name} has ${g.users.length} user(s); move them to another group first`, {
        details: { group: id, users: g.users.length },
      });
    }
    await this.deps.store.del('groups', id);
    this.ctx.log.info({ gid: id }, 'group deleted');
    return { id };
  }

  private async login(id: number, seconds: number): Promise<{ token: string; expires: number }> {
    const now = this.now();
    if (seconds === 0) {
      await this.update(id, (r) => ({ ...r, tokens: [] }));
      return { token: '', expires: 0 };
    }
    const token = newLoginToken();
    const expires = now + seconds * 1000;
    await this.update(id, (r) => {
      const live = r.tokens
        .filter((t) => t.expires > now)
        .sort((a, b) => b.expires - a.expires)
        .slice(0, MAX_TOKENS - 1);
      return { ...r, tokens: [...live, { hash: hashLoginToken(token), expires }] };
    });
    return { token, expires };
  }

  private async update(id: number, change: (r: UserRecord) => UserRecord): Promise<UserView> {
    const next = change(await this.get(id));
    await this.deps.store.put('users', id, next);
    return this.view(next);
  }

  private async list(): Promise<UserView[]> {
    const [users, groups] = await Promise.all([this.users(), this.groupRecords()]);
    const names = new Map(groups.map((g) => [g.id, g.name]));
    const now = this.now();
    return users.map((u) => userView(u, names.get(u.gid) ?? String(u.gid), now));
  }

  private async view(r: UserRecord): Promise<UserView> {
    const g = await this.deps.store.get('groups', r.gid);
    return userView(r, g?.name ?? String(r.gid), this.now());
  }

  private async groups(): Promise<GroupView[]> {
    const [users, groups] = await Promise.all([this.users(), this.groupRecords()]);
    return groups.map((g) => ({ id: g.id, name: g.name, users: users.filter((u) => u.gid === g.id).map((u) => u.id) }));
  }

  private async group(ref: Ref): Promise<GroupView> {
    const g = (await this.groups()).find((x) => (typeof ref === 'number' ? x.id === ref : x.name === ref));
    if (g === undefined) throw new NepheleError('GROUP_NOT_FOUND', `no group ${ref}`, { details: { group: ref } });
    return g;
  }

  private async find(ref: Ref): Promise<UserRecord> {
    return typeof ref === 'number' ? this.get(ref) : ((await this.byName(ref)) ?? notFound(ref));
  }

  private async get(id: number): Promise<UserRecord> {
    const raw = await this.deps.store.get('users', id);
    return raw === undefined ? notFound(id) : upgradeUser(raw);
  }

  private async byName(name: string): Promise<UserRecord | undefined> {
    return (await this.users()).find((u) => u.name === name);
  }

  private async users(): Promise<UserRecord[]> {
    return (await this.deps.store.list('users')).map((e) => upgradeUser(e.value));
  }

  private async groupRecords(): Promise<GroupRecord[]> {
    return (await this.deps.store.list('groups')).map((e) => e.value);
  }
}

function checkPassword(password: string): void {
  // Told apart from a token by its prefix alone, a password must not look like one.
  if (isLoginToken(password)) {
    throw new NepheleError('INVALID_ARGUMENT', `password must not start with ${TOKEN_PREFIX}`, { details: { field: 'password' } });
  }
}

function notFound(ref: Ref): never {
  throw new NepheleError('USER_NOT_FOUND', `no user ${ref}`, { details: { user: ref } });
}

const DECOY: PasswordHash = { salt: new Uint8Array(16), hash: new Uint8Array(32) };

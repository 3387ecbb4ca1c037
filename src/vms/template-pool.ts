import type { Actor, ActorRef, WithReplies } from '../actors/index.js';
import { notFound, ownedOf } from '../auth/authorize.js';
import { DEFAULT_PERMISSIONS, applyChmod, checkChmod, checkChown, type Changer, type Permissions } from '../auth/permissions.js';
import { findNamed, type Finder } from '../auth/find-named.js';
import { NepheleError } from '../errors.js';
import type { Store } from '../store/index.js';
import { parseTemplate, quoteValue, renderTemplate, vmTemplate, createTemplate, withAttribute } from '../templates/index.js';
import type { VmPoolMsg } from './vm-pool.js';

/** A VM template as stored (sublevel `templates`): OpenNebula's onetemplate. */
export interface TemplateRecord {
  readonly id: number;
  readonly name: string;
  readonly uid: number;
  /** The owner's group at registration, or as chown set it; absent in records from before templates had one. */
  readonly gid?: number;
  /** OpenNebula's permission bits, from registration or a chmod; a record without them reads as permsOf says. */
  readonly perms?: Permissions;
  readonly template: string;
  /** Registration time, ms since the epoch. */
  readonly regtime: number;
}

type TemplatePoolMessages =
  | { readonly type: 'allocate'; readonly template: string; readonly uid: number; readonly gid: number }
  | { readonly type: 'list' }
  | { readonly type: 'info'; readonly id: number }
  /** By name, for `who`: their own first (see findNamed); TEMPLATE_NOT_FOUND for a name they have none of. Reply: the record. */
  | { readonly type: 'find'; readonly name: string; readonly who: Finder }
  | { readonly type: 'update'; readonly id: number; readonly template: string }
  /** A name its owner has no other template by (NAME_TAKEN); the same name again changes nothing. Reply: the record. */
  | { readonly type: 'rename'; readonly id: number; readonly name: string }
  | { readonly type: 'delete'; readonly id: number }
  /**
   * OpenNebula's template clone: a copy of template `id` owned by `uid` (in
   * group `gid`, with a new template's bits) named `name`, which that owner
   * must have no other template by (NAME_TAKEN). Reply: the new id.
   */
  | { readonly type: 'clone'; readonly id: number; readonly name: string; readonly uid: number; readonly gid: number }
  /**
   * OpenNebula's chown, checked here against the record as it is
   * (checkChown); a new owner must have no other template by its name
   * (NAME_TAKEN). `ownerGid`: the group a record stored without one is
   * shown in, which it then keeps. Reply: the record.
   */
  | {
      readonly type: 'chown';
      readonly id: number;
      readonly who: Changer;
      readonly uid?: number;
      readonly gid?: number;
      readonly ownerGid: number;
    }
  /** OpenNebula's chmod: its nine values, 1 set, 0 clear, -1 leave (checkChmod). Reply: the record. */
  | { readonly type: 'chmod'; readonly id: number; readonly who: Changer; readonly values: readonly number[]; readonly ownerGid: number }
  | {
      readonly type: 'instantiate';
      readonly id: number;
      readonly name: string | undefined;
      readonly hold: boolean;
      readonly uid: number;
      readonly gid?: number;
      readonly uname?: string;
      readonly admin?: boolean;
    };

/** What an ask of the template pool answers. */
export interface TemplatePoolReplies {
  readonly allocate: { readonly id: number };
  readonly list: TemplateRecord[];
  readonly info: TemplateRecord;
  readonly find: TemplateRecord;
  readonly update: { readonly id: number };
  readonly rename: TemplateRecord;
  readonly delete: { readonly id: number };
  readonly clone: { readonly id: number };
  readonly chown: TemplateRecord;
  readonly chmod: TemplateRecord;
  readonly instantiate: { readonly id: number };
}

export type TemplatePoolMsg = WithReplies<TemplatePoolMessages, TemplatePoolReplies>;

/**
 * VM templates: checked when stored (a template that could never make a VM
 * is refused at once), instantiated into VMs through the VM pool. A name is
 * unique among its owner's templates (checked when one is stored or renamed:
 * records stored before this rule load as they are), and held in memory.
 */
export class TemplatePool implements Actor<TemplatePoolMsg> {
  private readonly store: Store;
  private readonly vms: () => ActorRef<VmPoolMsg>;
  private readonly records = new Map<number, TemplateRecord>();

  constructor(store: Store, vms: () => ActorRef<VmPoolMsg>) {
    this.store = store;
    this.vms = vms;
  }

  async preStart(): Promise<void> {
    for (const { value } of await this.store.list('templates')) this.records.set(value.id, value);
  }

  async receive(msg: TemplatePoolMsg): Promise<unknown> {
    switch (msg.type) {
      case 'allocate': {
        const name = check(msg.template);
        if (name !== undefined) this.requireFreeName(msg.uid, name);
        const id = this.store.reserveId('templates');
        const record: TemplateRecord = {
          id,
          name: name ?? `template-${id}`,
          uid: msg.uid,
          gid: msg.gid,
          perms: DEFAULT_PERMISSIONS,
          template: msg.template,
          regtime: Date.now(),
        };
        await this.save(record);
        return { id };
      }
      case 'list':
        return [...this.records.values()].sort((a, b) => a.id - b.id);
      case 'info':
        return this.get(msg.id);
      case 'find':
        return findNamed(this.records.values(), msg.name, msg.who, 'template');
      case 'update': {
        const record = this.get(msg.id);
        const name = check(msg.template) ?? record.name;
        if (name !== record.name) this.requireFreeName(record.uid, name);
        await this.save({ ...record, template: msg.template, name });
        return { id: msg.id };
      }
      case 'rename': {
        const record = this.get(msg.id);
        if (msg.name === record.name) return record;
        this.requireFreeName(record.uid, msg.name);
        // NAME in the text follows, so that an update or an instance reads the name the record has.
        const renamed: TemplateRecord = { ...record, name: msg.name, template: withAttribute(record.template, 'NAME', msg.name) };
        await this.save(renamed);
        return renamed;
      }
      case 'clone': {
        const source = this.get(msg.id);
        this.requireFreeName(msg.uid, msg.name);
        const id = this.store.reserveId('templates');
        const record: TemplateRecord = {
          id,
          name: msg.name,
          uid: msg.uid,
          gid: msg.gid,
          perms: DEFAULT_PERMISSIONS,
          template: namedText(source.template, msg.name),
          regtime: Date.now(),
        };
        await this.save(record);
        return { id };
      }
      case 'chown': {
        const record = this.get(msg.id);
        const owned = { ...ownedOf(record, 'template'), gid: record.gid ?? msg.ownerGid };
        checkChown(msg.who, owned, { uid: msg.uid, gid: msg.gid }, `template ${record.id}`);
        const uid = msg.uid ?? record.uid;
        if (uid !== record.uid) this.requireFreeName(uid, record.name);
        const next: TemplateRecord = { ...record, uid, gid: msg.gid ?? owned.gid, perms: owned.perms };
        await this.save(next);
        return next;
      }
      case 'chmod': {
        const record = this.get(msg.id);
        const owned = { ...ownedOf(record, 'template'), gid: record.gid ?? msg.ownerGid };
        const perms = applyChmod(owned.perms, msg.values);
        checkChmod(msg.who, owned, perms, `template ${record.id}`);
        const next: TemplateRecord = { ...record, gid: owned.gid, perms };
        await this.save(next);
        return next;
      }
      case 'delete':
        this.get(msg.id);
        await this.store.del('templates', msg.id);
        this.records.delete(msg.id);
        return { id: msg.id };
      case 'instantiate': {
        const record = this.get(msg.id);
        // The new name replaces NAME, as onetemplate instantiate --name does; without one the VM is
        // named `<template>-<id>`, as OpenNebula names a template's instances.
        const t = parseTemplate(record.template);
        const others = t.attributes.filter((a) => a.name !== 'NAME');
        const text = renderTemplate(createTemplate(msg.name === undefined ? others : [{ name: 'NAME', value: msg.name }, ...others]));
        const { gid, uname, admin } = msg;
        return this.vms().ask({
          type: 'allocate',
          template: text,
          hold: msg.hold,
          uid: msg.uid,
          namePrefix: record.name,
          ...(gid === undefined ? {} : { gid }),
          ...(uname === undefined ? {} : { uname }),
          ...(admin === undefined ? {} : { admin }),
        });
      }
    }
  }

  private get(id: number): TemplateRecord {
    const record = this.records.get(id);
    if (record === undefined) throw notFound('template', id);
    return record;
  }

  private requireFreeName(uid: number, name: string): void {
    const taken = [...this.records.values()].find((r) => r.uid === uid && r.name === name);
    if (taken !== undefined)
      throw new NepheleError('NAME_TAKEN', `the user already has a template named ${name} (${taken.id})`, { details: { name } });
  }

  /** Written, then kept: memory never runs ahead of the store. */
  private async save(record: TemplateRecord): Promise<void> {
    await this.store.batch([{ type: 'put', kind: 'templates', id: record.id, value: record }]);
    this.records.set(record.id, record);
  }
}

/**
 * `text` with NAME set to `name`, as OpenNebula's clone sets it: in its
 * place (the text written anew), or first when the text has none (the
 * text kept as written).
 */
function namedText(text: string, name: string): string {
  const renamed = withAttribute(text, 'NAME', name);
  return renamed !== text || parseTemplate(text).getString('NAME') === name ? renamed : `NAME = ${quoteValue(name)}\n${text}`;
}

/** Parses and checks a VM template; returns its NAME. */
function check(text: string): string | undefined {
  return vmTemplate(parseTemplate(text)).name;
}

// The store's record of this kind (src/store/entity-kind.ts): reads need no type argument.
declare module '../store/entity-kind.js' {
  interface EntityRecords {
    templates: TemplateRecord;
  }
}

import type { Actor, ActorRef } from '../actors/index.js';
import { NepheleError } from '../errors.js';
import type { Store } from '../store/index.js';
import { parseTemplate, renderTemplate, vmTemplate, createTemplate } from '../templates/index.js';
import type { VmPoolMsg } from './vm-pool.js';

/** A VM template as stored (sublevel `templates`): OpenNebula's onetemplate. */
export interface TemplateRecord {
  readonly id: number;
  readonly name: string;
  readonly uid: number;
  readonly template: string;
  /** Registration time, ms since the epoch. */
  readonly regtime: number;
}

export type TemplatePoolMsg =
  | { readonly type: 'allocate'; readonly template: string; readonly uid: number }
  | { readonly type: 'list' }
  | { readonly type: 'info'; readonly id: number }
  | { readonly type: 'update'; readonly id: number; readonly template: string }
  | { readonly type: 'delete'; readonly id: number }
  | {
    readonly type: 'instantiate'; readonly id: number; readonly name: string | undefined; readonly hold: boolean; readonly uid: number;
    readonly gid?: number; readonly uname?: string; readonly admin?: boolean;
  };

/**
 * VM templates: checked when stored (a template that could never make a VM
 * is refused at once), instantiated into VMs through the VM pool.
 */
export class TemplatePool implements Actor<TemplatePoolMsg> {
  private readonly store: Store;
  private readonly vms: () => ActorRef<VmPoolMsg>;

  constructor(store: Store, vms: () => ActorRef<VmPoolMsg>) {
    this.store = store;
    this.vms = vms;
  }

  async receive(msg: TemplatePoolMsg): Promise<unknown> {
    switch (msg.type) {
      case 'allocate': {
        const name = check(msg.template);
        const id = this.store.reserveId('templates');
        const record: TemplateRecord = { id, name: name ?? `template-${id}`, uid: msg.uid, template: msg.template, regtime: Date.now() };
        await this.store.batch([{ type: 'put', kind: 'templates', id, value: record }]);
        return { id };
      }
      case 'list':
        return (await this.store.list<TemplateRecord>('templates')).map((e) => e.value);
      case 'info':
        return this.get(msg.id);
      case 'update': {
        const record = await this.get(msg.id);
        const name = check(msg.template);
        await this.store.put('templates', msg.id, { ...record, template: msg.template, name: name ?? record.name });
        return { id: msg.id };
      }
      case 'delete':
        await this.get(msg.id);
        await this.store.del('templates', msg.id);
        return { id: msg.id };
      case 'instantiate': {
        const record = await this.get(msg.id);
        let text = record.template;
        if (msg.name !== undefined) {
          // The new name replaces NAME, as onetemplate instantiate --name does.
          const t = parseTemplate(text);
          text = renderTemplate(createTemplate([{ name: 'NAME', value: msg.name }, ...t.attributes.filter((a) => a.name !== 'NAME')]));
        }
        const { gid, uname, admin } = msg;
        return this.vms().ask({
          type: 'allocate', template: text, hold: msg.hold, uid: msg.uid,
          ...(gid === undefined ? {} : { gid }), ...(uname === undefined ? {} : { uname }), ...(admin === undefined ? {} : { admin }),
        });
      }
    }
  }

  private async get(id: number): Promise<TemplateRecord> {
    const record = await this.store.get<TemplateRecord>('templates', id);
    if (record === undefined) throw new NepheleError('TEMPLATE_NOT_FOUND', `no template ${id}`, { details: { id } });
    return record;
  }
}

/** Parses and checks a VM template; returns its NAME. */
function check(text: string): string | undefined {
  return vmTemplate(parseTemplate(text)).name;
}

import type { Actor, ActorContext, ActorRef, ChildInfo, DynamicSupervisorMsg } from '../actors/index.js';
import { NepheleError, isNepheleError } from '../errors.js';
import { compileRank, compileRequirements } from '../placement/expr/index.js';
import { parseTemplate, vmTemplate } from '../templates/index.js';
import type { Store } from '../store/index.js';
import { vmActorName, type VmMsg } from './vm-actor.js';
import { created } from './vm-lifecycle.js';
import { vmView, type VmRecord, type VmView } from './vm-record.js';

export type VmPoolMsg =
  | { readonly type: 'allocate'; readonly template: string; readonly hold: boolean; readonly uid: number }
  | { readonly type: 'list'; readonly all: boolean }
  | { readonly type: 'info'; readonly id: number }
  | { readonly type: 'get'; readonly id: number }
  /** A host actor restarted: every VM actor says again whether it stays there. */
  | { readonly type: 'announce'; readonly hostId: number };

export interface VmPoolDeps {
  readonly store: Store;
  readonly supervisor: () => ActorRef<DynamicSupervisorMsg<number>>;
  /** A running VM actor, by the name it is registered under. */
  readonly vm: (id: number) => ActorRef<VmMsg> | undefined;
  /** Records the pool has just read or written, taken once by each new VM actor instead of a store read. */
  readonly preloaded: Map<number, VmRecord>;
}

/**
 * Creates VMs (parse and check the template, allocate the id, store the
 * VM in its first state, start its actor) and finds them. The store is the
 * truth for listings: a VM actor writes before it answers, so what the pool
 * reads is what the actors did. VMs in DONE keep their record, not an actor.
 */
export class VmPool implements Actor<VmPoolMsg> {
  private readonly ctx: ActorContext<VmPoolMsg>;
  private readonly deps: VmPoolDeps;

  constructor(ctx: ActorContext<VmPoolMsg>, deps: VmPoolDeps) {
    this.ctx = ctx;
    this.deps = deps;
  }

  async preStart(): Promise<void> {
    const running = new Set((await this.deps.supervisor().ask<ChildInfo[]>({ type: 'which_children' })).map((c) => c.id));
    const starts: Promise<void>[] = [];
    for (const { value } of await this.deps.store.list<VmRecord>('vms')) {
      if (value.state === 'DONE' || running.has(vmActorName(value.id))) continue;
      // Read once here, not once more by each actor.
      this.deps.preloaded.set(value.id, value);
      starts.push(this.start(value.id));
    }
    await Promise.all(starts);
    this.ctx.log.info({ started: starts.length, adopted: running.size }, 'VMs loaded');
  }

  receive(msg: VmPoolMsg): unknown {
    // Nothing here needs the pool's order but the id, which reserveId hands out at once:
    // the rest runs detached, so one slow create or listing holds up no other call.
    switch (msg.type) {
      case 'allocate':
        return this.ctx.detach(this.allocate(msg.template, msg.hold, msg.uid));
      case 'list':
        return this.ctx.detach(this.deps.store.list<VmRecord>('vms').then((all) =>
          all.filter((e) => msg.all || e.value.state !== 'DONE').map((e) => vmView(e.value))));
      case 'info':
        return this.ctx.detach(this.deps.store.get<VmRecord>('vms', msg.id).then((record) => {
          if (record === undefined) throw notFound(msg.id);
          return vmView(record);
        }));
      case 'get':
        return this.deps.vm(msg.id) ?? this.whyNoActor(msg.id);
      case 'announce':
        return this.ctx.detach(this.deps.supervisor().ask<ChildInfo[]>({ type: 'which_children' }).then((kids) => {
          for (const k of kids) (k.ref as ActorRef<VmMsg>).tell({ type: 'announce', hostId: msg.hostId });
        }));
    }
  }

  private async allocate(text: string, hold: boolean, uid: number): Promise<{ id: number }> {
    const t = vmTemplate(parseTemplate(text));
    // Refused at create, with the position, rather than found wrong at every pass.
    if (t.requirements !== undefined) checkExpression(() => compileRequirements(t.requirements as string), 'SCHED_REQUIREMENTS');
    if (t.rank !== undefined) checkExpression(() => compileRank(t.rank as string), 'SCHED_RANK');
    const id = this.deps.store.reserveId('vms');
    const now = Date.now();
    const record: VmRecord = {
      id,
      name: t.name ?? `one-${id}`,
      uid,
      template: text,
      cpu: t.cpu,
      vcpu: t.vcpu,
      memory: t.memory,
      state: created({ hold }).next,
      history: [],
      pending: undefined,
      opSeq: 0,
      scheduled: !hold,
      stime: now,
      etime: undefined,
      lastError: undefined,
      requirements: t.requirements,
      rank: t.rank,
    };
    await this.deps.store.batch([{ type: 'put', kind: 'vms', id, value: record }]);
    this.deps.preloaded.set(id, record);
    await this.start(id);
    return { id };
  }

  private async start(id: number): Promise<void> {
    await this.deps.supervisor().ask({ type: 'start_child', args: id, name: vmActorName(id), register: vmActorName(id) });
  }

  private async whyNoActor(id: number): Promise<never> {
    const record = await this.deps.store.get<VmRecord>('vms', id);
    if (record === undefined) throw notFound(id);
    throw new NepheleError('ACTION_NOT_ALLOWED', `VM ${id} is ${record.state}`, { details: { state: record.state } });
  }
}

function checkExpression(compile: () => unknown, attribute: string): void {
  try {
    compile();
  } catch (err) {
    if (isNepheleError(err)) {
      throw new NepheleError(err.code, `${attribute}: ${err.message}`, { details: { ...err.details, attribute } });
    }
    throw err;
  }
}

function notFound(id: number): NepheleError {
  return new NepheleError('VM_NOT_FOUND', `no VM ${id}`, { details: { id } });
}

import type { Askable } from '../../actors/index.js';
import { requireAdmin, requireRight } from '../../auth/authorize.js';
import type { Right } from '../../auth/permissions.js';
import type { Session } from '../../auth/session.js';
import { NepheleError, isNepheleError } from '../../errors.js';
import { candidate } from '../../placement/placement-actor.js';
import { demand, fits } from '../../placement/placement-core.js';
import type { VmMsg } from '../../vms/vm-actor.js';
import { VM_ACTIONS, isAdminAction, userEvent } from '../../vms/vm-actions.js';
import type { VmView } from '../../vms/vm-record.js';
import type { ApiHandlers } from '../registry.js';
import type { HostView } from '../../hosts/host-view.js';
import { hostOf, type ApiDeps } from './deps.js';
import { chmodValues, chownTarget, ownedView, ownershipOf } from './ownership.js';
import { accounting, poolFilter } from './monitoring.js';

type VmMethod = Extract<keyof ApiHandlers, `vm.${string}` | `vmpool.${string}`>;

/** `onevm deploy` bypasses the scheduler, not the capacity check (unless told: --no-enforce). */
function checkCapacity(vm: VmView, h: HostView): void {
  // The scheduler's own rule, so a hand deploy is held to what a placement would be.
  const host = candidate(h);
  const need = demand(vm);
  if (!fits(host, need)) {
    throw new NepheleError(
      'NO_CAPACITY',
      `host ${h.name} lacks the capacity for VM ${vm.id} (CPU ${host.allocatedCpu}+${need.cpu}/${host.totalCpu}, memory ${host.allocatedMemory}+${need.memory}/${host.totalMemory} KiB); use --no-enforce to deploy anyway`,
      {
        details: { hostId: h.id, vmId: vm.id },
      },
    );
  }
}

/**
 * VMs: a user sees the VMs they may use and acts on those they may manage,
 * by the VMs' bits (docs/users.md); placing, moving and recovering is for
 * administrators.
 */
export function vmHandlers(deps: ApiDeps): Pick<ApiHandlers, VmMethod> {
  const { vmPool: vms, vm: vmRef, hostPool: pool } = deps;
  const host = hostOf(deps);
  /** Views with their owner's and group's names (and the group of a VM stored without one: its owner's). */
  const withOwners = async (views: readonly VmView[]): Promise<VmView[]> => {
    const owner = await ownershipOf(deps);
    return views.map((v) => ({ ...v, ...owner(v) }));
  };
  /**
   * The VM if the caller holds `right` on it: one they may not see is not
   * found, before its state is told; one they see but may not change is
   * NOT_AUTHORIZED. From the pool's index, without asking the VM's actor.
   */
  const vmFor = async (id: number, session: Session, right: Right): Promise<VmView> => {
    const vm = await vms().ask({ type: 'info', id });
    requireRight(session, ownedView(vm), right, 'VM', id);
    return vm;
  };
  /** The group a VM stored without one shows (its owner's), which a chown or chmod then stores. */
  const ownerGid = async (vm: VmView): Promise<number> => (await ownershipOf(deps))(vm).gid;
  const withHostNames = async (views: VmView[]): Promise<VmView[]> => {
    if (!views.some((v) => v.hostId !== undefined)) return views;
    // The pool's own list of names (of these hosts only, for a few VMs): no host actor is asked.
    const ids = [...new Set(views.flatMap((v) => (v.hostId === undefined ? [] : [v.hostId])))];
    const names = new Map(await pool().ask(ids.length <= 16 ? { type: 'names', ids } : { type: 'names' }));
    return views.map((v) => (v.hostId === undefined ? v : { ...v, host: names.get(v.hostId) }));
  };
  const vmViews = async (views: VmView[]): Promise<VmView[]> => withOwners(await withHostNames(views));
  /**
   * Asks a VM's actor, the registry first. An actor that stops between the
   * lookup and the ask (its VM reached DONE) is asked of the pool once more,
   * which answers why there is none (VM_NOT_FOUND, ACTION_NOT_ALLOWED for a
   * DONE VM) rather than the internal ACTOR_STOPPED.
   */
  const askVm = async (id: number, msg: Askable<VmMsg>): Promise<VmView> => {
    const ref = vmRef(id) ?? (await vms().ask({ type: 'get', id }));
    try {
      return await ref.ask(msg);
    } catch (err) {
      if (!isNepheleError(err, 'ACTOR_STOPPED')) throw err;
      return (await vms().ask({ type: 'get', id })).ask(msg);
    }
  };
  return {
    'vm.allocate': (p, session) =>
      vms().ask({
        type: 'allocate',
        template: p.template,
        hold: p.hold,
        uid: session.uid,
        gid: session.gid,
        uname: session.user,
        admin: session.admin,
      }),
    // The pool pages what the caller may see (everything for an administrator).
    'vmpool.info': async (p, session) =>
      vmViews(
        await vms().ask({
          type: 'list',
          all: p.all,
          ...(session.admin ? {} : { who: { uid: session.uid, gid: session.gid, admin: false } }),
          ...(p.offset === undefined ? {} : { offset: p.offset }),
          ...(p.limit === undefined ? {} : { limit: p.limit }),
        }),
      ),
    'vm.info': async (p, session) => (await vmViews([await vmFor(p.id, session, 'use')]))[0] as VmView,
    'vm.action': async (p, session) => {
      if (isAdminAction(p.action)) requireAdmin(session, `${p.action} VMs`);
      // Before anything else: a refusal must not depend on, or tell, the VM's state. OpenNebula's VM actions take manage.
      if (!session.admin) await vmFor(p.id, session, 'manage');
      // The host's view gives both its id and, for a deploy, its capacity: one ask of its actor, not two.
      const target = VM_ACTIONS[p.action].host === true ? await (await host(p.host as string | number)).ask({ type: 'info' }) : undefined;
      const event = userEvent(p, target?.id);
      if (event.type === 'deploy' && p.enforce !== false && target !== undefined)
        checkCapacity(await askVm(p.id, { type: 'info' }), target);
      return (await withOwners([await askVm(p.id, { type: 'action', event })]))[0] as VmView;
    },
    'vm.rename': async (p, session) => {
      // As for an action: a VM the caller may not see is not found, before its state is told.
      if (!session.admin) await vmFor(p.id, session, 'manage');
      return (await vmViews([await askVm(p.id, { type: 'rename', name: p.name })]))[0] as VmView;
    },
    // The new owner and group first, as OpenNebula's; the VM's actor checks the rights against the VM as it is.
    'vm.chown': async (p, session) => {
      const target = await chownTarget(deps, session, p);
      const vm = await vmFor(p.id, session, 'use');
      const change = { type: 'chown', who: session, ownerGid: await ownerGid(vm), ...target } as const;
      return (await vmViews([await askVm(p.id, change)]))[0] as VmView;
    },
    'vm.chmod': async (p, session) => {
      const vm = await vmFor(p.id, session, 'use');
      const change = { type: 'chmod', who: session, values: chmodValues(p), ownerGid: await ownerGid(vm) } as const;
      return (await vmViews([await askVm(p.id, change)]))[0] as VmView;
    },
    // OpenNebula's VM update action: the manage right, as vm.rename; the actor keeps a non-administrator's restricted attributes.
    'vm.update': async (p, session) => {
      if (!session.admin) await vmFor(p.id, session, 'manage');
      const change = { type: 'update', template: p.template, append: p.append, admin: session.admin } as const;
      return (await vmViews([await askVm(p.id, change)]))[0] as VmView;
    },
    // Monitoring and accounting (docs/monitoring.md): whoever may see a VM (vm.info's rule) sees its figures and stays.
    'vm.monitoring': async (p, session) => {
      const vm = await vmFor(p.id, session, 'use');
      return { id: vm.id, samples: vm.state === 'DONE' ? [] : deps.monitoring.vm(vm.id, p.seconds) };
    },
    'vmpool.monitoring': async (p, session) => {
      const filter = poolFilter(session, p.filter);
      const seen = await withOwners(
        await vms().ask({
          type: 'list',
          all: false,
          ...(session.admin ? {} : { who: { uid: session.uid, gid: session.gid, admin: false } }),
          ...(filter.uid === undefined ? {} : { uid: filter.uid }),
        }),
      );
      // As OpenNebula's: only the VMs that have samples.
      return seen.filter(filter.keep).flatMap((v) => {
        const samples = deps.monitoring.vm(v.id, p.seconds);
        return samples.length === 0 ? [] : [{ id: v.id, samples }];
      });
    },
    'vmpool.accounting': async (p, session) => {
      const filter = poolFilter(session, p.filter);
      const seen = await vmViews(
        await vms().ask({
          type: 'list',
          all: true,
          ...(session.admin ? {} : { who: { uid: session.uid, gid: session.gid, admin: false } }),
          ...(filter.uid === undefined ? {} : { uid: filter.uid }),
        }),
      );
      const names = new Map(await pool().ask({ type: 'names' }));
      return accounting(seen.filter(filter.keep), p.start, p.end, (id) => names.get(id));
    },
  };
}

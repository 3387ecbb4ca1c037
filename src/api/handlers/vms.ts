import type { Askable } from '../../actors/index.js';
import { requireAdmin, requireOwner, visibleTo } from '../../auth/authorize.js';
import { NepheleError, isNepheleError } from '../../errors.js';
import { candidate } from '../../placement/placement-actor.js';
import { demand, fits } from '../../placement/placement-core.js';
import type { VmMsg } from '../../vms/vm-actor.js';
import { VM_ACTIONS, isAdminAction, userEvent } from '../../vms/vm-actions.js';
import type { VmView } from '../../vms/vm-record.js';
import type { ApiHandlers } from '../registry.js';
import type { HostView } from '../../hosts/host-view.js';
import { hostOf, withOwnersOf, type ApiDeps } from './deps.js';

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

/** VMs: a user sees and acts on their own; placing, moving and recovering is for administrators. */
export function vmHandlers(deps: ApiDeps): Pick<ApiHandlers, VmMethod> {
  const { vmPool: vms, vm: vmRef, hostPool: pool } = deps;
  const host = hostOf(deps);
  const withOwners = withOwnersOf(deps);
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
        visibleTo(
          session,
          await vms().ask({
            type: 'list',
            all: p.all,
            ...(session.admin ? {} : { uid: session.uid }),
            ...(p.offset === undefined ? {} : { offset: p.offset }),
            ...(p.limit === undefined ? {} : { limit: p.limit }),
          }),
        ),
      ),
    'vm.info': async (p, session) => {
      const vm = await vms().ask({ type: 'info', id: p.id });
      requireOwner(session, vm.uid, `VM ${p.id}`);
      return (await vmViews([vm]))[0] as VmView;
    },
    'vm.action': async (p, session) => {
      if (isAdminAction(p.action)) requireAdmin(session, `${p.action} VMs`);
      if (!session.admin) {
        // Before anything else: a refusal must not depend on, or tell, the VM's state.
        const own = vmRef(p.id);
        const current = own === undefined ? await vms().ask({ type: 'info', id: p.id }) : await askVm(p.id, { type: 'info' });
        requireOwner(session, current.uid, `VM ${p.id}`);
      }
      // The host's view gives both its id and, for a deploy, its capacity: one ask of its actor, not two.
      const target = VM_ACTIONS[p.action].host === true ? await (await host(p.host as string | number)).ask({ type: 'info' }) : undefined;
      const event = userEvent(p, target?.id);
      if (event.type === 'deploy' && p.enforce !== false && target !== undefined)
        checkCapacity(await askVm(p.id, { type: 'info' }), target);
      return (await withOwners([await askVm(p.id, { type: 'action', event })]))[0] as VmView;
    },
    'vm.rename': async (p, session) => {
      // As for an action: another user's VM is not found, before its state is told.
      if (!session.admin) requireOwner(session, (await vms().ask({ type: 'info', id: p.id })).uid, `VM ${p.id}`);
      return (await vmViews([await askVm(p.id, { type: 'rename', name: p.name })]))[0] as VmView;
    },
  };
}

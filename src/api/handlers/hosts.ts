import { hostSeenBy, requireAdmin } from '../../auth/authorize.js';
import { NepheleError } from '../../errors.js';
import type { Session } from '../../auth/session.js';
import type { ApiHandlers } from '../registry.js';
import { hostOf, type ApiDeps } from './deps.js';
import { hostMonitoringHandlers } from './monitoring.js';

type HostMethod = Extract<keyof ApiHandlers, `host.${string}` | `hostpool.${string}`>;

/** Hosts: administrators manage them; a user sees of a host only what concerns their own VMs. */
export function hostHandlers(deps: ApiDeps): Pick<ApiHandlers, HostMethod> {
  const { hostPool: pool, vmPool: vms, deployer } = deps;
  const host = hostOf(deps);
  /** The ids of the caller's VMs, which alone a user sees of a host's (none asked for an administrator, who sees all). */
  const ownVms = async (session: Session): Promise<ReadonlySet<number>> =>
    session.admin ? new Set() : new Set((await vms().ask({ type: 'list', all: false, uid: session.uid })).map((v) => v.id));
  return {
    'host.allocate': (p, session) => {
      requireAdmin(session, 'create hosts');
      return pool().ask({ type: 'allocate', ...p });
    },
    'hostpool.info': async (_p, session) => {
      const hosts = (await pool().ask({ type: 'list' })).sort((a, b) => a.id - b.id);
      const own = await ownVms(session);
      return hosts.map((h) => hostSeenBy(session, h, own));
    },
    'host.info': async (p, session) => hostSeenBy(session, await (await host(p.host)).ask({ type: 'info' }), await ownVms(session)),
    'host.update': async (p, session) => {
      requireAdmin(session, 'update hosts');
      return (await host(p.host)).ask({ type: 'update', template: p.template, append: p.append });
    },
    'host.rename': (p, session) => {
      // OpenNebula's one.host.rename is an ADMIN operation: a user sees hosts but renames none.
      requireAdmin(session, 'rename hosts');
      return pool().ask({ type: 'rename', host: p.id, name: p.name });
    },
    'host.monitor': async (p, session) => {
      requireAdmin(session, 'ask hosts for fresh monitoring');
      return (await host(p.host)).ask({ type: 'monitor' }, { timeoutMs: 15_000 });
    },
    'host.status': async (p, session) => {
      requireAdmin(session, 'change host status');
      return (await host(p.host)).ask({ type: 'status', action: p.action });
    },
    'host.delete': async (p, session) => {
      requireAdmin(session, 'delete hosts');
      const ref = await host(p.host);
      const view = await ref.ask({ type: 'info' });
      if (view.rvm > 0 && !p.force) {
        throw new NepheleError('HOST_HAS_VMS', `host ${view.name} runs ${view.rvm} VMs; remove them or use --force`, {
          details: { rvm: view.rvm },
        });
      }
      if (view.ssh !== undefined) {
        // A deployed agent is stopped and removed; an unreachable host is deleted only with --force.
        try {
          await deployer.remove(await ref.ask({ type: 'access' }));
        } catch (err) {
          if (!p.force) throw err;
        }
      }
      const deleted = await pool().ask({ type: 'delete', host: p.host, force: p.force });
      deps.monitoring.forgetHost(deleted.id);
      return deleted;
    },
    'host.deploy': async (p, session) => {
      requireAdmin(session, 'deploy node agents');
      return deployer.deploy(await host(p.host), {
        ...(p.frontend === undefined ? {} : { frontend: p.frontend }),
        rekey: p.rekey === true,
      });
    },
    'host.fence': async (p, session) => {
      requireAdmin(session, 'fence hosts');
      return (await host(p.host)).ask({ type: 'fence' });
    },
    'host.sync': async (p, session) => {
      requireAdmin(session, 'upgrade node agents');
      const refs =
        p.host === undefined
          ? await Promise.all((await pool().ask({ type: 'list' })).sort((a, b) => a.id - b.id).map((h) => host(h.id)))
          : [await host(p.host)];
      return deployer.sync(refs, { force: p.force, rekey: p.rekey === true });
    },
    ...hostMonitoringHandlers(deps),
  };
}

import type { Session } from '../../auth/session.js';
import type { HistoryRecord, VmView } from '../../vms/vm-record.js';
import { POOL_FILTER, type VmAccounting } from '../api-types.js';
import type { ApiHandlers } from '../registry.js';
import { hostIdOf, type ApiDeps } from './deps.js';

type HostMonitoringMethod = 'host.monitoring' | 'hostpool.monitoring';

/**
 * Hosts' monitoring history (docs/monitoring.md): whoever may see the hosts
 * (everyone, as `host.info`) may see their figures, which tell nothing of
 * other users' VMs.
 */
export function hostMonitoringHandlers(deps: ApiDeps): Pick<ApiHandlers, HostMonitoringMethod> {
  const { hostPool: pool, monitoring } = deps;
  const hostId = hostIdOf(deps);
  return {
    'host.monitoring': async (p) => {
      const id = await hostId(p.host);
      return { id, samples: monitoring.host(id, p.seconds) };
    },
    'hostpool.monitoring': async (p) => {
      const ids = (await pool().ask({ type: 'names' })).map(([id]) => id).sort((a, b) => a - b);
      return ids.map((id) => ({ id, samples: monitoring.host(id, p.seconds) }));
    },
  };
}

/** The owner and group a VM shows: `gid` where the view has it. */
type Owners = Pick<VmView, 'uid'> & { readonly gid?: number };

/**
 * OpenNebula's pool filter as a test on the VMs the caller may already
 * see: -2 all of them, -3 their own, -1 their own and their group's, -4
 * their group's, a user id that user's. `uid`: the one owner the pool may
 * be asked for, when the filter names one.
 */
export function poolFilter(
  session: Pick<Session, 'uid' | 'gid'>,
  filter: number = POOL_FILTER.all,
): {
  readonly uid?: number;
  readonly keep: (vm: Owners) => boolean;
} {
  switch (filter) {
    case POOL_FILTER.all:
      return { keep: () => true };
    case POOL_FILTER.mine:
      return { uid: session.uid, keep: (vm) => vm.uid === session.uid };
    case POOL_FILTER.mineAndGroup:
      return { keep: (vm) => vm.uid === session.uid || vm.gid === session.gid };
    case POOL_FILTER.group:
      return { keep: (vm) => vm.gid === session.gid };
    default:
      return { uid: filter, keep: (vm) => vm.uid === filter };
  }
}

/**
 * Whether a stay overlaps [start, end], as OpenNebula's accounting selects
 * history records: it ended after `start` (or has not ended), and began
 * before `end`. Either bound may be left out.
 */
export function overlaps(h: Pick<HistoryRecord, 'stime' | 'etime'>, start: number | undefined, end: number | undefined): boolean {
  return (start === undefined || h.etime === undefined || h.etime > start) && (end === undefined || h.stime < end);
}

/** The VMs with stays in [start, end] and those stays, with their hosts' names; VMs without any are left out. */
export function accounting(
  vms: readonly VmView[],
  start: number | undefined,
  end: number | undefined,
  hostName: (id: number) => string | undefined,
): VmAccounting[] {
  const out: VmAccounting[] = [];
  for (const vm of vms) {
    const records = vm.history.filter((h) => overlaps(h, start, end)).map((h) => ({ ...h, host: hostName(h.hostId) }));
    if (records.length > 0) out.push({ vm, records });
  }
  return out;
}

import type { Logger } from 'pino';
import type { ApiLimits } from '../api/api-limits.js';
import type { HostFailureOptions } from '../hosts/host-failure.js';
import type { MonitoringLimits } from '../hosts/monitoring-book.js';
import type { PlacementOptions } from '../placement/placement-core.js';
import type { VmActorDeps } from '../vms/vm-actor.js';

/** What `startOned` is told; bin/oned parses it from the command line. */
export interface OnedConfig {
  readonly dataDir: string;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** @default 2000 */
  readonly heartbeatMs: number;
  /** @default 3 × heartbeatMs */
  readonly lostAfterMs: number;
  readonly log: Logger;
  /** The scheduler's policy and limits. @default DEFAULT_PLACEMENT */
  readonly placement?: Readonly<PlacementOptions>;
  /** Run the scheduler; without it VMs wait for `onevm deploy` (OpenNebula without mm_sched). @default true */
  readonly scheduler?: boolean;
  /**
   * Also write oneadmin's first credentials here (bin/oned: ~/.nephele/auth),
   * unless the file exists. Tests leave it unset, so they never touch a home
   * directory. @default none
   */
  readonly userAuthFile?: string;
  /** Wall clock for login tokens, ms since the epoch. @default Date.now */
  readonly now?: () => number;
  /** OpenNebula's MAC_PREFIX: the first two bytes of the MACs derived from IPs. @default '02:00' */
  readonly macPrefix?: string;
  /** How long `onehost create --ssh` waits for a deployed agent to dial back. @default 30000 */
  readonly deployWaitMs?: number;
  /** What happens to the VMs of a host that stays lost (OpenNebula's host_error hook). @default none */
  readonly hostFailure?: HostFailureOptions;
  /**
   * Monitoring pushes per second oned takes from all hosts together: each
   * agent's hello asks it to push no more often than the host count allows
   * (src/hosts/monitor-budget.ts). @default DEFAULT_MONITOR_BUDGET (100)
   */
  readonly monitorBudget?: number;
  /** How long each kind of VM operation may go without an outcome (ms). @default DEFAULT_OPERATION_DEADLINES (src/vms/vm-actor.ts) */
  readonly operationDeadlines?: VmActorDeps['operationDeadlines'];
  /** What one caller may hold of oned: calls in flight, logins, unauthenticated connections (docs/security.md). @default DEFAULT_API_LIMITS */
  readonly apiLimits?: Partial<ApiLimits>;
  /** How long, and how many, monitoring samples oned keeps per host and per VM (docs/monitoring.md). @default DEFAULT_MONITORING_LIMITS */
  readonly monitoring?: MonitoringLimits;
}

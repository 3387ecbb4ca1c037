import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { ActorRef } from '../actors/index.js';
import { HOST_STAT, type HostState } from '../hosts/host-view.js';
import type { HostPoolMsg } from '../hosts/host-pool.js';
import type { VmPoolMsg } from '../vms/vm-pool.js';
import { VM_STATES, type VmState } from '../vms/vm-states.js';
import { coalesce } from './coalesce.js';

export interface PoolSources {
  readonly vmPool: () => ActorRef<VmPoolMsg>;
  readonly hostPool: () => ActorRef<HostPoolMsg>;
  readonly log: Logger;
}

const VM_STATE_NAMES = Object.keys(VM_STATES) as VmState[];
const HOST_STATE_NAMES = Object.keys(HOST_STAT) as HostState[];

/**
 * `nephele_vms{state}` and `nephele_hosts{state}`, counted when scraped.
 * Every state has its series, 0 when empty, so that a state never vanishes
 * from a graph. If a pool does not answer, its gauge has no series in that
 * scrape (and the reason is logged): a stale count would be a lie.
 */
export function registerPoolStateMetrics(registry: Registry, sources: PoolSources): void {
  const vmCounts = coalesce(() => sources.vmPool().ask({ type: 'count_by_state' }));
  const hostCounts = coalesce(async (): Promise<Partial<Record<HostState, number>>> => {
    const counts: Partial<Record<HostState, number>> = {};
    for (const h of await sources.hostPool().ask({ type: 'list' })) counts[h.state] = (counts[h.state] ?? 0) + 1;
    return counts;
  });
  const read = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      sources.log.warn({ err, source: what }, 'metrics: no answer; the series are left out of this scrape');
      return undefined;
    }
  };
  new Gauge({
    name: 'nephele_vms',
    help: 'VMs per state (OpenNebula LCM state names, DONE included), from the store at scrape time.',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const counts = await read('vm-pool', vmCounts);
      this.reset();
      if (counts !== undefined) for (const state of VM_STATE_NAMES) this.set({ state }, counts[state] ?? 0);
    },
  });
  new Gauge({
    name: 'nephele_hosts',
    help: 'Hosts per state (INIT, MONITORED, ERROR, DISABLED, OFFLINE), from the host actors at scrape time.',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const counts = await read('host-pool', hostCounts);
      this.reset();
      if (counts !== undefined) for (const state of HOST_STATE_NAMES) this.set({ state }, counts[state] ?? 0);
    },
  });
}

import { Counter, Gauge, type Registry } from 'prom-client';

export interface MonitoringMetrics {
  /** A host's agent pushed its figures. */
  push(): void;
  /** The least interval oned now asks of its agents, in ms (monitor-budget.ts). */
  floor(ms: number): void;
}

/** Host monitoring as oned takes it: pushes received, and the interval it spreads its budget with. */
export function monitoringMetrics(registry: Registry): MonitoringMetrics {
  const pushes = new Counter({
    name: 'nephele_host_monitoring_pushes_total',
    help: 'Monitoring pushes received from the node agents, all hosts together.',
    registers: [registry],
  });
  const interval = new Gauge({
    name: 'nephele_host_monitor_floor_seconds',
    help: "The least monitoring interval oned asks of each agent in its hello: the host count over oned's --monitor-budget.",
    registers: [registry],
  });
  return { push: () => pushes.inc(), floor: (ms) => interval.set(ms / 1000) };
}

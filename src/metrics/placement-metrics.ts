import { Counter, Histogram, type Registry } from 'prom-client';
import type { PlacementMetrics } from '../placement/placement-actor.js';

/** From the debounce (10 ms) and the safety pass (5 s) to VMs that wait an hour for capacity. */
const BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** The scheduler's deploys: how many, and how long each VM waited for its host. */
export function placementMetrics(registry: Registry): PlacementMetrics {
  const placements = new Counter({
    name: 'nephele_placements_total',
    help: 'VMs the scheduler deployed to a host (deploys the VM accepted; onevm deploy by hand not counted).',
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'nephele_placement_latency_seconds',
    help: 'Time from a VM starting to wait for the scheduler to its deploy being accepted.',
    buckets: BUCKETS,
    registers: [registry],
  });
  return {
    placed(waitedSeconds) {
      placements.inc();
      latency.observe(waitedSeconds);
    },
  };
}

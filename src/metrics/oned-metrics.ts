import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { ActorRef, SystemStats } from '../actors/index.js';
import type { HostPoolMsg } from '../hosts/host-pool.js';
import type { PlacementMetrics } from '../placement/placement-actor.js';
import type { VmPoolMsg } from '../vms/vm-pool.js';
import { registerActorMetrics } from './actor-metrics.js';
import { eventLoopMetrics } from './eventloop-metrics.js';
import { linkMetrics } from './link-metrics.js';
import { metricsRoute } from './metrics-route.js';
import { monitoringMetrics, type MonitoringMetrics } from './monitoring-metrics.js';
import { placementMetrics } from './placement-metrics.js';
import { registerPoolStateMetrics } from './pool-state-metrics.js';
import { storeMetrics } from './store-metrics.js';

/** What the scrape-time gauges read: the kernel's stats and the two pools. */
export interface OnedMetricSources {
  readonly stats: () => SystemStats;
  readonly vmPool: () => ActorRef<VmPoolMsg>;
  readonly hostPool: () => ActorRef<HostPoolMsg>;
}

/** One oned's metrics (docs/observability.md): the observers its parts take, and the HTTP route. */
export interface OnedMetrics {
  /** This oned's own registry: several oned in one process (tests) never share series. */
  readonly registry: Registry;
  /** The Store's `onWrite`. */
  readonly storeWrite: (seconds: number, ops: number) => void;
  /** The host actors' `linkRtt`, in ms. */
  readonly linkRtt: (ms: number) => void;
  /** The PlacementActor's `metrics`. */
  readonly placement: PlacementMetrics;
  /** The host actors' `monitoringPush`, and the monitoring floor the host pool's count gives. */
  readonly monitoring: MonitoringMetrics;
  /**
   * Adds the gauges read at scrape time, once the actor system exists (the
   * store, whose writes are timed from the start, opens before it).
   */
  watch(sources: OnedMetricSources): void;
  /** The `request` listener that answers GET /metrics and leaves `skipPrefix` (socket.io) alone. */
  route(skipPrefix: string): (req: IncomingMessage, res: ServerResponse) => void;
  /** Stops the event-loop sampling and empties the registry. */
  close(): void;
}

/**
 * Creates the registry with Node's process metrics (prom-client's defaults,
 * with their usual unprefixed names: `process_*`, `nodejs_*`) and Nephele's
 * own, all named `nephele_*`.
 */
export function createOnedMetrics(log: Logger): OnedMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const eventLoop = eventLoopMetrics(registry);
  let watching = false;
  return {
    registry,
    storeWrite: storeMetrics(registry),
    linkRtt: linkMetrics(registry),
    placement: placementMetrics(registry),
    monitoring: monitoringMetrics(registry),
    watch(sources) {
      if (watching) throw new TypeError('the metrics already watch an actor system');
      watching = true;
      registerActorMetrics(registry, sources.stats);
      registerPoolStateMetrics(registry, { vmPool: sources.vmPool, hostPool: sources.hostPool, log });
    },
    route: (skipPrefix) => metricsRoute({ registry, skipPrefix, log }),
    close() {
      // prom-client gives no handle on its defaults' own event-loop monitor and GC observer:
      // they stay for the process's life, one pair per oned started in it (tests start several).
      eventLoop.stop();
      registry.clear();
    },
  };
}

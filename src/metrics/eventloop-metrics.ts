import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/** How often the event loop is sampled, in ms. */
const RESOLUTION_MS = 10;

/**
 * Event-loop lag since the previous scrape: p50, p99 and max, in seconds.
 * Node's `monitorEventLoopDelay` measures the time between two of its
 * timer's runs, so every sample holds the sampling interval itself (an idle
 * loop reads 10 ms); that interval is taken off here. prom-client's
 * `nodejs_eventloop_lag_*` are the raw figures, interval included.
 */
export function eventLoopMetrics(registry: Registry): { stop(): void } {
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  const lag = (ns: number): number => Math.max(0, ns / 1e6 - RESOLUTION_MS) / 1000;
  const help = (what: string): string =>
    `Event-loop lag since the previous scrape, ${what}, without the ${RESOLUTION_MS} ms sampling interval.`;
  const p99 = new Gauge({ name: 'nephele_eventloop_lag_p99_seconds', help: help('99th percentile'), registers: [] });
  const max = new Gauge({ name: 'nephele_eventloop_lag_max_seconds', help: help('maximum'), registers: [] });
  const p50 = new Gauge({
    name: 'nephele_eventloop_lag_p50_seconds',
    help: help('median'),
    registers: [],
    // One window for the three: this collect sets them all, then starts the next.
    collect() {
      if (delay.count > 0) {
        this.set(lag(delay.percentile(50)));
        p99.set(lag(delay.percentile(99)));
        max.set(lag(delay.max));
      }
      delay.reset();
    },
  });
  // A registry collects in registration order: p50's collect runs before the other two are read.
  for (const gauge of [p50, p99, max]) registry.registerMetric(gauge);
  return { stop: () => delay.disable() };
}

import { Histogram, type Registry } from 'prom-client';

/** Loopback is well under a millisecond; past lostAfterMs (6 s by default) the agent counts as lost. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Heartbeat round trips to the node agents; the result hears them in ms (the Link's clock). */
export function linkMetrics(registry: Registry): (ms: number) => void {
  const rtt = new Histogram({
    name: 'nephele_link_rtt_seconds',
    help: 'Round trip of a heartbeat from oned to a node agent and back (ping to pong), all hosts together.',
    buckets: BUCKETS,
    registers: [registry],
  });
  return (ms) => rtt.observe(ms / 1000);
}

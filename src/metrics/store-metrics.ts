import { Counter, Histogram, type Registry } from 'prom-client';

/** LevelDB batches with fsync: well under a millisecond on tmpfs, tens of ms on a loaded disk. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** The store's group-commit batches; the result is the Store's `onWrite`. */
export function storeMetrics(registry: Registry): (seconds: number, ops: number) => void {
  const duration = new Histogram({
    name: 'nephele_store_write_duration_seconds',
    help: 'Time to write (and sync) one group-commit batch to LevelDB.',
    buckets: BUCKETS,
    registers: [registry],
  });
  const written = new Counter({
    name: 'nephele_store_write_ops_total',
    help: 'Entity puts and deletes written to the store (id counters not counted).',
    registers: [registry],
  });
  return (seconds, ops) => {
    duration.observe(seconds);
    written.inc(ops);
  };
}

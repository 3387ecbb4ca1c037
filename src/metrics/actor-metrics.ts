import { Counter, Gauge, type Registry } from 'prom-client';
import type { SystemStats } from '../actors/index.js';

/**
 * The actor kernel's own figures (`ActorSystem.stats()`), read at scrape
 * time. The kernel keeps running totals; the counters follow them.
 */
export function registerActorMetrics(registry: Registry, stats: () => SystemStats): void {
  const registers = [registry];
  new Gauge({
    name: 'nephele_actors',
    help: 'Live actors (the root guardian not counted).',
    registers,
    collect() {
      this.set(stats().actors);
    },
  });
  new Gauge({
    name: 'nephele_mailbox_depth',
    help: 'Messages waiting in all actor mailboxes.',
    registers,
    collect() {
      this.set(stats().mailboxDepth);
    },
  });
  followTotal(
    registry,
    'nephele_actor_restarts_total',
    'Actor instances restarted by their supervisors (siblings restarted with a group count too).',
    () => stats().restarts,
  );
  followTotal(
    registry,
    'nephele_dead_letters_total',
    'Messages that could not be delivered (actor stopping or stopped, mailbox or stash full).',
    () => stats().deadLetters,
  );
}

/** A counter that follows a total kept elsewhere, which only grows. */
function followTotal(registry: Registry, name: string, help: string, total: () => number): void {
  let seen = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = total();
      if (now > seen) this.inc(now - seen);
      seen = Math.max(seen, now);
    },
  });
}

import { supervisor, type ActorFactory, type ChildSpec, type SupervisorMsg } from '../actors/index.js';
import type { Intensity } from '../actors/pool-subtree.js';

/** One domain's subtree under oned's root, and the subtrees it needs started before it. */
export interface SubtreeEntry {
  readonly spec: ChildSpec<SupervisorMsg>;
  /** Started before this one (each must come earlier in the list); `[]` for none. */
  readonly after: readonly ChildSpec<SupervisorMsg>[];
}

/** @default for oned's root: a subtree that gives up five times in ten seconds ends oned. */
export const ROOT_INTENSITY: Intensity = { maxRestarts: 5, periodMs: 10_000 };

/**
 * oned's root supervisor over the domains' subtrees, started in the order
 * given (checked against each entry's `after`) and stopped in reverse.
 *
 * `one_for_one`, not `rest_for_one`: an `after` is a need at start (VM
 * actors tell their hosts which of them stay there as they start), not at
 * run time. No subtree holds a ref to another's actors: each looks them up
 * by registered name at every call, and each one that restarts makes the
 * others learn it again (a restarted HostActor asks the VMs to announce
 * themselves, a restarted scheduler asks the waiting VMs, pools adopt the
 * actors that still run). So a crash in one subtree has nothing to restart
 * in another, and `rest_for_one` would only restart VM actors for nothing.
 * A subtree that exceeds its own intensity escalates here and is restarted
 * whole; past this root's intensity the root gives up (oned exits).
 */
export function rootSupervisor(entries: readonly SubtreeEntry[], intensity: Intensity = ROOT_INTENSITY): ActorFactory<SupervisorMsg> {
  checkStartOrder(entries);
  return supervisor({ strategy: 'one_for_one', ...intensity, children: entries.map((e) => e.spec) });
}

/** A programming mistake in the list (a need started later, or not at all) is a TypeError at oned's start. */
export function checkStartOrder(entries: readonly SubtreeEntry[]): void {
  const started = new Set<ChildSpec<SupervisorMsg>>();
  for (const { spec, after } of entries) {
    for (const need of after) {
      if (!started.has(need)) throw new TypeError(`subtree ${spec.id} needs ${need.id} started before it`);
    }
    if ([...started].some((s) => s.id === spec.id)) throw new TypeError(`two subtrees named ${spec.id}`);
    started.add(spec);
  }
}

/**
 * Monitoring pushes per second oned takes from all its hosts together,
 * unless told otherwise (`oned --monitor-budget`): at 1,000 hosts each may
 * push every 10 s, the agents' own default. @default 100
 */
export const DEFAULT_MONITOR_BUDGET = 100;

/** The longest interval oned asks for: past a day, monitoring is no longer monitoring. */
const MAX_MONITOR_MS = 86_400_000;

/**
 * The least interval between one host's monitoring pushes, so that `hosts`
 * hosts together push at most `budgetPerSecond` times a second. oned puts
 * it in each agent's hello; an agent pushes at the longer of it and its own
 * interval, so a small cloud keeps the agents' pace and a large one slows
 * them down evenly instead of drowning the front-end.
 */
export function monitorFloorMs(hosts: number, budgetPerSecond: number): number {
  if (!(budgetPerSecond > 0)) throw new TypeError(`the monitoring budget must be > 0, got ${budgetPerSecond}`);
  return Math.min(MAX_MONITOR_MS, Math.max(1, Math.ceil((Math.max(0, hosts) * 1000) / budgetPerSecond)));
}

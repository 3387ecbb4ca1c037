import type { Clock, TimerHandle } from '../../src/base/clock.js';

/**
 * The real clock with timers that keep the process alive, unlike the kernel's
 * systemClock: a driver waiting out a latency or a sample gap is work in
 * progress, and a process that has nothing else to do must not exit under it.
 */
export const liveClock: Clock = Object.freeze({
  now: () => performance.now(),
  setTimer(fn: () => void, ms: number): TimerHandle {
    const timer = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(timer) };
  },
});

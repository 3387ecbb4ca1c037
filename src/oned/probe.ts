import type { Logger } from 'pino';
import type { HypervisorName } from '../protocol/domain.js';

/**
 * The hypervisor `oned --local` picks when not told: qemu once its driver
 * exists and QEMU works here, dummy otherwise — and says so.
 */
export async function defaultHypervisor(log: Logger): Promise<HypervisorName> {
  log.warn('the qemu driver is not built yet: the local host runs the simulated dummy driver (HYPERVISOR=dummy)');
  return 'dummy';
}

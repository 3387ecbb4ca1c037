import type { Logger } from 'pino';
import type { HypervisorName } from '../protocol/domain.js';

/**
 * The hypervisor `oned --local` picks when not told: the simulated dummy,
 * which runs anywhere and needs no privileges. Real VMs (`--vm qemu`) need
 * QEMU, and root for their bridges and taps; the operator asks for them.
 */
export async function defaultHypervisor(log: Logger): Promise<HypervisorName> {
  log.info('the local host runs the simulated dummy driver (HYPERVISOR=dummy); oned --local --vm qemu runs real VMs');
  return 'dummy';
}

/**
 * The qemu driver against the hypervisor conformance suite, with the test
 * guest (test/fixtures/guest.ts) as the VM: real QEMU processes, QMP, ACPI.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { QemuHypervisor } from '../../nodes/drivers/qemu-hypervisor.js';
import { hypervisorConformance } from '../fixtures/hypervisor-conformance.js';
import { GUEST_CMDLINE, GUEST_MEMORY_MIB, testGuest } from '../fixtures/guest.js';

// real boots under TCG on a small machine: more than tap's default per file when files run side by side
t.setTimeout(300_000);
const guest = await testGuest();
if ('skip' in guest) {
  t.comment(`skipped: ${guest.skip}`);
  t.pass('skipped');
} else if (process.getuid?.() !== 0) {
  t.comment('skipped: the qemu driver tests run as root (tap devices, /proc of detached QEMUs)');
  t.pass('skipped');
} else {
  t.test('conformance', async (t) => {
    let n = 0;
    hypervisorConformance(
      t,
      async () => {
        // short: QEMU's unix sockets live in the VM directories
        const stateDir = join(t.testdir(), `h${n++}`);
        const options = { stateDir, cpus: 8, memoryKb: 8 * 1024 * 1024, probeKernel: guest.kernel, shutdownTimeoutMs: 60_000 };
        return {
          driver: new QemuHypervisor(options),
          restart: async () => new QemuHypervisor(options),
          cleanup: () => rm(stateDir, { recursive: true, force: true }),
        };
      },
      {
        spec: (vmId) => ({
          vmId,
          name: `conformance-${vmId}`,
          cpu: 0.25,
          vcpu: 1,
          memoryMb: GUEST_MEMORY_MIB,
          os: { kernel: guest.kernel, initrd: guest.initrd, kernelCmd: GUEST_CMDLINE },
        }),
      },
    );
  });
}

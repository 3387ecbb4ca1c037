/**
 * The qemu-system-x86_64 command line of a VM, as an argument array: no
 * shell ever sees it. QEMU runs with the VM's directory as its working
 * directory and names its sockets relative to it, since a unix socket path
 * may not exceed 107 bytes and VM directories can be deeper than that.
 */
import type { VmSpec } from '../../src/protocol/domain.js';
import type { Accelerator } from './kvm-probe.js';

/** The files of a running VM, relative to its directory. */
export const VM_FILES = Object.freeze({
  pidfile: 'qemu.pid',
  qmp: 'qmp.sock',
  console: 'console.log',
  /** QEMU's own stderr: why it refused to start. */
  log: 'qemu.log',
  checkpoint: 'checkpoint',
  /** Where a save streams the VM's state out (the driver listens). */
  saveSocket: 'save.sock',
  /** Where a restore streams the checkpoint in (QEMU listens). */
  restoreSocket: 'restore.sock',
});

export interface QemuArgsOptions {
  /** The VM's directory, absolute; its pidfile, console log and disks are named absolutely. */
  readonly dir: string;
  readonly accelerator: Accelerator;
  /**
   * Start waiting for the VM's state instead of booting it (`-incoming
   * defer`, then QMP `migrate-incoming`), with the CPUs stopped until the
   * driver says `cont`.
   */
  readonly incoming?: boolean;
}

/** QEMU option values separate keys with commas; a literal comma is doubled. */
export function optionValue(v: string): string {
  return v.replaceAll(',', ',,');
}

export function qemuArgs(spec: VmSpec, options: QemuArgsOptions): string[] {
  const { dir } = options;
  const file = (name: string): string => optionValue(`${dir}/${name}`);
  const args = [
    '-name',
    `guest=${optionValue(spec.name)}`,
    '-no-user-config',
    '-nodefaults',
    '-display',
    'none',
    '-machine',
    'pc',
    '-accel',
    options.accelerator,
    ...(options.accelerator === 'kvm' ? ['-cpu', 'host'] : []),
    '-smp',
    String(spec.vcpu),
    '-m',
    String(spec.memoryMb),
    // a guest that powers off leaves QEMU alive in 'shutdown' status: the VM's poweroff state
    '-no-shutdown',
    '-pidfile',
    `${dir}/${VM_FILES.pidfile}`,
    '-chardev',
    `socket,id=qmp,path=${VM_FILES.qmp},server=on,wait=off`,
    '-mon',
    'chardev=qmp,mode=control',
    // append: a restored or migrated VM's console goes on where it left off
    '-chardev',
    `file,id=console,path=${file(VM_FILES.console)},append=on`,
    '-serial',
    'chardev:console',
  ];
  for (const disk of [...(spec.disks ?? [])].sort((a, b) => a.diskId - b.diskId)) {
    const common = `file=${optionValue(disk.path)},format=${disk.format},id=disk${disk.diskId}`;
    args.push(
      '-drive',
      disk.type === 'cdrom'
        ? `${common},if=ide,media=cdrom,readonly=on`
        : `${common},if=virtio${disk.readonly === true ? ',readonly=on' : ''}`,
    );
  }
  for (const nic of [...(spec.nics ?? [])].sort((a, b) => a.nicId - b.nicId)) {
    args.push(
      '-netdev',
      `tap,id=net${nic.nicId},ifname=${nic.tap},script=no,downscript=no`,
      '-device',
      `${nic.model ?? 'virtio-net-pci'},netdev=net${nic.nicId},mac=${nic.mac}`,
    );
  }
  const os = spec.os ?? {};
  if (os.kernel !== undefined) args.push('-kernel', os.kernel);
  if (os.initrd !== undefined) args.push('-initrd', os.initrd);
  if (os.kernelCmd !== undefined) args.push('-append', os.kernelCmd);
  if (options.incoming === true) args.push('-incoming', 'defer', '-S');
  return args;
}

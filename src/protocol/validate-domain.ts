/** Checks for the domain types of domain.ts as they arrive off the wire. */
import { isIP } from 'node:net';
import type {
  ContextCdSpec,
  DiskSpec,
  HostMonitoring,
  SaveStep,
  TransferStep,
  HypervisorName,
  NicSpec,
  NodeCapabilities,
  OsSpec,
  VmInfo,
  VmMonitoring,
  VmRunState,
  VmSpec,
} from './domain.js';
import { MAX_TYPE_LENGTH, absPath, array, badFrame, bool, int, num, oneOf, optional, ranged, record, str, text } from './check.js';
import {
  CD_FILE_NAME,
  CPU,
  DISK_FORMATS,
  DISK_SIZE_MB,
  DISK_TARGET,
  IFNAME,
  KERNEL_CMD,
  MAC,
  MAX_CONTEXT_FILES,
  MAX_CONTEXT_SCRIPT,
  MAX_VM_DEVICES,
  MAX_VM_NICS,
  MEMORY_MB,
  NIC_MODEL,
  VCPU,
  VM_NAME,
  VOLATILE_FS,
} from './field-limits.js';

export { absPath } from './check.js';
export { MAX_VM_DEVICES } from './field-limits.js';

export const HYPERVISORS: readonly HypervisorName[] = ['dummy', 'qemu'];
export const VM_RUN_STATES: readonly VmRunState[] = ['running', 'paused', 'poweroff', 'failed'];

/** More VMs than any host runs; bounds `vm.list` replies and the VM figures of a monitoring push. */
export const MAX_VMS_PER_HOST = 65_536;

/** A VM's CPU in a push, percent of one core: no host has more than CPU's 1024 cores. */
export const MAX_VM_CPU_PERCENT = 1024 * 100;
/** A VM's memory in a push, KiB: twice MEMORY's 16 TiB, for the process's own overhead. */
export const MAX_VM_MEMORY_KB = 2 * 16 * 1024 ** 3;

/** A device id: 0 … MAX_VM_DEVICES - 1. */
const deviceId = (x: unknown, field: string): number => int(x, field, 0, MAX_VM_DEVICES - 1);

function diskSpec(x: unknown, at: string): DiskSpec {
  const o = record(x, at);
  const target = optional(o.target, (v) => text(v, `${at}.target`, DISK_TARGET));
  const ro = optional(o.readonly, (v) => bool(v, `${at}.readonly`));
  return {
    diskId: deviceId(o.diskId, `${at}.diskId`),
    path: absPath(o.path, `${at}.path`),
    format: oneOf(o.format, `${at}.format`, DISK_FORMATS),
    type: oneOf(o.type, `${at}.type`, ['disk', 'cdrom'] as const),
    ...(target === undefined ? {} : { target }),
    ...(ro === undefined ? {} : { readonly: ro }),
  };
}

function nicSpec(x: unknown, at: string): NicSpec {
  const o = record(x, at);
  const mac = text(o.mac, `${at}.mac`, MAC);
  const ip = optional(o.ip, (v) => str(v, `${at}.ip`, 64));
  if (ip !== undefined && isIP(ip) === 0) throw badFrame(`${at}.ip`, 'must be an IP address');
  const model = optional(o.model, (v) => text(v, `${at}.model`, NIC_MODEL));
  return {
    nicId: deviceId(o.nicId, `${at}.nicId`),
    mac,
    bridge: text(o.bridge, `${at}.bridge`, IFNAME),
    tap: text(o.tap, `${at}.tap`, IFNAME),
    ...(ip === undefined ? {} : { ip }),
    ...(model === undefined ? {} : { model }),
  };
}

function osSpec(x: unknown, at: string): OsSpec {
  const o = record(x, at);
  const kernel = optional(o.kernel, (v) => absPath(v, `${at}.kernel`));
  const initrd = optional(o.initrd, (v) => absPath(v, `${at}.initrd`));
  const kernelCmd = optional(o.kernelCmd, (v) => text(v, `${at}.kernelCmd`, KERNEL_CMD));
  return {
    ...(kernel === undefined ? {} : { kernel }),
    ...(initrd === undefined ? {} : { initrd }),
    ...(kernelCmd === undefined ? {} : { kernelCmd }),
  };
}

export function vmSpec(x: unknown, at: string): VmSpec {
  const o = record(x, at);
  const disks = optional(o.disks, (v) => array(v, `${at}.disks`, MAX_VM_DEVICES).map((d, i) => diskSpec(d, `${at}.disks.${i}`)));
  const nics = optional(o.nics, (v) => array(v, `${at}.nics`, MAX_VM_NICS).map((n, i) => nicSpec(n, `${at}.nics.${i}`)));
  const os = optional(o.os, (v) => osSpec(v, `${at}.os`));
  const dir = optional(o.dir, (v) => absPath(v, `${at}.dir`));
  return {
    vmId: int(o.vmId, `${at}.vmId`),
    name: text(o.name, `${at}.name`, VM_NAME),
    cpu: ranged(o.cpu, `${at}.cpu`, CPU),
    vcpu: ranged(o.vcpu, `${at}.vcpu`, VCPU),
    memoryMb: ranged(o.memoryMb, `${at}.memoryMb`, MEMORY_MB),
    ...(disks === undefined ? {} : { disks }),
    ...(nics === undefined ? {} : { nics }),
    ...(os === undefined ? {} : { os }),
    ...(dir === undefined ? {} : { dir }),
  };
}

const TRANSFER_ACTIONS = ['clone', 'copy', 'link', 'swap', 'volatile', 'file'] as const;

export function transferStep(x: unknown, at: string): TransferStep {
  const o = record(x, at);
  const action = oneOf(o.action, `${at}.action`, TRANSFER_ACTIONS);
  const source = optional(o.source, (v) => absPath(v, `${at}.source`));
  const sizeMb = optional(o.sizeMb, (v) => ranged(v, `${at}.sizeMb`, DISK_SIZE_MB));
  const fs = optional(o.fs, (v) => oneOf(v, `${at}.fs`, VOLATILE_FS));
  const format = optional(o.format, (v) => oneOf(v, `${at}.format`, DISK_FORMATS));
  const needsSource = action === 'clone' || action === 'copy' || action === 'link' || action === 'file';
  if (needsSource && source === undefined) throw badFrame(`${at}.source`, `a ${action} needs a source`);
  if ((action === 'swap' || action === 'volatile') && sizeMb === undefined) throw badFrame(`${at}.sizeMb`, `a ${action} disk needs a size`);
  return {
    action,
    target: absPath(o.target, `${at}.target`),
    ...(source === undefined ? {} : { source }),
    ...(sizeMb === undefined ? {} : { sizeMb }),
    ...(fs === undefined ? {} : { fs }),
    ...(format === undefined ? {} : { format }),
  };
}

export function contextCd(x: unknown, at: string): ContextCdSpec {
  const o = record(x, at);
  const files = array(o.files, `${at}.files`, MAX_CONTEXT_FILES).map((f, i) => {
    const e = record(f, `${at}.files.${i}`);
    const name = text(e.name, `${at}.files.${i}.name`, CD_FILE_NAME);
    return { name, source: absPath(e.source, `${at}.files.${i}.source`) };
  });
  return { target: absPath(o.target, `${at}.target`), script: str(o.script, `${at}.script`, MAX_CONTEXT_SCRIPT), files };
}

export function saveStep(x: unknown, at: string): SaveStep {
  const o = record(x, at);
  return { source: absPath(o.source, `${at}.source`), target: absPath(o.target, `${at}.target`) };
}

export function vmInfo(x: unknown, at: string): VmInfo {
  const o = record(x, at);
  return {
    vmId: int(o.vmId, `${at}.vmId`),
    state: oneOf(o.state, `${at}.state`, VM_RUN_STATES),
    cpuUsage: num(o.cpuUsage, `${at}.cpuUsage`),
    memoryKb: num(o.memoryKb, `${at}.memoryKb`),
    deployId: str(o.deployId, `${at}.deployId`),
  };
}

export function vmInfoList(x: unknown, at: string): readonly VmInfo[] {
  return array(x, at, MAX_VMS_PER_HOST).map((v, i) => vmInfo(v, `${at}.${i}`));
}

/** One VM's figures of a push, each within its bound. */
export function vmMonitoring(x: unknown, at: string): VmMonitoring {
  const o = record(x, at);
  const cpu = num(o.cpu, `${at}.cpu`);
  if (cpu > MAX_VM_CPU_PERCENT) throw badFrame(`${at}.cpu`, `must be at most ${MAX_VM_CPU_PERCENT}`);
  const memoryKb = num(o.memoryKb, `${at}.memoryKb`);
  if (memoryKb > MAX_VM_MEMORY_KB) throw badFrame(`${at}.memoryKb`, `must be at most ${MAX_VM_MEMORY_KB}`);
  return { vmId: int(o.vmId, `${at}.vmId`), cpu, memoryKb };
}

/** The VM figures of a push: at most MAX_VMS_PER_HOST, one per VM (a VM twice is a broken agent, not two samples). */
export function vmMonitoringList(x: unknown, at: string): readonly VmMonitoring[] {
  const list = array(x, at, MAX_VMS_PER_HOST).map((v, i) => vmMonitoring(v, `${at}.${i}`));
  const ids = new Set<number>();
  for (const [i, v] of list.entries()) {
    if (ids.has(v.vmId)) throw badFrame(`${at}.${i}.vmId`, 'must not repeat a VM of the list');
    ids.add(v.vmId);
  }
  return list;
}

export function hostMonitoring(x: unknown, at: string): HostMonitoring {
  const o = record(x, at);
  return {
    HOSTNAME: str(o.HOSTNAME, `${at}.HOSTNAME`),
    ARCH: str(o.ARCH, `${at}.ARCH`, MAX_TYPE_LENGTH),
    CPU_MODEL: str(o.CPU_MODEL, `${at}.CPU_MODEL`),
    HYPERVISOR: oneOf(o.HYPERVISOR, `${at}.HYPERVISOR`, HYPERVISORS),
    TOTALCPU: num(o.TOTALCPU, `${at}.TOTALCPU`),
    USEDCPU: num(o.USEDCPU, `${at}.USEDCPU`),
    FREECPU: num(o.FREECPU, `${at}.FREECPU`),
    TOTALMEMORY: num(o.TOTALMEMORY, `${at}.TOTALMEMORY`),
    USEDMEMORY: num(o.USEDMEMORY, `${at}.USEDMEMORY`),
    FREEMEMORY: num(o.FREEMEMORY, `${at}.FREEMEMORY`),
    RUNNING_VMS: int(o.RUNNING_VMS, `${at}.RUNNING_VMS`),
    TIMESTAMP: num(o.TIMESTAMP, `${at}.TIMESTAMP`),
  };
}

export function nodeCapabilities(x: unknown, at: string): NodeCapabilities {
  const o = record(x, at);
  return {
    hypervisors: array(o.hypervisors, `${at}.hypervisors`, HYPERVISORS.length).map((h, i) =>
      oneOf(h, `${at}.hypervisors.${i}`, HYPERVISORS),
    ),
    hypervisor: oneOf(o.hypervisor, `${at}.hypervisor`, HYPERVISORS),
    arch: str(o.arch, `${at}.arch`, MAX_TYPE_LENGTH),
    cpus: int(o.cpus, `${at}.cpus`, 1),
    memoryKb: int(o.memoryKb, `${at}.memoryKb`),
    hostname: str(o.hostname, `${at}.hostname`),
    version: str(o.version, `${at}.version`, MAX_TYPE_LENGTH),
  };
}

/** Checks for the domain types of domain.ts as they arrive off the wire. */
import type { ContextCdSpec, DiskSpec, HostMonitoring, SaveStep, TransferStep, HypervisorName, NicSpec, NodeCapabilities, OsSpec, VmInfo, VmRunState, VmSpec } from './domain.js';
import { MAX_TYPE_LENGTH, array, badFrame, bool, int, num, oneOf, optional, record, str } from './check.js';

export const HYPERVISORS: readonly HypervisorName[] = ['dummy', 'qemu'];
export const VM_RUN_STATES: readonly VmRunState[] = ['running', 'paused', 'poweroff', 'failed'];

/** More VMs than any host runs; bounds `vm.list` replies. */
export const MAX_VMS_PER_HOST = 65_536;

/** Most disks or NICs a VM may have (qemu's own limits are higher). */
export const MAX_VM_DEVICES = 64;

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
/** Linux interface names: 1–15 bytes, no '/', ':' or whitespace. */
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

/** An absolute path with no `..` segment and nothing a command line could misread. */
export function absPath(x: unknown, field: string): string {
  const p = str(x, field, 1024, 1);
  if (!p.startsWith('/') || p.split('/').includes('..') || /[\0\n,]/.test(p)) {
    throw badFrame(field, 'must be an absolute path without .. , commas or control characters');
  }
  return p;
}

function ifName(x: unknown, field: string): string {
  const n = str(x, field, 15, 1);
  if (!IFNAME.test(n)) throw badFrame(field, 'must be a Linux interface name');
  return n;
}

function diskSpec(x: unknown, at: string): DiskSpec {
  const o = record(x, at);
  const target = optional(o.target, (v) => str(v, `${at}.target`, 16));
  const ro = optional(o.readonly, (v) => bool(v, `${at}.readonly`));
  return {
    diskId: int(o.diskId, `${at}.diskId`, 0, MAX_VM_DEVICES),
    path: absPath(o.path, `${at}.path`),
    format: oneOf(o.format, `${at}.format`, ['qcow2', 'raw'] as const),
    type: oneOf(o.type, `${at}.type`, ['disk', 'cdrom'] as const),
    ...(target === undefined ? {} : { target }),
    ...(ro === undefined ? {} : { readonly: ro }),
  };
}

function nicSpec(x: unknown, at: string): NicSpec {
  const o = record(x, at);
  const mac = str(o.mac, `${at}.mac`, 17);
  if (!MAC.test(mac)) throw badFrame(`${at}.mac`, 'must be a lower-case MAC address');
  const ip = optional(o.ip, (v) => str(v, `${at}.ip`, 64));
  const model = optional(o.model, (v) => str(v, `${at}.model`, 32));
  if (model !== undefined && !/^[a-z0-9-]+$/.test(model)) throw badFrame(`${at}.model`, 'must be a device model name');
  return {
    nicId: int(o.nicId, `${at}.nicId`, 0, MAX_VM_DEVICES),
    mac,
    bridge: ifName(o.bridge, `${at}.bridge`),
    tap: ifName(o.tap, `${at}.tap`),
    ...(ip === undefined ? {} : { ip }),
    ...(model === undefined ? {} : { model }),
  };
}

function osSpec(x: unknown, at: string): OsSpec {
  const o = record(x, at);
  const kernel = optional(o.kernel, (v) => absPath(v, `${at}.kernel`));
  const initrd = optional(o.initrd, (v) => absPath(v, `${at}.initrd`));
  const kernelCmd = optional(o.kernelCmd, (v) => str(v, `${at}.kernelCmd`, 2048));
  return {
    ...(kernel === undefined ? {} : { kernel }),
    ...(initrd === undefined ? {} : { initrd }),
    ...(kernelCmd === undefined ? {} : { kernelCmd }),
  };
}

export function vmSpec(x: unknown, at: string): VmSpec {
  const o = record(x, at);
  const disks = optional(o.disks, (v) => array(v, `${at}.disks`, MAX_VM_DEVICES).map((d, i) => diskSpec(d, `${at}.disks.${i}`)));
  const nics = optional(o.nics, (v) => array(v, `${at}.nics`, MAX_VM_DEVICES).map((n, i) => nicSpec(n, `${at}.nics.${i}`)));
  const os = optional(o.os, (v) => osSpec(v, `${at}.os`));
  const dir = optional(o.dir, (v) => absPath(v, `${at}.dir`));
  return {
    vmId: int(o.vmId, `${at}.vmId`),
    name: str(o.name, `${at}.name`),
    cpu: num(o.cpu, `${at}.cpu`),
    vcpu: int(o.vcpu, `${at}.vcpu`, 1, 4096),
    memoryMb: int(o.memoryMb, `${at}.memoryMb`, 1),
    ...(disks === undefined ? {} : { disks }),
    ...(nics === undefined ? {} : { nics }),
    ...(os === undefined ? {} : { os }),
    ...(dir === undefined ? {} : { dir }),
  };
}

const TRANSFER_ACTIONS = ['clone', 'copy', 'link', 'swap', 'volatile', 'file'] as const;
/** The largest context script: OpenNebula's context is a few KiB at most. */
const MAX_CONTEXT_SCRIPT = 1024 * 1024;
/** A file name on the context CD. */
const CD_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export function transferStep(x: unknown, at: string): TransferStep {
  const o = record(x, at);
  const action = oneOf(o.action, `${at}.action`, TRANSFER_ACTIONS);
  const source = optional(o.source, (v) => absPath(v, `${at}.source`));
  const sizeMb = optional(o.sizeMb, (v) => int(v, `${at}.sizeMb`, 1, 64 * 1024 * 1024));
  const fs = optional(o.fs, (v) => oneOf(v, `${at}.fs`, ['ext2', 'ext3', 'ext4'] as const));
  const format = optional(o.format, (v) => oneOf(v, `${at}.format`, ['qcow2', 'raw'] as const));
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
  const files = array(o.files, `${at}.files`, MAX_VM_DEVICES).map((f, i) => {
    const e = record(f, `${at}.files.${i}`);
    const name = str(e.name, `${at}.files.${i}.name`, 64, 1);
    if (!CD_NAME.test(name) || name === '.' || name === '..' || name === 'context.sh') {
      throw badFrame(`${at}.files.${i}.name`, 'must be a plain file name (letters, digits, . _ -), not context.sh');
    }
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
    hypervisors: array(o.hypervisors, `${at}.hypervisors`, HYPERVISORS.length)
      .map((h, i) => oneOf(h, `${at}.hypervisors.${i}`, HYPERVISORS)),
    hypervisor: oneOf(o.hypervisor, `${at}.hypervisor`, HYPERVISORS),
    arch: str(o.arch, `${at}.arch`, MAX_TYPE_LENGTH),
    cpus: int(o.cpus, `${at}.cpus`, 1),
    memoryKb: int(o.memoryKb, `${at}.memoryKb`),
    hostname: str(o.hostname, `${at}.hostname`),
    version: str(o.version, `${at}.version`, MAX_TYPE_LENGTH),
  };
}

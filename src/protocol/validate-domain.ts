/** Checks for the domain types of domain.ts as they arrive off the wire. */
import type { DiskSpec, HostMonitoring, HypervisorName, NicSpec, NodeCapabilities, OsSpec, VmInfo, VmRunState, VmSpec } from './domain.js';
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
function absPath(x: unknown, field: string): string {
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

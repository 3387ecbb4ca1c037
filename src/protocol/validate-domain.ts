/** Checks for the domain types of domain.ts as they arrive off the wire. */
import type { HostMonitoring, HypervisorName, NodeCapabilities, VmInfo, VmRunState, VmSpec } from './domain.js';
import { MAX_TYPE_LENGTH, array, int, num, oneOf, record, str } from './check.js';

export const HYPERVISORS: readonly HypervisorName[] = ['dummy', 'qemu'];
export const VM_RUN_STATES: readonly VmRunState[] = ['running', 'paused', 'poweroff', 'failed'];

/** More VMs than any host runs; bounds `vm.list` replies. */
export const MAX_VMS_PER_HOST = 65_536;

export function vmSpec(x: unknown, at: string): VmSpec {
  const o = record(x, at);
  return {
    vmId: int(o.vmId, `${at}.vmId`),
    name: str(o.name, `${at}.name`),
    cpu: num(o.cpu, `${at}.cpu`),
    vcpu: int(o.vcpu, `${at}.vcpu`, 1, 4096),
    memoryMb: int(o.memoryMb, `${at}.memoryMb`, 1),
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

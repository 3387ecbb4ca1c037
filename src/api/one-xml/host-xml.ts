/**
 * The host documents: `HOST` (one.host.info), `HOST_POOL`
 * (one.hostpool.info), `MONITORING_DATA` (one.host.monitoring,
 * one.hostpool.monitoring). Shapes: share/doc/xsd/host.xsd, host_pool.xsd.
 *
 * From Nephele: state, drivers, the VMs with a stay on the host, the CPU
 * and memory promised to its VMs (CPU_USAGE, MEM_USAGE), the capacity
 * its agent reports (TOTAL_*, MAX_* — Nephele reserves nothing, so MAX is
 * TOTAL), the latest monitoring (MONITORING/CAPACITY), its attributes and
 * what the agent tells of itself (TEMPLATE). Defaults, as OpenNebula
 * writes them for a host not yet monitored: PREV_STATE 0 (INIT: Nephele
 * keeps no previous state), capacity 0 until the agent reports, VMS_THREAD
 * 1, the disk figures 0 (the agents do not measure datastores), no PCI
 * devices, no NUMA nodes, `<MONITORING/>` before the first monitoring.
 */
import type { HostView } from '../../hosts/host-view.js';
import { type OneXmlContext, seconds } from './context.js';
import { HOST_STATE_CODES } from './one-codes.js';
import { cdata, el, ids, serialize, text, type XmlElement } from './xml-tree.js';
import { sortedAttributes } from './template-xml.js';

/** One host monitoring record: what OpenNebula's MONITORING of a host holds. */
export interface HostSample {
  readonly hostId: number;
  /** Ms since the epoch. */
  readonly timestamp: number;
  /** Percent of a core. */
  readonly usedCpu: number;
  readonly freeCpu: number;
  /** KiB. */
  readonly usedMemory: number;
  readonly freeMemory: number;
  /** Bytes, where measured. */
  readonly netrx?: number;
  readonly nettx?: number;
}

/** The latest sample of each view that has one (a host's monitoring as the view carries it). */
export function latestHostSamples(views: readonly HostView[]): HostSample[] {
  const out: HostSample[] = [];
  for (const v of views) {
    const m = v.monitoring;
    if (m === undefined) continue;
    out.push({
      hostId: v.id,
      timestamp: m.TIMESTAMP,
      usedCpu: m.USEDCPU,
      freeCpu: m.FREECPU,
      usedMemory: m.USEDMEMORY,
      freeMemory: m.FREEMEMORY,
    });
  }
  return out;
}

const int = (n: number): number => (Number.isFinite(n) ? Math.round(n) : 0);

function monitoringElement(s: HostSample | undefined): XmlElement {
  if (s === undefined) return el('MONITORING');
  return el('MONITORING', [
    text('TIMESTAMP', seconds(s.timestamp)),
    text('ID', s.hostId),
    el('CAPACITY', [
      text('FREE_CPU', int(s.freeCpu)),
      text('FREE_MEMORY', int(s.freeMemory)),
      text('USED_CPU', int(s.usedCpu)),
      text('USED_MEMORY', int(s.usedMemory)),
    ]),
    s.netrx === undefined && s.nettx === undefined
      ? undefined
      : el('SYSTEM', [
          s.netrx === undefined ? undefined : text('NETRX', int(s.netrx)),
          s.nettx === undefined ? undefined : text('NETTX', int(s.nettx)),
        ]),
  ]);
}

function hostTemplate(view: HostView): XmlElement {
  const m = view.monitoring;
  const c = view.capabilities;
  const attrs: { name: string; value: string }[] = Object.entries(view.attributes).map(([name, value]) => ({ name, value }));
  const add = (name: string, value: string | undefined) => {
    if (value !== undefined && !Object.hasOwn(view.attributes, name)) attrs.push({ name, value });
  };
  add('ARCH', m?.ARCH ?? c?.arch);
  add('ERROR', view.error);
  add('HOSTNAME', m?.HOSTNAME ?? c?.hostname);
  add('HYPERVISOR', m?.HYPERVISOR ?? c?.hypervisor);
  add('IM_MAD', view.im);
  add('MODELNAME', m?.CPU_MODEL);
  add('VERSION', c?.version);
  add('VM_MAD', view.vm);
  return el(
    'TEMPLATE',
    sortedAttributes(attrs).map((a) => cdata(a.name, a.value)),
  );
}

function hostElement(view: HostView, sample: HostSample | undefined): XmlElement {
  const m = view.monitoring;
  const totalCpu = int(m?.TOTALCPU ?? (view.capabilities === undefined ? 0 : view.capabilities.cpus * 100));
  const totalMem = int(m?.TOTALMEMORY ?? view.capabilities?.memoryKb ?? 0);
  return el('HOST', [
    text('ID', view.id),
    text('NAME', view.name),
    text('STATE', HOST_STATE_CODES[view.state]),
    text('PREV_STATE', 0),
    cdata('IM_MAD', view.im),
    cdata('VM_MAD', view.vm),
    // Every host is in the default cluster (clusterXml).
    text('CLUSTER_ID', 0),
    text('CLUSTER', view.cluster),
    el('HOST_SHARE', [
      text('MEM_USAGE', int(view.allocatedMem)),
      text('CPU_USAGE', int(view.allocatedCpu)),
      text('TOTAL_MEM', totalMem),
      text('TOTAL_CPU', totalCpu),
      text('MAX_MEM', totalMem),
      text('MAX_CPU', totalCpu),
      text('RUNNING_VMS', view.rvm),
      text('VMS_THREAD', 1),
      el('DATASTORES', [text('DISK_USAGE', 0), text('FREE_DISK', 0), text('MAX_DISK', 0), text('USED_DISK', 0)]),
      el('PCI_DEVICES'),
      el('NUMA_NODES'),
    ]),
    ids('VMS', view.vms),
    hostTemplate(view),
    monitoringElement(sample),
  ]);
}

/** `<HOST>` as one.host.info answers it. */
export function hostXml(view: HostView, _ctx: OneXmlContext): string {
  return serialize(hostElement(view, latestHostSamples([view])[0]));
}

/** `<HOST_POOL>` as one.hostpool.info answers it (OpenNebula's pool carries each host whole). */
export function hostPoolXml(views: readonly HostView[], _ctx: OneXmlContext): string {
  return serialize(
    el(
      'HOST_POOL',
      views.map((v) => hostElement(v, latestHostSamples([v])[0])),
    ),
  );
}

/**
 * `<MONITORING_DATA>` of one.host.monitoring and one.hostpool.monitoring:
 * one MONITORING per sample, oldest first per host. Views alone give each
 * host's latest (latestHostSamples); a window of samples gives them all.
 */
export function hostMonitoringXml(samples: readonly HostSample[], _ctx: OneXmlContext): string {
  const sorted = [...samples].sort((a, b) => a.hostId - b.hostId || a.timestamp - b.timestamp);
  return serialize(
    el(
      'MONITORING_DATA',
      sorted.map((s) => monitoringElement(s)),
    ),
  );
}

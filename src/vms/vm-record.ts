import type { NicLease } from '../networks/network-actor.js';
import type { DiskSpec, NicSpec, OsSpec, VmSpec } from '../protocol/domain.js';
import type { Context } from './context-script.js';
import type { ContextFileRecord, VmDiskRecord, VmOsRecord } from './vm-disks.js';
import type { HistoryReason, Operation } from './vm-lifecycle.js';
import { shortState, type ShortState, type VmState } from './vm-states.js';
import { NO_GROUP, permsOf } from '../auth/authorize.js';
import type { Permissions } from '../auth/permissions.js';
import type { TemplateAttribute } from '../templates/template-attributes.js';
import { userTemplateOf } from './vm-user-template.js';

/** One stay of a VM on a host, as OpenNebula's history records. */
export interface HistoryRecord {
  readonly seq: number;
  readonly hostId: number;
  /** Milliseconds since the epoch. */
  readonly stime: number;
  readonly etime: number | undefined;
  /** When the VM first ran during this stay (OpenNebula's RSTIME), ms since the epoch. */
  readonly rstime?: number | undefined;
  readonly reason: HistoryReason | undefined;
}

/** The one operation in flight, by the id the node dedups it by. */
export interface PendingOp {
  readonly opId: string;
  readonly effect: Operation;
  /** Where it runs; undefined for a step with nothing to do on a node. */
  readonly hostId: number | undefined;
  /**
   * Ms since the epoch: without an outcome by then the VM takes its step's
   * failure (OPERATION_TIMEOUT). Stored, so a restarted oned keeps it.
   * Absent in records from before deadlines: the VM actor gives one at start.
   */
  readonly deadline?: number;
}

/** A VM as persisted (sublevel `vms`): the state and everything needed to act on it after a restart. */
export interface VmRecord {
  readonly id: number;
  readonly name: string;
  readonly uid: number;
  /** The owner's group when the VM was made, or as chown set it. @default 0 */
  readonly gid?: number;
  /** OpenNebula's permission bits, from creation or a chmod; a record without them reads as permsOf says. */
  readonly perms?: Permissions;
  /** The template as the user gave it. */
  readonly template: string;
  readonly cpu: number;
  readonly vcpu: number;
  /** MiB. */
  readonly memory: number;
  readonly state: VmState;
  readonly history: readonly HistoryRecord[];
  readonly pending: PendingOp | undefined;
  /** Operations issued so far: the next opId is `<id>.<opSeq + 1>`. */
  readonly opSeq: number;
  /** Waiting for the scheduler (PENDING after create/release, or a resched). */
  readonly scheduled: boolean;
  readonly stime: number;
  readonly etime: number | undefined;
  /** The last failure a node reported, for `onevm show`. */
  readonly lastError: string | undefined;
  /** SCHED_REQUIREMENTS and SCHED_RANK (or REQUIREMENTS and RANK) of the template. */
  readonly requirements?: string | undefined;
  readonly rank?: string | undefined;
  /** Why the scheduler has not placed the VM, when it has not. */
  readonly schedMessage?: string | undefined;
  /** The NICs with their leases, in template order (NIC_ID = index); released at DONE. */
  readonly nics?: readonly VmNicRecord[];
  /** CONTEXT with its variables resolved at create, for the context CD. */
  readonly context?: Context | undefined;
  /** The DISKs and how PROLOG makes each, in template order (DISK_ID = index). */
  readonly disks?: readonly VmDiskRecord[];
  /** Direct kernel boot: images copied into the VM's directory, or files of the host. */
  readonly os?: VmOsRecord;
  /** Images CONTEXT FILES_DS puts on the context CD. */
  readonly contextFiles?: readonly ContextFileRecord[];
  /**
   * OpenNebula's USER_TEMPLATE once `vm.update` changed it, in order.
   * Absent until then (and in records stored before the field): the
   * template's own attributes that are not the VM's (vm-user-template.ts).
   */
  readonly userTemplate?: readonly TemplateAttribute[];
}

/** Whether the VM has files on its host: then PROLOG and EPILOG run there. */
export function hasFiles(r: Pick<VmRecord, 'disks' | 'context' | 'os'>): boolean {
  return (r.disks?.length ?? 0) > 0 || r.context !== undefined || r.os?.kernelImage !== undefined || r.os?.initrdImage !== undefined;
}

/** The file of DISK `diskId` in the VM's directory, as OpenNebula names it. */
export function diskPath(dir: string, diskId: number): string {
  return `${dir}/disk.${diskId}`;
}

/** The context CD comes after the template's disks. */
export function contextDiskId(r: Pick<VmRecord, 'disks'>): number {
  return r.disks?.length ?? 0;
}

/** A NIC as the VM keeps it: its lease, and how the template wants it plugged. */
export interface VmNicRecord extends NicLease {
  readonly model?: string;
}

/** The tap of a NIC on its host, OpenNebula's `one-<vmid>-<nicid>` (15 bytes at most: VM ids up to 9,999,999). */
export function tapName(vmId: number, nicId: number): string {
  return `one-${vmId}-${nicId}`;
}

/** The stays still open, oldest first: during a migration the source, then the destination. */
export function openStays(r: Pick<VmRecord, 'history'>): HistoryRecord[] {
  return r.history.filter((h) => h.etime === undefined);
}

/** The host the VM is on now: the newest open stay. */
export function currentHostId(r: Pick<VmRecord, 'history'>): number | undefined {
  const open = openStays(r);
  return open[open.length - 1]?.hostId;
}

/**
 * What the node needs to run the VM. `dir` is the VM's directory on its
 * host; without one (no datastores) the VM has no files, only NICs.
 */
export function vmSpec(r: VmRecord, dir?: string): VmSpec {
  let spec: VmSpec = { vmId: r.id, name: r.name, cpu: r.cpu, vcpu: r.vcpu, memoryMb: r.memory };
  if (r.nics !== undefined && r.nics.length > 0) {
    spec = {
      ...spec,
      nics: r.nics.map(
        (n): NicSpec => ({
          nicId: n.nicId,
          mac: n.mac,
          bridge: n.bridge,
          tap: tapName(r.id, n.nicId),
          ...(n.ip === undefined ? {} : { ip: n.ip }),
          ...(n.model === undefined ? {} : { model: n.model }),
        }),
      ),
    };
  }
  const files = dir !== undefined && hasFiles(r);
  const os: OsSpec = {
    ...(r.os?.kernelImage !== undefined && files ? { kernel: `${dir}/kernel` } : r.os?.kernel !== undefined ? { kernel: r.os.kernel } : {}),
    ...(r.os?.initrdImage !== undefined && files ? { initrd: `${dir}/initrd` } : r.os?.initrd !== undefined ? { initrd: r.os.initrd } : {}),
    ...(r.os?.kernelCmd === undefined ? {} : { kernelCmd: r.os.kernelCmd }),
  };
  if (Object.keys(os).length > 0) spec = { ...spec, os };
  if (!files) return spec;
  const disks: DiskSpec[] = (r.disks ?? []).map((d) => ({
    diskId: d.diskId,
    path: diskPath(dir, d.diskId),
    format: d.format,
    type: d.type,
    ...(d.readonly ? { readonly: true } : {}),
    ...(d.target === undefined ? {} : { target: d.target }),
  }));
  if (r.context !== undefined)
    disks.push({ diskId: contextDiskId(r), path: diskPath(dir, contextDiskId(r)), format: 'raw', type: 'cdrom', readonly: true });
  return { ...spec, dir, ...(disks.length === 0 ? {} : { disks }) };
}

/** A VM as the API shows it. */
export interface VmView {
  readonly id: number;
  readonly name: string;
  readonly uid: number;
  /** The VM's group (OpenNebula's GID); the API gives a VM stored without one its owner's. */
  readonly gid: number;
  readonly user: string;
  readonly group: string;
  /** OpenNebula's nine bits, OWNER_U (0o400) … OTHER_A (0o001): who may use, manage and administer it. */
  readonly permissions: Permissions;
  readonly state: VmState;
  readonly short: ShortState;
  readonly cpu: number;
  readonly vcpu: number;
  readonly memory: number;
  readonly hostId: number | undefined;
  /** The host's name; filled in by the API, which knows the hosts. */
  readonly host: string | undefined;
  readonly history: readonly HistoryRecord[];
  readonly stime: number;
  readonly etime: number | undefined;
  readonly template: string;
  readonly pending: string | undefined;
  readonly lastError: string | undefined;
  readonly schedMessage: string | undefined;
  readonly nics: readonly VmNicRecord[];
  readonly context: Context | undefined;
  readonly disks: readonly VmDiskRecord[];
  /** OpenNebula's USER_TEMPLATE, attributes in order (`vm.update` edits it); ERROR and SCHED_MESSAGE are not in it. */
  readonly userTemplate: readonly TemplateAttribute[];
}

export function vmView(r: VmRecord): VmView {
  return {
    id: r.id,
    name: r.name,
    uid: r.uid,
    gid: r.gid ?? NO_GROUP,
    user: 'oneadmin',
    group: 'oneadmin',
    permissions: permsOf(r, 'VM'),
    state: r.state,
    short: shortState(r.state),
    cpu: r.cpu,
    vcpu: r.vcpu,
    memory: r.memory,
    hostId: currentHostId(r),
    host: undefined,
    history: r.history,
    stime: r.stime,
    etime: r.etime,
    template: r.template,
    pending: r.pending?.effect.kind,
    lastError: r.lastError,
    schedMessage: r.schedMessage,
    nics: r.nics ?? [],
    context: r.context,
    disks: r.disks ?? [],
    userTemplate: userTemplateOf(r),
  };
}

// The store's record of this kind (src/store/entity-kind.ts): reads need no type argument.
declare module '../store/entity-kind.js' {
  interface EntityRecords {
    vms: VmRecord;
    history: HistoryRecord;
  }
}

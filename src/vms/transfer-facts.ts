/**
 * What a transfer plan reads (the VM, where its files are, which hosts keep
 * their own) and what it says: the steps of oned's own transfers and the
 * node's command. The plans per TM_MAD are transfer-plan-shared.ts and
 * transfer-plan-ssh.ts; transfer-plan.ts picks one. All of it is pure, so it
 * is tested without actors (test/vms/transfer-plan.test.ts).
 */
import { createHash } from 'node:crypto';
import { hostDatastores, type HostSsh } from '../hosts/host-record.js';
import type { SaveStep } from '../protocol/domain.js';
import type { NodeCommand } from '../protocol/messages.js';
import type { Operation } from './vm-lifecycle.js';
import { diskPath, openStays, type PendingOp, type VmRecord } from './vm-record.js';

export interface TransferFacts {
  readonly vm: VmRecord;
  /** The VM's directory in the front-end's datastores (which TM_MAD = shared hosts see too); undefined: it has no files. */
  readonly dir: string | undefined;
  /** The images datastore, where SAVE = yes disks go. */
  readonly images: string | undefined;
  /** A host's SSH access when its TM_MAD is ssh (its files are its own); undefined when it shares the datastores. */
  readonly sshOf: (hostId: number) => HostSsh | undefined;
}

/** A prolog or an epilog: the operations that move files. */
export type TransferOp = PendingOp & { readonly effect: Extract<Operation, { kind: 'prolog' | 'epilog' }> };

/** A copy between the front-end (`local`) and a host (`remote`). */
export interface FileCopy {
  readonly local: string;
  readonly remote: string;
}

/** Where the VM's files are for one of oned's transfers: a TM_MAD = ssh host's own datastores (`host`), else the front-end's. */
export interface Spot {
  readonly host?: number;
  readonly dir: string;
}

/** One of oned's own transfers (TM_MAD = ssh), by host id: the actor reads each host's SSH access afresh when it runs it. */
export type OnedTransfer =
  | { readonly kind: 'put'; readonly host: number; readonly files: readonly FileCopy[] }
  | { readonly kind: 'move'; readonly from: Spot; readonly to: Spot }
  | { readonly kind: 'remove'; readonly host: number; readonly paths: readonly string[] }
  | { readonly kind: 'bring_back'; readonly host: number; readonly dir: string; readonly files: readonly FileCopy[] };

export type TransferCommand = Extract<NodeCommand, { type: 'vm.prolog' | 'vm.epilog' }>;

/**
 * A transfer's three parts, in order; each may be absent. Without any the
 * operation has nothing to do and finishes at once.
 */
export interface TransferPlan {
  /** Oned's part before the node's. */
  readonly before?: OnedTransfer;
  /** The node's part. */
  readonly node?: TransferCommand;
  /** Oned's part after the node's. */
  readonly after?: OnedTransfer;
}

/** The VM's directory on a host: its own datastores' with TM_MAD = ssh, else the shared one. */
export function dirOn(facts: TransferFacts, hostId: number | undefined): string | undefined {
  const ssh = hostId === undefined ? undefined : facts.sshOf(hostId);
  return facts.dir === undefined || ssh === undefined ? facts.dir : `${hostDatastores(ssh)}/0/${facts.vm.id}`;
}

/** Where a host keeps the VM's files, as a transfer names it. */
export function spotOn(facts: TransferFacts, hostId: number | undefined): Spot {
  const dir = dirOn(facts, hostId) ?? '';
  return hostId === undefined || facts.sshOf(hostId) === undefined ? { dir } : { host: hostId, dir };
}

/** The host a cold migration's files come from: the stay before the newest. */
export function previousHost(vm: Pick<VmRecord, 'history'>): number | undefined {
  const open = openStays(vm);
  return open.length > 1 ? open[0]?.hostId : undefined;
}

/** SAVE = yes disks, each to a file of the images datastore `into` named after the operation (the same on a resend). */
export function saves(vm: Pick<VmRecord, 'id' | 'disks'>, dir: string, opId: string, into: string | undefined): SaveStep[] {
  if (into === undefined) return [];
  return (vm.disks ?? [])
    .filter((d) => d.saveAs !== undefined)
    .map((d) => ({
      source: diskPath(dir, d.diskId),
      target: `${into}/${createHash('sha256').update(`${vm.id}:${d.diskId}:${opId}`).digest('hex').slice(0, 32)}`,
    }));
}

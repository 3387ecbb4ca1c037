/**
 * TM_MAD = ssh: a host keeps the VM's files in its own datastores and oned
 * moves them over SSH. PROLOG from the images uploads each image beside its
 * disk (`.src`), the node makes the disks of them, and oned removes the
 * uploads; a prolog from the system datastore or from the previous host,
 * and an epilog that keeps the disks, are oned's moves alone; a terminating
 * EPILOG has the node save SAVE = yes disks into the host's images
 * datastore, then oned brings them (and disks used in place) back and
 * removes the directory.
 */
import { hostDatastores } from '../hosts/host-record.js';
import { prologSteps } from './prolog-steps.js';
import { diskPath, type VmRecord } from './vm-record.js';
import {
  dirOn,
  previousHost,
  saves,
  spotOn,
  type FileCopy,
  type TransferFacts,
  type TransferOp,
  type TransferPlan,
} from './transfer-facts.js';

/** The plan of `op` when its host, or (for a cold migration) the host it leaves, keeps its own files. */
export function planSsh(op: TransferOp, facts: TransferFacts, hostId: number): TransferPlan {
  const { opId } = op;
  const vmId = facts.vm.id;
  const e = op.effect;
  const ssh = facts.sshOf(hostId);
  const dir = dirOn(facts, hostId) ?? '';
  const front = { dir: facts.dir ?? '' };
  if (e.kind === 'prolog') {
    switch (e.from) {
      case 'images': {
        if (ssh === undefined) throw new TypeError(`host ${hostId} shares the datastores: its prolog is not oned's`);
        const files = staged(facts.vm, dir);
        return {
          before: { kind: 'put', host: hostId, files },
          node: { type: 'vm.prolog', opId, vmId, dir, ...prologSteps(facts.vm, dir, true) },
          after: { kind: 'remove', host: hostId, paths: files.map((f) => f.remote).filter((r) => r.endsWith('.src')) },
        };
      }
      case 'system_ds':
        return { before: { kind: 'move', from: front, to: spotOn(facts, hostId) } };
      case 'previous_host':
        return { before: { kind: 'move', from: spotOn(facts, previousHost(facts.vm)), to: spotOn(facts, hostId) } };
    }
  }
  if (ssh === undefined) throw new TypeError(`host ${hostId} shares the datastores: its epilog is not oned's`);
  if (e.keepDisks) return { before: { kind: 'move', from: spotOn(facts, hostId), to: front } };
  // The saves land in the host's images datastore, and oned fetches them before the directory goes.
  const onHost = saves(facts.vm, dir, opId, `${hostDatastores(ssh)}/1`);
  const images = facts.images ?? '';
  const back: FileCopy[] = onHost.map((s) => ({ remote: s.target, local: `${images}/${s.target.split('/').at(-1) ?? ''}` }));
  // A disk used in place (persistent, CLONE = NO) was a copy on the host: it goes back over the image.
  for (const d of facts.vm.disks ?? []) {
    if (d.action === 'link' && !d.readonly && d.source !== undefined) back.push({ remote: diskPath(dir, d.diskId), local: d.source });
  }
  return {
    node: { type: 'vm.epilog', opId, vmId, dir, saves: onHost, purge: false },
    after: { kind: 'bring_back', host: hostId, dir, files: back },
  };
}

/** What oned uploads for PROLOG on a TM_MAD = ssh host: each image beside its disk, the kernel, initrd and context files. */
export function staged(r: VmRecord, dir: string): FileCopy[] {
  const files: FileCopy[] = [];
  for (const d of r.disks ?? []) {
    if (d.source !== undefined && d.source !== '' && (d.action === 'clone' || d.action === 'copy' || d.action === 'link')) {
      files.push({ local: d.source, remote: `${diskPath(dir, d.diskId)}.src` });
    }
  }
  if (r.os?.kernelImage !== undefined) files.push({ local: r.os.kernelImage, remote: `${dir}/kernel` });
  if (r.os?.initrdImage !== undefined) files.push({ local: r.os.initrdImage, remote: `${dir}/initrd` });
  for (const [i, f] of (r.contextFiles ?? []).entries()) files.push({ local: f.source, remote: `${dir}/context.${i}.src` });
  return files;
}

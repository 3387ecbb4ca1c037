/**
 * What a `vm.prolog` command carries, from the VM's record alone: the
 * transfer step of each DISK, of the kernel and initrd images, and the
 * context CD. A pure function, so that what oned sends can be checked
 * against the wire's rules without an actor (test/abuse/field-limits.test.ts);
 * the transfer plans (transfer-plan-shared.ts, transfer-plan-ssh.ts) put it
 * in the `vm.prolog` they send.
 */
import type { NodeCommand } from '../protocol/messages.js';
import type { TransferStep } from '../protocol/domain.js';
import { contextScript } from './context-script.js';
import { contextDiskId, diskPath, type VmRecord } from './vm-record.js';

export type PrologPayload = Pick<Extract<NodeCommand, { type: 'vm.prolog' }>, 'steps' | 'context'>;

/**
 * The steps for the VM's directory `dir` on its host. `staged` (TM_MAD =
 * ssh): the images were uploaded beside the disks already, so each becomes a
 * copy of what is there.
 */
export function prologSteps(r: VmRecord, dir: string, staged: boolean): PrologPayload {
  const steps: TransferStep[] = (r.disks ?? []).map((d) => {
    const target = diskPath(dir, d.diskId);
    const image = d.source !== undefined && d.source !== '';
    if (staged && image && (d.action === 'clone' || d.action === 'copy' || d.action === 'link')) {
      return { action: 'copy', source: `${target}.src`, target, format: d.format, ...(d.sizeMb === undefined ? {} : { sizeMb: d.sizeMb }) };
    }
    return {
      action: d.action,
      target,
      ...(image ? { source: d.source } : {}),
      ...(d.sizeMb === undefined ? {} : { sizeMb: d.sizeMb }),
      ...(d.fs === undefined ? {} : { fs: d.fs }),
    };
  });
  // Staged, the kernel and initrd are in place already: the node finds them made.
  if (r.os?.kernelImage !== undefined)
    steps.push({ action: 'file', source: staged ? `${dir}/kernel` : r.os.kernelImage, target: `${dir}/kernel` });
  if (r.os?.initrdImage !== undefined)
    steps.push({ action: 'file', source: staged ? `${dir}/initrd` : r.os.initrdImage, target: `${dir}/initrd` });
  if (r.context === undefined) return { steps };
  const diskId = contextDiskId(r);
  return {
    steps,
    context: {
      target: diskPath(dir, diskId),
      script: contextScript(r.context, diskId),
      files: (r.contextFiles ?? []).map((f, i) => ({ name: f.name, source: staged ? `${dir}/context.${i}.src` : f.source })),
    },
  };
}

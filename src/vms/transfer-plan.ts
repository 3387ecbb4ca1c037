/**
 * Which TM_MAD plans a transfer: TM_MAD = ssh when the host the files go to
 * (or, for a cold migration, the host they leave) keeps its own, else
 * TM_MAD = shared. A VM without files has nothing to move.
 */
import { isOperation } from './vm-lifecycle.js';
import { previousHost, type TransferFacts, type TransferOp, type TransferPlan } from './transfer-facts.js';
import { planShared } from './transfer-plan-shared.js';
import { planSsh } from './transfer-plan-ssh.js';
import type { PendingOp } from './vm-record.js';

export function isTransferOp(op: PendingOp): op is TransferOp {
  return isOperation(op.effect) && (op.effect.kind === 'prolog' || op.effect.kind === 'epilog');
}

export function planTransfer(op: TransferOp, facts: TransferFacts): TransferPlan {
  const dir = facts.dir;
  if (dir === undefined) return {};
  const host = op.hostId;
  if (host === undefined) return planShared(op, facts, dir);
  const ends = op.effect.kind === 'prolog' && op.effect.from === 'previous_host' ? [previousHost(facts.vm), host] : [host];
  const own = ends.some((h) => h !== undefined && facts.sshOf(h) !== undefined);
  return own ? planSsh(op, facts, host) : planShared(op, facts, dir);
}

/**
 * Whether the operation has nothing to do, neither on a node nor by oned:
 * it finishes at once (the prolog and epilog of a VM without files, or of
 * one whose files stay where they are).
 */
export function isLocal(op: PendingOp, facts: TransferFacts): boolean {
  if (!isTransferOp(op)) return false;
  const plan = planTransfer(op, facts);
  return plan.before === undefined && plan.node === undefined && plan.after === undefined;
}

/**
 * The command an operation sends to its node, from the VM's record and
 * where its files are: pure, so what oned sends is tested without actors.
 */
import type { NodeCommand } from '../protocol/messages.js';
import { dirOn, type TransferFacts } from './transfer-facts.js';
import { isTransferOp, planTransfer } from './transfer-plan.js';
import { vmSpec, type PendingOp } from './vm-record.js';

/** The port a live migration's destination listens on for this VM. */
export function migrationPort(vmId: number): number {
  return 49_152 + (vmId % 16_384);
}

/**
 * The node's part of `op`, or undefined when it has none (oned's own
 * transfer, or nothing to do). A migration's listen address is the
 * destination's name, which the caller fills in.
 */
export function nodeCommand(op: PendingOp, facts: TransferFacts): NodeCommand | undefined {
  if (isTransferOp(op)) return planTransfer(op, facts).node;
  const { opId } = op;
  const vmId = facts.vm.id;
  const dir = dirOn(facts, op.hostId);
  const spec = (): ReturnType<typeof vmSpec> => vmSpec(facts.vm, dir);
  switch (op.effect.kind) {
    case 'deploy':
      return { type: 'vm.deploy', opId, spec: spec() };
    case 'restore':
      return { type: 'vm.restore', opId, spec: spec() };
    case 'migrate_live':
      return { type: 'vm.migrate_in', opId, spec: spec(), listen: { host: '', port: migrationPort(vmId) } };
    case 'save':
      return { type: 'vm.save', opId, vmId };
    case 'shutdown':
      return { type: 'vm.shutdown', opId, vmId, hard: op.effect.hard };
    case 'reboot':
      return { type: 'vm.reboot', opId, vmId, hard: op.effect.hard };
    case 'cleanup':
      return { type: 'vm.shutdown', opId, vmId, hard: true, ...(dir === undefined ? {} : { purge: dir }) };
    default:
      return undefined;
  }
}

/**
 * TM_MAD = shared: the hosts mount the front-end's datastores at the same
 * path, so a VM's files stay in its directory across stop, undeploy and
 * cold migration. Only the first PROLOG makes them (on the node) and only a
 * terminating EPILOG removes them (the node, after saving SAVE = yes disks
 * to the images datastore). Oned moves nothing itself.
 */
import { prologSteps } from './prolog-steps.js';
import type { TransferFacts, TransferOp, TransferPlan } from './transfer-facts.js';
import { saves } from './transfer-facts.js';

/** The plan of `op` for the VM's directory `dir` in the shared datastores. */
export function planShared(op: TransferOp, facts: TransferFacts, dir: string): TransferPlan {
  const { opId } = op;
  const vmId = facts.vm.id;
  const e = op.effect;
  if (e.kind === 'prolog') {
    return e.from === 'images' ? { node: { type: 'vm.prolog', opId, vmId, dir, ...prologSteps(facts.vm, dir, false) } } : {};
  }
  if (e.keepDisks) return {};
  return { node: { type: 'vm.epilog', opId, vmId, dir, saves: saves(facts.vm, dir, opId, facts.images), purge: true } };
}

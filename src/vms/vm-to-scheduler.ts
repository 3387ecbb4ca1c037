import type { VmState } from './vm-states.js';

/** What the scheduler needs of a VM that waits for it. */
export interface SchedVm {
  readonly id: number;
  readonly state: VmState;
  readonly cpu: number;
  readonly memory: number;
  readonly hostId: number | undefined;
  readonly requirements: string | undefined;
  readonly rank: string | undefined;
  readonly schedMessage: string | undefined;
}

/**
 * What a VM actor tells the scheduler. The VMs sit below placement, so they
 * define it and the scheduler's protocol (PlacementMsg) includes it.
 */
export type VmToScheduler =
  /** A VM's scheduling view after a change; undefined `vm`: it no longer waits. */
  { readonly type: 'vm'; readonly vmId: number; readonly vm: SchedVm | undefined };

import type { HostFailurePolicy } from './host-failure.js';

/**
 * What a host actor tells the VM actors of its host. The hosts domain sits
 * below the VMs, so it defines the messages and the VMs' protocol (VmMsg)
 * includes them; the host holds a VM as a TellRef of these.
 */
export type HostToVm =
  | {
      readonly type: 'op_result';
      readonly opId: string;
      readonly ok: boolean;
      readonly error?: { readonly code: string; readonly message: string };
      /** The outcome of oned's own transfer after the node's part (TM_MAD = ssh), not the node's. */
      readonly after?: boolean;
    }
  | { readonly type: 'host_lost'; readonly hostId: number }
  /** The host's agent is back; `newPeer`: another process than before (what it had acknowledged is lost). */
  | { readonly type: 'host_back'; readonly hostId: number; readonly running: boolean; readonly newPeer?: boolean }
  /** Monitoring: the VM stopped on its host without a command (the guest powered off, or QEMU died). */
  | { readonly type: 'stopped_by_itself'; readonly reason: string; readonly failed?: boolean; readonly hostId?: number }
  /** The VM's host was fenced (declared down): the host-failure policy applies. */
  | { readonly type: 'host_fenced'; readonly hostId: number; readonly policy: HostFailurePolicy; readonly sharedFiles: boolean }
  /** A live migration's destination waits for the VM's state: the source may send it. */
  | { readonly type: 'migrate_ready'; readonly opId: string };

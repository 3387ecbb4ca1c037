/**
 * What oned does with the VMs of a host that stays lost (OpenNebula's
 * host_error hook): `recreate` them elsewhere from their templates, `migrate`
 * them (with shared datastores: boot their own disks on another host),
 * `delete` them, or `none` (wait for the host, the default).
 */
export type HostFailurePolicy = 'none' | 'recreate' | 'migrate' | 'delete';

export const HOST_FAILURE_POLICIES: readonly HostFailurePolicy[] = ['none', 'recreate', 'migrate', 'delete'];

export interface HostFailureOptions {
  readonly policy: HostFailurePolicy;
  /** How long a host stays lost before oned fences it and applies the policy. */
  readonly graceMs: number;
}

/** @default none: a lost host's VMs wait in UNKNOWN for it, as OpenNebula does without the hook. */
export const DEFAULT_HOST_FAILURE: HostFailureOptions = Object.freeze({ policy: 'none', graceMs: 60_000 });

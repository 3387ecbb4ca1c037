import type { Permissions } from '../auth/permissions.js';
import type { TemplateRecord } from './template-pool.js';

/** A VM template as the API returns it: the record with its owner's names, its group and its bits. */
export interface TemplateView extends Omit<TemplateRecord, 'perms'> {
  /** The template's group (OpenNebula's GID); the API gives one stored without a group its owner's. */
  readonly gid: number;
  readonly user: string;
  readonly group: string;
  /** OpenNebula's nine bits, OWNER_U (0o400) … OTHER_A (0o001). */
  readonly permissions: Permissions;
}

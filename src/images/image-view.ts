import type { Permissions } from '../auth/permissions.js';
import type { ImageRecord } from './image-record.js';

/** The ids and names OpenNebula gives its default datastores, as views and the CLI name them. */
export const SYSTEM_DATASTORE = Object.freeze({ id: 0, name: 'system' });
export const IMAGES_DATASTORE = Object.freeze({ id: 1, name: 'default' });

/** An image as the API returns it: with its owner's and group's names, its datastore and its bits. */
export interface ImageView extends Omit<ImageRecord, 'perms'> {
  readonly user: string;
  readonly group: string;
  readonly datastore: string;
  readonly datastoreId: number;
  /**
   * OpenNebula's nine bits, OWNER_U (0o400) … OTHER_A (0o001): who may use,
   * manage and administer the image (src/auth/permissions.ts). A record
   * without bits shows the rule it was made under (permsOf).
   */
  readonly permissions: Permissions;
}

import type { ImageRecord } from './image-record.js';

/** The ids and names OpenNebula gives its default datastores, as views and the CLI name them. */
export const SYSTEM_DATASTORE = Object.freeze({ id: 0, name: 'system' });
export const IMAGES_DATASTORE = Object.freeze({ id: 1, name: 'default' });

/**
 * Who may do what with an image, as OpenNebula prints it: for the owner,
 * the owner's group and everyone else, `u` (use), `m` (manage), `a`
 * (administer) or `-`. oned computes it from its own rules, so that a
 * client prints it without knowing them.
 */
export interface ImagePermissions {
  readonly owner: string;
  readonly group: string;
  readonly other: string;
}

/** An image as the API returns it: with its owner's names, its datastore and its permissions. */
export interface ImageView extends ImageRecord {
  readonly user: string;
  readonly group: string;
  readonly datastore: string;
  readonly datastoreId: number;
  readonly permissions: ImagePermissions;
}

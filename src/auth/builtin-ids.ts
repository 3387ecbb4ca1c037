/**
 * The ids OpenNebula gives its built-in user and groups. Authorization
 * decides by them (a member of group oneadmin is an administrator; what
 * oneadmin owns is public), so they belong to auth; the users domain creates
 * the records that carry them.
 */

/** oneadmin, created on the first start; it can be neither deleted, disabled nor moved out of its group. */
export const ONEADMIN_ID = 0;
/** Group `oneadmin`: its members are administrators, as in OpenNebula. */
export const ONEADMIN_GID = 0;
/** Group `users`: where new users go unless told otherwise. */
export const USERS_GID = 1;

import type { Command } from 'commander';
import type { NameRef } from '../api/api-types.js';
import { permissionString } from '../auth/permissions.js';
import type { ApiClient } from './api-client.js';
import type { GlobalOptions } from './connect.js';
import { withClient, withGlobalOptions } from './run.js';

/** A user or group as typed: digits are an id, anything else a name. */
function nameRef(s: string): NameRef {
  return /^\d+$/.test(s) ? Number(s) : s;
}

/**
 * `show`'s PERMISSIONS block as OpenNebula's CLI prints it (`OWNER : um-`),
 * its labels padded to `width` as the rest of that `show`.
 */
export function permissionLines(perms: number, width: number): string[] {
  const bits = permissionString(perms);
  return ['PERMISSIONS', ...['OWNER', 'GROUP', 'OTHER'].map((who, i) => `${who.padEnd(width)}: ${bits.slice(i * 3, i * 3 + 3)}`)];
}

/** How one kind of object's chown and chmod are called. */
export interface OwnershipCalls {
  /** The object as help text names it: `VM`, `template`, `virtual network`. */
  readonly what: string;
  /** The id argument's help: `VM id`, `template id or name`. */
  readonly idHelp: string;
  chown(client: ApiClient, id: string, owner: { user?: NameRef; group?: NameRef }): Promise<unknown>;
  chmod(client: ApiClient, id: string, octet: string): Promise<unknown>;
}

/**
 * OpenNebula's `chown <id> <user> [<group>]`, `chgrp <id> <group>` and
 * `chmod <id> <octet>` (`640`: the owner uses and manages, the group uses),
 * as every `one*` command that has objects with owners has them.
 */
export function ownershipCommands(program: Command, calls: OwnershipCalls): void {
  withGlobalOptions(
    program
      .command('chown')
      .argument('<id>', calls.idHelp)
      .argument('<user>', 'the new owner: user id or name')
      .argument('[group]', 'the new group: group id or name'),
  )
    .description(`Change the owner (administrators only) and the group of a ${calls.what}`)
    .action(async (id: string, user: string, group: string | undefined, o: GlobalOptions) => {
      await withClient(o, (c) => calls.chown(c, id, { user: nameRef(user), ...(group === undefined ? {} : { group: nameRef(group) }) }));
    });
  withGlobalOptions(program.command('chgrp').argument('<id>', calls.idHelp).argument('<group>', 'the new group: group id or name'))
    .description(`Change the group of a ${calls.what} (to your own, unless you are an administrator)`)
    .action(async (id: string, group: string, o: GlobalOptions) => {
      await withClient(o, (c) => calls.chown(c, id, { group: nameRef(group) }));
    });
  withGlobalOptions(program.command('chmod').argument('<id>', calls.idHelp).argument('<octet>', 'three octal digits such as 640'))
    .description(`Change the permissions of a ${calls.what}: owner, group, others; 4 use, 2 manage, 1 admin`)
    .action(async (id: string, octet: string, o: GlobalOptions) => {
      await withClient(o, (c) => calls.chmod(c, id, octet));
    });
}

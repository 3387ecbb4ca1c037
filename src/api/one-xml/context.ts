import type { TransferMode } from '../../hosts/host-record.js';
import type { HostView } from '../../hosts/host-view.js';
import type { HypervisorName } from '../../protocol/domain.js';
import type { Attribute } from '../../templates/index.js';
import type { GroupView, UserView } from '../../users/user-record.js';

/** What a history record or a VM needs of a host: its name and drivers. */
export interface HostRef {
  readonly name: string;
  readonly im: HypervisorName;
  readonly vm: HypervisorName;
  readonly tm: TransferMode;
}

/**
 * What the views lack and a document needs, gathered once per call by the
 * door (from the user pool and the host pool) and handed to every builder.
 */
export interface OneXmlContext {
  /** Now, in ms since the epoch (a LOGIN_TOKEN's remaining time, a monitoring record's age). */
  readonly now: number;
  /** Group names by id: a view's GID gives GNAME, and a name the view carries gives its GID. */
  readonly groups: ReadonlyMap<number, string>;
  /** Every group's members, for GROUP/USERS and USER/GROUPS. */
  readonly groupUsers: ReadonlyMap<number, readonly number[]>;
  /** Hosts by id, for HISTORY's HOSTNAME, VM_MAD and TM_MAD. */
  readonly hosts: ReadonlyMap<number, HostRef>;
  /** Parsed templates to reuse (template-xml.ts); without it each document parses its own. */
  readonly templates?: { attributes(text: string): readonly Attribute[] };
}

/** Builds a context from the pools' views; anything left out is simply unknown (see each document for its default). */
export function oneXmlContext(parts: {
  readonly now?: number;
  readonly groups?: readonly GroupView[];
  readonly users?: readonly UserView[];
  readonly hosts?: readonly Pick<HostView, 'id' | 'name' | 'im' | 'vm' | 'tm'>[];
}): OneXmlContext {
  const groups = new Map<number, string>();
  const groupUsers = new Map<number, number[]>();
  for (const g of parts.groups ?? []) {
    groups.set(g.id, g.name);
    groupUsers.set(g.id, [...g.users]);
  }
  for (const u of parts.users ?? []) {
    if (!groups.has(u.gid)) groups.set(u.gid, u.group);
    const members = groupUsers.get(u.gid) ?? [];
    if (!members.includes(u.id)) members.push(u.id);
    groupUsers.set(u.gid, members);
  }
  for (const m of groupUsers.values()) m.sort((a, b) => a - b);
  const hosts = new Map<number, HostRef>();
  for (const h of parts.hosts ?? []) hosts.set(h.id, { name: h.name, im: h.im, vm: h.vm, tm: h.tm });
  return { now: parts.now ?? Date.now(), groups, groupUsers, hosts };
}

/** The id of the group a view names (views show the owner's group by name); -1 when it is not known. */
export function groupIdByName(ctx: OneXmlContext, name: string): number {
  for (const [id, n] of ctx.groups) if (n === name) return id;
  return -1;
}

/** OpenNebula's times are seconds since the epoch; Nephele keeps milliseconds. 0 stays 0 (OpenNebula's "never"). */
export function seconds(ms: number | undefined): number {
  return ms === undefined || !Number.isFinite(ms) ? 0 : Math.floor(ms / 1000);
}

/**
 * The GID of a view: its own `gid` where it has one, else the id of the
 * group it names (VM and template views name their owner's group); -1 when
 * that group is not known (a deleted owner's object).
 */
export function gidOf(view: { readonly group: string; readonly gid?: number }, ctx: OneXmlContext): number {
  return typeof view.gid === 'number' ? view.gid : groupIdByName(ctx, view.group);
}

/** GNAME for a GID: the context's name for it, else the name the view carries. */
export function gnameOf(gid: number, fallback: string, ctx: OneXmlContext): string {
  return ctx.groups.get(gid) ?? fallback;
}

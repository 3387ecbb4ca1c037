/**
 * The kinds of entity the store keeps, one LevelDB sublevel each. To add a
 * kind, add its name here; the store opens a sublevel and an id counter for
 * every name in this list.
 */
export const ENTITY_KINDS = Object.freeze([
  'hosts',
  'vms',
  'networks',
  'users',
  'groups',
  'images',
  'templates',
  'history',
  'meta',
] as const);

export type EntityKind = (typeof ENTITY_KINDS)[number];

const KINDS: ReadonlySet<string> = new Set(ENTITY_KINDS);

export function isEntityKind(value: unknown): value is EntityKind {
  return typeof value === 'string' && KINDS.has(value);
}

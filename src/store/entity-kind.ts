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

/**
 * What each kind holds. The store sits below the domains and cannot import
 * their records, so each domain fills in its own kind where it defines the
 * record, by declaration merging:
 *
 * ```ts
 * declare module '../store/entity-kind.js' {
 *   interface EntityRecords { vms: VmRecord }
 * }
 * ```
 *
 * A kind nobody has filled in reads as `unknown`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: the domains fill it in by declaration merging
export interface EntityRecords {}

/** The record a kind holds: `store.get('vms', id)` is a VmRecord without a type argument. */
export type RecordOf<K extends EntityKind> = K extends keyof EntityRecords ? EntityRecords[K] : unknown;

const KINDS: ReadonlySet<string> = new Set(ENTITY_KINDS);

export function isEntityKind(value: unknown): value is EntityKind {
  return typeof value === 'string' && KINDS.has(value);
}

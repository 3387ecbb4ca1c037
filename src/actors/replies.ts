/**
 * Typed asks: what each message of an actor answers, so that `ask` infers
 * its reply from the message the way the wire's `ReplyOf` does, and no call
 * site names (and so trusts) a type of its own.
 */

// A phantom key: declared, never defined, so a reply type rides on a message
// type without a property at run time (nothing to allocate, send or copy).
declare const REPLY: unique symbol;

/**
 * Marks a message as one an ask may send, answered with `R`. Intersect it
 * into a member (`{ readonly type: 'get'; … } & Reply<Ref>`) where a map
 * does not fit: a generic union, or messages without a `type` tag.
 */
export interface Reply<R> {
  readonly [REPLY]?: R;
}

/**
 * Joins a union tagged by `type` with the map of its replies
 * (`{ info: VmView; action: VmView }`): each member whose tag is in the map
 * answers an ask with that reply; the others are for `tell` only.
 */
export type WithReplies<M, R> = M extends { readonly type: infer K } ? (K extends keyof R ? M & Reply<R[K]> : M) : never;

/** The members of `M` an ask may send. */
export type Askable<M> = M extends unknown ? (typeof REPLY extends keyof M ? M : never) : never;

/**
 * What an ask of `Q` answers: the reply of the member of `M` that `Q` is (a
 * union of replies for a union `Q`). A ref of `any` (AnyRef: any actor's)
 * answers anything, and one of `never` nothing.
 */
export type ReplyTo<M, Q> = [M] extends [never] ? never : 0 extends 1 & M ? Anything : Typed<M, Q>;

type Typed<M, Q> = M extends unknown ? (typeof REPLY extends keyof M ? (Q extends M ? Replied<M> : never) : never) : never;

// biome-ignore lint/suspicious/noExplicitAny: an AnyRef answers a type every caller accepts.
type Anything = any;

type Replied<M> = M extends Reply<infer R> ? R : never;

/**
 * `Q` with no key its member of `M` (found by `type`) lacks: a generic
 * parameter is not an object literal's target, so without this a misspelt
 * optional field (`{ type: 'list', al: true }`) would pass where `tell`
 * refuses it.
 */
export type Exact<M, Q> = Q &
  (Q extends { readonly type: infer K } ? { readonly [P in Exclude<keyof Q, keyof Extract<M, { readonly type: K }>>]: never } : unknown);

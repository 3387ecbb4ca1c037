/**
 * Syntax trees of requirement and rank expressions. Runs of operators of
 * one precedence are kept flat (`chain`), evaluated left to right, so a long
 * `A & B | C & …` is one node and never a deep tree.
 */
export type CompareOp = '=' | '!=' | '>' | '<' | '@>';

export type Literal =
  | { readonly type: 'number'; readonly value: number }
  /** Quoted or a bare word; a shell wildcard pattern. */
  | { readonly type: 'string'; readonly value: string };

export type BoolExpr =
  /** The empty expression: every host qualifies. */
  | { readonly kind: 'empty' }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly name: string; readonly value: Literal; readonly pos: number }
  | { readonly kind: 'not'; readonly operand: BoolExpr; readonly pos: number }
  /** `first op1 e1 op2 e2 …`, grouped from the left: `&` and `|` bind equally, as in OpenNebula. */
  | { readonly kind: 'chain'; readonly first: BoolExpr; readonly rest: readonly BoolStep[] };

export interface BoolStep {
  readonly op: '&' | '|';
  readonly operand: BoolExpr;
}

export type RankExpr =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'variable'; readonly name: string; readonly pos: number }
  | { readonly kind: 'negate'; readonly operand: RankExpr; readonly pos: number }
  /** One precedence level, grouped from the left: all `+`/`-`, or all `*`/`/`. */
  | { readonly kind: 'chain'; readonly first: RankExpr; readonly rest: readonly RankStep[] };

export interface RankStep {
  readonly op: '+' | '-' | '*' | '/';
  readonly operand: RankExpr;
}

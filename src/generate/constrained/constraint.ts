/**
 * What the generation loop needs from an output constraint (JSON mode, JSON
 * schema): which tokens may come next, and whether the output is finished.
 *
 * Budget: a constraint is told how many tokens are left, and must always leave
 * room to finish a valid output. `allowed` returns every token that keeps the
 * output valid; the loop samples from it and asks `fits` whether the token
 * still leaves a completion within the budget. If not, it samples again from
 * `forced`, which allows only tokens along a shortest completion, so the
 * output is valid however the budget ends.
 */
export interface TokenConstraint {
  /** Bitset (32 ids per word) of the ids allowed next; EOS ids are set when the output is complete. */
  allowed(remaining: number): Uint32Array;
  /** Whether taking `token` now still leaves a valid completion in `remaining - 1` tokens. */
  fits(token: number, remaining: number): boolean;
  /** Ids along a shortest completion (always fits when the constraint was satisfiable at the start). */
  forced(remaining: number): Uint32Array;
  /** Fewest tokens that finish a valid output from here. */
  minTokens(): number;
  /** Advances past a chosen token (not EOS). */
  accept(token: number): void;
  /** The text so far is a complete, valid output. */
  readonly complete: boolean;
  /** Complete, and no byte may follow: generation ends here. */
  readonly closed: boolean;
  /** The budget forced the shortest completion (the output was cut short to stay valid). */
  readonly forcedToEnd: boolean;
}

/** Makes one constraint per sequence (the compiled grammar and token tables are shared). */
export interface ConstraintFactory {
  create(): TokenConstraint;
}

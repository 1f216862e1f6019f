/**
 * JSON and JSON-schema constrained decoding over a tokenizer's vocabulary.
 *
 * The mask of a matcher state is found by walking the token trie and the
 * matcher together: a subtree is skipped as soon as its byte prefix is
 * rejected, so the cost is the number of trie nodes that are valid prefixes,
 * and it is paid once per distinct state (masks are cached on the state).
 *
 * Budget: the constraint knows the shortest completion of every state and how
 * few tokens spell it (a shortest-path over the trie). A token is accepted
 * only if what it leaves can still be finished in the tokens that remain;
 * otherwise the sequence switches to the plan: the shortest completion, spelt
 * in the fewest tokens, which ends the output exactly when the budget does.
 */
import { InvalidArgumentError, UnsupportedError } from '../../errors.js';
import { stateCompletion } from './completion.js';
import type { ConstraintFactory, TokenConstraint } from './constraint.js';
import { K, Matcher, S, type State } from './matcher.js';
import type { GrammarNode } from './schema.js';
import { child, type TokenTable } from './token-table.js';

/** Masks kept per grammar: 1024 masks of a 150k vocabulary take 19 MB. */
const MAX_CACHED_MASKS = 1024;

/** A compiled grammar bound to one tokenizer's token table; shared by every sequence using it. */
export class JsonGrammar implements ConstraintFactory {
  readonly matcher: Matcher;
  private readonly words: number;
  private cachedMasks = 0;

  constructor(
    readonly table: TokenTable,
    root: GrammarNode,
  ) {
    this.matcher = new Matcher(root);
    this.words = (table.vocabSize + 31) >>> 5;
    if (this.minTokens(this.matcher.initial) === Infinity) {
      throw new UnsupportedError('json_schema', "the tokenizer cannot spell this schema's shortest valid output (no tokens for some of its characters)");
    }
  }

  create(): TokenConstraint {
    return new JsonConstraint(this);
  }

  /** Tokens allowed in state s (cached on the state); EOS ids when s is a complete document. */
  mask(s: State): Uint32Array {
    if (s.mask) return s.mask;
    const m = this.stringMask(s) ?? this.trieMask(s);
    if (s.accepting) for (const e of this.table.eosIds) m[e >>> 5]! |= 1 << (e & 31);
    // Length-bounded strings make a new state per length; cap what is kept (V/8 bytes per mask).
    if (this.cachedMasks < MAX_CACHED_MASKS) {
      s.mask = m;
      this.cachedMasks++;
    }
    return m;
  }

  /**
   * Fast path inside a string (the common state, and the one whose mask the
   * trie walk finds slowest, since nearly every token is valid there): the
   * plain tokens that fit the length bound, plus a walk of the others.
   */
  private stringMask(s: State): Uint32Array | null {
    if (s.frames.length !== 1) return null;
    const f = s.frames[0]!;
    if (f.kind !== K.Str || f.b !== S.Normal) return null;
    const node = f.node as Extract<GrammarNode, { k: 'str' }>;
    const { upTo, others } = this.table.plain;
    const room = node.max === Infinity ? upTo.length - 1 : Math.min(upTo.length - 1, node.max - f.a);
    const m = room >= 0 ? Uint32Array.from(upTo[room]!) : new Uint32Array(this.words);
    const { bytes } = this.table;
    const { quoteChars, quoteAt } = this.table.plain;
    // Tokens that close the string after a plain run continue from the state after the string,
    // which is the same at every length: walk only their tail, from there.
    const after = this.matcher.stateOf([f.up!]);
    const counted = node.min > 0 || node.max !== Infinity;
    for (let i = 0; i < others.length; i++) {
      const id = others[i]!;
      const b = bytes[id]!;
      const qc = quoteChars[i]!;
      let ok: boolean;
      if (qc >= 0) {
        const total = f.a + qc;
        ok = (!counted || (total >= node.min && total <= node.max)) && (quoteAt[i]! + 1 === b.length || this.matcher.walk(after, b, quoteAt[i]! + 1) !== null);
      } else {
        ok = this.matcher.walk(s, b) !== null;
      }
      if (ok) m[id >>> 5]! |= 1 << (id & 31);
    }
    return m;
  }

  private trieMask(s: State): Uint32Array {
    const m = new Uint32Array(this.words);
    const { trie } = this.table;
    const { byte, end, tokStart, ids } = trie;
    const matcher = this.matcher;
    const visit = (node: number, st: State): void => {
      for (let c = node + 1; c < end[node]!; c = end[c]!) {
        const next = matcher.step(st, byte[c]!);
        if (next === null) continue;
        for (let t = tokStart[c]!; t < tokStart[c + 1]!; t++) {
          const id = ids[t]!;
          m[id >>> 5]! |= 1 << (id & 31);
        }
        if (end[c]! > c + 1) visit(c, next);
      }
    };
    visit(0, s);
    return m;
  }

  /** Fewest tokens that spell the state's shortest completion (Infinity when the vocabulary cannot). */
  minTokens(s: State): number {
    if (s.minTokens !== undefined) return s.minTokens;
    const n = this.spell(stateCompletion(s)).dp[0]!;
    s.minTokens = n;
    return n;
  }

  /** dp[i] = fewest tokens spelling bytes[i..]. */
  spell(bytes: Uint8Array): { dp: Float64Array } {
    const { trie } = this.table;
    const n = bytes.length;
    const dp = new Float64Array(n + 1).fill(Infinity);
    dp[n] = 0;
    for (let i = n - 1; i >= 0; i--) {
      let node = 0;
      for (let j = i; j < n; j++) {
        node = child(trie, node, bytes[j]!);
        if (node < 0) break;
        if (trie.tokStart[node + 1]! > trie.tokStart[node]! && 1 + dp[j + 1]! < dp[i]!) dp[i] = 1 + dp[j + 1]!;
      }
    }
    return { dp };
  }

  /** Tokens that spell a prefix of `plan[from..]` on a fewest-token path. */
  planMask(plan: Uint8Array, from: number, dp: Float64Array): Uint32Array {
    const m = new Uint32Array(this.words);
    const { trie } = this.table;
    if (from === plan.length) return m;
    let node = 0;
    for (let j = from; j < plan.length; j++) {
      node = child(trie, node, plan[j]!);
      if (node < 0) break;
      if (1 + dp[j + 1]! !== dp[from]!) continue;
      for (let t = trie.tokStart[node]!; t < trie.tokStart[node + 1]!; t++) {
        const id = trie.ids[t]!;
        m[id >>> 5]! |= 1 << (id & 31);
      }
    }
    return m;
  }
}

/** One sequence's position in the grammar. */
class JsonConstraint implements TokenConstraint {
  private state: State;
  /** The committed completion once the budget forced it, and how far it is spelt. */
  private plan: { bytes: Uint8Array; dp: Float64Array; at: number } | null = null;

  constructor(private readonly g: JsonGrammar) {
    this.state = g.matcher.initial;
  }

  get complete(): boolean {
    return this.state.accepting;
  }

  get closed(): boolean {
    return this.state.closed || (this.plan !== null && this.plan.at === this.plan.bytes.length && this.state.accepting);
  }

  get forcedToEnd(): boolean {
    return this.plan !== null;
  }

  minTokens(): number {
    return this.g.minTokens(this.state);
  }

  allowed(remaining: number): Uint32Array {
    if (this.plan) return this.forced(remaining);
    return this.g.mask(this.state);
  }

  fits(token: number, remaining: number): boolean {
    if (this.plan) return true;
    const next = this.g.matcher.walk(this.state, this.g.table.bytes[token] ?? new Uint8Array(0));
    return next !== null && this.g.minTokens(next) <= remaining - 1;
  }

  forced(_remaining: number): Uint32Array {
    if (!this.plan) {
      const bytes = stateCompletion(this.state);
      this.plan = { bytes, dp: this.g.spell(bytes).dp, at: 0 };
    }
    const p = this.plan;
    const m = this.g.planMask(p.bytes, p.at, p.dp);
    if (p.at === p.bytes.length && this.state.accepting) for (const e of this.g.table.eosIds) m[e >>> 5]! |= 1 << (e & 31);
    return m;
  }

  accept(token: number): void {
    const bytes = this.g.table.bytes[token];
    if (!bytes || bytes.length === 0) return;
    const next = this.g.matcher.walk(this.state, bytes);
    if (next === null) throw new InvalidArgumentError('json_schema', 'token', `token ${token} does not continue a valid output`);
    this.state = next;
    if (this.plan) this.plan.at += bytes.length;
  }
}

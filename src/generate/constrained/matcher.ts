/**
 * A byte-level pushdown matcher for the grammar nodes of schema.ts.
 *
 * A frame is one level of the parse stack ("inside a string", "after a
 * property value", ...) with a pointer to the frame to continue with once its
 * value is complete (`up`). Frames are immutable and hash-consed, so equal
 * stacks are the same object. A State is a hash-consed set of frames (anyOf
 * and number endings make the parse nondeterministic) with its transitions
 * memoised per byte: after warm-up, walking a token's bytes is a few array
 * lookups, and per-state data (the token mask) can be cached on the state.
 *
 * Bounds that keep every accepted text valid JSON that parses to what the
 * schema expects: at most MAX_WS whitespace bytes in a row, integers of at
 * most 15 digits (exact in a double), fractions of at most 20 digits and
 * exponents of at most 2, no \u escapes of surrogates, and well-formed UTF-8.
 */
import type { GrammarNode, ObjNode } from './schema.js';

export const MAX_WS = 32;
const MAX_INT_DIGITS = 15;
const MAX_FRAC_DIGITS = 20;
const MAX_EXP_DIGITS = 2;

export const enum K {
  End,
  Value,
  Lit,
  Str,
  Num,
  ObjStart,
  ObjKey,
  ObjColon,
  ObjAfter,
  ObjNext,
  FobjStart,
  FobjColon,
  FobjAfter,
  FobjNext,
  ArrStart,
  ArrAfter,
}

/** String sub-states: where inside a character or escape the matcher is. */
export const enum S {
  Normal,
  Esc,
  U4,
  U3,
  U3D,
  U2,
  U1,
  C1,
  C2,
  C2E0,
  C2ED,
  C3,
  C3F0,
  C3F4,
}

/** Number phases; Zero, Int, Frac and Exp are complete numbers. */
export const enum N {
  Minus,
  Zero,
  Int,
  Dot,
  Frac,
  E,
  ESign,
  Exp,
}

export interface Frame {
  readonly kind: K;
  readonly node: GrammarNode | null;
  readonly a: number;
  readonly b: number;
  readonly up: Frame | null;
  readonly id: number;
  /** Shortest bytes completing this stack (memo, see completion.ts). */
  comp: Uint8Array | undefined;
}

export interface State {
  readonly frames: readonly Frame[];
  readonly id: number;
  /** Transitions by byte: undefined = not computed yet, null = dead. */
  readonly next: (State | null | undefined)[];
  readonly accepting: boolean;
  /** Only the end of the document: nothing may follow. */
  readonly closed: boolean;
  /** Caches for the constraint (token mask, shortest completion, its token count). */
  mask: Uint32Array | undefined;
  comp: Uint8Array | undefined;
  minTokens: number | undefined;
}

const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
const QUOTE = 0x22;

export class Matcher {
  private readonly frames = new Map<string, Frame>();
  private readonly states = new Map<string, State>();
  readonly end: Frame;
  readonly initial: State;

  constructor(readonly root: GrammarNode) {
    this.end = this.frame(K.End, null, 0, 0, null);
    this.initial = this.state([this.frame(K.Value, root, 0, 0, this.end)])!;
  }

  /** Distinct frames and states built so far (memory use). */
  get size(): { frames: number; states: number } {
    return { frames: this.frames.size, states: this.states.size };
  }

  frame(kind: K, node: GrammarNode | null, a: number, b: number, up: Frame | null): Frame {
    const key = `${kind},${node ? node.id : -1},${a},${b},${up ? up.id : -1}`;
    let f = this.frames.get(key);
    if (!f) {
      // Every field set up front, so all frames share one hidden class.
      f = { kind, node, a, b, up, id: this.frames.size, comp: undefined };
      this.frames.set(key, f);
    }
    return f;
  }

  /** The state made of exactly these frames. */
  stateOf(frames: Frame[]): State {
    return this.state(frames)!;
  }

  private state(list: Frame[]): State | null {
    if (list.length === 0) return null;
    const uniq = [...new Set(list)].sort((x, y) => x.id - y.id);
    const key = uniq.map((f) => f.id).join(',');
    let s = this.states.get(key);
    if (!s) {
      const accepting = uniq.some((f) => f.kind === K.End || (f.kind === K.Num && numComplete(f.a) && f.up === this.end));
      const next: (State | null | undefined)[] = new Array(256).fill(undefined);
      s = { frames: uniq, id: this.states.size, next, accepting, closed: uniq.length === 1 && uniq[0]!.kind === K.End, mask: undefined, comp: undefined, minTokens: undefined };
      this.states.set(key, s);
    }
    return s;
  }

  /** The state after one byte, or null when the byte cannot continue a valid output. */
  step(s: State, byte: number): State | null {
    const known = s.next[byte];
    if (known !== undefined) return known;
    const out: Frame[] = [];
    for (const f of s.frames) this.stepFrame(f, byte, out);
    const n = this.state(out);
    s.next[byte] = n;
    return n;
  }

  /** The state after bytes[start..], or null. (An offset, because subarray() costs more than the walk.) */
  walk(s: State, bytes: Uint8Array, start = 0): State | null {
    let cur: State | null = s;
    for (let i = start; i < bytes.length && cur; i++) {
      const c = bytes[i]!;
      const known: State | null | undefined = cur.next[c];
      cur = known !== undefined ? known : this.step(cur, c);
    }
    return cur;
  }

  private stepFrame(f: Frame, c: number, out: Frame[]): void {
    const node = f.node!;
    switch (f.kind) {
      case K.End:
        return;
      case K.Value:
        if (isWs(c)) {
          if (f.a < MAX_WS) out.push(this.frame(K.Value, node, f.a + 1, 0, f.up));
          return;
        }
        this.startValue(node, c, f.up!, out);
        return;
      case K.Lit: {
        const bytes = (node as { bytes: Uint8Array }).bytes;
        if (bytes[f.a] === c) out.push(f.a + 1 === bytes.length ? f.up! : this.frame(K.Lit, node, f.a + 1, 0, f.up));
        return;
      }
      case K.Str:
        this.stepString(f, c, out);
        return;
      case K.Num:
        this.stepNumber(f, c, out);
        return;
      case K.ObjStart:
      case K.ObjNext: {
        if (isWs(c)) {
          if (f.a < MAX_WS) out.push(this.frame(f.kind, node, f.a + 1, f.b, f.up));
          return;
        }
        const obj = node as ObjNode;
        const last = f.kind === K.ObjStart ? -1 : f.b;
        if (c === QUOTE) for (const i of candidates(obj, last)) out.push(this.frame(K.ObjKey, node, i, 1, f.up));
        else if (c === 0x7d && f.kind === K.ObjStart && !requiredAfter(obj, -1)) out.push(f.up!);
        return;
      }
      case K.ObjKey: {
        const key = (node as ObjNode).props[f.a]!.keyBytes;
        if (key[f.b] !== c) return;
        out.push(f.b + 1 === key.length ? this.frame(K.ObjColon, node, f.a, 0, f.up) : this.frame(K.ObjKey, node, f.a, f.b + 1, f.up));
        return;
      }
      case K.ObjColon:
        if (isWs(c)) {
          if (f.b < MAX_WS) out.push(this.frame(K.ObjColon, node, f.a, f.b + 1, f.up));
        } else if (c === 0x3a) {
          const after = this.frame(K.ObjAfter, node, 0, f.a, f.up);
          out.push(this.frame(K.Value, (node as ObjNode).props[f.a]!.value, 0, 0, after));
        }
        return;
      case K.ObjAfter: {
        // a = whitespace run, b = index of the last property written.
        const obj = node as ObjNode;
        if (isWs(c)) {
          if (f.a < MAX_WS) out.push(this.frame(K.ObjAfter, node, f.a + 1, f.b, f.up));
        } else if (c === 0x2c) {
          if (f.b + 1 < obj.props.length) out.push(this.frame(K.ObjNext, node, 0, f.b, f.up));
        } else if (c === 0x7d && !requiredAfter(obj, f.b)) {
          out.push(f.up!);
        }
        return;
      }
      case K.FobjStart:
      case K.FobjNext: {
        if (isWs(c)) {
          if (f.a < MAX_WS) out.push(this.frame(f.kind, node, f.a + 1, 0, f.up));
          return;
        }
        const fo = node as Extract<GrammarNode, { k: 'fobj' }>;
        if (c === QUOTE) out.push(this.frame(K.Str, fo.key, 0, S.Normal, this.frame(K.FobjColon, node, 0, 0, f.up)));
        else if (c === 0x7d && f.kind === K.FobjStart) out.push(f.up!);
        return;
      }
      case K.FobjColon:
        if (isWs(c)) {
          if (f.a < MAX_WS) out.push(this.frame(K.FobjColon, node, f.a + 1, 0, f.up));
        } else if (c === 0x3a) {
          const fo = node as Extract<GrammarNode, { k: 'fobj' }>;
          out.push(this.frame(K.Value, fo.value, 0, 0, this.frame(K.FobjAfter, node, 0, 0, f.up)));
        }
        return;
      case K.FobjAfter:
        if (isWs(c)) {
          if (f.a < MAX_WS) out.push(this.frame(K.FobjAfter, node, f.a + 1, 0, f.up));
        } else if (c === 0x2c) out.push(this.frame(K.FobjNext, node, 0, 0, f.up));
        else if (c === 0x7d) out.push(f.up!);
        return;
      case K.ArrStart: {
        const arr = node as Extract<GrammarNode, { k: 'arr' }>;
        if (isWs(c)) {
          if (f.a < MAX_WS) out.push(this.frame(K.ArrStart, node, f.a + 1, 0, f.up));
        } else if (c === 0x5d) {
          if (arr.min === 0) out.push(f.up!);
        } else if (arr.max > 0) {
          this.startValue(arr.items, c, this.frame(K.ArrAfter, node, 0, capCount(arr, 1), f.up), out);
        }
        return;
      }
      case K.ArrAfter: {
        // a = whitespace run, b = items so far (capped where no bound needs it).
        const arr = node as Extract<GrammarNode, { k: 'arr' }>;
        if (isWs(c)) {
          if (f.a < MAX_WS) out.push(this.frame(K.ArrAfter, node, f.a + 1, f.b, f.up));
        } else if (c === 0x2c) {
          if (f.b < arr.max) out.push(this.frame(K.Value, arr.items, 0, 0, this.frame(K.ArrAfter, node, 0, capCount(arr, f.b + 1), f.up)));
        } else if (c === 0x5d && f.b >= arr.min) {
          out.push(f.up!);
        }
        return;
      }
    }
  }

  /** The first byte of a value of `node`. */
  private startValue(node: GrammarNode, c: number, up: Frame, out: Frame[]): void {
    switch (node.k) {
      case 'alt':
        for (const o of node.options) this.startValue(o, c, up, out);
        return;
      case 'lit':
        if (node.bytes[0] === c) out.push(node.bytes.length === 1 ? up : this.frame(K.Lit, node, 1, 0, up));
        return;
      case 'str':
        if (c === QUOTE) out.push(this.frame(K.Str, node, 0, S.Normal, up));
        return;
      case 'num':
        if (c === 0x2d) out.push(this.frame(K.Num, node, N.Minus, 0, up));
        else if (c === 0x30) out.push(this.frame(K.Num, node, N.Zero, 1, up));
        else if (c > 0x30 && c <= 0x39) out.push(this.frame(K.Num, node, N.Int, 1, up));
        return;
      case 'obj':
        if (c === 0x7b) out.push(this.frame(K.ObjStart, node, 0, 0, up));
        return;
      case 'fobj':
        if (c === 0x7b) out.push(this.frame(K.FobjStart, node, 0, 0, up));
        return;
      case 'arr':
        if (c === 0x5b) out.push(this.frame(K.ArrStart, node, 0, 0, up));
        return;
    }
  }

  private stepNumber(f: Frame, c: number, out: Frame[]): void {
    const node = f.node as Extract<GrammarNode, { k: 'num' }>;
    const integer = node.integer;
    const to = (phase: N, digits: number) => out.push(this.frame(K.Num, node, phase, digits, f.up));
    const d = isDigit(c);
    switch (f.a as N) {
      case N.Minus:
        if (c === 0x30) to(N.Zero, 1);
        else if (d) to(N.Int, 1);
        break;
      case N.Zero:
      case N.Int:
        if (d && f.a === N.Int && f.b < MAX_INT_DIGITS) to(N.Int, f.b + 1);
        else if (c === 0x2e && !integer) to(N.Dot, 0);
        else if ((c === 0x65 || c === 0x45) && !integer) to(N.E, 0);
        break;
      case N.Dot:
        if (d) to(N.Frac, 1);
        break;
      case N.Frac:
        if (d && f.b < MAX_FRAC_DIGITS) to(N.Frac, f.b + 1);
        else if (c === 0x65 || c === 0x45) to(N.E, 0);
        break;
      case N.E:
        if (c === 0x2b || c === 0x2d) to(N.ESign, 0);
        else if (d) to(N.Exp, 1);
        break;
      case N.ESign:
        if (d) to(N.Exp, 1);
        break;
      case N.Exp:
        if (d && f.b < MAX_EXP_DIGITS) to(N.Exp, f.b + 1);
        break;
    }
    // A complete number also ends at any byte its continuation accepts.
    if (numComplete(f.a)) this.stepFrame(f.up!, c, out);
  }

  private stepString(f: Frame, c: number, out: Frame[]): void {
    const node = f.node as Extract<GrammarNode, { k: 'str' }>;
    const len = f.a;
    const to = (sub: S, n = len) => out.push(this.frame(K.Str, node, n, sub, f.up));
    const counted = (n: number) => (node.min === 0 && node.max === Infinity ? 0 : Math.min(n, node.max === Infinity ? node.min : node.max));
    const canStart = len < node.max;
    switch (f.b as S) {
      case S.Normal:
        if (c === QUOTE) {
          if (len >= node.min) out.push(f.up!);
        } else if (!canStart || c < 0x20) {
          return;
        } else if (c === 0x5c) to(S.Esc, counted(len + 1));
        else if (c < 0x80) to(S.Normal, counted(len + 1));
        else if (c >= 0xc2 && c <= 0xdf) to(S.C1, counted(len + 1));
        else if (c === 0xe0) to(S.C2E0, counted(len + 1));
        else if (c === 0xed) to(S.C2ED, counted(len + 1));
        else if (c >= 0xe1 && c <= 0xef) to(S.C2, counted(len + 1));
        else if (c === 0xf0) to(S.C3F0, counted(len + 1));
        else if (c >= 0xf1 && c <= 0xf3) to(S.C3, counted(len + 1));
        else if (c === 0xf4) to(S.C3F4, counted(len + 1));
        return;
      case S.Esc:
        if (c === 0x75) to(S.U4);
        else if (c === QUOTE || c === 0x5c || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74) to(S.Normal);
        return;
      case S.U4:
        if (c === 0x64 || c === 0x44) to(S.U3D);
        else if (isHex(c)) to(S.U3);
        return;
      case S.U3D:
        if (c >= 0x30 && c <= 0x37) to(S.U2);
        return;
      case S.U3:
        if (isHex(c)) to(S.U2);
        return;
      case S.U2:
        if (isHex(c)) to(S.U1);
        return;
      case S.U1:
        if (isHex(c)) to(S.Normal);
        return;
      case S.C1:
        if (c >= 0x80 && c <= 0xbf) to(S.Normal);
        return;
      case S.C2:
        if (c >= 0x80 && c <= 0xbf) to(S.C1);
        return;
      case S.C2E0:
        if (c >= 0xa0 && c <= 0xbf) to(S.C1);
        return;
      case S.C2ED:
        if (c >= 0x80 && c <= 0x9f) to(S.C1);
        return;
      case S.C3:
        if (c >= 0x80 && c <= 0xbf) to(S.C2);
        return;
      case S.C3F0:
        if (c >= 0x90 && c <= 0xbf) to(S.C2);
        return;
      case S.C3F4:
        if (c >= 0x80 && c <= 0x8f) to(S.C2);
        return;
    }
  }
}

export function numComplete(phase: number): boolean {
  return phase === N.Zero || phase === N.Int || phase === N.Frac || phase === N.Exp;
}

/** Properties that may come next after the one at index `last`: up to and including the first required one. */
export function candidates(obj: ObjNode, last: number): number[] {
  const out: number[] = [];
  for (let i = last + 1; i < obj.props.length; i++) {
    out.push(i);
    if (obj.props[i]!.required) break;
  }
  return out;
}

export function requiredAfter(obj: ObjNode, last: number): boolean {
  for (let i = last + 1; i < obj.props.length; i++) if (obj.props[i]!.required) return true;
  return false;
}

/** Array item counts only matter up to the largest bound. */
function capCount(arr: { min: number; max: number }, n: number): number {
  return Math.min(n, arr.max === Infinity ? arr.min : arr.max);
}

/**
 * The shortest bytes that turn a matcher state into a complete document, used
 * when the token budget runs short: the constraint then spells exactly this
 * completion, so the output is valid however early it must end.
 *
 * Frames are immutable, so each frame's completion (its own part plus its
 * continuation's) is computed once and memoised on it.
 */
import { K, N, S, candidates, type Frame, type State } from './matcher.js';
import type { GrammarNode, ObjNode } from './schema.js';

const enc = new TextEncoder();
const bytesOf = (s: string) => enc.encode(s);

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const valueMemo = new WeakMap<GrammarNode, Uint8Array>();

/** The shortest serialisation of a value of `node`. */
export function minValue(node: GrammarNode): Uint8Array {
  const m = valueMemo.get(node);
  if (m) return m;
  let v: Uint8Array;
  switch (node.k) {
    case 'lit':
      v = node.bytes;
      break;
    case 'str':
      v = bytesOf(`"${'a'.repeat(node.min)}"`);
      break;
    case 'num':
      v = bytesOf('0');
      break;
    case 'obj':
      v = concat([bytesOf('{'), objectTail(node, -1, false)]);
      break;
    case 'fobj':
      v = bytesOf('{}');
      break;
    case 'arr':
      v = concat([bytesOf('['), arrayTail(node, 0, true)]);
      break;
    case 'alt': {
      let best: Uint8Array | null = null;
      for (const o of node.options) {
        const x = minValue(o);
        if (!best || x.length < best.length) best = x;
      }
      v = best!;
      break;
    }
  }
  valueMemo.set(node, v);
  return v;
}

/** `"key":value` for property i. */
function member(obj: ObjNode, i: number): Uint8Array {
  const p = obj.props[i]!;
  return concat([p.keyBytes, bytesOf(':'), minValue(p.value)]);
}

/** The rest of an object after property `last`: the remaining required members and '}'. */
function objectTail(obj: ObjNode, last: number, leadingComma: boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  let first = !leadingComma;
  for (let i = last + 1; i < obj.props.length; i++) {
    if (!obj.props[i]!.required) continue;
    parts.push(first ? member(obj, i) : concat([bytesOf(','), member(obj, i)]));
    first = false;
  }
  parts.push(bytesOf('}'));
  return concat(parts);
}

/** The rest of an array holding `count` items: enough more to reach minItems, and ']'. */
function arrayTail(arr: Extract<GrammarNode, { k: 'arr' }>, count: number, atStart: boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = count; i < arr.min; i++) parts.push(i === 0 && atStart ? minValue(arr.items) : concat([bytesOf(','), minValue(arr.items)]));
  parts.push(bytesOf(']'));
  return concat(parts);
}

/** What this frame itself still needs before its continuation takes over. */
function local(f: Frame): Uint8Array {
  const node = f.node!;
  switch (f.kind) {
    case K.End:
      return new Uint8Array(0);
    case K.Value:
      return minValue(node);
    case K.Lit:
      return (node as { bytes: Uint8Array }).bytes.subarray(f.a);
    case K.Str: {
      const str = node as Extract<GrammarNode, { k: 'str' }>;
      const finishChar: Record<number, number[]> = {
        [S.Normal]: [],
        [S.Esc]: [0x6e],
        [S.U4]: [0x30, 0x30, 0x30, 0x30],
        [S.U3]: [0x30, 0x30, 0x30],
        [S.U3D]: [0x30, 0x30, 0x30],
        [S.U2]: [0x30, 0x30],
        [S.U1]: [0x30],
        [S.C1]: [0x80],
        [S.C2]: [0x80, 0x80],
        [S.C2E0]: [0xa0, 0x80],
        [S.C2ED]: [0x80, 0x80],
        [S.C3]: [0x80, 0x80, 0x80],
        [S.C3F0]: [0x90, 0x80, 0x80],
        [S.C3F4]: [0x80, 0x80, 0x80],
      };
      const more = Math.max(0, str.min - f.a);
      return concat([Uint8Array.from(finishChar[f.b]!), bytesOf('a'.repeat(more) + '"')]);
    }
    case K.Num:
      return f.a === N.Minus || f.a === N.Dot || f.a === N.E || f.a === N.ESign ? bytesOf('0') : new Uint8Array(0);
    case K.ObjStart:
      return objectTail(node as ObjNode, -1, false);
    case K.ObjNext: {
      // After a comma one more member is mandatory: the cheapest candidate, then what it leaves required.
      const obj = node as ObjNode;
      let best: Uint8Array | null = null;
      for (const i of candidates(obj, f.b)) {
        const x = concat([member(obj, i), objectTail(obj, i, true)]);
        if (!best || x.length < best.length) best = x;
      }
      return best!;
    }
    case K.ObjKey: {
      const obj = node as ObjNode;
      const p = obj.props[f.a]!;
      return concat([p.keyBytes.subarray(f.b), bytesOf(':'), minValue(p.value), objectTail(obj, f.a, true)]);
    }
    case K.ObjColon: {
      const obj = node as ObjNode;
      return concat([bytesOf(':'), minValue(obj.props[f.a]!.value), objectTail(obj, f.a, true)]);
    }
    case K.ObjAfter:
      return objectTail(node as ObjNode, f.b, true);
    case K.FobjStart:
    case K.FobjAfter:
      return bytesOf('}');
    case K.FobjColon:
      return concat([bytesOf(':'), minValue((node as Extract<GrammarNode, { k: 'fobj' }>).value), bytesOf('}')]);
    case K.FobjNext:
      return concat([bytesOf('"":'), minValue((node as Extract<GrammarNode, { k: 'fobj' }>).value), bytesOf('}')]);
    case K.ArrStart:
      return arrayTail(node as Extract<GrammarNode, { k: 'arr' }>, 0, true);
    case K.ArrAfter:
      return arrayTail(node as Extract<GrammarNode, { k: 'arr' }>, f.b, false);
  }
}

/** Shortest completion of a whole stack (memoised on the frame). */
export function frameCompletion(f: Frame): Uint8Array {
  if (f.comp) return f.comp;
  const c = f.up ? concat([local(f), frameCompletion(f.up)]) : local(f);
  f.comp = c;
  return c;
}

/** Shortest completion of a state: the best over its frames (memoised on the state). */
export function stateCompletion(s: State): Uint8Array {
  if (s.comp) return s.comp;
  let best: Uint8Array | null = null;
  for (const f of s.frames) {
    const c = frameCompletion(f);
    if (!best || c.length < best.length) best = c;
  }
  s.comp = best!;
  return best!;
}

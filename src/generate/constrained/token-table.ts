/**
 * The bytes each token adds to the output, and a trie over them.
 *
 * A token's text is taken in context, as decode([ref, id]) minus decode([ref])
 * with an ordinary reference token, so that SentencePiece's leading '▁' counts
 * as the space it becomes mid-text. Tokens that are only part of a UTF-8
 * character decode to U+FFFD; their bytes are recovered from the token's
 * vocabulary form instead: SentencePiece byte-fallback tokens (<0xE2>) and
 * GPT-2 byte-level tokens (bytes mapped to printable code points). Special
 * tokens decode to nothing and are left out (EOS is handled separately).
 *
 * The trie is laid out in depth-first order: node i's subtree is [i, end[i]),
 * its first child is i + 1 and each child's next sibling starts at end[child],
 * so walking it needs no pointers.
 */
import type { TextTokenizer } from '../types.js';

const enc = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** GPT-2's byte-to-unicode table inverted: code point -> byte. */
function gpt2ByteDecoder(): Map<number, number> {
  const keep: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) keep.push(b);
  for (let b = 0xa1; b <= 0xac; b++) keep.push(b);
  for (let b = 0xae; b <= 0xff; b++) keep.push(b);
  const kept = new Set(keep);
  const map = new Map<number, number>();
  for (const b of keep) map.set(b, b);
  let n = 0;
  for (let b = 0; b < 256; b++) if (!kept.has(b)) map.set(256 + n++, b);
  return map;
}

function bytesFromVocabForm(form: string | undefined, gpt2: Map<number, number>): Uint8Array | null {
  if (form === undefined) return null;
  const hex = /^<0x([0-9A-Fa-f]{2})>$/.exec(form);
  if (hex) return Uint8Array.of(parseInt(hex[1]!, 16));
  const out: number[] = [];
  for (const ch of form) {
    const b = gpt2.get(ch.codePointAt(0)!);
    if (b === undefined) return null;
    out.push(b);
  }
  return out.length ? Uint8Array.from(out) : null;
}

export interface TokenTable {
  readonly vocabSize: number;
  /** Bytes of each id (empty: never allowed by a constraint). */
  readonly bytes: readonly Uint8Array[];
  readonly trie: TokenTrie;
  readonly eosIds: readonly number[];
  readonly plain: PlainTokens;
}

/**
 * Tokens that can sit anywhere inside a JSON string without ending it: whole
 * UTF-8 characters, no quote, backslash or control character. Inside a string
 * they only add characters, so a string state's mask is "the plain tokens of
 * at most n characters" plus a check of the few others.
 */
export interface PlainTokens {
  /** upTo[c]: bitset of plain tokens of at most c characters (c up to the longest). */
  readonly upTo: readonly Uint32Array[];
  /** Ids with bytes that are not plain. */
  readonly others: Int32Array;
  /** Per entry of `others`: characters before its first byte when that byte is a quote ending a plain run, else -1. */
  readonly quoteChars: Int32Array;
  /** Per entry of `others`: the byte index of that quote. */
  readonly quoteAt: Int32Array;
}

/** Characters in a plain token, or -1 when it is not plain. */
export function plainChars(b: Uint8Array): number {
  let chars = 0;
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c < 0x80) {
      if (c < 0x20 || c === 0x22 || c === 0x5c) return -1;
      need = 0;
    } else if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return -1;
    if (i + need >= b.length + (need ? 0 : 1)) return -1;
    for (let k = 1; k <= need; k++) {
      const x = b[i + k]!;
      if (x < (k === 1 ? lo : 0x80) || x > (k === 1 ? hi : 0xbf)) return -1;
    }
    i += need + 1;
    chars++;
  }
  return chars;
}

function buildPlain(bytes: readonly Uint8Array[]): PlainTokens {
  const words = (bytes.length + 31) >>> 5;
  const chars = bytes.map((b) => (b.length ? plainChars(b) : -2));
  let longest = 0;
  for (const c of chars) if (c > longest) longest = c;
  const byLen: Uint32Array[] = Array.from({ length: longest + 1 }, () => new Uint32Array(words));
  const others: number[] = [];
  chars.forEach((c, id) => {
    if (c >= 0) byLen[c]![id >>> 5]! |= 1 << (id & 31);
    else if (c === -1) others.push(id);
  });
  for (let c = 1; c <= longest; c++) {
    const cur = byLen[c]!;
    const prev = byLen[c - 1]!;
    for (let w = 0; w < words; w++) cur[w]! |= prev[w]!;
  }
  const quoteChars = new Int32Array(others.length).fill(-1);
  const quoteAt = new Int32Array(others.length).fill(-1);
  others.forEach((id, i) => {
    const b = bytes[id]!;
    const q = b.indexOf(0x22);
    if (q < 0) return;
    const before = plainChars(b.subarray(0, q));
    if (before < 0) return;
    quoteChars[i] = before;
    quoteAt[i] = q;
  });
  return { upTo: byLen, others: Int32Array.from(others), quoteChars, quoteAt };
}

export interface TokenTrie {
  /** The byte on the edge into each node (node 0 is the root). */
  readonly byte: Uint8Array;
  readonly end: Int32Array;
  /** Tokens ending at node i: ids[tokStart[i] .. tokStart[i + 1]). */
  readonly tokStart: Int32Array;
  readonly ids: Int32Array;
}

export function buildTokenTable(tok: TextTokenizer): TokenTable {
  const V = tok.vocabSize;
  const gpt2 = gpt2ByteDecoder();
  const refIds = tok.encode('a', { addSpecial: false });
  const ref = refIds[refIds.length - 1];
  const base = ref === undefined ? '' : tok.decode([ref], { skipSpecial: true });
  const bytes: Uint8Array[] = new Array(V);
  for (let id = 0; id < V; id++) {
    let text: string;
    try {
      text = ref === undefined ? tok.decode([id], { skipSpecial: true }) : tok.decode([ref, id], { skipSpecial: true });
    } catch {
      bytes[id] = EMPTY;
      continue;
    }
    const delta = text.startsWith(base) ? text.slice(base.length) : null;
    if (delta !== null && !delta.includes('\ufffd')) {
      bytes[id] = delta.length ? enc.encode(delta) : EMPTY;
    } else {
      bytes[id] = bytesFromVocabForm(tok.idToToken(id), gpt2) ?? EMPTY;
    }
  }
  for (const e of tok.eosIds) if (e >= 0 && e < V) bytes[e] = EMPTY;
  return { vocabSize: V, bytes, trie: buildTrie(bytes), eosIds: [...tok.eosIds].filter((e) => e >= 0 && e < V), plain: buildPlain(bytes) };
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Builds the depth-first trie from the tokens sorted by their bytes. */
export function buildTrie(bytes: readonly Uint8Array[]): TokenTrie {
  const order: number[] = [];
  for (let id = 0; id < bytes.length; id++) if (bytes[id]!.length) order.push(id);
  order.sort((x, y) => compareBytes(bytes[x]!, bytes[y]!) || x - y);
  const byte: number[] = [0];
  const end: number[] = [0];
  const tokOf: number[][] = [[]];
  // path[d] = node index at depth d along the current token's bytes.
  const path: number[] = [0];
  let prev: Uint8Array = EMPTY;
  for (const id of order) {
    const b = bytes[id]!;
    let common = 0;
    while (common < prev.length && common < b.length && prev[common] === b[common]) common++;
    // Close the nodes of the previous token deeper than the shared prefix.
    for (let d = prev.length; d > common; d--) end[path[d]!] = byte.length;
    for (let d = common; d < b.length; d++) {
      path[d + 1] = byte.length;
      byte.push(b[d]!);
      end.push(0);
      tokOf.push([]);
    }
    tokOf[path[b.length]!]!.push(id);
    prev = b;
  }
  for (let d = prev.length; d > 0; d--) end[path[d]!] = byte.length;
  end[0] = byte.length;
  const tokStart = new Int32Array(byte.length + 1);
  let n = 0;
  for (let i = 0; i < byte.length; i++) {
    tokStart[i] = n;
    n += tokOf[i]!.length;
  }
  tokStart[byte.length] = n;
  const ids = new Int32Array(n);
  let k = 0;
  for (const list of tokOf) for (const id of list) ids[k++] = id;
  return { byte: Uint8Array.from(byte), end: Int32Array.from(end), tokStart, ids };
}

/** The trie child of `node` along byte c, or -1. */
export function child(trie: TokenTrie, node: number, c: number): number {
  for (let x = node + 1; x < trie.end[node]!; x = trie.end[x]!) if (trie.byte[x] === c) return x;
  return -1;
}

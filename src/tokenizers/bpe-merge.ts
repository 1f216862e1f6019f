/**
 * The BPE merge loop: repeatedly merge the adjacent pair with the lowest rank
 * (the leftmost one on ties) until no adjacent pair is in the table. This is
 * the rule of tiktoken, Hugging Face `tokenizers` and SentencePiece BPE alike;
 * only where the ranks come from differs.
 *
 * Short words (the common case) use a quadratic scan over flat arrays, which
 * beats a heap below a few dozen symbols; long words (SentencePiece models see
 * whole sentences as one word) use a heap over a linked list.
 */
import type { PairTable } from './pair-table.js';

const NONE = 0x7fffffff;
const SHORT = 48;

/**
 * Merges `sym[0, n)` in place and returns the new length. `scratch` holds at
 * least `2n` ints for the per-position rank and merged id.
 */
export function bpeMerge(sym: Int32Array, n: number, table: PairTable, scratch: Int32Array): number {
  if (n < 2) return n;
  if (n > SHORT) return bpeMergeHeap(sym, n, table);
  const rank = scratch;
  const merged = scratch.subarray(n);
  for (let i = 0; i < n - 1; i++) setPair(sym, i, table, rank, merged);
  rank[n - 1] = NONE;
  for (;;) {
    let best = NONE;
    let at = -1;
    for (let i = 0; i < n - 1; i++) {
      const r = rank[i]!;
      if (r < best) {
        best = r;
        at = i;
      }
    }
    if (at < 0) return n;
    sym[at] = merged[at]!;
    for (let i = at + 1; i < n - 1; i++) {
      sym[i] = sym[i + 1]!;
      rank[i] = rank[i + 1]!;
      merged[i] = merged[i + 1]!;
    }
    n--;
    rank[n - 1] = NONE;
    if (at > 0) setPair(sym, at - 1, table, rank, merged);
    if (at < n - 1) setPair(sym, at, table, rank, merged);
  }
}

function setPair(sym: Int32Array, i: number, table: PairTable, rank: Int32Array, merged: Int32Array): void {
  const slot = table.find(sym[i]!, sym[i + 1]!);
  if (slot < 0) rank[i] = NONE;
  else {
    rank[i] = table.rankAt(slot);
    merged[i] = table.mergedAt(slot);
  }
}

/** Heap version for long words: O(n log n). Positions are original indices, so ties still go leftmost. */
function bpeMergeHeap(sym: Int32Array, n: number, table: PairTable): number {
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  const alive = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  // Heap of rank * 2^32 + position: lowest rank first, then leftmost.
  const heap: number[] = [];
  const push = (pos: number): void => {
    const nx = next[pos]!;
    if (nx < 0) return;
    const slot = table.find(sym[pos]!, sym[nx]!);
    if (slot < 0) return;
    heap.push(table.rankAt(slot) * 4294967296 + pos);
    let c = heap.length - 1;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (heap[p]! <= heap[c]!) break;
      [heap[p], heap[c]] = [heap[c]!, heap[p]!];
      c = p;
    }
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        const r = l + 1;
        let m = c;
        if (l < heap.length && heap[l]! < heap[m]!) m = l;
        if (r < heap.length && heap[r]! < heap[m]!) m = r;
        if (m === c) break;
        [heap[m], heap[c]] = [heap[c]!, heap[m]!];
        c = m;
      }
    }
    return top;
  };
  for (let i = 0; i < n - 1; i++) push(i);
  while (heap.length > 0) {
    const e = pop();
    const pos = e % 4294967296;
    const rank = (e - pos) / 4294967296;
    if (!alive[pos]) continue;
    const nx = next[pos]!;
    if (nx < 0) continue;
    // The entry is stale if the pair at pos changed since it was pushed.
    const slot = table.find(sym[pos]!, sym[nx]!);
    if (slot < 0 || table.rankAt(slot) !== rank) continue;
    sym[pos] = table.mergedAt(slot);
    alive[nx] = 0;
    const nn = next[nx]!;
    next[pos] = nn;
    if (nn >= 0) prev[nn] = pos;
    if (prev[pos]! >= 0) push(prev[pos]!);
    push(pos);
  }
  let m = 0;
  for (let i = 0; i >= 0; i = next[i]!) sym[m++] = sym[i]!;
  return m;
}

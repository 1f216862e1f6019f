// Walking several same-shaped strided views together, for the elementwise and
// row-wise glue. Dimensions are first coalesced: size-1 dims are dropped and a
// dim merges into the next when every view steps through both as one run
// (stride[i] == stride[i+1] * shape[i+1]), so a contiguous tensor, however
// many dims it has, becomes a single row and the kernels run one long loop.
#pragma once
#include <stdint.h>

#include "call.h"
#include "pool.h"

namespace lmkit {

static const int kMaxOps = 5;

struct Walk {
  int nops = 0;
  int nd = 0;  // coalesced dims, the last being the inner (row) dim
  int64_t shape[kMaxDims];  // only the first nd entries are meaningful
  int64_t st[kMaxOps][kMaxDims];
  int64_t off[kMaxOps];
  int64_t total = 0;

  /** Row length (last coalesced dim) and the inner strides. */
  int64_t n() const { return nd ? shape[nd - 1] : 1; }
  int64_t inner(int op) const { return nd ? st[op][nd - 1] : 0; }
  int64_t rows() const { return total == 0 ? 0 : total / n(); }
  /** Element offsets of row r in every view. */
  void row_offsets(int64_t r, int64_t* o) const {
    for (int k = 0; k < nops; k++) o[k] = off[k];
    for (int d = nd - 2; d >= 0; d--) {
      int64_t i = r % shape[d];
      r /= shape[d];
      for (int k = 0; k < nops; k++) o[k] += i * st[k][d];
    }
  }
};

/**
 * Builds the walk of `shape` (nd dims) over views given by their strides and
 * offsets. With keep_last, the last dim is never merged away (row kernels
 * where a row means something: softmax, norms).
 */
inline Walk make_walk(int nd, const int64_t* shape, int nops, const int64_t* const* strides, const int64_t* offsets,
                      bool keep_last = false) {
  Walk w;
  w.nops = nops;
  w.total = 1;
  for (int d = 0; d < nd; d++) w.total *= shape[d];
  for (int k = 0; k < nops; k++) w.off[k] = offsets[k];
  for (int d = 0; d < nd; d++) {
    bool last = d == nd - 1;
    if (shape[d] == 1 && !(keep_last && last)) continue;
    if (w.nd > 0 && !(keep_last && last)) {
      // Merge into the previous kept dim when contiguous across every view.
      int p = w.nd - 1;
      bool merge = true;
      for (int k = 0; k < nops; k++)
        if (w.st[k][p] != strides[k][d] * shape[d]) merge = false;
      if (merge) {
        w.shape[p] *= shape[d];
        for (int k = 0; k < nops; k++) w.st[k][p] = strides[k][d];
        continue;
      }
    }
    w.shape[w.nd] = shape[d];
    for (int k = 0; k < nops; k++) w.st[k][w.nd] = strides[k][d];
    w.nd++;
  }
  if (w.nd == 0) {
    w.nd = 1;
    w.shape[0] = 1;
    for (int k = 0; k < nops; k++) w.st[k][0] = 1;
  }
  return w;
}

/** The walk of views that all have `shape` (the first view's shape). */
inline Walk walk_views(const View* const* views, int nops, bool keep_last = false) {
  const int64_t* strides[kMaxOps];
  int64_t offs[kMaxOps];
  for (int k = 0; k < nops; k++) {
    strides[k] = views[k]->strides;
    offs[k] = 0;  // pointers passed to kernels already include the view offset
  }
  return make_walk(views[0]->nd, views[0]->shape, nops, strides, offs, keep_last);
}

/**
 * Runs fn(offsets, first, len, tid) over every row of the walk, in pieces of
 * about `grain` elements spread over the pool: long rows are cut into chunks,
 * many short rows are grouped. offsets are the piece's element offsets per
 * view, first is the row-major index of its first element, and tid is the pool
 * thread running it.
 */
template <class F>
void for_each_piece(const Walk& w, int threads, int64_t grain, F&& fn) {
  const int64_t n = w.n(), rows = w.rows();
  if (rows == 0 || n == 0) return;
  int64_t cpr = 1;  // chunks per row
  if (n > grain) cpr = (n + grain - 1) / grain;
  int64_t chunk = (n + cpr - 1) / cpr;
  int64_t rows_per_task = 1;
  if (cpr == 1) {
    rows_per_task = grain / n;
    if (rows_per_task < 1) rows_per_task = 1;
  }
  int64_t ntasks = cpr == 1 ? (rows + rows_per_task - 1) / rows_per_task : rows * cpr;
  int T = (int64_t)threads < ntasks ? threads : (int)ntasks;
  parallel_for(ntasks, T, [&](int64_t t, int tid) {
    int64_t o[kMaxOps];
    if (cpr == 1) {
      int64_t r0 = t * rows_per_task, r1 = r0 + rows_per_task < rows ? r0 + rows_per_task : rows;
      for (int64_t r = r0; r < r1; r++) {
        w.row_offsets(r, o);
        fn(o, r * n, n, tid);
      }
    } else {
      int64_t r = t / cpr, c = t % cpr;
      int64_t s = c * chunk, len = s + chunk < n ? chunk : n - s;
      w.row_offsets(r, o);
      for (int k = 0; k < w.nops; k++) o[k] += s * w.inner(k);
      fn(o, r * n + s, len, tid);
    }
  });
}

/** Runs fn(offsets, row, tid) for every whole row, at least `min_rows` rows per task. */
template <class F>
void for_each_row(const Walk& w, int threads, int64_t min_rows, F&& fn) {
  const int64_t rows = w.rows();
  if (rows == 0) return;
  if (min_rows < 1) min_rows = 1;
  int64_t per = rows / (threads * 4);
  if (per < min_rows) per = min_rows;
  int64_t ntasks = (rows + per - 1) / per;
  int T = (int64_t)threads < ntasks ? threads : (int)ntasks;
  parallel_for(ntasks, T, [&](int64_t t, int tid) {
    int64_t o[kMaxOps];
    int64_t r1 = (t + 1) * per < rows ? (t + 1) * per : rows;
    for (int64_t r = t * per; r < r1; r++) {
      w.row_offsets(r, o);
      fn(o, r, tid);
    }
  });
}

/** Rows needed per task so that a task has about `elems` elements of work. */
inline int64_t rows_for(int64_t elems, int64_t row_len) { return row_len > 0 ? (elems + row_len - 1) / row_len : 1; }

}  // namespace lmkit

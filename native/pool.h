// The one thread pool of lmkit's native kernels.
//
// Workers are persistent pthreads. A kernel splits its work into tasks and
// calls pool_run(); the calling (JS) thread takes tasks too, so `threads = 2`
// means the JS thread plus one worker. After a job a worker spins for a short
// while (so a burst of back-to-back kernels pays no wake-up latency), then
// sleeps on a futex: it never burns a core between bursts, so it never fights
// another pool (OpenBLAS, another process) for the CPU.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace lmkit {

typedef void (*TaskFn)(void* ctx, int64_t task, int tid);

/** Makes sure the pool can run `threads` threads at once (the caller plus threads-1 workers). */
void pool_ensure(int threads);
/** Threads the pool can run at once (workers + 1). */
int pool_capacity();
/**
 * Runs fn(ctx, t, tid) for t in [0, ntasks), on at most `threads` threads
 * (tid in [0, threads)), and returns when all tasks are done. Tasks are handed
 * out dynamically, one at a time, in increasing order.
 */
void pool_run(int64_t ntasks, int threads, TaskFn fn, void* ctx);
/** Sets how long an idle worker spins before sleeping (microseconds). */
void pool_set_spin_us(int us);
/**
 * Scratch memory of the calling OS thread: buffer number `slot` (0..7), at
 * least `bytes` long and 64-byte aligned, reused across calls (grows, never
 * shrinks). Kernels use it for packed panels and tiles instead of allocating.
 */
void* pool_scratch(int slot, size_t bytes);

/** Convenience: fn(t, tid) over ntasks tasks. F is any callable. */
template <class F>
inline void parallel_for(int64_t ntasks, int threads, F&& f) {
  if (ntasks <= 0) return;
  if (ntasks == 1 || threads <= 1) {
    for (int64_t t = 0; t < ntasks; t++) f(t, 0);
    return;
  }
  struct Thunk {
    static void call(void* ctx, int64_t t, int tid) { (*static_cast<F*>(ctx))(t, tid); }
  };
  pool_run(ntasks, threads, &Thunk::call, (void*)&f);
}

}  // namespace lmkit

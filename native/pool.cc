// Thread pool: see pool.h for the contract.
//
// Job hand-off without locks on the hot path. A 64-bit `claim_` word holds
// (generation << 32 | next task index). To publish job g the submitter first
// parks claim_ at (g, SENTINEL) so that no late worker of job g-1 can claim a
// task, then writes the job's fields, then opens claim_ at (g, 0) and bumps the
// futex word `gen_`. A worker claims task i by CAS (g, i) -> (g, i+1); a CAS can
// only succeed while job g is live, so the job fields it read are g's. The
// submitter waits until `done_` reaches the task count (not for every worker to
// check in), so a worker that wakes late costs nothing.
#include "pool.h"

#include <stdio.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LMKIT_PAUSE() _mm_pause()
#else
#define LMKIT_PAUSE() std::this_thread::yield()
#endif

namespace lmkit {
namespace {

const uint64_t kSentinel = 0xffffffffull;

class Pool {
 public:
  ~Pool() {
    // Workers are detached at process exit: joining from a static destructor
    // can deadlock when the runtime tears threads down first.
    for (auto& t : workers_) t.detach();
  }

  void ensure(int threads) {
    std::lock_guard<std::mutex> lock(submit_);
    while ((int)workers_.size() + 1 < threads) {
      int id = (int)workers_.size() + 1;
      workers_.emplace_back([this, id] { loop(id); });
    }
  }

  int capacity() {
    std::lock_guard<std::mutex> lock(submit_);
    return (int)workers_.size() + 1;
  }

  void set_spin_us(int us) { spin_us_.store(us < 0 ? 0 : us, std::memory_order_relaxed); }

  void run(int64_t ntasks, int threads, TaskFn fn, void* ctx) {
    if (in_task_ || ntasks <= 1 || threads <= 1) {
      // Serial: no workers wanted, or a kernel running inside a task (never nest jobs).
      for (int64_t t = 0; t < ntasks; t++) fn(ctx, t, 0);
      return;
    }
    std::lock_guard<std::mutex> lock(submit_);
    int nthreads = threads < (int)workers_.size() + 1 ? threads : (int)workers_.size() + 1;
    if (nthreads <= 1) {
      for (int64_t t = 0; t < ntasks; t++) fn(ctx, t, 0);
      return;
    }
    uint32_t g = gen_.load(std::memory_order_relaxed) + 1;
    claim_.store(((uint64_t)g << 32) | kSentinel, std::memory_order_seq_cst);
    fn_.store(fn, std::memory_order_relaxed);
    ctx_.store(ctx, std::memory_order_relaxed);
    ntasks_.store(ntasks, std::memory_order_relaxed);
    threads_.store(nthreads, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    claim_.store((uint64_t)g << 32, std::memory_order_release);
    gen_.store(g, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) gen_.notify_all();

    in_task_ = true;
    work(g, 0);
    in_task_ = false;
    // Wait for tasks still running on workers; they are short, so spin.
    unsigned spins = 0;
    while (done_.load(std::memory_order_acquire) < ntasks) {
      if (++spins < 4096)
        LMKIT_PAUSE();
      else
        std::this_thread::yield();
    }
  }

 private:
  // Claims and runs tasks of job g until none are left.
  void work(uint32_t g, int tid) {
    for (;;) {
      uint64_t v = claim_.load(std::memory_order_acquire);
      if ((uint32_t)(v >> 32) != g) return;
      uint64_t i = v & kSentinel;
      if (i == kSentinel) return;
      int64_t n = ntasks_.load(std::memory_order_relaxed);
      if ((int64_t)i >= n || tid >= threads_.load(std::memory_order_relaxed)) return;
      TaskFn fn = fn_.load(std::memory_order_relaxed);
      void* ctx = ctx_.load(std::memory_order_relaxed);
      if (!claim_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel, std::memory_order_relaxed)) continue;
      fn(ctx, (int64_t)i, tid);
      done_.fetch_add(1, std::memory_order_release);
    }
  }

  void loop(int id) {
    in_task_ = true;
    uint32_t seen = gen_.load(std::memory_order_acquire);
    for (;;) {
      // Spin briefly for the next job, then sleep on the futex.
      auto start = std::chrono::steady_clock::now();
      unsigned i = 0;
      while (gen_.load(std::memory_order_acquire) == seen) {
        LMKIT_PAUSE();
        if ((++i & 63) != 0) continue;
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
        if (us < spin_us_.load(std::memory_order_relaxed)) continue;
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        if (gen_.load(std::memory_order_seq_cst) == seen) gen_.wait(seen, std::memory_order_acquire);
        sleepers_.fetch_sub(1, std::memory_order_seq_cst);
        start = std::chrono::steady_clock::now();
      }
      seen = gen_.load(std::memory_order_acquire);
      work(seen, id);
    }
  }

  std::mutex submit_;
  std::vector<std::thread> workers_;
  std::atomic<uint32_t> gen_{0};
  std::atomic<uint64_t> claim_{kSentinel};
  std::atomic<TaskFn> fn_{nullptr};
  std::atomic<void*> ctx_{nullptr};
  std::atomic<int64_t> ntasks_{0};
  std::atomic<int> threads_{0};
  std::atomic<int64_t> done_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<int> spin_us_{100};
  static thread_local bool in_task_;
};

thread_local bool Pool::in_task_ = false;

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: workers may outlive static destruction
  return *p;
}

struct Scratch {
  void* ptr[8] = {};
  size_t size[8] = {};
  ~Scratch() {
    for (int i = 0; i < 8; i++) free(ptr[i]);
  }
};
thread_local Scratch tls_scratch;

}  // namespace

void pool_ensure(int threads) { pool().ensure(threads); }
int pool_capacity() { return pool().capacity(); }
void pool_run(int64_t ntasks, int threads, TaskFn fn, void* ctx) { pool().run(ntasks, threads, fn, ctx); }
void pool_set_spin_us(int us) { pool().set_spin_us(us); }

void* pool_scratch(int slot, size_t bytes) {
  Scratch& s = tls_scratch;
  if (s.size[slot] < bytes) {
    free(s.ptr[slot]);
    size_t n = (bytes + 4095) & ~(size_t)4095;
    s.ptr[slot] = aligned_alloc(64, n);
    if (!s.ptr[slot]) {
      // Scratch is a few MB at most (packed panels, tiles); failing here means the
      // process is out of memory and no kernel could continue.
      fprintf(stderr, "lmkit native: out of memory allocating %zu bytes of scratch\n", n);
      abort();
    }
    s.size[slot] = n;
  }
  return s.ptr[slot];
}

}  // namespace lmkit

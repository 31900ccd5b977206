// Persistent thread pool: see thread_pool.h.
#include "thread_pool.h"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#define RN_PAUSE() __builtin_ia32_pause()
#else
#define RN_PAUSE() ((void)0)
#endif

namespace rn {

ThreadPool::ThreadPool(int threads, std::chrono::microseconds caller_spin) : caller_spin_(caller_spin) {
  for (int i = 1; i < threads; i++) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::run_items() {
  // Guided self-scheduling: each grab takes 1/(2·threads) of what is left, so a thread works through
  // a contiguous run of items (rows of one output block: the same weights, neighbouring inputs) and
  // the shared counter moves a few dozen times per loop instead of once per item (a row of a 1×1
  // conv is ~1 µs of work, about what moving that cache line between cores costs); the last grabs
  // are single items, so the threads still finish together.
  const int count = count_, share = 2 * threads();
  int start = next_.load(std::memory_order_relaxed);
  for (;;) {
    int chunk;
    do {
      if (start >= count) return;
      chunk = std::max(1, (count - start) / share);
    } while (!next_.compare_exchange_weak(start, start + chunk, std::memory_order_relaxed));
    for (int i = start; i < start + chunk; i++) (*fn_)(i);
    start = next_.load(std::memory_order_relaxed);
  }
}

void ThreadPool::worker_loop() {
  uint64_t seen = 0;
  for (;;) {
    // Spin for a short while: the next layer usually starts within microseconds.
    auto spin_until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
    while (generation_.load(std::memory_order_acquire) == seen && std::chrono::steady_clock::now() < spin_until) {
      RN_PAUSE();
    }
    if (generation_.load(std::memory_order_acquire) == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load() != seen; });
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stop_) return;
    run_items();
    if (active_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // Always under the mutex (no "is the caller asleep" flag: reading one here could see its old
      // value, a store-load reordering, and skip the wake-up): the caller tests active_ under the
      // mutex before it sleeps, so either it sees 0 or it is already waiting for this notify.
      std::lock_guard<std::mutex> lock(mutex_);
      done_.notify_one();
    }
  }
}

void ThreadPool::parallel_for(int count, const std::function<void(int)>& fn) {
  if (workers_.empty() || count <= 1) {
    for (int i = 0; i < count; i++) fn(i);
    return;
  }
  fn_ = &fn;
  count_ = count;
  next_.store(0);
  active_.store(int(workers_.size()));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }
  wake_.notify_all();
  run_items();
  // The workers' last items usually end within microseconds of the caller's; past that, sleep.
  const auto spin_until = std::chrono::steady_clock::now() + caller_spin_;
  while (active_.load(std::memory_order_acquire) != 0 && std::chrono::steady_clock::now() < spin_until) RN_PAUSE();
  if (active_.load(std::memory_order_acquire) != 0) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return active_.load(std::memory_order_acquire) == 0; });
  }
}

}  // namespace rn

// A persistent pool of worker threads for data-parallel loops. The calling thread takes part, and
// idle workers spin briefly before sleeping so that back-to-back layers do not pay a wake-up each.
// The caller waiting for the workers' last items also spins only briefly, then sleeps until the last
// worker wakes it: when another thread (a server's image decoder, say) has preempted a worker in the
// middle of an item, the idle core lets the scheduler move that worker there, where a spinning
// caller would hold the core until the other thread's time slice ends.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rn {

class ThreadPool {
 public:
  // caller_spin: how long the caller of parallel_for spins for the workers' last items before it
  // sleeps (the stress test makes it short so that the sleep and the wake-up race often).
  explicit ThreadPool(int threads, std::chrono::microseconds caller_spin = std::chrono::microseconds(50));
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return int(workers_.size()) + 1; }
  // Runs fn(i) for i in [0, count), split dynamically over all threads (contiguous runs of items,
  // shrinking towards the end); returns when all are done.
  void parallel_for(int count, const std::function<void(int)>& fn);

 private:
  void worker_loop();
  void run_items();

  const std::chrono::microseconds caller_spin_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;  // the last worker of a loop → the caller sleeping in parallel_for
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> next_{0};
  std::atomic<int> active_{0};
  int count_ = 0;
  const std::function<void(int)>* fn_ = nullptr;
  bool stop_ = false;
};

}  // namespace rn

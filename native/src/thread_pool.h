// A persistent pool of worker threads for data-parallel loops. The calling thread takes part, and
// idle workers spin briefly before sleeping so that back-to-back layers do not pay a wake-up each.
#pragma once
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rn {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return int(workers_.size()) + 1; }
  // Runs fn(i) for i in [0, count), split dynamically over all threads; returns when all are done.
  void parallel_for(int count, const std::function<void(int)>& fn);

 private:
  void worker_loop();
  void run_items();

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> next_{0};
  std::atomic<int> active_{0};
  int count_ = 0;
  const std::function<void(int)>* fn_ = nullptr;
  bool stop_ = false;
};

}  // namespace rn

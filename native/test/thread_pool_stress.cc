// Stress test of rn::ThreadPool (src/thread_pool.cc), built and run by test/thread_pool.test.ts:
// many loops with uneven items and a caller that spins only 1 µs before it sleeps, so that the
// caller's going to sleep and the last worker's finishing coincide again and again (where a lost
// wake-up would happen), and workers often find the next loop already started. Every item must run
// exactly once per loop; a lost wake-up hangs here (the test has a timeout).
//
//   thread_pool_stress THREADS LOOPS
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "../src/thread_pool.h"

namespace {

void busy_for(std::chrono::nanoseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  const long loops = argc > 2 ? std::atol(argv[2]) : 300000;
  rn::ThreadPool pool(threads, std::chrono::microseconds(1));
  std::vector<std::atomic<int>> hits(16);
  uint64_t state = 0x9e3779b97f4a7c15ull;
  for (long loop = 0; loop < loops; loop++) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const int count = 2 + int((state >> 33) % 9);  // 2..10 items
    const int slow = int((state >> 45) % count);
    const auto busy = std::chrono::nanoseconds((state >> 20) % 3000);  // 0-3 µs, about the caller's spin
    for (int i = 0; i < count; i++) hits[i].store(0, std::memory_order_relaxed);
    pool.parallel_for(count, [&](int i) {
      hits[i].fetch_add(1, std::memory_order_relaxed);
      if (i == slow) busy_for(busy);
    });
    for (int i = 0; i < count; i++) {
      const int n = hits[i].load(std::memory_order_relaxed);
      if (n != 1) {
        std::fprintf(stderr, "loop %ld: item %d of %d ran %d times\n", loop, i, count, n);
        return 1;
      }
    }
  }
  std::printf("ok: %ld loops on %d threads\n", loops, threads);
  return 0;
}

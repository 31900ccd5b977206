// Stress test of rn::SharedItems (src/shared_items.h), built and run by test/thread_pool.test.ts:
// the shape of Plan::run's batch split by image. In each pass, threads take "images" (one more
// than there are threads), each a run of ops with 0-2 and 36-40 uneven items in turn; a thread
// that has run out of images, and one more that has none, help the others' ops until all are done.
// Owners are slowed unevenly so that helpers arrive while ops start, run and end (where a helper
// could run an item of an op already finished, or of the wrong op). Every item of every op must
// run exactly once, and all of them before the owner's run() returns.
//
//   shared_items_stress THREADS PASSES
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "../src/shared_items.h"

namespace {

void busy_for(std::chrono::nanoseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
  }
}

constexpr int kOps = 30;
constexpr int kMaxItems = 40;

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  const int passes = argc > 2 ? std::atoi(argv[2]) : 3000;
  const int images = threads + 1;
  std::atomic<int> failures{0};
  std::atomic<long> helped{0};
  std::vector<rn::SharedItems> shared(threads);
  std::atomic<int> next{0}, busy{0};
  auto worker = [&](int w) {
    rn::SharedItems& mine = shared[w];
    std::vector<std::atomic<int>> ran(kMaxItems);
    for (int img = next.fetch_add(1); img < images; img = next.fetch_add(1)) {
      for (int op = 0; op < kOps; op++) {
        // Small and large ops in turn: a helper that read a finished small op's index must not take
        // it for an item of the large op that follows.
        const int count = op % 2 == 0 ? (img + op + w) % 3 : kMaxItems - (img + op + w) % 5;
        for (auto& r : ran) r.store(0, std::memory_order_relaxed);
        mine.run(count, [&](int i) {
          ran[i].fetch_add(1, std::memory_order_relaxed);
          // Uneven items; the first thread's are slower, so the others finish first and help it.
          busy_for(std::chrono::nanoseconds((i % 5) * 200 + (w == 0 ? 300 : 0)));
        });
        for (int i = 0; i < kMaxItems; i++) {
          if (ran[i].load(std::memory_order_relaxed) != (i < count ? 1 : 0)) failures.fetch_add(1);
        }
      }
    }
    busy.fetch_sub(1);
    helped.fetch_add(rn::SharedItems::help_others(shared, w, busy), std::memory_order_relaxed);
  };
  // A thread with no images at all (more threads than images in the engine) helps from the start,
  // without yielding, so helpers also meet ops as their owners publish them, not only at the end of
  // a pass.
  auto helper = [&] {
    while (busy.load() > 0) {
      for (int other = 0; other < threads; other++)
        if (shared[other].help()) helped.fetch_add(1, std::memory_order_relaxed);
    }
  };
  for (int pass = 0; pass < passes; pass++) {
    next.store(0);
    busy.store(threads);  // before any thread starts: the helper waits for all owners
    std::vector<std::thread> pool;
    for (int w = 0; w < threads; w++) pool.emplace_back(worker, w);
    pool.emplace_back(helper);
    for (auto& t : pool) t.join();
  }
  if (failures.load() != 0) {
    std::fprintf(stderr, "%d ops ran an item twice, not at all, or after run() returned\n", failures.load());
    return 1;
  }
  std::printf("ok: %d passes of %d images of %d ops on %d threads, %ld items run by helpers\n", passes, images, kOps,
              threads, helped.load());
  return 0;
}

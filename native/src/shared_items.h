// Work sharing for a batch split by image (Plan::run): each thread runs whole images on its own
// arena, one op after another, and publishes the items of the op it runs in its SharedItems; a
// thread that has no image left takes items from the others' current ops instead of waiting for
// them. Without it the pass ends when the slower thread finishes its last image: on a machine that
// also runs other work (a server decoding uploads) the two threads of a batch-8 pass finished
// 17 ms apart on average (one core idle for that long, 8 % of a 200 ms pass).
//
// The owner claims items with fetch_add on `next`, helpers with a compare-and-swap, and `next`
// carries the op's generation in its high half: a helper that read an op's function and count and
// then lost the race to the owner publishing its next op fails its swap and runs nothing. The owner
// returns only when every item a helper claimed is done (`done`), so the function a helper calls
// outlives the call.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>

namespace rn {

class SharedItems {
 public:
  // The owner: runs fn(0) .. fn(count - 1), with helpers taking some; returns when all are done.
  void run(int count, const std::function<void(int)>& fn) {
    const uint64_t gen = ++generation_;
    fn_.store(&fn, std::memory_order_relaxed);
    count_.store(count, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    next_.store(gen << 32, std::memory_order_release);
    int mine = 0;
    for (;;) {
      const int i = int(next_.fetch_add(1, std::memory_order_acq_rel) & 0xffffffffu);
      if (i >= count) break;
      fn(i);
      mine++;
    }
    while (done_.load(std::memory_order_acquire) != count - mine) pause();
  }

  // A helper: runs one item of the owner's current op if one is left; false when none was.
  bool help() {
    uint64_t v = next_.load(std::memory_order_acquire);
    const std::function<void(int)>* fn = fn_.load(std::memory_order_relaxed);
    const int count = count_.load(std::memory_order_relaxed);
    const int i = int(v & 0xffffffffu);
    if (fn == nullptr || i >= count) return false;
    if (!next_.compare_exchange_strong(v, v + 1, std::memory_order_acq_rel)) return false;
    (*fn)(i);
    done_.fetch_add(1, std::memory_order_release);
    return true;
  }

  static void pause() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }

 private:
  uint64_t generation_ = 0;  // the owner's only
  std::atomic<uint64_t> next_{0};
  std::atomic<const std::function<void(int)>*> fn_{nullptr};
  std::atomic<int> count_{0};
  std::atomic<int> done_{0};
};

}  // namespace rn

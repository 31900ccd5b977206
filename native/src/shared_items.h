// Work sharing for a batch split by image (Plan::run): each thread runs whole images on its own
// arena, one op after another, and publishes the items of the op it runs in its SharedItems; a
// thread that has no image left takes items from the others' current ops instead of waiting for
// them. Without it the pass ends when the slower thread finishes its last image: on a machine that
// also runs other work (a server decoding uploads) the two threads of a batch-8 pass finished
// 17 ms apart on average (one core idle for that long, 8 % of a 200 ms pass).
//
// The op is published in one 64-bit word, `next`: its generation (24 bits), its item count (20 bits)
// and the next item to claim (20 bits). The owner claims items with fetch_add on it, helpers with a
// compare-and-swap, so a helper claims an item only while the word still holds the op it read:
// reading the count from a separate variable let a helper pair the finished op's index with the
// next op's larger count, run an item nobody asked for and count it towards the next op (a c16
// serve run hung after 1,500 requests, the owner waiting for 36 items with 37 counted). The owner
// returns only when every item a helper claimed is done (`done`), so the function a helper calls
// outlives the call. An op of more items than the word holds runs on the owner alone.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace rn {

class SharedItems {
 public:
  static constexpr int kMaxShared = (1 << 20) - 2;  // the index may reach count + 1 < 2^20

  // The owner: runs fn(0) .. fn(count - 1), with helpers taking some; returns when all are done.
  void run(int count, const std::function<void(int)>& fn) {
    if (count > kMaxShared) {
      for (int i = 0; i < count; i++) fn(i);
      return;
    }
    const uint64_t gen = ++generation_ & kGenerationMask;
    fn_.store(&fn, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    next_.store(gen << 40 | uint64_t(count) << 20, std::memory_order_release);
    int mine = 0;
    for (;;) {
      const int i = int(next_.fetch_add(1, std::memory_order_acq_rel) & kFieldMask);
      if (i >= count) break;
      fn(i);
      mine++;
    }
    while (done_.load(std::memory_order_acquire) != count - mine) pause();
  }

  // A helper: runs one item of the owner's current op if one is left; false when none was.
  bool help() {
    uint64_t v = next_.load(std::memory_order_acquire);
    const int count = int(v >> 20 & kFieldMask), i = int(v & kFieldMask);
    if (i >= count) return false;
    // The op of `v` (the acquire above saw its publication); a later op's function cannot be here
    // while the swap below can still succeed (the owner publishes it only after the index passed count).
    const std::function<void(int)>* fn = fn_.load(std::memory_order_relaxed);
    if (!next_.compare_exchange_strong(v, v + 1, std::memory_order_acq_rel)) return false;
    (*fn)(i);
    done_.fetch_add(1, std::memory_order_release);
    return true;
  }

  // A thread that has run out of images (`self`, or -1 for one that never had any): runs items of
  // the others' current ops until `busy` (the threads still running images) is 0, yielding the
  // core when none is left. Returns how many items it ran.
  static long help_others(std::vector<SharedItems>& all, int self, const std::atomic<int>& busy) {
    long ran = 0;
    while (busy.load() > 0) {
      bool helped = false;
      for (int other = 0; other < int(all.size()); other++)
        if (other != self && all[other].help()) {
          helped = true;
          ran++;
        }
      if (!helped) std::this_thread::yield();
    }
    return ran;
  }

  static void pause() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }

 private:
  static constexpr uint64_t kFieldMask = (1u << 20) - 1;
  static constexpr uint64_t kGenerationMask = (1u << 24) - 1;
  uint64_t generation_ = 0;  // the owner's only
  std::atomic<uint64_t> next_{0};
  std::atomic<const std::function<void(int)>*> fn_{nullptr};
  std::atomic<int> done_{0};
};

}  // namespace rn

// Memory for a plan's large buffers (packed weights, activation arenas, weights read from a file):
// blocks of 2 MiB and more come straight from the kernel (mmap), aligned to 2 MiB and marked for
// transparent huge pages (one fault per 2 MiB instead of 512, fewer TLB misses), and go back to it
// when freed (no hole left in malloc's heap); smaller ones come from aligned_alloc. resize() leaves
// new elements uninitialized: the code that sizes these buffers writes every element.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#define RN_PAGED_MMAP 1
#endif

namespace rn {

constexpr size_t kHugePage = size_t(2) << 20;

inline size_t mapped_bytes(size_t bytes) { return (bytes + 4095) / 4096 * 4096; }

// At least `bytes`, 64-byte aligned (2 MiB aligned for blocks of 2 MiB and more); throws bad_alloc.
inline void* paged_allocate(size_t bytes) {
#ifdef RN_PAGED_MMAP
  if (bytes >= kHugePage) {
    const size_t len = mapped_bytes(bytes);
    void* raw = mmap(nullptr, len + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const uintptr_t begin = uintptr_t(raw), start = (begin + kHugePage - 1) & ~(uintptr_t(kHugePage) - 1);
    if (start > begin) munmap(raw, start - begin);
    if (begin + kHugePage > start) munmap(reinterpret_cast<void*>(start + len), begin + kHugePage - start);
#ifdef MADV_HUGEPAGE
    madvise(reinterpret_cast<void*>(start), len, MADV_HUGEPAGE);
#endif
    return reinterpret_cast<void*>(start);
  }
#endif
  void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

// Frees what paged_allocate(bytes) returned.
inline void paged_free(void* p, size_t bytes) {
#ifdef RN_PAGED_MMAP
  if (bytes >= kHugePage) {
    munmap(p, mapped_bytes(bytes));
    return;
  }
#endif
  std::free(p);
}

template <typename T>
struct PagedAllocator {
  using value_type = T;
  PagedAllocator() = default;
  template <typename U>
  PagedAllocator(const PagedAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(paged_allocate(n * sizeof(T))); }
  void deallocate(T* p, size_t n) { paged_free(p, n * sizeof(T)); }
  // Default-initialized (for floats and integers: left as they are) instead of zeroed.
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <typename U>
  bool operator==(const PagedAllocator<U>&) const { return true; }
  template <typename U>
  bool operator!=(const PagedAllocator<U>&) const { return false; }
};

template <typename T>
using PagedVector = std::vector<T, PagedAllocator<T>>;

}  // namespace rn

// Shared types of the native engine: tensor layouts, op arguments, and the per-ISA kernel table.
//
// Activations live in a "blocked" layout, NCHW16c with a zero border: (N, C/16, H+2B, W+2B, 16),
// B = kBorder. The border lets 3x3 convolutions and pools read their padding without bounds checks.
// The network input is "plain": (N, C, H+2P, W+2P) with P = the stem's padding.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

namespace rn {

// Allocator for vectors of floats on 64-byte boundaries: one AVX-512 load never straddles two
// cache lines (glibc's malloc only guarantees 16 bytes).
template <typename T>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U>&) {}
  T* allocate(size_t n) {
    void* p = std::aligned_alloc(64, (n * sizeof(T) + 63) / 64 * 64);
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t) { std::free(p); }
  template <typename U>
  bool operator==(const AlignedAllocator<U>&) const { return true; }
  template <typename U>
  bool operator!=(const AlignedAllocator<U>&) const { return false; }
};
using FloatVector = std::vector<float, AlignedAllocator<float>>;

constexpr int kBlock = 16;   // channels per block (one AVX-512 vector)
constexpr int kBorder = 1;   // zero border around blocked activations
constexpr int kWinogradMaxTiles = 56;

struct Dims {
  int n = 0, c = 0, h = 0, w = 0;
};

// A view of a blocked activation tensor (border included in hp/wp), of float32 (Blocked) or of
// bfloat16 bit patterns (Blocked16, see bf16/bf16.h).
template <typename T>
struct BlockedOf {
  T* data = nullptr;
  int n = 0, c = 0, h = 0, w = 0;  // logical sizes, c is padded to a multiple of 16
  int cb() const { return c / kBlock; }
  int hp() const { return h + 2 * kBorder; }
  int wp() const { return w + 2 * kBorder; }
  size_t block_stride() const { return size_t(hp()) * wp() * kBlock; }
  size_t image_stride() const { return block_stride() * cb(); }
  // Pointer to (n, block, y, x) in logical coordinates (x, y may be -kBorder .. size).
  T* at(int img, int block, int y, int x) const {
    return data + img * image_stride() + block * block_stride() +
           (size_t(y + kBorder) * wp() + (x + kBorder)) * kBlock;
  }
};
using Blocked = BlockedOf<float>;

// Zeroes the left/right border pixels of output row oh in blocks [block0, block0 + nblocks) (and the
// top/bottom border rows at the edges), so that the output can feed a padded convolution or pool
// whatever the arena slot held before; every kernel set and precision calls it after its row.
template <typename T>
inline void zero_border_row(const BlockedOf<T>& out, int img, int block0, int nblocks, int oh) {
  const size_t pixel = kBlock * sizeof(T);
  for (int b = block0; b < block0 + nblocks; b++) {
    std::memset(out.at(img, b, oh, -kBorder), 0, kBorder * pixel);
    std::memset(out.at(img, b, oh, out.w), 0, kBorder * pixel);
    if (oh == 0) {
      for (int y = -kBorder; y < 0; y++) std::memset(out.at(img, b, y, -kBorder), 0, out.wp() * pixel);
    }
    if (oh == out.h - 1) {
      for (int y = out.h; y < out.h + kBorder; y++) std::memset(out.at(img, b, y, -kBorder), 0, out.wp() * pixel);
    }
  }
}

// Convolution over blocked input (or plain input when plain_in is set), blocked output.
struct ConvArgs {
  // input
  const float* in = nullptr;
  bool plain_in = false;  // plain (N, C, H+2P, W+2P) with P = pad (stem)
  int n = 0, c = 0, h = 0, w = 0;
  size_t in_image_stride = 0, in_block_stride = 0, in_row_stride = 0;
  int in_pix = 0;      // elements between horizontally adjacent input pixels (16 blocked, 1 plain)
  int in_ch = 0;       // elements between input channels inside a block (1 blocked, plane plain)
  int in_origin = 0;   // border of the input buffer minus the conv padding (>= 0)
  int in_cb = 0;       // input channel blocks (plain: 1)
  int in_icb = 0;      // channels per block (16 blocked; C plain)
  // weights packed as [OC/16][in_cb][KH][KW][in_icb][16], bias [OC]
  const float* weight = nullptr;
  const float* bias = nullptr;
  int oc = 0, kh = 0, kw = 0, sh = 1, sw = 1;
  // output (blocked) and optional residual (blocked, same shape as output)
  Blocked out;
  const float* residual = nullptr;
  bool relu = false;
};

struct PoolArgs {
  Blocked in, out;
  int kh = 0, kw = 0, sh = 1, sw = 1, ph = 0, pw = 0;
};

// Winograd F(m x m, 3x3) convolution, m = 2 or 4 (stride 1, padding 1) over blocked input and
// output. u: transformed weights [(m+2)^2][OC/16][C][16]; m x m output tiles numbered row-major.
struct WinogradArgs {
  int tile = 4;
  Blocked in, out;
  const float* u = nullptr;
  const float* bias = nullptr;
  const float* residual = nullptr;
  bool relu = false;
  int tiles_h = 0, tiles_w = 0;
};

struct Kernels {
  const char* name;
  // One output row `oh` of image `img` for output-channel group `group` (see conv_groups).
  void (*conv_row)(const ConvArgs& a, int img, int group, int oh);
  // How many output-channel groups conv_row splits OC into, for this output width.
  int (*conv_groups)(const ConvArgs& a);
  void (*max_pool_row)(const PoolArgs& a, int img, int block, int oh);
  // out[n][c] = mean or max over the spatial extent of blocked input.
  void (*global_pool)(const Blocked& in, float* out, bool max, int img, int block);
  // Tiles [tile0, tile0 + count) of image img (count <= kWinogradMaxTiles), output channel blocks
  // [ocb0, ocb1) (split at even blocks when OC/16 is even: the kernel pairs them).
  void (*winograd)(const WinogradArgs& a, int img, int tile0, int count, int ocb0, int ocb1);
  // Zeroes the border of one block of one image.
  void (*zero_border)(const Blocked& t, int img, int block);
  // out[n][o] = bias[o] + sum_i in[n][i] * weight[o][i] for o in [o0, o1)
  void (*linear)(const float* in, const float* weight, const float* bias, float* out, int n, int in_features,
                 int out_features, int o0, int o1);
  // Micro-kernel of the packed GEMM (train/gemm.h): c[MR][NR] (+)= Σ_k ap[k][MR] · bp[k][NR], with
  // ap and bp packed panels, c row-major with row stride ldc; accumulate = false overwrites c.
  int gemm_mr, gemm_nr;
  void (*gemm_micro)(int kc, const float* ap, const float* bp, float* c, size_t ldc, bool accumulate);
};

// The x86 kernel sets are built only for x86 targets (binding.gyp's target_arch condition).
#if defined(__x86_64__) || defined(__i386__)
#define RN_X86_KERNELS 1
const Kernels* kernels_avx512();
const Kernels* kernels_avx2();
#endif
const Kernels* kernels_portable();

}  // namespace rn

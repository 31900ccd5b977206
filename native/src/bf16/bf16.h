// bfloat16 inference kernels of the native engine: weights packed as bf16 pairs, activations stored
// as bf16 in the blocked layout (half the arena), fp32 accumulation, fp32 epilogue, then round to
// nearest even. Two builds of the same source (kernels_bf16_impl.h): AVX512-BF16 (vdpbf16ps,
// vcvtneps2bf16) and "fp32-emulated", portable C++ that follows the instructions' pseudo-code
// (Intel SDM, VDPBF16PS) step for step, so that machines without the instructions test the numerics.
//
// bf16 values are uint16_t bit patterns (the high half of a float32).
#pragma once
#include <cstdint>
#include <cstring>
#include <vector>

#include "../engine.h"

namespace rn {

using Blocked16 = BlockedOf<uint16_t>;
using Bf16Vector = std::vector<uint16_t, AlignedAllocator<uint16_t>>;

// float32 → bf16 as VCVTNEPS2BF16: round to nearest even; zero and denormal inputs give a signed
// zero (DAZ), NaN a quiet NaN, overflow past the largest bf16 gives ±infinity.
inline uint16_t to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  if ((u & 0x7f800000u) == 0) return uint16_t((u >> 16) & 0x8000u);
  if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40u);
  return uint16_t((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

inline float from_bf16(uint16_t h) {
  const uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// Convolution over bf16 activations: blocked (N, C/16, H+2B, W+2B, 16), or, for the stem, the input
// image as channel pairs (N, ceil(C/2), H+2P, W+2P, 2). Output (and residual) blocked bf16.
struct ConvArgs16 {
  const uint16_t* in = nullptr;
  size_t in_image_stride = 0, in_block_stride = 0, in_row_stride = 0;  // in bf16 elements
  int in_pix = 0;     // elements between horizontally adjacent input pixels (16 blocked, 2 pairs)
  int in_pair = 0;    // elements between channel pairs inside a block (2 blocked, plane·2 pairs)
  int in_origin = 0;  // border of the input buffer minus the conv padding (>= 0)
  int in_cb = 0;      // input channel blocks (pairs layout: 1)
  int in_pairs = 0;   // channel pairs per block (8 blocked; ceil(C/2) pairs layout)
  // weights [OC/16][in_cb][KH][KW][in_pairs][16][2]: for each output lane, the pair (even, odd)
  // of input channels, as vdpbf16ps reads them; bias [OC] float32
  const uint16_t* weight = nullptr;
  const float* bias = nullptr;
  int oc = 0, kh = 0, kw = 0, sh = 1, sw = 1;
  Blocked16 out;
  const uint16_t* residual = nullptr;
  bool relu = false;
};

struct PoolArgs16 {
  Blocked16 in, out;
  int kh = 0, kw = 0, sh = 1, sw = 1, ph = 0, pw = 0;
};

struct Bf16Kernels {
  // The path's name as the CLI and bench report it: "amx", "avx512bf16", "amx-emulated" or
  // "fp32-emulated".
  const char* name;
  // One output row `oh` of image `img` for output-channel group `group` (see conv_groups).
  void (*conv_row)(const ConvArgs16& a, int img, int group, int oh);
  int (*conv_groups)(const ConvArgs16& a);
  void (*max_pool_row)(const PoolArgs16& a, int img, int block, int oh);
  // out[img][c] (float32) = mean or max over the spatial extent of one block of bf16 input.
  void (*global_pool)(const Blocked16& in, float* out, bool max, int img, int block);
  // out[img][o] (float32, not rounded) = bias[o] + the dot steps over `pairs` bf16 pairs of row img
  // of `in` and of weight [ceil(OUT/16)][pairs][16][2], for output blocks [ob0, ob1) of 16 (the
  // last one cut at out_features); bias padded to whole blocks.
  void (*linear)(const uint16_t* in, const uint16_t* weight, const float* bias, float* out, int n, int pairs,
                 int out_features, int ob0, int ob1);
};

// AVX512-BF16 and AMX are x86 extensions: their kernel sets are built for x86 targets only
// (binding.gyp). "amx" (amx/kernels_amx_impl.h: TDPBF16PS tiles for the convs, avx512bf16 for the
// rest) is chosen before avx512bf16 where the CPU has AMX-BF16 and the OS grants the tile state;
// "amx-emulated" runs the same kernels on emulated tiles anywhere (tests).
#ifdef RN_X86_KERNELS
const Bf16Kernels* kernels_amx_bf16();
const Bf16Kernels* kernels_avx512bf16();
#endif
const Bf16Kernels* kernels_amx_bf16_emulated();
const Bf16Kernels* kernels_bf16_emulated();

}  // namespace rn

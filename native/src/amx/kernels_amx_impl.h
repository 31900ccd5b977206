// AMX convolution kernels (bf16 and int8), written once against the tile interface of tiles.h and
// compiled four times: kernels_amx_bf16.cc / kernels_amx_int8.cc (RN_AMX_HW 1: TDPBF16PS, TDPBUSD;
// path "amx") and kernels_amx_bf16_emulated.cc / kernels_amx_int8_emulated.cc (RN_AMX_HW 0: the
// tiles emulated in portable C++; path "amx-emulated"), so the tiling is tested on every CPU.
//
// The engine's layouts are tiles already. A row of an A tile is one pixel's 16 input channels (32
// bytes of bf16 pairs, 16 bytes of u8 quads), A's rows the pixels of an output row at a stride of
// sw pixels; B is one tap of one input block for 16 output channels, the weights' [pairs][16][2]
// (bf16: 8 rows × 64 bytes) or [quads][16][4] (int8: 4 rows × 64 bytes) as packed; C is 16 pixels ×
// 16 output channels of float32 / int32. A chunk of an output row keeps up to 4 C tiles (0-3)
// accumulating: 2 pixel groups of ≤ 16 × 2 output blocks on wide rows, or 1 group × 4 blocks on
// rows of ≤ 16 pixels (7×7 and 14×14 layers), with A in tiles 4-5 and B in 6-7. Partial groups get
// tiles of fewer rows (the configuration is made per shape; tiles.h loads it only when it changes).
// Each dot product is one tap of one input block: A rows of 32 bytes (bf16: 8 pairs) or 16 bytes
// (int8: 4 quads) where an instruction takes up to 64, i.e. half or a quarter of its depth, because
// the blocked layout's next bytes are the next pixel, not the next channels. (For kw ≥ 2 at stride 1
// that next pixel is the next tap, which a later version could fold into the same instruction; in
// bf16 that changes the summation order.)
//
// C starts from the bias (bf16; a stride-0 load repeats it in every row) or 0 (int8), takes one dot
// product per (input block, ky, kx), and the shared epilogue (kernels_bf16_common.h /
// kernels_int8_common.h: + residual, ReLU, rounding or requantization) stores it. int8 sums are
// exact, so the AMX int8 path gives the VNNI paths' bits; TDPBF16PS sums each instruction's pairs
// apart before adding them to C (see tiles.h), so the AMX bf16 path has its own bits (equal between
// "amx" and "amx-emulated"), within the same bound of float32.
//
// Convs reading the image as channel pairs (the bf16 stem), pools, linear and quantize are the
// fallback set's (RN_FALLBACK: avx512bf16 / avx512vnni under AMX, the fp32-emulated ones under the
// emulation). Include with RN_NS, RN_NAME, RN_PATH_NAME, RN_AMX_HW, RN_AMX_INT8 (0 bf16, 1 int8),
// RN_FALLBACK and the common header's RN_BF16_HW or RN_INT8_HW / RN_VEC_BYTES.
#include <algorithm>
#include <cstring>
#include <type_traits>
#include <utility>

#if RN_AMX_INT8
#include "../int8/kernels_int8_common.h"
#else
#include "../bf16/kernels_bf16_common.h"
#endif
#include "tiles.h"

namespace rn {
namespace RN_NS {

#if RN_AMX_INT8
using Args = ConvArgs8;
using KernelSet = Int8Kernels;
using In = uint8_t;
using Sum = int32_t;
#else
using Args = ConvArgs16;
using KernelSet = Bf16Kernels;
using In = uint16_t;
using Sum = float;
#endif
constexpr int kPixBytes = kBlock * int(sizeof(In));  // one A row: a pixel's 16 input channels
constexpr int kTapBytes = kBlock * kPixBytes;        // one B tile: kPixBytes / 4 rows × 64 bytes
constexpr int kCTiles = 4;

template <typename F, int... I>
static inline void static_for_impl(F& f, std::integer_sequence<int, I...>) {
  (f(std::integral_constant<int, I>{}), ...);
}
// f(0), ..., f(N - 1) with compile-time arguments (tile numbers are immediates).
template <int N, typename F>
static inline void static_for(F&& f) {
  static_for_impl(f, std::make_integer_sequence<int, N>{});
}

template <int C, int A, int B>
static inline void dot() {
#if RN_AMX_INT8
  tile_dot_u8s8<C, A, B>();
#else
  tile_dot_bf16<C, A, B>();
#endif
}

// Output blocks per group: 4 on rows of ≤ 16 pixels (one pixel group), 2 on wider rows (two), fewer
// where the output blocks do not divide.
static int choose_nv(const Args& a) {
  const int ocb = a.oc / kBlock;
  if (a.out.w <= kBlock && ocb % 4 == 0) return 4;
  return ocb % 2 == 0 ? 2 : 1;
}

// C tile (pg, v) = pg · NV + v, A tile of pixel group pg = 4 + pg, B tile of output block v = 6 + v % 2.
template <int PG, int NV>
static TileConfig chunk_config(const int rows[2]) {
  static_assert(PG * NV <= kCTiles, "4 C tiles");
  TileConfig c;
  c.palette = 1;
  for (int pg = 0; pg < PG; pg++) {
    for (int v = 0; v < NV; v++) {
      c.rows[pg * NV + v] = uint8_t(rows[pg]);
      c.colsb[pg * NV + v] = kBlock * sizeof(Sum);
    }
    c.rows[4 + pg] = uint8_t(rows[pg]);
    c.colsb[4 + pg] = kPixBytes;
  }
  for (int b = 0; b < std::min(NV, 2); b++) {
    c.rows[6 + b] = kPixBytes / 4;
    c.colsb[6 + b] = kBlock * 4;
  }
  return c;
}

// Output pixels [ow0, ow0 + rows[0] + rows[1]) of row oh for output blocks [ocb0, ocb0 + NV): PG
// groups of rows[pg] ≤ 16 pixels.
template <int PG, int NV>
static void conv_chunk(const Args& a, int img, int ocb0, int oh, int ow0, const int rows[2]) {
  use_config(chunk_config<PG, NV>(rows));
  const size_t w_ocb_stride = size_t(a.in_cb) * a.kh * a.kw * kTapBytes;
  const In* in0 = a.in + img * a.in_image_stride + size_t(oh * a.sh + a.in_origin) * a.in_row_stride +
                  size_t(ow0 * a.sw + a.in_origin) * kBlock;
  const size_t a_stride = size_t(a.sw) * kPixBytes;
  const uint8_t* w0 = reinterpret_cast<const uint8_t*>(a.weight) + ocb0 * w_ocb_stride;
  static_for<PG>([&](auto pg) {
    static_for<NV>([&](auto v) {
#if RN_AMX_INT8
      tile_zero<pg() * NV + v()>();
#else
      tile_load<pg() * NV + v()>(a.bias + (ocb0 + v()) * kBlock, 0);
#endif
    });
  });
  for (int cb = 0; cb < a.in_cb; cb++) {
    for (int ky = 0; ky < a.kh; ky++) {
      for (int kx = 0; kx < a.kw; kx++) {
        const uint8_t* ip =
            reinterpret_cast<const uint8_t*>(in0 + cb * a.in_block_stride + ky * a.in_row_stride + kx * kBlock);
        const uint8_t* wp = w0 + ((size_t(cb) * a.kh + ky) * a.kw + kx) * kTapBytes;
        static_for<PG>([&](auto pg) { tile_load<4 + pg()>(ip + pg() * kBlock * a_stride, a_stride); });
        static_for<NV>([&](auto v) {
          tile_load<6 + v() % 2>(wp + v() * w_ocb_stride, kBlock * 4);
          static_for<PG>([&](auto pg) { dot<pg() * NV + v(), 4 + pg(), 6 + v() % 2>(); });
        });
      }
    }
  }
  alignas(64) Sum acc[kBlock][kBlock];
  static_for<PG>([&](auto pg) {
    static_for<NV>([&](auto v) {
      tile_store<pg() * NV + v()>(acc, sizeof acc[0]);
      const int ocb = ocb0 + v(), x0 = ow0 + pg() * kBlock;
#if RN_AMX_INT8
      const size_t at = a.out.at(img, ocb, oh, x0) - a.out.data;
      for (int p = 0; p < rows[pg()]; p++) {
        Acc sums;
        std::memcpy(&sums, acc[p], sizeof sums);
        store_pixel(a, sums, ocb, at + size_t(p) * kBlock);
      }
#else
      uint16_t* out = a.out.at(img, ocb, oh, x0);
      const uint16_t* res = a.residual == nullptr ? nullptr : a.residual + (out - a.out.data);
      for (int p = 0; p < rows[pg()]; p++) {
        store_pixel(out + p * kBlock, res == nullptr ? nullptr : res + p * kBlock, load(acc[p]), a.relu);
      }
#endif
    });
  });
}

template <int NV>
static void conv_row_nv(const Args& a, int img, int ocb0, int oh) {
  for (int ow0 = 0; ow0 < a.out.w; ow0 += 2 * kBlock) {
    const int rows[2] = {std::min(kBlock, a.out.w - ow0), std::clamp(a.out.w - ow0 - kBlock, 0, kBlock)};
    if (rows[1] > 0) {
      if constexpr (2 * NV <= kCTiles) conv_chunk<2, NV>(a, img, ocb0, oh, ow0, rows);
    } else {
      conv_chunk<1, NV>(a, img, ocb0, oh, ow0, rows);
    }
  }
}

static bool fallback(const Args& a) {
#if RN_AMX_INT8
  (void)a;
  return false;
#else
  return a.in_pix != kBlock;  // the image as channel pairs (the stem)
#endif
}

static void conv_row(const Args& a, int img, int group, int oh) {
  if (fallback(a)) return RN_FALLBACK()->conv_row(a, img, group, oh);
  const int nv = choose_nv(a);
  if (nv == 4) conv_row_nv<4>(a, img, group * nv, oh);
  else if (nv == 2) conv_row_nv<2>(a, img, group * nv, oh);
  else conv_row_nv<1>(a, img, group * nv, oh);
#if RN_AMX_INT8
  zero_border(a, img, group * nv, nv, oh);
#else
  zero_border_row(a.out, img, group * nv, nv, oh);
#endif
}

static int conv_groups(const Args& a) {
  if (fallback(a)) return RN_FALLBACK()->conv_groups(a);
  return a.oc / kBlock / choose_nv(a);
}

}  // namespace RN_NS

const RN_NS::KernelSet* RN_NAME() {
  const RN_NS::KernelSet* f = RN_FALLBACK();
#if RN_AMX_INT8
  static const Int8Kernels table = {RN_PATH_NAME, RN_NS::conv_row, RN_NS::conv_groups, f->quantize};
#else
  static const Bf16Kernels table = {RN_PATH_NAME,    RN_NS::conv_row,  RN_NS::conv_groups, f->max_pool_row,
                                    f->global_pool, f->linear};
#endif
  return &table;
}

}  // namespace rn

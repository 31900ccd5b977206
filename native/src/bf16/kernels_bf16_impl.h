// bf16 kernels (see bf16.h), written once and compiled twice: kernels_avx512bf16.cc (RN_BF16_HW 1:
// vdpbf16ps, vcvtneps2bf16) and kernels_bf16_emulated.cc (RN_BF16_HW 0: the same steps in portable
// C++). Everything but dot() and narrow() is shared, so both paths accumulate in the same order.
// Include with RN_NS, RN_NAME, RN_BF16_HW and the tiles RN_NV_WIDE/RN_PX_WIDE, RN_NV_NARROW/RN_PX_NARROW.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "bf16.h"
#if RN_BF16_HW
#include <immintrin.h>
#endif

namespace rn {
namespace RN_NS {

typedef float v16 __attribute__((vector_size(64)));
typedef uint32_t u16x __attribute__((vector_size(64)));  // 16 lanes of a (even, odd) bf16 pair
typedef uint16_t h16 __attribute__((vector_size(32)));   // 16 bf16 values

static inline v16 load(const float* p) {
  v16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
static inline v16 as_float(u16x b) {
  v16 f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}
static inline u16x as_bits(v16 f) {
  u16x b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}
static inline v16 vmax(v16 a, v16 b) { return a > b ? a : b; }

// 16 bf16 values → float32 (exact).
static inline v16 widen(const uint16_t* p) {
  h16 h;
  std::memcpy(&h, p, sizeof h);
  return as_float(__builtin_convertvector(h, u16x) << 16);
}

// dot(acc, x, w): for each lane j, acc[j] += x.odd·w[j].odd, then acc[j] += x.even·w[j].even, x one
// broadcast pair of bf16, w 16 pairs. Operands are prepared once (prep_x per pixel, prep_w per
// weight vector) and reused across the tile.
#if RN_BF16_HW
typedef u16x XOp;
typedef u16x WOp;
static inline XOp prep_x(uint32_t pair) { return u16x{} + pair; }
static inline WOp prep_w(const uint16_t* p) {
  u16x w;
  std::memcpy(&w, p, sizeof w);
  return w;
}
// vdpbf16ps: each step an FMA with round to nearest even, DAZ and FTZ.
static inline v16 dot(v16 acc, const XOp& x, const WOp& w) {
  return (v16)_mm512_dpbf16_ps((__m512)acc, (__m512bh)x, (__m512bh)w);
}
static inline v16 first_acc(v16 bias) { return bias; }
// float32 → bf16, round to nearest even (vcvtneps2bf16).
static inline void narrow(uint16_t* p, v16 v) {
  const __m256bh h = _mm512_cvtneps_pbh((__m512)v);
  std::memcpy(p, &h, 32);
}
#else
struct XOp {
  float hi, lo;
};
struct WOp {
  v16 hi, lo;
};
static inline XOp prep_x(uint32_t pair) {
  const uint32_t hi = pair & 0xffff0000u, lo = pair << 16;
  XOp x;
  std::memcpy(&x.hi, &hi, sizeof hi);
  std::memcpy(&x.lo, &lo, sizeof lo);
  return x;
}
static inline WOp prep_w(const uint16_t* p) {
  u16x w;
  std::memcpy(&w, p, sizeof w);
  return {as_float(w & 0xffff0000u), as_float(w << 16)};
}
// Flush-to-zero of denormal results (and denormal inputs, DAZ), keeping the sign.
static inline v16 ftz(v16 a) {
  const u16x b = as_bits(a);
  return as_float((b & 0x7f800000u) == 0 ? b & 0x80000000u : b);
}
// The SDM's VDPBF16PS per lane: srcdest += make_fp32(src2.odd)·make_fp32(src3.odd), then
// += even·even, DAZ/FTZ. A product of two bf16 is exact in float32, so multiply-then-add equals the
// FMA (except for products below 2^-126, which the instruction flushes after adding and this rounds
// first; bf16 values here are normal or zero, as to_bf16 and narrow flush denormals).
static inline v16 dot(v16 acc, const XOp& x, const WOp& w) {
  acc = ftz(acc + x.hi * w.hi);
  return ftz(acc + x.lo * w.lo);
}
// The instruction reads its accumulator with DAZ.
static inline v16 first_acc(v16 bias) { return ftz(bias); }
// to_bf16 (bf16.h) on 16 lanes.
static inline void narrow(uint16_t* p, v16 v) {
  const u16x u = as_bits(v);
  const u16x rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
  const u16x special = (u & 0x7fffffffu) > 0x7f800000u ? (u >> 16) | 0x40u : rounded;
  const h16 h = __builtin_convertvector((u & 0x7f800000u) == 0 ? (u >> 16) & 0x8000u : special, h16);
  std::memcpy(p, &h, sizeof h);
}
#endif

#include "../tile_dispatch.h"

// acc[PX][NV] = bias, then over input blocks, taps and channel pairs (in this order) one dot step
// per pair, then (+ residual) (+ ReLU) in float32 and one rounding to bf16. NP: pairs per block
// (0 = runtime a.in_pairs).
template <int PX, int NV, int NP>
static inline void conv_tile(const ConvArgs16& a, int img, int ocb0, int oh, int ow0) {
  v16 acc[PX][NV];
  for (int v = 0; v < NV; v++) {
    const v16 b = first_acc(load(a.bias + (ocb0 + v) * kBlock));
    for (int p = 0; p < PX; p++) acc[p][v] = b;
  }
  const int np = NP > 0 ? NP : a.in_pairs;
  const size_t w_ocb_stride = size_t(a.in_cb) * a.kh * a.kw * np * 2 * kBlock;
  const uint16_t* in0 = a.in + img * a.in_image_stride + size_t(oh * a.sh + a.in_origin) * a.in_row_stride +
                        size_t(ow0 * a.sw + a.in_origin) * a.in_pix;
  const int pix_step = a.sw * a.in_pix;
  const uint16_t* w0 = a.weight + ocb0 * w_ocb_stride;
  for (int cb = 0; cb < a.in_cb; cb++) {
    for (int ky = 0; ky < a.kh; ky++) {
      for (int kx = 0; kx < a.kw; kx++) {
        const uint16_t* ip = in0 + cb * a.in_block_stride + ky * a.in_row_stride + kx * a.in_pix;
        const uint16_t* wp = w0 + ((size_t(cb) * a.kh + ky) * a.kw + kx) * np * 2 * kBlock;
        for (int k = 0; k < np; k++) {
          WOp w[NV];
          for (int v = 0; v < NV; v++) w[v] = prep_w(wp + v * w_ocb_stride + k * 2 * kBlock);
          const uint16_t* x = ip + k * a.in_pair;
          for (int p = 0; p < PX; p++) {
            uint32_t pair;
            std::memcpy(&pair, x + p * pix_step, sizeof pair);
            const XOp xb = prep_x(pair);
            for (int v = 0; v < NV; v++) acc[p][v] = dot(acc[p][v], xb, w[v]);
          }
        }
      }
    }
  }
  const v16 zero = {};
  for (int v = 0; v < NV; v++) {
    uint16_t* out = a.out.at(img, ocb0 + v, oh, ow0);
    const uint16_t* res = a.residual == nullptr ? nullptr : a.residual + (out - a.out.data);
    for (int p = 0; p < PX; p++) {
      v16 r = acc[p][v];
      if (res != nullptr) r += widen(res + p * kBlock);
      if (a.relu) r = vmax(r, zero);
      narrow(out + p * kBlock, r);
    }
  }
}

template <int NV, int PXMAX, int NP>
static void conv_row_nv(const ConvArgs16& a, int img, int group, int oh) {
  const int ocb0 = group * NV;
  for (int ow0 = 0; ow0 < a.out.w; ow0 += PXMAX) {
    with_px(std::min(PXMAX, a.out.w - ow0), [&](auto px) { conv_tile<px(), NV, NP>(a, img, ocb0, oh, ow0); });
  }
}

// Zeroes this row's left/right border pixels (and the top/bottom border rows at the edges).
static void zero_border_row(const Blocked16& out, int img, int block0, int nblocks, int oh) {
  const size_t pixel = kBlock * sizeof(uint16_t);
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

template <int NP>
static void conv_row_np(const ConvArgs16& a, int img, int group, int oh) {
  const int nv = choose_nv(a);
  const bool narrow_row = a.out.w <= RN_PX_NARROW;
  if (nv == RN_NV_NARROW && narrow_row) {
    conv_row_nv<RN_NV_NARROW, RN_PX_NARROW, NP>(a, img, group, oh);
  } else if (nv == RN_NV_WIDE) {
    conv_row_nv<RN_NV_WIDE, RN_PX_WIDE, NP>(a, img, group, oh);
  } else if (nv == 2) {
    conv_row_nv<2, RN_PX_NARROW, NP>(a, img, group, oh);
  } else {
    conv_row_nv<1, RN_PX_WIDE, NP>(a, img, group, oh);
  }
  zero_border_row(a.out, img, group * nv, nv, oh);
}

static void conv_row(const ConvArgs16& a, int img, int group, int oh) {
  if (a.in_pairs == kBlock / 2) return conv_row_np<kBlock / 2>(a, img, group, oh);
  if (a.in_pairs == 2) return conv_row_np<2>(a, img, group, oh);
  conv_row_np<0>(a, img, group, oh);
}

static int conv_groups(const ConvArgs16& a) { return a.oc / kBlock / choose_nv(a); }

// Max of bf16 values is one of them: compared in float32, stored back exactly (the high half).
static void max_pool_row(const PoolArgs16& a, int img, int block, int oh) {
  const v16 ninf = v16{} - __builtin_inff();
  for (int ow = 0; ow < a.out.w; ow++) {
    v16 m = ninf;
    const int y0 = oh * a.sh - a.ph, x0 = ow * a.sw - a.pw;
    for (int y = std::max(y0, 0); y < std::min(y0 + a.kh, a.in.h); y++) {
      for (int x = std::max(x0, 0); x < std::min(x0 + a.kw, a.in.w); x++) m = vmax(m, widen(a.in.at(img, block, y, x)));
    }
    const h16 h = __builtin_convertvector(as_bits(m) >> 16, h16);
    std::memcpy(a.out.at(img, block, oh, ow), &h, sizeof h);
  }
  zero_border_row(a.out, img, block, 1, oh);
}

static void global_pool(const Blocked16& in, float* out, bool max, int img, int block) {
  v16 acc = max ? v16{} - __builtin_inff() : v16{};
  for (int y = 0; y < in.h; y++) {
    for (int x = 0; x < in.w; x++) {
      const v16 v = widen(in.at(img, block, y, x));
      acc = max ? vmax(acc, v) : acc + v;
    }
  }
  if (!max) acc = acc / float(in.h * in.w);
  std::memcpy(out + size_t(img) * in.c + block * kBlock, &acc, sizeof acc);
}

static void linear(const uint16_t* in, const uint16_t* weight, const float* bias, float* out, int n, int pairs,
                   int out_features, int ob0, int ob1) {
  for (int ob = ob0; ob < ob1; ob++) {
    const uint16_t* w = weight + size_t(ob) * pairs * 2 * kBlock;
    const v16 b = first_acc(load(bias + ob * kBlock));
    const int valid = std::min(kBlock, out_features - ob * kBlock);
    for (int img = 0; img < n; img++) {
      const uint16_t* x = in + size_t(img) * pairs * 2;
      v16 acc = b;
      for (int k = 0; k < pairs; k++) {
        uint32_t pair;
        std::memcpy(&pair, x + 2 * k, sizeof pair);
        acc = dot(acc, prep_x(pair), prep_w(w + k * 2 * kBlock));
      }
      float lanes[kBlock];
      std::memcpy(lanes, &acc, sizeof lanes);
      std::memcpy(out + size_t(img) * out_features + ob * kBlock, lanes, valid * sizeof(float));
    }
  }
}

}  // namespace RN_NS

const Bf16Kernels* RN_NAME() {
  static const Bf16Kernels table = {RN_PATH_NAME, RN_NS::conv_row, RN_NS::conv_groups, RN_NS::max_pool_row,
                                    RN_NS::global_pool, RN_NS::linear};
  return &table;
}

}  // namespace rn

// int8 kernels (see int8.h), written once and compiled per path: kernels_avx512vnni.cc
// (RN_INT8_HW 512: vpdpbusd on zmm), kernels_avxvnni.cc (RN_INT8_HW 256: the VEX vpdpbusd on two
// ymm halves) and kernels_int8_emulated.cc (RN_INT8_HW 0: the same sums in portable C++).
// Everything but dot() is shared, so every path computes the same bits. Include with RN_NS,
// RN_NAME, RN_PATH_NAME, RN_INT8_HW and the tiles RN_NV_WIDE/RN_PX_WIDE, RN_NV_NARROW/RN_PX_NARROW.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "int8.h"
#if RN_INT8_HW
#include <immintrin.h>
#endif

namespace rn {
namespace RN_NS {

typedef float v16 __attribute__((vector_size(64)));
typedef int32_t i16x __attribute__((vector_size(64)));
typedef uint32_t u16x __attribute__((vector_size(64)));
typedef uint8_t b16 __attribute__((vector_size(16)));

static inline v16 load(const float* p) {
  v16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
static inline v16 vmax(v16 a, v16 b) { return a > b ? a : b; }
static inline v16 vmin(v16 a, v16 b) { return a < b ? a : b; }

// 16 u8 values → float32 (exact).
static inline v16 widen(const uint8_t* p) {
  b16 b;
  std::memcpy(&b, p, sizeof b);
  return __builtin_convertvector(b, v16);
}

// float32 → u8: clamp to [0, 255], round to nearest even (adding and taking away 1.5 · 2^23 leaves
// the integer nearest in float32's round-to-nearest-even), then the exact integer.
static inline void narrow(uint8_t* p, v16 v) {
  const v16 zero = {}, top = zero + 255.0f, magic = zero + 12582912.0f;
  const v16 r = (vmin(vmax(v, zero), top) + magic) - magic;
  const b16 b = __builtin_convertvector(__builtin_convertvector(r, i16x), b16);
  std::memcpy(p, &b, sizeof b);
}

// dot(acc, x, w): for each lane j, acc[j] += Σ_k x[k] · w[j][k] over one quad (k = 0..3) of
// unsigned x (one pixel's four input channels, broadcast) and signed w (16 lanes of four). Exact:
// |Σ| < 2^31 for any ResNet layer (255 · 127 · 4 · 4608), so nothing saturates or wraps.
// Acc: 16 int32 lanes of accumulator (two ymm halves on the 256-bit path, so they stay in
// registers); widen_acc gives them as one 16-lane vector for the epilogue.
#if RN_INT8_HW == 512
typedef i16x Acc;
typedef i16x XOp;
typedef i16x WOp;
static inline XOp prep_x(uint32_t quad) { return i16x{} + int32_t(quad); }
static inline WOp prep_w(const int8_t* p) {
  i16x w;
  std::memcpy(&w, p, sizeof w);
  return w;
}
static inline Acc dot(Acc acc, const XOp& x, const WOp& w) {
  return (i16x)_mm512_dpbusd_epi32((__m512i)acc, (__m512i)x, (__m512i)w);
}
#elif RN_INT8_HW == 256
typedef int32_t i8x __attribute__((vector_size(32)));
struct Acc {
  i8x lo, hi;
};
typedef i8x XOp;
typedef Acc WOp;
static inline XOp prep_x(uint32_t quad) { return i8x{} + int32_t(quad); }
static inline WOp prep_w(const int8_t* p) {
  WOp w;
  std::memcpy(&w.lo, p, sizeof w.lo);
  std::memcpy(&w.hi, p + sizeof w.lo, sizeof w.hi);
  return w;
}
static inline Acc dot(Acc acc, const XOp& x, const WOp& w) {
  return {(i8x)_mm256_dpbusd_avx_epi32((__m256i)acc.lo, (__m256i)x, (__m256i)w.lo),
          (i8x)_mm256_dpbusd_avx_epi32((__m256i)acc.hi, (__m256i)x, (__m256i)w.hi)};
}
#else
typedef i16x Acc;
struct XOp {
  uint32_t x[4];
};
struct WOp {
  u16x w[4];
};
static inline XOp prep_x(uint32_t quad) {
  return {{quad & 0xffu, (quad >> 8) & 0xffu, (quad >> 16) & 0xffu, quad >> 24}};
}
static inline WOp prep_w(const int8_t* p) {
  WOp w;
  for (int k = 0; k < 4; k++)
    for (int j = 0; j < kBlock; j++) w.w[k][j] = uint32_t(int32_t(p[j * 4 + k]));
  return w;
}
// In unsigned (wrapping) arithmetic, which gives the same bits as the signed sum.
static inline Acc dot(Acc acc, const XOp& x, const WOp& w) {
  u16x a = (u16x)acc;
  for (int k = 0; k < 4; k++) a += w.w[k] * x.x[k];
  return (i16x)a;
}
#endif
static inline i16x widen_acc(const Acc& acc) {
  i16x r;
  std::memcpy(&r, &acc, sizeof r);
  return r;
}

#include "../tile_dispatch.h"

// acc[PX][NV] = 0, then over input blocks, taps and channel quads one dot step per quad, then the
// epilogue: float(acc) · mult + bias (+ residual) (ReLU), stored as float32 or u8.
template <int PX, int NV>
static inline void conv_tile(const ConvArgs8& a, int img, int ocb0, int oh, int ow0) {
  Acc acc[PX][NV];
  std::memset(acc, 0, sizeof acc);
  constexpr int kQuads = kBlock / 4;
  const size_t tap_bytes = size_t(kQuads) * kBlock * 4;
  const size_t w_ocb_stride = size_t(a.in_cb) * a.kh * a.kw * tap_bytes;
  const uint8_t* in0 = a.in + img * a.in_image_stride + size_t(oh * a.sh + a.in_origin) * a.in_row_stride +
                       size_t(ow0 * a.sw + a.in_origin) * kBlock;
  const int pix_step = a.sw * kBlock;
  const int8_t* w0 = a.weight + ocb0 * w_ocb_stride;
  for (int cb = 0; cb < a.in_cb; cb++) {
    for (int ky = 0; ky < a.kh; ky++) {
      for (int kx = 0; kx < a.kw; kx++) {
        const uint8_t* ip = in0 + cb * a.in_block_stride + ky * a.in_row_stride + kx * kBlock;
        const int8_t* wp = w0 + ((size_t(cb) * a.kh + ky) * a.kw + kx) * tap_bytes;
        for (int k = 0; k < kQuads; k++) {
          WOp w[NV];
          for (int v = 0; v < NV; v++) w[v] = prep_w(wp + v * w_ocb_stride + k * kBlock * 4);
          for (int p = 0; p < PX; p++) {
            uint32_t quad;
            std::memcpy(&quad, ip + p * pix_step + k * 4, sizeof quad);
            const XOp xq = prep_x(quad);
            for (int v = 0; v < NV; v++) acc[p][v] = dot(acc[p][v], xq, w[v]);
          }
        }
      }
    }
  }
  const v16 zero = {};
  for (int v = 0; v < NV; v++) {
    const v16 mult = load(a.mult + (ocb0 + v) * kBlock), bias = load(a.bias + (ocb0 + v) * kBlock);
    const size_t at = a.out.at(img, ocb0 + v, oh, ow0) - a.out.data;
    for (int p = 0; p < PX; p++) {
      const size_t e = at + size_t(p) * kBlock;
      v16 r = __builtin_convertvector(widen_acc(acc[p][v]), v16) * mult + bias;
      if (a.residual8 != nullptr) r += widen(a.residual8 + e) * a.residual_scale;
      else if (a.residual32 != nullptr) r += load(a.residual32 + e);
      if (a.relu) r = vmax(r, zero);
      if (a.out32 != nullptr) std::memcpy(a.out32 + e, &r, sizeof r);
      else narrow(a.out.data + e, r * a.out_inv_scale);
    }
  }
}

template <int NV, int PXMAX>
static void conv_row_nv(const ConvArgs8& a, int img, int group, int oh) {
  const int ocb0 = group * NV;
  for (int ow0 = 0; ow0 < a.out.w; ow0 += PXMAX) {
    with_px(std::min(PXMAX, a.out.w - ow0), [&](auto px) { conv_tile<px(), NV>(a, img, ocb0, oh, ow0); });
  }
}

// Zeroes this row's left/right border pixels (and the top/bottom border rows at the edges), of u8
// (T = uint8_t) or float32 output.
template <typename T>
static void zero_border_row(const BlockedOf<T>& out, int img, int block0, int nblocks, int oh) {
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

static void conv_row(const ConvArgs8& a, int img, int group, int oh) {
  const int nv = choose_nv(a);
  const bool narrow_row = a.out.w <= RN_PX_NARROW;
  if (nv == RN_NV_NARROW && narrow_row) {
    conv_row_nv<RN_NV_NARROW, RN_PX_NARROW>(a, img, group, oh);
  } else if (nv == RN_NV_WIDE) {
    conv_row_nv<RN_NV_WIDE, RN_PX_WIDE>(a, img, group, oh);
  } else if (nv == 2) {
    conv_row_nv<2, RN_PX_NARROW>(a, img, group, oh);
  } else {
    conv_row_nv<1, RN_PX_WIDE>(a, img, group, oh);
  }
  if (a.out32 != nullptr) {
    const Blocked out{a.out32, a.out.n, a.out.c, a.out.h, a.out.w};
    zero_border_row(out, img, group * nv, nv, oh);
  } else {
    zero_border_row(a.out, img, group * nv, nv, oh);
  }
}

static int conv_groups(const ConvArgs8& a) { return a.oc / kBlock / choose_nv(a); }

static void quantize(const Blocked& in, const BlockedU8& out, float inv_scale, int img, int block) {
  const float* src = in.at(img, block, -kBorder, -kBorder);
  uint8_t* dst = out.at(img, block, -kBorder, -kBorder);
  const size_t pixels = size_t(in.hp()) * in.wp();
  for (size_t i = 0; i < pixels; i++) narrow(dst + i * kBlock, load(src + i * kBlock) * inv_scale);
}

}  // namespace RN_NS

const Int8Kernels* RN_NAME() {
  static const Int8Kernels table = {RN_PATH_NAME, RN_NS::conv_row, RN_NS::conv_groups, RN_NS::quantize};
  return &table;
}

}  // namespace rn

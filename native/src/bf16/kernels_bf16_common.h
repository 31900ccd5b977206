// The vector pieces every bf16 kernel set shares (see bf16.h): 16-lane types, widen, dot (vdpbf16ps
// or its emulation), narrow, the conv epilogue and the output border. Included by kernels_bf16_impl.h
// and by the AMX kernels (amx/kernels_amx_impl.h), so that every path stores its accumulators the same
// way. Include with RN_NS and RN_BF16_HW defined; no include guard (one copy per kernel set).
#include <algorithm>
#include <cstring>

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

// The conv epilogue of one pixel's 16 output channels: acc (+ residual) (ReLU) in float32, then one
// rounding to bf16 at out; res: the residual's pixel or null.
static inline void store_pixel(uint16_t* out, const uint16_t* res, v16 acc, bool relu) {
  if (res != nullptr) acc += widen(res);
  if (relu) acc = vmax(acc, v16{});
  narrow(out, acc);
}

}  // namespace RN_NS
}  // namespace rn

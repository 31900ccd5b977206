// The vector pieces every int8 kernel set shares (see int8.h): vector types, widen/narrow, dot
// (vpdpbusd or its emulation), the conv epilogue and the output border. Included by
// kernels_int8_impl.h and by the AMX kernels (amx/kernels_amx_impl.h), so that every path turns its
// integer sums into outputs the same way. Include with RN_NS, RN_INT8_HW and RN_VEC_BYTES defined; no
// include guard (one copy per kernel set).
#include <cstring>

#include "int8.h"
#if RN_INT8_HW
#include <immintrin.h>
#endif

namespace rn {
namespace RN_NS {


// A block of 16 channels is kParts vectors of the path's width RN_VEC_BYTES (64 on AVX512-VNNI, 32
// on AVX-VNNI, 16 for the portable build): GCC lowers a 64-byte vector type on a narrower ISA
// through the stack and lane by lane, so no kernel uses a vector wider than the machine's.
typedef float vf __attribute__((vector_size(RN_VEC_BYTES)));
typedef int32_t vi __attribute__((vector_size(RN_VEC_BYTES)));
typedef uint32_t vu __attribute__((vector_size(RN_VEC_BYTES)));
constexpr int kParts = 64 / RN_VEC_BYTES;
constexpr int kLanes = kBlock / kParts;
typedef uint8_t vb __attribute__((vector_size(kLanes)));
#define RN_INLINE static inline __attribute__((always_inline))
// Loops over a register tile are unrolled completely so that its accumulators stay in registers.
#define RN_UNROLL _Pragma("GCC unroll 32")

RN_INLINE vf load(const float* p) {
  vf v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
RN_INLINE vf vmax(vf a, vf b) { return a > b ? a : b; }
RN_INLINE vf vmin(vf a, vf b) { return a < b ? a : b; }

// kLanes u8 values → float32 (exact). GCC 12 converts an 8-byte vector lane by lane on AVX2 (AVX-512
// has vpmovdb/vpmovzxbd for any width), so the 256-bit path names the instructions.
RN_INLINE vf widen(const uint8_t* p) {
#if RN_INT8_HW == 256
  return (vf)_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i*)p)));
#else
  vb b;
  std::memcpy(&b, p, sizeof b);
  return __builtin_convertvector(b, vf);
#endif
}

// float32 → u8: clamp to [0, 255], round to nearest even (adding and taking away 1.5 · 2^23 leaves
// the integer nearest in float32's round-to-nearest-even), then the exact integer (the saturating
// packs of the 256-bit path change nothing in [0, 255]).
RN_INLINE void narrow(uint8_t* p, vf v) {
  const vf zero = {}, top = zero + 255.0f, magic = zero + 12582912.0f;
  const vf r = (vmin(vmax(v, zero), top) + magic) - magic;
#if RN_INT8_HW == 256
  const __m256i q = _mm256_cvttps_epi32((__m256)r);
  const __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
  _mm_storel_epi64((__m128i*)p, _mm_packus_epi16(w, w));
#else
  const vb b = __builtin_convertvector(__builtin_convertvector(r, vi), vb);
  std::memcpy(p, &b, sizeof b);
#endif
}

// dot(acc, x, w): for each lane j, acc[j] += Σ_k x[k] · w[j][k] over one quad (k = 0..3) of
// unsigned x (one pixel's four input channels, broadcast) and signed w (16 lanes of four). Exact:
// |Σ| < 2^31 for any ResNet layer (255 · 127 · 4 · 4608), so nothing saturates or wraps.
// Acc: the 16 int32 lanes of one accumulator, as kParts vectors.
struct Acc {
  vi p[kParts];
};
#if RN_INT8_HW
typedef vi XOp;
struct WOp {
  vi p[kParts];
};
RN_INLINE XOp prep_x(uint32_t quad) { return vi{} + int32_t(quad); }
RN_INLINE WOp prep_w(const int8_t* p) {
  WOp w;
  RN_UNROLL for (int i = 0; i < kParts; i++) std::memcpy(&w.p[i], p + i * RN_VEC_BYTES, sizeof w.p[i]);
  return w;
}
RN_INLINE void dot(Acc& acc, const XOp& x, const WOp& w) {
  RN_UNROLL for (int i = 0; i < kParts; i++) {
#if RN_INT8_HW == 512
    acc.p[i] = (vi)_mm512_dpbusd_epi32((__m512i)acc.p[i], (__m512i)x, (__m512i)w.p[i]);
#else
    acc.p[i] = (vi)_mm256_dpbusd_avx_epi32((__m256i)acc.p[i], (__m256i)x, (__m256i)w.p[i]);
#endif
  }
}
#else
struct XOp {
  uint32_t x[4];
};
struct WOp {
  vu w[4][kParts];
};
RN_INLINE XOp prep_x(uint32_t quad) {
  return {{quad & 0xffu, (quad >> 8) & 0xffu, (quad >> 16) & 0xffu, quad >> 24}};
}
RN_INLINE WOp prep_w(const int8_t* p) {
  WOp w;
  for (int k = 0; k < 4; k++)
    for (int j = 0; j < kBlock; j++) w.w[k][j / kLanes][j % kLanes] = uint32_t(int32_t(p[j * 4 + k]));
  return w;
}
// In unsigned (wrapping) arithmetic, which gives the same bits as the signed sum.
RN_INLINE void dot(Acc& acc, const XOp& x, const WOp& w) {
  RN_UNROLL for (int i = 0; i < kParts; i++) {
    vu a = (vu)acc.p[i];
    for (int k = 0; k < 4; k++) a += w.w[k][i] * x.x[k];
    acc.p[i] = (vi)a;
  }
}
#endif

// The conv epilogue of one pixel's 16 output channels (block `ocb`, element offset `at` of the
// output): float(acc) · mult + bias (+ residual) (ReLU), stored as float32 or u8.
RN_INLINE void store_pixel(const ConvArgs8& a, const Acc& acc, int ocb, size_t at) {
  const float* mult = a.mult + ocb * kBlock;
  const float* bias = a.bias + ocb * kBlock;
  RN_UNROLL for (int i = 0; i < kParts; i++) {
    const size_t e = at + i * kLanes;
    vf r = __builtin_convertvector(acc.p[i], vf) * load(mult + i * kLanes) + load(bias + i * kLanes);
    if (a.residual8 != nullptr) r += widen(a.residual8 + e) * a.residual_scale;
    else if (a.residual32 != nullptr) r += load(a.residual32 + e);
    if (a.relu) r = vmax(r, vf{});
    if (a.out32 != nullptr) std::memcpy(a.out32 + e, &r, sizeof r);
    else narrow(a.out.data + e, r * a.out_inv_scale);
  }
}

// Zeroes the border of output row `oh` for blocks [block0, block0 + nblocks), u8 or float32 output.
static void zero_border(const ConvArgs8& a, int img, int block0, int nblocks, int oh) {
  if (a.out32 != nullptr) {
    const Blocked out{a.out32, a.out.n, a.out.c, a.out.h, a.out.w};
    zero_border_row(out, img, block0, nblocks, oh);
  } else {
    zero_border_row(a.out, img, block0, nblocks, oh);
  }
}

}  // namespace RN_NS
}  // namespace rn

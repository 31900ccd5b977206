// Kernels of the native engine, written once with GCC vector extensions and compiled three times
// (kernels_avx512.cc, kernels_avx2.cc, kernels_portable.cc) with different -m flags and tile sizes.
// Include with RN_NS (namespace), RN_NAME, RN_NV_WIDE/RN_PX_WIDE (tile for wide rows) and
// RN_NV_NARROW/RN_PX_NARROW (tile for rows of at most RN_PX_NARROW pixels) and RN_GEMM_MR/RN_GEMM_NV
// (the training GEMM's register tile: MR rows × NV vectors of 16 columns) defined.
#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "engine.h"

namespace rn {
namespace RN_NS {

// v16: one block of 16 channels, as kParts vectors of the ISA's width RN_VEC_BYTES (64 AVX-512,
// 32 AVX2, 16 SSE2 / NEON). GCC lowers a 64-byte vector type on a narrower ISA through the stack
// (and max() lane by lane), so the kernels never use a vector wider than the machine's.
typedef float vnat __attribute__((vector_size(RN_VEC_BYTES)));
constexpr int kParts = 64 / RN_VEC_BYTES;
struct v16 {
  vnat p[kParts];
  float operator[](int i) const { return p[i / (kBlock / kParts)][i % (kBlock / kParts)]; }
};
#define RN_INLINE static inline __attribute__((always_inline))
// Loops over a register tile are unrolled completely so that its accumulators stay in registers.
#define RN_UNROLL _Pragma("GCC unroll 32")
#define RN_LANEWISE(expr)                              \
  v16 r;                                               \
  RN_UNROLL for (int i = 0; i < kParts; i++) r.p[i] = (expr); \
  return r;
RN_INLINE v16 operator+(v16 a, v16 b) { RN_LANEWISE(a.p[i] + b.p[i]) }
RN_INLINE v16 operator-(v16 a, v16 b) { RN_LANEWISE(a.p[i] - b.p[i]) }
RN_INLINE v16 operator*(v16 a, v16 b) { RN_LANEWISE(a.p[i] * b.p[i]) }
RN_INLINE v16 operator*(v16 a, float s) { RN_LANEWISE(a.p[i] * s) }
RN_INLINE v16 operator*(float s, v16 a) { RN_LANEWISE(s * a.p[i]) }
RN_INLINE v16 operator/(v16 a, float s) { RN_LANEWISE(a.p[i] / s) }
RN_INLINE v16 operator-(v16 a, float s) { RN_LANEWISE(a.p[i] - s) }
RN_INLINE v16 vmax(v16 a, v16 b) { RN_LANEWISE(a.p[i] > b.p[i] ? a.p[i] : b.p[i]) }
#undef RN_LANEWISE
RN_INLINE v16& operator+=(v16& a, v16 b) { return a = a + b; }

RN_INLINE v16 load(const float* p) {
  v16 v;
  RN_UNROLL for (int i = 0; i < kParts; i++) std::memcpy(&v.p[i], p + i * (kBlock / kParts), sizeof v.p[i]);
  return v;
}
RN_INLINE void store(float* p, v16 v) {
  RN_UNROLL for (int i = 0; i < kParts; i++) std::memcpy(p + i * (kBlock / kParts), &v.p[i], sizeof v.p[i]);
}

#include "tile_dispatch.h"

// acc[PX][NV] over all input channels and taps, then bias (+ residual) (+ ReLU), for PX pixels of
// one output row starting at ow0. ICB: channels per input block (0 = runtime a.in_icb).
template <int PX, int NV, int ICB>
static inline void conv_tile(const ConvArgs& a, int img, int ocb0, int oh, int ow0) {
  v16 acc[PX][NV];
  RN_UNROLL
  for (int v = 0; v < NV; v++) {
    const v16 b = load(a.bias + (ocb0 + v) * kBlock);
    RN_UNROLL
    for (int p = 0; p < PX; p++) acc[p][v] = b;
  }
  const int icb = ICB > 0 ? ICB : a.in_icb;
  const size_t w_ocb_stride = size_t(a.in_cb) * a.kh * a.kw * icb * kBlock;
  const float* in0 = a.in + img * a.in_image_stride + size_t(oh * a.sh + a.in_origin) * a.in_row_stride +
                     size_t(ow0 * a.sw + a.in_origin) * a.in_pix;
  const int pix_step = a.sw * a.in_pix;
  const float* w0 = a.weight + ocb0 * w_ocb_stride;
  for (int cb = 0; cb < a.in_cb; cb++) {
    for (int ky = 0; ky < a.kh; ky++) {
      for (int kx = 0; kx < a.kw; kx++) {
        const float* ip = in0 + cb * a.in_block_stride + ky * a.in_row_stride + kx * a.in_pix;
        const float* wp = w0 + ((size_t(cb) * a.kh + ky) * a.kw + kx) * icb * kBlock;
        for (int ic = 0; ic < icb; ic++) {
          v16 w[NV];
          RN_UNROLL
          for (int v = 0; v < NV; v++) w[v] = load(wp + v * w_ocb_stride + ic * kBlock);
          const float* x = ip + ic * a.in_ch;
          RN_UNROLL
          for (int p = 0; p < PX; p++) {
            const float xv = x[p * pix_step];
            RN_UNROLL
            for (int v = 0; v < NV; v++) acc[p][v] += w[v] * xv;
          }
        }
      }
    }
  }
  const v16 zero = {};
  RN_UNROLL
  for (int v = 0; v < NV; v++) {
    float* out = a.out.at(img, ocb0 + v, oh, ow0);
    const float* res = a.residual == nullptr ? nullptr : a.residual + (out - a.out.data);
    RN_UNROLL
    for (int p = 0; p < PX; p++) {
      v16 r = acc[p][v];
      if (res != nullptr) r += load(res + p * kBlock);
      if (a.relu) r = vmax(r, zero);
      store(out + p * kBlock, r);
    }
  }
}

template <int NV, int PXMAX, int ICB>
static void conv_row_nv(const ConvArgs& a, int img, int group, int oh) {
  const int ocb0 = group * NV;
  for (int ow0 = 0; ow0 < a.out.w; ow0 += PXMAX) {
    with_px(std::min(PXMAX, a.out.w - ow0), [&](auto px) { conv_tile<px(), NV, ICB>(a, img, ocb0, oh, ow0); });
  }
}

template <int ICB>
static void conv_row_icb(const ConvArgs& a, int img, int group, int oh) {
  const int nv = choose_nv(a);
  const bool narrow = a.out.w <= RN_PX_NARROW;
  if (nv == RN_NV_NARROW && narrow) {
    conv_row_nv<RN_NV_NARROW, RN_PX_NARROW, ICB>(a, img, group, oh);
  } else if (nv == RN_NV_WIDE) {
    conv_row_nv<RN_NV_WIDE, RN_PX_WIDE, ICB>(a, img, group, oh);
  } else if (nv == 2) {
    conv_row_nv<2, RN_PX_NARROW, ICB>(a, img, group, oh);
  } else {
    conv_row_nv<1, RN_PX_WIDE, ICB>(a, img, group, oh);
  }
  zero_border_row(a.out, img, group * nv, nv, oh);
}

static void conv_row(const ConvArgs& a, int img, int group, int oh) {
  if (a.in_icb == kBlock) return conv_row_icb<kBlock>(a, img, group, oh);
  if (a.in_icb == 3) return conv_row_icb<3>(a, img, group, oh);
  conv_row_icb<0>(a, img, group, oh);
}

static int conv_groups(const ConvArgs& a) { return a.oc / kBlock / choose_nv(a); }

static void max_pool_row(const PoolArgs& a, int img, int block, int oh) {
  const v16 ninf = v16{} - __builtin_inff();
  for (int ow = 0; ow < a.out.w; ow++) {
    v16 m = ninf;
    const int y0 = oh * a.sh - a.ph, x0 = ow * a.sw - a.pw;
    for (int y = std::max(y0, 0); y < std::min(y0 + a.kh, a.in.h); y++) {
      for (int x = std::max(x0, 0); x < std::min(x0 + a.kw, a.in.w); x++) m = vmax(m, load(a.in.at(img, block, y, x)));
    }
    store(a.out.at(img, block, oh, ow), m);
  }
  zero_border_row(a.out, img, block, 1, oh);
}

static void global_pool(const Blocked& in, float* out, bool max, int img, int block) {
  v16 acc = max ? v16{} - __builtin_inff() : v16{};
  for (int y = 0; y < in.h; y++) {
    const float* row = in.at(img, block, y, 0);
    for (int x = 0; x < in.w; x++) acc = max ? vmax(acc, load(row + x * kBlock)) : acc + load(row + x * kBlock);
  }
  if (!max) acc = acc / float(in.h * in.w);
  float tmp[kBlock];
  store(tmp, acc);
  std::memcpy(out + size_t(img) * in.c + block * kBlock, tmp, sizeof tmp);
}


// ---- Winograd F(4x4, 3x3) (Lavin & Gray, 2016): V = Bᵀ d B, M = Σ_c U ⊙ V, Y = Aᵀ M A ----

// Transforms of F(2x2, 3x3): 4-point Bᵀ x and 2-output Aᵀ x.
static inline void winograd_bt(const v16* x, v16* y, std::integral_constant<int, 2>) {
  y[0] = x[0] - x[2];
  y[1] = x[1] + x[2];
  y[2] = x[2] - x[1];
  y[3] = x[1] - x[3];
}

static inline void winograd_at(const v16* x, v16* y, std::integral_constant<int, 2>) {
  y[0] = x[0] + x[1] + x[2];
  y[1] = x[1] - x[2] - x[3];
}

// Transforms of F(4x4, 3x3): 6-point Bᵀ x.
static inline void winograd_bt(const v16* x, v16* y, std::integral_constant<int, 4>) {
  y[0] = 4.0f * x[0] - 5.0f * x[2] + x[4];
  y[1] = -4.0f * x[1] - 4.0f * x[2] + x[3] + x[4];
  y[2] = 4.0f * x[1] - 4.0f * x[2] - x[3] + x[4];
  y[3] = -2.0f * x[1] - x[2] + 2.0f * x[3] + x[4];
  y[4] = 2.0f * x[1] - x[2] - 2.0f * x[3] + x[4];
  y[5] = 4.0f * x[1] - 5.0f * x[3] + x[5];
}

// 6-point output transform Aᵀ x (4 outputs).
static inline void winograd_at(const v16* x, v16* y, std::integral_constant<int, 4>) {
  const v16 a = x[1] + x[2], b = x[1] - x[2], c = x[3] + x[4], d = x[3] - x[4];
  y[0] = x[0] + a + c;
  y[1] = b + 2.0f * d;
  y[2] = a + 4.0f * c;
  y[3] = b + 8.0f * d + x[5];
}

// M[xi][ocb0..ocb0+NV)[t0..t0+PX) (scratch m: [36][NV][kWinogradMaxTiles][16]) for PX tiles at
// transform point xi: one of the 36 small GEMMs over C.
template <int PX, int NV>
static inline void winograd_gemm(int xi, const float* v, int count, int t0, int c, const float* u, int ocb_total,
                                 int ocb0, float* m) {
  v16 acc[PX][NV] = {};
  const float* vx = v + (size_t(xi) * count + t0) * c;
  const float* ux = u + (size_t(xi) * ocb_total + ocb0) * c * kBlock;
  for (int ic = 0; ic < c; ic++) {
    v16 w[NV];
    RN_UNROLL
    for (int k = 0; k < NV; k++) w[k] = load(ux + (size_t(k) * c + ic) * kBlock);
    RN_UNROLL
    for (int p = 0; p < PX; p++) {
      const float x = vx[p * c + ic];
      RN_UNROLL
      for (int k = 0; k < NV; k++) acc[p][k] += w[k] * x;
    }
  }
  RN_UNROLL
  for (int k = 0; k < NV; k++)
    RN_UNROLL
    for (int p = 0; p < PX; p++) store(m + ((size_t(xi) * NV + k) * kWinogradMaxTiles + t0 + p) * kBlock, acc[p][k]);
}

template <int M>
static void winograd_m(const WinogradArgs& a, int img, int tile0, int count, int ocb_begin, int ocb_end) {
  constexpr int A = M + 2, P = A * A;  // input tile size, transform points
  using tag = std::integral_constant<int, M>;
  const int c = a.in.c, ocb_total = a.out.c / kBlock;
  thread_local FloatVector scratch;
  const size_t v_size = size_t(P) * count * c, m_size = size_t(P) * 4 * kWinogradMaxTiles * kBlock;
  if (scratch.size() < v_size + m_size) scratch.resize(v_size + m_size);
  float* v = scratch.data();
  float* m = v + v_size;
  const v16 zero = {};
  // Input transform of every tile and channel block: v[xi][t][c].
  for (int t = 0; t < count; t++) {
    const int ty = (tile0 + t) / a.tiles_w, tx = (tile0 + t) % a.tiles_w;
    for (int cb = 0; cb < a.in.cb(); cb++) {
      v16 d[A][A], r[A][A];
      for (int i = 0; i < A; i++) {
        const int y = ty * M - 1 + i;
        for (int j = 0; j < A; j++) {
          const int x = tx * M - 1 + j;
          d[j][i] = y <= a.in.h && x <= a.in.w ? load(a.in.at(img, cb, y, x)) : zero;
        }
      }
      for (int j = 0; j < A; j++) winograd_bt(d[j], r[j], tag{});  // r[j][i] = (Bᵀ d)[i][j]
      for (int i = 0; i < A; i++) {
        v16 col[A], out[A];
        for (int j = 0; j < A; j++) col[j] = r[j][i];
        winograd_bt(col, out, tag{});
        for (int j = 0; j < A; j++) store(v + (size_t(i * A + j) * count + t) * c + cb * kBlock, out[j]);
      }
    }
  }
  const int nv = ocb_total % RN_NV_WIDE == 0 ? RN_NV_WIDE : 1;
  for (int ocb0 = ocb_begin; ocb0 < ocb_end; ocb0 += nv) {
    // Point by point, all tiles: this point's weights for these nv blocks (nv × C × 64 bytes) stay in
    // L1 while every tile uses them.
    for (int xi = 0; xi < P; xi++) {
      for (int t0 = 0; t0 < count; t0 += RN_PX_WIDE) {
        with_px(std::min(RN_PX_WIDE, count - t0), [&](auto p) {
          if (nv == RN_NV_WIDE) winograd_gemm<p(), RN_NV_WIDE>(xi, v, count, t0, c, a.u, ocb_total, ocb0, m);
          else winograd_gemm<p(), 1>(xi, v, count, t0, c, a.u, ocb_total, ocb0, m);
        });
      }
    }
    // Output transform, bias, residual, ReLU for these nv blocks.
    for (int k = 0; k < nv; k++) {
      const int ob = ocb0 + k;
      const v16 bias = load(a.bias + ob * kBlock);
      for (int t = 0; t < count; t++) {
        const int ty = (tile0 + t) / a.tiles_w, tx = (tile0 + t) % a.tiles_w;
        v16 r[A][M];
        for (int i = 0; i < A; i++) {
          v16 row[A];
          for (int j = 0; j < A; j++) row[j] = load(m + ((size_t(i * A + j) * nv + k) * kWinogradMaxTiles + t) * kBlock);
          winograd_at(row, r[i], tag{});  // r[i][jj] = (M A)[i][jj]
        }
        for (int jj = 0; jj < M; jj++) {
          v16 col[A], y[M];
          for (int i = 0; i < A; i++) col[i] = r[i][jj];
          winograd_at(col, y, tag{});
          for (int ii = 0; ii < M; ii++) {
            const int oy = ty * M + ii, ox = tx * M + jj;
            if (oy >= a.out.h || ox >= a.out.w) continue;
            float* o = a.out.at(img, ob, oy, ox);
            v16 val = y[ii] + bias;
            if (a.residual != nullptr) val += load(a.residual + (o - a.out.data));
            if (a.relu) val = vmax(val, zero);
            store(o, val);
          }
        }
      }
    }
  }
}

// Tiles [tile0, tile0 + count) of image img, output blocks [ocb0, ocb1) (whole multiples of the tile's
// output blocks when they are not all).
static void winograd(const WinogradArgs& a, int img, int tile0, int count, int ocb0, int ocb1) {
  if (a.tile == 2) winograd_m<2>(a, img, tile0, count, ocb0, ocb1);
  else winograd_m<4>(a, img, tile0, count, ocb0, ocb1);
}

static void zero_border(const Blocked& t, int img, int block) {
  for (int y = -kBorder; y < t.h + kBorder; y++) {
    if (y < 0 || y >= t.h) {
      std::memset(t.at(img, block, y, -kBorder), 0, t.wp() * kBlock * sizeof(float));
    } else {
      std::memset(t.at(img, block, y, -kBorder), 0, kBorder * kBlock * sizeof(float));
      std::memset(t.at(img, block, y, t.w), 0, kBorder * kBlock * sizeof(float));
    }
  }
}

static void linear(const float* in, const float* weight, const float* bias, float* out, int n, int in_features,
                   int out_features, int o0, int o1) {
  for (int o = o0; o < o1; o++) {
    const float* w = weight + size_t(o) * in_features;
    for (int img = 0; img < n; img++) {
      const float* x = in + size_t(img) * in_features;
      v16 acc = {};
      int i = 0;
      for (; i + kBlock <= in_features; i += kBlock) acc += load(w + i) * load(x + i);
      float sum = 0;
      for (int j = 0; j < kBlock; j++) sum += acc[j];
      for (; i < in_features; i++) sum += w[i] * x[i];
      out[size_t(img) * out_features + o] = sum + (bias != nullptr ? bias[o] : 0.0f);
    }
  }
}

static void gemm_micro(int kc, const float* ap, const float* bp, float* c, size_t ldc, bool accumulate) {
  constexpr int MR = RN_GEMM_MR, NV = RN_GEMM_NV;
  v16 acc[MR][NV];
  RN_UNROLL
  for (int r = 0; r < MR; r++)
    RN_UNROLL
    for (int v = 0; v < NV; v++) acc[r][v] = accumulate ? load(c + r * ldc + v * kBlock) : v16{};
  for (int k = 0; k < kc; k++, ap += MR, bp += NV * kBlock) {
    v16 b[NV];
    RN_UNROLL
    for (int v = 0; v < NV; v++) b[v] = load(bp + v * kBlock);
    RN_UNROLL
    for (int r = 0; r < MR; r++) {
      const float a = ap[r];
      RN_UNROLL
      for (int v = 0; v < NV; v++) acc[r][v] += a * b[v];
    }
  }
  RN_UNROLL
  for (int r = 0; r < MR; r++)
    RN_UNROLL
    for (int v = 0; v < NV; v++) store(c + r * ldc + v * kBlock, acc[r][v]);
}

}  // namespace RN_NS

#define RN_STR2(x) #x
#define RN_STR(x) RN_STR2(x)
const Kernels* RN_NAME() {
  static const Kernels table = {RN_STR(RN_NS), RN_NS::conv_row, RN_NS::conv_groups, RN_NS::max_pool_row,
                                RN_NS::global_pool, RN_NS::winograd,
                                RN_NS::zero_border, RN_NS::linear, RN_GEMM_MR, RN_GEMM_NV * kBlock,
                                RN_NS::gemm_micro};
  return &table;
}

}  // namespace rn

// Training convolutions on plain NCHW tensors (see train_kernels.h).
#include "train_kernels.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "engine.h"

namespace rn {

namespace {

typedef float v16 __attribute__((vector_size(64)));

inline v16 load16(const float* p) {
  v16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store16(float* p, v16 v) { std::memcpy(p, &v, sizeof v); }

// C[i][j] += Σ_k A[i][k] · B[k][j] for rows [i0, i1): A is M×K (row stride lda), B is K×N (ldb),
// C is M×N (ldc). Register tile: 6 rows × 32 columns; K blocked to keep B's panel in L1/L2.
__attribute__((target_clones("avx512f", "avx2", "default"))) void gemm_rows(int i0, int i1, int n, int k,
                                                                          const float* a, int lda, const float* b,
                                                                          int ldb, float* c, int ldc) {
  constexpr int MR = 6, NR = 32, KB = 256;
  for (int k0 = 0; k0 < k; k0 += KB) {
    const int k1 = std::min(k, k0 + KB);
    for (int j = 0; j < n; j += NR) {
      const int nr = std::min(NR, n - j);
      for (int i = i0; i < i1; i += MR) {
        const int mr = std::min(MR, i1 - i);
        if (nr == NR && mr == MR) {
          v16 acc[MR][2];
          for (int r = 0; r < MR; r++) {
            acc[r][0] = load16(c + size_t(i + r) * ldc + j);
            acc[r][1] = load16(c + size_t(i + r) * ldc + j + 16);
          }
          for (int kk = k0; kk < k1; kk++) {
            const v16 b0 = load16(b + size_t(kk) * ldb + j), b1 = load16(b + size_t(kk) * ldb + j + 16);
            for (int r = 0; r < MR; r++) {
              const float av = a[size_t(i + r) * lda + kk];
              acc[r][0] += av * b0;
              acc[r][1] += av * b1;
            }
          }
          for (int r = 0; r < MR; r++) {
            store16(c + size_t(i + r) * ldc + j, acc[r][0]);
            store16(c + size_t(i + r) * ldc + j + 16, acc[r][1]);
          }
        } else {
          for (int r = 0; r < mr; r++) {
            float* cr = c + size_t(i + r) * ldc + j;
            for (int kk = k0; kk < k1; kk++) {
              const float av = a[size_t(i + r) * lda + kk];
              const float* br = b + size_t(kk) * ldb + j;
              for (int q = 0; q < nr; q++) cr[q] += av * br[q];
            }
          }
        }
      }
    }
  }
}

// Splits the rows of C over the pool (6-row aligned chunks).
void gemm(ThreadPool& pool, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c,
          int ldc) {
  const int chunks = std::max(1, std::min(pool.threads() * 4, (m + 5) / 6));
  const int per = ((m + chunks - 1) / chunks + 5) / 6 * 6;
  pool.parallel_for((m + per - 1) / per, [&](int t) {
    const int i0 = t * per, i1 = std::min(m, i0 + per);
    if (i0 < i1) gemm_rows(i0, i1, n, k, a, lda, b, ldb, c, ldc);
  });
}

// col[(c·KH + kh)·KW + kw][p] for one image (K × P), zero outside the image.
void im2col(const ConvShape& s, const float* x, float* col) {
  const int p = s.oh * s.ow;
  for (int ch = 0; ch < s.c; ch++)
    for (int ky = 0; ky < s.kh; ky++)
      for (int kx = 0; kx < s.kw; kx++) {
        float* dst = col + size_t((ch * s.kh + ky) * s.kw + kx) * p;
        const float* plane = x + size_t(ch) * s.h * s.w;
        for (int oy = 0; oy < s.oh; oy++) {
          const int iy = oy * s.sh - s.ph + ky;
          for (int ox = 0; ox < s.ow; ox++) {
            const int ix = ox * s.sw - s.pw + kx;
            *dst++ = iy >= 0 && iy < s.h && ix >= 0 && ix < s.w ? plane[iy * s.w + ix] : 0.0f;
          }
        }
      }
}

// Adjoint of im2col: x += scatter(col).
void col2im(const ConvShape& s, const float* col, float* x) {
  const int p = s.oh * s.ow;
  for (int ch = 0; ch < s.c; ch++)
    for (int ky = 0; ky < s.kh; ky++)
      for (int kx = 0; kx < s.kw; kx++) {
        const float* src = col + size_t((ch * s.kh + ky) * s.kw + kx) * p;
        float* plane = x + size_t(ch) * s.h * s.w;
        for (int oy = 0; oy < s.oh; oy++) {
          const int iy = oy * s.sh - s.ph + ky;
          for (int ox = 0; ox < s.ow; ox++, src++) {
            const int ix = ox * s.sw - s.pw + kx;
            if (iy >= 0 && iy < s.h && ix >= 0 && ix < s.w) plane[iy * s.w + ix] += *src;
          }
        }
      }
}

bool is_pointwise(const ConvShape& s) { return s.kh == 1 && s.kw == 1 && s.sh == 1 && s.sw == 1 && s.ph == 0 && s.pw == 0; }

}  // namespace

void conv_train_forward(ThreadPool& pool, const ConvShape& s, const float* x, const float* weight, float* out) {
  const int k = s.c * s.kh * s.kw, p = s.oh * s.ow;
  std::vector<float> col(is_pointwise(s) ? 0 : size_t(k) * p);
  std::memset(out, 0, sizeof(float) * size_t(s.n) * s.oc * p);
  for (int img = 0; img < s.n; img++) {
    const float* xi = x + size_t(img) * s.c * s.h * s.w;
    const float* b = xi;
    if (!col.empty()) {
      im2col(s, xi, col.data());
      b = col.data();
    }
    gemm(pool, s.oc, p, k, weight, k, b, p, out + size_t(img) * s.oc * p, p);
  }
}

void conv_train_backward(ThreadPool& pool, const ConvShape& s, const float* x, const float* weight, const float* dout,
                         float* dweight, float* dx) {
  const int k = s.c * s.kh * s.kw, p = s.oh * s.ow;
  std::vector<float> col(size_t(k) * p), colT(size_t(p) * k), wT(size_t(k) * s.oc);
  for (int o = 0; o < s.oc; o++)
    for (int q = 0; q < k; q++) wT[size_t(q) * s.oc + o] = weight[size_t(o) * k + q];
  std::memset(dweight, 0, sizeof(float) * size_t(s.oc) * k);
  if (dx != nullptr) std::memset(dx, 0, sizeof(float) * size_t(s.n) * s.c * s.h * s.w);
  for (int img = 0; img < s.n; img++) {
    const float* xi = x + size_t(img) * s.c * s.h * s.w;
    const float* di = dout + size_t(img) * s.oc * p;
    const float* cols = xi;
    if (!is_pointwise(s)) {
      im2col(s, xi, col.data());
      cols = col.data();
    }
    // dweight (OC × K) += dout (OC × P) · colᵀ (P × K)
    for (int q = 0; q < k; q++)
      for (int j = 0; j < p; j++) colT[size_t(j) * k + q] = cols[size_t(q) * p + j];
    gemm(pool, s.oc, k, p, di, p, colT.data(), k, dweight, k);
    if (dx == nullptr) continue;
    // dcol (K × P) = weightᵀ (K × OC) · dout (OC × P), then scatter back
    float* xo = dx + size_t(img) * s.c * s.h * s.w;
    if (is_pointwise(s)) {
      gemm(pool, k, p, s.oc, wT.data(), s.oc, di, p, xo, p);
    } else {
      std::fill(col.begin(), col.end(), 0.0f);
      gemm(pool, k, p, s.oc, wT.data(), s.oc, di, p, col.data(), p);
      col2im(s, col.data(), xo);
    }
  }
}

}  // namespace rn

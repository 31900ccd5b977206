// Training convolutions on plain NCHW tensors (see train_kernels.h).
#include "train_kernels.h"

#include <algorithm>
#include <cmath>
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

// col[(c·KH + kh)·KW + kw][offset + p] for one image (row stride ld), zero outside the image.
void im2col(const ConvShape& s, const float* x, float* col, size_t ld, size_t offset) {
  for (int ch = 0; ch < s.c; ch++)
    for (int ky = 0; ky < s.kh; ky++)
      for (int kx = 0; kx < s.kw; kx++) {
        float* dst = col + size_t((ch * s.kh + ky) * s.kw + kx) * ld + offset;
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

// Adjoint of im2col for one image: x += scatter(col[:, offset ...]).
void col2im(const ConvShape& s, const float* col, size_t ld, size_t offset, float* x) {
  for (int ch = 0; ch < s.c; ch++)
    for (int ky = 0; ky < s.kh; ky++)
      for (int kx = 0; kx < s.kw; kx++) {
        const float* src = col + size_t((ch * s.kh + ky) * s.kw + kx) * ld + offset;
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

// The whole batch's patches side by side: K × (N·P), image i in columns [i·P, (i+1)·P).
std::vector<float> batch_columns(ThreadPool& pool, const ConvShape& s, const float* x) {
  const size_t k = size_t(s.c) * s.kh * s.kw, p = size_t(s.oh) * s.ow, np = p * s.n;
  std::vector<float> col(k * np);
  pool.parallel_for(s.n, [&](int img) { im2col(s, x + size_t(img) * s.c * s.h * s.w, col.data(), np, img * p); });
  return col;
}

// (N, OC, P) ↔ (OC, N·P).
void to_channel_major(const float* src, int n, int oc, size_t p, float* dst) {
  for (int img = 0; img < n; img++)
    for (int o = 0; o < oc; o++) std::memcpy(dst + (size_t(o) * n + img) * p, src + (size_t(img) * oc + o) * p, p * 4);
}
void to_image_major(const float* src, int n, int oc, size_t p, float* dst) {
  for (int img = 0; img < n; img++)
    for (int o = 0; o < oc; o++) std::memcpy(dst + (size_t(img) * oc + o) * p, src + (size_t(o) * n + img) * p, p * 4);
}

}  // namespace

// One GEMM for the whole batch: out (OC × N·P) = weight (OC × K) · columns (K × N·P).
void conv_train_forward(ThreadPool& pool, const ConvShape& s, const float* x, const float* weight, float* out) {
  const int k = s.c * s.kh * s.kw;
  const size_t p = size_t(s.oh) * s.ow, np = p * s.n;
  const std::vector<float> col = batch_columns(pool, s, x);
  std::vector<float> tmp(size_t(s.oc) * np, 0.0f);
  gemm(pool, s.oc, int(np), k, weight, k, col.data(), int(np), tmp.data(), int(np));
  to_image_major(tmp.data(), s.n, s.oc, p, out);
}

void conv_train_backward(ThreadPool& pool, const ConvShape& s, const float* x, const float* weight, const float* dout,
                         float* dweight, float* dx) {
  const int k = s.c * s.kh * s.kw;
  const size_t p = size_t(s.oh) * s.ow, np = p * s.n;
  std::vector<float> d(size_t(s.oc) * np);
  to_channel_major(dout, s.n, s.oc, p, d.data());
  const std::vector<float> col = batch_columns(pool, s, x);
  // dweight (OC × K) = d (OC × N·P) · colᵀ (N·P × K)
  std::vector<float> colT(np * k);
  const int blocks = int((np + 63) / 64);
  pool.parallel_for(blocks, [&](int bj) {
    const size_t j0 = size_t(bj) * 64, j1 = std::min(np, j0 + 64);
    for (int q = 0; q < k; q++)
      for (size_t j = j0; j < j1; j++) colT[j * k + q] = col[size_t(q) * np + j];
  });
  std::memset(dweight, 0, sizeof(float) * size_t(s.oc) * k);
  gemm(pool, s.oc, k, int(np), d.data(), int(np), colT.data(), k, dweight, k);
  if (dx == nullptr) return;
  // dcol (K × N·P) = weightᵀ (K × OC) · d (OC × N·P), then scattered back image by image
  std::vector<float> wT(size_t(k) * s.oc);
  for (int o = 0; o < s.oc; o++)
    for (int q = 0; q < k; q++) wT[size_t(q) * s.oc + o] = weight[size_t(o) * k + q];
  std::vector<float> dcol(size_t(k) * np, 0.0f);
  gemm(pool, k, int(np), s.oc, wT.data(), s.oc, d.data(), int(np), dcol.data(), int(np));
  std::memset(dx, 0, sizeof(float) * size_t(s.n) * s.c * s.h * s.w);
  pool.parallel_for(s.n, [&](int img) { col2im(s, dcol.data(), np, img * p, dx + size_t(img) * s.c * s.h * s.w); });
}

}  // namespace rn

namespace rn {

namespace {

// Splits [0, size) into chunks of at least 64 Ki elements over the pool.
template <typename F>
void for_chunks(ThreadPool& pool, size_t size, F&& f) {
  const size_t chunk = std::max<size_t>(65536, (size + pool.threads() * 4 - 1) / (pool.threads() * 4));
  const int count = int((size + chunk - 1) / chunk);
  pool.parallel_for(count, [&](int i) { f(size_t(i) * chunk, std::min(size, size_t(i + 1) * chunk)); });
}

}  // namespace

void bn_train_forward(ThreadPool& pool, int n, int c, int hw, const float* x, const float* weight, const float* bias,
                      double eps, float* out, float* mean, float* variance, float* invstd) {
  const double m = double(n) * hw;
  pool.parallel_for(c, [&](int ch) {
    double sum = 0;
    for (int i = 0; i < n; i++) {
      const float* p = x + (size_t(i) * c + ch) * hw;
      for (int j = 0; j < hw; j++) sum += p[j];
    }
    const double mu = sum / m;
    double sq = 0;
    for (int i = 0; i < n; i++) {
      const float* p = x + (size_t(i) * c + ch) * hw;
      for (int j = 0; j < hw; j++) sq += (p[j] - mu) * (p[j] - mu);
    }
    const double var = sq / m, is = 1.0 / std::sqrt(var + eps);
    mean[ch] = float(mu);
    variance[ch] = float(var);
    invstd[ch] = float(is);
    const float scale = float(weight[ch] * is), shift = float(bias[ch] - mu * weight[ch] * is);
    for (int i = 0; i < n; i++) {
      const float* p = x + (size_t(i) * c + ch) * hw;
      float* o = out + (size_t(i) * c + ch) * hw;
      for (int j = 0; j < hw; j++) o[j] = p[j] * scale + shift;
    }
  });
}

void bn_backward(ThreadPool& pool, int n, int c, int hw, const float* dout, const float* x, const float* mean,
                 const float* invstd, const float* weight, float* dx, float* dweight, float* dbias) {
  const double m = double(n) * hw;
  pool.parallel_for(c, [&](int ch) {
    const double mu = mean[ch], is = invstd[ch];
    double sum_d = 0, sum_dx = 0;
    for (int i = 0; i < n; i++) {
      const size_t base = (size_t(i) * c + ch) * hw;
      for (int j = 0; j < hw; j++) {
        sum_d += dout[base + j];
        sum_dx += dout[base + j] * (x[base + j] - mu) * is;
      }
    }
    dbias[ch] = float(sum_d);
    dweight[ch] = float(sum_dx);
    const double k = weight[ch] * is / m;
    for (int i = 0; i < n; i++) {
      const size_t base = (size_t(i) * c + ch) * hw;
      for (int j = 0; j < hw; j++) {
        const double xhat = (x[base + j] - mu) * is;
        dx[base + j] = float(k * (m * dout[base + j] - sum_d - xhat * sum_dx));
      }
    }
  });
}

void bn_affine(ThreadPool& pool, int n, int c, int hw, const float* x, const float* scale, const float* shift,
               float* out) {
  pool.parallel_for(n * c, [&](int i) {
    const int ch = i % c;
    const float* p = x + size_t(i) * hw;
    float* o = out + size_t(i) * hw;
    for (int j = 0; j < hw; j++) o[j] = p[j] * scale[ch] + shift[ch];
  });
}

void relu_forward(ThreadPool& pool, size_t size, const float* a, float* out) {
  for_chunks(pool, size, [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; i++) out[i] = a[i] > 0 ? a[i] : 0.0f;
  });
}

void add_forward(ThreadPool& pool, size_t size, const float* a, const float* b, float* out) {
  for_chunks(pool, size, [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; i++) out[i] = a[i] + b[i];
  });
}

void relu_backward(ThreadPool& pool, size_t size, const float* dout, const float* out, float* dx) {
  for_chunks(pool, size, [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; i++) dx[i] = out[i] > 0 ? dout[i] : 0.0f;
  });
}

}  // namespace rn

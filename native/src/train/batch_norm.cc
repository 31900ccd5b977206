// Batch norm for training on NCHW planes: the batch-statistics forward (with an optional fused
// ReLU), its gradient, and the inference affine form (see kernels.h).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels.h"

namespace rn {

namespace {

// Batch-norm reductions. Each channel's sums run in double with independent accumulators (8 lanes
// along a row, and across the channels of a block), so the additions pipeline instead of forming one
// dependent chain. Long rows (H·W >= 64): one channel per task, so its data stays in cache between
// the passes. Short rows (late layers, small images): blocks of channels walked image by image, so
// the reads are contiguous instead of one strided float per row.
constexpr int kBnRowBlock = 64;

// Σ f(p[j]) over one row, in double with 8 independent lanes.
template <typename F>
inline double row_accumulate(const float* p, int hw, F&& f) {
  double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int j = 0;
  for (; j + 8 <= hw; j += 8)
    for (int k = 0; k < 8; k++) a[k] += f(p[j + k]);
  double t = 0;
  for (; j < hw; j++) t += f(p[j]);
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])) + t;
}

inline double row_sum(const float* p, int hw) {
  return row_accumulate(p, hw, [](float v) { return double(v); });
}

inline double row_sq(const float* p, int hw, double mu) {
  return row_accumulate(p, hw, [mu](float v) {
    const double d = v - mu;
    return d * d;
  });
}

// dout[j], or 0 where the fused ReLU's output is not positive.
template <bool Mask>
inline float masked(const float* d, const float* r, int j) {
  if constexpr (Mask) return r[j] > 0 ? d[j] : 0.0f;
  return d[j];
}

// Σ dout and Σ dout·(x − mu) over one row.
template <bool Mask>
inline void row_dsums(const float* d, const float* r, const float* x, int hw, double mu, double& sum_d,
                      double& sum_dxc) {
  double a[4] = {0, 0, 0, 0}, b[4] = {0, 0, 0, 0};
  int j = 0;
  for (; j + 4 <= hw; j += 4)
    for (int k = 0; k < 4; k++) {
      const float g = masked<Mask>(d, r, j + k);
      a[k] += g;
      b[k] += g * (x[j + k] - mu);
    }
  double ta = 0, tb = 0;
  for (; j < hw; j++) {
    const float g = masked<Mask>(d, r, j);
    ta += g;
    tb += g * (x[j] - mu);
  }
  sum_d += ((a[0] + a[1]) + (a[2] + a[3])) + ta;
  sum_dxc += ((b[0] + b[1]) + (b[2] + b[3])) + tb;
}

// Calls fn(c0, c1) for channel blocks over the pool (see above for the block sizes).
template <typename F>
void for_channel_blocks(ThreadPool& pool, int c, int hw, F&& fn) {
  const int blocks = hw >= kBnRowBlock ? c : std::min(c, pool.threads() * 4);
  pool.parallel_for(blocks, [&](int b) { fn(int(int64_t(c) * b / blocks), int(int64_t(c) * (b + 1) / blocks)); });
}

}  // namespace

void bn_train_forward(ThreadPool& pool, int n, int c, int hw, const float* x, const float* weight, const float* bias,
                      double eps, bool relu, float* out, float* mean, float* variance, float* invstd) {
  const double m = double(n) * hw;
  for_channel_blocks(pool, c, hw, [&](int c0, int c1) {
    const int cn = c1 - c0;
    std::vector<double> sum(cn, 0.0), sq(cn, 0.0);
    for (int i = 0; i < n; i++)
      for (int ch = c0; ch < c1; ch++) sum[ch - c0] += row_sum(x + (size_t(i) * c + ch) * hw, hw);
    for (int ch = c0; ch < c1; ch++) sum[ch - c0] /= m;  // now the mean
    for (int i = 0; i < n; i++)
      for (int ch = c0; ch < c1; ch++) sq[ch - c0] += row_sq(x + (size_t(i) * c + ch) * hw, hw, sum[ch - c0]);
    std::vector<float> scale(cn), shift(cn);
    for (int ch = c0; ch < c1; ch++) {
      const double mu = sum[ch - c0], var = sq[ch - c0] / m, is = 1.0 / std::sqrt(var + eps);
      mean[ch] = float(mu);
      variance[ch] = float(var);
      invstd[ch] = float(is);
      scale[ch - c0] = float(weight[ch] * is);
      shift[ch - c0] = float(bias[ch] - mu * weight[ch] * is);
    }
    for (int i = 0; i < n; i++)
      for (int ch = c0; ch < c1; ch++) {
        const float* p = x + (size_t(i) * c + ch) * hw;
        float* o = out + (size_t(i) * c + ch) * hw;
        const float a = scale[ch - c0], b = shift[ch - c0];
        if (relu) {
          for (int j = 0; j < hw; j++) {
            const float y = p[j] * a + b;
            o[j] = y > 0 ? y : 0.0f;
          }
        } else {
          for (int j = 0; j < hw; j++) o[j] = p[j] * a + b;
        }
      }
  });
}

namespace {

template <bool Mask>
void bn_backward_impl(ThreadPool& pool, int n, int c, int hw, const float* dout, const float* relu_out,
                      const float* x, const float* mean, const float* invstd, const float* weight, float* dx,
                      float* dweight, float* dbias) {
  const double m = double(n) * hw;
  for_channel_blocks(pool, c, hw, [&](int c0, int c1) {
    const int cn = c1 - c0;
    std::vector<double> sum_d(cn, 0.0), sum_dxc(cn, 0.0);
    for (int i = 0; i < n; i++)
      for (int ch = c0; ch < c1; ch++) {
        const size_t base = (size_t(i) * c + ch) * hw;
        row_dsums<Mask>(dout + base, relu_out + base, x + base, hw, mean[ch], sum_d[ch - c0], sum_dxc[ch - c0]);
      }
    // dx = k·(m·dout − Σdout − x̂·Σ(dout·x̂)) with x̂ = (x − mu)·is and k = weight·is/m, as
    // a·dout − b − g·(x − mu) in float.
    std::vector<float> fa(cn), fb(cn), fg(cn);
    for (int ch = c0; ch < c1; ch++) {
      const double is = invstd[ch], sdx = sum_dxc[ch - c0] * is, k = weight[ch] * is / m;
      dbias[ch] = float(sum_d[ch - c0]);
      dweight[ch] = float(sdx);
      fa[ch - c0] = float(k * m);
      fb[ch - c0] = float(k * sum_d[ch - c0]);
      fg[ch - c0] = float(k * sdx * is);
    }
    for (int i = 0; i < n; i++)
      for (int ch = c0; ch < c1; ch++) {
        const size_t base = (size_t(i) * c + ch) * hw;
        const float a = fa[ch - c0], b = fb[ch - c0], g = fg[ch - c0], mu = mean[ch];
        const float* d = dout + base;
        const float* r = relu_out + base;
        const float* p = x + base;
        float* o = dx + base;
        for (int j = 0; j < hw; j++) o[j] = a * masked<Mask>(d, r, j) - b - g * (p[j] - mu);
      }
  });
}

}  // namespace

void bn_backward(ThreadPool& pool, int n, int c, int hw, const float* dout, const float* relu_out, const float* x,
                 const float* mean, const float* invstd, const float* weight, float* dx, float* dweight,
                 float* dbias) {
  if (relu_out != nullptr)
    bn_backward_impl<true>(pool, n, c, hw, dout, relu_out, x, mean, invstd, weight, dx, dweight, dbias);
  else
    bn_backward_impl<false>(pool, n, c, hw, dout, dout, x, mean, invstd, weight, dx, dweight, dbias);
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

}  // namespace rn

// Training convolutions on plain NCHW tensors: forward, weight and input gradients as packed GEMMs
// over im2col patches formed while packing (see kernels.h).
#include <algorithm>
#include <cstring>

#include "gemm.h"
#include "kernels.h"

namespace rn {

namespace {

// Rows of an (N, R, P) image-major tensor seen as an R × N·P matrix.
struct ImageMajor {
  const float* t;
  int rows;
  size_t p_img;
  void row(int r, size_t j0, int count, float* dst, size_t stride) const {
    size_t img = j0 / p_img, p = j0 % p_img;
    for (int q = 0; q < count;) {
      const float* src = t + (img * rows + r) * p_img + p;
      const int run = int(std::min(size_t(count - q), p_img - p));
      for (int u = 0; u < run; u++) dst[size_t(q + u) * stride] = src[u];
      q += run, p = 0, img++;
    }
  }
};

// Rows of the im2col matrix (K = C·KH·KW rows, N·P columns, image i in columns [i·P, (i+1)·P)),
// read straight from the NCHW input without materializing it.
struct Im2col {
  const ConvShape& s;
  const float* x;
  // dst[t·stride] = col(row, j0 + t) for t < count.
  void row(int row, size_t j0, int count, float* dst, size_t stride) const {
    const int ksz = s.kh * s.kw, ch = row / ksz, ky = row % ksz / s.kw, kx = row % s.kw;
    const size_t p_img = size_t(s.oh) * s.ow;
    // A pointwise convolution's im2col matrix is the input itself, image-major.
    if (s.kh == 1 && s.kw == 1 && s.sh == 1 && s.sw == 1 && s.ph == 0 && s.pw == 0)
      return ImageMajor{x, s.c, p_img}.row(ch, j0, count, dst, stride);
    size_t img = j0 / p_img;
    int p = int(j0 % p_img), oy = p / s.ow, ox = p % s.ow;
    // Runs along one output row: a fixed input row iy, ix = ox·sw − pw + kx.
    for (int t = 0; t < count;) {
      const int run = std::min(count - t, s.ow - ox);
      const int iy = oy * s.sh - s.ph + ky;
      float* d = dst + size_t(t) * stride;
      if (iy < 0 || iy >= s.h) {
        for (int q = 0; q < run; q++) d[size_t(q) * stride] = 0.0f;
      } else {
        const float* src = x + ((img * s.c + ch) * s.h + iy) * s.w;
        // ox in [lo, hi) reads inside the row.
        const int lo = std::max(0, (s.pw - kx + s.sw - 1) / s.sw), hi = std::max(lo, (s.w + s.pw - kx + s.sw - 1) / s.sw);
        const int q0 = std::clamp(lo - ox, 0, run), q1 = std::clamp(hi - ox, q0, run);
        for (int q = 0; q < q0; q++) d[size_t(q) * stride] = 0.0f;
        const float* in = src + (ox + q0) * s.sw - s.pw + kx;
        if (stride == 1 && s.sw == 1) {
          std::memcpy(d + q0, in, size_t(q1 - q0) * sizeof(float));
        } else {
          for (int q = q0; q < q1; q++, in += s.sw) d[size_t(q) * stride] = *in;
        }
        for (int q = q1; q < run; q++) d[size_t(q) * stride] = 0.0f;
      }
      t += run, ox += run;
      if (ox == s.ow) {
        ox = 0;
        if (++oy == s.oh) oy = 0, img++;
      }
    }
  }
};

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

// (R, N·P) channel-major → (N, R, P) image-major, threaded over images × rows.
void to_image_major(ThreadPool& pool, const float* src, int n, int rows, size_t p, float* dst) {
  pool.parallel_for(n, [&](int img) {
    for (int r = 0; r < rows; r++)
      std::memcpy(dst + (size_t(img) * rows + r) * p, src + (size_t(r) * n + img) * p, p * sizeof(float));
  });
}

}  // namespace

// Scratch buffers reused across calls (the engine runs one training kernel at a time), so big
// temporaries do not page-fault on every layer.
static float* scratch(FloatVector& v, size_t size) {
  if (v.size() < size) {
    FloatVector().swap(v);
    v.resize(size);
  }
  return v.data();
}
static FloatVector g_tmp, g_dcol, g_wflip;

// Below this many output pixels per image, GEMM column panels would be mostly padding if they could
// not cross images: compute into a channel-major buffer and reorder instead.
constexpr size_t kDirectMinPixels = 128;

// One GEMM for the whole batch: (OC × N·P) = weight (OC × K) · im2col(x) (K × N·P), packed on the fly.
void conv_train_forward(ThreadPool& pool, const Kernels* kern, const ConvShape& s, const float* x,
                        const float* weight, const float* bias, float* out) {
  const int k = s.c * s.kh * s.kw;
  const size_t p = size_t(s.oh) * s.ow, np = p * s.n;
  const Im2col col{s, x};
  const StridedA a{weight, size_t(k), 1, kern->gemm_mr};
  if (p >= kDirectMinPixels) {
    packed_gemm(pool, kern, s.oc, int(np), k, a, pack_rows_b(col, kern->gemm_nr), out, p, false, int(p),
                size_t(s.oc) * p);
  } else {
    float* tmp = scratch(g_tmp, size_t(s.oc) * np);
    packed_gemm(pool, kern, s.oc, int(np), k, a, pack_rows_b(col, kern->gemm_nr), tmp, np, false);
    to_image_major(pool, tmp, s.n, s.oc, p, out);
  }
  if (bias != nullptr) {
    pool.parallel_for(s.n * s.oc, [&](int i) {
      float* plane = out + size_t(i) * p;
      const float b = bias[i % s.oc];
      for (size_t q = 0; q < p; q++) plane[q] += b;
    });
  }
}

void conv_train_backward(ThreadPool& pool, const Kernels* kern, const ConvShape& s, const float* x,
                         const float* weight, const float* dout, float* dweight, float* dbias, float* dx) {
  const int k = s.c * s.kh * s.kw;
  const size_t p = size_t(s.oh) * s.ow, np = p * s.n;
  const Im2col col{s, x};
  const ImageMajor d{dout, s.oc, p};
  pool.parallel_for(s.oc, [&](int o) {
    double sum = 0;
    for (int img = 0; img < s.n; img++) {
      const float* plane = dout + (size_t(img) * s.oc + o) * p;
      float part = 0;
      for (size_t q = 0; q < p; q++) part += plane[q];
      sum += part;
    }
    dbias[o] = float(sum);
  });
  // dweight (OC × K) = dout (OC × N·P) · im2col(x)ᵀ (N·P × K)
  packed_gemm(pool, kern, s.oc, k, int(np), pack_rows_a(d, kern->gemm_mr), pack_rows_b_transposed(col, kern->gemm_nr),
              dweight, size_t(k), false);
  if (dx == nullptr) return;
  if (s.sh == 1 && s.sw == 1 && s.ph < s.kh && s.pw < s.kw) {
    // Stride 1: dx is the convolution of dout with the flipped, transposed kernel and padding K−1−P.
    const size_t taps = size_t(s.kh) * s.kw;
    float* wflip = scratch(g_wflip, size_t(s.c) * s.oc * taps);
    pool.parallel_for(s.c, [&](int ch) {
      for (int o = 0; o < s.oc; o++)
        for (size_t t = 0; t < taps; t++)
          wflip[(size_t(ch) * s.oc + o) * taps + t] = weight[(size_t(o) * s.c + ch) * taps + (taps - 1 - t)];
    });
    const ConvShape t = conv_shape(s.n, s.oc, s.oh, s.ow, s.c, s.kh, s.kw, 1, 1, s.kh - 1 - s.ph, s.kw - 1 - s.pw);
    conv_train_forward(pool, kern, t, dout, wflip, nullptr, dx);
    return;
  }
  // dcol (K × N·P) = weightᵀ (K × OC) · dout (OC × N·P), then scattered back image by image
  float* dcol = scratch(g_dcol, size_t(k) * np);
  packed_gemm(pool, kern, k, int(np), s.oc, StridedA{weight, 1, size_t(k), kern->gemm_mr}, pack_rows_b(d, kern->gemm_nr),
              dcol, np, false);
  const size_t image = size_t(s.c) * s.h * s.w;
  pool.parallel_for(s.n, [&](int img) {
    std::memset(dx + img * image, 0, image * sizeof(float));
    col2im(s, dcol, np, img * p, dx + img * image);
  });
}

}  // namespace rn

// Training convolutions on plain NCHW tensors (see train_kernels.h).
#include "train_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "engine.h"

namespace rn {

namespace {

constexpr int kKc = 256;     // depth of one packed block (B's micro-panel stays in L1)
constexpr int kMcRows = 168; // rows of A packed together (rounded down to a multiple of MR; ~170 KB in L2)
constexpr int kNc = 512;     // columns of B packed together (rounded down to a multiple of NR)

// C (M×N, row stride ldc) (+)= A (M×K) · B (K×N). A and B are only read through their packers:
// pack_a(i0, mr, k0, kc, dst): dst[kk·MR + ii] = A(i0 + ii, k0 + kk) for ii < mr, 0 for mr ≤ ii < MR;
// pack_b(k0, kc, j0, nb, dst): the block B(k0.., j0..j0+nb) as NR-column panels, panel q at
// dst + q·NR·kc holding dst[q·NR·kc + kk·NR + jj] = B(k0 + kk, j0 + q·NR + jj), zero past nb.
// So transposes and im2col happen while packing, on blocks that fit in cache. A is packed once for
// the whole product; each task owns a block of columns (and, when there are too few of those for the
// pool, a share of the rows or of K), packs its B block once per K block and sweeps all its rows.
// K shares sum into private partial products (deep weight gradients with few columns).
//
// C may be cut into column segments (an image-major output): columns [s·seg, (s+1)·seg) of C live at
// c + s·seg_stride, row stride ldc. Blocks never cross a segment. seg = n is one plain matrix.
template <typename PackA, typename PackB>
void packed_gemm(ThreadPool& pool, const Kernels* kern, int m, int n, int k, const PackA& pack_a,
                 const PackB& pack_b, float* c, size_t ldc, bool accumulate, int seg = 0, size_t seg_stride = 0) {
  if (seg <= 0) seg = n;
  const int MR = kern->gemm_mr, NR = kern->gemm_nr;
  const int group = std::max(1, kMcRows / MR);  // A panels swept per B micro-panel (~L2)
  const int want = 4 * pool.threads(), segs = n / seg;
  // Column blocks of at most kNc; narrower when that gives the pool too few tasks (splitting columns
  // costs nothing extra, while splitting rows would pack the same B block once per row chunk).
  int nc = std::max(NR, kNc / NR * NR);
  if (((seg + nc - 1) / nc) * segs < want) {
    const int per_seg_wanted = (want + segs - 1) / segs;
    nc = std::max(NR, ((seg + per_seg_wanted - 1) / per_seg_wanted + NR - 1) / NR * NR);
  }
  const int per_seg = (seg + nc - 1) / nc, nt = per_seg * segs;
  const int mpan = (m + MR - 1) / MR, kblocks = (k + kKc - 1) / kKc;
  const int mt = nt >= want ? 1 : std::min((mpan + group - 1) / group, (want + nt - 1) / nt);
  const int ks = nt * mt >= want ? 1 : std::max(1, std::min((want + nt * mt - 1) / (nt * mt), kblocks / 4));
  const int kb_per_slice = (kblocks + ks - 1) / ks, pan_per_chunk = (mpan + mt - 1) / mt;
  auto cptr = [&](int i, int j) { return c + size_t(j / seg) * seg_stride + size_t(i) * ldc + j % seg; };
  // A, packed once: K block kb, panel p at kb·KC·mpan·MR + p·MR·kc(kb).
  static FloatVector apack;
  apack.resize(size_t(kblocks) * kKc * mpan * MR);
  pool.parallel_for(kblocks * mpan, [&](int t) {
    const int kb = t / mpan, p = t % mpan, kc = std::min(kKc, k - kb * kKc);
    pack_a(p * MR, std::min(MR, m - p * MR), kb * kKc, kc, apack.data() + size_t(kb) * kKc * mpan * MR + size_t(p) * MR * kc);
  });
  std::vector<FloatVector> partial(ks > 1 ? ks : 0);
  for (auto& p : partial) p.assign(size_t(m) * n, 0.0f);
  pool.parallel_for(nt * mt * ks, [&](int t) {
    const int slice = t / (nt * mt), chunk = t / nt % mt, cb = t % nt;
    const int j0 = cb / per_seg * seg + cb % per_seg * nc, nb = std::min(nc, seg - cb % per_seg * nc);
    const int p_beg = chunk * pan_per_chunk, p_end = std::min(mpan, p_beg + pan_per_chunk);
    const int kb_beg = slice * kb_per_slice, kb_end = std::min(kblocks, kb_beg + kb_per_slice);
    const int npanels = (nb + NR - 1) / NR;
    float* dst = ks > 1 ? partial[slice].data() + j0 : cptr(0, j0);
    const size_t ld = ks > 1 ? size_t(n) : ldc;
    thread_local FloatVector bbuf, tile;
    bbuf.resize(size_t(npanels) * NR * kKc);
    tile.resize(size_t(MR) * NR);
    for (int kb = kb_beg; kb < kb_end; kb++) {
      const int k0 = kb * kKc, kc = std::min(kKc, k - k0);
      pack_b(k0, kc, j0, nb, bbuf.data());
      const bool acc = kb > kb_beg || (accumulate && ks == 1);
      const float* ablock = apack.data() + size_t(kb) * kKc * mpan * MR;
      for (int g0 = p_beg; g0 < p_end; g0 += group) {
        const int g1 = std::min(p_end, g0 + group);
        for (int q = 0; q < npanels; q++) {
          const int nr = std::min(NR, nb - q * NR);
          const float* bp = bbuf.data() + size_t(q) * NR * kc;
          for (int p = g0; p < g1; p++) {
            const int mr = std::min(MR, m - p * MR);
            const float* ap = ablock + size_t(p) * MR * kc;
            float* cp = dst + size_t(p * MR) * ld + q * NR;
            if (mr == MR && nr == NR) {
              kern->gemm_micro(kc, ap, bp, cp, ld, acc);
            } else {
              kern->gemm_micro(kc, ap, bp, tile.data(), NR, false);
              for (int r = 0; r < mr; r++)
                for (int j = 0; j < nr; j++) cp[r * ld + j] = (acc ? cp[r * ld + j] : 0.0f) + tile[r * NR + j];
            }
          }
        }
      }
    }
  });
  if (ks > 1) {
    pool.parallel_for(m, [&](int i) {
      for (int j0 = 0; j0 < n; j0 += seg) {
        float* row = cptr(i, j0);
        if (!accumulate) std::fill(row, row + seg, 0.0f);
        for (const auto& p : partial)
          for (int j = 0; j < seg; j++) row[j] += p[size_t(i) * n + j0 + j];
      }
    });
  }
}

// A(i, k) = a[i·rs + k·cs], packed for packed_gemm.
struct StridedA {
  const float* a;
  size_t rs, cs;
  int mr_full;
  void operator()(int i0, int mr, int k0, int kc, float* dst) const {
    for (int kk = 0; kk < kc; kk++, dst += mr_full) {
      const float* src = a + size_t(i0) * rs + size_t(k0 + kk) * cs;
      for (int ii = 0; ii < mr; ii++) dst[ii] = src[ii * rs];
      for (int ii = mr; ii < mr_full; ii++) dst[ii] = 0.0f;
    }
  }
};

// B(k, j) = b[k·rs + j·cs], packed for packed_gemm.
struct StridedB {
  const float* b;
  size_t rs, cs;
  int nr_full;
  void operator()(int k0, int kc, int j0, int nb, float* dst) const {
    for (int q = 0; q * nr_full < nb; q++) {
      const int nr = std::min(nr_full, nb - q * nr_full);
      float* panel = dst + size_t(q) * nr_full * kc;
      for (int kk = 0; kk < kc; kk++) {
        const float* src = b + size_t(k0 + kk) * rs + size_t(j0 + q * nr_full) * cs;
        float* d = panel + size_t(kk) * nr_full;
        if (cs == 1) {
          std::memcpy(d, src, size_t(nr) * sizeof(float));
        } else {
          for (int jj = 0; jj < nr; jj++) d[jj] = src[jj * cs];
        }
        for (int jj = nr; jj < nr_full; jj++) d[jj] = 0.0f;
      }
    }
  }
};

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

// Packs B(k, j) = src.row(k)[j]: each row of the block is read once, then cut into panels.
template <typename Rows>
auto pack_rows_b(const Rows& rows, int nr_full) {
  return [&rows, nr_full](int k0, int kc, int j0, int nb, float* dst) {
    thread_local FloatVector line;
    const int panels = (nb + nr_full - 1) / nr_full;
    line.assign(size_t(panels) * nr_full, 0.0f);
    for (int kk = 0; kk < kc; kk++) {
      rows.row(k0 + kk, size_t(j0), nb, line.data(), 1);
      for (int q = 0; q < panels; q++)
        std::memcpy(dst + (size_t(q) * kc + kk) * nr_full, line.data() + size_t(q) * nr_full, nr_full * sizeof(float));
    }
  };
}

// Packs B(k, j) = src.row(j)[k]: B is the transpose of the rows' matrix.
template <typename Rows>
auto pack_rows_b_transposed(const Rows& rows, int nr_full) {
  return [&rows, nr_full](int k0, int kc, int j0, int nb, float* dst) {
    const int panels = (nb + nr_full - 1) / nr_full;
    for (int jj = 0; jj < nb; jj++)
      rows.row(j0 + jj, size_t(k0), kc, dst + size_t(jj / nr_full) * nr_full * kc + jj % nr_full, nr_full);
    for (int jj = nb; jj < panels * nr_full; jj++)
      for (int kk = 0; kk < kc; kk++) dst[(size_t(jj / nr_full) * kc + kk) * nr_full + jj % nr_full] = 0.0f;
  };
}

// Packs A(i, k) = src.row(i)[k].
template <typename Rows>
auto pack_rows_a(const Rows& rows, int mr_full) {
  return [&rows, mr_full](int i0, int mr, int k0, int kc, float* dst) {
    for (int ii = 0; ii < mr; ii++) rows.row(i0 + ii, size_t(k0), kc, dst + ii, mr_full);
    for (int ii = mr; ii < mr_full; ii++)
      for (int kk = 0; kk < kc; kk++) dst[size_t(kk) * mr_full + ii] = 0.0f;
  };
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

void matmul(ThreadPool& pool, const Kernels* kern, int m, int n, int k, const float* a, bool trans_a, const float* b,
            bool trans_b, float* c) {
  const StridedA pa{a, trans_a ? 1 : size_t(k), trans_a ? size_t(m) : 1, kern->gemm_mr};
  const StridedB pb{b, trans_b ? 1 : size_t(n), trans_b ? size_t(k) : 1, kern->gemm_nr};
  packed_gemm(pool, kern, m, n, k, pa, pb, c, size_t(n), false);
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
    const ConvShape t{s.n, s.oc, s.oh, s.ow, s.c, s.kh, s.kw, 1, 1, s.kh - 1 - s.ph, s.kw - 1 - s.pw, s.h, s.w};
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

namespace rn {

namespace {

// Splits [0, size) into chunks of at least 64 Ki elements over the pool.
template <typename F>
void for_chunks(ThreadPool& pool, size_t size, F&& f) {
  const size_t chunk = std::max<size_t>(65536, (size + pool.threads() * 4 - 1) / (pool.threads() * 4));
  const int count = int((size + chunk - 1) / chunk);
  pool.parallel_for(count, [&](int i) { f(size_t(i) * chunk, std::min(size, size_t(i + 1) * chunk)); });
}

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

void accumulate(ThreadPool& pool, size_t size, float* target, const float* source) {
  for_chunks(pool, size, [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; i++) target[i] += source[i];
  });
}

void sgd_step(ThreadPool& pool, size_t size, float* value, const float* grad, float* buf, const SgdHyper& h) {
  // As the reference kernel: each float32 step is computed in double and rounded once (this file is
  // built with -ffp-contract=off, so no step is fused differently).
  const double wd = h.weight_decay, momentum = h.momentum, omd = h.one_minus_dampening, neg_lr = h.neg_lr;
  for_chunks(pool, size, [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; i++) {
      float d = grad[i];
      if (h.weight_decay != 0.0f) d = float(double(d) + wd * double(value[i]));
      if (buf != nullptr) {
        buf[i] = h.first_step ? d : float(double(float(double(buf[i]) * momentum)) + omd * double(d));
        d = h.nesterov ? float(double(d) + momentum * double(buf[i])) : buf[i];
      }
      value[i] = float(double(value[i]) + neg_lr * double(d));
    }
  });
}

void max_pool_backward(ThreadPool& pool, int planes, int h, int w, int oh, int ow, int kh, int kw, int sh, int sw,
                       int ph, int pw, const float* dout, const float* x, float* dx) {
  pool.parallel_for(planes, [&](int plane) {
    const float* xp = x + size_t(plane) * h * w;
    const float* dp = dout + size_t(plane) * oh * ow;
    float* gp = dx + size_t(plane) * h * w;
    std::fill(gp, gp + size_t(h) * w, 0.0f);
    for (int y = 0; y < oh; y++)
      for (int xo = 0; xo < ow; xo++) {
        int best = -1;
        float m = -INFINITY;
        for (int iy = std::max(y * sh - ph, 0); iy < std::min(y * sh - ph + kh, h); iy++)
          for (int ix = std::max(xo * sw - pw, 0); ix < std::min(xo * sw - pw + kw, w); ix++) {
            const float v = xp[iy * w + ix];
            if (v > m || std::isnan(v)) {
              m = v;
              best = iy * w + ix;
            }
          }
        if (best >= 0) gp[best] += dp[y * ow + xo];
      }
  });
}

}  // namespace rn


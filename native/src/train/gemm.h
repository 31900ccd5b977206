// The packed GEMM behind the training kernels (see kernels.h): C (+)= A · B with A and B read only
// through packers, so transposes and im2col happen while packing. Shared by gemm.cc (matmul) and
// conv.cc (convolutions as GEMMs over im2col patches).
#pragma once
#include <algorithm>
#include <cstring>
#include <vector>

#include "../engine.h"
#include "../thread_pool.h"

namespace rn {

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

}  // namespace rn

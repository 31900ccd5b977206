// Matrix products of the training kernels (linear layers and their gradients) as packed GEMMs.
#include "gemm.h"
#include "kernels.h"

namespace rn {

void matmul(ThreadPool& pool, const Kernels* kern, int m, int n, int k, const float* a, bool trans_a, const float* b,
            bool trans_b, float* c) {
  const StridedA pa{a, trans_a ? 1 : size_t(k), trans_a ? size_t(m) : 1, kern->gemm_mr};
  const StridedB pb{b, trans_b ? 1 : size_t(n), trans_b ? size_t(k) : 1, kern->gemm_nr};
  packed_gemm(pool, kern, m, n, k, pa, pb, c, size_t(n), false);
}

}  // namespace rn

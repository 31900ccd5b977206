// AVX-512 build of the kernels: 32 vector registers, tiles of 14 pixels × 2 channel blocks
// (or 7 × 4 on narrow rows) keep 28 accumulators in registers.
#define RN_NS avx512
#define RN_NAME kernels_avx512
#define RN_VEC_BYTES 64
#define RN_NV_WIDE 2
#define RN_PX_WIDE 14
#define RN_NV_NARROW 4
#define RN_PX_NARROW 7
// Training GEMM: 14 rows × 32 columns (28 accumulators).
#define RN_GEMM_MR 14
#define RN_GEMM_NV 2
#include "kernels_impl.h"

// AVX2+FMA build of the kernels: 16 ymm registers hold 6 pixels × 1 channel block (2 ymm each).
#define RN_NS avx2
#define RN_NAME kernels_avx2
#define RN_VEC_BYTES 32
#define RN_NV_WIDE 1
#define RN_PX_WIDE 6
#define RN_NV_NARROW 1
#define RN_PX_NARROW 6
// Training GEMM: 6 rows × 16 columns (12 ymm accumulators).
#define RN_GEMM_MR 6
#define RN_GEMM_NV 1
#include "kernels_impl.h"

// Portable build of the kernels (baseline x86-64 SSE2 or any other target GCC/Clang vectorizes).
#define RN_NS portable
#define RN_NAME kernels_portable
#define RN_VEC_BYTES 16
#define RN_NV_WIDE 1
#define RN_PX_WIDE 3
#define RN_NV_NARROW 1
#define RN_PX_NARROW 3
// Training GEMM: 3 rows × 16 columns.
#define RN_GEMM_MR 3
#define RN_GEMM_NV 1
#include "kernels_impl.h"

// AVX512-BF16 build of the bf16 kernels: vdpbf16ps does 32 multiply-adds per instruction; tiles of
// 14 pixels × 2 channel blocks (or 7 × 4 on narrow rows) keep 28 accumulators in registers.
#define RN_NS avx512bf16
#define RN_NAME kernels_avx512bf16
#define RN_PATH_NAME "avx512bf16"
#define RN_BF16_HW 1
#define RN_NV_WIDE 2
#define RN_PX_WIDE 14
#define RN_NV_NARROW 4
#define RN_PX_NARROW 7
#include "kernels_bf16_impl.h"

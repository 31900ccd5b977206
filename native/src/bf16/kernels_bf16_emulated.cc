// Portable build of the bf16 kernels ("fp32-emulated"): the AVX512-BF16 instructions' arithmetic in
// float32 C++ on any CPU, bit for bit where the SDM's pseudo-code is followed (see dot() and narrow()).
#define RN_NS bf16_emulated
#define RN_NAME kernels_bf16_emulated
#define RN_PATH_NAME "fp32-emulated"
#define RN_BF16_HW 0
#define RN_NV_WIDE 1
#define RN_PX_WIDE 3
#define RN_NV_NARROW 1
#define RN_PX_NARROW 3
#include "kernels_bf16_impl.h"

// AMX build of the bf16 conv kernels ("amx"): TDPBF16PS on tiles (see kernels_amx_impl.h); the stem,
// pools and linear are avx512bf16's (every AMX-BF16 CPU has AVX512-BF16).
#define RN_NS amx_bf16
#define RN_NAME kernels_amx_bf16
#define RN_PATH_NAME "amx"
#define RN_AMX_HW 1
#define RN_AMX_INT8 0
#define RN_BF16_HW 1
#define RN_FALLBACK kernels_avx512bf16
#include "kernels_amx_impl.h"

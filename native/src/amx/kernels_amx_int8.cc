// AMX build of the int8 conv kernels ("amx"): TDPBUSD on tiles (see kernels_amx_impl.h); quantize is
// avx512vnni's (every AMX-INT8 CPU has AVX512-VNNI).
#define RN_NS amx_int8
#define RN_NAME kernels_amx_int8
#define RN_PATH_NAME "amx"
#define RN_AMX_HW 1
#define RN_AMX_INT8 1
#define RN_INT8_HW 512
#define RN_VEC_BYTES 64
#define RN_FALLBACK kernels_avx512vnni
#include "kernels_amx_impl.h"

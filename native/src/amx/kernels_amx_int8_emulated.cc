// The AMX int8 conv kernels on emulated tiles ("amx-emulated"): the same source as "amx" (see
// kernels_amx_impl.h) over tiles.h's portable TDPBUSD; quantize is fp32-emulated's. Slow: for tests.
#define RN_NS amx_int8_emulated
#define RN_NAME kernels_amx_int8_emulated
#define RN_PATH_NAME "amx-emulated"
#define RN_AMX_HW 0
#define RN_AMX_INT8 1
#define RN_INT8_HW 0
#define RN_VEC_BYTES 16
#define RN_FALLBACK kernels_int8_emulated
#include "kernels_amx_impl.h"

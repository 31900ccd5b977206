// The AMX bf16 conv kernels on emulated tiles ("amx-emulated"): the same source as "amx" (see
// kernels_amx_impl.h) over tiles.h's portable TDPBF16PS, so any CPU tests the tiling and gives the
// AMX path's bits; the rest is fp32-emulated's. Slow: for tests.
#define RN_NS amx_bf16_emulated
#define RN_NAME kernels_amx_bf16_emulated
#define RN_PATH_NAME "amx-emulated"
#define RN_AMX_HW 0
#define RN_AMX_INT8 0
#define RN_BF16_HW 0
#define RN_FALLBACK kernels_bf16_emulated
#include "kernels_amx_impl.h"

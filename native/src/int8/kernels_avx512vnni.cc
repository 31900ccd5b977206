// AVX512-VNNI build of the int8 kernels: vpdpbusd does 64 u8 × s8 multiply-adds per instruction;
// tiles of 14 pixels × 2 channel blocks (or 7 × 4 on narrow rows) keep 28 accumulators in registers.
#define RN_NS avx512vnni
#define RN_NAME kernels_avx512vnni
#define RN_PATH_NAME "avx512vnni"
#define RN_INT8_HW 512
#define RN_VEC_BYTES 64
#define RN_NV_WIDE 2
#define RN_PX_WIDE 14
#define RN_NV_NARROW 4
#define RN_PX_NARROW 7
#include "kernels_int8_impl.h"

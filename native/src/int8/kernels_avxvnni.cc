// AVX-VNNI build of the int8 kernels (256-bit VEX vpdpbusd, for CPUs without AVX-512): a block of
// 16 channels is two ymm halves, so tiles of 6 pixels × 1 block (3 × 2 on narrow rows) fit 16 ymm.
#define RN_NS avxvnni
#define RN_NAME kernels_avxvnni
#define RN_PATH_NAME "avxvnni"
#define RN_INT8_HW 256
#define RN_VEC_BYTES 32
#define RN_NV_WIDE 1
#define RN_PX_WIDE 6
#define RN_NV_NARROW 2
#define RN_PX_NARROW 3
#include "kernels_int8_impl.h"

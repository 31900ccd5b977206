// Portable build of the int8 kernels ("fp32-emulated"): vpdpbusd's sums in C++ integers on any CPU,
// the shared float32 epilogue, so its results equal the VNNI paths' bit for bit.
#define RN_NS int8_emulated
#define RN_NAME kernels_int8_emulated
#define RN_PATH_NAME "fp32-emulated"
#define RN_INT8_HW 0
#define RN_VEC_BYTES 16
#define RN_NV_WIDE 1
#define RN_PX_WIDE 4
#define RN_NV_NARROW 1
#define RN_PX_NARROW 4
#include "kernels_int8_impl.h"

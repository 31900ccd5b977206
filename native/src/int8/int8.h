// int8 inference kernels of the native engine: u8 activations (per-tensor scale, zero point 0: the
// inputs of the quantized convolutions follow a ReLU) times s8 weights (symmetric, per output
// channel), exact s32 accumulation, and a float32 epilogue: acc · (input_scale · weight_scale[oc])
// + bias (+ residual) (ReLU), stored as float32 or requantized to u8 for the next convolution.
// Three builds of one source (kernels_int8_impl.h): AVX512-VNNI and AVX-VNNI (vpdpbusd on 512 or
// 256 bits, which does not saturate) and "fp32-emulated", portable C++ giving the same bits (the
// integer sums are exact; the epilogue is the same float32 operations in the same order).
#pragma once
#include <cstdint>
#include <vector>

#include "../engine.h"

namespace rn {

using BlockedU8 = BlockedOf<uint8_t>;
using Int8Vector = std::vector<int8_t, AlignedAllocator<int8_t>>;

// Convolution over blocked u8 activations (N, C/16, H+2B, W+2B, 16).
struct ConvArgs8 {
  const uint8_t* in = nullptr;
  size_t in_image_stride = 0, in_block_stride = 0, in_row_stride = 0;  // in bytes
  int in_origin = 0;  // border of the input buffer minus the conv padding (>= 0)
  int in_cb = 0;      // input channel blocks
  // weights [OC/16][in_cb][KH][KW][4][16][4]: for each output lane, a quad of consecutive input
  // channels, as vpdpbusd reads them; mult [OC] = input_scale · weight_scale; bias [OC]
  const int8_t* weight = nullptr;
  const float* mult = nullptr;
  const float* bias = nullptr;
  int oc = 0, kh = 0, kw = 0, sh = 1, sw = 1;
  // Output geometry (out.data: the u8 output, or null when out32 takes float32 values).
  BlockedU8 out;
  float* out32 = nullptr;
  float out_inv_scale = 0;  // u8 output: q = round(clamp(v · out_inv_scale, 0, 255))
  // Optional residual of the output's shape: u8 (times residual_scale) or float32.
  const uint8_t* residual8 = nullptr;
  const float* residual32 = nullptr;
  float residual_scale = 0;
  bool relu = false;
};

struct Int8Kernels {
  // The path's name as the CLI and bench report it: "amx", "avx512vnni", "avxvnni", "amx-emulated"
  // or "fp32-emulated".
  const char* name;
  // One output row `oh` of image `img` for output-channel group `group` (see conv_groups).
  void (*conv_row)(const ConvArgs8& a, int img, int group, int oh);
  int (*conv_groups)(const ConvArgs8& a);
  // One block of one image, borders included: out = round(clamp(in · inv_scale, 0, 255)).
  void (*quantize)(const Blocked& in, const BlockedU8& out, float inv_scale, int img, int block);
};

// The VNNI and AMX instructions are x86 extensions: their kernel sets are built for x86 targets
// only. "amx" (amx/kernels_amx_impl.h: TDPBUSD tiles for the convs) is chosen first where the CPU has
// AMX-INT8 and the OS grants the tile state; "amx-emulated" runs it on emulated tiles anywhere.
#ifdef RN_X86_KERNELS
const Int8Kernels* kernels_amx_int8();
const Int8Kernels* kernels_avx512vnni();
const Int8Kernels* kernels_avxvnni();
#endif
const Int8Kernels* kernels_amx_int8_emulated();
const Int8Kernels* kernels_int8_emulated();

}  // namespace rn

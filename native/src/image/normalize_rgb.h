// torchvision's ToTensor + Normalize on 8-bit RGB pixels, for the TypeScript preprocessing
// (src/data/transforms.ts, toNormalizedTensor), which computes the 3 × 256 float32 values once
// (((v / 255) - mean) / std, rounded as torch rounds) and hands them here with the pixels: each
// interleaved pixel becomes one value in each of the three planes of `out`. Table lookups, nothing
// to round: the same floats as the TypeScript loop.
#pragma once
#include <cstddef>
#include <cstdint>

namespace rn {

// out[c * pixels + i] = tables[c * 256 + rgb[3 * i + c]] for c in 0..2, i in 0..pixels-1.
void normalize_rgb(const uint8_t* rgb, size_t pixels, const float* tables, float* out);

}  // namespace rn

#include "normalize_rgb.h"

namespace rn {

void normalize_rgb(const uint8_t* rgb, size_t pixels, const float* tables, float* out) {
  const float* red = tables;
  const float* green = tables + 256;
  const float* blue = tables + 512;
  float* r = out;
  float* g = out + pixels;
  float* b = out + 2 * pixels;
  for (size_t i = 0; i < pixels; i++, rgb += 3) {
    r[i] = red[rgb[0]];
    g[i] = green[rgb[1]];
    b[i] = blue[rgb[2]];
  }
}

}  // namespace rn

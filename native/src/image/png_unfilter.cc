#include "png_unfilter.h"

#include <cstdlib>

namespace rn {

namespace {

// Paeth's predictor (PNG specification 9.4): the neighbour nearest to a + b - c, ties to a, then b.
inline uint8_t paeth(int a, int b, int c) {
  const int pa = std::abs(b - c), pb = std::abs(a - c), pc = std::abs(a + b - 2 * c);
  return uint8_t(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

// Paeth on a line of whole B-byte pixels, the left and upper-left neighbours kept in registers
// (the general loop reloads them from memory that the compiler must assume the stores change).
template <int B>
void paeth_pixels(uint8_t* line, const uint8_t* prev, size_t n) {
  int a[B], c[B];
  for (int k = 0; k < B; k++) {
    line[k] = uint8_t(line[k] + prev[k]);  // a = c = 0: picks b
    a[k] = line[k];
    c[k] = prev[k];
  }
  for (size_t i = B; i < n; i += B) {
    for (int k = 0; k < B; k++) {
      const int b = prev[i + k];
      const uint8_t x = uint8_t(line[i + k] + paeth(a[k], b, c[k]));
      line[i + k] = x;
      a[k] = x;
      c[k] = b;
    }
  }
}

// One line; `prev` is the previous line of the pass, already unfiltered, or null on its first line
// (then b = c = 0).
void unfilter_line(int filter, uint8_t* line, const uint8_t* prev, size_t n, size_t bpp) {
  if (unfilter_line_simd(filter, line, prev, n, bpp)) return;
  const size_t first = bpp < n ? bpp : n;
  switch (filter) {
    case 1:
      for (size_t i = bpp; i < n; i++) line[i] = uint8_t(line[i] + line[i - bpp]);
      return;
    case 2:
      if (prev != nullptr)
        for (size_t i = 0; i < n; i++) line[i] = uint8_t(line[i] + prev[i]);
      return;
    case 3:
      if (prev == nullptr) {
        for (size_t i = bpp; i < n; i++) line[i] = uint8_t(line[i] + (line[i - bpp] >> 1));
      } else {
        for (size_t i = 0; i < first; i++) line[i] = uint8_t(line[i] + (prev[i] >> 1));
        for (size_t i = bpp; i < n; i++) line[i] = uint8_t(line[i] + ((line[i - bpp] + prev[i]) >> 1));
      }
      return;
    case 4:
      if (prev == nullptr) {  // b = c = 0: Paeth picks a
        for (size_t i = bpp; i < n; i++) line[i] = uint8_t(line[i] + line[i - bpp]);
        return;
      }
      // 8-bit RGB and RGBA lines hold whole pixels (reached where unfilter_line_simd has no
      // kernel: CPUs other than x86-64).
      if (bpp == 3 && n % 3 == 0 && n > 0) return paeth_pixels<3>(line, prev, n);
      if (bpp == 4 && n % 4 == 0 && n > 0) return paeth_pixels<4>(line, prev, n);
      for (size_t i = 0; i < first; i++) line[i] = uint8_t(line[i] + prev[i]);  // a = c = 0: picks b
      for (size_t i = bpp; i < n; i++) line[i] = uint8_t(line[i] + paeth(line[i - bpp], prev[i], prev[i - bpp]));
      return;
    default:
      return;  // 0: None
  }
}

}  // namespace

int unfilter_scanlines(uint8_t* data, size_t rows, size_t row_bytes, int bpp) {
  const uint8_t* prev = nullptr;
  for (size_t j = 0; j < rows; j++) {
    uint8_t* line = data + j * (row_bytes + 1);
    const int filter = line[0];
    if (filter > 4) return filter;
    unfilter_line(filter, line + 1, prev, row_bytes, size_t(bpp));
    prev = line + 1;
  }
  return -1;
}

}  // namespace rn

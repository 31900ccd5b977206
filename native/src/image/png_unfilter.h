// PNG scanline filters reversed in place (PNG specification, section 9: filter method 0), for the
// TypeScript decoder (src/io/png.ts), which hands one interlace pass's inflated scanlines here:
// `rows` lines of a filter-type byte followed by `row_bytes` bytes, `bpp` bytes per complete pixel
// (at least 1). Returns -1, or the first filter-type byte above 4 (the lines before it are done).
// The same bytes as png.ts's own unfilter: integer arithmetic modulo 256, nothing to round.
#pragma once
#include <cstddef>
#include <cstdint>

namespace rn {

int unfilter_scanlines(uint8_t* data, size_t rows, size_t row_bytes, int bpp);

// One line's Sub, Average (with a line above) or Paeth (with a line above) on whole 3- or 4-byte
// pixels in vectors (png_unfilter_sse2.cc; false, nothing done, for any other line or where the
// CPU family has no such kernel): the same bytes as the scalar loops.
bool unfilter_line_simd(int filter, uint8_t* line, const uint8_t* prev, size_t n, size_t bpp);

}  // namespace rn

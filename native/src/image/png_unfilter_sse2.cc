// The serial PNG filters (Sub, Average, Paeth) on lines of whole 3- or 4-byte pixels (8-bit RGB and
// RGBA), one pixel per step held in a vector: SSE2, which every x86-64 CPU has, so no dispatch. The
// technique is libpng's (filter_sse2_intrinsics.c): Paeth in 16-bit lanes, branch-free, ties to a,
// then b. The same bytes as the scalar loops of png_unfilter.cc (tested against the TypeScript ones).
#include "png_unfilter.h"

#if defined(__SSE2__)
#include <emmintrin.h>

#include <cstring>

namespace rn {

namespace {

// B bytes at p in the low lanes, assembled in a general register (no read past them: the last pixel
// of a line ends the buffer; a byte-wise memcpy through the stack would stall store forwarding).
template <int B>
inline __m128i load_pixel(const uint8_t* p) {
  uint32_t v;
  if constexpr (B == 4) {
    std::memcpy(&v, p, 4);
  } else {
    uint16_t low;
    std::memcpy(&low, p, 2);
    v = uint32_t(low) | uint32_t(p[2]) << 16;
  }
  return _mm_cvtsi32_si128(int(v));
}

template <int B>
inline void store_pixel(uint8_t* p, __m128i x) {
  const uint32_t v = uint32_t(_mm_cvtsi128_si32(x));
  if constexpr (B == 4) {
    std::memcpy(p, &v, 4);
  } else {
    const uint16_t low = uint16_t(v);
    std::memcpy(p, &low, 2);
    p[2] = uint8_t(v >> 16);
  }
}

// |x| in 16-bit lanes (SSE2 has no pabsw; |x| ≤ 510 here).
inline __m128i abs16(__m128i x) { return _mm_max_epi16(x, _mm_sub_epi16(_mm_setzero_si128(), x)); }

// mask ? x : y, lane by lane.
inline __m128i select(__m128i mask, __m128i x, __m128i y) {
  return _mm_or_si128(_mm_and_si128(mask, x), _mm_andnot_si128(mask, y));
}

template <int B>
void sub(uint8_t* line, size_t n) {
  __m128i a = _mm_setzero_si128();
  for (size_t i = 0; i < n; i += B) {
    a = _mm_add_epi8(load_pixel<B>(line + i), a);
    store_pixel<B>(line + i, a);
  }
}

// x + floor((a + b) / 2): pavgb rounds up, so one is taken back where a + b is odd.
template <int B>
void average(uint8_t* line, const uint8_t* prev, size_t n) {
  const __m128i one = _mm_set1_epi8(1);
  __m128i a = _mm_setzero_si128();
  for (size_t i = 0; i < n; i += B) {
    const __m128i b = load_pixel<B>(prev + i);
    const __m128i mean = _mm_sub_epi8(_mm_avg_epu8(a, b), _mm_and_si128(_mm_xor_si128(a, b), one));
    a = _mm_add_epi8(load_pixel<B>(line + i), mean);
    store_pixel<B>(line + i, a);
  }
}

// Left of the first pixel a = c = 0, which makes the predictor pick b there, as the specification says.
template <int B>
void paeth(uint8_t* line, const uint8_t* prev, size_t n) {
  const __m128i zero = _mm_setzero_si128();
  const __m128i low_byte = _mm_set1_epi16(0xff);
  __m128i a = zero, c = zero;
  for (size_t i = 0; i < n; i += B) {
    const __m128i b = _mm_unpacklo_epi8(load_pixel<B>(prev + i), zero);
    const __m128i x = _mm_unpacklo_epi8(load_pixel<B>(line + i), zero);
    const __m128i pa_signed = _mm_sub_epi16(b, c);  // p - a, with p = a + b - c
    const __m128i pb_signed = _mm_sub_epi16(a, c);  // p - b
    const __m128i pa = abs16(pa_signed);
    const __m128i pb = abs16(pb_signed);
    const __m128i pc = abs16(_mm_add_epi16(pa_signed, pb_signed));  // p - c
    const __m128i smallest = _mm_min_epi16(pc, _mm_min_epi16(pa, pb));
    const __m128i nearest =
        select(_mm_cmpeq_epi16(smallest, pa), a, select(_mm_cmpeq_epi16(smallest, pb), b, c));
    a = _mm_and_si128(_mm_add_epi16(x, nearest), low_byte);
    store_pixel<B>(line + i, _mm_packus_epi16(a, a));
    c = b;
  }
}

template <int B>
bool unfilter_pixels(int filter, uint8_t* line, const uint8_t* prev, size_t n) {
  switch (filter) {
    case 1:
      sub<B>(line, n);
      return true;
    case 3:
      if (prev == nullptr) return false;
      average<B>(line, prev, n);
      return true;
    case 4:
      if (prev == nullptr) return false;
      paeth<B>(line, prev, n);
      return true;
    default:
      return false;
  }
}

}  // namespace

bool unfilter_line_simd(int filter, uint8_t* line, const uint8_t* prev, size_t n, size_t bpp) {
  if (n == 0 || n % bpp != 0) return false;
  if (bpp == 3) return unfilter_pixels<3>(filter, line, prev, n);
  if (bpp == 4) return unfilter_pixels<4>(filter, line, prev, n);
  return false;
}

}  // namespace rn

#else

namespace rn {

bool unfilter_line_simd(int, uint8_t*, const uint8_t*, size_t, size_t) { return false; }

}  // namespace rn

#endif

// The tile interface the AMX kernels (kernels_amx_impl.h) are written against: load a tile
// configuration, load / store a tile with a row stride, zero a tile, and the two dot products
// (TDPBF16PS, TDPBUSD). Two implementations, chosen by RN_AMX_HW:
//   1: the instructions (<immintrin.h>, built with -mamx-tile -mamx-bf16 -mamx-int8);
//   0: a portable emulation of the 8 tiles of a thread and of the instructions as the Intel SDM's
//      pseudo-code defines them (LDTILECFG, TILELOADD, TILESTORED, TILEZERO, TDPBF16PS, TDPBUSD),
//      which also refuses (aborts on) what the hardware would fault on: an unconfigured tile or
//      tile shapes that do not fit the dot product (#UD). Slow: for tests on CPUs without AMX.
// Tile numbers are template arguments (the instructions encode them as immediates). The functions
// live in the including kernel set's namespace RN_NS (each set is built with its own -m flags, so no
// two share a function); the per-thread state lives in one place per implementation, shared by the
// bf16 and int8 sets, as the hardware's tile state is one per thread.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#if RN_AMX_HW
#include <immintrin.h>
#endif

namespace rn {

// LDTILECFG's 64-byte operand, palette 1: per tile its rows (≤ 16) and bytes per row (≤ 64).
struct TileConfig {
  uint8_t palette = 0;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};
static_assert(sizeof(TileConfig) == 64, "LDTILECFG reads 64 bytes");

#if RN_AMX_HW

namespace amx_hw_state {
// The configuration this thread's tiles have (tile state is per thread); palette 0: none yet.
// `inline`: one per thread for every kernel set built on the instructions (bf16 and int8 alike).
inline thread_local TileConfig current;
}  // namespace amx_hw_state

namespace RN_NS {

// Loads `c` unless this thread's tiles have it already.
inline void use_config(const TileConfig& c) {
  if (std::memcmp(&amx_hw_state::current, &c, sizeof c) == 0) return;
  _tile_loadconfig(&c);
  amx_hw_state::current = c;
}

// _tile_loadd and the others paste the tile number into the instruction's text, so each one is
// spelled out per tile.
#define RN_TILE_EACH(OP) \
  if constexpr (T == 0) OP(0); \
  else if constexpr (T == 1) OP(1); \
  else if constexpr (T == 2) OP(2); \
  else if constexpr (T == 3) OP(3); \
  else if constexpr (T == 4) OP(4); \
  else if constexpr (T == 5) OP(5); \
  else if constexpr (T == 6) OP(6); \
  else OP(7)

template <int T>
inline void tile_load(const void* base, size_t stride) {
  static_assert(T >= 0 && T < 8, "8 tiles");
#define RN_LOAD(t) _tile_loadd(t, base, stride)
  RN_TILE_EACH(RN_LOAD);
#undef RN_LOAD
}
template <int T>
inline void tile_store(void* base, size_t stride) {
  static_assert(T >= 0 && T < 8, "8 tiles");
#define RN_STORE(t) _tile_stored(t, base, stride)
  RN_TILE_EACH(RN_STORE);
#undef RN_STORE
}
template <int T>
inline void tile_zero() {
  static_assert(T >= 0 && T < 8, "8 tiles");
#define RN_ZERO(t) _tile_zero(t)
  RN_TILE_EACH(RN_ZERO);
#undef RN_ZERO
}
#undef RN_TILE_EACH

// The kernels accumulate in tiles 0-3 from A tiles 4-5 and B tiles 6-7: the 16 combinations.
#define RN_DOT_EACH(OP)                                                                     \
  if constexpr (C == 0 && A == 4 && B == 6) OP(0, 4, 6);                                  \
  else if constexpr (C == 0 && A == 4 && B == 7) OP(0, 4, 7);                             \
  else if constexpr (C == 0 && A == 5 && B == 6) OP(0, 5, 6);                             \
  else if constexpr (C == 0 && A == 5 && B == 7) OP(0, 5, 7);                             \
  else if constexpr (C == 1 && A == 4 && B == 6) OP(1, 4, 6);                             \
  else if constexpr (C == 1 && A == 4 && B == 7) OP(1, 4, 7);                             \
  else if constexpr (C == 1 && A == 5 && B == 6) OP(1, 5, 6);                             \
  else if constexpr (C == 1 && A == 5 && B == 7) OP(1, 5, 7);                             \
  else if constexpr (C == 2 && A == 4 && B == 6) OP(2, 4, 6);                             \
  else if constexpr (C == 2 && A == 4 && B == 7) OP(2, 4, 7);                             \
  else if constexpr (C == 2 && A == 5 && B == 6) OP(2, 5, 6);                             \
  else if constexpr (C == 2 && A == 5 && B == 7) OP(2, 5, 7);                             \
  else if constexpr (C == 3 && A == 4 && B == 6) OP(3, 4, 6);                             \
  else if constexpr (C == 3 && A == 4 && B == 7) OP(3, 4, 7);                             \
  else if constexpr (C == 3 && A == 5 && B == 6) OP(3, 5, 6);                             \
  else OP(3, 5, 7)

#define RN_DOT_CHECK static_assert(C >= 0 && C < 4 && A >= 4 && A < 6 && B >= 6 && B < 8, "C 0-3, A 4-5, B 6-7")

#ifdef __AMX_BF16__
// C[m][n] += Σ_k A[m].pair[k] · B[k].pair[n] (bf16 pairs, float32 C).
template <int C, int A, int B>
inline void tile_dot_bf16() {
  RN_DOT_CHECK;
#define RN_DOT(c, a, b) _tile_dpbf16ps(c, a, b)
  RN_DOT_EACH(RN_DOT);
#undef RN_DOT
}
#endif
#ifdef __AMX_INT8__
// C[m][n] += Σ_k Σ_i u8(A[m].quad[k][i]) · s8(B[k].quad[n][i]) (int32 C, wrapping).
template <int C, int A, int B>
inline void tile_dot_u8s8() {
  RN_DOT_CHECK;
#define RN_DOT(c, a, b) _tile_dpbusd(c, a, b)
  RN_DOT_EACH(RN_DOT);
#undef RN_DOT
}
#endif
#undef RN_DOT_CHECK
#undef RN_DOT_EACH

}  // namespace RN_NS

#else  // RN_AMX_HW

namespace amx_emulated_state {

// A thread's tiles: the loaded configuration and 8 registers of 16 rows × 64 bytes. `inline`: one
// per thread for every emulated kernel set, as the hardware has one per thread.
struct Tiles {
  TileConfig config;
  alignas(64) uint8_t t[8][16][64];
};
inline thread_local Tiles tiles;

[[noreturn]] inline void fault(const char* what) {
  std::fprintf(stderr, "amx-emulated: %s (the instruction would fault)\n", what);
  std::abort();
}

inline void check_configured(int t) {
  const TileConfig& c = tiles.config;
  if (c.palette != 1 || c.rows[t] == 0 || c.colsb[t] == 0) fault("a tile used without a configuration");
}

typedef float vf16 __attribute__((vector_size(64)));
typedef uint32_t vu16 __attribute__((vector_size(64)));

inline vf16 as_f(vu16 b) {
  vf16 f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}
inline vu16 as_u(vf16 f) {
  vu16 b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}
// DAZ / FTZ: zero (keeping the sign) where the exponent field is 0. With masks rather than ?:, which
// GCC lowers lane by lane for vectors wider than the portable build's SSE2.
inline vf16 ftz(vf16 a) {
  const vu16 b = as_u(a);
  const vu16 zero_exponent = (vu16)((b & 0x7f800000u) == 0);
  return as_f(b & ~(zero_exponent & 0x7fffffffu));
}
inline uint32_t ftz_bits(uint32_t b) { return (b & 0x7f800000u) == 0 ? b & 0x80000000u : b; }

// Row m's dot products for TDPBF16PS / TDPBUSD, after the shape checks the SDM lists under #UD.
inline void check_dot(int c, int a, int b, int a_elem_bytes) {
  check_configured(c);
  check_configured(a);
  check_configured(b);
  const TileConfig& g = tiles.config;
  if (g.colsb[a] % a_elem_bytes != 0 || g.colsb[a] / 4 != g.rows[b] || g.colsb[c] != g.colsb[b] ||
      g.rows[c] != g.rows[a] || g.colsb[c] % 4 != 0) {
    fault("tile shapes that do not fit the dot product");
  }
}

}  // namespace amx_emulated_state

namespace RN_NS {
namespace emulated = amx_emulated_state;

// LDTILECFG: takes the configuration and zeroes every tile (once per thread and shape, as above).
inline void use_config(const TileConfig& c) {
  emulated::Tiles& s = emulated::tiles;
  if (std::memcmp(&s.config, &c, sizeof c) == 0) return;
  if (c.palette != 1) emulated::fault("LDTILECFG with a palette other than 1");
  for (int t = 0; t < 8; t++) {
    if (c.rows[t] > 16 || c.colsb[t] > 64) emulated::fault("LDTILECFG with a tile larger than 16 × 64 bytes");
  }
  s.config = c;
  std::memset(s.t, 0, sizeof s.t);
}

// TILELOADD: rows[T] rows of colsb[T] bytes, row r from base + r · stride; the rest of the tile zero.
template <int T>
inline void tile_load(const void* base, size_t stride) {
  emulated::check_configured(T);
  const TileConfig& c = emulated::tiles.config;
  auto& tile = emulated::tiles.t[T];
  std::memset(tile, 0, sizeof tile);
  for (int r = 0; r < c.rows[T]; r++) std::memcpy(tile[r], static_cast<const uint8_t*>(base) + r * stride, c.colsb[T]);
}

// TILESTORED: rows[T] rows of colsb[T] bytes to base + r · stride.
template <int T>
inline void tile_store(void* base, size_t stride) {
  emulated::check_configured(T);
  const TileConfig& c = emulated::tiles.config;
  for (int r = 0; r < c.rows[T]; r++) std::memcpy(static_cast<uint8_t*>(base) + r * stride, emulated::tiles.t[T][r], c.colsb[T]);
}

template <int T>
inline void tile_zero() {
  emulated::check_configured(T);
  std::memset(emulated::tiles.t[T], 0, sizeof emulated::tiles.t[T]);
}

// TDPBF16PS as the SDM's pseudo-code has it, per row m of C: two float32 partial sums per column n,
// starting at 0, take the even and the odd products of the K pairs in order (each an FMA with round
// to nearest even, DAZ, FTZ); then C[m][n] += (even sum + odd sum), both adds RNE with DAZ/FTZ.
// Note the order differs from a chain of VDPBF16PS steps (which adds into C pair by pair, odd
// product first), so AMX results are not the bits of the avx512bf16 path. A product of two bf16 is
// exact in float32, so multiply-then-add is the FMA except for products below 2^-126, which this
// rounds before adding (as the fp32-emulated path does; bf16 values here are normal or zero).
template <int C, int A, int B>
inline void tile_dot_bf16() {
  static_assert(C >= 0 && C < 8 && A >= 0 && A < 8 && B >= 0 && B < 8, "8 tiles");
  emulated::check_dot(C, A, B, 4);
  using emulated::as_f;
  using emulated::ftz;
  using emulated::vf16;
  using emulated::vu16;
  emulated::Tiles& s = emulated::tiles;
  const int rows = s.config.rows[C], pairs = s.config.colsb[A] / 4, lanes = s.config.colsb[C] / 4;
  vf16 even_w[16], odd_w[16];
  for (int k = 0; k < pairs; k++) {
    vu16 w;
    std::memcpy(&w, s.t[B][k], sizeof w);
    even_w[k] = ftz(as_f(w << 16));
    odd_w[k] = ftz(as_f(w & 0xffff0000u));
  }
  for (int m = 0; m < rows; m++) {
    vf16 even = {}, odd = {};
    for (int k = 0; k < pairs; k++) {
      uint32_t pair;
      std::memcpy(&pair, s.t[A][m] + 4 * k, sizeof pair);
      const uint32_t lo = emulated::ftz_bits(pair << 16), hi = emulated::ftz_bits(pair & 0xffff0000u);
      float x_even, x_odd;
      std::memcpy(&x_even, &lo, sizeof lo);
      std::memcpy(&x_odd, &hi, sizeof hi);
      even = ftz(even + x_even * even_w[k]);
      odd = ftz(odd + x_odd * odd_w[k]);
    }
    vf16 c;
    std::memcpy(&c, s.t[C][m], sizeof c);
    c = ftz(ftz(c) + ftz(even + odd));
    float out[16];
    std::memcpy(out, &c, sizeof out);
    std::memset(s.t[C][m], 0, 64);  // write_row_and_zero: bytes past colsb are 0
    std::memcpy(s.t[C][m], out, lanes * 4);
  }
}

// TDPBUSD: C[m][n] += Σ_k Σ_i u8(A[m] byte 4k+i) · s8(B[k] byte 4n+i), in wrapping 32-bit integers
// (exact for any ResNet layer, see int8/kernels_int8_common.h).
template <int C, int A, int B>
inline void tile_dot_u8s8() {
  static_assert(C >= 0 && C < 8 && A >= 0 && A < 8 && B >= 0 && B < 8, "8 tiles");
  emulated::check_dot(C, A, B, 4);
  using emulated::vu16;
  emulated::Tiles& s = emulated::tiles;
  const int rows = s.config.rows[C], quads = s.config.colsb[A] / 4, lanes = s.config.colsb[C] / 4;
  vu16 w[16][4];  // B row k, byte i of every column, sign-extended
  for (int k = 0; k < quads; k++) {
    for (int i = 0; i < 4; i++) {
      for (int n = 0; n < 16; n++) w[k][i][n] = uint32_t(int32_t(int8_t(s.t[B][k][4 * n + i])));
    }
  }
  for (int m = 0; m < rows; m++) {
    vu16 c;
    std::memcpy(&c, s.t[C][m], sizeof c);
    for (int k = 0; k < quads; k++) {
      for (int i = 0; i < 4; i++) c += w[k][i] * uint32_t(s.t[A][m][4 * k + i]);
    }
    uint32_t out[16];
    std::memcpy(out, &c, sizeof out);
    std::memset(s.t[C][m], 0, 64);
    std::memcpy(s.t[C][m], out, lanes * 4);
  }
}

}  // namespace RN_NS

#endif  // RN_AMX_HW

}  // namespace rn

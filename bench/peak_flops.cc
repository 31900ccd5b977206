// Peak arithmetic rate of one core for the instructions the engine's kernels are built on: fp32
// FMA on 512 and 256 bits (vfmadd231ps), bf16 dot products (vdpbf16ps, AVX512-BF16) and u8×s8
// dot products (vpdpbusd, AVX512-VNNI). Each loop keeps 12 independent accumulators (enough to
// cover the instruction's latency on two ports) and is timed in the thread's own CPU time, so that
// other work on a shared machine does not count. Instructions the CPU lacks are skipped.
//
//   g++ -O2 -o /tmp/peak_flops bench/peak_flops.cc && /tmp/peak_flops [seconds per loop, 0.5]
//
// Counts: an fp32 FMA is 2 flops per lane; vdpbf16ps does 2 multiply-adds per fp32 lane (4 flops);
// vpdpbusd 4 multiply-adds per int32 lane (8 ops).
#include <immintrin.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>

namespace {

double thread_seconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

constexpr int kChains = 12;
constexpr long kInner = 1 << 16;

// Runs `STEP` (one instruction on accumulator i) kInner × kChains times per loop, one untimed loop
// then loops until `seconds` of CPU time have passed; sets `r` to instructions per second. A macro,
// not a lambda: the loop must be compiled inside the function that carries the target attribute;
// the chains are unrolled so that the accumulators live in registers.
#define TIMED_LOOP(r, seconds, STEP)                                 \
  do {                                                               \
    for (long k = 0; k < kInner; k++)                                \
      _Pragma("GCC unroll 16") for (int i = 0; i < kChains; i++) STEP; \
    long loops_ = 0;                                                 \
    const double t0_ = thread_seconds();                             \
    double t_ = t0_;                                                 \
    while (t_ - t0_ < (seconds)) {                                   \
      for (long k = 0; k < kInner; k++)                              \
        _Pragma("GCC unroll 16") for (int i = 0; i < kChains; i++) STEP; \
      loops_++;                                                      \
      t_ = thread_seconds();                                         \
    }                                                                \
    (r) = double(loops_) * kInner * kChains / (t_ - t0_);            \
  } while (0)

__attribute__((target("avx512f"))) double fma512(double seconds) {
  __m512 acc[kChains];
  for (int i = 0; i < kChains; i++) acc[i] = _mm512_set1_ps(float(i));
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-4f);
  double r = 0;
  TIMED_LOOP(r, seconds, acc[i] = _mm512_fmadd_ps(acc[i], a, b));
  float sum = 0;
  for (int i = 0; i < kChains; i++) sum += _mm512_reduce_add_ps(acc[i]);
  if (sum == 12345.f) std::puts("");  // keep the results alive
  return r * 16 * 2;
}

__attribute__((target("avx2,fma"))) double fma256(double seconds) {
  __m256 acc[kChains];
  for (int i = 0; i < kChains; i++) acc[i] = _mm256_set1_ps(float(i));
  const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(1e-4f);
  double r = 0;
  TIMED_LOOP(r, seconds, acc[i] = _mm256_fmadd_ps(acc[i], a, b));
  alignas(32) float out[8];
  float sum = 0;
  for (int i = 0; i < kChains; i++) {
    _mm256_store_ps(out, acc[i]);
    for (float v : out) sum += v;
  }
  if (sum == 12345.f) std::puts("");
  return r * 8 * 2;
}

__attribute__((target("avx512f,avx512bf16"))) double dpbf16(double seconds) {
  __m512 acc[kChains];
  for (int i = 0; i < kChains; i++) acc[i] = _mm512_set1_ps(float(i));
  const __m512bh a = _mm512_cvtne2ps_pbh(_mm512_set1_ps(0.5f), _mm512_set1_ps(0.25f));
  const __m512bh b = _mm512_cvtne2ps_pbh(_mm512_set1_ps(1e-3f), _mm512_set1_ps(2e-3f));
  double r = 0;
  TIMED_LOOP(r, seconds, acc[i] = _mm512_dpbf16_ps(acc[i], a, b));
  float sum = 0;
  for (int i = 0; i < kChains; i++) sum += _mm512_reduce_add_ps(acc[i]);
  if (sum == 12345.f) std::puts("");
  return r * 16 * 2 * 2;
}

__attribute__((target("avx512f,avx512vnni"))) double dpbusd(double seconds) {
  __m512i acc[kChains];
  for (int i = 0; i < kChains; i++) acc[i] = _mm512_set1_epi32(i);
  const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
  double r = 0;
  TIMED_LOOP(r, seconds, acc[i] = _mm512_dpbusd_epi32(acc[i], a, b));
  long long sum = 0;
  for (int i = 0; i < kChains; i++) sum += _mm512_reduce_add_epi32(acc[i]);
  if (sum == 12345) std::puts("");
  return r * 16 * 4 * 2;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 0.5;
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f");
  std::printf("| instruction | one core, GFLOP/s (int8: GOP/s) |\n| --- | --: |\n");
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    std::printf("| vfmadd231ps ymm (fp32, AVX2) | %.0f |\n", fma256(seconds) / 1e9);
  if (avx512) std::printf("| vfmadd231ps zmm (fp32, AVX-512) | %.0f |\n", fma512(seconds) / 1e9);
  if (avx512 && __builtin_cpu_supports("avx512bf16"))
    std::printf("| vdpbf16ps zmm (bf16 → fp32) | %.0f |\n", dpbf16(seconds) / 1e9);
  if (avx512 && __builtin_cpu_supports("avx512vnni"))
    std::printf("| vpdpbusd zmm (u8×s8 → int32) | %.0f |\n", dpbusd(seconds) / 1e9);
  return 0;
}

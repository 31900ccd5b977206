// The WebAssembly engine: freestanding C++ (no libc) for wasm32 with SIMD128, built by
// scripts/build-wasm.mjs in four variants: plain SIMD or relaxed SIMD (RN_RELAXED: fused
// multiply-add), single-threaded or multi-threaded (__wasm_atomics__: one shared memory, several
// instances, a futex barrier between ops).
//
// Activations are blocked like the native engine's (native/src/engine.h): (C/16, H+2, W+2, 16) per
// image, 16 channels per block, a zero border of one pixel; the network input is plain
// (C, H+2P, W+2P) with P the stem's padding. A compiled plan is an array of ExecOp records in this
// memory (written by src/backends/wasm/engine.ts for one input size): arena offsets of every
// tensor, dims, packed weights. `run` executes it for a batch: whole images per thread while the
// batch has at least one image per thread, then the remaining images split inside each op.
#include <stddef.h>
#include <stdint.h>

typedef float v4 __attribute__((vector_size(16), aligned(4)));

#define EXPORT(name) extern "C" __attribute__((export_name(#name)))

extern "C" unsigned char __heap_base;  // the linker's end of data and stack

namespace {

constexpr int kBlock = 16;  // channels per block
constexpr int kBorder = 1;  // zero border of blocked activations

inline v4 load(const float* p) { return *reinterpret_cast<const v4*>(p); }
inline void store(float* p, v4 v) { *reinterpret_cast<v4*>(p) = v; }
inline v4 splat(float x) { return v4{x, x, x, x}; }
inline v4 vmax(v4 a, v4 b) { return a > b ? a : b; }  // max(x, 0) of the epilogue: NaN → 0 as the reference ReLU
inline v4 vmax_nan(v4 a, v4 b) { return ((a > b) | (a != a)) ? a : b; }  // PyTorch's max: NaN wins

// acc + a·b: one fused instruction with relaxed SIMD, a multiply and an add without.
inline v4 madd(v4 a, v4 b, v4 acc) {
#ifdef RN_RELAXED
  return __builtin_wasm_relaxed_madd_f32x4(a, b, acc);
#else
  return acc + a * b;
#endif
}

template <typename T>
inline T min(T a, T b) { return a < b ? a : b; }
template <typename T>
inline T max(T a, T b) { return a > b ? a : b; }

void fill(float* p, size_t n, float v) {
  for (size_t i = 0; i < n; i++) p[i] = v;
}

// ---- Memory: first-fit blocks over the heap, 64-byte aligned, grown with memory.grow. ----

struct Block {
  uint32_t size;  // bytes of the block, header included
  uint32_t used;
  uint32_t pad[14];
};
static_assert(sizeof(Block) == 64, "block header keeps 64-byte alignment");

uint32_t heap_start = 0, heap_top = 0;

bool ensure_pages(uint64_t end) {
  const uint64_t have = uint64_t(__builtin_wasm_memory_size(0)) * 65536;
  if (end <= have) return true;
  const uint64_t pages = (end - have + 65535) / 65536;
  return __builtin_wasm_memory_grow(0, size_t(pages)) != size_t(-1);
}

}  // namespace

// Returns a 64-byte aligned block of `bytes` (0 when memory cannot grow that far).
EXPORT(alloc) uint32_t alloc(uint32_t bytes) {
  if (heap_start == 0) heap_start = heap_top = (uint32_t(uintptr_t(&__heap_base)) + 63) / 64 * 64;
  const uint64_t need = (uint64_t(bytes) + 63) / 64 * 64 + sizeof(Block);
  for (uint32_t at = heap_start; at < heap_top;) {
    Block* b = reinterpret_cast<Block*>(uintptr_t(at));
    if (!b->used && b->size >= need) {
      if (b->size - need >= 2 * sizeof(Block)) {
        Block* rest = reinterpret_cast<Block*>(uintptr_t(at + need));
        rest->size = b->size - uint32_t(need);
        rest->used = 0;
        b->size = uint32_t(need);
      }
      b->used = 1;
      return at + sizeof(Block);
    }
    at += b->size;
  }
  if (uint64_t(heap_top) + need > 0xFFFF0000ull || !ensure_pages(uint64_t(heap_top) + need)) return 0;
  Block* b = reinterpret_cast<Block*>(uintptr_t(heap_top));
  b->size = uint32_t(need);
  b->used = 1;
  heap_top += uint32_t(need);
  return uint32_t(uintptr_t(b)) + sizeof(Block);
}

// Frees a block from alloc and merges free neighbours (the last free block returns to the top).
EXPORT(release) void release(uint32_t ptr) {
  if (ptr == 0) return;
  reinterpret_cast<Block*>(uintptr_t(ptr - sizeof(Block)))->used = 0;
  uint32_t last_used_end = heap_start;
  for (uint32_t at = heap_start; at < heap_top;) {
    Block* b = reinterpret_cast<Block*>(uintptr_t(at));
    if (!b->used) {
      while (at + b->size < heap_top) {
        Block* next = reinterpret_cast<Block*>(uintptr_t(at + b->size));
        if (next->used) break;
        b->size += next->size;
      }
    } else {
      last_used_end = at + b->size;
    }
    at += b->size;
  }
  heap_top = last_used_end;
}

// ---- Weights: batch norm folded and packed once. ----

// w (OC, C, KH, KW) with bias (OC) or 0 and batch norm (4 × OC) or 0 → packed
// [OC/16][C/16][KH][KW][16][16] (plain input: [OC/16][1][KH][KW][C][16]) and bias (OC padded to 16):
// scale = γ / √(var + ε), w' = w · scale, b' = (b − mean) · scale + β (in double, as the native engine).
EXPORT(pack_conv)
void pack_conv(const float* w, const float* bias, const float* bn_w, const float* bn_b, const float* bn_mean,
               const float* bn_var, double eps, int oc, int c, int kh, int kw, int plain_in, float* dst_w,
               float* dst_b) {
  const int ocp = (oc + kBlock - 1) / kBlock * kBlock;
  const int icb = plain_in ? c : kBlock;
  const int in_cb = plain_in ? 1 : (c + kBlock - 1) / kBlock;
  fill(dst_w, size_t(ocp) * in_cb * icb * kh * kw, 0.0f);
  fill(dst_b, size_t(ocp), 0.0f);
  for (int o = 0; o < oc; o++) {
    const double b = bias != nullptr ? bias[o] : 0.0;
    double scale = 1.0, shift = b;
    if (bn_w != nullptr) {
      scale = double(bn_w[o]) / __builtin_sqrt(double(bn_var[o]) + eps);
      shift = (b - bn_mean[o]) * scale + bn_b[o];
    }
    dst_b[o] = float(shift);
    for (int ci = 0; ci < c; ci++) {
      const int cb = ci / icb, ic = ci % icb;
      for (int y = 0; y < kh; y++) {
        for (int x = 0; x < kw; x++) {
          const size_t to = ((((size_t(o / kBlock) * in_cb + cb) * kh + y) * kw + x) * icb + ic) * kBlock + o % kBlock;
          dst_w[to] = float(w[((size_t(o) * c + ci) * kh + y) * kw + x] * scale);
        }
      }
    }
  }
}

// Winograd weights U = G g Gᵀ of a packed 3×3 conv (batch norm folded): packed [OC/16][C/16][3][3][16][16]
// → u [(m+2)²][OC/16][C][16], in double (as the native engine builds them).
EXPORT(winograd_weights) void winograd_weights(const float* packed, int ocp, int cp, int m, float* u) {
  static const double G4[6][3] = {{1.0 / 4, 0, 0},           {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                  {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1}};
  static const double G2[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  const int a = m + 2, ocb = ocp / kBlock, in_cb = cp / kBlock;
  auto G = [&](int i, int x) { return m == 4 ? G4[i][x] : G2[i][x]; };
  for (int o = 0; o < ocp; o++) {
    for (int ci = 0; ci < cp; ci++) {
      double g[9];
      for (int t = 0; t < 9; t++) {
        g[t] = packed[((size_t(o / kBlock) * in_cb + ci / kBlock) * 9 + t) * kBlock * kBlock + (ci % kBlock) * kBlock +
                      o % kBlock];
      }
      double gg[6][3];
      for (int i = 0; i < a; i++)
        for (int x = 0; x < 3; x++) gg[i][x] = G(i, 0) * g[x] + G(i, 1) * g[3 + x] + G(i, 2) * g[6 + x];
      for (int i = 0; i < a; i++) {
        for (int j = 0; j < a; j++) {
          const double v = gg[i][0] * G(j, 0) + gg[i][1] * G(j, 1) + gg[i][2] * G(j, 2);
          u[((size_t(i * a + j) * ocb + o / kBlock) * cp + ci) * kBlock + o % kBlock] = float(v);
        }
      }
    }
  }
}

// ---- Compiled plans: op records (src/backends/wasm/engine.ts EXEC_FIELDS, same order). ----

namespace {

enum Kind : int32_t {
  kInputPlain = 1,   // raw NCHW image → (C, H+2B, W+2B), B = border
  kInputBlocked = 2, // raw NCHW image → blocked
  kInputFlat = 3,    // raw features → flat
  kConv = 4,
  kMaxPool = 5,
  kGlobalAvg = 6,
  kGlobalMax = 7,
  kLinear = 8,
  kZeroPad = 9,
  kToPlain = 10,
};

// One op for one image: arena byte offsets (−1: none), dims, parameters.
struct ExecOp {
  int32_t kind, in, out, residual, relu;
  int32_t c, h, w, border;  // input: channels (padded when blocked), size, border (plain input)
  int32_t oc, oh, ow;       // output: channels (padded when blocked), size
  int32_t kh, kw, sh, sw, ph, pw;
  uint32_t weight, bias;
  int32_t channels;  // logical channels: of the input op, of toplain and global pools
  int32_t plain_in;  // conv: reads a plain input
  int32_t wino;      // conv: Winograd output tile (2 or 4), 0 for the direct kernel
  uint32_t u;        // conv: Winograd weights [(wino+2)²][OC/16][C][16]
};
constexpr int kExecFields = 24;
static_assert(sizeof(ExecOp) == kExecFields * 4, "ExecOp is EXEC_FIELDS int32 values");

struct OutputRecord {
  int32_t arena;  // byte offset of the tensor in the arena
  int32_t floats; // floats per image
  uint32_t dest;  // destination of image 0; image i at dest + i · floats
};

constexpr int kMaxThreads = 64;

struct RunArgs {
  uint32_t ops;
  int32_t nops;
  uint32_t outputs;
  int32_t noutputs;
  uint32_t input;         // raw input batch
  int32_t image_floats;   // floats per input image
  int32_t images;
  int32_t threads;
  int32_t by_image;       // images [0, by_image) run one per thread, the rest split inside ops
  int32_t next;           // next image of the by-image phase
  int32_t barrier_count, barrier_gen;
  uint32_t arena[kMaxThreads];
  uint32_t scratch[kMaxThreads];  // Winograd scratch of each thread
};

struct Pool {
  int32_t gen;
  int32_t quit;
  uint32_t job;  // RunArgs*
  int32_t pad;
};

int32_t atomic_add(int32_t* p, int32_t v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }
int32_t atomic_get(int32_t* p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
void atomic_set(int32_t* p, int32_t v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }

void wake_all(int32_t* p) {
#ifdef __wasm_atomics__
  __builtin_wasm_memory_atomic_notify(p, 0xFFFFFFFFu);
#else
  (void)p;
#endif
}

// Waits while *p == value: spins a little (the other thread is usually close), then sleeps in slices
// of `slice_ns` (−1: unbounded). A worker blocked inside memory.atomic.wait cannot be terminated;
// one that wakes each slice reaches a loop header, where the engine terminates it.
void wait_while(int32_t* p, int32_t value, int64_t slice_ns = -1) {
  for (int i = 0; i < 4000; i++) {
    if (atomic_get(p) != value) return;
  }
#ifdef __wasm_atomics__
  while (atomic_get(p) == value) __builtin_wasm_memory_atomic_wait32(p, value, slice_ns);
#else
  (void)slice_ns;
#endif
}

void barrier(RunArgs* a, int threads) {
  if (threads == 1) return;
  const int32_t gen = atomic_get(&a->barrier_gen);
  if (atomic_add(&a->barrier_count, 1) == threads - 1) {
    atomic_set(&a->barrier_count, 0);
    atomic_set(&a->barrier_gen, gen + 1);
    wake_all(&a->barrier_gen);
  } else {
    wait_while(&a->barrier_gen, gen);
  }
}

// [begin, end) of `count` tasks for thread `tid` of `threads`.
struct Range {
  int begin, end;
};
Range share(int count, int tid, int threads) {
  return {int(int64_t(count) * tid / threads), int(int64_t(count) * (tid + 1) / threads)};
}

// A blocked tensor of one image: (C/16, H+2, W+2, 16).
struct Blocked {
  float* data;
  int c, h, w;
  int wp() const { return w + 2 * kBorder; }
  size_t block_stride() const { return size_t(h + 2 * kBorder) * wp() * kBlock; }
  float* at(int block, int y, int x) const {
    return data + block * block_stride() + (size_t(y + kBorder) * wp() + (x + kBorder)) * kBlock;
  }
};

// ---- Convolution: register tiles of PX output pixels × NV vectors (4 output channels each). ----

struct Conv {
  const float* in;
  size_t in_block_stride, in_row_stride;
  int in_pix, in_ch;        // elements between adjacent input pixels / channels of a block
  int origin_h, origin_w;   // border of the input buffer minus the padding
  int in_cb, in_icb;        // input channel blocks, channels per block
  const float* weight;
  const float* bias;
  int kh, kw, sh, sw;
  Blocked out;
  const float* residual;    // same layout as out, or null
  bool relu;
  size_t w_ob_stride;       // floats between output-channel blocks of the packed weights
};

// Tile of the register blocking: RN_PX pixels × RN_NV vectors of 4 output channels. V8 (x64) gives a
// function 15 vector registers and issues every splat and weight load of a step before its
// multiply-adds, so a tile needs PX·NV + PX + NV ≤ 15: 2 × 4 (14) measured fastest (1×1 convs
// ~1.5× faster than 6 × 2, which spills; 4 × 2 in between; bench/results/wasm_node.md). The tile
// kernels are not inlined: inside the one big function of all ops, V8's register allocator
// spilled accumulators even of tiles that fit.
#ifndef RN_PX
#define RN_PX 2
#endif
#ifndef RN_NV
#define RN_NV 4
#endif
constexpr int kPx = RN_PX, kNv = RN_NV, kGroup = 4 * kNv;
static_assert(kBlock % kGroup == 0, "a tile's output channels lie in one block");

// PX output pixels (from flat index q0 of the output) × NV vectors of output channels from oc0.
// The reduction runs over (input block, ky, kx, channel of the block) in the packed weights' order:
// one loop step loads NV weight vectors and PX input splats. The loop is not unrolled: in straight
// code V8 issues all the loads of the unrolled steps before their multiply-adds, one register each,
// and spills. (Tiles of any PX consecutive pixels, which may span rows: strides other than 1 and 2.)
template <int PX, int NV, int ICB>
__attribute__((noinline)) void conv_tile(const Conv& a, int oc0, int q0) {
  const int ob = oc0 / kBlock, lane = oc0 % kBlock;
  v4 acc[PX][NV];
  for (int v = 0; v < NV; v++) {
    const v4 b = load(a.bias + oc0 + 4 * v);
    for (int p = 0; p < PX; p++) acc[p][v] = b;
  }
  constexpr bool kBlockedIn = ICB == kBlock;
  const int icb = ICB > 0 ? ICB : a.in_icb;
  const int in_pix = kBlockedIn ? kBlock : a.in_pix, in_ch = kBlockedIn ? 1 : a.in_ch;
  const float* xp[PX];
  int oy[PX], ox[PX];
  for (int p = 0; p < PX; p++) {
    oy[p] = (q0 + p) / a.out.w;
    ox[p] = (q0 + p) % a.out.w;
    xp[p] = a.in + size_t(oy[p] * a.sh + a.origin_h) * a.in_row_stride + size_t(ox[p] * a.sw + a.origin_w) * in_pix;
  }
  const float* wp = a.weight + ob * a.w_ob_stride + lane;
  for (int cb = 0; cb < a.in_cb; cb++) {
    for (int ky = 0; ky < a.kh; ky++) {
      for (int kx = 0; kx < a.kw; kx++) {
        const size_t off = cb * a.in_block_stride + ky * a.in_row_stride + kx * in_pix;
#pragma clang loop unroll(disable)
        for (int ic = 0; ic < icb; ic++) {
          v4 w[NV];
          for (int v = 0; v < NV; v++) w[v] = load(wp + 4 * v);
          wp += kBlock;
          const size_t at = off + size_t(ic) * in_ch;
          for (int p = 0; p < PX; p++) {
            const v4 xv = splat(xp[p][at]);
            for (int v = 0; v < NV; v++) acc[p][v] = madd(w[v], xv, acc[p][v]);
          }
        }
      }
    }
  }
  const v4 zero = splat(0.0f);
  for (int p = 0; p < PX; p++) {
    float* out = a.out.at(ob, oy[p], ox[p]) + lane;
    const float* res = a.residual == nullptr ? nullptr : a.residual + (out - a.out.data);
    for (int v = 0; v < NV; v++) {
      v4 r = acc[p][v];
      if (res != nullptr) r += load(res + 4 * v);
      if (a.relu) r = vmax(r, zero);
      store(out + 4 * v, r);
    }
  }
}

// The same for PX pixels of one row, PS floats apart in the input and 16 apart in the output: the
// splats have constant offsets from one input pointer, which steps one channel (one kx on plain
// input) at a time.
template <int PX, int NV, int ICB, int PS>
__attribute__((noinline)) void conv_tile_c(const Conv& a, int oc0, const float* x0, float* out) {
  const int ob = oc0 / kBlock;
  v4 acc[PX][NV];
  for (int v = 0; v < NV; v++) {
    const v4 b = load(a.bias + oc0 + 4 * v);
    for (int p = 0; p < PX; p++) acc[p][v] = b;
  }
  constexpr bool kBlockedIn = ICB == kBlock;
  const float* w0 = a.weight + ob * a.w_ob_stride + oc0 % kBlock;
  // n steps of one input channel each, the input pointer 1 float on, the weights wstep.
  auto steps = [&](const float* x, const float* wp, int n, int wstep) {
#pragma clang loop unroll(disable)
    for (int j = 0; j < n; j++) {
      v4 w[NV];
      for (int v = 0; v < NV; v++) w[v] = load(wp + 4 * v);
      for (int p = 0; p < PX; p++) {
        const v4 xv = splat(x[p * PS]);
        for (int v = 0; v < NV; v++) acc[p][v] = madd(w[v], xv, acc[p][v]);
      }
      x++;
      wp += wstep;
    }
  };
  const int kw = a.kw;
  if constexpr (kBlockedIn) {
    // (kx, channel) of a block and kernel row are contiguous in both the input and the weights.
    for (int cb = 0; cb < a.in_cb; cb++)
      for (int ky = 0; ky < a.kh; ky++)
        steps(x0 + cb * a.in_block_stride + ky * a.in_row_stride, w0 + (cb * a.kh + ky) * kw * kBlock * kBlock,
              kw * kBlock, kBlock);
  } else {
    // Plain input (the stem): kx runs along the input row, the weights [ky][kx][channel][16].
    const int icb = ICB > 0 ? ICB : a.in_icb;
    for (int ky = 0; ky < a.kh; ky++)
      for (int ic = 0; ic < icb; ic++)
        steps(x0 + ky * a.in_row_stride + ic * a.in_ch, w0 + (ky * kw * icb + ic) * kBlock, kw, icb * kBlock);
  }
  const v4 zero = splat(0.0f);
  const float* res = a.residual == nullptr ? nullptr : a.residual + (out - a.out.data);
  for (int p = 0; p < PX; p++) {
    for (int v = 0; v < NV; v++) {
      v4 r = acc[p][v];
      if (res != nullptr) r += load(res + p * kBlock + 4 * v);
      if (a.relu) r = vmax(r, zero);
      store(out + p * kBlock + 4 * v, r);
    }
  }
}

// The last px < kPx pixels of a strip.
template <int PX, int ICB, int PS>
void conv_strip_rest(const Conv& a, int oc0, const float* x0, float* out, int px) {
  if constexpr (PX > 1) {
    if (px < PX) return conv_strip_rest<PX - 1, ICB, PS>(a, oc0, x0, out, px);
  }
  conv_tile_c<PX, kNv, ICB, PS>(a, oc0, x0, out);
}

// Pixels [0, n) PS floats apart from x0 (input) and 16 apart from out, in tiles of kPx.
template <int ICB, int PS>
void conv_strip(const Conv& a, int oc0, const float* x0, float* out, int n) {
  int q = 0;
  for (; q + kPx <= n; q += kPx) conv_tile_c<kPx, kNv, ICB, PS>(a, oc0, x0 + q * PS, out + q * kBlock);
  if (q < n) conv_strip_rest<kPx - 1, ICB, PS>(a, oc0, x0 + q * PS, out + q * kBlock, n - q);
}

template <int PX, int ICB>
void conv_tile_px(const Conv& a, int oc0, int q0, int px) {
  if constexpr (PX > 1) {
    if (px < PX) return conv_tile_px<PX - 1, ICB>(a, oc0, q0, px);
  }
  conv_tile<PX, kNv, ICB>(a, oc0, q0);
}

// Zeroes the border pixels of output row oh for lanes [oc0, oc0 + kGroup) (and the top and bottom
// border rows at the edges), so the tensor can feed a padded op whatever its arena slot held before.
void zero_border_row(const Blocked& out, int oc0, int oh) {
  const int ob = oc0 / kBlock, lane = oc0 % kBlock;
  const v4 zero = splat(0.0f);
  auto clear = [&](int y, int x) {
    for (int v = 0; v < kNv; v++) store(out.at(ob, y, x) + lane + 4 * v, zero);
  };
  clear(oh, -1);
  clear(oh, out.w);
  if (oh == 0)
    for (int x = -1; x <= out.w; x++) clear(-1, x);
  if (oh == out.h - 1)
    for (int x = -1; x <= out.w; x++) clear(out.h, x);
}

// Output rows [y0, y1) of lanes [oc0, oc0 + kGroup): tiles over their pixels in row-major order.
// Tiles of constant pixel steps along each row for horizontal stride 1 or 2 (running a 1×1 conv over
// the padded strip of the band instead, border columns included, measured no faster with 2-pixel
// tiles), else tiles of any PX consecutive pixels.
template <int ICB>
void conv_rows(const Conv& a, int oc0, int y0, int y1) {
  const int ob = oc0 / kBlock, lane = oc0 % kBlock;
  constexpr int kPix = ICB == kBlock ? kBlock : 1;
  auto in_at = [&](int oy, int ox) {
    return a.in + size_t(oy * a.sh + a.origin_h) * a.in_row_stride + size_t(ox * a.sw + a.origin_w) * kPix;
  };
  if (a.sw == 1 || a.sw == 2) {
    for (int y = y0; y < y1; y++) {
      float* out = a.out.at(ob, y, 0) + lane;
      if (a.sw == 1) conv_strip<ICB, kPix>(a, oc0, in_at(y, 0), out, a.out.w);
      else conv_strip<ICB, 2 * kPix>(a, oc0, in_at(y, 0), out, a.out.w);
    }
  } else {
    const int q1 = y1 * a.out.w;
    for (int q = y0 * a.out.w; q < q1; q += kPx) conv_tile_px<kPx, ICB>(a, oc0, q, min(kPx, q1 - q));
  }
  for (int y = y0; y < y1; y++) zero_border_row(a.out, oc0, y);
}

void conv_op(const ExecOp& op, char* arena, int tid, int threads) {
  Conv a;
  a.in = reinterpret_cast<const float*>(arena + op.in);
  if (op.plain_in) {
    const int hp = op.h + 2 * op.border, wp = op.w + 2 * op.border;
    a.in_pix = 1;
    a.in_ch = hp * wp;
    a.in_row_stride = size_t(wp);
    a.in_block_stride = 0;
    a.origin_h = op.border - op.ph;
    a.origin_w = op.border - op.pw;
    a.in_cb = 1;
    a.in_icb = op.c;
  } else {
    const Blocked in{const_cast<float*>(a.in), op.c, op.h, op.w};
    a.in_pix = kBlock;
    a.in_ch = 1;
    a.in_row_stride = size_t(in.wp()) * kBlock;
    a.in_block_stride = in.block_stride();
    a.origin_h = kBorder - op.ph;
    a.origin_w = kBorder - op.pw;
    a.in_cb = op.c / kBlock;
    a.in_icb = kBlock;
  }
  a.weight = reinterpret_cast<const float*>(uintptr_t(op.weight));
  a.bias = reinterpret_cast<const float*>(uintptr_t(op.bias));
  a.kh = op.kh;
  a.kw = op.kw;
  a.sh = op.sh;
  a.sw = op.sw;
  a.out = Blocked{reinterpret_cast<float*>(arena + op.out), op.oc, op.oh, op.ow};
  a.residual = op.residual >= 0 ? reinterpret_cast<const float*>(arena + op.residual) : nullptr;
  a.relu = op.relu != 0;
  a.w_ob_stride = size_t(a.in_cb) * a.kh * a.kw * a.in_icb * kBlock;
  // Tasks: (group of kGroup output channels, band of output rows), bands fastest so a thread reuses
  // weights; a band holds at least 4 tiles of pixels (one row from 24 pixels wide, all 7 rows at 7×7).
  const int band = min(op.oh, (4 * kPx + op.ow - 1) / op.ow), bands = (op.oh + band - 1) / band;
  const int groups = op.oc / kGroup;
  const Range r = share(groups * bands, tid, threads);
  for (int t = r.begin; t < r.end; t++) {
    const int oc0 = t / bands * kGroup, y0 = t % bands * band, y1 = min(op.oh, y0 + band);
    // ICB = kBlock means the blocked layout; a plain input of 16 channels takes the general path.
    if (!op.plain_in && a.in_icb == kBlock) conv_rows<kBlock>(a, oc0, y0, y1);
    else if (op.plain_in && a.in_icb == 3) conv_rows<3>(a, oc0, y0, y1);
    else conv_rows<0>(a, oc0, y0, y1);
  }
}

// ---- Winograd F(m×m, 3×3), m = 2 or 4 (Lavin & Gray, 2016): V = Bᵀ d B, M = Σ_c U ⊙ V, Y = Aᵀ M A. ----
// The transforms of the native engine (native/src/kernels_impl.h) on 4-lane vectors.

constexpr int kMaxTiles = 32;  // tiles of one task (scratch: (m+2)² · tiles · (C + 16) floats)

template <int M>
struct Wino;
template <>
struct Wino<2> {
  static void bt(const v4* x, v4* y) {
    y[0] = x[0] - x[2];
    y[1] = x[1] + x[2];
    y[2] = x[2] - x[1];
    y[3] = x[1] - x[3];
  }
  static void at(const v4* x, v4* y) {
    y[0] = x[0] + x[1] + x[2];
    y[1] = x[1] - x[2] - x[3];
  }
};
template <>
struct Wino<4> {
  static void bt(const v4* x, v4* y) {
    const v4 c2 = splat(2.0f), c4 = splat(4.0f), c5 = splat(5.0f);
    y[0] = c4 * x[0] - c5 * x[2] + x[4];
    y[1] = -c4 * x[1] - c4 * x[2] + x[3] + x[4];
    y[2] = c4 * x[1] - c4 * x[2] - x[3] + x[4];
    y[3] = -c2 * x[1] - x[2] + c2 * x[3] + x[4];
    y[4] = c2 * x[1] - x[2] - c2 * x[3] + x[4];
    y[5] = c4 * x[1] - c5 * x[3] + x[5];
  }
  static void at(const v4* x, v4* y) {
    const v4 a = x[1] + x[2], b = x[1] - x[2], c = x[3] + x[4], d = x[3] - x[4];
    y[0] = x[0] + a + c;
    y[1] = b + splat(2.0f) * d;
    y[2] = a + splat(4.0f) * c;
    y[3] = b + splat(8.0f) * d + x[5];
  }
};

// m[t][kGroup] (+ t0 · kGroup) = Σ_ic U[ic][lanes] · V[t][ic] for PX tiles: one transform point.
template <int PX>
__attribute__((noinline)) void wino_tile(const float* ux, const float* vx, int c, int t0, float* m) {
  v4 acc[PX][kNv];
  for (int p = 0; p < PX; p++)
    for (int v = 0; v < kNv; v++) acc[p][v] = splat(0.0f);
#pragma clang loop unroll(disable)
  for (int ic = 0; ic < c; ic++) {
    v4 w[kNv];
    for (int v = 0; v < kNv; v++) w[v] = load(ux + ic * kBlock + 4 * v);
    for (int p = 0; p < PX; p++) {
      const v4 x = splat(vx[size_t(t0 + p) * c + ic]);
      for (int v = 0; v < kNv; v++) acc[p][v] = madd(w[v], x, acc[p][v]);
    }
  }
  for (int p = 0; p < PX; p++)
    for (int v = 0; v < kNv; v++) store(m + size_t(t0 + p) * kGroup + 4 * v, acc[p][v]);
}

template <int PX>
void wino_tile_px(const float* ux, const float* vx, int c, int t0, float* m, int px) {
  if constexpr (PX > 1) {
    if (px < PX) return wino_tile_px<PX - 1>(ux, vx, c, t0, m, px);
  }
  wino_tile<PX>(ux, vx, c, t0, m);
}

// Tiles [tile0, tile0 + count) of a 3×3, stride 1, padding 1 conv from blocked input to blocked output.
template <int M>
void winograd_tiles(const ExecOp& op, char* arena, float* scratch, int tile0, int count) {
  constexpr int A = M + 2, P = A * A;
  const Blocked in{reinterpret_cast<float*>(arena + op.in), op.c, op.h, op.w};
  const Blocked out{reinterpret_cast<float*>(arena + op.out), op.oc, op.oh, op.ow};
  const float* u = reinterpret_cast<const float*>(uintptr_t(op.u));
  const float* bias = reinterpret_cast<const float*>(uintptr_t(op.bias));
  const float* residual = op.residual >= 0 ? reinterpret_cast<const float*>(arena + op.residual) : nullptr;
  const int c = op.c, ocb_total = op.oc / kBlock, tiles_w = (op.ow + M - 1) / M;
  float* v = scratch;                       // [P][count][c]
  float* m = scratch + size_t(P) * count * c;  // [P][count][kGroup]
  const v4 zero = splat(0.0f);
  for (int t = 0; t < count; t++) {
    const int ty = (tile0 + t) / tiles_w, tx = (tile0 + t) % tiles_w;
    for (int cb = 0; cb < c / kBlock; cb++) {
      for (int s = 0; s < 4; s++) {
        v4 d[A][A], r[A][A];
        for (int i = 0; i < A; i++) {
          const int y = ty * M - 1 + i;
          for (int j = 0; j < A; j++) {
            const int x = tx * M - 1 + j;
            d[j][i] = y <= op.h && x <= op.w ? load(in.at(cb, y, x) + 4 * s) : zero;
          }
        }
        for (int j = 0; j < A; j++) Wino<M>::bt(d[j], r[j]);  // r[j][i] = (Bᵀ d)[i][j]
        for (int i = 0; i < A; i++) {
          v4 col[A], o[A];
          for (int j = 0; j < A; j++) col[j] = r[j][i];
          Wino<M>::bt(col, o);
          for (int j = 0; j < A; j++) store(v + (size_t(i * A + j) * count + t) * c + cb * kBlock + 4 * s, o[j]);
        }
      }
    }
  }
  for (int oc0 = 0; oc0 < op.oc; oc0 += kGroup) {
    const int ob = oc0 / kBlock, lane = oc0 % kBlock;
    for (int xi = 0; xi < P; xi++) {
      const float* ux = u + (size_t(xi) * ocb_total + ob) * c * kBlock + lane;
      const float* vx = v + size_t(xi) * count * c;
      for (int t0 = 0; t0 < count; t0 += kPx) wino_tile_px<kPx>(ux, vx, c, t0, m + size_t(xi) * count * kGroup, min(kPx, count - t0));
    }
    for (int t = 0; t < count; t++) {
      const int ty = (tile0 + t) / tiles_w, tx = (tile0 + t) % tiles_w;
      for (int vv = 0; vv < kNv; vv++) {
        const v4 b = load(bias + oc0 + 4 * vv);
        v4 r[A][M];
        for (int i = 0; i < A; i++) {
          v4 row[A];
          for (int j = 0; j < A; j++) row[j] = load(m + (size_t(i * A + j) * count + t) * kGroup + 4 * vv);
          Wino<M>::at(row, r[i]);  // r[i][jj] = (M A)[i][jj]
        }
        for (int jj = 0; jj < M; jj++) {
          v4 col[A], y[M];
          for (int i = 0; i < A; i++) col[i] = r[i][jj];
          Wino<M>::at(col, y);
          for (int ii = 0; ii < M; ii++) {
            const int oy = ty * M + ii, ox = tx * M + jj;
            if (oy >= op.oh || ox >= op.ow) continue;
            float* o = out.at(ob, oy, ox) + lane + 4 * vv;
            v4 val = y[ii] + b;
            if (residual != nullptr) val += load(residual + (o - out.data));
            if (op.relu) val = vmax(val, zero);
            store(o, val);
          }
        }
      }
    }
  }
}

void zero_border(const Blocked& t, int block);

void winograd_op(const ExecOp& op, char* arena, float* scratch, int tid, int threads) {
  const int M = op.wino;
  const int tiles = ((op.oh + M - 1) / M) * ((op.ow + M - 1) / M);
  // Chunks of at most kMaxTiles tiles, as many as a multiple of the threads and as equal as can be.
  int chunks = (tiles + kMaxTiles - 1) / kMaxTiles;
  chunks = min(tiles, (chunks + threads - 1) / threads * threads);
  const int per = (tiles + chunks - 1) / chunks;
  chunks = (tiles + per - 1) / per;
  const Range r = share(chunks, tid, threads);
  for (int k = r.begin; k < r.end; k++) {
    const int t0 = k * per, count = min(per, tiles - t0);
    if (M == 4) winograd_tiles<4>(op, arena, scratch, t0, count);
    else winograd_tiles<2>(op, arena, scratch, t0, count);
  }
  const Blocked out{reinterpret_cast<float*>(arena + op.out), op.oc, op.oh, op.ow};
  const Range rb = share(op.oc / kBlock, tid, threads);
  for (int b = rb.begin; b < rb.end; b++) zero_border(out, b);
}

// ---- The other ops (one image). ----

void zero_border(const Blocked& t, int block) {
  const v4 zero = splat(0.0f);
  for (int y = -1; y <= t.h; y++) {
    const bool edge = y < 0 || y == t.h;
    for (int x = -1; x <= t.w; x += edge || x == t.w ? 1 : t.w + 1) {
      float* p = t.at(block, y, x);
      for (int v = 0; v < 4; v++) store(p + 4 * v, zero);
    }
  }
}

// PyTorch's max_pool2d (floor mode): padding counts as −∞, NaN wins.
void max_pool_op(const ExecOp& op, char* arena, int tid, int threads) {
  const Blocked in{reinterpret_cast<float*>(arena + op.in), op.c, op.h, op.w};
  const Blocked out{reinterpret_cast<float*>(arena + op.out), op.c, op.oh, op.ow};
  const int blocks = op.c / kBlock;
  const Range r = share(blocks * op.oh, tid, threads);
  for (int t = r.begin; t < r.end; t++) {
    const int b = t / op.oh, oh = t % op.oh;
    const int y0 = oh * op.sh - op.ph;
    for (int ow = 0; ow < op.ow; ow++) {
      const int x0 = ow * op.sw - op.pw;
      for (int v = 0; v < 4; v++) {
        v4 m = splat(-__builtin_inff());
        for (int y = max(y0, 0); y < min(y0 + op.kh, op.h); y++)
          for (int x = max(x0, 0); x < min(x0 + op.kw, op.w); x++) m = vmax_nan(load(in.at(b, y, x) + 4 * v), m);
        store(out.at(b, oh, ow) + 4 * v, m);
      }
    }
  }
  for (int b = share(blocks, tid, threads).begin; b < share(blocks, tid, threads).end; b++) zero_border(out, b);
}

// Blocked (C/16, H+2, W+2, 16) → flat (channels): the mean or max of each plane.
void global_pool_op(const ExecOp& op, char* arena, int tid, int threads) {
  const Blocked in{reinterpret_cast<float*>(arena + op.in), op.c, op.h, op.w};
  float* out = reinterpret_cast<float*>(arena + op.out);
  const bool is_max = op.kind == kGlobalMax;
  const Range r = share(op.c / kBlock, tid, threads);
  for (int b = r.begin; b < r.end; b++) {
    for (int v = 0; v < 4; v++) {
      v4 acc = splat(is_max ? -__builtin_inff() : 0.0f);
      for (int y = 0; y < op.h; y++) {
        const float* row = in.at(b, y, 0) + 4 * v;
        for (int x = 0; x < op.w; x++) acc = is_max ? vmax_nan(load(row + x * kBlock), acc) : acc + load(row + x * kBlock);
      }
      if (!is_max) acc = acc / splat(float(op.h * op.w));
      for (int l = 0; l < 4; l++) {
        const int ch = b * kBlock + 4 * v + l;
        if (ch < op.channels) out[ch] = acc[l];
      }
    }
  }
}

// flat (c) · weight (oc, c)ᵀ + bias → flat (oc).
void linear_op(const ExecOp& op, char* arena, int tid, int threads) {
  const float* in = reinterpret_cast<const float*>(arena + op.in);
  float* out = reinterpret_cast<float*>(arena + op.out);
  const float* weight = reinterpret_cast<const float*>(uintptr_t(op.weight));
  const float* bias = reinterpret_cast<const float*>(uintptr_t(op.bias));
  const Range r = share(op.oc, tid, threads);
  for (int o = r.begin; o < r.end; o++) {
    const float* w = weight + size_t(o) * op.c;
    v4 acc0 = splat(0.0f), acc1 = splat(0.0f);
    int i = 0;
    for (; i + 8 <= op.c; i += 8) {
      acc0 = madd(load(w + i), load(in + i), acc0);
      acc1 = madd(load(w + i + 4), load(in + i + 4), acc1);
    }
    const v4 acc = acc0 + acc1;
    float sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (; i < op.c; i++) sum += w[i] * in[i];
    out[o] = sum + (bias != nullptr ? bias[o] : 0.0f);
  }
}

// Blocked in (C) → blocked out (OC ≥ C): every stride-th pixel, channels past C zero.
void zero_pad_op(const ExecOp& op, char* arena, int tid, int threads) {
  const Blocked in{reinterpret_cast<float*>(arena + op.in), op.c, op.h, op.w};
  const Blocked out{reinterpret_cast<float*>(arena + op.out), op.oc, op.oh, op.ow};
  const Range r = share(op.oc / kBlock, tid, threads);
  for (int b = r.begin; b < r.end; b++) {
    for (int y = 0; y < op.oh; y++) {
      for (int x = 0; x < op.ow; x++) {
        float* o = out.at(b, y, x);
        for (int v = 0; v < 4; v++) store(o + 4 * v, b < op.c / kBlock ? load(in.at(b, y * op.sh, x * op.sw) + 4 * v) : splat(0.0f));
      }
    }
    zero_border(out, b);
  }
}

// Blocked (C/16, H+2, W+2, 16) → plain (channels, H, W).
void to_plain_op(const ExecOp& op, char* arena, int tid, int threads) {
  const Blocked in{reinterpret_cast<float*>(arena + op.in), op.c, op.h, op.w};
  float* out = reinterpret_cast<float*>(arena + op.out);
  const Range r = share(op.channels, tid, threads);
  for (int ch = r.begin; ch < r.end; ch++)
    for (int y = 0; y < op.h; y++)
      for (int x = 0; x < op.w; x++) out[(size_t(ch) * op.h + y) * op.w + x] = in.at(ch / kBlock, y, x)[ch % kBlock];
}

// Raw image (channels, H, W) → plain with border, blocked, or flat.
void input_op(const ExecOp& op, char* arena, const float* image, int tid, int threads) {
  float* dst = reinterpret_cast<float*>(arena + op.out);
  const int h = op.oh, w = op.ow;
  const Range r = share(op.kind == kInputBlocked ? op.oc / kBlock : op.channels, tid, threads);
  if (op.kind == kInputFlat) {
    for (int i = r.begin; i < r.end; i++) dst[i] = image[i];
    return;
  }
  if (op.kind == kInputPlain) {
    const int hp = h + 2 * op.border, wp = w + 2 * op.border;
    for (int ch = r.begin; ch < r.end; ch++) {
      float* plane = dst + size_t(ch) * hp * wp;
      fill(plane, size_t(hp) * wp, 0.0f);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) plane[size_t(y + op.border) * wp + x + op.border] = image[(size_t(ch) * h + y) * w + x];
    }
    return;
  }
  const Blocked out{dst, op.oc, h, w};
  for (int b = r.begin; b < r.end; b++) {
    fill(out.data + b * out.block_stride(), out.block_stride(), 0.0f);
    for (int l = 0; l < kBlock; l++) {
      const int ch = b * kBlock + l;
      if (ch >= op.channels) break;
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) out.at(b, y, x)[l] = image[(size_t(ch) * h + y) * w + x];
    }
  }
}

// Runs every op of the plan on one image (arena), the work of each op split over `threads`.
void execute(RunArgs* a, char* arena, float* scratch, int img, int tid, int threads) {
  const ExecOp* ops = reinterpret_cast<const ExecOp*>(uintptr_t(a->ops));
  const float* image = reinterpret_cast<const float*>(uintptr_t(a->input)) + size_t(img) * a->image_floats;
  for (int i = 0; i < a->nops; i++) {
    const ExecOp& op = ops[i];
    switch (op.kind) {
      case kInputPlain:
      case kInputBlocked:
      case kInputFlat: input_op(op, arena, image, tid, threads); break;
      case kConv:
        if (op.wino != 0) winograd_op(op, arena, scratch, tid, threads);
        else conv_op(op, arena, tid, threads);
        break;
      case kMaxPool: max_pool_op(op, arena, tid, threads); break;
      case kGlobalAvg:
      case kGlobalMax: global_pool_op(op, arena, tid, threads); break;
      case kLinear: linear_op(op, arena, tid, threads); break;
      case kZeroPad: zero_pad_op(op, arena, tid, threads); break;
      case kToPlain: to_plain_op(op, arena, tid, threads); break;
      default: __builtin_trap();
    }
    barrier(a, threads);
  }
  if (tid == 0) {
    const OutputRecord* outs = reinterpret_cast<const OutputRecord*>(uintptr_t(a->outputs));
    for (int o = 0; o < a->noutputs; o++) {
      const float* src = reinterpret_cast<const float*>(arena + outs[o].arena);
      float* dst = reinterpret_cast<float*>(uintptr_t(outs[o].dest)) + size_t(img) * outs[o].floats;
      __builtin_memcpy(dst, src, size_t(outs[o].floats) * 4);
    }
  }
  // The next image's input may land where this image's outputs were (their space was free before).
  barrier(a, threads);
}

// Thread tid's part of a run: whole images while there are enough, then images split inside ops.
void run_part(RunArgs* a, int tid) {
  char* own = reinterpret_cast<char*>(uintptr_t(a->arena[tid]));
  float* scratch = reinterpret_cast<float*>(uintptr_t(a->scratch[tid]));
  for (int img = atomic_add(&a->next, 1); img < a->by_image; img = atomic_add(&a->next, 1)) {
    execute(a, own, scratch, img, 0, 1);
  }
  barrier(a, a->threads);
  char* shared = reinterpret_cast<char*>(uintptr_t(a->arena[0]));
  for (int img = a->by_image; img < a->images; img++) execute(a, shared, scratch, img, tid, a->threads);
  barrier(a, a->threads);
}

}  // namespace

EXPORT(exec_fields) int exec_fields() { return kExecFields; }
EXPORT(run_args_bytes) int run_args_bytes() { return sizeof(RunArgs); }
EXPORT(max_threads) int max_threads() { return kMaxThreads; }
EXPORT(tile) int tile() { return kPx * 100 + kNv; }
EXPORT(winograd_max_tiles) int winograd_max_tiles() { return kMaxTiles; }

// A pool of `threads` (this instance is thread 0; helpers run helper_loop with tid 1 … threads − 1).
EXPORT(pool_create) uint32_t pool_create() {
  const uint32_t p = alloc(sizeof(Pool));
  if (p != 0) __builtin_memset(reinterpret_cast<void*>(uintptr_t(p)), 0, sizeof(Pool));
  return p;
}

// A helper thread's life: wait for a job, run its part, until the pool quits.
EXPORT(helper_loop) void helper_loop(Pool* pool, int tid) {
  int32_t seen = 0;
  for (;;) {
    wait_while(&pool->gen, seen, 100 * 1000 * 1000);
    seen = atomic_get(&pool->gen);
    if (atomic_get(&pool->quit)) return;
    run_part(reinterpret_cast<RunArgs*>(uintptr_t(pool->job)), tid);
  }
}

EXPORT(pool_quit) void pool_quit(Pool* pool) {
  atomic_set(&pool->quit, 1);
  atomic_add(&pool->gen, 1);
  wake_all(&pool->gen);
}

// Runs a batch on this thread and the pool's helpers (pool may be null with args->threads == 1).
EXPORT(run) void run(Pool* pool, RunArgs* a) {
  // The barrier's count is back to 0 after every barrier, its generation only grows (a helper may
  // still be reading it when the next run starts), both zero from engine.ts.
  a->next = 0;
  if (a->threads > 1) {
    pool->job = uint32_t(uintptr_t(a));
    atomic_add(&pool->gen, 1);
    wake_all(&pool->gen);
  }
  run_part(a, 0);
}

// ---- Element-wise kernels on plain NCHW data (the op-by-op backend). ----

// max(x, 0) as the reference kernel (NaN → 0).
EXPORT(relu_plain) void relu_plain(const float* x, float* out, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) out[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

// out = x · scale[c] + shift[c] over (images, channels, plane), the product and sum in double and
// rounded once, as the reference batch norm computes it.
EXPORT(affine_plain)
void affine_plain(const float* x, float* out, uint32_t images, uint32_t channels, uint32_t plane, const float* scale,
                  const float* shift) {
  for (uint32_t n = 0; n < images; n++) {
    for (uint32_t c = 0; c < channels; c++) {
      const double s = scale[c], t = shift[c];
      const size_t base = (size_t(n) * channels + c) * plane;
      for (uint32_t i = 0; i < plane; i++) out[base + i] = float(double(x[base + i]) * s + t);
    }
  }
}

EXPORT(add_plain) void add_plain(const float* a, const float* b, float* out, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

// An inference plan: a list of fused ops over numbered tensors, with weights folded and packed once at
// build time and activations placed in a reused arena planned once per input size.
#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "bf16/bf16.h"
#include "engine.h"
#include "int8/int8.h"
#include "paged_alloc.h"
#include "thread_pool.h"

namespace rn {

enum class OpKind { Input, Conv, MaxPool, GlobalAvgPool, GlobalMaxPool, Linear, ZeroPad, ToPlain, Quantize };

enum class Layout { PlainInput, Blocked, Flat, Plain };

struct Op {
  explicit Op(OpKind k) : kind(k) {}
  OpKind kind;
  int in = -1, out = -1, residual = -1;
  bool relu = false;
  int c = 0, oc = 0;        // channels (oc padded to 16 for convs)
  int oc_logical = 0;       // zero-pad shortcut / conv: real output channels
  int kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0;
  int border = 0;                        // Input: zero border of a plain input
  Layout input_layout = Layout::Blocked; // Input: PlainInput (stem), Blocked or Flat (N, C)
  // The large buffers are paged (paged_alloc.h): never zero-filled, in huge pages, unmapped when freed.
  PagedVector<float> weight;
  FloatVector bias;
  PagedVector<uint16_t> weight16;  // bf16 plans: conv weights as bf16 pairs (bf16.h), replacing `weight`
  // int8 plans, quantized convs: weights as s8 quads (int8.h) replacing `weight`, their per-output
  // scales, and mult = the u8 input's scale · weight_scale (set once the plan is complete)
  Int8Vector weight8;
  FloatVector weight_scale, mult;
  float input_scale = 0;  // int8 conv: its calibrated input scale; Quantize: the output's scale
  bool winograd_eligible = false;  // 3x3, stride 1, padding 1, blocked input
  PagedVector<float> winograd[2];  // F(2x2) [16][OC/16][C][16] and F(4x4) [36][..], built on first use
};

// Raw conv parameters as they arrive from JavaScript, torch layout.
struct ConvSpec {
  int in = -1, out = -1, residual = -1;
  bool relu = false;
  int c = 0, oc = 0, kh = 0, kw = 0, sh = 1, sw = 1, ph = 0, pw = 0;
  const float* weight = nullptr;  // (OC, C, KH, KW)
  const float* bias = nullptr;    // (OC) or null
  // Optional inference batch norm folded into the conv: y = (conv - mean) / sqrt(var + eps) * gamma + beta
  const float *bn_weight = nullptr, *bn_bias = nullptr, *bn_mean = nullptr, *bn_var = nullptr;
  double bn_eps = 1e-5;
  // Calibrated scale of the input as u8 (int8 plans quantize the conv when > 0), 0: none.
  float input_scale = 0;
};

struct TensorDims {
  Layout layout = Layout::Blocked;
  int n = 0, c = 0, h = 0, w = 0, border = 0;
  // bf16 elements (bf16 plans' blocked activations and their input, whose channels come in pairs)
  bool bf16 = false;
  // u8 elements (int8 plans' blocked activations read only by quantized convolutions)
  bool u8 = false;
  size_t size() const;  // elements
  size_t floats() const { return bf16 ? (size() + 1) / 2 : u8 ? (size() + 3) / 4 : size(); }  // arena floats it takes
};

// parallel_for(count, fn): fn(0) .. fn(count - 1), on the pool or in this thread.
using ParallelFor = std::function<void(int, const std::function<void(int)>&)>;

class Plan {
 public:
  // bf16 = null: float32 throughout. Else activations are bf16 between layers and convolutions run
  // on `bf16` (the stem reads the image rounded to bf16; pools and the linear layer too, whose
  // output stays float32).
  // int8 = null: no int8. Else the convolutions with an input scale run on `int8` over u8
  // activations; everything else stays float32 (see finish_int8).
  explicit Plan(const Kernels* kernels, const Bf16Kernels* bf16 = nullptr, const Int8Kernels* int8 = nullptr)
      : kernels_(kernels), bf16_(bf16), int8_(int8) {}

  void add_input(int out, Layout layout, int channels, int border);
  void add_conv(const ConvSpec& spec, bool plain_in);
  void add_pool(OpKind kind, int in, int out, int kh, int kw, int sh, int sw, int ph, int pw);
  void add_linear(int in, int out, int in_features, int out_features, const float* weight, const float* bias);
  void add_zero_pad(int in, int out, int out_channels, int stride);
  void add_to_plain(int in, int out);
  // The last call of a plan's build (int8 plans then choose their u8 tensors).
  void set_outputs(std::vector<int> outputs);

  // Runs the plan on n plain CHW images (images[i]: image i's c·h·w values; the images of one
  // NCHW buffer, or separate buffers that need no copying into one); outputs in the order of
  // set_outputs, with their dims. A batch is split by image over the threads (one arena each, no
  // barrier per layer; a thread without images left helps with the others' layers); a single image
  // is split inside each layer.
  void run(ThreadPool& pool, const float* const* images, int n, int c, int h, int w,
           std::vector<std::vector<float>>& outputs, std::vector<TensorDims>& dims);

  // Makes a run in progress stop (run() then throws) and every later run at its start: the items
  // of a layer not yet begun are skipped and no later layer starts, so a disposed plan ends within
  // one work item's time (a row or a tile block, a few ms).
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }

  size_t weight_bytes() const;
  // The kernels the convolutions run on: the float32 set's name, or the bf16 or int8 path's.
  const char* path() const {
    return bf16_ != nullptr ? bf16_->name : int8_ != nullptr ? int8_->name : kernels_->name;
  }

 private:
  struct Placement {
    std::vector<TensorDims> dims;
    std::vector<size_t> offset;
    size_t total = 0;
  };
  void push(Op op);
  const Placement& place(int n, int c, int h, int w);
  void finish_int8();
  void execute(const Placement& p, float* arena, const float* const* images, int threads,
               const ParallelFor& parallel_for);
  // fn for a parallel_for that skips its items once the plan is cancelled.
  std::function<void(int)> unless_cancelled(const std::function<void(int)>& fn) const {
    return [this, &fn](int i) {
      if (!cancelled_.load(std::memory_order_relaxed)) fn(i);
    };
  }

  const Kernels* kernels_;
  const Bf16Kernels* bf16_;
  const Int8Kernels* int8_;
  std::vector<Op> ops_;
  std::vector<float> u8_scale_;  // int8 plans: per tensor, its scale when held as u8, else 0
  std::vector<int> outputs_;
  int tensors_ = 0;
  std::map<std::tuple<int, int, int, int>, Placement> placements_;
  std::vector<PagedVector<float>> arenas_;  // not zeroed: every op writes all of its output
  std::mutex mutex_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace rn

// Building (fold, pack) and running (shape inference, arena placement, op dispatch) of a Plan.
#include "plan.h"
#include "shared_items.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "shapes.h"

namespace rn {

namespace {

int round_up(int v, int m) { return (v + m - 1) / m * m; }

}  // namespace

size_t TensorDims::size() const {
  switch (layout) {
    case Layout::PlainInput:
      return size_t(n) * (bf16 ? round_up(c, 2) : c) * (h + 2 * border) * (w + 2 * border);
    case Layout::Blocked:
      return size_t(n) * c * (h + 2 * kBorder) * (w + 2 * kBorder);
    case Layout::Flat:
      return size_t(n) * c;
    case Layout::Plain:
      return size_t(n) * c * h * w;
  }
  return 0;
}

void Plan::push(Op op) {
  tensors_ = std::max(tensors_, op.out + 1);
  ops_.push_back(std::move(op));
}

void Plan::add_input(int out, Layout layout, int channels, int border) {
  Op op(OpKind::Input);
  op.out = out;
  op.input_layout = layout;
  op.c = channels;
  op.border = border;
  push(std::move(op));
}

// int8 plans: the BN-folded weights w'[o] = w[o] · scale[o] quantized again per output channel,
// symmetric (s[o] = max |w'[o]| / 127, q = round(w' / s[o]) in [-127, 127]; a file written by
// `resnet50 quantize` gives back its own q, as per-channel factors commute with the folding), packed
// [OC/16][in_cb][KH][KW][4][16][4]: for lane o the quad of input channels (4k .. 4k+3) of a block.
static void pack_int8_weights(Op& op, const ConvSpec& s, const std::vector<double>& scale, int in_cb) {
  const size_t per = size_t(s.c) * s.kh * s.kw;
  op.weight8.assign(size_t(op.oc) * in_cb * kBlock * s.kh * s.kw, 0);
  op.weight_scale.assign(op.oc, 0.0f);
  op.input_scale = s.input_scale;
  std::vector<float> folded(per);
  for (int o = 0; o < s.oc; o++) {
    float max = 0;
    for (size_t i = 0; i < per; i++) {
      folded[i] = float(s.weight[o * per + i] * scale[o]);
      max = std::max(max, std::fabs(folded[i]));
    }
    const float ws = max == 0 ? 1.0f : max / 127.0f;
    op.weight_scale[o] = ws;
    for (int ci = 0; ci < s.c; ci++) {
      for (int y = 0; y < s.kh; y++) {
        for (int x = 0; x < s.kw; x++) {
          const size_t tap = ((size_t(o / kBlock) * in_cb + ci / kBlock) * s.kh + y) * s.kw + x;
          const float q = std::nearbyint(folded[(size_t(ci) * s.kh + y) * s.kw + x] / ws);
          const int ic = ci % kBlock;
          op.weight8[((tap * (kBlock / 4) + ic / 4) * kBlock + o % kBlock) * 4 + ic % 4] =
              int8_t(std::max(-127.0f, std::min(127.0f, q)));
        }
      }
    }
  }
}

// fp32: [OC/16][in_cb][KH][KW][icb][16]. bf16: [OC/16][in_cb][KH][KW][pairs][16][2], lane o holding
// input channels (2k, 2k+1) of output o, packed straight from the source (no float32 copy kept).
static void pack_float_weights(Op& op, const ConvSpec& s, const std::vector<double>& scale, int icb, int in_cb,
                               bool bf16) {
  const int pairs = (icb + 1) / 2;
  // Written tap by tap in the packed order, every element once (padding channels as zeros), so the
  // buffer is not zero-filled first (paged_alloc.h).
  const int khw = s.kh * s.kw, per_tap = bf16 ? pairs * 2 : icb;
  const size_t taps = size_t(op.oc / kBlock) * in_cb * khw;
  if (!bf16) op.weight.resize(taps * per_tap * kBlock);
  else op.weight16.resize(taps * per_tap * kBlock);
  for (size_t tap = 0; tap < taps; tap++) {
    const int ob = int(tap / (size_t(in_cb) * khw)), cb = int(tap / khw % in_cb), t = int(tap % khw);
    const size_t base = tap * per_tap * kBlock;
    for (int ic = 0; ic < per_tap; ic++) {
      const int ci = cb * icb + ic;
      const bool real = ic < icb && ci < s.c;
      for (int lane = 0; lane < kBlock; lane++) {
        const int o = ob * kBlock + lane;
        const float w = real && o < s.oc ? float(s.weight[(size_t(o) * s.c + ci) * khw + t] * scale[o]) : 0.0f;
        if (!bf16) op.weight[base + ic * kBlock + lane] = w;
        else op.weight16[base + (ic / 2) * 2 * kBlock + lane * 2 + ic % 2] = to_bf16(w);
      }
    }
  }
}

void Plan::add_conv(const ConvSpec& s, bool plain_in) {
  Op op(OpKind::Conv);
  op.in = s.in;
  op.out = s.out;
  op.residual = s.residual;
  op.relu = s.relu;
  op.c = s.c;
  op.oc_logical = s.oc;
  op.oc = round_up(s.oc, kBlock);
  op.kh = s.kh;
  op.kw = s.kw;
  op.sh = s.sh;
  op.sw = s.sw;
  op.ph = s.ph;
  op.pw = s.pw;
  // Fold batch norm: scale_o = gamma / sqrt(var + eps), w' = w * scale_o, b' = (b - mean) * scale_o + beta.
  std::vector<double> scale(s.oc, 1.0), shift(s.oc, 0.0);
  for (int o = 0; o < s.oc; o++) {
    const double b = s.bias != nullptr ? s.bias[o] : 0.0;
    if (s.bn_weight != nullptr) {
      scale[o] = double(s.bn_weight[o]) / std::sqrt(double(s.bn_var[o]) + s.bn_eps);
      shift[o] = (b - s.bn_mean[o]) * scale[o] + s.bn_bias[o];
    } else {
      shift[o] = b;
    }
  }
  const int icb = plain_in ? s.c : kBlock;
  const int in_cb = plain_in ? 1 : round_up(s.c, kBlock) / kBlock;
  if (int8_ != nullptr && s.input_scale > 0 && !plain_in) pack_int8_weights(op, s, scale, in_cb);
  else pack_float_weights(op, s, scale, icb, in_cb, bf16_ != nullptr);
  op.bias.assign(op.oc, 0.0f);
  for (int o = 0; o < s.oc; o++) op.bias[o] = float(shift[o]);
  op.winograd_eligible = bf16_ == nullptr && op.weight8.empty() && !plain_in && s.kh == 3 && s.kw == 3 && s.sh == 1 && s.sw == 1 && s.ph == 1 && s.pw == 1;
  push(std::move(op));
}

// Output tile size of the Winograd algorithm for a conv at this output size: 4 when there are
// enough 4x4 tiles to amortize its 4x larger transformed weights, 2 for medium maps, 0 (direct) else.
static int winograd_tile(const Op& op, int out_h, int out_w) {
  if (!op.winograd_eligible) return 0;
  if (((out_h + 3) / 4) * ((out_w + 3) / 4) >= 40) return 4;
  // F(2x2) on 7x7 maps (layer4 at 224) measured slower than the direct kernel.
  return out_h >= 8 && out_w >= 8 ? 2 : 0;
}

// U = G g Gᵀ for every (output, input) channel pair of a packed 3x3 conv (BN already folded),
// laid out [(m+2)^2][OC/16][C][16]. Built on first use: it is 1.8x (m=2) or 4x (m=4) the size of
// the direct weights.
static void build_winograd_weights(Op& op, int m) {
  static const double G4[6][3] = {{1.0 / 4, 0, 0},           {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                  {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1}};
  static const double G2[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  const int a = m + 2;
  auto G = [&](int i, int x) { return m == 4 ? G4[i][x] : G2[i][x]; };
  const int ocb = op.oc / kBlock;
  const int cpad = int(op.weight.size() / (size_t(op.oc) * 9));
  const int in_cb = cpad / kBlock;
  PagedVector<float>& u_all = op.winograd[m == 4 ? 1 : 0];
  u_all.resize(size_t(a * a) * op.oc * cpad);  // every element written below
  for (int o = 0; o < op.oc; o++) {
    for (int ci = 0; ci < cpad; ci++) {
      double g[9];
      for (int t = 0; t < 9; t++) {
        g[t] = op.weight[((size_t(o / kBlock) * in_cb + ci / kBlock) * 9 + t) * kBlock * kBlock + (ci % kBlock) * kBlock +
                         o % kBlock];
      }
      double gg[6][3];
      for (int i = 0; i < a; i++)
        for (int x = 0; x < 3; x++) gg[i][x] = G(i, 0) * g[x] + G(i, 1) * g[3 + x] + G(i, 2) * g[6 + x];
      for (int i = 0; i < a; i++) {
        for (int j = 0; j < a; j++) {
          const double u = gg[i][0] * G(j, 0) + gg[i][1] * G(j, 1) + gg[i][2] * G(j, 2);
          u_all[((size_t(i * a + j) * ocb + o / kBlock) * cpad + ci) * kBlock + o % kBlock] = float(u);
        }
      }
    }
  }
}

void Plan::add_pool(OpKind kind, int in, int out, int kh, int kw, int sh, int sw, int ph, int pw) {
  Op op(kind);
  op.in = in;
  op.out = out;
  op.kh = kh;
  op.kw = kw;
  op.sh = sh;
  op.sw = sw;
  op.ph = ph;
  op.pw = pw;
  push(std::move(op));
}

void Plan::add_linear(int in, int out, int in_features, int out_features, const float* weight, const float* bias) {
  Op op(OpKind::Linear);
  op.in = in;
  op.out = out;
  op.c = in_features;
  op.oc = out_features;
  if (bf16_ != nullptr) {
    // [ceil(OUT/16)][pairs][16][2] bf16 and the bias padded to whole blocks (zero where null).
    const int pairs = (in_features + 1) / 2, padded = round_up(out_features, kBlock);
    op.weight16.assign(size_t(padded) * pairs * 2, 0);
    for (int o = 0; o < out_features; o++)
      for (int i = 0; i < in_features; i++)
        op.weight16[((size_t(o / kBlock) * pairs + i / 2) * kBlock + o % kBlock) * 2 + i % 2] =
            to_bf16(weight[size_t(o) * in_features + i]);
    op.bias.assign(padded, 0.0f);
    if (bias != nullptr) std::copy(bias, bias + out_features, op.bias.begin());
    push(std::move(op));
    return;
  }
  op.weight.assign(weight, weight + size_t(in_features) * out_features);
  if (bias != nullptr) op.bias.assign(bias, bias + out_features);
  push(std::move(op));
}

void Plan::add_zero_pad(int in, int out, int out_channels, int stride) {
  Op op(OpKind::ZeroPad);
  op.in = in;
  op.out = out;
  op.oc_logical = out_channels;
  op.oc = round_up(out_channels, kBlock);
  op.sh = op.sw = stride;
  push(std::move(op));
}

void Plan::add_to_plain(int in, int out) {
  Op op(OpKind::ToPlain);
  op.in = in;
  op.out = out;
  push(std::move(op));
}

void Plan::set_outputs(std::vector<int> outputs) {
  outputs_ = std::move(outputs);
  if (int8_ != nullptr) finish_int8();
}

// Which tensors an int8 plan holds as u8: those a quantized conv writes whose every reader is a
// quantized conv (as input or residual) and which are not returned, at the largest input scale of
// their readers (one tensor, one scale). A quantized conv whose input stays float32 (the max-pool's
// output, say) reads a u8 copy made by a Quantize op at its own scale. Then each quantized conv's
// mult = (the scale its u8 input has) · weight_scale.
void Plan::finish_int8() {
  u8_scale_.assign(tensors_, 0.0f);
  std::vector<char> readable(tensors_, 1), written(tensors_, 0);
  std::vector<float> scale(tensors_, 0.0f);
  for (const Op& op : ops_) {
    const bool q8 = op.kind == OpKind::Conv && !op.weight8.empty();
    if (q8) written[op.out] = 1;
    for (int t : {op.in, op.residual}) {
      if (t < 0) continue;
      if (!q8) readable[t] = 0;
      else if (t == op.in) scale[t] = std::max(scale[t], op.input_scale);
    }
  }
  for (int t : outputs_) readable[t] = 0;
  for (int t = 0; t < tensors_; t++) {
    if (written[t] && readable[t]) u8_scale_[t] = scale[t];
  }
  std::vector<Op> ops;
  std::map<std::pair<int, float>, int> copies;  // (float32 tensor, scale) → its u8 copy
  for (Op& op : ops_) {
    if (op.kind == OpKind::Conv && !op.weight8.empty()) {
      if (u8_scale_[op.in] == 0) {
        const auto key = std::make_pair(op.in, op.input_scale);
        auto found = copies.find(key);
        if (found == copies.end()) {
          Op q(OpKind::Quantize);
          q.in = op.in;
          q.out = tensors_++;
          q.input_scale = op.input_scale;
          u8_scale_.push_back(op.input_scale);
          found = copies.emplace(key, q.out).first;
          ops.push_back(std::move(q));
        }
        op.in = found->second;
      }
      op.mult.assign(op.oc, 0.0f);
      for (int o = 0; o < op.oc; o++) op.mult[o] = u8_scale_[op.in] * op.weight_scale[o];
    }
    ops.push_back(std::move(op));
  }
  ops_ = std::move(ops);
}

size_t Plan::weight_bytes() const {
  size_t total = 0;
  for (const Op& op : ops_)
    total += (op.weight.size() + op.bias.size() + op.winograd[0].size() + op.winograd[1].size()) * 4 +
             op.weight16.size() * 2 + op.weight8.size() + (op.weight_scale.size() + op.mult.size()) * 4;
  return total;
}

// Shape inference for one input size, then first-fit placement of every tensor in the arena by
// liveness (a tensor's slot is free again after its last reader), outputs kept to the end.
const Plan::Placement& Plan::place(int n, int c, int h, int w) {
  auto key = std::make_tuple(n, c, h, w);
  auto found = placements_.find(key);
  if (found != placements_.end()) return found->second;
  Placement p;
  p.dims.assign(tensors_, TensorDims{});
  p.offset.assign(tensors_, 0);
  std::vector<int> first(tensors_, -1), last(tensors_, -1);
  // Real channels of each tensor (blocked ones are padded to 16): what a feature map returned as
  // plain NCHW keeps.
  std::vector<int> channels(tensors_, 0);
  for (size_t i = 0; i < ops_.size(); i++) {
    const Op& op = ops_[i];
    TensorDims d;
    int real = op.in >= 0 ? channels[op.in] : 0;
    const TensorDims& in = op.in >= 0 ? p.dims[op.in] : d;
    switch (op.kind) {
      case OpKind::Input:
        if (c != op.c) throw std::invalid_argument("input has " + std::to_string(c) + " channels, expected " + std::to_string(op.c));
        real = c;
        if (op.input_layout == Layout::PlainInput) d = {Layout::PlainInput, n, c, h, w, op.border};
        else if (op.input_layout == Layout::Flat) d = {Layout::Flat, n, c * h * w, 1, 1, 0};
        else d = {Layout::Blocked, n, round_up(c, kBlock), h, w, 0};
        break;
      case OpKind::Conv:
        if (in.c != (in.layout == Layout::PlainInput ? op.c : round_up(op.c, kBlock)))
          throw std::invalid_argument("convolution expects " + std::to_string(op.c) + " input channels");
        d = {Layout::Blocked, in.n, op.oc, conv_out_size(in.h, op.kh, op.sh, op.ph), conv_out_size(in.w, op.kw, op.sw, op.pw), 0};
        real = op.oc_logical;
        if (d.h < 1 || d.w < 1) throw std::invalid_argument("input is too small for a convolution");
        if (op.residual >= 0) {
          const TensorDims& r = p.dims[op.residual];
          if (r.c != d.c || r.h != d.h || r.w != d.w) throw std::invalid_argument("residual shape differs from the convolution's output");
        }
        break;
      case OpKind::MaxPool:
        d = {Layout::Blocked, in.n, in.c, conv_out_size(in.h, op.kh, op.sh, op.ph), conv_out_size(in.w, op.kw, op.sw, op.pw), 0};
        if (d.h < 1 || d.w < 1) throw std::invalid_argument("input is too small for max pooling");
        break;
      case OpKind::GlobalAvgPool:
      case OpKind::GlobalMaxPool:
        d = {Layout::Flat, in.n, in.c, 1, 1, 0};
        break;
      case OpKind::Linear:
        if (in.c != op.c) throw std::invalid_argument("linear layer expects " + std::to_string(op.c) + " features");
        d = {Layout::Flat, in.n, op.oc, 1, 1, 0};
        break;
      case OpKind::ZeroPad:
        if (op.oc < in.c) throw std::invalid_argument("zero-pad shortcut has fewer output than input channels");
        d = {Layout::Blocked, in.n, op.oc, (in.h + op.sh - 1) / op.sh, (in.w + op.sw - 1) / op.sw, 0};
        real = op.oc_logical;
        break;
      case OpKind::ToPlain:
        d = {Layout::Plain, in.n, real > 0 ? real : in.c, in.h, in.w, 0};
        break;
      case OpKind::Quantize:
        d = {Layout::Blocked, in.n, in.c, in.h, in.w, 0};
        break;
    }
    d.bf16 = bf16_ != nullptr && (d.layout == Layout::Blocked || d.layout == Layout::PlainInput);
    d.u8 = !u8_scale_.empty() && u8_scale_[op.out] > 0;
    p.dims[op.out] = d;
    channels[op.out] = real;
    first[op.out] = int(i);
    for (int t : {op.in, op.residual}) {
      if (t >= 0) last[t] = int(i);
    }
  }
  for (int t : outputs_) last[t] = int(ops_.size());
  struct Slot {
    size_t offset, size;
    int free_after;
  };
  std::vector<Slot> slots;
  for (size_t i = 0; i < ops_.size(); i++) {
    const int t = ops_[i].out;
    const size_t need = (p.dims[t].floats() + 15) / 16 * 16;
    Slot* best = nullptr;
    for (Slot& s : slots) {
      if (s.free_after < int(i) && s.size >= need && (best == nullptr || s.size < best->size)) best = &s;
    }
    if (best == nullptr) {
      slots.push_back({p.total, need, -1});
      p.total += need;
      best = &slots.back();
    }
    best->free_after = std::max(last[t], int(i));
    p.offset[t] = best->offset;
  }
  return placements_.emplace(key, std::move(p)).first->second;
}

void Plan::run(ThreadPool& pool, const float* const* images, int n, int c, int h, int w,
               std::vector<std::vector<float>>& outputs, std::vector<TensorDims>& dims) {
  std::lock_guard<std::mutex> lock(mutex_);
  const int threads = pool.threads();
  const bool by_image = n > 1;
  const Placement& p = place(by_image ? 1 : n, c, h, w);
  for (Op& op : ops_) {
    const TensorDims& d = p.dims[op.out];
    const int m = winograd_tile(op, d.h, d.w);
    if (m != 0 && op.winograd[m == 4].empty()) build_winograd_weights(op, m);
  }
  const int arenas = by_image ? threads : 1;
  if (int(arenas_.size()) < arenas) arenas_.resize(arenas);
  for (int a = 0; a < arenas; a++) {
    if (arenas_[a].size() < p.total) arenas_[a].resize(p.total);
  }
  outputs.assign(outputs_.size(), {});
  dims.clear();
  for (int t : outputs_) {
    TensorDims d = p.dims[t];
    d.n = n;
    outputs[dims.size()].resize(d.floats());
    dims.push_back(d);
  }
  auto copy_out = [&](const float* arena, int img, int count) {
    for (size_t i = 0; i < outputs_.size(); i++) {
      const size_t each = dims[i].floats() / n;
      std::memcpy(outputs[i].data() + img * each, arena + p.offset[outputs_[i]], each * count * sizeof(float));
    }
  };
  auto check_cancelled = [this] {
    if (cancelled_.load(std::memory_order_relaxed)) throw std::runtime_error("the native plan was disposed while it ran");
  };
  check_cancelled();
  if (!by_image) {
    execute(p, arenas_[0].data(), images, threads,
            [&pool, this](int count, const std::function<void(int)>& fn) { pool.parallel_for(count, unless_cancelled(fn)); });
    check_cancelled();
    copy_out(arenas_[0].data(), 0, n);
    return;
  }
  // Each thread takes whole images; one that has none left helps the others' current ops (shared_items.h).
  std::vector<SharedItems> shared(threads);
  std::atomic<int> next{0}, busy{0};
  pool.parallel_for(threads, [&](int worker) {
    float* arena = arenas_[worker].data();
    SharedItems& mine = shared[worker];
    const ParallelFor shared_for = [&mine, this](int count, const std::function<void(int)>& fn) {
      mine.run(count, unless_cancelled(fn));
    };
    busy.fetch_add(1);
    for (int img = next.fetch_add(1); img < n; img = next.fetch_add(1)) {
      execute(p, arena, images + img, 1, shared_for);
      copy_out(arena, img, 1);
    }
    busy.fetch_sub(1);
    SharedItems::help_others(shared, worker, busy);
  });
  check_cancelled();
}

namespace {

// One execution of a plan over one arena: where each tensor lives, the kernels, how to split work.
struct Frame {
  const std::vector<TensorDims>& dims;
  const std::vector<size_t>& offset;
  float* arena;
  const Kernels& k;
  const Bf16Kernels* b16;  // null in float32 plans
  const Int8Kernels* i8;   // null but in int8 plans
  const std::vector<float>& u8_scale;  // int8 plans: each u8 tensor's scale
  int threads;
  const ParallelFor& parallel_for;

  float* data(int t) const { return arena + offset[t]; }
  uint16_t* data16(int t) const { return reinterpret_cast<uint16_t*>(arena + offset[t]); }
  uint8_t* data8(int t) const { return reinterpret_cast<uint8_t*>(arena + offset[t]); }
  BlockedU8 blocked8(int t) const {
    const TensorDims& d = dims[t];
    BlockedU8 b;
    b.data = data8(t);
    b.n = d.n;
    b.c = d.c;
    b.h = d.h;
    b.w = d.w;
    return b;
  }
  Blocked16 blocked16(int t) const {
    const TensorDims& d = dims[t];
    Blocked16 b;
    b.data = data16(t);
    b.n = d.n;
    b.c = d.c;
    b.h = d.h;
    b.w = d.w;
    return b;
  }
  Blocked blocked(int t) const {
    const TensorDims& d = dims[t];
    Blocked b;
    b.data = data(t);
    b.n = d.n;
    b.c = d.c;
    b.h = d.h;
    b.w = d.w;
    return b;
  }
};

// bf16 plans: the images are plain CHW, rounded to bf16 into channel pairs
// (N, ceil(C/2), H+2B, W+2B, 2) for the stem, or into blocked bf16; out is zero already.
void input16_forward(const Frame& f, const Op& op, const float* const* images) {
  const TensorDims& d = f.dims[op.out];
  const int n = d.n, c = op.c, h = d.h, w = d.w;
  if (op.input_layout == Layout::PlainInput) {
    uint16_t* dst = f.data16(op.out);
    const int hp = h + 2 * d.border, wp = w + 2 * d.border, pairs = (c + 1) / 2;
    for (int img = 0; img < n; img++)
      for (int ch = 0; ch < c; ch++)
        for (int y = 0; y < h; y++)
          for (int x = 0; x < w; x++)
            dst[(((size_t(img) * pairs + ch / 2) * hp + y + d.border) * wp + x + d.border) * 2 + ch % 2] =
                to_bf16(images[img][(size_t(ch) * h + y) * w + x]);
    return;
  }
  Blocked16 b = f.blocked16(op.out);
  for (int img = 0; img < n; img++)
    for (int ch = 0; ch < c; ch++)
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          b.at(img, ch / kBlock, y, x)[ch % kBlock] = to_bf16(images[img][(size_t(ch) * h + y) * w + x]);
}

// images are plain CHW; out is (N, C, H+2B, W+2B) plain with border B, (N, C·H·W) flat, or
// (N, C/16, H+2, W+2, 16) blocked, its borders and padding channels zero.
void input_forward(const Frame& f, const Op& op, const float* const* images) {
  float* dst = f.data(op.out);
  const TensorDims& d = f.dims[op.out];
  std::memset(dst, 0, d.floats() * sizeof(float));
  const int n = d.n, c = op.c, h = d.h, w = d.w;
  if (op.input_layout == Layout::Flat) {
    const size_t each = d.size() / n;
    for (int img = 0; img < n; img++) std::memcpy(dst + img * each, images[img], each * sizeof(float));
    return;
  }
  if (d.bf16) return input16_forward(f, op, images);
  if (op.input_layout == Layout::PlainInput) {
    const int hp = h + 2 * d.border, wp = w + 2 * d.border;
    for (int img = 0; img < n; img++)
      for (int ch = 0; ch < c; ch++)
        for (int y = 0; y < h; y++)
          std::memcpy(dst + ((size_t(img) * c + ch) * hp + y + d.border) * wp + d.border,
                      images[img] + (size_t(ch) * h + y) * w, w * sizeof(float));
    return;
  }
  Blocked b = f.blocked(op.out);
  for (int img = 0; img < n; img++)
    for (int ch = 0; ch < c; ch++)
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          b.at(img, ch / kBlock, y, x)[ch % kBlock] = images[img][(size_t(ch) * h + y) * w + x];
}

// A direct conv's work items for the pool, one output row of one group of output channels each:
// row(img, group, row). The pool hands out contiguous runs of items, so the order decides what each
// thread keeps in its caches. Rows outermost when the input outweighs the weights (large maps, few
// output channels): a thread reads the input rows near those it wrote in the layer before and keeps
// every group's weights; groups outermost otherwise (small maps, many channels): a thread keeps one
// group's weights over all rows. (fp32 ResNet-50 batch 1 on 2 threads: the channel-reducing 1×1
// convs at 28×28 15-30 % faster than with groups always outermost.)
template <class Row>
void conv_rows(const Frame& f, const Op& op, int n, int groups, int oh, const Row& row) {
  const TensorDims& in = f.dims[op.in];
  const bool rows_outer = size_t(in.h) * in.w > size_t(op.oc) * op.kh * op.kw;
  f.parallel_for(n * groups * oh, [&](int i) {
    const int img = i / (groups * oh), j = i % (groups * oh);
    if (rows_outer) row(img, j % groups, j / groups);
    else row(img, j / oh, j % oh);
  });
}

// in is (N, C/16, H+2, W+2, 16) blocked, out and residual are (N, OC/16, OH+2, OW+2, 16); the Winograd
// kernel computes m x m output tiles, in tasks of tiles per image.
void winograd_forward(const Frame& f, const Op& op, const ConvArgs& a, int m) {
  WinogradArgs wa;
  wa.in = f.blocked(op.in);
  wa.out = a.out;
  wa.tile = m;
  wa.u = op.winograd[m == 4].data();
  wa.bias = a.bias;
  wa.residual = a.residual;
  wa.relu = a.relu;
  wa.tiles_h = (a.out.h + m - 1) / m;
  wa.tiles_w = (a.out.w + m - 1) / m;
  const int tiles = wa.tiles_h * wa.tiles_w;
  // Each task streams all the transformed weights of its output channels. Tasks of at most 14 tiles
  // when threads share an image (balance; their scratch stays in L2), all of an image's tiles (up to
  // 56) when each thread has images of its own. But when one task could hold the whole image and
  // there are fewer images than threads (batch 1 on 14×14 and 28×28 maps: 49 tiles), the output
  // channels are split among the threads instead of the tiles: the weights are read once in all
  // rather than once per 14 tiles, and only the cheap input transform is repeated per part (parts of
  // whole pairs of blocks when the block count is even: the kernel pairs them).
  const bool split_channels = f.threads > 1 && tiles <= kWinogradMaxTiles && a.out.n < f.threads;
  int chunks = split_channels ? 1
                              : (tiles + (f.threads > 1 ? 13 : kWinogradMaxTiles - 1)) /
                                    (f.threads > 1 ? 14 : kWinogradMaxTiles);
  if (!split_channels && chunks * a.out.n < f.threads) chunks = std::min(tiles, f.threads);
  const int per = (tiles + chunks - 1) / chunks;
  const int ocb_total = a.out.cb(), step = ocb_total % 2 == 0 ? 2 : 1;
  const int parts = split_channels ? std::min(ocb_total / step, (f.threads + a.out.n - 1) / a.out.n) : 1;
  const int blocks_per_part = (ocb_total / step + parts - 1) / parts * step;
  f.parallel_for(a.out.n * chunks * parts, [&](int i) {
    const int part = i % parts, img = i / parts / chunks, t0 = i / parts % chunks * per;
    const int ocb0 = part * blocks_per_part, ocb1 = std::min(ocb_total, ocb0 + blocks_per_part);
    if (t0 < tiles && ocb0 < ocb1) f.k.winograd(wa, img, t0, std::min(per, tiles - t0), ocb0, ocb1);
  });
  const int blocks = a.out.cb();
  f.parallel_for(a.out.n * blocks, [&](int i) { f.k.zero_border(a.out, i / blocks, i % blocks); });
}

// What a convolution's arguments (ConvArgs, or ConvArgs16 for bf16) take from its op, once the
// input's origin is set: bias, kernel, stride, output channels, ReLU; padding must fit the border.
template <typename Args>
void set_conv_op(Args& a, const Op& op) {
  if (a.in_origin < 0 || op.ph != op.pw) throw std::invalid_argument("convolution padding larger than the border");
  a.bias = op.bias.data();
  a.oc = op.oc;
  a.kh = op.kh;
  a.kw = op.kw;
  a.sh = op.sh;
  a.sw = op.sw;
  a.relu = op.relu;
}

// in is (N, C/16, H+2, W+2, 16) blocked or (N, C, H+2P, W+2P) plain (the stem); out and residual are
// (N, OC/16, OH+2, OW+2, 16), out = relu?(conv(in) + bias + residual), by Winograd tiles or output rows.
// bf16 plans: in is blocked bf16 or the image as bf16 channel pairs (the stem); out and residual
// blocked bf16; weights as bf16 pairs, by output rows.
void conv16_forward(const Frame& f, const Op& op) {
  const TensorDims& in = f.dims[op.in];
  ConvArgs16 a;
  a.in = f.data16(op.in);
  if (in.layout == Layout::PlainInput) {
    const int hp = in.h + 2 * in.border, wp = in.w + 2 * in.border;
    a.in_pix = 2;
    a.in_pair = hp * wp * 2;
    a.in_row_stride = size_t(wp) * 2;
    a.in_block_stride = 0;
    a.in_image_stride = size_t(round_up(in.c, 2)) * hp * wp;
    a.in_origin = in.border - op.ph;
    a.in_cb = 1;
    a.in_pairs = (in.c + 1) / 2;
  } else {
    Blocked16 b = f.blocked16(op.in);
    a.in_pix = kBlock;
    a.in_pair = 2;
    a.in_row_stride = size_t(b.wp()) * kBlock;
    a.in_block_stride = b.block_stride();
    a.in_image_stride = b.image_stride();
    a.in_origin = kBorder - op.ph;
    a.in_cb = b.cb();
    a.in_pairs = kBlock / 2;
  }
  a.weight = op.weight16.data();
  set_conv_op(a, op);
  a.out = f.blocked16(op.out);
  a.residual = op.residual >= 0 ? f.data16(op.residual) : nullptr;
  conv_rows(f, op, a.out.n, f.b16->conv_groups(a), a.out.h,
            [&](int img, int group, int row) { f.b16->conv_row(a, img, group, row); });
}

// int8 plans' quantized convs: in is blocked u8, out blocked u8 or float32, and so the residual.
void conv8_forward(const Frame& f, const Op& op) {
  BlockedU8 in = f.blocked8(op.in);
  ConvArgs8 a;
  a.in = in.data;
  a.in_row_stride = size_t(in.wp()) * kBlock;
  a.in_block_stride = in.block_stride();
  a.in_image_stride = in.image_stride();
  a.in_origin = kBorder - op.ph;
  a.in_cb = in.cb();
  a.weight = op.weight8.data();
  a.mult = op.mult.data();
  set_conv_op(a, op);
  a.out = f.blocked8(op.out);
  if (f.dims[op.out].u8) a.out_inv_scale = 1.0f / f.u8_scale[op.out];
  else a.out32 = f.data(op.out);
  if (op.residual >= 0 && f.dims[op.residual].u8) {
    a.residual8 = f.data8(op.residual);
    a.residual_scale = f.u8_scale[op.residual];
  } else if (op.residual >= 0) {
    a.residual32 = f.data(op.residual);
  }
  conv_rows(f, op, a.out.n, f.i8->conv_groups(a), a.out.h,
            [&](int img, int group, int row) { f.i8->conv_row(a, img, group, row); });
}

// in is blocked float32, out its u8 copy at scale op.input_scale.
void quantize_forward(const Frame& f, const Op& op) {
  const Blocked in = f.blocked(op.in);
  const BlockedU8 out = f.blocked8(op.out);
  const float inv = 1.0f / op.input_scale;
  f.parallel_for(in.n * in.cb(), [&](int i) { f.i8->quantize(in, out, inv, i / in.cb(), i % in.cb()); });
}

void conv_forward(const Frame& f, const Op& op) {
  if (!op.weight8.empty()) return conv8_forward(f, op);
  if (f.b16 != nullptr) return conv16_forward(f, op);
  const TensorDims& in = f.dims[op.in];
  ConvArgs a;
  a.in = f.data(op.in);
  a.n = in.n;
  a.c = in.c;
  a.h = in.h;
  a.w = in.w;
  if (in.layout == Layout::PlainInput) {
    const int hp = in.h + 2 * in.border, wp = in.w + 2 * in.border;
    a.plain_in = true;
    a.in_pix = 1;
    a.in_ch = hp * wp;
    a.in_row_stride = wp;
    a.in_block_stride = 0;
    a.in_image_stride = size_t(in.c) * hp * wp;
    a.in_origin = in.border - op.ph;
    a.in_cb = 1;
    a.in_icb = in.c;
  } else {
    Blocked b = f.blocked(op.in);
    a.in_pix = kBlock;
    a.in_ch = 1;
    a.in_row_stride = size_t(b.wp()) * kBlock;
    a.in_block_stride = b.block_stride();
    a.in_image_stride = b.image_stride();
    a.in_origin = kBorder - op.ph;
    a.in_cb = b.cb();
    a.in_icb = kBlock;
  }
  a.weight = op.weight.data();
  set_conv_op(a, op);
  a.out = f.blocked(op.out);
  a.residual = op.residual >= 0 ? f.data(op.residual) : nullptr;
  if (const int m = winograd_tile(op, a.out.h, a.out.w); m != 0) return winograd_forward(f, op, a, m);
  conv_rows(f, op, a.out.n, f.k.conv_groups(a), a.out.h,
            [&](int img, int group, int row) { f.k.conv_row(a, img, group, row); });
}

// in is (N, C/16, H+2, W+2, 16), out is (N, C/16, OH+2, OW+2, 16), one task per output row.
void max_pool_forward(const Frame& f, const Op& op) {
  if (f.b16 != nullptr) {
    PoolArgs16 a{f.blocked16(op.in), f.blocked16(op.out), op.kh, op.kw, op.sh, op.sw, op.ph, op.pw};
    const int blocks = a.in.cb(), oh = a.out.h;
    f.parallel_for(a.in.n * blocks * oh,
                   [&](int i) { f.b16->max_pool_row(a, i / (blocks * oh), i / oh % blocks, i % oh); });
    return;
  }
  PoolArgs a{f.blocked(op.in), f.blocked(op.out), op.kh, op.kw, op.sh, op.sw, op.ph, op.pw};
  const int blocks = a.in.cb(), oh = a.out.h;
  f.parallel_for(a.in.n * blocks * oh, [&](int i) { f.k.max_pool_row(a, i / (blocks * oh), i / oh % blocks, i % oh); });
}

// in is (N, C/16, H+2, W+2, 16), out is (N, C) flat: the mean or max of each plane.
void global_pool_forward(const Frame& f, const Op& op) {
  Blocked in = f.blocked(op.in);
  float* out = f.data(op.out);
  const bool max = op.kind == OpKind::GlobalMaxPool;
  if (f.b16 != nullptr) {
    Blocked16 in16 = f.blocked16(op.in);
    f.parallel_for(in.n * in.cb(), [&](int i) { f.b16->global_pool(in16, out, max, i / in.cb(), i % in.cb()); });
    return;
  }
  f.parallel_for(in.n * in.cb(), [&](int i) { f.k.global_pool(in, out, max, i / in.cb(), i % in.cb()); });
}

// in is (N, IN) flat, weight (OUT, IN), out is (N, OUT), split over output features.
void linear_forward(const Frame& f, const Op& op) {
  const float* in = f.data(op.in);
  float* out = f.data(op.out);
  if (f.b16 != nullptr) {
    // bf16 plans: the features rounded to bf16 pairs, then dot steps as the convolutions', float32 out.
    const int nimg = f.dims[op.in].n, pairs = (op.c + 1) / 2, blocks = (op.oc + kBlock - 1) / kBlock;
    thread_local Bf16Vector x;
    x.assign(size_t(nimg) * pairs * 2, 0);
    for (int img = 0; img < nimg; img++)
      for (int i = 0; i < op.c; i++) x[size_t(img) * pairs * 2 + i] = to_bf16(in[size_t(img) * op.c + i]);
    const uint16_t* features = x.data();  // (the workers' own thread_local x is another vector)
    const int chunks = std::min(blocks, 16);
    f.parallel_for(chunks, [&](int i) {
      f.b16->linear(features, op.weight16.data(), op.bias.data(), out, nimg, pairs, op.oc, blocks * i / chunks,
                    blocks * (i + 1) / chunks);
    });
    return;
  }
  const int chunks = std::min(op.oc, 64), nimg = f.dims[op.in].n;
  f.parallel_for(chunks, [&](int i) {
    f.k.linear(in, op.weight.data(), op.bias.empty() ? nullptr : op.bias.data(), out, nimg, op.c, op.oc,
               int(int64_t(op.oc) * i / chunks), int(int64_t(op.oc) * (i + 1) / chunks));
  });
}

// in is (N, C/16, H+2, W+2, 16), out is (N, OC/16, ceil(H/S)+2, ceil(W/S)+2, 16): every S-th pixel,
// channels past C zero (the zero-pad shortcut).
template <typename T>
void zero_pad_copy(const BlockedOf<T>& in, const BlockedOf<T>& out, const Op& op) {
  for (int img = 0; img < in.n; img++)
    for (int b = 0; b < in.cb(); b++)
      for (int y = 0; y < out.h; y++)
        for (int x = 0; x < out.w; x++)
          std::memcpy(out.at(img, b, y, x), in.at(img, b, y * op.sh, x * op.sw), kBlock * sizeof(T));
}

void zero_pad_forward(const Frame& f, const Op& op) {
  std::memset(f.data(op.out), 0, f.dims[op.out].floats() * sizeof(float));
  if (f.b16 != nullptr) return zero_pad_copy(f.blocked16(op.in), f.blocked16(op.out), op);
  zero_pad_copy(f.blocked(op.in), f.blocked(op.out), op);
}

// in is (N, C/16, H+2, W+2, 16), out is plain NCHW (N, C, H, W) with the first C <= in.c channels.
template <typename T, typename Convert>
void to_plain_copy(const BlockedOf<T>& in, float* out, int c, Convert convert) {
  for (int img = 0; img < in.n; img++)
    for (int ch = 0; ch < c; ch++)
      for (int y = 0; y < in.h; y++)
        for (int x = 0; x < in.w; x++)
          out[((size_t(img) * c + ch) * in.h + y) * in.w + x] = convert(in.at(img, ch / kBlock, y, x)[ch % kBlock]);
}

// (bf16 plans: the values widened to float32, exactly.)
void to_plain_forward(const Frame& f, const Op& op) {
  const int c = f.dims[op.out].c;
  if (f.b16 != nullptr) return to_plain_copy(f.blocked16(op.in), f.data(op.out), c, from_bf16);
  to_plain_copy(f.blocked(op.in), f.data(op.out), c, [](float v) { return v; });
}

}  // namespace

void Plan::execute(const Placement& p, float* arena, const float* const* images, int threads,
                   const ParallelFor& parallel_for) {
  const Frame f{p.dims, p.offset, arena, *kernels_, bf16_, int8_, u8_scale_, threads, parallel_for};
  static const bool profile = std::getenv("RESNET50_PROFILE") != nullptr;
  // CPU time of the calling thread: on a machine shared with other work, the op's own cost when the
  // plan runs on one thread (wall time also counts the time other processes held the core).
  auto thread_cpu_ms = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
  };
  for (const Op& op : ops_) {
    if (cancelled_.load(std::memory_order_relaxed)) return;
    const auto started = std::chrono::steady_clock::now();
    const double cpu_started = profile ? thread_cpu_ms() : 0.0;
    switch (op.kind) {
      case OpKind::Input: input_forward(f, op, images); break;
      case OpKind::Conv: conv_forward(f, op); break;
      case OpKind::MaxPool: max_pool_forward(f, op); break;
      case OpKind::GlobalAvgPool:
      case OpKind::GlobalMaxPool: global_pool_forward(f, op); break;
      case OpKind::Linear: linear_forward(f, op); break;
      case OpKind::ZeroPad: zero_pad_forward(f, op); break;
      case OpKind::ToPlain: to_plain_forward(f, op); break;
      case OpKind::Quantize: quantize_forward(f, op); break;
    }
    if (profile) {
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
      const TensorDims& d = p.dims[op.out];
      std::fprintf(stderr, "op %d c%d->%d k%dx%d s%d out %dx%dx%d: %.3f ms (thread cpu %.3f ms)\n", int(op.kind), op.c,
                   op.oc, op.kh, op.kw, op.sh, d.c, d.h, d.w, ms, thread_cpu_ms() - cpu_started);
    }
  }
}

}  // namespace rn

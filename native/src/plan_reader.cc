// The checked contract of new Plan(ops, outputs) (see plan_reader.h). Each op is read field by field
// in the order of its NativeOp type; slots must be written once, before they are read, and hold the
// layout the reading op expects.
#include "plan_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "paged_alloc.h"

namespace rn {

namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1, JavaScript's largest exact integer

const char* typed_array_name(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    default: return "typed array";
  }
}

// A JavaScript value as an error message shows it: undefined, null, -1, 'abc', a Float64Array of 3 elements.
std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsBoolean() || v.IsNumber()) return v.ToString();
  if (v.IsString()) {
    const std::string s = v.As<Napi::String>();
    return "'" + (s.size() > 40 ? s.substr(0, 40) + "..." : s) + "'";
  }
  if (v.IsTypedArray()) {
    const Napi::TypedArray a = v.As<Napi::TypedArray>();
    return std::string("a ") + typed_array_name(a.TypedArrayType()) + " of " + std::to_string(a.ElementLength()) +
           " elements";
  }
  if (v.IsArray()) return "an array";
  if (v.IsFunction()) return "a function";
  if (v.IsObject()) return "an object";
  return v.IsSymbol() ? "a symbol" : "a bigint";
}

// Whole numbers in [min, max], as doubles (JavaScript numbers).
bool is_integer(const Napi::Value& v, double min, double max) {
  if (!v.IsNumber()) return false;
  const double d = v.As<Napi::Number>().DoubleValue();
  return d == std::floor(d) && d >= min && d <= max;
}

bool is_float32_array(const Napi::Value& v) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array;
}

bool present(const TensorSource& t) { return t.memory != nullptr || t.file >= 0; }

// Floats of scratch a tensor read from a file takes: whole 64-byte lines, so the next one starts aligned.
size_t scratch_floats(size_t length) { return (length + 15) / 16 * 16; }

const char* layout_name(Layout l) {
  switch (l) {
    case Layout::PlainInput: return "a plain input";
    case Layout::Blocked: return "blocked activations";
    case Layout::Flat: return "flat features";
    case Layout::Plain: return "plain NCHW values";
  }
  return "";
}

// What the ops read so far wrote: each slot's layout, or none. Each op writes one slot, so a plan's
// slots number below its op count.
struct Slots {
  explicit Slots(int count) : layout(count, -1) {}
  std::vector<int> layout;  // Layout as int, -1 while no op has written the slot
  int count() const { return int(layout.size()); }
  bool written(int t) const { return layout[t] >= 0; }
};

// Reads the fields of op `index` of kind `kind`; every error is a TypeError naming both and the field.
class OpReader {
 public:
  OpReader(const Napi::Object& o, uint32_t index, const std::string& kind, Slots& slots, PlanSpec& spec)
      : o_(o), slots_(slots), spec_(spec), prefix_("plan op " + std::to_string(index) + " (" + kind + "): "), kind_(kind) {}

  [[noreturn]] void fail(const std::string& message) const { throw Napi::TypeError::New(o_.Env(), prefix_ + message); }

  [[noreturn]] void fail(const std::string& field, const std::string& rule, const Napi::Value& got) const {
    fail("field '" + field + "' must be " + rule + ", got " + describe(got));
  }

  // An integer in [min, 2^31 - 1].
  int integer(const char* field, int min) const {
    const Napi::Value v = o_.Get(field);
    if (!is_integer(v, min, INT32_MAX))
      fail(field, min == 0 ? "a non-negative 32-bit integer" : "a positive 32-bit integer", v);
    return int(v.As<Napi::Number>().DoubleValue());
  }

  Napi::Value get(const char* field) const { return o_.Get(field); }

  bool boolean(const char* field) const {
    const Napi::Value v = o_.Get(field);
    if (!v.IsBoolean()) fail(field, "a boolean", v);
    return v.As<Napi::Boolean>().Value();
  }

  double non_negative(const char* field) const {
    const Napi::Value v = o_.Get(field);
    if (!v.IsNumber() || !std::isfinite(v.As<Napi::Number>().DoubleValue()) || v.As<Napi::Number>().DoubleValue() < 0)
      fail(field, "a non-negative finite number", v);
    return v.As<Napi::Number>().DoubleValue();
  }

  // One of `choices`, as its index.
  int choice(const char* field, std::initializer_list<const char*> choices) const {
    const Napi::Value v = o_.Get(field);
    std::string rule;
    int i = 0;
    for (const char* c : choices) {
      if (v.IsString() && v.As<Napi::String>().Utf8Value() == c) return i;
      rule += std::string(i == 0 ? "" : i + 1 == int(choices.size()) ? " or " : ", ") + "'" + c + "'";
      i++;
    }
    fail(field, rule, v);
  }

  // A slot an earlier op wrote, holding one of the `accepted` layouts; -1 for null when `nullable`.
  int source(const char* field, std::initializer_list<Layout> accepted, bool nullable = false) const {
    const Napi::Value v = o_.Get(field);
    if (nullable && v.IsNull()) return -1;
    const int t = slot(field, v, nullable);
    if (!slots_.written(t))
      fail("field '" + std::string(field) + "' is slot " + std::to_string(t) + ", which no earlier op writes");
    const Layout held = Layout(slots_.layout[t]);
    std::string wanted;
    for (Layout l : accepted) {
      if (l == held) return t;
      wanted += std::string(wanted.empty() ? "" : " or ") + layout_name(l);
    }
    fail("field '" + std::string(field) + "' is slot " + std::to_string(t) + ", which holds " + layout_name(held) +
         "; " + kind_ + " reads " + wanted);
  }

  Layout layout_of(int t) const { return Layout(slots_.layout[t]); }

  // A slot no earlier op wrote; it now holds `layout`.
  int target(const char* field, Layout layout) const {
    const Napi::Value v = o_.Get(field);
    const int t = slot(field, v, false);
    if (slots_.written(t))
      fail("field '" + std::string(field) + "' is slot " + std::to_string(t) + ", which an earlier op already writes");
    slots_.layout[t] = int(layout);
    return t;
  }

  // Float32 values: a Float32Array, or { file, offset, length } naming little-endian float32 values
  // inside a weights file, which build_plan reads one op at a time so that JavaScript never holds a
  // second copy of the weights. `expected` elements, named by `size` (e.g. "outFeatures·inFeatures").
  // Null gives an absent source when `nullable`.
  TensorSource tensor(const char* field, double expected, const char* size, bool nullable = false) {
    const Napi::Value v = o_.Get(field);
    TensorSource t;
    t.field = field;
    if (nullable && v.IsNull()) return t;
    if (is_float32_array(v)) {
      const Napi::Float32Array a = v.As<Napi::Float32Array>();
      check_length(field, double(a.ElementLength()), expected, size);
      spec_.arrays.push_back(Napi::Persistent(a));
      t.memory = a.Data();
      t.length = a.ElementLength();
      return t;
    }
    if (!v.IsObject() || v.IsArray() || v.IsTypedArray() || v.IsFunction()) {
      fail(field,
           nullable ? "a Float32Array, a {file, offset, length} object or null"
                    : "a Float32Array or a {file, offset, length} object",
           v);
    }
    const Napi::Object ref = v.As<Napi::Object>();
    const std::string name(field);
    const Napi::Value file = ref.Get("file"), offset = ref.Get("offset"), length = ref.Get("length");
    if (!file.IsString() || file.As<Napi::String>().Utf8Value().empty())
      fail(name + ".file", "a non-empty string", file);
    if (!is_integer(offset, 0, kMaxSafeInteger)) fail(name + ".offset", "a non-negative integer", offset);
    if (!is_integer(length, 0, kMaxSafeInteger)) fail(name + ".length", "a non-negative integer", length);
    check_length(field, length.As<Napi::Number>().DoubleValue(), expected, size);
    const std::string path = file.As<Napi::String>();
    const auto known = std::find(spec_.files.begin(), spec_.files.end(), path);
    t.file = int(known - spec_.files.begin());
    if (known == spec_.files.end()) spec_.files.push_back(path);
    t.offset = uint64_t(offset.As<Napi::Number>().DoubleValue());
    t.length = size_t(expected);
    file_floats_ += scratch_floats(t.length);
    return t;
  }

  // Floats of scratch the tensors read from files so far take.
  size_t file_floats() const { return file_floats_; }

 private:
  int slot(const char* field, const Napi::Value& v, bool nullable) const {
    if (!is_integer(v, 0, slots_.count() - 1)) {
      fail(field, "an integer slot from 0 to " + std::to_string(slots_.count() - 1) + (nullable ? " or null" : ""), v);
    }
    return int(v.As<Napi::Number>().DoubleValue());
  }

  void check_length(const char* field, double length, double expected, const char* size) const {
    if (length != expected) {
      fail("field '" + std::string(field) + "' has " + Napi::Number::New(o_.Env(), length).ToString().Utf8Value() +
           " elements, expected " + Napi::Number::New(o_.Env(), expected).ToString().Utf8Value() + " (" + size + ")");
    }
  }

  const Napi::Object& o_;
  Slots& slots_;
  PlanSpec& spec_;
  size_t file_floats_ = 0;
  const std::string prefix_;
  const std::string kind_;
};

}  // namespace

// The tensors of one op at a time: JavaScript memory as it is, file ranges read (one pread each)
// into a scratch buffer sized once for the largest op and reused, so that building a plan allocates,
// faults in and frees no per-tensor copies.
class TensorLoader {
 public:
  explicit TensorLoader(const PlanSpec& spec) : spec_(spec), fds_(spec.files.size(), -1) { scratch_.resize(spec.scratch_floats); }
  TensorLoader(const TensorLoader&) = delete;
  TensorLoader& operator=(const TensorLoader&) = delete;
  ~TensorLoader() {
    for (int fd : fds_)
      if (fd >= 0) close(fd);
  }

  // Starts the next op: its tensors reuse the scratch from the start.
  void next_op() { used_ = 0; }

  // The values of `t` (null when absent), valid until next_op().
  const float* operator()(const TensorSource& t) {
    if (t.memory != nullptr || t.file < 0) return t.memory;
    float* dst = scratch_.data() + used_;
    used_ += scratch_floats(t.length);
    if (!read(t, reinterpret_cast<char*>(dst), t.length * sizeof(float))) {
      // addon.ts turns this message into a FileFormatError naming the file and tensor.
      throw std::runtime_error(spec_.files[t.file] + ": cannot read tensor data for '" + t.field + "'");
    }
    return dst;
  }

 private:
  bool read(const TensorSource& t, char* dst, size_t bytes) {
    int& fd = fds_[t.file];
    if (fd < 0) {
      fd = open(spec_.files[t.file].c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return false;
#ifdef POSIX_FADV_SEQUENTIAL
      posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    }
    for (size_t done = 0; done < bytes;) {
      const ssize_t n = pread(fd, dst + done, bytes - done, off_t(t.offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += size_t(n);
    }
    return true;
  }

  const PlanSpec& spec_;
  std::vector<int> fds_;
  PagedVector<float> scratch_;
  size_t used_ = 0;
};

namespace {

using Step = std::function<void(Plan&, TensorLoader&)>;

void read_input(OpReader& r, PlanSpec& spec) {
  static const Layout layouts[] = {Layout::PlainInput, Layout::Flat, Layout::Blocked};
  const Layout layout = layouts[r.choice("layout", {"plain", "flat", "blocked"})];
  const int out = r.target("output", layout);
  const int channels = r.integer("channels", 1), border = r.integer("border", 0);
  spec.ops.push_back([=](Plan& plan, TensorLoader&) { plan.add_input(out, layout, channels, border); });
}

void read_conv(OpReader& r, PlanSpec& spec) {
  ConvSpec s;
  s.in = r.source("input", {Layout::PlainInput, Layout::Blocked});
  s.residual = r.source("residual", {Layout::Blocked}, true);
  s.out = r.target("output", Layout::Blocked);
  s.relu = r.boolean("relu");
  s.c = r.integer("inChannels", 1);
  s.oc = r.integer("outChannels", 1);
  s.kh = r.integer("kernelH", 1);
  s.kw = r.integer("kernelW", 1);
  s.sh = r.integer("strideH", 1);
  s.sw = r.integer("strideW", 1);
  s.ph = r.integer("padH", 0);
  s.pw = r.integer("padW", 0);
  // weight, bias, and batch norm folded into the weights: all four tensors, or none.
  TensorSource t[6];
  t[0] = r.tensor("weight", double(s.oc) * s.c * s.kh * s.kw, "outChannels·inChannels·kernelH·kernelW");
  t[1] = r.tensor("bias", s.oc, "outChannels", true);
  const char* const bn_fields[] = {"bnWeight", "bnBias", "bnMean", "bnVar"};
  for (int i = 0; i < 4; i++) {
    t[2 + i] = r.tensor(bn_fields[i], s.oc, "outChannels", true);
    if (present(t[2 + i]) != present(t[2])) {
      auto what = [](const TensorSource& x) { return present(x) ? "a tensor" : "null"; };
      r.fail(std::string("field 'bnWeight' is ") + what(t[2]) + " but field '" + bn_fields[i] + "' is " +
             what(t[2 + i]) + "; bnWeight, bnBias, bnMean and bnVar must be all tensors or all null");
    }
  }
  s.bn_eps = r.non_negative("bnEps");
  // Optional (int8 plans): the calibrated scale of the input as u8; absent or null: none.
  const Napi::Value input_scale = r.get("inputScale");
  if (!input_scale.IsUndefined() && !input_scale.IsNull()) {
    const double v = r.non_negative("inputScale");
    if (!(v > 0 && v <= 3.4e38)) r.fail("inputScale", "a positive float32 number or null", input_scale);
    s.input_scale = float(v);
  }
  const bool plain_in = r.layout_of(s.in) == Layout::PlainInput;
  spec.ops.push_back([s, t, plain_in](Plan& plan, TensorLoader& load) mutable {
    const float** const values[] = {&s.weight, &s.bias, &s.bn_weight, &s.bn_bias, &s.bn_mean, &s.bn_var};
    for (int i = 0; i < 6; i++) *values[i] = load(t[i]);
    plan.add_conv(s, plain_in);
  });
}

void read_max_pool(OpReader& r, PlanSpec& spec) {
  const int in = r.source("input", {Layout::Blocked}), out = r.target("output", Layout::Blocked);
  const int kh = r.integer("kernelH", 1), kw = r.integer("kernelW", 1);
  const int sh = r.integer("strideH", 1), sw = r.integer("strideW", 1);
  const int ph = r.integer("padH", 0), pw = r.integer("padW", 0);
  spec.ops.push_back([=](Plan& plan, TensorLoader&) { plan.add_pool(OpKind::MaxPool, in, out, kh, kw, sh, sw, ph, pw); });
}

template <OpKind Kind>
void read_global_pool(OpReader& r, PlanSpec& spec) {
  const int in = r.source("input", {Layout::Blocked}), out = r.target("output", Layout::Flat);
  spec.ops.push_back([=](Plan& plan, TensorLoader&) { plan.add_pool(Kind, in, out, 0, 0, 1, 1, 0, 0); });
}

void read_linear(OpReader& r, PlanSpec& spec) {
  const int in = r.source("input", {Layout::Flat}), out = r.target("output", Layout::Flat);
  const int in_features = r.integer("inFeatures", 1), out_features = r.integer("outFeatures", 1);
  const TensorSource weight = r.tensor("weight", double(out_features) * in_features, "outFeatures·inFeatures");
  const TensorSource bias = r.tensor("bias", out_features, "outFeatures", true);
  spec.ops.push_back([=](Plan& plan, TensorLoader& load) {
    const float* w = load(weight);
    plan.add_linear(in, out, in_features, out_features, w, load(bias));
  });
}

void read_zero_pad(OpReader& r, PlanSpec& spec) {
  const int in = r.source("input", {Layout::Blocked}), out = r.target("output", Layout::Blocked);
  const int out_channels = r.integer("outChannels", 1), stride = r.integer("stride", 1);
  spec.ops.push_back([=](Plan& plan, TensorLoader&) { plan.add_zero_pad(in, out, out_channels, stride); });
}

void read_to_plain(OpReader& r, PlanSpec& spec) {
  const int in = r.source("input", {Layout::Blocked}), out = r.target("output", Layout::Plain);
  spec.ops.push_back([=](Plan& plan, TensorLoader&) { plan.add_to_plain(in, out); });
}

// The op kinds, as NativeOp's `op` field names them.
struct KindReader {
  const char* name;
  void (*read)(OpReader& r, PlanSpec& spec);
};
const KindReader kKinds[] = {{"input", read_input},
                             {"conv", read_conv},
                             {"maxpool", read_max_pool},
                             {"globalavgpool", read_global_pool<OpKind::GlobalAvgPool>},
                             {"globalmaxpool", read_global_pool<OpKind::GlobalMaxPool>},
                             {"linear", read_linear},
                             {"zeropad", read_zero_pad},
                             {"toplain", read_to_plain}};

}  // namespace

std::unique_ptr<PlanSpec> read_plan(const Napi::Value& ops_value, const Napi::Value& outputs_value) {
  const Napi::Env env = ops_value.Env();
  if (!ops_value.IsArray() || ops_value.As<Napi::Array>().Length() == 0) {
    throw Napi::TypeError::New(env, "plan: 'ops' must be a non-empty array of op objects, got " + describe(ops_value));
  }
  auto spec = std::make_unique<PlanSpec>();
  const Napi::Array ops = ops_value.As<Napi::Array>();
  Slots slots(int(ops.Length()));
  for (uint32_t i = 0; i < ops.Length(); i++) {
    const Napi::Value v = ops.Get(i);
    const std::string at = "plan op " + std::to_string(i);
    if (!v.IsObject() || v.IsArray() || v.IsFunction())
      throw Napi::TypeError::New(env, at + " must be an object, got " + describe(v));
    const Napi::Object o = v.As<Napi::Object>();
    const Napi::Value op = o.Get("op");
    const std::string kind = op.IsString() ? op.As<Napi::String>().Utf8Value() : "";
    const KindReader* reader = nullptr;
    std::string list;
    for (const KindReader& candidate : kKinds) {
      if (kind == candidate.name) reader = &candidate;
      list += std::string(list.empty() ? "'" : &candidate == std::end(kKinds) - 1 ? " or '" : ", '") + candidate.name + "'";
    }
    if (reader == nullptr) throw Napi::TypeError::New(env, at + ": field 'op' must be " + list + ", got " + describe(op));
    OpReader r(o, i, kind, slots, *spec);
    reader->read(r, *spec);
    spec->scratch_floats = std::max(spec->scratch_floats, r.file_floats());
  }
  if (!outputs_value.IsArray()) {
    throw Napi::TypeError::New(env, "plan: 'outputs' must be an array of slots, got " + describe(outputs_value));
  }
  const Napi::Array outs = outputs_value.As<Napi::Array>();
  for (uint32_t i = 0; i < outs.Length(); i++) {
    const Napi::Value v = outs.Get(i);
    if (!is_integer(v, 0, slots.count() - 1) || !slots.written(int(v.As<Napi::Number>().DoubleValue()))) {
      throw Napi::TypeError::New(env, "plan: outputs[" + std::to_string(i) + "] must be a slot an op writes, got " +
                                          describe(v));
    }
    spec->outputs.push_back(int(v.As<Napi::Number>().DoubleValue()));
  }
  return spec;
}

void build_plan(const PlanSpec& spec, Plan& plan) {
  TensorLoader load(spec);
  for (const Step& add : spec.ops) {
    load.next_op();
    add(plan, load);
  }
  plan.set_outputs(spec.outputs);
}

}  // namespace rn

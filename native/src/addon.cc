// N-API glue of the native engine: CPU dispatch, the shared thread pool, and the Plan class with
// run() (async, on libuv's worker pool, so the event loop stays free) and runSync(); buildPlan()
// builds a Plan on that pool too.
#include <napi.h>

#include <cstdio>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "plan.h"
#include "plan_reader.h"
#include "detect_kernels.h"
#include "image/normalize_rgb.h"
#include "image/png_unfilter.h"
#include "train/kernels.h"

namespace {

using rn::Layout;

// The best kernel set this CPU runs ("auto"), or the one asked for; null if the CPU lacks it.
const rn::Kernels* select_kernels(const std::string& wanted) {
  const bool any = wanted.empty() || wanted == "auto";
#ifdef RN_X86_KERNELS
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx512 && (any || wanted == "avx512")) return rn::kernels_avx512();
  if (avx2 && (any || wanted == "avx2")) return rn::kernels_avx2();
#endif
  if (any || wanted == "portable") return rn::kernels_portable();
  return nullptr;
}

// Whether this process may use the AMX tile registers: the CPU has AMX-TILE and Linux grants the
// tile data state (arch_prctl ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA, once per process, for all
// its threads); no tile instruction runs without it.
bool amx_usable() {
#if defined(RN_X86_KERNELS) && defined(__linux__) && defined(__x86_64__)
  static const bool usable = [] {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("amx-tile")) return false;
    constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
    return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
  }();
  return usable;
#else
  return false;
#endif
}

// The bf16 kernels: AMX-BF16 (tiles for the convs, AVX512-BF16 for the rest), else AVX512-BF16
// where the CPU has them ("auto"), else the portable emulation ("fp32-emulated", also on request);
// "amx-emulated" (the AMX kernels on emulated tiles) only on request; null for a name this build or
// CPU lacks.
const rn::Bf16Kernels* select_bf16(const std::string& wanted) {
  const bool any = wanted.empty() || wanted == "auto";
#ifdef RN_X86_KERNELS
  __builtin_cpu_init();
  const bool hw = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
  if (hw && (any || wanted == "amx") && __builtin_cpu_supports("amx-bf16") && amx_usable()) {
    return rn::kernels_amx_bf16();
  }
  if (hw && (any || wanted == "avx512bf16")) return rn::kernels_avx512bf16();
#endif
  if (any || wanted == "fp32-emulated") return rn::kernels_bf16_emulated();
  if (wanted == "amx-emulated") return rn::kernels_amx_bf16_emulated();
  return nullptr;
}

// The int8 kernels: AMX-INT8 (tiles for the convs), else AVX512-VNNI, else AVX-VNNI where the CPU
// has them ("auto"), else the portable emulation ("fp32-emulated", also on request); "amx-emulated"
// only on request; null for a name this build or CPU lacks.
const rn::Int8Kernels* select_int8(const std::string& wanted) {
  const bool any = wanted.empty() || wanted == "auto";
#ifdef RN_X86_KERNELS
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avxvnni");
  if (avx512 && (any || wanted == "amx") && __builtin_cpu_supports("amx-int8") && amx_usable()) {
    return rn::kernels_amx_int8();
  }
  if (avx512 && (any || wanted == "avx512vnni")) return rn::kernels_avx512vnni();
  if (avx2 && (any || wanted == "avxvnni")) return rn::kernels_avxvnni();
#endif
  if (any || wanted == "fp32-emulated") return rn::kernels_int8_emulated();
  if (wanted == "amx-emulated") return rn::kernels_amx_int8_emulated();
  return nullptr;
}

const rn::Kernels* g_kernels = nullptr;
const rn::Int8Kernels* g_int8 = nullptr;
const rn::Bf16Kernels* g_bf16 = nullptr;
std::unique_ptr<rn::ThreadPool> g_pool;
std::mutex g_run_mutex;  // one plan runs on the pool at a time

int default_threads() {
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : int(hw);
}

rn::ThreadPool& pool() {
  if (!g_pool) g_pool = std::make_unique<rn::ThreadPool>(default_threads());
  return *g_pool;
}

class PlanWrap : public Napi::ObjectWrap<PlanWrap> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Plan",
                       {InstanceMethod("run", &PlanWrap::Run), InstanceMethod("runSync", &PlanWrap::RunSync),
                        InstanceMethod("weightBytes", &PlanWrap::WeightBytes),
                        InstanceMethod("path", &PlanWrap::Path),
                        InstanceMethod("dispose", &PlanWrap::Dispose)});
  }

  // new Plan(ops: object[], outputs: number[], options?: { precision: 'fp32' | 'bf16' | 'int8' }) builds the plan
  // here, on the calling thread (small plans, the per-op kernels); buildPlan() on a worker thread.
  PlanWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PlanWrap>(info) {
    if (info[0].IsExternal()) {  // from BuildWorker::OnOK: the plan it built
      plan_ = *info[0].As<Napi::External<std::shared_ptr<rn::Plan>>>().Data();
      return;
    }
    const std::string precision = ReadPrecision(info.Env(), info.Length() > 2 ? info[2] : info.Env().Undefined());
    const std::unique_ptr<rn::PlanSpec> spec = rn::read_plan(info[0], info[1]);
    plan_ = NewPlan(precision);
    try {
      rn::build_plan(*spec, *plan_);
    } catch (const std::exception& e) {
      throw Napi::Error::New(info.Env(), e.what());
    }
  }

  // buildPlan(ops, outputs, options?): Promise<Plan>. The ops are read and checked here (a malformed
  // one rejects with the constructor's TypeError); reading the weights from their files, folding and
  // packing them run on libuv's worker pool, so the event loop stays free.
  static Napi::Value BuildPlan(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto deferred = Napi::Promise::Deferred::New(env);
    try {
      const std::string precision = ReadPrecision(env, info.Length() > 2 ? info[2] : env.Undefined());
      auto* worker = new BuildWorker(env, deferred, rn::read_plan(info[0], info[1]), NewPlan(precision));
      worker->Queue();
    } catch (const Napi::Error& e) {
      deferred.Reject(e.Value());
    }
    return deferred.Promise();
  }

 private:
  // options.precision: 'fp32' (also when absent), 'bf16' or 'int8'.
  static std::string ReadPrecision(Napi::Env env, const Napi::Value& options) {
    if (options.IsUndefined()) return "fp32";
    const Napi::Value p = options.IsObject() ? options.As<Napi::Object>().Get("precision") : options;
    const std::string precision = p.IsString() ? p.As<Napi::String>().Utf8Value() : "";
    if (precision != "fp32" && precision != "bf16" && precision != "int8") {
      throw Napi::TypeError::New(env, "plan: options.precision must be 'fp32', 'bf16' or 'int8'");
    }
    return precision;
  }

  // An empty plan on the kernels configured now for `precision` (filled by build_plan).
  static std::shared_ptr<rn::Plan> NewPlan(const std::string& precision) {
    return std::make_shared<rn::Plan>(g_kernels, precision == "bf16" ? g_bf16 : nullptr,
                                      precision == "int8" ? g_int8 : nullptr);
  }

  class BuildWorker : public Napi::AsyncWorker {
   public:
    BuildWorker(Napi::Env env, Napi::Promise::Deferred deferred, std::unique_ptr<rn::PlanSpec> spec,
                std::shared_ptr<rn::Plan> plan)
        : Napi::AsyncWorker(env), deferred_(deferred), spec_(std::move(spec)), plan_(std::move(plan)) {}
    void Execute() override {
      try {
        rn::build_plan(*spec_, *plan_);
      } catch (const std::exception& e) {
        plan_.reset();
        SetError(e.what());
      }
    }
    void OnOK() override {
      Napi::Env env = Env();
      const Napi::FunctionReference& constructor = *env.GetInstanceData<Napi::FunctionReference>();
      deferred_.Resolve(constructor.New({Napi::External<std::shared_ptr<rn::Plan>>::New(env, &plan_)}));
    }
    void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

   private:
    Napi::Promise::Deferred deferred_;
    std::unique_ptr<rn::PlanSpec> spec_;  // destroyed with the worker, on the JavaScript thread
    std::shared_ptr<rn::Plan> plan_;
  };

  struct Result {
    std::vector<std::vector<float>> outputs;
    std::vector<rn::TensorDims> dims;
  };

  static Napi::Value ToJs(Napi::Env env, const Result& r) {
    Napi::Array list = Napi::Array::New(env, r.outputs.size());
    for (size_t i = 0; i < r.outputs.size(); i++) {
      auto data = Napi::Float32Array::New(env, r.outputs[i].size());
      std::copy(r.outputs[i].begin(), r.outputs[i].end(), data.Data());
      Napi::Object item = Napi::Object::New(env);
      const rn::TensorDims& d = r.dims[i];
      Napi::Array shape = Napi::Array::New(env);
      shape.Set(0u, d.n);
      shape.Set(1u, d.c);
      if (d.layout != Layout::Flat) {
        shape.Set(2u, d.h);
        shape.Set(3u, d.w);
      }
      item.Set("data", data);
      item.Set("shape", shape);
      list.Set(uint32_t(i), item);
    }
    return list;
  }

  // The images of a run: pointers to each image's c·h·w values (into one NCHW Float32Array, or
  // into one Float32Array per image) and references keeping those arrays alive until it ends.
  struct Images {
    std::vector<const float*> data;
    std::vector<Napi::Reference<Napi::Float32Array>> keep;
    int n = 0, c = 0, h = 0, w = 0;
  };

  static bool IsFloat32Array(const Napi::Value& v) {
    return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array;
  }

  // info[0]: one Float32Array of n images, or an array of n Float32Arrays of one image each;
  // info[1..4]: n, c, h, w. `persist`: keep references (a run that ends after this call returns).
  static Images ReadImages(const Napi::CallbackInfo& info, bool persist) {
    Napi::Env env = info.Env();
    Images im;
    im.n = info[1].As<Napi::Number>().Int32Value();
    im.c = info[2].As<Napi::Number>().Int32Value();
    im.h = info[3].As<Napi::Number>().Int32Value();
    im.w = info[4].As<Napi::Number>().Int32Value();
    if (im.n < 1 || im.c < 1 || im.h < 1 || im.w < 1) throw Napi::RangeError::New(env, "input shape must be positive");
    const size_t each = size_t(im.c) * im.h * im.w;
    auto add = [&](const Napi::Float32Array& a) {
      if (persist) im.keep.push_back(Napi::Persistent(a));
    };
    if (IsFloat32Array(info[0])) {
      Napi::Float32Array a = info[0].As<Napi::Float32Array>();
      if (a.ElementLength() != each * im.n) throw Napi::RangeError::New(env, "input length does not match its shape");
      for (int i = 0; i < im.n; i++) im.data.push_back(a.Data() + i * each);
      add(a);
      return im;
    }
    if (!info[0].IsArray()) throw Napi::TypeError::New(env, "input must be a Float32Array or an array of them");
    Napi::Array list = info[0].As<Napi::Array>();
    if (list.Length() != uint32_t(im.n)) {
      throw Napi::RangeError::New(env, "input has a different number of images than n");
    }
    for (uint32_t i = 0; i < list.Length(); i++) {
      Napi::Value v = list.Get(i);
      if (!IsFloat32Array(v)) throw Napi::TypeError::New(env, "each input image must be a Float32Array");
      Napi::Float32Array a = v.As<Napi::Float32Array>();
      if (a.ElementLength() != each) {
        throw Napi::RangeError::New(env, "an input image's length does not match its shape");
      }
      im.data.push_back(a.Data());
      add(a);
    }
    return im;
  }

  class RunWorker : public Napi::AsyncWorker {
   public:
    RunWorker(Napi::Env env, std::shared_ptr<rn::Plan> plan, Images images)
        : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), plan_(std::move(plan)),
          images_(std::move(images)) {}
    Napi::Promise Promise() { return deferred_.Promise(); }
    void Execute() override {
      try {
        std::lock_guard<std::mutex> lock(g_run_mutex);
        plan_->run(pool(), images_.data.data(), images_.n, images_.c, images_.h, images_.w, result_.outputs,
                   result_.dims);
      } catch (const std::exception& e) {
        SetError(e.what());
      }
    }
    void OnOK() override { deferred_.Resolve(ToJs(Env(), result_)); }
    void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

   private:
    Napi::Promise::Deferred deferred_;
    std::shared_ptr<rn::Plan> plan_;
    Images images_;
    Result result_;
  };

  // The plan, or a JavaScript error once dispose() has released it.
  const std::shared_ptr<rn::Plan>& live(Napi::Env env) const {
    if (!plan_) throw Napi::Error::New(env, "the native plan was disposed");
    return plan_;
  }

  // run(input: Float32Array | Float32Array[], n, c, h, w): Promise<{data, shape}[]>
  Napi::Value Run(const Napi::CallbackInfo& info) {
    auto* worker = new RunWorker(info.Env(), live(info.Env()), ReadImages(info, true));
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  Napi::Value RunSync(const Napi::CallbackInfo& info) {
    const Images im = ReadImages(info, false);
    const std::shared_ptr<rn::Plan>& plan = live(info.Env());
    Result r;
    try {
      std::lock_guard<std::mutex> lock(g_run_mutex);
      plan->run(pool(), im.data.data(), im.n, im.c, im.h, im.w, r.outputs, r.dims);
    } catch (const std::exception& e) {
      throw Napi::Error::New(info.Env(), e.what());
    }
    return ToJs(info.Env(), r);
  }

  Napi::Value Path(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), live(info.Env())->path()); }

  Napi::Value WeightBytes(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), double(live(info.Env())->weight_bytes()));
  }

  // Releases the packed weights and activation arenas now instead of at garbage collection; a run
  // still in flight stops within one work item (its promise rejects) and frees them when it ends.
  // Idempotent.
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    // Only a model's worth of weights is worth a trim (one-op plans of the training kernels hold none).
    const bool trim = plan_ && plan_.use_count() == 1 && plan_->weight_bytes() >= (size_t(1) << 20);
    if (plan_) plan_->cancel();
    plan_.reset();
#ifdef __GLIBC__
    // glibc keeps freed blocks below its (adaptive) mmap threshold in its arenas: hand them back.
    if (trim) malloc_trim(0);
#else
    (void)trim;
#endif
    return info.Env().Undefined();
  }

  std::shared_ptr<rn::Plan> plan_;
};

// configure({ isa?: 'auto'|'avx512'|'avx2'|'portable',
//             bf16?: 'auto'|'amx'|'avx512bf16'|'amx-emulated'|'fp32-emulated',
//             int8?: 'auto'|'amx'|'avx512vnni'|'avxvnni'|'amx-emulated'|'fp32-emulated', threads?: number })
//   → { isa, bf16, int8, threads }; plans built later use these kernels.
Napi::Value Configure(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::lock_guard<std::mutex> lock(g_run_mutex);
  if (info.Length() > 0 && info[0].IsObject()) {
    Napi::Object o = info[0].As<Napi::Object>();
    if (o.Get("isa").IsString()) {
      const rn::Kernels* k = select_kernels(o.Get("isa").As<Napi::String>());
      if (k == nullptr) throw Napi::Error::New(env, "this CPU does not support the requested instruction set");
      g_kernels = k;
    }
    if (o.Get("bf16").IsString()) {
      const rn::Bf16Kernels* k = select_bf16(o.Get("bf16").As<Napi::String>());
      if (k == nullptr) throw Napi::Error::New(env, "this CPU does not support the requested bf16 instructions");
      g_bf16 = k;
    }
    if (o.Get("int8").IsString()) {
      const rn::Int8Kernels* k = select_int8(o.Get("int8").As<Napi::String>());
      if (k == nullptr) throw Napi::Error::New(env, "this CPU does not support the requested int8 instructions");
      g_int8 = k;
    }
    if (o.Get("threads").IsNumber()) {
      const int t = o.Get("threads").As<Napi::Number>().Int32Value();
      g_pool = std::make_unique<rn::ThreadPool>(t < 1 ? default_threads() : t);
    }
  }
  Napi::Object r = Napi::Object::New(env);
  r.Set("isa", g_kernels->name);
  r.Set("bf16", g_bf16->name);
  r.Set("int8", g_int8->name);
  r.Set("threads", pool().threads());
  return r;
}

// ConvShape from (xShape [N,C,H,W], wShape [OC,C,KH,KW], stride [SH,SW], padding [PH,PW]).
rn::ConvShape conv_shape(const Napi::CallbackInfo& info, int xi, int wi, int si) {
  auto at = [&](int arg, uint32_t i) { return info[arg].As<Napi::Array>().Get(i).As<Napi::Number>().Int32Value(); };
  const rn::ConvShape s = rn::conv_shape(at(xi, 0), at(xi, 1), at(xi, 2), at(xi, 3), at(wi, 0), at(wi, 2), at(wi, 3),
                                         at(si, 0), at(si, 1), at(si + 1, 0), at(si + 1, 1));
  if (at(wi, 1) != s.c) throw Napi::RangeError::New(info.Env(), "weight does not fit the input channels");
  if (s.oh < 1 || s.ow < 1) throw Napi::RangeError::New(info.Env(), "input is too small for the convolution");
  return s;
}

float* f32(const Napi::CallbackInfo& info, int arg, size_t expected) {
  if (!info[arg].IsTypedArray() || info[arg].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), "expected a Float32Array");
  }
  auto a = info[arg].As<Napi::Float32Array>();
  if (a.ElementLength() != expected) throw Napi::RangeError::New(info.Env(), "array length does not match its shape");
  return a.Data();
}

// convForward(x, xShape, w, wShape, stride, padding, bias?) → Float32Array (N, OC, OH, OW)
Napi::Value ConvForward(const Napi::CallbackInfo& info) {
  const rn::ConvShape s = conv_shape(info, 1, 3, 4);
  const float* x = f32(info, 0, size_t(s.n) * s.c * s.h * s.w);
  const float* w = f32(info, 2, size_t(s.oc) * s.c * s.kh * s.kw);
  const float* bias = info.Length() > 6 && !info[6].IsNull() && !info[6].IsUndefined() ? f32(info, 6, size_t(s.oc)) : nullptr;
  auto out = Napi::Float32Array::New(info.Env(), size_t(s.n) * s.oc * s.oh * s.ow);
  std::lock_guard<std::mutex> lock(g_run_mutex);
  rn::conv_train_forward(pool(), g_kernels, s, x, w, bias, out.Data());
  return out;
}

// matmul(a, transA, b, transB, m, n, k) → Float32Array (M, N) = op(a) · op(b)
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  const int m = info[4].As<Napi::Number>().Int32Value(), n = info[5].As<Napi::Number>().Int32Value(),
            k = info[6].As<Napi::Number>().Int32Value();
  if (m < 0 || n < 0 || k < 0) throw Napi::RangeError::New(info.Env(), "negative matrix size");
  const float* a = f32(info, 0, size_t(m) * k);
  const float* b = f32(info, 2, size_t(k) * n);
  auto c = Napi::Float32Array::New(info.Env(), size_t(m) * n);
  if (k == 0 || m == 0 || n == 0) return c;
  std::lock_guard<std::mutex> lock(g_run_mutex);
  rn::matmul(pool(), g_kernels, m, n, k, a, info[1].ToBoolean(), b, info[3].ToBoolean(), c.Data());
  return c;
}

// convBackward(x, xShape, w, wShape, stride, padding, dout, needInputGrad) → { dweight, dbias, dx | null }
Napi::Value ConvBackward(const Napi::CallbackInfo& info) {
  const rn::ConvShape s = conv_shape(info, 1, 3, 4);
  const float* x = f32(info, 0, size_t(s.n) * s.c * s.h * s.w);
  const float* w = f32(info, 2, size_t(s.oc) * s.c * s.kh * s.kw);
  const float* dout = f32(info, 6, size_t(s.n) * s.oc * s.oh * s.ow);
  const bool need_dx = info[7].ToBoolean();
  Napi::Env env = info.Env();
  auto dweight = Napi::Float32Array::New(env, size_t(s.oc) * s.c * s.kh * s.kw);
  auto dbias = Napi::Float32Array::New(env, size_t(s.oc));
  Napi::Value dx = env.Null();
  float* dx_data = nullptr;
  if (need_dx) {
    auto a = Napi::Float32Array::New(env, size_t(s.n) * s.c * s.h * s.w);
    dx_data = a.Data();
    dx = a;
  }
  {
    std::lock_guard<std::mutex> lock(g_run_mutex);
    rn::conv_train_backward(pool(), g_kernels, s, x, w, dout, dweight.Data(), dbias.Data(), dx_data);
  }
  Napi::Object r = Napi::Object::New(env);
  r.Set("dweight", dweight);
  r.Set("dbias", dbias);
  r.Set("dx", dx);
  return r;
}

// Float32Array argument `arg` of any length.
Napi::Float32Array f32any(const Napi::CallbackInfo& info, int arg) {
  if (!info[arg].IsTypedArray() || info[arg].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), "expected a Float32Array");
  }
  return info[arg].As<Napi::Float32Array>();
}

// bnTrain(x, n, c, hw, weight, bias, eps, relu) → { out, mean, variance, invstd }
Napi::Value BnTrain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int n = info[1].As<Napi::Number>().Int32Value(), c = info[2].As<Napi::Number>().Int32Value(),
            hw = info[3].As<Napi::Number>().Int32Value();
  const float* x = f32(info, 0, size_t(n) * c * hw);
  const float* w = f32(info, 4, size_t(c));
  const float* b = f32(info, 5, size_t(c));
  auto out = Napi::Float32Array::New(env, size_t(n) * c * hw);
  auto mean = Napi::Float32Array::New(env, c), var = Napi::Float32Array::New(env, c),
       invstd = Napi::Float32Array::New(env, c);
  {
    std::lock_guard<std::mutex> lock(g_run_mutex);
    rn::bn_train_forward(pool(), n, c, hw, x, w, b, info[6].As<Napi::Number>().DoubleValue(), info[7].ToBoolean(),
                         out.Data(), mean.Data(), var.Data(), invstd.Data());
  }
  Napi::Object r = Napi::Object::New(env);
  r.Set("out", out);
  r.Set("mean", mean);
  r.Set("variance", var);
  r.Set("invstd", invstd);
  return r;
}

// bnBackward(dout, x, n, c, hw, mean, invstd, weight, reluOut | null) → { dx, dweight, dbias }
Napi::Value BnBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int n = info[2].As<Napi::Number>().Int32Value(), c = info[3].As<Napi::Number>().Int32Value(),
            hw = info[4].As<Napi::Number>().Int32Value();
  const size_t size = size_t(n) * c * hw;
  const float* dout = f32(info, 0, size);
  const float* x = f32(info, 1, size);
  auto dx = Napi::Float32Array::New(env, size);
  auto dw = Napi::Float32Array::New(env, c), db = Napi::Float32Array::New(env, c);
  {
    std::lock_guard<std::mutex> lock(g_run_mutex);
    const float* relu_out = info[8].IsNull() || info[8].IsUndefined() ? nullptr : f32(info, 8, size);
    rn::bn_backward(pool(), n, c, hw, dout, relu_out, x, f32(info, 5, c), f32(info, 6, c), f32(info, 7, c), dx.Data(),
                    dw.Data(), db.Data());
  }
  Napi::Object r = Napi::Object::New(env);
  r.Set("dx", dx);
  r.Set("dweight", dw);
  r.Set("dbias", db);
  return r;
}

// bnAffine(x, n, c, hw, scale, shift) → Float32Array
Napi::Value BnAffine(const Napi::CallbackInfo& info) {
  const int n = info[1].As<Napi::Number>().Int32Value(), c = info[2].As<Napi::Number>().Int32Value(),
            hw = info[3].As<Napi::Number>().Int32Value();
  const float* x = f32(info, 0, size_t(n) * c * hw);
  auto out = Napi::Float32Array::New(info.Env(), size_t(n) * c * hw);
  std::lock_guard<std::mutex> lock(g_run_mutex);
  rn::bn_affine(pool(), n, c, hw, x, f32(info, 4, c), f32(info, 5, c), out.Data());
  return out;
}

// elementwise(kind, a, b?) → Float32Array: 'relu' max(a,0), 'add' a+b, 'reluBackward' b>0 ? a : 0
Napi::Value Elementwise(const Napi::CallbackInfo& info) {
  const std::string kind = info[0].As<Napi::String>();
  auto a = f32any(info, 1);
  const size_t size = a.ElementLength();
  const float* b = kind == "relu" ? nullptr : f32(info, 2, size);
  auto out = Napi::Float32Array::New(info.Env(), size);
  std::lock_guard<std::mutex> lock(g_run_mutex);
  if (kind == "relu") rn::relu_forward(pool(), size, a.Data(), out.Data());
  else if (kind == "add") rn::add_forward(pool(), size, a.Data(), b, out.Data());
  else if (kind == "reluBackward") rn::relu_backward(pool(), size, a.Data(), b, out.Data());
  else throw Napi::TypeError::New(info.Env(), "unknown element-wise op '" + kind + "'");
  return out;
}

// roiAlign(x, n, c, h, w, rois, outH, outW, spatialScale, samplingRatio, aligned) → Float32Array (K, C, outH, outW)
Napi::Value RoiAlign(const Napi::CallbackInfo& info) {
  auto num = [&](int arg) { return info[arg].As<Napi::Number>().Int32Value(); };
  const int n = num(1), c = num(2), h = num(3), w = num(4), out_h = num(6), out_w = num(7);
  const float* x = f32(info, 0, size_t(n) * c * h * w);
  auto rois = f32any(info, 5);
  const int k = int(rois.ElementLength() / 5);
  for (int r = 0; r < k; r++) {
    const float b = rois.Data()[size_t(r) * 5];
    if (!(b >= 0 && b < float(n))) throw Napi::RangeError::New(info.Env(), "RoI batch index out of range");
  }
  auto out = Napi::Float32Array::New(info.Env(), size_t(k) * c * out_h * out_w);
  std::lock_guard<std::mutex> lock(g_run_mutex);
  rn::roi_align(pool(), x, n, c, h, w, rois.Data(), k, out_h, out_w,
                float(info[8].As<Napi::Number>().DoubleValue()), num(9), info[10].ToBoolean(), out.Data());
  return out;
}

// maxPoolBackward(dout, x, [planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw]) → Float32Array like x
Napi::Value MaxPoolBackward(const Napi::CallbackInfo& info) {
  auto dims = info[2].As<Napi::Array>();
  int d[11];
  for (uint32_t i = 0; i < 11; i++) d[i] = dims.Get(i).As<Napi::Number>().Int32Value();
  const float* dout = f32(info, 0, size_t(d[0]) * d[3] * d[4]);
  const float* x = f32(info, 1, size_t(d[0]) * d[1] * d[2]);
  auto dx = Napi::Float32Array::New(info.Env(), size_t(d[0]) * d[1] * d[2]);
  std::lock_guard<std::mutex> lock(g_run_mutex);
  rn::max_pool_backward(pool(), d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], dout, x, dx.Data());
  return dx;
}

// accumulate(target, source): target += source, in place.
Napi::Value Accumulate(const Napi::CallbackInfo& info) {
  auto target = f32any(info, 0);
  const float* source = f32(info, 1, target.ElementLength());
  std::lock_guard<std::mutex> lock(g_run_mutex);
  rn::accumulate(pool(), target.ElementLength(), target.Data(), source);
  return info.Env().Undefined();
}

// sgdStep(value, grad, buf | null, weightDecay, momentum, dampening, lr, nesterov, firstStep), in place.
Napi::Value SgdStep(const Napi::CallbackInfo& info) {
  auto value = f32any(info, 0);
  const size_t size = value.ElementLength();
  const float* grad = f32(info, 1, size);
  float* buf = info[2].IsNull() || info[2].IsUndefined() ? nullptr : f32(info, 2, size);
  auto num = [&](int arg) { return info[arg].As<Napi::Number>().DoubleValue(); };
  const rn::SgdHyper h{float(num(3)), float(num(4)), float(1.0 - num(5)), float(-num(6)), info[7].ToBoolean(),
                       info[8].ToBoolean()};
  std::lock_guard<std::mutex> lock(g_run_mutex);
  rn::sgd_step(pool(), size, value.Data(), grad, buf, h);
  return info.Env().Undefined();
}

// unfilterScanlines(data: Uint8Array, start, rows, rowBytes, bpp) → -1, or the first filter-type byte
// above 4: reverses the filters of `rows` scanlines at data[start..] in place (image/png_unfilter.h).
Napi::Value UnfilterScanlines(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(env, "unfilterScanlines: data must be a Uint8Array");
  Napi::Uint8Array data = info[0].As<Napi::Uint8Array>();
  auto count = [&](int arg) {
    const double v = info[arg].As<Napi::Number>().DoubleValue();
    if (!(v >= 0 && v <= 9007199254740991.0) || v != double(size_t(v)))
      throw Napi::RangeError::New(env, "unfilterScanlines: sizes must be non-negative integers");
    return size_t(v);
  };
  const size_t start = count(1), rows = count(2), row_bytes = count(3), bpp = count(4);
  if (bpp < 1 || bpp > 8) throw Napi::RangeError::New(env, "unfilterScanlines: bpp must be 1 to 8");
  const size_t length = data.ElementLength();
  if (start > length || rows > (length - start) / (row_bytes + 1))
    throw Napi::RangeError::New(env, "unfilterScanlines: the scanlines run past the end of data");
  return Napi::Number::New(env, rn::unfilter_scanlines(data.Data() + start, rows, row_bytes, int(bpp)));
}

// normalizeRgb(rgb: Uint8Array, tables: Float32Array, out: Float32Array): out's three planes from
// the interleaved pixels through the 3 × 256 tables (image/normalize_rgb.h); rgb holds out.length
// bytes.
Napi::Value NormalizeRgb(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  auto typed = [&](int arg, napi_typedarray_type type, const char* what) {
    if (!info[arg].IsTypedArray() || info[arg].As<Napi::TypedArray>().TypedArrayType() != type)
      throw Napi::TypeError::New(env, std::string("normalizeRgb: ") + what);
    return info[arg].As<Napi::TypedArray>();
  };
  Napi::Uint8Array rgb = typed(0, napi_uint8_array, "rgb must be a Uint8Array").As<Napi::Uint8Array>();
  Napi::Float32Array tables = typed(1, napi_float32_array, "tables must be a Float32Array").As<Napi::Float32Array>();
  Napi::Float32Array out = typed(2, napi_float32_array, "out must be a Float32Array").As<Napi::Float32Array>();
  if (tables.ElementLength() != 768) throw Napi::RangeError::New(env, "normalizeRgb: tables must hold 3 × 256 values");
  if (out.ElementLength() != rgb.ElementLength() || out.ElementLength() % 3 != 0)
    throw Napi::RangeError::New(env, "normalizeRgb: out must hold one value per byte of rgb, whole pixels");
  rn::normalize_rgb(rgb.Data(), rgb.ElementLength() / 3, tables.Data(), out.Data());
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Once per process: a worker thread that loads the addon again (a server's decoders) must not undo
  // the kernels the main thread chose with configure().
  static std::once_flag chosen;
  std::call_once(chosen, [] {
    g_kernels = select_kernels("auto");
    g_bf16 = select_bf16("auto");
    g_int8 = select_int8("auto");
  });
  Napi::Function plan = PlanWrap::Init(env);
  env.SetInstanceData(new Napi::FunctionReference(Napi::Persistent(plan)));
  exports.Set("Plan", plan);
  exports.Set("buildPlan", Napi::Function::New(env, PlanWrap::BuildPlan));
  exports.Set("configure", Napi::Function::New(env, Configure));
  exports.Set("convForward", Napi::Function::New(env, ConvForward));
  exports.Set("convBackward", Napi::Function::New(env, ConvBackward));
  exports.Set("matmul", Napi::Function::New(env, Matmul));
  exports.Set("roiAlign", Napi::Function::New(env, RoiAlign));
  exports.Set("accumulate", Napi::Function::New(env, Accumulate));
  exports.Set("maxPoolBackward", Napi::Function::New(env, MaxPoolBackward));
  exports.Set("sgdStep", Napi::Function::New(env, SgdStep));
  exports.Set("bnTrain", Napi::Function::New(env, BnTrain));
  exports.Set("bnBackward", Napi::Function::New(env, BnBackward));
  exports.Set("bnAffine", Napi::Function::New(env, BnAffine));
  exports.Set("elementwise", Napi::Function::New(env, Elementwise));
  exports.Set("unfilterScanlines", Napi::Function::New(env, UnfilterScanlines));
  exports.Set("normalizeRgb", Napi::Function::New(env, NormalizeRgb));
  return exports;
}

}  // namespace

NODE_API_MODULE(resnet50_native, Init)

// Reads a plan from JavaScript (the NativeOp union of src/backends/native/addon.ts) into a PlanSpec,
// checking every field: a missing or mistyped one is a TypeError naming the op index, the op kind
// and the field, never a default. Building the Plan from the spec (reading weights from their files,
// folding and packing them) needs no JavaScript and runs on any thread.
#pragma once
#include <napi.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "plan.h"

namespace rn {

class TensorLoader;

// Float32 values of an op: in JavaScript memory (a Float32Array the spec holds a reference to), or
// `length` little-endian floats at byte `offset` of weights file `file` (an index into
// PlanSpec::files), read when the plan is built. Neither: absent (a null bias).
struct TensorSource {
  const float* memory = nullptr;
  int file = -1;
  uint64_t offset = 0;
  size_t length = 0;
  std::string field;  // names the tensor in a read error
};

// A plan read and checked on the JavaScript thread. Destroy it on that thread too (it holds
// references to the op's Float32Arrays, which keep their memory alive while the plan builds).
struct PlanSpec {
  std::vector<std::function<void(Plan&, TensorLoader&)>> ops;  // each adds one op to the plan
  std::vector<int> outputs;
  std::vector<std::string> files;
  size_t scratch_floats = 0;  // the most floats one op reads from files
  std::vector<Napi::Reference<Napi::Float32Array>> arrays;
};

// new Plan(ops, outputs) / buildPlan(ops, outputs): the checked spec; throws Napi::TypeError.
std::unique_ptr<PlanSpec> read_plan(const Napi::Value& ops, const Napi::Value& outputs);

// Adds every op of `spec` to `plan` and sets its outputs, on any thread. A tensor that cannot be
// read from its file throws std::runtime_error "FILE: cannot read tensor data for 'FIELD'".
void build_plan(const PlanSpec& spec, Plan& plan);

}  // namespace rn

// Reads a plan from JavaScript (the NativeOp union of src/backends/native/addon.ts) into a Plan,
// checking every field: a missing or mistyped one is a TypeError naming the op index, the op kind
// and the field, never a default.
#pragma once
#include <napi.h>

#include "plan.h"

namespace rn {

// new Plan(ops, outputs): adds every op of `ops` to `plan` and sets its outputs.
void read_plan(const Napi::Value& ops, const Napi::Value& outputs, Plan& plan);

}  // namespace rn

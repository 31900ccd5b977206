// Element-wise training kernels (ReLU, add, the ReLU gradient) and the optimizer updates (gradient
// accumulation, SGD), threaded in chunks (see kernels.h).
#include <algorithm>

#include "kernels.h"

namespace rn {

namespace {

// Splits [0, size) into chunks of at least 64 Ki elements over the pool.
template <typename F>
void for_chunks(ThreadPool& pool, size_t size, F&& f) {
  const size_t chunk = std::max<size_t>(65536, (size + pool.threads() * 4 - 1) / (pool.threads() * 4));
  const int count = int((size + chunk - 1) / chunk);
  pool.parallel_for(count, [&](int i) { f(size_t(i) * chunk, std::min(size, size_t(i + 1) * chunk)); });
}

}  // namespace

void relu_forward(ThreadPool& pool, size_t size, const float* a, float* out) {
  for_chunks(pool, size, [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; i++) out[i] = a[i] > 0 ? a[i] : 0.0f;
  });
}

void add_forward(ThreadPool& pool, size_t size, const float* a, const float* b, float* out) {
  for_chunks(pool, size, [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; i++) out[i] = a[i] + b[i];
  });
}

void relu_backward(ThreadPool& pool, size_t size, const float* dout, const float* out, float* dx) {
  for_chunks(pool, size, [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; i++) dx[i] = out[i] > 0 ? dout[i] : 0.0f;
  });
}

void accumulate(ThreadPool& pool, size_t size, float* target, const float* source) {
  for_chunks(pool, size, [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; i++) target[i] += source[i];
  });
}

void sgd_step(ThreadPool& pool, size_t size, float* value, const float* grad, float* buf, const SgdHyper& h) {
  // As the reference kernel: each float32 step is computed in double and rounded once (this file is
  // built with -ffp-contract=off, so no step is fused differently).
  const double wd = h.weight_decay, momentum = h.momentum, omd = h.one_minus_dampening, neg_lr = h.neg_lr;
  for_chunks(pool, size, [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; i++) {
      float d = grad[i];
      if (h.weight_decay != 0.0f) d = float(double(d) + wd * double(value[i]));
      if (buf != nullptr) {
        buf[i] = h.first_step ? d : float(double(float(double(buf[i]) * momentum)) + omd * double(d));
        d = h.nesterov ? float(double(d) + momentum * double(buf[i])) : buf[i];
      }
      value[i] = float(double(value[i]) + neg_lr * double(d));
    }
  });
}

}  // namespace rn

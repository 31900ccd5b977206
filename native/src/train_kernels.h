// Convolution kernels for training on plain NCHW tensors: forward, input gradient and weight
// gradient, all as threaded GEMMs over im2col patches. GCC function multi-versioning picks the
// AVX-512, AVX2 or portable clone at load time.
#pragma once
#include "thread_pool.h"

namespace rn {

struct ConvShape {
  int n, c, h, w;       // input
  int oc, kh, kw;       // weight (OC, C, KH, KW)
  int sh, sw, ph, pw;   // stride, padding
  int oh, ow;           // output
};

// out (N, OC, OH, OW) = conv(x, weight), no bias.
void conv_train_forward(ThreadPool& pool, const ConvShape& s, const float* x, const float* weight, float* out);
// dweight (OC, C, KH, KW) = Σ_n dout ⋅ im2col(x)ᵀ; dx (N, C, H, W) = col2im(weightᵀ ⋅ dout) when dx != nullptr.
void conv_train_backward(ThreadPool& pool, const ConvShape& s, const float* x, const float* weight, const float* dout,
                         float* dweight, float* dx);

}  // namespace rn

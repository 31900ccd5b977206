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

namespace rn {

// Training batch norm on NCHW (planes of `hw` values): batch mean, biased variance, invstd; out.
void bn_train_forward(ThreadPool& pool, int n, int c, int hw, const float* x, const float* weight, const float* bias,
                      double eps, float* out, float* mean, float* variance, float* invstd);
// dx = w·invstd/M·(M·dout − Σdout − x̂·Σ(dout·x̂)), dweight = Σ dout·x̂, dbias = Σ dout.
void bn_backward(ThreadPool& pool, int n, int c, int hw, const float* dout, const float* x, const float* mean,
                 const float* invstd, const float* weight, float* dx, float* dweight, float* dbias);
// Inference batch norm: out = x·scale_c + shift_c.
void bn_affine(ThreadPool& pool, int n, int c, int hw, const float* x, const float* scale, const float* shift,
               float* out);
// Element-wise: out = max(a, 0); out = a + b; dx = out > 0 ? dout : 0.
void relu_forward(ThreadPool& pool, size_t size, const float* a, float* out);
void add_forward(ThreadPool& pool, size_t size, const float* a, const float* b, float* out);
void relu_backward(ThreadPool& pool, size_t size, const float* dout, const float* out, float* dx);

}  // namespace rn

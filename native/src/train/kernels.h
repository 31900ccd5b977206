// Training kernels on plain NCHW tensors, one file per topic: gemm.cc (matmul), conv.cc
// (convolution forward and gradients as packed GEMMs over im2col patches formed while packing),
// batch_norm.cc, pointwise.cc (element-wise ops and optimizer updates) and pooling.cc. The GEMM's
// register tile is the ISA kernel table's gemm_micro (AVX-512, AVX2 or portable, chosen at load time).
#pragma once
#include "../engine.h"
#include "../shapes.h"
#include "../thread_pool.h"

namespace rn {

struct ConvShape {
  int n, c, h, w;       // input
  int oc, kh, kw;       // weight (OC, C, KH, KW)
  int sh, sw, ph, pw;   // stride, padding
  int oh, ow;           // output
};

// The shape of a convolution of x (N, C, H, W) with a weight (OC, C, KH, KW), output size included.
inline ConvShape conv_shape(int n, int c, int h, int w, int oc, int kh, int kw, int sh, int sw, int ph, int pw) {
  return {n, c, h, w, oc, kh, kw, sh, sw, ph, pw, conv_out_size(h, kh, sh, ph), conv_out_size(w, kw, sw, pw)};
}

// out (N, OC, OH, OW) = conv(x, weight) + bias (bias may be null).
void conv_train_forward(ThreadPool& pool, const Kernels* kernels, const ConvShape& s, const float* x,
                        const float* weight, const float* bias, float* out);
// dweight (OC, C, KH, KW) = Σ_n dout ⋅ im2col(x)ᵀ; dbias (OC) = Σ dout; dx (N, C, H, W) = the adjoint
// convolution of dout when dx != nullptr (stride 1: a convolution with the flipped kernel; else col2im).
void conv_train_backward(ThreadPool& pool, const Kernels* kernels, const ConvShape& s, const float* x,
                         const float* weight, const float* dout, float* dweight, float* dbias, float* dx);
// c (M×N) = op(a) · op(b), op(a) M×K and op(b) K×N; a stored M×K (K×M when trans_a), b K×N (N×K when trans_b).
void matmul(ThreadPool& pool, const Kernels* kernels, int m, int n, int k, const float* a, bool trans_a,
            const float* b, bool trans_b, float* c);

}  // namespace rn

namespace rn {

// Training batch norm on NCHW (planes of `hw` values): batch mean, biased variance, invstd; out
// (relu(out) with `relu`).
void bn_train_forward(ThreadPool& pool, int n, int c, int hw, const float* x, const float* weight, const float* bias,
                      double eps, bool relu, float* out, float* mean, float* variance, float* invstd);
// dx = w·invstd/M·(M·dout − Σdout − x̂·Σ(dout·x̂)), dweight = Σ dout·x̂, dbias = Σ dout. With
// `relu_out` (non-null), dout counts only where relu_out > 0 (the gradient of a fused BN + ReLU).
void bn_backward(ThreadPool& pool, int n, int c, int hw, const float* dout, const float* relu_out, const float* x,
                 const float* mean, const float* invstd, const float* weight, float* dx, float* dweight,
                 float* dbias);
// Inference batch norm: out = x·scale_c + shift_c.
void bn_affine(ThreadPool& pool, int n, int c, int hw, const float* x, const float* scale, const float* shift,
               float* out);
// Element-wise: out = max(a, 0); out = a + b; dx = out > 0 ? dout : 0.
void relu_forward(ThreadPool& pool, size_t size, const float* a, float* out);
void add_forward(ThreadPool& pool, size_t size, const float* a, const float* b, float* out);
void relu_backward(ThreadPool& pool, size_t size, const float* dout, const float* out, float* dx);

// Optimizer updates, in place. Hyperparameters are float32 values, as torch casts them.
struct SgdHyper {
  float weight_decay, momentum, one_minus_dampening, neg_lr;
  bool nesterov, first_step;
};
// target += source.
void accumulate(ThreadPool& pool, size_t size, float* target, const float* source);
// One torch.optim.SGD update (buf may be null when momentum is 0), bit-identical to the reference kernel.
void sgd_step(ThreadPool& pool, size_t size, float* value, const float* grad, float* buf, const SgdHyper& h);

// Max-pool gradient over `planes` NCHW planes: each output's gradient goes to the first maximum of its
// window (NaN counts as a maximum), as PyTorch's CPU kernel and the reference kernel.
void max_pool_backward(ThreadPool& pool, int planes, int h, int w, int oh, int ow, int kh, int kw, int sh, int sw,
                       int ph, int pw, const float* dout, const float* x, float* dx);

}  // namespace rn


// Output sizes of sliding-window ops, as src/ops/shapes.ts computes them (floor division, so an input
// smaller than the kernel's reach gives a size below 1, which callers reject).
#pragma once

namespace rn {

// Output length along one axis of a convolution or pooling window over `in` values.
inline int conv_out_size(int in, int kernel, int stride, int pad, int dilation = 1) {
  const int reach = in + 2 * pad - dilation * (kernel - 1) - 1;
  return (reach >= 0 ? reach / stride : -((-reach + stride - 1) / stride)) + 1;
}

}  // namespace rn

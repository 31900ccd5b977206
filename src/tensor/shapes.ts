/** Output-size arithmetic shared by ops, kernels and shape inference (PyTorch's formulas, floor mode). */

export function convOutputSize(
  size: number,
  kernel: number,
  stride: number,
  padding: number,
  dilation = 1,
): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** PyTorch's adaptive pooling bin [start, end) for output index i. */
export function adaptiveBin(i: number, inSize: number, outSize: number): [number, number] {
  return [Math.floor((i * inSize) / outSize), Math.ceil(((i + 1) * inSize) / outSize)];
}

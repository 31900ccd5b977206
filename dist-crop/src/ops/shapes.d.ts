/** Output-size arithmetic shared by ops, kernels and shape inference (PyTorch's formulas, floor mode). */
export declare function convOutputSize(size: number, kernel: number, stride: number, padding: number, dilation?: number): number;
/** PyTorch's adaptive pooling bin [start, end) for output index i. */
export declare function adaptiveBin(i: number, inSize: number, outSize: number): [number, number];

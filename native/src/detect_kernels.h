// Kernels of the detection heads on plain NCHW tensors (see detect_kernels.cc).
#pragma once
#include "thread_pool.h"

namespace rn {

// RoIAlign as torchvision 0.14's CPU kernel, float32 step for step: x (N, C, H, W), rois k rows of
// (batch index, x0, y0, x1, y1), out (k, C, out_h, out_w). Threaded over RoIs.
void roi_align(ThreadPool& pool, const float* x, int n, int c, int h, int w, const float* rois, int k, int out_h,
               int out_w, float spatial_scale, int sampling_ratio, bool aligned, float* out);

}  // namespace rn

// RoIAlign (see detect_kernels.h). Compiled with the baseline flags (no FMA contraction), so every
// product and sum rounds to float32 exactly as in torchvision's kernel and the reference kernel
// src/backends/js/roi_align.ts: the two agree bit for bit.
#include "detect_kernels.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace rn {

namespace {

struct Sample {
  int pos[4];
  float weight[4];
};

// Sample positions and bilinear weights of one RoI, bin-major, then row-major within the bin.
void sample_weights(int h, int w, int out_h, int out_w, float start_h, float start_w, float bin_h, float bin_w,
                    int grid_h, int grid_w, std::vector<Sample>& samples) {
  samples.assign(size_t(out_h) * out_w * grid_h * grid_w, Sample{{0, 0, 0, 0}, {0, 0, 0, 0}});
  size_t s = 0;
  for (int ph = 0; ph < out_h; ph++)
    for (int pw = 0; pw < out_w; pw++)
      for (int iy = 0; iy < grid_h; iy++) {
        const float yy = start_h + float(ph) * bin_h + (float(iy) + 0.5f) * bin_h / float(grid_h);
        for (int ix = 0; ix < grid_w; ix++, s++) {
          const float xx = start_w + float(pw) * bin_w + (float(ix) + 0.5f) * bin_w / float(grid_w);
          if (yy < -1.0f || yy > float(h) || xx < -1.0f || xx > float(w)) continue;
          float y = std::max(yy, 0.0f), x = std::max(xx, 0.0f);
          int y_low = int(y), x_low = int(x), y_high, x_high;
          if (y_low >= h - 1) {
            y_high = y_low = h - 1;
            y = float(y_low);
          } else {
            y_high = y_low + 1;
          }
          if (x_low >= w - 1) {
            x_high = x_low = w - 1;
            x = float(x_low);
          } else {
            x_high = x_low + 1;
          }
          const float ly = y - float(y_low), lx = x - float(x_low), hy = 1.0f - ly, hx = 1.0f - lx;
          Sample& p = samples[s];
          p.pos[0] = y_low * w + x_low;
          p.pos[1] = y_low * w + x_high;
          p.pos[2] = y_high * w + x_low;
          p.pos[3] = y_high * w + x_high;
          p.weight[0] = hy * hx;
          p.weight[1] = hy * lx;
          p.weight[2] = ly * hx;
          p.weight[3] = ly * lx;
        }
      }
}

}  // namespace

void roi_align(ThreadPool& pool, const float* x, int n, int c, int h, int w, const float* rois, int k, int out_h,
               int out_w, float spatial_scale, int sampling_ratio, bool aligned, float* out) {
  (void)n;
  const float offset = aligned ? 0.5f : 0.0f;
  const size_t bins = size_t(out_h) * out_w;
  pool.parallel_for(k, [&](int r) {
    const float* roi = rois + size_t(r) * 5;
    const int img = int(roi[0]);
    const float start_w = roi[1] * spatial_scale - offset, start_h = roi[2] * spatial_scale - offset;
    float roi_w = (roi[3] * spatial_scale - offset) - start_w, roi_h = (roi[4] * spatial_scale - offset) - start_h;
    if (!aligned) {
      roi_w = std::max(roi_w, 1.0f);
      roi_h = std::max(roi_h, 1.0f);
    }
    const float bin_h = roi_h / float(out_h), bin_w = roi_w / float(out_w);
    const int grid_h = std::max(sampling_ratio > 0 ? sampling_ratio : int(std::ceil(bin_h)), 0);
    const int grid_w = std::max(sampling_ratio > 0 ? sampling_ratio : int(std::ceil(bin_w)), 0);
    const float count = float(std::max(grid_h * grid_w, 1));
    thread_local std::vector<Sample> samples;
    sample_weights(h, w, out_h, out_w, start_h, start_w, bin_h, bin_w, grid_h, grid_w, samples);
    const size_t per_bin = size_t(grid_h) * grid_w;
    for (int ch = 0; ch < c; ch++) {
      const float* plane = x + (size_t(img) * c + ch) * h * w;
      float* dst = out + (size_t(r) * c + ch) * bins;
      const Sample* p = samples.data();
      for (size_t b = 0; b < bins; b++) {
        float sum = 0.0f;
        for (size_t g = 0; g < per_bin; g++, p++) {
          const float v1 = p->weight[0] * plane[p->pos[0]], v2 = p->weight[1] * plane[p->pos[1]];
          const float v3 = p->weight[2] * plane[p->pos[2]], v4 = p->weight[3] * plane[p->pos[3]];
          sum = sum + (((v1 + v2) + v3) + v4);
        }
        dst[b] = sum / count;
      }
    }
  });
}

}  // namespace rn

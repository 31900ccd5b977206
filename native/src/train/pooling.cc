// Pooling gradients for training on NCHW planes (see kernels.h).
#include <algorithm>
#include <cmath>

#include "kernels.h"

namespace rn {

void max_pool_backward(ThreadPool& pool, int planes, int h, int w, int oh, int ow, int kh, int kw, int sh, int sw,
                       int ph, int pw, const float* dout, const float* x, float* dx) {
  pool.parallel_for(planes, [&](int plane) {
    const float* xp = x + size_t(plane) * h * w;
    const float* dp = dout + size_t(plane) * oh * ow;
    float* gp = dx + size_t(plane) * h * w;
    std::fill(gp, gp + size_t(h) * w, 0.0f);
    for (int y = 0; y < oh; y++)
      for (int xo = 0; xo < ow; xo++) {
        int best = -1;
        float m = -INFINITY;
        for (int iy = std::max(y * sh - ph, 0); iy < std::min(y * sh - ph + kh, h); iy++)
          for (int ix = std::max(xo * sw - pw, 0); ix < std::min(xo * sw - pw + kw, w); ix++) {
            const float v = xp[iy * w + ix];
            if (v > m || std::isnan(v)) {
              m = v;
              best = iy * w + ix;
            }
          }
        if (best >= 0) gp[best] += dp[y * ow + xo];
      }
  });
}

}  // namespace rn

// bf16 kernels (see bf16.h), written once and compiled twice: kernels_avx512bf16.cc (RN_BF16_HW 1:
// vdpbf16ps, vcvtneps2bf16) and kernels_bf16_emulated.cc (RN_BF16_HW 0: the same steps in portable
// C++). Everything but dot() and narrow() is shared, so both paths accumulate in the same order.
// Include with RN_NS, RN_NAME, RN_BF16_HW and the tiles RN_NV_WIDE/RN_PX_WIDE, RN_NV_NARROW/RN_PX_NARROW.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "kernels_bf16_common.h"

namespace rn {
namespace RN_NS {

#include "../tile_dispatch.h"

// acc[PX][NV] = bias, then over input blocks, taps and channel pairs (in this order) one dot step
// per pair, then (+ residual) (+ ReLU) in float32 and one rounding to bf16. NP: pairs per block
// (0 = runtime a.in_pairs).
template <int PX, int NV, int NP>
static inline void conv_tile(const ConvArgs16& a, int img, int ocb0, int oh, int ow0) {
  v16 acc[PX][NV];
  for (int v = 0; v < NV; v++) {
    const v16 b = first_acc(load(a.bias + (ocb0 + v) * kBlock));
    for (int p = 0; p < PX; p++) acc[p][v] = b;
  }
  const int np = NP > 0 ? NP : a.in_pairs;
  const size_t w_ocb_stride = size_t(a.in_cb) * a.kh * a.kw * np * 2 * kBlock;
  const uint16_t* in0 = a.in + img * a.in_image_stride + size_t(oh * a.sh + a.in_origin) * a.in_row_stride +
                        size_t(ow0 * a.sw + a.in_origin) * a.in_pix;
  const int pix_step = a.sw * a.in_pix;
  const uint16_t* w0 = a.weight + ocb0 * w_ocb_stride;
  for (int cb = 0; cb < a.in_cb; cb++) {
    for (int ky = 0; ky < a.kh; ky++) {
      for (int kx = 0; kx < a.kw; kx++) {
        const uint16_t* ip = in0 + cb * a.in_block_stride + ky * a.in_row_stride + kx * a.in_pix;
        const uint16_t* wp = w0 + ((size_t(cb) * a.kh + ky) * a.kw + kx) * np * 2 * kBlock;
        for (int k = 0; k < np; k++) {
          WOp w[NV];
          for (int v = 0; v < NV; v++) w[v] = prep_w(wp + v * w_ocb_stride + k * 2 * kBlock);
          const uint16_t* x = ip + k * a.in_pair;
          for (int p = 0; p < PX; p++) {
            uint32_t pair;
            std::memcpy(&pair, x + p * pix_step, sizeof pair);
            const XOp xb = prep_x(pair);
            for (int v = 0; v < NV; v++) acc[p][v] = dot(acc[p][v], xb, w[v]);
          }
        }
      }
    }
  }
  for (int v = 0; v < NV; v++) {
    uint16_t* out = a.out.at(img, ocb0 + v, oh, ow0);
    const uint16_t* res = a.residual == nullptr ? nullptr : a.residual + (out - a.out.data);
    for (int p = 0; p < PX; p++) store_pixel(out + p * kBlock, res == nullptr ? nullptr : res + p * kBlock, acc[p][v], a.relu);
  }
}

template <int NV, int PXMAX, int NP>
static void conv_row_nv(const ConvArgs16& a, int img, int group, int oh) {
  const int ocb0 = group * NV;
  for (int ow0 = 0; ow0 < a.out.w; ow0 += PXMAX) {
    with_px(std::min(PXMAX, a.out.w - ow0), [&](auto px) { conv_tile<px(), NV, NP>(a, img, ocb0, oh, ow0); });
  }
}

template <int NP>
static void conv_row_np(const ConvArgs16& a, int img, int group, int oh) {
  const int nv = choose_nv(a);
  const bool narrow_row = a.out.w <= RN_PX_NARROW;
  if (nv == RN_NV_NARROW && narrow_row) {
    conv_row_nv<RN_NV_NARROW, RN_PX_NARROW, NP>(a, img, group, oh);
  } else if (nv == RN_NV_WIDE) {
    conv_row_nv<RN_NV_WIDE, RN_PX_WIDE, NP>(a, img, group, oh);
  } else if (nv == 2) {
    conv_row_nv<2, RN_PX_NARROW, NP>(a, img, group, oh);
  } else {
    conv_row_nv<1, RN_PX_WIDE, NP>(a, img, group, oh);
  }
  zero_border_row(a.out, img, group * nv, nv, oh);
}

static void conv_row(const ConvArgs16& a, int img, int group, int oh) {
  if (a.in_pairs == kBlock / 2) return conv_row_np<kBlock / 2>(a, img, group, oh);
  if (a.in_pairs == 2) return conv_row_np<2>(a, img, group, oh);
  conv_row_np<0>(a, img, group, oh);
}

static int conv_groups(const ConvArgs16& a) { return a.oc / kBlock / choose_nv(a); }

// Max of bf16 values is one of them: compared in float32, stored back exactly (the high half).
static void max_pool_row(const PoolArgs16& a, int img, int block, int oh) {
  const v16 ninf = v16{} - __builtin_inff();
  for (int ow = 0; ow < a.out.w; ow++) {
    v16 m = ninf;
    const int y0 = oh * a.sh - a.ph, x0 = ow * a.sw - a.pw;
    for (int y = std::max(y0, 0); y < std::min(y0 + a.kh, a.in.h); y++) {
      for (int x = std::max(x0, 0); x < std::min(x0 + a.kw, a.in.w); x++) m = vmax(m, widen(a.in.at(img, block, y, x)));
    }
    const h16 h = __builtin_convertvector(as_bits(m) >> 16, h16);
    std::memcpy(a.out.at(img, block, oh, ow), &h, sizeof h);
  }
  zero_border_row(a.out, img, block, 1, oh);
}

static void global_pool(const Blocked16& in, float* out, bool max, int img, int block) {
  v16 acc = max ? v16{} - __builtin_inff() : v16{};
  for (int y = 0; y < in.h; y++) {
    for (int x = 0; x < in.w; x++) {
      const v16 v = widen(in.at(img, block, y, x));
      acc = max ? vmax(acc, v) : acc + v;
    }
  }
  if (!max) acc = acc / float(in.h * in.w);
  std::memcpy(out + size_t(img) * in.c + block * kBlock, &acc, sizeof acc);
}

static void linear(const uint16_t* in, const uint16_t* weight, const float* bias, float* out, int n, int pairs,
                   int out_features, int ob0, int ob1) {
  for (int ob = ob0; ob < ob1; ob++) {
    const uint16_t* w = weight + size_t(ob) * pairs * 2 * kBlock;
    const v16 b = first_acc(load(bias + ob * kBlock));
    const int valid = std::min(kBlock, out_features - ob * kBlock);
    for (int img = 0; img < n; img++) {
      const uint16_t* x = in + size_t(img) * pairs * 2;
      v16 acc = b;
      for (int k = 0; k < pairs; k++) {
        uint32_t pair;
        std::memcpy(&pair, x + 2 * k, sizeof pair);
        acc = dot(acc, prep_x(pair), prep_w(w + k * 2 * kBlock));
      }
      float lanes[kBlock];
      std::memcpy(lanes, &acc, sizeof lanes);
      std::memcpy(out + size_t(img) * out_features + ob * kBlock, lanes, valid * sizeof(float));
    }
  }
}

}  // namespace RN_NS

const Bf16Kernels* RN_NAME() {
  static const Bf16Kernels table = {RN_PATH_NAME, RN_NS::conv_row, RN_NS::conv_groups, RN_NS::max_pool_row,
                                    RN_NS::global_pool, RN_NS::linear};
  return &table;
}

}  // namespace rn

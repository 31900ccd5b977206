// int8 kernels (see int8.h), written once and compiled per path: kernels_avx512vnni.cc
// (RN_INT8_HW 512: vpdpbusd on zmm), kernels_avxvnni.cc (RN_INT8_HW 256: the VEX vpdpbusd on two
// ymm halves) and kernels_int8_emulated.cc (RN_INT8_HW 0: the same sums in portable C++).
// Everything but dot() (and the 256-bit path's u8 widen/narrow) is shared, so every path computes
// the same bits. Include with RN_NS, RN_NAME, RN_PATH_NAME, RN_INT8_HW, RN_VEC_BYTES and the tiles
// RN_NV_WIDE/RN_PX_WIDE, RN_NV_NARROW/RN_PX_NARROW.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "kernels_int8_common.h"

namespace rn {
namespace RN_NS {

#include "../tile_dispatch.h"

// acc[PX][NV] = 0, then over input blocks, taps and channel quads one dot step per quad, then the
// epilogue: float(acc) · mult + bias (+ residual) (ReLU), stored as float32 or u8.
template <int PX, int NV>
static inline void conv_tile(const ConvArgs8& a, int img, int ocb0, int oh, int ow0) {
  Acc acc[PX][NV] = {};
  constexpr int kQuads = kBlock / 4;
  const size_t tap_bytes = size_t(kQuads) * kBlock * 4;
  const size_t w_ocb_stride = size_t(a.in_cb) * a.kh * a.kw * tap_bytes;
  const uint8_t* in0 = a.in + img * a.in_image_stride + size_t(oh * a.sh + a.in_origin) * a.in_row_stride +
                       size_t(ow0 * a.sw + a.in_origin) * kBlock;
  const int pix_step = a.sw * kBlock;
  const int8_t* w0 = a.weight + ocb0 * w_ocb_stride;
  for (int cb = 0; cb < a.in_cb; cb++) {
    for (int ky = 0; ky < a.kh; ky++) {
      for (int kx = 0; kx < a.kw; kx++) {
        const uint8_t* ip = in0 + cb * a.in_block_stride + ky * a.in_row_stride + kx * kBlock;
        const int8_t* wp = w0 + ((size_t(cb) * a.kh + ky) * a.kw + kx) * tap_bytes;
        for (int k = 0; k < kQuads; k++) {
          WOp w[NV];
          RN_UNROLL for (int v = 0; v < NV; v++) w[v] = prep_w(wp + v * w_ocb_stride + k * kBlock * 4);
          RN_UNROLL for (int p = 0; p < PX; p++) {
            uint32_t quad;
            std::memcpy(&quad, ip + p * pix_step + k * 4, sizeof quad);
            const XOp xq = prep_x(quad);
            RN_UNROLL for (int v = 0; v < NV; v++) dot(acc[p][v], xq, w[v]);
          }
        }
      }
    }
  }
  RN_UNROLL for (int v = 0; v < NV; v++) {
    const size_t at = a.out.at(img, ocb0 + v, oh, ow0) - a.out.data;
    RN_UNROLL for (int p = 0; p < PX; p++) store_pixel(a, acc[p][v], ocb0 + v, at + size_t(p) * kBlock);
  }
}

template <int NV, int PXMAX>
static void conv_row_nv(const ConvArgs8& a, int img, int group, int oh) {
  const int ocb0 = group * NV;
  for (int ow0 = 0; ow0 < a.out.w; ow0 += PXMAX) {
    with_px(std::min(PXMAX, a.out.w - ow0), [&](auto px) { conv_tile<px(), NV>(a, img, ocb0, oh, ow0); });
  }
}

static void conv_row(const ConvArgs8& a, int img, int group, int oh) {
  const int nv = choose_nv(a);
  const bool narrow_row = a.out.w <= RN_PX_NARROW;
  if (nv == RN_NV_NARROW && narrow_row) {
    conv_row_nv<RN_NV_NARROW, RN_PX_NARROW>(a, img, group, oh);
  } else if (nv == RN_NV_WIDE) {
    conv_row_nv<RN_NV_WIDE, RN_PX_WIDE>(a, img, group, oh);
  } else if (nv == 2) {
    conv_row_nv<2, RN_PX_NARROW>(a, img, group, oh);
  } else {
    conv_row_nv<1, RN_PX_WIDE>(a, img, group, oh);
  }
  zero_border(a, img, group * nv, nv, oh);
}

static int conv_groups(const ConvArgs8& a) { return a.oc / kBlock / choose_nv(a); }

static void quantize(const Blocked& in, const BlockedU8& out, float inv_scale, int img, int block) {
  const float* src = in.at(img, block, -kBorder, -kBorder);
  uint8_t* dst = out.at(img, block, -kBorder, -kBorder);
  const size_t pixels = size_t(in.hp()) * in.wp();
  for (size_t i = 0; i < pixels * kParts; i++) narrow(dst + i * kLanes, load(src + i * kLanes) * inv_scale);
}

}  // namespace RN_NS

const Int8Kernels* RN_NAME() {
  static const Int8Kernels table = {RN_PATH_NAME, RN_NS::conv_row, RN_NS::conv_groups, RN_NS::quantize};
  return &table;
}

}  // namespace rn

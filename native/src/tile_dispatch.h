// The register-tile choices shared by the fp32 (kernels_impl.h) and bf16 (bf16/kernels_bf16_impl.h)
// convolution kernels. Included inside each kernel set's namespace, after its RN_PX_WIDE,
// RN_PX_NARROW, RN_NV_WIDE and RN_NV_NARROW are defined (so no include guard: one copy per set).
#include <type_traits>

// Calls f(std::integral_constant<int, P>{}) for P = px, so tile loops get a compile-time width.
template <typename F>
static inline void with_px(int px, F&& f) {
#define RN_CASE(P) \
  case P:          \
    return f(std::integral_constant<int, P>{});
  switch (px) {
    RN_CASE(1) RN_CASE(2) RN_CASE(3) RN_CASE(4) RN_CASE(5) RN_CASE(6) RN_CASE(7)
#if RN_PX_WIDE > 7
    RN_CASE(8) RN_CASE(9) RN_CASE(10) RN_CASE(11) RN_CASE(12) RN_CASE(13) RN_CASE(14)
#endif
    default: return;
  }
#undef RN_CASE
}

// Output-channel blocks computed together (NV) for a convolution (ConvArgs or ConvArgs16); both
// conv_groups and conv_row use it.
template <typename Args>
static inline int choose_nv(const Args& a) {
  const int ocb = a.oc / kBlock;
  const int nv = a.out.w <= RN_PX_NARROW ? RN_NV_NARROW : RN_NV_WIDE;
  if (ocb % nv == 0) return nv;
  return ocb % 2 == 0 && nv > 2 ? 2 : 1;
}

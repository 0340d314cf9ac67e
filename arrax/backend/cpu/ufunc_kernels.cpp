// The table of ufunc inner loops: the parts built by ufunc_kernels_*.cpp,
// with the SIMD (SLEEF) loops of backend/cpu/ufunc_simd.cpp in front where
// the CPU has them.
#include "arrax/backend/cpu/ufunc_loops.h"
#include "arrax/backend/cpu/ufunc_simd.h"

namespace arrax::cpu {

template <> void fill_ufunc_rows<0>(UfuncTable&);
template <> void fill_ufunc_rows<1>(UfuncTable&);
template <> void fill_ufunc_rows<2>(UfuncTable&);
template <> void fill_ufunc_rows<3>(UfuncTable&);
static_assert(kUfuncKernelParts == 4);

namespace {

const UfuncTable& table() {
  static const UfuncTable t = [] {
    UfuncTable t{};
    fill_ufunc_rows<0>(t);
    fill_ufunc_rows<1>(t);
    fill_ufunc_rows<2>(t);
    fill_ufunc_rows<3>(t);
    install_simd_loops(t);
    return t;
  }();
  return t;
}

}  // namespace

InnerLoop ufunc_loop(UfuncId id, Dtype dt) {
  return table()[static_cast<int>(id)][static_cast<int>(dt)];
}

}  // namespace arrax::cpu

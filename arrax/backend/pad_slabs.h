// The geometry of np.pad shared by the CPU and CUDA kernels of Pad: where
// the input goes in the output, and the border slabs of constant mode.
#pragma once

#include <utility>
#include <vector>

#include "arrax/array.h"
#include "arrax/ops_shape.h"

namespace arrax::padding {

using Widths = std::vector<std::pair<int64_t, int64_t>>;

// The view of `out` that holds the input (of shape `in_shape`).
inline Array center(const Array& out, const Shape& in_shape,
                    const Widths& widths) {
  int64_t off = out.offset();
  for (size_t d = 0; d < in_shape.size(); ++d)
    off += widths[d].first * out.strides()[d];
  return out.raw_view(in_shape, out.strides(), off);
}

// Constant mode: calls fill(slab, value) for each non-empty border slab,
// whole slabs at once. The slab of axis d spans the padded extent of the
// axes before d and the original extent of the axes after d (See Note
// [Padding line by line] in backend/cpu/pad.cpp), so each border element
// is written once.
template <class Fill>
void for_each_constant_slab(const Array& out, const Shape& in_shape,
                            const Widths& widths, const PadOptions& o,
                            Fill&& fill) {
  const int nd = static_cast<int>(in_shape.size());
  for (int d = 0; d < nd; ++d) {
    auto [lp, rp] = widths[d];
    Shape shape;
    int64_t off = out.offset();
    for (int e = 0; e < nd; ++e) {
      shape.push_back(e < d ? out.shape()[e] : in_shape[e]);
      if (e > d) off += widths[e].first * out.strides()[e];
    }
    auto slab = [&](int64_t lo, int64_t len, complex128 v) {
      if (len == 0) return;
      Shape s = shape;
      s[d] = len;
      Array v_slab = out.raw_view(s, out.strides(), off + lo * out.strides()[d]);
      if (v_slab.size() == 0) return;
      fill(v_slab, v);
    };
    slab(0, lp, o.values[d].first);
    slab(out.shape()[d] - rp, rp, o.values[d].second);
  }
}

}  // namespace arrax::padding

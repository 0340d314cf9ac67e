// How a matrix operand is laid out for a BLAS call, shared by the CPU
// (OpenBLAS) and CUDA (cuBLAS) matmul kernels.
#pragma once

#include <algorithm>
#include <cstdint>

#include "arrax/array.h"

namespace arrax::blas {

// Note [Matrix layouts for BLAS]
// A 2-D operand with element strides (rs, cs) goes to BLAS without a copy
// when one stride is 1: row-major with leading dimension rs (NoTrans), or,
// when rs == 1, as the transpose of a row-major matrix with leading dimension
// cs (Trans; column-major). Strides of length-1 dimensions are meaningless,
// so they are replaced by whatever makes a layout valid. Anything else (no
// unit stride, negative or zero strides) is copied to a contiguous buffer
// first.
struct Layout {
  bool ok = false;
  bool trans = false;  // stored column-major
  int64_t ld = 1;
};

// want: -1 any (row-major preferred), 0 row-major only, 1 column-major only.
inline Layout layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs,
                     int want = -1) {
  Layout l;
  if (want != 1) {
    int64_t c = cols <= 1 ? 1 : cs;
    int64_t r = rows <= 1 ? std::max<int64_t>(1, cols) : rs;
    if (c == 1 && r >= std::max<int64_t>(1, cols)) {
      l.ok = true;
      l.ld = r;
      return l;
    }
  }
  if (want != 0) {
    int64_t r = rows <= 1 ? 1 : rs;
    int64_t c = cols <= 1 ? std::max<int64_t>(1, rows) : cs;
    if (r == 1 && c >= std::max<int64_t>(1, rows)) {
      l.ok = true;
      l.trans = true;
      l.ld = c;
      return l;
    }
  }
  return l;
}

// The layout of the matrices (last two dimensions) of `a`.
inline Layout matrix_layout(const Array& a, int want = -1) {
  int nd = a.ndim();
  return layout(a.shape()[nd - 2], a.shape()[nd - 1], a.strides()[nd - 2],
                a.strides()[nd - 1], want);
}

// Element strides of the batch dimensions of `a` broadcast to `batch` (0
// along broadcast and length-1 dimensions).
inline Strides batch_strides(const Array& a, const Shape& batch) {
  int nb = static_cast<int>(batch.size());
  int skip = nb - (a.ndim() - 2);
  Strides st(nb, 0);
  for (int d = std::max(skip, 0); d < nb; ++d) {
    int ad = d - skip;
    st[d] = a.shape()[ad] == 1 ? 0 : a.strides()[ad];
  }
  return st;
}

}  // namespace arrax::blas

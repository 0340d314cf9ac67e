#pragma once
// Entry points of the CPU backend's kernels, looked up by the primitives.
#include "arrax/array.h"
#include "arrax/backend/cpu/iter.h"
#include "arrax/ufunc.h"

namespace arrax::cpu {

// The inner loop of ufunc `id` for loop dtype `dt` (null when the ufunc has
// no loop for it). Operands: outputs first, then inputs.
ARRAX_API InnerLoop ufunc_loop(UfuncId id, Dtype dt);

// dst[...] = src (broadcast to dst's shape), converting dtypes with NumPy's
// unsafe-cast semantics. dst may be any strided view.
ARRAX_API void copy_cast(const Array& src, const Array& dst);

// dst[...] = src for one dtype and shape when the two have their unit
// strides on different axes (a transpose): a blocked copy. Returns false,
// doing nothing, when the layouts are not of that kind.
// See Note [Blocked transpose copy] in transpose.cpp.
ARRAX_API bool copy_transposed(const Array& src, const Array& dst);

// out = cond ? x : y (cond bool; x, y and out of one dtype).
ARRAX_API void select(const Array& cond, const Array& x, const Array& y,
                      const Array& out);

}  // namespace arrax::cpu

#pragma once
// Core shape ops that many families build on: views where possible.
#include <optional>
#include <span>

#include "arrax/array.h"

namespace arrax {

// New shape with at most one -1; a view when the strides allow it (NumPy's
// rule), else a C-order copy.
ARRAX_API Array reshape(const Array& a, Shape shape);
// Permutes axes; empty `axes` reverses them. Always a view.
ARRAX_API Array transpose(const Array& a, std::span<const int64_t> axes = {});
ARRAX_API Array swapaxes(const Array& a, int64_t axis1, int64_t axis2);
ARRAX_API Array moveaxis(const Array& a, std::span<const int64_t> source,
                         std::span<const int64_t> destination);
// A 1-D view when contiguous, else a copy (C order).
ARRAX_API Array ravel(const Array& a);
ARRAX_API Array expand_dims(const Array& a, std::span<const int64_t> axes);
// Removes the given length-1 axes, or all of them when `axes` is empty.
ARRAX_API Array squeeze(const Array& a, std::span<const int64_t> axes = {});

// Creation on a device (the Python layer adds NumPy's argument handling).
ARRAX_API Array full(const Shape& shape, const Array& value, Dtype dtype,
                     Device device);
ARRAX_API Array zeros(const Shape& shape, Dtype dtype, Device device);
ARRAX_API Array ones(const Shape& shape, Dtype dtype, Device device);

// Checks the axes of a tuple (no duplicates) and normalizes them.
ARRAX_API SmallVector<int64_t> normalize_axes(std::span<const int64_t> axes,
                                              int ndim, const char* op);

}  // namespace arrax

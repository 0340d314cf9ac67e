#pragma once
// Core shape ops that many families build on: views where possible.
#include <optional>
#include <span>

#include "arrax/array.h"
#include "arrax/ops.h"

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

// ---- more creation (ops_creation.cpp) ------------------------------------

// Memory layout of a new array, as NumPy's order= argument.
enum class Order : uint8_t { C, F, A, K };
ARRAX_API Order order_from_name(std::string_view name, const char* op);
// An uninitialized array of `shape` laid out in C or F order.
ARRAX_API Array empty(const Shape& shape, Dtype dtype, Device device,
                      Order order = Order::C);
// An uninitialized array shaped like `a`; Order::K keeps a's axis order.
ARRAX_API Array empty_like(const Array& a, Dtype dtype, Order order,
                           std::optional<Shape> shape = std::nullopt);
// A copy of `a` in the given layout (np.copy / ndarray.copy).
ARRAX_API Array copy(const Array& a, Order order);

// `n` values: first, first + d, first + 2d, ... with d = second - first,
// computed in the dtype of `first` and `second` (NumPy's arange fill rule).
// The result lives on the device of `first`.
ARRAX_API Array arange_fill(int64_t n, const Array& first, const Array& second);
// np.arange(start, stop, step, dtype) for numbers known in C++.
ARRAX_API Array arange(double start, double stop, double step, Dtype dtype,
                       Device device);
ARRAX_API Array arange(int64_t start, int64_t stop, int64_t step = 1,
                       Dtype dtype = Dtype::Int64,
                       Device device = default_device());

// np.linspace along a new first axis, moved to `axis`. `start` and `stop`
// broadcast together; `dtype` defaults to their inexact result type.
// `retstep`, when given, receives the step (an array of the broadcast shape).
ARRAX_API Array linspace(const Array& start, const Array& stop, int64_t num,
                         bool endpoint = true,
                         std::optional<Dtype> dtype = std::nullopt,
                         int64_t axis = 0, Array* retstep = nullptr);
ARRAX_API Array logspace(const Array& start, const Array& stop, int64_t num,
                         bool endpoint, const Array& base,
                         std::optional<Dtype> dtype = std::nullopt,
                         int64_t axis = 0);
ARRAX_API Array geomspace(const Array& start, const Array& stop, int64_t num,
                          bool endpoint = true,
                          std::optional<Dtype> dtype = std::nullopt,
                          int64_t axis = 0);

// Ones on diagonal k of an N x M matrix, zeros elsewhere.
ARRAX_API Array eye(int64_t n, std::optional<int64_t> m, int64_t k, Dtype dtype,
                    Device device, Order order = Order::C);
// Ones at and below diagonal k.
ARRAX_API Array tri(int64_t n, std::optional<int64_t> m, int64_t k, Dtype dtype,
                    Device device);
// Zeros above (tril) or below (triu) diagonal k of the last two axes.
ARRAX_API Array tril(const Array& a, int64_t k = 0);
ARRAX_API Array triu(const Array& a, int64_t k = 0);
// 1-D -> 2-D with `v` on diagonal k; 2-D -> a copy of diagonal k.
ARRAX_API Array diag(const Array& v, int64_t k = 0);
ARRAX_API Array diagflat(const Array& v, int64_t k = 0);

// ---- more manipulation (ops_shape.cpp) -----------------------------------

// `copy`: nullopt copies only when a view is impossible, true always copies,
// false raises when a view is impossible. Order::F reshapes in Fortran order.
ARRAX_API Array reshape(const Array& a, Shape shape, Order order,
                        std::optional<bool> copy = std::nullopt);
// ravel in C, F, A (F when a is F- but not C-contiguous) or K (memory)
// order; a view when possible.
ARRAX_API Array ravel(const Array& a, Order order);
// Reverses the given axes (all when empty): a view with negative strides.
ARRAX_API Array flip(const Array& a, std::span<const int64_t> axes = {});
// Rotates by 90 degrees k times in the plane of `axes` (a view).
ARRAX_API Array rot90(const Array& a, int64_t k = 1,
                      std::span<const int64_t> axes = {});
// Element-wise broadcast of several arrays to their common shape (views).
ARRAX_API Arrays broadcast_arrays(std::span<const Array> arrays);

// Joins arrays along `axis` (flattening them first when axis is nullopt)
// into a new array of `dtype` (default: their result type).
ARRAX_API Array concatenate(std::span<const Array> arrays,
                            std::optional<int64_t> axis = 0,
                            std::optional<Dtype> dtype = std::nullopt,
                            Casting casting = Casting::SameKind);
// Same, writing into `out`.
ARRAX_API void concatenate_into(std::span<const Array> arrays,
                                std::optional<int64_t> axis, const Array& out,
                                Casting casting = Casting::SameKind);
// Joins along a new axis.
ARRAX_API Array stack(std::span<const Array> arrays, int64_t axis = 0,
                      std::optional<Dtype> dtype = std::nullopt,
                      Casting casting = Casting::SameKind);
// Views of `a` between the split points `indices` along `axis`.
ARRAX_API Arrays split(const Array& a, std::span<const int64_t> indices,
                       int64_t axis = 0);
// `sections` parts of (nearly, with `exact == false`) equal size.
ARRAX_API Arrays split(const Array& a, int64_t sections, int64_t axis = 0,
                       bool exact = true);

// np.roll with one shift per axis (axes empty: roll the flattened array by
// shifts[0]).
ARRAX_API Array roll(const Array& a, std::span<const int64_t> shifts,
                     std::span<const int64_t> axes = {});
ARRAX_API Array tile(const Array& a, std::span<const int64_t> reps);
// Repeats each element `repeats` times (one count, or one per element along
// axis); axis nullopt works on the flattened array.
ARRAX_API Array repeat(const Array& a, std::span<const int64_t> repeats,
                       std::optional<int64_t> axis = std::nullopt);

// np.pad. `widths` holds (before, after) for every axis.
enum class PadMode : uint8_t {
  Constant,
  Edge,
  LinearRamp,
  Maximum,
  Mean,
  Median,
  Minimum,
  Reflect,
  Symmetric,
  Wrap,
  Empty,
};
struct PadOptions {
  PadMode mode = PadMode::Constant;
  // Constant mode: (before, after) fill values per axis; LinearRamp: the end
  // values. Converted to a's dtype as NumPy's assignment does (complex ->
  // real drops the imaginary part). Empty means zeros.
  std::vector<std::pair<complex128, complex128>> values;
  // Stat modes: (before, after) lengths per axis; -1 means the whole axis.
  std::vector<std::pair<int64_t, int64_t>> stat_length;
  bool odd = false;  // reflect_type='odd'
};
ARRAX_API Array pad(const Array& a,
                    std::span<const std::pair<int64_t, int64_t>> widths,
                    const PadOptions& options = {});

}  // namespace arrax

// Sorting and searching (arrax/sort.h): NumPy's argument rules, axes moved
// last, then the primitives of primitives_sort.h.
//
// Note [Sort order]
// The order is NumPy's: integers and bool by value; floats by value with
// -0.0 == 0.0 and every NaN (either sign) after +inf; complex numbers
// lexicographically by (real, imag), where a NaN part sorts after every
// number, so the classes come as R + Rj, R + nanj, nan + Rj, nan + nanj
// (each class ordered by its non-NaN parts). Argsort always yields the
// stable order (ties by index): the order is then total, so any correct
// algorithm, on either device, gives the same indices. Partition gathers
// the values by argpartition; the CPU selects each kth with nth_element on
// the same (key, index) words (O(n)), the GPU sorts the whole row, which
// also satisfies NumPy's contract (every kth element in place, smaller ones
// before it, larger ones after; the sides in an unspecified order).
#include "arrax/sort.h"

#include <algorithm>
#include <vector>

#include "arrax/dispatch.h"
#include "arrax/errors.h"
#include "arrax/ops.h"
#include "arrax/ops_index.h"
#include "arrax/ops_shape.h"
#include "arrax/primitives_sort.h"

namespace arrax {

OutputSpecs Sort::output_specs(std::span<const Array> inputs) const {
  OutputSpecs s;
  s.push_back({inputs[0].shape(), inputs[0].dtype()});
  return s;
}

OutputSpecs Argsort::output_specs(std::span<const Array> inputs) const {
  OutputSpecs s;
  s.push_back({inputs[0].shape(), Dtype::Int64});
  return s;
}

OutputSpecs SearchSorted::output_specs(std::span<const Array> inputs) const {
  OutputSpecs s;
  s.push_back({inputs[1].shape(), Dtype::Int64});
  return s;
}

// Note [Sort derivative]
// sort(x) = x gathered by p = argsort(x) (the stable order, which matches
// the values whatever kind computed them: ties hold equal values). Its vjp
// scatters the cotangent back by p, i.e. gathers it by the inverse
// permutation argsort(p); take_along_axis keeps that differentiable.
Arrays Sort::vjp(std::span<const Array> inputs, std::span<const Array>,
                 std::span<const Array> cotangents, std::span<const int>) {
  Array in[1] = {inputs[0]};
  Array p = dispatch1(std::make_shared<Argsort>(true), in);
  Array pin[1] = {p};
  Array inv = dispatch1(std::make_shared<Argsort>(true), pin);
  return {take_along_axis(cotangents[0], inv, -1)};
}

SaveMask Sort::vjp_saves(std::span<const Array>, uint32_t) const {
  return save_input(0);
}

bool sort_is_stable(const std::optional<std::string>& kind,
                    std::optional<bool> stable, const char* op) {
  if (kind && stable)
    throw ValueError(std::string("[") + op +
                     "] `kind` and keyword parameters can't be provided at "
                     "the same time. Use only one of them.");
  if (stable) return *stable;
  if (!kind) return false;
  // NumPy reads the first letter only ("quicksort", "q", "Q"...).
  char c = kind->empty() ? '\0' : static_cast<char>(std::tolower((*kind)[0]));
  if (c == 'q' || c == 'h') return false;
  if (c == 's' || c == 'm') return true;
  throw ValueError(std::string("[") + op +
                   "] sort kind must be one of 'quick', 'heap', or 'stable' "
                   "(got '" +
                   *kind + "')");
}

namespace {

// `a` (flattened when axis is nullopt) with the sort axis last; `axis` is
// set to that axis's place in the result.
Array axis_last(const Array& a, std::optional<int64_t> axis, int& ax,
                const char* op) {
  if (!axis) {
    ax = 0;
    return ravel(a);
  }
  ax = normalize_axis(*axis, a.ndim(), op);
  if (ax == a.ndim() - 1) return a;
  int64_t src[1] = {ax}, dst[1] = {-1};
  return moveaxis(a, src, dst);
}

// The result of a last-axis primitive moved back to `ax` (C-contiguous, as
// NumPy returns it).
Array axis_back(const Array& r, int ax) {
  if (ax == r.ndim() - 1) return r;
  int64_t src[1] = {-1}, dst[1] = {ax};
  return ascontiguousarray(moveaxis(r, src, dst));
}

Array sort_last(const Array& x, bool stable) {
  Array in[1] = {x};
  return dispatch1(std::make_shared<Sort>(stable), in);
}

Array argsort_last(const Array& x, bool stable) {
  Array in[1] = {x};
  return dispatch1(std::make_shared<Argsort>(stable), in);
}

// NumPy's argsort and argpartition take a 0-d array as a 1-element one.
Array at_least_1d_for_arg(const Array& a, std::optional<int64_t>& axis) {
  if (a.ndim() != 0) return a;
  if (axis) normalize_axis(*axis == -1 ? 0 : *axis, 1, "argsort");
  axis = 0;
  return reshape(a, Shape{1});
}

// The kth positions normalized (negative ones from the end), ascending and
// unique.
std::vector<int64_t> normalized_kth(std::span<const int64_t> kth, int64_t n,
                                    const char* op) {
  std::vector<int64_t> v;
  for (int64_t k : kth) {
    if (k < -n || k >= n)
      throw ValueError(std::string("[") + op + "] kth(=" + std::to_string(k) +
                       ") out of bounds (" + std::to_string(n) + ")");
    v.push_back(k < 0 ? k + n : k);
  }
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// argpartition along the last axis of x.
Array argpartition_last(const Array& x, std::span<const int64_t> kth,
                        const char* op) {
  std::vector<int64_t> k = normalized_kth(kth, x.ndim() ? x.shape(-1) : 1, op);
  Array in[1] = {x};
  return dispatch1(std::make_shared<Argsort>(false, std::move(k)), in);
}

}  // namespace

Array sort(const Array& a, std::optional<int64_t> axis, bool stable) {
  int ax;
  Array x = axis_last(a, axis, ax, "sort");
  return axis_back(sort_last(x, stable), ax);
}

Array argsort(const Array& a, std::optional<int64_t> axis, bool stable) {
  Array b = at_least_1d_for_arg(a, axis);
  int ax;
  Array x = axis_last(b, axis, ax, "argsort");
  return axis_back(argsort_last(x, stable), ax);
}

void sort_inplace(const Array& a, int64_t axis, bool stable) {
  if (a.is_readonly())
    throw ValueError("[sort] assignment destination is read-only");
  Array r = sort(a, axis, stable);
  copyto(a, r);
}

Array partition(const Array& a, std::span<const int64_t> kth,
                std::optional<int64_t> axis) {
  int ax;
  Array x = axis_last(a, axis, ax, "partition");
  // The values gathered by argpartition: differentiable through the gather.
  Array idx = argpartition_last(x, kth, "partition");
  return axis_back(take_along_axis(x, idx, -1), ax);
}

Array argpartition(const Array& a, std::span<const int64_t> kth,
                   std::optional<int64_t> axis) {
  Array b = at_least_1d_for_arg(a, axis);
  int ax;
  Array x = axis_last(b, axis, ax, "argpartition");
  return axis_back(argpartition_last(x, kth, "argpartition"), ax);
}

void partition_inplace(const Array& a, std::span<const int64_t> kth,
                       int64_t axis) {
  if (a.is_readonly())
    throw ValueError("[partition] assignment destination is read-only");
  copyto(a, partition(a, kth, axis));
}

Array lexsort(std::span<const Array> keys, int64_t axis) {
  if (keys.empty())
    throw TypeError("[lexsort] need sequence of keys with len > 0 in lexsort");
  for (const Array& k : keys)
    if (!(k.shape() == keys[0].shape()))
      throw ValueError("[lexsort] all keys need to be the same shape");
  if (keys[0].ndim() == 0)
    return zeros(Shape{}, Dtype::Int64, keys[0].device());
  int ax = normalize_axis(axis, keys[0].ndim(), "lexsort");
  std::optional<int64_t> oax = ax;
  // Stable sorts from the least significant key (the first) up.
  Array idx = argsort(keys[0], oax, true);
  for (size_t i = 1; i < keys.size(); ++i) {
    Array k = take_along_axis(keys[i], idx, oax);
    idx = take_along_axis(idx, argsort(k, oax, true), oax);
  }
  return idx;
}

Array sort_complex(const Array& a) {
  Array s = sort(a, -1, false);
  if (is_complex(s.dtype())) return s;
  Dtype d = s.dtype();
  bool small = d == Dtype::Int8 || d == Dtype::Int16 || d == Dtype::UInt8 ||
               d == Dtype::UInt16;
  return astype(s, small ? Dtype::Complex64 : Dtype::Complex128);
}

Array searchsorted(const Array& a, const Array& v, bool right,
                   const Array* sorter) {
  if (a.ndim() != 1)
    throw ValueError("[searchsorted] a must be 1-D, got an array of " +
                     std::to_string(a.ndim()) + " dimensions");
  Array s = a;
  if (sorter) {
    if (!is_integer(sorter->dtype()))
      throw TypeError(
          "[searchsorted] sorter must be an array of integers, got dtype " +
          std::string(dtype_name(sorter->dtype())));
    if (sorter->ndim() != 1 || sorter->size() != a.size())
      throw ValueError("[searchsorted] sorter.size must equal a.size");
    s = take(a, *sorter);
  }
  Dtype dt = promote_types(a.dtype(), v.dtype());
  Array in[2] = {ascontiguousarray(astype(s, dt, false)), astype(v, dt, false)};
  return dispatch1(std::make_shared<SearchSorted>(right), in);
}

}  // namespace arrax

#pragma once
// Indexing with NumPy semantics: a[...] reads and writes, and the functions
// built on them (take, put, nonzero, compress, choose, ...).
//
// An index is a list of entries, as in Python's a[i, j:k, None, ..., idx]:
//   arrax::getitem(a, {1, Slice(0, 4, 2), newaxis, ellipsis, idx_array});
// Integers, slices, newaxis and Ellipsis give views (basic indexing); integer
// and boolean arrays give copies (advanced indexing), with NumPy's result
// shapes. See Note [Advanced index layout] in ops_index.cpp.
#include <initializer_list>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "arrax/array.h"

namespace arrax {

// start:stop:step; a missing part is std::nullopt, as in Python.
struct Slice {
  std::optional<int64_t> start, stop, step;
  Slice() = default;
  Slice(std::optional<int64_t> start_, std::optional<int64_t> stop_,
        std::optional<int64_t> step_ = std::nullopt)
      : start(start_), stop(stop_), step(step_) {}
};

struct NewAxis {};
struct EllipsisIndex {};
inline constexpr NewAxis newaxis{};
inline constexpr EllipsisIndex ellipsis{};

// One entry of an index tuple.
class ARRAX_API Index {
 public:
  enum class Kind : uint8_t { Int, Slice, NewAxis, Ellipsis, Array };

  Index(int64_t i) : kind_(Kind::Int), int_(i) {}
  Index(int i) : kind_(Kind::Int), int_(i) {}
  Index(arrax::Slice s) : kind_(Kind::Slice), slice_(s) {}
  Index(NewAxis) : kind_(Kind::NewAxis) {}
  Index(EllipsisIndex) : kind_(Kind::Ellipsis) {}
  // An integer array (advanced indexing) or a boolean mask. A 0-d integer
  // array acts as an integer, as in NumPy.
  Index(arrax::Array a) : kind_(Kind::Array), array_(std::move(a)) {}

  Kind kind() const { return kind_; }
  int64_t integer() const { return int_; }
  const arrax::Slice& slice() const { return slice_; }
  const arrax::Array& array() const { return array_; }

 private:
  Kind kind_;
  int64_t int_ = 0;
  arrax::Slice slice_;
  arrax::Array array_;
};

using Indices = std::vector<Index>;

// Out-of-range handling of take/put/choose.
enum class IndexMode : uint8_t { Raise, Wrap, Clip };
ARRAX_API IndexMode index_mode_from_name(std::string_view name, const char* op);

// a[index]: a view for basic indices, a copy for advanced ones.
ARRAX_API Array getitem(const Array& a, std::span<const Index> index);
inline Array getitem(const Array& a, std::initializer_list<Index> index) {
  return getitem(a, std::span<const Index>(index.begin(), index.size()));
}
// a[index] = value, with NumPy's broadcasting and (unsafe) casting; a weak
// Python integer must fit the array's dtype. Repeated advanced indices:
// the last write wins.
ARRAX_API void setitem(const Array& a, std::span<const Index> index,
                       const Array& value);
inline void setitem(const Array& a, std::initializer_list<Index> index,
                    const Array& value) {
  setitem(a, std::span<const Index>(index.begin(), index.size()), value);
}
// True when a[index] is an element (all integers, one per dimension): the
// Python layer returns a scalar then.
ARRAX_API bool is_element_index(const Array& a, std::span<const Index> index);

// numpy.take: axis = nullopt flattens first. `out`, when given, receives the
// result (unsafe cast) and is returned.
ARRAX_API Array take(const Array& a, const Array& indices,
                     std::optional<int64_t> axis = std::nullopt,
                     IndexMode mode = IndexMode::Raise,
                     const Array* out = nullptr);
// numpy.put: a.flat[indices] = values, values repeated cyclically.
ARRAX_API void put(const Array& a, const Array& indices, const Array& values,
                   IndexMode mode = IndexMode::Raise);
ARRAX_API Array take_along_axis(const Array& a, const Array& indices,
                                std::optional<int64_t> axis);
ARRAX_API void put_along_axis(const Array& a, const Array& indices,
                              const Array& values, std::optional<int64_t> axis);

// Coordinates of the nonzero elements: one int64 array per dimension, in C
// order. A 0-d input raises ValueError, as in NumPy 2.
ARRAX_API Arrays nonzero(const Array& a);
// (count, ndim) int64 coordinates.
ARRAX_API Array argwhere(const Array& a);
ARRAX_API Array flatnonzero(const Array& a);
// Number of nonzero elements.
ARRAX_API int64_t count_true(const Array& a);
ARRAX_API Array compress(const Array& condition, const Array& a,
                         std::optional<int64_t> axis = std::nullopt);
ARRAX_API Array choose(const Array& a, std::span<const Array> choices,
                       IndexMode mode = IndexMode::Raise);
ARRAX_API Array extract(const Array& condition, const Array& a);
// a.flat[mask] = vals, vals repeated cyclically.
ARRAX_API void place(const Array& a, const Array& mask, const Array& vals);

}  // namespace arrax

#pragma once
// The ufunc methods (reduce, accumulate, reduceat, outer, at) for every
// ufunc of arrax/ufuncs.def, and the NumPy functions built on ufuncs that
// are not ufuncs themselves (around, fix, clip, real, imag, angle).
#include <optional>
#include <vector>

#include "arrax/array.h"
#include "arrax/ops.h"
#include "arrax/ufunc.h"

namespace arrax {

struct UfuncReduceOptions {
  std::optional<Dtype> dtype;      // the loop / accumulator dtype
  bool keepdims = false;
  const Array* initial = nullptr;  // a 0-d array (weak for Python scalars)
  const Array* where = nullptr;    // boolean mask, broadcast to `a`
  const Array* out = nullptr;      // the result is also written here
};

// ufunc.reduce: combines the elements along `axes` (nullopt: every axis,
// NumPy's axis=None) with binary ufunc `id`.
ARRAX_API Array ufunc_reduce(UfuncId id, const Array& a,
                             const std::optional<std::vector<int64_t>>& axes,
                             const UfuncReduceOptions& opt = {});
// ufunc.accumulate along one axis; the output has a's shape.
ARRAX_API Array ufunc_accumulate(UfuncId id, const Array& a, int64_t axis,
                                 std::optional<Dtype> dtype = std::nullopt,
                                 const Array* out = nullptr);
// ufunc.reduceat: reductions over the slices [indices[i], indices[i+1]).
ARRAX_API Array ufunc_reduceat(UfuncId id, const Array& a,
                               const Array& indices, int64_t axis = 0,
                               std::optional<Dtype> dtype = std::nullopt,
                               const Array* out = nullptr);
// ufunc.outer: op(a[..., None, ...], b) over all pairs.
ARRAX_API Arrays ufunc_outer(UfuncId id, const Array& a, const Array& b,
                             const UfuncOptions& opt = {});
// ufunc.at, unbuffered and in place: for each k in order,
// a.flat[positions[k]] = op(a.flat[positions[k]], b[k]). Repeated positions
// accumulate. `positions` are C-order flat indices (int64) into `a`; `b`
// (null for unary ufuncs) broadcasts to positions' shape.
ARRAX_API void ufunc_at(UfuncId id, const Array& a, const Array& positions,
                        const Array* b = nullptr);

// numpy.around / round: half to even at `decimals` digits (negative:
// left of the decimal point); integers stay integers.
ARRAX_API Array around(const Array& a, int64_t decimals = 0,
                       const Array* out = nullptr);
// numpy.fix: round toward zero.
ARRAX_API Array fix(const Array& a, const Array* out = nullptr);
// numpy.clip; a null bound is NumPy's None. Python ints beyond an integer
// array's range count as None, as in NumPy.
ARRAX_API Array clip(const Array& a, const Array* lo, const Array* hi,
                     const UfuncOptions& opt = {});
// numpy.real / numpy.imag: views into complex arrays; real of a real array
// is the array itself, imag a new array of zeros.
ARRAX_API Array real(const Array& a);
ARRAX_API Array imag(const Array& a);
// numpy.angle: the argument of complex numbers, in radians or degrees.
ARRAX_API Array angle(const Array& a, bool deg = false);

// ---- operators of the C++ API (ops.h has + - * / == <) ------------------

inline Array operator%(const Array& a, const Array& b) {
  return remainder(a, b);
}
inline Array operator<=(const Array& a, const Array& b) {
  return less_equal(a, b);
}
inline Array operator>(const Array& a, const Array& b) {
  return greater(a, b);
}
inline Array operator>=(const Array& a, const Array& b) {
  return greater_equal(a, b);
}
inline Array operator!=(const Array& a, const Array& b) {
  return not_equal(a, b);
}
inline Array operator&(const Array& a, const Array& b) {
  return bitwise_and(a, b);
}
inline Array operator|(const Array& a, const Array& b) {
  return bitwise_or(a, b);
}
inline Array operator^(const Array& a, const Array& b) {
  return bitwise_xor(a, b);
}
inline Array operator~(const Array& a) { return invert(a); }
inline Array operator<<(const Array& a, const Array& b) {
  return left_shift(a, b);
}
inline Array operator>>(const Array& a, const Array& b) {
  return right_shift(a, b);
}

#define ARRAX_SCALAR_OP(op)                \
  template <ScalarLike S>                  \
  Array operator op(const Array& a, S b) { \
    return a op to_weak(b);                \
  }                                        \
  template <ScalarLike S>                  \
  Array operator op(S a, const Array& b) { \
    return to_weak(a) op b;                \
  }
ARRAX_SCALAR_OP(%)
ARRAX_SCALAR_OP(<=)
ARRAX_SCALAR_OP(>)
ARRAX_SCALAR_OP(>=)
ARRAX_SCALAR_OP(!=)
ARRAX_SCALAR_OP(&)
ARRAX_SCALAR_OP(|)
ARRAX_SCALAR_OP(^)
ARRAX_SCALAR_OP(<<)
ARRAX_SCALAR_OP(>>)
#undef ARRAX_SCALAR_OP

}  // namespace arrax

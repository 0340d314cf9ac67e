#pragma once
// The public ops with NumPy semantics (docs/architecture.md, step 2): each
// validates, promotes and broadcasts, then dispatches a Primitive.
#include <optional>
#include <span>

#include "arrax/array.h"
#include "arrax/ufunc.h"

namespace arrax {

// ---- shapes, dtypes, scalars ---------------------------------------------

// NumPy broadcasting of two shapes; raises "[op] operands could not be
// broadcast together with shapes (2,3) (4,)".
ARRAX_API Shape broadcast_shapes(const Shape& a, const Shape& b,
                                 const char* op = "broadcast_shapes");
ARRAX_API Shape broadcast_shapes(std::span<const Array> arrays,
                                 const char* op = "broadcast_shapes");
// A view of `a` with shape `shape` (stride 0 on broadcast dimensions).
ARRAX_API Array broadcast_to(const Array& a, const Shape& shape,
                             const char* op = "broadcast_to");

// NumPy 2 result dtype: weak arrays (Python scalars) only take part by kind
// (NEP 50).
ARRAX_API Dtype result_type(std::span<const Array> arrays);

// 0-d weak arrays standing for Python scalars.
ARRAX_API Array weak_scalar(bool v);
ARRAX_API Array weak_scalar(int64_t v);
ARRAX_API Array weak_scalar(double v);
ARRAX_API Array weak_scalar(complex128 v);
// A strong 0-d array of the given dtype.
ARRAX_API Array full_scalar(double v, Dtype dtype, Device device);
// `a` on `device` when it is a 0-d CPU array (a Python or NumPy scalar),
// else `a` itself; see Note [Scalars before broadcasting] in ops.cpp.
ARRAX_API Array scalar_on(const Array& a, Device device);

// Normalizes an axis for an array of `ndim` dimensions (AxisError).
ARRAX_API int normalize_axis(int64_t axis, int ndim, const char* op);

// ---- copies and casts ----------------------------------------------------

ARRAX_API Array astype(const Array& a, Dtype dtype, bool copy = true);
ARRAX_API Array copy(const Array& a);
ARRAX_API Array ascontiguousarray(const Array& a);
// dst[...] = src with broadcasting and a casting check; where masks writes.
ARRAX_API void copyto(const Array& dst, const Array& src,
                      Casting casting = Casting::SameKind,
                      const Array* where = nullptr);
// cond ? x : y elementwise, with broadcasting (numpy.where, 3 arguments).
ARRAX_API Array where(const Array& cond, const Array& x, const Array& y);
// Fills with a value (ndarray.fill).
ARRAX_API void fill(const Array& dst, const Array& value);

// ---- ufuncs --------------------------------------------------------------

struct UfuncOptions {
  std::span<const Array> out;          // empty, or one array per output
  std::optional<Dtype> dtype;          // the loop / output dtype
  Casting casting = Casting::SameKind;
  const Array* where = nullptr;        // boolean mask, broadcast to the output
};

// Calls ufunc `id` with NumPy semantics: promotion (NEP 50), loop selection,
// broadcasting, out=, where=, dtype=, casting=.
ARRAX_API Arrays apply_ufunc(UfuncId id, std::span<const Array> inputs,
                             const UfuncOptions& options = {});

#define ARRAX_UFUNC(name, nin, nout, types, out, in, deriv) \
  ARRAX_UFUNC_DECL_##nin##_##nout(name)
#define ARRAX_UFUNC_DECL_1_1(name) ARRAX_API Array name(const Array& a);
#define ARRAX_UFUNC_DECL_2_1(name) \
  ARRAX_API Array name(const Array& a, const Array& b);
#define ARRAX_UFUNC_DECL_2_2(name) \
  ARRAX_API std::pair<Array, Array> name(const Array& a, const Array& b);
#define ARRAX_UFUNC_DECL_3_1(name) \
  ARRAX_API Array name(const Array& a, const Array& b, const Array& c);
#include "arrax/ufuncs.def"
#undef ARRAX_UFUNC

// ---- operators (C++ API) -------------------------------------------------

inline Array operator+(const Array& a, const Array& b) { return add(a, b); }
inline Array operator-(const Array& a, const Array& b) {
  return subtract(a, b);
}
inline Array operator*(const Array& a, const Array& b) {
  return multiply(a, b);
}
inline Array operator/(const Array& a, const Array& b) { return divide(a, b); }
inline Array operator-(const Array& a) { return negative(a); }
inline Array operator==(const Array& a, const Array& b) { return equal(a, b); }
inline Array operator<(const Array& a, const Array& b) { return less(a, b); }
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

// Scalars on either side are weak, as Python scalars are in NumPy.
template <typename S>
concept ScalarLike = std::is_arithmetic_v<S>;
template <ScalarLike S>
Array to_weak(S v) {
  if constexpr (std::is_same_v<S, bool>)
    return weak_scalar(v);
  else if constexpr (std::is_integral_v<S>)
    return weak_scalar(static_cast<int64_t>(v));
  else
    return weak_scalar(static_cast<double>(v));
}
#define ARRAX_SCALAR_OP(op)                           \
  template <ScalarLike S>                             \
  Array operator op(const Array& a, S b) {            \
    return a op to_weak(b);                           \
  }                                                   \
  template <ScalarLike S>                             \
  Array operator op(S a, const Array& b) {            \
    return to_weak(a) op b;                           \
  }
ARRAX_SCALAR_OP(+)
ARRAX_SCALAR_OP(-)
ARRAX_SCALAR_OP(*)
ARRAX_SCALAR_OP(/)
ARRAX_SCALAR_OP(==)
ARRAX_SCALAR_OP(<)
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

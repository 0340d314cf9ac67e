#pragma once
// CPU functors, one per ufunc, named exactly like the ufunc (see
// arrax/ufuncs.def). Each takes and returns compute types: float16 and
// bfloat16 arrive as float. The return type must match the table's output
// rule: the loop dtype's compute type (Same), bool (Bool) or the real type
// (Real).
#include <cmath>
#include <complex>
#include <limits>
#include <type_traits>

#include "arrax/dtype.h"

namespace arrax::cpu::functors {

struct add {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>)
      return a || b;
    else if constexpr (std::is_integral_v<T>)  // wraps like NumPy, no UB
      return static_cast<T>(static_cast<std::make_unsigned_t<T>>(a) +
                            static_cast<std::make_unsigned_t<T>>(b));
    else
      return a + b;
  }
};

struct subtract {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>)  // wraps like NumPy, no UB
      return static_cast<T>(static_cast<std::make_unsigned_t<T>>(a) -
                            static_cast<std::make_unsigned_t<T>>(b));
    else
      return a - b;
  }
};

struct multiply {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>)
      return a && b;
    else if constexpr (std::is_integral_v<T>)
      return static_cast<T>(static_cast<std::make_unsigned_t<T>>(a) *
                            static_cast<std::make_unsigned_t<T>>(b));
    else
      return a * b;
  }
};

struct divide {
  template <typename T>
  T operator()(T a, T b) const {
    return a / b;
  }
};

struct negative {
  template <typename T>
  T operator()(T a) const {
    if constexpr (std::is_integral_v<T>)
      return static_cast<T>(-static_cast<std::make_unsigned_t<T>>(a));
    else
      return -a;
  }
};

struct positive {
  template <typename T>
  T operator()(T a) const {
    return a;
  }
};

struct exp {
  template <typename T>
  T operator()(T a) const {
    return std::exp(a);
  }
};

struct equal {
  template <typename T>
  bool operator()(T a, T b) const {
    return a == b;
  }
};

struct less {
  template <typename T>
  bool operator()(T a, T b) const {
    return a < b;
  }
};

}  // namespace arrax::cpu::functors

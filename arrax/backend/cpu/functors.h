#pragma once
// CPU functors, one per ufunc, named exactly like the ufunc (see
// arrax/ufuncs.def). Each takes and returns compute types: float16 and
// bfloat16 arrive as float. The return type must match the table's output
// rule: the loop dtype's compute type (Same), bool (Bool) or the real type
// (Real). Two-output functors return a std::pair.
//
// Note [Functors are free of undefined behaviour]
// NumPy's integer results wrap (overflow), and its division, remainder and
// shifts define every input (x // 0 == 0, INT_MIN // -1 == INT_MIN, shifts
// by >= the bit width give 0 or -1). The C++ operators are undefined for
// those inputs, and the sanitizer build checks it: integer arithmetic goes
// through `wide_unsigned_t` (unsigned, and at least as wide as unsigned int
// so that uint16 * uint16 does not promote to a signed int that overflows),
// and division and shifts test their edge cases first.
#include <bit>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

#include "arrax/dtype.h"

namespace arrax::cpu::functors {

// See Note [Functors are free of undefined behaviour].
template <typename T>
using wide_unsigned_t =
    std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned,
                       std::make_unsigned_t<T>>;

template <typename T>
inline T wrap_add(T a, T b) {
  using U = wide_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
}
template <typename T>
inline T wrap_sub(T a, T b) {
  using U = wide_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
}
template <typename T>
inline T wrap_mul(T a, T b) {
  using U = wide_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(static_cast<U>(a) * static_cast<U>(b)));
}
template <typename T>
inline T wrap_neg(T a) {
  using U = wide_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(U(0) - static_cast<U>(a)));
}

// ---- complex helpers, written out as NumPy does -------------------------

// NumPy multiplies complex numbers without the C99 Annex G inf/nan fixups.
template <typename R>
inline std::complex<R> cmul(std::complex<R> a, std::complex<R> b) {
  return {a.real() * b.real() - a.imag() * b.imag(),
          a.real() * b.imag() + a.imag() * b.real()};
}

// Smith's algorithm, as NumPy's complex division.
template <typename R>
inline std::complex<R> cdiv(std::complex<R> a, std::complex<R> b) {
  R ar = a.real(), ai = a.imag(), br = b.real(), bi = b.imag();
  R abs_br = std::fabs(br), abs_bi = std::fabs(bi);
  if (abs_br >= abs_bi) {
    if (abs_br == 0 && abs_bi == 0) return {ar / abs_br, ai / abs_br};
    R rat = bi / br;
    R scl = R(1) / (br + bi * rat);
    return {(ar + ai * rat) * scl, (ai - ar * rat) * scl};
  }
  R rat = br / bi;
  R scl = R(1) / (bi + br * rat);
  return {(ar * rat + ai) * scl, (ai * rat - ar) * scl};
}

template <typename R>
inline bool cisnan(std::complex<R> a) {
  return std::isnan(a.real()) || std::isnan(a.imag());
}
// Lexicographic order with NumPy's NaN rules (npy_math CLT/CLE/CGT/CGE).
template <typename R>
inline bool clt(std::complex<R> x, std::complex<R> y) {
  return (x.real() < y.real() && !std::isnan(x.imag()) &&
          !std::isnan(y.imag())) ||
         (x.real() == y.real() && x.imag() < y.imag());
}
template <typename R>
inline bool cle(std::complex<R> x, std::complex<R> y) {
  return (x.real() < y.real() && !std::isnan(x.imag()) &&
          !std::isnan(y.imag())) ||
         (x.real() == y.real() && x.imag() <= y.imag());
}

// z ** n for small integer n by repeated squaring (NumPy's nc_pow).
template <typename R>
inline std::complex<R> cpow(std::complex<R> a, std::complex<R> b) {
  R br = b.real(), bi = b.imag();
  if (br == 0 && bi == 0) return {R(1), R(0)};
  if (a.real() == 0 && a.imag() == 0) {
    if (br > 0 && bi == 0) return {R(0), R(0)};
    R nan = std::numeric_limits<R>::quiet_NaN();
    return {nan, nan};
  }
  if (bi == 0 && br >= R(-100) && br <= R(100)) {
    int n = static_cast<int>(br);
    if (static_cast<R>(n) == br) {
      if (n == 1) return a;
      if (n == 2) return cmul(a, a);
      if (n == 3) return cmul(cmul(a, a), a);
      int m = n < 0 ? -n : n;
      std::complex<R> acc(1, 0), p = a;
      while (true) {
        if (m & 1) acc = cmul(acc, p);
        m >>= 1;
        if (m == 0) break;
        p = cmul(p, p);
      }
      if (n < 0) acc = cdiv(std::complex<R>(1, 0), acc);
      return acc;
    }
  }
  return std::pow(a, b);
}

// ---- arithmetic ----------------------------------------------------------

struct add {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>)
      return a || b;
    else if constexpr (std::is_integral_v<T>)
      return wrap_add(a, b);
    else
      return a + b;
  }
};

struct subtract {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>)
      return wrap_sub(a, b);
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
      return wrap_mul(a, b);
    else if constexpr (is_complex_v<T>)
      return cmul(a, b);
    else
      return a * b;
  }
};

struct divide {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (is_complex_v<T>)
      return cdiv(a, b);
    else
      return a / b;
  }
};

// Floor division and the matching remainder of floats, as NumPy's
// npy_divmod: the remainder has the sign of the divisor and
// a == floordiv * b + mod as closely as rounding allows.
template <typename T>
inline std::pair<T, T> float_divmod(T a, T b) {
  T mod = std::fmod(a, b);
  if (b == 0) return {a / b, mod};
  T div = (a - mod) / b;
  if (mod != 0) {
    if ((b < 0) != (mod < 0)) {
      mod += b;
      div -= T(1);
    }
  } else {
    mod = std::copysign(T(0), b);
  }
  T floordiv;
  if (div != 0) {
    floordiv = std::floor(div);
    if (div - floordiv > T(0.5)) floordiv += T(1);
  } else {
    floordiv = std::copysign(T(0), a / b);
  }
  return {floordiv, mod};
}

// Integer floor division and remainder; x // 0 == 0 and x % 0 == 0 as in
// NumPy, and INT_MIN // -1 wraps to INT_MIN.
template <typename T>
inline std::pair<T, T> int_divmod(T a, T b) {
  if (b == 0) return {T(0), T(0)};
  if constexpr (std::is_signed_v<T>) {
    if (b == T(-1)) return {wrap_neg(a), T(0)};
    T q = static_cast<T>(a / b);
    T r = static_cast<T>(a % b);
    if (r != 0 && ((r < 0) != (b < 0))) {
      q = static_cast<T>(q - 1);
      r = static_cast<T>(r + b);
    }
    return {q, r};
  } else {
    return {static_cast<T>(a / b), static_cast<T>(a % b)};
  }
}

struct floor_divide {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>)
      return int_divmod(a, b).first;
    else
      return b == 0 ? a / b : float_divmod(a, b).first;
  }
};

struct remainder {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>)
      return int_divmod(a, b).second;
    else
      return b == 0 ? std::fmod(a, b) : float_divmod(a, b).second;
  }
};

struct divmod {
  template <typename T>
  std::pair<T, T> operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>)
      return int_divmod(a, b);
    else
      return float_divmod(a, b);
  }
};

struct fmod {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      if (b == 0) return T(0);
      if constexpr (std::is_signed_v<T>)
        if (b == T(-1)) return T(0);
      return static_cast<T>(a % b);
    } else {
      return std::fmod(a, b);
    }
  }
};

// Integer power by squaring, wrapping. Negative exponents are rejected by
// the op (ValueError); the kernel still defines them (1, -1 or 0).
template <typename T>
inline T int_power(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b < 0) {
      if (a == 1) return T(1);
      if (a == -1) return (b & 1) ? T(-1) : T(1);
      return T(0);
    }
  }
  T result = 1;
  T base = a;
  using U = std::make_unsigned_t<T>;
  U e = static_cast<U>(b);
  while (e) {
    if (e & 1) result = wrap_mul(result, base);
    e = static_cast<U>(e >> 1);
    if (e) base = wrap_mul(base, base);
  }
  return result;
}

struct power {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>)
      return int_power(a, b);
    else if constexpr (is_complex_v<T>)
      return cpow(a, b);
    else
      return std::pow(a, b);
  }
};

struct float_power {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (is_complex_v<T>)
      return cpow(a, b);
    else
      return std::pow(a, b);
  }
};

struct negative {
  template <typename T>
  T operator()(T a) const {
    if constexpr (std::is_integral_v<T>)
      return wrap_neg(a);
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

struct absolute {
  template <typename T>
  auto operator()(T a) const {
    if constexpr (std::is_same_v<T, bool> || std::is_unsigned_v<T>)
      return a;
    else if constexpr (std::is_integral_v<T>)
      return a < 0 ? wrap_neg(a) : a;
    else if constexpr (is_complex_v<T>)
      return std::hypot(a.real(), a.imag());
    else
      return std::fabs(a);
  }
};

struct fabs {
  template <typename T>
  T operator()(T a) const {
    return std::fabs(a);
  }
};

struct sign {
  template <typename T>
  T operator()(T a) const {
    if constexpr (std::is_unsigned_v<T>) {
      return a > 0 ? T(1) : T(0);
    } else if constexpr (std::is_integral_v<T>) {
      return a > 0 ? T(1) : (a < 0 ? T(-1) : T(0));
    } else if constexpr (is_complex_v<T>) {
      // NumPy 2: z / |z|, with the limits at infinity.
      using R = typename T::value_type;
      R re = a.real(), im = a.imag();
      R mag = std::hypot(re, im);
      R nan = std::numeric_limits<R>::quiet_NaN();
      if (std::isnan(mag)) return {nan, nan};
      if (std::isinf(mag)) {
        if (std::isinf(re)) {
          if (std::isinf(im)) return {nan, nan};
          return {re > 0 ? R(1) : R(-1), R(0)};
        }
        return {R(0), im > 0 ? R(1) : R(-1)};
      }
      if (mag == 0) return {R(0), R(0)};
      return {re / mag, im / mag};
    } else {
      return a > 0 ? T(1) : (a < 0 ? T(-1) : (a == 0 ? T(0) : a));
    }
  }
};

struct reciprocal {
  template <typename T>
  T operator()(T a) const {
    if constexpr (std::is_integral_v<T>) {
      // NumPy computes (T)(1.0 / a): 1 / 0 is inf, which x86 converts to
      // INT_MIN for 32- and 64-bit integers (and so 0 for narrower ones).
      if constexpr (std::is_signed_v<T>) {
        if (a == 0)
          return sizeof(T) >= 4 ? std::numeric_limits<T>::min() : T(0);
        return a == 1 ? T(1) : (a == -1 ? T(-1) : T(0));
      }
      else
        return a == 1 ? T(1) : T(0);
    } else if constexpr (is_complex_v<T>) {
      return cdiv(T(1), a);
    } else {
      return T(1) / a;
    }
  }
};

struct square {
  template <typename T>
  T operator()(T a) const {
    if constexpr (std::is_integral_v<T>)
      return wrap_mul(a, a);
    else if constexpr (is_complex_v<T>)
      return cmul(a, a);
    else
      return a * a;
  }
};

struct conjugate {
  template <typename T>
  T operator()(T a) const {
    if constexpr (is_complex_v<T>)
      return std::conj(a);
    else
      return a;
  }
};

// ---- comparisons ---------------------------------------------------------

struct equal {
  template <typename T>
  bool operator()(T a, T b) const {
    return a == b;
  }
};

struct not_equal {
  template <typename T>
  bool operator()(T a, T b) const {
    return a != b;
  }
};

struct less {
  template <typename T>
  bool operator()(T a, T b) const {
    if constexpr (is_complex_v<T>)
      return clt(a, b);
    else
      return a < b;
  }
};

struct less_equal {
  template <typename T>
  bool operator()(T a, T b) const {
    if constexpr (is_complex_v<T>)
      return cle(a, b);
    else
      return a <= b;
  }
};

struct greater {
  template <typename T>
  bool operator()(T a, T b) const {
    if constexpr (is_complex_v<T>)
      return clt(b, a);
    else
      return a > b;
  }
};

struct greater_equal {
  template <typename T>
  bool operator()(T a, T b) const {
    if constexpr (is_complex_v<T>)
      return cle(b, a);
    else
      return a >= b;
  }
};

// ---- logical and bitwise -------------------------------------------------

template <typename T>
inline bool truth(T a) {
  if constexpr (is_complex_v<T>)
    return a.real() != 0 || a.imag() != 0;
  else
    return a != T(0);
}

struct logical_and {
  template <typename T>
  bool operator()(T a, T b) const {
    return truth(a) && truth(b);
  }
};

struct logical_or {
  template <typename T>
  bool operator()(T a, T b) const {
    return truth(a) || truth(b);
  }
};

struct logical_xor {
  template <typename T>
  bool operator()(T a, T b) const {
    return truth(a) != truth(b);
  }
};

struct logical_not {
  template <typename T>
  bool operator()(T a) const {
    return !truth(a);
  }
};

struct bitwise_and {
  template <typename T>
  T operator()(T a, T b) const {
    return static_cast<T>(a & b);
  }
};

struct bitwise_or {
  template <typename T>
  T operator()(T a, T b) const {
    return static_cast<T>(a | b);
  }
};

struct bitwise_xor {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>)
      return a != b;
    else
      return static_cast<T>(a ^ b);
  }
};

struct invert {
  template <typename T>
  T operator()(T a) const {
    if constexpr (std::is_same_v<T, bool>)
      return !a;
    else
      return static_cast<T>(~a);
  }
};

// Shifts by a negative count or by >= the bit width give 0 (left) and 0 or
// -1 (right), as NumPy's npy_lshift/npy_rshift.
struct left_shift {
  template <typename T>
  T operator()(T a, T b) const {
    using U = wide_unsigned_t<T>;
    if (static_cast<std::make_unsigned_t<T>>(b) >= sizeof(T) * 8) return T(0);
    return static_cast<T>(static_cast<U>(static_cast<U>(a) << b));
  }
};

struct right_shift {
  template <typename T>
  T operator()(T a, T b) const {
    if (static_cast<std::make_unsigned_t<T>>(b) >= sizeof(T) * 8) {
      if constexpr (std::is_signed_v<T>)
        return a < 0 ? T(-1) : T(0);
      else
        return T(0);
    }
    return static_cast<T>(a >> b);
  }
};

// ---- exponents and logarithms --------------------------------------------

template <typename T>
inline constexpr typename T::value_type kLn2 =
    typename T::value_type(0.693147180559945309417232121458176568L);

struct exp {
  template <typename T>
  T operator()(T a) const {
    return std::exp(a);
  }
};

struct exp2 {
  template <typename T>
  T operator()(T a) const {
    if constexpr (is_complex_v<T>)
      return std::exp(a * kLn2<T>);
    else
      return std::exp2(a);
  }
};

struct expm1 {
  template <typename T>
  T operator()(T a) const {
    if constexpr (is_complex_v<T>) {
      using R = typename T::value_type;
      R s = std::sin(a.imag() / 2);
      return {std::expm1(a.real()) * std::cos(a.imag()) - 2 * s * s,
              std::exp(a.real()) * std::sin(a.imag())};
    } else {
      return std::expm1(a);
    }
  }
};

struct log {
  template <typename T>
  T operator()(T a) const {
    return std::log(a);
  }
};

struct log2 {
  template <typename T>
  T operator()(T a) const {
    if constexpr (is_complex_v<T>)
      return std::log(a) / kLn2<T>;
    else
      return std::log2(a);
  }
};

struct log10 {
  template <typename T>
  T operator()(T a) const {
    return std::log10(a);
  }
};

struct log1p {
  template <typename T>
  T operator()(T a) const {
    if constexpr (is_complex_v<T>) {
      using R = typename T::value_type;
      R re = a.real() + R(1);
      return {std::log(std::hypot(re, a.imag())), std::atan2(a.imag(), re)};
    } else {
      return std::log1p(a);
    }
  }
};

struct sqrt {
  template <typename T>
  T operator()(T a) const {
    return std::sqrt(a);
  }
};

struct cbrt {
  template <typename T>
  T operator()(T a) const {
    return std::cbrt(a);
  }
};

struct logaddexp {
  template <typename T>
  T operator()(T a, T b) const {
    if (a == b) return a + T(0.693147180559945309417232121458176568L);
    T d = a - b;
    if (d > 0) return a + std::log1p(std::exp(-d));
    if (d <= 0) return b + std::log1p(std::exp(d));
    return d;  // NaN
  }
};

struct logaddexp2 {
  template <typename T>
  T operator()(T a, T b) const {
    constexpr T kLog2e = T(1.442695040888963407359924681001892137L);
    if (a == b) return a + T(1);
    T d = a - b;
    if (d > 0) return a + kLog2e * std::log1p(std::exp2(-d));
    if (d <= 0) return b + kLog2e * std::log1p(std::exp2(d));
    return d;
  }
};

// Input 1 is an int64 (UfuncIn::FloatInt); exponents beyond any float's
// range are clamped so that the int conversion is defined.
struct ldexp {
  template <typename T>
  T operator()(T a, int64_t e) const {
    int ei = e > 100000 ? 100000 : (e < -100000 ? -100000 : int(e));
    return std::ldexp(a, ei);
  }
};

// ---- trigonometric and hyperbolic ----------------------------------------

#define ARRAX_STD_UNARY(name, fn)   \
  struct name {                     \
    template <typename T>           \
    T operator()(T a) const {       \
      return std::fn(a);            \
    }                               \
  };
ARRAX_STD_UNARY(sin, sin)
ARRAX_STD_UNARY(cos, cos)
ARRAX_STD_UNARY(tan, tan)
ARRAX_STD_UNARY(arcsin, asin)
ARRAX_STD_UNARY(arccos, acos)
ARRAX_STD_UNARY(arctan, atan)
ARRAX_STD_UNARY(sinh, sinh)
ARRAX_STD_UNARY(cosh, cosh)
ARRAX_STD_UNARY(tanh, tanh)
ARRAX_STD_UNARY(arcsinh, asinh)
ARRAX_STD_UNARY(arccosh, acosh)
ARRAX_STD_UNARY(arctanh, atanh)
#undef ARRAX_STD_UNARY

struct arctan2 {
  template <typename T>
  T operator()(T a, T b) const {
    return std::atan2(a, b);
  }
};

struct hypot {
  template <typename T>
  T operator()(T a, T b) const {
    return std::hypot(a, b);
  }
};

struct deg2rad {
  template <typename T>
  T operator()(T a) const {
    return a * T(0.0174532925199432957692369076848861271L);
  }
};
struct radians : deg2rad {};

struct rad2deg {
  template <typename T>
  T operator()(T a) const {
    return a * T(57.2957795130823208767981548141051703L);
  }
};
struct degrees : rad2deg {};

// ---- rounding ------------------------------------------------------------

struct floor {
  template <typename T>
  T operator()(T a) const {
    if constexpr (std::is_integral_v<T>)
      return a;
    else
      return std::floor(a);
  }
};

struct ceil {
  template <typename T>
  T operator()(T a) const {
    if constexpr (std::is_integral_v<T>)
      return a;
    else
      return std::ceil(a);
  }
};

struct trunc {
  template <typename T>
  T operator()(T a) const {
    if constexpr (std::is_integral_v<T>)
      return a;
    else
      return std::trunc(a);
  }
};

struct rint {
  template <typename T>
  T operator()(T a) const {
    if constexpr (is_complex_v<T>)
      return {std::nearbyint(a.real()), std::nearbyint(a.imag())};
    else
      return std::nearbyint(a);
  }
};

// ---- extrema -------------------------------------------------------------

struct maximum {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>)
      return a || b;
    else if constexpr (std::is_integral_v<T>)
      return a > b ? a : b;
    else if constexpr (is_complex_v<T>)
      return (cle(b, a) || cisnan(a)) ? a : b;
    else
      return (a >= b || std::isnan(a)) ? a : b;
  }
};

struct minimum {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>)
      return a && b;
    else if constexpr (std::is_integral_v<T>)
      return a < b ? a : b;
    else if constexpr (is_complex_v<T>)
      return (cle(a, b) || cisnan(a)) ? a : b;
    else
      return (a <= b || std::isnan(a)) ? a : b;
  }
};

struct fmax {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>)
      return a || b;
    else if constexpr (std::is_integral_v<T>)
      return a > b ? a : b;
    else if constexpr (is_complex_v<T>)
      return (cle(b, a) || cisnan(b)) ? a : b;
    else
      return (a >= b || std::isnan(b)) ? a : b;
  }
};

struct fmin {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>)
      return a && b;
    else if constexpr (std::is_integral_v<T>)
      return a < b ? a : b;
    else if constexpr (is_complex_v<T>)
      return (cle(a, b) || cisnan(b)) ? a : b;
    else
      return (a <= b || std::isnan(b)) ? a : b;
  }
};

// numpy.clip's kernel: min(max(x, lo), hi), NaN in x or a bound propagates.
struct clip {
  template <typename T>
  T operator()(T x, T lo, T hi) const {
    if constexpr (std::is_same_v<T, bool>) {
      return (x || lo) && hi;
    } else if constexpr (std::is_integral_v<T>) {
      T m = x > lo ? x : lo;
      return m < hi ? m : hi;
    } else if constexpr (is_complex_v<T>) {
      T m = (cisnan(x) || cle(lo, x)) ? x : lo;
      return (cisnan(m) || cle(m, hi)) ? m : hi;
    } else {
      T m = std::isnan(x) ? x : (x > lo ? x : lo);
      return std::isnan(m) ? m : (m < hi ? m : hi);
    }
  }
};

// ---- floating-point classification and manipulation ----------------------

struct isnan {
  template <typename T>
  bool operator()(T a) const {
    if constexpr (is_complex_v<T>)
      return cisnan(a);
    else if constexpr (std::is_integral_v<T>)
      return false;
    else
      return std::isnan(a);
  }
};

struct isinf {
  template <typename T>
  bool operator()(T a) const {
    if constexpr (is_complex_v<T>)
      return std::isinf(a.real()) || std::isinf(a.imag());
    else if constexpr (std::is_integral_v<T>)
      return false;
    else
      return std::isinf(a);
  }
};

struct isfinite {
  template <typename T>
  bool operator()(T a) const {
    if constexpr (is_complex_v<T>)
      return std::isfinite(a.real()) && std::isfinite(a.imag());
    else if constexpr (std::is_integral_v<T>)
      return true;
    else
      return std::isfinite(a);
  }
};

// Reads the sign bit directly: GCC 12 crashes vectorizing std::signbit in
// the float16/bfloat16 loops.
struct signbit {
  template <typename T>
  bool operator()(T a) const {
    if constexpr (sizeof(T) == 4)
      return (std::bit_cast<uint32_t>(a) >> 31) != 0;
    else
      return (std::bit_cast<uint64_t>(a) >> 63) != 0;
  }
};

struct copysign {
  template <typename T>
  T operator()(T a, T b) const {
    return std::copysign(a, b);
  }
};

// Steps in the storage type: float16 and bfloat16 have their own spacing.
// (The loop passes storage values to functors marked kStorageTyped.)
struct nextafter {
  static constexpr bool kStorageTyped = true;
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      return std::nextafter(a, b);
    } else {
      // 16-bit floats: step the bit pattern, as npy_half_nextafter does.
      float fa = static_cast<float>(a), fb = static_cast<float>(b);
      if (std::isnan(fa) || std::isnan(fb)) return T(fa + fb);
      if (fa == fb) return b;
      uint16_t bits;
      std::memcpy(&bits, &a, 2);
      if (fa == 0) {
        bits = static_cast<uint16_t>((fb < 0 ? 0x8000 : 0) | 1);
      } else if ((fa < fb) == (fa > 0)) {
        bits = static_cast<uint16_t>(bits + 1);
      } else {
        bits = static_cast<uint16_t>(bits - 1);
      }
      T r;
      std::memcpy(&r, &bits, 2);
      return r;
    }
  }
};

struct heaviside {
  template <typename T>
  T operator()(T x, T h) const {
    if (std::isnan(x)) return x;
    if (x == 0) return h;
    return x < 0 ? T(0) : T(1);
  }
};

}  // namespace arrax::cpu::functors

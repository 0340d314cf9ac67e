#pragma once
#include <complex>
#include <span>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "arrax/errors.h"
#include "arrax/export.h"
#include "arrax/half.h"

namespace arrax {

// The order is the promotion-table order; do not reorder.
enum class Dtype : uint8_t {
  Bool,
  Int8,
  Int16,
  Int32,
  Int64,
  UInt8,
  UInt16,
  UInt32,
  UInt64,
  Float16,
  BFloat16,
  Float32,
  Float64,
  Complex64,
  Complex128,
};
inline constexpr int kNumDtypes = 15;

// NumPy's kind characters: b i u f c.
enum class DtypeKind : uint8_t { Bool, UInt, Int, Float, Complex };

using complex64 = std::complex<float>;
using complex128 = std::complex<double>;

ARRAX_API int itemsize(Dtype dt);
ARRAX_API DtypeKind kind(Dtype dt);
ARRAX_API const char* dtype_name(Dtype dt);  // NumPy's name: "float32"
ARRAX_API Dtype dtype_from_name(std::string_view name);  // throws TypeError

inline bool is_integer(Dtype dt) {
  auto k = kind(dt);
  return k == DtypeKind::Int || k == DtypeKind::UInt;
}
inline bool is_signed_integer(Dtype dt) { return kind(dt) == DtypeKind::Int; }
inline bool is_unsigned_integer(Dtype dt) {
  return kind(dt) == DtypeKind::UInt;
}
inline bool is_floating(Dtype dt) { return kind(dt) == DtypeKind::Float; }
inline bool is_complex(Dtype dt) { return kind(dt) == DtypeKind::Complex; }
inline bool is_inexact(Dtype dt) { return is_floating(dt) || is_complex(dt); }

// complex64 -> float32, complex128 -> float64, others unchanged.
ARRAX_API Dtype real_dtype(Dtype dt);
// float32 -> complex64; float16/bfloat16 -> complex64; ints -> complex128.
ARRAX_API Dtype complex_dtype(Dtype dt);

// NumPy 2 promotion of two strong dtypes (np.promote_types).
ARRAX_API Dtype promote_types(Dtype a, Dtype b);

enum class Casting : uint8_t { No, Equiv, Safe, SameKind, Unsafe };
ARRAX_API Casting casting_from_name(std::string_view name, const char* op);
ARRAX_API const char* casting_name(Casting casting);  // "same_kind"

// NumPy's result type of several strong dtypes. Pairwise promotion is not
// associative (int8, uint16, float32 -> float32, while a left fold gives
// float64): NumPy's answer is the least dtype, among the pairwise
// promotions, that every input casts to safely.
ARRAX_API Dtype promote_types(std::span<const Dtype> dtypes);
ARRAX_API bool can_cast(Dtype from, Dtype to, Casting casting = Casting::Safe);

// ---- C++ types for each dtype -------------------------------------------

template <Dtype D>
struct TypeOf;
#define ARRAX_TYPE_OF(D, T)  \
  template <>                \
  struct TypeOf<Dtype::D> {  \
    using type = T;          \
  };
ARRAX_TYPE_OF(Bool, bool)
ARRAX_TYPE_OF(Int8, int8_t)
ARRAX_TYPE_OF(Int16, int16_t)
ARRAX_TYPE_OF(Int32, int32_t)
ARRAX_TYPE_OF(Int64, int64_t)
ARRAX_TYPE_OF(UInt8, uint8_t)
ARRAX_TYPE_OF(UInt16, uint16_t)
ARRAX_TYPE_OF(UInt32, uint32_t)
ARRAX_TYPE_OF(UInt64, uint64_t)
ARRAX_TYPE_OF(Float16, float16)
ARRAX_TYPE_OF(BFloat16, bfloat16)
ARRAX_TYPE_OF(Float32, float)
ARRAX_TYPE_OF(Float64, double)
ARRAX_TYPE_OF(Complex64, complex64)
ARRAX_TYPE_OF(Complex128, complex128)
#undef ARRAX_TYPE_OF

template <typename T>
constexpr Dtype dtype_of();
#define ARRAX_DTYPE_OF(D, T)           \
  template <>                          \
  constexpr Dtype dtype_of<T>() {      \
    return Dtype::D;                   \
  }
ARRAX_DTYPE_OF(Bool, bool)
ARRAX_DTYPE_OF(Int8, int8_t)
ARRAX_DTYPE_OF(Int16, int16_t)
ARRAX_DTYPE_OF(Int32, int32_t)
ARRAX_DTYPE_OF(Int64, int64_t)
ARRAX_DTYPE_OF(UInt8, uint8_t)
ARRAX_DTYPE_OF(UInt16, uint16_t)
ARRAX_DTYPE_OF(UInt32, uint32_t)
ARRAX_DTYPE_OF(UInt64, uint64_t)
ARRAX_DTYPE_OF(Float16, float16)
ARRAX_DTYPE_OF(BFloat16, bfloat16)
ARRAX_DTYPE_OF(Float32, float)
ARRAX_DTYPE_OF(Float64, double)
ARRAX_DTYPE_OF(Complex64, complex64)
ARRAX_DTYPE_OF(Complex128, complex128)
#undef ARRAX_DTYPE_OF

// The type arithmetic is done in: float for the 16-bit floats.
template <typename T>
struct ComputeType {
  using type = T;
};
template <>
struct ComputeType<float16> {
  using type = float;
};
template <>
struct ComputeType<bfloat16> {
  using type = float;
};
template <typename T>
using compute_t = typename ComputeType<T>::type;

template <typename T>
inline constexpr bool is_complex_v = false;
template <typename T>
inline constexpr bool is_complex_v<std::complex<T>> = true;
template <typename T>
inline constexpr bool is_half_v =
    std::is_same_v<T, float16> || std::is_same_v<T, bfloat16>;
template <typename T>
inline constexpr bool is_float_v = std::is_floating_point_v<T> || is_half_v<T>;

// Converts between any two element types with NumPy's (unsafe) cast
// semantics: complex -> real drops the imaginary part, float -> int truncates.
template <typename To, typename From>
inline To cast_value(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (is_half_v<From>) {
    return cast_value<To>(static_cast<float>(v));
  } else if constexpr (is_complex_v<From>) {
    if constexpr (std::is_same_v<To, bool>) {
      return v != From(0);  // 1j is true, as in NumPy
    } else if constexpr (is_complex_v<To>) {
      using R = typename To::value_type;
      return To(static_cast<R>(v.real()), static_cast<R>(v.imag()));
    } else {
      return cast_value<To>(v.real());
    }
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (is_half_v<To>) {
    if constexpr (std::is_same_v<From, double> &&
                  std::is_same_v<To, float16>) {
      return To(v);
    } else {
      return To(static_cast<float>(v));
    }
  } else if constexpr (is_complex_v<To>) {
    using R = typename To::value_type;
    return To(static_cast<R>(v), R(0));
  } else if constexpr (std::is_integral_v<To> &&
                       std::is_floating_point_v<From>) {
    // Out-of-range float -> int is undefined in C++; NumPy's result is
    // platform-defined too. Go through int64 (or uint64) so that in-range
    // values are exact and out-of-range ones do not trap UBSan.
    if (!(v > From(-9.3e18) && v < From(9.3e18))) {
      if constexpr (std::is_unsigned_v<To> && sizeof(To) == 8) {
        if (v >= From(0) && v < From(1.8446744073709552e19))
          return static_cast<To>(v);
      }
      return static_cast<To>(std::numeric_limits<int64_t>::min());
    }
    return static_cast<To>(static_cast<int64_t>(v));
  } else {
    return static_cast<To>(v);
  }
}

// The one dtype switch. `f` is a generic lambda taking a type tag:
//   dispatch_types(dt, "[op]", [&]<typename T>() { ... });
template <typename F>
decltype(auto) dispatch_types(Dtype dt, const char* op, F&& f) {
  switch (dt) {
    case Dtype::Bool: return f.template operator()<bool>();
    case Dtype::Int8: return f.template operator()<int8_t>();
    case Dtype::Int16: return f.template operator()<int16_t>();
    case Dtype::Int32: return f.template operator()<int32_t>();
    case Dtype::Int64: return f.template operator()<int64_t>();
    case Dtype::UInt8: return f.template operator()<uint8_t>();
    case Dtype::UInt16: return f.template operator()<uint16_t>();
    case Dtype::UInt32: return f.template operator()<uint32_t>();
    case Dtype::UInt64: return f.template operator()<uint64_t>();
    case Dtype::Float16: return f.template operator()<float16>();
    case Dtype::BFloat16: return f.template operator()<bfloat16>();
    case Dtype::Float32: return f.template operator()<float>();
    case Dtype::Float64: return f.template operator()<double>();
    case Dtype::Complex64: return f.template operator()<complex64>();
    case Dtype::Complex128: return f.template operator()<complex128>();
  }
  throw TypeError(std::string(op) + " unsupported dtype");
}

}  // namespace arrax

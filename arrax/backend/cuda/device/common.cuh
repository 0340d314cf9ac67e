// Device-side basics for every arrax CUDA kernel: fixed-width types, the
// 16-bit floats, complex numbers and type traits. Self-contained (NVRTC
// compiles it with no other headers); see docs/architecture.md.
#pragma once

namespace ax {

typedef signed char i8;
typedef short i16;
typedef int i32;
typedef long long i64;
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

struct half {
  u16 bits;
};
struct bf16 {
  u16 bits;
};

__device__ __forceinline__ float to_float(half h) {
  float f;
  asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h.bits));
  return f;
}
__device__ __forceinline__ float to_float(bf16 b) {
  return __uint_as_float(static_cast<u32>(b.bits) << 16);
}
__device__ __forceinline__ half to_half(float f) {
  half h;
  asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h.bits) : "f"(f));
  return h;
}
__device__ __forceinline__ half to_half(double d) {
  half h;
  asm("cvt.rn.f16.f64 %0, %1;" : "=h"(h.bits) : "d"(d));
  return h;
}
__device__ __forceinline__ bf16 to_bf16(float f) {
  bf16 b;
  asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(b.bits) : "f"(f));
  return b;
}

template <typename T>
struct complex {
  T re, im;
  __device__ complex() : re(0), im(0) {}
  __device__ complex(T r, T i = T(0)) : re(r), im(i) {}
};
template <typename T>
__device__ __forceinline__ complex<T> operator+(complex<T> a, complex<T> b) {
  return complex<T>(a.re + b.re, a.im + b.im);
}
template <typename T>
__device__ __forceinline__ complex<T> operator-(complex<T> a, complex<T> b) {
  return complex<T>(a.re - b.re, a.im - b.im);
}
template <typename T>
__device__ __forceinline__ complex<T> operator-(complex<T> a) {
  return complex<T>(-a.re, -a.im);
}
template <typename T>
__device__ __forceinline__ complex<T> operator*(complex<T> a, complex<T> b) {
  return complex<T>(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
}
template <typename T>
__device__ __forceinline__ complex<T> operator/(complex<T> a, complex<T> b) {
  // Smith's algorithm, as NumPy uses, to avoid needless overflow.
  T ar = fabs(b.re), ai = fabs(b.im);
  if (ar >= ai) {
    if (ar == T(0) && ai == T(0))
      return complex<T>(a.re / ar, a.im / ai);
    T r = b.im / b.re, d = b.re + b.im * r;
    return complex<T>((a.re + a.im * r) / d, (a.im - a.re * r) / d);
  }
  T r = b.re / b.im, d = b.re * r + b.im;
  return complex<T>((a.re * r + a.im) / d, (a.im * r - a.re) / d);
}
template <typename T>
__device__ __forceinline__ bool operator==(complex<T> a, complex<T> b) {
  return a.re == b.re && a.im == b.im;
}
template <typename T>
__device__ __forceinline__ bool operator!=(complex<T> a, complex<T> b) {
  return !(a == b);
}
// NumPy orders complex numbers lexicographically.
template <typename T>
__device__ __forceinline__ bool operator<(complex<T> a, complex<T> b) {
  return a.re < b.re || (a.re == b.re && a.im < b.im);
}
template <typename T>
__device__ __forceinline__ bool operator<=(complex<T> a, complex<T> b) {
  return a.re < b.re || (a.re == b.re && a.im <= b.im);
}
template <typename T>
__device__ __forceinline__ bool operator>(complex<T> a, complex<T> b) {
  return b < a;
}
template <typename T>
__device__ __forceinline__ bool operator>=(complex<T> a, complex<T> b) {
  return b <= a;
}

// ---- traits --------------------------------------------------------------

template <typename A, typename B>
struct is_same {
  static constexpr bool value = false;
};
template <typename A>
struct is_same<A, A> {
  static constexpr bool value = true;
};

template <typename T>
struct traits {
  static constexpr bool is_int = false, is_signed = false,
                        is_float = false, is_complex = false,
                        is_bool = false;
};
#define AX_INT_TRAITS(T, S)                                               \
  template <>                                                             \
  struct traits<T> {                                                      \
    static constexpr bool is_int = true, is_signed = S, is_float = false, \
                          is_complex = false, is_bool = false;            \
  };
AX_INT_TRAITS(i8, true)
AX_INT_TRAITS(i16, true)
AX_INT_TRAITS(i32, true)
AX_INT_TRAITS(i64, true)
AX_INT_TRAITS(u8, false)
AX_INT_TRAITS(u16, false)
AX_INT_TRAITS(u32, false)
AX_INT_TRAITS(u64, false)
#undef AX_INT_TRAITS
template <>
struct traits<bool> {
  static constexpr bool is_int = false, is_signed = false, is_float = false,
                        is_complex = false, is_bool = true;
};
template <>
struct traits<float> {
  static constexpr bool is_int = false, is_signed = true, is_float = true,
                        is_complex = false, is_bool = false;
};
template <>
struct traits<double> {
  static constexpr bool is_int = false, is_signed = true, is_float = true,
                        is_complex = false, is_bool = false;
};
template <typename T>
struct traits<complex<T>> {
  static constexpr bool is_int = false, is_signed = true, is_float = false,
                        is_complex = true, is_bool = false;
};

template <typename T>
struct make_unsigned {
  typedef T type;
};
template <>
struct make_unsigned<i8> {
  typedef u8 type;
};
template <>
struct make_unsigned<i16> {
  typedef u16 type;
};
template <>
struct make_unsigned<i32> {
  typedef u32 type;
};
template <>
struct make_unsigned<i64> {
  typedef u64 type;
};

// The type arithmetic happens in: float for the 16-bit floats.
template <typename T>
struct compute {
  typedef T type;
};
template <>
struct compute<half> {
  typedef float type;
};
template <>
struct compute<bf16> {
  typedef float type;
};

template <typename T>
__device__ __forceinline__ typename compute<T>::type load(T v) {
  return v;
}
__device__ __forceinline__ float load(half v) { return to_float(v); }
__device__ __forceinline__ float load(bf16 v) { return to_float(v); }

// ---- conversions with NumPy's cast semantics -----------------------------

template <typename To>
struct convert {
  template <typename From>
  __device__ static To from(From v) {
    if constexpr (traits<From>::is_complex && traits<To>::is_bool) {
      // NumPy: a complex is true when either part is nonzero (NaN counts).
      return v.re != decltype(v.re)(0) || v.im != decltype(v.im)(0);
    } else if constexpr (traits<From>::is_complex) {
      return convert<To>::from(v.re);
    } else if constexpr (traits<To>::is_bool) {
      return v != From(0);
    } else if constexpr (traits<To>::is_int &&
                         (traits<From>::is_float)) {
      // Out-of-range float -> int: through int64 like the CPU backend.
      if (!(v > From(-9.3e18) && v < From(9.3e18))) {
        if constexpr (is_same<To, u64>::value) {
          if (v >= From(0) && v < From(1.8446744073709552e19))
            return static_cast<u64>(v);
        }
        return static_cast<To>(static_cast<i64>(0x8000000000000000ull));
      }
      return static_cast<To>(static_cast<i64>(v));
    } else {
      return static_cast<To>(v);
    }
  }
  __device__ static To from(half v) { return from(to_float(v)); }
  __device__ static To from(bf16 v) { return from(to_float(v)); }
};
template <>
struct convert<half> {
  template <typename From>
  __device__ static half from(From v) {
    if constexpr (traits<From>::is_complex)
      return convert<half>::from(v.re);
    else if constexpr (is_same<From, double>::value)
      return to_half(v);
    else
      return to_half(static_cast<float>(v));
  }
  __device__ static half from(half v) { return v; }
  __device__ static half from(bf16 v) { return to_half(to_float(v)); }
};
template <>
struct convert<bf16> {
  template <typename From>
  __device__ static bf16 from(From v) {
    if constexpr (traits<From>::is_complex)
      return convert<bf16>::from(v.re);
    else
      return to_bf16(static_cast<float>(v));
  }
  __device__ static bf16 from(half v) { return to_bf16(to_float(v)); }
  __device__ static bf16 from(bf16 v) { return v; }
};
template <typename R>
struct convert<complex<R>> {
  template <typename From>
  __device__ static complex<R> from(From v) {
    if constexpr (traits<From>::is_complex)
      return complex<R>(static_cast<R>(v.re), static_cast<R>(v.im));
    else
      return complex<R>(static_cast<R>(v), R(0));
  }
  __device__ static complex<R> from(half v) { return complex<R>(to_float(v)); }
  __device__ static complex<R> from(bf16 v) { return complex<R>(to_float(v)); }
};

// Strided N-d indexing: up to kMaxDims dimensions, element strides.
constexpr int kMaxDims = 8;
template <int N>
struct Strided {
  int ndim;
  i64 shape[kMaxDims];
  i64 strides[N][kMaxDims];
};

}  // namespace ax

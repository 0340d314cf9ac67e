// Device functors, one per ufunc, named exactly like the ufunc and the CPU
// functor (arrax/ufuncs.def, backend/cpu/functors.h), and the elementwise
// kernels that apply them. Functors take and return compute types (float for
// float16/bfloat16). Self-contained: NVRTC compiles this with common.cuh and
// math.cuh only.
#pragma once
#include "common.cuh"
#include "math.cuh"

namespace ax {
namespace f {

#define AX_T template <typename T> __device__ __forceinline__
#define AX_IS(kind) (traits<T>::kind)
#define AX_U(x) static_cast<typename make_unsigned<T>::type>(x)

struct add {
  AX_T T operator()(T a, T b) const {
    if constexpr (AX_IS(is_bool)) return a || b;
    else if constexpr (AX_IS(is_int)) return static_cast<T>(AX_U(a) + AX_U(b));
    else return a + b;
  }
};
struct subtract {
  AX_T T operator()(T a, T b) const {
    if constexpr (AX_IS(is_int)) return static_cast<T>(AX_U(a) - AX_U(b));
    else return a - b;
  }
};
struct multiply {
  AX_T T operator()(T a, T b) const {
    if constexpr (AX_IS(is_bool)) return a && b;
    else if constexpr (AX_IS(is_int)) return static_cast<T>(AX_U(a) * AX_U(b));
    else return a * b;
  }
};
struct divide {
  AX_T T operator()(T a, T b) const { return a / b; }
};
struct negative {
  AX_T T operator()(T a) const {
    if constexpr (AX_IS(is_int)) return static_cast<T>(-AX_U(a));
    else return -a;
  }
};
struct positive {
  AX_T T operator()(T a) const { return a; }
};

// NumPy's divmod for floats (npy_divmod): floor division and a remainder
// with the sign of the divisor.
template <typename T>
__device__ __forceinline__ void float_divmod(T a, T b, T& div_out, T& mod_out) {
  T mod = m_fmod(a, b);
  if (b == T(0)) {
    div_out = a / b;
    mod_out = mod;
    return;
  }
  T div = (a - mod) / b;
  if (mod != T(0)) {
    if ((b < T(0)) != (mod < T(0))) {
      mod += b;
      div -= T(1);
    }
  } else {
    mod = m_copysign(T(0), b);
  }
  T fd;
  if (div != T(0)) {
    fd = m_floor(div);
    if (div - fd > T(0.5)) fd += T(1);
  } else {
    fd = m_copysign(T(0), a / b);
  }
  div_out = fd;
  mod_out = mod;
}
template <typename T>
__device__ __forceinline__ T int_floordiv(T a, T b) {
  if (b == T(0)) return T(0);
  if constexpr (traits<T>::is_signed) {
    if (b == T(-1)) return static_cast<T>(-AX_U(a));  // wraps at the minimum
    T q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q -= 1;
    return q;
  } else {
    return a / b;
  }
}
template <typename T>
__device__ __forceinline__ T int_mod(T a, T b) {
  if (b == T(0)) return T(0);
  if constexpr (traits<T>::is_signed) {
    if (b == T(-1)) return T(0);
    T r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
  } else {
    return a % b;
  }
}

struct floor_divide {
  AX_T T operator()(T a, T b) const {
    if constexpr (AX_IS(is_int)) return int_floordiv(a, b);
    else if constexpr (AX_IS(is_bool)) return a;  // never selected
    else {
      T d, m;
      float_divmod(a, b, d, m);
      return d;
    }
  }
};
struct remainder {
  AX_T T operator()(T a, T b) const {
    if constexpr (AX_IS(is_int)) return int_mod(a, b);
    else {
      T d, m;
      float_divmod(a, b, d, m);
      return m;
    }
  }
};
struct divmod {
  template <typename T>
  struct pair {
    T first, second;
  };
  AX_T pair<T> operator()(T a, T b) const {
    if constexpr (AX_IS(is_int)) return {int_floordiv(a, b), int_mod(a, b)};
    else {
      T d, m;
      float_divmod(a, b, d, m);
      return {d, m};
    }
  }
};
struct fmod {
  AX_T T operator()(T a, T b) const {
    if constexpr (AX_IS(is_int)) {
      if (b == T(0)) return T(0);
      if constexpr (traits<T>::is_signed)
        if (b == T(-1)) return T(0);
      return a % b;
    } else {
      return m_fmod(a, b);
    }
  }
};
struct power {
  AX_T T operator()(T a, T b) const {
    if constexpr (AX_IS(is_int)) {
      // Negative exponents are rejected by the op on the host.
      typedef typename make_unsigned<T>::type U;
      U base = static_cast<U>(a), r = 1;
      T e = b;
      while (e > 0) {
        if (e & 1) r *= base;
        base *= base;
        e >>= 1;
      }
      return static_cast<T>(r);
    } else if constexpr (AX_IS(is_bool)) {
      return a || !b;
    } else {
      return m_pow(a, b);
    }
  }
};
struct float_power {
  AX_T T operator()(T a, T b) const { return m_pow(a, b); }
};
struct absolute {
  template <typename T>
  __device__ __forceinline__ auto operator()(T a) const {
    if constexpr (AX_IS(is_complex)) return m_abs(a);
    else if constexpr (AX_IS(is_bool)) return a;
    else if constexpr (AX_IS(is_int)) {
      if constexpr (traits<T>::is_signed)
        return static_cast<T>(a < 0 ? -AX_U(a) : AX_U(a));
      else
        return a;
    } else {
      return m_fabs(a);
    }
  }
};
struct fabs {
  AX_T T operator()(T a) const { return m_fabs(a); }
};
struct sign {
  AX_T T operator()(T a) const {
    if constexpr (AX_IS(is_complex)) {
      // NumPy 2 (as the CPU loop): z / |z|, with the limits at infinity.
      auto re = a.re, im = a.im;
      auto n = m_abs(a);
      using R = decltype(re);
      const R one = R(1), zero = R(0), nan = zero / zero;
      if (m_isnan(n)) return T(nan, nan);
      if (m_isinf(n)) {
        if (m_isinf(re)) {
          if (m_isinf(im)) return T(nan, nan);
          return T(re > zero ? one : -one, zero);
        }
        return T(zero, im > zero ? one : -one);
      }
      if (n == zero) return T(zero, zero);
      return T(re / n, im / n);
    } else if constexpr (AX_IS(is_float)) {
      if (m_isnan(a)) return a;
      return a > T(0) ? T(1) : (a < T(0) ? T(-1) : T(0));
    } else {
      if constexpr (traits<T>::is_signed)
        return static_cast<T>((a > T(0)) - (a < T(0)));
      else
        return static_cast<T>(a != T(0));
    }
  }
};
struct reciprocal {
  AX_T T operator()(T a) const {
    if constexpr (AX_IS(is_int)) {
      // As the CPU loop (NumPy's (T)(1.0 / a) on x86): 1 / 0 is INT_MIN for
      // 32- and 64-bit signed integers, 0 otherwise.
      if constexpr (traits<T>::is_signed) {
        if (a == T(0))
          return sizeof(T) >= 4 ? static_cast<T>(T(1) << (sizeof(T) * 8 - 1))
                                : T(0);
        return a == T(1) ? T(1) : (a == T(-1) ? T(-1) : T(0));
      } else {
        return a == T(1) ? T(1) : T(0);
      }
    } else if constexpr (AX_IS(is_complex)) {
      return T(1) / a;
    } else {
      return T(1) / a;
    }
  }
};
struct square {
  AX_T T operator()(T a) const {
    if constexpr (AX_IS(is_int)) return static_cast<T>(AX_U(a) * AX_U(a));
    else if constexpr (AX_IS(is_bool)) return a;
    else return a * a;
  }
};
struct conjugate {
  AX_T T operator()(T a) const {
    if constexpr (AX_IS(is_complex)) return T(a.re, -a.im);
    else return a;
  }
};

// Lexicographic order of complex values with NumPy's NaN rules (npy_math
// CLT/CLE, the CPU's clt/cle in backend/cpu/functors.h): a NaN imaginary part
// on either side makes the real-part comparison false.
template <typename T>
__device__ __forceinline__ bool c_lt(T x, T y) {
  return (x.re < y.re && !m_isnan(x.im) && !m_isnan(y.im)) ||
         (x.re == y.re && x.im < y.im);
}
template <typename T>
__device__ __forceinline__ bool c_le(T x, T y) {
  return (x.re < y.re && !m_isnan(x.im) && !m_isnan(y.im)) ||
         (x.re == y.re && x.im <= y.im);
}

#define AX_CMP(name, op)                                   \
  struct name {                                            \
    AX_T bool operator()(T a, T b) const { return a op b; } \
  };
AX_CMP(equal, ==)
AX_CMP(not_equal, !=)
#undef AX_CMP
// `cx` is the complex form (c_lt / c_le with the operands as written).
#define AX_ORD(name, op, cx)                     \
  struct name {                                  \
    AX_T bool operator()(T a, T b) const {       \
      if constexpr (AX_IS(is_complex)) return cx; \
      else return a op b;                        \
    }                                            \
  };
AX_ORD(less, <, c_lt(a, b))
AX_ORD(less_equal, <=, c_le(a, b))
AX_ORD(greater, >, c_lt(b, a))
AX_ORD(greater_equal, >=, c_le(b, a))
#undef AX_ORD

template <typename T>
__device__ __forceinline__ bool truthy(T a) {
  if constexpr (traits<T>::is_complex) return a.re != 0 || a.im != 0;
  else return a != T(0);
}
struct logical_and {
  AX_T bool operator()(T a, T b) const { return truthy(a) && truthy(b); }
};
struct logical_or {
  AX_T bool operator()(T a, T b) const { return truthy(a) || truthy(b); }
};
struct logical_xor {
  AX_T bool operator()(T a, T b) const { return truthy(a) != truthy(b); }
};
struct logical_not {
  AX_T bool operator()(T a) const { return !truthy(a); }
};

struct bitwise_and {
  AX_T T operator()(T a, T b) const {
    if constexpr (AX_IS(is_bool)) return a && b;
    else return a & b;
  }
};
struct bitwise_or {
  AX_T T operator()(T a, T b) const {
    if constexpr (AX_IS(is_bool)) return a || b;
    else return a | b;
  }
};
struct bitwise_xor {
  AX_T T operator()(T a, T b) const {
    if constexpr (AX_IS(is_bool)) return a != b;
    else return a ^ b;
  }
};
struct invert {
  AX_T T operator()(T a) const {
    if constexpr (AX_IS(is_bool)) return !a;
    else return static_cast<T>(~a);
  }
};
struct left_shift {
  AX_T T operator()(T a, T b) const {
    if (static_cast<u64>(b) < sizeof(T) * 8)
      return static_cast<T>(AX_U(a) << b);
    return T(0);
  }
};
struct right_shift {
  AX_T T operator()(T a, T b) const {
    if (static_cast<u64>(b) < sizeof(T) * 8) return static_cast<T>(a >> b);
    if constexpr (traits<T>::is_signed) return a < 0 ? T(-1) : T(0);
    return T(0);
  }
};

#define AX_UNARY_MATH(name, fn)                              \
  struct name {                                              \
    AX_T T operator()(T a) const { return fn(a); }           \
  };
AX_UNARY_MATH(exp, m_exp)
AX_UNARY_MATH(log, m_log)
AX_UNARY_MATH(sqrt, m_sqrt)
AX_UNARY_MATH(sin, m_sin)
AX_UNARY_MATH(cos, m_cos)
AX_UNARY_MATH(tan, m_tan)
AX_UNARY_MATH(arcsin, m_asin)
AX_UNARY_MATH(arccos, m_acos)
AX_UNARY_MATH(arctan, m_atan)
AX_UNARY_MATH(sinh, m_sinh)
AX_UNARY_MATH(cosh, m_cosh)
AX_UNARY_MATH(tanh, m_tanh)
AX_UNARY_MATH(arcsinh, m_asinh)
AX_UNARY_MATH(arccosh, m_acosh)
AX_UNARY_MATH(arctanh, m_atanh)
AX_UNARY_MATH(cbrt, m_cbrt)
#undef AX_UNARY_MATH

// Rounding is the identity on integers and bools (NumPy 2 keeps their dtype).
#define AX_ROUNDING(name, fn)                         \
  struct name {                                       \
    AX_T T operator()(T a) const {                    \
      if constexpr (AX_IS(is_int) || AX_IS(is_bool))  \
        return a;                                     \
      else                                            \
        return fn(a);                                 \
    }                                                 \
  };
AX_ROUNDING(floor, m_floor)
AX_ROUNDING(ceil, m_ceil)
AX_ROUNDING(trunc, m_trunc)
AX_ROUNDING(rint, m_rint)
#undef AX_ROUNDING

struct exp2 {
  AX_T T operator()(T a) const {
    if constexpr (AX_IS(is_complex)) {
      typedef decltype(a.re) R;
      return m_exp(a * T(R(0.6931471805599453)));
    } else {
      return m_exp2(a);
    }
  }
};
struct expm1 {
  AX_T T operator()(T a) const {
    if constexpr (AX_IS(is_complex)) return m_exp(a) - T(1);
    else return m_expm1(a);
  }
};
struct log2 {
  AX_T T operator()(T a) const {
    if constexpr (AX_IS(is_complex)) {
      typedef decltype(a.re) R;
      T l = m_log(a);
      return T(l.re * R(1.4426950408889634), l.im * R(1.4426950408889634));
    } else {
      return m_log2(a);
    }
  }
};
struct log10 {
  AX_T T operator()(T a) const {
    if constexpr (AX_IS(is_complex)) {
      typedef decltype(a.re) R;
      T l = m_log(a);
      return T(l.re * R(0.4342944819032518), l.im * R(0.4342944819032518));
    } else {
      return m_log10(a);
    }
  }
};
struct log1p {
  AX_T T operator()(T a) const {
    if constexpr (AX_IS(is_complex)) return m_log(a + T(1));
    else return m_log1p(a);
  }
};
struct arctan2 {
  AX_T T operator()(T a, T b) const { return m_atan2(a, b); }
};
struct hypot {
  AX_T T operator()(T a, T b) const { return m_hypot(a, b); }
};
struct deg2rad {
  AX_T T operator()(T a) const { return a * T(0.017453292519943295); }
};
struct radians {
  AX_T T operator()(T a) const { return a * T(0.017453292519943295); }
};
struct rad2deg {
  AX_T T operator()(T a) const { return a * T(57.29577951308232); }
};
struct degrees {
  AX_T T operator()(T a) const { return a * T(57.29577951308232); }
};

struct maximum {
  AX_T T operator()(T a, T b) const {
    if constexpr (AX_IS(is_complex)) {
      if (m_isnan(a.re) || m_isnan(a.im)) return a;
      if (m_isnan(b.re) || m_isnan(b.im)) return b;
      return a >= b ? a : b;
    } else if constexpr (AX_IS(is_float)) {
      return (a >= b || m_isnan(a)) ? a : b;
    } else {
      return a >= b ? a : b;
    }
  }
};
struct minimum {
  AX_T T operator()(T a, T b) const {
    if constexpr (AX_IS(is_complex)) {
      if (m_isnan(a.re) || m_isnan(a.im)) return a;
      if (m_isnan(b.re) || m_isnan(b.im)) return b;
      return a <= b ? a : b;
    } else if constexpr (AX_IS(is_float)) {
      return (a <= b || m_isnan(a)) ? a : b;
    } else {
      return a <= b ? a : b;
    }
  }
};
struct fmax {
  AX_T T operator()(T a, T b) const {
    if constexpr (AX_IS(is_complex)) {
      if (m_isnan(b.re) || m_isnan(b.im)) return a;
      if (m_isnan(a.re) || m_isnan(a.im)) return b;
      return a >= b ? a : b;
    } else if constexpr (AX_IS(is_float)) {
      return (a >= b || m_isnan(b)) ? a : b;
    } else {
      return a >= b ? a : b;
    }
  }
};
struct fmin {
  AX_T T operator()(T a, T b) const {
    if constexpr (AX_IS(is_complex)) {
      if (m_isnan(b.re) || m_isnan(b.im)) return a;
      if (m_isnan(a.re) || m_isnan(a.im)) return b;
      return a <= b ? a : b;
    } else if constexpr (AX_IS(is_float)) {
      return (a <= b || m_isnan(b)) ? a : b;
    } else {
      return a <= b ? a : b;
    }
  }
};
struct clip {
  AX_T T operator()(T a, T lo, T hi) const {
    return minimum()(maximum()(a, lo), hi);
  }
};

struct isnan {
  AX_T bool operator()(T a) const {
    if constexpr (AX_IS(is_complex)) return m_isnan(a.re) || m_isnan(a.im);
    else if constexpr (AX_IS(is_float)) return m_isnan(a);
    else return false;
  }
};
struct isinf {
  AX_T bool operator()(T a) const {
    if constexpr (AX_IS(is_complex)) return m_isinf(a.re) || m_isinf(a.im);
    else if constexpr (AX_IS(is_float)) return m_isinf(a);
    else return false;
  }
};
struct isfinite {
  AX_T bool operator()(T a) const {
    if constexpr (AX_IS(is_complex))
      return !(m_isnan(a.re) || m_isnan(a.im) || m_isinf(a.re) ||
               m_isinf(a.im));
    else if constexpr (AX_IS(is_float)) return !(m_isnan(a) || m_isinf(a));
    else return true;
  }
};
struct signbit {
  AX_T bool operator()(T a) const {
    return m_copysign(T(1), a) < T(0);
  }
};
struct copysign {
  AX_T T operator()(T a, T b) const { return m_copysign(a, b); }
};
struct nextafter {
  AX_T T operator()(T a, T b) const { return m_nextafter(a, b); }
};
// The 16-bit loops compute in float; these step the 16-bit pattern (the
// host picks them for float16 and bfloat16 loops).
template <typename H>
struct nextafter16 {
  __device__ __forceinline__ float operator()(float a, float b) const {
    if (m_isnan(a) || m_isnan(b)) return a + b;
    if (a == b) return b;
    H h;
    if constexpr (is_same<H, half>::value)
      h = to_half(a);
    else
      h = to_bf16(a);
    u16 bits = h.bits;
    if (a == 0.0f)
      bits = static_cast<u16>((b < 0.0f ? 0x8000 : 0) | 1);
    else if ((a < b) == (a > 0.0f))
      bits = static_cast<u16>(bits + 1);
    else
      bits = static_cast<u16>(bits - 1);
    h.bits = bits;
    return to_float(h);
  }
};
typedef nextafter16<half> nextafter_f16;
typedef nextafter16<bf16> nextafter_bf16;
struct logaddexp {
  AX_T T operator()(T x, T y) const {
    if (x == y) return x + T(0.6931471805599453);
    T d = x - y;
    if (d > T(0)) return x + m_log1p(m_exp(-d));
    if (d <= T(0)) return y + m_log1p(m_exp(d));
    return d;  // nan
  }
};
struct logaddexp2 {
  AX_T T operator()(T x, T y) const {
    if (x == y) return x + T(1);
    T d = x - y;
    if (d > T(0)) return x + m_log1p(m_exp2(-d)) * T(1.4426950408889634);
    if (d <= T(0)) return y + m_log1p(m_exp2(d)) * T(1.4426950408889634);
    return d;
  }
};
struct heaviside {
  AX_T T operator()(T x, T h) const {
    if (m_isnan(x)) return x;
    if (x < T(0)) return T(0);
    if (x > T(0)) return T(1);
    return h;
  }
};

#undef AX_T
#undef AX_IS
#undef AX_U

}  // namespace f

// ---- kernels -------------------------------------------------------------
// Operand i of a contiguous launch is read at index i * step (step 0 for a
// broadcast scalar, 1 otherwise).

template <typename O, typename R>
__device__ __forceinline__ O store(R r) {
  return convert<O>::from(r);
}

// Note [Elementwise unrolling]: each thread loads kUnroll elements (at a
// grid stride apart, so a warp's accesses stay coalesced) before computing,
// which keeps enough bytes in flight to approach the copy bandwidth.
constexpr int kUnroll = 4;

// Note [Elementwise operands]: a contiguous launch passes each input as an
// Arg: an array (mode 0, read at i), a value passed with the launch (mode 1:
// a CPU scalar, so no host-to-device copy and no synchronization), or a
// one-element device array broadcast (mode 2). Layout matches ArgBuf in
// cuda_ufunc.cpp: pointer at 0, mode at 8, value at 16.
constexpr int kVecUnroll = 4;

template <typename T>
struct Arg {
  const T* p;
  int mode;
  int pad;
  T v;
};

template <typename T>
__device__ __forceinline__ T arg_scalar(const Arg<T>& a) {
  return a.mode == 1 ? a.v : (a.mode == 2 ? a.p[0] : a.v);
}

template <int V, typename T>
struct alignas(sizeof(T) * V) Vec {
  T x[V];
};

template <typename F, typename T, int NIN>
struct Apply;
template <typename F, typename T>
struct Apply<F, T, 1> {
  static __device__ __forceinline__ auto run(F& f, T a, T, T) {
    return f(load(a));
  }
};
template <typename F, typename T>
struct Apply<F, T, 2> {
  static __device__ __forceinline__ auto run(F& f, T a, T b, T) {
    return f(load(a), load(b));
  }
};
template <typename F, typename T>
struct Apply<F, T, 3> {
  static __device__ __forceinline__ auto run(F& f, T a, T b, T c) {
    return f(load(a), load(b), load(c));
  }
};

// Contiguous output, inputs contiguous or scalar. With `vec`, every array
// operand and the output are 16-byte aligned: each thread moves whole
// 16-byte vectors (Note [Elementwise unrolling] for the scalar path).
template <typename F, typename T, typename O, int NIN>
__global__ void ewv(O* __restrict__ out, Arg<T> a, Arg<T> b, Arg<T> c, i64 n,
                    int vec) {
  F f;
  constexpr int V = sizeof(T) >= 16 ? 1 : 16 / sizeof(T);
  const T as = arg_scalar(a), bs = arg_scalar(b), cs = arg_scalar(c);
  const i64 tid = blockIdx.x * (i64)blockDim.x + threadIdx.x;
  const i64 stride = (i64)gridDim.x * blockDim.x;
  i64 done = 0;
  if (vec && V > 1) {
    // Each block moves tiles of kVecUnroll vectors per thread, all loads
    // issued before any math, so enough bytes are in flight per SM.
    const i64 nv = n / V;
    const i64 tile = (i64)blockDim.x * kVecUnroll;
    for (i64 t0 = blockIdx.x * tile; t0 < nv; t0 += (i64)gridDim.x * tile) {
      Vec<V, T> va[kVecUnroll], vb[kVecUnroll], vc[kVecUnroll];
#pragma unroll
      for (int u = 0; u < kVecUnroll; ++u) {
        const i64 j = t0 + u * (i64)blockDim.x + threadIdx.x;
        if (j < nv) {
          if (a.mode == 0) va[u] = reinterpret_cast<const Vec<V, T>*>(a.p)[j];
          if (NIN > 1 && b.mode == 0)
            vb[u] = reinterpret_cast<const Vec<V, T>*>(b.p)[j];
          if (NIN > 2 && c.mode == 0)
            vc[u] = reinterpret_cast<const Vec<V, T>*>(c.p)[j];
        }
      }
#pragma unroll
      for (int u = 0; u < kVecUnroll; ++u) {
        const i64 j = t0 + u * (i64)blockDim.x + threadIdx.x;
        if (j < nv) {
          Vec<V, O> vo;
#pragma unroll
          for (int k = 0; k < V; ++k)
            vo.x[k] = store<O>(Apply<F, T, NIN>::run(
                f, a.mode ? as : va[u].x[k], b.mode ? bs : vb[u].x[k],
                c.mode ? cs : vc[u].x[k]));
          reinterpret_cast<Vec<V, O>*>(out)[j] = vo;
        }
      }
    }
    done = nv * V;
  }
  for (i64 base = done + tid; base < n; base += stride * kUnroll) {
    T av[kUnroll], bv[kUnroll], cv[kUnroll];
#pragma unroll
    for (int k = 0; k < kUnroll; ++k) {
      i64 i = base + k * stride;
      if (i < n) {
        av[k] = a.mode ? as : a.p[i];
        if (NIN > 1) bv[k] = b.mode ? bs : b.p[i];
        if (NIN > 2) cv[k] = c.mode ? cs : c.p[i];
      }
    }
#pragma unroll
    for (int k = 0; k < kUnroll; ++k) {
      i64 i = base + k * stride;
      if (i < n) out[i] = store<O>(Apply<F, T, NIN>::run(f, av[k], bv[k], cv[k]));
    }
  }
}

// Note [Row launches]
// A strided launch given -n (a negative item count: row mode) walks the
// plan (the host's coalesced dims) row by row: the last plan dim is the
// row, and each block takes
// tiles of blockDim.x * kRowUnroll consecutive items of one row (each thread
// kRowUnroll of them, blockDim.x apart, so a warp's accesses stay
// coalesced). The N-d decomposition (64-bit divisions) is done once per tile
// for the row's base offsets instead of once per element, and all of a
// thread's loads are issued before any store. An operand with row stride 0
// (a broadcast along the row, e.g. `x - x.max(1, keepdims=True)`) is loaded
// once per tile and kept in a register. The host picks row mode when rows
// are long enough (kRowMin in cuda_ufunc.cpp); otherwise (n > 0, as other
// families launch ewnd) the kernels use the per-element loop. The mode rides
// on the sign of n so that the kernels' parameters stay as they were.
constexpr int kRowUnroll = 4;

template <int N>
struct RowTiles {
  i64 inner;   // row length (>= 1)
  i64 per;     // items per tile
  i64 cpr;     // tiles per row
  i64 tiles;   // tiles in all
  i64 is[N];   // row strides of the operands
  __device__ __forceinline__ RowTiles(const Strided<N>& s, i64 n) {
    inner = s.ndim > 0 ? s.shape[s.ndim - 1] : 1;
    per = (i64)blockDim.x * kRowUnroll;
    cpr = (inner + per - 1) / per;
    tiles = (n / inner) * cpr;
#pragma unroll
    for (int k = 0; k < N; ++k)
      is[k] = s.ndim > 0 ? s.strides[k][s.ndim - 1] : 0;
  }
  // Base offsets (item (row, 0)) of tile t and this thread's first index
  // in the row.
  __device__ __forceinline__ void tile(const Strided<N>& s, i64 t,
                                       i64 (&base)[N], i64& j) const {
    i64 row = t / cpr;
    j = (t - row * cpr) * per + threadIdx.x;
#pragma unroll
    for (int k = 0; k < N; ++k) base[k] = 0;
    for (int d = s.ndim - 2; d >= 0; --d) {
      const i64 sh = s.shape[d];
      const i64 q = row / sh;
      const i64 idx = row - q * sh;
      row = q;
#pragma unroll
      for (int k = 0; k < N; ++k) base[k] += idx * s.strides[k][d];
    }
  }
};

// Loads this thread's kRowUnroll items of a row (those inside it).
template <typename T>
__device__ __forceinline__ void load_row(const T* p, i64 base, i64 st, i64 j,
                                         i64 inner, T (&v)[kRowUnroll]) {
  if (st == 0) {
    const T x = p[base];  // item (row, 0): always inside the array
#pragma unroll
    for (int u = 0; u < kRowUnroll; ++u) v[u] = x;
    return;
  }
#pragma unroll
  for (int u = 0; u < kRowUnroll; ++u) {
    const i64 jj = j + u * (i64)blockDim.x;
    if (jj < inner) v[u] = p[base + jj * st];
  }
}

// Note [Row launches]' walk: body(R, base, j) for each tile t of this
// block (base: the operands' offsets of item (row, 0); j: this thread's
// first index in the row).
template <int N, typename Body>
__device__ __forceinline__ void for_each_row_tile(const Strided<N>& s, i64 n,
                                                  Body body) {
  const RowTiles<N> R(s, n);
  for (i64 t = blockIdx.x; t < R.tiles; t += gridDim.x) {
    i64 base[N];
    i64 j;
    R.tile(s, t, base, j);
    body(R, base, j);
  }
}

// item(u, jj) for this thread's kRowUnroll items of a row (index jj, the
// u-th loaded value) that lie inside it.
template <typename Item>
__device__ __forceinline__ void for_each_row_item(i64 j, i64 inner,
                                                  Item item) {
#pragma unroll
  for (int u = 0; u < kRowUnroll; ++u) {
    const i64 jj = j + u * (i64)blockDim.x;
    if (jj < inner) item(u, jj);
  }
}

// Any strides: operands are (out0, [out1,] in0, [in1, [in2]]).
template <typename F, typename T, typename O, int NIN, int NOUT>
__global__ void ewnd(Strided<NIN + NOUT> s, O* o0, O* o1, const T* a,
                     const T* b, const T* c, i64 n) {
  F f;
  constexpr int NOP = NIN + NOUT;
  if (n < 0) {
    for_each_row_tile(s, -n, [&](const RowTiles<NOP>& R, const i64(&base)[NOP],
                                 i64 j) {
      T av[kRowUnroll], bv[kRowUnroll], cv[kRowUnroll];
      load_row(a, base[NOUT], R.is[NOUT], j, R.inner, av);
      if constexpr (NIN > 1)
        load_row(b, base[NOUT + 1], R.is[NOUT + 1], j, R.inner, bv);
      if constexpr (NIN > 2)
        load_row(c, base[NOUT + 2], R.is[NOUT + 2], j, R.inner, cv);
      for_each_row_item(j, R.inner, [&](int u, i64 jj) {
        O* q0 = o0 + base[0] + jj * R.is[0];
        if constexpr (NOUT == 2) {
          auto p = f(load(av[u]), load(bv[u]));
          *q0 = store<O>(p.first);
          o1[base[1] + jj * R.is[1]] = store<O>(p.second);
        } else if constexpr (NIN == 1) {
          *q0 = store<O>(f(load(av[u])));
        } else if constexpr (NIN == 2) {
          *q0 = store<O>(f(load(av[u]), load(bv[u])));
        } else {
          *q0 = store<O>(f(load(av[u]), load(bv[u]), load(cv[u])));
        }
      });
    });
    return;
  }
  for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < n;
       i += (i64)gridDim.x * blockDim.x) {
    i64 off[NOP] = {};
    i64 r = i;
    for (int d = s.ndim - 1; d >= 0; --d) {
      i64 idx = r % s.shape[d];
      r /= s.shape[d];
      for (int k = 0; k < NOP; ++k) off[k] += idx * s.strides[k][d];
    }
    if constexpr (NOUT == 2) {
      auto p = f(load(a[off[2]]), load(b[off[3]]));
      o0[off[0]] = store<O>(p.first);
      o1[off[1]] = store<O>(p.second);
    } else if constexpr (NIN == 1) {
      o0[off[0]] = store<O>(f(load(a[off[1]])));
    } else if constexpr (NIN == 2) {
      o0[off[0]] = store<O>(f(load(a[off[1]]), load(b[off[2]])));
    } else {
      o0[off[0]] =
          store<O>(f(load(a[off[1]]), load(b[off[2]]), load(c[off[3]])));
    }
  }
}

// ldexp: a float operand and an int64 exponent (UfuncIn::FloatInt), any
// strides; exponents are clamped as the CPU loop does.
__device__ __forceinline__ float m_ldexp_(float x, int e) { return ldexpf(x, e); }
__device__ __forceinline__ double m_ldexp_(double x, int e) { return ::ldexp(x, e); }
template <typename T>
__global__ void ldexp_nd(Strided<3> s, T* out, const T* a, const i64* e,
                         i64 n) {
  for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < n;
       i += (i64)gridDim.x * blockDim.x) {
    i64 off[3] = {};
    i64 r = i;
    for (int d = s.ndim - 1; d >= 0; --d) {
      i64 idx = r % s.shape[d];
      r /= s.shape[d];
      for (int k = 0; k < 3; ++k) off[k] += idx * s.strides[k][d];
    }
    i64 ev = e[off[2]];
    int ei = ev > 100000 ? 100000 : (ev < -100000 ? -100000 : (int)ev);
    out[off[0]] = store<T>(m_ldexp_(load(a[off[1]]), ei));
  }
}

// Casting copy with any strides (astype, assignment, ascontiguousarray);
// Note [Row launches] for n < 0.
template <typename To, typename From>
__global__ void cast_nd(Strided<2> s, To* out, const From* in, i64 n) {
  if (n < 0) {
    for_each_row_tile(s, -n, [&](const RowTiles<2>& R, const i64(&base)[2],
                                 i64 j) {
      From v[kRowUnroll];
      load_row(in, base[1], R.is[1], j, R.inner, v);
      for_each_row_item(j, R.inner, [&](int u, i64 jj) {
        out[base[0] + jj * R.is[0]] = convert<To>::from(v[u]);
      });
    });
    return;
  }
  for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < n;
       i += (i64)gridDim.x * blockDim.x) {
    i64 o = 0, p = 0, r = i;
    for (int d = s.ndim - 1; d >= 0; --d) {
      i64 idx = r % s.shape[d];
      r /= s.shape[d];
      o += idx * s.strides[0][d];
      p += idx * s.strides[1][d];
    }
    out[o] = convert<To>::from(in[p]);
  }
}
template <typename To, typename From>
__global__ void cast_contig(To* __restrict__ out,
                            const From* __restrict__ in, i64 n, i64 sin) {
  const i64 stride = (i64)gridDim.x * blockDim.x;
  for (i64 base = blockIdx.x * (i64)blockDim.x + threadIdx.x; base < n;
       base += stride * kUnroll) {
    From v[kUnroll];
#pragma unroll
    for (int k = 0; k < kUnroll; ++k) {
      i64 i = base + k * stride;
      if (i < n) v[k] = in[i * sin];
    }
#pragma unroll
    for (int k = 0; k < kUnroll; ++k) {
      i64 i = base + k * stride;
      if (i < n) out[i] = convert<To>::from(v[k]);
    }
  }
}

// Note [Scalar fills]: out[...] = v for a host scalar v (fill, zeros,
// a[...] = 1.0, copyto from a Python number). The value, already in out's
// dtype, rides in the kernel's parameters as bits: no upload, no sync.
template <typename T>
__global__ void fill_nd(Strided<1> s, T* out, T v, i64 n) {
  for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < n;
       i += (i64)gridDim.x * blockDim.x) {
    i64 off = 0, r = i;
    for (int d = s.ndim - 1; d >= 0; --d) {
      const i64 q = r / s.shape[d];
      off += (r - q * s.shape[d]) * s.strides[0][d];
      r = q;
    }
    out[off] = v;
  }
}

// out = cond ? x : y, moving bytes of one item size; Note [Row launches]
// for n < 0.
template <typename T>
__global__ void select_nd(Strided<4> s, T* out, const bool* c, const T* x,
                          const T* y, i64 n) {
  if (n < 0) {
    for_each_row_tile(s, -n, [&](const RowTiles<4>& R, const i64(&base)[4],
                                 i64 j) {
      bool cv[kRowUnroll];
      T xv[kRowUnroll], yv[kRowUnroll];
      load_row(c, base[1], R.is[1], j, R.inner, cv);
      load_row(x, base[2], R.is[2], j, R.inner, xv);
      load_row(y, base[3], R.is[3], j, R.inner, yv);
      for_each_row_item(j, R.inner, [&](int u, i64 jj) {
        out[base[0] + jj * R.is[0]] = cv[u] ? xv[u] : yv[u];
      });
    });
    return;
  }
  for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < n;
       i += (i64)gridDim.x * blockDim.x) {
    i64 off[4] = {};
    i64 r = i;
    for (int d = s.ndim - 1; d >= 0; --d) {
      i64 idx = r % s.shape[d];
      r /= s.shape[d];
      for (int k = 0; k < 4; ++k) off[k] += idx * s.strides[k][d];
    }
    out[off[0]] = c[off[1]] ? x[off[2]] : y[off[3]];
  }
}

// Note [Tiled transpose]
// A copy whose coalesced plan has an axis I of input stride 1 and its last
// axis J (output stride 1) with a large input stride: read a TILE x TILE
// tile coalesced along I into shared memory, write it coalesced along J.
// The other plan axes are batch axes (decomposed once per tile). Blocks are
// 32 x 8 threads; each thread moves (TILE / 32) * (TILE / 8) items. Rows of
// the shared tile are padded to an odd number of 4-byte words (items of 4
// bytes or more: TILE + 1 items), so that the column reads of the write
// phase are free of bank conflicts. Items are moved as bits. Aligned copies
// of 2, 4 and 8-byte items take transpose_vec below instead (Note
// [Vectorized tiled transpose]).
struct alignas(16) B16 {
  u64 lo, hi;
};
struct TransposeArgs {
  i64 nI, nJ;   // extents of I (input stride 1) and J (output stride 1)
  i64 oI, iJ;   // output stride along I, input stride along J
  i64 tI, tJ;   // tiles along I and J
  i64 tiles;    // tI * tJ * batch
  i64 nb;       // batch axes
  i64 bshape[6], bo[6], bi[6];
};
// Tile t of a transpose: its tile coordinates (ti along I, tj along J) and
// the output / input offsets of its batch. small: 32-bit divisions (the
// tile count fits; a 64-bit division per tile was most of the kernel's
// instructions, ncu run F in docs/gpu-status.md).
__device__ __forceinline__ void tile_of(const TransposeArgs& p, i64 t,
                                        bool small, i64& ti, i64& tj, i64& ob,
                                        i64& ib) {
  i64 r;
  if (small) {
    const unsigned t32 = (unsigned)t, tJ = (unsigned)p.tJ,
                   tI = (unsigned)p.tI;
    const unsigned q = t32 / tJ;
    tj = t32 - q * tJ;
    ti = q % tI;
    r = q / tI;
  } else {
    tj = t % p.tJ;
    r = t / p.tJ;
    ti = r % p.tI;
    r /= p.tI;
  }
  ob = 0;
  ib = 0;
  for (int d = (int)p.nb - 1; d >= 0; --d) {
    const i64 idx = r % p.bshape[d];
    r /= p.bshape[d];
    ob += idx * p.bo[d];
    ib += idx * p.bi[d];
  }
}

template <typename T, int TILE>
__global__ void __launch_bounds__(256)
    transpose_tiles(TransposeArgs p, T* __restrict__ out,
                    const T* __restrict__ in) {
  constexpr int P = TILE + (sizeof(T) >= 4 ? 1 : 4 / (int)sizeof(T));
  __shared__ __align__(16) unsigned char raw[TILE * P * sizeof(T)];
  T* sh = reinterpret_cast<T*>(raw);
  const int tx = threadIdx.x, ty = threadIdx.y;
  const bool small = p.tiles <= 0x7fffffff;
  for (i64 t = blockIdx.x; t < p.tiles; t += gridDim.x) {
    i64 ti, tj, ob, ib;
    tile_of(p, t, small, ti, tj, ob, ib);
    const i64 i0 = ti * TILE, j0 = tj * TILE;
    // Read: lanes along I (input stride 1); shared row = local j.
#pragma unroll
    for (int rr = 0; rr < TILE; rr += 8) {
      const i64 j = j0 + ty + rr;
#pragma unroll
      for (int cc = 0; cc < TILE; cc += 32) {
        const i64 i = i0 + tx + cc;
        if (i < p.nI && j < p.nJ) sh[(ty + rr) * P + tx + cc] = in[ib + i + j * p.iJ];
      }
    }
    __syncthreads();
    // Write: lanes along J (output stride 1).
#pragma unroll
    for (int rr = 0; rr < TILE; rr += 8) {
      const i64 i = i0 + ty + rr;
#pragma unroll
      for (int cc = 0; cc < TILE; cc += 32) {
        const i64 j = j0 + tx + cc;
        if (i < p.nI && j < p.nJ) out[ob + i * p.oI + j] = sh[(tx + cc) * P + ty + rr];
      }
    }
    __syncthreads();  // the next tile overwrites sh
  }
}

// Note [Vectorized tiled transpose]
// The common case of Note [Tiled transpose] with 16-byte vectors: items of
// 2, 4 or 8 bytes (V = 16 / sizeof(T) items a vector), both base pointers
// 16-byte aligned and oI, iJ and every batch stride multiples of V (the
// host checks; other copies take transpose_tiles). A tile is TJ = VJ * V
// rows (local j) of TI = VI * V items (local i): VI vectors a row.
// Read phase: a thread moves RN vectors (lanes along the vector columns of a
// row: coalesced along I) from global memory into the shared tile. Write
// phase: a thread loads V vectors of one column (rows cV .. cV + V - 1,
// vector column q), a V x V block of items, transposes it in registers and
// stores V vectors along J (lanes along c: coalesced along J). A 16-byte
// shared access is served a quarter warp (8 lanes) at a time, free of bank
// conflicts when those 8 lanes touch 8 distinct 16-byte columns modulo 8:
// the vector column q of row j lives at column q ^ ((j / V) % VI). Read
// phase: 8 lanes of one row, 8 consecutive aligned q: a permutation of an
// aligned group of 8. Write phase: 8 lanes of 8 consecutive aligned c with
// one q (rows cV + r): q ^ c, distinct modulo 8. Tiles entirely inside the
// array take unguarded vector loads and stores; partial tiles (the array's
// edges) guard each vector and move the items of a vector that crosses nI
// or nJ one by one. Tile indices in 32 bits as in transpose_tiles.
// Registers (ptxas, sm_90): 48 (5 blocks of 256 threads an SM) for 4-
// and 8-byte items, 64 for 2-byte items (4 blocks, 32 KB of shared memory
// each); no spills.
template <typename T>
union alignas(16) TransposeVec {
  uint4 b;  // (uint4: 16-byte vector loads and stores; a B16 copy can split)
  T t[16 / sizeof(T)];
};
// A 16-byte store (PTX: the compiler split a uint4 store at a computed
// address into 4 scalar ones). p is 16-byte aligned, in global memory.
__device__ __forceinline__ void transpose_store16(void* p, uint4 v) {
  asm volatile("st.global.v4.u32 [%0], {%1, %2, %3, %4};" ::"l"(p), "r"(v.x),
               "r"(v.y), "r"(v.z), "r"(v.w)
               : "memory");
}
// Item k of the V vectors blk[0 .. V - 1], as one vector (built from 32-bit
// words: a union store of the items was split into scalar stores).
template <typename T>
__device__ __forceinline__ uint4 transpose_gather(const TransposeVec<T>* blk,
                                                  int k) {
  unsigned w[4];
#pragma unroll
  for (int x = 0; x < 4; ++x) {
    if constexpr (sizeof(T) == 2)
      w[x] = (unsigned)blk[2 * x].t[k] | ((unsigned)blk[2 * x + 1].t[k] << 16);
    else if constexpr (sizeof(T) == 4)
      w[x] = (unsigned)blk[x].t[k];
    else
      w[x] = (unsigned)(blk[x / 2].t[k] >> (32 * (x % 2)));
  }
  return make_uint4(w[0], w[1], w[2], w[3]);
}
template <typename T, int VI, int VJ>
__global__ void __launch_bounds__(256, sizeof(T) == 2 ? 4 : 5)
    transpose_vec(TransposeArgs p, T* __restrict__ out,
                  const T* __restrict__ in) {
  constexpr int V = 16 / (int)sizeof(T);
  constexpr int TI = VI * V, TJ = VJ * V;
  constexpr int RN = TJ * VI / 256;  // vectors a thread reads
  constexpr int WN = VI * VJ / 256;  // V x V blocks a thread writes
  static_assert(V >= 2 && V * (int)sizeof(T) == 16, "2, 4 or 8-byte items");
  static_assert((VI & (VI - 1)) == 0 && (VJ & (VJ - 1)) == 0, "powers of 2");
  static_assert(VI >= 8 && VJ >= 8 && VI <= 256 && VJ <= 256, "8 .. 256");
  static_assert(
      RN >= 1 && WN >= 1 && RN * 256 == TJ * VI && WN * 256 == VI * VJ,
      "whole vectors and blocks a thread");
  static_assert(TJ * VI * 16 <= 48 * 1024, "static shared memory");
  __shared__ uint4 sh[TJ * VI];
  const int tid = threadIdx.x;             // 256 x 1 threads
  const int rq = tid % VI, rj = tid / VI;  // read: vector column, first row
  const int wc = tid % VJ, wq = tid / VJ;  // write: J block, first I block
  const bool small = p.tiles <= 0x7fffffff;
  for (i64 t = blockIdx.x; t < p.tiles; t += gridDim.x) {
    i64 ti, tj, ob, ib;
    tile_of(p, t, small, ti, tj, ob, ib);
    const i64 i0 = ti * TI, j0 = tj * TJ;
    const T* src = in + (ib + i0 + j0 * p.iJ);  // item (i0, j0) of the input
    T* dst = out + (ob + j0 + i0 * p.oI);       // item (i0, j0) of the output
    const bool full = i0 + TI <= p.nI && j0 + TJ <= p.nJ;
    // Read: vector (jl, rq) of the tile, jl = rj + n * (256 / VI).
    if (full) {
      uint4 v[RN];
#pragma unroll
      for (int n = 0; n < RN; ++n) {
        const int jl = rj + n * (256 / VI);
        v[n] = *reinterpret_cast<const uint4*>(src + (jl * p.iJ + rq * V));
      }
#pragma unroll
      for (int n = 0; n < RN; ++n) {
        const int jl = rj + n * (256 / VI);
        sh[jl * VI + (rq ^ ((jl / V) & (VI - 1)))] = v[n];
      }
    } else {
#pragma unroll
      for (int n = 0; n < RN; ++n) {
        const int jl = rj + n * (256 / VI);
        TransposeVec<T> x;
        x.b = make_uint4(0, 0, 0, 0);
        const i64 ib0 = i0 + rq * V;
        if (j0 + jl < p.nJ && ib0 < p.nI) {
          const T* s = src + (jl * p.iJ + rq * V);
          if (ib0 + V <= p.nI) {
            x.b = *reinterpret_cast<const uint4*>(s);
          } else {
#pragma unroll
            for (int k = 0; k < V; ++k)
              if (ib0 + k < p.nI) x.t[k] = s[k];
          }
        }
        sh[jl * VI + (rq ^ ((jl / V) & (VI - 1)))] = x.b;
      }
    }
    __syncthreads();
    // Write: block (wc, q): rows wc * V + r, vector column q; output rows
    // i0 + q * V + k, items j0 + wc * V + r.
#pragma unroll
    for (int n = 0; n < WN; ++n) {
      const int q = wq + n * (256 / VJ);
      TransposeVec<T> blk[V];
#pragma unroll
      for (int rr = 0; rr < V; ++rr)
        blk[rr].b = sh[(wc * V + rr) * VI + (q ^ (wc & (VI - 1)))];
#pragma unroll
      for (int k = 0; k < V; ++k) {
        const uint4 o = transpose_gather<T>(blk, k);
        const int il = q * V + k;
        if (full) {
          transpose_store16(dst + (il * p.oI + wc * V), o);
        } else if (i0 + il < p.nI) {
          const i64 jb = j0 + wc * V;
          T* d = dst + (il * p.oI + wc * V);
          if (jb + V <= p.nJ) {
            transpose_store16(d, o);
          } else {
#pragma unroll
            for (int rr = 0; rr < V; ++rr)
              if (jb + rr < p.nJ) d[rr] = blk[rr].t[k];
          }
        }
      }
    }
    __syncthreads();  // the next tile overwrites sh
  }
}

}  // namespace ax

// Real and complex math for device functors, overloaded on float, double
// and ax::complex<T>. Self-contained (NVRTC's built-in math only).
#pragma once
#include "common.cuh"

namespace ax {

#define AX_MATH1(name, ff, df)                                        \
  __device__ __forceinline__ float name(float x) { return ff(x); }    \
  __device__ __forceinline__ double name(double x) { return df(x); }
AX_MATH1(m_exp, expf, exp)
AX_MATH1(m_exp2, exp2f, exp2)
AX_MATH1(m_expm1, expm1f, expm1)
AX_MATH1(m_log, logf, log)
AX_MATH1(m_log2, log2f, log2)
AX_MATH1(m_log10, log10f, log10)
AX_MATH1(m_log1p, log1pf, log1p)
AX_MATH1(m_sqrt, sqrtf, sqrt)
AX_MATH1(m_cbrt, cbrtf, cbrt)
AX_MATH1(m_sin, sinf, sin)
AX_MATH1(m_cos, cosf, cos)
AX_MATH1(m_tan, tanf, tan)
AX_MATH1(m_asin, asinf, asin)
AX_MATH1(m_acos, acosf, acos)
AX_MATH1(m_atan, atanf, atan)
AX_MATH1(m_sinh, sinhf, sinh)
AX_MATH1(m_cosh, coshf, cosh)
AX_MATH1(m_tanh, tanhf, tanh)
AX_MATH1(m_asinh, asinhf, asinh)
AX_MATH1(m_acosh, acoshf, acosh)
AX_MATH1(m_atanh, atanhf, atanh)
AX_MATH1(m_floor, floorf, floor)
AX_MATH1(m_ceil, ceilf, ceil)
AX_MATH1(m_trunc, truncf, trunc)
AX_MATH1(m_rint, rintf, rint)
AX_MATH1(m_fabs, fabsf, fabs)
#undef AX_MATH1
#define AX_MATH2(name, ff, df)                                               \
  __device__ __forceinline__ float name(float x, float y) { return ff(x, y); } \
  __device__ __forceinline__ double name(double x, double y) {              \
    return df(x, y);                                                         \
  }
AX_MATH2(m_atan2, atan2f, atan2)
AX_MATH2(m_hypot, hypotf, hypot)
AX_MATH2(m_copysign, copysignf, copysign)
AX_MATH2(m_nextafter, nextafterf, nextafter)
AX_MATH2(m_fmod, fmodf, fmod)
AX_MATH2(m_pow, powf, pow)
#undef AX_MATH2

template <typename T>
__device__ __forceinline__ bool m_isnan(T x) {
  return x != x;
}
template <typename T>
__device__ __forceinline__ bool m_isinf(T x) {
  return x == x && (x - x) != (x - x);
}

// ---- complex -------------------------------------------------------------

template <typename T>
__device__ __forceinline__ T m_abs(complex<T> z) {
  return m_hypot(z.re, z.im);
}
template <typename T>
__device__ __forceinline__ complex<T> m_exp(complex<T> z) {
  T e = m_exp(z.re);
  if (z.im == T(0)) return complex<T>(e, z.im);
  return complex<T>(e * m_cos(z.im), e * m_sin(z.im));
}
template <typename T>
__device__ __forceinline__ complex<T> m_log(complex<T> z) {
  return complex<T>(m_log(m_abs(z)), m_atan2(z.im, z.re));
}
template <typename T>
__device__ __forceinline__ complex<T> m_sqrt(complex<T> z) {
  T x = z.re, y = z.im;
  if (x == T(0) && y == T(0)) return complex<T>(T(0), y);
  if (m_isinf(y)) return complex<T>(m_fabs(y), y);
  T t = m_sqrt((m_fabs(x) + m_abs(z)) * T(0.5));
  if (x >= T(0)) return complex<T>(t, y / (T(2) * t));
  return complex<T>(m_fabs(y) / (T(2) * t), m_copysign(t, y));
}
template <typename T>
__device__ __forceinline__ complex<T> m_sin(complex<T> z) {
  return complex<T>(m_sin(z.re) * m_cosh(z.im), m_cos(z.re) * m_sinh(z.im));
}
template <typename T>
__device__ __forceinline__ complex<T> m_cos(complex<T> z) {
  return complex<T>(m_cos(z.re) * m_cosh(z.im), -m_sin(z.re) * m_sinh(z.im));
}
template <typename T>
__device__ __forceinline__ complex<T> m_sinh(complex<T> z) {
  return complex<T>(m_sinh(z.re) * m_cos(z.im), m_cosh(z.re) * m_sin(z.im));
}
template <typename T>
__device__ __forceinline__ complex<T> m_cosh(complex<T> z) {
  return complex<T>(m_cosh(z.re) * m_cos(z.im), m_sinh(z.re) * m_sin(z.im));
}
template <typename T>
__device__ __forceinline__ complex<T> m_tanh(complex<T> z) {
  // tanh(x+iy) = (sinh 2x + i sin 2y) / (cosh 2x + cos 2y), stable for
  // large |x| through the limit.
  if (m_fabs(z.re) > T(20))
    return complex<T>(m_copysign(T(1), z.re), T(0) * m_sin(T(2) * z.im));
  T d = m_cosh(T(2) * z.re) + m_cos(T(2) * z.im);
  return complex<T>(m_sinh(T(2) * z.re) / d, m_sin(T(2) * z.im) / d);
}
template <typename T>
__device__ __forceinline__ complex<T> m_tan(complex<T> z) {
  // tan(z) = -i tanh(iz)
  complex<T> t = m_tanh(complex<T>(-z.im, z.re));
  return complex<T>(t.im, -t.re);
}
template <typename T>
__device__ __forceinline__ complex<T> m_asinh(complex<T> z) {
  return m_log(z + m_sqrt(z * z + complex<T>(T(1))));
}
template <typename T>
__device__ __forceinline__ complex<T> m_acosh(complex<T> z) {
  return m_log(z + m_sqrt(z + complex<T>(T(1))) *
                       m_sqrt(z - complex<T>(T(1))));
}
template <typename T>
__device__ __forceinline__ complex<T> m_atanh(complex<T> z) {
  complex<T> one(T(1));
  complex<T> r = m_log((one + z) / (one - z));
  return complex<T>(r.re * T(0.5), r.im * T(0.5));
}
template <typename T>
__device__ __forceinline__ complex<T> m_asin(complex<T> z) {
  // asin(z) = -i asinh(iz)
  complex<T> t = m_asinh(complex<T>(-z.im, z.re));
  return complex<T>(t.im, -t.re);
}
template <typename T>
__device__ __forceinline__ complex<T> m_acos(complex<T> z) {
  complex<T> a = m_asin(z);
  return complex<T>(T(1.5707963267948966) - a.re, -a.im);
}
template <typename T>
__device__ __forceinline__ complex<T> m_atan(complex<T> z) {
  // atan(z) = -i atanh(iz)
  complex<T> t = m_atanh(complex<T>(-z.im, z.re));
  return complex<T>(t.im, -t.re);
}
template <typename T>
__device__ __forceinline__ complex<T> m_rint(complex<T> z) {
  return complex<T>(m_rint(z.re), m_rint(z.im));
}
template <typename T>
__device__ __forceinline__ complex<T> m_pow(complex<T> a, complex<T> b) {
  if (b.re == T(0) && b.im == T(0)) return complex<T>(T(1));
  if (a.re == T(0) && a.im == T(0)) {
    if (b.re > T(0) && b.im == T(0)) return complex<T>(T(0));
  }
  return m_exp(b * m_log(a));
}

}  // namespace ax

// SLEEF loops (1-ULP "u10" variants) for AVX2 CPUs; see ufunc_simd_avx512.cpp
// for why this unit holds only plain C loops.
#ifdef ARRAX_HAVE_SLEEF
#pragma GCC target("avx2,fma")
#include <immintrin.h>

// SLEEF's own header declares these only when the whole unit is compiled
// with -mavx2/-mavx512f; the prototypes are SLEEF's documented ABI.
#define ARRAX_SIMD_LOOP(ufunc, fn)                          \
  extern "C" __m256d Sleef_##fn##d4_u10avx2(__m256d);           \
  extern "C" __m256 Sleef_##fn##f8_u10avx2(__m256);
#include "arrax/backend/cpu/ufunc_simd_list.h"
#undef ARRAX_SIMD_LOOP
// Not SLEEF: the exact hardware square root, named to fit the loop macro.
extern "C" __m256d Sleef_arrax_sqrtd4_u10avx2(__m256d x) { return _mm256_sqrt_pd(x); }
extern "C" __m256 Sleef_arrax_sqrtf8_u10avx2(__m256 x) { return _mm256_sqrt_ps(x); }
#include <stdint.h>

#define ARRAX_SIMD_LOOP(ufunc, fn)                                          \
  extern "C" void arrax_simd256_##ufunc##_f64(const double* a, double* o,   \
                                              int64_t n) {                  \
    int64_t i = 0;                                                          \
    for (; i + 4 <= n; i += 4)                                              \
      _mm256_storeu_pd(o + i, Sleef_##fn##d4_u10avx2(_mm256_loadu_pd(a + i))); \
    for (; i < n; ++i) {                                                    \
      double buf[4] = {a[i], 0, 0, 0};                                      \
      _mm256_storeu_pd(buf, Sleef_##fn##d4_u10avx2(_mm256_loadu_pd(buf)));  \
      o[i] = buf[0];                                                        \
    }                                                                       \
  }                                                                         \
  extern "C" void arrax_simd256_##ufunc##_f32(const float* a, float* o,     \
                                              int64_t n) {                  \
    int64_t i = 0;                                                          \
    for (; i + 8 <= n; i += 8)                                              \
      _mm256_storeu_ps(o + i, Sleef_##fn##f8_u10avx2(_mm256_loadu_ps(a + i))); \
    for (; i < n; ++i) {                                                    \
      float buf[8] = {a[i], 0, 0, 0, 0, 0, 0, 0};                           \
      _mm256_storeu_ps(buf, Sleef_##fn##f8_u10avx2(_mm256_loadu_ps(buf)));  \
      o[i] = buf[0];                                                        \
    }                                                                       \
  }
#include "arrax/backend/cpu/ufunc_simd_list.h"
#endif

// SLEEF loops (1-ULP "u10" variants) for AVX-512 CPUs. The whole unit is
// compiled for AVX-512 and holds only plain C loops, so that no inline
// function compiled here can be picked by the linker for other units.
// ufunc_simd.cpp calls it only where the CPU has AVX-512F.
#ifdef ARRAX_HAVE_SLEEF
#pragma GCC target("avx512f,avx2,fma")
#include <immintrin.h>

// SLEEF's own header declares these only when the whole unit is compiled
// with -mavx2/-mavx512f; the prototypes are SLEEF's documented ABI.
#define ARRAX_SIMD_LOOP(ufunc, fn)                          \
  extern "C" __m512d Sleef_##fn##d8_u10avx512f(__m512d);           \
  extern "C" __m512 Sleef_##fn##f16_u10avx512f(__m512);
#include "arrax/backend/cpu/ufunc_simd_list.h"
#undef ARRAX_SIMD_LOOP
// Not SLEEF: the exact hardware square root, named to fit the loop macro.
extern "C" __m512d Sleef_arrax_sqrtd8_u10avx512f(__m512d x) { return _mm512_sqrt_pd(x); }
extern "C" __m512 Sleef_arrax_sqrtf16_u10avx512f(__m512 x) { return _mm512_sqrt_ps(x); }
#include <stdint.h>

#define ARRAX_SIMD_LOOP(ufunc, fn)                                          \
  extern "C" void arrax_simd512_##ufunc##_f64(const double* a, double* o,   \
                                              int64_t n) {                  \
    int64_t i = 0;                                                          \
    for (; i + 8 <= n; i += 8)                                              \
      _mm512_storeu_pd(o + i, Sleef_##fn##d8_u10avx512f(_mm512_loadu_pd(a + i))); \
    if (i < n) {                                                            \
      __mmask8 m = (__mmask8)((1u << (n - i)) - 1);                         \
      _mm512_mask_storeu_pd(                                                \
          o + i, m, Sleef_##fn##d8_u10avx512f(_mm512_maskz_loadu_pd(m, a + i))); \
    }                                                                       \
  }                                                                         \
  extern "C" void arrax_simd512_##ufunc##_f32(const float* a, float* o,     \
                                              int64_t n) {                  \
    int64_t i = 0;                                                          \
    for (; i + 16 <= n; i += 16)                                            \
      _mm512_storeu_ps(o + i, Sleef_##fn##f16_u10avx512f(_mm512_loadu_ps(a + i))); \
    if (i < n) {                                                            \
      __mmask16 m = (__mmask16)((1u << (n - i)) - 1);                       \
      _mm512_mask_storeu_ps(                                                \
          o + i, m, Sleef_##fn##f16_u10avx512f(_mm512_maskz_loadu_ps(m, a + i))); \
    }                                                                       \
  }
#include "arrax/backend/cpu/ufunc_simd_list.h"
#endif

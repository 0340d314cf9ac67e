// SLEEF loops (1-ULP "u10" variants) for AVX-512 CPUs. The whole unit is
// compiled for AVX-512 and holds only plain C loops, so that no inline
// function compiled here can be picked by the linker for other units.
// ufunc_simd.cpp calls it only where the CPU has AVX-512F.
#ifdef ARRAX_HAVE_SLEEF
#pragma GCC target("avx512f,avx2,fma")
// GCC 12 warns inside its own AVX-512 headers (_mm512_undefined_pd).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

// SLEEF's own header declares these only when the whole unit is compiled
// with -mavx2/-mavx512f; the prototypes are SLEEF's documented ABI.
#define ARRAX_SIMD_LOOP(ufunc, fn)                       \
  extern "C" __m512d Sleef_##fn##d8_u10avx512f(__m512d); \
  extern "C" __m512 Sleef_##fn##f16_u10avx512f(__m512);
#include "arrax/backend/cpu/ufunc_simd_list.h"
#undef ARRAX_SIMD_LOOP
// Not SLEEF: the exact hardware square root, named to fit the loop macro.
extern "C" __m512d Sleef_arrax_sqrtd8_u10avx512f(__m512d x) {
  return _mm512_sqrt_pd(x);
}
extern "C" __m512 Sleef_arrax_sqrtf16_u10avx512f(__m512 x) {
  return _mm512_sqrt_ps(x);
}
// Not SLEEF either: the exact hardware rounding instructions.
extern "C" __m512d Sleef_arrax_floord8_u10avx512f(__m512d x) {
  return _mm512_roundscale_pd(x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
}
extern "C" __m512 Sleef_arrax_floorf16_u10avx512f(__m512 x) {
  return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
}
extern "C" __m512d Sleef_arrax_ceild8_u10avx512f(__m512d x) {
  return _mm512_roundscale_pd(x, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC);
}
extern "C" __m512 Sleef_arrax_ceilf16_u10avx512f(__m512 x) {
  return _mm512_roundscale_ps(x, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC);
}
extern "C" __m512d Sleef_arrax_truncd8_u10avx512f(__m512d x) {
  return _mm512_roundscale_pd(x, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
}
extern "C" __m512 Sleef_arrax_truncf16_u10avx512f(__m512 x) {
  return _mm512_roundscale_ps(x, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
}
extern "C" __m512d Sleef_arrax_rintd8_u10avx512f(__m512d x) {
  return _mm512_roundscale_pd(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
extern "C" __m512 Sleef_arrax_rintf16_u10avx512f(__m512 x) {
  return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
#include <stdint.h>

// float16 and bfloat16 compute in float32, as the scalar loops do: 16 values
// are widened, run through the float32 function, and rounded back to
// nearest-even (bfloat16 NaNs stay quiet NaNs, like float_to_bf16_bits).
static inline __m512 arrax_load_f16(const uint16_t* p) {
  return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)p));
}
static inline void arrax_store_f16(uint16_t* p, __m512 v) {
  _mm256_storeu_si256(
      (__m256i*)p,
      _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}
static inline __m512 arrax_load_bf16(const uint16_t* p) {
  __m512i w = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i*)p));
  return _mm512_castsi512_ps(_mm512_slli_epi32(w, 16));
}
static inline void arrax_store_bf16(uint16_t* p, __m512 v) {
  __m512i x = _mm512_castps_si512(v);
  __m512i lsb =
      _mm512_and_si512(_mm512_srli_epi32(x, 16), _mm512_set1_epi32(1));
  __m512i rounded = _mm512_srli_epi32(
      _mm512_add_epi32(_mm512_add_epi32(x, _mm512_set1_epi32(0x7fff)), lsb),
      16);
  __mmask16 nan = _mm512_cmpgt_epu32_mask(
      _mm512_and_si512(x, _mm512_set1_epi32(0x7fffffff)),
      _mm512_set1_epi32(0x7f800000));
  __m512i quiet =
      _mm512_or_si512(_mm512_srli_epi32(x, 16), _mm512_set1_epi32(0x40));
  __m512i r = _mm512_mask_blend_epi32(nan, rounded, quiet);
  _mm256_storeu_si256((__m256i*)p, _mm512_cvtepi32_epi16(r));
}

#define ARRAX_SIMD_HALF_LOOP(ufunc, fn, kind)                                 \
  extern "C" void arrax_simd512_##ufunc##_##kind(const uint16_t* a,           \
                                                 uint16_t* o, int64_t n) {    \
    int64_t i = 0;                                                            \
    for (; i + 16 <= n; i += 16)                                              \
      arrax_store_##kind(                                                     \
          o + i, Sleef_##fn##f16_u10avx512f(arrax_load_##kind(a + i)));       \
    if (i < n) {                                                              \
      uint16_t buf[16] = {0};                                                 \
      for (int64_t j = 0; j < n - i; ++j) buf[j] = a[i + j];                  \
      arrax_store_##kind(buf,                                                 \
                         Sleef_##fn##f16_u10avx512f(arrax_load_##kind(buf))); \
      for (int64_t j = 0; j < n - i; ++j) o[i + j] = buf[j];                  \
    }                                                                         \
  }

#define ARRAX_SIMD_LOOP(ufunc, fn)                                          \
  ARRAX_SIMD_HALF_LOOP(ufunc, fn, f16)                                      \
  ARRAX_SIMD_HALF_LOOP(ufunc, fn, bf16)                                     \
  extern "C" void arrax_simd512_##ufunc##_f64(const double* a, double* o,   \
                                              int64_t n) {                  \
    int64_t i = 0;                                                          \
    for (; i + 8 <= n; i += 8)                                              \
      _mm512_storeu_pd(o + i,                                               \
                       Sleef_##fn##d8_u10avx512f(_mm512_loadu_pd(a + i)));  \
    if (i < n) {                                                            \
      __mmask8 m = (__mmask8)((1u << (n - i)) - 1);                         \
      _mm512_mask_storeu_pd(                                                \
          o + i, m,                                                         \
          Sleef_##fn##d8_u10avx512f(_mm512_maskz_loadu_pd(m, a + i)));      \
    }                                                                       \
  }                                                                         \
  extern "C" void arrax_simd512_##ufunc##_f32(const float* a, float* o,     \
                                              int64_t n) {                  \
    int64_t i = 0;                                                          \
    for (; i + 16 <= n; i += 16)                                            \
      _mm512_storeu_ps(o + i,                                               \
                       Sleef_##fn##f16_u10avx512f(_mm512_loadu_ps(a + i))); \
    if (i < n) {                                                            \
      __mmask16 m = (__mmask16)((1u << (n - i)) - 1);                       \
      _mm512_mask_storeu_ps(                                                \
          o + i, m,                                                         \
          Sleef_##fn##f16_u10avx512f(_mm512_maskz_loadu_ps(m, a + i)));     \
    }                                                                       \
  }
#include "arrax/backend/cpu/ufunc_simd_list.h"
#endif

// Run-time selection of the SLEEF loops (ufunc_simd_avx512.cpp,
// ufunc_simd_avx2.cpp) for contiguous float32/float64 transcendental
// ufuncs; every other case keeps the table's scalar loop.
#include "arrax/backend/cpu/ufunc_simd.h"

#ifdef ARRAX_HAVE_SLEEF

#define ARRAX_SIMD_LOOP(ufunc, fn)                                        \
  extern "C" void arrax_simd512_##ufunc##_f64(const double*, double*,     \
                                              int64_t);                   \
  extern "C" void arrax_simd512_##ufunc##_f32(const float*, float*,       \
                                              int64_t);                   \
  extern "C" void arrax_simd256_##ufunc##_f64(const double*, double*,     \
                                              int64_t);                   \
  extern "C" void arrax_simd256_##ufunc##_f32(const float*, float*, int64_t);
#include "arrax/backend/cpu/ufunc_simd_list.h"
#undef ARRAX_SIMD_LOOP

namespace arrax::cpu {

namespace {

// The scalar loops the SIMD loops fall back to for strided operands.
InnerLoop g_fallback[kNumUfuncs][2];

template <typename T>
using Kernel = void (*)(const T*, T*, int64_t);

template <typename T, int Id, Kernel<T> K>
void simd_loop(char** d, const int64_t* s, int64_t n, const void* ctx) {
  if (s[0] == sizeof(T) && s[1] == sizeof(T)) {
    K(reinterpret_cast<const T*>(d[1]), reinterpret_cast<T*>(d[0]), n);
    return;
  }
  g_fallback[Id][sizeof(T) == 8](d, s, n, ctx);
}

}  // namespace

void install_simd_loops(UfuncTable& table) {
  bool avx512 = __builtin_cpu_supports("avx512f");
  bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (!avx512 && !avx2) return;
  constexpr int f32 = static_cast<int>(Dtype::Float32);
  constexpr int f64 = static_cast<int>(Dtype::Float64);
#define ARRAX_SIMD_LOOP(ufunc, fn)                                          \
  {                                                                         \
    constexpr int id = static_cast<int>(UfuncId::ufunc);                    \
    g_fallback[id][0] = table[id][f32];                                     \
    g_fallback[id][1] = table[id][f64];                                     \
    if (avx512) {                                                           \
      table[id][f32] = &simd_loop<float, id, &arrax_simd512_##ufunc##_f32>; \
      table[id][f64] =                                                      \
          &simd_loop<double, id, &arrax_simd512_##ufunc##_f64>;             \
    } else {                                                                \
      table[id][f32] = &simd_loop<float, id, &arrax_simd256_##ufunc##_f32>; \
      table[id][f64] =                                                      \
          &simd_loop<double, id, &arrax_simd256_##ufunc##_f64>;             \
    }                                                                       \
  }
#include "arrax/backend/cpu/ufunc_simd_list.h"
#undef ARRAX_SIMD_LOOP
}

}  // namespace arrax::cpu

#else

namespace arrax::cpu {
void install_simd_loops(UfuncTable&) {}
}  // namespace arrax::cpu

#endif

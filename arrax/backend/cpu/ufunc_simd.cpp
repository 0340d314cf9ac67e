// Run-time selection of the SLEEF loops (ufunc_simd_avx512.cpp,
// ufunc_simd_avx2.cpp) for contiguous float32/float64 transcendental
// ufuncs; every other case keeps the table's scalar loop.
#include "arrax/backend/cpu/ufunc_simd.h"

#include "arrax/backend/cpu/runtime_info.h"

namespace arrax::cpu {

std::vector<std::string> cpu_features() {
  std::vector<std::string> out;
#if defined(__x86_64__) || defined(__i386__)
#define ARRAX_FEATURE(name) \
  if (__builtin_cpu_supports(name)) out.push_back(name);
  ARRAX_FEATURE("sse2")
  ARRAX_FEATURE("sse4.2")
  ARRAX_FEATURE("avx")
  ARRAX_FEATURE("avx2")
  ARRAX_FEATURE("fma")
  ARRAX_FEATURE("avx512f")
  ARRAX_FEATURE("avx512bw")
  ARRAX_FEATURE("avx512dq")
  ARRAX_FEATURE("avx512vl")
  ARRAX_FEATURE("avx512vnni")
  ARRAX_FEATURE("avx512bf16")
#undef ARRAX_FEATURE
#endif
  return out;
}

std::string simd_loops() {
#ifdef ARRAX_HAVE_SLEEF
  if (__builtin_cpu_supports("avx512f")) return "AVX512F";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return "AVX2+FMA";
  return "none";
#else
  return "not built";
#endif
}

}  // namespace arrax::cpu

#ifdef ARRAX_HAVE_SLEEF

#define ARRAX_SIMD_LOOP(ufunc, fn)                                            \
  extern "C" void arrax_simd512_##ufunc##_f64(const double*, double*,         \
                                              int64_t);                       \
  extern "C" void arrax_simd512_##ufunc##_f32(const float*, float*, int64_t); \
  extern "C" void arrax_simd256_##ufunc##_f64(const double*, double*,         \
                                              int64_t);                       \
  extern "C" void arrax_simd256_##ufunc##_f32(const float*, float*, int64_t); \
  extern "C" void arrax_simd512_##ufunc##_f16(const uint16_t*, uint16_t*,     \
                                              int64_t);                       \
  extern "C" void arrax_simd512_##ufunc##_bf16(const uint16_t*, uint16_t*,    \
                                               int64_t);
#include "arrax/backend/cpu/ufunc_simd_list.h"
#undef ARRAX_SIMD_LOOP

namespace arrax::cpu {

namespace {

// The scalar loops the SIMD loops fall back to for strided operands, by
// ufunc and dtype.
InnerLoop g_fallback[kNumUfuncs][kNumDtypes];

template <typename T>
using Kernel = void (*)(const T*, T*, int64_t);

// T is the kernel's element type (uint16_t for float16/bfloat16 bits).
template <typename T, int Id, int Dt, Kernel<T> K>
void simd_loop(char** d, const int64_t* s, int64_t n, const void* ctx) {
  if (s[0] == sizeof(T) && s[1] == sizeof(T)) {
    K(reinterpret_cast<const T*>(d[1]), reinterpret_cast<T*>(d[0]), n);
    return;
  }
  g_fallback[Id][Dt](d, s, n, ctx);
}

}  // namespace

void install_simd_loops(UfuncTable& table) {
  bool avx512 = __builtin_cpu_supports("avx512f");
  bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (!avx512 && !avx2) return;
  constexpr int f32 = static_cast<int>(Dtype::Float32);
  constexpr int f64 = static_cast<int>(Dtype::Float64);
  constexpr int f16 = static_cast<int>(Dtype::Float16);
  constexpr int bf16 = static_cast<int>(Dtype::BFloat16);
#define ARRAX_SIMD_LOOP(ufunc, fn)                                           \
  {                                                                          \
    constexpr int id = static_cast<int>(UfuncId::ufunc);                     \
    for (int dt : {f32, f64, f16, bf16}) g_fallback[id][dt] = table[id][dt]; \
    if (avx512) {                                                            \
      table[id][f32] =                                                       \
          &simd_loop<float, id, f32, &arrax_simd512_##ufunc##_f32>;          \
      table[id][f64] =                                                       \
          &simd_loop<double, id, f64, &arrax_simd512_##ufunc##_f64>;         \
      table[id][f16] =                                                       \
          &simd_loop<uint16_t, id, f16, &arrax_simd512_##ufunc##_f16>;       \
      table[id][bf16] =                                                      \
          &simd_loop<uint16_t, id, bf16, &arrax_simd512_##ufunc##_bf16>;     \
    } else {                                                                 \
      table[id][f32] =                                                       \
          &simd_loop<float, id, f32, &arrax_simd256_##ufunc##_f32>;          \
      table[id][f64] =                                                       \
          &simd_loop<double, id, f64, &arrax_simd256_##ufunc##_f64>;         \
    }                                                                        \
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

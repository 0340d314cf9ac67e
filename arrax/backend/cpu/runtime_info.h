#pragma once
// What the CPU backend found at run time, for arrax.show_config() and
// arrax.show_runtime() (python/src/config.cpp).
#include <string>
#include <vector>

#include "arrax/export.h"

namespace arrax::cpu {

// OpenBLAS's own build string (openblas_get_config: version, options,
// target), the kernel core it picked for this CPU, and its thread count.
ARRAX_API std::string blas_config();
ARRAX_API std::string blas_core();
ARRAX_API int blas_threads();

// The x86 instruction-set extensions this CPU has, of those the kernels
// care about (checked with __builtin_cpu_supports).
ARRAX_API std::vector<std::string> cpu_features();
// The SIMD (SLEEF) ufunc loops in use: "AVX512F", "AVX2+FMA", "none" (the
// CPU has neither) or "not built" (built without SLEEF). Chosen by the
// same test as install_simd_loops in ufunc_simd.cpp.
ARRAX_API std::string simd_loops();

}  // namespace arrax::cpu

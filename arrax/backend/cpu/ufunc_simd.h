#pragma once
#include "arrax/backend/cpu/ufunc_loops.h"

namespace arrax::cpu {

// Puts the SLEEF loops in front of the scalar ones where the CPU has AVX2 or
// AVX-512 (checked at run time). They take contiguous operands and hand
// strided ones to the scalar loop they replace.
void install_simd_loops(UfuncTable& table);

}  // namespace arrax::cpu

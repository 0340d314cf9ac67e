#pragma once
// The float32 matrix-product precision (arrax.set_matmul_precision), like
// torch.set_float32_matmul_precision. Only the CUDA backend reads it: the
// CPU always computes float32 products in full float32 (OpenBLAS SGEMM).
#include <string>

#include "arrax/export.h"

namespace arrax {

// "highest": full float32 (CUBLAS_COMPUTE_32F). "tf32": TensorFloat-32
// tensor cores (CUBLAS_COMPUTE_32F_FAST_TF32). "bf16x3": the nearest mode
// cuBLAS offers, CUBLAS_COMPUTE_32F_FAST_16BF (inputs rounded to bfloat16,
// float32 accumulation) -- not a 3-pass bf16 split.
enum class MatmulPrecision { Highest, Tf32, Bf16x3 };

// Throws ValueError "[set_matmul_precision] ..." for any other name.
ARRAX_API void set_matmul_precision(const std::string& name);
ARRAX_API std::string get_matmul_precision();
ARRAX_API MatmulPrecision matmul_precision();

}  // namespace arrax

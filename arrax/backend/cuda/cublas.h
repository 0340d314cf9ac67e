#pragma once
// cuBLAS, loaded with dlopen like the driver (driver.h), so that the plugin
// loads where cuBLAS is missing; only a matrix product then fails, with
// "[matmul] cuBLAS was not found (...)".
#include <cublas_v2.h>

#include <string>

namespace arrax::cuda {

struct Cublas {
  bool loaded = false;
  std::string error;  // why loading failed
  std::string path;   // where it was found
  cublasStatus_t (*cublasCreate_v2)(cublasHandle_t*) = nullptr;
  cublasStatus_t (*cublasDestroy_v2)(cublasHandle_t) = nullptr;
  cublasStatus_t (*cublasSetStream_v2)(cublasHandle_t, cudaStream_t) = nullptr;
  cublasStatus_t (*cublasSetWorkspace_v2)(cublasHandle_t, void*,
                                          size_t) = nullptr;
  cublasStatus_t (*cublasSetMathMode)(cublasHandle_t, cublasMath_t) = nullptr;
  cublasStatus_t (*cublasGemmEx)(cublasHandle_t, cublasOperation_t,
                                 cublasOperation_t, int, int, int,
                                 const void*, const void*, cudaDataType,
                                 int, const void*, cudaDataType, int,
                                 const void*, void*, cudaDataType, int,
                                 cublasComputeType_t,
                                 cublasGemmAlgo_t) = nullptr;
  cublasStatus_t (*cublasGemmStridedBatchedEx)(
      cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
      const void*, const void*, cudaDataType, int, long long int,
      const void*, cudaDataType, int, long long int, const void*, void*,
      cudaDataType, int, long long int, int, cublasComputeType_t,
      cublasGemmAlgo_t) = nullptr;
  const char* (*cublasGetStatusString)(cublasStatus_t) = nullptr;
};

// Loaded once (on first use, never at import); check `.loaded`.
Cublas& cublas();

// Throws ValueError "[matmul] <what> failed: <status>" unless r is success.
void check_cublas(cublasStatus_t r, const char* what);

}  // namespace arrax::cuda

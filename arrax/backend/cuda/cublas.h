#pragma once
// cuBLAS, loaded with dlopen like the driver (driver.h), so that the plugin
// loads where cuBLAS is missing; only a matrix product then fails, with
// "[matmul] cuBLAS was not found (...)".
#include <cublasLt.h>
#include <cublas_v2.h>

#include <initializer_list>
#include <string>
#include <vector>

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
                                 cublasOperation_t, int, int, int, const void*,
                                 const void*, cudaDataType, int, const void*,
                                 cudaDataType, int, const void*, void*,
                                 cudaDataType, int, cublasComputeType_t,
                                 cublasGemmAlgo_t) = nullptr;
  cublasStatus_t (*cublasGemmStridedBatchedEx)(
      cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
      const void*, const void*, cudaDataType, int, long long int, const void*,
      cudaDataType, int, long long int, const void*, void*, cudaDataType, int,
      long long int, int, cublasComputeType_t, cublasGemmAlgo_t) = nullptr;
  const char* (*cublasGetStatusString)(cublasStatus_t) = nullptr;
  // cuBLASLt (libcublasLt, loaded beside libcublas); `lt` is false where it
  // is missing, and products then use cublasGemmEx alone.
  bool lt = false;
  cublasStatus_t (*cublasLtCreate)(cublasLtHandle_t*) = nullptr;
  cublasStatus_t (*cublasLtMatmulDescCreate)(cublasLtMatmulDesc_t*,
                                             cublasComputeType_t,
                                             cudaDataType_t) = nullptr;
  cublasStatus_t (*cublasLtMatmulDescDestroy)(cublasLtMatmulDesc_t) = nullptr;
  cublasStatus_t (*cublasLtMatmulDescSetAttribute)(
      cublasLtMatmulDesc_t, cublasLtMatmulDescAttributes_t, const void*,
      size_t) = nullptr;
  cublasStatus_t (*cublasLtMatrixLayoutCreate)(cublasLtMatrixLayout_t*,
                                               cudaDataType, uint64_t, uint64_t,
                                               int64_t) = nullptr;
  cublasStatus_t (*cublasLtMatrixLayoutDestroy)(cublasLtMatrixLayout_t) =
      nullptr;
  cublasStatus_t (*cublasLtMatrixLayoutSetAttribute)(
      cublasLtMatrixLayout_t, cublasLtMatrixLayoutAttribute_t, const void*,
      size_t) = nullptr;
  cublasStatus_t (*cublasLtMatmulPreferenceCreate)(
      cublasLtMatmulPreference_t*) = nullptr;
  cublasStatus_t (*cublasLtMatmulPreferenceDestroy)(
      cublasLtMatmulPreference_t) = nullptr;
  cublasStatus_t (*cublasLtMatmulPreferenceSetAttribute)(
      cublasLtMatmulPreference_t, cublasLtMatmulPreferenceAttributes_t,
      const void*, size_t) = nullptr;
  cublasStatus_t (*cublasLtMatmulAlgoGetHeuristic)(
      cublasLtHandle_t, cublasLtMatmulDesc_t, cublasLtMatrixLayout_t,
      cublasLtMatrixLayout_t, cublasLtMatrixLayout_t, cublasLtMatrixLayout_t,
      cublasLtMatmulPreference_t, int, cublasLtMatmulHeuristicResult_t[],
      int*) = nullptr;
  cublasStatus_t (*cublasLtMatmul)(
      cublasLtHandle_t, cublasLtMatmulDesc_t, const void*, const void*,
      cublasLtMatrixLayout_t, const void*, cublasLtMatrixLayout_t, const void*,
      const void*, cublasLtMatrixLayout_t, void*, cublasLtMatrixLayout_t,
      const cublasLtMatmulAlgo_t*, void*, size_t, cudaStream_t) = nullptr;
};

// Folders to look for a CUDA library in after the loader's own search (Note
// [Finding cuBLAS]); `wheel_subdirs` are the NVIDIA pip wheels' folders
// under site-packages ("/nvidia/cu13/lib", ...).
std::vector<std::string> cuda_library_dirs(
    std::initializer_list<const char*> wheel_subdirs);

// Loaded once (on first use, never at import); check `.loaded`.
Cublas& cublas();

// Throws ValueError "[matmul] <what> failed: <status>" unless r is success.
void check_cublas(cublasStatus_t r, const char* what);

}  // namespace arrax::cuda

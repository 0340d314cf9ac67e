#pragma once
// CUB's radix sorts, compiled ahead of time by nvcc for the native
// architecture (cub_sort.cu, built when the CMake option ARRAX_CUB_SORT is
// on; see Note [CUB ahead of time] in cuda_sort.cpp). Plain C++ interface:
// no CUDA headers needed by the caller.
#include <cstddef>
#include <cstdint>

namespace arrax::cuda {

// A stable ascending sort of (key, value) pairs of `rows` segments of n
// items each (segment r holds items [offsets[r], offsets[r + 1])), on
// `stream` (a CUstream). Keys are unsigned integers of key_bytes (1, 2, 4
// or 8) bytes. With temp == nullptr only sets temp_bytes. Returns the
// cudaError_t (0 on success).
int cub_sort_pairs(int key_bytes, void* temp, size_t& temp_bytes,
                   const void* keys_in, void* keys_out, const int64_t* vals_in,
                   int64_t* vals_out, int64_t total, int64_t rows,
                   const int32_t* offsets, void* stream);

// cudaGetErrorString of such a result.
const char* cub_error_string(int err);

}  // namespace arrax::cuda

// The only nvcc-compiled file of arrax: host-launched CUB radix sorts
// (cub_sort.h). Everything else on the GPU is NVRTC (device/*.cuh).
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_segmented_radix_sort.cuh>

#include "arrax/backend/cuda/cub_sort.h"

namespace arrax::cuda {

namespace {

template <typename K>
cudaError_t sort_pairs(void* temp, size_t& temp_bytes, const void* keys_in,
                       void* keys_out, const int64_t* vals_in,
                       int64_t* vals_out, int64_t total, int64_t rows,
                       const int32_t* offsets, cudaStream_t s) {
  const K* ki = static_cast<const K*>(keys_in);
  K* ko = static_cast<K*>(keys_out);
  int n = static_cast<int>(total);
  if (rows == 1)
    return cub::DeviceRadixSort::SortPairs(temp, temp_bytes, ki, ko, vals_in,
                                           vals_out, n, 0, int(sizeof(K) * 8),
                                           s);
  return cub::DeviceSegmentedRadixSort::SortPairs(
      temp, temp_bytes, ki, ko, vals_in, vals_out, n, static_cast<int>(rows),
      offsets, offsets + 1, 0, int(sizeof(K) * 8), s);
}

}  // namespace

int cub_sort_pairs(int key_bytes, void* temp, size_t& temp_bytes,
                   const void* keys_in, void* keys_out, const int64_t* vals_in,
                   int64_t* vals_out, int64_t total, int64_t rows,
                   const int32_t* offsets, void* stream) {
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  switch (key_bytes) {
    case 1:
      return sort_pairs<unsigned char>(temp, temp_bytes, keys_in, keys_out,
                                       vals_in, vals_out, total, rows, offsets,
                                       s);
    case 2:
      return sort_pairs<unsigned short>(temp, temp_bytes, keys_in, keys_out,
                                        vals_in, vals_out, total, rows, offsets,
                                        s);
    case 4:
      return sort_pairs<unsigned int>(temp, temp_bytes, keys_in, keys_out,
                                      vals_in, vals_out, total, rows, offsets,
                                      s);
    case 8:
      return sort_pairs<unsigned long long>(temp, temp_bytes, keys_in, keys_out,
                                            vals_in, vals_out, total, rows,
                                            offsets, s);
  }
  return cudaErrorInvalidValue;
}

const char* cub_error_string(int err) {
  return cudaGetErrorString(static_cast<cudaError_t>(err));
}

}  // namespace arrax::cuda

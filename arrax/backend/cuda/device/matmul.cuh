// Integer and bool matrix products (the float and complex ones go to
// cuBLAS). Self-contained apart from common.cuh; see DESIGN.md section 5.
#pragma once
#include "common.cuh"

namespace ax {

// Note [Integer matmul on CUDA]
// NumPy's integer matmul wraps on overflow. Products and sums are done in
// an unsigned type of at least 32 bits (64 for 64-bit types): wrapping is
// defined there, and the low bits, truncated to T at the end, are the same
// as those of a sum wrapped at T's width. bool is OR over p of A AND B.
template <typename T>
struct mm_acc {
  typedef u32 type;
};
template <>
struct mm_acc<i64> {
  typedef u64 type;
};
template <>
struct mm_acc<u64> {
  typedef u64 type;
};

template <typename T>
__device__ __forceinline__ typename mm_acc<T>::type mm_widen(T v) {
  // Through the unsigned type of T's width, then zero-extended: the value
  // mod 2^width, which is all the wrapped result depends on.
  return (typename mm_acc<T>::type)(typename make_unsigned<T>::type)v;
}
template <>
__device__ __forceinline__ u32 mm_widen<bool>(bool v) {
  return v ? 1u : 0u;
}

template <typename T>
__device__ __forceinline__ void mm_fma(typename mm_acc<T>::type& acc,
                                       typename mm_acc<T>::type a,
                                       typename mm_acc<T>::type b) {
  acc += a * b;
}
template <>
__device__ __forceinline__ void mm_fma<bool>(u32& acc, u32 a, u32 b) {
  acc |= a & b;
}

template <typename T>
__device__ __forceinline__ T mm_store(typename mm_acc<T>::type acc) {
  return (T)(typename make_unsigned<T>::type)acc;
}
template <>
__device__ __forceinline__ bool mm_store<bool>(u32 acc) {
  return acc != 0;
}

constexpr int kMmTile = 16;

// Batched C = A @ B with any element strides. Blocks of kMmTile x kMmTile
// threads; each computes one output tile, walking K in tiles staged in
// shared memory. Grid-stride over (column tiles, row tiles, batches) in
// (x, y, z): every loop bound is uniform across a block, so all threads
// reach each __syncthreads. The batch offsets come from `bs`, the batch
// dimensions with strides [C, A, B].
template <typename T>
__global__ void matmul_tiled(Strided<3> bs, T* __restrict__ C,
                             const T* __restrict__ A, const T* __restrict__ B,
                             i64 nbatch, i64 n, i64 m, i64 k, i64 ars,
                             i64 acs, i64 brs, i64 bcs, i64 crs, i64 ccs) {
  typedef typename mm_acc<T>::type W;
  __shared__ W As[kMmTile][kMmTile + 1];
  __shared__ W Bs[kMmTile][kMmTile + 1];
  const int tx = threadIdx.x, ty = threadIdx.y;
  const i64 col_tiles = (m + kMmTile - 1) / kMmTile;
  const i64 row_tiles = (n + kMmTile - 1) / kMmTile;
  for (i64 bt = blockIdx.z; bt < nbatch; bt += gridDim.z) {
    i64 oc = 0, oa = 0, ob = 0, r = bt;
    for (int d = bs.ndim - 1; d >= 0; --d) {
      i64 idx = r % bs.shape[d];
      r /= bs.shape[d];
      oc += idx * bs.strides[0][d];
      oa += idx * bs.strides[1][d];
      ob += idx * bs.strides[2][d];
    }
    const T* Ab = A + oa;
    const T* Bb = B + ob;
    T* Cb = C + oc;
    for (i64 rt = blockIdx.y; rt < row_tiles; rt += gridDim.y) {
      for (i64 ct = blockIdx.x; ct < col_tiles; ct += gridDim.x) {
        const i64 row = rt * kMmTile + ty;
        const i64 col = ct * kMmTile + tx;
        W acc = 0;
        for (i64 p0 = 0; p0 < k; p0 += kMmTile) {
          // As[ty][tx] = A[row, p0 + tx]; Bs[ty][tx] = B[p0 + ty, col].
          const i64 pa = p0 + tx, pb = p0 + ty;
          As[ty][tx] = (row < n && pa < k) ? mm_widen<T>(Ab[row * ars + pa * acs])
                                           : W(0);
          Bs[ty][tx] = (pb < k && col < m) ? mm_widen<T>(Bb[pb * brs + col * bcs])
                                           : W(0);
          __syncthreads();
#pragma unroll
          for (int q = 0; q < kMmTile; ++q) mm_fma<T>(acc, As[ty][q], Bs[q][tx]);
          __syncthreads();
        }
        if (row < n && col < m) Cb[row * crs + col * ccs] = mm_store<T>(acc);
      }
    }
  }
}

}  // namespace ax

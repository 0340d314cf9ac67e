// Integer and bool matrix products (the float and complex ones go to
// cuBLAS). Self-contained apart from common.cuh; see docs/architecture.md.
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

// Batch offsets of matrix `bt` from the batch dimensions with strides
// [C, A, B].
__device__ __forceinline__ void mm_batch_offsets(const Strided<3>& bs, i64 bt,
                                                 i64& oc, i64& oa, i64& ob) {
  oc = oa = ob = 0;
  i64 r = bt;
  for (int d = bs.ndim - 1; d >= 0; --d) {
    i64 idx = r % bs.shape[d];
    r /= bs.shape[d];
    oc += idx * bs.strides[0][d];
    oa += idx * bs.strides[1][d];
    ob += idx * bs.strides[2][d];
  }
}

// The sum over p in [p_begin, p_end) of A[row, p] B[p, col] for this
// thread's (row, col) = (row0 + ty, col0 + tx) of a kMmTile x kMmTile block,
// K walked in tiles staged in shared memory. Every thread of the block must
// call it with the same arguments but its own (tx, ty): it synchronizes.
template <typename T>
__device__ __forceinline__ typename mm_acc<T>::type mm_tile(
    const T* __restrict__ A, const T* __restrict__ B, i64 row0, i64 col0,
    i64 n, i64 m, i64 p_begin, i64 p_end, i64 ars, i64 acs, i64 brs,
    i64 bcs) {
  typedef typename mm_acc<T>::type W;
  __shared__ W As[kMmTile][kMmTile + 1];
  __shared__ W Bs[kMmTile][kMmTile + 1];
  const int tx = threadIdx.x, ty = threadIdx.y;
  const i64 row = row0 + ty, col = col0 + tx;
  W acc = 0;
  for (i64 p0 = p_begin; p0 < p_end; p0 += kMmTile) {
    // As[ty][tx] = A[row, p0 + tx]; Bs[ty][tx] = B[p0 + ty, col].
    const i64 pa = p0 + tx, pb = p0 + ty;
    As[ty][tx] =
        (row < n && pa < p_end) ? mm_widen<T>(A[row * ars + pa * acs]) : W(0);
    Bs[ty][tx] =
        (pb < p_end && col < m) ? mm_widen<T>(B[pb * brs + col * bcs]) : W(0);
    __syncthreads();
#pragma unroll
    for (int q = 0; q < kMmTile; ++q) mm_fma<T>(acc, As[ty][q], Bs[q][tx]);
    __syncthreads();
  }
  return acc;
}

// Batched C = A @ B with any element strides. Blocks of kMmTile x kMmTile
// threads; each computes one output tile. Grid-stride over (column tiles,
// row tiles, batches) in (x, y, z): every loop bound is uniform across a
// block, so all threads reach each __syncthreads in mm_tile. The batch
// offsets come from `bs`, the batch dimensions with strides [C, A, B].
template <typename T>
__global__ void matmul_tiled(Strided<3> bs, T* __restrict__ C,
                             const T* __restrict__ A, const T* __restrict__ B,
                             i64 nbatch, i64 n, i64 m, i64 k, i64 ars,
                             i64 acs, i64 brs, i64 bcs, i64 crs, i64 ccs) {
  const i64 col_tiles = (m + kMmTile - 1) / kMmTile;
  const i64 row_tiles = (n + kMmTile - 1) / kMmTile;
  for (i64 bt = blockIdx.z; bt < nbatch; bt += gridDim.z) {
    i64 oc, oa, ob;
    mm_batch_offsets(bs, bt, oc, oa, ob);
    for (i64 rt = blockIdx.y; rt < row_tiles; rt += gridDim.y) {
      for (i64 ct = blockIdx.x; ct < col_tiles; ct += gridDim.x) {
        const i64 row = rt * kMmTile + threadIdx.y;
        const i64 col = ct * kMmTile + threadIdx.x;
        typename mm_acc<T>::type acc =
            mm_tile<T>(A + oa, B + ob, rt * kMmTile, ct * kMmTile, n, m, 0, k,
                       ars, acs, brs, bcs);
        if (row < n && col < m) C[oc + row * crs + col * ccs] = mm_store<T>(acc);
      }
    }
  }
}

__device__ __forceinline__ void mm_atomic(u32* p, u32 v, bool is_or) {
  if (is_or)
    atomicOr(p, v);
  else
    atomicAdd(p, v);
}
__device__ __forceinline__ void mm_atomic(u64* p, u64 v, bool) {
  atomicAdd((unsigned long long*)p, (unsigned long long)v);
}

// Split-K for few output tiles and a long K (dot products, sums): blockIdx.z
// = batch * splits + split, each block sums its K chunk of one tile and adds
// it atomically (wrapping; OR for bool) into acc, a zeroed contiguous
// (nbatch, n, m) buffer of the accumulator type. The grid is exact:
// (column tiles, row tiles, nbatch * splits).
template <typename T>
__global__ void matmul_splitk(Strided<3> bs, typename mm_acc<T>::type* acc,
                              const T* __restrict__ A,
                              const T* __restrict__ B, i64 splits, i64 chunk,
                              i64 n, i64 m, i64 k, i64 ars, i64 acs, i64 brs,
                              i64 bcs) {
  const i64 bt = blockIdx.z / splits, s = blockIdx.z % splits;
  const i64 p_begin = s * chunk;
  const i64 p_end = p_begin + chunk < k ? p_begin + chunk : k;
  i64 oc, oa, ob;
  mm_batch_offsets(bs, bt, oc, oa, ob);
  const i64 row = (i64)blockIdx.y * kMmTile + threadIdx.y;
  const i64 col = (i64)blockIdx.x * kMmTile + threadIdx.x;
  typename mm_acc<T>::type v =
      mm_tile<T>(A + oa, B + ob, (i64)blockIdx.y * kMmTile,
                 (i64)blockIdx.x * kMmTile, n, m, p_begin, p_end, ars, acs, brs,
                 bcs);
  if (row < n && col < m && v != 0)
    mm_atomic(acc + (bt * n + row) * m + col, v, is_same<T, bool>::value);
}

// C = acc (the split-K sums) truncated to T, over nbatch * n * m elements.
template <typename T>
__global__ void matmul_splitk_store(Strided<3> bs, T* __restrict__ C,
                                    const typename mm_acc<T>::type* acc,
                                    i64 total, i64 n, i64 m, i64 crs,
                                    i64 ccs) {
  for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < total;
       i += (i64)gridDim.x * blockDim.x) {
    const i64 col = i % m, row = (i / m) % n, bt = i / (m * n);
    i64 oc, oa, ob;
    mm_batch_offsets(bs, bt, oc, oa, ob);
    C[oc + row * crs + col * ccs] = mm_store<T>(acc[i]);
  }
}

}  // namespace ax

// Kernels of the sorting family (backend/cuda/cuda_sort.cpp) around CUB's
// radix sorts: order-preserving keys (Note [Sort keys] in
// backend/cpu/sort.cpp, the same keys bit for bit), the gathers of a
// permutation, and searchsorted's binary searches.
#pragma once
#include "common.cuh"

namespace ax {
namespace srt {

// Keys of one part of an element: part 0 of a real type is the value; a
// complex number sorts by part 2 (its NaN class: R+Rj, R+nanj, nan+Rj,
// nan+nanj), then part 1 (the real part), then part 0 (the imaginary part),
// one stable radix pass each from part 0 up.
__device__ __forceinline__ u8 key(bool v) { return v ? 1 : 0; }
__device__ __forceinline__ u8 key(u8 v) { return v; }
__device__ __forceinline__ u16 key(u16 v) { return v; }
__device__ __forceinline__ u32 key(u32 v) { return v; }
__device__ __forceinline__ u64 key(u64 v) { return v; }
__device__ __forceinline__ u8 key(i8 v) { return static_cast<u8>(v) ^ 0x80u; }
__device__ __forceinline__ u16 key(i16 v) {
  return static_cast<u16>(static_cast<u16>(v) ^ 0x8000u);
}
__device__ __forceinline__ u32 key(i32 v) {
  return static_cast<u32>(v) ^ 0x80000000u;
}
__device__ __forceinline__ u64 key(i64 v) {
  return static_cast<u64>(v) ^ 0x8000000000000000ull;
}
// Float bits: NaN largest, -0.0 as +0.0, negatives flipped.
template <typename U>
__device__ __forceinline__ U float_key(U u, bool nan) {
  const U sign = U(1) << (sizeof(U) * 8 - 1);
  if (nan) return U(~U(0));
  if ((u & U(~sign)) == 0) return sign;
  return (u & sign) ? U(~u) : U(u | sign);
}
__device__ __forceinline__ u16 key(half v) {
  float f = to_float(v);
  return float_key<u16>(v.bits, f != f);
}
__device__ __forceinline__ u16 key(bf16 v) {
  float f = to_float(v);
  return float_key<u16>(v.bits, f != f);
}
__device__ __forceinline__ u32 key(float v) {
  return float_key<u32>(__float_as_uint(v), v != v);
}
__device__ __forceinline__ u64 key(double v) {
  return float_key<u64>(static_cast<u64>(__double_as_longlong(v)), v != v);
}

template <typename T>
struct part_key {
  typedef decltype(key(T())) type;
  __device__ static type get(T v, int) { return key(v); }
};
template <typename R>
struct part_key<complex<R>> {
  typedef decltype(key(R())) type;
  __device__ static type get(complex<R> v, int part) {
    if (part == 0) return key(v.im);
    if (part == 1) return key(v.re);
    return static_cast<type>(2 * (v.re != v.re) + (v.im != v.im));
  }
};

// perm[i] = i % n: each row's identity permutation.
__global__ void sort_init(i64* perm, i64 n, i64 total) {
  for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < total;
       i += (i64)gridDim.x * blockDim.x)
    perm[i] = i % n;
}

// off[r] = r * n for r in [0, rows]: the segment bounds of CUB.
__global__ void sort_offsets(i32* off, i64 n, i64 rows) {
  for (i64 r = blockIdx.x * (i64)blockDim.x + threadIdx.x; r <= rows;
       r += (i64)gridDim.x * blockDim.x)
    off[r] = static_cast<i32>(r * n);
}

// keys[i] = the part's key of row i / n's element perm[i].
template <typename T, typename K>
__global__ void sort_keys(const T* x, const i64* perm, K* keys, i64 n,
                          i64 total, int part) {
  for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < total;
       i += (i64)gridDim.x * blockDim.x) {
    i64 row = i / n;
    keys[i] = static_cast<K>(part_key<T>::get(x[row * n + perm[i]], part));
  }
}

// out[i] = row i / n's element perm[i].
template <typename T>
__global__ void sort_gather(const T* x, const i64* perm, T* out, i64 n,
                            i64 total) {
  for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < total;
       i += (i64)gridDim.x * blockDim.x)
    out[i] = x[(i / n) * n + perm[i]];
}

// NumPy's order on whole elements, through the keys (complex: class,
// real, imaginary).
template <typename T>
__device__ __forceinline__ bool np_less(T a, T b) {
  return key(a) < key(b);
}
template <typename R>
__device__ __forceinline__ bool np_less_c(complex<R> a, complex<R> b) {
  typedef part_key<complex<R>> P;
  for (int part = 2; part >= 0; --part) {
    typename P::type ka = P::get(a, part), kb = P::get(b, part);
    if (ka != kb) return ka < kb;
  }
  return false;
}
template <>
__device__ __forceinline__ bool np_less(complex<float> a, complex<float> b) {
  return np_less_c(a, b);
}
template <>
__device__ __forceinline__ bool np_less(complex<double> a, complex<double> b) {
  return np_less_c(a, b);
}

// out[j]: the insertion point of v[j] in the sorted a[0, na) (right: after
// the elements equal to it).
template <typename T>
__global__ void searchsorted(const T* a, i64 na, const T* v, i64* out, i64 nv,
                             int right) {
  for (i64 j = blockIdx.x * (i64)blockDim.x + threadIdx.x; j < nv;
       j += (i64)gridDim.x * blockDim.x) {
    T x = v[j];
    i64 lo = 0, hi = na;
    while (lo < hi) {
      i64 mid = lo + (hi - lo) / 2;
      bool go = right ? !np_less(x, a[mid]) : np_less(a[mid], x);
      if (go)
        lo = mid + 1;
      else
        hi = mid;
    }
    out[j] = lo;
  }
}

}  // namespace srt
}  // namespace ax

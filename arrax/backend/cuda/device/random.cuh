// Kernels of arrax.random (backend/cuda/cuda_random.cpp): one grid-stride
// kernel per distribution and output type around the shared samplers of
// rng.cuh, and the bitonic argsort of random keys behind permutations (Note
// [Permutations by sorting] in arrax/random.cpp).
#pragma once
#include "common.cuh"
#include "rng.cuh"

namespace ax {
namespace rnd {

// Element i: the sample of sub-stream (key, base + i). a0..a2: per-element
// parameters (nullptr: the scalar s0..s2). See RandomDraw.
template <int K, typename T>
__global__ void draw(T* out, i64 n, const u64* a0, const u64* a1, const u64* a2,
                     u64 s0, u64 s1, u64 s2, const double* table, i64 table_n,
                     u64 key, u64 base) {
  for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < n;
       i += (i64)gridDim.x * blockDim.x) {
    rng::Params pr;
    pr.p[0] = a0 ? a0[i] : s0;
    pr.p[1] = a1 ? a1[i] : s1;
    pr.p[2] = a2 ? a2[i] : s2;
    pr.table = table;
    pr.table_n = table_n;
    rng::Stream st(key, base + static_cast<u64>(i));
    if constexpr (rng::integer_kind(K)) {
      u64 v = rng::sample_int<K>(st, pr);
      out[i] = static_cast<T>(v);
    } else if constexpr (K == rng::kRandom && sizeof(T) == 4) {
      out[i] = st.uniform24();
    } else {
      out[i] = static_cast<T>(rng::sample_real<K>(st, pr));
    }
  }
}

// Rows of n keys padded to p (a power of two) with (~0, index >= n), so the
// padding sorts last.
__global__ void argsort_init(u64* kp, i64* ip, const u64* keys, i64 n, i64 p,
                             i64 total) {
  for (i64 t = blockIdx.x * (i64)blockDim.x + threadIdx.x; t < total;
       t += (i64)gridDim.x * blockDim.x) {
    i64 r = t / p, c = t - r * p;
    kp[t] = c < n ? keys[r * n + c] : ~0ull;
    ip[t] = c;
  }
}

// One compare-exchange stage (j, k) of the bitonic network, within each
// aligned block of p (every row sorts ascending by (key, index)).
__global__ void bitonic_step(u64* kp, i64* ip, i64 p, i64 j, i64 k, i64 total) {
  for (i64 t = blockIdx.x * (i64)blockDim.x + threadIdx.x; t < total;
       t += (i64)gridDim.x * blockDim.x) {
    i64 l = t ^ j;
    if (l <= t) continue;
    bool up = ((t & (p - 1)) & k) == 0;
    u64 kt = kp[t], kl = kp[l];
    i64 it = ip[t], il = ip[l];
    bool greater = kt > kl || (kt == kl && it > il);
    if (greater == up) {
      kp[t] = kl;
      kp[l] = kt;
      ip[t] = il;
      ip[l] = it;
    }
  }
}

__global__ void argsort_gather(i64* out, const i64* ip, i64 n, i64 p,
                               i64 total) {
  for (i64 t = blockIdx.x * (i64)blockDim.x + threadIdx.x; t < total;
       t += (i64)gridDim.x * blockDim.x) {
    i64 r = t / n, c = t - r * n;
    out[t] = ip[r * p + c];
  }
}

}  // namespace rnd
}  // namespace ax

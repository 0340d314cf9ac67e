// Device kernels of the reduction family: Reduce (sum, prod, max, min, any,
// all and the NaN variants), ArgReduce, Scan, the ufunc methods reduce and
// accumulate, and count_true. The host side is backend/cuda/cuda_reduce.cpp.
//
// Note [CUDA reduction kernels]
// The host orders and merges the dimensions like the CPU engine and then
// picks one of:
//  - row: the innermost dimension is reduced. A block (32..512 threads)
//    reduces one output, or one chunk of it (`nsplit` chunks per output,
//    partials in scratch, combined by the last block of the output: Note
//    [Single-pass split reductions]; reduce_finish_block when there are
//    more outputs than counters). Contiguous rows (reduce_flat / arg_flat:
//    int index math, high occupancy) are read with 16-byte vector loads,
//    four in flight per thread, each into its own accumulator chain
//    (reduce_contig; arg_contig for argmax, whose chains each visit their
//    elements in index order and merge with the order-free pick, so the
//    first extreme and the first NaN win). Many short contiguous arg lines
//    take arg_warp instead: a warp per line, the same chains per lane, a
//    shuffle pick, no barriers.
//  - column: the innermost dimension is kept. A thread owns one output and
//    loops over the reduced index (coalesced across the warp); long
//    reductions are split over gridDim.y with partials (reduce_finish_lines;
//    arg_col / arg_col_finish likewise for arg reductions).
// float16/bfloat16 sums and products over several non-mergeable rows round
// after each row on the CPU: reduce_row sums each row as one chunk and
// reduce_finish_lines runs the rounded chain in order. Scans of lines up to
// 4096 long (or of many lines) run sequentially (scan_seq), NumPy's order
// bit for bit; only few long lines take the block scan.
// Both accumulate in the compute type (float for float16/bfloat16) and
// combine with the same rules as backend/cpu/reduce.cpp. Where the CPU
// rounds float16/bfloat16 to the storage type after every step (column
// sums and products, all scans: NumPy's loops), the GPU runs the same
// sequential chain (reduce_col unsplit, scan_col / scan_seq), since that
// rounding makes the order part of the result: a split or a tree in float
// can differ from NumPy by far more than a rounding of the total.
#pragma once
#include "ufunc.cuh"

namespace ax {
namespace red {

// Matches arrax::ReduceOp.
enum { Sum, Prod, Max, Min, Any, All, NanSum, NanProd, NanMax, NanMin };
// Matches arrax::ArgReduceOp.
enum { ArgMax, ArgMin, NanArgMax, NanArgMin };

template <bool B, typename X, typename Y>
struct cond {
  typedef X type;
};
template <typename X, typename Y>
struct cond<false, X, Y> {
  typedef Y type;
};

template <typename C>
__device__ __forceinline__ bool is_nan(C v) {
  if constexpr (traits<C>::is_complex) return v.re != v.re || v.im != v.im;
  else if constexpr (traits<C>::is_float) return v != v;
  else return false;
}

template <typename C>
__device__ __forceinline__ C nan_of() {
  if constexpr (traits<C>::is_complex) {
    typedef decltype(C().re) R;
    return C(nan_of<R>(), R(0));
  } else if constexpr (is_same<C, float>::value) {
    return __int_as_float(0x7fc00000);
  } else {
    return __longlong_as_double(0x7ff8000000000000ll);
  }
}
template <typename C>
__device__ __forceinline__ C inf_of() {
  if constexpr (is_same<C, float>::value) return __int_as_float(0x7f800000);
  else return __longlong_as_double(0x7ff0000000000000ll);
}

template <typename C>
__device__ __forceinline__ C int_lowest() {
  if constexpr (traits<C>::is_signed)
    return static_cast<C>(static_cast<u64>(1) << (8 * sizeof(C) - 1));
  else
    return C(0);
}
template <typename C>
__device__ __forceinline__ C int_max() {
  if constexpr (traits<C>::is_signed)
    return static_cast<C>((static_cast<u64>(1) << (8 * sizeof(C) - 1)) - 1);
  else
    return static_cast<C>(~static_cast<u64>(0));
}

template <typename T>
__device__ __forceinline__ bool truthy(T v) {
  if constexpr (is_same<T, half>::value || is_same<T, bf16>::value)
    return to_float(v) != 0.0f;
  else if constexpr (traits<T>::is_complex)
    return v.re != 0 || v.im != 0;
  else
    return v != T(0);
}

// Lexicographic for complex (operator>= of common.cuh), plain otherwise.
template <typename C>
__device__ __forceinline__ bool ge(C a, C b) {
  return a >= b;
}
template <typename C>
__device__ __forceinline__ bool gt(C a, C b) {
  return a > b;
}

template <typename C>
__device__ __forceinline__ C add(C a, C b) {
  if constexpr (traits<C>::is_bool) return a || b;
  else if constexpr (traits<C>::is_int)
    return static_cast<C>(static_cast<u64>(a) + static_cast<u64>(b));
  else return a + b;
}
template <typename C>
__device__ __forceinline__ C mul(C a, C b) {
  if constexpr (traits<C>::is_bool) return a && b;
  else if constexpr (traits<C>::is_int)
    return static_cast<C>(static_cast<u64>(a) * static_cast<u64>(b));
  else return a * b;
}

template <int OP, typename T>
struct Op {
  static constexpr bool kBoolOut = OP == Any || OP == All;
  typedef typename compute<T>::type CT;
  typedef typename cond<kBoolOut, bool, CT>::type C;
  typedef typename cond<kBoolOut, bool, T>::type Out;
  static constexpr bool kInexact =
      traits<CT>::is_float || traits<CT>::is_complex;
  static constexpr bool kNanSkip = (OP == NanSum || OP == NanProd) && kInexact;
  static constexpr bool kSum = OP == Sum || OP == NanSum;
  static constexpr bool kProd = OP == Prod || OP == NanProd;
  static constexpr bool kMax = OP == Max || OP == NanMax;
  static constexpr bool kMin = OP == Min || OP == NanMin;
  static constexpr bool kFNan = OP == NanMax || OP == NanMin;
  static constexpr bool kHalf =
      is_same<T, half>::value || is_same<T, bf16>::value;

  __device__ static C identity() {
    if constexpr (OP == Any) return false;
    else if constexpr (OP == All) return true;
    else if constexpr (kSum) return C(0);
    else if constexpr (kProd) return C(1);
    else if constexpr (kFNan && kInexact) return nan_of<C>();
    else if constexpr (traits<C>::is_bool) return kMin;
    else if constexpr (traits<C>::is_complex) {
      typedef decltype(C().re) R;
      R inf = inf_of<R>();
      return kMax ? C(-inf, -inf) : C(inf, inf);
    } else if constexpr (traits<C>::is_float) {
      C inf = inf_of<C>();
      return kMax ? -inf : inf;
    } else {
      return kMax ? int_lowest<C>() : int_max<C>();
    }
  }
  __device__ static C load(T v) {
    if constexpr (kBoolOut) {
      return truthy(v);
    } else {
      C c = ::ax::load(v);
      if constexpr (kNanSkip)
        if (is_nan(c)) return kSum ? C(0) : C(1);
      return c;
    }
  }
  __device__ static C combine(C a, C b) {
    if constexpr (OP == Any) return a || b;
    else if constexpr (OP == All) return a && b;
    else if constexpr (kSum) return add(a, b);
    else if constexpr (kProd) return mul(a, b);
    else if constexpr ((kMax || kMin) && traits<C>::is_float) {
      // Branch-free forms of the rules below (real floats): with a NaN the
      // comparison is false, so the NaN-ness test alone decides.
      if constexpr (kFNan)
        return ((kMax ? a >= b : b >= a) || b != b) ? a : b;
      else
        return ((kMax ? a >= b : b >= a) || a != a) ? a : b;
    } else if constexpr (kFNan) {
      if (is_nan(b)) return a;
      if (is_nan(a)) return b;
      return (kMax ? ge(a, b) : ge(b, a)) ? a : b;
    } else {
      if (is_nan(a)) return a;
      if (is_nan(b)) return b;
      return (kMax ? ge(a, b) : ge(b, a)) ? a : b;
    }
  }
  __device__ static Out store(C v) {
    if constexpr (kBoolOut) return v;
    else return convert<T>::from(v);
  }
  // The storage type's rounding (float16/bfloat16 loops store every step).
  __device__ static C round(C v) {
    if constexpr (kHalf && !kBoolOut) return ::ax::load(convert<T>::from(v));
    else return v;
  }
};

// The mean's division of a finished float32/float64 sum by the count, in
// the output dtype (NumPy's true_divide(sum, count)); scale 0: none, and
// other output types are never scaled (the host asks only for these).
template <typename O>
__device__ __forceinline__ O divided(O o, double) {
  return o;
}
__device__ __forceinline__ float divided(float o, double scale) {
  return scale != 0 ? o / static_cast<float>(scale) : o;
}
__device__ __forceinline__ double divided(double o, double scale) {
  return scale != 0 ? o / scale : o;
}

// ---- warp and block collectives -----------------------------------------

// Byte copy (NVRTC has no memcpy builtin); n is a constant, so this
// becomes register moves.
__device__ __forceinline__ void bytecopy(void* dst, const void* src, int n) {
  unsigned char* d = static_cast<unsigned char*>(dst);
  const unsigned char* s = static_cast<const unsigned char*>(src);
#pragma unroll
  for (int i = 0; i < n; ++i) d[i] = s[i];
}

// Warp shuffles of any trivially copyable value, four bytes at a time:
// `shfl` moves one 4-byte word.
template <typename C, typename Shfl>
__device__ __forceinline__ C shfl_words(C v, Shfl shfl) {
  constexpr int W = (sizeof(C) + 3) / 4;
  u32 b[W];
  b[W - 1] = 0;
  bytecopy(b, &v, sizeof(C));
#pragma unroll
  for (int k = 0; k < W; ++k) b[k] = shfl(b[k]);
  C r;
  bytecopy(&r, b, sizeof(C));
  return r;
}
template <typename C>
__device__ __forceinline__ C shfl_down(C v, int d) {
  return shfl_words(v, [d](u32 x) { return __shfl_down_sync(0xffffffffu, x, d); });
}
template <typename C>
__device__ __forceinline__ C shfl_up(C v, int d) {
  return shfl_words(v, [d](u32 x) { return __shfl_up_sync(0xffffffffu, x, d); });
}
// Lane `src`'s value of v (every lane of the warp takes part).
template <typename C>
__device__ __forceinline__ C shfl_idx(C v, int src) {
  return shfl_words(v, [src](u32 x) { return __shfl_sync(0xffffffffu, x, src); });
}

// Shared scratch for 32 values of up to 32 bytes (a value and an index).
struct SharedBuf {
  __align__(16) unsigned char bytes[32 * 32];
};

// Reduces v over the block with `comb` (associative and commutative);
// the result is valid in thread 0. Ends with a barrier so that the shared
// buffer may be reused right away. blockDim.x is a multiple of 32.
template <typename C, typename F>
__device__ __forceinline__ C block_reduce(C v, F comb) {
  __shared__ SharedBuf sh;
  C* buf = reinterpret_cast<C*>(sh.bytes);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int nw = blockDim.x >> 5;
#pragma unroll
  for (int d = 16; d > 0; d >>= 1) {
    C o = shfl_down(v, d);
    v = comb(v, o);
  }
  if (nw > 1) {
    if (lane == 0) buf[warp] = v;
    __syncthreads();
    if (warp == 0) {
      v = buf[lane < nw ? lane : 0];
      // Lanes past nw hold a copy of buf[0]; only lanes < nw combine.
#pragma unroll
      for (int d = 16; d > 0; d >>= 1) {
        C o = shfl_down(v, d);
        if (lane + d < nw) v = comb(v, o);
      }
    }
  }
  __syncthreads();
  return v;
}

// Offsets of element i of a Strided<N> (operand k) index space.
template <int N>
__device__ __forceinline__ void offsets(const Strided<N>& s, i64 i,
                                        i64* off) {
#pragma unroll
  for (int k = 0; k < N; ++k) off[k] = 0;
  for (int d = s.ndim - 1; d >= 0; --d) {
    i64 n = s.shape[d];
    i64 idx = i % n;
    i /= n;
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] += idx * s.strides[k][d];
  }
}
__device__ __forceinline__ i64 offset1(const Strided<1>& s, i64 i) {
  if (s.ndim == 1) return i * s.strides[0][0];
  i64 o;
  offsets<1>(s, i, &o);
  return o;
}

// ---- Reduce ---------------------------------------------------------------

// Items of p[0..n) before its first 16-byte boundary (read one by one
// before the vector loads); n when p is not aligned to its item size.
template <typename T>
__device__ __forceinline__ i64 vector_head(const T* p, i64 n) {
  constexpr int V = sizeof(T) <= 16 ? 16 / sizeof(T) : 1;
  const unsigned long long addr = reinterpret_cast<unsigned long long>(p);
  if (V > 1 && addr % sizeof(T) == 0) {
    const i64 h = static_cast<i64>(((16 - (addr & 15)) & 15) / sizeof(T));
    return h > n ? n : h;
  }
  if (V == 1 && addr % 16 == 0) return 0;
  return n;
}

// Reduces p[0..n) (contiguous) into acc, one block: 16-byte vector loads on
// the aligned part, four in flight per thread. I: the index type (int when
// n < 2^30: fewer registers and instructions; the caller picks).
template <typename R, typename I, typename T>
__device__ __forceinline__ typename R::C reduce_contig(
    const T* __restrict__ p, I n, typename R::C acc) {
  const I tid = threadIdx.x, bd = blockDim.x;
  constexpr int V = sizeof(T) <= 16 ? 16 / sizeof(T) : 1;
  const I head = static_cast<I>(vector_head(p, n));
  for (I i = tid; i < head; i += bd) acc = R::combine(acc, R::load(p[i]));
  const uint4* pv = reinterpret_cast<const uint4*>(p + head);
  const I nv = (n - head) / V;
  I i = tid;
  if (i + 3 * bd < nv) {
    // Four independent chains (one per load in flight), so the combine
    // latency of one chain hides behind the others.
    typename R::C a4[4] = {acc, R::identity(), R::identity(), R::identity()};
    for (; i + 3 * bd < nv; i += 4 * bd) {
      uint4 u[4];
#pragma unroll
      for (int k = 0; k < 4; ++k) u[k] = __ldg(pv + i + k * bd);
#pragma unroll
      for (int k = 0; k < 4; ++k) {
        const T* t = reinterpret_cast<const T*>(&u[k]);
#pragma unroll
        for (int e = 0; e < V; ++e) a4[k] = R::combine(a4[k], R::load(t[e]));
      }
    }
    acc = R::combine(R::combine(a4[0], a4[1]), R::combine(a4[2], a4[3]));
  }
  for (; i < nv; i += bd) {
    uint4 u = __ldg(pv + i);
    const T* t = reinterpret_cast<const T*>(&u);
#pragma unroll
    for (int e = 0; e < V; ++e) acc = R::combine(acc, R::load(t[e]));
  }
  for (I j = head + nv * V + tid; j < n; j += bd)
    acc = R::combine(acc, R::load(p[j]));
  return acc;
}

// Note [Single-pass split reductions]
// A row split into nsplit chunks is finished by the last of its blocks
// instead of a second kernel: each block writes its partial to part[b],
// fences and counts itself on counters[k] (one counter per output, from
// CudaBackend::counters: zero at every kernel start on the stream, since
// the finishing block resets it). The block that counts nsplit - 1 reads
// the partials (ld.cg, after a fence: every other block fenced before
// counting) and combines them in reduce_finish_block's order (thread t
// of the first finish_threads() threads takes j = t, t + bd2, ...; then
// block_reduce; the other threads add identities), so the result does not
// depend on which block finishes, run to run. Never atomics on values.

// reduce_finish_block's block size for nsplit partials (the host's
// min(block_for(nsplit, 2), 256)), at most this block's size.
__device__ __forceinline__ i64 finish_threads(i64 nsplit) {
  i64 bd = 32;
  while (bd < 256 && bd * 2 < nsplit) bd *= 2;
  return bd < (i64)blockDim.x ? bd : (i64)blockDim.x;
}

// A load that bypasses L1 (other blocks' writes of this kernel), of any
// trivially copyable value.
template <typename C>
__device__ __forceinline__ C load_cg(const C* p) {
  C r;
  if constexpr (sizeof(C) % 8 == 0 && alignof(C) >= 8) {
    u64 w[sizeof(C) / 8];
#pragma unroll
    for (int k = 0; k < (int)(sizeof(C) / 8); ++k)
      w[k] = __ldcg(reinterpret_cast<const u64*>(p) + k);
    bytecopy(&r, w, sizeof(C));
  } else if constexpr (sizeof(C) % 4 == 0 && alignof(C) >= 4) {
    u32 w[sizeof(C) / 4];
#pragma unroll
    for (int k = 0; k < (int)(sizeof(C) / 4); ++k)
      w[k] = __ldcg(reinterpret_cast<const u32*>(p) + k);
    bytecopy(&r, w, sizeof(C));
  } else if constexpr (sizeof(C) == 2) {
    u16 w = __ldcg(reinterpret_cast<const u16*>(p));
    bytecopy(&r, &w, 2);
  } else {
    static_assert(sizeof(C) == 1, "load_cg: unexpected size");
    u8 w = __ldcg(reinterpret_cast<const u8*>(p));
    bytecopy(&r, &w, 1);
  }
  return r;
}

// Thread 0 counts this block's partial of output k (after its write to
// part); returns, in every thread of the block, whether this block is the
// last of the nsplit. Every thread of the block calls it (a barrier).
__device__ __forceinline__ bool last_block_of(u32* counters, i64 k,
                                              i64 nsplit) {
  __shared__ int last;
  if (threadIdx.x == 0) {
    __threadfence();
    const u32 seen = atomicAdd(counters + k, 1u);
    last = seen == static_cast<u32>(nsplit - 1);
    if (last) __threadfence();
  }
  __syncthreads();
  return last != 0;
}

// The end of a row block (after block_reduce; every thread calls it):
// without part, thread 0 stores output k at o; with part, it writes the
// partial part[b] and, with counters, the last block of output k combines
// the nsplit partials and stores the output (Note [Single-pass split
// reductions]).
template <typename R, typename T>
__device__ __forceinline__ void row_done(typename R::C acc,
                                         typename R::Out* o,
                                         typename R::C* part, i64 b, i64 k,
                                         i64 nsplit, const T* init,
                                         u32* counters, double scale) {
  typedef typename R::C C;
  auto comb = [](C a, C b) { return R::combine(a, b); };
  if (!part) {
    if (threadIdx.x == 0)
      *o = divided(R::store(init ? R::combine(R::load(*init), acc)
                                 : R::combine(R::identity(), acc)),
                   scale);
    return;
  }
  if (threadIdx.x == 0) part[b] = acc;
  if (!counters || !last_block_of(counters, k, nsplit)) return;
  // The last block of output k: reduce_finish_block's combination.
  const i64 bd2 = finish_threads(nsplit);
  C a = R::identity();
  if (threadIdx.x < bd2)
    for (i64 j = threadIdx.x; j < nsplit; j += bd2)
      a = R::combine(a, load_cg(part + k * nsplit + j));
  a = block_reduce(a, comb);
  if (threadIdx.x == 0) {
    *o = divided(R::store(init ? R::combine(R::load(*init), a)
                               : R::combine(R::identity(), a)),
                 scale);
    counters[k] = 0;
  }
}

// Block b of a row kernel: output k = b / nsplit and chunk [lo, hi) of its
// n reduced elements (chunk b % nsplit); off: the (x, out) offsets of k.
struct RowChunk {
  i64 k, lo, hi;
  i64 off[2];
  __device__ __forceinline__ RowChunk(const Strided<2>& kept, i64 b,
                                      i64 nsplit, i64 chunk, i64 n) {
    k = b / nsplit;
    offsets<2>(kept, k, off);
    lo = (b - k * nsplit) * chunk;
    hi = lo + chunk < n ? lo + chunk : n;
  }
};

// Row path. Block b handles output k = b / nsplit, chunk b % nsplit of the
// flattened reduced index r in [0, nred * L): element offset
// offset1(rout, r / L) + (r % L) * s. kept gives the (x, out) offsets of
// output k. partial: write the chunk's value to part[b] instead of out;
// with counters as well, the last block of output k finishes it (row_done).
// At most 512 threads (block_for); two blocks an SM (64 registers).
template <int OP, typename T>
__global__ void __launch_bounds__(512, 2)
    reduce_row(const T* __restrict__ x,
               typename Op<OP, T>::Out* __restrict__ out,
               typename Op<OP, T>::C* part, Strided<2> kept, Strided<1> rout,
               i64 nout, i64 nred, i64 L, i64 s, i64 nsplit, i64 chunk,
               const T* init, u32* counters, double scale) {
  typedef Op<OP, T> R;
  typedef typename R::C C;
  const i64 N = nred * L;
  auto comb = [](C a, C b) { return R::combine(a, b); };
  for (i64 b = blockIdx.x; b < nout * nsplit; b += gridDim.x) {
    const RowChunk rc(kept, b, nsplit, chunk, N);
    const i64 k = rc.k, lo = rc.lo, hi = rc.hi;
    const i64* off = rc.off;
    C acc = R::identity();
    const T* p = x + off[0];
    if (nred == 1 && s == 1) {
      if (hi > lo) acc = reduce_contig<R, i64>(p + lo, hi - lo, acc);
    } else if (nred == 1) {
      for (i64 r = lo + threadIdx.x; r < hi; r += blockDim.x)
        acc = R::combine(acc, R::load(p[r * s]));
    } else {
      for (i64 r = lo + threadIdx.x; r < hi; r += blockDim.x) {
        i64 q = r / L;
        acc = R::combine(acc, R::load(p[offset1(rout, q) + (r - q * L) * s]));
      }
    }
    acc = block_reduce(acc, comb);
    row_done<R>(acc, out + off[1], part, b, k, nsplit, init, counters,
                scale);
  }
}

// reduce_row for contiguous rows (nred == 1, s == 1) of chunks below 2^30
// elements (int index math in the chunk; indices plus a few block strides
// stay below 2^31): the sums and maxima of whole arrays and of C-contiguous
// rows. At most 512 threads (block_for) and FlatBlocks such blocks an SM:
// four (32 registers, 100% occupancy; reduce_row had 56 registers and 50%)
// without spills for every type but complex128, which takes two
// (tools/kernel-resources.py). The host's grid (flat_blocks in
// cuda_reduce.cpp) is then all resident at once.
template <typename C>
struct FlatBlocks {
  static constexpr int value = sizeof(C) <= 8 ? 4 : 2;
};
template <int OP, typename T>
__global__ void __launch_bounds__(512,
                                  FlatBlocks<typename Op<OP, T>::C>::value)
    reduce_flat(const T* __restrict__ x,
                typename Op<OP, T>::Out* __restrict__ out,
                typename Op<OP, T>::C* part, Strided<2> kept, i64 nout, i64 L,
                i64 nsplit, i64 chunk, const T* init, u32* counters,
                double scale) {
  typedef Op<OP, T> R;
  typedef typename R::C C;
  auto comb = [](C a, C b) { return R::combine(a, b); };
  for (i64 b = blockIdx.x; b < nout * nsplit; b += gridDim.x) {
    const RowChunk rc(kept, b, nsplit, chunk, L);
    const i64 k = rc.k, lo = rc.lo, hi = rc.hi;
    const i64* off = rc.off;
    C acc = R::identity();
    if (hi > lo)
      acc = reduce_contig<R, int>(x + off[0] + lo, static_cast<int>(hi - lo),
                                  acc);
    acc = block_reduce(acc, comb);
    row_done<R>(acc, out + off[1], part, b, k, nsplit, init, counters,
                scale);
  }
}

// Combines the nsplit partials of each output (part[k * nsplit + j]) with
// a block per output; ostr gives the output offset of k.
template <int OP, typename T>
__global__ void reduce_finish_block(const typename Op<OP, T>::C* part,
                                    typename Op<OP, T>::Out* out,
                                    Strided<1> ostr, i64 nout, i64 nsplit,
                                    const T* init, double scale) {
  typedef Op<OP, T> R;
  typedef typename R::C C;
  auto comb = [](C a, C b) { return R::combine(a, b); };
  for (i64 k = blockIdx.x; k < nout; k += gridDim.x) {
    C acc = R::identity();
    for (i64 j = threadIdx.x; j < nsplit; j += blockDim.x)
      acc = R::combine(acc, part[k * nsplit + j]);
    acc = block_reduce(acc, comb);
    if (threadIdx.x == 0) {
      C v = init ? R::combine(R::load(*init), acc)
                 : R::combine(R::identity(), acc);
      out[offset1(ostr, k)] = divided(R::store(v), scale);
    }
  }
}

// Column path: thread t owns output t = (k, j) (k over the outer kept dims,
// j over the innermost kept one, m of them) and combines the reduced
// elements r in chunk blockIdx.y of [0, nred) in order (red gives their
// offsets). partial: part[blockIdx.y * nkm + t].
template <int OP, typename T>
__global__ void reduce_col(const T* __restrict__ x,
                           typename Op<OP, T>::Out* __restrict__ out,
                           typename Op<OP, T>::C* __restrict__ part,
                           Strided<2> kept, i64 m, i64 xs, i64 os,
                           Strided<1> red, i64 nred, i64 nkm, i64 chunk,
                           const T* init, int rnd, double scale) {
  typedef Op<OP, T> R;
  typedef typename R::C C;
  // rnd: round to the storage type after every step (the CPU's column
  // loop for float16/bfloat16); otherwise round once at the end (rows).
  auto step = [rnd](C acc, C v) {
    C r = R::combine(acc, v);
    return rnd ? R::round(r) : r;
  };
  const i64 lo = blockIdx.y * chunk;
  const i64 hi = lo + chunk < nred ? lo + chunk : nred;
  for (i64 t = blockIdx.x * (i64)blockDim.x + threadIdx.x; t < nkm;
       t += (i64)gridDim.x * blockDim.x) {
    const i64 k = t / m, j = t - k * m;
    i64 off[2];
    offsets<2>(kept, k, off);
    const T* p = x + off[0] + j * xs;
    C acc = init && !part ? R::load(*init) : R::identity();
    if (red.ndim == 1) {
      const i64 s = red.strides[0][0];
      i64 r = lo;
      // Eight loads in flight per thread (the column's elements are
      // combined in order: the CPU's chain).
      for (; r + 8 <= hi; r += 8) {
        T v[8];
#pragma unroll
        for (int u = 0; u < 8; ++u) v[u] = p[(r + u) * s];
#pragma unroll
        for (int u = 0; u < 8; ++u) acc = step(acc, R::load(v[u]));
      }
      for (; r < hi; ++r) acc = step(acc, R::load(p[r * s]));
    } else {
      for (i64 r = lo; r < hi; ++r)
        acc = step(acc, R::load(p[offset1(red, r)]));
    }
    if (part)
      part[blockIdx.y * nkm + t] = acc;
    else
      out[off[1] + j * os] = divided(R::store(acc), scale);
  }
}

// Combines the nsplit partials of each of n outputs in order of j, thread
// per output t: part[t * ts + j * js] (column partials: ts 1, js n; row
// values: ts nsplit, js 1). With rnd, rounds to the storage type after each
// step: the CPU's loop for float16/bfloat16 sums and products over several
// rows (reduce_row wrote one row per chunk, in float).
template <int OP, typename T>
__global__ void reduce_finish_lines(const typename Op<OP, T>::C* part,
                                    typename Op<OP, T>::Out* out,
                                    Strided<1> ostr, i64 n, i64 nsplit, i64 ts,
                                    i64 js, const T* init, int rnd,
                                    double scale) {
  typedef Op<OP, T> R;
  typedef typename R::C C;
  for (i64 t = blockIdx.x * (i64)blockDim.x + threadIdx.x; t < n;
       t += (i64)gridDim.x * blockDim.x) {
    C acc = init ? R::load(*init) : R::identity();
    for (i64 j = 0; j < nsplit; ++j) {
      acc = R::combine(acc, part[t * ts + j * js]);
      if (rnd) acc = R::round(acc);
    }
    out[offset1(ostr, t)] = divided(R::store(acc), scale);
  }
}

// Empty reductions: every output element is the initial value.
template <int OP, typename T>
__global__ void reduce_fill(typename Op<OP, T>::Out* out, Strided<1> ostr,
                            i64 n, const T* init) {
  typedef Op<OP, T> R;
  for (i64 t = blockIdx.x * (i64)blockDim.x + threadIdx.x; t < n;
       t += (i64)gridDim.x * blockDim.x)
    out[offset1(ostr, t)] = R::store(init ? R::load(*init) : R::identity());
}

// ---- ArgReduce ------------------------------------------------------------

template <typename C>
struct ArgPair {
  C v;
  i64 i;  // -1: no element yet
};

template <int OP, typename T>
struct Arg {
  typedef typename compute<T>::type C;
  typedef ArgPair<C> P;
  static constexpr bool kMax = OP == ArgMax || OP == NanArgMax;
  static constexpr bool kNan = OP == NanArgMax || OP == NanArgMin;
  // v strictly better than b (the CPU's rule).
  __device__ static bool better(C v, C b) {
    if constexpr (traits<C>::is_float && !traits<C>::is_complex) {
      // Branch-free forms of the rules below (real floats; a compare with
      // a NaN is false): without kNan, b not NaN and (v NaN or v beyond
      // b); with kNan, v not NaN and (b NaN or v beyond b).
      if constexpr (kNan)
        return (v == v) & (kMax ? !(b >= v) : !(b <= v));
      else
        return (b == b) & (kMax ? !(v <= b) : !(v >= b));
    } else if constexpr (traits<C>::is_bool) {
      return kMax ? (v && !b) : (!v && b);
    } else if constexpr (kNan) {
      if (is_nan(v)) return false;
      if (is_nan(b)) return true;
      return kMax ? gt(v, b) : gt(b, v);
    } else {
      if (is_nan(b)) return false;
      if (is_nan(v)) return true;
      return kMax ? gt(v, b) : gt(b, v);
    }
  }
  // Order-free pick: the better one, the lower index on a tie (and among
  // NaNs), so any combination order gives the first extreme.
  __device__ static P pick(P a, P b) {
    if (a.i < 0) return b;
    if (b.i < 0) return a;
    if (better(a.v, b.v)) return a;
    if (better(b.v, a.v)) return b;
    return a.i <= b.i ? a : b;
  }
};

// One thread's in-order update: element v at index i replaces (best, bi)
// when strictly better (or when there is none yet): the thread's first
// extreme, as the CPU's sequential scan finds it.
template <typename A, typename I>
__device__ __forceinline__ void arg_step(typename A::C v, I i,
                                         typename A::C& best, I& bi) {
  if constexpr (traits<typename A::C>::is_complex) {
    if (bi < 0 || A::better(v, best)) {
      best = v;
      bi = i;
    }
  } else {
    // Selects, not branches: arg_contig's chains run the steps for most
    // vectors of short lines (any lane of the warp that sees a better
    // element sends the warp here), and the branchy form cost about 17
    // instructions and three branches an element (SASS of arg_warp).
    const bool take = (bi < 0) | A::better(v, best);
    best = take ? v : best;
    bi = take ? i : bi;
  }
}

// Whether any of v[0..V) is strictly better than best (A::better), so
// that a vector with none leaves (best, bi) as it is and skips the
// per-element steps. Real floats: one compare each (better's NaN rules
// folded into an unordered compare, or a test of best).
template <typename A, int V>
__device__ __forceinline__ bool any_better(const typename A::C* v,
                                           typename A::C best) {
  typedef typename A::C C;
  bool any = false;
  if constexpr (traits<C>::is_float && !traits<C>::is_complex) {
    if constexpr (A::kNan) {
      // better: v not NaN and (best NaN or v beyond best).
#pragma unroll
      for (int e = 0; e < V; ++e) any |= A::kMax ? v[e] > best : v[e] < best;
      any |= best != best;
    } else {
      // better: best not NaN and (v NaN or v beyond best).
#pragma unroll
      for (int e = 0; e < V; ++e)
        any |= A::kMax ? !(v[e] <= best) : !(v[e] >= best);
      any &= best == best;
    }
  } else {
#pragma unroll
    for (int e = 0; e < V; ++e) any |= A::better(v[e], best);
  }
  return any;
}

// This thread's pick of p[0..n) (contiguous; indices from i0): 16-byte
// vector loads on the aligned part, four in flight, one chain per load
// (each visits its elements in increasing index order; the chains are
// merged with the order-free pick). A vector with no element better than
// its chain's best (any_better) is skipped whole. I: the index type in
// the range (int when n < 2^30). tid / bd: this thread's rank among the
// bd threads that share the range (threadIdx.x and blockDim.x for a
// block; the lane and 32 for a warp, arg_warp).
template <typename A, typename I, typename T>
__device__ __forceinline__ typename A::P arg_contig(const T* __restrict__ p,
                                                    I n, i64 i0, I tid,
                                                    I bd) {
  typedef typename A::C C;
  typedef typename A::P P;
  constexpr int V = sizeof(T) <= 16 ? 16 / sizeof(T) : 1;
  C best[4];
  I bi[4] = {-1, -1, -1, -1};
#pragma unroll
  for (int k = 0; k < 4; ++k) best[k] = C();
  const I head = static_cast<I>(vector_head(p, n));
  for (I i = tid; i < head; i += bd) arg_step<A>(load(p[i]), i, best[0], bi[0]);
  const uint4* pv = reinterpret_cast<const uint4*>(p + head);
  const I nv = (n - head) / V;
  I i = tid;
  for (; i + 3 * bd < nv; i += 4 * bd) {
    uint4 u[4];
#pragma unroll
    for (int k = 0; k < 4; ++k) u[k] = __ldg(pv + i + k * bd);
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      const T* t = reinterpret_cast<const T*>(&u[k]);
      C v[V];
#pragma unroll
      for (int e = 0; e < V; ++e) v[e] = load(t[e]);
      if (bi[k] < 0 || any_better<A, V>(v, best[k])) {
        const I base = head + (i + k * bd) * V;
#pragma unroll
        for (int e = 0; e < V; ++e) arg_step<A>(v[e], base + e, best[k], bi[k]);
      }
    }
  }
  for (; i < nv; i += bd) {
    uint4 u = __ldg(pv + i);
    const T* t = reinterpret_cast<const T*>(&u);
    const I base = head + i * V;
#pragma unroll
    for (int e = 0; e < V; ++e) arg_step<A>(load(t[e]), base + e, best[0], bi[0]);
  }
  for (I j = head + nv * V + tid; j < n; j += bd)
    arg_step<A>(load(p[j]), j, best[0], bi[0]);
  P r;
  r.v = best[0];
  r.i = bi[0] < 0 ? i64(-1) : i0 + bi[0];
#pragma unroll
  for (int k = 1; k < 4; ++k) {
    P e;
    e.v = best[k];
    e.i = bi[k] < 0 ? i64(-1) : i0 + bi[k];
    r = A::pick(r, e);
  }
  return r;
}

// The end of an arg row block (after block_reduce; every thread calls it):
// without part, thread 0 stores the index at o (*err on an all-NaN line of
// a NaN variant); with part, it writes the partial part[b] and, with
// counters, the last block of output k picks among the nsplit partials
// and stores the index (Note [Single-pass split reductions]).
template <typename A>
__device__ __forceinline__ void arg_done(typename A::P acc, i64* o,
                                         typename A::P* part, i64 b, i64 k,
                                         i64 nsplit, int* err,
                                         u32* counters) {
  typedef typename A::P P;
  auto comb = [](P a, P b) { return A::pick(a, b); };
  if (part) {
    if (threadIdx.x == 0) part[b] = acc;
    if (!counters || !last_block_of(counters, k, nsplit)) return;
    // The last block of output k: arg_finish's combination.
    const i64 bd2 = finish_threads(nsplit);
    acc.v = typename A::C();
    acc.i = -1;
    if (threadIdx.x < bd2)
      for (i64 j = threadIdx.x; j < nsplit; j += bd2)
        acc = A::pick(acc, load_cg(part + k * nsplit + j));
    acc = block_reduce(acc, comb);
    if (threadIdx.x == 0) counters[k] = 0;
  }
  if (threadIdx.x == 0) {
    if (A::kNan && (acc.i < 0 || is_nan(acc.v))) {
      atomicExch(err, 1);
      acc.i = 0;
    }
    *o = acc.i;
  }
}

// Row path of arg reductions: block b reduces chunk b % nsplit of the line
// of output b / nsplit (L elements at stride s; kept gives (x, out)
// offsets). Final: out[...] = index, with *err set on an all-NaN line of
// a NaN variant; partial: part[b], and with counters the last block of
// the line finishes it (arg_done). Contiguous lines in chunks below 2^30
// take arg_flat.
// At most 512 threads (block_for) and two blocks an SM: 64 registers
// instead of 72 (ncu, run F in docs/gpu-status.md: 25-37% occupancy and
// 29% of DRAM bandwidth at 72), without spills for the real types
// (tools/kernel-resources.py).
template <int OP, typename T>
__global__ void __launch_bounds__(512, 2)
    arg_row(const T* __restrict__ x, i64* __restrict__ out,
            typename Arg<OP, T>::P* part, Strided<2> kept, i64 nout, i64 L,
            i64 s, i64 nsplit, i64 chunk, int* err, u32* counters) {
  typedef Arg<OP, T> A;
  typedef typename A::P P;
  auto comb = [](P a, P b) { return A::pick(a, b); };
  for (i64 b = blockIdx.x; b < nout * nsplit; b += gridDim.x) {
    const RowChunk rc(kept, b, nsplit, chunk, L);
    const i64 k = rc.k, lo = rc.lo, hi = rc.hi;
    const i64* off = rc.off;
    const T* p = x + off[0];
    P acc;
    acc.v = typename A::C();
    acc.i = -1;
    if (s == 1) {
      if (hi > lo)
        acc = arg_contig<A, i64>(p + lo, hi - lo, lo, (i64)threadIdx.x,
                                 (i64)blockDim.x);
    } else {
      for (i64 r = lo + threadIdx.x; r < hi; r += blockDim.x)
        arg_step<A>(load(p[r * s]), r, acc.v, acc.i);
    }
    acc = block_reduce(acc, comb);
    arg_done<A>(acc, out + off[1], part, b, k, nsplit, err, counters);
  }
}

// arg_row for contiguous lines (s == 1) of chunks below 2^30 elements (int
// index math in the chunk, as reduce_flat). At most 512 threads
// (block_for) and ArgBlocks such blocks an SM, the most without spills
// (tools/kernel-resources.py): four (32 registers) for 4-byte types, three
// (40) for 2- and 8-byte ones, two for 1- and 16-byte ones; arg_row has 64
// registers and two. The host's grid (arg_flat_blocks in cuda_reduce.cpp)
// is then all resident at once.
template <typename T>
struct ArgBlocks {
  static constexpr int value =
      sizeof(T) == 4 ? 4 : (sizeof(T) == 1 || sizeof(T) > 8 ? 2 : 3);
};
template <int OP, typename T>
__global__ void __launch_bounds__(512, ArgBlocks<T>::value)
    arg_flat(const T* __restrict__ x, i64* __restrict__ out,
             typename Arg<OP, T>::P* part, Strided<2> kept, i64 nout, i64 L,
             i64 nsplit, i64 chunk, int* err, u32* counters) {
  typedef Arg<OP, T> A;
  typedef typename A::P P;
  auto comb = [](P a, P b) { return A::pick(a, b); };
  for (i64 b = blockIdx.x; b < nout * nsplit; b += gridDim.x) {
    const RowChunk rc(kept, b, nsplit, chunk, L);
    const i64 k = rc.k, lo = rc.lo, hi = rc.hi;
    const i64* off = rc.off;
    P acc;
    acc.v = typename A::C();
    acc.i = -1;
    if (hi > lo)
      acc = arg_contig<A, int>(x + off[0] + lo, static_cast<int>(hi - lo), lo,
                               (int)threadIdx.x, (int)blockDim.x);
    acc = block_reduce(acc, comb);
    arg_done<A>(acc, out + off[1], part, b, k, nsplit, err, counters);
  }
}

// Many short contiguous lines (s == 1, L < 2^30; the host's rule in
// eval_argreduce): a warp per line, lines grid-strided over the warps
// (nwarps = gridDim.x * blockDim.x / 32; the line index is the same in
// the whole warp, so the loop and the shuffles are warp-uniform). Each lane
// runs arg_contig's chains (four 16-byte loads in flight) with stride 32,
// the warp picks with shuffles (A::pick is order-free: the first extreme,
// the first NaN), and lane 0 stores the index, setting *err on an all-NaN
// line of a NaN variant (as arg_done). No shared memory, no barrier: a
// warp moves on to its next line without waiting for the others, where a
// block per line (arg_flat) waits at block_reduce's barriers after only a
// few loads a thread. 256 threads a block and WarpBlocks such blocks an
// SM, the most without spills (tools/kernel-resources.py): five (48
// registers, 40 warps an SM) for 2-, 4- and 8-byte real types, four (64)
// for 1-byte and complex types; arg_warp_blocks in cuda_reduce.cpp
// matches. At 32 registers (arg_flat's budget) the float version spills.
template <typename T>
struct WarpBlocks {
  static constexpr int value =
      sizeof(T) == 1 || traits<typename compute<T>::type>::is_complex ? 4
                                                                      : 5;
};
template <int OP, typename T>
__global__ void __launch_bounds__(256, WarpBlocks<T>::value)
    arg_warp(const T* __restrict__ x, i64* __restrict__ out, Strided<2> kept,
             i64 nout, int L, int* err) {
  typedef Arg<OP, T> A;
  typedef typename A::P P;
  const int lane = threadIdx.x & 31;
  const i64 nwarps = ((i64)gridDim.x * blockDim.x) >> 5;
  for (i64 k = ((i64)blockIdx.x * blockDim.x + threadIdx.x) >> 5; k < nout;
       k += nwarps) {
    i64 off[2];
    offsets<2>(kept, k, off);
    P acc = arg_contig<A, int>(x + off[0], L, 0, lane, 32);
#pragma unroll
    for (int d = 16; d > 0; d >>= 1) {
      P o = shfl_down(acc, d);
      acc = A::pick(acc, o);
    }
    if (lane == 0) {
      if (A::kNan && (acc.i < 0 || is_nan(acc.v))) {
        atomicExch(err, 1);
        acc.i = 0;
      }
      out[off[1]] = acc.i;
    }
  }
}

template <int OP, typename T>
__global__ void arg_finish(const typename Arg<OP, T>::P* part, i64* out,
                           Strided<1> ostr, i64 nout, i64 nsplit, int* err) {
  typedef Arg<OP, T> A;
  typedef typename A::P P;
  auto comb = [](P a, P b) { return A::pick(a, b); };
  for (i64 k = blockIdx.x; k < nout; k += gridDim.x) {
    P acc;
    acc.v = typename A::C();
    acc.i = -1;
    for (i64 j = threadIdx.x; j < nsplit; j += blockDim.x)
      acc = A::pick(acc, part[k * nsplit + j]);
    acc = block_reduce(acc, comb);
    if (threadIdx.x == 0) {
      if (A::kNan && (acc.i < 0 || is_nan(acc.v))) {
        atomicExch(err, 1);
        acc.i = 0;
      }
      out[offset1(ostr, k)] = acc.i;
    }
  }
}

// Column path: thread t per output (consecutive t: neighbouring columns,
// coalesced), the CPU's sequential scan of rows [lo, hi) of chunk
// blockIdx.y. Final (part null): out[...] = index, *err on an all-NaN
// line of a NaN variant; partial: part[blockIdx.y * nout + t].
template <int OP, typename T>
__global__ void arg_col(const T* __restrict__ x, i64* __restrict__ out,
                        typename Arg<OP, T>::P* __restrict__ part,
                        Strided<2> kept, i64 nout, i64 L, i64 s, i64 chunk,
                        int* err) {
  typedef Arg<OP, T> A;
  typedef typename A::C C;
  const i64 lo = blockIdx.y * chunk;
  const i64 hi = lo + chunk < L ? lo + chunk : L;
  if (lo >= hi) return;
  for (i64 t = blockIdx.x * (i64)blockDim.x + threadIdx.x; t < nout;
       t += (i64)gridDim.x * blockDim.x) {
    i64 off[2];
    offsets<2>(kept, t, off);
    const T* p = x + off[0];
    C best = load(p[lo * s]);
    i64 bi = lo;
    i64 r = lo + 1;
    for (; r + 8 <= hi; r += 8) {
      C v[8];
#pragma unroll
      for (int u = 0; u < 8; ++u) v[u] = load(p[(r + u) * s]);
#pragma unroll
      for (int u = 0; u < 8; ++u) arg_step<A>(v[u], r + u, best, bi);
    }
    for (; r < hi; ++r) arg_step<A>(load(p[r * s]), r, best, bi);
    if (part) {
      typename A::P e;
      e.v = best;
      e.i = bi;
      part[blockIdx.y * nout + t] = e;
      continue;
    }
    if (A::kNan && is_nan(best)) {
      atomicExch(err, 1);
      bi = 0;
    }
    out[off[1]] = bi;
  }
}

// Combines the column partials part[j * nout + t] (thread per output;
// ostr: the output offsets).
template <int OP, typename T>
__global__ void arg_col_finish(const typename Arg<OP, T>::P* part, i64* out,
                               Strided<1> ostr, i64 nout, i64 nsplit,
                               int* err) {
  typedef Arg<OP, T> A;
  typedef typename A::P P;
  for (i64 t = blockIdx.x * (i64)blockDim.x + threadIdx.x; t < nout;
       t += (i64)gridDim.x * blockDim.x) {
    P acc = part[t];
    for (i64 j = 1; j < nsplit; ++j) acc = A::pick(acc, part[j * nout + t]);
    if (A::kNan && (acc.i < 0 || is_nan(acc.v))) {
      atomicExch(err, 1);
      acc.i = 0;
    }
    out[offset1(ostr, t)] = acc.i;
  }
}

// ---- Scan -----------------------------------------------------------------

// Block-wide inclusive scan (combine: associative); returns the inclusive
// value of this thread and the block total in *total.
template <typename C, typename F>
__device__ __forceinline__ C block_scan(C v, C ident, F comb, C* total) {
  __shared__ SharedBuf sh;
  C* buf = reinterpret_cast<C*>(sh.bytes);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int nw = blockDim.x >> 5;
#pragma unroll
  for (int d = 1; d < 32; d <<= 1) {
    C y = shfl_up(v, d);
    if (lane >= d) v = comb(y, v);
  }
  if (lane == 31) buf[warp] = v;
  __syncthreads();
  if (warp == 0) {
    C w = lane < nw ? buf[lane] : ident;
#pragma unroll
    for (int d = 1; d < 32; d <<= 1) {
      C y = shfl_up(w, d);
      if (lane >= d) w = comb(y, w);
    }
    if (lane < nw) buf[lane] = w;  // inclusive prefix of the warp totals
  }
  __syncthreads();
  if (warp > 0) v = comb(buf[warp - 1], v);
  *total = buf[nw - 1];
  __syncthreads();
  return v;
}

// Scan of lines: block b handles chunk b % nchunk of line b / nchunk
// (lines: (x, out) offsets; L elements at strides xs / os). mode 0 writes
// the inclusive scan (starting from carry[b] when carry is set); mode 1
// writes the chunk's total to carry[b].
template <int OP, typename T>
__global__ void scan_row(const T* __restrict__ x, T* __restrict__ out,
                         Strided<2> lines, i64 nlines, i64 L, i64 xs, i64 os,
                         i64 nchunk, i64 chunk,
                         typename Op<OP, T>::C* carry, int mode) {
  typedef Op<OP, T> R;
  typedef typename R::C C;
  auto comb = [](C a, C b) { return R::combine(a, b); };
  for (i64 b = blockIdx.x; b < nlines * nchunk; b += gridDim.x) {
    const i64 line = b / nchunk, c = b % nchunk;
    i64 off[2];
    offsets<2>(lines, line, off);
    const T* p = x + off[0];
    T* q = out + off[1];
    const i64 lo = c * chunk;
    const i64 hi = lo + chunk < L ? lo + chunk : L;
    if (mode == 1) {
      C acc = R::identity();
      for (i64 r = lo + threadIdx.x; r < hi; r += blockDim.x)
        acc = R::combine(acc, R::load(p[r * xs]));
      acc = block_reduce(acc, comb);
      if (threadIdx.x == 0) carry[b] = acc;
      continue;
    }
    C run = carry ? carry[b] : R::identity();
    for (i64 base = lo; base < hi; base += blockDim.x) {
      const i64 r = base + threadIdx.x;
      C v = r < hi ? R::load(p[r * xs]) : R::identity();
      C total;
      v = block_scan(v, R::identity(), comb, &total);
      if (r < hi) q[r * os] = R::store(R::combine(run, v));
      run = R::combine(run, total);
    }
  }
}

// Exclusive prefix of the chunk totals of each line, in place.
template <int OP, typename T>
__global__ void scan_carry(typename Op<OP, T>::C* carry, i64 nlines,
                           i64 nchunk) {
  typedef Op<OP, T> R;
  typedef typename R::C C;
  for (i64 l = blockIdx.x * (i64)blockDim.x + threadIdx.x; l < nlines;
       l += (i64)gridDim.x * blockDim.x) {
    C run = R::identity();
    for (i64 c = 0; c < nchunk; ++c) {
      C t = carry[l * nchunk + c];
      carry[l * nchunk + c] = run;
      run = R::combine(run, t);
    }
  }
}

// Column scans: thread per line, sequential (the CPU's order and rounding).
template <int OP, typename T>
__global__ void scan_col(const T* __restrict__ x, T* __restrict__ out,
                         Strided<2> lines, i64 nlines, i64 L, i64 xs,
                         i64 os) {
  typedef Op<OP, T> R;
  typedef typename R::C C;
  for (i64 t = blockIdx.x * (i64)blockDim.x + threadIdx.x; t < nlines;
       t += (i64)gridDim.x * blockDim.x) {
    i64 off[2];
    offsets<2>(lines, t, off);
    const T* p = x + off[0];
    T* q = out + off[1];
    C acc = R::load(p[0]);
    q[0] = R::store(acc);
    for (i64 r = 1; r < L; ++r) {
      acc = R::round(R::combine(acc, R::load(p[r * xs])));
      q[r * os] = R::store(acc);
    }
  }
}

// Warp per line, sequential: the CPU's (and NumPy's) left-to-right order
// and rounding (float16/bfloat16 round to the storage type after every
// step), so the result is NumPy's bit for bit where a block scan is not.
// The warp loads 128 elements at a time (coalesced) into shared memory,
// lane 0 runs the chain over them in place, and the warp stores them.
// blockDim.x <= 256 (eight warps).
template <int OP, typename T>
__global__ void scan_seq(const T* __restrict__ x, T* __restrict__ out,
                         Strided<2> lines, i64 nlines, i64 L, i64 xs,
                         i64 os) {
  typedef Op<OP, T> R;
  typedef typename R::C C;
  constexpr int B = 128;
  __shared__ __align__(16) unsigned char raw[8 * B * sizeof(C)];
  const int lane = threadIdx.x & 31;
  C* buf = reinterpret_cast<C*>(raw) + (threadIdx.x >> 5) * B;
  const i64 nwarps = ((i64)gridDim.x * blockDim.x) >> 5;
  // t is the same for the whole warp: the loop and __syncwarp are uniform.
  for (i64 t = ((i64)blockIdx.x * blockDim.x + threadIdx.x) >> 5; t < nlines;
       t += nwarps) {
    i64 off[2];
    offsets<2>(lines, t, off);
    const T* p = x + off[0];
    T* q = out + off[1];
    C acc = R::identity();
    for (i64 base = 0; base < L; base += B) {
      const int cnt = L - base < B ? static_cast<int>(L - base) : B;
      for (int k = lane; k < cnt; k += 32) buf[k] = R::load(p[(base + k) * xs]);
      __syncwarp();
      if (lane == 0) {
        int k = 0;
        if (base == 0) {  // the first element is stored as loaded
          acc = buf[0];
          k = 1;
        }
        for (; k < cnt; ++k) {
          acc = R::round(R::combine(acc, buf[k]));
          buf[k] = acc;
        }
      }
      __syncwarp();
      for (int k = lane; k < cnt; k += 32) q[(base + k) * os] = R::store(buf[k]);
      __syncwarp();
    }
  }
}

// ---- ufunc.reduce / ufunc.accumulate --------------------------------------

// Thread per output, in order: out = init op x[0] op x[1] ... (skipping
// elements whose mask is false). s: (out, init, x, mask) offsets of output
// t; xs / ms: strides along the reduced axis. Stores after every step like
// the CPU loop.
template <typename F, typename T>
__global__ void ufred_seq(T* out, const T* init, const T* x, const bool* mask,
                          Strided<4> s, i64 nout, i64 L, i64 xs, i64 ms) {
  F f;
  for (i64 t = blockIdx.x * (i64)blockDim.x + threadIdx.x; t < nout;
       t += (i64)gridDim.x * blockDim.x) {
    i64 off[4];
    offsets<4>(s, t, off);
    T acc = init[off[1]];
    const T* p = x + off[2];
    for (i64 r = 0; r < L; ++r) {
      if (mask && !mask[off[3] + r * ms]) continue;
      acc = store<T>(f(::ax::load(acc), ::ax::load(p[r * xs])));
    }
    out[off[0]] = acc;
  }
}

template <typename T>
struct MaybeVal {
  T v;
  int ok;
};

// Block per output for reorderable ufuncs (associative and commutative).
template <typename F, typename T>
__global__ void ufred_block(T* out, const T* init, const T* x,
                           const bool* mask, Strided<4> s, i64 nout, i64 L,
                           i64 xs, i64 ms) {
  typedef MaybeVal<T> M;
  auto comb = [](M a, M b) {
    if (!a.ok) return b;
    if (!b.ok) return a;
    F f;
    M r;
    r.v = store<T>(f(::ax::load(a.v), ::ax::load(b.v)));
    r.ok = 1;
    return r;
  };
  for (i64 t = blockIdx.x; t < nout; t += gridDim.x) {
    i64 off[4];
    offsets<4>(s, t, off);
    const T* p = x + off[2];
    M acc;
    acc.v = T();
    acc.ok = 0;
    for (i64 r = threadIdx.x; r < L; r += blockDim.x) {
      if (mask && !mask[off[3] + r * ms]) continue;
      M e;
      e.v = p[r * xs];
      e.ok = 1;
      acc = comb(acc, e);
    }
    acc = block_reduce(acc, comb);
    if (threadIdx.x == 0) {
      M first;
      first.v = init[off[1]];
      first.ok = 1;
      out[off[0]] = comb(first, acc).v;
    }
  }
}

// Thread per line: out[0] = x[0], out[r] = out[r-1] op x[r].
template <typename F, typename T>
__global__ void ufacc_seq(T* out, const T* x, Strided<2> lines, i64 nlines,
                          i64 L, i64 xs, i64 os) {
  F f;
  for (i64 t = blockIdx.x * (i64)blockDim.x + threadIdx.x; t < nlines;
       t += (i64)gridDim.x * blockDim.x) {
    i64 off[2];
    offsets<2>(lines, t, off);
    const T* p = x + off[0];
    T* q = out + off[1];
    T acc = p[0];
    q[0] = acc;
    for (i64 r = 1; r < L; ++r) {
      acc = store<T>(f(::ax::load(acc), ::ax::load(p[r * xs])));
      q[r * os] = acc;
    }
  }
}

// Block scans of reorderable ufuncs (associative and commutative) for
// accumulate, in the scheme of scan_row: MaybeVal pads the lanes past the
// end, so no identity is needed.
template <typename F, typename T>
struct MaybeComb {
  __device__ MaybeVal<T> operator()(MaybeVal<T> a, MaybeVal<T> b) const {
    if (!a.ok) return b;
    if (!b.ok) return a;
    F f;
    MaybeVal<T> r;
    r.v = store<T>(f(::ax::load(a.v), ::ax::load(b.v)));
    r.ok = 1;
    return r;
  }
};

template <typename F, typename T>
__global__ void ufscan_row(const T* __restrict__ x, T* __restrict__ out,
                           Strided<2> lines, i64 nlines, i64 L, i64 xs,
                           i64 os, i64 nchunk, i64 chunk,
                           MaybeVal<T>* carry, int mode) {
  typedef MaybeVal<T> M;
  MaybeComb<F, T> comb;
  M none;
  none.v = T();
  none.ok = 0;
  for (i64 b = blockIdx.x; b < nlines * nchunk; b += gridDim.x) {
    const i64 line = b / nchunk, c = b % nchunk;
    i64 off[2];
    offsets<2>(lines, line, off);
    const T* p = x + off[0];
    T* q = out + off[1];
    const i64 lo = c * chunk;
    const i64 hi = lo + chunk < L ? lo + chunk : L;
    if (mode == 1) {
      M acc = none;
      for (i64 r = lo + threadIdx.x; r < hi; r += blockDim.x) {
        M e;
        e.v = p[r * xs];
        e.ok = 1;
        acc = comb(acc, e);
      }
      acc = block_reduce(acc, comb);
      if (threadIdx.x == 0) carry[b] = acc;
      continue;
    }
    M run = carry ? carry[b] : none;
    for (i64 base = lo; base < hi; base += blockDim.x) {
      const i64 r = base + threadIdx.x;
      M v = none;
      if (r < hi) {
        v.v = p[r * xs];
        v.ok = 1;
      }
      M total;
      v = block_scan(v, none, comb, &total);
      if (r < hi) q[r * os] = comb(run, v).v;
      run = comb(run, total);
    }
  }
}

// Exclusive prefix of the chunk totals of each line, in place.
template <typename F, typename T>
__global__ void ufscan_carry(MaybeVal<T>* carry, i64 nlines, i64 nchunk) {
  typedef MaybeVal<T> M;
  MaybeComb<F, T> comb;
  for (i64 l = blockIdx.x * (i64)blockDim.x + threadIdx.x; l < nlines;
       l += (i64)gridDim.x * blockDim.x) {
    M run;
    run.v = T();
    run.ok = 0;
    for (i64 c = 0; c < nchunk; ++c) {
      M t = carry[l * nchunk + c];
      carry[l * nchunk + c] = run;
      run = comb(run, t);
    }
  }
}

// ---- count_true -----------------------------------------------------------

// Adds the number of nonzero bytes of m[0..n) to *out (zeroed by the host).
__global__ void count_true(const u8* __restrict__ m, i64 n,
                           unsigned long long* out) {
  const unsigned long long addr = reinterpret_cast<unsigned long long>(m);
  i64 head = static_cast<i64>((16 - (addr & 15)) & 15);
  if (head > n) head = n;
  const i64 tid = blockIdx.x * (i64)blockDim.x + threadIdx.x;
  const i64 stride = (i64)gridDim.x * blockDim.x;
  i64 c = 0;
  for (i64 i = tid; i < head; i += stride) c += m[i] != 0;
  const uint4* pv = reinterpret_cast<const uint4*>(m + head);
  const i64 nv = (n - head) / 16;
  for (i64 i = tid; i < nv; i += stride) {
    uint4 u = __ldg(pv + i);
    u32 w[4] = {u.x, u.y, u.z, u.w};
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      // One bit per nonzero byte.
      u32 v = w[k];
      v = (v | (v >> 4)) & 0x0f0f0f0fu;
      v = (v | (v >> 2)) & 0x03030303u;
      v = (v | (v >> 1)) & 0x01010101u;
      c += __popc(v);
    }
  }
  for (i64 j = head + nv * 16 + tid; j < n; j += stride) c += m[j] != 0;
  auto comb = [](i64 a, i64 b) { return a + b; };
  c = block_reduce(c, comb);
  if (threadIdx.x == 0 && c) atomicAdd(out, static_cast<unsigned long long>(c));
}

}  // namespace red
}  // namespace ax

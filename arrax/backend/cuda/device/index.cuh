// Device kernels of advanced indexing (arrax/primitives_index.h): index
// offsets with bounds checks, gathers and scatters of "rest" blocks, the
// boolean-mask scan behind masked gathers/scatters and nonzero, and the
// in-place ufunc.at. Data movement is dtype-blind (T is an unsigned type of
// the item size, or ax::idx::Bytes16), so one module per item size serves
// every dtype; ufunc.at is per dtype and also needs ufunc.cuh.
// See Note [CUDA gather and scatter] in backend/cuda/cuda_index.cpp.
#pragma once
#include "common.cuh"

namespace ax {
namespace idx {

// 16-byte items (complex128), moved as two 8-byte words (complex128 arrays
// are 8-byte aligned).
struct Bytes16 {
  u64 lo, hi;
};

// The error cell holds the smallest failing key (C order); this value means
// "no error".
constexpr u64 kNoError = 0xFFFFFFFFFFFFFFFFull;

__device__ __forceinline__ bool has_error(const u64* err) {
  return err != nullptr && *(volatile const u64*)err != kNoError;
}

template <int N>
__device__ __forceinline__ void unravel(const Strided<N>& s, i64 i,
                                        i64* off) {
#pragma unroll
  for (int k = 0; k < N; ++k) off[k] = 0;
  for (int d = s.ndim - 1; d >= 0; --d) {
    i64 q = i / s.shape[d];
    i64 r = i - q * s.shape[d];
    i = q;
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] += r * s.strides[k][d];
  }
}

// Maps index v into [0, n) (M: 0 raise, 1 wrap, 2 clip); false when raise
// finds it out of range. Same rules as the CPU backend.
template <int M>
__device__ __forceinline__ bool normalize(i64& v, i64 n) {
  if constexpr (M == 0) {
    if (v < 0) v += n;
    return static_cast<u64>(v) < static_cast<u64>(n);
  } else if constexpr (M == 1) {
    v %= n;
    if (v < 0) v += n;
    return true;
  } else {
    v = v < 0 ? 0 : (v >= n ? n - 1 : v);
    return true;
  }
}

// Up to 4 index arrays per pass.
struct IndexPass {
  const i64* ix[4];
  i64 dims[4];
  i64 strides[4];  // element strides of the indexed array
  i64 lin[4];      // multipliers of the C-order position in the indexed dims
  int k;           // index arrays in this pass
  int j0;          // global number of the first one
  int ktotal;      // index arrays in all passes
};

// off[b] (+)= sum_j idx_j[b] * strides_j and lin[b] (+)= sum_j idx_j[b] *
// lin_j for every b of the broadcast index shape (C order; s walks the index
// arrays' broadcast strides). A bad index in raise mode is recorded as the
// key b * ktotal + j (atomicMin: the first in C order) and treated as 0.
template <int M>
__global__ void index_offsets(Strided<4> s, IndexPass a, i64* off, i64* lin,
                              int accumulate, u64* err, i64 nb) {
  for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < nb;
       i += (i64)gridDim.x * blockDim.x) {
    i64 o[4];
    unravel<4>(s, i, o);
    i64 acc = accumulate ? off[i] : 0;
    i64 la = (accumulate && lin) ? lin[i] : 0;
    for (int j = 0; j < a.k; ++j) {
      i64 v = a.ix[j][o[j]];
      if (!normalize<M>(v, a.dims[j])) {
        atomicMin(reinterpret_cast<unsigned long long*>(err),
                  static_cast<unsigned long long>(i) * a.ktotal + a.j0 + j);
        v = 0;
      }
      acc += v * a.strides[j];
      la += v * a.lin[j];
    }
    off[i] = acc;
    if (lin) lin[i] = la;
  }
}

// The grid-stride loop of the general row moves, over the nb * nr pairs
// (b, r) of a row b and a rest element r: pick(b, p) says whether row b
// moves and loads its per-row value p (an offset or a rank) before any index
// math; move(p, ob, r0, r1) gets b's offset in the walk bs and r's offsets
// in the two walks of rs.
template <typename Pick, typename Move>
__device__ __forceinline__ void move_rest(const Strided<1>& bs,
                                          const Strided<2>& rs, i64 nb, i64 nr,
                                          Pick pick, Move move) {
  const i64 n = nb * nr;
  for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < n;
       i += (i64)gridDim.x * blockDim.x) {
    const i64 b = i / nr, r = i - b * nr;
    i64 p;
    if (!pick(b, p)) continue;
    i64 ob[1], ro[2];
    unravel<1>(bs, b, ob);
    unravel<2>(rs, r, ro);
    move(p, ob[0], ro[0], ro[1]);
  }
}

// out[b, r] = src[off[b] + r]: bo walks B in out, rs walks the rest
// dimensions in (out, src). Skipped entirely when an error was recorded.
template <typename T>
__global__ void gather_rows(Strided<1> bo, Strided<2> rs, T* out,
                            const T* src, const i64* off, i64 nb, i64 nr,
                            const u64* err) {
  if (has_error(err)) return;
  move_rest(
      bo, rs, nb, nr,
      [=](i64 b, i64& p) {
        p = off[b];
        return true;
      },
      [=](i64 p, i64 ob, i64 r0, i64 r1) { out[ob + r0] = src[p + r1]; });
}

// Note [Last write wins on the device]: every destination position (lin,
// the C-order position in the indexed dims) claims the largest b that
// targets it, and only that b writes, so repeated indices keep the last
// value in C order, as in NumPy. The claims go to a direct table over the
// positions (win holds b + 1, 0 for none) when it is small, else to an
// open-addressing hash table of about 2 * nb slots (keys: lin, all ones when
// empty; vals: b + 1). keep[b] then says whether b writes.
__global__ void scatter_claim(const i64* lin, i64 nb,
                              unsigned long long* win, const u64* err) {
  if (has_error(err)) return;
  for (i64 b = blockIdx.x * (i64)blockDim.x + threadIdx.x; b < nb;
       b += (i64)gridDim.x * blockDim.x)
    atomicMax(win + lin[b], static_cast<unsigned long long>(b + 1));
}

__global__ void scatter_keep(const i64* lin, i64 nb,
                             const unsigned long long* win, u8* keep,
                             const u64* err) {
  if (has_error(err)) return;
  for (i64 b = blockIdx.x * (i64)blockDim.x + threadIdx.x; b < nb;
       b += (i64)gridDim.x * blockDim.x)
    keep[b] = win[lin[b]] == static_cast<unsigned long long>(b + 1);
}

__device__ __forceinline__ u64 slot_hash(u64 x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return x;
}

__global__ void scatter_claim_hash(const i64* lin, i64 nb,
                                   unsigned long long* keys,
                                   unsigned long long* vals, u64 cap_mask,
                                   const u64* err) {
  if (has_error(err)) return;
  for (i64 b = blockIdx.x * (i64)blockDim.x + threadIdx.x; b < nb;
       b += (i64)gridDim.x * blockDim.x) {
    const unsigned long long key = static_cast<unsigned long long>(lin[b]);
    u64 h = slot_hash(key) & cap_mask;
    while (true) {
      unsigned long long prev = atomicCAS(keys + h, ~0ull, key);
      if (prev == ~0ull || prev == key) {
        atomicMax(vals + h, static_cast<unsigned long long>(b + 1));
        break;
      }
      h = (h + 1) & cap_mask;
    }
  }
}

__global__ void scatter_keep_hash(const i64* lin, i64 nb,
                                  const unsigned long long* keys,
                                  const unsigned long long* vals,
                                  u64 cap_mask, u8* keep, const u64* err) {
  if (has_error(err)) return;
  for (i64 b = blockIdx.x * (i64)blockDim.x + threadIdx.x; b < nb;
       b += (i64)gridDim.x * blockDim.x) {
    const unsigned long long key = static_cast<unsigned long long>(lin[b]);
    u64 h = slot_hash(key) & cap_mask;
    while (keys[h] != key) h = (h + 1) & cap_mask;
    keep[b] = vals[h] == static_cast<unsigned long long>(b + 1);
  }
}

// dst[off[b] + r] = value[b, r] for the b that keep: bv walks B in value,
// rs the rest dims in (dst, value).
template <typename T>
__global__ void scatter_rows(Strided<1> bv, Strided<2> rs, T* dst,
                             const T* value, const i64* off, const u8* keep,
                             i64 nb, i64 nr, const u64* err) {
  if (has_error(err)) return;
  move_rest(
      bv, rs, nb, nr,
      [=](i64 b, i64& p) {
        if (!keep[b]) return false;
        p = off[b];
        return true;
      },
      [=](i64 p, i64 vb, i64 r0, i64 r1) { dst[p + r0] = value[vb + r1]; });
}

// ---- row fast paths ------------------------------------------------------
// Note [Row gathers and scatters]: when every index array is C-contiguous
// with the broadcast index shape B, the other side (out of a gather, value
// of a scatter) is C-contiguous over (B, rest) and the rest block is one
// contiguous run, an index tuple b names a row of `units` moving units U
// (16, 8, 4, 2 or 1 bytes, chosen by the host so that rows, strides and
// pointers are multiples of it). A group of G = 1 << gshift threads moves
// one row (G is at most 32 and divides the block; the host picks about 4
// units per thread and pass), so there is no N-d index
// math per element and rows move as 16-byte vectors where they can. The
// bounds check is folded in: the first bad key b * k + j (C order) goes to
// the error cell by atomicMin. One index array and one unit per row (a[idx]
// of a 1-d array) take the lighter take_items / put_items, which keep four
// independent tuples in flight per thread.

// The unit offset and the C-order position (in the indexed dims) of tuple b;
// false with bad = j when index j is out of range (raise mode).
template <int M>
__device__ __forceinline__ bool row_offset(const IndexPass& a, i64 b,
                                           i64& off, i64& pos, int& bad) {
  off = 0;
  pos = 0;
#pragma unroll
  for (int j = 0; j < 4; ++j) {
    if (j < a.k) {
      i64 v = a.ix[j][b];
      if (!normalize<M>(v, a.dims[j])) {
        bad = j;
        return false;
      }
      off += v * a.strides[j];
      pos += v * a.lin[j];
    }
  }
  return true;
}

// d[u] = load(u) for the units u = lane, lane + g, ... of a row, with up to
// four loads in flight before the stores.
template <typename U, typename Load>
__device__ __forceinline__ void move_units(U* d, i64 units, i64 lane, i64 g,
                                           Load load) {
  for (i64 u = lane; u < units; u += 4 * g) {
    const i64 u1 = u + g, u2 = u + 2 * g, u3 = u + 3 * g;
    U r0 = load(u), r1, r2, r3;
    if (u1 < units) r1 = load(u1);
    if (u2 < units) r2 = load(u2);
    if (u3 < units) r3 = load(u3);
    d[u] = r0;
    if (u1 < units) d[u1] = r1;
    if (u2 < units) d[u2] = r2;
    if (u3 < units) d[u3] = r3;
  }
}

// The grid-stride loop of the row kernels, a group of g = 1 << gshift
// threads per tuple b: row(b, off, pos, lane, g) with the unit offset and
// C-order position of b, or, for a bad index j, bad(b, j) on lane 0 only.
template <int M, typename Bad, typename Row>
__device__ __forceinline__ void row_groups(const IndexPass& a, i64 nb,
                                           int gshift, Bad bad, Row row) {
  const i64 g = i64(1) << gshift;
  const i64 lane = threadIdx.x & (g - 1);
  const i64 step = ((i64)gridDim.x * blockDim.x) >> gshift;
  for (i64 b = (blockIdx.x * (i64)blockDim.x + threadIdx.x) >> gshift; b < nb;
       b += step) {
    i64 off, pos;
    int j = 0;
    if (row_offset<M>(a, b, off, pos, j))
      row(b, off, pos, lane, g);
    else if (lane == 0)
      bad(b, j);
  }
}

// out[b, :] = src[off(b) + :] (units U per row).
template <int M, typename U>
__global__ void __launch_bounds__(256, 4)
    take_rows(IndexPass a, U* __restrict__ out, const U* __restrict__ src,
              i64 nb, i64 units, int gshift, u64* err) {
  row_groups<M>(
      a, nb, gshift,
      [=](i64 b, int j) {
        atomicMin(reinterpret_cast<unsigned long long*>(err),
                  static_cast<unsigned long long>(b) * a.ktotal + j);
      },
      [=](i64 b, i64 off, i64, i64 lane, i64 g) {
        const U* s = src + off;
        move_units(out + b * units, units, lane, g,
                   [=](i64 u) { return s[u]; });
      });
}

// The single-index, single-unit case of take_rows (a[idx] of a 1-d array):
// out[b] = src[idx[b] * stride], four independent tuples per thread and
// pass (all loads issued before the stores). Error key: b.
template <int M, typename U>
__global__ void __launch_bounds__(256)
    take_items(const i64* __restrict__ ix, i64 dim, i64 stride,
               U* __restrict__ out, const U* __restrict__ src, i64 nb,
               u64* err) {
  const i64 step = (i64)gridDim.x * blockDim.x;
  for (i64 b0 = blockIdx.x * (i64)blockDim.x + threadIdx.x; b0 < nb;
       b0 += 4 * step) {
    i64 v[4];
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      const i64 b = b0 + q * step;
      v[q] = b < nb ? ix[b] : 0;
    }
    bool ok[4];
    U r[4];
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      const i64 b = b0 + q * step;
      ok[q] = b < nb && normalize<M>(v[q], dim);
      if (ok[q])
        r[q] = src[v[q] * stride];
      else if (b < nb)
        atomicMin(reinterpret_cast<unsigned long long*>(err),
                  static_cast<unsigned long long>(b));
    }
#pragma unroll
    for (int q = 0; q < 4; ++q)
      if (ok[q]) out[b0 + q * step] = r[q];
  }
}

// The single-index, single-unit case of put_rows: dst[idx[b] * stride] =
// value[b * vstep] (vstep 0: a broadcast value), same flags and bitmap.
template <int M, typename U>
__global__ void __launch_bounds__(256)
    put_items(const i64* __restrict__ ix, i64 dim, i64 stride, U* dst,
              const U* __restrict__ value, i64 vstep, i64 nb, u32* bits,
              u64* flags) {
  if (has_error(flags)) return;
  const i64 step = (i64)gridDim.x * blockDim.x;
  for (i64 b0 = blockIdx.x * (i64)blockDim.x + threadIdx.x; b0 < nb;
       b0 += 4 * step) {
    i64 v[4];
    U r[4];
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      const i64 b = b0 + q * step;
      v[q] = b < nb ? ix[b] : 0;
      if (b < nb) r[q] = value[b * vstep];
    }
    bool dup = false;
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      const i64 b = b0 + q * step;
      if (b >= nb) continue;
      if (!normalize<M>(v[q], dim)) {
        dup = true;  // not reached in raise mode (check_rows ran first)
        continue;
      }
      if (bits != nullptr) {
        const u32 bit = 1u << (v[q] & 31);
        dup |= (atomicOr(bits + (v[q] >> 5), bit) & bit) != 0;
      }
      dst[v[q] * stride] = r[q];
    }
    if (dup) flags[1] = 0;
  }
}

// Raise mode before a row scatter: only the first bad key, no writes.
__global__ void check_rows(IndexPass a, i64 nb, u64* err) {
  for (i64 b = blockIdx.x * (i64)blockDim.x + threadIdx.x; b < nb;
       b += (i64)gridDim.x * blockDim.x) {
    i64 off, pos;
    int bad = 0;
    if (!row_offset<0>(a, b, off, pos, bad))
      atomicMin(reinterpret_cast<unsigned long long*>(err),
                static_cast<unsigned long long>(b) * a.ktotal + bad);
  }
}

// dst[off(b) + :] = value[b * vrow + : * vcol] (vrow = units, vcol = 1 for a
// C-contiguous value; 0 and 0 for a broadcast scalar, with U the item).
// flags[0]: the error cell (check_rows ran before: nothing is written when
// it is set); flags[1] becomes 0 when some position is hit twice (bits: one
// bit per position of the indexed dims, zeroed by the host; null for a
// broadcast value, where repeats write the same item), and the host then
// redoes the scatter with the exact last-write-wins path.
template <int M, typename U>
__global__ void __launch_bounds__(256, 4)
    put_rows(IndexPass a, U* dst, const U* __restrict__ value, i64 vrow,
             i64 vcol, i64 nb, i64 units, int gshift, u32* bits, u64* flags) {
  if (has_error(flags)) return;
  row_groups<M>(
      a, nb, gshift,
      // Not reached in raise mode (check_rows found no bad index).
      [=](i64, int) { flags[1] = 0; },
      [=](i64 b, i64 off, i64 pos, i64 lane, i64 g) {
        const u32 bit = 1u << (pos & 31);
        u32 old = 0;
        if (bits != nullptr && lane == 0)
          old = atomicOr(bits + (pos >> 5), bit);
        const U* v = value + b * vrow;
        move_units(dst + off, units, lane, g,
                   [=](i64 u) { return v[u * vcol]; });
        if (old & bit) flags[1] = 0;
      });
}

// ---- boolean masks: rank[m] = number of true elements before m ------------

// Exclusive scan of x over the block (blockDim.x a multiple of 32, at most
// 1024); *total gets the block's sum. sh: 32 shared slots. Every thread of
// the block must call it.
__device__ __forceinline__ i64 block_exclusive_scan(i64 x, i64* total,
                                                    i64* sh) {
  const int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
  const int nw = blockDim.x >> 5;
  i64 v = x;
#pragma unroll
  for (int o = 1; o < 32; o <<= 1) {
    i64 y = __shfl_up_sync(0xffffffffu, v, o);
    if (lane >= o) v += y;
  }
  if (lane == 31) sh[w] = v;
  __syncthreads();
  if (w == 0) {
    i64 s = lane < nw ? sh[lane] : 0;
#pragma unroll
    for (int o = 1; o < 32; o <<= 1) {
      i64 y = __shfl_up_sync(0xffffffffu, s, o);
      if (lane >= o) s += y;
    }
    sh[lane] = s;  // inclusive scan of the warp sums
  }
  __syncthreads();
  i64 prefix = (w > 0 ? sh[w - 1] : 0) + v - x;
  *total = sh[nw - 1];
  __syncthreads();  // sh is reused by the next call
  return prefix;
}

// counts[blk] = true elements of chunk blk ([blk * chunk, (blk+1) * chunk)).
__global__ void mask_count(const u8* mask, i64 n, i64 chunk, i64* counts) {
  __shared__ i64 sh[32];
  const i64 lo = blockIdx.x * chunk;
  const i64 hi = lo + chunk < n ? lo + chunk : n;
  i64 c = 0;
  for (i64 m = lo + threadIdx.x; m < hi; m += blockDim.x) c += mask[m] != 0;
  i64 total;
  block_exclusive_scan(c, &total, sh);
  if (threadIdx.x == 0) counts[blockIdx.x] = total;
}

// counts[0..nblk) -> exclusive prefix sums in place; counts[nblk] = total.
// One block.
__global__ void scan_counts(i64* counts, i64 nblk) {
  __shared__ i64 sh[32];
  i64 carry = 0;
  for (i64 base = 0; base < nblk; base += blockDim.x) {
    i64 i = base + threadIdx.x;
    i64 x = i < nblk ? counts[i] : 0;
    i64 total;
    i64 ex = block_exclusive_scan(x, &total, sh);
    if (i < nblk) counts[i] = carry + ex;
    carry += total;
  }
  if (threadIdx.x == 0) counts[nblk] = carry;
}

// rank[m] = number of true elements before m, chunk by chunk.
__global__ void mask_rank(const u8* mask, i64 n, i64 chunk,
                          const i64* starts, i64* rank) {
  __shared__ i64 sh[32];
  const i64 lo = blockIdx.x * chunk;
  const i64 hi = lo + chunk < n ? lo + chunk : n;
  i64 carry = starts[blockIdx.x];
  for (i64 base = lo; base < hi; base += blockDim.x) {
    i64 m = base + threadIdx.x;
    i64 f = (m < hi && mask[m] != 0) ? 1 : 0;
    i64 total;
    i64 ex = block_exclusive_scan(f, &total, sh);
    if (m < hi) rank[m] = carry + ex;
    carry += total;
  }
}

// ---- single-scan masked gather ---------------------------------------------
// Note [Mask tiles]: a tile is 4096 mask bytes, 16 per thread of a
// 256-thread block, read as one 16-byte vector when the mask is aligned.
// mask_tile_count counts each tile, scan_tiles turns the counts into tile
// starts (one block), and mask_compact (masked gather), mask_spread
// (masked scatter) or mask_coords (nonzero) re-reads its tile, scans the
// 256 per-thread counts in shared memory and moves the true elements in
// element order (coalesced reads and compacted, coalesced writes). No
// per-element rank array is written.
constexpr int kMaskThreads = 256;
constexpr i64 kMaskTile = 4096;

// One bit per nonzero byte of mask[start, start + 16) (bytes past n are 0).
__device__ __forceinline__ u32 mask_group_bits(const u8* mask, i64 n,
                                               i64 start, int vec) {
  u32 bits = 0;
  if (vec && start + 16 <= n) {
    const uint4 q = __ldg(reinterpret_cast<const uint4*>(mask + start));
    const u32 w[4] = {q.x, q.y, q.z, q.w};
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      u32 v = w[k];
      v = (v | (v >> 4)) & 0x0f0f0f0fu;
      v = (v | (v >> 2)) & 0x03030303u;
      v = (v | (v >> 1)) & 0x01010101u;  // bits 0, 8, 16, 24
      bits |= ((v | (v >> 7) | (v >> 14) | (v >> 21)) & 0xfu) << (4 * k);
    }
  } else {
    for (int i = 0; i < 16; ++i)
      if (start + i < n && mask[start + i] != 0) bits |= 1u << i;
  }
  return bits;
}

// counts[tile] = true bytes of the tile. 256 threads.
__global__ void __launch_bounds__(256)
    mask_tile_count(const u8* mask, i64 n, int vec, i64* counts) {
  __shared__ i64 sh[32];
  const i64 start = blockIdx.x * kMaskTile + threadIdx.x * 16;
  const u32 bits = start < n ? mask_group_bits(mask, n, start, vec) : 0u;
  i64 total;
  block_exclusive_scan(__popc(bits), &total, sh);
  if (threadIdx.x == 0) counts[blockIdx.x] = total;
}

// counts[0..nt) -> exclusive prefix sums in place, counts[nt] = total. One
// block (any multiple of 32 threads up to 1024); thread t owns a contiguous
// run of the counts.
__global__ void __launch_bounds__(1024)
    scan_tiles(i64* counts, i64 nt) {
  __shared__ i64 sh[32];
  const i64 per = (nt + blockDim.x - 1) / blockDim.x;
  const i64 lo = threadIdx.x * per;
  const i64 hi = lo + per < nt ? lo + per : nt;
  i64 s = 0;
  for (i64 i = lo; i < hi; ++i) s += counts[i];
  i64 total;
  i64 ex = block_exclusive_scan(s, &total, sh);
  for (i64 i = lo; i < hi; ++i) {
    const i64 c = counts[i];
    counts[i] = ex;
    ex += c;
  }
  if (threadIdx.x == 0) counts[nt] = total;
}

// out[d] = coordinate d of the C-order position m over shape (nd dims).
__device__ __forceinline__ void write_coords(i64 m, const i64* shape, int nd,
                                             i64* out) {
  for (int d = nd - 1; d >= 0; --d) {
    const i64 q = m / shape[d];
    out[d] = m - q * shape[d];
    m = q;
  }
}

// The shared memory of a tile kernel.
struct MaskTileShared {
  i64 sh[32];
  u32 gbits[kMaskThreads];  // each thread's group bits
  u32 goff[kMaskThreads];   // and tile-local exclusive count
};

// The tile kernels' common part: scans the block's tile, then calls
// f(m, r) for every true mask[m] of the tile with rank r < count (pass s
// takes element s * 256 + threadIdx.x of the tile: coalesced), UNROLL
// passes unrolled. 256 threads.
template <int UNROLL, typename F>
__device__ __forceinline__ void mask_tile_each(const u8* mask, i64 n, int vec,
                                               const i64* starts, i64 count,
                                               MaskTileShared& t, F f) {
  const i64 base = blockIdx.x * kMaskTile;
  const i64 start = base + threadIdx.x * 16;
  const u32 bits = start < n ? mask_group_bits(mask, n, start, vec) : 0u;
  i64 total;
  const i64 ex = block_exclusive_scan(__popc(bits), &total, t.sh);
  t.gbits[threadIdx.x] = bits;
  t.goff[threadIdx.x] = static_cast<u32>(ex);  // < 4096
  __syncthreads();
  const i64 o0 = starts[blockIdx.x];
#pragma unroll UNROLL
  for (int s = 0; s < 16; ++s) {
    const int e = s * kMaskThreads + threadIdx.x;  // element of the tile
    const u32 gb = t.gbits[e >> 4];
    const int p = e & 15;
    if ((gb >> p) & 1u) {
      const i64 r = o0 + t.goff[e >> 4] + __popc(gb & ((1u << p) - 1u));
      if (r < count) f(base + e, r);
    }
  }
}

// out[rank(m) * ostride] = src[m * sstride] for the true mask[m] of the
// tile (rank < count).
template <typename T>
__global__ void __launch_bounds__(256)
    mask_compact(const u8* mask, i64 n, int vec, const i64* starts,
                 const T* src, i64 sstride, T* out, i64 ostride, i64 count) {
  __shared__ MaskTileShared t;
  mask_tile_each<4>(mask, n, vec, starts, count, t, [=](i64 m, i64 r) {
    out[r * ostride] = src[m * sstride];
  });
}

// dst[m * dstride] = value[rank(m) * vstride] for the true mask[m] of the
// tile (vstride 0: a broadcast value).
template <typename T>
__global__ void __launch_bounds__(256)
    mask_spread(const u8* mask, i64 n, int vec, const i64* starts, T* dst,
                i64 dstride, const T* value, i64 vstride, i64 count) {
  __shared__ MaskTileShared t;
  mask_tile_each<4>(mask, n, vec, starts, count, t, [=](i64 m, i64 r) {
    dst[m * dstride] = value[r * vstride];
  });
}

// out[rank(m) * nd + d] = coordinate d of the true mask[m] (shape: nd
// dims, on the device).
__global__ void __launch_bounds__(256)
    mask_coords(const u8* mask, i64 n, int vec, const i64* starts,
                const i64* shape, int nd, i64* out, i64 count) {
  __shared__ MaskTileShared t;
  // Not unrolled: the coordinates loop is long already.
  mask_tile_each<1>(mask, n, vec, starts, count, t, [=](i64 m, i64 r) {
    write_coords(m, shape, nd, out + r * nd);
  });
}

// out[rank[m], r] = src[m, r] for true mask[m] (rank < count): sm walks the
// mask positions in src, rs the rest dims in (out, src).
template <typename T>
__global__ void masked_gather(Strided<1> sm, Strided<2> rs, T* out,
                              const T* src, const u8* mask, const i64* rank,
                              i64 count, i64 ostride, i64 nm, i64 nr) {
  move_rest(
      sm, rs, nm, nr,
      [=](i64 m, i64& p) {
        if (!mask[m]) return false;
        p = rank[m];
        return p < count;
      },
      [=](i64 p, i64 so, i64 r0, i64 r1) {
        out[p * ostride + r0] = src[so + r1];
      });
}

// dst[m, r] = value[rank[m], r] for true mask[m]: dm walks the mask
// positions in dst, rs the rest dims in (dst, value).
template <typename T>
__global__ void masked_scatter(Strided<1> dm, Strided<2> rs, T* dst,
                               const T* value, const u8* mask,
                               const i64* rank, i64 vstride, i64 nm, i64 nr) {
  move_rest(
      dm, rs, nm, nr,
      [=](i64 m, i64& p) {
        if (!mask[m]) return false;
        p = rank[m];
        return true;
      },
      [=](i64 p, i64 d, i64 r0, i64 r1) {
        dst[d + r0] = value[p * vstride + r1];
      });
}

// out[rank[m], :] = the coordinates of true mask[m] (shape: nd dims).
__global__ void nonzero_coords(const u8* mask, const i64* rank,
                               const i64* shape, int nd, i64 count, i64* out,
                               i64 nm) {
  for (i64 m = blockIdx.x * (i64)blockDim.x + threadIdx.x; m < nm;
       m += (i64)gridDim.x * blockDim.x) {
    if (!mask[m]) continue;
    const i64 p = rank[m];
    if (p < count) write_coords(m, shape, nd, out + p * nd);
  }
}

// ---- ufunc.at ------------------------------------------------------------

// Element offset of C-order flat index `flat` of the target (ts: its shape
// and strides, not merged).
__device__ __forceinline__ i64 flat_offset(const Strided<1>& ts, i64 flat) {
  i64 off[1];
  unravel<1>(ts, flat, off);
  return off[0];
}

// err = the first k whose position is out of [0, size).
__global__ void at_check(const i64* pos, i64 n, i64 size, u64* err) {
  for (i64 k = blockIdx.x * (i64)blockDim.x + threadIdx.x; k < n;
       k += (i64)gridDim.x * blockDim.x) {
    i64 p = pos[k];
    if (p < 0 || p >= size)
      atomicMin(reinterpret_cast<unsigned long long*>(err),
                static_cast<unsigned long long>(k));
  }
}

template <typename F, typename T, int NIN>
__device__ __forceinline__ T at_apply(T cur, const T* v, i64 k) {
  F f;
  if constexpr (NIN == 2)
    return convert<T>::from(f(load(cur), load(v[k])));
  else
    return convert<T>::from(f(load(cur)));
}

// Serialized: one thread applies every k < err in order, exactly as the CPU
// loop does (for the ops where the order changes the rounding).
template <typename F, typename T, int NIN>
__global__ void at_serial(Strided<1> ts, T* t, const i64* pos, const T* v,
                          i64 n, const u64* err) {
  if (blockIdx.x != 0 || threadIdx.x != 0) return;
  u64 stop = *err;
  for (i64 k = 0; k < n; ++k) {
    if (static_cast<u64>(k) >= stop) break;
    T* e = t + flat_offset(ts, pos[k]);
    *e = at_apply<F, T, NIN>(*e, v, k);
  }
}

// Parallel with compare-and-swap loops, for the integer and bool ops whose
// result does not depend on the order (add, multiply, min/max, bitwise).
// 1- and 2-byte items CAS their aligned 4-byte word.
template <typename F, typename T, int NIN>
__global__ void at_atomic(Strided<1> ts, T* t, const i64* pos, const T* v,
                          i64 n, const u64* err) {
  const u64 stop = *err;
  for (i64 k = blockIdx.x * (i64)blockDim.x + threadIdx.x; k < n;
       k += (i64)gridDim.x * blockDim.x) {
    if (static_cast<u64>(k) >= stop) continue;
    T* e = t + flat_offset(ts, pos[k]);
    typedef typename make_unsigned<T>::type U;  // bool stays bool
    if constexpr (sizeof(T) == 8) {
      unsigned long long* w = reinterpret_cast<unsigned long long*>(e);
      unsigned long long old = *w, assumed;
      do {
        assumed = old;
        T nv = at_apply<F, T, NIN>(static_cast<T>(assumed), v, k);
        old = atomicCAS(w, assumed,
                        static_cast<unsigned long long>(static_cast<U>(nv)));
      } while (old != assumed);
    } else if constexpr (sizeof(T) == 4) {
      unsigned int* w = reinterpret_cast<unsigned int*>(e);
      unsigned int old = *w, assumed;
      do {
        assumed = old;
        T nv = at_apply<F, T, NIN>(static_cast<T>(assumed), v, k);
        old = atomicCAS(w, assumed,
                        static_cast<unsigned int>(static_cast<U>(nv)));
      } while (old != assumed);
    } else {
      // 1 or 2 bytes inside an aligned word.
      u64 addr = reinterpret_cast<u64>(e);
      unsigned int* w = reinterpret_cast<unsigned int*>(addr & ~u64(3));
      const unsigned shift = static_cast<unsigned>(addr & 3) * 8;
      const unsigned mask = sizeof(T) == 1 ? 0xffu : 0xffffu;
      unsigned int old = *w, assumed;
      do {
        assumed = old;
        unsigned int cb = (assumed >> shift) & mask;
        T cur;
        if constexpr (traits<T>::is_bool)
          cur = cb != 0;
        else
          cur = static_cast<T>(static_cast<U>(cb));
        T nv = at_apply<F, T, NIN>(cur, v, k);
        unsigned int nb = static_cast<unsigned int>(static_cast<U>(nv)) & mask;
        unsigned int repl = (assumed & ~(mask << shift)) | (nb << shift);
        old = atomicCAS(w, assumed, repl);
      } while (old != assumed);
    }
  }
}

}  // namespace idx
}  // namespace ax

// The CPU reduction engine: Reduce, ArgReduce and Scan.
//
// Note [Reduction engine]
// A reduction reads an input x of any strides and writes an output o that is
// viewed with x's rank (stride 0 on the reduced axes). The engine drops
// length-1 dimensions, orders the rest by x's strides (outermost first, as
// NumPy's iterator does) and merges neighbours that are contiguous for both
// operands. Then the innermost dimension decides the loop:
//  - inner reduced ("row" path): every output element is the combination of
//    whole rows; a row is reduced by a vectorizable kernel (pairwise
//    summation for floats, eight-lane max/min). Threads split the outputs;
//    a single long row is split along the pairwise tree (sum) or into
//    chunks (order-free ops) and the partials combined.
//  - inner kept ("column" path): the rows of x are accumulated into a slice
//    of the output elementwise, o[j] = o[j] (+) x[i, j]. Threads split the
//    kept dimensions.
// Both paths combine in exactly NumPy's order: o starts at the identity (or
// `initial`), and each row or element is combined into it in memory order,
// rounding to the storage type after each step for float16/bfloat16 as
// NumPy's loops do. So float sums match NumPy bit for bit on these paths.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "arrax/backend/cpu/thread_pool.h"
#include "arrax/primitives_reductions.h"

namespace arrax {

namespace {

// ---- element helpers -------------------------------------------------------

template <typename C>
inline bool is_nan(C v) {
  if constexpr (is_complex_v<C>)
    return std::isnan(v.real()) || std::isnan(v.imag());
  else if constexpr (std::is_floating_point_v<C>)
    return v != v;
  else
    return false;
}

template <typename T>
inline bool truthy(T v) {
  if constexpr (is_half_v<T>)
    return static_cast<float>(v) != 0.0f;
  else if constexpr (is_complex_v<T>)
    return v.real() != 0 || v.imag() != 0;
  else
    return v != T(0);
}

// Lexicographic order for complex values (NumPy's), plain order otherwise.
template <typename C>
inline bool gt(C a, C b) {
  if constexpr (is_complex_v<C>)
    return a.real() > b.real() || (a.real() == b.real() && a.imag() > b.imag());
  else
    return a > b;
}
template <typename C>
inline bool ge(C a, C b) {
  if constexpr (is_complex_v<C>)
    return a.real() > b.real() ||
           (a.real() == b.real() && a.imag() >= b.imag());
  else
    return a >= b;
}

template <typename C>
constexpr C quiet_nan() {
  if constexpr (is_complex_v<C>) {
    using R = typename C::value_type;
    return C(std::numeric_limits<R>::quiet_NaN(), R(0));
  } else {
    return std::numeric_limits<C>::quiet_NaN();
  }
}

// Integer arithmetic wraps like NumPy's (through uint64, which is defined).
template <typename C>
inline C add(C a, C b) {
  if constexpr (std::is_same_v<C, bool>)
    return a || b;
  else if constexpr (std::is_integral_v<C>)
    return static_cast<C>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  else
    return a + b;
}
template <typename C>
inline C mul(C a, C b) {
  if constexpr (std::is_same_v<C, bool>)
    return a && b;
  else if constexpr (std::is_integral_v<C>)
    return static_cast<C>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
  else
    return a * b;
}

// ---- explicit vectors --------------------------------------------------------

// Note [Explicit vectors]
// Max/min/argmax with NumPy's NaN rules do not auto-vectorize (the compiler
// keeps the branches). GCC's vector extensions, 16 bytes wide so that the
// baseline (SSE2) build has native instructions, give branch-free lanes:
// `v > r ? v : r` is exactly maxps/maxpd, which drops a NaN in v. NaN and
// infinities are detected on the side by summing v - v (0 for finite
// values, NaN otherwise); when that flags a block, or when a fmax lane is
// still at its starting infinity, the block is redone with the exact scalar
// rules. So the fast path only ever sees finite numbers.
template <typename T>
struct Simd {
  typedef int64_t Index;  // only the float/double specializations vectorize
};
template <>
struct Simd<float> {
  typedef float V __attribute__((vector_size(16)));
  typedef int32_t M __attribute__((vector_size(16)));
  typedef int32_t Index;  // lane indices, selected with M masks
  typedef M IndexV;
  static constexpr int W = 4;
};
template <>
struct Simd<double> {
  // int64 lane masks make GCC scalarize; doubles hold indices exactly.
  typedef double V __attribute__((vector_size(16)));
  typedef int64_t M __attribute__((vector_size(16)));
  typedef double Index;
  typedef V IndexV;
  static constexpr int W = 2;
};

template <typename V, typename T>
inline V vload(const T* p) {
  V v;
  std::memcpy(&v, p, sizeof(V));
  return v;
}
template <typename V, typename T>
inline void vstore(T* p, V v) {
  std::memcpy(p, &v, sizeof(V));
}
template <typename V>
inline V vmaxmin(bool is_max, V r, V v) {
  return is_max ? (v > r ? v : r) : (v < r ? v : r);
}
template <typename V, int W>
inline bool any_nan(V z) {
  bool f = false;
  for (int k = 0; k < W; ++k) f |= z[k] != z[k];
  return f;
}

// Lane-wise max (kMax) or min of a contiguous float/double array, lanes
// starting at `ident`. Returns the number of elements consumed and writes
// the 4*W lanes; `finite` is false when a NaN or infinity was seen.
template <bool kMax, typename T>
int64_t vminmax(const T* a, int64_t n, T ident, T* lanes, bool& finite) {
  using S = Simd<T>;
  using V = typename S::V;
  constexpr int W = S::W;
  V r0, r1, r2, r3, z0 = {}, z1 = {};
  for (int k = 0; k < W; ++k) r0[k] = r1[k] = r2[k] = r3[k] = ident;
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    V v0 = vload<V>(a + i), v1 = vload<V>(a + i + W);
    V v2 = vload<V>(a + i + 2 * W), v3 = vload<V>(a + i + 3 * W);
    r0 = vmaxmin(kMax, r0, v0);
    r1 = vmaxmin(kMax, r1, v1);
    r2 = vmaxmin(kMax, r2, v2);
    r3 = vmaxmin(kMax, r3, v3);
    z0 += (v0 - v0) + (v1 - v1);
    z1 += (v2 - v2) + (v3 - v3);
  }
  vstore(lanes, r0);
  vstore(lanes + W, r1);
  vstore(lanes + 2 * W, r2);
  vstore(lanes + 3 * W, r3);
  finite = !any_nan<V, W>(z0 + z1);
  return i;
}

// ---- pairwise summation ----------------------------------------------------

// Note [Pairwise summation]
// NumPy sums floats pairwise: rows of up to 128 elements are summed with
// eight interleaved accumulators (combined as ((r0+r1)+(r2+r3))+((r4+r5)+
// (r6+r7))) and longer rows are split in two at a multiple of 8 near the
// middle. Complex rows are summed the same way over their 2n components,
// i.e. four accumulators per component. We follow the same tree so results
// agree bit for bit; `Load` turns an element into the compute type (and
// replaces NaN by 0 for nansum).
constexpr int64_t kPairwiseBlock = 128;

template <typename C, typename Load>
C pairwise_real(const char* p, int64_t n, int64_t s, const Load& ld) {
  if (n < 8) {
    C res = C(0);
    for (int64_t i = 0; i < n; ++i) res += ld(p + i * s);
    return res;
  }
  if (n <= kPairwiseBlock) {
    C r[8];
    for (int j = 0; j < 8; ++j) r[j] = ld(p + j * s);
    int64_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += ld(p + (i + j) * s);
    C res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += ld(p + i * s);
    return res;
  }
  int64_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_real<C>(p, n2, s, ld) +
         pairwise_real<C>(p + n2 * s, n - n2, s, ld);
}

// Contiguous float/double rows: the same tree with plain pointers so that the
// eight-accumulator loop vectorizes.
template <typename C>
C pairwise_contig(const C* a, int64_t n) {
  if (n < 8) {
    C res = C(0);
    for (int64_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= kPairwiseBlock) {
    C r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    int64_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    C res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  int64_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_contig(a, n2) + pairwise_contig(a + n2, n - n2);
}

// Complex rows of m elements (see Note [Pairwise summation]).
template <typename C, typename Load>
C pairwise_complex(const char* p, int64_t m, int64_t s, const Load& ld) {
  using R = typename C::value_type;
  if (m < 4) {
    R rr = 0, ri = 0;
    for (int64_t i = 0; i < m; ++i) {
      C v = ld(p + i * s);
      rr += v.real();
      ri += v.imag();
    }
    return C(rr, ri);
  }
  if (2 * m <= kPairwiseBlock) {
    R r[8];
    for (int j = 0; j < 4; ++j) {
      C v = ld(p + j * s);
      r[2 * j] = v.real();
      r[2 * j + 1] = v.imag();
    }
    int64_t i = 4;
    for (; i < m - (m % 4); i += 4)
      for (int j = 0; j < 4; ++j) {
        C v = ld(p + (i + j) * s);
        r[2 * j] += v.real();
        r[2 * j + 1] += v.imag();
      }
    R rr = (r[0] + r[2]) + (r[4] + r[6]);
    R ri = (r[1] + r[3]) + (r[5] + r[7]);
    for (; i < m; ++i) {
      C v = ld(p + i * s);
      rr += v.real();
      ri += v.imag();
    }
    return C(rr, ri);
  }
  int64_t n2 = m;  // half of the 2m components
  n2 -= n2 % 8;
  int64_t m2 = n2 / 2;
  C a = pairwise_complex<C>(p, m2, s, ld);
  C b = pairwise_complex<C>(p + m2 * s, m - m2, s, ld);
  return C(a.real() + b.real(), a.imag() + b.imag());
}

// ---- the reducers ----------------------------------------------------------

template <ReduceOp OP, typename T>
struct Reducer {
  static constexpr bool kBoolOut = OP == ReduceOp::Any || OP == ReduceOp::All;
  using C = std::conditional_t<kBoolOut, bool, compute_t<T>>;
  using Out = std::conditional_t<kBoolOut, bool, T>;
  static constexpr bool kNanSkip =
      (OP == ReduceOp::NanSum || OP == ReduceOp::NanProd) &&
      (is_float_v<T> || is_complex_v<T>);
  static constexpr bool kSum = OP == ReduceOp::Sum || OP == ReduceOp::NanSum;
  static constexpr bool kProd = OP == ReduceOp::Prod || OP == ReduceOp::NanProd;
  static constexpr bool kMax = OP == ReduceOp::Max || OP == ReduceOp::NanMax;
  static constexpr bool kMin = OP == ReduceOp::Min || OP == ReduceOp::NanMin;
  static constexpr bool kFNan = OP == ReduceOp::NanMax || OP == ReduceOp::NanMin;

  static C identity() {
    if constexpr (OP == ReduceOp::Any) return false;
    else if constexpr (OP == ReduceOp::All) return true;
    else if constexpr (kSum) return C(0);
    else if constexpr (kProd) return C(1);
    else if constexpr (kFNan && (is_float_v<T> || is_complex_v<T>))
      return quiet_nan<C>();  // fmax(nan, x) == x; all-NaN stays NaN
    else if constexpr (std::is_same_v<C, bool>) return kMin;
    else if constexpr (is_complex_v<C>) {
      using R = typename C::value_type;
      R inf = std::numeric_limits<R>::infinity();
      return kMax ? C(-inf, -inf) : C(inf, inf);
    } else if constexpr (std::is_floating_point_v<C>) {
      C inf = std::numeric_limits<C>::infinity();
      return kMax ? -inf : inf;
    } else {
      return kMax ? std::numeric_limits<C>::lowest()
                  : std::numeric_limits<C>::max();
    }
  }

  static C load(const char* p) {
    T v = *reinterpret_cast<const T*>(p);
    if constexpr (kBoolOut) {
      return truthy(v);
    } else {
      C c = static_cast<C>(v);
      if constexpr (kNanSkip)
        if (is_nan(c)) return kSum ? C(0) : C(1);
      return c;
    }
  }

  static C combine(C a, C b) {
    if constexpr (OP == ReduceOp::Any) return a || b;
    else if constexpr (OP == ReduceOp::All) return a && b;
    else if constexpr (kSum) return add(a, b);
    else if constexpr (kProd) return mul(a, b);
    else if constexpr (kFNan) {
      // fmax / fmin: NaN loses.
      if (is_nan(b)) return a;
      if (is_nan(a)) return b;
      return (kMax ? ge(a, b) : ge(b, a)) ? a : b;
    } else {
      // maximum / minimum: NaN wins.
      if (is_nan(a)) return a;
      if (is_nan(b)) return b;
      return (kMax ? ge(a, b) : ge(b, a)) ? a : b;
    }
  }

  // NumPy's 16-bit float loops store to the output after every step.
  static C round(C v) {
    if constexpr (is_half_v<T> && !kBoolOut)
      return static_cast<C>(static_cast<T>(v));
    else
      return v;
  }

  static Out store(C v) {
    if constexpr (kBoolOut) return v;
    else return static_cast<T>(v);
  }

  // Reduces one row of n elements at byte stride s.
  static C row(const char* p, int64_t n, int64_t s) {
    if constexpr (kSum && (is_float_v<T> || is_complex_v<T>)) {
      if constexpr (is_complex_v<T>) {
        return pairwise_complex<C>(p, n, s, load);
      } else if constexpr (std::is_floating_point_v<T> && !kNanSkip) {
        if (s == sizeof(T))
          return pairwise_contig(reinterpret_cast<const T*>(p), n);
        return pairwise_real<C>(p, n, s, load);
      } else {
        return pairwise_real<C>(p, n, s, load);
      }
    } else if constexpr (OP == ReduceOp::Any || OP == ReduceOp::All) {
      const bool stop = OP == ReduceOp::Any;
      for (int64_t i = 0; i < n; ++i)
        if (load(p + i * s) == stop) return stop;
      return !stop;
    } else if constexpr ((kMax || kMin) && std::is_floating_point_v<C>) {
      return minmax_row(p, n, s);
    } else {
      C acc = identity();
      for (int64_t i = 0; i < n; ++i) acc = combine(acc, load(p + i * s));
      return acc;
    }
  }

  // Lane-wise on finite data (see Note [Explicit vectors]), else scalar.
  static C minmax_row(const char* p, int64_t n, int64_t s) {
    if constexpr (std::is_floating_point_v<T>) {
      if (s == sizeof(T)) {
        const T* a = reinterpret_cast<const T*>(p);
        const T inf = std::numeric_limits<T>::infinity();
        T lanes[4 * Simd<T>::W];
        bool finite;
        int64_t i = vminmax<kMax>(a, n, kMax ? -inf : inf, lanes, finite);
        if (finite) {
          C acc = identity();
          for (T v : lanes) acc = combine(acc, v);
          // All lanes still at the start value: only possible when i == 0.
          if (i == 0) acc = identity();
          for (; i < n; ++i) acc = combine(acc, a[i]);
          return acc;
        }
      }
    }
    C acc = identity();
    for (int64_t i = 0; i < n; ++i) acc = combine(acc, load(p + i * s));
    return acc;
  }

  // A long single row split across threads.
  static C row_parallel(const char* p, int64_t n, int64_t s) {
    int nt = cpu::num_threads();
    constexpr int64_t kMinChunk = 1 << 16;
    if (nt <= 1 || n < 2 * kMinChunk || kProd) return row(p, n, s);
    if constexpr (kSum && (is_float_v<T> || is_complex_v<T>)) {
      // Cut the pairwise tree into leaves, sum them in parallel, then
      // combine along the same tree (see Note [Pairwise summation]).
      struct Leaf {
        int64_t start, len;
      };
      std::vector<Leaf> leaves;
      std::vector<int> shape;  // preorder: -1 leaf index, else split
      int depth = 0;
      while ((1 << depth) < 4 * nt) ++depth;
      const bool cplx = is_complex_v<T>;
      auto split = [&](auto& self, int64_t start, int64_t len, int d) -> void {
        int64_t scal = cplx ? 2 * len : len;
        if (d == 0 || scal <= kPairwiseBlock || len < kMinChunk / 4) {
          shape.push_back(-1);
          leaves.push_back({start, len});
          return;
        }
        int64_t n2;
        if (cplx) {
          n2 = len - len % 8;
          n2 /= 2;
        } else {
          n2 = len / 2;
          n2 -= n2 % 8;
        }
        shape.push_back(1);
        self(self, start, n2, d - 1);
        self(self, start + n2, len - n2, d - 1);
      };
      split(split, 0, n, depth);
      std::vector<C> part(leaves.size());
      cpu::parallel_for(static_cast<int64_t>(leaves.size()), 1,
                        [&](int64_t b, int64_t e) {
                          for (int64_t k = b; k < e; ++k)
                            part[k] = row(p + leaves[k].start * s,
                                          leaves[k].len, s);
                        });
      size_t pos = 0, leaf = 0;
      auto fold = [&](auto& self) -> C {
        if (shape[pos++] < 0) return part[leaf++];
        C a = self(self);
        C b = self(self);
        if constexpr (is_complex_v<C>)
          return C(a.real() + b.real(), a.imag() + b.imag());
        else
          return a + b;
      };
      return fold(fold);
    } else {
      int64_t chunks = std::min<int64_t>(4 * nt, n / kMinChunk);
      // One whole object per chunk: C may be bool (any, all, extrema of
      // bool), and std::vector<bool>'s packed bits written from several
      // threads would race (all() of 2^22 elements lost chunks' results on
      // a 16-core machine).
      std::unique_ptr<C[]> part(new C[chunks]);
      int64_t per = (n + chunks - 1) / chunks;
      cpu::parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
        for (int64_t k = b; k < e; ++k) {
          int64_t lo = k * per, hi = std::min(n, lo + per);
          part[k] = hi > lo ? row(p + lo * s, hi - lo, s) : identity();
        }
      });
      C acc = identity();
      for (int64_t k = 0; k < chunks; ++k) acc = combine(acc, part[k]);
      return acc;
    }
  }
};

// ---- dimension bookkeeping -------------------------------------------------

struct Dim {
  int64_t n;
  int64_t xs;  // byte strides
  int64_t os;
};

// Orders dimensions outermost first by |x stride| and merges neighbours that
// are contiguous for both operands.
void order_and_coalesce(std::vector<Dim>& d) {
  std::stable_sort(d.begin(), d.end(), [](const Dim& a, const Dim& b) {
    return std::llabs(a.xs) > std::llabs(b.xs);
  });
  std::vector<Dim> out;
  for (const Dim& x : d) {
    if (!out.empty()) {
      Dim& p = out.back();
      if (p.xs == x.xs * x.n && p.os == x.os * x.n) {
        p.n *= x.n;
        p.xs = x.xs;
        p.os = x.os;
        continue;
      }
    }
    out.push_back(x);
  }
  d = std::move(out);
}

// Walks a set of dimensions in C order, tracking byte offsets of x and o.
struct Odometer {
  const Dim* d;
  int nd;
  int64_t idx[64];
  int64_t xo = 0, oo = 0;
  Odometer(const std::vector<Dim>& dims, int64_t start)
      : d(dims.data()), nd(static_cast<int>(dims.size())) {
    for (int k = nd - 1; k >= 0; --k) {
      idx[k] = start % d[k].n;
      start /= d[k].n;
      xo += idx[k] * d[k].xs;
      oo += idx[k] * d[k].os;
    }
  }
  void next() {
    for (int k = nd - 1; k >= 0; --k) {
      xo += d[k].xs;
      oo += d[k].os;
      if (++idx[k] < d[k].n) return;
      xo -= d[k].xs * d[k].n;
      oo -= d[k].os * d[k].n;
      idx[k] = 0;
    }
  }
};

constexpr int64_t kWorkGrain = 1 << 15;

int64_t product(const std::vector<Dim>& d) {
  int64_t p = 1;
  for (auto& x : d) p *= x.n;
  return p;
}

// Output strides (elements) viewed with the input's rank: 0 on reduced axes.
SmallVector<int64_t> expanded_out_strides(const Array& x, const Array& out,
                                          std::span<const int64_t> axes,
                                          bool keepdims) {
  SmallVector<int64_t> os;
  int k = 0;
  for (int d = 0; d < x.ndim(); ++d) {
    bool red = std::find(axes.begin(), axes.end(), d) != axes.end();
    if (red) {
      os.push_back(0);
      if (keepdims) ++k;
    } else {
      os.push_back(out.strides()[k++]);
    }
  }
  return os;
}

// Column paths accumulate a slice of the outputs in a local buffer while
// streaming the matching segments of every row. Long segments keep the
// hardware prefetchers effective (NumPy streams whole rows), so a slice is
// only narrower than the row when that gives every thread work.
constexpr int64_t kMinColumnChunk = 1024;
int64_t column_chunk(int64_t m) {
  int64_t nt = cpu::num_threads();
  int64_t cm = std::max<int64_t>(kMinColumnChunk, (m + nt - 1) / nt);
  cm = (cm + 63) / 64 * 64;
  return std::min(cm, m);
}

// Note [Column kernels]: the column path's per-row updates, compiled for
// AVX2 and for the baseline with GCC's target_clones (chosen once, at load
// time). Max/min report a NaN in the row (the caller then redoes the slice
// with the exact rules); infinities need no special case there.
#define ARRAX_COLUMN_KERNELS(T, S)                                            \
  __attribute__((target_clones("avx2", "default"))) void col_add_##S(          \
      T* __restrict buf, const T* __restrict a, int64_t len) {                \
    for (int64_t j = 0; j < len; ++j) buf[j] += a[j];                         \
  }                                                                           \
  __attribute__((target_clones("avx2", "default"))) int col_max_##S(           \
      T* __restrict buf, const T* __restrict a, int64_t len) {                \
    int bad = 0;                                                              \
    for (int64_t j = 0; j < len; ++j) {                                       \
      T v = a[j], b = buf[j];                                                 \
      bad |= v != v;                                                          \
      buf[j] = v > b ? v : b;                                                 \
    }                                                                         \
    return bad;                                                               \
  }                                                                           \
  __attribute__((target_clones("avx2", "default"))) int col_min_##S(           \
      T* __restrict buf, const T* __restrict a, int64_t len) {                \
    int bad = 0;                                                              \
    for (int64_t j = 0; j < len; ++j) {                                       \
      T v = a[j], b = buf[j];                                                 \
      bad |= v != v;                                                          \
      buf[j] = v < b ? v : b;                                                 \
    }                                                                         \
    return bad;                                                               \
  }
ARRAX_COLUMN_KERNELS(float, f32)
ARRAX_COLUMN_KERNELS(double, f64)
#undef ARRAX_COLUMN_KERNELS

template <typename T>
void col_add(T* buf, const T* a, int64_t len) {
  if constexpr (std::is_same_v<T, float>) col_add_f32(buf, a, len);
  else col_add_f64(buf, a, len);
}
template <bool kMax, typename T>
int col_minmax(T* buf, const T* a, int64_t len) {
  if constexpr (std::is_same_v<T, float>)
    return kMax ? col_max_f32(buf, a, len) : col_min_f32(buf, a, len);
  else
    return kMax ? col_max_f64(buf, a, len) : col_min_f64(buf, a, len);
}

template <ReduceOp OP, typename T>
void reduce_kernel(const Array& x, Array& out, std::span<const int64_t> axes,
                   bool keepdims, const Array* initial) {
  using R = Reducer<OP, T>;
  using C = typename R::C;
  using Out = typename R::Out;
  const C init = initial ? R::load(static_cast<const char*>(initial->data()))
                         : R::identity();
  const int isz = sizeof(T);
  const int osz = sizeof(Out);
  SmallVector<int64_t> ostr = expanded_out_strides(x, out, axes, keepdims);
  std::vector<Dim> dims;
  for (int d = 0; d < x.ndim(); ++d)
    if (x.shape()[d] != 1)
      dims.push_back({x.shape()[d], x.strides()[d] * isz, ostr[d] * osz});
  const char* xb = static_cast<const char*>(x.data());
  char* ob = static_cast<char*>(out.data());
  auto put = [](char* p, C v) { *reinterpret_cast<Out*>(p) = R::store(v); };

  if (x.size() == 0) {
    // Empty reduction: every output element is the initial value.
    std::vector<Dim> od;
    for (auto& d : dims)
      if (d.os != 0 && d.n > 0) od.push_back(d);
    if (out.size() == 0) return;
    Odometer it(od, 0);
    for (int64_t i = 0, n = product(od); i < n; ++i, it.next())
      put(ob + it.oo, init);
    return;
  }
  order_and_coalesce(dims);
  if (dims.empty()) {  // one element
    put(ob, R::round(R::combine(init, R::load(xb))));
    return;
  }
  const Dim inner = dims.back();
  std::vector<Dim> kept, red;
  for (size_t k = 0; k + 1 < dims.size(); ++k)
    (dims[k].os != 0 ? kept : red).push_back(dims[k]);

  if (inner.os == 0) {
    // Row path: the innermost dimension is reduced.
    const int64_t nout = product(kept), nred = product(red);
    if (nout == 1 && nred == 1) {
      C v = R::row_parallel(xb, inner.n, inner.xs);
      put(ob, R::round(R::combine(init, v)));
      return;
    }
    const int64_t work = std::max<int64_t>(1, inner.n * nred);
    cpu::parallel_for(
        nout, std::max<int64_t>(1, kWorkGrain / work),
        [&](int64_t b, int64_t e) {
          Odometer ko(kept, b);
          for (int64_t i = b; i < e; ++i, ko.next()) {
            C acc = init;
            Odometer ro(red, 0);
            for (int64_t r = 0; r < nred; ++r, ro.next())
              acc = R::round(R::combine(
                  acc, R::row(xb + ko.xo + ro.xo, inner.n, inner.xs)));
            put(ob + ko.oo, acc);
          }
        });
    return;
  }

  // Column path: the innermost dimension is kept.
  const int64_t m = inner.n, nred = product(red), nk = product(kept);
  const int64_t cm = column_chunk(m);
  const int64_t nchunk = (m + cm - 1) / cm;
  const int64_t work = std::max<int64_t>(1, std::min(m, cm) * nred);
  cpu::parallel_for(
      nk * nchunk, std::max<int64_t>(1, kWorkGrain / work),
      [&](int64_t b, int64_t e) {
        std::unique_ptr<C[]> buf_(new C[cm]);
        C* buf = buf_.get();
        for (int64_t t = b; t < e; ++t) {
          const int64_t k = t / nchunk, c = t % nchunk;
          Odometer ko(kept, k);
          const int64_t j0 = c * cm;
          const int64_t len = std::min(cm, m - j0);
          const char* xk = xb + ko.xo + j0 * inner.xs;
          char* ok = ob + ko.oo + j0 * inner.os;
          for (int64_t j = 0; j < len; ++j) buf[j] = init;
          bool slow = false;
          Odometer ro(red, 0);
          for (int64_t r = 0; r < nred; ++r, ro.next()) {
            const char* xr = xk + ro.xo;
            if constexpr (std::is_floating_point_v<T> &&
                          (R::kSum || R::kProd) && !R::kNanSkip) {
              if (inner.xs == isz) {
                const T* a = reinterpret_cast<const T*>(xr);
                if constexpr (R::kSum)
                  col_add<T>(buf, a, len);
                else
                  for (int64_t j = 0; j < len; ++j) buf[j] *= a[j];
                continue;
              }
            }
            if constexpr (std::is_floating_point_v<T> &&
                          (R::kMax || R::kMin)) {
              if (inner.xs == isz && !initial) {
                // Lane-wise on finite data; a NaN or infinity in this
                // slice sends the whole slice to the exact scalar loop.
                using V = typename Simd<T>::V;
                constexpr int W = Simd<T>::W;
                const T* a = reinterpret_cast<const T*>(xr);
                int64_t j = 0;
                V z = {};
                if (r == 0) {
                  // Start from row 0 (the identity of fmax is NaN).
                  for (; j + W <= len; j += W) {
                    V v = vload<V>(a + j);
                    vstore(buf + j, v);
                    z += v - v;
                  }
                  for (; j < len; ++j) {
                    z[0] += a[j] - a[j];
                    buf[j] = a[j];
                  }
                } else {
                  // NaN in this row: the exact loop redoes the slice.
                  if (col_minmax<R::kMax, T>(buf, a, len))
                    z[0] = std::numeric_limits<T>::quiet_NaN();
                }
                if (!any_nan<V, W>(z)) continue;
                slow = true;
                break;
              }
            }
            for (int64_t j = 0; j < len; ++j)
              buf[j] = R::round(R::combine(buf[j], R::load(xr + j * inner.xs)));
          }
          if (slow) {
            for (int64_t j = 0; j < len; ++j) buf[j] = init;
            Odometer ro2(red, 0);
            for (int64_t r = 0; r < nred; ++r, ro2.next()) {
              const char* xr = xk + ro2.xo;
              for (int64_t j = 0; j < len; ++j)
                buf[j] = R::combine(buf[j], R::load(xr + j * inner.xs));
            }
          }
          for (int64_t j = 0; j < len; ++j) put(ok + j * inner.os, buf[j]);
        }
      });
}

// ---- arg reductions --------------------------------------------------------

// The lane argmax of Arg::row_lanes with 32-byte AVX2 vectors and four
// accumulators (picked at run time): finite data only, -1 otherwise.
template <bool kMax, typename T>
__attribute__((target("avx2"))) int64_t argext_avx2(const T* a, int64_t n) {
  typedef T V __attribute__((vector_size(32)));
  typedef std::conditional_t<std::is_same_v<T, float>, int32_t, int64_t> I;
  typedef I IV __attribute__((vector_size(32)));
  constexpr int W = 32 / sizeof(T);
  constexpr int U = 4;
  if (n < U * W) return -1;
  V b[U], z = {};
  IV idx[U], cur[U];
  for (int u = 0; u < U; ++u) {
    std::memcpy(&b[u], a + u * W, sizeof(V));
    z += b[u] - b[u];
    for (int k = 0; k < W; ++k) idx[u][k] = static_cast<I>(u * W + k);
    cur[u] = idx[u] + static_cast<I>(U * W);
  }
  int64_t i = U * W;
  for (; i + U * W <= n; i += U * W) {
#pragma GCC unroll 4
    for (int u = 0; u < U; ++u) {
      V v;
      std::memcpy(&v, a + i + u * W, sizeof(V));
      z += v - v;
      auto g = kMax ? v > b[u] : v < b[u];
      b[u] = g ? v : b[u];
      idx[u] = g ? cur[u] : idx[u];
      cur[u] += static_cast<I>(U * W);
    }
  }
  for (int k = 0; k < W; ++k)
    if (z[k] != z[k]) return -1;
  T best = b[0][0];
  int64_t bi = idx[0][0];
  for (int u = 0; u < U; ++u)
    for (int k = 0; k < W; ++k) {
      T v = b[u][k];
      int64_t j = idx[u][k];
      if ((kMax ? v > best : v < best) || (v == best && j < bi)) {
        best = v;
        bi = j;
      }
    }
  for (; i < n; ++i) {
    T v = a[i];
    if (v != v || v - v != 0) return -1;
    if (kMax ? v > best : v < best) {
      best = v;
      bi = i;
    }
  }
  return bi;
}

template <ArgReduceOp OP, typename T>
struct Arg {
  using C = compute_t<T>;
  static constexpr bool kMax =
      OP == ArgReduceOp::ArgMax || OP == ArgReduceOp::NanArgMax;
  static constexpr bool kNan =
      OP == ArgReduceOp::NanArgMax || OP == ArgReduceOp::NanArgMin;
  static C load(const char* p) {
    return static_cast<C>(*reinterpret_cast<const T*>(p));
  }
  // Does v replace the current best b? The first extreme wins.
  static bool better(C v, C b) {
    if constexpr (std::is_same_v<C, bool>) {
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
  // Index of the best element of a row; -1 for an all-NaN row (nan-ops).
  static int64_t row(const char* p, int64_t n, int64_t s) {
    if constexpr (std::is_floating_point_v<T> && !kNan) {
      if (s == sizeof(T) && n >= 64 && n < (int64_t(1) << 31)) {
        static const bool avx2 = __builtin_cpu_supports("avx2");
        int64_t r = avx2 ? argext_avx2<kMax, T>(reinterpret_cast<const T*>(p), n)
                         : row_lanes(reinterpret_cast<const T*>(p), n);
        if (r >= 0) return r;
      }
    }
    return row_scalar(p, n, s);
  }
  static int64_t row_scalar(const char* p, int64_t n, int64_t s) {
    C best = load(p);
    int64_t bi = 0;
    for (int64_t i = 1; i < n; ++i) {
      C v = load(p + i * s);
      if (better(v, best)) {
        best = v;
        bi = i;
        if constexpr (!kNan)
          if (is_nan(v)) return bi;
      }
    }
    if constexpr (kNan)
      if (is_nan(best)) return -1;
    return bi;
  }
  // Contiguous float rows (see Note [Explicit vectors]): per-lane best
  // values and the index where each was first seen, two vectors at a time;
  // the lanes then combine to the smallest index of the extreme value.
  // Returns -1 when the row holds a NaN or infinity (the caller redoes it
  // with the exact scalar rules).
  static int64_t row_lanes(const T* a, int64_t n) {
    using S = Simd<T>;
    using V = typename S::V;
    using IV = typename S::IndexV;
    constexpr int W = S::W;
    V b0 = vload<V>(a), b1 = vload<V>(a + W), z = (b0 - b0) + (b1 - b1);
    IV i0, i1;
    for (int k = 0; k < W; ++k) {
      i0[k] = k;
      i1[k] = W + k;
    }
    IV c0 = i0 + 2 * W, c1 = i1 + 2 * W;
    int64_t i = 2 * W;
    for (; i + 2 * W <= n; i += 2 * W) {
      V v0 = vload<V>(a + i), v1 = vload<V>(a + i + W);
      z += (v0 - v0) + (v1 - v1);
      auto g0 = kMax ? v0 > b0 : v0 < b0;
      auto g1 = kMax ? v1 > b1 : v1 < b1;
      b0 = g0 ? v0 : b0;
      b1 = g1 ? v1 : b1;
      i0 = g0 ? c0 : i0;
      i1 = g1 ? c1 : i1;
      c0 += 2 * W;
      c1 += 2 * W;
    }
    if (any_nan<V, W>(z)) return -1;
    T best = b0[0];
    int64_t bi = static_cast<int64_t>(i0[0]);
    auto take = [&](T v, int64_t idx) {
      if ((kMax ? v > best : v < best) || (v == best && idx < bi)) {
        best = v;
        bi = idx;
      }
    };
    for (int k = 0; k < W; ++k) {
      take(b0[k], static_cast<int64_t>(i0[k]));
      take(b1[k], static_cast<int64_t>(i1[k]));
    }
    for (; i < n; ++i) {
      T v = a[i];
      if (v != v || v - v != 0) return -1;
      if (kMax ? v > best : v < best) {
        best = v;
        bi = i;
      }
    }
    return bi;
  }
  // Column update of a slice on finite data: best[j]/idx[j] take row r's
  // value where it is strictly better (see Note [Explicit vectors]).
  // Returns false when the row holds a NaN or infinity; the caller then
  // redoes the slice with the exact scalar rules.
  using Index = typename Simd<T>::Index;
  static bool column_update(const T* a, T* best, Index* idx, int64_t len,
                            Index r) {
    using S = Simd<T>;
    using V = typename S::V;
    using IV = typename S::IndexV;
    constexpr int W = S::W;
    int64_t j = 0;
    IV rv;
    for (int k = 0; k < W; ++k) rv[k] = r;
    V z = {};
    for (; j + W <= len; j += W) {
      V v = vload<V>(a + j), b = vload<V>(best + j);
      IV iv = vload<IV>(idx + j);
      if constexpr (kMax) {
        vstore(best + j, v > b ? v : b);
        vstore(idx + j, v > b ? rv : iv);
      } else {
        vstore(best + j, v < b ? v : b);
        vstore(idx + j, v < b ? rv : iv);
      }
      z += v - v;
    }
    for (; j < len; ++j) {
      z[0] += a[j] - a[j];
      if (kMax ? a[j] > best[j] : a[j] < best[j]) {
        best[j] = a[j];
        idx[j] = r;
      }
    }
    return !any_nan<V, Simd<T>::W>(z);
  }
};

[[noreturn]] void all_nan(const char* name) {
  throw ValueError(std::string("[") + name + "] All-NaN slice encountered");
}

template <ArgReduceOp OP, typename T>
void arg_kernel(const Array& x, Array& out, int axis, bool keepdims,
                const char* name) {
  using A = Arg<OP, T>;
  const int isz = sizeof(T);
  std::vector<Dim> others;
  int k = 0;
  for (int d = 0; d < x.ndim(); ++d) {
    if (d == axis) {
      if (keepdims) ++k;
      continue;
    }
    int64_t os = out.strides()[k++] * 8;
    if (x.shape()[d] != 1) others.push_back({x.shape()[d], x.strides()[d] * isz, os});
  }
  if (out.size() == 0) return;
  const int64_t L = x.shape()[axis], ls = x.strides()[axis] * isz;
  order_and_coalesce(others);
  const char* xb = static_cast<const char*>(x.data());
  char* ob = static_cast<char*>(out.data());
  auto put = [&](char* p, int64_t v) {
    if (v < 0) all_nan(name);
    *reinterpret_cast<int64_t*>(p) = v;
  };
  const bool column = !others.empty() &&
                      std::llabs(others.back().xs) < std::llabs(ls) && L > 1;
  if (!column) {
    const int64_t nout = product(others);
    if (nout == 1) {
      // One long row: per-thread partial results, combined in order.
      int nt = cpu::num_threads();
      if (nt > 1 && L >= (1 << 17)) {
        int64_t chunks = 4 * nt, per = (L + chunks - 1) / chunks;
        std::vector<int64_t> idx(chunks, -2);
        cpu::parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
          for (int64_t c = b; c < e; ++c) {
            int64_t lo = c * per, hi = std::min(L, lo + per);
            if (hi > lo) {
              int64_t r = A::row(xb + lo * ls, hi - lo, ls);
              idx[c] = r < 0 ? -1 : lo + r;
            }
          }
        });
        int64_t bi = -1;
        for (int64_t c = 0; c < chunks; ++c) {
          if (idx[c] < 0) continue;
          if (bi < 0 || A::better(A::load(xb + idx[c] * ls),
                                  A::load(xb + bi * ls)))
            bi = idx[c];
          if constexpr (!A::kNan)
            if (is_nan(A::load(xb + bi * ls))) break;
        }
        put(ob, bi);
        return;
      }
      put(ob, A::row(xb, L, ls));
      return;
    }
    cpu::parallel_for(nout, std::max<int64_t>(1, kWorkGrain / L),
                      [&](int64_t b, int64_t e) {
                        Odometer o(others, b);
                        for (int64_t i = b; i < e; ++i, o.next())
                          put(ob + o.oo, A::row(xb + o.xo, L, ls));
                      });
    return;
  }
  // Column path: the innermost kept dimension runs fastest in memory.
  const Dim inner = others.back();
  others.pop_back();
  const int64_t m = inner.n, nk = product(others);
  const int64_t cm = column_chunk(m);
  const int64_t nchunk = (m + cm - 1) / cm;
  using C = typename A::C;
  cpu::parallel_for(
      nk * nchunk, std::max<int64_t>(1, kWorkGrain / (std::min(m, cm) * L)),
      [&](int64_t b, int64_t e) {
        std::unique_ptr<C[]> best_(new C[cm]);
        std::vector<int64_t> bi_(cm);
        C* best = best_.get();
        int64_t* bi = bi_.data();
        for (int64_t t = b; t < e; ++t) {
          const int64_t kk = t / nchunk, c = t % nchunk;
          Odometer o(others, kk);
          const int64_t j0 = c * cm;
          const int64_t len = std::min(cm, m - j0);
          const char* xk = xb + o.xo + j0 * inner.xs;
          for (int64_t j = 0; j < len; ++j) {
            best[j] = A::load(xk + j * inner.xs);
            bi[j] = 0;
          }
          bool done = false;
          if constexpr (std::is_floating_point_v<T>) {
            using I = typename A::Index;
            if (inner.xs == sizeof(T) &&
                L < std::numeric_limits<int32_t>::max()) {
              std::vector<I> idx_(len);
              I* idx = idx_.data();
              bool finite = true;
              for (int64_t j = 0; j < len; ++j) {
                idx[j] = 0;
                finite &= std::isfinite(best[j]);
              }
              for (int64_t r = 1; r < L && finite; ++r)
                finite = A::column_update(
                    reinterpret_cast<const T*>(xk + r * ls), best, idx, len,
                    static_cast<I>(r));
              if (finite) {
                for (int64_t j = 0; j < len; ++j)
                  bi[j] = static_cast<int64_t>(idx[j]);
                done = true;
              } else {
                for (int64_t j = 0; j < len; ++j)
                  best[j] = A::load(xk + j * inner.xs);
              }
            }
          }
          if (!done) {
            for (int64_t r = 1; r < L; ++r) {
              const char* xr = xk + r * ls;
              for (int64_t j = 0; j < len; ++j) {
                C v = A::load(xr + j * inner.xs);
                if (A::better(v, best[j])) {
                  best[j] = v;
                  bi[j] = r;
                }
              }
            }
          }
          char* ok = ob + o.oo + j0 * inner.os;
          for (int64_t j = 0; j < len; ++j) {
            if constexpr (A::kNan)
              if (is_nan(best[j])) all_nan(name);
            *reinterpret_cast<int64_t*>(ok + j * inner.os) = bi[j];
          }
        }
      });
}

// ---- scans -----------------------------------------------------------------

template <ReduceOp OP, typename T>
void scan_kernel(const Array& x, Array& out, int axis) {
  using R = Reducer<OP, T>;
  using C = typename R::C;
  const int isz = sizeof(T);
  if (x.size() == 0) return;
  std::vector<Dim> others;
  for (int d = 0; d < x.ndim(); ++d)
    if (d != axis && x.shape()[d] != 1)
      others.push_back(
          {x.shape()[d], x.strides()[d] * isz, out.strides()[d] * isz});
  const int64_t L = x.shape()[axis];
  const int64_t ls = x.strides()[axis] * isz, lo = out.strides()[axis] * isz;
  order_and_coalesce(others);
  const char* xb = static_cast<const char*>(x.data());
  char* ob = static_cast<char*>(out.data());
  auto put = [](char* p, C v) { *reinterpret_cast<T*>(p) = R::store(v); };
  const bool column = !others.empty() &&
                      std::llabs(others.back().xs) < std::llabs(ls) && L > 1;
  if (!column) {
    const int64_t nout = product(others);
    cpu::parallel_for(nout, std::max<int64_t>(1, kWorkGrain / L),
                      [&](int64_t b, int64_t e) {
                        Odometer o(others, b);
                        for (int64_t i = b; i < e; ++i, o.next()) {
                          const char* xr = xb + o.xo;
                          char* orow = ob + o.oo;
                          C acc = R::load(xr);
                          put(orow, acc);
                          for (int64_t r = 1; r < L; ++r) {
                            acc = R::round(R::combine(acc, R::load(xr + r * ls)));
                            put(orow + r * lo, acc);
                          }
                        }
                      });
    return;
  }
  const Dim inner = others.back();
  others.pop_back();
  const int64_t m = inner.n, nk = product(others);
  const int64_t cm = column_chunk(m);
  const int64_t nchunk = (m + cm - 1) / cm;
  cpu::parallel_for(
      nk * nchunk, std::max<int64_t>(1, kWorkGrain / (std::min(m, cm) * L)),
      [&](int64_t b, int64_t e) {
        std::unique_ptr<C[]> acc_(new C[cm]);
        C* acc = acc_.get();
        for (int64_t t = b; t < e; ++t) {
          const int64_t kk = t / nchunk, c = t % nchunk;
          Odometer o(others, kk);
          const int64_t j0 = c * cm;
          const int64_t len = std::min(cm, m - j0);
          const char* xk = xb + o.xo + j0 * inner.xs;
          char* ok = ob + o.oo + j0 * inner.os;
          for (int64_t j = 0; j < len; ++j) {
            acc[j] = R::load(xk + j * inner.xs);
            put(ok + j * inner.os, acc[j]);
          }
          for (int64_t r = 1; r < L; ++r)
            for (int64_t j = 0; j < len; ++j) {
              acc[j] = R::round(
                  R::combine(acc[j], R::load(xk + r * ls + j * inner.xs)));
              put(ok + r * lo + j * inner.os, acc[j]);
            }
        }
      });
}

}  // namespace

void Reduce::eval_cpu(std::span<const Array> inputs, std::span<Array> outputs) {
  const Array& x = inputs[0];
  const Array* init = inputs.size() > 1 ? &inputs[1] : nullptr;
  dispatch_types(x.dtype(), "[reduce]", [&]<typename T>() {
    switch (op_) {
#define ARRAX_REDUCE_CASE(OP)                                            \
  case ReduceOp::OP:                                                     \
    reduce_kernel<ReduceOp::OP, T>(x, outputs[0], axes_, keepdims_, init); \
    break;
      ARRAX_REDUCE_CASE(Sum)
      ARRAX_REDUCE_CASE(Prod)
      ARRAX_REDUCE_CASE(Max)
      ARRAX_REDUCE_CASE(Min)
      ARRAX_REDUCE_CASE(Any)
      ARRAX_REDUCE_CASE(All)
      ARRAX_REDUCE_CASE(NanSum)
      ARRAX_REDUCE_CASE(NanProd)
      ARRAX_REDUCE_CASE(NanMax)
      ARRAX_REDUCE_CASE(NanMin)
#undef ARRAX_REDUCE_CASE
    }
  });
  if (divisor_ != 0) {
    // mean: the sum divided by the count in the output dtype (the output
    // is the primitive's own, C-contiguous).
    Array& out = outputs[0];
    if (!out.is_c_contiguous())
      throw std::runtime_error("[reduce] a divided sum needs a contiguous output");
    auto divide_all = [&]<typename T>() {
      T* o = out.data<T>();
      const T d = static_cast<T>(divisor_);
      for (int64_t i = 0, n = out.size(); i < n; ++i) o[i] = o[i] / d;
    };
    if (out.dtype() == Dtype::Float32)
      divide_all.template operator()<float>();
    else if (out.dtype() == Dtype::Float64)
      divide_all.template operator()<double>();
    else
      throw std::runtime_error("[reduce] a divided sum is float32 or float64");
  }
}

void ArgReduce::eval_cpu(std::span<const Array> inputs,
                         std::span<Array> outputs) {
  const Array& x = inputs[0];
  dispatch_types(x.dtype(), "[argreduce]", [&]<typename T>() {
    switch (op_) {
      case ArgReduceOp::ArgMax:
        arg_kernel<ArgReduceOp::ArgMax, T>(x, outputs[0], axis_, keepdims_,
                                           name());
        break;
      case ArgReduceOp::ArgMin:
        arg_kernel<ArgReduceOp::ArgMin, T>(x, outputs[0], axis_, keepdims_,
                                           name());
        break;
      case ArgReduceOp::NanArgMax:
        arg_kernel<ArgReduceOp::NanArgMax, T>(x, outputs[0], axis_, keepdims_,
                                              name());
        break;
      case ArgReduceOp::NanArgMin:
        arg_kernel<ArgReduceOp::NanArgMin, T>(x, outputs[0], axis_, keepdims_,
                                              name());
        break;
    }
  });
}

void Scan::eval_cpu(std::span<const Array> inputs, std::span<Array> outputs) {
  const Array& x = inputs[0];
  dispatch_types(x.dtype(), "[scan]", [&]<typename T>() {
    switch (op_) {
      case ScanOp::CumSum:
        scan_kernel<ReduceOp::Sum, T>(x, outputs[0], axis_);
        break;
      case ScanOp::CumProd:
        scan_kernel<ReduceOp::Prod, T>(x, outputs[0], axis_);
        break;
      case ScanOp::NanCumSum:
        scan_kernel<ReduceOp::NanSum, T>(x, outputs[0], axis_);
        break;
      case ScanOp::NanCumProd:
        scan_kernel<ReduceOp::NanProd, T>(x, outputs[0], axis_);
        break;
    }
  });
}

void StdSqrt::eval_cpu(std::span<const Array> inputs,
                        std::span<Array> outputs) {
  const Array& x = inputs[0];
  Array& o = outputs[0];
  dispatch_types(x.dtype(), "[sqrt]", [&]<typename T>() {
    if constexpr (is_float_v<T> || is_complex_v<T>) {
      // Small arrays (reduction results): a plain strided loop.
      std::vector<Dim> dims;
      for (int d = 0; d < x.ndim(); ++d)
        dims.push_back({x.shape()[d], x.strides()[d] * (int64_t)sizeof(T),
                        o.strides()[d] * (int64_t)sizeof(T)});
      if (x.size() == 0) return;
      const char* xb = static_cast<const char*>(x.data());
      char* ob = static_cast<char*>(o.data());
      Odometer it(dims, 0);
      for (int64_t i = 0, n = x.size(); i < n; ++i, it.next()) {
        compute_t<T> v = static_cast<compute_t<T>>(
            *reinterpret_cast<const T*>(xb + it.xo));
        *reinterpret_cast<T*>(ob + it.oo) = static_cast<T>(std::sqrt(v));
      }
    } else {
      throw TypeError(std::string("[sqrt] expected a floating array, got ") +
                      dtype_name(x.dtype()));
    }
  });
}

}  // namespace arrax

// CPU kernels of the Matmul primitive: OpenBLAS for float32/float64 and
// complex, float32 GEMM for the 16-bit floats, blocked loops of our own for
// integers and bool.
#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "arrax/backend/cpu/kernels.h"
#include "arrax/backend/matmul_layout.h"
#include "arrax/backend/cpu/thread_pool.h"
#include "arrax/primitives_linalg.h"

namespace arrax {

namespace {

// See Note [Matrix layouts for BLAS] in arrax/backend/matmul_layout.h.
using blas::Layout;
using blas::matrix_layout;

// Element offsets of each batch matrix of `a` (broadcast to `batch`).
std::vector<int64_t> batch_offsets(const Array& a, const Shape& batch) {
  int64_t count = shape_size(batch);
  std::vector<int64_t> offs(static_cast<size_t>(count), 0);
  int nb = static_cast<int>(batch.size());
  Strides st = blas::batch_strides(a, batch);
  SmallVector<int64_t> idx(nb, 0);
  int64_t off = 0;
  for (int64_t i = 0; i < count; ++i) {
    offs[static_cast<size_t>(i)] = off;
    for (int d = nb - 1; d >= 0; --d) {
      if (++idx[d] < batch[d]) {
        off += st[d];
        break;
      }
      off -= st[d] * (batch[d] - 1);
      idx[d] = 0;
    }
  }
  return offs;
}

// A C-contiguous copy of `a` (same dtype).
Array contiguous_copy(const Array& a) {
  Array c = Array::empty(a.shape(), a.dtype(), a.device());
  cpu::copy_cast(a, c);
  return c;
}

// ---- BLAS types ----------------------------------------------------------

// OpenBLAS here uses 32-bit integers for sizes, strides and increments.
blasint bi(int64_t v) {
  if (v > std::numeric_limits<blasint>::max() ||
      v < std::numeric_limits<blasint>::min())
    throw ValueError("[matmul] a matrix dimension or stride of " +
                     std::to_string(v) + " exceeds what BLAS can index");
  return static_cast<blasint>(v);
}

template <typename T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a,
          int64_t lda, const T* b, int64_t ldb, T* c, int64_t ldc) {
  auto TA = ta ? CblasTrans : CblasNoTrans;
  auto TB = tb ? CblasTrans : CblasNoTrans;
  blasint M = bi(m), N = bi(n), K = bi(k);
  blasint LA = bi(lda), LB = bi(ldb), LC = bi(ldc);
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemm(CblasRowMajor, TA, TB, M, N, K, 1.0f, a, LA, b, LB, 0.0f, c,
                LC);
  } else if constexpr (std::is_same_v<T, double>) {
    cblas_dgemm(CblasRowMajor, TA, TB, M, N, K, 1.0, a, LA, b, LB, 0.0, c, LC);
  } else {
    const T one(1), zero(0);
    if constexpr (std::is_same_v<T, complex64>)
      cblas_cgemm(CblasRowMajor, TA, TB, M, N, K, &one, a, LA, b, LB, &zero, c,
                  LC);
    else
      cblas_zgemm(CblasRowMajor, TA, TB, M, N, K, &one, a, LA, b, LB, &zero, c,
                  LC);
  }
}

// y = op(A) x for a row-major A of rows x cols (op = transpose when `ta`).
template <typename T>
void gemv(bool ta, int64_t rows, int64_t cols, const T* a, int64_t lda,
          const T* x, int64_t incx, T* y, int64_t incy) {
  auto TA = ta ? CblasTrans : CblasNoTrans;
  blasint M = bi(rows), N = bi(cols), LA = bi(lda), IX = bi(incx),
          IY = bi(incy);
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemv(CblasRowMajor, TA, M, N, 1.0f, a, LA, x, IX, 0.0f, y, IY);
  } else if constexpr (std::is_same_v<T, double>) {
    cblas_dgemv(CblasRowMajor, TA, M, N, 1.0, a, LA, x, IX, 0.0, y, IY);
  } else {
    const T one(1), zero(0);
    if constexpr (std::is_same_v<T, complex64>)
      cblas_cgemv(CblasRowMajor, TA, M, N, &one, a, LA, x, IX, &zero, y, IY);
    else
      cblas_zgemv(CblasRowMajor, TA, M, N, &one, a, LA, x, IX, &zero, y, IY);
  }
}

template <typename T>
T blas_dot(int64_t n, const T* x, int64_t incx, const T* y, int64_t incy) {
  blasint N = bi(n), IX = bi(incx), IY = bi(incy);
  if constexpr (std::is_same_v<T, float>) {
    return cblas_sdot(N, x, IX, y, IY);
  } else if constexpr (std::is_same_v<T, double>) {
    return cblas_ddot(N, x, IX, y, IY);
  } else {
    T r;
    if constexpr (std::is_same_v<T, complex64>)
      cblas_cdotu_sub(N, x, IX, y, IY, &r);
    else
      cblas_zdotu_sub(N, x, IX, y, IY, &r);
    return r;
  }
}

// Products this small cost more in BLAS call overhead than in arithmetic.
constexpr int64_t kTinyGemmWork = 6 * 6 * 6;

template <typename T>
struct IntAcc {
  using U = std::make_unsigned_t<T>;  // wraps without UB
  using W = std::conditional_t<(sizeof(T) < 4), uint32_t, U>;
};
template <>
struct IntAcc<bool> {
  using U = uint8_t;  // not std::vector<bool>'s packed bits
  using W = uint8_t;
};

// One small product with any strides. Integers wrap (see Note [Integer
// matmul]); complex products skip std::complex's NaN recovery, as NumPy's
// loops do.
template <typename T>
void matmul_naive(const T* A, int64_t ars, int64_t acs, const T* B, int64_t brs,
                  int64_t bcs, T* C, int64_t crs, int64_t ccs, int64_t n,
                  int64_t m, int64_t k) {
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) {
      const T* a = A + i * ars;
      const T* b = B + j * bcs;
      if constexpr (is_complex_v<T>) {
        using R = typename T::value_type;
        R re = 0, im = 0;
        for (int64_t p = 0; p < k; ++p) {
          T x = a[p * acs], y = b[p * brs];
          re += x.real() * y.real() - x.imag() * y.imag();
          im += x.real() * y.imag() + x.imag() * y.real();
        }
        C[i * crs + j * ccs] = T(re, im);
      } else if constexpr (std::is_integral_v<T>) {
        using U = typename IntAcc<T>::U;
        using W = typename IntAcc<T>::W;
        U s = 0;
        for (int64_t p = 0; p < k; ++p)
          s = static_cast<U>(
              s + static_cast<U>(static_cast<W>(static_cast<U>(a[p * acs])) *
                                 static_cast<W>(static_cast<U>(b[p * brs]))));
        C[i * crs + j * ccs] = static_cast<T>(s);
      } else {
        T s(0);
        for (int64_t p = 0; p < k; ++p) s += a[p * acs] * b[p * brs];
        C[i * crs + j * ccs] = s;
      }
    }
}

// Many tiny matrices (NumPy's (N, 3, 3) stacks): a plain loop per matrix,
// batches across the pool.
template <typename T>
void matmul_tiny(const Array& a, const Array& b, const Array& c) {
  int an = a.ndim(), bn = b.ndim(), nd = c.ndim();
  int64_t n = c.shape()[nd - 2], m = c.shape()[nd - 1];
  int64_t k = a.shape()[an - 1];
  int64_t work = std::max<int64_t>(1, n * m * k);
  Shape batch(c.shape().begin(), c.shape().end() - 2);
  std::vector<int64_t> oa = batch_offsets(a, batch),
                       ob = batch_offsets(b, batch),
                       oc = batch_offsets(c, batch);
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* pc = c.data<T>();
  const Strides& sa = a.strides();
  const Strides& sb = b.strides();
  const Strides& sc = c.strides();
  int64_t nbatch = static_cast<int64_t>(oc.size());
  cpu::parallel_for(
      nbatch, std::max<int64_t>(1, 8192 / work), [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i)
          matmul_naive<T>(pa + oa[i], sa[an - 2], sa[an - 1], pb + ob[i],
                          sb[bn - 2], sb[bn - 1], pc + oc[i], sc[nd - 2],
                          sc[nd - 1], n, m, k);
      });
}

// Note [Batched GEMM threads]
// A large product runs one GEMM at a time on OpenBLAS's own threads. Many
// small products run across our pool instead, each on a single-threaded
// BLAS call; OpenBLAS is told to use one thread for the duration so that the
// two never oversubscribe (nothing calls threaded BLAS inside parallel_for).
// Below kSmallGemmWork a product runs on one thread; up to kMediumGemmWork
// too when there are enough batches to occupy every thread.
constexpr int64_t kSmallGemmWork = 64 * 64 * 64;
constexpr int64_t kMediumGemmWork = 192 * 192 * 192;

struct BlasThreadsOne {
  int saved;
  BlasThreadsOne() : saved(openblas_get_num_threads()) {
    openblas_set_num_threads(1);
  }
  ~BlasThreadsOne() { openblas_set_num_threads(saved); }
};

template <typename T>
void matmul_blas(const Array& a_in, const Array& b_in, const Array& c_in) {
  int nd = c_in.ndim();
  int64_t n = c_in.shape()[nd - 2], m = c_in.shape()[nd - 1];
  int64_t k = a_in.shape()[a_in.ndim() - 1];
  int64_t work = n * m * k;
  Shape batch(c_in.shape().begin(), c_in.shape().end() - 2);
  if (work <= kTinyGemmWork) {
    matmul_tiny<T>(a_in, b_in, c_in);
    return;
  }
  Array a = a_in, b = b_in;
  Layout la = matrix_layout(a), lb = matrix_layout(b);
  if (!la.ok) {
    a = contiguous_copy(a);
    la = matrix_layout(a);
  }
  if (!lb.ok) {
    b = contiguous_copy(b);
    lb = matrix_layout(b);
  }
  Array c = c_in;
  Layout lc = matrix_layout(c);
  bool c_tmp = !lc.ok;
  if (c_tmp) {
    c = Array::empty(c_in.shape(), c_in.dtype(), c_in.device());
    lc = matrix_layout(c);
  }
  std::vector<int64_t> oa = batch_offsets(a, batch),
                       ob = batch_offsets(b, batch),
                       oc = batch_offsets(c, batch);
  int64_t nbatch = static_cast<int64_t>(oc.size());
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* pc = c.data<T>();
  // Vector strides for the GEMV/DOT cases: after the layout checks above a
  // length-k row or column has a positive stride (or k == 1).
  auto vstride = [](int64_t len, int64_t st) { return len <= 1 ? 1 : st; };
  int64_t a_row_inc = vstride(k, a.strides()[a.ndim() - 1]);
  int64_t b_col_inc = vstride(k, b.strides()[b.ndim() - 2]);
  int64_t c_col_inc = vstride(n, c.strides()[nd - 2]);
  int64_t c_row_inc = vstride(m, c.strides()[nd - 1]);
  auto one = [&](int64_t i) {
    const T* A = pa + oa[i];
    const T* B = pb + ob[i];
    T* C = pc + oc[i];
    if (n == 1 && m == 1) {
      *C = blas_dot<T>(k, A, a_row_inc, B, b_col_inc);
    } else if (m == 1) {
      // C[:, 0] = A @ B[:, 0]; A is (n, k) or stored as its transpose.
      if (!la.trans)
        gemv<T>(false, n, k, A, la.ld, B, b_col_inc, C, c_col_inc);
      else
        gemv<T>(true, k, n, A, la.ld, B, b_col_inc, C, c_col_inc);
    } else if (n == 1) {
      // C[0, :] = B^T @ A[0, :].
      if (!lb.trans)
        gemv<T>(true, k, m, B, lb.ld, A, a_row_inc, C, c_row_inc);
      else
        gemv<T>(false, m, k, B, lb.ld, A, a_row_inc, C, c_row_inc);
    } else if (!lc.trans) {
      gemm<T>(la.trans, lb.trans, n, m, k, A, la.ld, B, lb.ld, C, lc.ld);
    } else {
      // C is column-major: compute C^T = B^T A^T into it.
      gemm<T>(!lb.trans, !la.trans, m, n, k, B, lb.ld, A, la.ld, C, lc.ld);
    }
  };
  int nthreads = cpu::num_threads();
  bool across_batches =
      nbatch > 1 && nthreads > 1 &&
      (work < kSmallGemmWork || (work < kMediumGemmWork && nbatch >= nthreads));
  if (across_batches) {
    BlasThreadsOne guard;
    int64_t grain =
        std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, work));
    cpu::parallel_for(nbatch, grain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) one(i);
    });
  } else {
    for (int64_t i = 0; i < nbatch; ++i) one(i);
  }
  if (c_tmp) cpu::copy_cast(c, c_in);
}

// ---- integers and bool ---------------------------------------------------

// Note [Integer matmul]
// NumPy's integer matmul wraps on overflow; arithmetic is done in the
// unsigned type of the same width (wider for 8- and 16-bit types, where C++
// would promote to signed int) so that wrapping is defined. The loop order
// is i-p-j over blocks of rows, columns and the reduction dimension, with B
// packed contiguous so that the inner loop runs over unit-stride rows of B
// and of a row accumulator. Tasks (batch x row block x column block) run on
// the thread pool. bool is the same loop with AND for * and OR for +.
constexpr int64_t kRowBlock = 32;
constexpr int64_t kColBlock = 512;
constexpr int64_t kDepthBlock = 256;

template <typename T>
void matmul_ints(const Array& a_in, const Array& b_in, const Array& c) {
  using U = typename IntAcc<T>::U;
  using W = typename IntAcc<T>::W;
  {
    int nd = c.ndim();
    if (c.shape()[nd - 2] * c.shape()[nd - 1] * a_in.shape()[a_in.ndim() - 1] <=
        kTinyGemmWork) {
      matmul_tiny<T>(a_in, b_in, c);
      return;
    }
  }
  Array a = a_in, b = b_in;
  // B rows must be unit-stride for the inner loop.
  if (b.shape()[b.ndim() - 1] > 1 && b.strides()[b.ndim() - 1] != 1)
    b = contiguous_copy(b);
  int nd = c.ndim();
  int64_t n = c.shape()[nd - 2], m = c.shape()[nd - 1];
  int64_t k = a.shape()[a.ndim() - 1];
  Shape batch(c.shape().begin(), c.shape().end() - 2);
  std::vector<int64_t> oa = batch_offsets(a, batch),
                       ob = batch_offsets(b, batch),
                       oc = batch_offsets(c, batch);
  int64_t nbatch = static_cast<int64_t>(oc.size());
  int64_t ars = a.strides()[a.ndim() - 2], acs = a.strides()[a.ndim() - 1];
  int64_t brs = b.strides()[b.ndim() - 2];
  int64_t crs = c.strides()[nd - 2], ccs = c.strides()[nd - 1];
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* pc = c.data<T>();
  int64_t rblocks = (n + kRowBlock - 1) / kRowBlock;
  int64_t cblocks = (m + kColBlock - 1) / kColBlock;
  int64_t ntasks = nbatch * rblocks * cblocks;
  auto task = [&](int64_t lo, int64_t hi) {
    std::vector<U> acc(static_cast<size_t>(kRowBlock * kColBlock));
    for (int64_t t = lo; t < hi; ++t) {
      int64_t bi = t / (rblocks * cblocks);
      int64_t rem = t % (rblocks * cblocks);
      int64_t i0 = (rem / cblocks) * kRowBlock;
      int64_t j0 = (rem % cblocks) * kColBlock;
      int64_t ni = std::min(kRowBlock, n - i0);
      int64_t nj = std::min(kColBlock, m - j0);
      const T* A = pa + oa[bi];
      const T* B = pb + ob[bi];
      T* C = pc + oc[bi];
      for (int64_t i = 0; i < ni; ++i)
        std::fill_n(acc.data() + i * kColBlock, nj, U(0));
      for (int64_t p0 = 0; p0 < k; p0 += kDepthBlock) {
        int64_t np = std::min(kDepthBlock, k - p0);
        for (int64_t i = 0; i < ni; ++i) {
          U* __restrict row = acc.data() + i * kColBlock;
          const T* arow = A + (i0 + i) * ars;
          for (int64_t p = p0; p < p0 + np; ++p) {
            T av = arow[p * acs];
            if (av == T(0)) continue;
            const T* __restrict brow = B + p * brs + j0;
            if constexpr (std::is_same_v<T, bool>) {
              for (int64_t j = 0; j < nj; ++j)
                row[j] |= static_cast<U>(brow[j]);
            } else {
              W w = static_cast<W>(static_cast<U>(av));
              for (int64_t j = 0; j < nj; ++j)
                row[j] = static_cast<U>(
                    row[j] + static_cast<U>(
                                 w * static_cast<W>(static_cast<U>(brow[j]))));
            }
          }
        }
      }
      for (int64_t i = 0; i < ni; ++i) {
        const U* row = acc.data() + i * kColBlock;
        T* crow = C + (i0 + i) * crs + j0 * ccs;
        for (int64_t j = 0; j < nj; ++j) crow[j * ccs] = static_cast<T>(row[j]);
      }
    }
  };
  int64_t work = nbatch * n * m * k;
  if (work < (1 << 16) || ntasks == 1)
    task(0, ntasks);
  else
    cpu::parallel_for(ntasks, 1, task);
}

// Note [bool matmul]
// bool is OR over p of A[i, p] AND B[p, j]: with B transposed to contiguous
// rows, each output scans two byte rows in chunks and stops at the first
// chunk with a common true (as NumPy's loop stops at the first true), so
// dense inputs finish early and sparse ones run a vectorizable scan.
void matmul_bool(const Array& a_in, const Array& b_in, const Array& c) {
  Array a = a_in;
  if (a.shape()[a.ndim() - 1] > 1 && a.strides()[a.ndim() - 1] != 1)
    a = contiguous_copy(a);
  int bn = b_in.ndim();
  // B^T as a contiguous (..., m, k) array.
  Shape bt_shape = b_in.shape();
  Strides bt_strides = b_in.strides();
  std::swap(bt_shape[bn - 1], bt_shape[bn - 2]);
  std::swap(bt_strides[bn - 1], bt_strides[bn - 2]);
  Array bt = contiguous_copy(b_in.raw_view(bt_shape, bt_strides, b_in.offset()));
  int nd = c.ndim();
  int64_t n = c.shape()[nd - 2], m = c.shape()[nd - 1];
  int64_t k = a.shape()[a.ndim() - 1];
  Shape batch(c.shape().begin(), c.shape().end() - 2);
  std::vector<int64_t> oa = batch_offsets(a, batch),
                       ob = batch_offsets(bt, batch),
                       oc = batch_offsets(c, batch);
  int64_t ars = a.strides()[a.ndim() - 2];
  int64_t crs = c.strides()[nd - 2], ccs = c.strides()[nd - 1];
  const uint8_t* pa = reinterpret_cast<const uint8_t*>(a.data());
  const uint8_t* pb = reinterpret_cast<const uint8_t*>(bt.data());
  bool* pc = c.data<bool>();
  constexpr int64_t kChunk = 16;
  int64_t ntasks = static_cast<int64_t>(oc.size()) * n;
  auto task = [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      int64_t bi = t / n, i = t % n;
      const uint8_t* arow = pa + oa[bi] + i * ars;
      const uint8_t* B = pb + ob[bi];
      bool* crow = pc + oc[bi] + i * crs;
      for (int64_t j = 0; j < m; ++j) {
        const uint8_t* brow = B + j * k;
        uint8_t any = 0;
        for (int64_t p0 = 0; p0 < k && !any; p0 += kChunk) {
          int64_t pe = std::min(k, p0 + kChunk);
          for (int64_t p = p0; p < pe; ++p) any |= arow[p] & brow[p];
        }
        crow[j * ccs] = any != 0;
      }
    }
  };
  if (ntasks * m * std::min<int64_t>(k, kChunk) < (1 << 16))
    task(0, ntasks);
  else
    cpu::parallel_for(ntasks, 1, task);
}

// Conjugated contiguous copy (vdot's first operand).
template <typename T>
Array conjugated(const Array& a) {
  Array c = contiguous_copy(a);
  if constexpr (is_complex_v<T>) {
    T* p = c.data<T>();
    for (int64_t i = 0; i < c.size(); ++i) p[i] = std::conj(p[i]);
  }
  return c;
}

void fill_zero(const Array& c) {
  Array z = Array::empty({}, c.dtype(), c.device());
  std::memset(z.data(), 0, static_cast<size_t>(z.itemsize()));
  cpu::copy_cast(z, c);
}

}  // namespace

void Matmul::eval_cpu(std::span<const Array> inputs, std::span<Array> outputs) {
  const Array& c = outputs[0];
  if (c.size() == 0) return;
  Array a = inputs[0];
  const Array& b = inputs[1];
  if (a.shape()[a.ndim() - 1] == 0) {
    fill_zero(c);
    return;
  }
  dispatch_types(c.dtype(), "[matmul]", [&]<typename T>() {
    if (conj_a_ && is_complex_v<T>) a = conjugated<T>(a);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> ||
                  is_complex_v<T>) {
      matmul_blas<T>(a, b, c);
    } else if constexpr (is_half_v<T>) {
      // See Note [Matrix layouts for BLAS]: widen to float32, one SGEMM,
      // round once at the end.
      Array af = Array::empty(a.shape(), Dtype::Float32, a.device());
      Array bf = Array::empty(b.shape(), Dtype::Float32, b.device());
      Array cf = Array::empty(c.shape(), Dtype::Float32, c.device());
      cpu::copy_cast(a, af);
      cpu::copy_cast(b, bf);
      matmul_blas<float>(af, bf, cf);
      cpu::copy_cast(cf, c);
    } else if constexpr (std::is_same_v<T, bool>) {
      matmul_bool(a, b, c);
    } else {
      matmul_ints<T>(a, b, c);
    }
  });
}

}  // namespace arrax

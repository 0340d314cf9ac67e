// CPU evaluation of the factorization primitives (arrax/primitives_linalg.h)
// on LAPACK through LAPACKE (Debian's liblapacke over OpenBLAS).
//
// Note [CPU LAPACK layout]
// Each matrix of the batch is gathered from its (any-strided) input into a
// column-major buffer, LAPACK's layout, factored there, and scattered into
// the outputs: the copies are O(n^2) against the O(n^3) factorization and
// spare every transposition trick. LAPACKE's own NaN scan of the inputs is
// turned off: it would answer "illegal argument" where LAPACK itself
// reports (or propagates) the NaN as NumPy's LAPACK does.
//
// Note [Batched LAPACK threads]
// A batch of small matrices runs across the thread pool, one single-threaded
// LAPACK call per matrix (OpenBLAS held at one thread meanwhile, as for
// batched GEMM in matmul.cpp); large matrices run one at a time on
// OpenBLAS's threads. Errors found inside the pool are recorded (the first
// failing matrix) and raised after it, never thrown across threads.
#include <lapacke.h>

#include <complex>
// clang-format off
#include <cblas.h>
// clang-format on

#include <algorithm>
#include <atomic>
#include <cmath>
#include <complex>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "arrax/backend/cpu/thread_pool.h"
#include "arrax/errors.h"
#include "arrax/primitives_linalg.h"

namespace arrax {

namespace {

using cf = std::complex<float>;
using cd = std::complex<double>;

template <typename T>
struct RealOf {
  using type = T;
};
template <typename R>
struct RealOf<std::complex<R>> {
  using type = R;
};
template <typename T>
using real_t = typename RealOf<T>::type;
template <typename T>
constexpr bool kComplex = !std::is_same_v<T, real_t<T>>;

// LAPACKE's complex types are C99 complex here; std::complex has the same
// layout.
inline lapack_complex_float* lc(cf* p) {
  return reinterpret_cast<lapack_complex_float*>(p);
}
inline const lapack_complex_float* lc(const cf* p) {
  return reinterpret_cast<const lapack_complex_float*>(p);
}
inline lapack_complex_double* lc(cd* p) {
  return reinterpret_cast<lapack_complex_double*>(p);
}
inline const lapack_complex_double* lc(const cd* p) {
  return reinterpret_cast<const lapack_complex_double*>(p);
}

void lapacke_init() {
  static const bool done = [] {
    LAPACKE_set_nancheck(0);
    return true;
  }();
  (void)done;
}

lapack_int as_int(int64_t v, const char* op) {
  if (v > std::numeric_limits<lapack_int>::max())
    throw ValueError(std::string("[") + op + "] dimension " +
                     std::to_string(v) + " exceeds what LAPACK can index");
  return static_cast<lapack_int>(std::max<int64_t>(v, 1));
}

// ---- LAPACKE by type -----------------------------------------------------

inline lapack_int gesv(int n, int k, float* a, int lda, int* piv, float* b,
                       int ldb) {
  return LAPACKE_sgesv(LAPACK_COL_MAJOR, n, k, a, lda, piv, b, ldb);
}
inline lapack_int gesv(int n, int k, double* a, int lda, int* piv, double* b,
                       int ldb) {
  return LAPACKE_dgesv(LAPACK_COL_MAJOR, n, k, a, lda, piv, b, ldb);
}
inline lapack_int gesv(int n, int k, cf* a, int lda, int* piv, cf* b, int ldb) {
  return LAPACKE_cgesv(LAPACK_COL_MAJOR, n, k, lc(a), lda, piv, lc(b), ldb);
}
inline lapack_int gesv(int n, int k, cd* a, int lda, int* piv, cd* b, int ldb) {
  return LAPACKE_zgesv(LAPACK_COL_MAJOR, n, k, lc(a), lda, piv, lc(b), ldb);
}
inline lapack_int getrf(int n, float* a, int lda, int* piv) {
  return LAPACKE_sgetrf(LAPACK_COL_MAJOR, n, n, a, lda, piv);
}
inline lapack_int getrf(int n, double* a, int lda, int* piv) {
  return LAPACKE_dgetrf(LAPACK_COL_MAJOR, n, n, a, lda, piv);
}
inline lapack_int getrf(int n, cf* a, int lda, int* piv) {
  return LAPACKE_cgetrf(LAPACK_COL_MAJOR, n, n, lc(a), lda, piv);
}
inline lapack_int getrf(int n, cd* a, int lda, int* piv) {
  return LAPACKE_zgetrf(LAPACK_COL_MAJOR, n, n, lc(a), lda, piv);
}

inline lapack_int potrf(char uplo, int n, float* a, int lda) {
  return LAPACKE_spotrf(LAPACK_COL_MAJOR, uplo, n, a, lda);
}
inline lapack_int potrf(char uplo, int n, double* a, int lda) {
  return LAPACKE_dpotrf(LAPACK_COL_MAJOR, uplo, n, a, lda);
}
inline lapack_int potrf(char uplo, int n, cf* a, int lda) {
  return LAPACKE_cpotrf(LAPACK_COL_MAJOR, uplo, n, lc(a), lda);
}
inline lapack_int potrf(char uplo, int n, cd* a, int lda) {
  return LAPACKE_zpotrf(LAPACK_COL_MAJOR, uplo, n, lc(a), lda);
}

inline lapack_int geqrf(int m, int n, float* a, int lda, float* tau) {
  return LAPACKE_sgeqrf(LAPACK_COL_MAJOR, m, n, a, lda, tau);
}
inline lapack_int geqrf(int m, int n, double* a, int lda, double* tau) {
  return LAPACKE_dgeqrf(LAPACK_COL_MAJOR, m, n, a, lda, tau);
}
inline lapack_int geqrf(int m, int n, cf* a, int lda, cf* tau) {
  return LAPACKE_cgeqrf(LAPACK_COL_MAJOR, m, n, lc(a), lda, lc(tau));
}
inline lapack_int geqrf(int m, int n, cd* a, int lda, cd* tau) {
  return LAPACKE_zgeqrf(LAPACK_COL_MAJOR, m, n, lc(a), lda, lc(tau));
}

inline lapack_int ungqr(int m, int n, int k, float* a, int lda,
                        const float* tau) {
  return LAPACKE_sorgqr(LAPACK_COL_MAJOR, m, n, k, a, lda, tau);
}
inline lapack_int ungqr(int m, int n, int k, double* a, int lda,
                        const double* tau) {
  return LAPACKE_dorgqr(LAPACK_COL_MAJOR, m, n, k, a, lda, tau);
}
inline lapack_int ungqr(int m, int n, int k, cf* a, int lda, const cf* tau) {
  return LAPACKE_cungqr(LAPACK_COL_MAJOR, m, n, k, lc(a), lda, lc(tau));
}
inline lapack_int ungqr(int m, int n, int k, cd* a, int lda, const cd* tau) {
  return LAPACKE_zungqr(LAPACK_COL_MAJOR, m, n, k, lc(a), lda, lc(tau));
}

inline lapack_int heevd(char jobz, char uplo, int n, float* a, int lda,
                        float* w) {
  return LAPACKE_ssyevd(LAPACK_COL_MAJOR, jobz, uplo, n, a, lda, w);
}
inline lapack_int heevd(char jobz, char uplo, int n, double* a, int lda,
                        double* w) {
  return LAPACKE_dsyevd(LAPACK_COL_MAJOR, jobz, uplo, n, a, lda, w);
}
inline lapack_int heevd(char jobz, char uplo, int n, cf* a, int lda, float* w) {
  return LAPACKE_cheevd(LAPACK_COL_MAJOR, jobz, uplo, n, lc(a), lda, w);
}
inline lapack_int heevd(char jobz, char uplo, int n, cd* a, int lda,
                        double* w) {
  return LAPACKE_zheevd(LAPACK_COL_MAJOR, jobz, uplo, n, lc(a), lda, w);
}

inline lapack_int gesdd(char jobz, int m, int n, float* a, int lda, float* s,
                        float* u, int ldu, float* vt, int ldvt) {
  return LAPACKE_sgesdd(LAPACK_COL_MAJOR, jobz, m, n, a, lda, s, u, ldu, vt,
                        ldvt);
}
inline lapack_int gesdd(char jobz, int m, int n, double* a, int lda, double* s,
                        double* u, int ldu, double* vt, int ldvt) {
  return LAPACKE_dgesdd(LAPACK_COL_MAJOR, jobz, m, n, a, lda, s, u, ldu, vt,
                        ldvt);
}
inline lapack_int gesdd(char jobz, int m, int n, cf* a, int lda, float* s,
                        cf* u, int ldu, cf* vt, int ldvt) {
  return LAPACKE_cgesdd(LAPACK_COL_MAJOR, jobz, m, n, lc(a), lda, s, lc(u), ldu,
                        lc(vt), ldvt);
}
inline lapack_int gesdd(char jobz, int m, int n, cd* a, int lda, double* s,
                        cd* u, int ldu, cd* vt, int ldvt) {
  return LAPACKE_zgesdd(LAPACK_COL_MAJOR, jobz, m, n, lc(a), lda, s, lc(u), ldu,
                        lc(vt), ldvt);
}

// General eigenproblem: complex eigenvalues w and right eigenvectors v
// (column-major n x n, complex) whatever the input type.
template <typename R>
lapack_int geev_real(bool vectors, int n, R* a, std::complex<R>* w,
                     std::complex<R>* v) {
  std::vector<R> wr(n), wi(n), vr(vectors ? size_t(n) * n : 1);
  R dummy = 0;
  lapack_int info;
  if constexpr (std::is_same_v<R, float>)
    info = LAPACKE_sgeev(LAPACK_COL_MAJOR, 'N', vectors ? 'V' : 'N', n, a, n,
                         wr.data(), wi.data(), &dummy, 1, vr.data(), n);
  else
    info = LAPACKE_dgeev(LAPACK_COL_MAJOR, 'N', vectors ? 'V' : 'N', n, a, n,
                         wr.data(), wi.data(), &dummy, 1, vr.data(), n);
  if (info != 0) return info;
  for (int j = 0; j < n; ++j) w[j] = {wr[j], wi[j]};
  if (!vectors) return 0;
  // A complex pair (wi[j] > 0) stores Re and Im of its vector in columns
  // j and j + 1; the second eigenvalue's vector is the conjugate.
  for (int j = 0; j < n; ++j) {
    if (wi[j] != 0 && j + 1 < n) {
      for (int i = 0; i < n; ++i) {
        R re = vr[i + size_t(j) * n], im = vr[i + size_t(j + 1) * n];
        v[i + size_t(j) * n] = {re, im};
        v[i + size_t(j + 1) * n] = {re, -im};
      }
      ++j;
    } else {
      for (int i = 0; i < n; ++i) v[i + size_t(j) * n] = vr[i + size_t(j) * n];
    }
  }
  return 0;
}

template <typename R>
lapack_int geev_complex(bool vectors, int n, std::complex<R>* a,
                        std::complex<R>* w, std::complex<R>* v) {
  std::complex<R> dummy = 0;
  if constexpr (std::is_same_v<R, float>)
    return LAPACKE_cgeev(LAPACK_COL_MAJOR, 'N', vectors ? 'V' : 'N', n, lc(a),
                         n, lc(w), lc(&dummy), 1, lc(v), n);
  else
    return LAPACKE_zgeev(LAPACK_COL_MAJOR, 'N', vectors ? 'V' : 'N', n, lc(a),
                         n, lc(w), lc(&dummy), 1, lc(v), n);
}

// ---- gathering and scattering matrices -----------------------------------

// Number of matrices (or vectors, for core == 1) in the batch of `a`.
int64_t batch_count(const Array& a, int core) {
  int64_t b = 1;
  for (int d = 0; d + core < a.ndim(); ++d) b *= a.shape()[d];
  return b;
}

// Element offset of item `b` of a's batch (its leading ndim - core axes).
int64_t batch_offset(const Array& a, int64_t b, int core) {
  int64_t off = 0;
  for (int d = a.ndim() - core - 1; d >= 0; --d) {
    int64_t n = a.shape()[d];
    off += (b % n) * a.strides()[d];
    b /= n;
  }
  return off;
}

// Matrix b of `a` (m x n) into a column-major buffer with leading dim ld.
template <typename T>
void load(const Array& a, int64_t b, T* buf, int64_t ld) {
  int nd = a.ndim();
  int64_t m = a.shape()[nd - 2], n = a.shape()[nd - 1];
  const T* p = a.data<T>() + batch_offset(a, b, 2);
  int64_t sr = a.strides()[nd - 2], sc = a.strides()[nd - 1];
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i < m; ++i) buf[i + j * ld] = p[i * sr + j * sc];
}

// Matrix b of `o` (rows x cols) from f(i, j).
template <typename T, typename F>
void store_with(const Array& o, int64_t b, F&& f) {
  int nd = o.ndim();
  int64_t m = o.shape()[nd - 2], n = o.shape()[nd - 1];
  T* p = o.data<T>() + batch_offset(o, b, 2);
  int64_t sr = o.strides()[nd - 2], sc = o.strides()[nd - 1];
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) p[i * sr + j * sc] = f(i, j);
}

// Matrix b of `o` from the column-major buffer `buf` (leading dim ld).
template <typename T>
void store(const Array& o, int64_t b, const T* buf, int64_t ld) {
  store_with<T>(o, b, [&](int64_t i, int64_t j) { return buf[i + j * ld]; });
}

// Vector b of `o` (its last axis) from `v`.
template <typename T, typename U>
void store_vec(const Array& o, int64_t b, const U* v) {
  int nd = o.ndim();
  int64_t n = o.shape()[nd - 1];
  T* p = o.data<T>() + batch_offset(o, b, 1);
  int64_t s = o.strides()[nd - 1];
  for (int64_t i = 0; i < n; ++i) p[i * s] = static_cast<T>(v[i]);
}

template <typename T>
void store_scalar(const Array& o, int64_t b, T v) {
  o.data<T>()[batch_offset(o, b, 0)] = v;
}

// Holds OpenBLAS at one thread while the pool runs many small problems.
struct BlasThreadsOne {
  int saved;
  BlasThreadsOne() : saved(openblas_get_num_threads()) {
    openblas_set_num_threads(1);
  }
  ~BlasThreadsOne() { openblas_set_num_threads(saved); }
};

// Runs f(i) for each matrix i of a batch of n x n-ish problems and raises
// LinAlgError "[op] <message>" when f returned false for any (Note [Batched
// LAPACK threads]).
void run_batches(int64_t nbatch, int64_t n, const char* op,
                 const std::function<bool(int64_t)>& f, const char* message) {
  lapacke_init();
  std::atomic<bool> failed{false};
  bool across = nbatch > 1 && cpu::num_threads() > 1 && n <= 256;
  if (across) {
    BlasThreadsOne guard;
    cpu::parallel_for(nbatch, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi && !failed.load(); ++i)
        if (!f(i)) failed = true;
    });
  } else {
    for (int64_t i = 0; i < nbatch; ++i)
      if (!f(i)) {
        failed = true;
        break;
      }
  }
  if (failed) throw LinAlgError(std::string("[") + op + "] " + message);
}

template <typename T>
bool has_nan(const T* p, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    if constexpr (kComplex<T>) {
      if (std::isnan(p[i].real()) || std::isnan(p[i].imag())) return true;
    } else {
      if (std::isnan(p[i])) return true;
    }
  }
  return false;
}

template <typename F>
void lapack_types(Dtype dt, const char* op, F&& f) {
  switch (dt) {
    case Dtype::Float32:
      return f.template operator()<float>();
    case Dtype::Float64:
      return f.template operator()<double>();
    case Dtype::Complex64:
      return f.template operator()<cf>();
    case Dtype::Complex128:
      return f.template operator()<cd>();
    default:
      throw TypeError(std::string("[") + op + "] array type " + dtype_name(dt) +
                      " is unsupported in linalg");
  }
}

}  // namespace

// ---- the primitives --------------------------------------------------------

void Solve::eval_cpu(std::span<const Array> inputs, std::span<Array> outputs) {
  const Array& a = inputs[0];
  const Array& b = inputs[1];
  const Array& x = outputs[0];
  if (x.size() == 0) return;
  int nd = a.ndim();
  int64_t n = a.shape()[nd - 1], k = b.shape()[b.ndim() - 1];
  lapack_types(a.dtype(), op_, [&]<typename T>() {
    lapack_int ln = as_int(n, op_), lk = as_int(k, op_);
    run_batches(
        batch_count(x, 2), n, op_,
        [&](int64_t i) {
          std::vector<T> am(size_t(n) * n), bm(size_t(n) * k);
          std::vector<lapack_int> piv(n);
          load(a, i, am.data(), n);
          load(b, i, bm.data(), n);
          lapack_int info =
              gesv(ln, lk, am.data(), ln, piv.data(), bm.data(), ln);
          if (info != 0 && !quiet_) return false;
          if (info != 0)
            std::fill(bm.begin(), bm.end(),
                      T(std::numeric_limits<real_t<T>>::quiet_NaN()));
          store(x, i, bm.data(), n);
          return true;
        },
        "Singular matrix");
  });
}

void Slogdet::eval_cpu(std::span<const Array> inputs,
                       std::span<Array> outputs) {
  const Array& a = inputs[0];
  const Array& sign = outputs[0];
  const Array& logdet = outputs[1];
  if (sign.size() == 0) return;
  int64_t n = a.shape()[a.ndim() - 1];
  lapack_types(a.dtype(), "linalg.slogdet", [&]<typename T>() {
    using R = real_t<T>;
    lapack_int ln = as_int(n, "linalg.slogdet");
    run_batches(
        batch_count(sign, 0), n, "linalg.slogdet",
        [&](int64_t i) {
          T s = 1;
          R l = 0;
          if (n > 0) {
            std::vector<T> am(size_t(n) * n);
            std::vector<lapack_int> piv(n);
            load(a, i, am.data(), n);
            lapack_int info = getrf(ln, am.data(), ln, piv.data());
            if (info > 0) {
              s = 0;
              l = -std::numeric_limits<R>::infinity();
            } else {
              for (int64_t j = 0; j < n; ++j) {
                T d = am[j + j * n];
                R ad = std::abs(d);
                l += std::log(ad);
                s *= d / ad;
                if (piv[j] != j + 1) s = -s;
              }
            }
          }
          store_scalar<T>(sign, i, s);
          store_scalar<R>(logdet, i, l);
          return true;
        },
        "");
  });
}

void Cholesky::eval_cpu(std::span<const Array> inputs,
                        std::span<Array> outputs) {
  const Array& a = inputs[0];
  const Array& l = outputs[0];
  if (l.size() == 0) return;
  int64_t n = a.shape()[a.ndim() - 1];
  lapack_types(a.dtype(), "linalg.cholesky", [&]<typename T>() {
    lapack_int ln = as_int(n, "linalg.cholesky");
    run_batches(
        batch_count(l, 2), n, "linalg.cholesky",
        [&](int64_t i) {
          std::vector<T> am(size_t(n) * n);
          load(a, i, am.data(), n);
          if (potrf(upper_ ? 'U' : 'L', ln, am.data(), ln) != 0) return false;
          store_with<T>(l, i, [&](int64_t r, int64_t c) {
            bool keep = upper_ ? r <= c : r >= c;
            return keep ? am[r + c * n] : T(0);
          });
          return true;
        },
        "Matrix is not positive definite");
  });
}

void Qr::eval_cpu(std::span<const Array> inputs, std::span<Array> outputs) {
  const Array& a = inputs[0];
  int nd = a.ndim();
  int64_t m = a.shape()[nd - 2], n = a.shape()[nd - 1], k = std::min(m, n);
  int64_t nbatch = batch_count(a, 2);
  if (nbatch == 0) return;
  lapack_types(a.dtype(), "linalg.qr", [&]<typename T>() {
    lapack_int lm = as_int(m, "linalg.qr"), ln = as_int(n, "linalg.qr");
    run_batches(
        nbatch, std::max(m, n), "linalg.qr",
        [&](int64_t i) {
          int64_t ld = std::max<int64_t>(m, 1);
          // Room for m columns, which the complete Q needs.
          std::vector<T> am(size_t(ld) * std::max(m, n) + 1);
          std::vector<T> tau(std::max<int64_t>(k, 1));
          load(a, i, am.data(), ld);
          if (k > 0 && geqrf(lm, ln, am.data(), lm, tau.data()) != 0)
            return false;
          if (mode_ == QrMode::Raw) {
            // h is (n, m): the column-major factor read row by row.
            store_with<T>(outputs[0], i,
                          [&](int64_t r, int64_t c) { return am[c + r * ld]; });
            store_vec<T>(outputs[1], i, tau.data());
            return true;
          }
          const Array& r_out = mode_ == QrMode::R ? outputs[0] : outputs[1];
          store_with<T>(r_out, i, [&](int64_t r, int64_t c) {
            return r <= c ? am[r + c * ld] : T(0);
          });
          if (mode_ == QrMode::R) return true;
          int64_t qcols = mode_ == QrMode::Complete ? m : k;
          if (m == 0 || qcols == 0) return true;
          if (k == 0) {
            std::fill(am.begin(), am.end(), T(0));
          }
          if (ungqr(lm, as_int(qcols, "linalg.qr"), static_cast<lapack_int>(k),
                    am.data(), lm, tau.data()) != 0)
            return false;
          store(outputs[0], i, am.data(), ld);
          return true;
        },
        "QR factorization failed");
  });
}

void Eigh::eval_cpu(std::span<const Array> inputs, std::span<Array> outputs) {
  const Array& a = inputs[0];
  int64_t n = a.shape()[a.ndim() - 1];
  int64_t nbatch = batch_count(a, 2);
  if (nbatch == 0 || n == 0) return;
  lapack_types(a.dtype(), "linalg.eigh", [&]<typename T>() {
    using R = real_t<T>;
    lapack_int ln = as_int(n, "linalg.eigh");
    run_batches(
        nbatch, n, "linalg.eigh",
        [&](int64_t i) {
          std::vector<T> am(size_t(n) * n);
          std::vector<R> w(n);
          load(a, i, am.data(), n);
          if (heevd(vectors_ ? 'V' : 'N', lower_ ? 'L' : 'U', ln, am.data(), ln,
                    w.data()) != 0)
            return false;
          store_vec<R>(outputs[0], i, w.data());
          if (vectors_) store(outputs[1], i, am.data(), n);
          return true;
        },
        "Eigenvalues did not converge");
  });
}

void Eig::eval_cpu(std::span<const Array> inputs, std::span<Array> outputs) {
  const Array& a = inputs[0];
  int64_t n = a.shape()[a.ndim() - 1];
  int64_t nbatch = batch_count(a, 2);
  if (nbatch == 0 || n == 0) return;
  lapack_types(a.dtype(), "linalg.eig", [&]<typename T>() {
    using R = real_t<T>;
    using C = std::complex<R>;
    lapack_int ln = as_int(n, "linalg.eig");
    run_batches(
        nbatch, n, "linalg.eig",
        [&](int64_t i) {
          std::vector<T> am(size_t(n) * n);
          std::vector<C> w(n), v(vectors_ ? size_t(n) * n : 1);
          load(a, i, am.data(), n);
          lapack_int info;
          if constexpr (kComplex<T>)
            info = geev_complex<R>(vectors_, ln, am.data(), w.data(), v.data());
          else
            info = geev_real<R>(vectors_, ln, am.data(), w.data(), v.data());
          if (info != 0) return false;
          store_vec<C>(outputs[0], i, w.data());
          if (vectors_) store(outputs[1], i, v.data(), n);
          return true;
        },
        "Eigenvalues did not converge");
  });
}

void Svd::eval_cpu(std::span<const Array> inputs, std::span<Array> outputs) {
  const Array& a = inputs[0];
  int nd = a.ndim();
  int64_t m = a.shape()[nd - 2], n = a.shape()[nd - 1], k = std::min(m, n);
  int64_t nbatch = batch_count(a, 2);
  if (nbatch == 0) return;
  lapack_types(a.dtype(), op_, [&]<typename T>() {
    using R = real_t<T>;
    int64_t ucols = full_ ? m : k, vrows = full_ ? n : k;
    run_batches(
        nbatch, std::max(m, n), op_,
        [&](int64_t i) {
          if (k == 0) {
            // Empty: the full factors are identities (as NumPy's).
            if (uv_ && full_) {
              auto eye = [](int64_t r, int64_t c) { return T(r == c ? 1 : 0); };
              store_with<T>(outputs[0], i, eye);
              store_with<T>(outputs[2], i, eye);
            }
            return true;
          }
          std::vector<T> am(size_t(m) * n);
          load(a, i, am.data(), m);
          if (has_nan(am.data(), m * n)) return false;
          std::vector<R> s(k);
          std::vector<T> u(uv_ ? size_t(m) * ucols : 1),
              vt(uv_ ? size_t(vrows) * n : 1);
          char jobz = !uv_ ? 'N' : (full_ ? 'A' : 'S');
          lapack_int info =
              gesdd(jobz, as_int(m, op_), as_int(n, op_), am.data(),
                    as_int(m, op_), s.data(), u.data(), as_int(m, op_),
                    vt.data(), as_int(vrows, op_));
          if (info != 0) return false;
          if (!uv_) {
            store_vec<R>(outputs[0], i, s.data());
            return true;
          }
          store(outputs[0], i, u.data(), m);
          store_vec<R>(outputs[1], i, s.data());
          store(outputs[2], i, vt.data(), vrows);
          return true;
        },
        "SVD did not converge");
  });
}

}  // namespace arrax

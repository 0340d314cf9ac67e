// numpy.linalg (arrax/linalg.h): NumPy's semantics on top of the
// factorization primitives and the array ops.
//
// Note [linalg layering]
// Only what needs LAPACK / cuSOLVER is a primitive: Solve (LU), Slogdet
// (LU), Cholesky, Qr, Eigh, Eig and Svd. inv is Solve against the identity
// (as NumPy's inv is gesv), det is sign * exp(logabsdet), lstsq and pinv go
// through the SVD, cond / matrix_rank / the norms / matrix_power /
// multi_dot / tensorinv / tensorsolve / cross are compositions. So every
// name runs on each device the primitives run on, and differentiates
// through the primitives' vjps (derivatives_linalg.cpp). Where NumPy's
// result depends on the data (eig's real or complex result, lstsq's
// residuals), one value is read back to the host, as NumPy's own code does.
#include "arrax/linalg.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "arrax/dispatch.h"
#include "arrax/errors.h"
#include "arrax/ops.h"
#include "arrax/ops_index.h"
#include "arrax/ops_linalg.h"
#include "arrax/ops_reductions.h"
#include "arrax/ops_shape.h"
#include "arrax/ops_ufuncs.h"

namespace arrax {

// ---- shape inference of the primitives -----------------------------------

namespace {

Shape batch_of(const Array& a, int core = 2) {
  return Shape(a.shape().begin(), a.shape().end() - core);
}
Shape with(Shape s, std::initializer_list<int64_t> tail) {
  for (int64_t v : tail) s.push_back(v);
  return s;
}

}  // namespace

OutputSpecs Solve::output_specs(std::span<const Array> inputs) const {
  OutputSpecs specs;
  specs.push_back({inputs[1].shape(), inputs[0].dtype()});
  return specs;
}

OutputSpecs Slogdet::output_specs(std::span<const Array> inputs) const {
  const Array& a = inputs[0];
  OutputSpecs specs;
  specs.push_back({batch_of(a), a.dtype()});
  specs.push_back({batch_of(a), real_dtype(a.dtype())});
  return specs;
}

OutputSpecs Cholesky::output_specs(std::span<const Array> inputs) const {
  OutputSpecs specs;
  specs.push_back({inputs[0].shape(), inputs[0].dtype()});
  return specs;
}

OutputSpecs Qr::output_specs(std::span<const Array> inputs) const {
  const Array& a = inputs[0];
  int64_t m = a.shape()[a.ndim() - 2], n = a.shape()[a.ndim() - 1];
  int64_t k = std::min(m, n);
  Shape b = batch_of(a);
  Dtype dt = a.dtype();
  OutputSpecs specs;
  switch (mode_) {
    case QrMode::Reduced:
      specs.push_back({with(b, {m, k}), dt});
      specs.push_back({with(b, {k, n}), dt});
      break;
    case QrMode::Complete:
      specs.push_back({with(b, {m, m}), dt});
      specs.push_back({with(b, {m, n}), dt});
      break;
    case QrMode::R:
      specs.push_back({with(b, {k, n}), dt});
      break;
    case QrMode::Raw:
      specs.push_back({with(b, {n, m}), dt});
      specs.push_back({with(b, {k}), dt});
      break;
  }
  return specs;
}

OutputSpecs Eigh::output_specs(std::span<const Array> inputs) const {
  const Array& a = inputs[0];
  int64_t n = a.shape()[a.ndim() - 1];
  OutputSpecs specs;
  specs.push_back({with(batch_of(a), {n}), real_dtype(a.dtype())});
  if (vectors_) specs.push_back({a.shape(), a.dtype()});
  return specs;
}

OutputSpecs Eig::output_specs(std::span<const Array> inputs) const {
  const Array& a = inputs[0];
  int64_t n = a.shape()[a.ndim() - 1];
  Dtype c = complex_dtype(a.dtype());
  OutputSpecs specs;
  specs.push_back({with(batch_of(a), {n}), c});
  if (vectors_) specs.push_back({a.shape(), c});
  return specs;
}

OutputSpecs Svd::output_specs(std::span<const Array> inputs) const {
  const Array& a = inputs[0];
  int64_t m = a.shape()[a.ndim() - 2], n = a.shape()[a.ndim() - 1];
  int64_t k = std::min(m, n);
  Shape b = batch_of(a);
  OutputSpecs specs;
  Dtype r = real_dtype(a.dtype());
  if (!uv_) {
    specs.push_back({with(b, {k}), r});
    return specs;
  }
  specs.push_back({with(b, {m, full_ ? m : k}), a.dtype()});
  specs.push_back({with(b, {k}), r});
  specs.push_back({with(b, {full_ ? n : k, n}), a.dtype()});
  return specs;
}

namespace linalg {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string tag(const char* op) { return std::string("[linalg.") + op + "] "; }

Array strong(const Array& a) {
  if (!a.is_weak()) return a;
  Array s = a.alias();
  s.set_weak(false);
  return s;
}

Array swap_last(const Array& a) {
  return swapaxes(a, a.ndim() - 1, a.ndim() - 2);
}
// The conjugate transpose of the last two axes.
Array mh(const Array& a) {
  Array t = swap_last(a);
  return is_complex(a.dtype()) ? conjugate(t) : t;
}

void check_at_least_2d(const Array& a, const char* op) {
  if (a.ndim() < 2)
    throw LinAlgError(tag(op) + std::to_string(a.ndim()) +
                      "-dimensional array given. Array must be at least "
                      "two-dimensional");
}
void check_2d(const Array& a, const char* op) {
  if (a.ndim() != 2)
    throw LinAlgError(tag(op) + std::to_string(a.ndim()) +
                      "-dimensional array given. Array must be "
                      "two-dimensional");
}
void check_square(const Array& a, const char* op) {
  int nd = a.ndim();
  if (a.shape()[nd - 1] != a.shape()[nd - 2])
    throw LinAlgError(tag(op) +
                      "Last 2 dimensions of the array must be square");
}

// Validated and cast to the compute dtype.
Array prep(const Array& a_in, const char* op, bool square) {
  Array a = strong(a_in);
  check_at_least_2d(a, op);
  if (square) check_square(a, op);
  return astype(a, compute_dtype(a.dtype(), op), false);
}

Array eye_like(int64_t n, Dtype dt, Device dev) {
  return eye(n, std::nullopt, 0, dt, dev);
}

double eps_of(Dtype dt) {
  Dtype r = real_dtype(dt);
  return r == Dtype::Float32 ? 1.1920928955078125e-07 : 2.220446049250313e-16;
}

Array scalar_like(double v, const Array& a) {
  return full_scalar(v, real_dtype(a.dtype()), a.device());
}

// Reduction helpers over explicit axes.
Array reduce_sum(const Array& a, std::vector<int64_t> axes,
                 bool keepdims = false) {
  ReduceArgs r;
  r.axis = Axes(axes.begin(), axes.end());
  r.keepdims = keepdims;
  return sum(a, r);
}
Array reduce_max(const Array& a, std::vector<int64_t> axes,
                 bool keepdims = false) {
  ReduceArgs r;
  r.axis = Axes(axes.begin(), axes.end());
  r.keepdims = keepdims;
  return max(a, r);
}
Array reduce_min(const Array& a, std::vector<int64_t> axes,
                 bool keepdims = false) {
  ReduceArgs r;
  r.axis = Axes(axes.begin(), axes.end());
  r.keepdims = keepdims;
  return min(a, r);
}
Array reduce_any(const Array& a, std::vector<int64_t> axes) {
  ReduceArgs r;
  r.axis = Axes(axes.begin(), axes.end());
  return any(a, r);
}

// a[..., i] along the last axis.
Array last_index(const Array& a, int64_t i) {
  Indices idx = {Index(ellipsis), Index(i)};
  return getitem(a, idx);
}
// a[..., None] / a[..., None, :].
Array add_last_axis(const Array& a) {
  Indices idx = {Index(ellipsis), Index(newaxis)};
  return getitem(a, idx);
}
Array add_row_axis(const Array& a) {
  Indices idx = {Index(ellipsis), Index(newaxis), Index(Slice())};
  return getitem(a, idx);
}

bool host_bool(const Array& a) { return a.item<bool>(); }

}  // namespace

Dtype compute_dtype(Dtype dt, const char* op) {
  if (dt == Dtype::Float16 || dt == Dtype::BFloat16)
    throw TypeError(tag(op) + "array type " + dtype_name(dt) +
                    " is unsupported in linalg");
  if (dt == Dtype::Float32 || dt == Dtype::Float64 || dt == Dtype::Complex64 ||
      dt == Dtype::Complex128)
    return dt;
  return Dtype::Float64;
}

// ---- LU family -----------------------------------------------------------

Array solve(const Array& a_in, const Array& b_in) {
  const char* op = "solve";
  Array a = strong(a_in), b = strong(b_in);
  check_at_least_2d(a, op);
  check_square(a, op);
  Dtype dt =
      promote_types(compute_dtype(a.dtype(), op), compute_dtype(b.dtype(), op));
  a = astype(a, dt, false);
  b = astype(b, dt, false);
  int64_t n = a.shape()[a.ndim() - 1];
  bool vec = b.ndim() == 1;
  if (b.ndim() == 0)
    throw ValueError(tag(op) +
                     "solve: Input operand 1 does not have enough dimensions "
                     "(has 0, gufunc core with signature (m,m),(m,n)->(m,n) "
                     "requires 2)");
  int64_t bn = vec ? b.shape()[0] : b.shape()[b.ndim() - 2];
  if (bn != n)
    throw ValueError(
        tag(op) + (vec ? "solve1" : "solve") +
        ": Input operand 1 has a mismatch in its core dimension 0, with gufunc "
        "signature " +
        (vec ? "(m,m),(m)->(m)" : "(m,m),(m,n)->(m,n)") + " (size " +
        std::to_string(bn) + " is different from " + std::to_string(n) + ")");
  Shape batch;
  int64_t k = 1;
  if (vec) {
    batch = batch_of(a);
    b = reshape(b, {n, 1});
  } else {
    k = b.shape()[b.ndim() - 1];
    batch = broadcast_shapes(batch_of(a), batch_of(b), "linalg.solve");
  }
  Array A = broadcast_to(a, with(batch, {n, n}));
  Array B = broadcast_to(b, with(batch, {n, k}));
  Array in[2] = {A, B};
  Array x = dispatch1(std::make_shared<Solve>("linalg.solve"), in);
  if (vec) x = last_index(x, 0);
  return x;
}

Array inv(const Array& a_in) {
  Array a = prep(a_in, "inv", true);
  int64_t n = a.shape()[a.ndim() - 1];
  Array in[2] = {a,
                 broadcast_to(eye_like(n, a.dtype(), a.device()), a.shape())};
  return dispatch1(std::make_shared<Solve>("linalg.inv"), in);
}

std::pair<Array, Array> slogdet(const Array& a_in) {
  Array a = prep(a_in, "slogdet", true);
  Array in[1] = {a};
  Arrays r = dispatch(std::make_shared<Slogdet>(), in);
  return {r[0], r[1]};
}

Array det(const Array& a_in) {
  Array a = prep(a_in, "det", true);
  Array in[1] = {a};
  Arrays r = dispatch(std::make_shared<Slogdet>(), in);
  return multiply(r[0], exp(r[1]));
}

// ---- Cholesky, QR ----------------------------------------------------------

Array cholesky(const Array& a_in, bool upper) {
  Array a = prep(a_in, "cholesky", true);
  Array in[1] = {a};
  return dispatch1(std::make_shared<Cholesky>(upper), in);
}

QrMode qr_mode_from_name(const std::string& mode) {
  if (mode == "reduced") return QrMode::Reduced;
  if (mode == "complete") return QrMode::Complete;
  if (mode == "r") return QrMode::R;
  if (mode == "raw") return QrMode::Raw;
  throw ValueError(tag("qr") + "Unrecognized mode '" + mode + "'");
}

Arrays qr(const Array& a_in, QrMode mode) {
  Array a = prep(a_in, "qr", false);
  Array in[1] = {a};
  return dispatch(std::make_shared<Qr>(mode), in);
}

// ---- eigenvalues -----------------------------------------------------------

std::pair<Array, Array> eigh(const Array& a_in, bool lower) {
  Array a = prep(a_in, "eigh", true);
  Array in[1] = {a};
  Arrays r = dispatch(std::make_shared<Eigh>(lower, true), in);
  return {r[0], r[1]};
}

Array eigvalsh(const Array& a_in, bool lower) {
  Array a = prep(a_in, "eigvalsh", true);
  Array in[1] = {a};
  return dispatch1(std::make_shared<Eigh>(lower, false), in);
}

namespace {

Arrays eig_impl(const Array& a_in, bool vectors, const char* op) {
  Array a = prep(a_in, op, true);
  if (a.size() > 0 && !host_bool(all(isfinite(a))))
    throw LinAlgError(tag(op) + "Array must not contain infs or NaNs");
  Array in[1] = {a};
  Arrays r = dispatch(std::make_shared<Eig>(vectors), in);
  // NumPy: real results for real input whose eigenvalues are all real.
  if (!is_complex(a.dtype()) &&
      host_bool(all(equal(imag(r[0]), weak_scalar(0.0))))) {
    for (Array& x : r) x = real(x);
  }
  return r;
}

}  // namespace

std::pair<Array, Array> eig(const Array& a) {
  Arrays r = eig_impl(a, true, "eig");
  return {r[0], r[1]};
}

Array eigvals(const Array& a) { return eig_impl(a, false, "eigvals")[0]; }

// ---- SVD and what is built on it -----------------------------------------

Arrays svd(const Array& a_in, bool full_matrices, bool compute_uv) {
  Array a = prep(a_in, "svd", false);
  Array in[1] = {a};
  return dispatch(std::make_shared<Svd>(full_matrices, compute_uv), in);
}

Array svdvals(const Array& a_in) {
  Array a = prep(a_in, "svdvals", false);
  Array in[1] = {a};
  return dispatch1(std::make_shared<Svd>(false, false, "linalg.svdvals"), in);
}

namespace {

// Singular values (unordered for `hermitian`: |eigenvalues|); `op` for
// errors.
Array singular_values(const Array& a, bool hermitian, const char* op) {
  Array in[1] = {a};
  if (hermitian)
    return absolute(dispatch1(std::make_shared<Eigh>(true, false), in));
  return dispatch1(std::make_shared<Svd>(false, false, op), in);
}

// 1 / s where keep, 0 elsewhere, with a derivative that stays finite.
Array safe_reciprocal(const Array& s, const Array& keep) {
  Array one = scalar_like(1.0, s);
  Array zero = scalar_like(0.0, s);
  return where(keep, divide(one, where(keep, s, one)), zero);
}

}  // namespace

Array pinv(const Array& a_in, std::optional<Array> rcond, bool hermitian,
           std::optional<Array> rtol) {
  const char* op = "pinv";
  Array a = strong(a_in);
  check_at_least_2d(a, op);
  if (rcond && rtol)
    throw ValueError(tag(op) + "`rtol` and `rcond` can't be both set.");
  int nd = a.ndim();
  int64_t m = a.shape()[nd - 2], n = a.shape()[nd - 1];
  if (m * n == 0)
    return empty(with(batch_of(a), {n, m}), a.dtype(), a.device());
  Array x = prep(a, op, false);
  Array r;
  if (rcond)
    r = astype(*rcond, real_dtype(x.dtype()), false);
  else if (rtol)
    r = astype(*rtol, real_dtype(x.dtype()), false);
  else
    r = scalar_like(1e-15, x);
  Array u, s, vh;
  if (hermitian) {
    Array in[1] = {x};
    Arrays e = dispatch(std::make_shared<Eigh>(true, true), in);
    s = absolute(e[0]);
    u = e[1];
    // A = V diag(w) V^H = V diag(|w|) (V diag(sign w))^H.
    vh = mh(multiply(u, add_row_axis(astype(sign(e[0]), x.dtype()))));
  } else {
    Array in[1] = {x};
    Arrays f = dispatch(std::make_shared<Svd>(false, true, "linalg.pinv"), in);
    u = f[0];
    s = f[1];
    vh = f[2];
  }
  Array cutoff = multiply(add_last_axis(r), reduce_max(s, {-1}, true));
  Array keep = greater(s, cutoff);
  Array sinv = astype(safe_reciprocal(s, keep), x.dtype(), false);
  // pinv(A) = V diag(1/s) U^H.
  return matmul(mh(vh), multiply(add_last_axis(sinv), mh(u)));
}

Array matrix_rank(const Array& a_in, std::optional<Array> tol, bool hermitian,
                  std::optional<Array> rtol) {
  const char* op = "matrix_rank";
  Array a = strong(a_in);
  if (a.ndim() < 2)
    return astype(any(not_equal(a, weak_scalar(int64_t(0)))), Dtype::Int64);
  Array x = prep(a, op, false);
  Array s = singular_values(x, hermitian, "linalg.matrix_rank");
  Array t;
  if (tol) {
    t = add_last_axis(astype(*tol, real_dtype(x.dtype()), false));
  } else {
    int nd = x.ndim();
    Array r = rtol ? add_last_axis(astype(*rtol, real_dtype(x.dtype()), false))
                   : scalar_like(static_cast<double>(std::max(
                                     x.shape()[nd - 1], x.shape()[nd - 2])) *
                                     eps_of(x.dtype()),
                                 x);
    t = multiply(reduce_max(s, {-1}, true), r);
  }
  ReduceArgs ra;
  ra.axis = Axes{-1};
  ra.dtype = Dtype::Int64;
  return sum(greater(s, t), ra);
}

Arrays lstsq(const Array& a_in, const Array& b_in, std::optional<double> rc) {
  const char* op = "lstsq";
  Array a = strong(a_in), b = strong(b_in);
  bool vec = b.ndim() == 1;
  if (vec) b = reshape(b, {b.shape()[0], 1});
  check_2d(a, op);
  check_2d(b, op);
  int64_t m = a.shape()[0], n = a.shape()[1], nrhs = b.shape()[1];
  if (b.shape()[0] != m) throw LinAlgError(tag(op) + "Incompatible dimensions");
  Dtype dt =
      promote_types(compute_dtype(a.dtype(), op), compute_dtype(b.dtype(), op));
  Dtype rdt = real_dtype(dt);
  a = astype(a, dt, false);
  b = astype(b, dt, false);
  double rcond = rc ? *rc : eps_of(dt) * static_cast<double>(std::max(m, n));
  if (rcond < 0) rcond = eps_of(dt);
  Array in[1] = {a};
  Arrays f = dispatch(std::make_shared<Svd>(false, true, "linalg.lstsq"), in);
  Array u = f[0], s = f[1], vh = f[2];
  int64_t k = std::min(m, n);
  Array x, rank;
  if (k == 0) {
    x = zeros({n, nrhs}, dt, a.device());
    rank = zeros({}, Dtype::Int32, a.device());
  } else {
    Array cutoff = multiply(scalar_like(rcond, s), last_index(s, 0));
    Array keep = greater(s, cutoff);
    Array sinv = astype(safe_reciprocal(s, keep), dt, false);
    x = matmul(mh(vh), multiply(add_last_axis(sinv), matmul(mh(u), b)));
    ReduceArgs ra;
    ra.dtype = Dtype::Int32;
    rank = sum(keep, ra);
  }
  Array resid;
  int64_t r = rank.item<int64_t>();
  if (r == n && m > n) {
    Array d = subtract(b, matmul(a, x));
    Array sq =
        is_complex(dt) ? real(multiply(conjugate(d), d)) : multiply(d, d);
    resid = reduce_sum(sq, {0});
  } else {
    resid = empty({0}, rdt, a.device());
  }
  if (vec) x = last_index(x, 0);
  return {x, resid, rank, s};
}

// ---- norms
// -------------------------------------------------------------------

NormOrd NormOrd::from_name(const std::string& name) {
  if (name == "fro" || name == "f") return {Kind::Fro, 0};
  if (name == "nuc") return {Kind::Nuc, 0};
  throw ValueError(tag("norm") + "Invalid norm order '" + name + "'");
}

namespace {

Array abs_of(const Array& x) { return absolute(x); }

// sum |x|^2 over axes, real.
Array sum_squares(const Array& x, std::vector<int64_t> axes, bool keepdims) {
  Array sq =
      is_complex(x.dtype()) ? real(multiply(conjugate(x), x)) : multiply(x, x);
  return reduce_sum(sq, std::move(axes), keepdims);
}

Array vector_norm_axis(const Array& x, NormOrd ord, int64_t axis,
                       bool keepdims) {
  std::vector<int64_t> ax = {axis};
  if (ord.kind == NormOrd::Kind::None || ord.is(2))
    return sqrt(sum_squares(x, ax, keepdims));
  if (ord.kind != NormOrd::Kind::Number)
    throw ValueError(tag("norm") + "Invalid norm order '" +
                     (ord.kind == NormOrd::Kind::Fro ? "fro" : "nuc") +
                     "' for vectors");
  double p = ord.p;
  if (p == kInf) return reduce_max(abs_of(x), ax, keepdims);
  if (p == -kInf) return reduce_min(abs_of(x), ax, keepdims);
  if (p == 0)
    return reduce_sum(
        astype(not_equal(x, weak_scalar(0.0)), real_dtype(x.dtype())), ax,
        keepdims);
  if (p == 1) return reduce_sum(abs_of(x), ax, keepdims);
  Array s = reduce_sum(power(abs_of(x), weak_scalar(p)), ax, keepdims);
  return power(s, weak_scalar(1.0 / p));
}

// op(singular values) of the matrices in axes (row, col).
Array svd_norm(const Array& x, int row, int col, int which) {
  int64_t src[2] = {row, col}, dst[2] = {-2, -1};
  Array y = moveaxis(x, src, dst);
  Array s = singular_values(prep(y, "norm", false), false, "linalg.norm");
  if (which > 0) return reduce_max(s, {-1});
  if (which < 0) return reduce_min(s, {-1});
  return reduce_sum(s, {-1});
}

}  // namespace

Array norm(const Array& x_in, NormOrd ord,
           std::optional<std::vector<int64_t>> axis, bool keepdims) {
  const char* op = "norm";
  Array x = strong(x_in);
  if (!is_inexact(x.dtype())) x = astype(x, Dtype::Float64);
  int nd = x.ndim();
  if (!axis) {
    bool fast = ord.kind == NormOrd::Kind::None ||
                (ord.kind == NormOrd::Kind::Fro && nd == 2) ||
                (ord.is(2) && nd == 1);
    if (fast) {
      Array r = sqrt(sum_squares(ravel(x), {0}, false));
      if (keepdims) r = reshape(r, Shape(static_cast<size_t>(nd), 1));
      return r;
    }
    axis = std::vector<int64_t>();
    for (int d = 0; d < nd; ++d) axis->push_back(d);
  }
  if (axis->size() == 1)
    return vector_norm_axis(x, ord, normalize_axis((*axis)[0], nd, op),
                            keepdims);
  if (axis->size() != 2)
    throw ValueError(tag(op) + "Improper number of dimensions to norm.");
  int row = normalize_axis((*axis)[0], nd, op);
  int col = normalize_axis((*axis)[1], nd, op);
  if (row == col) throw ValueError(tag(op) + "Duplicate axes given.");
  Array r;
  using K = NormOrd::Kind;
  if (ord.is(2)) {
    r = svd_norm(x, row, col, 1);
  } else if (ord.is(-2)) {
    r = svd_norm(x, row, col, -1);
  } else if (ord.is(1) || ord.is(-1)) {
    int c = col > row ? col - 1 : col;
    Array t = reduce_sum(abs_of(x), {row});
    r = ord.p > 0 ? reduce_max(t, {c}) : reduce_min(t, {c});
  } else if (ord.is(kInf) || ord.is(-kInf)) {
    int rr = row > col ? row - 1 : row;
    Array t = reduce_sum(abs_of(x), {col});
    r = ord.p > 0 ? reduce_max(t, {rr}) : reduce_min(t, {rr});
  } else if (ord.kind == K::None || ord.kind == K::Fro) {
    r = sqrt(sum_squares(x, {row, col}, false));
  } else if (ord.kind == K::Nuc) {
    r = svd_norm(x, row, col, 0);
  } else {
    throw ValueError(tag(op) + "Invalid norm order for matrices.");
  }
  if (keepdims) {
    Shape s = x.shape();
    s[row] = 1;
    s[col] = 1;
    r = reshape(r, s);
  }
  return r;
}

Array vector_norm(const Array& x_in, double ord,
                  std::optional<std::vector<int64_t>> axis, bool keepdims) {
  Array x = strong(x_in);
  Shape shape = x.shape();
  int nd = x.ndim();
  Array y;
  int64_t ax = 0;
  std::vector<int> reduced;
  if (!axis) {
    y = ravel(x);
    for (int d = 0; d < nd; ++d) reduced.push_back(d);
  } else if (axis->size() == 1) {
    y = x;
    ax = (*axis)[0];
    reduced.push_back(normalize_axis(ax, nd, "linalg.vector_norm"));
  } else {
    SmallVector<int64_t> perm;
    std::vector<bool> used(static_cast<size_t>(nd), false);
    int64_t p = 1;
    for (int64_t a : *axis) {
      int d = normalize_axis(a, nd, "linalg.vector_norm");
      if (used[d])
        throw ValueError("[linalg.vector_norm] repeated axis in `axis`");
      used[d] = true;
      perm.push_back(d);
      reduced.push_back(d);
      p *= shape[d];
    }
    Shape rest{p};
    for (int d = 0; d < nd; ++d)
      if (!used[d]) {
        perm.push_back(d);
        rest.push_back(shape[d]);
      }
    y = reshape(transpose(x, perm), rest);
  }
  Array r = norm(y, NormOrd::number(ord), std::vector<int64_t>{ax}, false);
  if (keepdims) {
    for (int d : reduced) shape[d] = 1;
    r = reshape(r, shape);
  }
  return r;
}

Array matrix_norm(const Array& x, NormOrd ord, bool keepdims) {
  return norm(x, ord, std::vector<int64_t>{-2, -1}, keepdims);
}

Array cond(const Array& x_in, NormOrd ord) {
  const char* op = "cond";
  Array x = strong(x_in);
  check_at_least_2d(x, op);
  int nd = x.ndim();
  if (x.size() == 0 && x.shape()[nd - 1] * x.shape()[nd - 2] == 0)
    throw LinAlgError(tag(op) + "cond is not defined on empty arrays");
  Array r;
  if (ord.kind == NormOrd::Kind::None || ord.is(2) || ord.is(-2)) {
    Array in[1] = {prep(x, op, false)};
    Array s = dispatch1(std::make_shared<Svd>(false, false, "linalg.cond"), in);
    int64_t k = s.shape()[s.ndim() - 1];
    r = ord.is(-2) ? divide(last_index(s, k - 1), last_index(s, 0))
                   : divide(last_index(s, 0), last_index(s, k - 1));
  } else {
    Array a = prep(x, op, true);
    int64_t n = a.shape()[nd - 1];
    Array in[2] = {a,
                   broadcast_to(eye_like(n, a.dtype(), a.device()), a.shape())};
    Array ainv = dispatch1(std::make_shared<Solve>("linalg.cond", true), in);
    std::vector<int64_t> ax = {-2, -1};
    r = multiply(norm(a, ord, ax), norm(ainv, ord, ax));
    r = astype(r, real_dtype(a.dtype()), false);
  }
  // NaN (a singular matrix) -> inf, unless the input had NaNs.
  Array x_nan = reduce_any(isnan(x), {-2, -1});
  Array to_inf = logical_and(isnan(r), logical_not(x_nan));
  return where(to_inf, scalar_like(kInf, r), r);
}

// ---- products and tensors -------------------------------------------------

Array matrix_power(const Array& a_in, int64_t n) {
  const char* op = "matrix_power";
  Array a = strong(a_in);
  check_at_least_2d(a, op);
  check_square(a, op);
  if (n == 0) {
    int64_t m = a.shape()[a.ndim() - 1];
    return copy(broadcast_to(eye_like(m, a.dtype(), a.device()), a.shape()));
  }
  if (n < 0) {
    a = inv(a);
    n = -n;
  }
  if (n == 1) return a;
  if (n == 2) return matmul(a, a);
  if (n == 3) return matmul(matmul(a, a), a);
  Array z, result;
  while (n > 0) {
    z = z.valid() ? matmul(z, z) : a;
    int64_t bit = n % 2;
    n /= 2;
    if (bit) result = result.valid() ? matmul(result, z) : z;
  }
  return result;
}

namespace {

// The cheapest parenthesization of a chain of 2-D products (the textbook
// O(n^3) dynamic programme, as NumPy's _multi_dot_matrix_chain_order).
Array chain(const std::vector<Array>& a, const std::vector<std::vector<int>>& s,
            int i, int j) {
  if (i == j) return a[i];
  return dot(chain(a, s, i, s[i][j]), chain(a, s, s[i][j] + 1, j));
}

}  // namespace

Array multi_dot(std::span<const Array> arrays) {
  const char* op = "multi_dot";
  size_t n = arrays.size();
  if (n < 2) throw ValueError(tag(op) + "Expecting at least two arrays.");
  if (n == 2) return dot(arrays[0], arrays[1]);
  std::vector<Array> a;
  for (const Array& x : arrays) a.push_back(strong(x));
  int first = a.front().ndim(), last = a.back().ndim();
  if (first == 1) a.front() = reshape(a.front(), {1, a.front().shape()[0]});
  if (last == 1) a.back() = reshape(a.back(), {a.back().shape()[0], 1});
  for (const Array& x : a) check_2d(x, op);
  std::vector<int64_t> p;
  for (const Array& x : a) p.push_back(x.shape()[0]);
  p.push_back(a.back().shape()[1]);
  int N = static_cast<int>(n);
  std::vector<std::vector<double>> cost(N, std::vector<double>(N, 0));
  std::vector<std::vector<int>> split(N, std::vector<int>(N, 0));
  for (int l = 1; l < N; ++l)
    for (int i = 0; i + l < N; ++i) {
      int j = i + l;
      cost[i][j] = std::numeric_limits<double>::infinity();
      for (int k = i; k < j; ++k) {
        double c = cost[i][k] + cost[k + 1][j] +
                   static_cast<double>(p[i]) * p[k + 1] * p[j + 1];
        if (c < cost[i][j]) {
          cost[i][j] = c;
          split[i][j] = k;
        }
      }
    }
  Array r = chain(a, split, 0, N - 1);
  if (first == 1 && last == 1) return reshape(r, {});
  if (first == 1 || last == 1) return ravel(r);
  return r;
}

Array tensorinv(const Array& a_in, int64_t ind) {
  const char* op = "tensorinv";
  Array a = strong(a_in);
  if (ind <= 0) throw ValueError(tag(op) + "Invalid ind argument.");
  const Shape& s = a.shape();
  if (ind > a.ndim())
    throw ValueError(tag(op) + "ind (" + std::to_string(ind) +
                     ") exceeds the number of dimensions (" +
                     std::to_string(a.ndim()) + ")");
  Shape invshape(s.begin() + ind, s.end());
  int64_t prod = 1;
  for (int64_t v : invshape) prod *= v;
  for (int64_t d = 0; d < ind; ++d) invshape.push_back(s[d]);
  int64_t rest = prod == 0 ? 0 : a.size() / prod;
  Array r = inv(reshape(a, {prod, rest}));
  return reshape(r, invshape);
}

Array tensorsolve(const Array& a_in, const Array& b_in,
                  std::optional<std::vector<int64_t>> axes) {
  const char* op = "tensorsolve";
  Array a = strong(a_in), b = strong(b_in);
  int an = a.ndim();
  if (axes) {
    std::vector<int64_t> all;
    for (int d = 0; d < an; ++d) all.push_back(d);
    for (int64_t k : *axes) {
      int kk = normalize_axis(k, an, op);
      all.erase(std::remove(all.begin(), all.end(), kk), all.end());
      all.push_back(kk);
    }
    SmallVector<int64_t> perm(all.begin(), all.end());
    a = transpose(a, perm);
  }
  int keep = an - b.ndim();
  if (keep < 0)
    throw LinAlgError(tag(op) +
                      "Input arrays must satisfy the requirement "
                      "prod(a.shape[b.ndim:]) == "
                      "prod(a.shape[:b.ndim])");
  Shape old(a.shape().end() - keep, a.shape().end());
  int64_t prod = 1;
  for (int64_t v : old) prod *= v;
  if (a.size() != prod * prod)
    throw LinAlgError(tag(op) +
                      "Input arrays must satisfy the requirement "
                      "prod(a.shape[b.ndim:]) == "
                      "prod(a.shape[:b.ndim])");
  Array x = solve(reshape(a, {prod, prod}), ravel(b));
  return reshape(x, old);
}

Array cross(const Array& a_in, const Array& b_in, int64_t axis) {
  const char* op = "cross";
  Array a = strong(a_in), b = strong(b_in);
  if (a.ndim() == 0 || b.ndim() == 0)
    throw ValueError(tag(op) + "Both input arrays must be at least 1-D");
  int aa = normalize_axis(axis, a.ndim(), op);
  int ab = normalize_axis(axis, b.ndim(), op);
  if (a.shape()[aa] != 3 || b.shape()[ab] != 3)
    throw ValueError(tag(op) +
                     "Both input arrays must be (arrays of) 3-dimensional "
                     "vectors, but they are " +
                     std::to_string(a.shape()[aa]) + " and " +
                     std::to_string(b.shape()[ab]) + " dimensional instead.");
  int64_t sa[1] = {aa}, sb[1] = {ab}, dl[1] = {-1};
  Array x = moveaxis(a, sa, dl), y = moveaxis(b, sb, dl);
  Array x0 = last_index(x, 0), x1 = last_index(x, 1), x2 = last_index(x, 2);
  Array y0 = last_index(y, 0), y1 = last_index(y, 1), y2 = last_index(y, 2);
  Array c[3] = {subtract(multiply(x1, y2), multiply(x2, y1)),
                subtract(multiply(x2, y0), multiply(x0, y2)),
                subtract(multiply(x0, y1), multiply(x1, y0))};
  Array r = stack(c, -1);
  int rc = normalize_axis(axis, r.ndim(), op);
  int64_t src[1] = {-1}, dst[1] = {rc};
  return moveaxis(r, src, dst);
}

Array outer(const Array& a, const Array& b) {
  if (a.ndim() != 1 || b.ndim() != 1)
    throw ValueError(tag("outer") +
                     "Input arrays must be one-dimensional, but they are "
                     "x1.ndim=" +
                     std::to_string(a.ndim()) +
                     " and x2.ndim=" + std::to_string(b.ndim()) + ".");
  return arrax::outer(a, b);
}

Array trace(const Array& a, int64_t offset, std::optional<Dtype> dtype) {
  if (a.ndim() < 2)
    throw ValueError(tag("trace") +
                     "diag requires an array of at least two "
                     "dimensions");
  return arrax::trace(a, offset, -2, -1, dtype);
}

Array diagonal(const Array& a, int64_t offset) {
  if (a.ndim() < 2)
    throw ValueError(tag("diagonal") +
                     "diag requires an array of at least two dimensions");
  return arrax::diagonal(a, offset, -2, -1);
}

Array matrix_transpose(const Array& a) {
  if (a.ndim() < 2)
    throw ValueError(tag("matrix_transpose") +
                     "Input array must be at least 2-dimensional, but it is " +
                     std::to_string(a.ndim()));
  return swap_last(a);
}

}  // namespace linalg

}  // namespace arrax

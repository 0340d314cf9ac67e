// Derivatives of the factorization primitives (arrax/primitives_linalg.h),
// written in arrax ops so that they are differentiable again. Cotangents
// follow PyTorch's convention (dL/dRe + i dL/dIm), as Matmul's vjp does.
//
// Note [linalg derivatives]
// The formulas are the standard ones (Giles, "An extended collection of
// matrix derivative results"; Murray for Cholesky; Seeger et al. for QR;
// the SVD and eigh ones as PyTorch states them), with every inverse
// applied through the Solve primitive. Like PyTorch's, they treat the
// inputs of cholesky and eigh as Hermitian (the gradient is Hermitian; the
// primitives read one triangle only), and are undefined where the
// factorization is not differentiable: repeated eigenvalues or singular
// values (division by zero gives inf/nan), the extra columns of
// svd(full_matrices=True) and of qr(mode="complete") on tall input, which
// raise.
#include "arrax/dispatch.h"
#include "arrax/errors.h"
#include "arrax/ops.h"
#include "arrax/ops_index.h"
#include "arrax/ops_linalg.h"
#include "arrax/ops_shape.h"
#include "arrax/ops_ufuncs.h"
#include "arrax/primitives_linalg.h"

namespace arrax {

namespace {

Array swap_last(const Array& a) {
  return swapaxes(a, a.ndim() - 1, a.ndim() - 2);
}
Array mh(const Array& a) {
  Array t = swap_last(a);
  return is_complex(a.dtype()) ? conjugate(t) : t;
}
Array solve_prim(const Array& a, const Array& b) {
  Array in[2] = {a, b};
  return dispatch1(std::make_shared<Solve>("linalg.solve"), in);
}
// x R^-H for square R: (R^-1 x^H)^H.
Array right_solve_h(const Array& x, const Array& r) {
  return mh(solve_prim(r, mh(x)));
}
Array eye_of(int64_t n, const Array& like) {
  return eye(n, std::nullopt, 0, like.dtype(), like.device());
}
// diag_embed of the last axis of v, in dtype dt.
Array diag_embed(const Array& v, Dtype dt) {
  int64_t n = v.shape()[v.ndim() - 1];
  Indices idx = {Index(ellipsis), Index(newaxis), Index(Slice())};
  Array e = eye(n, std::nullopt, 0, dt, v.device());
  return multiply(astype(getitem(v, idx), dt, false), e);
}
// x with its diagonal (last two axes, square) zeroed.
Array off_diagonal(const Array& x) {
  int64_t n = x.shape()[x.ndim() - 1];
  Array e = eye_of(n, x);
  return subtract(x, multiply(x, e));
}
Array col(const Array& v) {  // v[..., None, :]
  Indices idx = {Index(ellipsis), Index(newaxis), Index(Slice())};
  return getitem(v, idx);
}
Array row(const Array& v) {  // v[..., :, None]
  Indices idx = {Index(ellipsis), Index(newaxis)};
  return getitem(v, idx);
}
Array cols(const Array& a, int64_t lo, int64_t hi) {
  Indices idx = {Index(ellipsis), Index(Slice(lo, hi))};
  return getitem(a, idx);
}

}  // namespace

// ---- Solve: X = A^-1 B -----------------------------------------------------

SaveMask Solve::vjp_saves(std::span<const Array>, uint32_t wants) const {
  return save_input(0) | ((wants & 1) ? save_output(0) : 0);
}

Arrays Solve::vjp(std::span<const Array> inputs, std::span<const Array> outputs,
                  std::span<const Array> cotangents,
                  std::span<const int> argnums) {
  // B_bar = A^-H G; A_bar = -B_bar X^H.
  Array gb = solve_prim(mh(inputs[0]), cotangents[0]);
  Arrays grads;
  for (int arg : argnums)
    grads.push_back(arg == 0 ? negative(matmul(gb, mh(outputs[0]))) : gb);
  return grads;
}

// ---- Slogdet
// ------------------------------------------------------------------

SaveMask Slogdet::vjp_saves(std::span<const Array> inputs, uint32_t) const {
  return save_input(0) |
         (is_complex(inputs[0].dtype()) ? save_output(0) : SaveMask(0));
}

Arrays Slogdet::vjp(std::span<const Array> inputs,
                    std::span<const Array> outputs,
                    std::span<const Array> cotangents,
                    std::span<const int> argnums) {
  // d log|det A| = Re tr(A^-1 dA); for complex A, d sign = sign i Im tr(A^-1
  // dA): A_bar = (g_logabs + i Im(conj(sign) g_sign)) A^-H.
  const Array& a = inputs[0];
  int64_t n = a.shape()[a.ndim() - 1];
  Array inv_h = solve_prim(mh(a), broadcast_to(eye_of(n, a), a.shape()));
  Array coef = cotangents[1];
  if (is_complex(a.dtype())) {
    Array t = imag(multiply(conjugate(outputs[0]), cotangents[0]));
    coef = add(astype(coef, a.dtype()),
               multiply(astype(t, a.dtype()), weak_scalar(complex128(0, 1))));
  }
  Indices idx = {Index(ellipsis), Index(newaxis), Index(newaxis)};
  return {multiply(getitem(coef, idx), inv_h)};
}

// ---- Cholesky
// -------------------------------------------------------------------

SaveMask Cholesky::vjp_saves(std::span<const Array>, uint32_t) const {
  return save_output(0);
}

Arrays Cholesky::vjp(std::span<const Array>, std::span<const Array> outputs,
                     std::span<const Array> cotangents, std::span<const int>) {
  // Lower: A_bar = L^-H Phi(L^H L_bar) L^-1, made Hermitian; Phi keeps the
  // lower triangle with the diagonal halved. Upper: the same on L = U^H.
  Array l = upper_ ? mh(outputs[0]) : outputs[0];
  Array gl = upper_ ? mh(cotangents[0]) : cotangents[0];
  int64_t n = l.shape()[l.ndim() - 1];
  Array p = matmul(mh(l), gl);
  Array phi =
      add(tril(p, -1), multiply(multiply(p, eye_of(n, p)), weak_scalar(0.5)));
  Array lh = mh(l);
  Array left = solve_prim(lh, phi);         // L^-H Phi
  Array ga = mh(solve_prim(lh, mh(left)));  // (L^-H Phi) L^-1
  return {multiply(add(ga, mh(ga)), weak_scalar(0.5))};
}

// ---- QR
// --------------------------------------------------------------------------

SaveMask Qr::vjp_saves(std::span<const Array> inputs, uint32_t) const {
  if (mode_ == QrMode::R) return kSaveAll;
  const Array& a = inputs[0];
  // The wide case reads the columns of A beyond the first M.
  bool wide = a.shape()[a.ndim() - 2] < a.shape()[a.ndim() - 1];
  return save_output(0) | save_output(1) | (wide ? save_input(0) : 0);
}

namespace {

// A = Q R with R square (m >= n): A_bar = Q (R_bar + tril(skew(Q^H Q_bar) +
// skew(R R_bar^H)) R^-H) + (Q_bar - Q Q^H Q_bar) R^-H, skew(X) = X - X^H.
Array qr_tall_grad(const Array& q, const Array& r, const Array& gq,
                   const Array& gr) {
  Array qdq = matmul(mh(q), gq);
  Array rdr = matmul(r, mh(gr));
  Array t = tril(add(subtract(qdq, mh(qdq)), subtract(rdr, mh(rdr))));
  Array ga = matmul(q, add(gr, right_solve_h(t, r)));
  Array gb = right_solve_h(subtract(gq, matmul(q, qdq)), r);
  return add(ga, gb);
}

}  // namespace

Arrays Qr::vjp(std::span<const Array> inputs, std::span<const Array> outputs,
               std::span<const Array> cotangents, std::span<const int>) {
  Array q, r, gq, gr;
  const Array& a = inputs[0];
  int64_t m = a.shape()[a.ndim() - 2], n = a.shape()[a.ndim() - 1];
  if (mode_ == QrMode::Raw)
    throw ValueError(
        "[linalg.qr] the derivative of mode='raw' is not defined (use "
        "mode='reduced')");
  if (mode_ == QrMode::Complete && m > n)
    throw ValueError(
        "[linalg.qr] the derivative of mode='complete' is defined only when "
        "M <= N (the extra columns of Q are not unique); use mode='reduced'");
  if (mode_ == QrMode::R) {
    // Q again; its cotangent is zero.
    Array in[1] = {a};
    Arrays f = dispatch(std::make_shared<Qr>(QrMode::Reduced), in);
    q = f[0];
    r = f[1];
    gq = zeros(q.shape(), q.dtype(), q.device());
    gr = cotangents[0];
  } else {
    q = outputs[0];
    r = outputs[1];
    gq = cotangents[0];
    gr = cotangents[1];
  }
  if (m >= n) return {qr_tall_grad(q, r, gq, gr)};
  // Wide: A = Q [R1 R2] with X = A[:, :m] = Q R1 and Y = A[:, m:] = Q R2.
  Array y = cols(a, m, n);
  Array r1 = cols(r, 0, m), gr1 = cols(gr, 0, m), gr2 = cols(gr, m, n);
  Array gx = qr_tall_grad(q, r1, add(gq, matmul(y, mh(gr2))), gr1);
  Array gy = matmul(q, gr2);
  Array parts[2] = {gx, gy};
  return {concatenate(parts, a.ndim() - 1)};
}

// ---- Eigh
// -------------------------------------------------------------------------

SaveMask Eigh::vjp_saves(std::span<const Array>, uint32_t) const {
  return vectors_ ? save_output(0) | save_output(1) : save_input(0);
}

Arrays Eigh::vjp(std::span<const Array> inputs, std::span<const Array> outputs,
                 std::span<const Array> cotangents, std::span<const int>) {
  // A_bar = V (diag(w_bar) + skew_h(V^H V_bar) / E) V^H, E_ij = w_j - w_i,
  // skew_h(X) = (X - X^H) / 2 with a zero diagonal.
  Array w, v;
  if (vectors_) {
    w = outputs[0];
    v = outputs[1];
  } else {
    Array in[1] = {inputs[0]};
    Arrays f = dispatch(std::make_shared<Eigh>(lower_, true), in);
    w = f[0];
    v = f[1];
  }
  Dtype dt = v.dtype();
  Array inner = diag_embed(cotangents[0], dt);
  if (vectors_) {
    Array x = matmul(mh(v), cotangents[1]);
    x = multiply(subtract(x, mh(x)), weak_scalar(0.5));
    int64_t n = w.shape()[w.ndim() - 1];
    Array e = subtract(col(w), row(w));
    e = add(e, eye(n, std::nullopt, 0, e.dtype(), e.device()));
    inner = add(inner, off_diagonal(divide(x, astype(e, dt, false))));
  }
  return {matmul(v, matmul(inner, mh(v)))};
}

// ---- SVD
// ----------------------------------------------------------------------------

SaveMask Svd::vjp_saves(std::span<const Array>, uint32_t) const {
  return uv_ ? save_input(0) | save_output(0) | save_output(1) | save_output(2)
             : save_input(0);
}

Arrays Svd::vjp(std::span<const Array> inputs, std::span<const Array> outputs,
                std::span<const Array> cotangents, std::span<const int>) {
  const Array& a = inputs[0];
  int64_t m = a.shape()[a.ndim() - 2], n = a.shape()[a.ndim() - 1];
  int64_t k = std::min(m, n);
  Dtype dt = a.dtype();
  if (!uv_) {
    Array in[1] = {a};
    Arrays f = dispatch(std::make_shared<Svd>(false, true, op_), in);
    return {matmul(f[0], matmul(diag_embed(cotangents[0], dt), f[2]))};
  }
  if (full_ && m != n)
    throw ValueError(
        "[linalg.svd] the derivative of svd(full_matrices=True) is defined "
        "only for square matrices (the extra singular vectors are not "
        "unique); use full_matrices=False");
  Array u = outputs[0], s = outputs[1], vh = outputs[2];
  Array gu = cotangents[0], gs = cotangents[1], gvh = cotangents[2];
  Array v = mh(vh), gv = mh(gvh);
  Array uhgu = matmul(mh(u), gu), vhgv = matmul(mh(v), gv);
  Array sk_u = subtract(uhgu, mh(uhgu)), sk_v = subtract(vhgv, mh(vhgv));
  Array s2 = multiply(s, s);
  Array e = subtract(col(s2), row(s2));
  e = add(e, eye(k, std::nullopt, 0, e.dtype(), e.device()));
  Array sc = astype(s, dt, false);
  Array ret = divide(add(multiply(sk_u, col(sc)), multiply(row(sc), sk_v)),
                     astype(e, dt, false));
  ret = add(off_diagonal(ret), diag_embed(gs, dt));
  if (is_complex(dt)) {
    // The phase of each pair of singular vectors (Note [linalg
    // derivatives]).
    Array eye_k = eye(k, std::nullopt, 0, dt, a.device());
    Array d = multiply(sk_u, eye_k);
    ret = add(ret, divide(d, multiply(col(sc), weak_scalar(2.0))));
  }
  if (m > n) {
    Array gusinv = divide(gu, col(sc));
    Array ga =
        add(matmul(u, ret), subtract(gusinv, matmul(u, matmul(mh(u), gusinv))));
    return {matmul(ga, vh)};
  }
  if (m < n) {
    Array gvsinv = divide(gv, col(sc));
    Array ga = add(matmul(ret, vh),
                   subtract(mh(gvsinv), matmul(matmul(mh(gvsinv), v), vh)));
    return {matmul(u, ga)};
  }
  return {matmul(u, matmul(ret, vh))};
}

}  // namespace arrax

// The matrix-product family (arrax/ops_linalg.h): NumPy semantics on top of
// the one Matmul primitive, views, transposes and reshapes.
#include "arrax/ops_linalg.h"

#include <algorithm>

#include "arrax/dispatch.h"
#include "arrax/ops.h"
#include "arrax/ops_shape.h"
#include "arrax/primitives_linalg.h"

namespace arrax {

OutputSpecs Matmul::output_specs(std::span<const Array> inputs) const {
  const Array& a = inputs[0];
  const Array& b = inputs[1];
  if (a.ndim() < 2 || b.ndim() < 2)
    throw ValueError(
        "[matmul] the primitive takes operands of 2 or more "
        "dimensions");
  Shape ba(a.shape().begin(), a.shape().end() - 2);
  Shape bb(b.shape().begin(), b.shape().end() - 2);
  Shape shape = broadcast_shapes(ba, bb, "matmul");
  shape.push_back(a.shape()[a.ndim() - 2]);
  shape.push_back(b.shape()[b.ndim() - 1]);
  OutputSpecs specs;
  specs.push_back({shape, a.dtype()});
  return specs;
}

namespace {

Array swap_last(const Array& a) {
  return swapaxes(a, a.ndim() - 1, a.ndim() - 2);
}

// Sums `x` down to `shape` (x's shape is `shape` broadcast): over extra
// leading dimensions and over dimensions that are 1 in `shape`.
Array sum_to_shape(const Array& x, const Shape& shape);

}  // namespace

Arrays Matmul::vjp(std::span<const Array> inputs, std::span<const Array>,
                   std::span<const Array> cotangents,
                   std::span<const int> argnums) {
  const Array& a = inputs[0];
  const Array& b = inputs[1];
  const Array& g = cotangents[0];
  Arrays grads;
  for (int arg : argnums) {
    Array d;
    if (arg == 0 && !conj_a_) {
      // dA = G B^H, computed as (conj(B) G^T)^T with the conjugating product.
      Array in[2] = {b, swap_last(g)};
      d = swap_last(dispatch1(std::make_shared<Matmul>(true), in));
    } else if (arg == 0) {
      // C = conj(A) B: dA = conj(G B^H) = conj(G) B^T.
      Array in[2] = {g, swap_last(b)};
      d = dispatch1(std::make_shared<Matmul>(true), in);
    } else {
      // dB = A^H G, or A^T G when A enters conjugated.
      Array in[2] = {swap_last(a), g};
      d = dispatch1(std::make_shared<Matmul>(!conj_a_), in);
    }
    grads.push_back(sum_to_shape(d, arg == 0 ? a.shape() : b.shape()));
  }
  return grads;
}

namespace {

constexpr const char* kMatmulSignature = "(n?,k),(k,m?)->(n?,m?)";

std::string quoted_dtype(Dtype dt) {
  return std::string("dtype('") + dtype_name(dt) + "')";
}

// Python scalars passed to the products count as arrays of their default
// dtype, as NumPy's asarray makes them (np.dot(2, int8_array) is int64).
Array strong(const Array& a) {
  if (!a.is_weak()) return a;
  Array s = a.alias();
  s.set_weak(false);
  return s;
}

// strong(a), on `other`'s device when a is a 0-d CPU array (a Python
// scalar) and `other` lives on a GPU: the products reshape their operands,
// after which a CPU scalar would no longer go with any device.
Array strong_on(const Array& a, const Array& other) {
  Array s = strong(a);
  if (s.ndim() == 0 && s.device().is_cpu() && !other.device().is_cpu())
    s = to_device(s, other.device());
  return s;
}

Dtype strong_result_type(const Array& a, const Array& b) {
  Array ab[2] = {strong(a), strong(b)};
  return result_type(ab);
}

Array matmul_prim(const Array& a, const Array& b, bool conj_a = false) {
  Array in[2] = {a, b};
  return dispatch1(std::make_shared<Matmul>(conj_a), in);
}

// Inserts a length-1 axis at `axis` (a view).
Array insert_unit_axis(const Array& a, int axis) {
  Shape s = a.shape();
  Strides st = a.strides();
  s.insert(s.begin() + axis, 1);
  st.insert(st.begin() + axis, 0);
  return a.view(s, st, a.offset());
}

Shape concat(const Shape& x, const Shape& y) {
  Shape s = x;
  for (int64_t v : y) s.push_back(v);
  return s;
}

// Sums the last axis of `x` (any dtype) as a product with a vector of ones:
// bool gives OR, integers wrap, like NumPy's add.reduce in the same dtype.
Array sum_last_axis(const Array& x) {
  int nd = x.ndim();
  int64_t k = x.shape()[nd - 1];
  Shape lead(x.shape().begin(), x.shape().end() - 1);
  int64_t p = shape_size(lead);
  Array x2 = reshape(x, {p, k});
  Array ones_col = ones({k, 1}, x.dtype(), x.device());
  Array r = matmul_prim(x2, ones_col);
  return reshape(r, lead);
}

Array sum_to_shape(const Array& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  int nd = x.ndim(), lead = nd - static_cast<int>(shape.size());
  SmallVector<int64_t> perm;
  Shape keep;
  int64_t r = 1;
  for (int d = 0; d < nd; ++d) {
    bool reduce = d < lead || (shape[d - lead] == 1 && x.shape()[d] != 1);
    if (!reduce) {
      perm.push_back(d);
      keep.push_back(x.shape()[d]);
    }
  }
  for (int d = 0; d < nd; ++d)
    if (d < lead || (shape[d - lead] == 1 && x.shape()[d] != 1)) {
      perm.push_back(d);
      r *= x.shape()[d];
    }
  Shape kr = keep;
  kr.push_back(r);
  Array s = sum_last_axis(reshape(transpose(x, perm), kr));
  return reshape(s, shape);
}

// (P, K) @ (K, Q) of a and b after moving the summed axes to the inside.
Array tensordot_impl(const Array& a_in, const Array& b_in,
                     std::span<const int64_t> axes_a,
                     std::span<const int64_t> axes_b, const char* op) {
  Dtype dt = strong_result_type(a_in, b_in);
  Array a = astype(strong_on(a_in, b_in), dt, false);
  Array b = astype(strong_on(b_in, a_in), dt, false);
  if (axes_a.size() != axes_b.size())
    throw ValueError(std::string("[") + op + "] shape-mismatch for sum");
  SmallVector<int64_t> na, nb;
  for (int64_t ax : axes_a) na.push_back(normalize_axis(ax, a.ndim(), op));
  for (int64_t ax : axes_b) nb.push_back(normalize_axis(ax, b.ndim(), op));
  for (size_t i = 0; i < na.size(); ++i)
    for (size_t j = i + 1; j < na.size(); ++j)
      if (na[i] == na[j] || nb[i] == nb[j])
        throw ValueError(std::string("[") + op +
                         "] duplicate axes are not allowed in tensordot");
  int64_t k = 1;
  for (size_t i = 0; i < na.size(); ++i) {
    if (a.shape()[na[i]] != b.shape()[nb[i]])
      throw ValueError(std::string("[") + op + "] shape-mismatch for sum");
    k *= a.shape()[na[i]];
  }
  SmallVector<int64_t> perm_a, perm_b;
  Shape free_a, free_b;
  for (int d = 0; d < a.ndim(); ++d)
    if (std::find(na.begin(), na.end(), d) == na.end()) {
      perm_a.push_back(d);
      free_a.push_back(a.shape()[d]);
    }
  for (int64_t d : na) perm_a.push_back(d);
  for (int64_t d : nb) perm_b.push_back(d);
  for (int d = 0; d < b.ndim(); ++d)
    if (std::find(nb.begin(), nb.end(), d) == nb.end()) {
      perm_b.push_back(d);
      free_b.push_back(b.shape()[d]);
    }
  Array a2 = reshape(transpose(a, perm_a), {shape_size(free_a), k});
  Array b2 = reshape(transpose(b, perm_b), {k, shape_size(free_b)});
  return reshape(matmul_prim(a2, b2), concat(free_a, free_b));
}

Array multiply_into(const Array& a, const Array& b, const Array* out) {
  Array in[2] = {a, b};
  UfuncOptions opt;
  Array outs[1];
  if (out) {
    outs[0] = *out;
    opt.out = std::span<const Array>(outs, 1);
  }
  return apply_ufunc(UfuncId::multiply, in, opt)[0];
}

std::string not_aligned(const char* op, const Array& a, const Array& b, int da,
                        int db) {
  return std::string("[") + op + "] shapes " + shape_str(a.shape()) + " and " +
         shape_str(b.shape()) +
         " not aligned: " + std::to_string(a.shape()[da]) + " (dim " +
         std::to_string(da) + ") != " + std::to_string(b.shape()[db]) +
         " (dim " + std::to_string(db) + ")";
}

Array diagonal_impl(const Array& a, int64_t offset, int64_t axis1,
                    int64_t axis2, const char* op) {
  int nd = a.ndim();
  if (nd < 2)
    throw ValueError(std::string("[") + op +
                     "] diag requires an array of at least two dimensions");
  int ax1 = normalize_axis(axis1, nd, op);
  int ax2 = normalize_axis(axis2, nd, op);
  if (ax1 == ax2)
    throw ValueError(std::string("[") + op +
                     "] axis1 and axis2 cannot be the same");
  int64_t n1 = a.shape()[ax1], n2 = a.shape()[ax2];
  int64_t s1 = a.strides()[ax1], s2 = a.strides()[ax2];
  int64_t len, start = 0;
  if (offset >= 0) {
    len = offset >= n2 ? 0 : std::min(n1, n2 - offset);
    if (len > 0) start = offset * s2;
  } else {
    len = -offset >= n1 ? 0 : std::min(n1 + offset, n2);
    if (len > 0) start = -offset * s1;
  }
  Shape shape;
  Strides strides;
  for (int d = 0; d < nd; ++d)
    if (d != ax1 && d != ax2) {
      shape.push_back(a.shape()[d]);
      strides.push_back(a.strides()[d]);
    }
  shape.push_back(len);
  strides.push_back(s1 + s2);
  return a.view(shape, strides, a.offset() + start);
}

}  // namespace

// ---- matmul ----------------------------------------------------------------

Array matmul(const Array& a, const Array& b, const Array* out,
             std::optional<Dtype> dtype, Casting casting) {
  const Array* ops[2] = {&a, &b};
  for (int i = 0; i < 2; ++i)
    if (ops[i]->ndim() == 0)
      throw ValueError(
          "[matmul] Input operand " + std::to_string(i) +
          " does not have enough dimensions (has 0, gufunc core with "
          "signature " +
          kMatmulSignature + " requires 1)");
  Dtype dt = dtype ? *dtype : strong_result_type(a, b);
  for (int i = 0; i < 2; ++i)
    if (!can_cast(ops[i]->dtype(), dt, casting))
      throw TypeError(
          "[matmul] Cannot cast ufunc 'matmul' input " + std::to_string(i) +
          " from " + quoted_dtype(ops[i]->dtype()) + " to " + quoted_dtype(dt) +
          " with casting rule '" + casting_name(casting) + "'");
  bool a_vec = a.ndim() == 1, b_vec = b.ndim() == 1;
  Array A = a_vec ? insert_unit_axis(a, 0) : a;
  Array B = b_vec ? insert_unit_axis(b, 1) : b;
  int64_t ka = A.shape()[A.ndim() - 1], kb = B.shape()[B.ndim() - 2];
  if (ka != kb)
    throw ValueError(
        "[matmul] Input operand 1 has a mismatch in its core dimension 0, "
        "with gufunc signature " +
        std::string(kMatmulSignature) + " (size " + std::to_string(kb) +
        " is different from " + std::to_string(ka) + ")");
  Shape batch =
      broadcast_shapes(Shape(A.shape().begin(), A.shape().end() - 2),
                       Shape(B.shape().begin(), B.shape().end() - 2), "matmul");
  Shape result = batch;
  if (!a_vec) result.push_back(A.shape()[A.ndim() - 2]);
  if (!b_vec) result.push_back(B.shape()[B.ndim() - 1]);
  A = astype(A, dt, false);
  B = astype(B, dt, false);
  if (!out) {
    Array r = matmul_prim(A, B);
    if (a_vec || b_vec) r = reshape(r, result);
    return r;
  }
  if (!(out->shape() == result))
    throw ValueError("[matmul] Output operand 0 has shape " +
                     shape_str(out->shape()) + " but the result has shape " +
                     shape_str(result));
  if (!can_cast(dt, out->dtype(), casting))
    throw TypeError("[matmul] Cannot cast ufunc 'matmul' output from " +
                    quoted_dtype(dt) + " to " + quoted_dtype(out->dtype()) +
                    " with casting rule '" + casting_name(casting) + "'");
  if (out->dtype() == dt && !out->may_overlap(A) && !out->may_overlap(B)) {
    Array o = *out;
    if (a_vec) o = insert_unit_axis(o, o.ndim() - (b_vec ? 0 : 1));
    if (b_vec) o = insert_unit_axis(o, o.ndim());
    Array in[2] = {A, B};
    Array outs[1] = {o};
    dispatch_into(std::make_shared<Matmul>(), in, outs);
    return *out;
  }
  Array r = matmul_prim(A, B);
  copyto(*out, reshape(r, result), Casting::Unsafe);
  return *out;
}

Array vecdot(const Array& a, const Array& b, int64_t axis, const Array* out,
             std::optional<Dtype> dtype, Casting casting) {
  constexpr const char* kSig = "(n),(n)->()";
  const Array* ops[2] = {&a, &b};
  for (int i = 0; i < 2; ++i)
    if (ops[i]->ndim() == 0)
      throw ValueError("[vecdot] Input operand " + std::to_string(i) +
                       " does not have enough dimensions (has 0, gufunc "
                       "core with signature " +
                       kSig + " requires 1)");
  int ax_a = normalize_axis(axis, a.ndim(), "vecdot");
  int ax_b = normalize_axis(axis, b.ndim(), "vecdot");
  int64_t ka = a.shape()[ax_a], kb = b.shape()[ax_b];
  if (ka != kb)
    throw ValueError(
        "[vecdot] Input operand 1 has a mismatch in its core dimension 0, "
        "with gufunc signature " +
        std::string(kSig) + " (size " + std::to_string(kb) +
        " is different from " + std::to_string(ka) + ")");
  Dtype dt = dtype ? *dtype : strong_result_type(a, b);
  for (int i = 0; i < 2; ++i)
    if (!can_cast(ops[i]->dtype(), dt, casting))
      throw TypeError(
          "[vecdot] Cannot cast ufunc 'vecdot' input " + std::to_string(i) +
          " from " + quoted_dtype(ops[i]->dtype()) + " to " + quoted_dtype(dt) +
          " with casting rule '" + casting_name(casting) + "'");
  int64_t src_a[1] = {ax_a}, src_b[1] = {ax_b};
  int64_t dst_a[1] = {a.ndim() - 1}, dst_b[1] = {b.ndim() - 1};
  Array A = moveaxis(astype(a, dt, false), src_a, dst_a);
  Array B = moveaxis(astype(b, dt, false), src_b, dst_b);
  A = insert_unit_axis(A, A.ndim() - 1);  // (..., 1, n)
  B = insert_unit_axis(B, B.ndim());      // (..., n, 1)
  Array r = matmul_prim(A, B, /*conj_a=*/true);
  Shape result(r.shape().begin(), r.shape().end() - 2);
  r = reshape(r, result);
  if (!out) return r;
  if (!(out->shape() == result))
    throw ValueError("[vecdot] Output operand 0 has shape " +
                     shape_str(out->shape()) + " but the result has shape " +
                     shape_str(result));
  if (!can_cast(dt, out->dtype(), casting))
    throw TypeError("[vecdot] Cannot cast ufunc 'vecdot' output from " +
                    quoted_dtype(dt) + " to " + quoted_dtype(out->dtype()) +
                    " with casting rule '" + casting_name(casting) + "'");
  copyto(*out, r, Casting::Unsafe);
  return *out;
}

// ---- dot, vdot, inner, outer, tensordot, kron ------------------------------

Array dot(const Array& a_in, const Array& b_in, const Array* out) {
  Array a = strong_on(a_in, b_in), b = strong_on(b_in, a_in);
  Dtype dt = strong_result_type(a, b);
  Shape result;
  int kind = 0;  // 0 scalar, 1 via matmul, 2 via tensordot
  if (a.ndim() == 0 || b.ndim() == 0) {
    result = a.ndim() == 0 ? b.shape() : a.shape();
  } else if (b.ndim() == 1) {
    if (a.shape()[a.ndim() - 1] != b.shape()[0])
      throw ValueError(not_aligned("dot", a, b, a.ndim() - 1, 0));
    result = Shape(a.shape().begin(), a.shape().end() - 1);
    kind = 1;
  } else {
    if (a.shape()[a.ndim() - 1] != b.shape()[b.ndim() - 2])
      throw ValueError(not_aligned("dot", a, b, a.ndim() - 1, b.ndim() - 2));
    result = Shape(a.shape().begin(), a.shape().end() - 1);
    for (int d = 0; d < b.ndim() - 2; ++d) result.push_back(b.shape()[d]);
    result.push_back(b.shape()[b.ndim() - 1]);
    kind = (a.ndim() <= 2 && b.ndim() == 2) || a.ndim() == 1 ? 1 : 2;
  }
  if (out && (out->dtype() != dt || !(out->shape() == result) ||
              !out->is_c_contiguous()))
    throw ValueError(
        "[dot] output array is not acceptable (must have the right datatype, "
        "number of dimensions, and be a C-Array)");
  if (kind == 1) return matmul(a, b, out);
  Array r;
  if (kind == 0) {
    r = multiply_into(a, b, nullptr);
  } else {
    int64_t ax_a[1] = {-1}, ax_b[1] = {-2};
    r = tensordot_impl(a, b, ax_a, ax_b, "dot");
  }
  if (!out) return r;
  copyto(*out, r, Casting::Unsafe);
  return *out;
}

Array vdot(const Array& a_in, const Array& b_in) {
  Array a = ravel(strong_on(a_in, b_in)), b = ravel(strong_on(b_in, a_in));
  if (a.size() != b.size())
    throw ValueError("[vdot] vectors have different lengths (" +
                     std::to_string(a.size()) + " and " +
                     std::to_string(b.size()) + ")");
  Dtype dt = strong_result_type(a, b);
  Array A = insert_unit_axis(astype(a, dt, false), 0);
  Array B = insert_unit_axis(astype(b, dt, false), 1);
  Array r = matmul_prim(A, B, /*conj_a=*/true);
  return reshape(r, {});
}

Array inner(const Array& a_in, const Array& b_in) {
  Array a = strong_on(a_in, b_in), b = strong_on(b_in, a_in);
  if (a.ndim() == 0 || b.ndim() == 0) return multiply_into(a, b, nullptr);
  if (a.shape()[a.ndim() - 1] != b.shape()[b.ndim() - 1])
    throw ValueError(not_aligned("inner", a, b, a.ndim() - 1, b.ndim() - 1));
  int64_t ax_a[1] = {-1}, ax_b[1] = {-1};
  return tensordot_impl(a, b, ax_a, ax_b, "inner");
}

Array outer(const Array& a_in, const Array& b_in, const Array* out) {
  Array a = ravel(strong_on(a_in, b_in)), b = ravel(strong_on(b_in, a_in));
  Array A = insert_unit_axis(a, 1), B = insert_unit_axis(b, 0);
  if (out) {
    Shape want = {a.size(), b.size()};
    if (!(out->shape() == want))
      throw ValueError("[outer] non-broadcastable output operand with shape " +
                       shape_str(out->shape()) +
                       " doesn't match the broadcast shape " + shape_str(want));
    multiply_into(A, B, out);
    return *out;
  }
  return multiply_into(A, B, nullptr);
}

Array tensordot(const Array& a, const Array& b, std::span<const int64_t> axes_a,
                std::span<const int64_t> axes_b) {
  return tensordot_impl(a, b, axes_a, axes_b, "tensordot");
}

Array tensordot(const Array& a, const Array& b, int64_t n) {
  n = std::max<int64_t>(n, 0);
  if (n > a.ndim() || n > b.ndim())
    throw IndexError(
        "[tensordot] tuple index out of range: axes=" + std::to_string(n) +
        " but the operands have " + std::to_string(a.ndim()) + " and " +
        std::to_string(b.ndim()) + " dimensions");
  SmallVector<int64_t> ax_a, ax_b;
  for (int64_t i = 0; i < n; ++i) {
    ax_a.push_back(a.ndim() - n + i);
    ax_b.push_back(i);
  }
  return tensordot_impl(a, b, ax_a, ax_b, "tensordot");
}

Array kron(const Array& a_in, const Array& b_in) {
  Array a = strong_on(a_in, b_in), b = strong_on(b_in, a_in);
  int nd = std::max(a.ndim(), b.ndim());
  Shape sa(nd - a.ndim(), 1), sb(nd - b.ndim(), 1);
  for (int64_t v : a.shape()) sa.push_back(v);
  for (int64_t v : b.shape()) sb.push_back(v);
  // (a0, 1, a1, 1, ...) * (1, b0, 1, b1, ...) -> (a0*b0, a1*b1, ...).
  Shape ia, ib, result;
  for (int d = 0; d < nd; ++d) {
    ia.push_back(sa[d]);
    ia.push_back(1);
    ib.push_back(1);
    ib.push_back(sb[d]);
    result.push_back(sa[d] * sb[d]);
  }
  Array r = multiply_into(reshape(a, ia), reshape(b, ib), nullptr);
  return reshape(r, result);
}

// ---- diagonal, trace --------------------------------------------------------

Array diagonal(const Array& a, int64_t offset, int64_t axis1, int64_t axis2) {
  return diagonal_impl(a, offset, axis1, axis2, "diagonal");
}

Array trace(const Array& a, int64_t offset, int64_t axis1, int64_t axis2,
            std::optional<Dtype> dtype, const Array* out) {
  Array d = diagonal_impl(a, offset, axis1, axis2, "trace");
  Dtype dt = a.dtype();
  if (dtype) {
    dt = *dtype;
  } else if (dt == Dtype::Bool ||
             (is_signed_integer(dt) && dt != Dtype::Int64)) {
    dt = Dtype::Int64;  // NumPy's add.reduce widens small integers
  } else if (is_unsigned_integer(dt)) {
    dt = Dtype::UInt64;
  }
  Array r = sum_last_axis(astype(d, dt, false));
  if (!out) return r;
  if (!(out->shape() == r.shape()))
    throw ValueError("[trace] output parameter has shape " +
                     shape_str(out->shape()) + " but the result has shape " +
                     shape_str(r.shape()));
  copyto(*out, r, Casting::Unsafe);
  return *out;
}

// ---- einsum -----------------------------------------------------------------

namespace {

// Note [einsum]
// Labels are ints: letters 'A'-'Z' and 'a'-'z' map to their ASCII codes, the
// broadcast dimensions of '...' to 128 + i (right-aligned across operands).
// Each operand first takes its diagonals for repeated labels (a strided view)
// and sums the labels that no other operand and not the output use (a
// product with a ones vector). Then operands are contracted two at a time,
// greedily choosing the pair whose result is smallest: labels both keep and
// something later needs are batch dimensions, labels both have and nothing
// later needs are summed, and the pair becomes one batched matmul after a
// transpose and reshape. Length-1 dimensions broadcast against longer ones.
constexpr int kEllipsisLabel = 128;

struct Term {
  Array a;
  std::vector<int> labels;
};

[[noreturn]] void einsum_error(const std::string& msg) {
  throw ValueError("[einsum] " + msg);
}

// Parses one term into labels; `ell_pos` gets the label index of '...' or -1.
std::vector<int> parse_term(const std::string& s, int operand, int& ell_pos) {
  std::vector<int> labels;
  ell_pos = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == ' ') continue;
    if (c == '.') {
      std::string where = operand >= 0 ? "operand " + std::to_string(operand)
                                       : std::string("the output");
      if (!(i + 2 < s.size() && s[i + 1] == '.' && s[i + 2] == '.'))
        einsum_error(
            "einstein sum subscripts string contains a '.' that is "
            "not part of an ellipsis ('...') in " +
            where);
      if (ell_pos >= 0)
        einsum_error(
            "einstein sum subscripts string contains more than one "
            "ellipsis ('...') in " +
            where);
      ell_pos = static_cast<int>(labels.size());
      i += 2;
      continue;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
      einsum_error(std::string("invalid subscript '") + c +
                   "' in einstein sum subscripts string, subscripts must be "
                   "letters");
    labels.push_back(c);
  }
  return labels;
}

std::string label_name(int l) {
  if (l < kEllipsisLabel) return std::string(1, static_cast<char>(l));
  return "...";
}

// Moves `t` to the label order `want` (a permutation of its labels).
Array permute_to(const Term& t, const std::vector<int>& want) {
  SmallVector<int64_t> perm;
  for (int l : want) {
    auto it = std::find(t.labels.begin(), t.labels.end(), l);
    perm.push_back(it - t.labels.begin());
  }
  return transpose(t.a, perm);
}

// Sums the axes of `t` whose labels are in `drop`.
Term sum_labels(const Term& t, const std::vector<int>& drop) {
  if (drop.empty()) return t;
  std::vector<int> keep, order;
  Shape keep_shape;
  int64_t k = 1;
  for (size_t i = 0; i < t.labels.size(); ++i) {
    if (std::find(drop.begin(), drop.end(), t.labels[i]) == drop.end()) {
      keep.push_back(t.labels[i]);
      keep_shape.push_back(t.a.shape()[i]);
    } else {
      k *= t.a.shape()[i];
    }
  }
  order = keep;
  for (int l : t.labels)
    if (std::find(drop.begin(), drop.end(), l) != drop.end())
      order.push_back(l);
  Array x = reshape(permute_to(t, order), {shape_size(keep_shape), k});
  Array ones_col = ones({k, 1}, x.dtype(), x.device());
  Array r = reshape(matmul_prim(x, ones_col), keep_shape);
  return Term{r, keep};
}

// Broadcasts the axes of `t` to the sizes in `size` (length-1 axes only).
Array broadcast_labels(const Term& t, const std::vector<int64_t>& size) {
  Shape s = t.a.shape();
  bool change = false;
  for (size_t i = 0; i < t.labels.size(); ++i)
    if (s[i] != size[t.labels[i]]) {
      s[i] = size[t.labels[i]];
      change = true;
    }
  return change ? broadcast_to(t.a, s, "einsum") : t.a;
}

bool has(const std::vector<int>& v, int l) {
  return std::find(v.begin(), v.end(), l) != v.end();
}

Term contract(const Term& x, const Term& y, const std::vector<int>& needed,
              const std::vector<int64_t>& size) {
  std::vector<int> batch, summed, fx, fy;
  for (int l : x.labels) {
    if (has(y.labels, l))
      (has(needed, l) ? batch : summed).push_back(l);
    else
      fx.push_back(l);
  }
  for (int l : y.labels)
    if (!has(x.labels, l)) fy.push_back(l);
  auto prod = [&](const std::vector<int>& ls) {
    int64_t p = 1;
    for (int l : ls) p *= size[l];
    return p;
  };
  Term xb{broadcast_labels(x, size), x.labels};
  Term yb{broadcast_labels(y, size), y.labels};
  std::vector<int> labels = batch;
  labels.insert(labels.end(), fx.begin(), fx.end());
  labels.insert(labels.end(), fy.begin(), fy.end());
  if (summed.empty()) {
    // Nothing to sum: a broadcast elementwise product ("i,i->i", outer
    // products) is one ufunc call rather than many 1x1 matmuls.
    Shape sx, sy;
    for (int l : batch) {
      sx.push_back(size[l]);
      sy.push_back(size[l]);
    }
    for (int l : fx) {
      sx.push_back(size[l]);
      sy.push_back(1);
    }
    for (int l : fy) {
      sx.push_back(1);
      sy.push_back(size[l]);
    }
    std::vector<int> px = batch, py = batch;
    px.insert(px.end(), fx.begin(), fx.end());
    py.insert(py.end(), fy.begin(), fy.end());
    Array r = multiply_into(reshape(permute_to(xb, px), sx),
                            reshape(permute_to(yb, py), sy), nullptr);
    return Term{r, labels};
  }
  std::vector<int> ox = batch, oy = batch;
  ox.insert(ox.end(), fx.begin(), fx.end());
  ox.insert(ox.end(), summed.begin(), summed.end());
  oy.insert(oy.end(), summed.begin(), summed.end());
  oy.insert(oy.end(), fy.begin(), fy.end());
  int64_t nb = prod(batch), nx = prod(fx), ny = prod(fy), k = prod(summed);
  Array a = reshape(permute_to(xb, ox), {nb, nx, k});
  Array b = reshape(permute_to(yb, oy), {nb, k, ny});
  Array r = matmul_prim(a, b);
  Shape shape;
  for (int l : labels) shape.push_back(size[l]);
  return Term{reshape(r, shape), labels};
}

}  // namespace

Array einsum(const std::string& subscripts, std::span<const Array> operands,
             std::optional<Dtype> dtype, const Array* out, Casting casting) {
  if (operands.empty()) einsum_error("must specify at least one operand");
  std::string lhs = subscripts, rhs;
  bool explicit_out = false;
  size_t arrow = subscripts.find("->");
  if (arrow != std::string::npos) {
    lhs = subscripts.substr(0, arrow);
    rhs = subscripts.substr(arrow + 2);
    explicit_out = true;
    if (rhs.find("->") != std::string::npos ||
        rhs.find('-') != std::string::npos ||
        rhs.find('>') != std::string::npos)
      einsum_error(
          "einstein sum subscript string does not contain proper "
          "'->' output specified");
    if (rhs.find(',') != std::string::npos)
      einsum_error("the output subscripts may not contain ','");
  }
  if (lhs.find('-') != std::string::npos || lhs.find('>') != std::string::npos)
    einsum_error(
        "einstein sum subscript string does not contain proper '->' "
        "output specified");
  std::vector<std::string> terms;
  {
    size_t start = 0;
    for (;;) {
      size_t c = lhs.find(',', start);
      terms.push_back(lhs.substr(start, c - start));
      if (c == std::string::npos) break;
      start = c + 1;
    }
  }
  if (terms.size() < operands.size())
    einsum_error(
        "more operands provided to einstein sum function than "
        "specified in the subscripts string");
  if (terms.size() > operands.size())
    einsum_error(
        "fewer operands provided to einstein sum function than "
        "specified in the subscripts string");

  // Result dtype and the casts.
  Dtype dt;
  Arrays ops;
  {
    const Array* gpu = nullptr;
    for (const Array& a : operands)
      if (!a.device().is_cpu()) gpu = &a;
    for (const Array& a : operands)
      ops.push_back(gpu ? strong_on(a, *gpu) : strong(a));
  }
  if (dtype) {
    dt = *dtype;
    for (size_t i = 0; i < ops.size(); ++i)
      if (!can_cast(ops[i].dtype(), dt, casting))
        throw TypeError("[einsum] operand " + std::to_string(i) +
                        " dtype could not be cast from " +
                        quoted_dtype(ops[i].dtype()) + " to " +
                        quoted_dtype(dt) + " according to the rule '" +
                        casting_name(casting) + "'");
  } else {
    dt = result_type(ops);
  }
  if (out && !can_cast(dt, out->dtype(), casting))
    throw TypeError("[einsum] the result dtype " + quoted_dtype(dt) +
                    " could not be cast to the output dtype " +
                    quoted_dtype(out->dtype()) + " according to the rule '" +
                    casting_name(casting) + "'");

  // Labels of every operand; '...' expands to right-aligned broadcast labels.
  std::vector<Term> ts;
  std::vector<int> ell_dims(ops.size(), 0);
  std::vector<std::vector<int>> raw(ops.size());
  std::vector<int> ell_at(ops.size(), -1);
  int ell_ndim = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    raw[i] = parse_term(terms[i], static_cast<int>(i), ell_at[i]);
    int nl = static_cast<int>(raw[i].size()), nd = ops[i].ndim();
    if (ell_at[i] < 0) {
      if (nl > nd)
        einsum_error(
            "einstein sum subscripts string contains too many "
            "subscripts for operand " +
            std::to_string(i));
      if (nl < nd)
        einsum_error(
            "operand has more dimensions than subscripts given in "
            "einstein sum, but no '...' ellipsis provided to "
            "broadcast the extra dimensions.");
    } else {
      if (nl > nd)
        einsum_error(
            "einstein sum subscripts string contains too many "
            "subscripts for operand " +
            std::to_string(i));
      ell_dims[i] = nd - nl;
      ell_ndim = std::max(ell_ndim, ell_dims[i]);
    }
  }
  std::vector<int64_t> size(kEllipsisLabel + ell_ndim + 1, -1);
  for (size_t i = 0; i < ops.size(); ++i) {
    std::vector<int> labels = raw[i];
    if (ell_at[i] >= 0) {
      std::vector<int> e;
      for (int j = 0; j < ell_dims[i]; ++j)
        e.push_back(kEllipsisLabel + ell_ndim - ell_dims[i] + j);
      labels.insert(labels.begin() + ell_at[i], e.begin(), e.end());
    }
    const Array& a = ops[i];
    // Repeated labels: a diagonal view with summed strides.
    std::vector<int> uniq;
    Shape s;
    Strides st;
    for (size_t d = 0; d < labels.size(); ++d) {
      auto it = std::find(uniq.begin(), uniq.end(), labels[d]);
      if (it == uniq.end()) {
        uniq.push_back(labels[d]);
        s.push_back(a.shape()[d]);
        st.push_back(a.strides()[d]);
      } else {
        size_t u = it - uniq.begin();
        if (s[u] != a.shape()[d])
          einsum_error("dimensions in operand " + std::to_string(i) +
                       " for collapsing index '" + label_name(labels[d]) +
                       "' don't match (" + std::to_string(s[u]) +
                       " != " + std::to_string(a.shape()[d]) + ")");
        st[u] += a.strides()[d];
      }
    }
    Array v = uniq.size() == labels.size() ? a : a.view(s, st, a.offset());
    for (size_t d = 0; d < uniq.size(); ++d) {
      int64_t& z = size[uniq[d]];
      int64_t n = s[d];
      if (z < 0 || z == 1)
        z = n;
      else if (n != 1 && n != z)
        einsum_error("operands could not be broadcast together: label '" +
                     label_name(uniq[d]) + "' has sizes " + std::to_string(z) +
                     " and " + std::to_string(n));
    }
    ts.push_back(Term{astype(v, dt, false), uniq});
  }

  // Output labels.
  std::vector<int> out_labels;
  if (explicit_out) {
    int ell_out;
    std::vector<int> r = parse_term(rhs, -1, ell_out);
    for (size_t i = 0; i < r.size(); ++i) {
      if (std::find(r.begin() + i + 1, r.end(), r[i]) != r.end())
        einsum_error(
            "einstein sum subscripts string includes output "
            "subscript '" +
            label_name(r[i]) + "' multiple times");
      bool found = false;
      for (auto& raw_i : raw) found = found || has(raw_i, r[i]);
      if (!found)
        einsum_error(
            "einstein sum subscripts string included output "
            "subscript '" +
            label_name(r[i]) + "' which never appeared in an input");
    }
    if (ell_out < 0 && ell_ndim > 0)
      einsum_error(
          "output has more dimensions than subscripts given in "
          "einstein sum, but no '...' ellipsis provided to "
          "broadcast the extra dimensions.");
    out_labels = r;
    if (ell_out >= 0)
      for (int j = ell_ndim - 1; j >= 0; --j)
        out_labels.insert(out_labels.begin() + ell_out, kEllipsisLabel + j);
  } else {
    for (int j = 0; j < ell_ndim; ++j) out_labels.push_back(kEllipsisLabel + j);
    for (int c = 'A'; c <= 'z'; ++c) {
      int count = 0;
      for (auto& raw_i : raw)
        count += static_cast<int>(std::count(raw_i.begin(), raw_i.end(), c));
      if (count == 1) out_labels.push_back(c);
    }
  }

  // Sum the labels only one operand has and the output does not.
  for (size_t i = 0; i < ts.size(); ++i) {
    std::vector<int> drop;
    for (int l : ts[i].labels) {
      if (has(out_labels, l)) continue;
      bool elsewhere = false;
      for (size_t j = 0; j < ts.size(); ++j)
        if (j != i && has(ts[j].labels, l)) elsewhere = true;
      if (!elsewhere) drop.push_back(l);
    }
    ts[i] = sum_labels(ts[i], drop);
  }

  // Contract pairs greedily by the size of their result.
  while (ts.size() > 1) {
    size_t bi = 0, bj = 1;
    double best = -1;
    std::vector<int> best_needed;
    for (size_t i = 0; i < ts.size(); ++i)
      for (size_t j = i + 1; j < ts.size(); ++j) {
        std::vector<int> needed = out_labels;
        for (size_t q = 0; q < ts.size(); ++q)
          if (q != i && q != j)
            needed.insert(needed.end(), ts[q].labels.begin(),
                          ts[q].labels.end());
        double rsize = 1;
        std::vector<int> seen;
        for (const Term* t : {&ts[i], &ts[j]})
          for (int l : t->labels)
            if (!has(seen, l) && has(needed, l)) {
              seen.push_back(l);
              rsize *= static_cast<double>(size[l]);
            }
        if (best < 0 || rsize < best) {
          best = rsize;
          bi = i;
          bj = j;
          best_needed = std::move(needed);
        }
      }
    Term c = contract(ts[bi], ts[bj], best_needed, size);
    ts.erase(ts.begin() + bj);
    ts[bi] = std::move(c);
  }

  Term t{broadcast_labels(ts[0], size), ts[0].labels};
  Array r = permute_to(t, out_labels);
  if (!out) return r;
  if (!(out->shape() == r.shape()))
    einsum_error("output operand has shape " + shape_str(out->shape()) +
                 " but the result has shape " + shape_str(r.shape()));
  copyto(*out, r, Casting::Unsafe);
  return *out;
}

}  // namespace arrax

#pragma once
// The matrix-product family with NumPy semantics: matmul, dot, vdot, inner,
// outer, tensordot, einsum, kron, trace, diagonal. All products go through
// the Matmul primitive (arrax/primitives_linalg.h); the rest is views,
// reshapes and transposes.
#include <optional>
#include <span>
#include <string>

#include "arrax/array.h"
#include "arrax/matmul_precision.h"

namespace arrax {

// numpy.matmul: 1-D operands are promoted and the added dimension removed,
// batch dimensions broadcast. `dtype` sets the loop dtype; inputs are cast to
// it and the result to `out` under `casting`, as for any NumPy ufunc.
ARRAX_API Array matmul(const Array& a, const Array& b,
                       const Array* out = nullptr,
                       std::optional<Dtype> dtype = std::nullopt,
                       Casting casting = Casting::SameKind);
// numpy.vecdot: sum(conj(a) * b) over `axis` of each operand, the other
// dimensions broadcast (the gufunc (n),(n)->()).
ARRAX_API Array vecdot(const Array& a, const Array& b, int64_t axis = -1,
                       const Array* out = nullptr,
                       std::optional<Dtype> dtype = std::nullopt,
                       Casting casting = Casting::SameKind);
// numpy.dot (out must have exactly the result dtype and be C-contiguous).
ARRAX_API Array dot(const Array& a, const Array& b, const Array* out = nullptr);
// numpy.vdot: flattens both, conjugates the first; a 0-d result.
ARRAX_API Array vdot(const Array& a, const Array& b);
ARRAX_API Array inner(const Array& a, const Array& b);
ARRAX_API Array outer(const Array& a, const Array& b,
                      const Array* out = nullptr);
// numpy.tensordot with explicit axis lists, and with an integer N (the last
// N axes of a against the first N of b).
ARRAX_API Array tensordot(const Array& a, const Array& b,
                          std::span<const int64_t> axes_a,
                          std::span<const int64_t> axes_b);
ARRAX_API Array tensordot(const Array& a, const Array& b, int64_t n = 2);
ARRAX_API Array kron(const Array& a, const Array& b);
// numpy.einsum with a subscripts string ("ij,jk->ik", "...ii->...i").
// `casting` applies to the cast to `dtype` and to `out`.
ARRAX_API Array einsum(const std::string& subscripts,
                       std::span<const Array> operands,
                       std::optional<Dtype> dtype = std::nullopt,
                       const Array* out = nullptr,
                       Casting casting = Casting::Safe);
// numpy.diagonal: a view.
ARRAX_API Array diagonal(const Array& a, int64_t offset = 0, int64_t axis1 = 0,
                         int64_t axis2 = 1);
// numpy.trace: sum of the diagonal, in NumPy's sum dtype unless `dtype`.
ARRAX_API Array trace(const Array& a, int64_t offset = 0, int64_t axis1 = 0,
                      int64_t axis2 = 1,
                      std::optional<Dtype> dtype = std::nullopt,
                      const Array* out = nullptr);

}  // namespace arrax

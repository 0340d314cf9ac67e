#pragma once
// numpy.linalg with NumPy 2 semantics: validation, result dtypes (integers
// and bool compute in float64; float16 is refused as NumPy does), stacked
// inputs and broadcasting, empty inputs, LinAlgError with NumPy's messages.
// The factorizations are primitives (arrax/primitives_linalg.h); everything
// else is composed of ops here, so it runs on every device and
// differentiates through. See Note [linalg layering] in linalg.cpp.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "arrax/array.h"
#include "arrax/primitives_linalg.h"

namespace arrax::linalg {

// The dtype numpy.linalg computes in for inputs of dtype `dt` ("[linalg.op]
// array type float16 is unsupported in linalg" for 16-bit floats).
ARRAX_API Dtype compute_dtype(Dtype dt, const char* op);

// numpy.linalg.solve: b is a vector (n,) only when b.ndim == 1 (NumPy 2),
// else (..., n, k) with batch dimensions broadcast against a's.
ARRAX_API Array solve(const Array& a, const Array& b);
ARRAX_API Array inv(const Array& a);
ARRAX_API Array det(const Array& a);
// (sign, logabsdet).
ARRAX_API std::pair<Array, Array> slogdet(const Array& a);
ARRAX_API Array cholesky(const Array& a, bool upper = false);
// "reduced", "complete", "r" or "raw": (Q, R), (Q, R), (R), (h, tau).
ARRAX_API QrMode qr_mode_from_name(const std::string& mode);
ARRAX_API Arrays qr(const Array& a, QrMode mode = QrMode::Reduced);
// UPLO "L" or "U".
ARRAX_API std::pair<Array, Array> eigh(const Array& a, bool lower = true);
ARRAX_API Array eigvalsh(const Array& a, bool lower = true);
// Complex results, unless the input is real and every eigenvalue is real
// (NumPy's rule; it reads one flag from the device).
ARRAX_API std::pair<Array, Array> eig(const Array& a);
ARRAX_API Array eigvals(const Array& a);
// (U, S, Vh), or {S} without compute_uv.
ARRAX_API Arrays svd(const Array& a, bool full_matrices = true,
                     bool compute_uv = true);
ARRAX_API Array svdvals(const Array& a);

// NumPy's `ord` argument of the norms: none, a number (inf included), or
// "fro" / "nuc".
struct NormOrd {
  enum class Kind : uint8_t { None, Number, Fro, Nuc } kind = Kind::None;
  double p = 0;
  static NormOrd number(double v) { return {Kind::Number, v}; }
  static NormOrd from_name(const std::string& name);
  bool is(double v) const { return kind == Kind::Number && p == v; }
};
ARRAX_API Array norm(const Array& x, NormOrd ord = {},
                     std::optional<std::vector<int64_t>> axis = std::nullopt,
                     bool keepdims = false);
ARRAX_API Array
vector_norm(const Array& x, double ord = 2,
            std::optional<std::vector<int64_t>> axis = std::nullopt,
            bool keepdims = false);
ARRAX_API Array matrix_norm(const Array& x, NormOrd ord = {NormOrd::Kind::Fro},
                            bool keepdims = false);
ARRAX_API Array cond(const Array& x, NormOrd ord = {});
// rcond / tol / rtol: nullopt for NumPy's default; else arrays that
// broadcast against the batch.
ARRAX_API Array pinv(const Array& a, std::optional<Array> rcond = std::nullopt,
                     bool hermitian = false,
                     std::optional<Array> rtol = std::nullopt);
ARRAX_API Array matrix_rank(const Array& a,
                            std::optional<Array> tol = std::nullopt,
                            bool hermitian = false,
                            std::optional<Array> rtol = std::nullopt);
// (x, residuals, rank, s); rcond < 0 -> machine precision, nullopt ->
// eps * max(m, n) (NumPy 2's default).
ARRAX_API Arrays lstsq(const Array& a, const Array& b,
                       std::optional<double> rcond = std::nullopt);
ARRAX_API Array matrix_power(const Array& a, int64_t n);
ARRAX_API Array multi_dot(std::span<const Array> arrays);
ARRAX_API Array tensorinv(const Array& a, int64_t ind = 2);
ARRAX_API Array
tensorsolve(const Array& a, const Array& b,
            std::optional<std::vector<int64_t>> axes = std::nullopt);
// numpy.linalg.cross: 3-element vectors only.
ARRAX_API Array cross(const Array& a, const Array& b, int64_t axis = -1);
// numpy.linalg.outer: 1-D operands only.
ARRAX_API Array outer(const Array& a, const Array& b);
// Over the last two axes (numpy.linalg.trace / diagonal).
ARRAX_API Array trace(const Array& a, int64_t offset = 0,
                      std::optional<Dtype> dtype = std::nullopt);
ARRAX_API Array diagonal(const Array& a, int64_t offset = 0);
ARRAX_API Array matrix_transpose(const Array& a);

}  // namespace arrax::linalg

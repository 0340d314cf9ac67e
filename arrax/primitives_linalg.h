#pragma once
// Primitives of the matrix-product family. eval_cpu lives in
// backend/cpu/matmul.cpp.
#include "arrax/primitive.h"

namespace arrax {

// Batched matrix product: inputs A (..., n, k) and B (..., k, m) of one
// dtype, at least 2-D each; their batch dimensions broadcast. The output is
// (broadcast batch..., n, m) of the same dtype. Integer products wrap like
// NumPy's; bool is OR of ANDs; float16/bfloat16 accumulate in float32.
// With `conj_a` the first operand is conjugated (vdot).
class ARRAX_API Matmul : public Primitive {
 public:
  explicit Matmul(bool conj_a = false) : conj_a_(conj_a) {}
  const char* name() const override { return "matmul"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  // PyTorch's convention for complex inputs: dA = G B^H, dB = A^H G, each
  // summed over the batch dimensions its input was broadcast along.
  Arrays vjp(std::span<const Array> inputs, std::span<const Array> outputs,
             std::span<const Array> cotangents,
             std::span<const int> argnums) override;
  SaveMask vjp_saves(std::span<const Array>, uint32_t wants) const override {
    return ((wants & 1) ? save_input(1) : 0) |
           ((wants & 2) ? save_input(0) : 0);
  }
  bool conj_a() const { return conj_a_; }

  ARRAX_BATCHING
 private:
  bool conj_a_;
};

}  // namespace arrax

// ---- factorizations (numpy.linalg; ops in arrax/linalg.cpp) --------------
//
// Their common contract: inputs of one dtype among float32, float64,
// complex64 and complex128, at least 2-D, any layout, the matrices in the
// last two axes and equal batch dimensions (the ops broadcast). eval_cpu
// lives in backend/cpu/lapack.cpp (LAPACKE), the CUDA evaluation in
// backend/cuda/cuda_solver.cpp (cuSOLVER). What LAPACK's info reports raises
// LinAlgError with NumPy's message ("[linalg.solve] Singular matrix"); `op_`
// names the NumPy function for that message. Derivatives are in
// derivatives_linalg.cpp.
namespace arrax {

// X = A^-1 B for A (..., n, n) and B (..., n, k): LU with partial pivoting
// (getrf + getrs). With `quiet` a singular matrix gives NaNs instead of
// LinAlgError (numpy.linalg.cond's inverse).
class ARRAX_API Solve : public Primitive {
 public:
  explicit Solve(const char* op = "linalg.solve", bool quiet = false)
      : op_(op), quiet_(quiet) {}
  const char* name() const override { return "solve"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ARRAX_DIFFERENTIABLE
  const char* op() const { return op_; }
  bool quiet() const { return quiet_; }

  ARRAX_BATCHING
 private:
  const char* op_;
  bool quiet_;
};

// sign(det A) (A's dtype; 0 for a singular matrix) and log|det A| (real):
// from the LU factorization. A (..., n, n) -> two (...) outputs.
class ARRAX_API Slogdet : public Primitive {
 public:
  const char* name() const override { return "slogdet"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ARRAX_DIFFERENTIABLE
  ARRAX_BATCHING
};

// The Cholesky factor L (A = L L^H, zeros above the diagonal) from A's lower
// triangle, or with `upper` U (A = U^H U) from its upper triangle (potrf).
class ARRAX_API Cholesky : public Primitive {
 public:
  explicit Cholesky(bool upper) : upper_(upper) {}
  const char* name() const override { return "cholesky"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ARRAX_DIFFERENTIABLE
  bool upper() const { return upper_; }

  ARRAX_BATCHING
 private:
  bool upper_;
};

// numpy.linalg.qr's modes for A (..., m, n), k = min(m, n): Reduced: Q
// (m, k), R (k, n); Complete: Q (m, m), R (m, n); R: R (k, n) alone; Raw:
// geqrf's h (n, m: the Householder vectors, transposed as NumPy returns it)
// and tau (k).
enum class QrMode : uint8_t { Reduced, Complete, R, Raw };
class ARRAX_API Qr : public Primitive {
 public:
  explicit Qr(QrMode mode) : mode_(mode) {}
  const char* name() const override { return "qr"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ARRAX_DIFFERENTIABLE
  QrMode mode() const { return mode_; }

  ARRAX_BATCHING
 private:
  QrMode mode_;
};

// Eigenvalues (ascending, real) and, with `vectors`, orthonormal
// eigenvectors (columns) of a Hermitian matrix read from its lower (or
// upper) triangle (syevd / heevd).
class ARRAX_API Eigh : public Primitive {
 public:
  Eigh(bool lower, bool vectors) : lower_(lower), vectors_(vectors) {}
  const char* name() const override { return "eigh"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ARRAX_DIFFERENTIABLE
  bool lower() const { return lower_; }
  bool vectors() const { return vectors_; }

  ARRAX_BATCHING
 private:
  bool lower_, vectors_;
};

// Eigenvalues and, with `vectors`, right eigenvectors (columns, unit norm)
// of a general matrix, both complex (geev); the op turns them real where
// NumPy does. Not differentiable.
class ARRAX_API Eig : public Primitive {
 public:
  explicit Eig(bool vectors) : vectors_(vectors) {}
  const char* name() const override { return "eig"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  bool vectors() const { return vectors_; }

  ARRAX_BATCHING
 private:
  bool vectors_;
};

// A = U diag(S) Vh, S descending and real (gesdd). With `uv` the outputs
// are U (m, m or k), S (k), Vh (n or k, n) (`full` picks the first sizes),
// else S alone. `op` names the NumPy function in errors (svdvals, pinv...).
// NaN input raises "SVD did not converge", as LAPACK's gesdd reports it.
class ARRAX_API Svd : public Primitive {
 public:
  Svd(bool full, bool uv, const char* op = "linalg.svd")
      : full_(full), uv_(uv), op_(op) {}
  const char* name() const override { return "svd"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ARRAX_DIFFERENTIABLE
  bool full() const { return full_; }
  bool uv() const { return uv_; }
  const char* op() const { return op_; }

  ARRAX_BATCHING
 private:
  bool full_, uv_;
  const char* op_;
};

}  // namespace arrax

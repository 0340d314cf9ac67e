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
    return ((wants & 1) ? save_input(1) : 0) | ((wants & 2) ? save_input(0) : 0);
  }
  bool conj_a() const { return conj_a_; }

  ARRAX_BATCHING
 private:
  bool conj_a_;
};

}  // namespace arrax

#pragma once
// The core primitives: ufuncs and copies. Other families declare theirs in
// their own headers (primitives_*.h). eval_cpu lives in backend/cpu/.
#include "arrax/primitive.h"
#include "arrax/ufunc.h"

namespace arrax {

// Any ufunc of arrax/ufuncs.def, on inputs already cast to the loop dtype.
// Inputs broadcast against each other; outputs have the broadcast shape.
class ARRAX_API Ufunc : public Primitive {
 public:
  Ufunc(UfuncId id, Dtype loop) : id_(id), loop_(loop) {}
  const char* name() const override { return ufunc_info(id_).name; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ARRAX_DIFFERENTIABLE
  UfuncId id() const { return id_; }
  Dtype loop_dtype() const { return loop_; }

  ARRAX_BATCHING
 private:
  UfuncId id_;
  Dtype loop_;
};

// out[...] = input broadcast to `shape`, converted to `dtype`. Backs astype,
// copy, ascontiguousarray, copyto and assignment.
class ARRAX_API Copy : public Primitive {
 public:
  Copy(Dtype dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {}
  const char* name() const override { return "copy"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ARRAX_DIFFERENTIABLE

  ARRAX_BATCHING
 private:
  Dtype dtype_;
  Shape shape_;
};

// out = cond ? x : y; inputs (bool, T, T) broadcast together.
class ARRAX_API Select : public Primitive {
 public:
  const char* name() const override { return "where"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ARRAX_DIFFERENTIABLE
  ARRAX_BATCHING
};

}  // namespace arrax

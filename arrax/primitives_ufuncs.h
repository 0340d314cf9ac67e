#pragma once
// Primitives of the ufunc methods (arrax/ops_ufuncs.h). Inputs arrive in
// the loop dtype; eval_cpu is in backend/cpu/ufunc_methods.cpp.
#include "arrax/primitive.h"
#include "arrax/ufunc.h"

namespace arrax {

// out = init op a[0] op a[1] op ... along `axis` of `a` (in order). Inputs:
// init (a's shape without `axis`), a, and optionally a bool mask of a's
// shape: elements where it is false are skipped. Output: init's shape and
// dtype.
class ARRAX_API UfuncReduce : public Primitive {
 public:
  UfuncReduce(UfuncId id, int axis) : id_(id), axis_(axis) {}
  const char* name() const override { return "ufunc_reduce"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;

  UfuncId id() const { return id_; }
  int axis() const { return axis_; }

  ARRAX_BATCHING
 private:
  UfuncId id_;
  int axis_;
};

// out[0] = a[0], out[i] = out[i-1] op a[i] along `axis`.
class ARRAX_API UfuncAccumulate : public Primitive {
 public:
  UfuncAccumulate(UfuncId id, int axis) : id_(id), axis_(axis) {}
  const char* name() const override { return "ufunc_accumulate"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;

  UfuncId id() const { return id_; }
  int axis() const { return axis_; }

  ARRAX_BATCHING
 private:
  UfuncId id_;
  int axis_;
};

// In place: for each k in order, t.flat[pos[k]] = op(t.flat[pos[k]], v[k]).
// Inputs: t, pos (int64), v (pos's shape; absent for unary ufuncs).
// Output: t itself (pass it to dispatch_into).
class ARRAX_API UfuncAt : public Primitive {
 public:
  explicit UfuncAt(UfuncId id) : id_(id) {}
  const char* name() const override { return "ufunc_at"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;

  UfuncId id() const { return id_; }

 private:
  UfuncId id_;
};

}  // namespace arrax

#pragma once
// Primitives of the reduction family: Reduce (sum, prod, max, min, any, all
// and their NaN-skipping variants), ArgReduce (argmax, argmin and the NaN
// variants) and Scan (cumsum, cumprod and the NaN variants). The ops in
// ops_reductions.cpp own the NumPy semantics (dtypes, axes, errors); these
// only compute. eval_cpu lives in backend/cpu/reduce.cpp.
#include "arrax/primitive.h"

namespace arrax {

enum class ReduceOp : uint8_t {
  Sum,
  Prod,
  Max,
  Min,
  Any,
  All,
  NanSum,
  NanProd,
  NanMax,
  NanMin,
};
ARRAX_API const char* reduce_op_name(ReduceOp op);

// Reduces input 0 over `axes` (normalized, sorted). Sum, Prod, Max, Min and
// their NaN variants compute in the input's dtype and return it; Any and All
// return bool. An optional input 1 (0-d, the input's dtype) is the initial
// value; otherwise the op's identity. Max and Min need a non-empty reduction
// or an initial value (the op checks). A nonzero `divisor` (Sum of float32
// or float64 only: mean) divides each result by it in the output dtype, as
// NumPy's true_divide(sum, count) does, in the same pass on the GPU.
class ARRAX_API Reduce : public Primitive {
 public:
  Reduce(ReduceOp op, SmallVector<int64_t> axes, bool keepdims,
         double divisor = 0)
      : op_(op), axes_(std::move(axes)), keepdims_(keepdims),
        divisor_(divisor) {}
  const char* name() const override { return reduce_op_name(op_); }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ARRAX_DIFFERENTIABLE
  ReduceOp op() const { return op_; }
  const SmallVector<int64_t>& axes() const { return axes_; }
  bool keepdims() const { return keepdims_; }
  double divisor() const { return divisor_; }

  ARRAX_BATCHING
 private:
  ReduceOp op_;
  SmallVector<int64_t> axes_;
  bool keepdims_;
  double divisor_;
};

enum class ArgReduceOp : uint8_t { ArgMax, ArgMin, NanArgMax, NanArgMin };

// Index (int64) of the first extreme element along `axis`, or over the
// flattened array when `axis` is -1. NaN wins for ArgMax/ArgMin (NumPy);
// the NaN variants skip NaN and raise ValueError on an all-NaN slice.
class ARRAX_API ArgReduce : public Primitive {
 public:
  ArgReduce(ArgReduceOp op, int axis, bool keepdims)
      : op_(op), axis_(axis), keepdims_(keepdims) {}
  const char* name() const override;
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ArgReduceOp op() const { return op_; }
  int axis() const { return axis_; }
  bool keepdims() const { return keepdims_; }

  ARRAX_BATCHING
 private:
  ArgReduceOp op_;
  int axis_;
  bool keepdims_;
};

enum class ScanOp : uint8_t { CumSum, CumProd, NanCumSum, NanCumProd };

// Inclusive scan along `axis` in the input's dtype (the op casts first);
// the output has the input's shape.
class ARRAX_API Scan : public Primitive {
 public:
  Scan(ScanOp op, int axis) : op_(op), axis_(axis) {}
  const char* name() const override;
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ARRAX_DIFFERENTIABLE
  ScanOp op() const { return op_; }
  int axis() const { return axis_; }

  ARRAX_BATCHING
 private:
  ScanOp op_;
  int axis_;
};

// Elementwise square root of a floating or complex array: the last step of
// std and nanstd (so the family does not depend on the ufunc table).
class ARRAX_API StdSqrt : public Primitive {
 public:
  const char* name() const override { return "sqrt"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ARRAX_DIFFERENTIABLE
  ARRAX_BATCHING
};

}  // namespace arrax

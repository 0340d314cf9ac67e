#pragma once
// Primitives of advanced indexing: gathers and scatters through integer index
// arrays or boolean masks, and the mask helpers (count, nonzero). The ops in
// ops_index.cpp put the indexed dimensions first (see Note [Advanced index
// layout]), so each primitive sees the simple layout
//   src: (I_0, ..., I_{k-1}, rest...)    out: (B..., rest...)
// where B is the broadcast shape of the k index arrays. eval_cpu lives in
// backend/cpu/indexing.cpp.
#include <string>

#include "arrax/ops_index.h"
#include "arrax/primitive.h"

namespace arrax {

// out[b, r] = src[idx_0[b], ..., idx_{k-1}[b], r]. Inputs: src, then k int64
// index arrays broadcastable to B. `axes` names the user's axis of each
// index for out-of-bounds errors "[op] index 5 is out of bounds for axis 0".
class ARRAX_API Gather : public Primitive {
 public:
  Gather(std::vector<int> axes, IndexMode mode, const char* op)
      : axes_(std::move(axes)), mode_(mode), op_(op) {}
  const char* name() const override { return "gather"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ARRAX_DIFFERENTIABLE

  const std::vector<int>& axes() const { return axes_; }
  IndexMode mode() const { return mode_; }
  const char* op() const { return op_; }

  ARRAX_BATCHING
 private:
  std::vector<int> axes_;
  IndexMode mode_;
  const char* op_;
};

// dst[idx_0[b], ..., idx_{k-1}[b], r] = value[b, r], in place: the output is
// the destination view (shape `dst_shape`), and only the indexed elements are
// written. Repeated indices: the last one in C order wins. Inputs: value
// (shape (B..., rest...), C-contiguous or all strides 0), then the k int64
// index arrays.
class ARRAX_API Scatter : public Primitive {
 public:
  Scatter(Shape dst_shape, Dtype dtype, std::vector<int> axes, IndexMode mode,
          const char* op)
      : dst_shape_(std::move(dst_shape)),
        dtype_(dtype),
        axes_(std::move(axes)),
        mode_(mode),
        op_(op) {}
  const char* name() const override { return "scatter"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;

  const std::vector<int>& axes() const { return axes_; }
  IndexMode mode() const { return mode_; }
  const char* op() const { return op_; }

 private:
  Shape dst_shape_;
  Dtype dtype_;
  std::vector<int> axes_;
  IndexMode mode_;
  const char* op_;
};

// out[n, r] = src[m_n, r] for the n-th true element m_n of the mask (C
// order). Inputs: src, mask (bool, C-contiguous, shape = src's first k
// dimensions). `count` is the number of true elements.
class ARRAX_API MaskedGather : public Primitive {
 public:
  explicit MaskedGather(int64_t count) : count_(count) {}
  const char* name() const override { return "masked_gather"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ARRAX_DIFFERENTIABLE

  int64_t count() const { return count_; }

 private:
  int64_t count_;
};

// dst[m_n, r] = value[n, r], in place (see Scatter). Inputs: value (shape
// (count, rest...), C-contiguous or all strides 0), mask.
class ARRAX_API MaskedScatter : public Primitive {
 public:
  MaskedScatter(Shape dst_shape, Dtype dtype)
      : dst_shape_(std::move(dst_shape)), dtype_(dtype) {}
  const char* name() const override { return "masked_scatter"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;

 private:
  Shape dst_shape_;
  Dtype dtype_;
};

// Number of true elements of a C-contiguous bool array: a 0-d int64.
class ARRAX_API CountTrue : public Primitive {
 public:
  const char* name() const override { return "count_true"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
};

// (count, ndim) int64 coordinates of the true elements of a C-contiguous
// bool array, in C order.
class ARRAX_API Nonzero : public Primitive {
 public:
  explicit Nonzero(int64_t count) : count_(count) {}
  const char* name() const override { return "nonzero"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;

  int64_t count() const { return count_; }

 private:
  int64_t count_;
};

}  // namespace arrax

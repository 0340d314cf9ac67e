#pragma once
// The primitives of the sorting family (arrax/sort.h). Each works along the
// last axis of its input, any strides; the ops move the sorted axis there.
// CPU evaluation in backend/cpu/sort.cpp (Highway's vqsort, std::stable_sort),
// CUDA in backend/cuda/cuda_sort.cpp (CUB radix sorts, compiled ahead of time
// in cub_sort.cu). See Note [Sort order] in sort.cpp.
#include <vector>

#include "arrax/primitive.h"

namespace arrax {

// The sorted values of each row (NumPy's order: NaNs last, complex
// lexicographic). `stable` keeps equal elements (-0.0 and 0.0, NaNs) in
// input order.
class ARRAX_API Sort : public Primitive {
 public:
  explicit Sort(bool stable) : stable_(stable) {}
  const char* name() const override { return "sort"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  // The cotangent gathered by the inverse of the sorting permutation
  // (take_along_axis, so differentiable again).
  ARRAX_DIFFERENTIABLE
  ARRAX_BATCHING
  bool stable() const { return stable_; }

 private:
  bool stable_;
};

// The int64 indices that sort each row. Both kinds give the stable order
// (ties by index): a total order, so CPU and GPU agree exactly. With `kth`
// (ascending, in [0, n)) only those positions need their sorted element,
// smaller ones before and larger ones after (argpartition): the CPU then
// selects in O(n) per kth, the GPU sorts fully (also a valid answer).
class ARRAX_API Argsort : public Primitive {
 public:
  explicit Argsort(bool stable, std::vector<int64_t> kth = {})
      : stable_(stable), kth_(std::move(kth)) {}
  const char* name() const override { return "argsort"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ARRAX_BATCHING
  bool stable() const { return stable_; }
  const std::vector<int64_t>& kth() const { return kth_; }

 private:
  bool stable_;
  std::vector<int64_t> kth_;
};

// numpy.searchsorted: inputs a (1-D, sorted in NumPy's order) and v, one
// dtype; int64 insertion points shaped like v (`right`: after equal
// elements).
class ARRAX_API SearchSorted : public Primitive {
 public:
  explicit SearchSorted(bool right) : right_(right) {}
  const char* name() const override { return "searchsorted"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ARRAX_BATCHING
  bool right() const { return right_; }

 private:
  bool right_;
};

}  // namespace arrax

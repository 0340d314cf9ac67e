#pragma once
// Primitives that autograd itself records: views (Note [Views under
// autograd] in autograd.cpp).
#include "arrax/ops_index.h"
#include "arrax/primitive.h"

namespace arrax {

// Shape, element strides and offset of an array, relative to the first
// element of a storage span.
struct ViewLayout {
  Shape shape;
  Strides strides;
  int64_t offset = 0;
};

// out = the `to` layout read from a buffer of `extent` zeros into which the
// input was written with the `from` layout (summed over `from`'s stride-0
// axes). As recorded by Array::view, `from` is the input's layout and `to`
// the view's: the op is the view itself, and its vjp the same primitive
// with the layouts swapped (a scatter into zeros).
class ARRAX_API View : public Primitive {
 public:
  View(ViewLayout from, ViewLayout to, int64_t extent)
      : from_(std::move(from)), to_(std::move(to)), extent_(extent) {}
  const char* name() const override { return "view"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  void eval_cuda(std::span<const Array> inputs,
                 std::span<Array> outputs) override;
  Arrays vjp(std::span<const Array> inputs, std::span<const Array> outputs,
             std::span<const Array> cotangents,
             std::span<const int> argnums) override;
  SaveMask vjp_saves(std::span<const Array>, uint32_t) const override {
    return 0;
  }
  const ViewLayout& from() const { return from_; }
  const ViewLayout& to() const { return to_; }

 private:
  void eval(std::span<const Array> inputs, std::span<Array> outputs);
  ViewLayout from_, to_;
  int64_t extent_;
};

}  // namespace arrax

namespace arrax {

// The transpose of Gather (its vjp): out = zeros of `shape`, then
// out[idx_0[b], ..., idx_{k-1}[b], r] += value[b, r] for every b, repeated
// indices accumulating. Inputs: value, then the k int64 index arrays (as
// Gather takes them, in `mode`).
class ARRAX_API IndexAdd : public Primitive {
 public:
  IndexAdd(Shape shape, std::vector<int> axes, IndexMode mode, const char* op)
      : shape_(std::move(shape)), axes_(std::move(axes)), mode_(mode),
        op_(op) {}
  const char* name() const override { return "index_add"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  void eval_cuda(std::span<const Array> inputs,
                 std::span<Array> outputs) override;
  ARRAX_DIFFERENTIABLE
  ARRAX_BATCHING

 private:
  void eval(std::span<const Array> inputs, std::span<Array> outputs);
  Shape shape_;
  std::vector<int> axes_;
  IndexMode mode_;
  const char* op_;
};

// The transpose of MaskedGather: zeros of `shape` with value[n, r] at the
// n-th true element of the mask. Inputs: value, mask.
class ARRAX_API MaskedPlace : public Primitive {
 public:
  explicit MaskedPlace(Shape shape) : shape_(std::move(shape)) {}
  const char* name() const override { return "masked_place"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  void eval_cuda(std::span<const Array> inputs,
                 std::span<Array> outputs) override;
  ARRAX_DIFFERENTIABLE

 private:
  void eval(std::span<const Array> inputs, std::span<Array> outputs);
  Shape shape_;
};

}  // namespace arrax

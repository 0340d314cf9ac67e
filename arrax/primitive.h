#pragma once
// Primitive: the unit of computation. See docs/architecture.md.
//
// An op in ops.cpp validates arguments, promotes and broadcasts, then hands a
// Primitive and its inputs to dispatch(). A Primitive only computes: it
// infers the shape and dtype of its outputs and evaluates on each backend.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "arrax/array.h"
#include "arrax/export.h"

namespace arrax {

struct OutputSpec {
  Shape shape;
  Dtype dtype;
};
// Up to four outputs, stored inline (no allocation per op).
class OutputSpecs {
 public:
  void push_back(OutputSpec s) { v_[n_++] = std::move(s); }
  size_t size() const { return n_; }
  OutputSpec& operator[](size_t i) { return v_[i]; }
  const OutputSpec& operator[](size_t i) const { return v_[i]; }
  OutputSpec* begin() { return v_; }
  OutputSpec* end() { return v_ + n_; }

 private:
  OutputSpec v_[4];
  size_t n_ = 0;
};

// Bits of what a vjp reads: input i is bit i, output j is bit 16 + j.
using SaveMask = uint32_t;
constexpr SaveMask kSaveAll = 0xFFFFFFFFu;
constexpr SaveMask save_input(int i) { return SaveMask(1) << i; }
constexpr SaveMask save_output(int j) { return SaveMask(1) << (16 + j); }

class ARRAX_API Primitive {
 public:
  virtual ~Primitive() = default;
  // Also the name of the CPU functor and of the CUDA device functor.
  virtual const char* name() const = 0;
  // Shape and dtype of each output. Mandatory.
  virtual OutputSpecs output_specs(std::span<const Array> inputs) const = 0;
  // Writes every element of `outputs`, which may be strided views.
  virtual void eval_cpu(std::span<const Array> inputs,
                        std::span<Array> outputs) = 0;
  // Defaults to the registered CUDA backend's eval.
  virtual void eval_cuda(std::span<const Array> inputs,
                         std::span<Array> outputs);
  // Vector-Jacobian product in terms of other ops (so it is
  // differentiable): one gradient per entry of `argnums` (an invalid Array
  // for a zero one), shaped like that input or broadcastable to it. Inputs
  // and outputs that vjp_saves() left out carry shape, dtype and device
  // only. See Note [Autograd recording] in autograd.cpp.
  virtual Arrays vjp(std::span<const Array> inputs,
                     std::span<const Array> outputs,
                     std::span<const Array> cotangents,
                     std::span<const int> argnums);
  // What vjp reads, given the inputs that need a gradient (bit i: input i).
  virtual SaveMask vjp_saves(std::span<const Array> inputs,
                             uint32_t wants) const {
    return kSaveAll;
  }
  // Batching rule of vmap (Note [Batching] in batching.cpp). `inputs` are
  // the arrays at one vmap level; those with batched[i] carry the batch
  // dimension (of `size`) at axis 0, the others none. The rule may rewrite
  // `inputs` and returns the primitive that, run on them, gives each output
  // with the batch dimension at axis 0 (often `self`). Null means no rule:
  // vmap then runs the primitive once per batch element.
  virtual std::shared_ptr<Primitive> batch_rule(
      const std::shared_ptr<Primitive>& self, Arrays& inputs,
      std::span<const bool> batched, int64_t size) const {
    return nullptr;
  }
};

// Declares a primitive's batching rule (batching.cpp defines them).
#define ARRAX_BATCHING                                                 \
  std::shared_ptr<Primitive> batch_rule(                               \
      const std::shared_ptr<Primitive>& self, Arrays& inputs,          \
      std::span<const bool> batched, int64_t size) const override;

// Declares a primitive's vjp and vjp_saves (derivatives*.cpp define them).
#define ARRAX_DIFFERENTIABLE                                           \
  Arrays vjp(std::span<const Array> inputs,                            \
             std::span<const Array> outputs,                           \
             std::span<const Array> cotangents,                        \
             std::span<const int> argnums) override;                   \
  SaveMask vjp_saves(std::span<const Array> inputs, uint32_t wants)    \
      const override;

}  // namespace arrax

#pragma once
// Primitives of the creation and manipulation ops (arrax/ops_shape.h) that
// move data. Pure view ops (transpose, flip, split, broadcast_to) dispatch
// nothing. eval_cpu lives in backend/cpu/shape.cpp.
#include <vector>

#include "arrax/ops_shape.h"
#include "arrax/primitive.h"

namespace arrax {

// out = the inputs laid end to end along `axis`, converted to `dtype`.
// Inputs have the output's rank and its shape except along `axis`.
class ARRAX_API Concatenate : public Primitive {
 public:
  Concatenate(int axis, Dtype dtype) : axis_(axis), dtype_(dtype) {}
  const char* name() const override { return "concatenate"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ARRAX_DIFFERENTIABLE

  int axis() const { return axis_; }
  Dtype dtype() const { return dtype_; }

  ARRAX_BATCHING
 private:
  int axis_;
  Dtype dtype_;
};

// out[i] = first + i * (second - first), i < n, in the inputs' dtype (two
// 0-d arrays of one dtype). NumPy's arange fill rule.
class ARRAX_API Arange : public Primitive {
 public:
  explicit Arange(int64_t n) : n_(n) {}
  const char* name() const override { return "arange"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;

  int64_t n() const { return n_; }

 private:
  int64_t n_;
};

// Evenly spaced values between start and stop (inputs 0 and 1, C-contiguous,
// one inexact dtype, same shape B); out has shape (num, *B).
//   Linear: NumPy's linspace arithmetic, optionally floored (for an integer
//           target dtype applied afterwards by the op).
//   Log:    base ** linspace; input 2 is the base (shape B, the output
//           dtype, which may be wider than the inputs').
//   Geom:   NumPy's geomspace: rotate start to the positive reals, go
//           through log10, exact endpoints, rotate back.
class ARRAX_API Linspace : public Primitive {
 public:
  enum class Mode : uint8_t { Linear, Log, Geom };
  Linspace(int64_t num, bool endpoint, Mode mode, bool floor = false)
      : num_(num), endpoint_(endpoint), mode_(mode), floor_(floor) {}
  const char* name() const override { return "linspace"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;

  int64_t num() const { return num_; }
  bool endpoint() const { return endpoint_; }
  Mode mode() const { return mode_; }
  bool floor() const { return floor_; }

 private:
  int64_t num_;
  bool endpoint_;
  Mode mode_;
  bool floor_;
};

// An n x m matrix: one where j <= i + k, zero elsewhere.
class ARRAX_API Tri : public Primitive {
 public:
  Tri(int64_t n, int64_t m, int64_t k, Dtype dtype)
      : n_(n), m_(m), k_(k), dtype_(dtype) {}
  const char* name() const override { return "tri"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;

  int64_t n() const { return n_; }
  int64_t m() const { return m_; }
  int64_t k() const { return k_; }

 private:
  int64_t n_, m_, k_;
  Dtype dtype_;
};

// A copy of the input (ndim >= 2) with the elements above (lower == true:
// j > i + k) or below (j < i + k) diagonal k of the last two axes zeroed.
class ARRAX_API TriMask : public Primitive {
 public:
  TriMask(int64_t k, bool lower) : k_(k), lower_(lower) {}
  const char* name() const override { return lower_ ? "tril" : "triu"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ARRAX_DIFFERENTIABLE

  int64_t k() const { return k_; }
  bool lower() const { return lower_; }

  ARRAX_BATCHING
 private:
  int64_t k_;
  bool lower_;
};

// Each index j along `axis` of the input repeated repeats[j] times (one
// count for all when repeats has one entry).
class ARRAX_API Repeat : public Primitive {
 public:
  Repeat(std::vector<int64_t> repeats, int axis)
      : repeats_(std::move(repeats)), axis_(axis) {}
  const char* name() const override { return "repeat"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ARRAX_DIFFERENTIABLE

  const std::vector<int64_t>& repeats() const { return repeats_; }
  int axis() const { return axis_; }

  ARRAX_BATCHING
 private:
  std::vector<int64_t> repeats_;
  int axis_;
};

// out = the input rolled by shifts_[d] along every axis d (shifts already
// reduced to [0, shape[d])).
class ARRAX_API Roll : public Primitive {
 public:
  explicit Roll(std::vector<int64_t> shifts) : shifts_(std::move(shifts)) {}
  const char* name() const override { return "roll"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ARRAX_DIFFERENTIABLE

  const std::vector<int64_t>& shifts() const { return shifts_; }

  ARRAX_BATCHING
 private:
  std::vector<int64_t> shifts_;
};

// np.pad: the input copied into the middle of the output, the borders
// filled per PadOptions (values already validated by the op).
class ARRAX_API Pad : public Primitive {
 public:
  Pad(std::vector<std::pair<int64_t, int64_t>> widths, PadOptions options)
      : widths_(std::move(widths)), options_(std::move(options)) {}
  const char* name() const override { return "pad"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  ARRAX_DIFFERENTIABLE

  const std::vector<std::pair<int64_t, int64_t>>& widths() const {
    return widths_;
  }
  const PadOptions& options() const { return options_; }

  ARRAX_BATCHING
 private:
  std::vector<std::pair<int64_t, int64_t>> widths_;
  PadOptions options_;
};

}  // namespace arrax

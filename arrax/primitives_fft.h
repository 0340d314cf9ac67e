#pragma once
// The discrete Fourier transform primitive. eval_cpu lives in
// backend/cpu/fft.cpp (kissfft), the CUDA evaluation in
// backend/cuda/cuda_fft.cpp (cuFFT).
#include <vector>

#include "arrax/primitive.h"

namespace arrax {

enum class FftKind : uint8_t {
  C2C,  // complex -> complex, same shape
  R2C,  // real -> complex; the last axis of `axes` becomes n / 2 + 1 long
  C2R,  // complex -> real; the last axis of `axes` becomes `last_n` long
};

// An unnormalized DFT along distinct `axes` (normalized, non-negative),
// multiplied by `scale`; `forward` picks the sign exp(-2 pi i jk / n) (the
// inverse direction uses +). Inputs come already cropped or padded and cast:
// complex64/complex128 for C2C and C2R, float32/float64 for R2C; outputs
// have that precision. C2R reads bins 0 .. last_n / 2 of the last axis and
// ignores the imaginary parts of the bins that must be real (NumPy's irfft).
class ARRAX_API Fft : public Primitive {
 public:
  Fft(FftKind kind, std::vector<int> axes, bool forward, double scale,
      int64_t last_n = 0)
      : kind_(kind),
        axes_(std::move(axes)),
        forward_(forward),
        scale_(scale),
        last_n_(last_n) {}
  const char* name() const override { return "fft"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
  // In terms of Fft itself, so derivatives are differentiable again. C2C:
  // the transform of the cotangent in the opposite direction (F^H g). R2C:
  // C2R of the cotangent with the interior bins of the last axis halved.
  // C2R: R2C of the cotangent with the interior bins doubled. See Note [FFT
  // derivatives] in fft.cpp.
  Arrays vjp(std::span<const Array> inputs, std::span<const Array> outputs,
             std::span<const Array> cotangents,
             std::span<const int> argnums) override;
  // The vjp reads only the input's shape and dtype.
  SaveMask vjp_saves(std::span<const Array>, uint32_t) const override {
    return 0;
  }

  FftKind kind() const { return kind_; }
  const std::vector<int>& axes() const { return axes_; }
  bool forward() const { return forward_; }
  double scale() const { return scale_; }
  // The real length of the last axis (the output's for C2R, the input's for
  // R2C, where the primitive reads it from the input).
  int64_t last_n() const { return last_n_; }

  ARRAX_BATCHING
 private:
  FftKind kind_;
  std::vector<int> axes_;
  bool forward_;
  double scale_;
  int64_t last_n_;
};

}  // namespace arrax

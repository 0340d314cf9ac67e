#pragma once
// numpy.fft with NumPy 2 semantics: validation, n/s/axes, padding and
// cropping, norm modes, result dtypes and out=. The transforms themselves
// are the Fft primitive (arrax/primitives_fft.h). See Note [FFT layering] in
// fft.cpp.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "arrax/array.h"

namespace arrax {

// NumPy's norm= argument.
enum class FftNorm : uint8_t { Backward, Ortho, Forward };
// "backward" (or an empty name, for None), "ortho", "forward"; anything else
// is "[op] Invalid norm value ...".
ARRAX_API FftNorm fft_norm_from_name(std::string_view name, const char* op);

// One-dimensional transforms along `axis`. `n` crops or zero-pads the input
// (nullopt: the input's length; for irfft/hfft 2 * (m - 1)). `out`, when
// given, receives the result (same-kind casting) and is returned.
ARRAX_API Array fft(const Array& a, std::optional<int64_t> n = std::nullopt,
                    int64_t axis = -1, FftNorm norm = FftNorm::Backward,
                    const Array* out = nullptr);
ARRAX_API Array ifft(const Array& a, std::optional<int64_t> n = std::nullopt,
                     int64_t axis = -1, FftNorm norm = FftNorm::Backward,
                     const Array* out = nullptr);
ARRAX_API Array rfft(const Array& a, std::optional<int64_t> n = std::nullopt,
                     int64_t axis = -1, FftNorm norm = FftNorm::Backward,
                     const Array* out = nullptr);
ARRAX_API Array irfft(const Array& a, std::optional<int64_t> n = std::nullopt,
                      int64_t axis = -1, FftNorm norm = FftNorm::Backward,
                      const Array* out = nullptr);
ARRAX_API Array hfft(const Array& a, std::optional<int64_t> n = std::nullopt,
                     int64_t axis = -1, FftNorm norm = FftNorm::Backward,
                     const Array* out = nullptr);
ARRAX_API Array ihfft(const Array& a, std::optional<int64_t> n = std::nullopt,
                      int64_t axis = -1, FftNorm norm = FftNorm::Backward,
                      const Array* out = nullptr);

// N-dimensional transforms. `s` holds one length per axis (-1: the input's
// length); without `axes` the last len(s) axes (or all) are transformed.
// The 2-D forms default `axes` to (-2, -1).
using FftShape = std::optional<std::vector<int64_t>>;
// An entry of `s` that stands for the 1-D transform's default n (NumPy's
// deprecated None entries).
inline constexpr int64_t kFftDefaultN = INT64_MIN;
ARRAX_API Array fftn(const Array& a, const FftShape& s = std::nullopt,
                     const FftShape& axes = std::nullopt,
                     FftNorm norm = FftNorm::Backward,
                     const Array* out = nullptr);
ARRAX_API Array ifftn(const Array& a, const FftShape& s = std::nullopt,
                      const FftShape& axes = std::nullopt,
                      FftNorm norm = FftNorm::Backward,
                      const Array* out = nullptr);
ARRAX_API Array rfftn(const Array& a, const FftShape& s = std::nullopt,
                      const FftShape& axes = std::nullopt,
                      FftNorm norm = FftNorm::Backward,
                      const Array* out = nullptr);
ARRAX_API Array irfftn(const Array& a, const FftShape& s = std::nullopt,
                       const FftShape& axes = std::nullopt,
                       FftNorm norm = FftNorm::Backward,
                       const Array* out = nullptr);
ARRAX_API Array fft2(const Array& a, const FftShape& s = std::nullopt,
                     const FftShape& axes = std::vector<int64_t>{-2, -1},
                     FftNorm norm = FftNorm::Backward,
                     const Array* out = nullptr);
ARRAX_API Array ifft2(const Array& a, const FftShape& s = std::nullopt,
                      const FftShape& axes = std::vector<int64_t>{-2, -1},
                      FftNorm norm = FftNorm::Backward,
                      const Array* out = nullptr);
ARRAX_API Array rfft2(const Array& a, const FftShape& s = std::nullopt,
                      const FftShape& axes = std::vector<int64_t>{-2, -1},
                      FftNorm norm = FftNorm::Backward,
                      const Array* out = nullptr);
ARRAX_API Array irfft2(const Array& a, const FftShape& s = std::nullopt,
                       const FftShape& axes = std::vector<int64_t>{-2, -1},
                       FftNorm norm = FftNorm::Backward,
                       const Array* out = nullptr);

// Sample frequencies (float64, as NumPy): [0, 1, ..., -1] / (d * n) and
// [0, 1, ..., n / 2] / (d * n).
ARRAX_API Array fftfreq(int64_t n, double d = 1.0,
                        Device device = default_device());
ARRAX_API Array rfftfreq(int64_t n, double d = 1.0,
                         Device device = default_device());

// Rolls the zero frequency to the centre (fftshift) and back (ifftshift)
// along `axes` (all when nullopt).
ARRAX_API Array fftshift(const Array& x, const FftShape& axes = std::nullopt);
ARRAX_API Array ifftshift(const Array& x, const FftShape& axes = std::nullopt);

}  // namespace arrax

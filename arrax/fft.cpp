// numpy.fft: the NumPy semantics of every transform, on top of the Fft
// primitive.
//
// Note [FFT layering]
// The ops here do what NumPy's numpy/fft/_pocketfft.py does: normalize axes,
// cook s/axes, crop or zero-pad each transformed axis (slicing and pad), cast
// to the transform's precision (complex64 for float16/bfloat16/float32/
// complex64, complex128 otherwise), pick the norm factor and check out=.
// NumPy applies an N-D transform as a sequence of 1-D ones; since cropping,
// padding and transforms along different axes commute, every N-D transform
// over distinct axes here is one Fft primitive over all of them (one batched
// library call per axis group), with the product of the per-axis factors.
// Repeated axes (fftn(a, axes=(0, 0)) transforms axis 0 twice in NumPy) run
// as NumPy's sequence of 1-D transforms. hfft and ihfft are C2R and R2C in
// the other direction, which spares the conjugations NumPy does.
#include "arrax/fft.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "arrax/dispatch.h"
#include "arrax/errors.h"
#include "arrax/ops.h"
#include "arrax/ops_index.h"
#include "arrax/ops_shape.h"
#include "arrax/ops_ufuncs.h"
#include "arrax/primitives_fft.h"

namespace arrax {

FftNorm fft_norm_from_name(std::string_view name, const char* op) {
  if (name.empty() || name == "backward") return FftNorm::Backward;
  if (name == "ortho") return FftNorm::Ortho;
  if (name == "forward") return FftNorm::Forward;
  throw ValueError(std::string("[") + op + "] Invalid norm value " +
                   std::string(name) +
                   "; should be \"backward\", \"ortho\" or \"forward\".");
}

namespace {

bool single_precision(Dtype dt) {
  return dt == Dtype::Float16 || dt == Dtype::BFloat16 ||
         dt == Dtype::Float32 || dt == Dtype::Complex64;
}
Dtype complex_of(Dtype dt) {
  return single_precision(dt) ? Dtype::Complex64 : Dtype::Complex128;
}
Dtype real_of(Dtype dt) {
  return single_precision(dt) ? Dtype::Float32 : Dtype::Float64;
}
// NumPy's result_type(a.real.dtype, 1.0): the dtype of irfft's result.
Dtype real_result(Dtype dt) {
  if (dt == Dtype::Float16 || dt == Dtype::BFloat16) return dt;
  return real_of(dt);
}

// `v` rounded to the input's 16-bit float type: NumPy computes the norm
// factor in result_type(a.real.dtype, 1.0), so float16 input is scaled by
// float16(1 / n), not 1 / n.
double round_to(double v, Dtype dt) {
  if (dt == Dtype::Float16) return cast_value<double>(cast_value<float16>(v));
  if (dt == Dtype::BFloat16) return cast_value<double>(cast_value<bfloat16>(v));
  return v;
}

// The factor a transform of length n is multiplied by. The inverse
// direction swaps "backward" and "forward".
double norm_factor(FftNorm norm, bool forward, int64_t n,
                   Dtype input = Dtype::Float64) {
  if (input == Dtype::Float16 || input == Dtype::BFloat16) {
    if (!forward) {
      if (norm == FftNorm::Backward)
        norm = FftNorm::Forward;
      else if (norm == FftNorm::Forward)
        norm = FftNorm::Backward;
    }
    double nn = round_to(static_cast<double>(n), input);
    if (norm == FftNorm::Ortho)
      return round_to(1.0 / round_to(std::sqrt(nn), input), input);
    if (norm == FftNorm::Forward) return round_to(1.0 / nn, input);
    return 1.0;
  }
  if (!forward) {
    if (norm == FftNorm::Backward)
      norm = FftNorm::Forward;
    else if (norm == FftNorm::Forward)
      norm = FftNorm::Backward;
  }
  switch (norm) {
    case FftNorm::Backward:
      return 1.0;
    case FftNorm::Ortho:
      return 1.0 / std::sqrt(static_cast<double>(n));
    case FftNorm::Forward:
      return 1.0 / static_cast<double>(n);
  }
  return 1.0;
}

void check_points(int64_t n, const char* op) {
  if (n < 1)
    throw ValueError(std::string("[") + op +
                     "] Invalid number of FFT data points (" +
                     std::to_string(n) + ") specified.");
}

// `a` cropped or zero-padded to length n along `axis`.
Array resize_axis(const Array& a, int axis, int64_t n) {
  int64_t len = a.shape()[axis];
  if (n == len) return a;
  if (n < len) {
    Indices idx(static_cast<size_t>(a.ndim()), Index(Slice()));
    idx[axis] = Index(Slice(0, n));
    return getitem(a, idx);
  }
  std::vector<std::pair<int64_t, int64_t>> w(a.ndim(), {0, 0});
  w[axis] = {0, n - len};
  return pad(a, w);
}

void check_out(const Shape& shape, Dtype dt, const Array& out, const char* op) {
  if (!(out.shape() == shape))
    throw ValueError(std::string("[") + op +
                     "] output array has wrong shape: expected " +
                     shape_str(shape) + ", got " + shape_str(out.shape()));
  if (!can_cast(dt, out.dtype(), Casting::SameKind))
    throw TypeError(std::string("[") + op + "] Cannot cast ufunc '" + op +
                    "' output from dtype('" + dtype_name(dt) + "') to dtype('" +
                    dtype_name(out.dtype()) +
                    "') with casting rule 'same_kind'");
}

// Runs the transform, into `out` when given (directly when its dtype is the
// result's and it does not overlap the input), casting to `result` dtype.
Array run(std::shared_ptr<Fft> p, const Array& x, Dtype result,
          const Array* out, const char* op) {
  Array in[1] = {x};
  OutputSpecs specs = p->output_specs(in);
  if (out) {
    check_out(specs[0].shape, result, *out, op);
    if (out->dtype() == specs[0].dtype && !out->may_overlap(x)) {
      Array o[1] = {*out};
      dispatch_into(std::move(p), in, o);
      return *out;
    }
  }
  Array r = dispatch1(std::move(p), in);
  if (r.dtype() != result) r = astype(r, result);
  if (!out) return r;
  copyto(*out, r, Casting::SameKind);
  return *out;
}

// ---- one axis ----------------------------------------------------------

Array c2c(const Array& a, std::optional<int64_t> n, int64_t axis, FftNorm norm,
          bool forward, const Array* out, const char* op) {
  int ax = normalize_axis(axis, a.ndim(), op);
  int64_t len = n.value_or(a.shape()[ax]);
  check_points(len, op);
  Dtype cdt = complex_of(a.dtype());
  Array x = resize_axis(astype(a, cdt, false), ax, len);
  auto p = std::make_shared<Fft>(FftKind::C2C, std::vector<int>{ax}, forward,
                                 norm_factor(norm, forward, len, a.dtype()));
  return run(std::move(p), x, cdt, out, op);
}

// rfft (forward) and ihfft (the other direction, conjugated output).
Array r2c(const Array& a, std::optional<int64_t> n, int64_t axis, FftNorm norm,
          bool forward, const Array* out, const char* op) {
  if (is_complex(a.dtype()))
    throw TypeError(std::string("[") + op +
                    "] ufunc 'rfft' not supported for complex input (dtype " +
                    dtype_name(a.dtype()) + "): it takes real data");
  int ax = normalize_axis(axis, a.ndim(), op);
  int64_t len = n.value_or(a.shape()[ax]);
  check_points(len, op);
  Array x = resize_axis(astype(a, real_of(a.dtype()), false), ax, len);
  auto p =
      std::make_shared<Fft>(FftKind::R2C, std::vector<int>{ax}, forward,
                            norm_factor(norm, forward, len, a.dtype()), len);
  return run(std::move(p), x, complex_of(a.dtype()), out, op);
}

// irfft (inverse direction) and hfft (forward: irfft of the conjugate).
Array c2r(const Array& a, std::optional<int64_t> n, int64_t axis, FftNorm norm,
          bool forward, const Array* out, const char* op) {
  int ax = normalize_axis(axis, a.ndim(), op);
  int64_t len = n.value_or((a.shape()[ax] - 1) * 2);
  check_points(len, op);
  Array x =
      resize_axis(astype(a, complex_of(a.dtype()), false), ax, len / 2 + 1);
  auto p =
      std::make_shared<Fft>(FftKind::C2R, std::vector<int>{ax}, forward,
                            norm_factor(norm, forward, len, a.dtype()), len);
  return run(std::move(p), x, real_result(a.dtype()), out, op);
}

// ---- several axes ------------------------------------------------------

struct Cooked {
  std::vector<int64_t> s;
  std::vector<int> axes;
  bool repeated = false;  // an axis appears twice
};

// NumPy's _cook_nd_args.
Cooked cook(const Array& a, const FftShape& s, const FftShape& axes,
            bool invreal, const char* op) {
  Cooked c;
  bool shapeless = !s.has_value();
  std::vector<int64_t> ax;
  if (axes) {
    ax = *axes;
  } else {
    size_t k = s ? s->size() : static_cast<size_t>(a.ndim());
    for (size_t i = 0; i < k; ++i)
      ax.push_back(static_cast<int64_t>(i) - static_cast<int64_t>(k));
  }
  if (s && s->size() != ax.size())
    throw ValueError(std::string("[") + op +
                     "] Shape and axes have different lengths.");
  for (int64_t v : ax) c.axes.push_back(normalize_axis(v, a.ndim(), op));
  if (s)
    c.s = *s;
  else
    for (int v : c.axes) c.s.push_back(a.shape()[v]);
  if (invreal && !c.axes.empty() && (shapeless || c.s.back() == kFftDefaultN))
    c.s.back() = (a.shape()[c.axes.back()] - 1) * 2;
  for (size_t i = 0; i < c.s.size(); ++i)
    if (c.s[i] == -1 || c.s[i] == kFftDefaultN) c.s[i] = a.shape()[c.axes[i]];
  std::vector<int> sorted = c.axes;
  std::sort(sorted.begin(), sorted.end());
  c.repeated = std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end();
  return c;
}

Array c2c_nd(const Array& a, const FftShape& s, const FftShape& axes,
             FftNorm norm, bool forward, const Array* out, const char* op) {
  Cooked c = cook(a, s, axes, false, op);
  if (c.axes.empty()) return a;
  if (c.repeated) {
    Array r = a;
    for (size_t i = c.axes.size(); i-- > 0;)
      r = c2c(r, c.s[i], c.axes[i], norm, forward, i == 0 ? out : nullptr, op);
    return r;
  }
  Dtype cdt = complex_of(a.dtype());
  Array x = astype(a, cdt, false);
  double scale = 1.0;
  for (size_t i = 0; i < c.axes.size(); ++i) {
    check_points(c.s[i], op);
    x = resize_axis(x, c.axes[i], c.s[i]);
    // NumPy's first 1-D step (the last axis) sees the input's dtype, the
    // later ones complex64/complex128 (see round_to).
    scale *= norm_factor(norm, forward, c.s[i],
                         i + 1 == c.axes.size() ? a.dtype() : x.dtype());
  }
  auto p = std::make_shared<Fft>(FftKind::C2C, c.axes, forward, scale);
  return run(std::move(p), x, cdt, out, op);
}

[[noreturn]] void index_error(const char* op) {
  throw IndexError(std::string("[") + op + "] at least one axis is needed");
}

}  // namespace

// ---- the public ops ----------------------------------------------------

Array fft(const Array& a, std::optional<int64_t> n, int64_t axis, FftNorm norm,
          const Array* out) {
  return c2c(a, n, axis, norm, true, out, "fft");
}
Array ifft(const Array& a, std::optional<int64_t> n, int64_t axis, FftNorm norm,
           const Array* out) {
  return c2c(a, n, axis, norm, false, out, "ifft");
}
Array rfft(const Array& a, std::optional<int64_t> n, int64_t axis, FftNorm norm,
           const Array* out) {
  return r2c(a, n, axis, norm, true, out, "rfft");
}
Array ihfft(const Array& a, std::optional<int64_t> n, int64_t axis,
            FftNorm norm, const Array* out) {
  return r2c(a, n, axis, norm, false, out, "ihfft");
}
Array irfft(const Array& a, std::optional<int64_t> n, int64_t axis,
            FftNorm norm, const Array* out) {
  return c2r(a, n, axis, norm, false, out, "irfft");
}
Array hfft(const Array& a, std::optional<int64_t> n, int64_t axis, FftNorm norm,
           const Array* out) {
  return c2r(a, n, axis, norm, true, out, "hfft");
}

Array fftn(const Array& a, const FftShape& s, const FftShape& axes,
           FftNorm norm, const Array* out) {
  return c2c_nd(a, s, axes, norm, true, out, "fftn");
}
Array ifftn(const Array& a, const FftShape& s, const FftShape& axes,
            FftNorm norm, const Array* out) {
  return c2c_nd(a, s, axes, norm, false, out, "ifftn");
}
Array fft2(const Array& a, const FftShape& s, const FftShape& axes,
           FftNorm norm, const Array* out) {
  return c2c_nd(a, s, axes, norm, true, out, "fft2");
}
Array ifft2(const Array& a, const FftShape& s, const FftShape& axes,
            FftNorm norm, const Array* out) {
  return c2c_nd(a, s, axes, norm, false, out, "ifft2");
}

namespace {

Array rfftn_impl(const Array& a, const FftShape& s, const FftShape& axes,
                 FftNorm norm, const Array* out, const char* op) {
  Cooked c = cook(a, s, axes, false, op);
  if (c.axes.empty()) index_error(op);
  size_t k = c.axes.size();
  if (c.repeated) {
    Array r = r2c(a, c.s[k - 1], c.axes[k - 1], norm, true,
                  k == 1 ? out : nullptr, op);
    for (size_t i = k - 1; i-- > 0;)
      r = c2c(r, c.s[i], c.axes[i], norm, true, i == 0 ? out : nullptr, op);
    return r;
  }
  if (is_complex(a.dtype()))
    throw TypeError(std::string("[") + op +
                    "] ufunc 'rfft' not supported for complex input (dtype " +
                    dtype_name(a.dtype()) + "): it takes real data");
  Array x = astype(a, real_of(a.dtype()), false);
  double scale = 1.0;
  for (size_t i = 0; i < k; ++i) {
    check_points(c.s[i], op);
    x = resize_axis(x, c.axes[i], c.s[i]);
    scale *= norm_factor(norm, true, c.s[i],
                         i + 1 == k ? a.dtype() : Dtype::Float32);
  }
  auto p = std::make_shared<Fft>(FftKind::R2C, c.axes, true, scale, c.s[k - 1]);
  return run(std::move(p), x, complex_of(a.dtype()), out, op);
}

Array irfftn_impl(const Array& a, const FftShape& s, const FftShape& axes,
                  FftNorm norm, const Array* out, const char* op) {
  Cooked c = cook(a, s, axes, true, op);
  if (c.axes.empty()) index_error(op);
  size_t k = c.axes.size();
  if (c.repeated) {
    Array r = a;
    for (size_t i = 0; i + 1 < k; ++i)
      r = c2c(r, c.s[i], c.axes[i], norm, false, nullptr, op);
    return c2r(r, c.s[k - 1], c.axes[k - 1], norm, false, out, op);
  }
  Array x = astype(a, complex_of(a.dtype()), false);
  double scale = 1.0;
  for (size_t i = 0; i < k; ++i) {
    check_points(c.s[i], op);
    x = resize_axis(x, c.axes[i], i + 1 < k ? c.s[i] : c.s[i] / 2 + 1);
    scale *=
        norm_factor(norm, false, c.s[i], i == 0 ? a.dtype() : Dtype::Float32);
  }
  auto p =
      std::make_shared<Fft>(FftKind::C2R, c.axes, false, scale, c.s[k - 1]);
  // After NumPy's first ifft steps the data are complex: only a 1-D
  // irfftn keeps a 16-bit float dtype.
  Dtype result = k == 1 ? real_result(a.dtype()) : real_of(a.dtype());
  return run(std::move(p), x, result, out, op);
}

}  // namespace

Array rfftn(const Array& a, const FftShape& s, const FftShape& axes,
            FftNorm norm, const Array* out) {
  return rfftn_impl(a, s, axes, norm, out, "rfftn");
}
Array rfft2(const Array& a, const FftShape& s, const FftShape& axes,
            FftNorm norm, const Array* out) {
  return rfftn_impl(a, s, axes, norm, out, "rfft2");
}
Array irfftn(const Array& a, const FftShape& s, const FftShape& axes,
             FftNorm norm, const Array* out) {
  return irfftn_impl(a, s, axes, norm, out, "irfftn");
}
Array irfft2(const Array& a, const FftShape& s, const FftShape& axes,
             FftNorm norm, const Array* out) {
  return irfftn_impl(a, s, axes, norm, out, "irfft2");
}

// ---- frequencies and shifts ----------------------------------------------

namespace {

Array freq_values(int64_t n, double d, const Array& ints) {
  // NumPy multiplies the integer bins by 1 / (n * d) in float64.
  return multiply(ints, weak_scalar(1.0 / (static_cast<double>(n) * d)));
}

void check_freq_n(int64_t n, const char* op) {
  if (n == 0)
    throw ZeroDivisionError(std::string("[") + op +
                            "] float division by zero (n is 0)");
  if (n < 0)
    throw ValueError(std::string("[") + op +
                     "] negative dimensions are not allowed (n = " +
                     std::to_string(n) + ")");
}

Array shift(const Array& x, const FftShape& axes, bool inverse,
            const char* op) {
  std::vector<int64_t> ax;
  if (axes)
    ax = *axes;
  else
    for (int d = 0; d < x.ndim(); ++d) ax.push_back(d);
  if (ax.empty()) return copy(x);
  std::vector<int64_t> shifts;
  for (int64_t v : ax) {
    int64_t len = x.shape()[normalize_axis(v, x.ndim(), op)];
    shifts.push_back(inverse ? -(len / 2) : len / 2);
  }
  return roll(x, shifts, ax);
}

}  // namespace

Array fftfreq(int64_t n, double d, Device device) {
  check_freq_n(n, "fftfreq");
  int64_t half = (n - 1) / 2 + 1;
  Array parts[2] = {arange(0, half, 1, Dtype::Int64, device),
                    arange(-(n / 2), 0, 1, Dtype::Int64, device)};
  return freq_values(n, d, concatenate(parts, 0));
}

Array rfftfreq(int64_t n, double d, Device device) {
  check_freq_n(n, "rfftfreq");
  return freq_values(n, d, arange(0, n / 2 + 1, 1, Dtype::Int64, device));
}

Array fftshift(const Array& x, const FftShape& axes) {
  return shift(x, axes, false, "fftshift");
}
Array ifftshift(const Array& x, const FftShape& axes) {
  return shift(x, axes, true, "ifftshift");
}

// ---- the primitive's shape inference and derivative ---------------------

OutputSpecs Fft::output_specs(std::span<const Array> inputs) const {
  const Array& x = inputs[0];
  Shape shape = x.shape();
  Dtype dt = x.dtype();
  int last = axes_.back();
  switch (kind_) {
    case FftKind::C2C:
      break;
    case FftKind::R2C:
      shape[last] = shape[last] / 2 + 1;
      dt = complex_dtype(dt);
      break;
    case FftKind::C2R:
      shape[last] = last_n_;
      dt = real_dtype(dt);
      break;
  }
  OutputSpecs specs;
  specs.push_back({shape, dt});
  return specs;
}

namespace {

// Weights along the last transformed axis of a half spectrum of a length-n
// signal: `interior` for bins 1 .. ceil(n / 2) - 1, 1 for bin 0 and (n even)
// bin n / 2. Shaped to broadcast against an array of `ndim` dimensions.
Array half_spectrum_weights(int64_t n, int axis, int ndim, double interior,
                            Dtype real, Device device) {
  int64_t m = n / 2 + 1;
  Shape shape(static_cast<size_t>(ndim), 1);
  shape[axis] = m;
  Array w = Array::empty(Shape{m}, Dtype::Float64, Device::cpu());
  double* p = w.data<double>();
  for (int64_t k = 0; k < m; ++k) p[k] = interior;
  p[0] = 1.0;
  if (n % 2 == 0) p[m - 1] = 1.0;
  return to_device(reshape(astype(w, real), shape), device);
}

}  // namespace

// Note [FFT derivatives]
// With PyTorch's convention (the cotangent of a complex value is dL/dRe +
// i dL/dIm), a complex-linear y = A x has x_bar = A^H y_bar. For the C2C
// transform scale * F that is scale * F^H = the same transform in the other
// direction. R2C is y = P F x for real x (P keeps bins 0 .. n/2 of the last
// axis), so x_bar = Re(F^H P^T y_bar): writing out the real part shows it is
// C2R of y_bar with the interior bins halved (C2R counts each of them twice,
// as itself and its mirror image, and the real part keeps half of that).
// C2R is y = Re(F^H E z) where E extends a half spectrum Hermitian-wise
// (interior bins weigh twice), so z_bar = W P F y_bar: R2C of the real
// cotangent with the interior bins doubled.
Arrays Fft::vjp(std::span<const Array> inputs, std::span<const Array> outputs,
                std::span<const Array> cotangents,
                std::span<const int> argnums) {
  const Array& x = inputs[0];
  const Array& g = cotangents[0];
  int last = axes_.back();
  Array in[1];
  switch (kind_) {
    case FftKind::C2C: {
      in[0] = astype(g, x.dtype(), false);
      return {dispatch1(
          std::make_shared<Fft>(FftKind::C2C, axes_, !forward_, scale_), in)};
    }
    case FftKind::R2C: {
      int64_t n = x.shape()[last];
      Dtype cdt = complex_dtype(x.dtype());
      Array w =
          half_spectrum_weights(n, last, x.ndim(), 0.5, x.dtype(), g.device());
      in[0] = multiply(astype(g, cdt, false), w);
      return {dispatch1(
          std::make_shared<Fft>(FftKind::C2R, axes_, !forward_, scale_, n),
          in)};
    }
    case FftKind::C2R: {
      Dtype rdt = real_dtype(x.dtype());
      in[0] = astype(real(g), rdt, false);
      Array y = dispatch1(std::make_shared<Fft>(FftKind::R2C, axes_, !forward_,
                                                scale_, last_n_),
                          in);
      Array w =
          half_spectrum_weights(last_n_, last, x.ndim(), 2.0, rdt, g.device());
      return {multiply(y, w)};
    }
  }
  return {};
}

}  // namespace arrax

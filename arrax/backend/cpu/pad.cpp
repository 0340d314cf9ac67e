// CPU kernel of np.pad (the Pad primitive).
//
// Note [Padding line by line]
// NumPy pads one axis at a time; for axis d it works on the region that is
// already padded along the axes before d and still the original extent along
// the axes after d, and every mode treats each 1-D line along d of that
// region on its own. So does this kernel: it copies the input into the
// middle of the output, then for each axis fills the borders of every such
// line with the same (iterative, for reflect and wrap) steps as NumPy, in the
// same element arithmetic, so results match NumPy's exactly.
#include <algorithm>
#include <cmath>
#include <vector>

#include "arrax/backend/cpu/kernels.h"
#include "arrax/backend/cpu/thread_pool.h"
#include "arrax/backend/pad_slabs.h"
#include "arrax/primitives_shape.h"

namespace arrax {

namespace {

// One line of the output along the current axis.
template <typename T>
struct Line {
  char* base;
  int64_t stride;  // bytes
  int64_t len;
  T& operator[](int64_t i) const {
    return *reinterpret_cast<T*>(base + i * stride);
  }
};

// The type NumPy computes means and medians in.
// (float16 accumulates in float32 as NumPy's mean does; float32 in float64
// to stay as close as NumPy's pairwise sum.)
template <typename T>
using stat_t =
    std::conditional_t<std::is_integral_v<T> || std::is_same_v<T, float>,
                       double, std::conditional_t<is_half_v<T>, float, T>>;

template <typename T>
bool less_than(const T& a, const T& b) {
  if constexpr (is_complex_v<T>)
    return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
  else
    return compute_t<T>(a) < compute_t<T>(b);
}

template <typename T>
bool is_nan(const T& v) {
  if constexpr (is_complex_v<T>)
    return std::isnan(v.real()) || std::isnan(v.imag());
  else if constexpr (is_float_v<T>)
    return std::isnan(static_cast<double>(v));
  else
    return false;
}

// Rounds to nearest even when the array dtype is an integer one
// (_round_if_needed), then converts to T.
template <typename T, typename S>
T stat_to(S v) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    return cast_value<T>(std::nearbyint(static_cast<double>(v)));
  } else {
    return cast_value<T>(v);
  }
}

template <typename T>
T line_stat(const Line<T>& l, int64_t lo, int64_t n, PadMode mode) {
  using S = stat_t<T>;
  if (mode == PadMode::Maximum || mode == PadMode::Minimum) {
    T best = l[lo];
    for (int64_t i = lo + 1; i < lo + n; ++i) {
      T v = l[i];
      if (is_nan(best)) break;
      if (is_nan(v)) {
        best = v;
        break;
      }
      if (mode == PadMode::Maximum ? less_than(best, v) : less_than(v, best))
        best = v;
    }
    return best;
  }
  if (mode == PadMode::Mean) {
    S sum = S(0);
    for (int64_t i = lo; i < lo + n; ++i) sum += cast_value<S>(l[i]);
    if (n == 0) return stat_to<T>(S(std::nan("")));
    return stat_to<T>(sum / S(static_cast<double>(n)));
  }
  // Median: the middle element, or the mean of the two middle ones.
  std::vector<T> v(n);
  for (int64_t i = 0; i < n; ++i) {
    v[i] = l[lo + i];
    if (is_nan(v[i])) return v[i];
  }
  if (n == 0) return stat_to<T>(S(std::nan("")));
  auto cmp = [](const T& a, const T& b) { return less_than(a, b); };
  int64_t h = n / 2;
  std::nth_element(v.begin(), v.begin() + h, v.end(), cmp);
  S hi = cast_value<S>(v[h]);
  if (n % 2) return stat_to<T>(hi);
  S lo_v = cast_value<S>(*std::max_element(v.begin(), v.begin() + h, cmp));
  return stat_to<T>((lo_v + hi) / S(2));
}

// 2 * edge - v in T's arithmetic (reflect_type='odd').
template <typename T>
T odd_reflect(T edge, T v) {
  if constexpr (std::is_same_v<T, bool>) {
    return edge || v;  // int64 2*e - v is nonzero unless both are false
  } else if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(
        static_cast<U>(static_cast<U>(edge) * U(2) - static_cast<U>(v)));
  } else {
    using C = compute_t<T>;
    T two_e = static_cast<T>(C(2) * static_cast<C>(edge));
    return static_cast<T>(static_cast<C>(two_e) - static_cast<C>(v));
  }
}

// NumPy builds each side's ramps for all lines with one linspace call, and
// linspace switches formula for every line when any line's step is zero.
struct RampFlags {
  bool left_zero = false, right_zero = false;
};

template <typename T>
using ramp_t = std::conditional_t<is_complex_v<T>, complex128, double>;

template <typename T>
bool ramp_step_zero(ramp_t<T> end, T edge_t, int64_t width) {
  using R = ramp_t<T>;
  if (width <= 0) return false;
  return (cast_value<R>(edge_t) - end) / R(static_cast<double>(width)) == R(0);
}

// Stat modes: the statistics come from `src` (the line's original values,
// n of them), the borders go to `l`.
template <typename T>
void pad_stats(const Line<T>& l, const Line<T>& src, int64_t lp, int64_t n,
               int64_t rp, const PadOptions& o, int axis) {
  auto [ls, rs] = o.stat_length[axis];
  int64_t ll = ls < 0 || ls > n ? n : ls;
  int64_t rl = rs < 0 || rs > n ? n : rs;
  T a = line_stat(src, 0, ll, o.mode);
  T b = (ll == n && rl == n) ? a : line_stat(src, n - rl, rl, o.mode);
  for (int64_t i = 0; i < lp; ++i) l[i] = a;
  for (int64_t i = l.len - rp; i < l.len; ++i) l[i] = b;
}

template <typename T>
void pad_line(const Line<T>& l, int64_t lp, int64_t n, int64_t rp,
              const PadOptions& o, int axis, RampFlags flags = {}) {
  const int64_t L = l.len;
  switch (o.mode) {
    case PadMode::Empty:
      return;
    case PadMode::Constant: {
      T a = cast_value<T>(o.values[axis].first);
      T b = cast_value<T>(o.values[axis].second);
      for (int64_t i = 0; i < lp; ++i) l[i] = a;
      for (int64_t i = L - rp; i < L; ++i) l[i] = b;
      return;
    }
    case PadMode::Edge: {
      T a = l[lp], b = l[L - rp - 1];
      for (int64_t i = 0; i < lp; ++i) l[i] = a;
      for (int64_t i = L - rp; i < L; ++i) l[i] = b;
      return;
    }
    case PadMode::LinearRamp: {
      // linspace(end_value, edge, width, endpoint=False) in float64 (or
      // complex128), floored for integer dtypes.
      using R = ramp_t<T>;
      auto ramp = [&](R end, T edge_t, int64_t width, int64_t i,
                      bool any_zero) {
        R edge = cast_value<R>(edge_t);
        R delta = edge - end;
        R step = delta / R(static_cast<double>(width));
        R y = any_zero ? R(static_cast<double>(i)) /
                             R(static_cast<double>(width)) * delta
                       : R(static_cast<double>(i)) * step;
        y += end;
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
          return cast_value<T>(std::floor(y));
        else
          return cast_value<T>(y);
      };
      R a = cast_value<R>(o.values[axis].first);
      R b = cast_value<R>(o.values[axis].second);
      T ea = l[lp], eb = l[L - rp - 1];
      for (int64_t i = 0; i < lp; ++i)
        l[i] = ramp(a, ea, lp, i, flags.left_zero);
      for (int64_t t = 0; t < rp; ++t)
        l[L - rp + t] = ramp(b, eb, rp, rp - 1 - t, flags.right_zero);
      return;
    }
    case PadMode::Maximum:
    case PadMode::Minimum:
    case PadMode::Mean:
    case PadMode::Median:
      pad_stats(l, Line<T>{l.base + lp * l.stride, l.stride, n}, lp, n, rp, o,
                axis);
      return;
    case PadMode::Reflect:
    case PadMode::Symmetric: {
      if (n == 1) {  // NumPy's legacy rule: a singleton axis is edge-padded
        T v = l[lp];
        for (int64_t i = 0; i < lp; ++i) l[i] = v;
        for (int64_t i = L - rp; i < L; ++i) l[i] = v;
        return;
      }
      const bool sym = o.mode == PadMode::Symmetric;
      int64_t left = lp, right = rp;
      while (left > 0 || right > 0) {
        int64_t old_length = L - right - left, edge_offset;
        if (sym) {
          old_length = old_length / n * n;
          edge_offset = 1;
        } else {
          old_length = (old_length - 1) / (n - 1) * (n - 1) + 1;
          edge_offset = 0;
          old_length -= 1;
        }
        if (left > 0) {
          int64_t chunk = std::min(old_length, left);
          int64_t start = left - edge_offset + chunk;
          T edge = l[left];
          for (int64_t t = 0; t < chunk; ++t) {
            T v = l[start - t];
            l[left - chunk + t] = o.odd ? odd_reflect(edge, v) : v;
          }
          left -= chunk;
        }
        if (right > 0) {
          int64_t chunk = std::min(old_length, right);
          int64_t start = L - right + edge_offset - 2;
          T edge = l[L - right - 1];
          for (int64_t t = 0; t < chunk; ++t) {
            T v = l[start - t];
            l[L - right + t] = o.odd ? odd_reflect(edge, v) : v;
          }
          right -= chunk;
        }
      }
      return;
    }
    case PadMode::Wrap: {
      const int64_t original_period = n;
      int64_t left = lp, right = rp;
      while (left > 0 || right > 0) {
        int64_t period = L - right - left;
        period = period / original_period * original_period;
        int64_t new_left = 0, new_right = 0;
        if (left > 0) {
          int64_t end = left + period;
          int64_t start = end - std::min(period, left);
          int64_t dst = left > period ? left - period : 0;
          if (left > period) new_left = left - period;
          for (int64_t t = 0; t < end - start; ++t) l[dst + t] = l[start + t];
        }
        if (right > 0) {
          int64_t start = L - right - period;
          int64_t len = std::min(period, right);
          int64_t dst = L - right;
          if (right > period) new_right = right - period;
          for (int64_t t = 0; t < len; ++t) l[dst + t] = l[start + t];
        }
        left = new_left;
        right = new_right;
      }
      return;
    }
  }
}

}  // namespace

void Pad::eval_cpu(std::span<const Array> inputs, std::span<Array> outputs) {
  const Array& in = inputs[0];
  Array& out = outputs[0];
  const int nd = in.ndim();
  // The input goes into the middle.
  if (in.size() > 0)
    cpu::copy_cast(in, padding::center(out, in.shape(), widths_));
  if (options_.mode == PadMode::Empty || out.size() == 0) return;
  if (options_.mode == PadMode::Constant) {
    padding::for_each_constant_slab(
        out, in.shape(), widths_, options_, [&](Array& slab, complex128 v) {
          cpu::copy_cast(Array::scalar(v, out.dtype(), Device::cpu()), slab);
        });
    return;
  }
  dispatch_types(out.dtype(), "[pad]", [&]<typename T>() {
    const int64_t isz = sizeof(T);
    for (int d = 0; d < nd; ++d) {
      int64_t lp = widths_[d].first, rp = widths_[d].second;
      if (lp == 0 && rp == 0) continue;
      // Lines along d: full extent on axes < d, the original extent on
      // axes > d (See Note [Padding line by line]).
      Shape lshape;
      SmallVector<int64_t> lstart, lstride;
      for (int e = 0; e < nd; ++e) {
        if (e == d) continue;
        bool done = e < d;
        lshape.push_back(done ? out.shape()[e] : in.shape()[e]);
        lstart.push_back(done ? 0 : widths_[e].first);
        lstride.push_back(out.strides()[e] * isz);
      }
      int64_t nlines = shape_size(lshape);
      char* base = static_cast<char*>(out.data());
      const int64_t n = in.shape()[d];
      const int64_t L = out.shape()[d];
      const int64_t step = out.strides()[d] * isz;
      auto line_at = [&](int64_t li) {
        int64_t rem = li, off = 0;
        for (int k = static_cast<int>(lshape.size()) - 1; k >= 0; --k) {
          off += (lstart[k] + rem % lshape[k]) * lstride[k];
          rem /= lshape[k];
        }
        return Line<T>{base + off, step, L};
      };
      RampFlags flags;
      if (options_.mode == PadMode::LinearRamp) {
        using R = ramp_t<T>;
        R a = cast_value<R>(options_.values[d].first);
        R b = cast_value<R>(options_.values[d].second);
        for (int64_t li = 0; li < nlines; ++li) {
          Line<T> l = line_at(li);
          flags.left_zero |= ramp_step_zero<T>(a, l[lp], lp);
          flags.right_zero |= ramp_step_zero<T>(b, l[L - rp - 1], rp);
        }
      }
      int64_t grain = std::max<int64_t>(1, 4096 / std::max<int64_t>(L, 1));
      const bool stat = options_.mode == PadMode::Maximum ||
                        options_.mode == PadMode::Minimum ||
                        options_.mode == PadMode::Mean ||
                        options_.mode == PadMode::Median;
      if (stat && d != nd - 1 && n > 0 && nlines > 1) {
        // Lines along an outer axis are strided: gather their original
        // values, line after line, into a buffer (a blocked transposed copy)
        // so the statistics read memory contiguously.
        Shape gshape = lshape;
        Strides gstrides;
        int64_t goff = out.offset() + lp * out.strides()[d];
        for (int e = 0, k = 0; e < nd; ++e) {
          if (e == d) continue;
          gstrides.push_back(out.strides()[e]);
          goff += lstart[k++] * out.strides()[e];
        }
        gshape.push_back(n);
        gstrides.push_back(out.strides()[d]);
        Array gathered = out.raw_view(gshape, gstrides, goff);
        Array buf = Array::empty(gshape, out.dtype(), Device::cpu());
        cpu::copy_cast(gathered, buf);
        char* bb = static_cast<char*>(buf.data());
        cpu::parallel_for(nlines, grain, [&](int64_t b, int64_t e) {
          for (int64_t li = b; li < e; ++li)
            pad_stats(line_at(li), Line<T>{bb + li * n * isz, isz, n}, lp, n,
                      rp, options_, d);
        });
        continue;
      }
      cpu::parallel_for(nlines, grain, [&](int64_t b, int64_t e) {
        for (int64_t li = b; li < e; ++li)
          pad_line(line_at(li), lp, n, rp, options_, d, flags);
      });
    }
  });
}

}  // namespace arrax

// CPU kernels of the creation and manipulation primitives
// (arrax/primitives_shape.h).
#include <cmath>
#include <cstring>

#include "arrax/backend/cpu/kernels.h"
#include "arrax/backend/cpu/thread_pool.h"
#include "arrax/primitives_shape.h"

namespace arrax {

namespace {

// Runs `fill(dst)` on a C-contiguous array shaped like `out`, then copies it
// into `out` when `out` itself is a strided view (dispatch_into may pass
// one).
template <typename F>
void with_contiguous(Array& out, F&& fill) {
  if (out.is_c_contiguous()) {
    fill(out);
    return;
  }
  Array tmp = Array::empty(out.shape(), out.dtype(), out.device());
  fill(tmp);
  cpu::copy_cast(tmp, out);
}

// a[lo:hi] along `axis` (0 <= lo <= hi <= shape[axis]).
Array slice_view(const Array& a, int axis, int64_t lo, int64_t hi) {
  Shape shape = a.shape();
  shape[axis] = hi - lo;
  return a.raw_view(shape, a.strides(), a.offset() + lo * a.strides()[axis]);
}

constexpr int64_t kRowGrain = 1 << 14;

}  // namespace

// ---- concatenate
// -------------------------------------------------------------

void Concatenate::eval_cpu(std::span<const Array> inputs,
                           std::span<Array> outputs) {
  // Note [Concatenate as slice copies]
  // Each input is copied (and cast) into its slice of the output by the
  // iteration engine, which coalesces the slice's dimensions: along axis 0
  // of C-contiguous arrays every copy is one memcpy split across threads.
  Array& out = outputs[0];
  int64_t pos = 0;
  for (const Array& in : inputs) {
    int64_t len = in.shape()[axis_];
    if (len > 0 && in.size() > 0)
      cpu::copy_cast(in, slice_view(out, axis_, pos, pos + len));
    pos += len;
  }
}

// ---- arange
// --------------------------------------------------------------------

void Arange::eval_cpu(std::span<const Array> inputs, std::span<Array> outputs) {
  Array& out = outputs[0];
  int64_t n = n_;
  char* base = static_cast<char*>(out.data());
  dispatch_types(out.dtype(), "[arange]", [&]<typename T>() {
    const int64_t bs = out.strides()[0] * int64_t(sizeof(T));
    auto at = [&](int64_t i) -> T& {
      return *reinterpret_cast<T*>(base + i * bs);
    };
    T first = *inputs[0].data<T>();
    T second = *inputs[1].data<T>();
    if (n > 0) at(0) = first;
    if (n > 1) at(1) = second;
    if (n <= 2) return;
    if constexpr (std::is_same_v<T, bool>) {
      // Booleans never get past length 2 (checked by the op).
    } else if constexpr (std::is_integral_v<T>) {
      // Two's-complement wraparound, as NumPy's fill.
      using U = std::make_unsigned_t<T>;
      U f = static_cast<U>(first);
      U d = static_cast<U>(static_cast<U>(second) - f);
      cpu::parallel_for(n - 2, kRowGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b + 2; i < e + 2; ++i)
          at(i) = static_cast<T>(static_cast<U>(f + static_cast<U>(i) * d));
      });
    } else if constexpr (is_complex_v<T>) {
      using R = typename T::value_type;
      R fr = first.real(), fi = first.imag();
      R dr = second.real() - fr, di = second.imag() - fi;
      cpu::parallel_for(n - 2, kRowGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b + 2; i < e + 2; ++i)
          at(i) = T(fr + R(i) * dr, fi + R(i) * di);
      });
    } else {
      using C = compute_t<T>;
      C f = static_cast<C>(first);
      C d = static_cast<C>(second) - f;
      cpu::parallel_for(n - 2, kRowGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b + 2; i < e + 2; ++i)
          at(i) = static_cast<T>(f + static_cast<C>(i) * d);
      });
    }
  });
}

// ---- linspace, logspace, geomspace
// ----------------------------------------------

namespace {

template <typename T>
inline constexpr bool is_inexact_v = is_float_v<T> || is_complex_v<T>;

// Note [linspace arithmetic]
// NumPy computes linspace with whole-array operations in the result dtype
// dt: y = arange(num) * step + start (or arange(num) / div * delta when a
// step underflows to zero), then y[-1] = stop. For float16 and bfloat16
// every one of those operations rounds to 16 bits; `rnd` reproduces that so
// the results match bit for bit.
template <typename Y, typename P>
void linspace_kernel(std::span<const Array> inputs, Array& out, int64_t num,
                     bool endpoint, Linspace::Mode mode, bool floor) {
  using C = compute_t<Y>;
  using PC = compute_t<P>;
  auto rnd = [](C x) -> C {
    if constexpr (is_half_v<Y>)
      return static_cast<C>(static_cast<Y>(x));
    else
      return x;
  };
  const int64_t m = inputs[0].size();
  const Y* s = inputs[0].data<Y>();
  const Y* e = inputs[1].data<Y>();
  const P* pbase = mode == Linspace::Mode::Log ? inputs[2].data<P>() : nullptr;
  const int64_t div = endpoint ? num - 1 : num;
  std::vector<C> start(m), stop(m), delta(m), step(m), sign, gs, ge;
  if (mode == Linspace::Mode::Geom) {
    sign.resize(m);
    gs.resize(m);
    ge.resize(m);
  }
  bool any_zero = false;
  for (int64_t j = 0; j < m; ++j) {
    C a = static_cast<C>(s[j]), b = static_cast<C>(e[j]);
    if (mode == Linspace::Mode::Geom) {
      // Rotate start onto the positive reals: sign(z) = z / |z|.
      C sg;
      if constexpr (is_complex_v<C>)
        sg = rnd(a / C(std::abs(a)));
      else
        sg = a > C(0) ? C(1) : (a < C(0) ? C(-1) : C(0));
      sign[j] = sg;
      a = rnd(a / sg);
      b = rnd(b / sg);
      gs[j] = a;
      ge[j] = b;
      a = rnd(std::log10(a));
      b = rnd(std::log10(b));
    }
    start[j] = a;
    stop[j] = b;
    delta[j] = rnd(b - a);
    if (div > 0) {
      step[j] = rnd(delta[j] / C(static_cast<double>(div)));
      if (step[j] == C(0)) any_zero = true;
    }
  }
  Y* oy = mode == Linspace::Mode::Log ? nullptr : out.data<Y>();
  P* op = mode == Linspace::Mode::Log ? out.data<P>() : nullptr;
  // The value of row i, column j before the endpoint fix-up.
  auto value = [&](C fi, int64_t j) -> C {
    C y;
    if (div > 0 && any_zero)
      y = rnd(rnd(fi / C(static_cast<double>(div))) * delta[j]);
    else if (div > 0)
      y = rnd(fi * step[j]);
    else
      y = rnd(fi * delta[j]);
    return rnd(y + start[j]);
  };
  auto store = [&](int64_t i, int64_t j, C y) {
    const bool last = endpoint && num > 1 && i == num - 1;
    if (last) y = stop[j];
    if constexpr (!is_complex_v<C>) {
      if (floor) y = std::floor(y);
    }
    if (mode == Linspace::Mode::Linear) {
      oy[i * m + j] = static_cast<Y>(y);
    } else if (mode == Linspace::Mode::Log) {
      PC yy = static_cast<PC>(cast_value<P>(static_cast<Y>(y)));
      op[i * m + j] = static_cast<P>(std::pow(static_cast<PC>(pbase[j]), yy));
    } else {
      // power(10.0, y) with a weak Python float: in Y's arithmetic.
      C v = rnd(static_cast<C>(std::pow(C(10.0), y)));
      if (i == 0) v = gs[j];
      if (last) v = ge[j];
      oy[i * m + j] = static_cast<Y>(v * sign[j]);
    }
  };
  const bool plain = mode == Linspace::Mode::Linear && !floor && div > 0 &&
                     !any_zero && !is_half_v<Y>;
  const int64_t grain =
      std::max<int64_t>(1, kRowGrain / std::max<int64_t>(m, 1));
  cpu::parallel_for(num, grain, [&](int64_t ib, int64_t ie) {
    if (plain && m == 1) {
      // The common case: one float row, start + i * step.
      const C s0 = start[0], st0 = step[0];
      for (int64_t i = ib; i < ie; ++i)
        oy[i] = static_cast<Y>(C(static_cast<double>(i)) * st0 + s0);
      if (endpoint && num > 1 && ie == num)
        oy[num - 1] = static_cast<Y>(stop[0]);
      return;
    }
    for (int64_t i = ib; i < ie; ++i) {
      const C fi = rnd(C(static_cast<double>(i)));
      for (int64_t j = 0; j < m; ++j) store(i, j, value(fi, j));
    }
  });
}

}  // namespace

void Linspace::eval_cpu(std::span<const Array> inputs,
                        std::span<Array> outputs) {
  Dtype ydt = inputs[0].dtype();
  Dtype pdt = mode_ == Mode::Log ? inputs[2].dtype() : ydt;
  with_contiguous(outputs[0], [&](Array& out) {
    dispatch_types(ydt, "[linspace]", [&]<typename Y>() {
      if constexpr (is_inexact_v<Y>) {
        dispatch_types(pdt, "[linspace]", [&]<typename P>() {
          if constexpr (is_inexact_v<P> &&
                        !(is_complex_v<Y> && !is_complex_v<P>)) {
            linspace_kernel<Y, P>(inputs, out, num_, endpoint_, mode_, floor_);
          } else {
            throw TypeError("[linspace] unsupported dtype combination");
          }
        });
      } else {
        throw TypeError("[linspace] expected an inexact dtype");
      }
    });
  });
}

// ---- tri, tril, triu
// ---------------------------------------------------------------

void Tri::eval_cpu(std::span<const Array>, std::span<Array> outputs) {
  Array& out = outputs[0];
  char* base = static_cast<char*>(out.data());
  int64_t n = n_, m = m_, k = k_;
  dispatch_types(out.dtype(), "[tri]", [&]<typename T>() {
    const int64_t s0 = out.strides()[0] * int64_t(sizeof(T));
    const int64_t s1 = out.strides()[1] * int64_t(sizeof(T));
    const T one = cast_value<T>(1), zero = cast_value<T>(0);
    cpu::parallel_for(
        n, std::max<int64_t>(1, kRowGrain / std::max<int64_t>(m, 1)),
        [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) {
            char* row = base + i * s0;
            for (int64_t j = 0; j < m; ++j)
              *reinterpret_cast<T*>(row + j * s1) = j <= i + k ? one : zero;
          }
        });
  });
}

void TriMask::eval_cpu(std::span<const Array> inputs,
                       std::span<Array> outputs) {
  Array& out = outputs[0];
  cpu::copy_cast(inputs[0], out);
  int nd = out.ndim();
  int64_t n = out.shape()[nd - 2], m = out.shape()[nd - 1];
  int64_t batch = n == 0 || m == 0 ? 0 : out.size() / (n * m);
  const int64_t isz = out.itemsize();
  const int64_t s0 = out.strides()[nd - 2] * isz;
  const int64_t s1 = out.strides()[nd - 1] * isz;
  char* base = static_cast<char*>(out.data());
  // Byte offsets of each matrix of the batch.
  std::vector<int64_t> offs(batch, 0);
  for (int64_t b = 0; b < batch; ++b) {
    int64_t rem = b, off = 0;
    for (int d = nd - 3; d >= 0; --d) {
      off += (rem % out.shape()[d]) * out.strides()[d] * isz;
      rem /= out.shape()[d];
    }
    offs[b] = off;
  }
  // All-zero bytes are zero in every dtype.
  cpu::parallel_for(batch * n,
                    std::max<int64_t>(1, kRowGrain / std::max<int64_t>(m, 1)),
                    [&](int64_t rb, int64_t re) {
                      for (int64_t r = rb; r < re; ++r) {
                        int64_t b = r / n, i = r % n;
                        int64_t lo, hi;  // columns to zero
                        if (lower_) {
                          lo = std::clamp<int64_t>(i + k_ + 1, 0, m);
                          hi = m;
                        } else {
                          lo = 0;
                          hi = std::clamp<int64_t>(i + k_, 0, m);
                        }
                        if (lo >= hi) continue;
                        char* row = base + offs[b] + i * s0;
                        if (s1 == isz) {
                          std::memset(row + lo * isz, 0, (hi - lo) * isz);
                        } else {
                          for (int64_t j = lo; j < hi; ++j)
                            std::memset(row + j * s1, 0, isz);
                        }
                      }
                    });
}

// ---- repeat
// ----------------------------------------------------------------------

namespace {
template <typename T>
void repeat_items(const char* src, char* dst, const int64_t* reps, bool single,
                  int64_t n) {
  const T* s = reinterpret_cast<const T*>(src);
  T* d = reinterpret_cast<T*>(dst);
  for (int64_t j = 0; j < n; ++j) {
    int64_t r = single ? reps[0] : reps[j];
    T v = s[j];
    for (int64_t t = 0; t < r; ++t) *d++ = v;
  }
}
}  // namespace

void Repeat::eval_cpu(std::span<const Array> inputs, std::span<Array> outputs) {
  const Array& in = inputs[0];  // C-contiguous (the op makes sure)
  with_contiguous(outputs[0], [&](Array& out) {
    int64_t outer = 1, chunk = in.itemsize();
    for (int d = 0; d < axis_; ++d) outer *= in.shape()[d];
    for (int d = axis_ + 1; d < in.ndim(); ++d) chunk *= in.shape()[d];
    const int64_t n = in.shape()[axis_];
    const int64_t out_n = out.shape()[axis_];
    const bool single = repeats_.size() == 1;
    const int64_t* reps = repeats_.data();
    const char* src = static_cast<const char*>(in.data());
    char* dst = static_cast<char*>(out.data());
    if (outer == 0 || n == 0 || chunk == 0) return;
    int64_t grain = std::max<int64_t>(
        1, (int64_t(1) << 18) / std::max<int64_t>(out_n * chunk, 1));
    cpu::parallel_for(outer, grain, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const char* s = src + o * n * chunk;
        char* d = dst + o * out_n * chunk;
        switch (chunk) {
          case 1:
            repeat_items<uint8_t>(s, d, reps, single, n);
            continue;
          case 2:
            repeat_items<uint16_t>(s, d, reps, single, n);
            continue;
          case 4:
            repeat_items<uint32_t>(s, d, reps, single, n);
            continue;
          case 8:
            repeat_items<uint64_t>(s, d, reps, single, n);
            continue;
          default:
            break;
        }
        for (int64_t j = 0; j < n; ++j) {
          int64_t r = single ? reps[0] : reps[j];
          for (int64_t t = 0; t < r; ++t, d += chunk)
            std::memcpy(d, s + j * chunk, chunk);
        }
      }
    });
  });
}

// ---- roll
// ------------------------------------------------------------------------

namespace {
// Copies src into dst rolled by shifts[d] along every axis d >= `axis`: two
// block copies per rolled axis.
void roll_blocks(const Array& src, const Array& dst,
                 const std::vector<int64_t>& shifts, int axis) {
  if (src.size() == 0) return;
  if (axis == src.ndim()) {
    cpu::copy_cast(src, dst);
    return;
  }
  int64_t s = shifts[axis], n = src.shape()[axis];
  if (s == 0) {
    roll_blocks(src, dst, shifts, axis + 1);
    return;
  }
  roll_blocks(slice_view(src, axis, 0, n - s), slice_view(dst, axis, s, n),
              shifts, axis + 1);
  roll_blocks(slice_view(src, axis, n - s, n), slice_view(dst, axis, 0, s),
              shifts, axis + 1);
}
}  // namespace

void Roll::eval_cpu(std::span<const Array> inputs, std::span<Array> outputs) {
  roll_blocks(inputs[0], outputs[0], shifts_, 0);
}

}  // namespace arrax

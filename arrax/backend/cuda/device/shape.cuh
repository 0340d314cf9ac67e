// Device kernels of the creation and manipulation primitives
// (arrax/primitives_shape.h): tri/tril/triu fills, repeat, arange,
// linspace and the line-by-line borders of np.pad. Moves are dtype-blind
// (T an unsigned type of the item size); arange, linspace and pad are per
// dtype. The arithmetic uses explicitly rounded operations (__fmul_rn, ...)
// so that NVRTC cannot contract it into FMAs: the results must equal the
// CPU backend's bit for bit. See backend/cuda/cuda_shape.cpp.
#pragma once
#include "common.cuh"

namespace ax {
namespace shp {

__device__ __forceinline__ float mul_rn(float a, float b) {
  return __fmul_rn(a, b);
}
__device__ __forceinline__ double mul_rn(double a, double b) {
  return __dmul_rn(a, b);
}
__device__ __forceinline__ float add_rn(float a, float b) {
  return __fadd_rn(a, b);
}
__device__ __forceinline__ double add_rn(double a, double b) {
  return __dadd_rn(a, b);
}
__device__ __forceinline__ float sub_rn(float a, float b) {
  return __fsub_rn(a, b);
}
__device__ __forceinline__ double sub_rn(double a, double b) {
  return __dsub_rn(a, b);
}
__device__ __forceinline__ float div_rn(float a, float b) {
  return __fdiv_rn(a, b);
}
__device__ __forceinline__ double div_rn(double a, double b) {
  return __ddiv_rn(a, b);
}
// Complex by real scale and complex sums, componentwise (what std::complex
// gives for finite values when one factor is real).
template <typename R>
__device__ __forceinline__ complex<R> mul_rn(complex<R> a, R s) {
  return complex<R>(mul_rn(a.re, s), mul_rn(a.im, s));
}
template <typename R>
__device__ __forceinline__ complex<R> mul_rn(R s, complex<R> a) {
  return complex<R>(mul_rn(s, a.re), mul_rn(s, a.im));
}
template <typename R>
__device__ __forceinline__ complex<R> add_rn(complex<R> a, complex<R> b) {
  return complex<R>(add_rn(a.re, b.re), add_rn(a.im, b.im));
}
template <typename R>
__device__ __forceinline__ complex<R> sub_rn(complex<R> a, complex<R> b) {
  return complex<R>(sub_rn(a.re, b.re), sub_rn(a.im, b.im));
}
template <typename R>
__device__ __forceinline__ complex<R> div_rn(complex<R> a, R s) {
  return complex<R>(div_rn(a.re, s), div_rn(a.im, s));
}

template <typename T>
struct real_of {
  typedef T type;
};
template <typename R>
struct real_of<complex<R>> {
  typedef R type;
};

__device__ __forceinline__ i64 unravel1(const Strided<1>& s, i64 i) {
  i64 off = 0;
  for (int d = s.ndim - 1; d >= 0; --d) {
    i64 q = i / s.shape[d];
    off += (i - q * s.shape[d]) * s.strides[0][d];
    i = q;
  }
  return off;
}

// ---- tri, tril, triu (dtype-blind) -----------------------------------------

template <typename T>
__global__ void tri_fill(T* out, i64 n, i64 m, i64 k, i64 s0, i64 s1, T one,
                         T zero) {
  const i64 total = n * m;
  for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < total;
       e += (i64)gridDim.x * blockDim.x) {
    i64 i = e / m, j = e - i * m;
    out[i * s0 + j * s1] = j <= i + k ? one : zero;
  }
}

// Zeroes (all-zero bytes are zero in every dtype) the elements of each
// matrix of the batch (bs: the batch dims in out) above (lower) or below
// diagonal k.
template <typename T>
__global__ void tri_zero(Strided<1> bs, T* out, i64 n, i64 m, i64 k, i64 s0,
                         i64 s1, int lower, i64 total) {
  const i64 nm = n * m;
  for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < total;
       e += (i64)gridDim.x * blockDim.x) {
    i64 bm = e / nm, rem = e - bm * nm;
    i64 i = rem / m, j = rem - i * m;
    bool z = lower ? (j > i + k) : (j < i + k);
    if (z) out[unravel1(bs, bm) + i * s0 + j * s1] = T();
  }
}

// ---- repeat (dtype-blind) ----------------------------------------------------

// dst (outer, out_n, inner) C-contiguous from src (outer, n, inner): item t
// of the axis comes from j = t / single, or the j with cum[j] <= t <
// cum[j + 1] (cum: the running sums of the repeats, cum[0] = 0).
template <typename T>
__global__ void repeat_items(T* dst, const T* src, const i64* cum,
                             i64 single, i64 n, i64 out_n, i64 inner,
                             i64 total) {
  for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < total;
       e += (i64)gridDim.x * blockDim.x) {
    i64 q = e / inner, c = e - q * inner;
    i64 o = q / out_n, t = q - o * out_n;
    i64 j;
    if (single > 0) {
      j = t / single;
    } else {
      i64 lo = 0, hi = n;  // cum[lo] <= t, the answer is below hi
      while (hi - lo > 1) {
        i64 mid = lo + (hi - lo) / 2;
        if (cum[mid] <= t)
          lo = mid;
        else
          hi = mid;
      }
      j = lo;
    }
    dst[e] = src[(o * n + j) * inner + c];
  }
}

// ---- arange -------------------------------------------------------------------

// out[i * stride] = first + i * (second - first), NumPy's fill rule in the
// output dtype (see Arange::eval_cpu).
template <typename T>
__global__ void arange_fill(T* out, i64 stride, const T* first,
                            const T* second, i64 n) {
  const T a = *first, b = *second;
  for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < n;
       i += (i64)gridDim.x * blockDim.x) {
    T v;
    if (i == 0) {
      v = a;
    } else if (i == 1) {
      v = b;
    } else if constexpr (traits<T>::is_bool) {
      v = b;  // never reached: booleans stop at length 2
    } else if constexpr (traits<T>::is_int) {
      typedef typename make_unsigned<T>::type U;
      U f = static_cast<U>(a);
      U d = static_cast<U>(static_cast<U>(b) - f);
      v = static_cast<T>(static_cast<U>(f + static_cast<U>(i) * d));
    } else if constexpr (traits<T>::is_complex) {
      typedef typename real_of<T>::type R;
      R dr = sub_rn(b.re, a.re), di = sub_rn(b.im, a.im);
      v = T(add_rn(a.re, mul_rn(R(i), dr)), add_rn(a.im, mul_rn(R(i), di)));
    } else {
      typedef typename compute<T>::type C;
      C f = load(a);
      C d = sub_rn(load(b), f);
      v = convert<T>::from(add_rn(f, mul_rn(static_cast<C>(i), d)));
    }
    out[i * stride] = v;
  }
}

// ---- linspace (Linear mode) ---------------------------------------------------

// Rounds to Y's precision (float16/bfloat16 compute in float but every
// NumPy operation rounds to 16 bits), see Note [linspace arithmetic].
template <typename Y>
__device__ __forceinline__ typename compute<Y>::type rnd(
    typename compute<Y>::type x) {
  if constexpr (is_same<Y, half>::value || is_same<Y, bf16>::value)
    return load(convert<Y>::from(x));
  else
    return x;
}

// Per column j: start, stop, delta, step; flag[0] = any step is zero.
// One thread (the columns are few: the broadcast shape of start and stop).
template <typename Y>
__global__ void linspace_prep(const Y* s, const Y* e, i64 m, i64 div,
                              typename compute<Y>::type* cols, int* flag) {
  typedef typename compute<Y>::type C;
  typedef typename real_of<C>::type R;
  if (blockIdx.x != 0 || threadIdx.x != 0) return;
  int any_zero = 0;
  for (i64 j = 0; j < m; ++j) {
    C a = load(s[j]), b = load(e[j]);
    C delta = rnd<Y>(sub_rn(b, a));
    C step = delta;
    if (div > 0) {
      step = rnd<Y>(div_rn(delta, static_cast<R>(static_cast<double>(div))));
      if (step == C(0)) any_zero = 1;
    }
    cols[4 * j] = a;
    cols[4 * j + 1] = b;
    cols[4 * j + 2] = delta;
    cols[4 * j + 3] = step;
  }
  *flag = any_zero;
}

// out[i, j] (flat i * m + j, os walks the output) as Linspace::eval_cpu.
template <typename Y>
__global__ void linspace_fill(Strided<1> os, Y* out,
                              const typename compute<Y>::type* cols,
                              const int* flag, i64 num, i64 m, i64 div,
                              int endpoint, int floor_it) {
  typedef typename compute<Y>::type C;
  typedef typename real_of<C>::type R;
  const bool any_zero = *flag != 0;
  const i64 total = num * m;
  for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < total;
       e += (i64)gridDim.x * blockDim.x) {
    i64 i = e / m, j = e - i * m;
    const C start = cols[4 * j], stop = cols[4 * j + 1];
    const C delta = cols[4 * j + 2], step = cols[4 * j + 3];
    R fi = static_cast<R>(static_cast<double>(i));
    if constexpr (is_same<Y, half>::value || is_same<Y, bf16>::value)
      fi = rnd<Y>(fi);
    C y;
    if (div > 0 && any_zero) {
      R q = div_rn(fi, static_cast<R>(static_cast<double>(div)));
      if constexpr (is_same<Y, half>::value || is_same<Y, bf16>::value)
        q = rnd<Y>(q);
      y = rnd<Y>(mul_rn(q, delta));
    } else if (div > 0)
      y = rnd<Y>(mul_rn(fi, step));
    else
      y = rnd<Y>(mul_rn(fi, delta));
    y = rnd<Y>(add_rn(y, start));
    if (endpoint && num > 1 && i == num - 1) y = stop;
    if constexpr (!traits<C>::is_complex) {
      if (floor_it) y = floor(y);
    }
    out[unravel1(os, e)] = convert<Y>::from(y);
  }
}

// ---- pad ------------------------------------------------------------------------

// Modes, as arrax::PadMode numbers them (checked on the host).
enum PadModeId : int {
  kEdge = 0,
  kReflect = 1,
  kSymmetric = 2,
  kWrap = 3,
  kLinearRamp = 4,
  kMaximum = 5,
  kMinimum = 6,
  kMean = 7
};

// ---- statistic modes (maximum, minimum, mean), as backend/cpu/pad.cpp ------

// The type NumPy computes means in: float64 for integers, bool and float32,
// float32 for the 16-bit floats, the complex type itself.
template <typename T>
struct stat_type {
  typedef double type;
};
template <>
struct stat_type<half> {
  typedef float type;
};
template <>
struct stat_type<bf16> {
  typedef float type;
};
template <typename R>
struct stat_type<complex<R>> {
  typedef complex<R> type;
};

template <typename T>
__device__ __forceinline__ bool stat_less(T a, T b) {
  if constexpr (traits<T>::is_complex)
    return a.re < b.re || (a.re == b.re && a.im < b.im);
  else
    return load(a) < load(b);
}

template <typename T>
__device__ __forceinline__ bool stat_nan(T v) {
  if constexpr (traits<T>::is_complex)
    return isnan(v.re) || isnan(v.im);
  else if constexpr (traits<T>::is_int || traits<T>::is_bool)
    return false;
  else
    return isnan(load(v));
}

// Rounds half to even for integer dtypes (NumPy's _round_if_needed).
template <typename T, typename S>
__device__ __forceinline__ T stat_to(S v) {
  if constexpr (traits<T>::is_int)
    return convert<T>::from(rint(static_cast<double>(v)));
  else
    return convert<T>::from(v);
}

// The statistic of cnt elements from lo of a line (element stride st).
template <typename T>
__device__ T line_stat(const T* l, i64 st, i64 lo, i64 cnt, int mode) {
  typedef typename stat_type<T>::type S;
  if (mode == kMaximum || mode == kMinimum) {
    T best = l[lo * st];
    for (i64 i = lo + 1; i < lo + cnt; ++i) {
      T v = l[i * st];
      if (stat_nan(best)) break;
      if (stat_nan(v)) {
        best = v;
        break;
      }
      if (mode == kMaximum ? stat_less(best, v) : stat_less(v, best))
        best = v;
    }
    return best;
  }
  // Mean: a sequential sum, as the CPU.
  S sum = S(0);
  for (i64 i = lo; i < lo + cnt; ++i)
    sum = add_rn(sum, convert<S>::from(l[i * st]));
  typedef typename real_of<S>::type R;
  if (cnt == 0) return stat_to<T>(S(static_cast<R>(__longlong_as_double(
                    0x7ff8000000000000ll))));
  return stat_to<T>(div_rn(sum, static_cast<R>(static_cast<double>(cnt))));
}

template <typename T>
__device__ __forceinline__ T odd_reflect(T edge, T v) {
  if constexpr (traits<T>::is_bool) {
    return edge || v;
  } else if constexpr (traits<T>::is_int) {
    typedef typename make_unsigned<T>::type U;
    return static_cast<T>(static_cast<U>(static_cast<U>(edge) * U(2) -
                                         static_cast<U>(v)));
  } else if constexpr (traits<T>::is_complex) {
    typedef typename real_of<T>::type R;
    return T(sub_rn(mul_rn(R(2), edge.re), v.re),
             sub_rn(mul_rn(R(2), edge.im), v.im));
  } else {
    typedef typename compute<T>::type C;
    T two_e = convert<T>::from(mul_rn(C(2), load(edge)));
    return convert<T>::from(sub_rn(load(two_e), load(v)));
  }
}

// The ramp type: float64, or complex128 for complex dtypes.
template <typename T>
struct ramp {
  typedef double type;
};
template <typename R>
struct ramp<complex<R>> {
  typedef complex<double> type;
};

template <typename T>
__device__ __forceinline__ T ramp_value(typename ramp<T>::type end, T edge_t,
                                        i64 width, i64 i, bool any_zero) {
  typedef typename ramp<T>::type R;
  R edge = convert<R>::from(edge_t);
  R delta = sub_rn(edge, end);
  const double w = static_cast<double>(width), fi = static_cast<double>(i);
  R y = any_zero ? mul_rn(div_rn(fi, w), delta) : mul_rn(fi, div_rn(delta, w));
  y = add_rn(y, end);
  if constexpr (traits<T>::is_int)
    return convert<T>::from(floor(y));
  else
    return convert<T>::from(y);
}

template <typename T>
__device__ __forceinline__ bool ramp_zero(typename ramp<T>::type end,
                                          T edge_t, i64 width) {
  typedef typename ramp<T>::type R;
  if (width <= 0) return false;
  return div_rn(sub_rn(convert<R>::from(edge_t), end),
                static_cast<double>(width)) == R(0);
}

struct PadArgs {
  i64 base;  // element offset of line 0
  i64 step;  // element stride along the axis
  i64 L, lp, n, rp;
  i64 nlines;
  int mode, odd;
  double a_re, a_im, b_re, b_im;  // linear_ramp end values
  i64 ll, rl;                     // statistic modes: the lengths used
};

template <typename T>
__device__ __forceinline__ typename ramp<T>::type ramp_end(double re,
                                                          double im) {
  if constexpr (traits<T>::is_complex)
    return complex<double>(re, im);
  else
    return re;
}

// flags[0] |= some line's left ramp step is zero, flags[1] for the right.
template <typename T>
__global__ void pad_ramp_flags(Strided<1> ls, T* out, PadArgs a, int* flags) {
  for (i64 li = blockIdx.x * (i64)blockDim.x + threadIdx.x; li < a.nlines;
       li += (i64)gridDim.x * blockDim.x) {
    T* l = out + a.base + unravel1(ls, li);
    if (ramp_zero<T>(ramp_end<T>(a.a_re, a.a_im), l[a.lp * a.step], a.lp))
      atomicOr(flags, 1);
    if (ramp_zero<T>(ramp_end<T>(a.b_re, a.b_im),
                     l[(a.L - a.rp - 1) * a.step], a.rp))
      atomicOr(flags + 1, 1);
  }
}

// The borders of every line along the axis, one thread per line, with the
// CPU's steps (pad_line in backend/cpu/pad.cpp).
template <typename T>
__global__ void pad_lines(Strided<1> ls, T* out, PadArgs a,
                          const int* flags) {
  const i64 L = a.L, lp = a.lp, n = a.n, rp = a.rp, st = a.step;
  for (i64 li = blockIdx.x * (i64)blockDim.x + threadIdx.x; li < a.nlines;
       li += (i64)gridDim.x * blockDim.x) {
    T* l = out + a.base + unravel1(ls, li);
#define AX_L(i) l[(i) * st]
    if (a.mode == kEdge) {
      T x = AX_L(lp), y = AX_L(L - rp - 1);
      for (i64 i = 0; i < lp; ++i) AX_L(i) = x;
      for (i64 i = L - rp; i < L; ++i) AX_L(i) = y;
    } else if (a.mode == kLinearRamp) {
      const bool lz = flags[0] != 0, rz = flags[1] != 0;
      typename ramp<T>::type ea = ramp_end<T>(a.a_re, a.a_im);
      typename ramp<T>::type eb = ramp_end<T>(a.b_re, a.b_im);
      T xa = AX_L(lp), xb = AX_L(L - rp - 1);
      for (i64 i = 0; i < lp; ++i) AX_L(i) = ramp_value<T>(ea, xa, lp, i, lz);
      for (i64 t = 0; t < rp; ++t)
        AX_L(L - rp + t) = ramp_value<T>(eb, xb, rp, rp - 1 - t, rz);
    } else if (a.mode == kReflect || a.mode == kSymmetric) {
      if (n == 1) {
        T v = AX_L(lp);
        for (i64 i = 0; i < lp; ++i) AX_L(i) = v;
        for (i64 i = L - rp; i < L; ++i) AX_L(i) = v;
        continue;
      }
      const bool sym = a.mode == kSymmetric;
      i64 left = lp, right = rp;
      while (left > 0 || right > 0) {
        i64 old_length = L - right - left, edge_offset;
        if (sym) {
          old_length = old_length / n * n;
          edge_offset = 1;
        } else {
          old_length = (old_length - 1) / (n - 1) * (n - 1) + 1;
          edge_offset = 0;
          old_length -= 1;
        }
        if (left > 0) {
          i64 chunk = old_length < left ? old_length : left;
          i64 start = left - edge_offset + chunk;
          T edge = AX_L(left);
          for (i64 t = 0; t < chunk; ++t) {
            T v = AX_L(start - t);
            AX_L(left - chunk + t) = a.odd ? odd_reflect(edge, v) : v;
          }
          left -= chunk;
        }
        if (right > 0) {
          i64 chunk = old_length < right ? old_length : right;
          i64 start = L - right + edge_offset - 2;
          T edge = AX_L(L - right - 1);
          for (i64 t = 0; t < chunk; ++t) {
            T v = AX_L(start - t);
            AX_L(L - right + t) = a.odd ? odd_reflect(edge, v) : v;
          }
          right -= chunk;
        }
      }
    } else if (a.mode == kMaximum || a.mode == kMinimum ||
               a.mode == kMean) {
      const T* src = l + lp * st;
      T x = line_stat<T>(src, st, 0, a.ll, a.mode);
      T y = (a.ll == n && a.rl == n) ? x
                                     : line_stat<T>(src, st, n - a.rl, a.rl,
                                                    a.mode);
      for (i64 i = 0; i < lp; ++i) AX_L(i) = x;
      for (i64 i = L - rp; i < L; ++i) AX_L(i) = y;
    } else if (a.mode == kWrap) {
      const i64 original_period = n;
      i64 left = lp, right = rp;
      while (left > 0 || right > 0) {
        i64 period = L - right - left;
        period = period / original_period * original_period;
        i64 new_left = 0, new_right = 0;
        if (left > 0) {
          i64 end = left + period;
          i64 start = end - (period < left ? period : left);
          i64 dst = left > period ? left - period : 0;
          if (left > period) new_left = left - period;
          for (i64 t = 0; t < end - start; ++t) AX_L(dst + t) = AX_L(start + t);
        }
        if (right > 0) {
          i64 start = L - right - period;
          i64 len = period < right ? period : right;
          i64 dst = L - right;
          if (right > period) new_right = right - period;
          for (i64 t = 0; t < len; ++t) AX_L(dst + t) = AX_L(start + t);
        }
        left = new_left;
        right = new_right;
      }
    }
#undef AX_L
  }
}

}  // namespace shp
}  // namespace ax

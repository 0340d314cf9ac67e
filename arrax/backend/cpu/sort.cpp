// CPU evaluation of the sorting primitives (arrax/primitives_sort.h), one
// row of the last axis at a time, rows split across the thread pool.
//
// Note [CPU sorts]
// Unstable value sorts of the types Highway's vqsort has (16/32/64-bit
// integers, float32/64) run vqsort; floats first move their NaNs to the end
// and sort as unsigned bits (Highway 1.0.3's float sort loses +inf); 32-bit
// values sort widened to 64 bits, which Highway 1.0.3 sorts much faster.
// Argsort packs each element's order-preserving key (Note [Sort keys]) with its
// index into one 64-bit (keys up to 32 bits) or 128-bit word and vqsorts those:
// the words are distinct, so the result is the stable order whatever vqsort
// does with ties. Everything else (bool, 8-bit integers, float16, bfloat16,
// complex, and every stable value sort) is std::sort / std::stable_sort with
// NumPy's comparison.
#include <hwy/contrib/sort/vqsort.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <numeric>
#include <span>
#include <type_traits>
#include <vector>

#include "arrax/backend/cpu/thread_pool.h"
#include "arrax/errors.h"
#include "arrax/primitives_sort.h"

namespace arrax {

namespace {

template <typename T>
bool is_nan(const T& v) {
  if constexpr (std::is_floating_point_v<T>) {
    return v != v;
  } else if constexpr (is_half_v<T>) {
    float f = static_cast<float>(v);
    return f != f;
  } else {
    return false;
  }
}

// NumPy's "a sorts before b" (Note [Sort order] in sort.cpp).
template <typename T>
bool np_less(const T& a, const T& b) {
  if constexpr (is_complex_v<T>) {
    int ca = 2 * is_nan(a.real()) + is_nan(a.imag());
    int cb = 2 * is_nan(b.real()) + is_nan(b.imag());
    if (ca != cb) return ca < cb;
    if (ca == 0)
      return a.real() < b.real() ||
             (a.real() == b.real() && a.imag() < b.imag());
    if (ca == 1) return a.real() < b.real();
    if (ca == 2) return a.imag() < b.imag();
    return false;
  } else if constexpr (is_half_v<T>) {
    return np_less(static_cast<float>(a), static_cast<float>(b));
  } else if constexpr (std::is_floating_point_v<T>) {
    return a < b || (b != b && a == a);
  } else {
    return a < b;
  }
}

// Note [Sort keys]
// An unsigned integer per element that orders like NumPy: the sign bit of
// signed integers flipped; for floats the bits with every bit flipped when
// negative and the sign bit set when not, -0.0 mapped to +0.0 and every NaN
// to the largest key. device/sort.cuh computes the same keys for CUB.
template <typename T>
constexpr bool has_key_v = !is_complex_v<T>;

template <typename T>
auto sort_key(const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return static_cast<uint32_t>(v);
  } else if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    U u = static_cast<U>(v);
    if constexpr (std::is_signed_v<T>) u ^= U(1) << (sizeof(T) * 8 - 1);
    if constexpr (sizeof(T) < 4)
      return static_cast<uint32_t>(u);
    else
      return u;
  } else {
    using U = std::conditional_t<
        sizeof(T) == 8, uint64_t,
        std::conditional_t<sizeof(T) == 4, uint32_t, uint16_t>>;
    constexpr U sign = U(1) << (sizeof(T) * 8 - 1);
    U u;
    std::memcpy(&u, &v, sizeof(T));
    if (is_nan(v)) {
      u = U(~U(0));
    } else if ((u & U(~sign)) == 0) {
      u = sign;  // +-0.0
    } else {
      u = (u & sign) ? U(~u) : U(u | sign);
    }
    if constexpr (sizeof(T) < 4)
      return static_cast<uint32_t>(u);
    else
      return u;
  }
}

// Element offsets of each row's first element (rows of the last axis).
std::vector<int64_t> row_offsets(const Array& a) {
  int nd = a.ndim();
  int64_t n = nd ? a.shape()[nd - 1] : 1;
  int64_t rows = n ? a.size() / n : 0;
  if (nd <= 1) return std::vector<int64_t>(rows, 0);
  std::vector<int64_t> off(rows);
  std::vector<int64_t> idx(nd - 1, 0);
  int64_t cur = 0;
  for (int64_t r = 0; r < rows; ++r) {
    off[r] = cur;
    for (int d = nd - 2; d >= 0; --d) {
      cur += a.strides()[d];
      if (++idx[d] < a.shape()[d]) break;
      cur -= a.strides()[d] * a.shape()[d];
      idx[d] = 0;
    }
  }
  return off;
}

int64_t last_stride(const Array& a) {
  return a.ndim() ? a.strides()[a.ndim() - 1] : 1;
}

// Runs f(row, in_offset, out_offset) for every row, across the pool.
template <typename F>
void for_rows(const Array& in, const Array& out, int64_t n, F&& f) {
  std::vector<int64_t> io = row_offsets(in), oo = row_offsets(out);
  int64_t rows = static_cast<int64_t>(io.size());
  int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(n, 1));
  cpu::parallel_for(rows, grain, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) f(r, io[r], oo[r]);
  });
}

template <typename T>
constexpr bool vq_values_v =
    std::is_same_v<T, int16_t> || std::is_same_v<T, uint16_t> ||
    std::is_same_v<T, int32_t> || std::is_same_v<T, uint32_t> ||
    std::is_same_v<T, int64_t> || std::is_same_v<T, uint64_t> ||
    std::is_same_v<T, float> || std::is_same_v<T, double>;

hwy::Sorter& sorter() {
  thread_local hwy::Sorter s;
  return s;
}

// A bijective order-preserving map of 32-bit values to unsigned words (for
// floats with the NaNs already moved out), and its inverse.
template <typename T>
uint32_t bits32(T v) {
  uint32_t u;
  std::memcpy(&u, &v, 4);
  if constexpr (std::is_floating_point_v<T>)
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
  else if constexpr (std::is_signed_v<T>)
    return u ^ 0x80000000u;
  else
    return u;
}
template <typename T>
T from_bits32(uint32_t u) {
  if constexpr (std::is_floating_point_v<T>)
    u = (u & 0x80000000u) ? (u & 0x7FFFFFFFu) : ~u;
  else if constexpr (std::is_signed_v<T>)
    u ^= 0x80000000u;
  T v;
  std::memcpy(&v, &u, 4);
  return v;
}

template <typename T>
void sort_row(T* v, int64_t n, bool stable) {
  auto less = [](const T& a, const T& b) { return np_less(a, b); };
  if (stable) {
    std::stable_sort(v, v + n, less);
    return;
  }
  int64_t m = n;
  if constexpr (std::is_floating_point_v<T>)
    m = std::partition(v, v + n, [](T x) { return x == x; }) - v;
  if (m < 2) return;
  if constexpr (vq_values_v<T> && sizeof(T) == 4) {
    // Highway 1.0.3 sorts 32-bit lanes several times slower than 64-bit
    // ones, and its float sort turns +inf into the largest finite value:
    // 32-bit values sort as order-preserving bits widened to 64.
    thread_local std::vector<uint64_t> w;
    w.resize(m);
    for (int64_t i = 0; i < m; ++i) w[i] = bits32(v[i]);
    sorter()(w.data(), static_cast<size_t>(m), hwy::SortAscending());
    for (int64_t i = 0; i < m; ++i)
      v[i] = from_bits32<T>(static_cast<uint32_t>(w[i]));
  } else if constexpr (std::is_same_v<T, double>) {
    // Sorted as order-preserving bits too (see above: +inf).
    uint64_t* u = reinterpret_cast<uint64_t*>(v);
    constexpr uint64_t sign = uint64_t(1) << 63;
    for (int64_t i = 0; i < m; ++i)
      u[i] = (u[i] & sign) ? ~u[i] : (u[i] | sign);
    sorter()(u, static_cast<size_t>(m), hwy::SortAscending());
    for (int64_t i = 0; i < m; ++i)
      u[i] = (u[i] & sign) ? (u[i] & ~sign) : ~u[i];
  } else if constexpr (vq_values_v<T>) {
    sorter()(v, static_cast<size_t>(m), hwy::SortAscending());
  } else {
    std::sort(v, v + m, less);
  }
}

// Puts the elements of each kth place (ascending) where a sort would, the
// smaller ones before and the larger after: nth_element on what lies
// beyond the previous kth.
template <typename W, typename Less>
void select(W* w, int64_t n, std::span<const int64_t> kth, Less less) {
  int64_t lo = 0;
  for (int64_t k : kth) {
    std::nth_element(w + lo, w + k, w + n, less);
    lo = k + 1;
  }
}

template <typename T>
void argsort_row(const T* v, int64_t stride, int64_t n,
                 std::span<const int64_t> kth, int64_t* out, int64_t ostride,
                 std::vector<uint64_t>& w64, std::vector<hwy::uint128_t>& w128,
                 std::vector<int64_t>& idx) {
  if constexpr (has_key_v<T>) {
    using K = decltype(sort_key(v[0]));
    if (sizeof(K) <= 4 && n <= (int64_t(1) << 32)) {
      w64.resize(n);
      for (int64_t i = 0; i < n; ++i)
        w64[i] = (uint64_t(sort_key(v[i * stride])) << 32) | uint64_t(i);
      if (!kth.empty())
        select(w64.data(), n, kth, std::less<uint64_t>());
      else if (n > 1)
        sorter()(w64.data(), size_t(n), hwy::SortAscending());
      for (int64_t i = 0; i < n; ++i)
        out[i * ostride] = int64_t(w64[i] & 0xFFFFFFFFu);
    } else {
      w128.resize(n);
      for (int64_t i = 0; i < n; ++i) {
        w128[i].hi = uint64_t(sort_key(v[i * stride]));
        w128[i].lo = uint64_t(i);
      }
      if (!kth.empty())
        select(w128.data(), n, kth, std::less<hwy::uint128_t>());
      else if (n > 1)
        sorter()(w128.data(), size_t(n), hwy::SortAscending());
      for (int64_t i = 0; i < n; ++i) out[i * ostride] = int64_t(w128[i].lo);
    }
  } else {
    idx.resize(n);
    std::iota(idx.begin(), idx.end(), int64_t(0));
    auto less = [&](int64_t a, int64_t b) {
      const T& x = v[a * stride];
      const T& y = v[b * stride];
      return np_less(x, y) || (!np_less(y, x) && a < b);
    };
    if (!kth.empty())
      select(idx.data(), n, kth, less);
    else
      std::sort(idx.begin(), idx.end(), less);
    for (int64_t i = 0; i < n; ++i) out[i * ostride] = idx[i];
  }
}

}  // namespace

void Sort::eval_cpu(std::span<const Array> inputs, std::span<Array> outputs) {
  const Array& in = inputs[0];
  Array& out = outputs[0];
  if (out.size() == 0) return;
  int64_t n = in.ndim() ? in.shape()[in.ndim() - 1] : 1;
  int64_t is = last_stride(in), os = last_stride(out);
  bool stable = stable_;
  dispatch_types(in.dtype(), "[sort]", [&]<typename T>() {
    const T* src = in.data<T>();
    T* dst = out.data<T>();
    for_rows(in, out, n, [&](int64_t, int64_t io, int64_t oo) {
      T* row = dst + oo;
      bool direct = os == 1;
      std::unique_ptr<T[]> buf;  // a strided output row sorts in a copy
      if (!direct) {
        buf.reset(new T[n]);
        row = buf.get();
      }
      for (int64_t i = 0; i < n; ++i) row[i] = src[io + i * is];
      sort_row(row, n, stable);
      if (!direct)
        for (int64_t i = 0; i < n; ++i) dst[oo + i * os] = row[i];
    });
  });
}

void Argsort::eval_cpu(std::span<const Array> inputs,
                       std::span<Array> outputs) {
  const Array& in = inputs[0];
  Array& out = outputs[0];
  if (out.size() == 0) return;
  int64_t n = in.ndim() ? in.shape()[in.ndim() - 1] : 1;
  int64_t is = last_stride(in), os = last_stride(out);
  dispatch_types(in.dtype(), "[argsort]", [&]<typename T>() {
    const T* src = in.data<T>();
    int64_t* dst = out.data<int64_t>();
    for_rows(in, out, n, [&](int64_t, int64_t io, int64_t oo) {
      thread_local std::vector<uint64_t> w64;
      thread_local std::vector<hwy::uint128_t> w128;
      thread_local std::vector<int64_t> idx;
      argsort_row(src + io, is, n, kth_, dst + oo, os, w64, w128, idx);
    });
  });
}

void SearchSorted::eval_cpu(std::span<const Array> inputs,
                            std::span<Array> outputs) {
  const Array& a = inputs[0];
  const Array& v = inputs[1];
  Array& out = outputs[0];
  if (out.size() == 0) return;
  int64_t na = a.size(), as = last_stride(a);
  int64_t n = v.ndim() ? v.shape()[v.ndim() - 1] : 1;
  int64_t vs = last_stride(v), os = last_stride(out);
  bool right = right_;
  dispatch_types(a.dtype(), "[searchsorted]", [&]<typename T>() {
    const T* av = a.data<T>();
    const T* src = v.data<T>();
    int64_t* dst = out.data<int64_t>();
    // First i with x < a[i] (right) or !(a[i] < x) (left).
    auto search = [&](const T& x) {
      int64_t lo = 0, hi = na;
      while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        const T& m = av[mid * as];
        bool go_right = right ? !np_less(x, m) : np_less(m, x);
        if (go_right)
          lo = mid + 1;
        else
          hi = mid;
      }
      return lo;
    };
    if (v.is_c_contiguous() && out.is_c_contiguous()) {
      cpu::parallel_for(v.size(), 4096, [&](int64_t b, int64_t e) {
        for (int64_t j = b; j < e; ++j) dst[j] = search(src[j]);
      });
      return;
    }
    for_rows(v, out, n * 16, [&](int64_t, int64_t io, int64_t oo) {
      for (int64_t j = 0; j < n; ++j)
        dst[oo + j * os] = search(src[io + j * vs]);
    });
  });
}

}  // namespace arrax

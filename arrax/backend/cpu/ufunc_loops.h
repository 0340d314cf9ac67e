#pragma once
// The inner loops of the ufunc table, shared by the ufunc_kernels_*.cpp
// translation units. Each unit instantiates the rows of one part of
// arrax/ufuncs.def (see Note [Ufunc kernel units]).
#include <array>
#include <utility>

#include "arrax/backend/cpu/functors.h"
#include "arrax/backend/cpu/kernels.h"

namespace arrax::cpu {

// Note [Ufunc kernel units]
// Instantiating every functor for every dtype in one file takes minutes on
// the build machines. The table is split by ufunc index modulo
// kUfuncKernelParts: unit K builds the rows whose index % parts == K (the
// other rows compile to nothing thanks to `if constexpr`), and
// ufunc_kernels.cpp merges the parts.
inline constexpr int kUfuncKernelParts = 4;

using UfuncRow = std::array<InnerLoop, kNumDtypes>;
using UfuncTable = std::array<UfuncRow, kNumUfuncs>;

template <int Part>
void fill_ufunc_rows(UfuncTable& table);

namespace loops {

template <typename T, UfuncOut R>
struct OutType {
  using type = T;
};
template <typename T>
struct OutType<T, UfuncOut::Bool> {
  using type = bool;
};
template <typename T>
struct OutType<std::complex<T>, UfuncOut::Real> {
  using type = T;
};

// Functors marked kStorageTyped (nextafter) see float16/bfloat16 values
// themselves instead of their float compute values.
template <typename F>
concept StorageTyped = requires {
  F::kStorageTyped;
};
template <typename F, typename T>
using arg_t = std::conditional_t<StorageTyped<F>, T, compute_t<T>>;

template <typename Out, typename R>
inline Out store(R r) {
  if constexpr (std::is_same_v<Out, R>)
    return r;
  else
    return Out(r);  // float -> float16/bfloat16, pair members
}

template <typename T>
inline T load(const char* p) {
  return *reinterpret_cast<const T*>(p);
}

template <typename F, typename T, typename Out>
void unary_loop(char** d, const int64_t* s, int64_t n, const void*) {
  using C = arg_t<F, T>;
  F f;
  if (s[0] == sizeof(Out) && s[1] == sizeof(T)) {
    Out* __restrict o = reinterpret_cast<Out*>(d[0]);
    const T* __restrict a = reinterpret_cast<const T*>(d[1]);
    for (int64_t i = 0; i < n; ++i) o[i] = store<Out>(f(C(a[i])));
    return;
  }
  char* o = d[0];
  const char* a = d[1];
  for (int64_t i = 0; i < n; ++i, o += s[0], a += s[1])
    *reinterpret_cast<Out*>(o) = store<Out>(f(C(load<T>(a))));
}

// NumPy's pairwise summation for float add reductions: 8 running sums in
// blocks of up to 128 elements, halves above that. Same order of additions
// as NumPy, so float32 sums agree with it (and stay accurate).
template <typename T, typename C>
C pairwise_sum(const char* a, int64_t n, int64_t stride) {
  if (n < 8) {
    C res = C(0);
    for (int64_t i = 0; i < n; ++i) res += C(load<T>(a + i * stride));
    return res;
  }
  if (n <= 128) {
    C r[8];
    for (int j = 0; j < 8; ++j) r[j] = C(load<T>(a + j * stride));
    int64_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += C(load<T>(a + (i + j) * stride));
    C res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += C(load<T>(a + i * stride));
    return res;
  }
  int64_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum<T, C>(a, n2, stride) +
         pairwise_sum<T, C>(a + n2 * stride, n - n2, stride);
}

// The complex version keeps 4 complex running sums (NumPy's 8 floats).
template <typename T>
T pairwise_csum(const char* a, int64_t n, int64_t stride) {
  using R = typename T::value_type;
  if (n < 4) {
    R re = R(-0.0), im = R(-0.0);
    for (int64_t i = 0; i < n; ++i) {
      T v = load<T>(a + i * stride);
      re += v.real();
      im += v.imag();
    }
    return {re, im};
  }
  if (n <= 64) {
    R re[4], im[4];
    for (int j = 0; j < 4; ++j) {
      T v = load<T>(a + j * stride);
      re[j] = v.real();
      im[j] = v.imag();
    }
    int64_t i = 4;
    for (; i < n - (n % 4); i += 4)
      for (int j = 0; j < 4; ++j) {
        T v = load<T>(a + (i + j) * stride);
        re[j] += v.real();
        im[j] += v.imag();
      }
    R rr = (re[0] + re[1]) + (re[2] + re[3]);
    R ri = (im[0] + im[1]) + (im[2] + im[3]);
    for (; i < n; ++i) {
      T v = load<T>(a + i * stride);
      rr += v.real();
      ri += v.imag();
    }
    return {rr, ri};
  }
  int64_t n2 = n / 2;
  n2 -= n2 % 4;
  T x = pairwise_csum<T>(a, n2, stride);
  T y = pairwise_csum<T>(a + n2 * stride, n - n2, stride);
  return {x.real() + y.real(), x.imag() + y.imag()};
}

// Note [Reduce and accumulate inner loops]
// ufunc.reduce calls the binary loop with the output as first input and
// both at stride 0 (out = out op b[i] for each i), ufunc.accumulate with
// the first input one output step behind (out[i] = out[i-1] op b[i]). Both
// patterns are detected here and run with the running value in a register
// (float add reductions sum pairwise, as NumPy does).
// Like NumPy, a float16 reduction keeps its running value in float inside
// one call; accumulate rounds each step, since it stores every step.
//
// T2 is the second input's storage type (int64 for ldexp, else T).
template <typename F, typename T, typename Out, typename T2 = T>
void binary_loop(char** d, const int64_t* s, int64_t n, const void*) {
  using C = arg_t<F, T>;
  using C2 = std::conditional_t<std::is_same_v<T2, T>, C, T2>;
  F f;
  if constexpr (std::is_same_v<Out, T> && std::is_same_v<T2, T>) {
    // See Note [Reduce and accumulate inner loops].
    if (d[0] == d[1] && s[0] == 0 && s[1] == 0) {
      C acc = C(load<T>(d[0]));
      if constexpr (std::is_same_v<F, functors::add> &&
                    std::is_floating_point_v<C>) {
        acc += pairwise_sum<T, C>(d[2], n, s[2]);
        *reinterpret_cast<Out*>(d[0]) = store<Out>(acc);
        return;
      }
      if constexpr (std::is_same_v<F, functors::add> && is_complex_v<C>) {
        C sum = pairwise_csum<T>(d[2], n, s[2]);
        acc = C(acc.real() + sum.real(), acc.imag() + sum.imag());
        *reinterpret_cast<Out*>(d[0]) = store<Out>(acc);
        return;
      }
      const char* b = d[2];
      for (int64_t i = 0; i < n; ++i, b += s[2]) acc = f(acc, C(load<T>(b)));
      *reinterpret_cast<Out*>(d[0]) = store<Out>(acc);
      return;
    }
    if (s[0] != 0 && s[0] == s[1] && d[0] == d[1] + s[0]) {
      C acc = C(load<T>(d[1]));
      char* o = d[0];
      const char* b = d[2];
      for (int64_t i = 0; i < n; ++i, o += s[0], b += s[2]) {
        acc = C(store<Out>(f(acc, C(load<T>(b)))));
        *reinterpret_cast<Out*>(o) = store<Out>(acc);
      }
      return;
    }
  }
  if (s[0] == sizeof(Out)) {
    Out* __restrict o = reinterpret_cast<Out*>(d[0]);
    const T* __restrict a = reinterpret_cast<const T*>(d[1]);
    const T2* __restrict b = reinterpret_cast<const T2*>(d[2]);
    if (s[1] == sizeof(T) && s[2] == sizeof(T2)) {
      for (int64_t i = 0; i < n; ++i) o[i] = store<Out>(f(C(a[i]), C2(b[i])));
      return;
    }
    if (s[1] == sizeof(T) && s[2] == 0) {
      const C2 bv = C2(b[0]);
      for (int64_t i = 0; i < n; ++i) o[i] = store<Out>(f(C(a[i]), bv));
      return;
    }
    if (s[1] == 0 && s[2] == sizeof(T2)) {
      const C av = C(a[0]);
      for (int64_t i = 0; i < n; ++i) o[i] = store<Out>(f(av, C2(b[i])));
      return;
    }
  }
  char* o = d[0];
  const char* a = d[1];
  const char* b = d[2];
  for (int64_t i = 0; i < n; ++i, o += s[0], a += s[1], b += s[2])
    *reinterpret_cast<Out*>(o) = store<Out>(f(C(load<T>(a)), C2(load<T2>(b))));
}

// Two outputs (divmod): the functor returns a std::pair.
template <typename F, typename T, typename Out>
void binary2_loop(char** d, const int64_t* s, int64_t n, const void*) {
  using C = arg_t<F, T>;
  F f;
  char* o0 = d[0];
  char* o1 = d[1];
  const char* a = d[2];
  const char* b = d[3];
  for (int64_t i = 0; i < n;
       ++i, o0 += s[0], o1 += s[1], a += s[2], b += s[3]) {
    auto r = f(C(load<T>(a)), C(load<T>(b)));
    *reinterpret_cast<Out*>(o0) = store<Out>(r.first);
    *reinterpret_cast<Out*>(o1) = store<Out>(r.second);
  }
}

// Three inputs (clip): the functor takes three values.
template <typename F, typename T, typename Out>
void ternary_loop(char** d, const int64_t* s, int64_t n, const void*) {
  using C = arg_t<F, T>;
  F f;
  char* o = d[0];
  const char* a = d[1];
  const char* b = d[2];
  const char* c = d[3];
  for (int64_t i = 0; i < n; ++i, o += s[0], a += s[1], b += s[2], c += s[3])
    *reinterpret_cast<Out*>(o) =
        store<Out>(f(C(load<T>(a)), C(load<T>(b)), C(load<T>(c))));
}

template <typename F, int Nin, int Nout, TypeSet Types, UfuncOut R, UfuncIn In,
          size_t... I>
UfuncRow make_row(std::index_sequence<I...>) {
  UfuncRow row{};
  (
      [&] {
        constexpr Dtype D = static_cast<Dtype>(I);
        if constexpr ((Types & type_bit(D)) != 0) {
          using T = typename TypeOf<D>::type;
          using Out = typename OutType<T, R>::type;
          if constexpr (Nin == 1)
            row[I] = &unary_loop<F, T, Out>;
          else if constexpr (Nin == 2 && Nout == 1 && In == UfuncIn::FloatInt)
            row[I] = &binary_loop<F, T, Out, int64_t>;
          else if constexpr (Nin == 2 && Nout == 1)
            row[I] = &binary_loop<F, T, Out>;
          else if constexpr (Nin == 2 && Nout == 2)
            row[I] = &binary2_loop<F, T, Out>;
          else
            row[I] = &ternary_loop<F, T, Out>;
        }
      }(),
      ...);
  return row;
}

}  // namespace loops

// Sets the row of ufunc `Index` when it belongs to part K; a template so
// that the rows of other parts are never instantiated.
template <int K, int Index, typename F, int Nin, int Nout, TypeSet Types,
          UfuncOut R, UfuncIn In>
void fill_row_if_in_part(UfuncTable& table) {
  if constexpr (Index % kUfuncKernelParts == K)
    table[Index] = loops::make_row<F, Nin, Nout, Types, R, In>(
        std::make_index_sequence<kNumDtypes>());
}

}  // namespace arrax::cpu

// The body of ufunc_kernels_K.cpp: `#define ARRAX_UFUNC_PART K` and include
// this file.
#ifdef ARRAX_UFUNC_PART
namespace arrax::cpu {
template <>
void fill_ufunc_rows<ARRAX_UFUNC_PART>(UfuncTable& table) {
#define ARRAX_UFUNC(name, nin, nout, types, out, in, deriv)                     \
  fill_row_if_in_part<ARRAX_UFUNC_PART, static_cast<int>(UfuncId::name), \
                      functors::name, nin, nout, types, UfuncOut::out,   \
                      UfuncIn::in>(table);
#include "arrax/ufuncs.def"
#undef ARRAX_UFUNC
}
}  // namespace arrax::cpu
#endif

// The CPU inner loops of every ufunc, instantiated from arrax/ufuncs.def.
#include <array>
#include <utility>

#include "arrax/backend/cpu/functors.h"
#include "arrax/backend/cpu/kernels.h"

namespace arrax::cpu {

namespace {

template <typename T, UfuncOut R>
struct OutType {
  using type = T;
};
template <typename T>
struct OutType<T, UfuncOut::Bool> {
  using type = bool;
};
template <typename T>
struct OutType<T, UfuncOut::Real> {
  using type = T;
};
template <typename T>
struct OutType<std::complex<T>, UfuncOut::Real> {
  using type = T;
};

template <typename Out, typename R>
inline Out store(R r) {
  if constexpr (std::is_same_v<Out, R>)
    return r;
  else
    return Out(r);  // float -> float16/bfloat16
}

template <typename F, typename T, typename Out>
void unary_loop(char** d, const int64_t* s, int64_t n, const void*) {
  using C = compute_t<T>;
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
    *reinterpret_cast<Out*>(o) =
        store<Out>(f(C(*reinterpret_cast<const T*>(a))));
}

template <typename F, typename T, typename Out>
void binary_loop(char** d, const int64_t* s, int64_t n, const void*) {
  using C = compute_t<T>;
  F f;
  if (s[0] == sizeof(Out)) {
    Out* __restrict o = reinterpret_cast<Out*>(d[0]);
    const T* __restrict a = reinterpret_cast<const T*>(d[1]);
    const T* __restrict b = reinterpret_cast<const T*>(d[2]);
    if (s[1] == sizeof(T) && s[2] == sizeof(T)) {
      for (int64_t i = 0; i < n; ++i) o[i] = store<Out>(f(C(a[i]), C(b[i])));
      return;
    }
    if (s[1] == sizeof(T) && s[2] == 0) {
      const C bv = C(b[0]);
      for (int64_t i = 0; i < n; ++i) o[i] = store<Out>(f(C(a[i]), bv));
      return;
    }
    if (s[1] == 0 && s[2] == sizeof(T)) {
      const C av = C(a[0]);
      for (int64_t i = 0; i < n; ++i) o[i] = store<Out>(f(av, C(b[i])));
      return;
    }
  }
  char* o = d[0];
  const char* a = d[1];
  const char* b = d[2];
  for (int64_t i = 0; i < n; ++i, o += s[0], a += s[1], b += s[2])
    *reinterpret_cast<Out*>(o) =
        store<Out>(f(C(*reinterpret_cast<const T*>(a)),
                     C(*reinterpret_cast<const T*>(b))));
}

// Two outputs (divmod): the functor returns a std::pair.
template <typename F, typename T, typename Out>
void binary2_loop(char** d, const int64_t* s, int64_t n, const void*) {
  using C = compute_t<T>;
  F f;
  char* o0 = d[0];
  char* o1 = d[1];
  const char* a = d[2];
  const char* b = d[3];
  for (int64_t i = 0; i < n;
       ++i, o0 += s[0], o1 += s[1], a += s[2], b += s[3]) {
    auto r = f(C(*reinterpret_cast<const T*>(a)),
               C(*reinterpret_cast<const T*>(b)));
    *reinterpret_cast<Out*>(o0) = store<Out>(r.first);
    *reinterpret_cast<Out*>(o1) = store<Out>(r.second);
  }
}

// Three inputs (clip): the functor takes three values.
template <typename F, typename T, typename Out>
void ternary_loop(char** d, const int64_t* s, int64_t n, const void*) {
  using C = compute_t<T>;
  F f;
  char* o = d[0];
  const char* a = d[1];
  const char* b = d[2];
  const char* c = d[3];
  for (int64_t i = 0; i < n;
       ++i, o += s[0], a += s[1], b += s[2], c += s[3])
    *reinterpret_cast<Out*>(o) = store<Out>(
        f(C(*reinterpret_cast<const T*>(a)), C(*reinterpret_cast<const T*>(b)),
          C(*reinterpret_cast<const T*>(c))));
}

using Row = std::array<InnerLoop, kNumDtypes>;

template <typename F, int Nin, int Nout, TypeSet Types, UfuncOut R,
          size_t... I>
Row make_row(std::index_sequence<I...>) {
  Row row{};
  (
      [&] {
        constexpr Dtype D = static_cast<Dtype>(I);
        if constexpr ((Types & type_bit(D)) != 0) {
          using T = typename TypeOf<D>::type;
          using Out = typename OutType<T, R>::type;
          if constexpr (Nin == 1)
            row[I] = &unary_loop<F, T, Out>;
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

const std::array<Row, kNumUfuncs>& table() {
  static const std::array<Row, kNumUfuncs> t = {
#define ARRAX_UFUNC(name, nin, nout, types, out, ints_to_double)     \
  make_row<functors::name, nin, nout, types, UfuncOut::out>(         \
      std::make_index_sequence<kNumDtypes>()),
#include "arrax/ufuncs.def"
#undef ARRAX_UFUNC
  };
  return t;
}

}  // namespace

InnerLoop ufunc_loop(UfuncId id, Dtype dt) {
  return table()[static_cast<int>(id)][static_cast<int>(dt)];
}

}  // namespace arrax::cpu

// Strided copies with dtype conversion: astype, ascontiguousarray, setitem.
#include <array>
#include <cstring>
#include <utility>

#include "arrax/backend/cpu/kernels.h"

namespace arrax::cpu {

namespace {

template <typename To, typename From>
void cast_loop(char** d, const int64_t* s, int64_t n, const void*) {
  if (s[0] == sizeof(To) && s[1] == sizeof(From)) {
    To* __restrict o = reinterpret_cast<To*>(d[0]);
    const From* __restrict a = reinterpret_cast<const From*>(d[1]);
    if constexpr (std::is_same_v<To, From>) {
      std::memcpy(o, a, n * sizeof(To));
    } else {
      for (int64_t i = 0; i < n; ++i) o[i] = cast_value<To>(a[i]);
    }
    return;
  }
  char* o = d[0];
  const char* a = d[1];
  if (s[1] == 0) {  // broadcast a scalar
    const To v = cast_value<To>(*reinterpret_cast<const From*>(a));
    for (int64_t i = 0; i < n; ++i, o += s[0]) *reinterpret_cast<To*>(o) = v;
    return;
  }
  for (int64_t i = 0; i < n; ++i, o += s[0], a += s[1])
    *reinterpret_cast<To*>(o) = cast_value<To>(*reinterpret_cast<const From*>(a));
}

using CastTable = std::array<std::array<InnerLoop, kNumDtypes>, kNumDtypes>;

template <size_t To, size_t... From>
void fill_to(CastTable& t, std::index_sequence<From...>) {
  ((t[To][From] = &cast_loop<typename TypeOf<static_cast<Dtype>(To)>::type,
                             typename TypeOf<static_cast<Dtype>(From)>::type>),
   ...);
}

template <size_t... To>
CastTable make_table(std::index_sequence<To...>) {
  CastTable t{};
  (fill_to<To>(t, std::make_index_sequence<kNumDtypes>()), ...);
  return t;
}

const CastTable& cast_table() {
  static const CastTable t = make_table(std::make_index_sequence<kNumDtypes>());
  return t;
}

template <typename T>
void select_loop(char** d, const int64_t* s, int64_t n, const void*) {
  char* o = d[0];
  const char* c = d[1];
  const char* x = d[2];
  const char* y = d[3];
  for (int64_t i = 0; i < n; ++i, o += s[0], c += s[1], x += s[2], y += s[3])
    *reinterpret_cast<T*>(o) = *reinterpret_cast<const bool*>(c)
                                   ? *reinterpret_cast<const T*>(x)
                                   : *reinterpret_cast<const T*>(y);
}

}  // namespace

void select(const Array& cond, const Array& x, const Array& y,
            const Array& out) {
  // Selection moves bytes: dispatch on the item size only.
  InnerLoop loop = nullptr;
  switch (out.itemsize()) {
    case 1: loop = &select_loop<uint8_t>; break;
    case 2: loop = &select_loop<uint16_t>; break;
    case 4: loop = &select_loop<uint32_t>; break;
    case 8: loop = &select_loop<uint64_t>; break;
    default: loop = &select_loop<complex128>; break;
  }
  const Array* ops[4] = {&out, &cond, &x, &y};
  for_each_element(out.shape(), ops, loop);
}

void copy_cast(const Array& src, const Array& dst) {
  if (copy_transposed(src, dst)) return;
  InnerLoop loop =
      cast_table()[static_cast<int>(dst.dtype())][static_cast<int>(src.dtype())];
  const Array* ops[2] = {&dst, &src};
  for_each_element(dst.shape(), ops, loop);
}

}  // namespace arrax::cpu

// CPU evaluation of arrax.random's primitives (arrax/primitives_random.h):
// the samplers of backend/cuda/device/rng.cuh compiled as C++, one element
// per sub-stream, split across the thread pool (the split never changes the
// numbers: Note [Bit-identical sampling]). CMakeLists.txt compiles this file
// with -ffp-contract=off.
#include <algorithm>
#include <numeric>
#include <utility>

#include "arrax/backend/cpu/thread_pool.h"
#include "arrax/backend/cuda/device/rng.cuh"
#include "arrax/errors.h"
#include "arrax/primitives_random.h"

namespace arrax {

namespace {

namespace rng = ax::rng;

template <int K, typename T>
void fill(const RandomDraw& p, std::span<const Array> inputs, T* out,
          int64_t n) {
  const uint64_t* arrays[3] = {nullptr, nullptr, nullptr};
  size_t j = 0;
  for (int k = 0; k < 3; ++k)
    if (p.array_mask() & (1u << k))
      arrays[k] = static_cast<const uint64_t*>(inputs[j++].data());
  const double* table = nullptr;
  int64_t table_n = 0;
  if (p.has_table()) {
    table = static_cast<const double*>(inputs[j].data());
    table_n = inputs[j].size();
  }
  const uint64_t key = p.key(), base = p.counter();
  const std::array<uint64_t, 3> sc = p.scalars();
  cpu::parallel_for(n, 2048, [&](int64_t b, int64_t e) {
    rng::Params pr;
    pr.table = table;
    pr.table_n = table_n;
    for (int64_t i = b; i < e; ++i) {
      for (int k = 0; k < 3; ++k) pr.p[k] = arrays[k] ? arrays[k][i] : sc[k];
      rng::Stream st(key, base + static_cast<uint64_t>(i));
      if constexpr (rng::integer_kind(K)) {
        uint64_t v = rng::sample_int<K>(st, pr);
        if constexpr (std::is_same_v<T, bool>)
          out[i] = v != 0;
        else
          out[i] = static_cast<T>(v);
      } else if constexpr (K == rng::kRandom && std::is_same_v<T, float>) {
        out[i] = st.uniform24();
      } else {
        out[i] = static_cast<T>(rng::sample_real<K>(st, pr));
      }
    }
  });
}

template <int K>
void fill_kind(const RandomDraw& p, std::span<const Array> inputs, Array& out) {
  dispatch_types(out.dtype(), "[random_draw]", [&]<typename T>() {
    constexpr bool real = std::is_same_v<T, float> || std::is_same_v<T, double>;
    constexpr bool integral = std::is_integral_v<T>;
    if constexpr (rng::integer_kind(K) ? integral : real) {
      fill<K, T>(p, inputs, static_cast<T*>(out.data()), out.size());
    } else {
      throw TypeError(std::string("[random_draw] dtype ") +
                      dtype_name(out.dtype()) + " for distribution " +
                      std::to_string(K));
    }
  });
}

using FillFn = void (*)(const RandomDraw&, std::span<const Array>, Array&);
template <int... K>
constexpr std::array<FillFn, sizeof...(K)> fill_table(
    std::integer_sequence<int, K...>) {
  return {&fill_kind<K>...};
}
constexpr auto kFills =
    fill_table(std::make_integer_sequence<int, rng::kNumKinds>());

}  // namespace

void RandomDraw::eval_cpu(std::span<const Array> inputs,
                          std::span<Array> outputs) {
  Array& out = outputs[0];
  if (out.size() == 0) return;
  kFills[kind_](*this, inputs, out);
}

void ArgsortKeys::eval_cpu(std::span<const Array> inputs,
                           std::span<Array> outputs) {
  const Array& keys = inputs[0];
  Array& out = outputs[0];
  if (out.size() == 0) return;
  int64_t n = keys.shape()[keys.ndim() - 1];
  int64_t rows = keys.size() / n;
  const uint64_t* k = static_cast<const uint64_t*>(keys.data());
  int64_t* o = static_cast<int64_t*>(out.data());
  cpu::parallel_for(rows, 1, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const uint64_t* kr = k + r * n;
      int64_t* orow = o + r * n;
      std::iota(orow, orow + n, int64_t(0));
      std::sort(orow, orow + n, [kr](int64_t x, int64_t y) {
        return kr[x] < kr[y] || (kr[x] == kr[y] && x < y);
      });
    }
  });
}

}  // namespace arrax

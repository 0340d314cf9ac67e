#include "arrax/matmul_precision.h"

#include <atomic>

#include "arrax/errors.h"

namespace arrax {

namespace {
std::atomic<int> g_precision{static_cast<int>(MatmulPrecision::Highest)};
const char* const kNames[] = {"highest", "tf32", "bf16x3"};
}  // namespace

void set_matmul_precision(const std::string& name) {
  for (int i = 0; i < 3; ++i)
    if (name == kNames[i]) {
      g_precision.store(i);
      return;
    }
  throw ValueError(
      "[set_matmul_precision] expected one of 'highest', "
      "'tf32', 'bf16x3', got '" +
      name + "'");
}

std::string get_matmul_precision() { return kNames[g_precision.load()]; }

MatmulPrecision matmul_precision() {
  return static_cast<MatmulPrecision>(g_precision.load());
}

}  // namespace arrax

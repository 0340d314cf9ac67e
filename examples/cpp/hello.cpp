// The C++ API: the same ops as free functions and operators.
#include <cstdio>

#include <arrax/arrax.h>

int main() {
  using namespace arrax;
  Array x = Array::empty({4}, Dtype::Float32, Device::cpu());
  for (int i = 0; i < 4; ++i) x.data<float>()[i] = float(i);
  Array y = exp(x) * 2.0f + 1;
  std::printf("y = [");
  for (int i = 0; i < 4; ++i) std::printf(" %g", y.data<float>()[i]);
  std::printf(" ] dtype=%s\n", dtype_name(y.dtype()));
  return 0;
}

// The C++ example of the README (built by the default build, so it stays true).
#include <cstdio>

#include <arrax/arrax.h>

int main() {
  using namespace arrax;
  Array x = ones({4, 3}, Dtype::Float32, Device::cpu());
  Array y = exp(x) * 2.0f + 1;                       // weak scalars, as in NumPy
  Array s = sum(matmul(y, transpose(y)), {.axis = Axes{0}});
  std::printf("%s %s\n", dtype_name(s.dtype()), shape_str(s.shape()).c_str());
  return s.shape(0) == 4 ? 0 : 1;
}

// eval_cpu of the core primitives (arrax/primitives.h).
#include "arrax/backend/cpu/kernels.h"
#include "arrax/primitives.h"

namespace arrax {

void Ufunc::eval_cpu(std::span<const Array> inputs, std::span<Array> outputs) {
  cpu::InnerLoop loop = cpu::ufunc_loop(id_, loop_);
  if (!loop)
    throw TypeError(std::string("[") + name() + "] no loop for dtype " +
                    dtype_name(loop_));
  const Array* ops[8];
  size_t n = 0;
  for (auto& o : outputs) ops[n++] = &o;
  for (auto& i : inputs) ops[n++] = &i;
  cpu::for_each_element(outputs[0].shape(), std::span(ops, n), loop);
}

void Copy::eval_cpu(std::span<const Array> inputs, std::span<Array> outputs) {
  cpu::copy_cast(inputs[0], outputs[0]);
}

void Select::eval_cpu(std::span<const Array> inputs,
                      std::span<Array> outputs) {
  cpu::select(inputs[0], inputs[1], inputs[2], outputs[0]);
}

}  // namespace arrax

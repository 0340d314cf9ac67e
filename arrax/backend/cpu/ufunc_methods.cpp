// eval_cpu of the ufunc-method primitives (arrax/primitives_ufuncs.h). They
// drive the ufunc's own inner loop: reduce with an output stride of 0 along
// the reduced axis, accumulate with the output lagging one step behind
// itself (see Note [Reduce and accumulate inner loops]).
#include <limits>

#include "arrax/backend/cpu/kernels.h"
#include "arrax/primitives_ufuncs.h"

namespace arrax {

namespace {

constexpr int64_t kSequential = std::numeric_limits<int64_t>::max();

cpu::InnerLoop loop_for(UfuncId id, Dtype dt) {
  cpu::InnerLoop loop = cpu::ufunc_loop(id, dt);
  if (!loop)
    throw TypeError(std::string("[") + ufunc_info(id).name +
                    "] no loop for dtype " + dtype_name(dt));
  return loop;
}

// Operands (out, a, b, mask): out = a op b where mask, element by element
// through the ufunc's loop (passed as ctx).
void masked_binary_loop(char** d, const int64_t* s, int64_t n,
                        const void* ctx) {
  auto loop = reinterpret_cast<cpu::InnerLoop>(const_cast<void*>(ctx));
  const int64_t zero[3] = {0, 0, 0};
  for (int64_t i = 0; i < n; ++i) {
    if (!*reinterpret_cast<const bool*>(d[3] + i * s[3])) continue;
    char* e[3] = {d[0] + i * s[0], d[1] + i * s[1], d[2] + i * s[2]};
    loop(e, zero, 1, nullptr);
  }
}

}  // namespace

void UfuncReduce::eval_cpu(std::span<const Array> inputs,
                           std::span<Array> outputs) {
  const Array& init = inputs[0];
  const Array& x = inputs[1];
  Array& out = outputs[0];
  cpu::copy_cast(init, out);
  if (x.size() == 0) return;
  // The output seen with x's shape: stride 0 along the reduced axis.
  Shape shape = x.shape();
  Strides strides;
  int k = 0;
  for (int d = 0; d < x.ndim(); ++d)
    strides.push_back(d == axis_ ? 0 : out.strides()[k++]);
  Array acc = out.raw_view(shape, strides, out.offset());
  cpu::InnerLoop loop = loop_for(id_, x.dtype());
  // Sequential: threads would race on the shared output elements.
  if (inputs.size() == 3) {
    const Array* ops[4] = {&acc, &acc, &x, &inputs[2]};
    cpu::for_each_element(shape, std::span(ops, 4), &masked_binary_loop,
                          reinterpret_cast<const void*>(loop), kSequential);
    return;
  }
  const Array* ops[3] = {&acc, &acc, &x};
  cpu::for_each_element(shape, std::span(ops, 3), loop, nullptr, kSequential);
}

void UfuncAccumulate::eval_cpu(std::span<const Array> inputs,
                               std::span<Array> outputs) {
  const Array& x = inputs[0];
  Array& out = outputs[0];
  int64_t n = x.shape()[axis_];
  if (x.size() == 0) return;
  // out[0] = x[0] along the axis.
  auto first = [&](const Array& a) {
    Shape s = a.shape();
    s[axis_] = 1;
    return a.raw_view(s, a.strides(), a.offset());
  };
  cpu::copy_cast(first(x), first(out));
  if (n == 1) return;
  // Move the axis last so that each inner-loop call runs along it, with
  // the previous output one step behind the current one.
  auto along_last = [&](const Array& a, int64_t start) {
    Shape s;
    Strides st;
    for (int d = 0; d < a.ndim(); ++d)
      if (d != axis_) {
        s.push_back(a.shape()[d]);
        st.push_back(a.strides()[d]);
      }
    s.push_back(n - 1);
    st.push_back(a.strides()[axis_]);
    return a.raw_view(s, st, a.offset() + start * a.strides()[axis_]);
  };
  Array cur = along_last(out, 1), prev = along_last(out, 0),
        xs = along_last(x, 1);
  const Array* ops[3] = {&cur, &prev, &xs};
  cpu::for_each_element(cur.shape(), std::span(ops, 3),
                        loop_for(id_, x.dtype()), nullptr, kSequential);
}

void UfuncAt::eval_cpu(std::span<const Array> inputs,
                       std::span<Array> outputs) {
  Array& t = outputs[0];
  const Array& pos = inputs[1];
  const Array* vals = inputs.size() > 2 ? &inputs[2] : nullptr;
  cpu::InnerLoop loop = loop_for(id_, t.dtype());
  const int64_t* p = pos.data<int64_t>();
  int64_t n = pos.size(), size = t.size();
  int isz = t.itemsize();
  char* base = static_cast<char*>(t.data());
  const char* v = vals ? static_cast<const char*>(vals->data()) : nullptr;
  int vsz = vals ? vals->itemsize() : 0;
  int64_t zero[3] = {0, 0, 0};
  std::string name = ufunc_info(id_).name;
  for (int64_t k = 0; k < n; ++k) {
    int64_t flat = p[k];
    if (flat < 0 || flat >= size)
      throw IndexError("[" + name + ".at] index " + std::to_string(flat) +
                       " is out of bounds for size " + std::to_string(size));
    // Unravel the C-order flat index over t's strides.
    int64_t off = 0;
    for (int d = t.ndim() - 1; d >= 0; --d) {
      int64_t dim = t.shape()[d];
      off += (flat % dim) * t.strides()[d];
      flat /= dim;
    }
    char* e = base + off * isz;
    if (vals) {
      char* d[3] = {e, e, const_cast<char*>(v + k * vsz)};
      loop(d, zero, 1, nullptr);
    } else {
      char* d[2] = {e, e};
      loop(d, zero, 1, nullptr);
    }
  }
}

}  // namespace arrax

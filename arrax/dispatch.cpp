#include "arrax/dispatch.h"

#include <map>
#include <mutex>

#include "arrax/autograd.h"
#include "arrax/batching.h"
#include "arrax/backend/backend.h"

namespace arrax {

// Note [Small-op overhead]
// NumPy adds two 16-element arrays in ~0.4 us; the target is to stay within
// 1.5x of that through the whole path (binding, op, dispatch, kernel). The
// costs that matter at that scale are allocations and generic bookkeeping,
// so the path avoids them where it can:
//  - small arrays keep their bytes inside the Storage block (one malloc);
//  - ufunc primitives are immutable and cached per (ufunc, loop dtype);
//  - output specs live inline (OutputSpecs), shapes are SmallVectors;
//  - the iteration engine skips its dimension-coalescing plan when every
//    operand is contiguous or a single element.
// Measure with callgrind (instruction counts are stable on a busy machine)
// or benchmarks/ (python -m benchmarks run --suite cpu).

void Primitive::eval_cuda(std::span<const Array> inputs,
                          std::span<Array> outputs) {
  backend_for(Device::Type::CUDA).eval(*this, inputs, outputs);
}

Arrays Primitive::vjp(std::span<const Array>, std::span<const Array>,
                      std::span<const Array>, std::span<const int>) {
  throw NotImplementedError(std::string("[") + name() +
                            "] has no derivative");
}

// 0-d CPU arrays (Python scalars, NumPy scalars) go with any device: the
// device of an op is that of its first other input.
Device common_device(std::span<const Array> inputs, const char* op) {
  const Array* first = nullptr;
  for (const Array& a : inputs) {
    if (a.ndim() == 0 && a.device().is_cpu()) continue;
    if (!first) {
      first = &a;
    } else if (!(a.device() == first->device())) {
      throw ValueError(std::string("[") + op +
                       "] arrays are on different devices: " +
                       first->device().str() + " and " + a.device().str());
    }
  }
  return first ? first->device() : Device::cpu();
}

namespace {
bool g_counting = false;
std::mutex g_count_mutex;
std::map<std::string, int64_t>& counts() {
  static std::map<std::string, int64_t> m;
  return m;
}

void run(Primitive& p, std::span<const Array> inputs,
         std::span<Array> outputs, Device dev) {
  if (g_counting) {
    std::lock_guard<std::mutex> lock(g_count_mutex);
    ++counts()[p.name()];
  }
  if (dev.is_cpu())
    p.eval_cpu(inputs, outputs);
  else
    p.eval_cuda(inputs, outputs);
}

// See Note [Autograd recording] in autograd.cpp.
SmallVector<uint32_t> versions_of(std::span<const Array> inputs) {
  SmallVector<uint32_t> versions;
  for (const Array& a : inputs)
    versions.push_back(a.storage()->version.load(std::memory_order_relaxed));
  return versions;
}

// Evaluation of dispatch_into: arrays with batch dimensions go through
// their batching rules (Note [Batching] in batching.cpp).
void run_into(const std::shared_ptr<Primitive>& p,
              std::span<const Array> inputs, std::span<Array> outputs,
              Device dev) {
  if (any_batched(inputs) || any_batched(outputs)) [[unlikely]]
    dispatch_into_batched(p, inputs, outputs);
  else
    run(*p, inputs, outputs, dev);
}

void run_recorded(const std::shared_ptr<Primitive>& p,
                  std::span<const Array> inputs, std::span<Array> outputs,
                  Device dev, const SmallVector<uint32_t>& versions) {
  {
    NoGradGuard no_grad;  // composite evals and views inside kernels
    run_into(p, inputs, outputs, dev);
  }
  record(p, inputs, outputs, versions);
}
}  // namespace

Arrays dispatch(std::shared_ptr<Primitive> p, std::span<const Array> inputs) {
  Device dev = common_device(inputs, p->name());
  if (any_batched(inputs)) [[unlikely]] {
    // Recorded as the logical op; evaluated through the batching rule.
    if (!needs_recording(inputs)) return dispatch_batched(p, inputs);
    SmallVector<uint32_t> versions = versions_of(inputs);
    Arrays outputs;
    {
      NoGradGuard no_grad;
      outputs = dispatch_batched(p, inputs);
    }
    record(p, inputs, outputs, versions);
    return outputs;
  }
  OutputSpecs specs = p->output_specs(inputs);
  Arrays outputs;
  outputs.reserve(specs.size());
  for (auto& s : specs) outputs.push_back(Array::empty(s.shape, s.dtype, dev));
  if (needs_recording(inputs))
    run_recorded(p, inputs, outputs, dev, versions_of(inputs));
  else
    run(*p, inputs, outputs, dev);
  return outputs;
}

void dispatch_into(std::shared_ptr<Primitive> p, std::span<const Array> inputs,
                   std::span<Array> outputs) {
  Device dev = common_device(inputs, p->name());
  // Only scalars in: the op runs where its outputs are.
  if (!outputs.empty() && dev.is_cpu()) {
    bool all_scalars = true;
    for (const Array& a : inputs)
      all_scalars = all_scalars && a.ndim() == 0 && a.device().is_cpu();
    if (all_scalars) dev = outputs[0].device();
  }
  OutputSpecs specs = p->output_specs(inputs);
  if (specs.size() != outputs.size())
    throw ValueError(std::string("[") + p->name() + "] expected " +
                     std::to_string(specs.size()) + " outputs");
  for (size_t i = 0; i < specs.size(); ++i) {
    if (!(specs[i].shape == outputs[i].shape()) ||
        specs[i].dtype != outputs[i].dtype())
      throw ValueError(std::string("[") + p->name() + "] output " +
                       std::to_string(i) + " must have shape " +
                       shape_str(specs[i].shape) + " and dtype " +
                       dtype_name(specs[i].dtype));
    if (outputs[i].is_readonly())
      throw ValueError(std::string("[") + p->name() +
                       "] assignment destination is read-only");
    if (!(outputs[i].device() == dev))
      throw ValueError(std::string("[") + p->name() +
                       "] output is on " + outputs[i].device().str() +
                       " but the inputs are on " + dev.str());
  }
  // An output that requires grad is written in place: its history is
  // replaced (PyTorch's semantics), so record even when no input requires
  // grad. See Note [Version counters] in autograd.cpp.
  bool rec = needs_recording(inputs);
  for (const Array& o : outputs) {
    if (!rec && o.requires_grad() && is_grad_enabled()) rec = true;
  }
  SmallVector<uint32_t> versions;
  if (rec) {
    check_inplace(p->name(), outputs);
    versions = versions_of(inputs);  // from before this write
  }
  for (const Array& o : outputs)
    o.storage()->version.fetch_add(1, std::memory_order_relaxed);
  if (rec)
    run_recorded(p, inputs, outputs, dev, versions);
  else
    run_into(p, inputs, outputs, dev);
}

void set_dispatch_counting(bool on) { g_counting = on; }

std::vector<std::pair<std::string, int64_t>> dispatch_counts() {
  std::lock_guard<std::mutex> lock(g_count_mutex);
  return {counts().begin(), counts().end()};
}

}  // namespace arrax

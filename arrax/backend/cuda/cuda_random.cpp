// CUDA evaluation of arrax.random's primitives (arrax/primitives_random.h).
// Kernels are in device/random.cuh around the samplers of device/rng.cuh,
// which the CPU backend compiles too (Note [Bit-identical sampling]). One
// NVRTC module per distribution, holding its output types, so a cold cache
// compiles only the distributions a program uses.
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "arrax/backend/cuda/cuda_internal.h"
#include "arrax/backend/cuda/device/rng.cuh"
#include "arrax/errors.h"
#include "arrax/primitives_random.h"

namespace arrax::cuda {

namespace {

namespace rng = ax::rng;

const std::string kRandomSource = "#include \"random.cuh\"\n";

std::vector<Dtype> kind_dtypes(int kind) {
  if (kind == rng::kIntegers)
    return {Dtype::Bool,   Dtype::Int8,   Dtype::Int16,
            Dtype::Int32,  Dtype::Int64,  Dtype::UInt8,
            Dtype::UInt16, Dtype::UInt32, Dtype::UInt64};
  if (kind == rng::kBernoulli) return {Dtype::Bool};
  if (kind == rng::kBits) return {Dtype::UInt64};
  if (rng::integer_kind(kind)) return {Dtype::Int64};
  return {Dtype::Float32, Dtype::Float64};
}

std::string draw_expr(int kind, Dtype dt) {
  return "&ax::rnd::draw<" + std::to_string(kind) + ", " + device_type(dt) +
         ">";
}

std::vector<ModuleSpec> make_modules() {
  std::vector<ModuleSpec> v;
  for (int k = 0; k < rng::kNumKinds; ++k) {
    ModuleSpec m{"random_" + std::to_string(k), kRandomSource, {}};
    for (Dtype dt : kind_dtypes(k)) m.exprs.push_back(draw_expr(k, dt));
    v.push_back(std::move(m));
  }
  v.push_back({"random_sort",
               kRandomSource,
               {"&ax::rnd::argsort_init", "&ax::rnd::bitonic_step",
                "&ax::rnd::argsort_gather"}});
  return v;
}

const std::vector<ModuleSpec>& specs() {
  static const std::vector<ModuleSpec> v = make_modules();
  return v;
}
std::vector<ModuleSpec> modules() { return specs(); }

void eval_draw(CudaBackend& b, RandomDraw& p, std::span<const Array> inputs,
               std::span<Array> outputs) {
  Array& out = outputs[0];
  int64_t n = out.size();
  if (n == 0) return;
  Device dev = out.device();
  DeviceState& ds = b.state(dev.index);
  std::vector<Array> in;
  for (const Array& a : inputs) in.push_back(CudaBackend::on_device(a, dev));
  const void* arrays[3] = {nullptr, nullptr, nullptr};
  size_t j = 0;
  for (int k = 0; k < 3; ++k)
    if (p.array_mask() & (1u << k)) arrays[k] = in[j++].data();
  const void* table = nullptr;
  int64_t table_n = 0;
  if (p.has_table()) {
    table = in[j].data();
    table_n = in[j].size();
  }
  std::vector<Dtype> dts = kind_dtypes(p.kind());
  if (std::find(dts.begin(), dts.end(), out.dtype()) == dts.end())
    throw TypeError(std::string("[random_draw] no kernel for dtype ") +
                    dtype_name(out.dtype()));
  CUfunction fn =
      b.kernel(ds, specs()[p.kind()], draw_expr(p.kind(), out.dtype()));
  void* o = out.data();
  std::array<uint64_t, 3> s = p.scalars();
  uint64_t key = p.key(), base = p.counter();
  void* args[] = {&o,    &n,    &arrays[0], &arrays[1], &arrays[2], &s[0],
                  &s[1], &s[2], &table,     &table_n,   &key,       &base};
  b.launch(ds, fn, n, args);
}

void eval_argsort(CudaBackend& b, ArgsortKeys& p, std::span<const Array> inputs,
                  std::span<Array> outputs) {
  Array& out = outputs[0];
  int64_t total_out = out.size();
  if (total_out == 0) return;
  Device dev = out.device();
  DeviceState& ds = b.state(dev.index);
  Array keys = CudaBackend::on_device(inputs[0], dev);
  int64_t n = keys.shape()[keys.ndim() - 1];
  int64_t rows = total_out / n;
  int64_t pw = 1;
  while (pw < n) pw *= 2;
  int64_t total = rows * pw;
  Array kp = b.scratch(total * 8, dev);
  Array ip = b.scratch(total * 8, dev);
  const ModuleSpec& spec = specs().back();
  void* kd = kp.data();
  void* id = ip.data();
  const void* src = keys.data();
  {
    CUfunction fn = b.kernel(ds, spec, "&ax::rnd::argsort_init");
    void* args[] = {&kd, &id, &src, &n, &pw, &total};
    b.launch(ds, fn, total, args);
  }
  CUfunction step = b.kernel(ds, spec, "&ax::rnd::bitonic_step");
  for (int64_t k = 2; k <= pw; k *= 2) {
    for (int64_t jj = k / 2; jj >= 1; jj /= 2) {
      void* args[] = {&kd, &id, &pw, &jj, &k, &total};
      b.launch(ds, step, total, args);
    }
  }
  CUfunction gather = b.kernel(ds, spec, "&ax::rnd::argsort_gather");
  void* o = out.data();
  void* args[] = {&o, &id, &n, &pw, &total_out};
  b.launch(ds, gather, total_out, args);
}

}  // namespace

AX_CUDA_EVAL(RandomDraw, eval_draw);
AX_CUDA_EVAL(ArgsortKeys, eval_argsort);
AX_CUDA_MODULES(modules);

}  // namespace arrax::cuda

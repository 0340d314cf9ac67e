// arrax.random's core ops: argument checks, moving parameters to the draw's
// device and shape, out=. The samplers are in backend/cuda/device/rng.cuh.
//
// Note [Permutations by sorting]
// A permutation is the argsort of one random 64-bit key per element
// (Philox kBits draws), ties broken by index. The order of (key, index)
// pairs is total, so any correct sort gives the same permutation: the CPU
// uses std::sort, the GPU a bitonic network (O(n log^2 n) work, one launch
// per stage) until arrax has a device radix sort. Shuffles, permuted and
// choice without replacement are gathers with such permutations.
#include "arrax/random.h"

#include "arrax/backend/cuda/device/rng.cuh"
#include "arrax/dispatch.h"
#include "arrax/errors.h"
#include "arrax/ops.h"
#include "arrax/primitives_random.h"

namespace arrax {

namespace {
const char* const kKindNames[] = {
    "random",
    "uniform",
    "normal",
    "exponential",
    "gamma",
    "beta",
    "poisson",
    "binomial",
    "integers",
    "bits",
    "bernoulli",
    "chisquare",
    "noncentral_chisquare",
    "f",
    "noncentral_f",
    "standard_t",
    "standard_cauchy",
    "geometric",
    "negative_binomial",
    "gumbel",
    "laplace",
    "logistic",
    "lognormal",
    "logseries",
    "pareto",
    "power",
    "rayleigh",
    "triangular",
    "vonmises",
    "wald",
    "weibull",
    "zipf",
    "hypergeometric",
    "truncated_normal",
    "choice_cdf",
};
static_assert(sizeof(kKindNames) / sizeof(kKindNames[0]) == ax::rng::kNumKinds);
}  // namespace

OutputSpecs RandomDraw::output_specs(std::span<const Array>) const {
  OutputSpecs s;
  s.push_back({shape_, dtype_});
  return s;
}

OutputSpecs ArgsortKeys::output_specs(std::span<const Array> inputs) const {
  OutputSpecs s;
  s.push_back({inputs[0].shape(), Dtype::Int64});
  return s;
}

namespace random {

int kind_from_name(const std::string& name) {
  for (int k = 0; k < ax::rng::kNumKinds; ++k)
    if (name == kKindNames[k]) return k;
  throw ValueError("[random] unknown distribution '" + name + "'");
}

std::vector<std::string> kind_names() {
  return {std::begin(kKindNames), std::end(kKindNames)};
}

Array draw(int kind, uint64_t key, uint64_t counter, const Shape& shape,
           Dtype dtype, std::span<const Param> params, const Array* table,
           Device device, const Array* out) {
  if (kind < 0 || kind >= ax::rng::kNumKinds)
    throw ValueError("[random] unknown distribution " + std::to_string(kind));
  const char* op = kKindNames[kind];
  if (params.size() > 3)
    throw ValueError(std::string("[random.") + op +
                     "] at most 3 parameters, got " +
                     std::to_string(params.size()));
  bool int_kind = ax::rng::integer_kind(kind);
  if (int_kind ? !(is_integer(dtype) || dtype == Dtype::Bool)
               : !(dtype == Dtype::Float32 || dtype == Dtype::Float64))
    throw TypeError(std::string("[random.") + op + "] unsupported dtype " +
                    dtype_name(dtype));
  std::array<uint64_t, 3> scalars{0, 0, 0};
  uint32_t mask = 0;
  std::vector<Array> inputs;
  for (size_t i = 0; i < params.size(); ++i) {
    const Param& p = params[i];
    if (!p.array.valid()) {
      scalars[i] = p.bits;
      continue;
    }
    if (itemsize(p.array.dtype()) != 8 || is_complex(p.array.dtype()))
      throw TypeError(std::string("[random.") + op +
                      "] array parameters must be float64, int64 or uint64, "
                      "got " +
                      dtype_name(p.array.dtype()));
    Array a = p.array;
    if (!(a.device() == device)) a = to_device(a, device);
    a = ascontiguousarray(broadcast_to(a, shape, op));
    mask |= 1u << i;
    inputs.push_back(std::move(a));
  }
  if (table) {
    if (table->dtype() != Dtype::Float64 || table->ndim() != 1 ||
        table->size() == 0)
      throw ValueError(std::string("[random.") + op +
                       "] the table must be a non-empty 1-D float64 array");
    Array t = *table;
    if (!(t.device() == device)) t = to_device(t, device);
    inputs.push_back(ascontiguousarray(t));
  }
  auto p = std::make_shared<RandomDraw>(kind, key, counter, shape, dtype,
                                        scalars, mask, table != nullptr);
  bool direct = out && out->shape() == shape && out->dtype() == dtype &&
                out->is_c_contiguous() && out->device() == device;
  Array result = direct ? *out : Array::empty(shape, dtype, device);
  Array outs[1] = {result};
  dispatch_into(std::move(p), inputs, outs);
  if (!out || direct) return result;
  if (!(out->shape() == shape))
    throw ValueError(std::string("[random.") + op + "] out has shape " +
                     shape_str(out->shape()) + ", the draw has shape " +
                     shape_str(shape));
  copyto(*out, result, Casting::SameKind);
  return *out;
}

Array argsort_keys(const Array& keys) {
  if (keys.dtype() != Dtype::UInt64 || keys.ndim() == 0)
    throw TypeError(
        "[random.permutation] keys must be an uint64 array of at "
        "least one dimension");
  Array k = ascontiguousarray(keys);
  Array in[1] = {k};
  return dispatch1(std::make_shared<ArgsortKeys>(), in);
}

std::array<uint32_t, 4> philox4x32(std::array<uint32_t, 4> counter,
                                   std::array<uint32_t, 2> key) {
  ax::rng::Block c{{counter[0], counter[1], counter[2], counter[3]}};
  ax::rng::Block r = ax::rng::philox4x32_10(c, key[0], key[1]);
  return {r.v[0], r.v[1], r.v[2], r.v[3]};
}

}  // namespace random
}  // namespace arrax

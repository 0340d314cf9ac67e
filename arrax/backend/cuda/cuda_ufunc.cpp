// CUDA evaluation of the elementwise primitives: Ufunc (the ufunc table),
// Copy (casting copies of any strided view) and Select (3-argument where).
#include <algorithm>
#include <array>
#include <cstring>

#include "arrax/backend/cpu/iter.h"
#include "arrax/backend/cuda/cuda_internal.h"
#include "arrax/errors.h"
#include "arrax/ops.h"
#include "arrax/primitives.h"

namespace arrax::cuda {

namespace {

const std::string kUfuncSource = "#include \"ufunc.cuh\"\n";

std::string ufunc_out_type(const UfuncInfo& info, Dtype loop) {
  switch (info.out) {
    case UfuncOut::Bool: return "bool";
    case UfuncOut::Real: return device_type(real_dtype(loop));
    default: return device_type(loop);
  }
}

// Ufuncs with a device functor in device/ufunc.cuh.
bool device_has(const char* name) {
  static const char* const names[] = {
      "add", "subtract", "multiply", "divide", "negative", "positive",
      "floor_divide", "remainder", "divmod", "fmod", "power", "float_power",
      "absolute", "fabs", "sign", "reciprocal", "square", "conjugate",
      "equal", "not_equal", "less", "less_equal", "greater",
      "greater_equal", "logical_and", "logical_or", "logical_xor",
      "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor", "invert",
      "left_shift", "right_shift", "exp", "log", "sqrt", "sin", "cos",
      "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
      "arcsinh", "arccosh", "arctanh", "cbrt", "floor", "ceil", "trunc",
      "rint", "exp2", "expm1", "log2", "log10", "log1p", "arctan2",
      "hypot", "deg2rad", "radians", "rad2deg", "degrees", "maximum",
      "minimum", "fmax", "fmin", "clip", "isnan", "isinf", "isfinite",
      "signbit", "copysign", "nextafter", "logaddexp", "logaddexp2",
      "heaviside"};
  for (const char* n : names)
    if (std::string(n) == name) return true;
  return false;
}

// device_has by id, looked up once (the hot path does no string work).
bool device_has(UfuncId id) {
  static const auto table = [] {
    std::array<bool, kNumUfuncs> t{};
    for (int i = 0; i < kNumUfuncs; ++i)
      t[i] = device_has(ufunc_info(static_cast<UfuncId>(i)).name);
    return t;
  }();
  return table[static_cast<int>(id)];
}

// [contiguous, strided] name expressions of one ufunc loop.
std::vector<std::string> ufunc_exprs(const UfuncInfo& info, Dtype loop) {
  std::string F = std::string("ax::f::") + info.name;
  if (F == "ax::f::nextafter" && loop == Dtype::Float16) F = "ax::f::nextafter_f16";
  if (F == "ax::f::nextafter" && loop == Dtype::BFloat16) F = "ax::f::nextafter_bf16";
  std::string T = device_type(loop);
  std::string O = ufunc_out_type(info, loop);
  std::string targs = "<" + F + ", " + T + ", " + O;
  std::vector<std::string> e;
  if (info.nout == 1)
    e.push_back("&ax::ewv" + targs + ", " + std::to_string(info.nin) + ">");
  e.push_back("&ax::ewnd" + targs + ", " + std::to_string(info.nin) + ", " +
              std::to_string(info.nout) + ">");
  return e;
}

// One module per loop dtype holding every ufunc that runs in it.
ModuleSpec ufunc_module(Dtype loop) {
  ModuleSpec m{std::string("ufunc_") + dtype_name(loop), kUfuncSource, {}};
  for (int i = 0; i < kNumUfuncs; ++i) {
    const UfuncInfo& info = ufunc_info(static_cast<UfuncId>(i));
    if (!(info.types & type_bit(loop)) || !device_has(info.name)) continue;
    for (auto& e : ufunc_exprs(info, loop)) m.exprs.push_back(e);
  }
  return m;
}

std::string cast_expr(Dtype to, Dtype from, int variant) {
  std::string args = std::string("<") + device_type(to) + ", " +
                     device_type(from) + ">";
  return (variant == 0 ? "&ax::cast_contig" : "&ax::cast_nd") + args;
}

// One module per destination dtype, with every source dtype.
ModuleSpec cast_module(Dtype to) {
  ModuleSpec m{std::string("cast_to_") + dtype_name(to), kUfuncSource, {}};
  for (int f = 0; f < kNumDtypes; ++f)
    for (int variant = 0; variant < 2; ++variant)
      m.exprs.push_back(cast_expr(to, static_cast<Dtype>(f), variant));
  return m;
}

std::string fill_expr(int64_t itemsize) {
  return std::string("&ax::fill_nd<") + device_bits_type(itemsize) + ">";
}

ModuleSpec select_module(int64_t itemsize) {
  return {"select_" + std::to_string(itemsize), kUfuncSource,
          {std::string("&ax::select_nd<") + device_bits_type(itemsize) + ">",
           fill_expr(itemsize)}};
}

// Matches ax::Arg<T> of device/ufunc.cuh for every T (value at offset 16).
struct alignas(8) ArgBuf {
  void* p = nullptr;
  int32_t mode = 0;
  int32_t pad = 0;
  unsigned char v[16] = {};
};

int64_t loop_itemsize(Dtype dt) { return itemsize(dt); }

// Note [Row launches] (device/ufunc.cuh): strided kernels walk rows of the
// plan's last dim when those are at least kRowMin items long; shorter rows
// keep the per-element loop.
constexpr int64_t kRowMin = 128;
constexpr int64_t kRowUnroll = 4;  // ax::kRowUnroll
constexpr int64_t kMaxGrid = 0x7fffffff;

struct StridedLaunch {
  bool rowmode = false;
  unsigned blocks = 1;
  unsigned threads = 256;
  // The kernels' n argument: -n in row mode (Note [Row launches]).
  int64_t n_arg(int64_t n) const { return rowmode ? -n : n; }
};

StridedLaunch strided_launch(const DeviceState& ds, const Plan& p, int64_t n) {
  StridedLaunch L;
  const int64_t inner = p.ndim > 0 ? p.shape[p.ndim - 1] : 1;
  if (inner >= kRowMin) {
    // Threads per block: enough lanes for one row (a multiple of the warp),
    // at most 256; each thread kRowUnroll items of the row.
    const int64_t lanes = (inner + kRowUnroll - 1) / kRowUnroll;
    const int64_t threads = std::min<int64_t>(256, (lanes + 31) / 32 * 32);
    const int64_t per = threads * kRowUnroll;
    const int64_t tiles = (n / inner) * ((inner + per - 1) / per);
    L.rowmode = true;
    L.threads = static_cast<unsigned>(threads);
    L.blocks = static_cast<unsigned>(std::clamp<int64_t>(tiles, 1, kMaxGrid));
    return L;
  }
  L.blocks = static_cast<unsigned>(std::clamp<int64_t>(
      (n + 255) / 256, 1, int64_t(ds.sm_count) * 16));
  return L;
}

template <size_t N>
void launch_strided(CudaBackend& b, DeviceState& ds, CUfunction fn,
                    const StridedLaunch& L, void* (&args)[N]) {
  b.launch(ds, fn, L.blocks, 1, 1, L.threads, 1, 0, args);
}

// Note [Tiled transpose] (device/ufunc.cuh). Matches ax::TransposeArgs.
struct TransposeArgs {
  int64_t nI, nJ, oI, iJ, tI, tJ, tiles, nb;
  int64_t bshape[6], bo[6], bi[6];
};

const char* bits_name(int64_t itemsize) {
  switch (itemsize) {
    case 1: return "ax::u8";
    case 2: return "ax::u16";
    case 4: return "ax::u32";
    case 8: return "ax::u64";
    default: return "ax::B16";
  }
}
// transpose_tiles: 64 x 64 tiles up to 4-byte items (16 items a thread:
// the per-tile index work amortized), 32 x 32 above (shared memory).
// transpose_vec (Note [Vectorized tiled transpose]), vec: VI x VJ vectors of
// 16 bytes a tile: 2-byte items 16 x 16 (128 x 128 items, 32 KB), 4-byte
// items 16 x 16 (64 x 64, 16 KB), 8-byte items 32 x 16 (64 along I x 32
// along J, 16 KB); 4 vectors a thread (8 for 2-byte items).
void transpose_tile(int64_t itemsize, bool vec, int64_t& tI, int64_t& tJ) {
  if (!vec) {
    tI = tJ = itemsize <= 4 ? 64 : 32;
    return;
  }
  const int64_t v = 16 / itemsize;
  tI = (itemsize == 8 ? 32 : 16) * v;
  tJ = 16 * v;
}
std::string transpose_expr(int64_t itemsize, bool vec) {
  int64_t tI, tJ;
  transpose_tile(itemsize, vec, tI, tJ);
  if (vec) {  // VI, VJ: the tile in vectors
    const int64_t v = 16 / itemsize;
    return std::string("&ax::transpose_vec<") + bits_name(itemsize) + ", " +
           std::to_string(tI / v) + ", " + std::to_string(tJ / v) + ">";
  }
  return std::string("&ax::transpose_tiles<") + bits_name(itemsize) + ", " +
         std::to_string(tI) + ">";
}
ModuleSpec transpose_module() {
  ModuleSpec m{"transpose", kUfuncSource, {}};
  for (int64_t s : {1, 2, 4, 8, 16})
    m.exprs.push_back(transpose_expr(s, false));
  for (int64_t s : {2, 4, 8}) m.exprs.push_back(transpose_expr(s, true));
  return m;
}

// A same-dtype copy whose plan (operands: dst, src) is a (batched) 2-d
// transpose: an axis J of dst stride 1 and another axis I of src stride 1
// (neither strided 1 in the other operand, J not broadcast), both at least
// 16 long: tiled through shared memory. Returns false (nothing launched) for
// any other copy. Items of 2, 4 or 8 bytes take transpose_vec (16-byte
// vectors) when both pointers are 16-byte aligned and oI, iJ and the batch
// strides are multiples of the items a vector holds; the rest
// transpose_tiles (one item at a time).
bool copy_transposed(CudaBackend& b, DeviceState& ds, const Plan& p,
                     Array& dst, const Array& s) {
  if (s.dtype() != dst.dtype() || p.ndim < 2 || p.ndim > 8) return false;
  int J = -1, I = -1;
  for (int d = 0; d < p.ndim; ++d)
    if (p.strides[0][d] == 1) J = d;
  if (J < 0 || p.strides[1][J] == 0 || p.strides[1][J] == 1) return false;
  for (int d = 0; d < p.ndim && I < 0; ++d)
    if (d != J && p.strides[1][d] == 1) I = d;
  if (I < 0 || p.strides[0][I] == 1) return false;
  if (p.shape[I] < 16 || p.shape[J] < 16) return false;
  const int64_t isz = dst.itemsize();
  if (isz != 1 && isz != 2 && isz != 4 && isz != 8 && isz != 16) return false;
  const uintptr_t align = static_cast<uintptr_t>(isz);
  const uintptr_t od = reinterpret_cast<uintptr_t>(dst.data());
  const uintptr_t id = reinterpret_cast<uintptr_t>(s.data());
  if (od % align != 0 || id % align != 0) return false;
  TransposeArgs a{};
  a.nI = p.shape[I];
  a.nJ = p.shape[J];
  a.oI = p.strides[0][I];
  a.iJ = p.strides[1][J];
  int64_t batch = 1;
  int nb = 0;
  for (int d = 0; d < p.ndim; ++d) {
    if (d == I || d == J) continue;
    a.bshape[nb] = p.shape[d];
    a.bo[nb] = p.strides[0][d];
    a.bi[nb] = p.strides[1][d];
    batch *= p.shape[d];
    ++nb;
  }
  a.nb = nb;
  bool vec = (isz == 2 || isz == 4 || isz == 8) && od % 16 == 0 && id % 16 == 0;
  if (vec) {
    const int64_t v = 16 / isz;
    vec = a.oI % v == 0 && a.iJ % v == 0;
    for (int d = 0; d < nb && vec; ++d)
      vec = a.bo[d] % v == 0 && a.bi[d] % v == 0;
  }
  int64_t tI, tJ;
  transpose_tile(isz, vec, tI, tJ);
  a.tI = (a.nI + tI - 1) / tI;
  a.tJ = (a.nJ + tJ - 1) / tJ;
  a.tiles = a.tI * a.tJ * batch;
  static const ModuleSpec spec = transpose_module();
  CUfunction fn = b.kernel(ds, spec, transpose_expr(isz, vec));
  void* o = dst.data();
  void* i = s.data();
  void* args[] = {&a, &o, &i};
  const unsigned blocks =
      static_cast<unsigned>(std::clamp<int64_t>(a.tiles, 1, kMaxGrid));
  if (vec)
    b.launch(ds, fn, blocks, 1, 1, 256, 1, 0, args);
  else
    b.launch(ds, fn, blocks, 1, 1, 32, 8, 0, args);
  return true;
}

ModuleSpec ldexp_module() {
  ModuleSpec m{"ldexp", kUfuncSource, {}};
  for (Dtype d : {Dtype::Float16, Dtype::BFloat16, Dtype::Float32,
                  Dtype::Float64})
    m.exprs.push_back(std::string("&ax::ldexp_nd<") + device_type(d) + ">");
  return m;
}

// ldexp's second input is int64 (UfuncIn::FloatInt): its own kernel.
void eval_ldexp(CudaBackend& b, Dtype loop, std::span<const Array> inputs,
                Array& out) {
  DeviceState& ds = b.state(out.device().index);
  int64_t n = out.size();
  if (n == 0) return;
  Array x = CudaBackend::on_device(inputs[0], out.device());
  Array e = CudaBackend::on_device(inputs[1], out.device());
  std::vector<Strides> st = {cpu::broadcast_strides(out, out.shape()),
                             cpu::broadcast_strides(x, out.shape()),
                             cpu::broadcast_strides(e, out.shape())};
  Plan plan = plan_of(out.shape(), st, "ldexp");
  auto arg = strided_arg<3>(plan);
  ModuleSpec spec = ldexp_module();
  CUfunction fn = b.kernel(
      ds, spec, std::string("&ax::ldexp_nd<") + device_type(loop) + ">");
  void* o = out.data();
  void* xp = x.data();
  void* ep = e.data();
  void* args[] = {&arg, &o, &xp, &ep, &n};
  b.launch(ds, fn, n, args);
}

void eval_ufunc(CudaBackend& b, Ufunc& u, std::span<const Array> inputs,
                std::span<Array> outputs) {
  const UfuncInfo& info = ufunc_info(u.id());
  Dtype loop = u.loop_dtype();
  if (info.in == UfuncIn::FloatInt)
    return eval_ldexp(b, loop, inputs, outputs[0]);
  if (!device_has(u.id()))
    throw NotImplementedError(std::string("[") + info.name +
                              "] is not implemented on cuda yet");
  DeviceState& ds = b.state(outputs[0].device().index);
  int64_t n = outputs[0].size();
  if (n == 0) return;
  auto kernel = [&](int variant) {
    CUfunction& fn = ds.ufunc_fns[(static_cast<int>(u.id()) * kNumDtypes +
                                   static_cast<int>(loop)) * 3 + variant];
    if (!fn) {
      auto names = ufunc_exprs(info, loop);
      fn = b.jit().function(ds, ufunc_module(loop),
                            variant == 0 ? names[0] : names.back());
    }
    return fn;
  };

  // Contiguous fast path (Note [Elementwise operands]): output contiguous,
  // inputs contiguous, CPU scalars (passed by value) or one-element device
  // arrays.
  const Device dev = outputs[0].device();
  bool contig = info.nout == 1 && outputs[0].is_c_contiguous();
  ArgBuf args_in[3] = {};
  bool aligned = (reinterpret_cast<uintptr_t>(outputs[0].data()) & 15) == 0;
  for (int i = 0; i < info.nin && contig; ++i) {
    const Array& a = inputs[i];
    if (a.size() == 1 && a.device().is_cpu() && a.itemsize() <= 16) {
      args_in[i].mode = 1;
      std::memcpy(args_in[i].v, a.data(), a.itemsize());
    } else if (a.size() == 1 && n != 1 && a.device() == dev) {
      args_in[i].mode = 2;
      args_in[i].p = a.data();
    } else if (a.device() == dev && a.is_c_contiguous() && a.size() == n) {
      args_in[i].p = a.data();
      aligned = aligned && (reinterpret_cast<uintptr_t>(a.data()) & 15) == 0;
    } else {
      contig = false;
    }
  }
  if (contig) {
    CUfunction fn = kernel(0);
    void* o = outputs[0].data();
    int vec = aligned ? 1 : 0;
    void* args[] = {&o, &args_in[0], &args_in[1], &args_in[2], &n, &vec};
    // Matches ewv: vectors of 16 bytes, kVecUnroll (4) per thread; the
    // scalar path kUnroll (4) elements per thread.
    // One block per 256 threads' share of the array (no grid-stride cap:
    // a capped grid left the last of several rounds to a fraction of the
    // SMs).
    int64_t per_thread =
        aligned ? std::max<int64_t>(1, 16 / loop_itemsize(loop)) * 4 : 4;
    int64_t blocks = (n + per_thread * 256 - 1) / (per_thread * 256);
    b.launch(ds, fn, static_cast<unsigned>(std::clamp<int64_t>(blocks, 1, kMaxGrid)),
             1, 1, 256, 1, 0, args);
    return;
  }
  // Scalars may live on the host (Python numbers): copy them over.
  Array moved[3];
  for (int i = 0; i < info.nin; ++i)
    moved[i] = CudaBackend::on_device(inputs[i], dev);
  inputs = std::span<const Array>(moved, info.nin);
  std::vector<Strides> st;
  for (auto& o : outputs)
    st.push_back(cpu::broadcast_strides(o, outputs[0].shape()));
  for (auto& a : inputs)
    st.push_back(cpu::broadcast_strides(a, outputs[0].shape()));
  Plan plan = plan_of(outputs[0].shape(), st, info.name);
  CUfunction fn = kernel(1);
  void* ptrs[5] = {nullptr, nullptr, nullptr, nullptr, nullptr};
  ptrs[0] = outputs[0].data();
  if (info.nout == 2) ptrs[1] = outputs[1].data();
  for (int i = 0; i < info.nin; ++i) ptrs[2 + i] = inputs[i].data();
  int nops = info.nin + info.nout;
  StridedLaunch L = strided_launch(ds, plan, n);
  int64_t n_arg = L.n_arg(n);
  auto run = [&](auto arg) {
    void* args[] = {&arg,     &ptrs[0], &ptrs[1], &ptrs[2],
                    &ptrs[3], &ptrs[4], &n_arg};
    launch_strided(b, ds, fn, L, args);
  };
  switch (nops) {
    case 2: run(strided_arg<2>(plan)); break;
    case 3: run(strided_arg<3>(plan)); break;
    default: run(strided_arg<4>(plan)); break;
  }
}

void eval_copy(CudaBackend& b, Copy&, std::span<const Array> inputs,
               std::span<Array> outputs) {
  Array& dst = outputs[0];
  DeviceState& ds = b.state(dst.device().index);
  int64_t n = dst.size();
  if (n == 0) return;
  if (inputs[0].device().is_cpu() && inputs[0].size() == 1) {
    // Note [Scalar fills] in device/ufunc.cuh: the value in the launch.
    Array v = astype(inputs[0], dst.dtype(), true);
    alignas(16) unsigned char bits[16] = {};
    std::memcpy(bits, v.data(), static_cast<size_t>(dst.itemsize()));
    std::vector<Strides> st = {dst.strides()};
    auto a = strided_arg<1>(plan_of(dst.shape(), st, "copy"));
    CUfunction fn =
        b.kernel(ds, select_module(dst.itemsize()), fill_expr(dst.itemsize()));
    void* o = dst.data();
    void* args[] = {&a, &o, bits, &n};
    b.launch(ds, fn, n, args);
    return;
  }
  Array s = inputs[0];
  auto kernel = [&](int variant) {
    CUfunction& fn = ds.cast_fns[(static_cast<int>(dst.dtype()) * kNumDtypes +
                                  static_cast<int>(s.dtype())) * 2 + variant];
    if (!fn)
      fn = b.jit().function(ds, cast_module(dst.dtype()),
                            cast_expr(dst.dtype(), s.dtype(), variant));
    return fn;
  };
  bool same = s.dtype() == dst.dtype();
  if (dst.is_c_contiguous() && s.is_c_contiguous() && s.size() == n && same) {
    check(driver().cuMemcpyDtoDAsync(reinterpret_cast<CUdeviceptr>(dst.data()),
                                     reinterpret_cast<CUdeviceptr>(s.data()),
                                     n * dst.itemsize(), ds.stream),
          "cuMemcpyDtoDAsync");
    return;
  }
  if (dst.is_c_contiguous() &&
      ((s.is_c_contiguous() && s.size() == n) || s.size() == 1)) {
    int64_t step = s.size() == 1 && n != 1 ? 0 : 1;
    CUfunction fn = kernel(0);
    void* o = dst.data();
    void* i = s.data();
    void* args[] = {&o, &i, &n, &step};
    b.launch(ds, fn, n, args);
    return;
  }
  std::vector<Strides> st = {cpu::broadcast_strides(dst, dst.shape()),
                             cpu::broadcast_strides(s, dst.shape())};
  Plan plan = plan_of(dst.shape(), st, "copy");
  if (copy_transposed(b, ds, plan, dst, s)) return;
  auto a = strided_arg<2>(plan);
  CUfunction fn = kernel(1);
  void* o = dst.data();
  void* i = s.data();
  StridedLaunch L = strided_launch(ds, plan, n);
  int64_t n_arg = L.n_arg(n);
  void* args[] = {&a, &o, &i, &n_arg};
  launch_strided(b, ds, fn, L, args);
}

void eval_select(CudaBackend& b, Select&, std::span<const Array> in,
                 std::span<Array> outputs) {
  Array& out = outputs[0];
  DeviceState& ds = b.state(out.device().index);
  int64_t n = out.size();
  if (n == 0) return;
  std::vector<Strides> st = {cpu::broadcast_strides(out, out.shape())};
  Array ops[3];
  for (int k = 0; k < 3; ++k) {
    ops[k] = CudaBackend::on_device(in[k], out.device());
    st.push_back(cpu::broadcast_strides(ops[k], out.shape()));
  }
  Plan plan = plan_of(out.shape(), st, "where");
  auto a = strided_arg<4>(plan);
  ModuleSpec spec = select_module(out.itemsize());
  CUfunction fn = b.kernel(ds, spec, spec.exprs[0]);
  void* o = out.data();
  void* c = ops[0].data();
  void* x = ops[1].data();
  void* y = ops[2].data();
  StridedLaunch L = strided_launch(ds, plan, n);
  int64_t n_arg = L.n_arg(n);
  void* args[] = {&a, &o, &c, &x, &y, &n_arg};
  launch_strided(b, ds, fn, L, args);
}

std::vector<ModuleSpec> modules() {
  std::vector<ModuleSpec> v;
  for (int d = 0; d < kNumDtypes; ++d) {
    ModuleSpec m = ufunc_module(static_cast<Dtype>(d));
    if (!m.exprs.empty()) v.push_back(std::move(m));
  }
  for (int d = 0; d < kNumDtypes; ++d)
    v.push_back(cast_module(static_cast<Dtype>(d)));
  for (int64_t s : {1, 2, 4, 8, 16}) v.push_back(select_module(s));
  v.push_back(ldexp_module());
  v.push_back(transpose_module());
  return v;
}

}  // namespace

AX_CUDA_EVAL(Ufunc, eval_ufunc);
AX_CUDA_EVAL(Copy, eval_copy);
AX_CUDA_EVAL(Select, eval_select);
AX_CUDA_MODULES(modules);

}  // namespace arrax::cuda

// CUDA evaluation of the reduction family: Reduce, ArgReduce, Scan, StdSqrt,
// the ufunc methods reduce / accumulate, and CountTrue. Kernels are in
// device/reduce.cuh (see Note [CUDA reduction kernels]); one module per
// dtype for the reductions ("reduce_<dtype>") and one per dtype for the
// ufunc methods ("ufred_<dtype>").
#include <algorithm>
#include <cstdlib>
#include <mutex>

#include "arrax/backend/cpu/iter.h"
#include "arrax/backend/cuda/cuda_internal.h"
#include "arrax/errors.h"
#include "arrax/ops.h"
#include "arrax/primitives.h"
#include "arrax/primitives_index.h"
#include "arrax/primitives_reductions.h"
#include "arrax/primitives_ufuncs.h"

namespace arrax::cuda {

namespace {

const std::string kReduceSource = "#include \"reduce.cuh\"\n";
constexpr int kNumReduceOps = 10;
constexpr int kScanOps[4] = {0, 1, 6, 7};  // Sum, Prod, NanSum, NanProd

bool inexact(Dtype dt) { return is_floating(dt) || is_complex(dt); }

std::string targs(int op, Dtype dt) {
  std::string s = "<";
  s += std::to_string(op);
  s += ", ";
  s += device_type(dt);
  s += ">";
  return s;
}
// A key for CudaBackend::kernel_by_key: the kernel's name (a string
// literal, so its address; two copies of one literal only make two keys),
// the op and the dtype, packed without overlap.
uint64_t fn_key(const char* kernel, int op, Dtype dt) {
  return (static_cast<uint64_t>(reinterpret_cast<uintptr_t>(kernel)) << 16) ^
         (static_cast<uint64_t>(op & 0xff) << 8) ^
         static_cast<uint64_t>(static_cast<int>(dt));
}

std::string rexpr(const char* kernel, int op, Dtype dt) {
  return std::string("&ax::red::") + kernel + targs(op, dt);
}
std::string sqrt_expr(Dtype dt) {
  std::string T = device_type(dt);
  return "&ax::ewnd<ax::f::sqrt, " + T + ", " + T + ", 1, 1>";
}
const char* const kReduceKernels[] = {"reduce_row", "reduce_flat",
                                      "reduce_finish_block", "reduce_col",
                                      "reduce_finish_lines", "reduce_fill"};
const char* const kArgKernels[] = {"arg_row", "arg_flat", "arg_finish",
                                   "arg_col", "arg_col_finish", "arg_warp"};
const char* const kScanKernels[] = {"scan_row", "scan_carry", "scan_col",
                                    "scan_seq"};

bool half_float(Dtype dt) {
  return dt == Dtype::Float16 || dt == Dtype::BFloat16;
}
// Sum, Prod, NanSum, NanProd: results depend on the order once each step
// is rounded (float16/bfloat16); Max, Min and the rest do not.
bool arithmetic_op(int op) { return op == 0 || op == 1 || op == 6 || op == 7; }

ModuleSpec make_reduce_module(Dtype dt) {
  ModuleSpec m{std::string("reduce_") + dtype_name(dt), kReduceSource, {}};
  for (int op = 0; op < kNumReduceOps; ++op)
    for (const char* k : kReduceKernels) m.exprs.push_back(rexpr(k, op, dt));
  for (int op = 0; op < 4; ++op)
    for (const char* k : kArgKernels) m.exprs.push_back(rexpr(k, op, dt));
  for (int op : kScanOps)
    for (const char* k : kScanKernels) m.exprs.push_back(rexpr(k, op, dt));
  if (inexact(dt)) m.exprs.push_back(sqrt_expr(dt));
  if (dt == Dtype::Bool) m.exprs.push_back("&ax::red::count_true");
  return m;
}

const ModuleSpec& reduce_module(Dtype dt) {
  static std::once_flag once;
  static std::vector<ModuleSpec> mods;
  std::call_once(once, [] {
    for (int d = 0; d < kNumDtypes; ++d)
      mods.push_back(make_reduce_module(static_cast<Dtype>(d)));
  });
  return mods[static_cast<int>(dt)];
}

// Binary ufuncs with a device functor in device/ufunc.cuh.
bool binary_on_device(const char* name) {
  static const char* const names[] = {
      "add", "subtract", "multiply", "divide", "floor_divide", "remainder",
      "fmod", "power", "float_power", "equal", "not_equal", "less",
      "less_equal", "greater", "greater_equal", "logical_and", "logical_or",
      "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor",
      "left_shift", "right_shift", "arctan2", "hypot", "maximum", "minimum",
      "fmax", "fmin", "copysign", "nextafter", "logaddexp", "logaddexp2",
      "heaviside"};
  for (const char* n : names)
    if (std::string(n) == name) return true;
  return false;
}
// Associative and commutative: reduced by a block in any order.
bool reorderable(const char* name) {
  static const char* const names[] = {
      "add", "multiply", "maximum", "minimum", "fmax", "fmin",
      "logical_and", "logical_or", "logical_xor", "bitwise_and",
      "bitwise_or", "bitwise_xor"};
  for (const char* n : names)
    if (std::string(n) == name) return true;
  return false;
}
bool ufred_eligible(UfuncId id, Dtype dt) {
  const UfuncInfo& info = ufunc_info(id);
  return info.nin == 2 && info.nout == 1 && info.in != UfuncIn::FloatInt &&
         (info.types & type_bit(dt)) && binary_on_device(info.name) &&
         ufunc_out_dtype(id, dt) == dt;
}
std::string uexpr(const char* kernel, UfuncId id, Dtype dt) {
  return std::string("&ax::red::") + kernel + "<ax::f::" +
         ufunc_info(id).name + ", " + device_type(dt) + ">";
}

ModuleSpec make_ufred_module(Dtype dt) {
  ModuleSpec m{std::string("ufred_") + dtype_name(dt), kReduceSource, {}};
  for (int i = 0; i < kNumUfuncs; ++i) {
    UfuncId id = static_cast<UfuncId>(i);
    if (!ufred_eligible(id, dt)) continue;
    m.exprs.push_back(uexpr("ufred_seq", id, dt));
    m.exprs.push_back(uexpr("ufacc_seq", id, dt));
    if (reorderable(ufunc_info(id).name)) {
      m.exprs.push_back(uexpr("ufred_block", id, dt));
      m.exprs.push_back(uexpr("ufscan_row", id, dt));
      m.exprs.push_back(uexpr("ufscan_carry", id, dt));
    }
  }
  return m;
}

const ModuleSpec& ufred_module(Dtype dt) {
  static std::once_flag once;
  static std::vector<ModuleSpec> mods;
  std::call_once(once, [] {
    for (int d = 0; d < kNumDtypes; ++d)
      mods.push_back(make_ufred_module(static_cast<Dtype>(d)));
  });
  return mods[static_cast<int>(dt)];
}

// ---- host helpers -----------------------------------------------------------

struct Dim {
  int64_t n, xs, os;  // element strides
};

// Outermost first by |x stride|, merging neighbours contiguous for both.
void order_and_coalesce(std::vector<Dim>& d) {
  std::stable_sort(d.begin(), d.end(), [](const Dim& a, const Dim& b) {
    return std::llabs(a.xs) > std::llabs(b.xs);
  });
  std::vector<Dim> out;
  for (const Dim& x : d) {
    if (!out.empty()) {
      Dim& p = out.back();
      if (p.xs == x.xs * x.n && p.os == x.os * x.n) {
        p.n *= x.n;
        p.xs = x.xs;
        p.os = x.os;
        continue;
      }
    }
    out.push_back(x);
  }
  d = std::move(out);
}

int64_t product(const std::vector<Dim>& d) {
  int64_t p = 1;
  for (auto& x : d) p *= x.n;
  return p;
}

// See Note [More than 8 dimensions] in cuda_internal.h.
void too_many(const char* name) { too_many_dims(name); }

// (x, out) offsets over dims, in C order of dims.
StridedArg<2> strided2(const std::vector<Dim>& d, const char* name) {
  if (d.size() > 8) too_many(name);
  StridedArg<2> a{};
  a.ndim = static_cast<int>(d.size());
  for (size_t k = 0; k < d.size(); ++k) {
    a.shape[k] = d[k].n;
    a.strides[0][k] = d[k].xs;
    a.strides[1][k] = d[k].os;
  }
  return a;
}
// One operand's offsets: x strides (which = 0) or out strides (which = 1).
StridedArg<1> strided1(const std::vector<Dim>& d, int which,
                       const char* name) {
  if (d.size() > 8) too_many(name);
  StridedArg<1> a{};
  a.ndim = static_cast<int>(d.size());
  for (size_t k = 0; k < d.size(); ++k) {
    a.shape[k] = d[k].n;
    a.strides[0][k] = which == 0 ? d[k].xs : d[k].os;
  }
  return a;
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Threads for a block that reduces `work` elements: 32..512.
unsigned block_for(int64_t work, int per_thread) {
  unsigned bd = 32;
  while (bd < 512 && static_cast<int64_t>(bd) * per_thread < work) bd *= 2;
  return bd;
}

unsigned grid_cap(DeviceState& ds, int64_t blocks, int per_sm = 32) {
  int64_t cap = static_cast<int64_t>(std::max(ds.sm_count, 1)) * per_sm;
  return static_cast<unsigned>(std::max<int64_t>(1, std::min(blocks, cap)));
}

// Chunks per output for row reductions of n elements when there are few
// outputs: enough blocks to fill the GPU, each at least kMinChunk long.
// Eight 512-thread blocks per SM (two or more waves) keep the tail short
// when fewer than four fit at once; `per_sm` asks for another count (two
// chunks for each block of a grid that is all resident).
constexpr int64_t kMinChunk = 8192;
void split_rows(DeviceState& ds, int64_t nout, int64_t n, int64_t& nsplit,
                int64_t& chunk, int per_sm = 8) {
  const int64_t target =
      static_cast<int64_t>(std::max(ds.sm_count, 1)) * per_sm;
  nsplit = 1;
  if (nout < target && n >= 2 * kMinChunk)
    nsplit = std::min(ceil_div(target, nout), n / kMinChunk);
  nsplit = std::max<int64_t>(nsplit, 1);
  if (nsplit == 1) {
    chunk = std::max<int64_t>(n, 1);
    return;
  }
  chunk = ceil_div(ceil_div(n, nsplit), 64) * 64;  // keeps 16-byte alignment
  nsplit = ceil_div(n, chunk);
}

// Bytes of the accumulator type of a reduction (device Op<OP, T>::C).
int64_t acc_size(int op, Dtype dt) {
  if (op == 4 || op == 5) return 1;  // Any, All: bool
  if (dt == Dtype::Float16 || dt == Dtype::BFloat16) return 4;
  return itemsize(dt);
}

// 512-thread blocks an SM that reduce_flat / arg_flat are compiled for
// (their __launch_bounds__: FlatBlocks and ArgBlocks in device/reduce.cuh).
int flat_blocks(int64_t acc_bytes) { return acc_bytes <= 8 ? 4 : 2; }
int arg_flat_blocks(int64_t item) {
  return item == 4 ? 4 : (item == 1 || item > 8 ? 2 : 3);
}
// Chunks of the flat kernels index in int (below 2^30, so that indices
// plus a few block strides stay below 2^31).
constexpr int64_t kFlatMax = int64_t(1) << 30;
// Longest contiguous line that arg_warp (a warp per line) takes, and the
// 256-thread blocks an SM it is compiled for (WarpBlocks in
// device/reduce.cuh).
constexpr int64_t kWarpRowMax = 65536;
int arg_warp_blocks(Dtype dt) {
  return itemsize(dt) == 1 || is_complex(dt) ? 4 : 5;
}

void memset0(DeviceState& ds, void* p, size_t n) {
  check(driver().cuMemsetD8Async(reinterpret_cast<CUdeviceptr>(p), 0, n,
                                 ds.stream),
        "cuMemsetD8Async");
}

// ---- Reduce -----------------------------------------------------------------

void eval_reduce(CudaBackend& b, Reduce& p, std::span<const Array> inputs,
                 std::span<Array> outputs) {
  Array& out = outputs[0];
  const Array x = CudaBackend::on_device(inputs[0], out.device());
  const char* name = p.name();
  DeviceState& ds = b.state(out.device().index);
  const Dtype dt = x.dtype();
  const int op = static_cast<int>(p.op());
  if (out.size() == 0) return;
  Array initd;
  const void* init = nullptr;
  if (inputs.size() > 1) {
    initd = CudaBackend::on_device(inputs[1], out.device());
    if (initd.dtype() != dt) initd = astype(initd, dt);
    init = initd.data();
  }
  const ModuleSpec& spec = reduce_module(dt);
  auto fn = [&](const char* k) {
    return b.kernel_by_key(ds, fn_key(k, op, dt), spec,
                           [&] { return rexpr(k, op, dt); });
  };
  void* xp = const_cast<void*>(x.data());
  void* op_ = out.data();
  // mean: the final stores divide by the count (device/reduce.cuh
  // `divided`; float32/float64 sums only).
  double scale = p.divisor();

  // Output strides seen with x's rank (0 on the reduced axes).
  const auto& axes = p.axes();
  std::vector<Dim> dims;
  {
    int k = 0;
    for (int d = 0; d < x.ndim(); ++d) {
      bool red = std::find(axes.begin(), axes.end(), d) != axes.end();
      int64_t os = 0;
      if (red) {
        if (p.keepdims()) ++k;
      } else {
        os = out.strides()[k++];
      }
      if (x.shape()[d] != 1) dims.push_back({x.shape()[d], x.strides()[d], os});
    }
  }

  if (x.size() == 0) {
    std::vector<Dim> od;
    for (int d = 0; d < out.ndim(); ++d)
      if (out.shape()[d] != 1) od.push_back({out.shape()[d], 0, out.strides()[d]});
    auto os = strided1(od, 1, name);
    int64_t n = out.size();
    CUfunction f = fn("reduce_fill");
    void* args[] = {&op_, &os, &n, &init};
    b.launch(ds, f, n, args);
    return;
  }
  order_and_coalesce(dims);
  if (dims.empty()) dims.push_back({1, 1, 0});  // one element
  const Dim inner = dims.back();
  std::vector<Dim> kept, red;
  for (size_t k = 0; k + 1 < dims.size(); ++k)
    (dims[k].os != 0 ? kept : red).push_back(dims[k]);
  const int64_t csz = acc_size(op, dt);

  // Thread per output (t = k * m + j: k over `kd`, j over the m elements
  // of `in`, which is kept), looping over the reduced dims `rd` in order;
  // long reductions split over gridDim.y.
  auto run_col = [&](const std::vector<Dim>& kd, Dim in,
                     const std::vector<Dim>& rd, int rnd) {
    int64_t m = in.n, xs = in.xs, os = in.os;
    int64_t nkm = product(kd) * m, nred = product(rd);
    auto ks = strided2(kd, name);
    auto rs = strided1(rd, 0, name);
    const unsigned bd = 256;
    int64_t gx = std::min<int64_t>(ceil_div(nkm, bd),
                                   static_cast<int64_t>(ds.sm_count) * 64);
    gx = std::max<int64_t>(gx, 1);
    int64_t nsplit = 1;
    const int64_t want = static_cast<int64_t>(ds.sm_count) * 2048;
    // Rounded every step (float16/bfloat16 sums): one sequential chain per
    // output, NumPy's and the CPU's; partials would change the result.
    const bool sequential = rnd && half_float(dt) && arithmetic_op(op);
    if (!sequential && gx * bd < want && nred >= 128)
      nsplit = std::min(ceil_div(want, gx * bd), nred / 64);
    nsplit = std::clamp<int64_t>(nsplit, 1, 65535);
    int64_t chunk = ceil_div(nred, nsplit);
    nsplit = ceil_div(nred, chunk);
    Array part;
    void* pp = nullptr;
    if (nsplit > 1) {
      part = b.scratch(nsplit * nkm * csz, out.device());
      pp = part.data();
    }
    CUfunction f = fn("reduce_col");
    void* args[] = {&xp, &op_, &pp, &ks, &m, &xs, &os, &rs, &nred, &nkm,
                    &chunk, &init, &rnd, &scale};
    b.launch(ds, f, static_cast<unsigned>(gx), static_cast<unsigned>(nsplit),
             1, bd, 1, 0, args);
    if (nsplit > 1) {
      std::vector<Dim> od = kd;
      od.push_back(in);
      auto ostr = strided1(od, 1, name);
      CUfunction g = fn("reduce_finish_lines");
      int64_t ts = 1, js = nkm;
      int no_round = 0;
      void* args2[] = {&pp, &op_, &ostr, &nkm, &nsplit, &ts, &js, &init,
                       &no_round, &scale};
      b.launch(ds, g, nkm, args2);
    }
  };

  if (inner.os == 0) {
    // Row path.
    int64_t nout = product(kept), nred = product(red), L = inner.n,
            s = inner.xs;
    int64_t N = nred * L, nsplit, chunk;
    // float16/bfloat16 sums and products over several rows round after
    // each row (the CPU's loop): reduce_row sums each row (in float) as
    // one chunk, then reduce_finish_lines runs the rounded chain in order.
    const bool per_row = half_float(dt) && arithmetic_op(op) && nred > 1;
    if (!per_row && N <= 32 &&
        nout >= static_cast<int64_t>(ds.sm_count) * 256) {
      // Short rows, many of them: a thread per output.
      std::vector<Dim> rd = red;
      rd.push_back(inner);
      run_col(kept, Dim{1, 0, 0}, rd, 0);
      return;
    }
    // Contiguous rows: reduce_flat, all of its grid resident at once (two
    // chunks a block when split).
    const bool flat_rows = !per_row && red.empty() && s == 1;
    const int fb = flat_blocks(csz);
    split_rows(ds, nout, N, nsplit, chunk, flat_rows ? 2 * fb : 8);
    if (per_row) {
      nsplit = nred;
      chunk = L;
    }
    const bool flat = flat_rows && chunk < kFlatMax;
    auto ks = strided2(kept, name);
    auto rs = strided1(red, 0, name);
    // Many outputs (no split): smaller blocks, each thread 32+ elements, so
    // more blocks per SM overlap one row's block reduction with the next
    // row's loads.
    unsigned bd = per_row ? block_for(L, 8)
                          : block_for(std::min(N, chunk), nsplit == 1 ? 32 : 8);
    unsigned grid =
        grid_cap(ds, nout * nsplit, flat ? fb * 512 / bd : 2048 / bd);
    Array part;
    void* pp = nullptr;
    if (nsplit > 1) {
      part = b.scratch(nout * nsplit * csz, out.device());
      pp = part.data();
    }
    // Split rows finish in their last block (Note [Single-pass split
    // reductions] in device/reduce.cuh) when each output has a counter;
    // float16/bfloat16 chains over rows keep reduce_finish_lines.
    uint32_t* cnt = nullptr;
    if (nsplit > 1 && !per_row && nout <= kNumCounters) cnt = b.counters(ds);
    if (flat) {
      CUfunction f = fn("reduce_flat");
      void* args[] = {&xp, &op_, &pp, &ks, &nout, &L, &nsplit, &chunk, &init,
                      &cnt, &scale};
      b.launch(ds, f, grid, 1, 1, bd, 1, 0, args);
    } else {
      CUfunction f = fn("reduce_row");
      void* args[] = {&xp, &op_, &pp, &ks, &rs, &nout, &nred, &L, &s,
                      &nsplit, &chunk, &init, &cnt, &scale};
      b.launch(ds, f, grid, 1, 1, bd, 1, 0, args);
    }
    if (per_row) {
      auto os = strided1(kept, 1, name);
      CUfunction g = fn("reduce_finish_lines");
      int64_t ts = nsplit, js = 1;
      int round = 1;
      void* args2[] = {&pp, &op_, &os, &nout, &nsplit, &ts, &js, &init,
                       &round, &scale};
      b.launch(ds, g, nout, args2);
    } else if (nsplit > 1 && !cnt) {
      auto os = strided1(kept, 1, name);
      CUfunction g = fn("reduce_finish_block");
      unsigned bd2 = block_for(nsplit, 2);
      if (bd2 > 256) bd2 = 256;
      void* args2[] = {&pp, &op_, &os, &nout, &nsplit, &init, &scale};
      b.launch(ds, g, grid_cap(ds, nout, 16), 1, 1, bd2, 1, 0, args2);
    }
    return;
  }

  // Column path: the innermost dimension is kept.
  run_col(kept, inner, red, 1);
}

// ---- ArgReduce ----------------------------------------------------------------

void eval_argreduce(CudaBackend& b, ArgReduce& p, std::span<const Array> inputs,
                    std::span<Array> outputs) {
  Array& out = outputs[0];
  const Array x = CudaBackend::on_device(inputs[0], out.device());
  const char* name = p.name();
  DeviceState& ds = b.state(out.device().index);
  const Dtype dt = x.dtype();
  const int op = static_cast<int>(p.op());
  const int axis = p.axis();
  if (out.size() == 0) return;
  std::vector<Dim> others;
  int k = 0;
  for (int d = 0; d < x.ndim(); ++d) {
    if (d == axis) {
      if (p.keepdims()) ++k;
      continue;
    }
    int64_t os = out.strides()[k++];
    if (x.shape()[d] != 1) others.push_back({x.shape()[d], x.strides()[d], os});
  }
  int64_t L = x.shape()[axis], ls = x.strides()[axis];
  if (L == 0) return;  // the op raises before
  order_and_coalesce(others);
  int64_t nout = product(others);
  const ModuleSpec& spec = reduce_module(dt);
  auto fn = [&](const char* kn) {
    return b.kernel_by_key(ds, fn_key(kn, op, dt), spec,
                           [&] { return rexpr(kn, op, dt); });
  };
  const bool nan_op = op >= 2;
  Array errd = b.scratch(4, out.device());
  void* err = errd.data();
  if (nan_op) memset0(ds, err, 4);
  void* xp = const_cast<void*>(x.data());
  void* op_ = out.data();
  auto ks = strided2(others, name);
  // Column path when the line runs across the innermost kept dimension
  // (neighbouring outputs are neighbours in memory): a thread per output,
  // the lines split over gridDim.y so that enough threads read at once.
  const bool column = !others.empty() &&
                      std::llabs(others.back().xs) < std::llabs(ls) && L > 1 &&
                      nout >= 32;
  if (column) {
    const unsigned bd = 256;
    int64_t gx = std::min<int64_t>(ceil_div(nout, bd),
                                   static_cast<int64_t>(ds.sm_count) * 64);
    gx = std::max<int64_t>(gx, 1);
    int64_t nsplit = 1;
    const int64_t want = static_cast<int64_t>(ds.sm_count) * 2048;
    if (gx * bd < want && L >= 128)
      nsplit = std::min(ceil_div(want, gx * bd), L / 64);
    nsplit = std::clamp<int64_t>(nsplit, 1, 65535);
    int64_t chunk = ceil_div(L, nsplit);
    nsplit = ceil_div(L, chunk);  // every chunk non-empty
    Array part;
    void* pp = nullptr;
    if (nsplit > 1) {
      const int64_t psz = acc_size(0, dt) <= 8 ? 16 : 24;  // ArgPair<C>
      part = b.scratch(nsplit * nout * psz, out.device());
      pp = part.data();
    }
    CUfunction f = fn("arg_col");
    void* args[] = {&xp, &op_, &pp, &ks, &nout, &L, &ls, &chunk, &err};
    b.launch(ds, f, static_cast<unsigned>(gx), static_cast<unsigned>(nsplit),
             1, bd, 1, 0, args);
    if (nsplit > 1) {
      auto os = strided1(others, 1, name);
      CUfunction g = fn("arg_col_finish");
      void* args2[] = {&pp, &op_, &os, &nout, &nsplit, &err};
      b.launch(ds, g, nout, args2);
    }
  } else {
    // Contiguous lines: arg_flat, all of its grid resident at once (two
    // chunks a block when split).
    int64_t nsplit, chunk;
    const int fb = arg_flat_blocks(itemsize(dt));
    split_rows(ds, nout, L, nsplit, chunk, ls == 1 ? 2 * fb : 8);
    const bool flat = ls == 1 && chunk < kFlatMax;
    // Many short contiguous lines: a warp per line (arg_warp), when the
    // line is so short that arg_flat's block would be a single warp anyway
    // (block_for: L <= 1024), or when there are lines for 16 warps an SM
    // (32 for lines over 8192, where arg_flat's blocks do more work
    // between barriers): each warp keeps 2 KB in flight, so 16 warps an SM
    // are 32 KB, about an SM's share of HBM bandwidth times latency
    // (36 B/ns * ~700 ns), 32 warps twice that.
    const int64_t sms = std::max(ds.sm_count, 1);
    const bool warp_rows =
        ls == 1 && nsplit == 1 && L <= kWarpRowMax &&
        (L <= 1024 || nout >= sms * (L <= 8192 ? 16 : 32));
    const int64_t csz = acc_size(0, dt);
    const int64_t psz = csz <= 8 ? 16 : 24;  // ArgPair<C>
    Array part;
    void* pp = nullptr;
    if (nsplit > 1) {
      part = b.scratch(nout * nsplit * psz, out.device());
      pp = part.data();
    }
    // Split lines finish in their last block (Note [Single-pass split
    // reductions] in device/reduce.cuh) when each output has a counter.
    uint32_t* cnt = nullptr;
    if (nsplit > 1 && nout <= kNumCounters) cnt = b.counters(ds);
    unsigned bd = block_for(std::min(L, chunk), nsplit == 1 ? 32 : 8);
    unsigned grid =
        grid_cap(ds, nout * nsplit, flat ? fb * 512 / bd : 2048 / bd);
    if (warp_rows) {
      // 256 threads (arg_warp's __launch_bounds__), eight lines a block,
      // the grid all resident at once and balanced: every warp takes the
      // same number of lines (give or take one), e.g. 8192 lines on 132
      // SMs: 4096 warps of two lines, not 5280 warps of which 2368 sit idle
      // in the second round.
      const unsigned bdw = 256;
      const int64_t cap = static_cast<int64_t>(grid_cap(
                              ds, ceil_div(nout, bdw / 32),
                              arg_warp_blocks(dt))) * (bdw / 32);
      const int64_t rounds = ceil_div(nout, cap);
      const unsigned gridw = static_cast<unsigned>(
          ceil_div(ceil_div(nout, rounds), bdw / 32));
      int Li = static_cast<int>(L);
      CUfunction f = fn("arg_warp");
      void* args[] = {&xp, &op_, &ks, &nout, &Li, &err};
      b.launch(ds, f, gridw, 1, 1, bdw, 1, 0, args);
    } else if (flat) {
      CUfunction f = fn("arg_flat");
      void* args[] = {&xp, &op_, &pp, &ks, &nout, &L, &nsplit, &chunk, &err,
                      &cnt};
      b.launch(ds, f, grid, 1, 1, bd, 1, 0, args);
    } else {
      CUfunction f = fn("arg_row");
      void* args[] = {&xp, &op_, &pp, &ks, &nout, &L, &ls, &nsplit, &chunk,
                      &err, &cnt};
      b.launch(ds, f, grid, 1, 1, bd, 1, 0, args);
    }
    if (nsplit > 1 && !cnt) {
      auto os = strided1(others, 1, name);
      CUfunction g = fn("arg_finish");
      unsigned bd2 = std::min(block_for(nsplit, 2), 256u);
      void* args2[] = {&pp, &op_, &os, &nout, &nsplit, &err};
      b.launch(ds, g, grid_cap(ds, nout, 16), 1, 1, bd2, 1, 0, args2);
    }
  }
  if (nan_op) {
    int flag = 0;
    check(driver().cuMemcpyDtoHAsync(&flag, reinterpret_cast<CUdeviceptr>(err),
                                     4, ds.stream),
          "cuMemcpyDtoHAsync");
    check(driver().cuStreamSynchronize(ds.stream), "cuStreamSynchronize");
    if (flag)
      throw ValueError(std::string("[") + name +
                       "] All-NaN slice encountered");
  }
}

// ---- Scan ---------------------------------------------------------------------

constexpr int64_t kSeqScanMax = 4096;

// Inclusive scan of x along `axis` into out (same shape) with reduce op `op`
// (Sum, Prod, NanSum, NanProd).
void run_scan(CudaBackend& b, int op, const Array& x, Array& out, int axis,
              const char* name) {
  DeviceState& ds = b.state(out.device().index);
  const Dtype dt = x.dtype();
  if (x.size() == 0) return;
  std::vector<Dim> others;
  for (int d = 0; d < x.ndim(); ++d)
    if (d != axis && x.shape()[d] != 1)
      others.push_back({x.shape()[d], x.strides()[d], out.strides()[d]});
  int64_t L = x.shape()[axis], xs = x.strides()[axis],
          os = out.strides()[axis];
  order_and_coalesce(others);
  int64_t nlines = product(others);
  const ModuleSpec& spec = reduce_module(dt);
  auto fn = [&](const char* kn) {
    return b.kernel_by_key(ds, fn_key(kn, op, dt), spec,
                           [&] { return rexpr(kn, op, dt); });
  };
  void* xp = const_cast<void*>(x.data());
  void* op_ = out.data();
  auto ls = strided2(others, name);
  const bool column = !others.empty() &&
                      std::llabs(others.back().xs) < std::llabs(xs) && L > 1 &&
                      nlines >= static_cast<int64_t>(ds.sm_count) * 128;
  if (column) {
    CUfunction f = fn("scan_col");
    void* args[] = {&xp, &op_, &ls, &nlines, &L, &xs, &os};
    b.launch(ds, f, nlines, args);
    return;
  }
  // Sequential lines (NumPy's left-to-right order, bit for bit): always for
  // float16/bfloat16 (every step rounds to the storage type), for lines of
  // modest length, and when there are lines enough for a warp each to fill
  // the GPU. Only few long lines take the block scan below (another order:
  // its error is bounded by sum|x| * eps * log2(L)).
  // (Integers add exactly in any order: they keep the block scan.)
  if (half_float(dt) ||
      (inexact(dt) && (L <= kSeqScanMax ||
                       nlines >= static_cast<int64_t>(ds.sm_count) * 64))) {
    CUfunction f = fn("scan_seq");
    void* args[] = {&xp, &op_, &ls, &nlines, &L, &xs, &os};
    const unsigned bd = 256;  // scan_seq's shared buffer: eight warps
    b.launch(ds, f, grid_cap(ds, ceil_div(nlines, bd / 32), 8), 1, 1, bd, 1,
             0, args);
    return;
  }
  int64_t nchunk = 1, chunk = L;
  const int64_t target = static_cast<int64_t>(ds.sm_count) * 4;
  if (nlines < target && L >= 2 * kMinChunk) {
    nchunk = std::min(ceil_div(target, nlines), L / kMinChunk);
    chunk = ceil_div(L, nchunk);
    nchunk = ceil_div(L, chunk);
  }
  unsigned bd = block_for(chunk, 4);
  unsigned grid = grid_cap(ds, nlines * nchunk, 2048 / bd);
  Array carry;
  void* cp = nullptr;
  CUfunction f = fn("scan_row");
  if (nchunk > 1) {
    carry = b.scratch(nlines * nchunk * acc_size(op, dt), out.device());
    cp = carry.data();
    int mode = 1;
    void* args1[] = {&xp, &op_, &ls, &nlines, &L, &xs, &os, &nchunk, &chunk,
                     &cp, &mode};
    b.launch(ds, f, grid, 1, 1, bd, 1, 0, args1);
    CUfunction g = fn("scan_carry");
    void* args2[] = {&cp, &nlines, &nchunk};
    b.launch(ds, g, nlines, args2);
  }
  int mode = 0;
  void* args[] = {&xp, &op_, &ls, &nlines, &L, &xs, &os, &nchunk, &chunk,
                  &cp, &mode};
  b.launch(ds, f, grid, 1, 1, bd, 1, 0, args);
}

void eval_scan(CudaBackend& b, Scan& p, std::span<const Array> inputs,
               std::span<Array> outputs) {
  Array x = CudaBackend::on_device(inputs[0], outputs[0].device());
  run_scan(b, kScanOps[static_cast<int>(p.op())], x, outputs[0], p.axis(),
           p.name());
}

// ---- StdSqrt --------------------------------------------------------------------

void eval_stdsqrt(CudaBackend& b, StdSqrt&, std::span<const Array> inputs,
                  std::span<Array> outputs) {
  const Array& x = inputs[0];
  Array& o = outputs[0];
  if (!inexact(x.dtype()))
    throw TypeError(std::string("[sqrt] expected a floating array, got ") +
                    dtype_name(x.dtype()));
  int64_t n = o.size();
  if (n == 0) return;
  DeviceState& ds = b.state(o.device().index);
  Array xs = CudaBackend::on_device(x, o.device());
  std::vector<Strides> st = {cpu::broadcast_strides(o, o.shape()),
                             cpu::broadcast_strides(xs, o.shape())};
  Plan plan;
  if (!make_plan(o.shape(), st, plan)) too_many("sqrt");
  auto a = strided_arg<2>(plan);
  CUfunction f = b.kernel(ds, reduce_module(x.dtype()), sqrt_expr(x.dtype()));
  void* out = o.data();
  void* null = nullptr;
  void* in = const_cast<void*>(xs.data());
  void* args[] = {&a, &out, &null, &in, &null, &null, &n};
  b.launch(ds, f, n, args);
}

// ---- CountTrue --------------------------------------------------------------------

void eval_count_true(CudaBackend& b, CountTrue&, std::span<const Array> inputs,
                     std::span<Array> outputs) {
  Array& out = outputs[0];
  DeviceState& ds = b.state(out.device().index);
  Array m = CudaBackend::on_device(inputs[0], out.device());
  if (!m.is_c_contiguous()) m = ascontiguousarray(m);
  void* op_ = out.data();
  memset0(ds, op_, 8);
  int64_t n = m.size();
  if (n == 0) return;
  CUfunction f =
      b.kernel(ds, reduce_module(Dtype::Bool), "&ax::red::count_true");
  void* mp = const_cast<void*>(m.data());
  void* args[] = {&mp, &n, &op_};
  b.launch(ds, f, grid_cap(ds, ceil_div(n, 16 * 256), 8), 1, 1, 256, 1, 0,
           args);
}

// ---- ufunc.reduce / ufunc.accumulate ------------------------------------------------


void eval_ufunc_reduce(CudaBackend& b, UfuncReduce& p,
                       std::span<const Array> inputs,
                       std::span<Array> outputs) {
  Array& out = outputs[0];
  DeviceState& ds = b.state(out.device().index);
  const Array& x = inputs[1];
  const Dtype dt = x.dtype();
  const UfuncId id = p.id();
  const int axis = p.axis();
  // Loops without a device functor run the CPU's on host copies.
  if (!ufred_eligible(id, dt)) return b.eval_on_host(p, inputs, outputs);
  if (out.size() == 0) return;
  Array init = CudaBackend::on_device(inputs[0], out.device());
  if (init.dtype() != dt) init = astype(init, dt);
  Array mask;
  if (inputs.size() > 2) mask = CudaBackend::on_device(inputs[2], out.device());
  // Operands over the output's shape: out, init, x and mask without axis.
  Strides init_st = cpu::broadcast_strides(init, out.shape());
  Strides xst, mst;
  for (int d = 0; d < x.ndim(); ++d)
    if (d != axis) {
      xst.push_back(x.strides()[d]);
      mst.push_back(mask.valid() ? mask.strides()[d] : 0);
    }
  std::vector<Strides> st = {out.strides(), init_st, xst, mst};
  Plan plan;
  if (!make_plan(out.shape(), st, plan)) too_many(ufunc_info(id).name);
  auto s = strided_arg<4>(plan);
  int64_t nout = out.size();
  int64_t L = x.ndim() ? x.shape()[axis] : 0;
  int64_t xs = x.ndim() ? x.strides()[axis] : 0;
  int64_t ms = mask.valid() ? mask.strides()[axis] : 0;
  void* o = out.data();
  void* ip = init.data();
  void* xp = const_cast<void*>(x.data());
  void* mp = mask.valid() ? mask.data() : nullptr;
  void* args[] = {&o, &ip, &xp, &mp, &s, &nout, &L, &xs, &ms};
  const ModuleSpec& spec = ufred_module(dt);
  const bool block = reorderable(ufunc_info(id).name) && L >= 256 &&
                     nout < static_cast<int64_t>(ds.sm_count) * 64;
  if (block) {
    CUfunction f = b.kernel(ds, spec, uexpr("ufred_block", id, dt));
    b.launch(ds, f, grid_cap(ds, nout, 8), 1, 1, 256, 1, 0, args);
  } else {
    CUfunction f = b.kernel(ds, spec, uexpr("ufred_seq", id, dt));
    b.launch(ds, f, nout, args);
  }
}

void eval_ufunc_accumulate(CudaBackend& b, UfuncAccumulate& p,
                           std::span<const Array> inputs,
                           std::span<Array> outputs) {
  const Array& x = inputs[0];
  Array& out = outputs[0];
  const Dtype dt = x.dtype();
  const UfuncId id = p.id();
  const int axis = p.axis();
  const char* uname = ufunc_info(id).name;
  if (!ufred_eligible(id, dt)) return b.eval_on_host(p, inputs, outputs);
  if (x.size() == 0) return;
  // add and multiply accumulate exactly like cumsum / cumprod.
  if (std::string(uname) == "add" || std::string(uname) == "multiply") {
    run_scan(b, std::string(uname) == "add" ? 0 : 1, x, out, axis, uname);
    return;
  }
  DeviceState& ds = b.state(out.device().index);
  std::vector<Dim> others;
  for (int d = 0; d < x.ndim(); ++d)
    if (d != axis && x.shape()[d] != 1)
      others.push_back({x.shape()[d], x.strides()[d], out.strides()[d]});
  order_and_coalesce(others);
  auto ls = strided2(others, uname);
  int64_t nlines = product(others), L = x.shape()[axis],
          xs = x.strides()[axis], os = out.strides()[axis];
  void* o = out.data();
  void* xp = const_cast<void*>(x.data());
  const ModuleSpec& spec = ufred_module(dt);
  const int64_t sms = ds.sm_count;
  if (reorderable(uname) && L >= 64 && nlines < sms * 128) {
    // Few long lines: block scans (chunked, three phases for long lines),
    // like run_scan.
    int64_t nchunk = 1, chunk = L;
    if (nlines < sms * 4 && L >= 2 * kMinChunk) {
      nchunk = std::min(ceil_div(sms * 4, nlines), L / kMinChunk);
      chunk = ceil_div(L, nchunk);
      nchunk = ceil_div(L, chunk);
    }
    unsigned bd = block_for(chunk, 4);
    unsigned grid = grid_cap(ds, nlines * nchunk, 2048 / bd);
    Array carry;
    void* cp = nullptr;
    CUfunction f = b.kernel(ds, spec, uexpr("ufscan_row", id, dt));
    if (nchunk > 1) {
      // MaybeVal<T>: the value and an int flag.
      int64_t isz = itemsize(dt);
      int64_t msz = isz < 4 ? 8 : (isz == 4 ? 8 : (isz == 8 ? 16 : 24));
      carry = b.scratch(nlines * nchunk * msz, out.device());
      cp = carry.data();
      int mode = 1;
      void* args1[] = {&xp, &o, &ls, &nlines, &L, &xs, &os, &nchunk, &chunk,
                       &cp, &mode};
      b.launch(ds, f, grid, 1, 1, bd, 1, 0, args1);
      CUfunction g = b.kernel(ds, spec, uexpr("ufscan_carry", id, dt));
      void* args2[] = {&cp, &nlines, &nchunk};
      b.launch(ds, g, nlines, args2);
    }
    int mode = 0;
    void* args[] = {&xp, &o, &ls, &nlines, &L, &xs, &os, &nchunk, &chunk,
                    &cp, &mode};
    b.launch(ds, f, grid, 1, 1, bd, 1, 0, args);
    return;
  }
  CUfunction f = b.kernel(ds, spec, uexpr("ufacc_seq", id, dt));
  void* args[] = {&o, &xp, &ls, &nlines, &L, &xs, &os};
  b.launch(ds, f, nlines, args);
}

std::vector<ModuleSpec> modules() {
  std::vector<ModuleSpec> v;
  for (int d = 0; d < kNumDtypes; ++d)
    v.push_back(reduce_module(static_cast<Dtype>(d)));
  for (int d = 0; d < kNumDtypes; ++d) {
    const ModuleSpec& m = ufred_module(static_cast<Dtype>(d));
    if (!m.exprs.empty()) v.push_back(m);
  }
  return v;
}

}  // namespace

AX_CUDA_EVAL(Reduce, eval_reduce);
AX_CUDA_EVAL(ArgReduce, eval_argreduce);
AX_CUDA_EVAL(Scan, eval_scan);
AX_CUDA_EVAL(StdSqrt, eval_stdsqrt);
AX_CUDA_EVAL(CountTrue, eval_count_true);
AX_CUDA_EVAL(UfuncReduce, eval_ufunc_reduce);
AX_CUDA_EVAL(UfuncAccumulate, eval_ufunc_accumulate);
AX_CUDA_MODULES(modules);

}  // namespace arrax::cuda

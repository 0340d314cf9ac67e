// CUDA evaluation of the creation and manipulation primitives
// (arrax/primitives_shape.h): Concatenate, Arange, Linspace, Tri, TriMask,
// Repeat, Roll, Pad. Kernels are in device/shape.cuh.
//
// Note [CUDA shape ops as copies]
// Most of these are strided copies, and the Copy primitive's CUDA
// evaluation (cuda_ufunc.cpp: any strided view, casting, CPU scalars moved
// over) is the shared building block: Concatenate copies each input into
// its slice of the output, Roll copies two blocks per rolled axis (as the
// CPU does), TriMask copies and then zeroes a triangle, Pad copies the
// input into the middle and (constant mode) a scalar into each border slab.
// The rest are kernels: tri and repeat are dtype-blind moves (one module per
// item size); arange, linspace and the pad modes that compute (reflect with
// reflect_type='odd', linear_ramp) are per dtype, with arithmetic written
// with explicitly rounded operations so that the results equal the CPU's.
//
// Note [Host fallbacks]
// Two cases run the CPU kernel on host copies and move the result over:
// linspace's Log and Geom modes (pow/log10 on the device would not round
// like the host's libm, and these outputs are small) and np.pad's median
// mode (a per-line selection). Both are correct for every dtype; they cost
// a device-to-host and a host-to-device copy. The other statistic modes
// (maximum, minimum, mean) run on the device, one thread per line with the
// CPU's sequential loops.
#include <cstring>

#include "arrax/backend/cpu/iter.h"
#include "arrax/backend/cuda/cuda_internal.h"
#include "arrax/backend/pad_slabs.h"
#include "arrax/errors.h"
#include "arrax/ops.h"
#include "arrax/primitives.h"
#include "arrax/primitives_shape.h"

namespace arrax::cuda {

namespace {

const std::string kShapeSource = "#include \"shape.cuh\"\n";

// ---- modules ----------------------------------------------------------------

std::string bits_expr(const char* kernel, int64_t isz) {
  return std::string("&ax::shp::") + kernel + "<" + device_bits_type(isz) +
         ">";
}

ModuleSpec move_module(int64_t isz) {
  ModuleSpec m{"shape_move_" + std::to_string(isz), kShapeSource, {}};
  for (const char* k : {"tri_fill", "tri_zero", "repeat_items"})
    m.exprs.push_back(bits_expr(k, isz));
  return m;
}

std::string typed_expr(const char* kernel, Dtype dt) {
  return std::string("&ax::shp::") + kernel + "<" + device_type(dt) + ">";
}

ModuleSpec typed_module(Dtype dt) {
  ModuleSpec m{std::string("shape_") + dtype_name(dt), kShapeSource, {}};
  m.exprs.push_back(typed_expr("arange_fill", dt));
  m.exprs.push_back(typed_expr("pad_ramp_flags", dt));
  m.exprs.push_back(typed_expr("pad_lines", dt));
  if (is_inexact(dt)) {
    m.exprs.push_back(typed_expr("linspace_prep", dt));
    m.exprs.push_back(typed_expr("linspace_fill", dt));
  }
  return m;
}

std::vector<ModuleSpec> move_modules() {
  std::vector<ModuleSpec> v;
  for (int64_t s : {1, 2, 4, 8, 16}) v.push_back(move_module(s));
  return v;
}
std::vector<ModuleSpec> typed_modules() {
  std::vector<ModuleSpec> v;
  for (int d = 0; d < kNumDtypes; ++d)
    v.push_back(typed_module(static_cast<Dtype>(d)));
  return v;
}

// The module specs, built once (the kernel cache is keyed by spec.key).
const ModuleSpec& move_spec(int64_t isz) {
  static const std::vector<ModuleSpec> v = move_modules();
  return v[isz == 1 ? 0 : isz == 2 ? 1 : isz == 4 ? 2 : isz == 8 ? 3 : 4];
}
const ModuleSpec& typed_spec(Dtype dt) {
  static const std::vector<ModuleSpec> v = typed_modules();
  return v[static_cast<int>(dt)];
}

// ---- helpers -----------------------------------------------------------------

// dst = src (cast, broadcast) through the Copy primitive's CUDA evaluation.
void copy_into(CudaBackend& b, const Array& src, const Array& dst) {
  if (dst.size() == 0) return;
  Copy c(dst.dtype(), dst.shape());
  Array in[1] = {src};
  Array out[1] = {dst};
  b.eval(c, in, out);
}

// a[lo:hi] along `axis`.
Array slice_view(const Array& a, int axis, int64_t lo, int64_t hi) {
  Shape shape = a.shape();
  shape[axis] = hi - lo;
  return a.raw_view(shape, a.strides(), a.offset() + lo * a.strides()[axis]);
}

// Runs the CPU kernel on host copies (see Note [Host fallbacks]).
void host_eval(CudaBackend& b, Primitive& p, std::span<const Array> inputs,
               std::span<Array> outputs) {
  std::vector<Array> in;
  for (const Array& a : inputs)
    in.push_back(a.device().is_cpu() ? a : to_device(a, Device::cpu()));
  std::vector<Array> out;
  for (const Array& o : outputs) {
    Array h = Array::empty(o.shape(), o.dtype(), Device::cpu());
    out.push_back(h);
  }
  // In-place primitives (Pad writes every element, so this does not apply
  // to it) would need the old contents; none of the callers is in place.
  p.eval_cpu(in, out);
  for (size_t i = 0; i < outputs.size(); ++i)
    copy_into(b, CudaBackend::on_device(out[i], outputs[i].device()),
              outputs[i]);
}

// The item bytes of `v` in `dt`, for dtype-blind kernels (16 at most).
struct ItemBytes {
  alignas(16) unsigned char bytes[16] = {};
};
ItemBytes item_of(double v, Dtype dt) {
  Array s = Array::scalar(v, dt, Device::cpu());
  ItemBytes r;
  std::memcpy(r.bytes, s.data(), itemsize(dt));
  return r;
}

// ---- concatenate, roll ------------------------------------------------------------

void eval_concatenate(CudaBackend& b, Concatenate& c,
                      std::span<const Array> inputs,
                      std::span<Array> outputs) {
  Array& out = outputs[0];
  int64_t pos = 0;
  for (const Array& in : inputs) {
    int64_t len = in.shape()[c.axis()];
    if (len > 0 && in.size() > 0)
      copy_into(b, in, slice_view(out, c.axis(), pos, pos + len));
    pos += len;
  }
}

void roll_blocks(CudaBackend& b, const Array& src, const Array& dst,
                 const std::vector<int64_t>& shifts, int axis) {
  if (src.size() == 0) return;
  if (axis == src.ndim()) {
    copy_into(b, src, dst);
    return;
  }
  int64_t s = shifts[axis], n = src.shape()[axis];
  if (s == 0) {
    roll_blocks(b, src, dst, shifts, axis + 1);
    return;
  }
  roll_blocks(b, slice_view(src, axis, 0, n - s), slice_view(dst, axis, s, n),
              shifts, axis + 1);
  roll_blocks(b, slice_view(src, axis, n - s, n), slice_view(dst, axis, 0, s),
              shifts, axis + 1);
}

void eval_roll(CudaBackend& b, Roll& r, std::span<const Array> inputs,
               std::span<Array> outputs) {
  Array src = CudaBackend::on_device(inputs[0], outputs[0].device());
  roll_blocks(b, src, outputs[0], r.shifts(), 0);
}

// ---- tri, tril, triu -----------------------------------------------------------

void eval_tri(CudaBackend& b, Tri& t, std::span<const Array>,
              std::span<Array> outputs) {
  Array& out = outputs[0];
  int64_t n = t.n(), m = t.m(), k = t.k();
  if (n * m == 0) return;
  DeviceState& ds = b.state(out.device().index);
  int64_t isz = out.itemsize();
  ItemBytes one = item_of(1.0, out.dtype()), zero = item_of(0.0, out.dtype());
  const ModuleSpec& spec = move_spec(isz);
  CUfunction fn = b.kernel(ds, spec, bits_expr("tri_fill", isz));
  void* o = out.data();
  int64_t s0 = out.strides()[0], s1 = out.strides()[1];
  void* args[] = {&o, &n, &m, &k, &s0, &s1, one.bytes, zero.bytes};
  b.launch(ds, fn, n * m, args);
}

void eval_trimask(CudaBackend& b, TriMask& t, std::span<const Array> inputs,
                  std::span<Array> outputs) {
  Array& out = outputs[0];
  copy_into(b, inputs[0], out);
  int nd = out.ndim();
  int64_t n = out.shape()[nd - 2], m = out.shape()[nd - 1];
  int64_t total = out.size();
  if (total == 0) return;
  DeviceState& ds = b.state(out.device().index);
  Shape bshape(out.shape().begin(), out.shape().end() - 2);
  Strides bst(out.strides().begin(), out.strides().end() - 2);
  auto bs = strided_arg<1>(plan_of(bshape, {bst}, t.name()));
  int64_t isz = out.itemsize();
  const ModuleSpec& spec = move_spec(isz);
  CUfunction fn = b.kernel(ds, spec, bits_expr("tri_zero", isz));
  void* o = out.data();
  int64_t k = t.k();
  int64_t s0 = out.strides()[nd - 2], s1 = out.strides()[nd - 1];
  int lower = t.lower() ? 1 : 0;
  void* args[] = {&bs, &o, &n, &m, &k, &s0, &s1, &lower, &total};
  b.launch(ds, fn, total, args);
}

// ---- repeat ---------------------------------------------------------------------

void eval_repeat(CudaBackend& b, Repeat& r, std::span<const Array> inputs,
                 std::span<Array> outputs) {
  Array& out = outputs[0];
  Device dev = out.device();
  Array in = CudaBackend::on_device(inputs[0], dev);
  if (!in.is_c_contiguous()) {
    Array c = Array::empty(in.shape(), in.dtype(), dev);
    copy_into(b, in, c);
    in = c;
  }
  int axis = r.axis();
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= in.shape()[d];
  for (int d = axis + 1; d < in.ndim(); ++d) inner *= in.shape()[d];
  const int64_t n = in.shape()[axis];
  const int64_t out_n = out.shape()[axis];
  int64_t total = outer * out_n * inner;
  if (total == 0 || n == 0) return;
  DeviceState& ds = b.state(dev.index);
  const auto& reps = r.repeats();
  int64_t single = reps.size() == 1 ? reps[0] : 0;
  Array cum;
  if (reps.size() != 1) {
    Array h = Array::empty(Shape{n + 1}, Dtype::Int64, Device::cpu());
    int64_t* c = h.data<int64_t>();
    c[0] = 0;
    for (int64_t j = 0; j < n; ++j) c[j + 1] = c[j] + reps[j];
    cum = CudaBackend::on_device(h, dev);
  }
  Array target =
      out.is_c_contiguous() ? out : Array::empty(out.shape(), out.dtype(), dev);
  int64_t isz = out.itemsize();
  const ModuleSpec& spec = move_spec(isz);
  CUfunction fn = b.kernel(ds, spec, bits_expr("repeat_items", isz));
  void* o = target.data();
  void* s = in.data();
  void* cp = cum.valid() ? cum.data() : nullptr;
  int64_t nn = n, on = out_n, inn = inner;
  void* args[] = {&o, &s, &cp, &single, &nn, &on, &inn, &total};
  b.launch(ds, fn, total, args);
  if (!target.is(out)) copy_into(b, target, out);
}

// ---- arange, linspace ---------------------------------------------------------------

void eval_arange(CudaBackend& b, Arange& a, std::span<const Array> inputs,
                 std::span<Array> outputs) {
  Array& out = outputs[0];
  int64_t n = a.n();
  if (n <= 0) return;
  Device dev = out.device();
  DeviceState& ds = b.state(dev.index);
  Array first = CudaBackend::on_device(inputs[0], dev);
  Array second = CudaBackend::on_device(inputs[1], dev);
  const ModuleSpec& spec = typed_spec(out.dtype());
  CUfunction fn = b.kernel(ds, spec, typed_expr("arange_fill", out.dtype()));
  void* o = out.data();
  int64_t stride = out.strides()[0];
  void* f = first.data();
  void* s = second.data();
  void* args[] = {&o, &stride, &f, &s, &n};
  b.launch(ds, fn, n, args);
}

// Bytes of the compute type of an inexact dtype (float for 16-bit floats).
int64_t compute_size(Dtype dt) {
  switch (dt) {
    case Dtype::Float16:
    case Dtype::BFloat16: return 4;
    default: return itemsize(dt);
  }
}

void eval_linspace(CudaBackend& b, Linspace& l, std::span<const Array> inputs,
                   std::span<Array> outputs) {
  if (l.mode() != Linspace::Mode::Linear) {
    host_eval(b, l, inputs, outputs);
    return;
  }
  Array& out = outputs[0];
  Device dev = out.device();
  Dtype ydt = inputs[0].dtype();
  if (!is_inexact(ydt))
    throw TypeError("[linspace] expected an inexact dtype");
  if (out.size() == 0) return;
  DeviceState& ds = b.state(dev.index);
  Array s = CudaBackend::on_device(inputs[0], dev);
  Array e = CudaBackend::on_device(inputs[1], dev);
  int64_t m = s.size(), num = l.num();
  int64_t div = l.endpoint() ? num - 1 : num;
  // The flag lives after the columns (16-byte aligned).
  int64_t flag_off = (4 * std::max<int64_t>(m, 1) * compute_size(ydt) + 15) /
                     16 * 16;
  Array all = b.scratch(flag_off + 16, dev);
  void* cp = all.data();
  void* flag = static_cast<char*>(all.data()) + flag_off;
  const ModuleSpec& spec = typed_spec(ydt);
  {
    CUfunction fn = b.kernel(ds, spec, typed_expr("linspace_prep", ydt));
    void* sp = s.data();
    void* ep = e.data();
    void* args[] = {&sp, &ep, &m, &div, &cp, &flag};
    b.launch(ds, fn, 1, 1, 1, 32, 1, 0, args);
  }
  Shape oshape = out.shape();
  auto os = strided_arg<1>(plan_of(oshape, {out.strides()}, "linspace"));
  CUfunction fn = b.kernel(ds, spec, typed_expr("linspace_fill", ydt));
  void* o = out.data();
  int endpoint = l.endpoint() ? 1 : 0, fl = l.floor() ? 1 : 0;
  void* args[] = {&os, &o, &cp, &flag, &num, &m, &div, &endpoint, &fl};
  b.launch(ds, fn, num * m, args);
}

// ---- pad -----------------------------------------------------------------------------

struct PadArgsHost {  // matches ax::shp::PadArgs
  int64_t base, step, L, lp, n, rp, nlines;
  int mode, odd;
  double a_re, a_im, b_re, b_im;
  int64_t ll, rl;
};

void eval_pad(CudaBackend& b, Pad& p, std::span<const Array> inputs,
              std::span<Array> outputs) {
  const PadOptions& o = p.options();
  const auto& widths = p.widths();
  if (o.mode == PadMode::Median) {
    host_eval(b, p, inputs, outputs);
    return;
  }
  Array& out = outputs[0];
  Device dev = out.device();
  Array in = CudaBackend::on_device(inputs[0], dev);
  const int nd = in.ndim();
  if (in.size() > 0) copy_into(b, in, padding::center(out, in.shape(), widths));
  if (o.mode == PadMode::Empty || out.size() == 0) return;
  if (o.mode == PadMode::Constant) {
    padding::for_each_constant_slab(
        out, in.shape(), widths, o, [&](Array& slab, complex128 v) {
          copy_into(b, Array::scalar(v, out.dtype(), Device::cpu()), slab);
        });
    return;
  }
  int mode_id;
  switch (o.mode) {
    case PadMode::Edge: mode_id = 0; break;
    case PadMode::Reflect: mode_id = 1; break;
    case PadMode::Symmetric: mode_id = 2; break;
    case PadMode::Wrap: mode_id = 3; break;
    case PadMode::LinearRamp: mode_id = 4; break;
    case PadMode::Maximum: mode_id = 5; break;
    case PadMode::Minimum: mode_id = 6; break;
    case PadMode::Mean: mode_id = 7; break;
    default:
      throw NotImplementedError("[pad] mode not implemented on cuda");
  }
  DeviceState& ds = b.state(dev.index);
  Dtype dt = out.dtype();
  const ModuleSpec& spec = typed_spec(dt);
  CUfunction lines_fn = b.kernel(ds, spec, typed_expr("pad_lines", dt));
  Array flags = b.scratch(8, dev);
  for (int d = 0; d < nd; ++d) {
    int64_t lp = widths[d].first, rp = widths[d].second;
    if (lp == 0 && rp == 0) continue;
    // Lines along d: the full extent on axes < d, the original extent on
    // axes > d (Note [Padding line by line] in backend/cpu/pad.cpp).
    Shape lshape;
    Strides lstride;
    int64_t base = 0;
    for (int e = 0; e < nd; ++e) {
      if (e == d) continue;
      bool done = e < d;
      lshape.push_back(done ? out.shape()[e] : in.shape()[e]);
      lstride.push_back(out.strides()[e]);
      if (!done) base += widths[e].first * out.strides()[e];
    }
    int64_t nlines = shape_size(lshape);
    if (nlines == 0) continue;
    auto ls = strided_arg<1>(plan_of(lshape, {lstride}, "pad"));
    PadArgsHost a{};
    a.base = base;
    a.step = out.strides()[d];
    a.L = out.shape()[d];
    a.lp = lp;
    a.n = in.shape()[d];
    a.rp = rp;
    a.nlines = nlines;
    a.mode = mode_id;
    a.odd = o.odd ? 1 : 0;
    if (mode_id >= 5) {
      auto [ls, rs] = o.stat_length[d];
      a.ll = ls < 0 || ls > a.n ? a.n : ls;
      a.rl = rs < 0 || rs > a.n ? a.n : rs;
    }
    if (o.mode == PadMode::LinearRamp) {
      a.a_re = o.values[d].first.real();
      a.a_im = o.values[d].first.imag();
      a.b_re = o.values[d].second.real();
      a.b_im = o.values[d].second.imag();
    }
    void* op = out.data();
    void* fp = flags.data();
    if (o.mode == PadMode::LinearRamp) {
      check(driver().cuMemsetD8Async(reinterpret_cast<CUdeviceptr>(fp), 0, 8,
                                     ds.stream),
            "cuMemsetD8Async");
      CUfunction fn = b.kernel(ds, spec, typed_expr("pad_ramp_flags", dt));
      void* args[] = {&ls, &op, &a, &fp};
      b.launch(ds, fn, nlines, args);
    }
    void* args[] = {&ls, &op, &a, &fp};
    b.launch(ds, lines_fn, nlines, args);
  }
}

std::vector<ModuleSpec> modules() {
  std::vector<ModuleSpec> v = move_modules();
  for (ModuleSpec& m : typed_modules()) v.push_back(std::move(m));
  return v;
}

}  // namespace

AX_CUDA_EVAL(Concatenate, eval_concatenate);
AX_CUDA_EVAL(Arange, eval_arange);
AX_CUDA_EVAL(Linspace, eval_linspace);
AX_CUDA_EVAL(Tri, eval_tri);
AX_CUDA_EVAL(TriMask, eval_trimask);
AX_CUDA_EVAL(Repeat, eval_repeat);
AX_CUDA_EVAL(Roll, eval_roll);
AX_CUDA_EVAL(Pad, eval_pad);
AX_CUDA_MODULES(modules);

}  // namespace arrax::cuda

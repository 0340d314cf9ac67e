#include "arrax/batching.h"

#include <algorithm>
#include <atomic>
#include <string>

#include "arrax/autograd.h"
#include "arrax/dispatch.h"
#include "arrax/ops.h"
#include "arrax/ops_reductions.h"
#include "arrax/ops_shape.h"
#include "arrax/primitives.h"
#include "arrax/primitives_autograd.h"
#include "arrax/primitives_fft.h"
#include "arrax/primitives_index.h"
#include "arrax/primitives_linalg.h"
#include "arrax/primitives_reductions.h"
#include "arrax/primitives_shape.h"
#include "arrax/primitives_sort.h"
#include "arrax/primitives_ufuncs.h"

namespace arrax {

// Note [Batching]
// vmap(f)(x) runs f once on arrays that carry batch dimensions, as
// functorch's BatchedTensor does, rather than tracing f. An array inside vmap
// is an ordinary Array whose shape, strides and offset describe one example
// (the logical array) plus a list of BatchDims (level, size, stride): the
// physical array of level L is the logical one with a leading axis of that
// size and stride. Views therefore stay views: slicing, transposing or
// reshaping the logical array computes logical strides, and the batch
// strides carry over unchanged (raw_view copies the list).
//
// Data moves only through dispatch. When an input has batch dimensions,
// dispatch takes the innermost level L among the inputs, turns the inputs
// batched at L into their physical arrays (batch axis 0) and asks the
// primitive for its batching rule: a primitive (often itself, or one with
// shifted axes) that computes every output with the batch axis first.
// Without a rule the primitive runs once per batch element into slices of
// the output. The physical outputs are wrapped back at level L. Outer levels
// are still attached to the physical arrays, so the recursive dispatch
// peels them one at a time (nested vmap).
//
// Autograd records above batching: dispatch records the logical op (inputs
// and outputs with batch dimensions) and vjps, written in ops, run batched
// again; make_batched and unbatch are recorded as each other's vjp, so
// grad(vmap(f)) and vmap(grad(f)) both work. Reading values of a batched
// array (item, NumPy conversion, Python bool) raises: it would see one
// example only.
//
// Levels are process-wide and only grow, so a batched array that outlives
// its vmap (a saved value of the backward graph) keeps a unique level.

namespace {
std::atomic<int64_t> g_level{0};

int64_t innermost_level(const Array& a) {
  return a.is_batched() ? a.batch()->back().level : -1;
}

std::shared_ptr<const BatchDims> without_last(const BatchDims& dims) {
  if (dims.size() == 1) return nullptr;
  return std::make_shared<const BatchDims>(dims.begin(), dims.end() - 1);
}

// The physical array of `a` at its innermost level: batch axis 0.
Array physical(const Array& a) {
  const BatchDims& dims = *a.batch();
  const BatchDim& d = dims.back();
  Shape shape{d.size};
  Strides strides{d.stride};
  for (int i = 0; i < a.ndim(); ++i) {
    shape.push_back(a.shape()[i]);
    strides.push_back(a.strides()[i]);
  }
  Array p = a.raw_view(std::move(shape), std::move(strides), a.offset());
  p.set_batch(without_last(dims));
  p.set_weak(a.is_weak());
  return p;
}

// Axis 0 of `p` as the batch dimension of `level` (innermost).
Array wrap(const Array& p, int64_t level) {
  Shape shape(p.shape().begin() + 1, p.shape().end());
  Strides strides(p.strides().begin() + 1, p.strides().end());
  Array a = p.raw_view(std::move(shape), std::move(strides), p.offset());
  auto dims = p.is_batched() ? std::make_shared<BatchDims>(*p.batch())
                             : std::make_shared<BatchDims>();
  dims->push_back({level, p.shape()[0], p.strides()[0]});
  a.set_batch(std::move(dims));
  a.set_weak(p.is_weak());
  return a;
}

// Element b of a physical array's batch axis (other levels kept).
Array slice0(const Array& p, int64_t b) {
  Shape shape(p.shape().begin() + 1, p.shape().end());
  Strides strides(p.strides().begin() + 1, p.strides().end());
  Array a = p.raw_view(std::move(shape), std::move(strides),
                       p.offset() + b * p.strides()[0]);
  a.set_weak(p.is_weak());
  return a;
}

// Every level (with its size) any of `arrays` carries, sorted.
BatchDims outer_dims(std::span<const Array> arrays) {
  BatchDims all;
  for (const Array& a : arrays) {
    if (!a.is_batched()) continue;
    for (const BatchDim& d : *a.batch()) {
      auto it = std::find_if(all.begin(), all.end(), [&](const BatchDim& e) {
        return e.level == d.level;
      });
      if (it == all.end()) all.push_back({d.level, d.size, 0});
    }
  }
  std::sort(all.begin(), all.end(), [](const BatchDim& x, const BatchDim& y) {
    return x.level < y.level;
  });
  return all;
}

// A new array of logical `shape` with the batch dimensions `dims`.
Array empty_batched(const Shape& shape, Dtype dtype, Device dev,
                    const BatchDims& dims) {
  if (dims.empty()) return Array::empty(shape, dtype, dev);
  Shape full;
  for (const BatchDim& d : dims) full.push_back(d.size);
  for (int64_t s : shape) full.push_back(s);
  Array p = Array::empty(full, dtype, dev);
  size_t nb = dims.size();
  Shape ls(p.shape().begin() + nb, p.shape().end());
  Strides lst(p.strides().begin() + nb, p.strides().end());
  Array a = p.raw_view(std::move(ls), std::move(lst), 0);
  auto bd = std::make_shared<BatchDims>(dims);
  for (size_t i = 0; i < nb; ++i) (*bd)[i].stride = p.strides()[i];
  a.set_batch(std::move(bd));
  return a;
}

struct Level {
  int64_t level = -1;
  int64_t size = -1;
};

Level level_of(std::span<const Array> a, std::span<const Array> b,
               const char* op) {
  Level l;
  for (auto span : {a, b})
    for (const Array& x : span) l.level = std::max(l.level, innermost_level(x));
  for (auto span : {a, b})
    for (const Array& x : span) {
      if (innermost_level(x) != l.level) continue;
      int64_t s = x.batch()->back().size;
      if (l.size >= 0 && s != l.size)
        throw ValueError(std::string("[vmap] ") + op +
                         " got batch dimensions of sizes " +
                         std::to_string(l.size) + " and " + std::to_string(s) +
                         " at one vmap level");
      l.size = s;
    }
  return l;
}

// Splits inputs at `lv` into physical arrays and flags.
void split(std::span<const Array> inputs, int64_t lv, Arrays& phys,
           std::vector<char>& flags) {
  phys.reserve(inputs.size());
  flags.reserve(inputs.size());
  for (const Array& a : inputs) {
    bool b = innermost_level(a) == lv;
    phys.push_back(b ? physical(a) : a);
    flags.push_back(b);
  }
}

std::span<const bool> as_bools(const std::vector<char>& f) {
  return {reinterpret_cast<const bool*>(f.data()), f.size()};
}

// No rule: one evaluation per batch element, into slices of the outputs.
void loop_into(const std::shared_ptr<Primitive>& p, const Arrays& phys,
               const std::vector<char>& flags, int64_t size,
               std::span<Array> outs) {
  Arrays in(phys.size());
  Arrays out(outs.size());
  for (int64_t b = 0; b < size; ++b) {
    for (size_t i = 0; i < phys.size(); ++i)
      in[i] = flags[i] ? slice0(phys[i], b) : phys[i];
    for (size_t j = 0; j < outs.size(); ++j) out[j] = slice0(outs[j], b);
    OutputSpecs specs = p->output_specs(in);
    for (size_t j = 0; j < outs.size() && j < specs.size(); ++j)
      if (!(specs[j].shape == out[j].shape()))
        throw ValueError(std::string("[vmap] ") + p->name() +
                         " gives outputs of different shapes across the "
                         "batch; a data-dependent shape cannot be batched");
    dispatch_into(p, in, out);
  }
}
}  // namespace

Array empty_batched_for(const Shape& shape, Dtype dtype, Device device,
                        std::span<const Array> inputs) {
  return empty_batched(shape, dtype, device, outer_dims(inputs));
}

namespace {
thread_local std::vector<int64_t> t_active;
}

void push_vmap_level(int64_t level) { t_active.push_back(level); }
void pop_vmap_level() {
  if (!t_active.empty()) t_active.pop_back();
}
bool vmap_level_active(int64_t level) {
  return std::find(t_active.begin(), t_active.end(), level) != t_active.end();
}

Array sum_batch_levels(const Array& g, const Array& like) {
  Array r = g;
  for (const BatchDim& d : *g.batch()) {
    if (batch_size_at(like, d.level) >= 0 || vmap_level_active(d.level))
      continue;
    ReduceArgs args;
    args.axis = Axes{0};
    r = sum(unbatch(r, d.level, 0, d.size), args);
  }
  return r;
}

Array to_device_batched(const Array& a, Device device) {
  std::vector<int64_t> levels;  // innermost first
  Array p = a;
  while (p.is_batched()) {
    levels.push_back(p.batch()->back().level);
    p = physical(p);
  }
  Array q = to_device(p, device);
  for (auto it = levels.rbegin(); it != levels.rend(); ++it) q = wrap(q, *it);
  return q;
}

int64_t new_vmap_level() { return g_level.fetch_add(1) + 1; }

int64_t batch_size_at(const Array& x, int64_t level) {
  if (!x.is_batched()) return -1;
  for (const BatchDim& d : *x.batch())
    if (d.level == level) return d.size;
  return -1;
}

Arrays dispatch_batched(const std::shared_ptr<Primitive>& p,
                        std::span<const Array> inputs) {
  Level lv = level_of(inputs, {}, p->name());
  Arrays phys;
  std::vector<char> flags;
  split(inputs, lv.level, phys, flags);
  Arrays outs;
  if (auto q = p->batch_rule(p, phys, as_bools(flags), lv.size)) {
    outs = dispatch(q, phys);
  } else {
    Arrays in0(phys.size());
    for (size_t i = 0; i < phys.size(); ++i)
      in0[i] = flags[i] ? slice0(phys[i], 0) : phys[i];
    OutputSpecs specs = p->output_specs(in0);
    BatchDims dims = outer_dims(phys);
    Device dev = common_device(phys, p->name());
    for (auto& s : specs) {
      Shape shape{lv.size};
      for (int64_t d : s.shape) shape.push_back(d);
      outs.push_back(empty_batched(shape, s.dtype, dev, dims));
    }
    loop_into(p, phys, flags, lv.size, outs);
  }
  for (Array& o : outs) o = wrap(o, lv.level);
  return outs;
}

void dispatch_into_batched(const std::shared_ptr<Primitive>& p,
                           std::span<const Array> inputs,
                           std::span<Array> outputs) {
  Level lv = level_of(inputs, outputs, p->name());
  bool in_batched = false;  // some input has the batch dimension of lv
  for (const Array& a : inputs)
    in_batched = in_batched || innermost_level(a) == lv.level;
  Arrays outs;
  for (const Array& o : outputs) {
    if (innermost_level(o) != lv.level)
      throw ValueError(std::string("[vmap] ") + p->name() +
                       " writes a batched value into an array without that "
                       "batch dimension (an in-place op or out= on an array "
                       "captured from outside the vmapped function)");
    outs.push_back(physical(o));
  }
  Arrays phys;
  std::vector<char> flags;
  split(inputs, lv.level, phys, flags);
  if (!in_batched) {
    // Only the outputs are batched (a[...] = value inside vmap): the same
    // value for every batch element, as a stride-0 batch axis.
    Device dev = outs.empty() ? Device::cpu() : outs[0].device();
    for (size_t i = 0; i < phys.size(); ++i) {
      Array a = phys[i].device() == dev ? phys[i] : to_device(phys[i], dev);
      phys[i] = batch_broadcast(a, lv.size);
      flags[i] = 1;
    }
  }
  if (auto q = p->batch_rule(p, phys, as_bools(flags), lv.size)) {
    dispatch_into(q, phys, outs);
    return;
  }
  loop_into(p, phys, flags, lv.size, outs);
}

// ---- make_batched / unbatch ------------------------------------------------

namespace {
Array batched_view(const Array& x, int64_t axis, int64_t level) {
  if (batch_size_at(x, level) >= 0)
    throw ValueError("[vmap] the array is already batched at this level");
  Shape shape;
  Strides strides;
  for (int d = 0; d < x.ndim(); ++d) {
    if (d == axis) continue;
    shape.push_back(x.shape()[d]);
    strides.push_back(x.strides()[d]);
  }
  Array v = x.raw_view(std::move(shape), std::move(strides), x.offset());
  auto dims = x.is_batched() ? std::make_shared<BatchDims>(*x.batch())
                             : std::make_shared<BatchDims>();
  BatchDim nd{level, x.shape()[axis], x.strides()[axis]};
  auto it = std::find_if(dims->begin(), dims->end(),
                         [&](const BatchDim& e) { return e.level > level; });
  dims->insert(it, nd);
  v.set_batch(std::move(dims));
  v.set_weak(x.is_weak());
  return v;
}

// The batch dimension of `level` of `x` as its axis `axis`.
Array unbatched_view(const Array& x, int64_t axis, int64_t level) {
  const BatchDims& dims = *x.batch();
  auto dims2 = std::make_shared<BatchDims>();
  BatchDim mine{};
  for (const BatchDim& d : dims) {
    if (d.level == level)
      mine = d;
    else
      dims2->push_back(d);
  }
  Shape shape;
  Strides strides;
  for (int d = 0; d <= x.ndim(); ++d) {
    if (d == axis) {
      shape.push_back(mine.size);
      strides.push_back(mine.stride);
    }
    if (d < x.ndim()) {
      shape.push_back(x.shape()[d]);
      strides.push_back(x.strides()[d]);
    }
  }
  Array v = x.raw_view(std::move(shape), std::move(strides), x.offset());
  v.set_batch(dims2->empty() ? nullptr : std::move(dims2));
  return v;
}

int64_t norm_axis(int64_t axis, int ndim, const char* what) {
  if (axis < -ndim || axis >= ndim)
    throw ValueError(
        std::string("[vmap] ") + what + " " + std::to_string(axis) +
        " is out of bounds for an array of dimension " + std::to_string(ndim));
  return axis < 0 ? axis + ndim : axis;
}

// Records the batching (or unbatching) view as an op whose vjp is the other.
class BatchView : public Primitive {
 public:
  BatchView(bool into, int64_t axis, int64_t level, int64_t size)
      : into_(into), axis_(axis), level_(level), size_(size) {}
  const char* name() const override {
    return into_ ? "make_batched" : "unbatch";
  }
  OutputSpecs output_specs(std::span<const Array> inputs) const override {
    throw ValueError("[vmap] internal: batch views are not dispatched");
  }
  void eval_cpu(std::span<const Array>, std::span<Array>) override {
    throw ValueError("[vmap] internal: batch views are not dispatched");
  }
  Arrays vjp(std::span<const Array>, std::span<const Array>,
             std::span<const Array> cts, std::span<const int>) override {
    if (into_) return {unbatch(cts[0], level_, axis_, size_)};
    return {make_batched(cts[0], axis_, level_)};
  }
  SaveMask vjp_saves(std::span<const Array>, uint32_t) const override {
    return 0;
  }

 private:
  bool into_;
  int64_t axis_, level_, size_;
};

Array recorded(std::shared_ptr<Primitive> p, const Array& x, Array v) {
  if (needs_recording({&x, 1})) {
    uint32_t ver = x.storage()->version.load(std::memory_order_relaxed);
    record(p, {&x, 1}, {&v, 1}, {&ver, 1});
  }
  return v;
}
}  // namespace

Array make_batched(const Array& x, int64_t axis, int64_t level) {
  int64_t ax = norm_axis(axis, x.ndim(), "in_axes");
  Array v = batched_view(x, ax, level);
  return recorded(std::make_shared<BatchView>(true, ax, level, x.shape()[ax]),
                  x, std::move(v));
}

Array unbatch(const Array& x, int64_t level, int64_t axis, int64_t size) {
  int64_t ax = norm_axis(axis, x.ndim() + 1, "out_axes");
  if (batch_size_at(x, level) < 0) {
    // Unbatched at this level: the same value for every batch element.
    Array e = expand_dims(x, std::span<const int64_t>(&ax, 1));
    Shape shape = e.shape();
    shape[ax] = size;
    return copy(broadcast_to(e, shape), Order::C);
  }
  Array v = unbatched_view(x, ax, level);
  return recorded(std::make_shared<BatchView>(false, ax, level, size), x,
                  std::move(v));
}

// ---- helpers for the rules
// ---------------------------------------------------

Array batch_align(const Array& a, int n) {
  int k = a.ndim() - 1;
  if (k >= n) return a;
  Shape shape{a.shape()[0]};
  Strides strides{a.strides()[0]};
  for (int i = k; i < n; ++i) {
    shape.push_back(1);
    strides.push_back(0);
  }
  for (int i = 1; i < a.ndim(); ++i) {
    shape.push_back(a.shape()[i]);
    strides.push_back(a.strides()[i]);
  }
  Array v = a.raw_view(std::move(shape), std::move(strides), a.offset());
  v.set_weak(a.is_weak());
  return v;
}

Array batch_broadcast(const Array& a, int64_t size) {
  Shape shape{size};
  Strides strides{0};
  for (int i = 0; i < a.ndim(); ++i) {
    shape.push_back(a.shape()[i]);
    strides.push_back(a.strides()[i]);
  }
  Array v = a.raw_view(std::move(shape), std::move(strides), a.offset());
  v.set_readonly(true);
  return v;
}

void batch_align_all(Arrays& inputs, std::span<const bool> batched) {
  int n = 0;
  for (size_t i = 0; i < inputs.size(); ++i)
    n = std::max(n, inputs[i].ndim() - (batched[i] ? 1 : 0));
  for (size_t i = 0; i < inputs.size(); ++i)
    if (batched[i]) inputs[i] = batch_align(inputs[i], n);
}

namespace {
// Every input batched (unbatched ones broadcast along a stride-0 axis).
void batch_all(Arrays& inputs, std::span<const bool> batched, int64_t size) {
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!batched[i]) inputs[i] = batch_broadcast(inputs[i], size);
}
// arange(size) along axis 0 of n + 1 axes: the index of the batch axis for
// the gather family.
Array batch_index(int64_t size, int n, Device device) {
  Array idx = arange(0, size, 1, Dtype::Int64, device);
  Shape shape{size};
  Strides strides{1};
  for (int i = 0; i < n; ++i) {
    shape.push_back(1);
    strides.push_back(0);
  }
  return idx.raw_view(std::move(shape), std::move(strides), 0);
}
template <typename T>
std::vector<T> shifted(const std::vector<T>& axes) {
  std::vector<T> r(axes);
  for (T& a : r) a += 1;
  return r;
}
}  // namespace

// ---- the rules
// ---------------------------------------------------------------

// Elementwise: inputs broadcast from the right, so a batch axis in front of
// each batched input (after unit axes up to the common rank) is all it takes.
std::shared_ptr<Primitive> Ufunc::batch_rule(
    const std::shared_ptr<Primitive>& self, Arrays& inputs,
    std::span<const bool> batched, int64_t) const {
  batch_align_all(inputs, batched);
  return self;
}

std::shared_ptr<Primitive> Select::batch_rule(
    const std::shared_ptr<Primitive>& self, Arrays& inputs,
    std::span<const bool> batched, int64_t) const {
  batch_align_all(inputs, batched);
  return self;
}

std::shared_ptr<Primitive> StdSqrt::batch_rule(
    const std::shared_ptr<Primitive>& self, Arrays&, std::span<const bool>,
    int64_t) const {
  return self;
}

std::shared_ptr<Primitive> Copy::batch_rule(const std::shared_ptr<Primitive>&,
                                            Arrays& inputs,
                                            std::span<const bool>,
                                            int64_t size) const {
  inputs[0] = batch_align(inputs[0], static_cast<int>(shape_.size()));
  Shape shape{size};
  for (int64_t d : shape_) shape.push_back(d);
  return std::make_shared<Copy>(dtype_, std::move(shape));
}

std::shared_ptr<Primitive> Reduce::batch_rule(const std::shared_ptr<Primitive>&,
                                              Arrays& inputs,
                                              std::span<const bool> batched,
                                              int64_t) const {
  if (inputs.size() > 1 && batched[1]) return nullptr;  // a batched initial
  SmallVector<int64_t> axes;
  for (int64_t a : axes_) axes.push_back(a + 1);
  return std::make_shared<Reduce>(op_, std::move(axes), keepdims_, divisor_);
}

std::shared_ptr<Primitive> ArgReduce::batch_rule(
    const std::shared_ptr<Primitive>&, Arrays&, std::span<const bool>,
    int64_t) const {
  if (axis_ < 0) return nullptr;  // over the flattened array
  return std::make_shared<ArgReduce>(op_, axis_ + 1, keepdims_);
}

std::shared_ptr<Primitive> Scan::batch_rule(const std::shared_ptr<Primitive>&,
                                            Arrays&, std::span<const bool>,
                                            int64_t) const {
  return std::make_shared<Scan>(op_, axis_ + 1);
}

namespace {
// Dimensions [0, n) of `a` seen as one (size, stride), when they collapse.
bool collapse(const Array& a, int n, int64_t& size, int64_t& stride) {
  size = 1;
  stride = 0;
  int64_t prev = -1;
  for (int i = n; i-- > 0;) {
    if (a.shape()[i] == 1) continue;
    if (prev < 0)
      stride = a.strides()[i];
    else if (a.strides()[i] != a.shape()[prev] * a.strides()[prev])
      return false;
    size *= a.shape()[i];
    prev = i;
  }
  return true;
}

// A batched matrix times one unbatched matrix: when the batch and row axes
// of A (and of the output) collapse, one GEMM of B*n rows instead of B
// small ones (the common case of vmap over examples: x @ w).
class FoldedMatmul : public Primitive {
 public:
  explicit FoldedMatmul(bool conj_a) : inner_(conj_a) {}
  const char* name() const override { return "matmul"; }
  OutputSpecs output_specs(std::span<const Array> in) const override {
    return inner_.output_specs(in);
  }
  void eval_cpu(std::span<const Array> in, std::span<Array> out) override {
    Array a, c;
    if (fold(in, out, a, c)) {
      Array fin[2] = {a, in[1]};
      Array fout[1] = {c};
      inner_.eval_cpu(fin, fout);
    } else {
      inner_.eval_cpu(in, out);
    }
  }
  void eval_cuda(std::span<const Array> in, std::span<Array> out) override {
    Array a, c;
    if (fold(in, out, a, c)) {
      Array fin[2] = {a, in[1]};
      Array fout[1] = {c};
      inner_.eval_cuda(fin, fout);
    } else {
      inner_.eval_cuda(in, out);
    }
  }

 private:
  static bool fold(std::span<const Array> in, std::span<Array> out, Array& a,
                   Array& c) {
    const Array& A = in[0];
    const Array& C = out[0];
    int nd = A.ndim();
    if (in[1].ndim() != 2 || nd < 3 || C.ndim() != nd) return false;
    int64_t na, sa, nc, sc;
    if (!collapse(A, nd - 1, na, sa) || !collapse(C, nd - 1, nc, sc) ||
        na != nc)
      return false;
    a = A.raw_view({na, A.shape()[nd - 1]}, {sa, A.strides()[nd - 1]},
                   A.offset());
    c = C.raw_view({nc, C.shape()[nd - 1]}, {sc, C.strides()[nd - 1]},
                   C.offset());
    return true;
  }
  Matmul inner_;
};
}  // namespace

// Batch dimensions of matmul broadcast: the vmap axis becomes one more.
// Products over a length-1 axis (outer products, the per-example gradient
// x^T g) are a broadcast multiply; a batched A against an unbatched B folds
// into one GEMM.
std::shared_ptr<Primitive> Matmul::batch_rule(
    const std::shared_ptr<Primitive>& self, Arrays& inputs,
    std::span<const bool> batched, int64_t) const {
  batch_align_all(inputs, batched);
  Dtype dt = inputs[0].dtype();
  bool inexact = dt == Dtype::Float32 || dt == Dtype::Float64 ||
                 dt == Dtype::Complex64 || dt == Dtype::Complex128;
  bool conj = conj_a_ && is_complex(dt);  // conj of a real A is A
  if (inexact && !conj && inputs[0].shape().back() == 1) {
    // (..., n, 1) x (..., 1, m): every output element is one product.
    Shape sb = inputs[1].shape();
    if (sb[sb.size() - 2] == 1)
      return std::make_shared<Ufunc>(UfuncId::multiply, dt);
  }
  if (batched[0] && !batched[1] && inputs[1].ndim() == 2)
    return std::make_shared<FoldedMatmul>(conj_a_);
  return self;
}

std::shared_ptr<Primitive> Concatenate::batch_rule(
    const std::shared_ptr<Primitive>&, Arrays& inputs,
    std::span<const bool> batched, int64_t size) const {
  batch_all(inputs, batched, size);
  return std::make_shared<Concatenate>(axis_ + 1, dtype_);
}

std::shared_ptr<Primitive> TriMask::batch_rule(
    const std::shared_ptr<Primitive>& self, Arrays&, std::span<const bool>,
    int64_t) const {
  return self;  // the last two axes
}

std::shared_ptr<Primitive> Repeat::batch_rule(const std::shared_ptr<Primitive>&,
                                              Arrays&, std::span<const bool>,
                                              int64_t) const {
  return std::make_shared<Repeat>(repeats_, axis_ + 1);
}

std::shared_ptr<Primitive> Roll::batch_rule(const std::shared_ptr<Primitive>&,
                                            Arrays&, std::span<const bool>,
                                            int64_t) const {
  std::vector<int64_t> s{0};
  s.insert(s.end(), shifts_.begin(), shifts_.end());
  return std::make_shared<Roll>(std::move(s));
}

std::shared_ptr<Primitive> Pad::batch_rule(const std::shared_ptr<Primitive>&,
                                           Arrays& inputs,
                                           std::span<const bool>,
                                           int64_t) const {
  size_t nd = widths_.size();
  PadOptions o = options_;
  if (!(o.values.empty() || o.values.size() == nd) ||
      !(o.stat_length.empty() || o.stat_length.size() == nd))
    return nullptr;
  if (!o.values.empty()) o.values.insert(o.values.begin(), {0, 0});
  if (!o.stat_length.empty())
    o.stat_length.insert(o.stat_length.begin(), {-1, -1});
  std::vector<std::pair<int64_t, int64_t>> w{{0, 0}};
  w.insert(w.end(), widths_.begin(), widths_.end());
  return std::make_shared<Pad>(std::move(w), std::move(o));
}

std::shared_ptr<Primitive> Fft::batch_rule(const std::shared_ptr<Primitive>&,
                                           Arrays&, std::span<const bool>,
                                           int64_t) const {
  return std::make_shared<Fft>(kind_, shifted(axes_), forward_, scale_,
                               last_n_);
}

// The sorting primitives work along the last axis: a batch axis in front is
// one more row. SearchSorted with a batched `a` (one sorted array per batch
// element) has no single-launch form and runs per element.
std::shared_ptr<Primitive> Sort::batch_rule(
    const std::shared_ptr<Primitive>& self, Arrays&, std::span<const bool>,
    int64_t) const {
  return self;
}

std::shared_ptr<Primitive> Argsort::batch_rule(
    const std::shared_ptr<Primitive>& self, Arrays&, std::span<const bool>,
    int64_t) const {
  return self;
}

std::shared_ptr<Primitive> SearchSorted::batch_rule(
    const std::shared_ptr<Primitive>& self, Arrays&,
    std::span<const bool> batched, int64_t) const {
  if (batched[0]) return nullptr;
  return self;
}

std::shared_ptr<Primitive> UfuncReduce::batch_rule(
    const std::shared_ptr<Primitive>&, Arrays& inputs,
    std::span<const bool> batched, int64_t size) const {
  batch_all(inputs, batched, size);
  return std::make_shared<UfuncReduce>(id_, axis_ + 1);
}

std::shared_ptr<Primitive> UfuncAccumulate::batch_rule(
    const std::shared_ptr<Primitive>&, Arrays& inputs,
    std::span<const bool> batched, int64_t size) const {
  batch_all(inputs, batched, size);
  return std::make_shared<UfuncAccumulate>(id_, axis_ + 1);
}

// Gather indexes the leading axes of its source with broadcast index arrays.
// A batched source gets one more index, arange(B) along the batch axis; the
// index arrays get the batch axis in front (batched) or broadcast.
std::shared_ptr<Primitive> Gather::batch_rule(const std::shared_ptr<Primitive>&,
                                              Arrays& inputs,
                                              std::span<const bool> batched,
                                              int64_t size) const {
  int n = 0;
  for (size_t i = 1; i < inputs.size(); ++i)
    n = std::max(n, inputs[i].ndim() - (batched[i] ? 1 : 0));
  for (size_t i = 1; i < inputs.size(); ++i)
    if (batched[i]) inputs[i] = batch_align(inputs[i], n);
  if (!batched[0]) return std::make_shared<Gather>(axes_, mode_, op_);
  for (size_t i = 1; i < inputs.size(); ++i)
    if (!batched[i]) inputs[i] = batch_align(batch_broadcast(inputs[i], 1), n);
  inputs.insert(inputs.begin() + 1, batch_index(size, n, inputs[0].device()));
  std::vector<int> axes{0};
  axes.insert(axes.end(), axes_.begin(), axes_.end());
  return std::make_shared<Gather>(std::move(axes), mode_, op_);
}

// The transpose of Gather: every batch element scatters into its own output,
// so the batch axis always gets an index of its own (arange(B)), and the
// values are batched (broadcast when they are not).
std::shared_ptr<Primitive> IndexAdd::batch_rule(
    const std::shared_ptr<Primitive>&, Arrays& inputs,
    std::span<const bool> batched, int64_t size) const {
  if (!batched[0]) inputs[0] = batch_broadcast(inputs[0], size);
  int n = 0;
  for (size_t i = 1; i < inputs.size(); ++i)
    n = std::max(n, inputs[i].ndim() - (batched[i] ? 1 : 0));
  for (size_t i = 1; i < inputs.size(); ++i)
    inputs[i] =
        batch_align(batched[i] ? inputs[i] : batch_broadcast(inputs[i], 1), n);
  inputs.insert(inputs.begin() + 1, batch_index(size, n, inputs[0].device()));
  Shape out{size};
  for (int64_t d : shape_) out.push_back(d);
  std::vector<int> axes{0};
  axes.insert(axes.end(), axes_.begin(), axes_.end());
  return std::make_shared<IndexAdd>(std::move(out), std::move(axes), mode_,
                                    op_);
}

// The factorizations take stacks of matrices: the batch axis is one more
// stack axis. Solve wants equal stack axes on both inputs.
std::shared_ptr<Primitive> Solve::batch_rule(
    const std::shared_ptr<Primitive>& self, Arrays& inputs,
    std::span<const bool> batched, int64_t size) const {
  batch_all(inputs, batched, size);
  return self;
}
#define ARRAX_STACKED_RULE(P)                                                 \
  std::shared_ptr<Primitive> P::batch_rule(                                   \
      const std::shared_ptr<Primitive>& self, Arrays&, std::span<const bool>, \
      int64_t) const {                                                        \
    return self;                                                              \
  }
ARRAX_STACKED_RULE(Slogdet)
ARRAX_STACKED_RULE(Cholesky)
ARRAX_STACKED_RULE(Qr)
ARRAX_STACKED_RULE(Eigh)
ARRAX_STACKED_RULE(Eig)
ARRAX_STACKED_RULE(Svd)
#undef ARRAX_STACKED_RULE

}  // namespace arrax

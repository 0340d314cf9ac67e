#include "arrax/autograd.h"

#include "arrax/batching.h"

#include <algorithm>
#include <atomic>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "arrax/dispatch.h"
#include "arrax/errors.h"
#include "arrax/ops.h"
#include "arrax/ops_index.h"
#include "arrax/ops_reductions.h"
#include "arrax/ops_shape.h"
#include "arrax/ops_ufuncs.h"
#include "arrax/primitives_autograd.h"

namespace arrax {

// Note [Autograd recording]
// dispatch() is the one place every computing op passes, so it records:
// when grad mode is on and an input requires grad, the primitive, one edge
// per input (the node that made it, or the leaf it is) and only the arrays
// the primitive's vjp_saves() names. Saved outputs are aliases without
// autograd metadata (an output that held its own node would be a cycle);
// with create_graph the backward pass re-attaches them to their node. Views
// do not pass dispatch: Array::view records them (Note [Views under
// autograd]). With no input requiring grad the cost is one null test per
// input: grad mode is read only after an input with metadata is found.
//
// Note [Version counters]
// Each Storage counts the writes dispatch_into makes into it (in-place ops,
// out=, setitem, fill). A node keeps the count of every array it saved; a
// backward that finds a different count raises, as PyTorch does, instead of
// differentiating with overwritten values. Writes that bypass dispatch_into
// (through a NumPy view of an arrax array, or the buffer protocol) are not
// counted: docs/autograd.md lists this pitfall.

namespace {
thread_local bool t_grad_enabled = true;

Array to_weak_complex(complex128 v) { return weak_scalar(v); }
std::atomic<uint64_t> g_seq{0};

bool can_require_grad(Dtype d) { return is_inexact(d); }

// An array with the shape, dtype and device of `a` and no data: what a vjp
// sees for an input or output it did not ask to save.
Array placeholder(const Array& a) {
  auto st = std::make_shared<Storage>();
  st->device = a.device();
  Array p = Array::view_of(std::move(st), a.shape(), c_strides(a.shape()), 0,
                           a.dtype());
  p.set_weak(a.is_weak());
  p.set_batch(a.batch());  // vmap levels, for conform
  return p;
}

Edge edge_of(const Array& a) {
  const auto& m = a.autograd();
  if (!m || !m->requires_grad) return {};
  if (m->grad_fn) return {m->grad_fn, nullptr, m->output_nr};
  return {nullptr, m, 0};
}

uint32_t version_of(const Array& a) {
  return a.storage()->version.load(std::memory_order_relaxed);
}
}  // namespace

bool Array::requires_grad() const {
  return node_ && node_->autograd && node_->autograd->requires_grad;
}

bool is_grad_enabled() { return t_grad_enabled; }
void set_grad_enabled(bool on) { t_grad_enabled = on; }

std::string Node::name() const { return prim ? prim->name() : "leaf"; }


// ---- arrays ----------------------------------------------------------------

void set_requires_grad(const Array& a, bool on) {
  auto m = a.autograd();
  if (m && m->grad_fn) {
    if (on) return;
    throw ValueError(
        "[requires_grad] you can only change requires_grad flags of leaf "
        "variables. If you want to use a computed variable in a subgraph "
        "that doesn't require differentiation use var_no_grad = var.detach()"
        ".");
  }
  if (on && !can_require_grad(a.dtype()))
    throw TypeError(
        std::string("[requires_grad] only arrays of floating point and "
                    "complex dtype can require gradients, got ") +
        dtype_name(a.dtype()));
  if (!m) {
    if (!on) return;
    m = std::make_shared<AutogradMeta>();
    const_cast<Array&>(a).set_autograd(m);
  }
  m->requires_grad = on;
}

bool is_leaf(const Array& a) {
  const auto& m = a.autograd();
  return !m || !m->grad_fn;
}

Array detach(const Array& a) {
  return a.raw_view(a.shape(), a.strides(), a.offset());
}

Array grad_of(const Array& a) {
  const auto& m = a.autograd();
  return m ? m->grad : Array();
}

void set_grad(const Array& a, const Array& g) {
  auto m = a.autograd();
  if (g.valid()) {
    if (!(g.shape() == a.shape()))
      throw ValueError("[grad] assigned grad has shape " +
                       shape_str(g.shape()) + " but the array has shape " +
                       shape_str(a.shape()));
    if (g.dtype() != a.dtype())
      throw TypeError(std::string("[grad] assigned grad has dtype ") +
                      dtype_name(g.dtype()) + " but the array has dtype " +
                      dtype_name(a.dtype()));
    if (!(g.device() == a.device()))
      throw ValueError("[grad] assigned grad is on " + g.device().str() +
                       " but the array is on " + a.device().str());
  }
  if (!m) {
    if (!g.valid()) return;
    m = std::make_shared<AutogradMeta>();
    const_cast<Array&>(a).set_autograd(m);
  }
  m->grad = g;
}

void register_hook(const Array& a, GradHook hook) {
  const auto& m = a.autograd();
  if (!m || !m->requires_grad)
    throw ValueError(
        "[register_hook] cannot register a hook on an array that doesn't "
        "require gradient");
  if (m->grad_fn) {
    auto& ph = m->grad_fn->pre_hooks;
    if (ph.size() <= m->output_nr) ph.resize(m->output_nr + 1);
    ph[m->output_nr].push_back(std::move(hook));
  } else {
    m->hooks.push_back(std::move(hook));
  }
}

void retain_grad(const Array& a) {
  const auto& m = a.autograd();
  if (!m || !m->requires_grad)
    throw ValueError(
        "[retain_grad] can't retain_grad on an array that has "
        "requires_grad=False");
  if (!m->grad_fn || m->retains_grad) return;
  m->retains_grad = true;
  auto& r = m->grad_fn->retained;
  if (r.size() <= m->output_nr) r.resize(m->output_nr + 1);
  r[m->output_nr] = m;
}

// ---- recording -----------------------------------------------------------

void record(const std::shared_ptr<Primitive>& p, std::span<const Array> inputs,
            std::span<Array> outputs, std::span<const uint32_t> versions) {
  bool any = false;
  for (const Array& o : outputs) any = any || can_require_grad(o.dtype());
  if (!any) return;
  auto node = std::make_shared<Node>();
  node->prim = p;
  node->seq = g_seq.fetch_add(1, std::memory_order_relaxed);
  const size_t n = inputs.size();
  node->next.resize(n);
  uint32_t wants = 0;
  for (size_t i = 0; i < n; ++i) {
    node->next[i] = edge_of(inputs[i]);
    if (node->next[i].valid() && i < 16) wants |= 1u << i;
  }
  SaveMask mask = p->vjp_saves(inputs, wants);
  node->inputs.resize(n);
  for (size_t i = 0; i < n; ++i) {
    SavedArray& s = node->inputs[i];
    if (i < 16 && (mask & save_input(static_cast<int>(i)))) {
      s.value = inputs[i];
      s.version = versions.empty() ? version_of(inputs[i]) : versions[i];
      s.saved = true;
    } else {
      s.value = placeholder(inputs[i]);
    }
  }
  node->outputs.resize(outputs.size());
  for (size_t j = 0; j < outputs.size(); ++j) {
    SavedArray& s = node->outputs[j];
    const Array& o = outputs[j];
    if (j < 16 && (mask & save_output(static_cast<int>(j)))) {
      s.value = o.raw_view(o.shape(), o.strides(), o.offset());
      s.value.set_weak(o.is_weak());
      s.version = version_of(o);
      s.saved = true;
    } else {
      s.value = placeholder(o);
    }
  }
  for (size_t j = 0; j < outputs.size(); ++j) {
    if (!can_require_grad(outputs[j].dtype())) continue;
    auto m = std::make_shared<AutogradMeta>();
    m->requires_grad = true;
    m->grad_fn = node;
    m->output_nr = static_cast<uint32_t>(j);
    outputs[j].set_autograd(std::move(m));
  }
}

void check_inplace(const char* op, std::span<const Array> outputs) {
  if (!t_grad_enabled) return;
  for (const Array& o : outputs) {
    const auto& m = o.autograd();
    if (!m || !m->requires_grad) continue;
    if (!m->grad_fn)
      throw ValueError(std::string("[") + op +
                       "] a leaf Variable that requires grad is being used "
                       "in an in-place operation.");
    const Node& n = *m->grad_fn;
    if (dynamic_cast<const View*>(n.prim.get()) && n.next.size() == 1 &&
        n.next[0].leaf && n.next[0].leaf->requires_grad)
      throw ValueError(std::string("[") + op +
                       "] a view of a leaf Variable that requires grad is "
                       "being used in an in-place operation.");
  }
}

void check_untracked_write(const char* op, const Array& a,
                           const Array* values) {
  if (!t_grad_enabled) return;
  if (a.requires_grad() || (values && values->requires_grad()))
    throw NotImplementedError(
        std::string("[") + op +
        "] writing into an array is not differentiable when it or the values "
        "require grad; use a[index] = values (recorded), or run it under "
        "no_grad");
}

// ---- views -----------------------------------------------------------------

// Note [Views under autograd]
// Slicing, transposes, reshapes, broadcasts, diagonals and the rest are
// views made by Array::view without passing dispatch; a view of an array
// that requires grad records a node with the View primitive, which holds
// both layouts (shape, strides, offset) relative to the lowest element
// either touches. Its vjp takes the cheap path when the view is a reshape,
// an axis permutation or a broadcast of its input (a reshape, a transpose,
// a sum of the cotangent) and otherwise scatters the cotangent into zeros
// laid out like the input's storage span (View's transpose, a primitive
// too, so second derivatives work). An input that is itself a broadcast
// (stride 0) can only take the cheap paths.
void record_view(const Array& in, Array& v) {
  const auto& m = in.autograd();
  if (!m || !m->requires_grad || !t_grad_enabled) return;
  if (!can_require_grad(in.dtype())) return;
  auto [alo, ahi] = in.byte_extent();
  auto [vlo, vhi] = v.byte_extent();
  const int64_t isz = in.itemsize();
  int64_t lo = std::min(alo, vlo) / isz;
  int64_t hi = std::max(ahi, vhi) / isz;
  if (in.size() == 0 || v.size() == 0) lo = hi = std::min(in.offset(), v.offset());
  ViewLayout from{in.shape(), in.strides(), in.offset() - lo};
  ViewLayout to{v.shape(), v.strides(), v.offset() - lo};
  auto p = std::make_shared<View>(std::move(from), std::move(to),
                                  std::max<int64_t>(hi - lo, 0));
  Array ins[1] = {in};
  Array outs[1] = {v};
  record(p, ins, outs, {});
}

// Note [Setitem under autograd]
// a[index] = v on tracked arrays is recorded as the out-of-place
//   src = -1 everywhere, src.flat[arange(a.size)[index]] = arange(k)
//   new = where(src >= 0, take(v broadcast, src), a)
// (the index writes of `src` are NumPy's, so repeated indices keep the last
// value, and only the winning element of v receives a gradient); new's
// values are then copied into a, and a takes new's history.
void setitem_recorded(const Array& a, std::span<const Index> index,
                      const Array& value) {
  check_inplace("setitem", std::span<const Array>(&a, 1));
  Array src;
  Array pos;
  {
    NoGradGuard ng;
    Array ids = reshape(arange(int64_t(0), a.size(), 1, Dtype::Int64, a.device()),
                        a.shape());
    pos = getitem(ids, index);  // target flat positions, the indexed shape
    src = full(Shape{a.size()}, to_weak(int64_t(-1)), Dtype::Int64, a.device());
    Array k = arange(int64_t(0), pos.size(), 1, Dtype::Int64, a.device());
    Array pflat = reshape(ascontiguousarray(pos), {pos.size()});
    Index idx[1] = {Index(pflat)};
    setitem(src, idx, k);
    src = reshape(src, a.shape());
  }
  Array v = broadcast_to(scalar_on(value, a.device()), pos.shape(), "setitem");
  if (v.dtype() != a.dtype()) v = astype(v, a.dtype());
  Array vflat = reshape(v, {v.size()});
  Array hit, safe;
  {
    NoGradGuard ng;
    hit = greater_equal(src, to_weak(int64_t(0)));
    safe = where(hit, src, zeros(a.shape(), Dtype::Int64, a.device()));
  }
  Array taken = reshape(take(vflat, reshape(safe, {safe.size()})), a.shape());
  Array updated = where(hit, taken, a);
  {
    NoGradGuard ng;
    copyto(a, updated);
  }
  const_cast<Array&>(a).set_autograd(updated.autograd());
}

Array complex_part_recorded(const Array& a, bool imag) {
  Dtype part = real_dtype(a.dtype());
  if (!imag) return astype(a, part);
  return astype(a * to_weak_complex(complex128(0.0, -1.0)), part);
}

// ---- helpers for vjps ----------------------------------------------------

Array sum_to_shape(const Array& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  const int gn = g.ndim(), sn = static_cast<int>(shape.size());
  Axes axes;
  for (int i = 0; i < gn; ++i) {
    int j = i - (gn - sn);
    if (j < 0 || (shape[j] == 1 && g.shape()[i] != 1)) axes.push_back(i);
  }
  Array r = g;
  if (!axes.empty()) {
    ReduceArgs ra;
    ra.axis = axes;
    ra.keepdims = true;
    r = sum(g, ra);
  }
  return reshape(r, shape);
}

// ---- the backward engine ---------------------------------------------------

namespace {

// Brings a vjp result to the input's shape and dtype: sums broadcast axes,
// drops an imaginary part for a real input (PyTorch's rule), casts.
Array conform(Array g, const Array& like) {
  if (g.is_batched()) g = sum_batch_levels(g, like);
  if (!(g.shape() == like.shape())) g = sum_to_shape(g, like.shape());
  if (g.dtype() != like.dtype()) {
    if (is_complex(g.dtype()) && !is_complex(like.dtype())) g = real(g);
    if (g.dtype() != like.dtype()) g = astype(g, like.dtype());
  }
  return g;
}

Array accumulate(const Array& acc, const Array& g) {
  return acc.valid() ? add(acc, g) : g;
}

Array run_hooks(const std::vector<GradHook>& hooks, Array g) {
  for (const auto& h : hooks) {
    Array r = h(g);
    if (r.valid()) {
      if (!(r.shape() == g.shape()))
        throw ValueError("[register_hook] hook returned a gradient of shape " +
                         shape_str(r.shape()) + ", expected " +
                         shape_str(g.shape()));
      g = r;
    }
  }
  return g;
}

struct ByNewest {
  bool operator()(const Node* a, const Node* b) const { return a->seq < b->seq; }
};

void check_saved(const Node& n, const SavedArray& s, const char* what,
                 size_t idx) {
  if (!s.saved) return;
  uint32_t now = version_of(s.value);
  if (now != s.version)
    throw ValueError(
        "[backward] one of the variables needed for gradient computation has "
        "been modified by an inplace operation: " +
        std::string(what) + " " + std::to_string(idx) + " of " + n.name() +
        " is at version " + std::to_string(now) + "; expected version " +
        std::to_string(s.version) +
        " instead. Hint: the operation that wrote it in place must run on a "
        "copy, or after backward.");
}

class Engine {
 public:
  Engine(const BackwardOptions& opt, bool capture) : opt_(opt), capture_(capture) {}

  // Gradients of the captured arrays, in the order of `inputs`.
  Arrays run(std::span<const Array> outputs, std::span<const Array> cotangents,
             std::span<const Array> inputs) {
    if (!cotangents.empty() && cotangents.size() != outputs.size())
      throw ValueError("[backward] got " + std::to_string(cotangents.size()) +
                       " gradients for " + std::to_string(outputs.size()) +
                       " outputs");
    // Targets of grad(): leaves by their metadata, non-leaves by
    // (node, output).
    for (size_t k = 0; k < inputs.size(); ++k) {
      const auto& m = inputs[k].autograd();
      if (!m || !m->requires_grad)
        throw ValueError("[grad] One of the differentiated arrays (input " +
                         std::to_string(k) + ") does not require grad");
      if (m->grad_fn)
        node_targets_[m->grad_fn.get()].push_back({m->output_nr, k});
      else
        leaf_targets_[m.get()].push_back(k);
    }
    captured_.resize(inputs.size());

    std::vector<std::pair<Edge, Array>> roots;
    for (size_t i = 0; i < outputs.size(); ++i) {
      const Array& y = outputs[i];
      Edge e = edge_of(y);
      if (!e.valid())
        throw ValueError("[backward] element " + std::to_string(i) +
                         " of tensors does not require grad and does not "
                         "have a grad_fn");
      Array g = cotangents.empty() ? Array() : cotangents[i];
      if (!g.valid()) {
        if (y.size() != 1)
          throw ValueError(
              "[backward] grad can be implicitly created only for scalar "
              "outputs; pass a cotangent for an output of shape " +
              shape_str(y.shape()));
        g = ones(y.shape(), y.dtype(), y.device());
      } else {
        if (!(g.shape() == y.shape()))
          throw ValueError("[backward] Mismatch in shape: grad_output[" +
                           std::to_string(i) + "] has a shape of " +
                           shape_str(g.shape()) + " and output[" +
                           std::to_string(i) + "] has a shape of " +
                           shape_str(y.shape()));
        if (g.dtype() != y.dtype()) g = astype(g, y.dtype());
      }
      roots.push_back({e, g});
    }

    // Discover the graph and count, for each node, the edges into it.
    std::vector<Node*> stack;
    for (auto& [e, g] : roots)
      if (e.fn && seen_.insert(e.fn.get()).second) stack.push_back(e.fn.get());
    std::vector<Node*> order;
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      order.push_back(n);
      for (const Edge& e : n->next) {
        if (!e.fn) continue;
        ++deps_[e.fn.get()];
        if (seen_.insert(e.fn.get()).second) stack.push_back(e.fn.get());
      }
    }
    if (capture_) mark_needed(order);

    for (auto& [e, g] : roots) deliver(e, std::move(g));
    std::priority_queue<Node*, std::vector<Node*>, ByNewest> ready;
    for (Node* n : order)
      if (deps_[n] == 0) ready.push(n);
    while (!ready.empty()) {
      Node* n = ready.top();
      ready.pop();
      if (!capture_ || needed_.count(n)) execute(*n);
      for (const Edge& e : n->next) {
        if (!e.fn) continue;
        if (--deps_[e.fn.get()] == 0) ready.push(e.fn.get());
      }
    }
    if (capture_ && !opt_.allow_unused)
      for (size_t k = 0; k < captured_.size(); ++k)
        if (!captured_[k].valid())
          throw ValueError(
              "[grad] One of the differentiated arrays (input " +
              std::to_string(k) +
              ") appears to not have been used in the graph. Set "
              "allow_unused=True if this is the desired behavior.");
    return std::move(captured_);
  }

 private:
  struct Target {
    uint32_t output_nr;
    size_t index;
  };

  // With grad(), only nodes on a path to a target run.
  void mark_needed(const std::vector<Node*>& order) {
    // `order` lists parents before children; walk it backwards so that a
    // node's inputs are decided before it.
    for (size_t i = order.size(); i-- > 0;) {
      Node* n = order[i];
      bool need = node_targets_.count(n) > 0;
      for (const Edge& e : n->next) {
        if (need) break;
        if (e.fn) need = needed_.count(e.fn.get()) > 0;
        if (e.leaf) need = leaf_targets_.count(e.leaf.get()) > 0;
      }
      if (need) needed_.insert(n);
    }
    // A DFS order is not topological for shared subgraphs: repeat until
    // nothing changes (cheap: graphs here are small).
    bool changed = true;
    while (changed) {
      changed = false;
      for (Node* n : order) {
        if (needed_.count(n)) continue;
        for (const Edge& e : n->next)
          if (e.fn && needed_.count(e.fn.get())) {
            needed_.insert(n);
            changed = true;
            break;
          }
      }
    }
  }

  void deliver(const Edge& e, Array g) {
    if (e.fn) {
      auto& buf = buffers_[e.fn.get()];
      if (buf.size() <= e.output_nr) buf.resize(e.output_nr + 1);
      buf[e.output_nr] = accumulate(buf[e.output_nr], g);
      return;
    }
    AutogradMeta& m = *e.leaf;
    g = run_hooks(m.hooks, std::move(g));
    if (capture_) {
      auto it = leaf_targets_.find(&m);
      if (it != leaf_targets_.end())
        for (size_t k : it->second) captured_[k] = accumulate(captured_[k], g);
      return;
    }
    if (!m.grad.valid()) {
      // A fresh contiguous array of its own, never a view of a cotangent.
      bool own = g.is_c_contiguous() && g.storage().use_count() == 1 &&
                 g.offset() == 0;
      m.grad = own ? g : copy(g);
    } else if (opt_.create_graph || m.grad.requires_grad()) {
      m.grad = add(m.grad, g);
    } else {
      Array in[2] = {m.grad, g};
      Array out[1] = {m.grad};
      UfuncOptions uo;
      uo.out = out;
      apply_ufunc(UfuncId::add, in, uo);
    }
  }

  void execute(Node& n) {
    if (n.released)
      throw ValueError(
          "[backward] Trying to backward through the graph a second time (or "
          "directly access saved arrays after they have already been freed). "
          "Saved intermediate values of the graph are freed when you call "
          ".backward() or autograd.grad(). Specify retain_graph=True if you "
          "need to backward through the graph a second time or if you need "
          "to access saved arrays after calling backward.");
    std::vector<Array> cots;
    {
      auto it = buffers_.find(&n);
      if (it != buffers_.end()) cots = std::move(it->second), buffers_.erase(it);
    }
    cots.resize(n.outputs.size());
    bool any = false;
    for (size_t j = 0; j < cots.size(); ++j) {
      if (j < n.pre_hooks.size() && cots[j].valid())
        cots[j] = run_hooks(n.pre_hooks[j], std::move(cots[j]));
      if (j < n.retained.size() && cots[j].valid())
        if (auto mm = n.retained[j].lock()) {
          GradModeGuard mode(opt_.create_graph);
          mm->grad = mm->grad.valid() ? add(mm->grad, cots[j]) : copy(cots[j]);
        }
      any = any || cots[j].valid();
    }
    if (capture_) {
      auto it = node_targets_.find(&n);
      if (it != node_targets_.end())
        for (const Target& t : it->second)
          if (t.output_nr < cots.size() && cots[t.output_nr].valid())
            captured_[t.index] = accumulate(captured_[t.index], cots[t.output_nr]);
    }
    if (!any) return;
    for (size_t j = 0; j < cots.size(); ++j) {
      const Array& like = n.outputs[j].value;
      if (!cots[j].valid()) cots[j] = zeros(like.shape(), like.dtype(), like.device());
    }
    std::vector<int> argnums;
    for (size_t i = 0; i < n.next.size(); ++i) {
      const Edge& e = n.next[i];
      if (!e.valid()) continue;
      if (capture_) {
        bool need = e.fn ? needed_.count(e.fn.get()) > 0
                         : leaf_targets_.count(e.leaf.get()) > 0;
        if (!need) continue;
      }
      argnums.push_back(static_cast<int>(i));
    }
    if (argnums.empty()) return;
    Arrays ins, outs;
    ins.reserve(n.inputs.size());
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      check_saved(n, n.inputs[i], "input", i);
      ins.push_back(n.inputs[i].value);
    }
    for (size_t j = 0; j < n.outputs.size(); ++j) {
      check_saved(n, n.outputs[j], "output", j);
      Array o = n.outputs[j].value;
      if (opt_.create_graph && n.outputs[j].saved &&
          can_require_grad(o.dtype())) {
        // The saved output as the node's own result again, so that the
        // derivative of the backward pass reaches through it.
        o = o.raw_view(o.shape(), o.strides(), o.offset());
        auto m = std::make_shared<AutogradMeta>();
        m->requires_grad = true;
        m->grad_fn = self_of(n);
        m->output_nr = static_cast<uint32_t>(j);
        o.set_autograd(std::move(m));
      }
      outs.push_back(std::move(o));
    }
    Arrays grads;
    {
      GradModeGuard mode(opt_.create_graph);
      grads = n.prim->vjp(ins, outs, cots, argnums);
      if (grads.size() != argnums.size())
        throw ValueError(std::string("[backward] the vjp of ") + n.name() +
                         " returned " + std::to_string(grads.size()) +
                         " gradients, expected " +
                         std::to_string(argnums.size()));
      for (size_t k = 0; k < argnums.size(); ++k) {
        if (!grads[k].valid()) continue;
        grads[k] = conform(std::move(grads[k]), ins[argnums[k]]);
      }
    }
    if (!opt_.retain_graph && !opt_.create_graph) release(n);
    for (size_t k = 0; k < argnums.size(); ++k)
      if (grads[k].valid()) deliver(n.next[argnums[k]], std::move(grads[k]));
  }

  std::shared_ptr<Node> self_of(Node& n) {
    // The node is owned by some array's metadata or an edge of a later node;
    // find the owning pointer through the edges we walked.
    auto it = owners_.find(&n);
    if (it != owners_.end()) return it->second;
    return nullptr;
  }

  void release(Node& n) {
    for (auto& s : n.inputs)
      if (s.saved) s.value = placeholder(s.value), s.saved = false;
    for (auto& s : n.outputs)
      if (s.saved) s.value = placeholder(s.value), s.saved = false;
    n.released = true;
  }

 public:
  void own(const std::shared_ptr<Node>& n) { owners_[n.get()] = n; }

 private:
  BackwardOptions opt_;
  bool capture_;
  std::unordered_set<Node*> seen_;
  std::unordered_map<Node*, int> deps_;
  std::unordered_map<Node*, std::vector<Array>> buffers_;
  std::unordered_map<Node*, std::shared_ptr<Node>> owners_;
  std::unordered_map<Node*, std::vector<Target>> node_targets_;
  std::unordered_map<AutogradMeta*, std::vector<size_t>> leaf_targets_;
  std::unordered_set<Node*> needed_;
  Arrays captured_;
};

// Keeps every node of the graph alive (and findable as a shared_ptr) while
// the engine runs: releasing an output's buffer must not free a node that
// is still to run.
void own_graph(Engine& eng, std::span<const Array> outputs) {
  std::vector<std::shared_ptr<Node>> stack;
  std::unordered_set<Node*> seen;
  for (const Array& y : outputs) {
    const auto& m = y.autograd();
    if (m && m->grad_fn && seen.insert(m->grad_fn.get()).second)
      stack.push_back(m->grad_fn);
  }
  while (!stack.empty()) {
    auto n = std::move(stack.back());
    stack.pop_back();
    for (const Edge& e : n->next)
      if (e.fn && seen.insert(e.fn.get()).second) stack.push_back(e.fn);
    eng.own(n);
  }
}
}  // namespace

void backward(std::span<const Array> outputs, std::span<const Array> cotangents,
              const BackwardOptions& options) {
  Engine eng(options, false);
  own_graph(eng, outputs);
  eng.run(outputs, cotangents, {});
}

Arrays grad(std::span<const Array> outputs, std::span<const Array> cotangents,
            std::span<const Array> inputs, const BackwardOptions& options) {
  Engine eng(options, true);
  own_graph(eng, outputs);
  return eng.run(outputs, cotangents, inputs);
}

}  // namespace arrax

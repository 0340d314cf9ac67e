#pragma once
// Reverse-mode autograd in the core (docs/autograd.md, docs/architecture.md).
//
// dispatch() and Array::view() record a Node when grad mode is on and an
// input requires grad; backward() walks the recorded nodes in reverse order
// and calls each primitive's vjp, which is written in ops, so that a
// backward pass run with create_graph records nodes of its own.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "arrax/array.h"
#include "arrax/primitive.h"

namespace arrax {

struct Node;

// A hook sees the gradient flowing into an array; it returns a replacement,
// or an invalid Array to keep it.
using GradHook = std::function<Array(const Array&)>;

// Autograd state of one array handle. Leaves (requires_grad set by the
// user) have no grad_fn; results of recorded ops point at their node.
struct ARRAX_API AutogradMeta {
  bool requires_grad = false;
  std::shared_ptr<Node> grad_fn;
  uint32_t output_nr = 0;
  Array grad;                   // accumulated by backward (leaves, retain_grad)
  bool retains_grad = false;
  std::vector<GradHook> hooks;  // leaves only; a non-leaf's are on its node
};

// Where a gradient goes: the node that made an input, or a leaf.
struct ARRAX_API Edge {
  std::shared_ptr<Node> fn;
  std::shared_ptr<AutogradMeta> leaf;
  uint32_t output_nr = 0;
  bool valid() const { return fn || leaf; }
};

// An input or output a vjp reads, with the storage version it had when it
// was saved (Note [Version counters]).
struct ARRAX_API SavedArray {
  Array value;  // an input handle, or an alias of an output with no autograd
  uint32_t version = 0;
  bool saved = false;
};

// One recorded op.
struct ARRAX_API Node {
  std::shared_ptr<Primitive> prim;
  std::vector<Edge> next;            // one per primitive input
  std::vector<SavedArray> inputs;    // saved, or shape/dtype/device only
  std::vector<SavedArray> outputs;   // likewise
  std::vector<std::vector<GradHook>> pre_hooks;  // per output
  // Arrays whose .grad keeps what reaches each output after its hooks
  // (retain_grad).
  std::vector<std::weak_ptr<AutogradMeta>> retained;
  uint64_t seq = 0;                  // recording order
  bool released = false;             // saved arrays freed by a backward
  std::string name() const;
};

// ---- grad mode (thread-local, on by default) -----------------------------

ARRAX_API bool is_grad_enabled();
ARRAX_API void set_grad_enabled(bool on);
class ARRAX_API GradModeGuard {
 public:
  explicit GradModeGuard(bool on) : prev_(is_grad_enabled()) {
    set_grad_enabled(on);
  }
  ~GradModeGuard() { set_grad_enabled(prev_); }
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool prev_;
};
struct NoGradGuard : GradModeGuard {
  NoGradGuard() : GradModeGuard(false) {}
};

// ---- arrays ----------------------------------------------------------------

// Marks a leaf (or clears it). Only floating and complex arrays can require
// grad; raises "[requires_grad] ..." otherwise, and for a non-leaf.
ARRAX_API void set_requires_grad(const Array& a, bool on);
ARRAX_API bool is_leaf(const Array& a);
// The same data with no autograd history.
ARRAX_API Array detach(const Array& a);
// Accumulated gradient of a leaf (or of a non-leaf after retain_grad);
// invalid when none.
ARRAX_API Array grad_of(const Array& a);
ARRAX_API void set_grad(const Array& a, const Array& grad);
ARRAX_API void register_hook(const Array& a, GradHook hook);
ARRAX_API void retain_grad(const Array& a);

// ---- recording -----------------------------------------------------------

// True when dispatching `inputs` must record (grad mode on, an input
// requires grad). Inline: dispatch calls it for every op.
inline bool needs_recording(std::span<const Array> inputs) {
  for (const Array& a : inputs) {
    const auto& m = a.autograd();
    if (m && m->requires_grad) return is_grad_enabled();
  }
  return false;
}
// Records a node for `outputs` = p(inputs). `versions` holds each input's
// storage version from before the op ran (in-place ops bump it).
ARRAX_API void record(const std::shared_ptr<Primitive>& p,
                      std::span<const Array> inputs, std::span<Array> outputs,
                      std::span<const uint32_t> versions);
// Called by Array::view for an input with autograd metadata.
ARRAX_API void record_view(const Array& in, Array& view);
// The in-place write dispatch_into is about to do into `outputs`: raises for
// a leaf that requires grad (in grad mode).
ARRAX_API void check_inplace(const char* op, std::span<const Array> outputs);

// a[index] = value when a or value requires grad (PyTorch's semantics): the
// result is computed out of place in recorded ops, written into a, and a
// takes its history. Raises for a leaf that requires grad.
class Index;
ARRAX_API void setitem_recorded(const Array& a, std::span<const Index> index,
                                const Array& value);

// put, put_along_axis, place and ufunc.at write into `a` through views that
// autograd does not follow: raise "[op] ..." when `a` or `values` requires
// grad (in grad mode) rather than differentiate the old values.
ARRAX_API void check_untracked_write(const char* op, const Array& a,
                                     const Array* values);

// a.real / a.imag of a complex array that requires grad: a recorded cast
// (of a, or of -1j * a) instead of NumPy's view, so the gradient flows.
ARRAX_API Array complex_part_recorded(const Array& a, bool imag);

// ---- backward --------------------------------------------------------------

struct BackwardOptions {
  bool retain_graph = false;
  bool create_graph = false;
  bool allow_unused = false;
};
// Accumulates d(sum_i <outputs[i], cotangents[i]>)/d(leaf) into each leaf's
// grad. An invalid cotangent means ones for a one-element output.
ARRAX_API void backward(std::span<const Array> outputs,
                        std::span<const Array> cotangents,
                        const BackwardOptions& options = {});
// The gradients with respect to `inputs` (any arrays that require grad),
// without touching any .grad. An input the outputs do not depend on gets an
// invalid Array when allow_unused, else raises.
ARRAX_API Arrays grad(std::span<const Array> outputs,
                      std::span<const Array> cotangents,
                      std::span<const Array> inputs,
                      const BackwardOptions& options = {});

// `g` reduced (summed over broadcast axes) to `shape`, as an input of a
// broadcasting op receives its gradient.
ARRAX_API Array sum_to_shape(const Array& g, const Shape& shape);

}  // namespace arrax

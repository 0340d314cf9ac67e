// Autograd on arrax.ndarray (requires_grad, grad, grad_fn, hooks) and the
// engine entry points the transforms of python/arrax/_autograd.py call.
#include <nanobind/stl/function.h>
#include <nanobind/stl/shared_ptr.h>

#include "arrax/autograd.h"
#include "arrax/batching.h"
#include "arrax/primitives_autograd.h"
#include "common.h"

namespace arrax::py {

namespace {

// A node's handle in Python (PyTorch's grad_fn): its name and the nodes it
// sends gradients to.
struct GradFn {
  std::shared_ptr<Node> node;
};

nb::object grad_fn_object(const Array& a) {
  const auto& m = a.autograd();
  if (!m || !m->grad_fn) return nb::none();
  return nb::cast(GradFn{m->grad_fn});
}

// A primitive whose backward is a Python callable: custom_vjp,
// custom_function and checkpoint record it over outputs computed in Python.
class PyFunction : public Primitive {
 public:
  PyFunction(nb::object backward, std::string name, size_t n_out)
      : backward_(std::move(backward)), name_(std::move(name)), n_out_(n_out) {}
  ~PyFunction() override {
    nb::gil_scoped_acquire gil;
    backward_.reset();
  }
  const char* name() const override { return name_.c_str(); }
  OutputSpecs output_specs(std::span<const Array>) const override {
    throw NotImplementedError("[" + name_ + "] is only recorded, not run");
  }
  void eval_cpu(std::span<const Array>, std::span<Array>) override {
    throw NotImplementedError("[" + name_ + "] is only recorded, not run");
  }
  SaveMask vjp_saves(std::span<const Array>, uint32_t) const override {
    return 0;
  }
  Arrays vjp(std::span<const Array> inputs, std::span<const Array>,
             std::span<const Array> cotangents,
             std::span<const int> argnums) override {
    nb::list cts;
    for (const Array& c : cotangents) cts.append(nb::cast(c));
    nb::object r = backward_(cts);
    nb::sequence seq = nb::borrow<nb::sequence>(r);
    if (nb::len(seq) != inputs.size())
      throw ValueError("[" + name_ + "] the backward function returned " +
                       std::to_string(nb::len(seq)) + " gradients for " +
                       std::to_string(inputs.size()) + " inputs");
    Arrays grads;
    for (int k : argnums) {
      nb::object gk = seq[k];
      if (gk.is_none()) {
        grads.push_back(Array());
      } else {
        Array g = to_array(gk, name_.c_str());
        if (g.is_weak()) g = astype(g, inputs[k].dtype());
        grads.push_back(std::move(g));
      }
    }
    return grads;
  }

 private:
  nb::object backward_;
  std::string name_;
  size_t n_out_;
};

Arrays to_arrays(nb::handle seq, const char* op) {
  Arrays out;
  for (nb::handle h : nb::iter(seq)) out.push_back(to_array(h, op));
  return out;
}

// Cotangents: None -> an invalid Array (ones for scalars).
Arrays to_cotangents(nb::handle seq) {
  Arrays out;
  if (seq.is_none()) return out;
  for (nb::handle h : nb::iter(seq))
    out.push_back(h.is_none() ? Array() : to_array(h, "backward"));
  return out;
}

struct HookHandle {
  std::shared_ptr<bool> alive;
  void remove() { *alive = false; }
};

}  // namespace

void init_autograd(nb::module_& m) {
  nb::class_<GradFn>(m, "GradFn")
      .def("name", [](const GradFn& f) { return f.node->name(); })
      .def_prop_ro("next_functions",
                   [](const GradFn& f) {
                     nb::list l;
                     for (const Edge& e : f.node->next) {
                       if (e.fn)
                         l.append(nb::make_tuple(nb::cast(GradFn{e.fn}),
                                                 e.output_nr));
                       else if (e.leaf)
                         l.append(nb::make_tuple(nb::str("AccumulateGrad"), 0));
                       else
                         l.append(nb::make_tuple(nb::none(), 0));
                     }
                     return nb::tuple(l);
                   })
      .def("register_hook",
           [](const GradFn& f, nb::object fn) {
             // A hook on the gradients into the node's first output.
             if (f.node->pre_hooks.empty()) f.node->pre_hooks.resize(1);
             f.node->pre_hooks[0].push_back([fn](const Array& g) {
               nb::gil_scoped_acquire gil;
               nb::object r = fn(nb::cast(g));
               return r.is_none() ? Array() : nb::cast<Array>(r);
             });
           })
      .def("__repr__", [](const GradFn& f) {
        return "<" + f.node->name() + " backward>";
      });

  nb::class_<HookHandle>(m, "RemovableHandle")
      .def("remove", &HookHandle::remove);

  nb::object nd = m.attr("ndarray");
  nb::object prop = nb::module_::import_("builtins").attr("property");
  auto set_attr = [&](const char* name, nb::object v) {
    nb::setattr(nd, name, v);
  };
  set_attr("requires_grad",
           prop(nb::cpp_function([](const Array& a) { return a.requires_grad(); }),
                nb::cpp_function([](const Array& a, bool on) {
                  set_requires_grad(a, on);
                })));
  set_attr("grad",
           prop(nb::cpp_function([](const Array& a) -> nb::object {
                  Array g = grad_of(a);
                  if (!g.valid()) return nb::none();
                  return nb::cast(g);
                }),
                nb::cpp_function(
                    [](const Array& a, nb::handle g) {
                      set_grad(a, g.is_none() ? Array() : nb::cast<Array>(g));
                    },
                    nb::arg("self"), nb::arg("grad").none()),
                nb::cpp_function([](const Array& a) { set_grad(a, Array()); })));
  set_attr("is_leaf", prop(nb::cpp_function(
                          [](const Array& a) { return is_leaf(a); })));
  set_attr("grad_fn",
           prop(nb::cpp_function([](const Array& a) { return grad_fn_object(a); })));
  set_attr("retains_grad", prop(nb::cpp_function([](const Array& a) {
             const auto& mm = a.autograd();
             return mm && mm->retains_grad;
           })));
  set_attr("requires_grad_",
           nb::cpp_function(
               [](nb::handle self, bool on) {
                 set_requires_grad(nb::cast<Array&>(self), on);
                 return nb::borrow(self);
               },
               nb::is_method(), nb::arg("requires_grad") = true));
  set_attr("detach", nb::cpp_function([](const Array& a) { return detach(a); },
                                      nb::is_method()));
  set_attr("detach_", nb::cpp_function(
                          [](nb::handle self) {
                            Array& a = nb::cast<Array&>(self);
                            if (a.autograd() && a.autograd()->grad_fn &&
                                dynamic_cast<const View*>(
                                    a.autograd()->grad_fn->prim.get()))
                              throw ValueError(
                                  "[detach_] Can't detach views in-place. Use "
                                  "detach() instead.");
                            a.set_autograd(nullptr);
                            return nb::borrow(self);
                          },
                          nb::is_method()));
  set_attr("retain_grad",
           nb::cpp_function([](const Array& a) { retain_grad(a); },
                            nb::is_method()));
  set_attr("register_hook",
           nb::cpp_function(
               [](const Array& a, nb::object fn) {
                 auto alive = std::make_shared<bool>(true);
                 register_hook(a, [fn, alive](const Array& g) {
                   if (!*alive) return Array();
                   nb::gil_scoped_acquire gil;
                   nb::object r = fn(nb::cast(g));
                   return r.is_none() ? Array() : nb::cast<Array>(r);
                 });
                 return HookHandle{alive};
               },
               nb::is_method()));

  m.def("is_grad_enabled", &is_grad_enabled);
  m.def("set_grad_enabled", &set_grad_enabled);
  m.def(
      "_backward",
      [](nb::handle outputs, nb::handle grads, bool retain_graph,
         bool create_graph) {
        Arrays outs = to_arrays(outputs, "backward");
        Arrays cts = to_cotangents(grads);
        BackwardOptions o;
        o.retain_graph = retain_graph;
        o.create_graph = create_graph;
        backward(outs, cts, o);
      },
      nb::arg("outputs"), nb::arg("grads"), nb::arg("retain_graph") = false,
      nb::arg("create_graph") = false);
  m.def(
      "_grad",
      [](nb::handle outputs, nb::handle grads, nb::handle inputs,
         bool retain_graph, bool create_graph, bool allow_unused) {
        Arrays outs = to_arrays(outputs, "grad");
        Arrays cts = to_cotangents(grads);
        Arrays ins = to_arrays(inputs, "grad");
        BackwardOptions o;
        o.retain_graph = retain_graph;
        o.create_graph = create_graph;
        o.allow_unused = allow_unused;
        Arrays r = grad(outs, cts, ins, o);
        nb::list l;
        for (Array& g : r) l.append(g.valid() ? nb::cast(std::move(g)) : nb::none());
        return l;
      },
      nb::arg("outputs"), nb::arg("grads"), nb::arg("inputs"),
      nb::arg("retain_graph") = false, nb::arg("create_graph") = false,
      nb::arg("allow_unused") = false);
  m.def(
      "_record_function",
      [](nb::handle inputs, nb::handle outputs, nb::object backward,
         std::string name) {
        Arrays ins = to_arrays(inputs, "custom_vjp");
        Arrays outs = to_arrays(outputs, "custom_vjp");
        if (!needs_recording(ins)) return;
        auto p = std::make_shared<PyFunction>(std::move(backward),
                                              std::move(name), outs.size());
        record(p, ins, outs, {});
      },
      nb::arg("inputs"), nb::arg("outputs"), nb::arg("backward"),
      nb::arg("name"));
  // A new handle on the same data, recorded as a view (unlike ndarray.view,
  // which reinterprets through NumPy's rules).
  m.def("_alias", [](const Array& a) { return a.alias(); });
  m.def("_version",
        [](const Array& a) { return a.storage()->version.load(); });
  // vmap (python/arrax/_autograd.py, Note [Batching] in batching.cpp).
  m.def("_vmap_level", &new_vmap_level);
  m.def("_make_batched", &make_batched, nb::arg("x"), nb::arg("axis"),
        nb::arg("level"));
  m.def("_unbatch", &unbatch, nb::arg("x"), nb::arg("level"),
        nb::arg("axis"), nb::arg("size"));
  m.def("_batch_size", &batch_size_at, nb::arg("x"), nb::arg("level"));
  m.def("_is_batched", [](const Array& a) { return a.is_batched(); });
  m.def("_vmap_push", &push_vmap_level);
  m.def("_vmap_pop", &pop_vmap_level);
}

}  // namespace arrax::py

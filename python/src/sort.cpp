// Bindings of the sorting family (arrax/sort.h). NumPy's argument spellings
// (kind= names, kth sequences, side=) are parsed here; python/arrax/
// _sorting.py adds the NumPy signatures and the ndarray methods.
#include "arrax/sort.h"

#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include "common.h"

namespace arrax::py {

namespace {

std::optional<int64_t> axis_arg(nb::handle axis, const char* op) {
  if (axis.is_none()) return std::nullopt;
  if (!PyIndex_Check(axis.ptr()) || PyBool_Check(axis.ptr()))
    throw TypeError(std::string("[") + op +
                    "] 'axis' must be an integer or None");
  return nb::cast<int64_t>(nb::int_(axis));
}

bool stable_arg(nb::handle kind, nb::handle stable, const char* op) {
  std::optional<std::string> k;
  if (!kind.is_none()) {
    if (!nb::isinstance<nb::str>(kind))
      throw TypeError(std::string("[") + op + "] sort kind must be str, not " +
                      std::string(nb::type_name(kind.type()).c_str()));
    k = nb::cast<std::string>(kind);
  }
  std::optional<bool> s;
  if (!stable.is_none()) s = PyObject_IsTrue(stable.ptr()) == 1;
  return sort_is_stable(k, s, op);
}

std::vector<int64_t> kth_arg(nb::handle kth, const char* op) {
  std::vector<int64_t> v;
  auto one = [&](nb::handle h) {
    if (!PyIndex_Check(h.ptr()) || PyBool_Check(h.ptr()))
      throw TypeError(std::string("[") + op +
                      "] Partition index must be integer");
    v.push_back(nb::cast<int64_t>(nb::int_(h)));
  };
  if (nb::isinstance<Array>(kth)) {
    Array k = nb::cast<Array>(kth);
    if (!is_integer(k.dtype()))
      throw TypeError(std::string("[") + op +
                      "] Partition index must be integer");
    Array h = ravel(astype(to_device(k, Device::cpu()), Dtype::Int64));
    h = ascontiguousarray(h);
    const int64_t* p = h.data<int64_t>();
    v.assign(p, p + h.size());
  } else if (PySequence_Check(kth.ptr())) {
    for (nb::handle h : nb::iter(kth)) one(h);
  } else {
    one(kth);
  }
  return v;
}

bool side_arg(nb::handle side) {
  if (!nb::isinstance<nb::str>(side))
    throw TypeError("[searchsorted] side must be 'left' or 'right'");
  std::string s = nb::cast<std::string>(side);
  if (s == "left") return false;
  if (s == "right") return true;
  // NumPy takes the first letter, either case.
  if (!s.empty() && (s[0] == 'l' || s[0] == 'L')) return false;
  if (!s.empty() && (s[0] == 'r' || s[0] == 'R')) return true;
  throw ValueError(
      "[searchsorted] search side must be 'left' or 'right' (got '" + s + "')");
}

}  // namespace

void init_sort(nb::module_& m) {
  m.def(
      "sort",
      [](nb::handle a, nb::handle axis, nb::handle kind, nb::handle stable) {
        return sort(to_array(a, "sort"), axis_arg(axis, "sort"),
                    stable_arg(kind, stable, "sort"));
      },
      nb::arg("a"), nb::arg("axis").none() = -1,
      nb::arg("kind").none() = nb::none(),
      nb::arg("stable").none() = nb::none());
  m.def(
      "argsort",
      [](nb::handle a, nb::handle axis, nb::handle kind, nb::handle stable) {
        return argsort(to_array(a, "argsort"), axis_arg(axis, "argsort"),
                       stable_arg(kind, stable, "argsort"));
      },
      nb::arg("a"), nb::arg("axis").none() = -1,
      nb::arg("kind").none() = nb::none(),
      nb::arg("stable").none() = nb::none());
  m.def(
      "sort_inplace",
      [](const Array& a, nb::handle axis, nb::handle kind, nb::handle stable) {
        std::optional<int64_t> ax = axis_arg(axis, "sort");
        bool st = stable_arg(kind, stable, "sort");
        if (!ax) throw TypeError("[sort] axis must be an integer");
        sort_inplace(a, *ax, st);
      },
      nb::arg("a"), nb::arg("axis").none() = -1,
      nb::arg("kind").none() = nb::none(),
      nb::arg("stable").none() = nb::none());
  m.def(
      "partition",
      [](nb::handle a, nb::handle kth, nb::handle axis) {
        std::vector<int64_t> k = kth_arg(kth, "partition");
        return partition(to_array(a, "partition"), k,
                         axis_arg(axis, "partition"));
      },
      nb::arg("a"), nb::arg("kth"), nb::arg("axis").none() = -1);
  m.def(
      "argpartition",
      [](nb::handle a, nb::handle kth, nb::handle axis) {
        std::vector<int64_t> k = kth_arg(kth, "argpartition");
        return argpartition(to_array(a, "argpartition"), k,
                            axis_arg(axis, "argpartition"));
      },
      nb::arg("a"), nb::arg("kth"), nb::arg("axis").none() = -1);
  m.def(
      "partition_inplace",
      [](const Array& a, nb::handle kth, nb::handle axis) {
        std::vector<int64_t> k = kth_arg(kth, "partition");
        std::optional<int64_t> ax = axis_arg(axis, "partition");
        if (!ax) throw TypeError("[partition] axis must be an integer");
        partition_inplace(a, k, *ax);
      },
      nb::arg("a"), nb::arg("kth"), nb::arg("axis").none() = -1);
  m.def(
      "lexsort",
      [](nb::handle keys, int64_t axis) {
        Arrays ks;
        if (nb::isinstance<Array>(keys)) {
          Array k = nb::cast<Array>(keys);
          if (k.ndim() == 0)
            throw TypeError(
                "[lexsort] need sequence of keys with len > 0 in lexsort");
          for (int64_t i = 0; i < k.shape()[0]; ++i) {
            Array ki =
                take(k, full_scalar(double(i), Dtype::Int64, Device::cpu()), 0);
            ks.push_back(ki);
          }
        } else {
          for (nb::handle h : nb::iter(keys))
            ks.push_back(to_array(h, "lexsort"));
        }
        return lexsort(ks, axis);
      },
      nb::arg("keys"), nb::arg("axis") = -1);
  m.def(
      "sort_complex",
      [](nb::handle a) { return sort_complex(to_array(a, "sort_complex")); },
      nb::arg("a"));
  m.def(
      "searchsorted",
      [](nb::handle a, nb::handle v, nb::handle side, nb::handle sorter) {
        Array s;
        if (!sorter.is_none()) s = to_array(sorter, "searchsorted");
        return searchsorted(to_array(a, "searchsorted"),
                            to_array(v, "searchsorted"), side_arg(side),
                            sorter.is_none() ? nullptr : &s);
      },
      nb::arg("a"), nb::arg("v"), nb::arg("side") = "left",
      nb::arg("sorter").none() = nb::none());
}

}  // namespace arrax::py

// Bindings of numpy.fft (arrax/fft.h): NumPy's argument conventions (n, s,
// axes, norm, out=, the deprecated None entries of s) parsed here, the
// semantics in the core.
#include "arrax/fft.h"

#include <nanobind/stl/optional.h>

#include "common.h"

namespace arrax::py {

namespace {

// operator.index(h), as NumPy takes n (a float is a TypeError).
int64_t index_value(nb::handle h, const char* op, const char* what) {
  PyObject* i = PyNumber_Index(h.ptr());
  if (!i) {
    PyErr_Clear();
    throw TypeError(std::string("[") + op + "] '" +
                    nb::cast<std::string>(nb::str(h.type().attr("__name__"))) +
                    "' object cannot be interpreted as an integer (" + what +
                    ")");
  }
  int64_t v = PyLong_AsLongLong(i);
  Py_DECREF(i);
  if (v == -1 && PyErr_Occurred()) {
    PyErr_Clear();
    throw OverflowError(std::string("[") + op + "] " + what +
                        " does not fit in 64 bits");
  }
  return v;
}

std::optional<int64_t> opt_n(nb::handle h, const char* op) {
  if (h.is_none()) return std::nullopt;
  return index_value(h, op, "n");
}

FftNorm norm_of(nb::handle h, const char* op) {
  if (h.is_none()) return FftNorm::Backward;
  if (!nb::isinstance<nb::str>(h))
    throw ValueError(std::string("[") + op + "] Invalid norm value " +
                     nb::cast<std::string>(nb::repr(h)) +
                     "; should be \"backward\", \"ortho\" or \"forward\".");
  return fft_norm_from_name(nb::cast<std::string>(h), op);
}

void deprecated(const char* msg) {
  if (PyErr_WarnEx(PyExc_DeprecationWarning, msg, 2) < 0)
    throw nb::python_error();
}

// A sequence of ints (s or axes); None entries of s stand for the 1-D
// default (deprecated in NumPy 2.0, with NumPy's warning).
FftShape int_list(nb::handle h, const char* op, const char* what,
                  bool allow_none) {
  if (h.is_none()) return std::nullopt;
  std::vector<int64_t> v;
  if (PyIndex_Check(h.ptr()) && !PySequence_Check(h.ptr())) {
    v.push_back(index_value(h, op, what));
    return v;
  }
  bool warned = false;
  for (nb::handle item : nb::iter(h)) {
    if (item.is_none() && allow_none) {
      if (!warned)
        deprecated(
            "Passing an array containing `None` values to `s` is deprecated "
            "in NumPy 2.0 and will raise an error in a future version of "
            "NumPy. To use the default behaviour of the corresponding 1-D "
            "transform, pass the value matching the default for its `n` "
            "parameter. To use the default behaviour for every axis, the `s` "
            "argument can be omitted.");
      warned = true;
      v.push_back(kFftDefaultN);
      continue;
    }
    v.push_back(index_value(item, op, what));
  }
  return v;
}

using Fn1 = Array (*)(const Array&, std::optional<int64_t>, int64_t, FftNorm,
                      const Array*);
using FnN = Array (*)(const Array&, const FftShape&, const FftShape&, FftNorm,
                      const Array*);

nb::object call1(Fn1 f, const char* op, nb::handle a, nb::handle n,
                 int64_t axis, nb::handle norm, nb::handle out) {
  Array o;
  bool has_out = get_out(out, o, op);
  Array x = to_array(a, op);
  Array r = f(x, opt_n(n, op), axis, norm_of(norm, op), has_out ? &o : nullptr);
  if (has_out) return nb::borrow(out);
  return nb::cast(std::move(r));
}

nb::object calln(FnN f, const char* op, nb::handle a, nb::handle s,
                 nb::handle axes, nb::handle norm, nb::handle out,
                 bool axes_default_2d) {
  Array o;
  bool has_out = get_out(out, o, op);
  Array x = to_array(a, op);
  FftShape sv = int_list(s, op, "s", true);
  FftShape av = int_list(axes, op, "axes", false);
  if (axes.is_none() && axes_default_2d) av = std::vector<int64_t>{-2, -1};
  if (sv && !av)
    deprecated(
        "`axes` should not be `None` if `s` is not `None` (Deprecated in "
        "NumPy 2.0). In a future version of NumPy, this will raise an error "
        "and `s[i]` will correspond to the size along the transformed axis "
        "specified by `axes[i]`. To retain current behaviour, pass a "
        "sequence [0, ..., k-1] to `axes` for an array of dimension k.");
  Array r = f(x, sv, av, norm_of(norm, op), has_out ? &o : nullptr);
  if (has_out) return nb::borrow(out);
  return nb::cast(std::move(r));
}

Device device_or_default(nb::handle h) {
  return h.is_none() ? default_device() : to_device(h);
}

int64_t freq_n(nb::handle h, const char* op) {
  // NumPy takes Python and NumPy integers only.
  bool integer = PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr());
  if (!integer) {
    nb::object np_integer = numpy().attr("integer");
    integer = PyObject_IsInstance(h.ptr(), np_integer.ptr()) == 1;
  }
  if (!integer)
    throw ValueError(std::string("[") + op + "] n should be an integer");
  return index_value(h, op, "n");
}

}  // namespace

void init_fft(nb::module_& m) {
#define ARRAX_FFT1(name)                                             \
  m.def(                                                             \
      "fft_" #name,                                                  \
      [](nb::handle a, nb::handle n, int64_t axis, nb::handle norm,  \
         nb::handle out) {                                           \
        return call1(&name, #name, a, n, axis, norm, out);           \
      },                                                             \
      nb::arg("a"), nb::arg("n") = nb::none(), nb::arg("axis") = -1, \
      nb::arg("norm") = nb::none(), nb::arg("out") = nb::none())
  ARRAX_FFT1(fft);
  ARRAX_FFT1(ifft);
  ARRAX_FFT1(rfft);
  ARRAX_FFT1(irfft);
  ARRAX_FFT1(hfft);
  ARRAX_FFT1(ihfft);
#undef ARRAX_FFT1
#define ARRAX_FFTN(name, two_d)                                              \
  m.def(                                                                     \
      "fft_" #name,                                                          \
      [](nb::handle a, nb::handle s, nb::handle axes, nb::handle norm,       \
         nb::handle out) {                                                   \
        return calln(&name, #name, a, s, axes, norm, out, two_d);            \
      },                                                                     \
      nb::arg("a"), nb::arg("s") = nb::none(), nb::arg("axes") = nb::none(), \
      nb::arg("norm") = nb::none(), nb::arg("out") = nb::none())
  ARRAX_FFTN(fftn, false);
  ARRAX_FFTN(ifftn, false);
  ARRAX_FFTN(rfftn, false);
  ARRAX_FFTN(irfftn, false);
  ARRAX_FFTN(fft2, true);
  ARRAX_FFTN(ifft2, true);
  ARRAX_FFTN(rfft2, true);
  ARRAX_FFTN(irfft2, true);
#undef ARRAX_FFTN
  m.def(
      "fft_fftfreq",
      [](nb::handle n, double d, nb::handle device) {
        return fftfreq(freq_n(n, "fftfreq"), d, device_or_default(device));
      },
      nb::arg("n"), nb::arg("d") = 1.0, nb::arg("device") = nb::none());
  m.def(
      "fft_rfftfreq",
      [](nb::handle n, double d, nb::handle device) {
        return rfftfreq(freq_n(n, "rfftfreq"), d, device_or_default(device));
      },
      nb::arg("n"), nb::arg("d") = 1.0, nb::arg("device") = nb::none());
  m.def(
      "fft_fftshift",
      [](nb::handle x, nb::handle axes) {
        return fftshift(to_array(x, "fftshift"),
                        int_list(axes, "fftshift", "axes", false));
      },
      nb::arg("x"), nb::arg("axes") = nb::none());
  m.def(
      "fft_ifftshift",
      [](nb::handle x, nb::handle axes) {
        return ifftshift(to_array(x, "ifftshift"),
                         int_list(axes, "ifftshift", "axes", false));
      },
      nb::arg("x"), nb::arg("axes") = nb::none());
}

}  // namespace arrax::py

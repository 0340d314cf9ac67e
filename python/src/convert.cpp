// Conversions between Python objects and arrax arrays, dtypes and devices.
#include <nanobind/ndarray.h>

#include <cstring>
#include <unordered_map>

#include "arrax/half.h"
#include "common.h"

namespace arrax::py {

nb::module_& numpy() {
  // Leaked on purpose: Python objects must not be released after the
  // interpreter has finalized (static destructors run after that).
  static nb::module_* np = new nb::module_(nb::module_::import_("numpy"));
  return *np;
}

namespace {

// ml_dtypes is imported on first use, not by `import arrax` (it costs more
// than the rest of the import together). Importing it also teaches
// numpy.dtype the name "bfloat16".
nb::object& bf16_dtype() {
  static nb::object* dt = [] {
    nb::module_ ml = nb::module_::import_("ml_dtypes");
    return new nb::object(numpy().attr("dtype")(ml.attr("bfloat16")));
  }();
  return *dt;
}

// numpy.dtype(h), importing ml_dtypes first when h names bfloat16 and NumPy
// does not know it yet.
nb::object numpy_dtype(nb::handle h) {
  try {
    return numpy().attr("dtype")(h);
  } catch (nb::python_error&) {
    const char* s =
        PyUnicode_Check(h.ptr()) ? PyUnicode_AsUTF8(h.ptr()) : nullptr;
    if (!s) PyErr_Clear();
    if (!s || std::strcmp(s, "bfloat16") != 0) throw;
  }
  bf16_dtype();
  return numpy().attr("dtype")(h);
}

// Dtype-like objects seen before (dtype instances and type objects are
// long-lived), so the common case is one hash lookup.
std::unordered_map<PyObject*, Dtype>& dtype_cache() {
  static auto* m = new std::unordered_map<PyObject*, Dtype>();
  return *m;
}

}  // namespace

nb::object dtype_object(Dtype dt) {
  static nb::object* cache = new nb::object[kNumDtypes];  // leaked: see numpy()
  nb::object& o = cache[static_cast<int>(dt)];
  if (!o.is_valid()) {
    if (dt == Dtype::BFloat16)
      o = bf16_dtype();
    else
      o = numpy().attr("dtype")(dtype_name(dt));
  }
  return o;
}

Dtype to_dtype(nb::handle h, const char* op) {
  auto& cache = dtype_cache();
  auto it = cache.find(h.ptr());
  if (it != cache.end()) return it->second;
  // Strings ("float32", "f4", "<f8"...) by content: str objects come and go,
  // so their addresses cannot be keys. numpy.dtype(str) costs ~1.5 us.
  static std::unordered_map<std::string, Dtype> by_name;
  std::string key;
  if (PyUnicode_Check(h.ptr())) {
    Py_ssize_t n = 0;
    const char* s = PyUnicode_AsUTF8AndSize(h.ptr(), &n);
    if (s) {
      key.assign(s, static_cast<size_t>(n));
      auto jt = by_name.find(key);
      if (jt != by_name.end()) return jt->second;
    } else {
      PyErr_Clear();
    }
  }
  nb::object npdt;
  try {
    npdt = numpy_dtype(h);
  } catch (nb::python_error& e) {
    throw TypeError(std::string("[") + op + "] data type " +
                    nb::repr(h).c_str() + " not understood");
  }
  std::string name = nb::cast<std::string>(npdt.attr("name"));
  Dtype dt;
  try {
    dt = dtype_from_name(name);
  } catch (const TypeError&) {
    throw TypeError(std::string("[") + op + "] arrax does not support dtype " +
                    name);
  }
  if (!key.empty()) by_name.emplace(key, dt);
  // Cache only immortal-ish objects: types and dtype instances.
  if (PyType_Check(h.ptr()) ||
      PyObject_TypeCheck(h.ptr(), reinterpret_cast<PyTypeObject*>(
                                      numpy().attr("dtype").ptr()))) {
    h.inc_ref();  // keep the key alive
    cache.emplace(h.ptr(), dt);
  }
  return dt;
}

Device to_device(nb::handle h) {
  if (nb::isinstance<nb::str>(h)) return parse_device(nb::cast<std::string>(h));
  if (nb::hasattr(h, "type") && nb::hasattr(h, "index")) {
    std::string t = nb::cast<std::string>(nb::str(h.attr("type")));
    nb::object idx = h.attr("index");
    return parse_device(idx.is_none() ? t : t + ":" + nb::cast<std::string>(nb::str(idx)));
  }
  return parse_device(nb::cast<std::string>(nb::str(h)));
}

bool scalar_to_array(nb::handle h, Array& out) {
  PyObject* o = h.ptr();
  if (PyBool_Check(o)) {
    out = weak_scalar(o == Py_True);
    return true;
  }
  if (PyLong_CheckExact(o) || (PyLong_Check(o) && !PyBool_Check(o))) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (!overflow) {
      out = weak_scalar(static_cast<int64_t>(v));
      return true;
    }
    unsigned long long u = PyLong_AsUnsignedLongLong(o);
    if (PyErr_Occurred()) {
      PyErr_Clear();
      throw OverflowError("Python integer " +
                          std::string(nb::str(h).c_str()) +
                          " out of bounds for int64");
    }
    out = Array::scalar(static_cast<uint64_t>(u), Dtype::UInt64,
                        Device::cpu(), true);
    return true;
  }
  if (PyFloat_CheckExact(o) ||
      (PyFloat_Check(o) && !PyObject_HasAttrString(o, "dtype"))) {
    out = weak_scalar(PyFloat_AS_DOUBLE(o));
    return true;
  }
  if (PyComplex_CheckExact(o) ||
      (PyComplex_Check(o) && !PyObject_HasAttrString(o, "dtype"))) {
    out = weak_scalar(complex128(PyComplex_RealAsDouble(o),
                                 PyComplex_ImagAsDouble(o)));
    return true;
  }
  return false;
}

namespace {

void release_pyobject(void*, void* ctx) {
  if (!Py_IsInitialized()) return;  // arrays freed at interpreter exit
  nb::gil_scoped_acquire gil;
  Py_DECREF(static_cast<PyObject*>(ctx));
}

}  // namespace

Array from_numpy(nb::handle arr, bool copy) {
  nb::object npdt = arr.attr("dtype");
  Dtype dt = to_dtype(npdt, "asarray");
  nb::object iface = arr.attr("__array_interface__");
  nb::tuple data = nb::cast<nb::tuple>(iface["data"]);
  auto ptr = reinterpret_cast<void*>(nb::cast<uintptr_t>(data[0]));
  nb::tuple shape_t = nb::cast<nb::tuple>(iface["shape"]);
  Shape shape;
  for (auto d : shape_t) shape.push_back(nb::cast<int64_t>(d));
  nb::object st = iface["strides"];
  int isz = itemsize(dt);
  Strides strides;
  if (st.is_none()) {
    strides = c_strides(shape);
  } else {
    for (auto s : nb::cast<nb::tuple>(st)) {
      int64_t b = nb::cast<int64_t>(s);
      if (b % isz != 0) {  // unaligned strides: let NumPy make a copy
        return from_numpy(numpy().attr("ascontiguousarray")(arr), false);
      }
      strides.push_back(b / isz);
    }
  }
  auto storage = std::make_shared<Storage>();
  storage->data = ptr;
  storage->device = Device::cpu();
  // The view covers at least the addressed range; nbytes is informational.
  storage->nbytes = static_cast<size_t>(nb::cast<int64_t>(arr.attr("nbytes")));
  arr.inc_ref();
  storage->deleter = release_pyobject;
  storage->ctx = arr.ptr();
  Array a = Array::view_of(storage, shape, strides, 0, dt);
  if (copy) return arrax::copy(a);
  return a;
}

nb::object to_numpy(const Array& a0) {
  if (a0.is_batched()) refuse_batched_read("asarray");
  Array a = a0.device().is_cpu() ? a0 : to_device(ascontiguousarray(a0), Device::cpu());
  // Describe the memory with __array_interface__; the holder keeps the
  // storage alive for as long as NumPy's array lives.
  Dtype dt = a.dtype();
  bool bf16 = dt == Dtype::BFloat16;
  std::string typestr;
  switch (kind(dt)) {
    case DtypeKind::Bool: typestr = "|b1"; break;
    case DtypeKind::Int: typestr = "<i" + std::to_string(itemsize(dt)); break;
    case DtypeKind::UInt: typestr = "<u" + std::to_string(itemsize(dt)); break;
    case DtypeKind::Float:
      typestr = bf16 ? "<u2" : "<f" + std::to_string(itemsize(dt));
      break;
    case DtypeKind::Complex:
      typestr = "<c" + std::to_string(itemsize(dt));
      break;
  }
  nb::dict iface;
  nb::list shape, strides;
  for (int64_t d : a.shape()) shape.append(d);
  for (int64_t s : a.strides()) strides.append(s * itemsize(dt));
  iface["shape"] = nb::tuple(shape);
  iface["strides"] = nb::tuple(strides);
  iface["typestr"] = typestr;
  iface["data"] = nb::make_tuple(reinterpret_cast<uintptr_t>(a.data()),
                                 a.is_readonly());
  iface["version"] = 3;
  nb::object holder = nb::module_::import_("arrax._interop").attr("_Holder")(
      iface, nb::cast(a));
  nb::object out = numpy().attr("asarray")(holder);
  if (bf16) out = out.attr("view")(dtype_object(Dtype::BFloat16));
  return out;
}

// A NumPy scalar from one CPU element, built from the Python number by the
// scalar type (about 0.2 us, against 2.5 us through a NumPy array); every
// value converts exactly (float16/bfloat16/float32 values are doubles).
nb::object to_numpy_scalar(const Array& a) {
  // A result that carries autograd history stays an array (as a 0-d
  // torch.Tensor does), so that .backward() and .grad reach it.
  if (a.requires_grad() || a.is_batched()) return nb::cast(a);
  if (!(a.device().is_cpu() && a.size() == 1)) {
    nb::object arr = to_numpy(a);
    return arr.attr("__getitem__")(nb::tuple());
  }
  static nb::object* types = new nb::object[kNumDtypes];  // leaked
  const Dtype dt = a.dtype();
  nb::object& type = types[static_cast<int>(dt)];
  if (!type.is_valid()) type = dtype_object(dt).attr("type");
  const void* p = a.data();
  PyObject* v = nullptr;
  switch (dt) {
    case Dtype::Bool: v = PyBool_FromLong(*static_cast<const bool*>(p)); break;
    case Dtype::Int8: v = PyLong_FromLong(*static_cast<const int8_t*>(p)); break;
    case Dtype::Int16: v = PyLong_FromLong(*static_cast<const int16_t*>(p)); break;
    case Dtype::Int32: v = PyLong_FromLong(*static_cast<const int32_t*>(p)); break;
    case Dtype::Int64:
      v = PyLong_FromLongLong(*static_cast<const int64_t*>(p));
      break;
    case Dtype::UInt8: v = PyLong_FromLong(*static_cast<const uint8_t*>(p)); break;
    case Dtype::UInt16: v = PyLong_FromLong(*static_cast<const uint16_t*>(p)); break;
    case Dtype::UInt32:
      v = PyLong_FromUnsignedLong(*static_cast<const uint32_t*>(p));
      break;
    case Dtype::UInt64:
      v = PyLong_FromUnsignedLongLong(*static_cast<const uint64_t*>(p));
      break;
    case Dtype::Float16:
      v = PyFloat_FromDouble(float(*static_cast<const float16*>(p)));
      break;
    case Dtype::BFloat16:
      v = PyFloat_FromDouble(float(*static_cast<const bfloat16*>(p)));
      break;
    case Dtype::Float32: v = PyFloat_FromDouble(*static_cast<const float*>(p)); break;
    case Dtype::Float64: v = PyFloat_FromDouble(*static_cast<const double*>(p)); break;
    case Dtype::Complex64: {
      auto* c = static_cast<const float*>(p);
      v = PyComplex_FromDoubles(c[0], c[1]);
      break;
    }
    case Dtype::Complex128: {
      auto* c = static_cast<const double*>(p);
      v = PyComplex_FromDoubles(c[0], c[1]);
      break;
    }
  }
  if (!v) throw nb::python_error();
  return type(nb::steal(v));
}

bool try_to_array(nb::handle h, Array& out) {
  if (nb::isinstance<Array>(h)) {
    out = nb::cast<Array>(h);
    return true;
  }
  if (scalar_to_array(h, out)) return true;
  try {
    out = to_array(h);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

Array to_array(nb::handle h, const char* op) {
  if (nb::isinstance<Array>(h)) return nb::cast<Array>(h);
  Array out;
  if (scalar_to_array(h, out)) return out;
  // GPU arrays of other libraries (PyTorch, CuPy, JAX): zero-copy through
  // DLPack, on the producer's device.
  if (nb::hasattr(h, "__dlpack_device__") && !nb::isinstance<nb::type_object>(h)) {
    nb::object dev = h.attr("__dlpack_device__")();
    int kind = nb::cast<int>(dev[0]);
    if (kind == 2 || kind == 13)  // kDLCUDA, kDLCUDAManaged
      return nb::cast<Array>(
          nb::module_::import_("arrax._ndarray").attr("from_dlpack")(h));
  }
  nb::object arr;
  try {
    arr = numpy().attr("asarray")(h);
  } catch (nb::python_error& e) {
    throw TypeError(std::string("[") + op + "] cannot convert " +
                    nb::repr(h.type()).c_str() + " to an array: " + e.what());
  }
  Array a = from_numpy(arr, true);
  Device dev = default_device();
  if (!dev.is_cpu()) a = arrax::to_device(a, dev);
  return a;
}

bool set_python_error(const std::exception_ptr& p) {
  try {
    std::rethrow_exception(p);
  } catch (nb::python_error& e) {
    e.restore();
  } catch (const nb::builtin_exception& e) {
    std::rethrow_exception(p);  // nanobind's own translator handles these
  } catch (const AxisError& e) {
    nb::object cls = nb::module_::import_("numpy.exceptions").attr("AxisError");
    PyErr_SetObject(cls.ptr(), nb::str(e.what()).ptr());
  } catch (const LinAlgError& e) {
    nb::object cls = nb::module_::import_("numpy.linalg").attr("LinAlgError");
    PyErr_SetObject(cls.ptr(), nb::str(e.what()).ptr());
  } catch (const TypeError& e) {
    PyErr_SetString(PyExc_TypeError, e.what());
  } catch (const IndexError& e) {
    PyErr_SetString(PyExc_IndexError, e.what());
  } catch (const ValueError& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  } catch (const OverflowError& e) {
    PyErr_SetString(PyExc_OverflowError, e.what());
  } catch (const MemoryError& e) {
    PyErr_SetString(PyExc_MemoryError, e.what());
  } catch (const NotImplementedError& e) {
    PyErr_SetString(PyExc_NotImplementedError, e.what());
  } catch (const ZeroDivisionError& e) {
    PyErr_SetString(PyExc_ZeroDivisionError, e.what());
  } catch (const std::bad_alloc& e) {
    PyErr_SetString(PyExc_MemoryError, e.what());
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return true;
}

}  // namespace arrax::py

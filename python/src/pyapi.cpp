// The NumPy ndarray surface that is not one op family: T / mT, real / imag
// views, the buffer protocol, DLPack export and import, and small helpers
// that python/arrax/_ndarray.py builds the rest of the Python surface on.
#include <cstring>

#include "common.h"
#include "arrax/autograd.h"

namespace arrax::py {

namespace {

// ---- complex parts as views ----------------------------------------------

// A view of the real (or imaginary) floats inside a complex array: the same
// storage seen as floats, with doubled strides (NumPy's a.real / a.imag).
Array complex_part(const Array& a, bool imag) {
  if (a.requires_grad() && is_grad_enabled())
    return complex_part_recorded(a, imag);
  Dtype part = real_dtype(a.dtype());
  Strides strides;
  for (int64_t s : a.strides()) strides.push_back(2 * s);
  Array v = Array::view_of(a.storage(), a.shape(), strides,
                           2 * a.offset() + (imag ? 1 : 0), part);
  if (a.is_batched()) {  // the batch strides count floats too
    auto dims = std::make_shared<BatchDims>(*a.batch());
    for (BatchDim& d : *dims) d.stride *= 2;
    v.set_batch(std::move(dims));
  }
  return v;
}

nb::object real_get(nb::handle self) {
  const Array& a = nb::cast<const Array&>(self);
  if (!is_complex(a.dtype())) return nb::borrow(self);  // NumPy: a.real is a
  return nb::cast(complex_part(a, false));
}

Array imag_get(const Array& a) {
  if (is_complex(a.dtype())) return complex_part(a, true);
  return zeros(a.shape(), a.dtype(), a.device());
}

void real_set(const Array& a, nb::handle v) {
  Array dst = is_complex(a.dtype()) ? complex_part(a, false) : a;
  copyto(dst, to_array(v, "real"), Casting::Unsafe);
}

void imag_set(const Array& a, nb::handle v) {
  if (!is_complex(a.dtype()))
    throw TypeError("[imag] array does not have imaginary part to set");
  copyto(complex_part(a, true), to_array(v, "imag"), Casting::Unsafe);
}

Array matrix_transpose(const Array& a) {
  if (a.ndim() < 2)
    throw ValueError("[mT] matrix transpose with ndim < 2 is undefined");
  return swapaxes(a, -1, -2);
}

// Storage that arrax allocated itself (as opposed to memory borrowed from
// NumPy or a DLPack producer).
bool arrax_allocated(const Storage& st) { return st.owned; }

// See Note [OWNDATA and base] in python/arrax/_ndarray.py.
bool owns_data(const Array& a) {
  const Storage& st = *a.storage();
  return arrax_allocated(st) && a.offset() == 0 && a.is_c_contiguous() &&
         static_cast<size_t>(a.nbytes()) == st.nbytes;
}

// See Note [OWNDATA and base]: the whole arrax allocation, the NumPy array
// that owns borrowed memory, or None.
nb::object storage_owner(const Array& a) {
  const Storage& st = *a.storage();
  if (arrax_allocated(st)) {
    // The whole allocation as a 1-D array of this dtype.
    int64_t n = static_cast<int64_t>(st.nbytes) / a.itemsize();
    return nb::cast(Array::view_of(a.storage(), {n}, {1}, 0, a.dtype()));
  }
  // Memory borrowed from NumPy (from_numpy): ctx is the NumPy array.
  static const auto numpy_deleter = [] {
    nb::object probe = numpy().attr("zeros")(1);
    return from_numpy(probe, false).storage()->deleter;
  }();
  if (st.deleter == numpy_deleter && st.ctx)
    return nb::borrow(static_cast<PyObject*>(st.ctx));
  return nb::none();
}

// Same bytes, another dtype of the same itemsize (bfloat16 <-> uint16).
Array reinterpret(const Array& a, nb::handle dtype) {
  Dtype dt = to_dtype(dtype, "view");
  const int64_t old_size = a.itemsize(), new_size = itemsize(dt);
  if (new_size == old_size) {
    Array v = Array::view_of(a.storage(), a.shape(), a.strides(), a.offset(), dt);
    v.set_readonly(a.is_readonly());
    return v;
  }
  // NumPy's rule: the last axis must be contiguous and its length in bytes
  // a multiple of the new item size; it is rescaled, the others kept.
  if (a.ndim() == 0)
    throw ValueError(
        "[view] Changing the dtype of a 0d array is only supported if the "
        "itemsize is unchanged");
  const int last = a.ndim() - 1;
  if (a.shape()[last] != 1 && a.strides()[last] != 1)
    throw ValueError(
        "[view] To change to a dtype of a different size, the last axis "
        "must be contiguous");
  const int64_t bytes = a.shape()[last] * old_size;
  if (bytes % new_size != 0)
    throw ValueError(
        "[view] When changing to a " +
        std::string(new_size > old_size ? "larger" : "smaller") +
        " dtype, its size must be a divisor of the total size in bytes of "
        "the last axis of the array.");
  Shape shape = a.shape();
  shape[last] = bytes / new_size;
  Strides strides(a.ndim());
  for (int d = 0; d < last; ++d) {
    int64_t b = a.strides()[d] * old_size;
    if (b % new_size != 0)
      throw ValueError("[view] the strides of " + shape_str(a.shape()) +
                       " are not multiples of the new item size");
    strides[d] = b / new_size;
  }
  strides[last] = 1;
  int64_t off = a.offset() * old_size;
  if (off % new_size != 0)
    throw ValueError(
        "[view] the view's offset is not a multiple of the new item size");
  Array v = Array::view_of(a.storage(), shape, strides, off / new_size, dt);
  v.set_readonly(a.is_readonly());
  return v;
}

// ---- DLPack ----------------------------------------------------------------
// The ABI structs of the DLPack specification (dlpack.h, v1.0). Debian's
// header predates versioned tensors, so they are declared here.
// See Note [DLPack capsules].

struct DLDevice {
  int32_t device_type;  // kDLCPU = 1, kDLCUDA = 2, kDLCUDAHost = 3
  int32_t device_id;
};
struct DLDataType {
  uint8_t code;  // 0 int, 1 uint, 2 float, 4 bfloat, 5 complex, 6 bool
  uint8_t bits;
  uint16_t lanes;
};
struct DLTensor {
  void* data;
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t* shape;
  int64_t* strides;  // in elements; null means C-contiguous
  uint64_t byte_offset;
};
struct DLManagedTensor {
  DLTensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(DLManagedTensor*);
};
struct DLPackVersion {
  uint32_t major;
  uint32_t minor;
};
struct DLManagedTensorVersioned {
  DLPackVersion version;
  void* manager_ctx;
  void (*deleter)(DLManagedTensorVersioned*);
  uint64_t flags;
  DLTensor dl_tensor;
};
constexpr uint64_t kDLFlagReadOnly = 1;
constexpr uint64_t kDLFlagIsCopied = 2;

// Note [DLPack capsules]
// A producer returns a PyCapsule named "dltensor" (legacy) or
// "dltensor_versioned" holding a managed tensor. The consumer renames it to
// "used_dltensor[_versioned]" and calls the tensor's deleter when done; a
// capsule that was never consumed calls the deleter from its destructor.
// Our manager_ctx owns a copy of the Array handle (keeping the storage
// alive) and the shape/strides arrays the tensor points at.
struct ExportCtx {
  Array array;
  std::vector<int64_t> shape, strides;
};

DLDataType dl_dtype(Dtype dt) {
  DLDataType t{0, static_cast<uint8_t>(itemsize(dt) * 8), 1};
  switch (kind(dt)) {
    case DtypeKind::Bool:
      t.code = 6;
      break;
    case DtypeKind::Int:
      t.code = 0;
      break;
    case DtypeKind::UInt:
      t.code = 1;
      break;
    case DtypeKind::Float:
      t.code = dt == Dtype::BFloat16 ? 4 : 2;
      break;
    case DtypeKind::Complex:
      t.code = 5;
      break;
  }
  return t;
}

Dtype from_dl_dtype(DLDataType t) {
  if (t.lanes != 1)
    throw TypeError(
        "[from_dlpack] vector dtypes (lanes != 1) are not "
        "supported");
  auto fail = [&]() -> Dtype {
    throw TypeError("[from_dlpack] unsupported DLPack dtype (code " +
                    std::to_string(t.code) + ", " + std::to_string(t.bits) +
                    " bits)");
  };
  switch (t.code) {
    case 0:
      switch (t.bits) {
        case 8:
          return Dtype::Int8;
        case 16:
          return Dtype::Int16;
        case 32:
          return Dtype::Int32;
        case 64:
          return Dtype::Int64;
      }
      return fail();
    case 1:
      switch (t.bits) {
        case 8:
          return Dtype::UInt8;
        case 16:
          return Dtype::UInt16;
        case 32:
          return Dtype::UInt32;
        case 64:
          return Dtype::UInt64;
      }
      return fail();
    case 2:
      switch (t.bits) {
        case 16:
          return Dtype::Float16;
        case 32:
          return Dtype::Float32;
        case 64:
          return Dtype::Float64;
      }
      return fail();
    case 4:
      if (t.bits == 16) return Dtype::BFloat16;
      return fail();
    case 5:
      if (t.bits == 64) return Dtype::Complex64;
      if (t.bits == 128) return Dtype::Complex128;
      return fail();
    case 6:
      if (t.bits == 8) return Dtype::Bool;
      return fail();
  }
  return fail();
}

void fill_tensor(DLTensor& t, ExportCtx* ctx) {
  const Array& a = ctx->array;
  t.data = a.storage()->data;
  t.byte_offset = static_cast<uint64_t>(a.offset()) * a.itemsize();
  Device d = a.device();
  t.device = {d.is_cpu() ? 1 : 2, d.is_cpu() ? 0 : d.index};
  t.ndim = a.ndim();
  t.dtype = dl_dtype(a.dtype());
  ctx->shape.assign(a.shape().begin(), a.shape().end());
  ctx->strides.assign(a.strides().begin(), a.strides().end());
  t.shape = ctx->shape.data();
  t.strides = ctx->strides.data();
}

void delete_legacy(DLManagedTensor* t) {
  delete static_cast<ExportCtx*>(t->manager_ctx);
  delete t;
}
void delete_versioned(DLManagedTensorVersioned* t) {
  delete static_cast<ExportCtx*>(t->manager_ctx);
  delete t;
}

// Capsule destructors run whenever the capsule dies: only an unconsumed
// capsule still owns its tensor.
void legacy_capsule_destructor(PyObject* cap) {
  if (!PyCapsule_IsValid(cap, "dltensor")) return;
  auto* t =
      static_cast<DLManagedTensor*>(PyCapsule_GetPointer(cap, "dltensor"));
  if (t && t->deleter) t->deleter(t);
}
void versioned_capsule_destructor(PyObject* cap) {
  if (!PyCapsule_IsValid(cap, "dltensor_versioned")) return;
  auto* t = static_cast<DLManagedTensorVersioned*>(
      PyCapsule_GetPointer(cap, "dltensor_versioned"));
  if (t && t->deleter) t->deleter(t);
}

nb::object to_dlpack(const Array& a, bool versioned, bool copied) {
  auto* ctx = new ExportCtx{a, {}, {}};
  PyObject* cap;
  if (versioned) {
    auto* t = new DLManagedTensorVersioned{};
    t->version = {1, 0};
    t->manager_ctx = ctx;
    t->deleter = delete_versioned;
    t->flags = (copied ? kDLFlagIsCopied : 0) |
               (a.is_readonly() ? kDLFlagReadOnly : 0);
    fill_tensor(t->dl_tensor, ctx);
    cap = PyCapsule_New(t, "dltensor_versioned", versioned_capsule_destructor);
    if (!cap) delete_versioned(t);
  } else {
    auto* t = new DLManagedTensor{};
    t->manager_ctx = ctx;
    t->deleter = delete_legacy;
    fill_tensor(t->dl_tensor, ctx);
    cap = PyCapsule_New(t, "dltensor", legacy_capsule_destructor);
    if (!cap) delete_legacy(t);
  }
  if (!cap) throw nb::python_error();
  return nb::steal(cap);
}

// The imported tensor stays alive for as long as any arrax view of it:
// the storage's deleter calls the producer's deleter.
struct ImportCtx {
  void* tensor;
  bool versioned;
};
void release_import(void*, void* p) {
  auto* ctx = static_cast<ImportCtx*>(p);
  // Producers' deleters (NumPy's included) may touch Python objects; arrays
  // still alive at interpreter exit are left to the OS.
  if (!Py_IsInitialized()) return;
  nb::gil_scoped_acquire gil;
  if (ctx->versioned) {
    auto* t = static_cast<DLManagedTensorVersioned*>(ctx->tensor);
    if (t->deleter) t->deleter(t);
  } else {
    auto* t = static_cast<DLManagedTensor*>(ctx->tensor);
    if (t->deleter) t->deleter(t);
  }
  delete ctx;
}

Array from_dlpack_capsule(nb::handle cap) {
  PyObject* c = cap.ptr();
  bool versioned;
  void* raw;
  DLTensor* t;
  uint64_t flags = 0;
  if (PyCapsule_IsValid(c, "dltensor_versioned")) {
    versioned = true;
    raw = PyCapsule_GetPointer(c, "dltensor_versioned");
    auto* m = static_cast<DLManagedTensorVersioned*>(raw);
    if (m->version.major > 1)
      throw nb::buffer_error(("[from_dlpack] DLPack version " +
                              std::to_string(m->version.major) +
                              " is newer than the supported 1.x")
                                 .c_str());
    t = &m->dl_tensor;
    flags = m->flags;
  } else if (PyCapsule_IsValid(c, "dltensor")) {
    versioned = false;
    raw = PyCapsule_GetPointer(c, "dltensor");
    t = &static_cast<DLManagedTensor*>(raw)->dl_tensor;
  } else {
    throw TypeError(
        "[from_dlpack] expected an unconsumed DLPack capsule "
        "(\"dltensor\" or \"dltensor_versioned\")");
  }
  Device dev;
  switch (t->device.device_type) {
    case 1:
    case 3:  // pinned host memory is addressable from the CPU
      dev = Device::cpu();
      break;
    case 2:
      dev = Device::cuda(t->device.device_id);
      break;
    default:
      throw nb::buffer_error(("[from_dlpack] unsupported DLPack device "
                              "type " +
                              std::to_string(t->device.device_type))
                                 .c_str());
  }
  Dtype dt = from_dl_dtype(t->dtype);
  Shape shape(t->shape, t->shape + t->ndim);
  Strides strides =
      t->strides ? Strides(t->strides, t->strides + t->ndim) : c_strides(shape);
  // Mark the capsule consumed before anything else can fail, so that the
  // storage below is the tensor's only owner.
  PyCapsule_SetName(c, versioned ? "used_dltensor_versioned" : "used_dltensor");
  auto storage = std::make_shared<Storage>();
  storage->data = static_cast<char*>(t->data) + t->byte_offset;
  storage->device = dev;
  int64_t lo = 0, hi = 0;
  for (int i = 0; i < t->ndim; ++i) {
    if (shape[i] == 0) {
      lo = hi = 0;
      break;
    }
    int64_t ext = (shape[i] - 1) * strides[i];
    (ext < 0 ? lo : hi) += ext;
  }
  storage->nbytes = static_cast<size_t>((hi - lo + 1) * itemsize(dt));
  storage->deleter = release_import;
  storage->ctx = new ImportCtx{raw, versioned};
  Array a = Array::view_of(storage, shape, strides, 0, dt);
  if (flags & kDLFlagReadOnly) a.set_readonly(true);
  return a;
}

// ---- buffer protocol -------------------------------------------------------

const char* buffer_format(Dtype dt) {
  switch (dt) {
    case Dtype::Bool:
      return "?";
    case Dtype::Int8:
      return "b";
    case Dtype::Int16:
      return "h";
    case Dtype::Int32:
      return "i";
    // "l" where long is 64-bit, so NumPy reads numpy.int64 (not longlong).
    case Dtype::Int64:
      return sizeof(long) == 8 ? "l" : "q";
    case Dtype::UInt8:
      return "B";
    case Dtype::UInt16:
      return "H";
    case Dtype::UInt32:
      return "I";
    case Dtype::UInt64:
      return sizeof(long) == 8 ? "L" : "Q";
    case Dtype::Float16:
      return "e";
    case Dtype::Float32:
      return "f";
    case Dtype::Float64:
      return "d";
    case Dtype::Complex64:
      return "Zf";
    case Dtype::Complex128:
      return "Zd";
    case Dtype::BFloat16:
      return nullptr;
  }
  return nullptr;
}

int set_buffer_error(const char* msg) {
  PyErr_SetString(PyExc_BufferError, msg);
  return -1;
}

}  // namespace

// Note [buffer protocol]
// NumPy tries the buffer protocol before __array__, so the refusals below
// matter: a bfloat16 array refuses (PEP 3118 has no bfloat16 code, and
// exporting it as uint16 would make numpy.asarray return integers) and a GPU
// array refuses; NumPy then falls back to __array__, which does the right
// thing for both.
int array_getbuffer(PyObject* self, Py_buffer* view, int flags) {
  const Array& a = *nb::inst_ptr<Array>(self);
  if (!a.device().is_cpu())
    return set_buffer_error(
        "[buffer] the buffer protocol needs CPU memory; this array is on a "
        "GPU (use numpy.asarray(a) or a.__dlpack__())");
  const char* fmt = buffer_format(a.dtype());
  if (!fmt)
    return set_buffer_error(
        "[buffer] bfloat16 has no buffer-protocol format code (use "
        "numpy.asarray(a), which keeps the ml_dtypes.bfloat16 dtype)");
  bool c = a.is_c_contiguous(), f = a.is_f_contiguous();
  if ((flags & PyBUF_C_CONTIGUOUS) == PyBUF_C_CONTIGUOUS && !c)
    return set_buffer_error("[buffer] array is not C-contiguous");
  if ((flags & PyBUF_F_CONTIGUOUS) == PyBUF_F_CONTIGUOUS && !f)
    return set_buffer_error("[buffer] array is not Fortran-contiguous");
  if ((flags & PyBUF_ANY_CONTIGUOUS) == PyBUF_ANY_CONTIGUOUS && !c && !f)
    return set_buffer_error("[buffer] array is not contiguous");
  if ((flags & PyBUF_STRIDES) != PyBUF_STRIDES && !c)
    return set_buffer_error(
        "[buffer] array is not C-contiguous and the consumer did not ask for "
        "strides");
  int nd = a.ndim();
  // One block for shape and strides, freed in array_releasebuffer.
  auto* dims = static_cast<Py_ssize_t*>(
      PyMem_Malloc(sizeof(Py_ssize_t) * (2 * static_cast<size_t>(nd) + 1)));
  if (!dims) {
    PyErr_NoMemory();
    return -1;
  }
  for (int i = 0; i < nd; ++i) {
    dims[i] = static_cast<Py_ssize_t>(a.shape()[i]);
    dims[nd + i] = static_cast<Py_ssize_t>(a.strides()[i] * a.itemsize());
  }
  if (a.is_batched()) {
    PyMem_Free(dims);
    PyErr_SetString(PyExc_ValueError,
                    "[buffer] the values of an array batched by vmap are not "
                    "available inside the vmapped function");
    return -1;
  }
  view->buf = a.data();
  view->obj = Py_NewRef(self);
  view->len = static_cast<Py_ssize_t>(a.nbytes());
  view->itemsize = a.itemsize();
  if (a.is_readonly() && (flags & PyBUF_WRITABLE) == PyBUF_WRITABLE)
    return set_buffer_error("[buffer] the array is read-only");
  view->readonly = a.is_readonly() ? 1 : 0;
  view->ndim = nd;
  view->format = (flags & PyBUF_FORMAT) ? const_cast<char*>(fmt) : nullptr;
  view->shape = (flags & PyBUF_ND) == PyBUF_ND ? dims : nullptr;
  view->strides =
      (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? dims + nd : nullptr;
  view->suboffsets = nullptr;
  view->internal = dims;
  return 0;
}

void array_releasebuffer(PyObject*, Py_buffer* view) {
  PyMem_Free(view->internal);
  view->internal = nullptr;
}

void init_pyapi(nb::module_& m) {
  nb::handle cls = nb::type<Array>();
  nb::object property = nb::module_::import_("builtins").attr("property");
  auto prop = [&](const char* name, nb::object getter,
                  nb::object setter = nb::none()) {
    nb::setattr(cls, name, property(getter, setter));
  };
  prop("T", nb::cpp_function([](const Array& a) { return transpose(a); }));
  prop("mT", nb::cpp_function(&matrix_transpose));
  prop("real", nb::cpp_function(&real_get), nb::cpp_function(&real_set));
  prop("imag", nb::cpp_function(&imag_get), nb::cpp_function(&imag_set));

  m.def("_owns_data", &owns_data);
  m.def("_readonly", [](const Array& a) { return a.is_readonly(); });
  m.def("_set_readonly", [](Array& a, bool r) { a.set_readonly(r); });
  m.def("_storage_owner", &storage_owner);
  m.def("_reinterpret", &reinterpret);
  m.def("_storage_nbytes", [](const Array& a) {
    return static_cast<int64_t>(a.storage()->nbytes);
  });
  m.def("_to_dlpack", &to_dlpack, nb::arg("array"), nb::arg("versioned"),
        nb::arg("copied") = false);
  m.def("_from_dlpack_capsule", &from_dlpack_capsule);
}

}  // namespace arrax::py

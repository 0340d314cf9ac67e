"""The Python surface of arrax.ndarray that is not one op family: printing,
flags, flat, device, NumPy interop (__array__, __array_ufunc__,
__array_function__, DLPack, pickling) and the method fallback.

T, mT, real, imag and the buffer protocol are attached in C++
(python/src/pyapi.cpp).

Note [OWNDATA and base]
arrax does not record which handle made an allocation: views, reshapes and
the array they came from are all handles on one shared storage. So
``flags.owndata`` is True when the array spans its whole arrax-made
allocation in C order from its start; a fresh array, and also a full-size
C-order view of it (``a.reshape(...)``, ``a.view()``), report True, where
NumPy reports False for the view. ``base`` is None exactly when
``flags.owndata`` is True. Otherwise it is a new 1-D arrax array over the
whole allocation (for memory arrax allocated), the NumPy array that owns the
memory (for ``asarray(numpy_array, copy=False)``), or None for memory
imported through DLPack. ``a.base is b`` never holds for two arrax arrays:
each attribute access makes a new Python handle.
"""

import sys
import threading

import numpy

from arrax import _core, fallbacks

ndarray = _core.ndarray


def _arrax():
    return sys.modules["arrax"]


# ---- device --------------------------------------------------------------------


class Device(str):
    """The device of an array: a str ("cpu", "cuda:0") that also has
    ``type`` and ``index`` (NumPy's ``a.device`` is the plain str "cpu")."""

    __slots__ = ()

    @property
    def type(self):
        return self.split(":")[0]

    @property
    def index(self):
        parts = self.split(":")
        return int(parts[1]) if len(parts) > 1 else None


def _device(self):
    return Device(self._device_str)


def _to_device(self, device, /, *, stream=None):
    """Array API ``to_device``: a copy on `device` (the array itself when it
    is already there)."""
    return _core.asarray(self, device=device)


def _to(self, *args, device=None, dtype=None, copy=False, non_blocking=False):
    """PyTorch-style ``x.to(device)``, ``x.to(dtype)``, ``x.to(device,
    dtype)``: the array itself when nothing changes (unless `copy`)."""
    for a in args:
        if isinstance(a, Device) or (
            isinstance(a, str) and (a == "cpu" or a.startswith("cuda"))
        ):
            device = a
        else:
            dtype = a
    out = self
    if device is not None:
        moved = _core.asarray(out, device=device)
        if not moved._same_array(out):
            out = moved
    if dtype is not None and out.dtype != dtype:
        out = out.astype(dtype)
    if copy and out is self:
        out = out.copy()
    return out


# ---- flags ---------------------------------------------------------------------


class flagsobj:
    """NumPy's ``ndarray.flags``: mapping access (``flags['C_CONTIGUOUS']``,
    one-letter keys too) and attributes (``flags.c_contiguous``). A snapshot
    taken when ``a.flags`` is read, except WRITEABLE, which can be set
    (``a.flags.writeable = False``) and is read live. arrax arrays are
    always aligned; see Note [OWNDATA and base] for OWNDATA."""

    __slots__ = ("_c", "_f", "_own", "_arr")

    _KEYS = {
        "C": "C_CONTIGUOUS",
        "CONTIGUOUS": "C_CONTIGUOUS",
        "F": "F_CONTIGUOUS",
        "FORTRAN": "F_CONTIGUOUS",
        "O": "OWNDATA",
        "W": "WRITEABLE",
        "A": "ALIGNED",
        "X": "WRITEBACKIFCOPY",
        "B": "BEHAVED",
        "CA": "CARRAY",
        "FA": "FARRAY",
    }

    def __init__(self, arr):
        self._c = arr._c_contiguous
        self._f = arr._f_contiguous
        self._own = _core._owns_data(arr)
        self._arr = arr

    def _get(self, key):
        key = self._KEYS.get(key, key)
        if key == "C_CONTIGUOUS":
            return self._c
        if key == "F_CONTIGUOUS":
            return self._f
        if key == "OWNDATA":
            return self._own
        if key == "WRITEABLE":
            return not _core._readonly(self._arr)
        if key == "ALIGNED":
            return True
        if key == "BEHAVED":
            return not _core._readonly(self._arr)
        if key == "WRITEBACKIFCOPY":
            return False
        if key == "CARRAY":
            return self._c and not _core._readonly(self._arr)
        if key == "FARRAY":
            return self._f and not self._c and not _core._readonly(self._arr)
        if key == "FNC":
            return self._f and not self._c
        if key == "FORC":
            return self._f or self._c
        raise KeyError(f"Unknown flag {key!r}")

    def __getitem__(self, key):
        if not isinstance(key, str):
            raise KeyError(f"Unknown flag {key!r}")
        return self._get(key)

    def __setitem__(self, key, value):
        key = self._KEYS.get(key, key)
        if key == "ALIGNED" and value:
            return
        if key == "WRITEABLE":
            _core._set_readonly(self._arr, not value)
            return
        if key == "WRITEBACKIFCOPY" and not value:
            return
        raise ValueError(f"[flags] cannot set flag {key!r} on an arrax array")

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._get(name.upper())
        except KeyError:
            raise AttributeError(
                f"'flagsobj' object has no attribute {name!r}"
            ) from None

    def __setattr__(self, name, value):
        if name in flagsobj.__slots__:
            object.__setattr__(self, name, value)
        else:
            self[name.upper()] = value

    def __eq__(self, other):
        if not isinstance(other, flagsobj):
            return NotImplemented
        return (self._c, self._f, self._own) == (other._c, other._f, other._own)

    def __repr__(self):
        names = [
            "C_CONTIGUOUS",
            "F_CONTIGUOUS",
            "OWNDATA",
            "WRITEABLE",
            "ALIGNED",
            "WRITEBACKIFCOPY",
        ]
        return "".join(f"  {n} : {self._get(n)}\n" for n in names)


def _flags(self):
    return flagsobj(self)


def _base(self):
    if _core._owns_data(self):
        return None
    return _core._storage_owner(self)


def _data(self):
    return memoryview(self)


def _sizeof(self):
    size = object.__sizeof__(self)
    if _core._owns_data(self):
        size += self.nbytes
    return size


# ---- flat ----------------------------------------------------------------------


class flatiter:
    """``a.flat``: a 1-D iterator over the array in C order, indexable with
    ints, slices, index arrays and masks, and assignable (writes go to the
    array). Indexing runs on a host view of the array: zero-copy for CPU
    arrays; for GPU arrays a host copy that assignment copies back."""

    def __init__(self, base):
        self._base = base
        self._index = 0
        self._host_view = None

    @property
    def base(self):
        return self._base

    @property
    def index(self):
        return self._index

    @property
    def coords(self):
        # C-order unravelling; the first coordinate is unbounded, as in
        # NumPy (an exhausted iterator over (2, 3) is at (2, 0)).
        shape = self._base.shape
        if not shape:
            return ()
        idx, out = self._index, []
        for d in reversed(shape[1:]):
            out.append(idx % d if d else 0)
            idx = idx // d if d else idx
        return (idx, *reversed(out))

    def _host(self):
        if self._base._device_str != "cpu":
            return self._base._to_numpy()
        if self._host_view is None:
            self._host_view = self._base._to_numpy()
        return self._host_view

    def __len__(self):
        return self._base.size

    def __iter__(self):
        return self

    def __next__(self):
        if self._index >= self._base.size:
            raise StopIteration
        value = self._host().flat[self._index]
        self._index += 1
        return value

    def _key(self, key):
        conv = fallbacks._Conversion()
        return conv.to_host(key)

    def __getitem__(self, key):
        result = self._host().flat[self._key(key)]
        if isinstance(result, numpy.ndarray):
            return _core.asarray(result, device=self._base._device_str)
        return result

    def __setitem__(self, key, value):
        conv = fallbacks._Conversion()
        host = self._host()
        host.flat[self._key(key)] = conv.to_host(value)
        if self._base._device_str != "cpu":
            _core.copyto(self._base, host, casting="unsafe")

    def __array__(self, dtype=None, copy=None):
        out = self._host().ravel()
        return out if dtype is None else out.astype(dtype)

    def copy(self):
        return _core.asarray(self._host().flatten(), device=self._base._device_str)

    def __repr__(self):
        return f"<arrax.flatiter of shape ({self._base.size},)>"


def _flat_get(self):
    return flatiter(self)


def _flat_set(self, value):
    # NumPy's a.flat = v: values repeat to fill the array, in C order.
    host = self._to_numpy()
    host.flat = fallbacks._Conversion().to_host(value)
    if self._device_str != "cpu":
        _core.copyto(self, host, casting="unsafe")


# ---- scalars, lists, printing ---------------------------------------------------


def _item(self, *args):
    return self._to_numpy().item(*args)


def _tolist(self):
    return self._to_numpy().tolist()


def _repr(self):
    return repr(self._to_numpy())


def _str(self):
    return str(self._to_numpy())


def _format(self, spec):
    return format(self._to_numpy(), spec)


# ---- NumPy interop --------------------------------------------------------------


def _array(self, dtype=None, copy=None):
    """``numpy.asarray(a)``: zero-copy for CPU arrays (a host copy for GPU
    arrays); ``copy=False`` raises where a copy is unavoidable."""
    if copy is False and self._device_str != "cpu":
        raise ValueError(
            "[__array__] a GPU array cannot be viewed by NumPy without a copy "
            "(copy=False)"
        )
    host = self._to_numpy()
    if dtype is not None and numpy.dtype(dtype) != host.dtype:
        if copy is False:
            raise ValueError(
                "[__array__] a copy is needed to change the dtype but copy=False"
            )
        return host.astype(dtype)
    if copy:
        return host.copy()
    return host


def _array_namespace(self, /, *, api_version=None):
    if api_version is not None and api_version not in (
        "2021.12",
        "2022.12",
        "2023.12",
        "2024.12",
    ):
        raise ValueError(
            f"[__array_namespace__] unsupported api_version {api_version!r}"
        )
    return _arrax()


# numpy module name -> (arrax module name, fallback-count prefix)
_MODULES = {
    "numpy": ("arrax", ""),
    "numpy.linalg": ("arrax.linalg", "linalg."),
    "numpy.fft": ("arrax.fft", "fft."),
    "numpy.random": ("arrax.random", "random."),
}


def _native(module, name, numpy_obj):
    """The native arrax function for a NumPy one, or None. Only names in the
    arrax module's own dict count: a fallback wrapper or NumPy's own object
    would send the call back here."""
    mod = sys.modules.get(module)
    if mod is None:
        return None
    obj = vars(mod).get(name)
    if obj is None or obj is numpy_obj or fallbacks.is_fallback(obj):
        return None
    return obj


# NumPy functions whose native arrax version is running on this thread: a
# native that itself calls the NumPy function on arrax arrays must reach the
# fallback, not itself again.
_active = threading.local()


def _run_native(key, native, args, kwargs):
    running = getattr(_active, "keys", None)
    if running is None:
        running = _active.keys = set()
    if key in running:
        return NotImplemented
    running.add(key)
    try:
        return native(*args, **kwargs)
    finally:
        running.discard(key)


def _array_function(self, func, types, args, kwargs):
    """NumPy functions called on arrax arrays run arrax's native function of
    the same name, else the counted fallback (as CuPy does)."""
    for t in types:
        if not issubclass(t, (ndarray, numpy.ndarray)):
            return NotImplemented
    module = getattr(func, "__module__", None) or "numpy"
    name = func.__name__
    target, prefix = _MODULES.get(module, (None, module.removeprefix("numpy.") + "."))
    native = _native(target, name, func) if target else None
    if native is not None:
        result = _run_native(func, native, args, kwargs)
        if result is not NotImplemented:
            return result
    return fallbacks.call(prefix + name, func, args, kwargs)


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    """``numpy.add(a, 1)``, ``numpy.add.reduce(a)``, ``numpy_array + a``:
    arrax's ufunc of that name (and its method) when arrax has it, else the
    counted fallback."""
    for x in inputs + tuple(kwargs.get("out", ())):
        if hasattr(type(x), "__array_ufunc__") and not isinstance(
            x, (ndarray, numpy.ndarray, numpy.generic)
        ):
            return NotImplemented  # another library's array: let it decide
    out = kwargs.get("out")
    outs_native = out is None or all(o is None or isinstance(o, ndarray) for o in out)
    native = _native("arrax", ufunc.__name__, ufunc)
    if native is not None and outs_native:
        fn = native if method == "__call__" else getattr(native, method, None)
        if fn is not None and not fallbacks.is_fallback(fn):
            result = _run_native((ufunc, method), fn, inputs, kwargs)
            if result is not NotImplemented:
                return result
    name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
    return fallbacks.call(name, getattr(ufunc, method), inputs, kwargs)


# ---- DLPack ---------------------------------------------------------------------


def _dlpack_device(self):
    dev = self._device_str
    if dev == "cpu":
        return (1, 0)
    return (2, int(dev.split(":")[1]))


def _dlpack(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    """Exports the array as a DLPack capsule (versioned when the consumer
    passes max_version >= (1, 0)), zero-copy unless `copy` or `dl_device`
    asks for a copy."""
    if stream is not None and self._device_str == "cpu":
        raise ValueError("[__dlpack__] stream must be None for CPU arrays")
    if self._device_str != "cpu" and stream != -1:
        # The consumer's stream (None and 1: the legacy default stream, 2:
        # the per-thread one, else a CUstream handle) waits for the work
        # enqueued on arrax's current stream.
        if stream == 0:
            raise ValueError("[__dlpack__] stream 0 is ambiguous on CUDA")
        _sync_consumer_stream(self, 1 if stream is None else int(stream))
    arr = self
    copied = False
    if dl_device is not None and tuple(dl_device) != self.__dlpack_device__():
        if tuple(dl_device)[0] != 1:
            raise BufferError(
                f"[__dlpack__] cannot export to DLPack device {dl_device}"
            )
        if copy is False:
            raise BufferError(
                "[__dlpack__] exporting to the CPU needs a copy but copy=False"
            )
        arr = _core.asarray(self, device="cpu")
        copied = True
    if copy and not copied:
        arr = arr.copy()
        copied = True
    versioned = max_version is not None and tuple(max_version)[0] >= 1
    return _core._to_dlpack(arr, versioned, copied)


def _sync_consumer_stream(arr, consumer):
    from arrax import cuda

    idx = int(arr._device_str.split(":")[1])
    ev = cuda.Event(device=idx)
    ev.record()
    _core.cuda._stream_wait_event(idx, consumer, ev._handle)


def _view(self, dtype=None, type=None):
    """a.view(dtype): the same memory read as another dtype (NumPy's
    rules: a different item size rescales the contiguous last axis)."""
    import builtins

    if type is not None and not (
        isinstance(type, builtins.type) and issubclass(type, ndarray)
    ):
        raise TypeError("[view] type must be a subtype of arrax.ndarray")
    if isinstance(dtype, builtins.type) and issubclass(dtype, ndarray):
        dtype = None
    return _core._reinterpret(self, self.dtype if dtype is None else dtype)


def _cuda_array_interface(self):
    """The CUDA Array Interface (version 3) of a GPU array; CPU and
    bfloat16 arrays have none (AttributeError, so hasattr() is False)."""
    dev = self._device_str
    if dev == "cpu":
        raise AttributeError(
            "__cuda_array_interface__: a CPU array has no CUDA array interface"
        )
    if self.dtype.name == "bfloat16":
        raise AttributeError(
            "__cuda_array_interface__: bfloat16 has no typestr in the CUDA "
            "array interface (use __dlpack__)"
        )
    idx = int(dev.split(":")[1])
    return {
        "shape": self.shape,
        "typestr": self.dtype.str,
        "data": (self._data_ptr if self.size else 0, False),
        "version": 3,
        "strides": None if self._c_contiguous else self.strides,
        "stream": _core.cuda._current_stream(idx),
    }


def from_dlpack(x, /, *, device=None, copy=None):
    """An arrax array viewing the memory of `x`, any object with
    ``__dlpack__`` (NumPy, PyTorch, CuPy, JAX arrays) or a DLPack capsule.
    Zero-copy unless `copy` is true or `device` differs. NumPy arrays of
    ml_dtypes.bfloat16 (which NumPy cannot export) are taken as well.
    Read-only memory gives a read-only array."""
    if isinstance(x, ndarray):
        arr = x
    elif isinstance(x, numpy.ndarray) and x.dtype.name == "bfloat16":
        # (A NumPy array of bfloat16 means ml_dtypes is loaded already.)
        arr = _core._reinterpret(from_dlpack(x.view(numpy.uint16)), x.dtype)
    elif hasattr(x, "__dlpack__"):
        kw = {} if copy is None else {"copy": copy}
        dl_dev = x.__dlpack_device__() if hasattr(x, "__dlpack_device__") else None
        if dl_dev is not None and dl_dev[0] in (2, 13):
            # The producer makes arrax's current stream wait for its work.
            kw["stream"] = _core.cuda._current_stream(int(dl_dev[1]))
        try:
            cap = x.__dlpack__(max_version=(1, 0), **kw)
        except TypeError:
            cap = x.__dlpack__(**kw)
        arr = _core._from_dlpack_capsule(cap)
    elif type(x).__name__ == "PyCapsule":
        arr = _core._from_dlpack_capsule(x)
    else:
        raise TypeError(
            f"[from_dlpack] expected an object with __dlpack__, got {type(x).__name__}"
        )
    if device is not None and str(device) != arr._device_str:
        if copy is False:
            raise ValueError(
                "[from_dlpack] moving to another device needs a copy but copy=False"
            )
        return _core.asarray(arr, device=device)
    if copy and arr is x:
        return arr.copy()
    return arr


# ---- pickling -------------------------------------------------------------------


def _rebuild(host, device):
    """Unpickles an array onto `device`, or the default device when that one
    does not exist here (a GPU array loaded on a machine without GPU)."""
    try:
        return _core.asarray(host, device=device)
    except (ValueError, RuntimeError):
        return _core.asarray(host)


def _reduce(self):
    return (_rebuild, (self._to_numpy(), self._device_str))


# ---- attach ---------------------------------------------------------------------

_PROPERTIES = {
    "device": property(_device),
    "flags": property(_flags),
    "base": property(_base),
    "data": property(_data),
    "__cuda_array_interface__": property(_cuda_array_interface),
    "flat": property(_flat_get, _flat_set),
}
_METHODS = {
    "item": _item,
    "tolist": _tolist,
    "to_device": _to_device,
    "to": _to,
    "view": _view,
    "__repr__": _repr,
    "__str__": _str,
    "__format__": _format,
    "__array__": _array,
    "__array_namespace__": _array_namespace,
    "__array_function__": _array_function,
    "__array_ufunc__": _array_ufunc,
    "__dlpack__": _dlpack,
    "__dlpack_device__": _dlpack_device,
    "__reduce__": _reduce,
    "__sizeof__": _sizeof,
    # Methods of numpy.ndarray that no family implements fall back.
    "__getattr__": fallbacks.ndarray_getattr,
}

for _name, _value in {**_PROPERTIES, **_METHODS}.items():
    setattr(ndarray, _name, _value)
del _name, _value


# Python looks special methods up on the type, so ndarray.__getattr__ cannot
# reach them: each one that no family defines (operators whose ufunc is not
# in the table yet, indexing, iteration) gets a counted fallback of its own,
# named "ndarray.__NAME__". Families' definitions, made earlier (C++ at
# _core import, Python modules before this one), are never replaced.
def _binary_names():
    for op in (
        "add",
        "sub",
        "mul",
        "truediv",
        "floordiv",
        "mod",
        "pow",
        "lshift",
        "rshift",
        "and",
        "or",
        "xor",
        "matmul",
    ):
        yield from (f"__{op}__", f"__r{op}__", f"__i{op}__")
    yield from ("__divmod__", "__rdivmod__")
    yield from ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__")


_DUNDERS = (
    *_binary_names(),
    "__neg__",
    "__pos__",
    "__abs__",
    "__invert__",
    "__getitem__",
    "__setitem__",
    "__contains__",
)


def _dunder_fallback(name):
    qual = "ndarray." + name

    def method(self, *args):
        return fallbacks.call(
            qual, lambda host, *a: getattr(host, name)(*a), (self, *args), {}
        )

    method.__name__ = name
    method.__arrax_fallback__ = qual
    return method


def _iter_fallback(self):
    # A list of the sub-arrays (zero-copy views on the CPU) or scalars.
    return iter(fallbacks.call("ndarray.__iter__", list, (self,), {}))


_iter_fallback.__arrax_fallback__ = "ndarray.__iter__"

for _name in _DUNDERS:
    if _name not in vars(ndarray) and hasattr(numpy.ndarray, _name):
        setattr(ndarray, _name, _dunder_fallback(_name))
if "__iter__" not in vars(ndarray):
    ndarray.__iter__ = _iter_fallback
ndarray.__hash__ = None  # defining __eq__ above must not make arrays hashable
del _name

__all__ = ["from_dlpack"]

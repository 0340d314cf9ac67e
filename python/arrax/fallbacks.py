"""Counted fallback to NumPy (docs/architecture.md, "Fallback to NumPy").

A NumPy name that arrax does not implement natively still works: the module
``__getattr__`` of ``arrax`` (and of ``arrax.linalg``, ``arrax.fft``,
``arrax.random``) returns a wrapper that moves arrax arrays to NumPy (a
zero-copy view for CPU arrays), calls NumPy, and moves NumPy arrays in the
result back to arrax on the device of the inputs. NumPy functions called on
arrax arrays (``numpy.median(x)``) and ndarray methods arrax lacks
(``x.argsort()``) take the same path.

Every fallback call is counted under its name ("median", "linalg.inv",
"ndarray.argsort", "add.reduceat"):

    >>> arrax.fallbacks.reset()
    >>> with arrax.fallbacks.capture() as cap:
    ...     arrax.median(x)
    >>> cap.delta
    {'median': 1}

``ARRAX_FALLBACK=warn`` issues a RuntimeWarning naming the function at each
fallback call; ``ARRAX_FALLBACK=raise`` raises NotImplementedError instead
of calling NumPy. The variable is read at every call.
"""

import contextlib
import functools
import importlib
import os
import sys
import threading
import types
import warnings

import numpy

from arrax import _core

__all__ = ["call", "capture", "counts", "is_fallback", "reset"]

_counts = {}
_lock = threading.Lock()


def counts():
    """A copy of the fallback counts: {name: number of calls}."""
    with _lock:
        return dict(_counts)


def reset():
    """Sets every count back to zero."""
    with _lock:
        _counts.clear()


class Capture:
    """The result of ``capture()``: ``delta`` is the dict of fallback calls
    made inside the block (live while the block runs, frozen after)."""

    def __init__(self):
        self._start = counts()
        self._end = None

    @property
    def delta(self):
        end = self._end if self._end is not None else counts()
        out = {}
        for name, n in end.items():
            d = n - self._start.get(name, 0)
            if d > 0:
                out[name] = d
        return out

    def __repr__(self):
        return f"Capture(delta={self.delta!r})"


@contextlib.contextmanager
def capture():
    """Context manager counting the fallback calls made inside it."""
    cap = Capture()
    try:
        yield cap
    finally:
        cap._end = counts()


def _record(name):
    mode = os.environ.get("ARRAX_FALLBACK", "").strip().lower()
    if mode == "raise":
        raise NotImplementedError(
            f"[{name}] has no native arrax implementation (ARRAX_FALLBACK=raise)"
        )
    with _lock:
        _counts[name] = _counts.get(name, 0) + 1
    if mode == "warn":
        warnings.warn(
            f"[{name}] has no native arrax implementation; falling back to NumPy",
            RuntimeWarning,
            stacklevel=4,
        )


# ---- moving arguments and results -------------------------------------------


class _Conversion:
    """State of one fallback call: the device of the inputs and the arrax
    arrays that were handed to NumPy (so results that are those very NumPy
    arrays come back as the original arrax arrays, and so arrays NumPy wrote
    into can be copied back when they live on a GPU)."""

    __slots__ = ("device", "numpy_inputs", "pairs")

    def __init__(self):
        self.device = None
        self.pairs = []  # (numpy array, arrax array)
        self.numpy_inputs = []  # NumPy arrays the caller passed in

    def to_host(self, obj):
        if isinstance(obj, _core.ndarray):
            host = obj._to_numpy()
            if self.device is None:
                self.device = obj._device_str
            self.pairs.append((host, obj))
            return host
        if isinstance(obj, numpy.ndarray):
            self.numpy_inputs.append(obj)
            return obj
        if isinstance(obj, _Proxy):
            return obj._obj
        t = type(obj)
        if t is list:
            return [self.to_host(v) for v in obj]
        if t is tuple:
            return tuple(self.to_host(v) for v in obj)
        if t is dict:
            return {k: self.to_host(v) for k, v in obj.items()}
        if isinstance(obj, tuple) and hasattr(obj, "_fields"):
            return t(*(self.to_host(v) for v in obj))
        return obj

    def from_host(self, obj):
        if isinstance(obj, numpy.ndarray):
            for host, orig in self.pairs:
                if host is obj:
                    return orig
            for x in self.numpy_inputs:
                if x is obj:  # e.g. a NumPy out= array: the caller's own
                    return obj
            return _to_arrax(obj, self.device)
        if isinstance(obj, numpy.generic):
            return obj  # NumPy scalars stay scalars
        t = type(obj)
        if t is list:
            return [self.from_host(v) for v in obj]
        if t is tuple:
            return tuple(self.from_host(v) for v in obj)
        if t is dict:
            return {k: self.from_host(v) for k, v in obj.items()}
        if isinstance(obj, tuple) and hasattr(obj, "_fields"):
            return t(*(self.from_host(v) for v in obj))  # namedtuples
        if _is_proxied(obj):
            return _Proxy(obj, _proxy_prefix(obj))
        return obj

    def write_back(self, written):
        """Copies NumPy arrays that were written into back to GPU arrays (on
        the CPU they were zero-copy views and NumPy wrote the arrax memory)."""
        for host, orig in self.pairs:
            if orig._device_str != "cpu" and (
                written is None or any(host is w for w in written)
            ):
                # On orig's device, whatever the default device is.
                src = _core.asarray(host, device=orig._device_str)
                _core.copyto(orig, src, casting="unsafe")


def _to_arrax(arr, device):
    """A NumPy result as an arrax array on `device` (None: the default
    device). Dtypes arrax does not have (object, str, datetime...) stay
    NumPy arrays."""
    target = _core.default_device() if device is None else device
    # Zero-copy on the CPU (read-only results, broadcast views..., are
    # copied: the caller may write into the result); to a GPU, a copy.
    copy = (not arr.flags.writeable) if str(target) == "cpu" else None
    try:
        return _core.asarray(arr, copy=copy, device=device)
    except TypeError:
        return arr


def _out_arrays(kwargs):
    out = kwargs.get("out")
    if out is None:
        return ()
    return out if isinstance(out, tuple) else (out,)


# Functions and methods that write into their array arguments: on a GPU the
# host copies they wrote are copied back. (On the CPU NumPy writes the arrax
# memory directly.)
_MUTATING = {
    "copyto",
    "place",
    "put",
    "putmask",
    "put_along_axis",
    "fill_diagonal",
    "random.shuffle",
    "random.Generator.shuffle",
    "random.RandomState.shuffle",
    "ndarray.sort",
    "ndarray.partition",
    "ndarray.fill",
    "ndarray.put",
    "ndarray.itemset",
    "ndarray.setfield",
    "ndarray.resize",
}


def call(name, func, args, kwargs):
    """Counts a fallback call of `name` and runs `func` (a NumPy callable)
    with arrax arrays converted to NumPy, converting the result back."""
    _record(name)
    conv = _Conversion()
    hargs = conv.to_host(tuple(args))
    hkwargs = conv.to_host(dict(kwargs))
    result = func(*hargs, **hkwargs)
    if conv.device is not None and conv.device != "cpu":
        if (
            name in _MUTATING
            or name.endswith(".at")
            or name.startswith(("ndarray.__i", "ndarray.__setitem__"))
        ):
            conv.write_back(None)
        else:
            outs = _out_arrays(hkwargs)
            if outs:
                conv.write_back(outs)
    return conv.from_host(result)


def is_fallback(obj):
    """True for the wrappers this module makes."""
    return getattr(obj, "__arrax_fallback__", None) is not None


# ---- wrappers ----------------------------------------------------------------


def _function(name, func):
    @functools.wraps(func)
    def fallback(*args, **kwargs):
        return call(name, func, args, kwargs)

    fallback.__arrax_fallback__ = name
    return fallback


class _FallbackUfunc:
    """A NumPy ufunc arrax lacks: calls and methods (reduce, accumulate,
    outer, at, reduceat) fall back, counted as "name" and "name.method"."""

    def __init__(self, name, ufunc):
        self.__arrax_fallback__ = name
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__
        self.__doc__ = ufunc.__doc__

    def __call__(self, *args, **kwargs):
        return call(self.__arrax_fallback__, self._ufunc, args, kwargs)

    def __getattr__(self, attr):
        if attr.startswith("_"):
            raise AttributeError(attr)
        value = getattr(self._ufunc, attr)
        if attr in ("reduce", "accumulate", "outer", "at", "reduceat"):
            return _function(f"{self.__arrax_fallback__}.{attr}", value)
        return value  # nin, nout, identity, types, ...

    def __repr__(self):
        return f"<arrax fallback ufunc '{self.__name__}'>"


class _Proxy:
    """Wraps a stateful NumPy object a fallback returned (a random
    Generator or RandomState) so that its methods fall back too and return
    arrax arrays."""

    def __init__(self, obj, prefix):
        object.__setattr__(self, "_obj", obj)
        object.__setattr__(self, "_prefix", prefix)

    def __getattr__(self, attr):
        value = getattr(self._obj, attr)
        if attr.startswith("_") or not callable(value):
            return value
        return _function(f"{self._prefix}.{attr}", value)

    def __setattr__(self, attr, value):
        setattr(self._obj, attr, value)

    def __repr__(self):
        return repr(self._obj)


def _is_proxied(obj):
    # Only a loaded numpy.random can have made obj: import arrax must not
    # import it (~20 ms).
    r = sys.modules.get("numpy.random")
    return r is not None and isinstance(obj, (r.Generator, r.RandomState))


class _IndexProxy:
    """numpy.r_, c_, mgrid and ogrid are indexed, not called: indexing
    falls back, counted under the object's name."""

    def __init__(self, name, obj):
        self.__arrax_fallback__ = name
        self._obj = obj

    def __getitem__(self, key):
        return call(self.__arrax_fallback__, lambda k: self._obj[k], (key,), {})

    def __len__(self):
        return len(self._obj)

    def __repr__(self):
        return f"<arrax fallback {self.__arrax_fallback__}>"


_INDEXERS = ("r_", "c_", "mgrid", "ogrid")


def _proxy_prefix(obj):
    return "random." + type(obj).__name__


_cache = {}


def wrap(name, obj):
    """What arrax hands out for the NumPy attribute `obj` (named `name`):
    a counting wrapper for functions and ufuncs, the object itself for
    classes (dtypes, exceptions, numpy.random.Generator), modules and
    constants."""
    indexer = name in _INDEXERS
    if not indexer and (isinstance(obj, (type, types.ModuleType)) or not callable(obj)):
        return obj
    w = _cache.get(name)
    if w is None or w.__wrapped_obj__ is not obj:
        if indexer:
            w = _IndexProxy(name, obj)
        elif isinstance(obj, numpy.ufunc):
            w = _FallbackUfunc(name, obj)
        else:
            w = _function(name, obj)
        w.__wrapped_obj__ = obj
        _cache[name] = w
    return w


def _resolve(numpy_module):
    # A module, or its dotted name: imported on first use, so that modules
    # NumPy itself loads lazily (numpy.random, ~20 ms) stay out of
    # ``import arrax``.
    if isinstance(numpy_module, str):
        return importlib.import_module(numpy_module)
    return numpy_module


def module_getattr(module_name, numpy_module, prefix):
    """A module-level ``__getattr__`` for `module_name` that falls back to
    `numpy_module` (a module or its dotted name, imported on first use);
    counted names get `prefix` ("" or "linalg.")."""

    def __getattr__(name):
        if not name.startswith("_"):
            try:
                obj = getattr(_resolve(numpy_module), name)
            except AttributeError:
                pass
            else:
                return wrap(prefix + name, obj)
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")

    return __getattr__


def module_dir(module_globals, numpy_module, extra=()):
    """``__dir__`` for a falling-back module: its own names, `extra` (names
    bound on first access) and NumPy's."""

    def __dir__():
        names = set(module_globals) | set(extra)
        names.update(n for n in dir(_resolve(numpy_module)) if not n.startswith("_"))
        return sorted(names)

    return __dir__


def ndarray_getattr(self, name):
    """``arrax.ndarray.__getattr__``: NumPy ndarray methods and attributes
    arrax lacks run on a NumPy view of the array, counted as
    "ndarray.name"."""
    if name.startswith("_") or not hasattr(numpy.ndarray, name):
        raise AttributeError(f"'arrax.ndarray' object has no attribute {name!r}")
    qual = "ndarray." + name
    if callable(getattr(numpy.ndarray, name)):

        def method(*args, **kwargs):
            return call(
                qual,
                lambda host, *a, **k: getattr(host, name)(*a, **k),
                (self,) + args,
                kwargs,
            )

        method.__name__ = name
        method.__arrax_fallback__ = qual
        return method
    return call(qual, lambda host: getattr(host, name), (self,), {})

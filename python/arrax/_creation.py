"""Creation functions (array, asarray, zeros, arange, linspace, eye, ...).

NumPy's argument handling lives here; the work is done by arrax._core
(arrax/ops_shape.h). Every function takes ``device=`` (None: the default
device)."""

import math
import operator

import numpy as _np

from arrax import _core
from arrax._core import ndarray

__all__ = [
    "arange",
    "array",
    "asanyarray",
    "asarray",
    "ascontiguousarray",
    "asfortranarray",
    "copy",
    "diag",
    "diagflat",
    "empty",
    "empty_like",
    "eye",
    "frombuffer",
    "fromfunction",
    "fromiter",
    "full",
    "full_like",
    "geomspace",
    "identity",
    "indices",
    "linspace",
    "logspace",
    "meshgrid",
    "ones",
    "ones_like",
    "tri",
    "tril",
    "triu",
    "zeros",
    "zeros_like",
]

_base_asarray = _core.asarray


def _index(x, op):
    try:
        return operator.index(x)
    except TypeError:
        raise TypeError(
            f"[{op}] '{type(x).__name__}' object cannot be interpreted as an integer"
        ) from None


def _check_order(order, op, allowed="CFAK"):
    if order is None:
        return None
    if not isinstance(order, str) or order.upper() not in allowed:
        raise ValueError(
            f"[{op}] order must be one of {', '.join(repr(c) for c in allowed)}"
            f" (got {order!r})"
        )
    return order.upper()


def _relayout(a, order, op):
    """a in the memory layout `order` asks for (a copy only if needed)."""
    if order in (None, "K", "A"):
        return a
    if order == "C" and not a._c_contiguous:
        return _core._copy(a, "C")
    if order == "F" and not a._f_contiguous:
        return _core._copy(a, "F")
    return a


def asarray(a, dtype=None, order=None, *, device=None, copy=None, like=None):
    """np.asarray: `a` itself when it already is an array of that dtype."""
    if (
        type(a) is ndarray
        and not copy
        and device is None
        and order in (None, "K", "A")
        and (dtype is None or a.dtype == dtype)
    ):
        return a
    if order is None or order == "K":
        return _base_asarray(a, dtype, copy, device)
    order = _check_order(order, "asarray")
    r = _base_asarray(a, dtype, copy, device)
    out = _relayout(r, order, "asarray")
    if out is not r and copy is False:
        raise ValueError(
            "[asarray] Unable to avoid copy while creating an array as requested."
        )
    return out


def asanyarray(a, dtype=None, order=None, *, device=None, copy=None, like=None):
    return asarray(a, dtype, order, device=device, copy=copy)


def array(
    object,
    dtype=None,
    *,
    copy=True,
    order="K",
    subok=False,
    ndmin=0,
    like=None,
    device=None,
):
    """np.array: a copy by default; copy=None copies only when needed;
    copy=False raises when a copy cannot be avoided."""
    order = _check_order(order, "array")
    layout = order if order in ("C", "F") else None
    if isinstance(object, ndarray):
        if copy:
            a = object
            copied = False
            if dtype is not None and _np.dtype(dtype) != a.dtype:
                a = a.astype(dtype)
                copied = True
            if device is not None and str(device) != a._device_str:
                a = _base_asarray(a, None, None, device)
                copied = True
            a = _relayout(a, order, "array") if copied else _core._copy(a, order)
        else:
            a = asarray(object, dtype, layout, device=device, copy=copy)
    else:
        if copy is False and not isinstance(object, _np.ndarray):
            raise ValueError(
                "[array] Unable to avoid copy while creating an array as requested."
            )
        a = _relayout(_base_asarray(object, dtype, copy, device), layout, "array")
    if ndmin > a.ndim:
        a = _core._reshape(a, (1,) * (ndmin - a.ndim) + a.shape, "A", None)
    return a


def ascontiguousarray(a, dtype=None, *, like=None):
    a = asarray(a, dtype)
    if a.ndim == 0:
        a = a.reshape(1)
    return a if a._c_contiguous else _core._copy(a, "C")


def asfortranarray(a, dtype=None, *, like=None):
    a = asarray(a, dtype)
    if a.ndim == 0:
        a = a.reshape(1)
    return a if a._f_contiguous else _core._copy(a, "F")


def copy(a, order="K", subok=False):
    return _core._copy(asarray(a), _check_order(order, "copy"))


def _shape_arg(shape, op):
    if isinstance(shape, (tuple, list)):
        return shape
    try:
        return (operator.index(shape),)
    except TypeError:
        raise TypeError(
            f"[{op}] '{type(shape).__name__}' object cannot be interpreted as "
            "an integer"
        ) from None


empty = _core.empty
zeros = _core.zeros
ones = _core.ones
full = _core.full


def _like_shape(shape, op):
    return None if shape is None else _shape_arg(shape, op)


def empty_like(
    prototype, dtype=None, order="K", subok=True, shape=None, *, device=None
):
    return _core._full_like(
        asarray(prototype),
        None,
        dtype,
        _check_order(order, "empty_like"),
        _like_shape(shape, "empty_like"),
        device,
        "empty_like",
    )


def zeros_like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    return _core._full_like(
        asarray(a),
        0,
        dtype,
        _check_order(order, "zeros_like"),
        _like_shape(shape, "zeros_like"),
        device,
        "zeros_like",
    )


def ones_like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    return _core._full_like(
        asarray(a),
        1,
        dtype,
        _check_order(order, "ones_like"),
        _like_shape(shape, "ones_like"),
        device,
        "ones_like",
    )


def full_like(
    a, fill_value, dtype=None, order="K", subok=True, shape=None, *, device=None
):
    return _core._full_like(
        asarray(a),
        fill_value,
        dtype,
        _check_order(order, "full_like"),
        _like_shape(shape, "full_like"),
        device,
        "full_like",
    )


# ---- ranges -----------------------------------------------------------------


def _py_number(x, op):
    """A Python number for a range argument (0-d arrays and NumPy scalars
    included), and its kind: 'b', 'i', 'f' or 'c'."""
    if isinstance(x, ndarray):
        if x.ndim != 0:
            raise TypeError(f"[{op}] only 0-d arrays can be range arguments")
        x = x._scalar()
    if isinstance(x, (bool, _np.bool_)):
        return int(x), "b"
    if isinstance(x, (int, _np.integer)):
        return int(x), "i"
    if isinstance(x, (float, _np.floating)):
        return float(x), "f"
    if isinstance(x, (complex, _np.complexfloating)):
        return complex(x), "c"
    try:
        return operator.index(x), "i"
    except TypeError:
        pass
    try:
        return float(x), "f"
    except (TypeError, ValueError):
        raise TypeError(
            f"[{op}] unsupported operand type {type(x).__name__!r}"
        ) from None


_DEFAULT_BY_KIND = {
    "b": _np.dtype("int64"),
    "i": _np.dtype("int64"),
    "f": _np.dtype("float64"),
    "c": _np.dtype("complex128"),
}


arange = _core.arange


def _arange_py(start_or_stop, stop=None, step=None, dtype=None, device=None, like=None):
    """np.arange: length ceil((stop - start) / step); values start + i*step
    computed in the result dtype (NumPy's fill rule)."""
    if stop is None:
        start, stop = 0, start_or_stop
    else:
        start = start_or_stop
    if step is None:
        step = 1
    s, ks = _py_number(start, "arange")
    e, ke = _py_number(stop, "arange")
    d, kd = _py_number(step, "arange")
    kinds = {ks, ke, kd}
    kind = "c" if "c" in kinds else "f" if "f" in kinds else "i"
    if dtype is None:
        dtype = _DEFAULT_BY_KIND[kind]
    if d == 0:
        raise ZeroDivisionError("[arange] division by zero")
    if kind == "c":
        q = (e - s) / d
        length = min(math.ceil(q.real), math.ceil(q.imag))
    elif kind == "i":
        # Python ints: exact, as NumPy's true division then ceil of a double.
        length = math.ceil((e - s) / d)
    else:
        q = (e - s) / d
        if math.isnan(q) or math.isinf(q):
            raise ValueError("[arange] arange: cannot compute length")
        length = math.ceil(q)
    length = max(length, 0)
    second = s + d
    return _core._arange_fill(length, s, second, dtype, device)


def _to_device(a, device):
    if device is None:
        return a
    return _base_asarray(a, None, None, device)


def _check_num(num, op):
    return _index(num, op)


def linspace(
    start,
    stop,
    num=50,
    endpoint=True,
    retstep=False,
    dtype=None,
    axis=0,
    *,
    device=None,
):
    num = _check_num(num, "linspace")
    r = _core._linspace(start, stop, num, bool(endpoint), bool(retstep), dtype,
                        axis, device)
    if retstep:
        y, step = r
        from arrax import _scalars

        return y, _scalars.wrap(step)
    return r


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0,
             *, device=None):
    num = _check_num(num, "logspace")
    return _core._logspace(start, stop, num, bool(endpoint), base, dtype, axis,
                           device)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0, *,
              device=None):
    num = _check_num(num, "geomspace")
    return _core._geomspace(start, stop, num, bool(endpoint), dtype, axis,
                            device)


# ---- matrices ---------------------------------------------------------------


def eye(N, M=None, k=0, dtype=float, order="C", *, device=None, like=None):
    return _core._eye(
        _index(N, "eye"),
        None if M is None else _index(M, "eye"),
        _index(k, "eye"),
        dtype,
        _check_order(order, "eye", "CF"),
        device,
    )


def identity(n, dtype=None, *, like=None, device=None):
    return eye(n, dtype=float if dtype is None else dtype, device=device)


def tri(N, M=None, k=0, dtype=float, *, device=None, like=None):
    return _core._tri(
        _index(N, "tri"),
        None if M is None else _index(M, "tri"),
        _index(k, "tri"),
        dtype,
        device,
    )


def tril(m, k=0):
    return _core._tril(m, _index(k, "tril"))


def triu(m, k=0):
    return _core._triu(m, _index(k, "triu"))


def diag(v, k=0):
    return _core._diag(v, _index(k, "diag"))


def diagflat(v, k=0):
    return _core._diagflat(v, _index(k, "diagflat"))


# ---- grids ------------------------------------------------------------------


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    if indexing not in ("xy", "ij"):
        raise ValueError("[meshgrid] Valid values for `indexing` are 'xy' and 'ij'.")
    ndim = len(xi)
    s0 = (1,) * ndim
    out = [
        _core._reshape(x, s0[:i] + (-1,) + s0[i + 1 :], "C", None)
        for i, x in enumerate(xi)
    ]
    if indexing == "xy" and ndim > 1:
        out[0] = _core._reshape(out[0], (1, -1) + s0[2:], "C", None)
        out[1] = _core._reshape(out[1], (-1, 1) + s0[2:], "C", None)
    if not sparse:
        out = list(_core._broadcast_arrays(*out))
    if copy:
        out = [_core._copy(x, "C") for x in out]
    return tuple(out)


def indices(dimensions, dtype=int, sparse=False):
    dimensions = tuple(dimensions)
    n = len(dimensions)
    parts = []
    for i, dim in enumerate(dimensions):
        idx = arange(dim, dtype=dtype)
        idx = _core._reshape(idx, (1,) * i + (dim,) + (1,) * (n - i - 1), "C", None)
        parts.append(idx)
    if sparse:
        return tuple(parts)
    if n == 0:
        return empty((0,), dtype=dtype)
    full_parts = [_core._broadcast_to(p, dimensions) for p in parts]
    return _core._stack(full_parts, 0, None, None, None)


def fromfunction(function, shape, *, dtype=float, like=None, **kwargs):
    args = indices(shape, dtype=dtype, sparse=False)
    from arrax._manipulation import unstack

    return function(*unstack(args), **kwargs)


def frombuffer(buffer, dtype=float, count=-1, offset=0, *, like=None,
               device=None):
    """Shares the buffer's memory on the CPU, as NumPy's frombuffer does; on
    a GPU (the default device, or device=) the data is copied there."""
    try:
        n = _np.frombuffer(buffer, dtype=dtype, count=count, offset=offset)
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"[frombuffer] {exc}") from None
    target = _core.default_device() if device is None else device
    return _base_asarray(n, None, False if str(target) == "cpu" else None,
                         device)


def fromiter(iter, dtype, count=-1, *, like=None, device=None):
    """The iterable is consumed on the host (as NumPy does), then the values
    move to the device."""
    try:
        n = _np.fromiter(iter, dtype=dtype, count=count)
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"[fromiter] {exc}") from None
    return _base_asarray(n, None, None, device)

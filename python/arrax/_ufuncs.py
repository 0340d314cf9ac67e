"""The ufuncs of arrax/ufuncs.def as NumPy-style ufunc objects, their
methods (reduce, accumulate, reduceat, outer, at), NumPy's aliases, and the
functions built on ufuncs that are not ufuncs in NumPy (around/round, fix,
clip, real, imag, angle).

Calling a ufunc runs entirely in C++ (``_core.ufunc.__call__``); the
methods here only parse NumPy's signatures."""

import math

import numpy

from arrax import _core
from arrax._scalars import wrap as _wrap

_NoValue = numpy._NoValue

# NumPy's `identity` attribute, with NumPy's Python types.
_IDENTITY = {
    "add": 0,
    "multiply": 1,
    "logical_and": True,
    "logical_or": False,
    "logical_xor": False,
    "bitwise_and": -1,
    "bitwise_or": 0,
    "bitwise_xor": 0,
    "hypot": 0,
    "logaddexp": -math.inf,
    "logaddexp2": -math.inf,
}

_TYPE_CHARS = {
    "bool": "?", "int8": "b", "uint8": "B", "int16": "h", "uint16": "H",
    "int32": "i", "uint32": "I", "int64": "l", "uint64": "L",
    "float16": "e", "bfloat16": "E", "float32": "f", "float64": "d",
    "complex64": "F", "complex128": "D",
}


def _numpy_index(index):
    """An index expression with arrax arrays turned into NumPy arrays."""
    if isinstance(index, _core.ndarray):
        return index._to_numpy()
    if isinstance(index, tuple):
        return tuple(_numpy_index(i) for i in index)
    if isinstance(index, list):
        return [_numpy_index(i) for i in index]
    return index


def _single_out(out, name):
    if isinstance(out, tuple):
        if len(out) != 1:
            raise ValueError(f"[{name}] the 'out' tuple must have length 1")
        out = out[0]
    return out


class ufunc(_core.ufunc):
    """A NumPy universal function over arrax arrays."""

    def __init__(self, name):
        super().__init__(name)
        self.__name__ = name
        self.__qualname__ = name
        self.__doc__ = f"arrax implementation of numpy.{name}."
        loops = _core.ufunc_types(name)
        nin, nout = self.nin, self.nout
        types = []
        for loop, out in loops:
            ins = _TYPE_CHARS[loop] * nin
            if name == "ldexp":  # float mantissa, int64 exponent
                ins = _TYPE_CHARS[loop] + "l"
            types.append(ins + "->" + _TYPE_CHARS[out] * nout)
        self._types = types

    identity = property(lambda self: _IDENTITY.get(self.__name__))
    types = property(lambda self: list(self._types))
    ntypes = property(lambda self: len(self._types))
    signature = None

    def __repr__(self):
        return f"<ufunc '{self.__name__}'>"

    def __reduce__(self):
        return (_get_ufunc, (self.__name__,))

    def reduce(self, array, axis=0, dtype=None, out=None, keepdims=False,
               initial=_NoValue, where=True):
        name = self.__name__
        out = _single_out(out, name + ".reduce")
        r = _core.ufunc_reduce(
            name, array, axis, dtype, out, bool(keepdims),
            None if initial is _NoValue else initial,
            None if where is True else where)
        if out is not None:
            return out
        return _wrap(r)

    def accumulate(self, array, axis=0, dtype=None, out=None):
        out = _single_out(out, self.__name__ + ".accumulate")
        if axis is None:
            raise TypeError(f"[{self.__name__}.accumulate] axis must be an "
                            "integer")
        return _core.ufunc_accumulate(self.__name__, array, axis, dtype, out)

    def reduceat(self, array, indices, axis=0, dtype=None, out=None):
        out = _single_out(out, self.__name__ + ".reduceat")
        if not isinstance(indices, _core.ndarray):
            indices = numpy.asarray(indices)
            if indices.dtype.kind not in "iub":
                if indices.size == 0:
                    indices = indices.astype(numpy.int64)
        return _core.ufunc_reduceat(self.__name__, array, indices, axis,
                                    dtype, out)

    def outer(self, A, B, /, *, out=None, where=True, dtype=None,
              casting=None, order="K", subok=True):
        r = _core.ufunc_outer(self.__name__, A, B, dtype, out,
                              None if where is True else where, casting)
        return r

    def at(self, a, indices, b=None, /):
        if not isinstance(a, _core.ndarray):
            raise TypeError(f"[{self.__name__}.at] first operand must be an "
                            "arrax.ndarray")
        positions = numpy.arange(a.size, dtype=numpy.int64).reshape(a.shape)
        try:
            positions = numpy.asarray(positions[_numpy_index(indices)])
        except IndexError as exc:
            raise IndexError(f"[{self.__name__}.at] {exc}") from None
        _core.ufunc_at(self.__name__, a, positions, b)


_UFUNCS = {}


def _get_ufunc(name):
    return _UFUNCS[name]


# `clip` in the table is NumPy's internal three-input ufunc behind
# numpy.clip; the public name is the function below.
for _name in _core.ufunc_names():
    _UFUNCS[_name] = ufunc(_name)
    if _name != "clip":
        globals()[_name] = _UFUNCS[_name]

_ALIASES = {
    "true_divide": "divide",
    "mod": "remainder",
    "abs": "absolute",
    "bitwise_not": "invert",
    "conj": "conjugate",
    # NumPy 2's array-API names
    "pow": "power",
    "acos": "arccos",
    "asin": "arcsin",
    "atan": "arctan",
    "acosh": "arccosh",
    "asinh": "arcsinh",
    "atanh": "arctanh",
    "atan2": "arctan2",
    "bitwise_invert": "invert",
    "bitwise_left_shift": "left_shift",
    "bitwise_right_shift": "right_shift",
}
for _alias, _name in _ALIASES.items():
    globals()[_alias] = _UFUNCS[_name]


def around(a, decimals=0, out=None):
    """numpy.around: round half to even to `decimals` digits."""
    r = _core.around(a, int(decimals), out)
    if out is not None:
        return out
    return r if isinstance(a, _core.ndarray) else _wrap(r)


round = around  # noqa: A001 - NumPy's name


def fix(x, out=None):
    """numpy.fix: round toward zero."""
    out = _single_out(out, "fix")
    r = _core.fix(x, out)
    return r if isinstance(x, _core.ndarray) or out is not None else _wrap(r)


def clip(a, a_min=_NoValue, a_max=_NoValue, out=None, *, min=_NoValue,
         max=_NoValue, dtype=None, casting=None, where=True, **kwargs):
    """numpy.clip; bounds may be None, scalars or arrays (NumPy 2 also
    takes them as min=/max=)."""
    if a_min is _NoValue and a_max is _NoValue:
        a_min = None if min is _NoValue else min
        a_max = None if max is _NoValue else max
    elif a_min is _NoValue:
        raise TypeError("[clip] clip() missing 1 required positional "
                        "argument: 'a_min'")
    elif a_max is _NoValue:
        raise TypeError("[clip] clip() missing 1 required positional "
                        "argument: 'a_max'")
    elif min is not _NoValue or max is not _NoValue:
        raise ValueError("[clip] Passing `min` or `max` keyword argument when "
                         "`a_min` and `a_max` are provided is forbidden.")
    for k in kwargs:
        if k not in ("order", "subok", "signature"):
            raise TypeError(f"[clip] got an unexpected keyword argument '{k}'")
    out = _single_out(out, "clip")
    r = _core.clip(a, a_min, a_max, out, dtype, casting,
                   None if where is True else where)
    if out is not None:
        return out
    return r if isinstance(a, _core.ndarray) else _wrap(r)


def real(val):
    """numpy.real: a view of the real part of complex arrays."""
    if isinstance(val, _core.ndarray):
        return _core.real(val)
    if isinstance(val, (bool, int, float, complex, numpy.generic)):
        return val.real
    return _core.real(val)


def imag(val):
    """numpy.imag: a view of the imaginary part of complex arrays."""
    if isinstance(val, _core.ndarray):
        return _core.imag(val)
    if isinstance(val, (bool, int, float, complex, numpy.generic)):
        return val.imag
    return _core.imag(val)


def angle(z, deg=False):
    """numpy.angle: the counterclockwise angle from the positive real axis."""
    r = _core.angle(z, bool(deg))
    return r if isinstance(z, _core.ndarray) else _wrap(r)


def _clip_method(self, min=None, max=None, out=None, **kwargs):
    return clip(self, min, max, out=out, **kwargs)


def _round_method(self, decimals=0, out=None):
    return around(self, decimals, out)


def _conj_method(self):
    return conjugate(self)  # noqa: F821 - defined from the table above


_core.ndarray.clip = _clip_method
_core.ndarray.round = _round_method
_core.ndarray.conj = _conj_method
_core.ndarray.conjugate = _conj_method

__all__ = (
    ["ufunc"]
    + [n for n in _UFUNCS if n != "clip"]
    + list(_ALIASES)
    + ["around", "round", "fix", "clip", "real", "imag", "angle"]
)

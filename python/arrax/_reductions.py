"""Reductions and scans with NumPy's signatures: sum prod mean var std min
max amin amax ptp argmin argmax any all cumsum cumprod and the nan-
variants, plus the matching ndarray methods. The work is done in C++
(arrax/ops_reductions.cpp); full reductions on the CPU return NumPy
scalars, as NumPy does."""

import atexit

from arrax import _core
from arrax._core import ndarray

__all__ = [
    "sum", "prod", "mean", "var", "std", "min", "max", "amin", "amax", "ptp",
    "argmin", "argmax", "any", "all", "cumsum", "cumprod", "nansum",
    "nanprod", "nanmean", "nanvar", "nanstd", "nanmin", "nanmax",
    "nanargmin", "nanargmax", "nancumsum", "nancumprod",
]


class _NoValueType:
    __slots__ = ()

    def __repr__(self):
        return "<no value>"


_NoValue = _NoValueType()


_core._set_no_value(_NoValue)
# The binding keeps a reference; dropped at exit so that nanobind's leak
# check at interpreter shutdown sees the module's objects freed.
atexit.register(_core._set_no_value, None)
# The functions below call the bindings directly (one Python frame a call):
# _core._reduce / _argreduce / _scan take _NoValue and where=True as "not
# given" and return NumPy scalars for 0-d CPU results, `out` when given.
_reduce = _core._reduce


def _ddof(ddof, correction, name):
    if correction is not _NoValue:
        if ddof != 0:
            raise ValueError(
                f"[{name}] ddof and correction can't be provided "
                "simultaneously."
            )
        return float(correction)
    return float(ddof)


def _no_mean(mean, name):
    if mean is not _NoValue:
        raise TypeError(f"[{name}] the mean= argument is not supported")


def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=_NoValue,
        where=True):
    return _reduce("sum", a, axis, dtype, out, keepdims, initial, where)


def prod(a, axis=None, dtype=None, out=None, keepdims=False,
         initial=_NoValue, where=True):
    return _reduce("prod", a, axis, dtype, out, keepdims, initial, where)


def max(a, axis=None, out=None, keepdims=False, initial=_NoValue,
        where=True):
    return _reduce("max", a, axis, None, out, keepdims, initial, where)


def min(a, axis=None, out=None, keepdims=False, initial=_NoValue,
        where=True):
    return _reduce("min", a, axis, None, out, keepdims, initial, where)


amax = max
amin = min


def ptp(a, axis=None, out=None, keepdims=False):
    return _reduce("ptp", a, axis, None, out, keepdims, _NoValue, True)


def any(a, axis=None, out=None, keepdims=False, *, where=True):
    return _reduce("any", a, axis, None, out, keepdims, _NoValue, where)


def all(a, axis=None, out=None, keepdims=False, *, where=True):
    return _reduce("all", a, axis, None, out, keepdims, _NoValue, where)


def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    return _reduce("mean", a, axis, dtype, out, keepdims, _NoValue, where)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *,
        where=True, mean=_NoValue, correction=_NoValue):
    _no_mean(mean, "var")
    return _reduce("var", a, axis, dtype, out, keepdims, _NoValue, where,
                   _ddof(ddof, correction, "var"))


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *,
        where=True, mean=_NoValue, correction=_NoValue):
    _no_mean(mean, "std")
    return _reduce("std", a, axis, dtype, out, keepdims, _NoValue, where,
                   _ddof(ddof, correction, "std"))


def nansum(a, axis=None, dtype=None, out=None, keepdims=False,
           initial=_NoValue, where=True):
    return _reduce("nansum", a, axis, dtype, out, keepdims, initial, where)


def nanprod(a, axis=None, dtype=None, out=None, keepdims=False,
            initial=_NoValue, where=True):
    return _reduce("nanprod", a, axis, dtype, out, keepdims, initial, where)


def nanmax(a, axis=None, out=None, keepdims=False, initial=_NoValue,
           where=True):
    return _reduce("nanmax", a, axis, None, out, keepdims, initial, where)


def nanmin(a, axis=None, out=None, keepdims=False, initial=_NoValue,
           where=True):
    return _reduce("nanmin", a, axis, None, out, keepdims, initial, where)


def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, *,
            where=True):
    return _reduce("nanmean", a, axis, dtype, out, keepdims, _NoValue, where)


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *,
           where=True, mean=_NoValue, correction=_NoValue):
    _no_mean(mean, "nanvar")
    return _reduce("nanvar", a, axis, dtype, out, keepdims, _NoValue, where,
                   _ddof(ddof, correction, "nanvar"))


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *,
           where=True, mean=_NoValue, correction=_NoValue):
    _no_mean(mean, "nanstd")
    return _reduce("nanstd", a, axis, dtype, out, keepdims, _NoValue, where,
                   _ddof(ddof, correction, "nanstd"))


_arg = _core._argreduce


def argmax(a, axis=None, out=None, *, keepdims=False):
    return _arg("argmax", a, axis, out, keepdims)


def argmin(a, axis=None, out=None, *, keepdims=False):
    return _arg("argmin", a, axis, out, keepdims)


def nanargmax(a, axis=None, out=None, *, keepdims=False):
    return _arg("nanargmax", a, axis, out, keepdims)


def nanargmin(a, axis=None, out=None, *, keepdims=False):
    return _arg("nanargmin", a, axis, out, keepdims)


_scan = _core._scan


def cumsum(a, axis=None, dtype=None, out=None):
    return _scan("cumsum", a, axis, dtype, out)


def cumprod(a, axis=None, dtype=None, out=None):
    return _scan("cumprod", a, axis, dtype, out)


def nancumsum(a, axis=None, dtype=None, out=None):
    return _scan("nancumsum", a, axis, dtype, out)


def nancumprod(a, axis=None, dtype=None, out=None):
    return _scan("nancumprod", a, axis, dtype, out)


# ---- ndarray methods (NumPy's signatures) -----------------------------------


def _m_sum(self, axis=None, dtype=None, out=None, keepdims=False,
           initial=_NoValue, where=True):
    return _reduce("sum", self, axis, dtype, out, keepdims, initial, where)


def _m_prod(self, axis=None, dtype=None, out=None, keepdims=False,
            initial=_NoValue, where=True):
    return _reduce("prod", self, axis, dtype, out, keepdims, initial, where)


def _m_max(self, axis=None, out=None, keepdims=False, initial=_NoValue,
           where=True):
    return _reduce("max", self, axis, None, out, keepdims, initial, where)


def _m_min(self, axis=None, out=None, keepdims=False, initial=_NoValue,
           where=True):
    return _reduce("min", self, axis, None, out, keepdims, initial, where)


def _m_any(self, axis=None, out=None, keepdims=False, *, where=True):
    return _reduce("any", self, axis, None, out, keepdims, _NoValue, where)


def _m_all(self, axis=None, out=None, keepdims=False, *, where=True):
    return _reduce("all", self, axis, None, out, keepdims, _NoValue, where)


def _m_mean(self, axis=None, dtype=None, out=None, keepdims=False, *,
            where=True):
    return _reduce("mean", self, axis, dtype, out, keepdims, _NoValue, where)


def _m_var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *,
           where=True, mean=_NoValue, correction=_NoValue):
    return var(self, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
               correction=correction)


def _m_std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *,
           where=True, mean=_NoValue, correction=_NoValue):
    return std(self, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
               correction=correction)


def _m_argmax(self, axis=None, out=None, *, keepdims=False):
    return _arg("argmax", self, axis, out, keepdims)


def _m_argmin(self, axis=None, out=None, *, keepdims=False):
    return _arg("argmin", self, axis, out, keepdims)


def _m_cumsum(self, axis=None, dtype=None, out=None):
    return _scan("cumsum", self, axis, dtype, out)


def _m_cumprod(self, axis=None, dtype=None, out=None):
    return _scan("cumprod", self, axis, dtype, out)


for _name, _fn in {
    "sum": _m_sum, "prod": _m_prod, "max": _m_max, "min": _m_min,
    "any": _m_any, "all": _m_all, "mean": _m_mean, "var": _m_var,
    "std": _m_std, "argmax": _m_argmax, "argmin": _m_argmin,
    "cumsum": _m_cumsum, "cumprod": _m_cumprod,
}.items():
    _fn.__name__ = _name
    _fn.__qualname__ = "ndarray." + _name
    setattr(ndarray, _name, _fn)
del _name, _fn

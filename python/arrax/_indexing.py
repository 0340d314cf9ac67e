"""Indexing functions: take, put, nonzero, where, select, ... and the
ndarray methods of the family. ``a[...]`` itself is parsed in C++
(python/src/indexing.cpp)."""

from arrax import _core
from arrax._core import ndarray

take = _core.take
put = _core.put
take_along_axis = _core.take_along_axis
put_along_axis = _core.put_along_axis
nonzero = _core.nonzero
argwhere = _core.argwhere
flatnonzero = _core.flatnonzero
compress = _core.compress
choose = _core.choose
extract = _core.extract
place = _core.place

_NOVALUE = object()


def where(condition, x=_NOVALUE, y=_NOVALUE):
    """numpy.where: with one argument, nonzero(condition); with three,
    elementwise x where condition else y."""
    if x is _NOVALUE and y is _NOVALUE:
        return _core.nonzero(condition)
    if x is _NOVALUE or y is _NOVALUE:
        raise ValueError("[where] either both or neither of x and y should be given")
    return _core.where3(condition, x, y)


def select(condlist, choicelist, default=0):
    """numpy.select: the first choice whose condition holds, else default."""
    condlist = list(condlist)
    choicelist = list(choicelist)
    if len(condlist) != len(choicelist):
        raise ValueError(
            "[select] list of cases must be same length as list of conditions"
        )
    if len(condlist) == 0:
        raise ValueError("[select] select with an empty condition list is not possible")
    # Python scalars stay weak for the result dtype (NEP 50), as in NumPy.
    weak = (int, float, complex)
    choices = [c if type(c) in weak else _core.asarray(c) for c in choicelist]
    dflt = default if type(default) in weak else _core.asarray(default)
    dtype = _core.result_type(*choices, dflt)
    conds = [_core.asarray(c) for c in condlist]
    for i, c in enumerate(conds):
        if c.dtype != bool:
            raise TypeError(
                f"[select] invalid entry {i} in condlist: should be boolean ndarray"
            )
    result = _core.asarray(dflt, dtype=dtype)
    for cond, choice in zip(conds[::-1], choices[::-1]):
        result = _core.where3(cond, _core.asarray(choice, dtype=dtype), result)
    return result


def _iter(self):
    if self.ndim == 0:
        raise TypeError("[iter] iteration over a 0-d array")
    return (self[i] for i in range(self.shape[0]))


def _take_method(self, indices, axis=None, out=None, mode="raise"):
    return _core.take(self, indices, axis, out, mode)


def _put_method(self, indices, values, mode="raise"):
    _core.put(self, indices, values, mode)


def _compress_method(self, condition, axis=None, out=None):
    return _core.compress(condition, self, axis, out)


def _choose_method(self, choices, out=None, mode="raise"):
    return _core.choose(self, choices, out, mode)


def _nonzero_method(self):
    return _core.nonzero(self)


ndarray.__iter__ = _iter
ndarray.take = _take_method
ndarray.put = _put_method
ndarray.compress = _compress_method
ndarray.choose = _choose_method
ndarray.nonzero = _nonzero_method

__all__ = [
    "take",
    "put",
    "take_along_axis",
    "put_along_axis",
    "nonzero",
    "argwhere",
    "flatnonzero",
    "compress",
    "choose",
    "extract",
    "place",
    "where",
    "select",
]

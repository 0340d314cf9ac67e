"""Sorting and searching: sort, argsort, partition, argpartition, lexsort,
sort_complex, searchsorted and their ndarray methods, native on every device
(arrax/sort.h; see docs/numpy.md, "Sorting"). ``order=`` (structured
dtypes, which arrax does not have) is refused."""

from arrax import _core
from arrax._core import ndarray
from arrax._scalars import wrap as _wrap


def _no_order(order, op):
    if order is not None:
        raise ValueError(
            f"[{op}] order= needs a structured dtype, which arrax does not have"
        )


def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    _no_order(order, "sort")
    return _core.sort(a, axis, kind, stable)


def argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    _no_order(order, "argsort")
    return _core.argsort(a, axis, kind, stable)


def _check_select_kind(kind, op):
    if kind != "introselect":
        raise ValueError(f"[{op}] select kind must be 'introselect' (got {kind!r})")


def partition(a, kth, axis=-1, kind="introselect", order=None):
    _no_order(order, "partition")
    _check_select_kind(kind, "partition")
    return _core.partition(a, kth, axis)


def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    _no_order(order, "argpartition")
    _check_select_kind(kind, "argpartition")
    return _core.argpartition(a, kth, axis)


def lexsort(keys, axis=-1):
    return _wrap(_core.lexsort(keys, axis))


def sort_complex(a):
    return _core.sort_complex(a)


def searchsorted(a, v, side="left", sorter=None):
    return _wrap(_core.searchsorted(a, v, side, sorter))


def _sort_method(self, axis=-1, kind=None, order=None, *, stable=None):
    _no_order(order, "sort")
    _core.sort_inplace(self, axis, kind, stable)


def _argsort_method(self, axis=-1, kind=None, order=None, *, stable=None):
    _no_order(order, "argsort")
    return _core.argsort(self, axis, kind, stable)


def _partition_method(self, kth, axis=-1, kind="introselect", order=None):
    _no_order(order, "partition")
    _check_select_kind(kind, "partition")
    _core.partition_inplace(self, kth, axis)


def _argpartition_method(self, kth, axis=-1, kind="introselect", order=None):
    _no_order(order, "argpartition")
    _check_select_kind(kind, "argpartition")
    return _core.argpartition(self, kth, axis)


def _searchsorted_method(self, v, side="left", sorter=None):
    return _wrap(_core.searchsorted(self, v, side, sorter))


ndarray.sort = _sort_method
ndarray.argsort = _argsort_method
ndarray.partition = _partition_method
ndarray.argpartition = _argpartition_method
ndarray.searchsorted = _searchsorted_method

__all__ = [
    "argpartition",
    "argsort",
    "lexsort",
    "partition",
    "searchsorted",
    "sort",
    "sort_complex",
]

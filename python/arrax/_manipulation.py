"""Array manipulation: reshaping, transposing, joining, splitting, tiling,
padding. Views stay views (reshape when the strides allow, transpose, flip,
split results, broadcast_to, expand_dims, squeeze)."""

import operator

import numpy as _np

from arrax import _core
from arrax._core import ndarray

__all__ = [
    "append",
    "array_split",
    "astype",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "block",
    "broadcast_arrays",
    "broadcast_shapes",
    "broadcast_to",
    "column_stack",
    "concat",
    "concatenate",
    "delete",
    "dsplit",
    "dstack",
    "expand_dims",
    "flip",
    "fliplr",
    "flipud",
    "hsplit",
    "hstack",
    "insert",
    "matrix_transpose",
    "moveaxis",
    "ndim",
    "pad",
    "permute_dims",
    "ravel",
    "repeat",
    "require",
    "reshape",
    "resize",
    "roll",
    "rollaxis",
    "rot90",
    "row_stack",
    "shape",
    "size",
    "split",
    "squeeze",
    "stack",
    "swapaxes",
    "tile",
    "transpose",
    "unstack",
    "vsplit",
    "vstack",
]

_asarray = _core.asarray


def _arr(a):
    return a if isinstance(a, ndarray) else _asarray(a)


def reshape(a, /, shape=None, order="C", *, newshape=None, copy=None):
    if newshape is not None:
        if shape is not None:
            raise TypeError(
                "[reshape] You cannot specify 'newshape' and 'shape' "
                "arguments at the same time."
            )
        shape = newshape
    if shape is None:
        raise TypeError("[reshape] reshape() missing 1 required argument: 'shape'")
    return _core._reshape(a, shape, order, copy)


def ravel(a, order="C"):
    return _core._ravel(a, order)


def transpose(a, axes=None):
    return _core._transpose(a, axes)


def permute_dims(a, /, axes=None):
    return _core._transpose(a, axes)


def matrix_transpose(x, /):
    x = _arr(x)
    if x.ndim < 2:
        raise ValueError(
            f"[matrix_transpose] Input array must be at least 2-dimensional, "
            f"but it is {x.ndim}"
        )
    return _core._swapaxes(x, -1, -2)


def moveaxis(a, source, destination):
    return _core._moveaxis(a, source, destination)


def swapaxes(a, axis1, axis2):
    return _core._swapaxes(a, operator.index(axis1), operator.index(axis2))


def expand_dims(a, axis):
    return _core._expand_dims(a, axis)


def squeeze(a, axis=None):
    return _core._squeeze(a, axis)


def concatenate(arrays, /, axis=0, out=None, *, dtype=None, casting="same_kind"):
    return _core._concatenate(arrays, axis, out, dtype, casting)


def concat(arrays, /, axis=0, out=None, *, dtype=None, casting="same_kind"):
    return _core._concatenate(arrays, axis, out, dtype, casting)


def _seq(arrays, op):
    if isinstance(arrays, ndarray):
        return arrays
    if not hasattr(arrays, "__len__") or not hasattr(arrays, "__getitem__"):
        raise TypeError(
            f'[{op}] arrays to {op} must be passed as a "sequence" type such '
            "as list or tuple."
        )
    return arrays


def stack(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    return _core._stack(
        _seq(arrays, "stack"), operator.index(axis), out, dtype, casting
    )


def _atleast(arys, nd):
    out = []
    for a in arys:
        a = _arr(a)
        if a.ndim < nd:
            if nd == 1:
                a = _core._reshape(a, (1,), "C", None)
            elif nd == 2:
                a = _core._reshape(a, (1,) * (2 - a.ndim) + a.shape, "C", None)
            else:
                if a.ndim == 0:
                    a = _core._reshape(a, (1, 1, 1), "C", None)
                elif a.ndim == 1:
                    a = _core._reshape(a, (1, a.shape[0], 1), "C", None)
                else:
                    a = _core._reshape(a, a.shape + (1,), "C", None)
        out.append(a)
    return out


def atleast_1d(*arys):
    r = _atleast(arys, 1)
    return r[0] if len(r) == 1 else tuple(r)


def atleast_2d(*arys):
    r = _atleast(arys, 2)
    return r[0] if len(r) == 1 else tuple(r)


def atleast_3d(*arys):
    r = _atleast(arys, 3)
    return r[0] if len(r) == 1 else tuple(r)


def vstack(tup, *, dtype=None, casting="same_kind"):
    arrs = _atleast(_seq(tup, "vstack"), 2)
    return _core._concatenate(arrs, 0, None, dtype, casting)


row_stack = vstack


def hstack(tup, *, dtype=None, casting="same_kind"):
    arrs = _atleast(_seq(tup, "hstack"), 1)
    axis = 0 if arrs and arrs[0].ndim == 1 else 1
    return _core._concatenate(arrs, axis, None, dtype, casting)


def dstack(tup):
    arrs = _atleast(_seq(tup, "dstack"), 3)
    return _core._concatenate(arrs, 2, None, None, None)


def column_stack(tup):
    arrs = []
    for v in _seq(tup, "column_stack"):
        a = _arr(v)
        if a.ndim < 2:
            a = _core._transpose(_atleast([a], 2)[0], None)
        arrs.append(a)
    return _core._concatenate(arrs, 1, None, None, None)


def _split_impl(ary, indices_or_sections, axis, exact, op):
    a = _arr(ary)
    axis = operator.index(axis)
    ios = indices_or_sections
    if isinstance(ios, ndarray):
        ios = ios._to_numpy()
    if isinstance(ios, _np.ndarray) and ios.ndim == 0:
        ios = ios.item()
    if isinstance(ios, (list, tuple, _np.ndarray)):
        idx = (
            [operator.index(i) for i in _np.asarray(ios).ravel().tolist()]
            if isinstance(ios, _np.ndarray)
            else [operator.index(i) for i in ios]
        )
        return _core._split_indices(a, idx, axis)
    indices_or_sections = ios
    try:
        sections = operator.index(indices_or_sections)
    except TypeError:
        raise TypeError(
            f"[{op}] indices_or_sections must be an integer or a sequence of integers"
        ) from None
    return _core._split_sections(a, sections, axis, exact)


def split(ary, indices_or_sections, axis=0):
    return _split_impl(ary, indices_or_sections, axis, True, "split")


def array_split(ary, indices_or_sections, axis=0):
    return _split_impl(ary, indices_or_sections, axis, False, "array_split")


def hsplit(ary, indices_or_sections):
    a = _arr(ary)
    if a.ndim == 0:
        raise ValueError("[hsplit] hsplit only works on arrays of 1 or more dimensions")
    return split(a, indices_or_sections, 1 if a.ndim > 1 else 0)


def vsplit(ary, indices_or_sections):
    a = _arr(ary)
    if a.ndim < 2:
        raise ValueError("[vsplit] vsplit only works on arrays of 2 or more dimensions")
    return split(a, indices_or_sections, 0)


def dsplit(ary, indices_or_sections):
    a = _arr(ary)
    if a.ndim < 3:
        raise ValueError("[dsplit] dsplit only works on arrays of 3 or more dimensions")
    return split(a, indices_or_sections, 2)


def unstack(x, /, *, axis=0):
    x = _arr(x)
    if x.ndim == 0:
        raise ValueError("[unstack] Input array must be at least 1-d.")
    moved = _core._moveaxis(x, axis, 0)
    parts = (
        _core._split_sections(moved, moved.shape[0], 0, True) if moved.shape[0] else []
    )
    return tuple(_core._squeeze(p, 0) for p in parts)


def flip(m, axis=None):
    return _core._flip(m, axis)


def fliplr(m):
    m = _arr(m)
    if m.ndim < 2:
        raise ValueError("[fliplr] Input must be >= 2-d.")
    return _core._flip(m, 1)


def flipud(m):
    m = _arr(m)
    if m.ndim < 1:
        raise ValueError("[flipud] Input must be >= 1-d.")
    return _core._flip(m, 0)


def roll(a, shift, axis=None):
    return _core._roll(a, shift, axis)


def rot90(m, k=1, axes=(0, 1)):
    return _core._rot90(m, operator.index(k), axes)


def tile(A, reps):
    try:
        reps = tuple(reps)
    except TypeError:
        reps = (reps,)
    return _core._tile(A, reps)


def repeat(a, repeats, axis=None):
    if isinstance(repeats, _np.ndarray):
        repeats = repeats.tolist()
    elif isinstance(repeats, ndarray):
        repeats = repeats._to_numpy().tolist()
    return _core._repeat(a, repeats, axis)


def broadcast_to(array, shape, subok=False):
    return _core._broadcast_to(array, shape)


def broadcast_arrays(*args, subok=False):
    return _core._broadcast_arrays(*args)


def broadcast_shapes(*args):
    shapes = [(s,) if isinstance(s, int) else tuple(s) for s in args]
    try:
        return _np.broadcast_shapes(*shapes)
    except ValueError as exc:
        raise ValueError(f"[broadcast_shapes] {exc}") from None


def astype(x, dtype, /, *, copy=True, device=None):
    if not isinstance(x, ndarray):
        raise TypeError(
            f"[astype] Input should be a NumPy array. It is a {type(x)} instead."
        )
    r = x.astype(dtype, copy=copy)
    if device is not None:
        r = _asarray(r, None, None, device)
    return r


# ---- pad --------------------------------------------------------------------

_PAD_KWARGS = {
    "empty": (),
    "edge": (),
    "wrap": (),
    "constant": ("constant_values",),
    "linear_ramp": ("end_values",),
    "maximum": ("stat_length",),
    "mean": ("stat_length",),
    "median": ("stat_length",),
    "minimum": ("stat_length",),
    "reflect": ("reflect_type",),
    "symmetric": ("reflect_type",),
}


def _pairs(x, ndim, as_index=False):
    """Broadcasts a pad argument to one (before, after) pair per axis, with
    NumPy's rules for scalars, (v,), (before, after) and (ndim, 2)."""
    if x is None:
        return [(None, None)] * ndim
    if isinstance(x, ndarray):
        x = x._to_numpy()
    x = _np.array(x)
    if as_index:
        x = _np.round(x).astype(_np.intp, copy=False)
    if x.ndim < 3:
        if x.size == 1:
            x = x.ravel()
            if as_index and x[0] < 0:
                raise ValueError("[pad] index can't contain negative values")
            return [(x[0].item(), x[0].item())] * ndim
        if x.size == 2 and x.shape != (2, 1):
            x = x.ravel()
            if as_index and (x[0] < 0 or x[1] < 0):
                raise ValueError("[pad] index can't contain negative values")
            return [(x[0].item(), x[1].item())] * ndim
    if as_index and x.size and x.min() < 0:
        raise ValueError("[pad] index can't contain negative values")
    try:
        b = _np.broadcast_to(x, (ndim, 2))
    except ValueError as exc:
        raise ValueError(f"[pad] {exc}") from None
    return [(p[0], p[1]) for p in b.tolist()]


def pad(array, pad_width, mode="constant", **kwargs):
    a = _arr(array)
    if isinstance(pad_width, dict):
        seq = [(0, 0)] * a.ndim
        for ax, w in pad_width.items():
            seq[ax] = (w, w) if isinstance(w, int) else tuple(w)
        pad_width = seq
    pw = _np.asarray(pad_width)
    if pw.dtype.kind not in "iu":
        raise TypeError("[pad] `pad_width` must be of integral type.")
    if callable(mode):
        # NumPy's protocol: mode(vector, (before, after), axis, kwargs) fills
        # the borders of each 1-D line in place, axis by axis.
        widths = _pairs(pw, a.ndim, as_index=True)
        zeros = [(0j, 0j)] * a.ndim
        padded = _core._pad(a, widths, "constant", zeros, [], False)
        for axis in range(padded.ndim):
            view = _core._moveaxis(padded, axis, -1)
            for ind in _np.ndindex(view.shape[:-1]):
                mode(view[ind], widths[axis], axis, kwargs)
        return padded
    if mode not in _PAD_KWARGS:
        raise ValueError(f"[pad] mode '{mode}' is not supported")
    bad = set(kwargs) - set(_PAD_KWARGS[mode])
    if bad:
        raise ValueError(
            f"[pad] unsupported keyword arguments for mode '{mode}': {bad}"
        )
    widths = _pairs(pw, a.ndim, as_index=True)
    values = []
    stat = []
    odd = False
    if mode in ("constant", "linear_ramp"):
        key = "constant_values" if mode == "constant" else "end_values"
        values = [
            (complex(p[0]), complex(p[1])) for p in _pairs(kwargs.get(key, 0), a.ndim)
        ]
    elif mode in ("maximum", "minimum", "mean", "median"):
        stat = [
            (-1 if p[0] is None else int(p[0]), -1 if p[1] is None else int(p[1]))
            for p in _pairs(kwargs.get("stat_length"), a.ndim, as_index=True)
        ]
    elif mode in ("reflect", "symmetric"):
        rt = kwargs.get("reflect_type", "even")
        if rt not in ("even", "odd"):
            raise ValueError(f"[pad] unsupported reflect_type {rt!r}")
        odd = rt == "odd"
    return _core._pad(a, widths, mode, values, stat, odd)


# ---- more joining and reshaping ------------------------------------------------


def append(arr, values, axis=None):
    arr = _arr(arr)
    values = _arr(values)
    if axis is None:
        if arr.ndim != 1:
            arr = _core._ravel(arr, "C")
        values = _core._ravel(values, "C")
        axis = arr.ndim - 1
    return _core._concatenate([arr, values], axis, None, None, None)


def rollaxis(a, axis, start=0):
    a = _arr(a)
    n = a.ndim
    axis = operator.index(axis)
    if not -n <= axis < n:
        raise _np.exceptions.AxisError(
            f"[rollaxis] axis {axis} is out of bounds for array of dimension {n}"
        )
    axis %= n if n else 1
    if start < 0:
        start += n
    if not 0 <= start < n + 1:
        raise _np.exceptions.AxisError(
            f"[rollaxis] 'start' arg requires {-n} <= start < {n + 1}, but "
            f"{start} was passed in"
        )
    if axis < start:
        start -= 1
    if axis == start:
        return _core._reshape(a, a.shape, "C", None) if a.ndim else a
    axes = list(range(n))
    axes.remove(axis)
    axes.insert(start, axis)
    return _core._transpose(a, axes)


def _block_depth(x, index, op="block"):
    """(list depth, max array ndim) of a nested-list block, checking that
    every leaf sits at the same depth."""
    if type(x) is tuple:
        raise TypeError(
            f"[{op}] {index or 'arrays'} is a tuple. Only lists can be used to "
            "arrange blocks, and np.block does not allow implicit conversion "
            "from tuple to ndarray."
        )
    if type(x) is list:
        if not x:
            raise ValueError(f"[{op}] Lists cannot be empty")
        depths = []
        nd = 0
        for i, item in enumerate(x):
            d, n = _block_depth(item, f"{index or 'arrays'}[{i}]")
            depths.append(d)
            nd = max(nd, n)
        if any(d != depths[0] for d in depths):
            raise ValueError(
                f"[{op}] List depths are mismatched. First element was at "
                f"depth {depths[0] + 1}, but there is an element at depth "
                f"{min(depths) + 1 if min(depths) != depths[0] else max(depths) + 1}"
            )
        return depths[0] + 1, nd
    return 0, _arr(x).ndim


def block(arrays):
    list_ndim, arr_ndim = _block_depth(arrays, "")
    result_ndim = max(list_ndim, arr_ndim)

    def build(x, depth):
        if type(x) is list:
            parts = [build(item, depth + 1) for item in x]
            axis = -(list_ndim - depth)
            return _core._concatenate(parts, axis, None, None, None)
        a = _arr(x)
        if a.ndim < result_ndim:
            a = _core._reshape(a, (1,) * (result_ndim - a.ndim) + a.shape, "C", None)
        return a

    if list_ndim == 0:
        return _core._copy(_arr(arrays), "C")
    return build(arrays, 0)


def resize(a, new_shape):
    if isinstance(new_shape, int):
        new_shape = (new_shape,)
    new_shape = tuple(operator.index(d) for d in new_shape)
    a = _core._ravel(_arr(a), "C")
    new_size = 1
    for d in new_shape:
        new_size *= d
        if d < 0:
            raise ValueError(
                "[resize] all elements of `new_shape` must be non-negative"
            )
    if a.size == 0 or new_size == 0:
        from arrax._creation import zeros_like

        return zeros_like(a, shape=new_shape)
    repeats = -(-new_size // a.size)
    a = _core._concatenate([a] * repeats, 0, None, None, None)
    a = _core._split_indices(a, [new_size], 0)[0]
    return _core._reshape(a, new_shape, "C", None)


def require(a, dtype=None, requirements=None, *, like=None):
    from arrax._creation import asarray

    reqs = set()
    if requirements:
        if isinstance(requirements, str):
            requirements = [requirements]
        names = {
            "C": "C",
            "C_CONTIGUOUS": "C",
            "CONTIGUOUS": "C",
            "F": "F",
            "F_CONTIGUOUS": "F",
            "FORTRAN": "F",
            "A": "A",
            "ALIGNED": "A",
            "W": "W",
            "WRITEABLE": "W",
            "O": "O",
            "OWNDATA": "O",
            "E": "E",
            "ENSUREARRAY": "E",
        }
        for r in requirements:
            key = names.get(str(r).upper())
            if key is None:
                raise KeyError(f"[require] invalid requirement {r!r}")
            reqs.add(key)
    if "C" in reqs and "F" in reqs:
        raise ValueError("[require] Cannot specify both C and Fortran contiguous.")
    arr = asarray(a, dtype=dtype)
    order = "C" if "C" in reqs else "F" if "F" in reqs else None
    if order == "C" and not arr._c_contiguous:
        return _core._copy(arr, "C")
    if order == "F" and not arr._f_contiguous:
        return _core._copy(arr, "F")
    if "O" in reqs and arr is a:
        return _core._copy(arr, order or "K")
    return arr


def shape(a):
    return _arr(a).shape


def ndim(a):
    return _arr(a).ndim


def size(a, axis=None):
    a = _arr(a)
    if axis is None:
        return a.size
    if isinstance(axis, tuple):
        n = 1
        for ax in axis:
            n *= a.shape[ax]
        return n
    return a.shape[axis]


# ---- insert and delete -------------------------------------------------------------
# The index bookkeeping (small 1-D integer vectors) runs on the host with
# NumPy; the data moves through arrax's take and concatenate.


def _edit_axis(arr, axis, op):
    arr = _arr(arr)
    if axis is None:
        if arr.ndim != 1:
            arr = _core._ravel(arr, "C")
        return arr, arr.ndim - 1
    axis = operator.index(axis)
    if not -arr.ndim <= axis < arr.ndim:
        raise _np.exceptions.AxisError(
            f"[{op}] axis {axis} is out of bounds for array of dimension {arr.ndim}"
        )
    return arr, axis % arr.ndim


def _host_indices(obj):
    if isinstance(obj, ndarray):
        return obj._to_numpy()
    return obj


def delete(arr, obj, axis=None):
    arr, axis = _edit_axis(arr, axis, "delete")
    n = arr.shape[axis]
    obj = _host_indices(obj)
    keep = _np.ones(n, dtype=bool)
    try:
        if isinstance(obj, slice):
            keep[obj] = False
        elif isinstance(obj, (int, _np.integer)) and not isinstance(obj, bool):
            if obj < -n or obj >= n:
                raise IndexError(
                    f"index {obj} is out of bounds for axis {axis} with size {n}"
                )
            keep[obj] = False
        else:
            idx = _np.asarray(obj)
            if idx.size == 0 and not isinstance(obj, _np.ndarray):
                idx = idx.astype(_np.intp)
            if idx.dtype == bool:
                if idx.shape != (n,):
                    raise ValueError(
                        "boolean array argument obj to delete must be one "
                        f"dimensional and match the axis length of {n}"
                    )
                keep = ~idx
            else:
                keep[(idx,)] = False
    except (IndexError, ValueError, TypeError) as exc:
        msg = str(exc)
        raise type(exc)(msg if msg.startswith("[") else f"[delete] {msg}") from None
    return _core.take(arr, _np.flatnonzero(keep), axis=axis)


def insert(arr, obj, values, axis=None):
    from arrax._creation import array as _array

    arr, axis = _edit_axis(arr, axis, "insert")
    n = arr.shape[axis]
    obj = _host_indices(obj)
    if isinstance(obj, slice):
        indices = _np.arange(*obj.indices(n), dtype=_np.intp)
    else:
        indices = _np.array(obj)
        if indices.dtype == bool:
            indices = indices.astype(_np.intp)
        elif indices.ndim > 1:
            raise ValueError(
                "[insert] index array argument obj to insert must be one "
                "dimensional or scalar"
            )
    if indices.size == 1:
        index = indices.item()
        if not isinstance(index, int):
            raise IndexError(
                "[insert] arrays used as indices must be of integer (or boolean) type"
            )
        if index < -n or index > n:
            raise IndexError(
                f"[insert] index {obj} is out of bounds for axis {axis} with size {n}"
            )
        if index < 0:
            index += n
        vals = _array(values, dtype=arr.dtype, copy=None, ndmin=arr.ndim)
        if indices.ndim == 0:
            vals = _core._moveaxis(vals, 0, axis)
        slab = list(arr.shape)
        slab[axis] = vals.shape[axis]
        vals = _core._broadcast_to(vals, tuple(slab))
        before, after = _core._split_indices(arr, [index], axis)
        return _core._concatenate([before, vals, after], axis, None, None, None)
    if indices.size == 0 and not isinstance(obj, _np.ndarray):
        indices = indices.astype(_np.intp)
    if indices.dtype.kind not in "iu":
        raise IndexError(
            "[insert] arrays used as indices must be of integer (or boolean) type"
        )
    indices = indices.astype(_np.intp)
    if indices.size and (indices.min() < -n or indices.max() > n):
        bad = indices[(indices < -n) | (indices > n)][0]
        raise IndexError(
            f"[insert] index {bad} is out of bounds for axis {axis} with size {n}"
        )
    indices[indices < 0] += n
    numnew = len(indices)
    order = indices.argsort(kind="mergesort")
    indices[order] += _np.arange(numnew)
    total = n + numnew
    old_mask = _np.ones(total, dtype=bool)
    old_mask[indices] = False
    src = _np.empty(total, dtype=_np.intp)
    src[old_mask] = _np.arange(n)
    src[indices] = n + _np.arange(numnew)
    vals = _arr(values)
    if vals.dtype != arr.dtype:
        vals = vals.astype(arr.dtype)
    slab = list(arr.shape)
    slab[axis] = numnew
    vals = _core._broadcast_to(vals, tuple(slab))
    combined = _core._concatenate([arr, vals], axis, None, None, None)
    return _core.take(combined, src, axis=axis)

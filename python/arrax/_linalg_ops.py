"""Matrix products with NumPy's signatures: matmul, dot, vdot, inner, outer,
tensordot, einsum, kron, trace, diagonal, and the ndarray methods dot, trace
and diagonal. The work is done in C++ (arrax/ops_linalg.cpp); this module
adapts NumPy's argument conventions and returns NumPy scalars where NumPy
does."""

import operator

from arrax import _core
from arrax._core import ndarray
from arrax._scalars import wrap

__all__ = [
    "diagonal",
    "dot",
    "einsum",
    "get_matmul_precision",
    "inner",
    "kron",
    "matmul",
    "outer",
    "set_matmul_precision",
    "tensordot",
    "trace",
    "vdot",
    "vecdot",
]


def matmul(
    x1,
    x2,
    /,
    out=None,
    *,
    casting="same_kind",
    order="K",
    dtype=None,
    subok=True,
    signature=None,
    axes=None,
    axis=None,
):
    """numpy.matmul (the gufunc's keywords; axes/axis only as None)."""
    if axes is not None or axis is not None:
        raise TypeError(
            "[matmul] axes= and axis= are not supported by arrax;"
            " move the core axes to the end instead"
        )
    if dtype is None and signature is not None:
        dtype = signature
    if out is None:
        return wrap(_core.matmul(x1, x2, None, dtype, casting))
    return _core.matmul(x1, x2, out, dtype, casting)


def dot(a, b, out=None):
    """numpy.dot."""
    r = _core.dot(a, b, out)
    return wrap(r) if out is None else r


def vecdot(
    x1,
    x2,
    /,
    out=None,
    *,
    casting="same_kind",
    order="K",
    dtype=None,
    subok=True,
    signature=None,
    axes=None,
    axis=-1,
):
    """numpy.vecdot: conj(x1) . x2 over `axis`, other dimensions broadcast."""
    if axes is not None:
        raise TypeError("[vecdot] axes= is not supported by arrax; use axis= instead")
    if dtype is None and signature is not None:
        dtype = signature
    r = _core.vecdot(x1, x2, -1 if axis is None else axis, out, dtype, casting)
    return wrap(r) if out is None else r


def vdot(a, b, /):
    """numpy.vdot: flattens both and conjugates the first."""
    return wrap(_core.vdot(a, b))


def inner(a, b, /):
    """numpy.inner."""
    return wrap(_core.inner(a, b))


def outer(a, b, out=None):
    """numpy.outer."""
    return _core.outer(a, b, out)


def tensordot(a, b, axes=2):
    """numpy.tensordot: axes is an int N or a pair of axis sequences."""
    try:
        n = operator.index(axes)
    except TypeError:
        try:
            axes_a, axes_b = axes
        except (TypeError, ValueError):
            raise TypeError(
                "[tensordot] axes must be an integer or a pair of sequences"
            ) from None
        axes_a = _axis_list(axes_a)
        axes_b = _axis_list(axes_b)
        return wrap(_core.tensordot_axes(a, b, axes_a, axes_b))
    return wrap(_core.tensordot_n(a, b, n))


def _axis_list(x):
    try:
        return [operator.index(x)]
    except TypeError:
        return [operator.index(v) for v in x]


def kron(a, b):
    """numpy.kron."""
    return _core.kron(a, b)


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _sublist_to_str(sub):
    parts = []
    for s in sub:
        if s is Ellipsis:
            parts.append("...")
            continue
        try:
            i = operator.index(s)
        except TypeError:
            raise TypeError(
                "[einsum] subscript is not within the valid range [0, 52)"
            ) from None
        if not 0 <= i < 52:
            raise ValueError("[einsum] subscript is not within the valid range [0, 52)")
        parts.append(_LETTERS[i])
    return "".join(parts)


def einsum(*operands, out=None, dtype=None, order="K", casting="safe", optimize=False):
    """numpy.einsum: subscripts string or the interleaved (operand, sublist)
    form. `optimize` is accepted; contractions always go pairwise through
    matmul in a greedy order."""
    if optimize not in (False, True, "greedy", "optimal") and not isinstance(
        optimize, (list, tuple)
    ):
        raise TypeError(f"[einsum] did not understand optimize={optimize!r}")
    if not operands:
        raise TypeError(
            "[einsum] must specify the einstein sum subscripts "
            "string and at least one operand"
        )
    if isinstance(operands[0], str):
        subscripts, ops = operands[0], list(operands[1:])
    else:
        ops, terms = [], []
        rest = list(operands)
        while len(rest) >= 2:
            ops.append(rest.pop(0))
            terms.append(_sublist_to_str(rest.pop(0)))
        subscripts = ",".join(terms)
        if rest:
            subscripts += "->" + _sublist_to_str(rest.pop(0))
    if not ops:
        raise ValueError("[einsum] must specify at least one operand")
    r = _core.einsum_str(subscripts, ops, dtype, out, casting)
    return wrap(r) if out is None else r


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """numpy.trace."""
    r = _core.trace(a, offset, axis1, axis2, dtype, out)
    return wrap(r) if out is None else r


def diagonal(a, offset=0, axis1=0, axis2=1):
    """numpy.diagonal (a view of a)."""
    return _core.diagonal(a, offset, axis1, axis2)


def _dot_method(self, b, out=None):
    return dot(self, b, out)


def _trace_method(self, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return trace(self, offset, axis1, axis2, dtype, out)


def _diagonal_method(self, offset=0, axis1=0, axis2=1):
    return _core.diagonal(self, offset, axis1, axis2)


ndarray.dot = _dot_method
ndarray.trace = _trace_method
ndarray.diagonal = _diagonal_method


def set_matmul_precision(precision):
    """The float32 matrix-product precision on CUDA, like
    torch.set_float32_matmul_precision: "highest" (full float32, the
    default), "tf32" (TensorFloat-32 tensor cores) or "bf16x3" (cuBLAS's
    CUBLAS_COMPUTE_32F_FAST_16BF, the nearest mode it offers: inputs rounded
    to bfloat16, float32 accumulation). The CPU ignores it and always
    computes in full float32."""
    _core.set_matmul_precision(precision)


def get_matmul_precision():
    """The current float32 matrix-product precision ("highest", "tf32" or
    "bf16x3"); see set_matmul_precision."""
    return _core.get_matmul_precision()

"""arrax.linalg: numpy.linalg, native on every device (LAPACK on the CPU,
cuSOLVER on the GPU; see docs/numpy.md). The factorizations are primitives
with derivatives; the rest is composed of arrax ops in C++
(arrax/linalg.cpp). Results are NumPy's named tuples' look-alikes
(``SVDResult`` etc., with the same fields), 0-d CPU results NumPy scalars.
Names NumPy's module has beyond the routines (its ``test`` runner) fall
back to numpy.linalg, counted as "linalg.NAME" in arrax.fallbacks."""

import operator
from collections import namedtuple

import numpy as _numpy

import arrax as _arrax
from arrax import _core
from arrax import fallbacks as _fallbacks
from arrax._scalars import wrap as _wrap

# The same class as NumPy's, so that `except numpy.linalg.LinAlgError`
# catches arrax's errors too.
LinAlgError = _numpy.linalg.LinAlgError

EigResult = namedtuple("EigResult", ["eigenvalues", "eigenvectors"])
EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
QRResult = namedtuple("QRResult", ["Q", "R"])
SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])

_NoValue = object()

__all__ = [
    "LinAlgError",
    "cholesky",
    "cond",
    "cross",
    "det",
    "diagonal",
    "eig",
    "eigh",
    "eigvals",
    "eigvalsh",
    "inv",
    "lstsq",
    "matmul",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "matrix_transpose",
    "multi_dot",
    "norm",
    "outer",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "svd",
    "svdvals",
    "tensordot",
    "tensorinv",
    "tensorsolve",
    "trace",
    "vecdot",
    "vector_norm",
]


def _index(n, what):
    try:
        return operator.index(n)
    except TypeError:
        raise TypeError(f"[linalg.{what}] exponent must be an integer") from None


def solve(a, b):
    return _core.linalg_solve(a, b)


def inv(a):
    return _core.linalg_inv(a)


def det(a):
    return _wrap(_core.linalg_det(a))


def slogdet(a):
    sign, logabsdet = _core.linalg_slogdet(a)
    return SlogdetResult(_wrap(sign), _wrap(logabsdet))


def cholesky(a, /, *, upper=False):
    return _core.linalg_cholesky(a, bool(upper))


def qr(a, mode="reduced"):
    r = _core.linalg_qr(a, mode)
    if mode == "r":
        return r[0]
    if mode == "raw":
        return tuple(r)
    return QRResult(*r)


def eigh(a, UPLO="L"):
    return EighResult(*_core.linalg_eigh(a, UPLO))


def eigvalsh(a, UPLO="L"):
    return _core.linalg_eigvalsh(a, UPLO)


def eig(a):
    return EigResult(*_core.linalg_eig(a))


def eigvals(a):
    return _core.linalg_eigvals(a)


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    # hermitian=True takes the general SVD: the same singular values (NumPy
    # reads them from eigh and sorts them), singular vectors of the same
    # matrix.
    r = _core.linalg_svd(a, bool(full_matrices), bool(compute_uv))
    if not compute_uv:
        return r[0]
    return SVDResult(*r)


def svdvals(x, /):
    return _core.linalg_svdvals(x)


def norm(x, ord=None, axis=None, keepdims=False):
    return _wrap(_core.linalg_norm(x, ord, axis, bool(keepdims)))


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    return _wrap(_core.linalg_vector_norm(x, ord, axis, bool(keepdims)))


def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    return _wrap(_core.linalg_matrix_norm(x, ord, bool(keepdims)))


def cond(x, p=None):
    return _wrap(_core.linalg_cond(x, p))


def pinv(a, rcond=None, hermitian=False, *, rtol=_NoValue):
    if rcond is not None and rtol is not _NoValue:
        raise ValueError("[linalg.pinv] `rtol` and `rcond` can't be both set.")
    if rcond is None:
        if rtol is _NoValue:
            rcond = 1e-15
        elif rtol is None:
            # NumPy 2: max(M, N) * eps of the input's dtype.
            x = _arrax.asarray(a)
            rcond = max(x.shape[-2:] or (0,)) * _numpy.finfo(x.dtype).eps
        else:
            rcond = rtol
    return _core.linalg_pinv(a, rcond, bool(hermitian), None)


def matrix_rank(A, tol=None, hermitian=False, *, rtol=None):
    a = _arrax.asarray(A)
    if a.ndim < 2:
        return int(bool(_core.linalg_matrix_rank(a, None, False, None)))
    return _wrap(_core.linalg_matrix_rank(a, tol, bool(hermitian), rtol))


def lstsq(a, b, rcond=None):
    x, resids, rank, s = _core.linalg_lstsq(
        a, b, None if rcond is None else float(rcond)
    )
    return x, resids, _wrap(rank), s


def matrix_power(a, n):
    return _core.linalg_matrix_power(a, _index(n, "matrix_power"))


def multi_dot(arrays, *, out=None):
    r = _wrap(_core.linalg_multi_dot(list(arrays)))
    if out is None:
        return r
    out[...] = r
    return out


def tensorinv(a, ind=2):
    return _core.linalg_tensorinv(a, operator.index(ind))


def tensorsolve(a, b, axes=None):
    return _core.linalg_tensorsolve(a, b, axes)


def cross(x1, x2, /, *, axis=-1):
    return _core.linalg_cross(x1, x2, operator.index(axis))


def outer(x1, x2, /):
    return _core.linalg_outer(x1, x2)


def trace(x, /, *, offset=0, dtype=None):
    return _wrap(_core.linalg_trace(x, operator.index(offset), dtype))


def diagonal(x, /, *, offset=0):
    return _core.linalg_diagonal(x, operator.index(offset))


# numpy.linalg names whose semantics equal the top-level arrax function of
# the same name.
matmul = _arrax.matmul
vecdot = _arrax.vecdot
tensordot = _arrax.tensordot
matrix_transpose = _arrax.matrix_transpose

__getattr__ = _fallbacks.module_getattr("arrax.linalg", _numpy.linalg, "linalg.")
__dir__ = _fallbacks.module_dir(globals(), _numpy.linalg)

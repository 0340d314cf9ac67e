"""The one helper every op test uses: run the same body with xp=numpy and
xp=arrax and compare values (exact for integers and bools, tight tolerances
for floats), dtype and shape.

    @pytest.mark.parametrize("dtype", xp.NUMERIC)
    def test_add(dtype):
        a, b = xp.rand((3, 4), dtype), xp.rand((4,), dtype)
        xp.check(lambda m, a, b: m.add(a, b), a, b)

Inputs are NumPy arrays; for the arrax run each is converted with
``arrax.asarray`` (on the default device). ``check`` returns both results.
"""

import math
import zlib

import ml_dtypes
import numpy
import pytest

import arrax

BOOL = ["bool"]
SIGNED = ["int8", "int16", "int32", "int64"]
UNSIGNED = ["uint8", "uint16", "uint32", "uint64"]
INTS = SIGNED + UNSIGNED
FLOATS = ["float16", "bfloat16", "float32", "float64"]
COMPLEX = ["complex64", "complex128"]
INEXACT = FLOATS + COMPLEX
NUMERIC = INTS + INEXACT
REAL = BOOL + INTS + FLOATS
ALL = BOOL + NUMERIC

bfloat16 = numpy.dtype(ml_dtypes.bfloat16)


def on_gpu():
    """True when the suite runs with a GPU as the default device
    (ARRAX_TEST_DEVICE=cuda, tools/gpu-check)."""
    return arrax.default_device() != "cpu"


def gpu(a):
    """A NumPy array as an arrax array on the GPU."""
    return arrax.asarray(a, device="cuda")


def cpu(a):
    """A NumPy array as an arrax array on the CPU."""
    return arrax.asarray(a, device="cpu")


def assert_scalar_like(r, expected):
    """`r` is what NumPy's scalar `expected` is in arrax: the same NumPy
    scalar type on the CPU; on a GPU a 0-d device array of that dtype (as
    CuPy and PyTorch do: reading the value would synchronize)."""
    if on_gpu():
        assert isinstance(r, arrax.ndarray) and r.shape == (), type(r)
        assert numpy.dtype(r.dtype) == numpy.asarray(expected).dtype
        assert str(r.device) == str(arrax.default_device())
    else:
        assert type(r) is type(expected), (type(r), type(expected))
    value = numpy.asarray(r)[()]
    if numpy.asarray(expected).dtype.kind in "fc":
        # A GPU's summation order differs from NumPy's pairwise one.
        numpy.testing.assert_allclose(value, expected, rtol=1e-5, equal_nan=True)
    else:
        assert value == expected


# Relative tolerances per result dtype (absolute tolerance scales with them).
_RTOL = {
    "float16": 2e-3,
    "bfloat16": 1.6e-2,
    "float32": 2e-6,
    "complex64": 2e-6,
    "float64": 1e-12,
    "complex128": 1e-12,
}


def npdtype(dtype):
    if dtype == "bfloat16" or dtype is ml_dtypes.bfloat16:
        return bfloat16
    return numpy.dtype(dtype)


def rand(shape, dtype, seed=0, low=None, high=None, nonzero=False):
    """Random NumPy data of `dtype` (never all zeros). Integers in a small
    range that is safe for the dtype; floats in [low, high)."""
    rng = numpy.random.default_rng(
        seed + zlib.crc32(f"{shape}{dtype}".encode()) % 100003
    )
    dt = npdtype(dtype)
    shape = tuple(shape) if not isinstance(shape, int) else (shape,)
    if dt == numpy.bool_:
        return rng.random(shape) < 0.5
    if dt.kind in "iu":
        info = numpy.iinfo(dt)
        lo = max(info.min, -50 if low is None else low)
        hi = min(info.max, 50 if high is None else high)
        a = rng.integers(lo, hi, size=shape, endpoint=True).astype(dt)
        if nonzero:
            a[a == 0] = 1
        return a
    lo = -5.0 if low is None else low
    hi = 5.0 if high is None else high
    if dt.kind == "c":
        a = rng.uniform(lo, hi, shape) + 1j * rng.uniform(lo, hi, shape)
    else:
        a = rng.uniform(lo, hi, shape)
    a = a.astype(dt)
    if nonzero:
        a[a == 0] = 1
    return a


def to_numpy(x):
    """arrax results (arrays, scalars, tuples, lists) -> NumPy objects."""
    if isinstance(x, arrax.ndarray):
        return numpy.asarray(x._to_numpy())
    if isinstance(x, (tuple, list)):
        return type(x)(to_numpy(v) for v in x)
    return x


def to_arrax(x):
    if isinstance(x, numpy.ndarray):
        return arrax.asarray(x)
    if isinstance(x, (tuple, list)) and any(isinstance(v, numpy.ndarray) for v in x):
        return type(x)(to_arrax(v) for v in x)
    return x


def _dtype_name(dt):
    return "bfloat16" if dt == bfloat16 else numpy.dtype(dt).name


def assert_close(actual, expected, rtol=None, atol=None, check_dtype=True, where=""):
    """Compares an arrax result (converted to NumPy) with NumPy's."""
    if isinstance(expected, (tuple, list)):
        assert isinstance(actual, (tuple, list)), f"{where}: expected a sequence"
        assert len(actual) == len(expected), f"{where}: length differs"
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_close(a, e, rtol, atol, check_dtype, f"{where}[{i}]")
        return
    if (
        expected is None
        or isinstance(expected, (str, bool))
        and not isinstance(actual, numpy.ndarray)
    ):
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"
        return
    exp_is_scalar = numpy.isscalar(expected) or isinstance(expected, numpy.generic)
    a = numpy.asarray(actual)
    e = numpy.asarray(expected)
    if exp_is_scalar and isinstance(expected, numpy.generic):
        # NumPy returned a scalar: arrax may return a scalar or a 0-d array.
        assert a.ndim == 0, f"{where}: expected a scalar, got shape {a.shape}"
    assert a.shape == e.shape, f"{where}: shape {a.shape} != {e.shape}"
    if check_dtype and isinstance(expected, (numpy.ndarray, numpy.generic)):
        assert a.dtype == e.dtype, (
            f"{where}: dtype {_dtype_name(a.dtype)} != {_dtype_name(e.dtype)}"
        )
    if e.dtype.kind in "biuSU" or e.dtype == object:
        assert numpy.array_equal(a, e), f"{where}: values differ\n{a}\n{e}"
        return
    name = _dtype_name(e.dtype)
    r = _RTOL.get(name, 1e-12) if rtol is None else rtol
    at = r if atol is None else atol
    af = a.astype(numpy.complex128 if e.dtype.kind == "c" else numpy.float64)
    ef = e.astype(numpy.complex128 if e.dtype.kind == "c" else numpy.float64)
    numpy.testing.assert_allclose(
        af, ef, rtol=r, atol=at, equal_nan=True, err_msg=where
    )


def check(fn, *args, rtol=None, atol=None, check_dtype=True, **kwargs):
    """Runs fn(numpy, *args) and fn(arrax, *converted args), compares, and
    returns (numpy_result, arrax_result). If NumPy raises, arrax must raise
    the same exception type with a message starting with '['."""
    try:
        expected = fn(numpy, *args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - mirrored below
        with pytest.raises(builtin_type(exc)) as info:
            fn(arrax, *(to_arrax(a) for a in args), **kwargs)
        assert str(info.value).startswith("["), (
            f"message should start with [op]: {info.value}"
        )
        return exc, info.value
    actual = fn(arrax, *(to_arrax(a) for a in args), **kwargs)
    assert_close(to_numpy(actual), expected, rtol, atol, check_dtype)
    return expected, actual


def builtin_type(exc):
    """The Python exception class NumPy's own exception derives from
    (numpy's _UFuncNoLoopError is a TypeError, AxisError a ValueError and
    an IndexError...): arrax raises the builtin one, except for AxisError."""
    t = type(exc)
    if t.__name__ == "AxisError":
        return t
    return next(c for c in t.__mro__ if c.__module__ == "builtins")


def check_raises(exc_type, fn, *args, **kwargs):
    """arrax raises exc_type with a message starting with '[op]'."""
    with pytest.raises(exc_type) as info:
        fn(*args, **kwargs)
    assert str(info.value).startswith("["), str(info.value)
    return info.value


def bf16_reference(fn, *args):
    """NumPy has no bfloat16 arithmetic of its own for every function:
    compute in float32 and round the result to bfloat16."""
    conv = [
        a.astype(numpy.float32)
        if isinstance(a, numpy.ndarray) and a.dtype == bfloat16
        else a
        for a in args
    ]
    r = fn(numpy, *conv)
    if isinstance(r, numpy.ndarray) and r.dtype == numpy.float32:
        return r.astype(bfloat16)
    return r


def isclose_scalar(a, b, rel=1e-12):
    return math.isclose(float(a), float(b), rel_tol=rel)


def check_vmap(fn, *args, in_axes=0, out_axes=0, rtol=None, atol=None):
    """vmap(fn)(*args) in arrax against NumPy's loop: fn(numpy, *slices)
    for each index of the mapped axes, stacked along out_axes. fn takes the
    module first; `in_axes` is an int, None or a tuple (one per argument)."""
    axes = in_axes if isinstance(in_axes, (tuple, list)) else (in_axes,) * len(args)
    sizes = {a.shape[ax] for a, ax in zip(args, axes) if ax is not None}
    assert len(sizes) == 1, "check_vmap needs one mapped size"
    (n,) = sizes
    rows = []
    for i in range(n):
        sl = [
            a if ax is None else numpy.take(a, i, axis=ax) for a, ax in zip(args, axes)
        ]
        rows.append(fn(numpy, *sl))
    if isinstance(rows[0], (tuple, list)):
        oaxes = (
            out_axes
            if isinstance(out_axes, (tuple, list))
            else (out_axes,) * len(rows[0])
        )
        expected = type(rows[0])(
            numpy.stack([numpy.asarray(r[k]) for r in rows], axis=oaxes[k])
            for k in range(len(rows[0]))
        )
    else:
        expected = numpy.stack([numpy.asarray(r) for r in rows], axis=out_axes)
    actual = arrax.vmap(
        lambda *a: fn(arrax, *a), in_axes=tuple(axes), out_axes=out_axes
    )(*(to_arrax(a) for a in args))
    assert_close(to_numpy(actual), expected, rtol, atol)
    return expected, actual

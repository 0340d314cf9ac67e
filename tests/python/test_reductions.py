"""Reductions and scans against NumPy. One registry row per op drives the
dtype/axis/keepdims tests; the rest covers dtype=, where=, initial=, out=,
ddof, empty inputs, NaN semantics, strided inputs and exact float sums."""

import dataclasses
import warnings

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import arrax
import xp


@dataclasses.dataclass
class Row:
    name: str
    dtypes: list
    kind: str = "reduce"  # reduce, arg, scan
    tuple_axes: bool = True
    # Ops whose float results depend on the summation order (compared with
    # float tolerances; bfloat16 against a float32 reference).
    accumulates: bool = False


REGISTRY = [
    Row("sum", xp.ALL, accumulates=True),
    Row("prod", xp.ALL, accumulates=True),
    Row("mean", xp.ALL, accumulates=True),
    Row("var", xp.ALL, accumulates=True),
    Row("std", xp.ALL, accumulates=True),
    Row("min", xp.ALL),
    Row("max", xp.ALL),
    Row("amin", xp.ALL),
    Row("amax", xp.ALL),
    Row("ptp", xp.NUMERIC),
    Row("any", xp.ALL),
    Row("all", xp.ALL),
    Row("argmin", xp.ALL, kind="arg", tuple_axes=False),
    Row("argmax", xp.ALL, kind="arg", tuple_axes=False),
    Row("cumsum", xp.ALL, kind="scan", tuple_axes=False, accumulates=True),
    Row("cumprod", xp.ALL, kind="scan", tuple_axes=False, accumulates=True),
    Row("nansum", xp.ALL, accumulates=True),
    Row("nanprod", xp.ALL, accumulates=True),
    Row("nanmean", xp.NUMERIC, accumulates=True),
    Row("nanvar", xp.NUMERIC, accumulates=True),
    Row("nanstd", xp.NUMERIC, accumulates=True),
    Row("nanmin", xp.NUMERIC),
    Row("nanmax", xp.NUMERIC),
    Row("nanargmin", xp.NUMERIC, kind="arg", tuple_axes=False),
    Row("nanargmax", xp.NUMERIC, kind="arg", tuple_axes=False),
    Row("nancumsum", xp.NUMERIC, kind="scan", tuple_axes=False,
        accumulates=True),
    Row("nancumprod", xp.NUMERIC, kind="scan", tuple_axes=False,
        accumulates=True),
]
ROWS = {r.name: r for r in REGISTRY}
SHAPE = (3, 4, 5)


def _data(row, dtype, shape=SHAPE, seed=0):
    if row.name.endswith("prod"):
        # Keep products finite: values near 1.
        if dtype in xp.INTS:
            return xp.rand(shape, dtype, seed, low=1, high=2)
        return xp.rand(shape, dtype, seed, low=0.5, high=1.5)
    return xp.rand(shape, dtype, seed)


def _call(row, m, a, axis, keepdims=False, **kw):
    f = getattr(m, row.name)
    if row.kind == "scan":
        return f(a, axis=axis, **kw)
    return f(a, axis=axis, keepdims=keepdims, **kw)


def _check(row, dtype, fn, a):
    """xp.check, with NumPy's bfloat16 arithmetic (ml_dtypes rounds after
    every step) replaced by a float32 reference rounded to bfloat16."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if dtype == "bfloat16" and row.accumulates and row.kind != "scan":
            expected = fn(numpy, a.astype(numpy.float32))
            if numpy.asarray(expected).dtype == numpy.float32:
                expected = numpy.asarray(expected).astype(xp.bfloat16)
                if expected.ndim == 0:
                    expected = expected[()]
            actual = xp.to_numpy(fn(arrax, arrax.asarray(a)))
            xp.assert_close(actual, expected, rtol=3e-2, atol=3e-2)
            return
        rtol = None
        if row.accumulates and dtype in ("float16",):
            rtol = 5e-3
        if row.accumulates and row.name.endswith(("var", "std")):
            rtol = {"float32": 2e-5, "complex64": 2e-5, "float16": 1e-2}.get(
                dtype, rtol)
        xp.check(fn, a, rtol=rtol)


ON_CPU = arrax.default_device() == "cpu"

# Ops whose result is a sum of the elements (or prefix sums, or a sum over
# a count): any summation order errs by at most about
# sum(|x|) * eps * log2(n) (tree orders; the GPU's) where NumPy's
# pairwise or sequential order errs differently.
_LINEAR = {"sum", "nansum", "mean", "nanmean", "cumsum", "nancumsum"}


def _order_atol(row, fn, view, expected):
    """Per-element absolute tolerance for a summation in another order than
    NumPy's: fn applied to |x| (in float64) bounds the magnitudes summed
    into each result; times eps of the result type and 2 * log2(n)."""
    e = numpy.asarray(expected)
    if e.dtype.kind not in "fc" or row.name not in _LINEAR:
        return None
    if view.dtype.kind == "c":
        mag = (numpy.abs(view.real).astype(numpy.float64) +
               numpy.abs(view.imag).astype(numpy.float64))
    else:
        mag = numpy.abs(view.astype(numpy.float64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        bound = numpy.abs(numpy.asarray(fn(numpy, numpy.nan_to_num(mag))))
    eps = numpy.finfo(e.real.dtype if e.dtype.kind == "c" else e.dtype).eps
    n = max(view.size, 2)
    return bound * eps * 2 * numpy.log2(n)


def _arrax_view(make, base):
    """The arrax array for make(base): on the CPU NumPy's view shared
    without a copy; on another device NumPy cannot view device memory, so
    arrax makes the same view of the moved base (the same strides)."""
    if ON_CPU:
        return arrax.asarray(make(base), copy=False)
    return make(arrax.asarray(base))


def _check_view(row, dtype, fn, base, make):
    """Like _check, on the strided view make(base) (so the kernels see the
    same strides as NumPy). Off the CPU, sums may differ from NumPy's
    pairwise order by the bound of _order_atol."""
    view = make(base)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            expected = fn(numpy, view)
        except Exception as exc:  # noqa: BLE001 - mirrored below
            xp.check_raises(type(exc), fn, arrax, _arrax_view(make, base))
            return
        actual = fn(arrax, _arrax_view(make, base))
        rtol = None
        if row.accumulates and row.name.endswith(("var", "std")):
            rtol = {"float32": 2e-5, "complex64": 2e-5}.get(dtype)
        if dtype == "bfloat16" and row.accumulates:
            rtol = 3e-2
        if not ON_CPU and dtype in ("float32", "complex64", "float64"):
            atol = _order_atol(row, fn, view, expected)
            if atol is not None:
                a = xp.to_numpy(actual)
                e = numpy.asarray(expected)
                assert a.shape == e.shape and a.dtype == e.dtype
                r = xp._RTOL[dtype]
                with numpy.errstate(invalid="ignore"):
                    ok = ((numpy.abs(a - e) <= atol + r * numpy.abs(e)) |
                          (numpy.isnan(a) & numpy.isnan(e)) | (a == e))
                assert ok.all(), (
                    f"{row.name}: {a} != {e} (atol {atol})")
                return
        xp.assert_close(xp.to_numpy(actual), expected, rtol=rtol)


def _axes(row, ndim):
    axes = [None] + list(range(ndim)) + [-1, -ndim]
    if row.tuple_axes:
        axes += [(0, 2), (-1, 0), (), tuple(range(ndim))]
    return axes


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("name", list(ROWS))
def test_registry_axes(name, dtype, keepdims):
    row = ROWS[name]
    if dtype not in row.dtypes:
        a = _data(row, dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            xp.check(lambda m, a: _call(row, m, a, None), a)
        return
    if keepdims and row.kind == "scan":
        pytest.skip("scans take no keepdims")
    a = _data(row, dtype)
    for axis in _axes(row, a.ndim):
        _check(row, dtype,
               lambda m, a: _call(row, m, a, axis, keepdims), a)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int16", "complex64",
                                   "bool", "float16"])
@pytest.mark.parametrize("name", list(ROWS))
def test_registry_strided_inputs(name, dtype):
    row = ROWS[name]
    if dtype not in row.dtypes:
        return
    base = _data(row, dtype, (6, 5, 8))
    views = [lambda b: b[::2, :, 1::3], lambda b: b.transpose(2, 0, 1),
             lambda b: b[::-1, 1:4],
             lambda b: b[:, ::-2, :].transpose(1, 2, 0)]
    for make in views:
        for axis in _axes(row, 3):
            _check_view(row, dtype, lambda m, a: _call(row, m, a, axis),
                        base, make)


@pytest.mark.parametrize("name", list(ROWS))
def test_registry_zero_d_and_scalars(name):
    row = ROWS[name]
    a = numpy.array(2.5)
    _check(row, "float64", lambda m, a: getattr(m, name)(a), a)
    _check(row, "float64", lambda m, a: getattr(m, name)([1.0, 3.0, 2.0]), a)


@pytest.mark.parametrize("name", list(ROWS))
def test_registry_empty(name):
    row = ROWS[name]
    for shape in [(0,), (0, 3), (3, 0), (2, 0, 4)]:
        a = numpy.zeros(shape)
        for axis in [None] + list(range(len(shape))):
            _check(row, "float64", lambda m, a: _call(row, m, a, axis), a)
    # Empty integer sums keep their dtype rules.
    for dtype in ["bool", "int8", "uint16", "float16", "complex64"]:
        a = numpy.zeros((0, 2), dtype)
        if dtype in row.dtypes:
            _check(row, dtype, lambda m, a: _call(row, m, a, 0), a)


def test_empty_max_message():
    e = xp.check_raises(ValueError, lambda: arrax.max(arrax.asarray([])))
    assert str(e).startswith("[max] zero-size array to reduction operation "
                             "maximum which has no identity")
    xp.check_raises(ValueError, lambda: arrax.argmax(arrax.asarray([])))


@pytest.mark.parametrize(
    "name", ["sum", "prod", "mean", "cumsum", "cumprod", "nansum", "nanprod",
             "nanmean", "var", "std", "nancumsum"])
@pytest.mark.parametrize(
    "src,dst",
    [("int8", "int8"), ("int32", "float32"), ("uint8", "uint32"),
     ("float32", "float64"), ("float64", "float32"), ("bool", "int16"),
     ("float16", "float32"), ("int64", "complex128"), ("float32", "int64")])
def test_dtype_argument(name, src, dst):
    row = ROWS[name]
    if name in ("var", "std") and numpy.dtype(dst).kind in "iu":
        pytest.skip("NumPy computes var in an integer dtype oddly")
    a = _data(row, src, (4, 6))
    for axis in [None, 0, 1]:
        _check(row, src,
               lambda m, a: getattr(m, name)(a, axis=axis, dtype=dst), a)


WHERE_OPS = ["sum", "prod", "mean", "var", "std", "any", "all", "nansum",
             "nanprod", "nanmean", "nanvar", "nanstd"]


@pytest.mark.parametrize("name", WHERE_OPS + ["max", "min", "nanmax",
                                              "nanmin"])
@pytest.mark.parametrize("dtype", ["int16", "float32", "float64", "complex128",
                                   "bool"])
def test_where(name, dtype):
    row = ROWS[name]
    if dtype not in row.dtypes:
        return
    a = _data(row, dtype, (3, 4, 5))
    masks = [xp.rand((4, 5), "bool", seed=3), xp.rand((5,), "bool", seed=4),
             xp.rand((3, 4, 5), "bool", seed=5)]
    kw = {}
    if name in ("max", "min", "nanmax", "nanmin"):
        kw["initial"] = 1 if dtype != "complex128" else None
        if dtype == "complex128":
            return
    for w in masks:
        for axis in [None, 0, -1, (0, 2)]:
            for keepdims in [False, True]:
                _check(row, dtype, lambda m, a: getattr(m, name)(
                    a, axis=axis, keepdims=keepdims, where=w, **kw), a)


def test_where_without_initial_raises():
    a = xp.rand((3, 4), "float64")
    w = xp.rand((3, 4), "bool")
    for name in ["max", "min", "nanmax", "nanmin"]:
        xp.check(lambda m, a: getattr(m, name)(a, where=w), a)


@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "nansum",
                                  "nanprod", "nanmax", "nanmin"])
@pytest.mark.parametrize("dtype", ["int32", "uint8", "float32", "float64",
                                   "complex64", "bool"])
def test_initial(name, dtype):
    row = ROWS[name]
    if dtype not in row.dtypes or (dtype == "complex64" and "m" in name[-3:]
                                   and name.endswith(("max", "min"))):
        return
    a = _data(row, dtype, (3, 4))
    for initial in [0, 2, 7]:
        for axis in [None, 0, 1]:
            _check(row, dtype, lambda m, a: getattr(m, name)(
                a, axis=axis, initial=initial), a)
    empty = numpy.zeros((0, 3), dtype)
    _check(row, dtype,
           lambda m, a: getattr(m, name)(a, axis=0, initial=3), empty)


@pytest.mark.parametrize("name", [r.name for r in REGISTRY])
def test_out(name):
    row = ROWS[name]
    a = _data(row, "float64", (3, 4))
    axis = 1
    for out_dtype in ["float64", "float32"]:
        if row.kind == "arg":
            out_dtype = "int64" if out_dtype == "float64" else "int32"
        shape = (3, 4) if row.kind == "scan" else (3,)

        def fn(m, a):
            out = m.zeros(shape, dtype=out_dtype) if m is numpy else \
                arrax.asarray(numpy.zeros(shape, dtype=out_dtype))
            r = getattr(m, name)(a, axis=axis, out=out)
            assert r is out
            return out

        _check(row, "float64", fn, a)


def test_out_wrong_shape():
    a = xp.rand((2, 3), "float64")
    xp.check(lambda m, a: m.sum(a, axis=0, out=(
        numpy.zeros((2,)) if m is numpy else arrax.asarray(numpy.zeros((2,))))),
        a)


def test_out_strided_view():
    """out= a strided view of a bigger array: the results land in the view
    and nowhere else. On the CPU the bigger array is NumPy's, shared without
    a copy; on another device (where asarray(copy=False) of NumPy memory
    moves a copy) it is an arrax array on that device and is read back."""
    a = xp.rand((4, 6), "float32")
    xa = arrax.asarray(a)

    def zeros(shape, dtype):
        z = numpy.zeros(shape, dtype)
        return (z, arrax.asarray(z, copy=False)) if ON_CPU else (
            None, arrax.asarray(z))

    def host(np_big, ax_big):
        return np_big if ON_CPU else xp.to_numpy(ax_big)

    nb, big = zeros((6, 2), numpy.float32)
    arrax.sum(xa, axis=0, out=big[:, 1])
    got = host(nb, big)
    numpy.testing.assert_allclose(got[:, 1], a.sum(axis=0), rtol=1e-6)
    assert (got[:, 0] == 0).all()
    nb, cbig = zeros((4, 12), numpy.float32)
    arrax.cumsum(xa, axis=1, out=cbig[:, ::2])
    got = host(nb, cbig)
    numpy.testing.assert_allclose(got[:, ::2], a.cumsum(axis=1), rtol=1e-6)
    assert (got[:, 1::2] == 0).all()
    nb, ibig = zeros((6, 3), numpy.int64)
    arrax.argmax(xa, axis=0, out=ibig[:, 2])
    got = host(nb, ibig)
    numpy.testing.assert_array_equal(got[:, 2], a.argmax(axis=0))
    assert (got[:, :2] == 0).all()


@pytest.mark.parametrize("name", ["var", "std", "nanvar", "nanstd"])
@pytest.mark.parametrize("dtype", ["int32", "float32", "float64",
                                   "complex64", "complex128", "float16"])
def test_ddof(name, dtype):
    row = ROWS[name]
    a = xp.rand((3, 4), dtype)
    for ddof in [0, 1, 2.5, 3, 4, 5]:
        for axis in [None, 0, 1]:
            _check(row, dtype,
                   lambda m, a: getattr(m, name)(a, axis=axis, ddof=ddof), a)
    _check(row, dtype,
           lambda m, a: getattr(m, name)(a, axis=1, correction=1), a)


FLOATS_NAN = ["float16", "float32", "float64", "complex64", "complex128"]


def _with_nans(dtype, shape=(4, 6), seed=0):
    a = xp.rand(shape, dtype, seed)
    mask = xp.rand(shape, "bool", seed + 7) & xp.rand(shape, "bool", seed + 8)
    a[mask] = numpy.nan
    a[2, :] = numpy.nan  # an all-NaN row
    return a


@pytest.mark.parametrize("dtype", FLOATS_NAN)
@pytest.mark.parametrize("name", ["sum", "prod", "mean", "max", "min", "amax",
                                  "argmax", "argmin", "cumsum", "ptp", "var",
                                  "nansum", "nanprod", "nanmean", "nanmax",
                                  "nanmin", "nancumsum", "nancumprod",
                                  "nanvar", "nanstd", "any", "all"])
def test_nan_semantics(name, dtype):
    row = ROWS[name]
    a = _with_nans(dtype)
    for axis in [None, 0, 1]:
        _check(row, dtype, lambda m, a: _call(row, m, a, axis), a)


@pytest.mark.parametrize("dtype", FLOATS_NAN)
@pytest.mark.parametrize("name", ["nanargmax", "nanargmin"])
def test_nanarg_all_nan_raises(name, dtype):
    a = _with_nans(dtype)
    xp.check(lambda m, a: getattr(m, name)(a, axis=1), a)  # raises
    xp.check(lambda m, a: getattr(m, name)(a, axis=0), a)  # fine
    xp.check(lambda m, a: getattr(m, name)(a), a)  # fine
    xp.check(lambda m, a: getattr(m, name)(a), a[2])  # raises


def test_complex_extrema_are_lexicographic():
    a = numpy.array([1 + 1j, 1 + 2j, 0 + 5j, 1 + 2j, -1 - 9j])
    for name in ["max", "min", "argmax", "argmin", "nanmax", "nanargmin"]:
        xp.check(lambda m, a: getattr(m, name)(a), a)


@pytest.mark.skipif(arrax.default_device() != "cpu",
                    reason="NumPy's pairwise order is the CPU backend's; a "
                    "GPU sums in a tree of its own (bounded by "
                    "test_registry_strided_inputs' order tolerance)")
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64"])
def test_float_sums_are_numpy_exact(dtype):
    """Pairwise summation follows NumPy's tree, so sums agree bit for bit,
    including the per-thread split of one long row."""
    cases = [((100003,), None), (((1 << 20) + 77,), None), ((37, 1001), 1),
             ((37, 1001), 0), ((1001, 37), 0)]
    for shape, axis in cases:
        a = xp.rand(shape, dtype, low=0, high=1)
        expected = numpy.sum(a, axis=axis)
        got = xp.to_numpy(arrax.sum(arrax.asarray(a), axis=axis))
        numpy.testing.assert_array_equal(numpy.asarray(got), expected)


def test_large_extrema_threads():
    a = xp.rand((1 << 20) + 5, "float32")
    a[777777] = 100.0
    a[900000] = 100.0
    xa = arrax.asarray(a)
    assert arrax.argmax(xa) == 777777
    assert arrax.max(xa) == numpy.float32(100.0)
    a[800001] = numpy.nan
    a[800003] = numpy.nan
    xa = arrax.asarray(a)
    assert arrax.argmax(xa) == 800001
    assert numpy.isnan(arrax.max(xa))
    assert arrax.nanargmax(xa) == 777777


def test_result_types():
    cases = {
        ("sum", "bool"): "int64", ("sum", "int8"): "int64",
        ("sum", "uint16"): "uint64", ("prod", "uint8"): "uint64",
        ("cumsum", "bool"): "int64", ("mean", "int32"): "float64",
        ("mean", "float16"): "float16", ("var", "complex64"): "float32",
        ("std", "complex128"): "float64", ("any", "float32"): "bool",
        ("argmax", "int8"): "int64", ("max", "uint8"): "uint8",
    }
    for (name, dtype), expected in cases.items():
        r = getattr(arrax, name)(arrax.asarray(xp.rand((3,), dtype)))
        assert numpy.asarray(xp.to_numpy(r)).dtype == numpy.dtype(expected)


def test_scalar_results_are_numpy_scalars():
    n = xp.rand((3, 4), "float32")
    a = arrax.asarray(n)
    xp.assert_scalar_like(arrax.sum(a), n.sum())
    xp.assert_scalar_like(a.argmax(), n.argmax())
    xp.assert_scalar_like(arrax.any(a), n.any())
    assert isinstance(a.sum(axis=0), arrax.ndarray)


def test_methods():
    a = xp.rand((3, 4), "float64")
    for name in ["sum", "prod", "mean", "var", "std", "max", "min", "any",
                 "all", "argmax", "argmin", "cumsum", "cumprod"]:
        xp.check(lambda m, a: getattr(a, name)(), a)
        xp.check(lambda m, a: getattr(a, name)(axis=1), a)
        xp.check(lambda m, a: getattr(a, name)(0), a)
    xp.check(lambda m, a: a.sum(1, keepdims=True, dtype="float32"), a)
    xp.check(lambda m, a: a.var(ddof=1), a)


@pytest.mark.parametrize("name", ["sum", "max", "argmax", "cumsum", "mean"])
def test_bad_axes(name):
    a = xp.rand((3, 4), "float64")
    for axis in [2, -3, 1.0, [0], (0, 0), (0, 5)]:
        xp.check(lambda m, a: getattr(m, name)(a, axis=axis), a)


def test_ptp_bool_raises():
    a = xp.rand((4,), "bool")
    xp.check(lambda m, a: m.ptp(a), a)


# ---- hypothesis: random shapes, axes, layouts ------------------------------


@st.composite
def _case(draw):
    ndim = draw(st.integers(1, 4))
    shape = tuple(draw(st.integers(0, 5)) for _ in range(ndim))
    axes = draw(st.lists(st.integers(-ndim, ndim - 1), unique_by=lambda x:
                         x % ndim, max_size=ndim))
    axis = draw(st.sampled_from([None, tuple(axes)] +
                                ([axes[0]] if axes else [])))
    keepdims = draw(st.booleans())
    perm = draw(st.permutations(range(ndim)))
    step = draw(st.sampled_from([1, 1, 2, -1]))
    dtype = draw(st.sampled_from(["float64", "int32", "float32", "bool",
                                  "complex128", "uint8"]))
    return shape, axis, keepdims, perm, step, dtype


def _view(a, step, perm):
    return a[(slice(None, None, step),) * a.ndim].transpose(perm)


def _perm_axis(axis, perm):
    if isinstance(axis, tuple):
        return tuple(perm.index(x % len(perm)) for x in axis)
    if axis is None:
        return None
    return perm.index(axis % len(perm))


@settings(max_examples=150, deadline=None)
@given(_case(), st.sampled_from(["sum", "max", "min", "mean", "any", "prod",
                                 "var", "nansum"]))
def test_hypothesis_reduce(case, name):
    shape, axis, keepdims, perm, step, dtype = case
    row = ROWS[name]
    big = tuple(s * abs(step) for s in shape)
    base = _data(row, dtype, big)
    ax = _perm_axis(axis, perm)
    _check_view(row, dtype,
                lambda m, a: getattr(m, name)(a, axis=ax, keepdims=keepdims),
                base, lambda b: _view(b, step, perm))


@settings(max_examples=100, deadline=None)
@given(_case(), st.sampled_from(["argmax", "argmin", "cumsum", "cumprod"]))
def test_hypothesis_arg_scan(case, name):
    shape, axis, keepdims, perm, step, dtype = case
    row = ROWS[name]
    if isinstance(axis, tuple):
        axis = axis[0] if axis else None
    big = tuple(s * abs(step) for s in shape)
    base = _data(row, dtype, big)
    ax = _perm_axis(axis, perm)
    _check_view(row, dtype, lambda m, a: _call(row, m, a, ax, keepdims),
                base, lambda b: _view(b, step, perm))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
@pytest.mark.parametrize("shape,axis", [
    ((3, 4, 5), None), ((3, 4, 5), 1), ((3, 4, 5), (0, 2)),
    ((2, 70000), 1), ((70000, 3), 0), ((1 << 20,), None), ((5, 1000), 0)])
def test_mean_is_the_rounded_sum_divided(dtype, shape, axis):
    # mean divides inside the reduction (one primitive; one kernel on a
    # GPU): the sum rounded to the result dtype, then divided in it, as
    # NumPy's true_divide(sum, count). Long rows and columns take the split
    # paths, whose last block does the division.
    rdt = "float64" if dtype == "int32" else dtype
    a = xp.to_arrax(xp.rand(shape, dtype))
    count = a.size // arrax.sum(a, axis=axis).size
    for keepdims in (False, True):
        s = xp.to_numpy(arrax.sum(a, axis=axis, dtype=rdt, keepdims=keepdims))
        expected = numpy.true_divide(s, numpy.array(count, dtype=rdt))
        got = xp.to_numpy(arrax.mean(a, axis=axis, keepdims=keepdims))
        assert got.dtype == expected.dtype and got.shape == expected.shape
        numpy.testing.assert_array_equal(got, expected)
    out = arrax.empty(numpy.shape(expected), dtype=rdt)
    r = arrax.mean(a, axis=axis, keepdims=True, out=out)
    assert r is out
    numpy.testing.assert_array_equal(xp.to_numpy(out), expected)

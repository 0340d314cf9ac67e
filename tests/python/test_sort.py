"""The sorting family against NumPy through the shared helper (xp.py): sort,
argsort, partition, argpartition, lexsort, sort_complex, searchsorted and
their ndarray methods; every dtype and kind, axes, NaNs / infs / -0.0,
complex NaN classes, ties and stability, empty and 0-d inputs, bad input.
Runs on the GPU when it is the default device."""

import numpy
import pytest
import xp
from hypothesis import given, settings
from hypothesis import strategies as st

import arrax

KINDS = [None, "quicksort", "mergesort", "heapsort", "stable"]


def values(shape, dtype, seed=0):
    """Data with ties and, for floats, NaNs of both signs, infs and both
    zeros; complex numbers in every NaN class."""
    rng = numpy.random.default_rng(seed)
    dt = xp.npdtype(dtype)
    size = int(numpy.prod(shape))
    if dt == numpy.bool_:
        return rng.random(shape) < 0.5
    if dt.kind in "iu":
        info = numpy.iinfo(dt)
        pool = numpy.array([info.min, info.max, 0, 1, 2, 3, info.max - 1], dt)
        small = rng.integers(0, 6, size).astype(dt)
        return numpy.where(
            rng.random(size) < 0.2, rng.choice(pool, size), small
        ).reshape(shape)
    special = numpy.array(
        [numpy.nan, -numpy.nan, numpy.inf, -numpy.inf, 0.0, -0.0, 1.5]
    )
    base = rng.integers(-4, 4, size) / 2.0
    pick = rng.random(size) < 0.3
    re = numpy.where(pick, rng.choice(special, size), base)
    if dt.kind == "c":
        im = numpy.where(
            rng.random(size) < 0.3, rng.choice(special, size), rng.integers(-2, 2, size)
        )
        z = numpy.empty(size, dt)
        z.real, z.imag = re, im
        return z.reshape(shape)
    if dt == xp.bfloat16:
        return re.astype(numpy.float32).astype(dt).reshape(shape)
    return re.astype(dt).reshape(shape)


def reference(a):
    """NumPy sorts bfloat16 through ml_dtypes; sort float32 copies instead
    (the conversion is monotonic and exact)."""
    return a.astype(numpy.float32) if a.dtype == xp.bfloat16 else a


def host(r):
    return numpy.asarray(xp.to_numpy(r))


def assert_same_values(actual, expected):
    """Equal values, NaNs in the same places, same dtype and shape."""
    a = host(actual)
    assert a.shape == expected.shape, (a.shape, expected.shape)
    assert a.dtype == expected.dtype, (a.dtype, expected.dtype)
    if expected.dtype == xp.bfloat16:
        a, expected = a.astype(numpy.float32), expected.astype(numpy.float32)
    numpy.testing.assert_array_equal(a, expected)


def assert_same_bits(actual, expected):
    """Bit-identical results (a stable sort keeps -0.0 / 0.0 and NaN
    payloads where NumPy's does)."""
    a = host(actual)
    assert a.dtype == expected.dtype and a.shape == expected.shape
    assert a.tobytes() == expected.tobytes(), f"\n{a}\n{expected}"


# ---- sort and argsort --------------------------------------------------------


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("kind", KINDS)
def test_sort_every_dtype_and_kind(dtype, kind):
    a = values((5, 37), dtype, seed=1)
    ref = reference(a)
    expected = numpy.sort(ref, kind=kind).astype(a.dtype)
    got = arrax.sort(arrax.asarray(a), kind=kind)
    assert_same_values(got, expected)
    if kind in ("stable", "mergesort"):
        assert_same_bits(
            got, numpy.sort(a, kind="stable") if dtype != "bfloat16" else expected
        )


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("kind", KINDS)
def test_argsort_every_dtype_and_kind(dtype, kind):
    a = values((4, 41), dtype, seed=2)
    ref = reference(a)
    got = host(arrax.argsort(arrax.asarray(a), kind=kind))
    assert got.dtype == numpy.int64 and got.shape == a.shape
    stable = numpy.argsort(ref, kind="stable")
    if kind in ("stable", "mergesort"):
        numpy.testing.assert_array_equal(got, stable)
    else:
        # A permutation of each row that sorts it; arrax documents that every
        # kind gives the stable order.
        numpy.testing.assert_array_equal(
            numpy.sort(got, axis=-1), numpy.indices(a.shape)[-1]
        )
        numpy.testing.assert_array_equal(
            numpy.take_along_axis(ref, got, -1), numpy.sort(ref, kind="stable")
        )
        numpy.testing.assert_array_equal(got, stable)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2, -3, None])
def test_axes(axis):
    a = values((3, 4, 5), "float64", seed=3)
    xp.check(lambda m, a: m.sort(a, axis=axis), a)
    xp.check(lambda m, a: m.argsort(a, axis=axis, kind="stable"), a)
    xp.check(lambda m, a: m.sort(a, axis=axis, stable=True), a)


def test_nan_and_signed_zero_order():
    a = numpy.array(
        [numpy.nan, 1.0, -0.0, -numpy.nan, 0.0, -numpy.inf, numpy.inf, -0.0, 2.0]
    )
    for dt in ["float16", "float32", "float64"]:
        x = a.astype(dt)
        assert_same_bits(
            arrax.sort(arrax.asarray(x), kind="stable"), numpy.sort(x, kind="stable")
        )
        xp.check(lambda m, x: m.argsort(x, kind="stable"), x)
        assert_same_values(arrax.sort(arrax.asarray(x)), numpy.sort(x))


def test_complex_order_with_nans():
    nan = numpy.nan
    z = numpy.array(
        [
            complex(nan, nan),
            complex(1, nan),
            complex(nan, 1),
            1 + 1j,
            1 - 1j,
            complex(-2, nan),
            complex(nan, -3),
            -5 + 0j,
            1 + 1j,
            complex(nan, nan),
        ]
    )
    for dt in xp.COMPLEX:
        x = z.astype(dt)
        xp.check(lambda m, x: m.argsort(x, kind="stable"), x)
        xp.check(lambda m, x: m.argsort(x), x)
        assert_same_values(arrax.sort(arrax.asarray(x)), numpy.sort(x))


def test_ties_are_stable():
    a = numpy.array([2, 1, 2, 1, 0, 2, 1, 0] * 50, dtype=numpy.int32)
    xp.check(lambda m, a: m.argsort(a, kind="stable"), a)
    xp.check(lambda m, a: m.argsort(a, stable=True), a)
    b = numpy.zeros((3, 300), numpy.float32)
    xp.check(lambda m, b: m.argsort(b, axis=1, kind="mergesort"), b)


def test_extreme_integers():
    for dt in xp.INTS:
        info = numpy.iinfo(dt)
        a = numpy.array([info.max, info.min, 0, info.max, 1, info.min + 1], dt)
        xp.check(lambda m, a: m.sort(a), a)
        xp.check(lambda m, a: m.argsort(a, kind="stable"), a)


@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 4), ()])
def test_empty_and_0d(shape):
    a = numpy.ones(shape, numpy.float32)
    xp.check(lambda m, a: m.sort(a, axis=None), a)
    xp.check(lambda m, a: m.argsort(a), a)
    xp.check(lambda m, a: m.argsort(a, axis=None), a)
    if shape:
        xp.check(lambda m, a: m.sort(a), a)
        xp.check(lambda m, a: m.sort(a, axis=0), a)
    else:
        xp.check(lambda m, a: m.sort(a), a)  # AxisError on both


def test_strided_input():
    a = values((6, 8, 5), "int64", seed=4)[::2, :, ::-1]
    xp.check(lambda m, a: m.sort(a, axis=1), a)
    xp.check(lambda m, a: m.argsort(a, axis=0, kind="stable"), a)
    x = arrax.asarray(values((6, 10), "float32", seed=5))
    xt = x.T
    numpy.testing.assert_array_equal(host(arrax.sort(xt)), numpy.sort(host(x).T))


def test_result_layout_and_no_fallback():
    a = values((4, 6), "float32", seed=6)
    with arrax.fallbacks.capture() as cap:
        r = arrax.sort(arrax.asarray(a), axis=0)
        arrax.argsort(arrax.asarray(a), axis=0)
        arrax.searchsorted(arrax.asarray(numpy.sort(a[0])), arrax.asarray(a))
        arrax.partition(arrax.asarray(a), 2)
        arrax.lexsort([arrax.asarray(a[0]), arrax.asarray(a[1])])
        arrax.asarray(a).argsort()
    assert cap.delta == {}
    assert r.flags["C_CONTIGUOUS"]


def test_inplace_methods():
    a = values((5, 7), "float64", seed=7)
    x = arrax.asarray(a)
    x.sort()
    n = a.copy()
    n.sort()
    assert_same_values(x, n)
    x = arrax.asarray(a)
    x.sort(axis=0, kind="stable")
    n = a.copy()
    n.sort(axis=0, kind="stable")
    assert_same_bits(x, n)
    v = x[1]  # a view sorts its base in place
    v.sort(stable=True)
    n[1].sort(kind="stable")
    assert_same_bits(x, n)
    x = arrax.asarray(a)
    x.partition(3)
    assert numpy.array_equal(host(x)[:, 3], numpy.sort(a)[:, 3], equal_nan=True)
    xp.check(lambda m, a: m.asarray(a).argsort(axis=0), a)
    xp.check(lambda m, a: m.asarray(a).argsort(axis=None, stable=True), a)


def test_array_api_spellings():
    a = values((3, 20), "int16", seed=8)
    xp.check(lambda m, a: m.sort(a, 0, stable=True), a)
    xp.check(lambda m, a: m.argsort(a, -1, stable=True), a)
    xp.check(lambda m, a: m.sort(a, -1, stable=False), a)
    xp.check(lambda m, a: m.sort(a, stable=None), a)


# ---- partition -----------------------------------------------------------------


def check_partition(a, kth, axis=-1):
    x = arrax.asarray(a)
    p = host(arrax.partition(x, kth, axis=axis))
    ip = host(arrax.argpartition(x, kth, axis=axis))
    assert ip.dtype == numpy.int64
    ref = numpy.sort(a, axis=axis)
    n = a.shape[axis] if axis is not None else a.size
    if axis is None:
        ref = ref.ravel()
        axis = 0
        a = a.ravel()
    pm = numpy.moveaxis(p, axis, -1)
    rm = numpy.moveaxis(ref, axis, -1)
    gm = numpy.moveaxis(numpy.take_along_axis(a, ip, axis), axis, -1)
    for k in numpy.atleast_1d(kth):
        k = int(k) % n
        for got in (pm, gm):
            assert numpy.array_equal(got[..., k], rm[..., k], equal_nan=True)
            left, right = got[..., :k], got[..., k + 1 :]
            kv = rm[..., k : k + 1]
            if a.dtype.kind == "f":
                assert numpy.all((left <= kv) | numpy.isnan(kv))
                assert numpy.all((right >= kv) | numpy.isnan(right))
            else:
                assert numpy.all(left <= kv) and numpy.all(right >= kv)


@pytest.mark.parametrize(
    "dtype", ["bool", "int8", "uint32", "float16", "float32", "float64", "int64"]
)
def test_partition(dtype):
    a = values((4, 29), dtype, seed=9)
    check_partition(a, 5)
    check_partition(a, -1)
    check_partition(a, [0, 7, 28])
    check_partition(a, numpy.array([3, 11]))
    check_partition(a, 2, axis=0)
    check_partition(a, 50, axis=None)


def test_partition_bad_input():
    a = numpy.arange(5.0)
    xp.check(lambda m, a: m.partition(a, 5), a)
    xp.check(lambda m, a: m.partition(a, -6), a)
    xp.check(lambda m, a: m.argpartition(a, [1, 9]), a)
    xp.check(lambda m, a: m.partition(a, 1, axis=1), a)
    xp.check(lambda m, a: m.partition(a, 1.0), a)
    xp.check(lambda m, a: m.partition(numpy.float64(3.0) + 0 * a[0], 0), a)
    xp.check(lambda m, a: m.argpartition(a[0] + 0, 0), a)


# ---- lexsort and sort_complex ----------------------------------------------------


def test_lexsort():
    rng = numpy.random.default_rng(10)
    k1 = rng.integers(0, 3, 40)
    k2 = rng.integers(0, 3, 40).astype(numpy.float32)
    k3 = rng.integers(0, 2, 40).astype(numpy.int8)
    xp.check(lambda m, a, b, c: m.lexsort((a, b, c)), k1, k2, k3)
    xp.check(lambda m, a, b: m.lexsort([a, b]), k1, k2)
    k = rng.integers(0, 3, (2, 3, 8))
    xp.check(lambda m, k: m.lexsort(k, axis=0), k)
    xp.check(lambda m, k: m.lexsort(k), k)
    xp.check(lambda m, a, b: m.lexsort([a, b[:5]]), k1, k2)
    xp.check(lambda m, a: m.lexsort([a], axis=3), k1)


def test_lexsort_empty_keys():
    with pytest.raises(TypeError, match=r"^\[lexsort\]"):
        arrax.lexsort([])


@pytest.mark.parametrize(
    "dtype",
    ["int8", "uint16", "int32", "float16", "float32", "complex64", "complex128"],
)
def test_sort_complex(dtype):
    a = values((17,), dtype, seed=11)
    if a.dtype.kind == "f":
        a = a[~numpy.isnan(a)]
    xp.check(lambda m, a: m.sort_complex(a), a)


# ---- searchsorted ------------------------------------------------------------------


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_dtypes(dtype, side):
    a = numpy.sort(reference(values((50,), dtype, seed=12)), kind="stable").astype(
        xp.npdtype(dtype)
    )
    v = values((3, 11), dtype, seed=13)
    ra, rv = reference(a), reference(v)
    expected = numpy.searchsorted(ra, rv, side=side)
    got = host(arrax.searchsorted(arrax.asarray(a), arrax.asarray(v), side=side))
    numpy.testing.assert_array_equal(got, expected)
    got = host(arrax.asarray(a).searchsorted(arrax.asarray(v), side))
    numpy.testing.assert_array_equal(got, expected)


def test_searchsorted_scalars_sorter_and_promotion():
    rng = numpy.random.default_rng(14)
    a = rng.integers(0, 20, 30)
    s = numpy.sort(a)
    xp.check(lambda m, s: m.searchsorted(s, 7), s)
    xp.check(lambda m, s: m.searchsorted(s, 7.5, side="right"), s)
    xp.check(lambda m, s: m.searchsorted(s, [-1, 0, 19, 20, 100]), s)
    xp.check(lambda m, s: m.searchsorted(s.astype(numpy.int8), 300), s)
    xp.check(lambda m, s: m.searchsorted(s.astype(numpy.uint8), -1), s)
    order = numpy.argsort(a, kind="stable")
    xp.check(lambda m, a, o: m.searchsorted(a, [3, 5, 5.5], sorter=o), a, order)
    xp.check(
        lambda m, a, o: m.searchsorted(a, [3, 5], side="right", sorter=o), a, order
    )
    xp.check(lambda m, s: m.searchsorted(s, s), s)
    xp.check(lambda m, s: m.searchsorted(s[:0], [1, 2]), s)
    f = numpy.array([-numpy.inf, -1.0, 0.0, 2.0, numpy.inf, numpy.nan, numpy.nan])
    xp.check(lambda m, f: m.searchsorted(f, [numpy.nan, numpy.inf, -0.0, 3.0]), f)
    xp.check(lambda m, f: m.searchsorted(f, [numpy.nan, -0.0], side="right"), f)


def test_searchsorted_bad_input():
    s = numpy.arange(5.0)
    xp.check(lambda m, s: m.searchsorted(s, 1.0, side="middle"), s)
    xp.check(lambda m, s, o: m.searchsorted(s, 1.0, sorter=o), s, numpy.array([0, 1]))
    with pytest.raises(ValueError, match=r"^\[searchsorted\]"):
        arrax.searchsorted(arrax.asarray(numpy.zeros((2, 2))), 1.0)


# ---- bad input -----------------------------------------------------------------------


def test_bad_input():
    a = numpy.arange(6.0).reshape(2, 3)
    xp.check(lambda m, a: m.sort(a, kind="bogus"), a)
    xp.check(lambda m, a: m.argsort(a, kind="bogus"), a)
    xp.check(lambda m, a: m.sort(a, axis=2), a)
    xp.check(lambda m, a: m.argsort(a, axis=-3), a)
    xp.check(lambda m, a: m.sort(a, kind="stable", stable=True), a)
    with pytest.raises(numpy.exceptions.AxisError, match=r"^\[sort\]"):
        arrax.sort(arrax.asarray(a), axis=5)
    with pytest.raises(ValueError, match=r"^\[sort\]"):
        arrax.sort(arrax.asarray(a), kind="x")
    with pytest.raises(TypeError, match=r"^\[sort\]"):
        arrax.sort(arrax.asarray(a), kind=3)
    with pytest.raises(ValueError, match=r"^\[sort\]"):
        arrax.sort(arrax.asarray(a), order="f0")


# ---- autograd and vmap ---------------------------------------------------------------


def test_sort_gradient_is_the_inverse_permutation():
    a = numpy.array([[3.0, -1.0, 2.0, 0.5], [0.0, 4.0, -2.0, 1.0]])
    x = arrax.asarray(a).requires_grad_()
    w = arrax.asarray(numpy.arange(4.0))
    (arrax.sort(x, axis=1) * w).sum().backward()
    expected = numpy.take_along_axis(
        numpy.broadcast_to(numpy.arange(4.0), a.shape),
        numpy.argsort(numpy.argsort(a, axis=1), axis=1),
        1,
    )
    numpy.testing.assert_allclose(host(x.grad), expected)
    assert arrax.argsort(x).requires_grad is False


def test_vmap():
    a = values((3, 4, 9), "float32", seed=15)
    xp.check_vmap(lambda m, a: m.sort(a), a)
    xp.check_vmap(lambda m, a: m.sort(a, axis=0), a, in_axes=1)
    xp.check_vmap(lambda m, a: m.argsort(a, kind="stable"), a, in_axes=2)
    s = numpy.sort(values((20,), "float32", seed=16))
    v = values((4, 5), "float32", seed=17)
    xp.check_vmap(lambda m, s, v: m.searchsorted(s, v), s, v, in_axes=(None, 0))
    # One sorted array per batch element: no batching rule, a loop.
    ss = numpy.sort(values((3, 20), "float32", seed=18), axis=1)
    xp.check_vmap(lambda m, s, v: m.searchsorted(s, v), ss, v[:3], in_axes=(0, 0))


# ---- hypothesis ------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    shape=st.lists(st.integers(0, 6), min_size=1, max_size=3),
    data=st.data(),
    dtype=st.sampled_from(["int32", "float32", "float64", "uint8", "complex64"]),
)
def test_hypothesis_shapes_and_axes(shape, data, dtype):
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    a = values(tuple(shape), dtype, seed=len(shape))
    assert_same_values(
        arrax.sort(arrax.asarray(a), axis=axis), numpy.sort(a, axis=axis)
    )
    numpy.testing.assert_array_equal(
        host(arrax.argsort(arrax.asarray(a), axis=axis, kind="stable")),
        numpy.argsort(a, axis=axis, kind="stable"),
    )


@pytest.mark.slow
def test_large_rows_and_one_long_row():
    a = values((1 << 20,), "float32", seed=18)
    assert_same_values(arrax.sort(arrax.asarray(a)), numpy.sort(a))
    numpy.testing.assert_array_equal(
        host(arrax.argsort(arrax.asarray(a), kind="stable")),
        numpy.argsort(a, kind="stable"),
    )
    b = values((512, 2048), "float64", seed=19)
    assert_same_values(arrax.sort(arrax.asarray(b)), numpy.sort(b))
    z = values((300, 301), "complex128", seed=20)
    numpy.testing.assert_array_equal(
        host(arrax.argsort(arrax.asarray(z), axis=0, stable=True)),
        numpy.argsort(z, axis=0, kind="stable"),
    )


def _nvrtc_present():
    import ctypes.util

    return ctypes.util.find_library("nvrtc") is not None


@pytest.mark.skipif(not _nvrtc_present(), reason="no NVRTC")
@pytest.mark.skipif(xp.on_gpu(), reason="with a GPU the tests above run the kernels")
def test_sort_kernels_compile_with_nvrtc(monkeypatch):
    # The sort modules (and random's, whose key contains "sort") only.
    monkeypatch.setenv("ARRAX_SELFCHECK_FILTER", "sort")
    assert arrax.cuda.selfcheck(90) == 1 + len(xp.ALL) + 1

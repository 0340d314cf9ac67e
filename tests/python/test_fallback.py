"""The counted fallback to NumPy (docs/architecture.md): counting, capture,
ARRAX_FALLBACK=warn|raise, argument and result conversion, pass-through of
classes and constants, and that native names never count."""

import inspect
import warnings

import numpy
import pytest
import xp

import arrax
from arrax import fallbacks


def host(a):
    return numpy.asarray(a._to_numpy())


def fallback_only(module, *names):
    """The first of `names` that falls back on this branch (families land
    natives in parallel; a name that became native is skipped)."""
    for name in names:
        obj = vars(module).get(name)
        if obj is None or fallbacks.is_fallback(obj):
            return name
    pytest.skip(f"all of {names} are native on this branch")


@pytest.fixture(autouse=True)
def _default_mode(monkeypatch):
    monkeypatch.delenv("ARRAX_FALLBACK", raising=False)


def vec(n=8, dtype="float64", seed=0):
    x = xp.rand((n,), dtype, seed=seed)
    return x, arrax.asarray(x)


# ---- counting ------------------------------------------------------------------


def test_counts_reset_and_capture():
    name = fallback_only(arrax, "convolve")
    x, a = vec()
    fallbacks.reset()
    assert fallbacks.counts() == {}
    arrax.convolve(a, a)
    arrax.convolve(a, a)
    assert fallbacks.counts() == {name: 2}
    with fallbacks.capture() as cap:
        arrax.convolve(a, a)
        assert cap.delta == {name: 1}  # live inside the block
        with fallbacks.capture() as inner:
            arrax.convolve(a, a)
        assert inner.delta == {name: 1}
    assert cap.delta == {name: 2}
    arrax.convolve(a, a)
    assert cap.delta == {name: 2}  # frozen after the block
    assert fallbacks.counts() == {name: 5}
    c = fallbacks.counts()
    c[name] = 0  # a copy
    assert fallbacks.counts()[name] == 5
    fallbacks.reset()
    assert fallbacks.counts() == {}


def test_capture_counts_every_namespace():
    names = {
        "interp": fallback_only(arrax, "interp"),
        "linalg.inv": "linalg." + fallback_only(arrax.linalg, "inv"),
    }
    x, a = vec()
    m = arrax.asarray(numpy.eye(3) * 2)
    with fallbacks.capture() as cap:
        arrax.interp(a, a, a)
        arrax.linalg.inv(m)
        arrax.fft.rfft(a)  # native: not counted
        rng = arrax.random.default_rng(0)  # native too (arrax.random)
        rng.normal(size=3)
        rng.normal(size=3)
    assert cap.delta == {names["interp"]: 1, names["linalg.inv"]: 1}


def test_native_names_never_count(monkeypatch):
    x, a = vec()
    with fallbacks.capture() as cap:
        arrax.asarray(x)
        arrax.result_type(a, 1)
        arrax.can_cast(a, numpy.float64)
        a.T, a.real, a.flags, a.device, repr(a), a.tolist()
        arrax.from_dlpack(a)
        numpy.result_type(a)
        numpy.asarray(a)
    assert cap.delta == {}
    # A name a family implements natively is used instead of NumPy's.
    # setitem on the module dict: setattr would restore the fallback wrapper
    # (what getattr returned) as if it were a native name.
    monkeypatch.setitem(vars(arrax), "convolve", lambda *args: "native")
    with fallbacks.capture() as cap:
        assert arrax.convolve(a, a) == "native"
        assert numpy.convolve(a, a) == "native"
    assert cap.delta == {}


# ---- ARRAX_FALLBACK --------------------------------------------------------------


def test_warn_mode(monkeypatch):
    fallback_only(arrax, "convolve")
    x, a = vec()
    monkeypatch.setenv("ARRAX_FALLBACK", "warn")
    with pytest.warns(RuntimeWarning, match=r"\[convolve\].*NumPy") as rec:
        r = arrax.convolve(a, a)
    assert len(rec) == 1
    xp.assert_close(host(r), numpy.convolve(x, x))
    assert rec[0].filename == __file__  # points at the caller
    with pytest.warns(RuntimeWarning, match=r"\[ndarray\.\w+\]"):
        getattr(a, fallback_method(a))()


def test_raise_mode(monkeypatch):
    name = fallback_only(arrax, "convolve")
    x, a = vec()
    monkeypatch.setenv("ARRAX_FALLBACK", "raise")
    fallbacks.reset()
    with pytest.raises(NotImplementedError) as info:
        arrax.convolve(a, a)
    assert str(info.value) == (
        f"[{name}] has no native arrax implementation (ARRAX_FALLBACK=raise)"
    )
    if "inv" not in vars(arrax.linalg):
        # Through NumPy's own function (__array_function__) as well.
        with pytest.raises(NotImplementedError, match=r"^\[linalg\.inv\] has no"):
            numpy.linalg.inv(arrax.asarray(numpy.eye(2)))
    with pytest.raises(NotImplementedError, match=r"^\[ndarray\.\w+\] has no"):
        getattr(a, fallback_method(a))()
    assert fallbacks.counts() == {}  # nothing ran
    # Native paths are unaffected.
    arrax.asarray(x)
    assert a.T.shape == a.shape
    monkeypatch.setenv("ARRAX_FALLBACK", "")
    arrax.convolve(a, a)
    assert fallbacks.counts() == {name: 1}


def test_silent_by_default():
    fallback_only(arrax, "convolve")
    _, a = vec()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        arrax.convolve(a, a)


# ---- argument conversion -----------------------------------------------------------


def test_arrays_nested_in_lists_tuples_dicts():
    fallback_only(arrax, "piecewise")
    x, a = vec()
    cond = [x < 0, x >= 0]
    acond = [arrax.asarray(c) for c in cond]
    r = arrax.piecewise(a, acond, [lambda v: -v, lambda v: v * 2])
    xp.assert_close(host(r), numpy.piecewise(x, cond, [lambda v: -v, lambda v: v * 2]))
    name = fallback_only(arrax, "lexsort")
    keys = (arrax.asarray(x), arrax.asarray(x[::-1].copy()))
    r = getattr(arrax, name)(keys)
    xp.assert_close(host(r), numpy.lexsort((x, x[::-1].copy())))
    # Keyword arguments are converted too.
    fallback_only(arrax, "histogram")
    edges = numpy.linspace(-5, 5, 4)
    counts, got_edges = arrax.histogram(a, bins=arrax.asarray(edges))
    exp_counts, exp_edges = numpy.histogram(x, bins=edges)
    xp.assert_close(host(counts), exp_counts)
    xp.assert_close(host(got_edges), exp_edges)


def test_numpy_and_python_arguments_pass_through():
    fallback_only(arrax, "convolve")
    x, a = vec()
    r = arrax.convolve(x, [1.0, 2.0])  # no arrax array at all
    assert isinstance(r, arrax.ndarray)
    assert r.device == arrax._core.default_device()
    xp.assert_close(host(r), numpy.convolve(x, [1.0, 2.0]))


@pytest.mark.parametrize("dtype", xp.ALL)
def test_dtypes_round_trip(dtype):
    name = fallback_only(arrax, "roll")
    x, a = vec(dtype=dtype)
    r = getattr(arrax, name)(a, 3)
    assert r.dtype == x.dtype
    xp.assert_close(host(r), numpy.roll(x, 3))


# ---- result conversion --------------------------------------------------------------


def test_tuple_and_namedtuple_results():
    fallback_only(arrax.linalg, "svd")
    m = xp.rand((4, 3), "float64")
    res = arrax.linalg.svd(arrax.asarray(m), full_matrices=False)
    exp = numpy.linalg.svd(m, full_matrices=False)
    assert type(res) is type(exp)  # the SVDResult namedtuple
    assert all(isinstance(v, arrax.ndarray) for v in res)
    xp.assert_close(host(res.S), exp.S)
    u, s, vh = res
    xp.assert_close(host(u) * host(s) @ host(vh), m)
    fallback_only(arrax, "gradient")
    g = arrax.gradient(arrax.asarray(m))
    assert isinstance(g, tuple) and len(g) == 2
    assert all(isinstance(v, arrax.ndarray) for v in g)


def test_list_results():
    name = fallback_only(arrax, "array_split")
    x, a = vec(9)
    parts = getattr(arrax, name)(a, 3)
    assert isinstance(parts, list) and len(parts) == 3
    for p, e in zip(parts, numpy.array_split(x, 3)):
        assert isinstance(p, arrax.ndarray)
        xp.assert_close(host(p), e)


def test_scalars_stay_numpy_scalars():
    fallback_only(arrax, "trapezoid")
    x, a = vec()
    r = arrax.trapezoid(a)
    assert type(r) is numpy.float64 and r == numpy.trapezoid(x)
    fallback_only(arrax, "isscalar")
    assert arrax.isscalar(3.0) is True
    fallback_only(arrax, "array_equal")
    assert arrax.array_equal(a, a) is True


def test_unsupported_result_dtypes_stay_numpy():
    fallback_only(arrax, "array2string")
    x, a = vec(3)
    assert arrax.array2string(a) == numpy.array2string(x)
    fallback_only(arrax, "datetime_as_string")
    r = arrax.datetime_as_string(numpy.array(["2020-01-01"], "datetime64[D]"))
    assert isinstance(r, numpy.ndarray) and r.dtype.kind == "U"


def test_results_are_views_on_the_cpu():
    if arrax._core.default_device() != "cpu":
        pytest.skip("CPU zero-copy")
    name = fallback_only(arrax, "flip")
    x, a = vec()
    r = getattr(arrax, name)(a)
    xp.assert_close(host(r), x[::-1])
    arrax._core.copyto(a, 1.0)  # NumPy's flip is a view: so is the result
    assert (host(r) == 1.0).all()
    # Fallbacks that write into their arguments write the arrax memory.
    fallback_only(arrax, "fill_diagonal")
    m = arrax.asarray(numpy.zeros((3, 3)))
    assert arrax.fill_diagonal(m, 5) is None
    assert numpy.array_equal(host(m), numpy.eye(3) * 5)


def test_out_argument():
    name = fallback_only(arrax, "cumprod", "around", "clip")
    x, a = vec()
    out = arrax.asarray(numpy.zeros(8))
    args = {"cumprod": (a,), "around": (a, 1), "clip": (a, -1, 1)}[name]
    r = getattr(arrax, name)(*args, out=out)
    assert r is out
    exp = getattr(numpy, name)(*(x if v is a else v for v in args))
    xp.assert_close(host(out), exp)


def test_read_only_results_are_copied():
    name = fallback_only(arrax, "broadcast_to")
    x, a = vec(3)
    r = getattr(arrax, name)(a, (2, 3))
    assert r.shape == (2, 3)
    xp.assert_close(host(r), numpy.broadcast_to(x, (2, 3)))
    if arrax._core.default_device() == "cpu":
        assert not r._shares_storage(a)


# ---- ufuncs, indexers, ndarray methods ----------------------------------------------


def test_fallback_ufunc_and_methods():
    name = fallback_only(arrax, "logaddexp", "hypot", "arctan2")
    x, a = vec()
    uf = getattr(arrax, name)
    nf = getattr(numpy, name)
    assert uf.nin == 2 and uf.__name__ == name
    with fallbacks.capture() as cap:
        xp.assert_close(host(uf(a, a)), nf(x, x))
        r = uf.reduce(a)
        assert type(r) is numpy.float64  # NumPy scalars stay scalars
        xp.assert_close(r, nf.reduce(x))
        xp.assert_close(host(uf.outer(a, a)), nf.outer(x, x))
    assert cap.delta == {name: 1, f"{name}.reduce": 1, f"{name}.outer": 1}


def test_index_tricks():
    with fallbacks.capture() as cap:
        r = arrax.r_[0:3, 7]
        g = arrax.mgrid[0:2, 0:3]
    assert isinstance(r, arrax.ndarray)
    xp.assert_close(host(r), numpy.r_[0:3, 7])
    xp.assert_close(host(g), numpy.mgrid[0:2, 0:3])
    assert cap.delta == {"r_": 1, "mgrid": 1}
    assert arrax.s_[1:2] == numpy.s_[1:2]


def fallback_method(a):
    for name in ("tobytes", "dumps", "nonzero", "argsort"):
        try:
            inspect.getattr_static(type(a), name)
        except AttributeError:
            if hasattr(numpy.ndarray, name):
                return name
    pytest.skip("no fallback ndarray method left on this branch")


def test_ndarray_method_fallback():
    x, a = vec()
    for name in ("searchsorted", "compress"):
        try:
            inspect.getattr_static(arrax.ndarray, name)
            continue  # native on this branch
        except AttributeError:
            pass
        with fallbacks.capture() as cap:
            if name == "searchsorted":
                r = arrax.asarray(numpy.sort(x)).searchsorted(a)
                e = numpy.sort(x).searchsorted(x)
            else:
                r = a.compress(arrax.asarray(x > 0))
                e = x.compress(x > 0)
        assert isinstance(r, arrax.ndarray)
        xp.assert_close(host(r), e)
        assert cap.delta == {f"ndarray.{name}": 1}
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        a.nope
    with pytest.raises(AttributeError):
        a._private_nope


def test_ndarray_in_place_method_writes_through():
    if arrax._core.default_device() != "cpu":
        pytest.skip("CPU zero-copy")
    try:
        inspect.getattr_static(arrax.ndarray, "sort")
        pytest.skip("ndarray.sort is native")
    except AttributeError:
        pass
    x, a = vec()
    assert a.sort() is None
    assert numpy.array_equal(host(a), numpy.sort(x))


# ---- module attributes ------------------------------------------------------------


def test_classes_constants_and_modules_pass_through():
    with fallbacks.capture() as cap:
        assert arrax.linalg.LinAlgError is numpy.linalg.LinAlgError
        assert arrax.errstate is numpy.errstate
        assert arrax.exceptions is numpy.exceptions
        assert arrax.little_endian is numpy.little_endian
        assert arrax.pi == numpy.pi
    assert cap.delta == {}
    with pytest.raises(arrax.linalg.LinAlgError):
        arrax.linalg.inv(arrax.asarray(numpy.zeros((2, 2))))


def test_unknown_and_private_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'not_a_numpy_name'"):
        arrax.not_a_numpy_name
    with pytest.raises(AttributeError):
        arrax._private_numpy_thing
    with pytest.raises(AttributeError):
        arrax.linalg.nope
    assert not hasattr(arrax, "__wrapped__")


def test_wrappers_are_cached_and_documented():
    name = fallback_only(arrax, "convolve")
    f = getattr(arrax, name)
    assert f is getattr(arrax, name)
    assert fallbacks.is_fallback(f) and f.__wrapped__ is numpy.convolve
    assert f.__doc__ == numpy.convolve.__doc__
    assert name not in vars(arrax)  # never cached as if native
    assert "convolve" in dir(arrax)


def test_linalg_reexports_native_matmul_family():
    for name in ("matmul", "vecdot", "matrix_transpose", "tensordot"):
        top = vars(arrax).get(name)
        if top is not None and not fallbacks.is_fallback(top):
            assert vars(arrax.linalg)[name] is top
        else:
            assert fallbacks.is_fallback(getattr(arrax.linalg, name))


# ---- special methods -------------------------------------------------------------


def _dunder_is_fallback(name):
    return fallbacks.is_fallback(vars(arrax.ndarray).get(name))


@pytest.mark.parametrize(
    "expr",
    [
        lambda a, b: a % b,
        lambda a, b: 7.5 % a,
        lambda a, b: a // b,
        lambda a, b: a**2,
        lambda a, b: a != b,
        lambda a, b: a >= b,
        lambda a, b: a > 0,
        lambda a, b: a <= b,
        lambda a, b: abs(a),
        lambda a, b: -a,
        lambda a, b: a @ b.T,
        lambda a, b: divmod(a, b)[1],
        lambda a, b: a[1],
        lambda a, b: a[:, ::2],
        lambda a, b: a[a > 0],
    ],
)
def test_special_methods_match_numpy(expr):
    n = xp.rand((3, 4), "float64", nonzero=True)
    m = xp.rand((3, 4), "float64", seed=1, nonzero=True)
    xp.check(lambda mod, a, b: expr(a, b), n, m)


def test_setitem_iter_contains():
    n = xp.rand((3, 4), "int32")
    a = arrax.asarray(n)
    a[0] = 7
    n[0] = 7
    a[1:, 1] = arrax.asarray(numpy.array([5, 6], numpy.int32))
    n[1:, 1] = [5, 6]
    assert numpy.array_equal(host(a), n)
    rows = list(a)
    assert len(rows) == 3 and all(isinstance(r, arrax.ndarray) for r in rows)
    assert numpy.array_equal(host(rows[2]), n[2])
    assert (7 in a) is True and (1000 in a) is False
    b = a
    b %= 4
    assert b is a
    assert numpy.array_equal(host(a), n % 4)


def test_special_method_fallbacks_are_counted():
    n = xp.rand((3, 4), "float64", nonzero=True)
    a = arrax.asarray(n)
    ops = {
        "__mod__": lambda: a % 2.0,
        "__ne__": lambda: a != a,
        "__matmul__": lambda: a @ a.T,
        "__getitem__": lambda: a[0],
        "__contains__": lambda: 1.0 in a,
    }
    ops = {k: f for k, f in ops.items() if _dunder_is_fallback(k)}
    if not ops:
        pytest.skip("every special method is native on this branch")
    with fallbacks.capture() as cap:
        for f in ops.values():
            f()
    assert cap.delta == {f"ndarray.{k}": 1 for k in ops}


def test_special_method_not_implemented_passes_through():
    class Other:
        __array_ufunc__ = None  # opts out of NumPy's operators

        def __rmod__(self, other):
            return "other"

    a = arrax.asarray(numpy.arange(3.0))
    assert a % Other() == "other"

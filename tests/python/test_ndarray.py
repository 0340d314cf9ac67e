"""The Python surface of arrax.ndarray: attributes, printing, NumPy interop
(zero-copy), DLPack, the buffer protocol, NumPy dispatch, pickling."""

import copy
import pickle
import sys
import zlib

import numpy
import pytest
import xp

import arrax

SHAPES = [(), (0,), (3,), (2, 3), (2, 0, 3), (2, 3, 4)]


def on_cpu():
    return arrax._core.default_device() == "cpu"


cpu_only = pytest.mark.skipif(
    "not on_cpu()", reason="zero-copy and buffer tests need CPU arrays"
)


def both(shape, dtype, seed=0):
    n = numpy.asarray(xp.rand(shape, dtype, seed=seed))
    return n, arrax.asarray(n)


def host(a):
    return numpy.asarray(a._to_numpy())


# ---- T, mT ---------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", ["bool", "int16", "bfloat16", "complex64"])
def test_T(shape, dtype):
    n, a = both(shape, dtype)
    xp.assert_close(host(a.T), n.T)


def test_T_is_a_view():
    n, a = both((2, 3), "float64")
    t = a.T
    assert t._shares_storage(a)
    assert t.strides == n.T.strides
    arrax._core.copyto(t, 7.0)
    assert (host(a) == 7).all()


@pytest.mark.parametrize("shape", [(2, 3), (4, 2, 3), (1, 2, 3, 4)])
def test_mT(shape):
    n, a = both(shape, "float32")
    xp.assert_close(host(a.mT), n.mT)
    assert a.mT._shares_storage(a)


@pytest.mark.parametrize("shape", [(), (3,)])
def test_mT_needs_2d(shape):
    xp.check(lambda m, a: a.mT, xp.rand(shape, "float32"))


# ---- real, imag -------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", xp.ALL)
def test_real_imag_values(shape, dtype):
    n = xp.rand(shape, dtype)
    xp.check(lambda m, a: a.real, n)
    xp.check(lambda m, a: a.imag, n)


@pytest.mark.parametrize("dtype", xp.COMPLEX)
def test_complex_parts_are_views(dtype):
    n, a = both((3, 4), dtype)
    re, im = a.real, a.imag
    assert re._shares_storage(a) and im._shares_storage(a)
    assert re.strides == n.real.strides and im.strides == n.imag.strides
    # Writes go through to the complex array, on a strided view too.
    t = a.T
    t.real = 1.5
    t.imag = host(a).real.T  # imag := old real parts
    expected = 1.5 + 1j * 1.5
    assert numpy.all(host(a) == expected)


@pytest.mark.parametrize("dtype", xp.COMPLEX)
def test_complex_part_of_a_view(dtype):
    n, a = both((4, 6), dtype)
    v = a.T.real
    xp.assert_close(host(v), n.T.real)
    v2 = a.mT.imag.T
    xp.assert_close(host(v2), n.imag)


@pytest.mark.parametrize("dtype", xp.REAL)
def test_real_of_real_array(dtype):
    n, a = both((2, 3), dtype)
    assert a.real is a  # as in NumPy
    im = a.imag
    assert im.dtype == n.imag.dtype and not host(im).any()
    a.real = 1
    assert (host(a) == 1).all()
    with pytest.raises(TypeError, match=r"^\[imag\]"):
        a.imag = 1


# ---- flat -----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["int32", "bfloat16", "complex128"])
def test_flat_iteration(dtype):
    n, a = both((3, 4), dtype)
    assert list(a.T.flat) == list(n.T.flat)
    assert len(a.flat) == n.size
    it = a.flat
    next(it)
    next(it)
    assert it.index == 2 and it.coords == (0, 2)
    assert it.base is a


@pytest.mark.parametrize(
    "key",
    [
        0,
        5,
        -1,
        slice(None),
        slice(1, 9, 2),
        slice(None, None, -3),
        [0, 3, 11],
        Ellipsis,
    ],
)
def test_flat_getitem(key):
    n, a = both((3, 4), "float64")
    for x, y in ((a, n), (a.T, n.T)):
        got = x.flat[key]
        exp = y.flat[key]
        if isinstance(exp, numpy.ndarray):
            assert isinstance(got, arrax.ndarray)
            xp.assert_close(host(got), exp)
        else:
            assert type(got) is type(exp) and got == exp


def test_flat_getitem_out_of_range():
    _, a = both((3, 4), "float64")
    with pytest.raises(IndexError):
        a.flat[12]


@pytest.mark.parametrize("key", [0, -1, slice(1, 9, 2), [0, 3, 11]])
def test_flat_setitem_writes_through(key):
    n, a = both((3, 4), "int64")
    n.T.flat[key] = 99
    a.T.flat[key] = 99
    xp.assert_close(host(a), n)


def test_flat_assign_repeats():
    n, a = both((3, 4), "float32")
    n.T.flat = [1, 2, 3]
    a.T.flat = [1, 2, 3]
    xp.assert_close(host(a), n)
    n.flat[1:3] = numpy.array([5.0, 6.0])
    a.flat[1:3] = arrax.asarray(numpy.array([5.0, 6.0]))
    xp.assert_close(host(a), n)


def test_flat_copy_and_array():
    n, a = both((2, 3), "int8")
    c = a.T.flat.copy()
    xp.assert_close(host(c), n.T.flatten())
    assert numpy.array_equal(numpy.asarray(a.T.flat), n.T.ravel())


# ---- device, flags, base, data, sizeof ----------------------------------------------


def test_device():
    _, a = both((2,), "float32")
    d = a.device
    assert d == arrax._core.default_device()
    assert isinstance(d, str)
    if d == "cpu":
        assert d.type == "cpu" and d.index is None
        assert d == numpy.zeros(1).device
    b = a.to_device("cpu")
    assert b.device == "cpu"
    xp.assert_close(host(b), host(a))


def test_flags_mapping_and_attributes():
    n, a = both((2, 3), "float64")
    f, nf = a.flags, n.flags
    for key in [
        "C_CONTIGUOUS",
        "F_CONTIGUOUS",
        "WRITEABLE",
        "ALIGNED",
        "WRITEBACKIFCOPY",
        "C",
        "F",
        "W",
        "CONTIGUOUS",
        "FORTRAN",
        "FNC",
        "FORC",
        "BEHAVED",
        "CARRAY",
        "FARRAY",
    ]:
        assert f[key] == nf[key], key
    for attr in [
        "c_contiguous",
        "f_contiguous",
        "writeable",
        "aligned",
        "contiguous",
        "fortran",
        "fnc",
        "forc",
        "behaved",
        "carray",
        "farray",
    ]:
        assert getattr(f, attr) == getattr(nf, attr), attr
    assert f["OWNDATA"] and f.owndata
    t = a.T
    assert t.flags["F_CONTIGUOUS"] and not t.flags.c_contiguous
    assert t.flags.fnc == n.T.flags.fnc
    assert not t.flags.owndata
    assert repr(f) == repr(nf)
    with pytest.raises(KeyError):
        f["NOPE"]
    with pytest.raises(AttributeError):
        f.nope
    a.flags.writeable = False
    assert not a.flags.writeable and not a.flags.behaved
    a.flags.writeable = True
    assert a.flags.writeable
    with pytest.raises(ValueError):
        a.flags.owndata = False


def test_base():
    _, a = both((2, 3), "float32")
    assert a.base is None
    assert a.T.base is not None
    b = a.T.base
    assert isinstance(b, arrax.ndarray) and b._shares_storage(a)
    assert b.shape == (6,)


@cpu_only
def test_base_of_borrowed_numpy_memory():
    n = numpy.arange(6.0)
    a = arrax._core.asarray(n, copy=False)
    assert not a.flags.owndata
    assert a.base is n


@cpu_only
@pytest.mark.parametrize("dtype", [d for d in xp.ALL if d != "bfloat16"])
def test_data_memoryview(dtype):
    n, a = both((2, 3), dtype)
    m = a.data
    assert isinstance(m, memoryview)
    assert m.shape == n.shape and m.strides == n.strides
    assert numpy.array_equal(numpy.asarray(m), n)


def test_sizeof():
    _, a = both((10, 10), "float64")
    assert sys.getsizeof(a) >= 800
    assert not a.T.flags.owndata
    assert sys.getsizeof(a.T) < sys.getsizeof(a)


# ---- item, tolist ---------------------------------------------------------------


@pytest.mark.parametrize("dtype", xp.ALL)
def test_item_and_tolist(dtype):
    n, a = both((2, 3), dtype)
    for args in [(0,), (5,), (-1,), (1, 2), ((1, 0),)]:
        got, exp = a.item(*args), n.item(*args)
        assert type(got) is type(exp) and got == exp
    assert a.tolist() == n.tolist()
    n0, a0 = both((), dtype)
    assert a0.item() == n0.item() and type(a0.item()) is type(n0.item())
    assert a0.tolist() == n0.tolist()
    with pytest.raises(ValueError):
        a.item()
    with pytest.raises(IndexError):
        a.item(6)


# ---- repr, str, format ------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES + [(1000,), (30, 40)])
@pytest.mark.parametrize("dtype", xp.ALL)
def test_repr_str_match_numpy(shape, dtype):
    n, a = both(shape, dtype)
    assert repr(a) == repr(n)
    assert str(a) == str(n)


@pytest.mark.parametrize("dtype", xp.INEXACT)
def test_repr_special_values(dtype):
    n = numpy.array([0.0, -0.0, numpy.inf, -numpy.inf, numpy.nan, 1e-30, 1e30])
    with numpy.errstate(over="ignore"):
        n = n.astype(xp.npdtype(dtype))
    a = arrax.asarray(n)
    assert repr(a) == repr(n) and str(a) == str(n)


def test_repr_views_and_printoptions():
    n, a = both((4, 5), "float64")
    assert repr(a.T) == repr(n.T)
    assert repr(a.imag) == repr(n.imag)
    with numpy.printoptions(precision=2, suppress=True):
        assert repr(a) == repr(n)


@pytest.mark.parametrize("dtype", ["int32", "float32", "float64", "complex64"])
def test_format(dtype):
    n, a = both((), dtype)
    for spec in ["", "10", ".3", "^12"]:
        if dtype == "int32" and spec == ".3":
            continue
        assert format(a, spec) == format(n, spec)
    if dtype != "int32":
        assert f"{a:.2f}" == f"{n:.2f}"
    n2, a2 = both((3,), dtype)
    assert format(a2) == format(n2)
    with pytest.raises(TypeError):
        format(a2, ".2f")


# ---- __array__, buffer protocol ----------------------------------------------------


@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")
@pytest.mark.parametrize("dtype", xp.ALL)
def test_array_protocol(dtype):
    n, a = both((3, 4), dtype)
    for x, y in ((a, n), (a.T, n.T)):
        h = numpy.asarray(x)
        assert h.dtype == y.dtype and numpy.array_equal(h, y)
    if on_cpu():
        h = numpy.asarray(a)
        assert numpy.shares_memory(h, a.__array__())
        h[0, 0] = h[1, 1]
        assert host(a)[0, 0] == host(a)[1, 1]
        assert not numpy.shares_memory(a.__array__(copy=True), h)
    other = numpy.int8 if n.dtype != numpy.int8 else numpy.int16
    c = a.__array__(dtype=other)
    assert c.dtype == other
    with pytest.raises(ValueError):
        a.__array__(dtype=other, copy=False)


@cpu_only
def test_numpy_writes_reach_arrax():
    _, a = both((2, 3), "float32")
    numpy.asarray(a.T)[...] = 3
    assert (host(a) == 3).all()


@cpu_only
@pytest.mark.parametrize("dtype", [d for d in xp.ALL if d != "bfloat16"])
@pytest.mark.parametrize("view", ["plain", "T", "imag"])
def test_buffer_protocol(dtype, view):
    n, a = both((3, 4), dtype)
    if view == "T":
        n, a = n.T, a.T
    elif view == "imag":
        n, a = n.imag, a.imag
    m = memoryview(a)
    mn = memoryview(numpy.ascontiguousarray(n) if view == "plain" else n)
    assert m.shape == n.shape and m.strides == n.strides
    assert m.itemsize == n.itemsize and m.nbytes == n.nbytes
    assert not m.readonly
    assert m.format == mn.format
    b = numpy.asarray(m)
    assert b.dtype == n.dtype and numpy.array_equal(b, n)
    if n.dtype.kind in "biu" or n.dtype in (numpy.float32, numpy.float64):
        assert m.tolist() == n.tolist()  # memoryview cannot unpack e/Zf/Zd
    if view == "plain":
        assert bytes(a) == n.tobytes()


@cpu_only
def test_buffer_int64_is_numpy_int64():
    _, a = both((3,), "int64")
    assert type(numpy.asarray(memoryview(a))[0]) is numpy.int64


@cpu_only
def test_buffer_refuses_bfloat16_and_noncontiguous_without_strides():
    _, a = both((3,), "bfloat16")
    with pytest.raises(BufferError, match=r"\[buffer\]"):
        memoryview(a)
    # NumPy then takes __array__, keeping the dtype.
    assert numpy.asarray(a).dtype == xp.bfloat16
    _, b = both((3, 4), "int32")
    with pytest.raises((BufferError, TypeError)):
        # consumers asking for a simple (C-contiguous) buffer are refused
        zlib.crc32(b.T)
    assert zlib.crc32(b) == zlib.crc32(host(b).tobytes())


@cpu_only
def test_buffer_keeps_array_alive():
    _, a = both((1000,), "float64")
    expected = host(a).copy()
    m = memoryview(a.T)
    del a
    assert numpy.array_equal(numpy.asarray(m), expected)


# ---- DLPack -----------------------------------------------------------------------


class _Exporter:
    """An object with only the DLPack protocol (to force that path)."""

    def __init__(self, arr, legacy=False):
        self.arr, self.legacy = arr, legacy

    def __dlpack__(self, **kw):
        if self.legacy:
            return self.arr.__dlpack__()
        return self.arr.__dlpack__(**kw)

    def __dlpack_device__(self):
        return self.arr.__dlpack_device__()


@cpu_only
@pytest.mark.parametrize("dtype", [d for d in xp.ALL if d != "bfloat16"])
@pytest.mark.parametrize("view", [False, True])
def test_dlpack_numpy_roundtrip_zero_copy(dtype, view):
    n = xp.rand((3, 4), dtype)
    if view:
        n = n.T
    a = arrax.from_dlpack(n)
    assert a.shape == n.shape and a.dtype == n.dtype and a.strides == n.strides
    assert numpy.array_equal(host(a), n)
    assert a._data_ptr == n.ctypes.data  # zero-copy
    back = numpy.from_dlpack(a)
    assert back.ctypes.data == n.ctypes.data
    assert numpy.array_equal(back, n)


@cpu_only
def test_dlpack_writes_are_shared():
    n = numpy.zeros((2, 3))
    a = arrax.from_dlpack(n)
    n[1, 2] = 5
    assert host(a)[1, 2] == 5
    back = numpy.from_dlpack(a)
    back[0, 0] = 7
    assert n[0, 0] == 7


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("legacy", [False, True])
def test_dlpack_arrax_roundtrip(dtype, legacy):
    n, a = both((2, 3, 4), dtype)
    for x, y in ((a, n), (a.T, n.T), (a.mT.real, n.mT.real)):
        b = arrax.from_dlpack(_Exporter(x, legacy))
        assert b.dtype == y.dtype and b.shape == y.shape
        assert b._data_ptr == x._data_ptr
        xp.assert_close(host(b), y)


def test_dlpack_capsules():
    _, a = both((2, 3), "float32")
    cap = a.__dlpack__()
    assert "dltensor" in repr(cap) and "versioned" not in repr(cap)
    capv = a.__dlpack__(max_version=(1, 0))
    assert "dltensor_versioned" in repr(capv)
    b = arrax.from_dlpack(capv)
    assert "used_dltensor_versioned" in repr(capv)
    with pytest.raises(TypeError, match=r"^\[from_dlpack\]"):
        arrax.from_dlpack(capv)  # consumed
    del cap  # an unconsumed capsule frees its tensor
    xp.assert_close(host(b), host(a))
    assert a.__dlpack_device__() == ((1, 0) if on_cpu() else a.__dlpack_device__())


def test_dlpack_copy_and_device_arguments():
    n, a = both((2, 3), "int16")
    c = arrax.from_dlpack(_Exporter(a), copy=True)
    assert c._data_ptr != a._data_ptr
    xp.assert_close(host(c), n)
    same = arrax.from_dlpack(a)
    assert same is a
    assert arrax.from_dlpack(a, copy=True)._data_ptr != a._data_ptr
    cap = a.__dlpack__(max_version=(1, 0), copy=True)
    d = arrax._core._from_dlpack_capsule(cap)
    assert d._data_ptr != a._data_ptr
    xp.assert_close(host(d), n)
    cpu = arrax.from_dlpack(_Exporter(a), device="cpu")
    assert cpu.device == "cpu"
    with pytest.raises(TypeError, match=r"^\[from_dlpack\]"):
        arrax.from_dlpack([1, 2])
    if on_cpu():
        with pytest.raises(ValueError):
            a.__dlpack__(stream=1)


@cpu_only
def test_dlpack_bfloat16_numpy():
    n = xp.rand((3, 4), "bfloat16")
    a = arrax.from_dlpack(n)
    assert a.dtype == xp.bfloat16 and a._data_ptr == n.ctypes.data
    assert numpy.array_equal(host(a).view(numpy.uint16), n.view(numpy.uint16))
    with pytest.raises((BufferError, RuntimeError)):
        numpy.from_dlpack(a)  # NumPy has no bfloat16 DLPack import


@cpu_only
def test_dlpack_readonly_numpy_stays_read_only():
    n = numpy.arange(4.0)
    n.flags.writeable = False
    a = arrax.from_dlpack(n)
    assert a._data_ptr == n.ctypes.data and not a.flags.writeable
    assert numpy.array_equal(host(a), n)
    with pytest.raises(ValueError, match="read-only"):
        a[0] = 1.0


def test_dlpack_keeps_memory_alive():
    n = numpy.arange(1000.0)
    a = arrax.from_dlpack(n)
    del n
    assert host(a)[999] == 999.0
    b = numpy.from_dlpack(a) if on_cpu() else None
    del a
    if b is not None:
        assert b[999] == 999.0


# ---- array API namespace, NumPy dispatch -------------------------------------------


def test_array_namespace():
    _, a = both((2,), "float32")
    assert a.__array_namespace__() is arrax
    assert a.__array_namespace__(api_version="2023.12") is arrax
    with pytest.raises(ValueError):
        a.__array_namespace__(api_version="1999.01")
    assert a.__array_priority__ > 0


def test_array_function_runs_native(monkeypatch):
    calls = []

    def fake_median(x, axis=None):
        calls.append((x, axis))
        return "native"

    _, a = both((3, 4), "float64")
    monkeypatch.setattr(arrax, "median", fake_median, raising=False)
    arrax.fallbacks.reset()
    assert numpy.median(a, axis=1) == "native"
    assert calls[0][0] is a and calls[0][1] == 1
    assert arrax.fallbacks.counts() == {}


def test_array_function_native_result_type():
    _, a = both((3,), "float32")
    with arrax.fallbacks.capture() as cap:
        assert numpy.result_type(a, 1.0) == numpy.float32
    assert cap.delta == {}


def test_array_function_falls_back():
    n, a = both((3, 4), "float64")
    if "median" in vars(arrax):
        pytest.skip("median is native on this branch")
    with arrax.fallbacks.capture() as cap:
        r = numpy.median(a, axis=0)
    assert isinstance(r, arrax.ndarray)
    xp.assert_close(host(r), numpy.median(n, axis=0))
    assert cap.delta == {"median": 1}


def test_array_function_submodules():
    n = numpy.eye(3) * 2
    a = arrax.asarray(n)
    with arrax.fallbacks.capture() as cap:
        inv = numpy.linalg.inv(a)
        f = numpy.fft.fft(arrax.asarray(n[0]))
    assert isinstance(inv, arrax.ndarray) and isinstance(f, arrax.ndarray)
    xp.assert_close(host(inv), numpy.linalg.inv(n))
    if "inv" not in vars(arrax.linalg):
        assert cap.delta.get("linalg.inv") == 1
    xp.assert_close(host(f), numpy.fft.fft(n[0]))
    if "fft" not in vars(arrax.fft):
        assert cap.delta.get("fft.fft") == 1


def test_array_function_concatenate_and_sum():
    n, a = both((2, 3), "int32")
    r = numpy.concatenate([a, a], axis=0)
    assert isinstance(r, arrax.ndarray)
    xp.assert_close(host(r), numpy.concatenate([n, n], axis=0))
    s = numpy.sum(a)
    assert s == n.sum()


def test_array_ufunc_call():
    n, a = both((2, 3), "float32")
    r = numpy.add(a, 1)
    assert isinstance(r, arrax.ndarray)
    xp.assert_close(host(r), n + 1)
    r2 = numpy.exp(a)
    assert isinstance(r2, arrax.ndarray)
    xp.assert_close(host(r2), numpy.exp(n))
    # A NumPy array on the left defers to arrax.
    r3 = n + a
    assert isinstance(r3, arrax.ndarray)
    xp.assert_close(host(r3), n + n)


def test_array_ufunc_out():
    n, a = both((2, 3), "float64")
    out = arrax.asarray(numpy.zeros((2, 3)))
    r = numpy.multiply(a, 2, out=out)
    assert r is out
    xp.assert_close(host(out), n * 2)
    # A NumPy out array: NumPy computes into it.
    nout = numpy.zeros((2, 3))
    r = numpy.multiply(a, 3, out=nout)
    assert r is nout and numpy.allclose(nout, n * 3)


def test_array_ufunc_runs_native(monkeypatch):
    seen = []

    class FakeUfunc:
        def __call__(self, *args, **kwargs):
            seen.append("call")
            return "native"

        def reduce(self, *args, **kwargs):
            seen.append("reduce")
            return "native-reduce"

    _, a = both((3,), "float32")
    monkeypatch.setattr(arrax, "hypot", FakeUfunc(), raising=False)
    with arrax.fallbacks.capture() as cap:
        assert numpy.hypot(a, a) == "native"
        assert numpy.hypot.reduce(a) == "native-reduce"
    assert seen == ["call", "reduce"] and cap.delta == {}


def test_array_ufunc_method_fallback():
    n, a = both((3, 4), "int64")
    add = vars(arrax).get("add")
    if add is not None and hasattr(add, "reduceat"):
        pytest.skip("add.reduceat is native on this branch")
    with arrax.fallbacks.capture() as cap:
        r = numpy.add.reduceat(a, [0, 2], axis=1)
    xp.assert_close(host(r), numpy.add.reduceat(n, [0, 2], axis=1))
    assert cap.delta == {"add.reduceat": 1}


@cpu_only
def test_array_ufunc_at_writes_through():
    n, a = both((5,), "float64")
    numpy.add.at(a, [0, 0, 3], 1.0)
    numpy.add.at(n, [0, 0, 3], 1.0)
    xp.assert_close(host(a), n)


# ---- pickling, copies ----------------------------------------------------------------


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("shape", [(), (0,), (2, 3)])
def test_pickle_roundtrip(dtype, shape):
    n, a = both(shape, dtype)
    for x, y in ((a, n), (a.T, n.T)):
        for proto in (2, pickle.HIGHEST_PROTOCOL):
            b = pickle.loads(pickle.dumps(x, protocol=proto))
            assert isinstance(b, arrax.ndarray)
            assert b.dtype == y.dtype and b.device == x.device
            assert not b._shares_storage(x)
            xp.assert_close(host(b), y)


def test_deepcopy():
    n, a = both((2, 3), "complex64")
    b = copy.deepcopy(a)
    assert not b._shares_storage(a)
    xp.assert_close(host(b), n)


def test_native_calling_numpy_does_not_recurse(monkeypatch):
    # A native that delegates to NumPy on arrax arrays reaches the fallback.
    def median(x, axis=None):
        return numpy.median(x, axis=axis)

    n, a = both((3, 4), "float64")
    monkeypatch.setattr(arrax, "median", median, raising=False)
    with arrax.fallbacks.capture() as cap:
        r = numpy.median(a, axis=0)
    xp.assert_close(host(r), numpy.median(n, axis=0))
    assert cap.delta == {"median": 1}


@pytest.mark.parametrize(
    "shape", [(), (0,), (3,), (1, 3), (3, 1), (2, 0, 3), (2, 3, 4), (1, 1)]
)
def test_view_flags_and_strides_match_numpy(shape):
    n = numpy.zeros(shape, numpy.complex128)
    a = arrax.asarray(n)
    views = [(a, n), (a.T, n.T), (a.real, n.real), (a.imag, n.imag)]
    if n.ndim >= 2:
        views.append((a.mT.imag, n.mT.imag))
    for x, y in views:
        assert x.shape == y.shape
        if y.size > 1:
            assert x.strides == y.strides
        for key in ("C_CONTIGUOUS", "F_CONTIGUOUS"):
            assert x.flags[key] == y.flags[key], (key, x.strides)


@pytest.mark.parametrize("shape", [(), (0,), (0, 3), (2, 3), (2, 1, 4)])
def test_flat_edges_match_numpy(shape):
    n, a = both(shape, "float64")
    assert list(a.flat) == list(n.flat)
    assert len(a.flat) == len(n.flat)
    it, nit = a.flat, n.flat
    assert it.coords == nit.coords and it.index == nit.index
    for _ in range(n.size):
        assert next(it) == next(nit)
        assert it.coords == nit.coords and it.index == nit.index
    with pytest.raises(StopIteration):
        next(it)
    xp.assert_close(host(a.flat[...]), n.flat[...])


@pytest.mark.parametrize(
    "src,dst",
    [("float32", "uint32"), ("float64", "uint8"), ("uint8", "float32"),
     ("int16", "complex64"), ("complex128", "float64"), ("float32", "int16"),
     ("uint16", "bfloat16")],
)
@pytest.mark.parametrize("index", [(Ellipsis,), (slice(None, None, -1),), (0,),
                                   (Ellipsis, slice(None, None, 2))])
def test_view_dtype_matches_numpy(src, dst, index):
    import ml_dtypes  # noqa: F401  (bfloat16 for NumPy)

    base = (numpy.arange(192) % 251).astype("uint8").view(src).reshape(2, 3, -1)
    na = base[index]
    ga = arrax.asarray(base)[index]
    try:
        expected = na.view(xp.npdtype(dst))
    except ValueError:
        with pytest.raises(ValueError, match=r"^\[view\]"):
            ga.view(dst)
        return
    got = ga.view(dst)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    numpy.testing.assert_array_equal(
        numpy.ascontiguousarray(numpy.asarray(got)).view("uint8"),
        numpy.ascontiguousarray(expected).view("uint8"))
    # a view: writes reach the base
    if got.size:
        got[(0,) * got.ndim] = got[(0,) * got.ndim]


def test_view_of_0d_needs_same_itemsize():
    a = arrax.asarray(numpy.float64(1.5))
    assert float(a.view("int64")) == float(numpy.float64(1.5).view("int64"))
    with pytest.raises(ValueError, match=r"^\[view\]"):
        a.view("int32")


def test_read_only_arrays_refuse_writes():
    a = arrax.arange(6.0).reshape(2, 3)
    a.flags.writeable = False
    assert not a.flags.writeable and not a.flags["W"]
    assert not a[0].flags.writeable and not a.T.flags.writeable
    writes = [
        lambda: a.__setitem__(0, 1.0),
        lambda: a.__setitem__((0, 1), 1.0),
        lambda: a[0].__setitem__(0, 5),
        lambda: a.T.__setitem__((0, 0), 5),
        lambda: a.__setitem__(a > 1, 0),
        lambda: a.__setitem__([0], 0),
        lambda: a.__iadd__(1),
        lambda: arrax.add(a, 1, out=a),
        lambda: a.fill(0),
        lambda: arrax.copyto(a, 1.0),
        lambda: arrax.put(a, [0], [1.0]),
        lambda: arrax.add.at(a, [0], 1),
    ]
    for w in writes:
        with pytest.raises(ValueError, match="read-only"):
            w()
    numpy.testing.assert_array_equal(numpy.asarray(a), numpy.arange(6.0).reshape(2, 3))
    if not xp.on_gpu():  # NumPy shares CPU memory; from a GPU it gets a copy
        assert not numpy.asarray(a).flags.writeable
    a.flags.writeable = True
    a[0, 0] = 9.0
    assert float(a[0, 0]) == 9.0


def test_broadcast_to_is_read_only_like_numpy():
    b = arrax.broadcast_to(arrax.arange(3.0), (2, 3))
    assert b.flags.writeable == numpy.broadcast_to(numpy.arange(3.0), (2, 3)).flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        b[0, 0] = 1.0

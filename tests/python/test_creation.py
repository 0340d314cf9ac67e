"""Creation functions against NumPy: one registry row per function over every
dtype, ranges with NumPy's dtype and length rules, layouts, errors."""

import numpy
import pytest
import xp
from hypothesis import given, settings
from hypothesis import strategies as st

import arrax


def _dt(dtype):
    return xp.npdtype(dtype)


# name -> body(m, dtype): every creation function with dtype=.
ROWS = {
    "array": lambda m, d: m.array([[1, 0], [3, 4]], dtype=d),
    "array_ndmin": lambda m, d: m.array([1, 2], dtype=d, ndmin=3),
    "asarray": lambda m, d: m.asarray([1, 2, 3], dtype=d),
    "asanyarray": lambda m, d: m.asanyarray([[1], [2]], dtype=d),
    "ascontiguousarray": lambda m, d: m.ascontiguousarray(
        m.asarray([[1, 2], [3, 4]], dtype=d).T
    ),
    "ascontiguousarray_0d": lambda m, d: m.ascontiguousarray(m.asarray(5, dtype=d)),
    "asfortranarray": lambda m, d: m.asfortranarray(
        m.asarray([[1, 2], [3, 4]], dtype=d)
    ),
    "copy": lambda m, d: m.copy(m.asarray([[1, 2], [3, 0]], dtype=d).T),
    "zeros": lambda m, d: m.zeros((2, 3), dtype=d),
    "zeros_int": lambda m, d: m.zeros(4, d),
    "ones": lambda m, d: m.ones((3, 1, 2), dtype=d),
    "ones_F": lambda m, d: m.ones((3, 2), dtype=d, order="F"),
    "full": lambda m, d: m.full((2, 2), 7, dtype=d),
    "full_array_fill": lambda m, d: m.full((2, 3), m.asarray([1, 0, 3], dtype=d)),
    "empty_shape": lambda m, d: m.empty((2, 0, 3), dtype=d),
    "zeros_like": lambda m, d: m.zeros_like(m.ones((2, 3), dtype=d)),
    "ones_like": lambda m, d: m.ones_like(m.zeros((2, 3)), dtype=d),
    "full_like": lambda m, d: m.full_like(m.zeros((2, 3), dtype=d), 1),
    "full_like_shape": lambda m, d: m.full_like(
        m.zeros((2, 3), dtype=d), 3, shape=(4,)
    ),
    "zeros_like_F": lambda m, d: m.zeros_like(m.ones((2, 3), dtype=d).T),
    "arange": lambda m, d: (
        m.arange(5, dtype=d) if d != numpy.bool_ else m.arange(2, dtype=d)
    ),
    "arange_start_stop": lambda m, d: (
        m.arange(1, 40, 3, dtype=d) if d != numpy.bool_ else m.arange(0, 2, dtype=d)
    ),
    "linspace": lambda m, d: m.linspace(0, 10, 7, dtype=d),
    "linspace_noend": lambda m, d: m.linspace(-3, 10, 5, endpoint=False, dtype=d),
    "eye": lambda m, d: m.eye(3, dtype=d),
    "eye_k": lambda m, d: m.eye(3, 5, k=2, dtype=d),
    "eye_neg_k": lambda m, d: m.eye(4, 3, k=-1, dtype=d),
    "identity": lambda m, d: m.identity(4, dtype=d),
    "tri": lambda m, d: m.tri(3, 4, dtype=d),
    "tri_k": lambda m, d: m.tri(4, 3, k=-1, dtype=d),
    "indices": lambda m, d: (
        m.indices((2, 3), dtype=d) if d != numpy.bool_ else m.indices((2, 1), dtype=d)
    ),
    "meshgrid": lambda m, d: m.meshgrid(
        m.asarray([1, 2, 3], dtype=d), m.asarray([4, 5], dtype=d)
    ),
}


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("name", sorted(ROWS))
def test_registry(name, dtype):
    d = _dt(dtype)
    body = ROWS[name]
    if dtype == "bool" and name.startswith("linspace"):
        pass
    xp.check(lambda m: body(m, d))


# ---- arange ---------------------------------------------------------------------

ARANGE_ARGS = [
    (5,),
    (0,),
    (-3,),
    (2, 9),
    (9, 2),
    (9, 2, -1),
    (0.5, 3),
    (0, 1, 0.1),
    (1, 2.5, 0.25),
    (-1.5, 4.25, 0.75),
    (10, -10, -3),
    (True, 5),
    (numpy.int8(3),),
    (numpy.float32(1), 3),
    (0, 5, 2),
    (2**40, 2**40 + 5),
    (0, 1j * 0 + 3),
    (1 + 1j, 4 + 3j),
]


@pytest.mark.parametrize("args", ARANGE_ARGS)
def test_arange_inference(args):
    xp.check(lambda m: m.arange(*args))


@pytest.mark.parametrize(
    "dtype", ["int8", "uint8", "int32", "float16", "bfloat16", "float32", "complex64"]
)
@pytest.mark.parametrize("args", [(0, 5, 0.5), (3, -2, -1), (-2, 2)])
def test_arange_dtype(dtype, args):
    if dtype.startswith("uint") and args[0] < 0 or args[1] < 0 and dtype == "uint8":
        pytest.skip("negative values into unsigned: platform-defined cast")
    xp.check(lambda m: m.arange(*args, dtype=_dt(dtype)))


def test_arange_errors():
    xp.check(lambda m: m.arange(0, 3, 0))
    xp.check(lambda m: m.arange(0, 3, dtype=bool))
    xp.check(lambda m: m.arange(0, numpy.inf))
    xp.check(lambda m: m.arange(0, numpy.nan))


# ---- linspace family ------------------------------------------------------------------


@pytest.mark.parametrize(
    "kw",
    [
        {"start": 0, "stop": 1, "num": 5},
        {"start": 0, "stop": 1, "num": 0},
        {"start": 0, "stop": 1, "num": 1},
        {"start": 2, "stop": 2, "num": 4},
        {"start": -5.5, "stop": 17.25, "num": 33, "endpoint": False},
        {"start": 0, "stop": 1, "num": 1, "endpoint": False},
        {"start": 1e-300, "stop": 1e-299, "num": 7},
        {"start": 0, "stop": 10, "num": 5, "dtype": "int32"},
        {"start": -10, "stop": 10, "num": 6, "dtype": "int64"},
        {"start": 0, "stop": 10, "num": 5, "dtype": "float32"},
        {"start": 1 + 2j, "stop": 5 - 1j, "num": 4},
        {"start": 0, "stop": 1, "num": 5, "dtype": "bool"},
    ],
)
def test_linspace(kw):
    xp.check(lambda m: m.linspace(**kw))
    xp.check(lambda m: m.linspace(**kw, retstep=True))


@pytest.mark.parametrize("dtype", xp.INEXACT)
def test_linspace_array_bounds(dtype):
    if dtype == "bfloat16":
        pytest.skip("NumPy has no native bfloat16 promotion reference")
    a = xp.rand((2, 3), dtype)
    b = xp.rand((3,), dtype, seed=1)
    xp.check(lambda m, a, b: m.linspace(a, b, 6), a, b)
    xp.check(lambda m, a, b: m.linspace(a, b, 4, axis=-1), a, b)
    xp.check(
        lambda m, a, b: m.linspace(a, b, 4, axis=1, endpoint=False, retstep=True), a, b
    )


def test_linspace_zero_step_switches_formula():
    a = numpy.array([0.0, 1.0, 5e-324])
    b = numpy.array([1.0, 1.0, 1e-323])
    xp.check(lambda m, a, b: m.linspace(a, b, 5), a, b)


def test_linspace_errors():
    xp.check(lambda m: m.linspace(0, 1, -1))
    xp.check(lambda m: m.linspace(0, 1, 2.5))
    xp.check(lambda m: m.linspace(0, 1, 3, axis=2))


@pytest.mark.parametrize(
    "kw",
    [
        {"start": 0, "stop": 3, "num": 4},
        {"start": 0, "stop": 3, "num": 4, "base": 2},
        {"start": -2, "stop": 2, "num": 5, "endpoint": False, "base": 3.5},
        {"start": 0, "stop": 3, "num": 4, "dtype": "int64"},
        {"start": 0, "stop": 2, "num": 3, "dtype": "float32"},
        {
            "start": numpy.array([0.0, 1.0]),
            "stop": 3,
            "num": 3,
            "base": [2, 10],
            "axis": 1,
        },
        {"start": numpy.float32(1), "stop": numpy.float32(2), "num": 3},
        {"start": 0, "stop": 1j, "num": 3},
    ],
)
def test_logspace(kw):
    xp.check(lambda m: m.logspace(**kw))


@pytest.mark.parametrize(
    "kw",
    [
        {"start": 1, "stop": 1000, "num": 4},
        {"start": -1, "stop": -1000, "num": 4},
        {"start": 1000, "stop": 1, "num": 4, "endpoint": False},
        {"start": 1j, "stop": 10j, "num": 3},
        {"start": -1 + 0j, "stop": 1 + 0j, "num": 5},
        {"start": 1, "stop": 256, "num": 9, "dtype": "int64"},
        {"start": 1, "stop": 256, "num": 9, "dtype": "float32"},
        {
            "start": numpy.array([1.0, 2.0]),
            "stop": numpy.array([10.0, 5.0]),
            "num": 3,
            "axis": -1,
        },
        {"start": numpy.float32(2), "stop": numpy.float32(20), "num": 3},
        {"start": 0, "stop": 1, "num": 3},
        {"start": 1, "stop": 2, "num": -1},
        {"start": 1, "stop": 2, "num": 1},
        {"start": 1, "stop": 2, "num": 0},
    ],
)
def test_geomspace(kw):
    xp.check(lambda m: m.geomspace(**kw))


# ---- matrices ---------------------------------------------------------------------


@pytest.mark.parametrize("k", [-4, -1, 0, 2, 5])
def test_eye_tri_k(k):
    xp.check(lambda m: m.eye(3, 4, k))
    xp.check(lambda m: m.tri(4, 3, k, dtype=int))


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("k", [-2, 0, 1, 3])
def test_tril_triu_batched(dtype, k):
    a = xp.rand((2, 3, 4, 5), dtype)
    xp.check(lambda m, a: m.tril(a, k), a)
    xp.check(lambda m, a: m.triu(a, k), a)
    xp.check(lambda m, a: m.triu(m.transpose(a), k), a)


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("k", [-2, 0, 3])
def test_diag(dtype, k):
    v = xp.rand((4,), dtype)
    a = xp.rand((4, 6), dtype)
    xp.check(lambda m, v: m.diag(v, k), v)
    xp.check(lambda m, a: m.diag(a, k), a)
    xp.check(lambda m, a: m.diag(m.transpose(a), k), a)
    xp.check(lambda m, a: m.diagflat(a, k), a)


def test_matrix_errors():
    xp.check(lambda m: m.eye(-1))
    xp.check(lambda m: m.eye(2.5))
    xp.check(lambda m: m.tri(-2))
    xp.check(lambda m: m.diag(m.zeros((2, 2, 2))))


# ---- grids ----------------------------------------------------------------------------


@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("copy", [False, True])
def test_meshgrid(indexing, sparse, copy):
    x, y, z = xp.rand((3,), "float32"), xp.rand((2,), "int16"), xp.rand((4,), "float64")
    xp.check(
        lambda m, x, y, z: m.meshgrid(
            x, y, z, indexing=indexing, sparse=sparse, copy=copy
        ),
        x,
        y,
        z,
    )
    xp.check(
        lambda m, x, y: m.meshgrid(x, y, indexing=indexing, sparse=sparse, copy=copy),
        x,
        y,
    )
    xp.check(lambda m, x: m.meshgrid(x, indexing=indexing), x)
    xp.check(lambda m: m.meshgrid())


def test_meshgrid_bad_indexing():
    xp.check(lambda m: m.meshgrid([1, 2], indexing="xz"))


@pytest.mark.parametrize("dims", [(2, 3), (4,), (2, 1, 3), ()])
def test_indices(dims):
    xp.check(lambda m: m.indices(dims))
    xp.check(lambda m: m.indices(dims, sparse=True))
    xp.check(lambda m: m.indices(dims, dtype=numpy.float32))


def test_fromfunction():
    xp.check(lambda m: m.fromfunction(lambda i, j: i * 10 + j, (3, 4)))
    xp.check(lambda m: m.fromfunction(lambda i, j: i == j, (3, 3), dtype=int))


def test_frombuffer_shares_memory():
    buf = bytearray(numpy.arange(6, dtype=numpy.int32).tobytes())
    xp.check(lambda m: m.frombuffer(buf, dtype=numpy.int32))
    xp.check(lambda m: m.frombuffer(buf, dtype=numpy.int16, count=3, offset=2))
    a = arrax.frombuffer(buf, dtype=numpy.int32, device="cpu")
    buf[0] = 42
    assert int(a._to_numpy()[0]) == 42
    xp.check(lambda m: m.frombuffer(buf, dtype=numpy.int32, count=10))


# ---- array / asarray / copy semantics ------------------------------------------------------


def test_array_copies_and_asarray_does_not():
    a = arrax.asarray(numpy.arange(4.0))
    assert arrax.asarray(a) is a
    b = arrax.array(a)
    assert not b._shares_storage(a)
    c = arrax.asarray(a, copy=True)
    assert not c._shares_storage(a)
    d = arrax.array(a, copy=None)
    assert d._shares_storage(a)
    e = arrax.asarray(a, dtype=numpy.float32)
    assert e.dtype == numpy.float32
    xp.check_raises(ValueError, lambda: arrax.asarray(a, dtype="f4", copy=False))
    xp.check_raises(ValueError, lambda: arrax.array([1, 2], copy=False))


@pytest.mark.parametrize("order", ["C", "F", "A", "K"])
def test_copy_orders(order):
    n = numpy.arange(24.0).reshape(2, 3, 4).transpose(2, 0, 1)
    a = arrax.transpose(arrax.asarray(numpy.arange(24.0).reshape(2, 3, 4)), (2, 0, 1))
    c = arrax.copy(a, order=order)
    e = numpy.copy(n, order=order)
    assert c.strides == e.strides
    numpy.testing.assert_array_equal(xp.to_numpy(c), e)
    assert arrax.array(a, order=order).strides == numpy.array(n, order=order).strides


def test_layout_flags():
    f = arrax.zeros((3, 4), order="F")
    assert f._f_contiguous and not f._c_contiguous
    assert (
        arrax.empty_like(f).strides
        == numpy.empty_like(numpy.zeros((3, 4), order="F")).strides
    )
    assert arrax.ascontiguousarray(f)._c_contiguous
    assert arrax.asfortranarray(arrax.zeros((3, 4)))._f_contiguous
    assert arrax.eye(3, order="F")._f_contiguous


def test_full_default_dtypes():
    for v in [1, 2.5, True, 1j, numpy.float32(1), numpy.int8(3)]:
        xp.check(lambda m, v=v: m.full((2,), v))
        xp.check(lambda m, v=v: m.full_like(m.zeros(3, dtype=numpy.int16), v))


def test_creation_errors():
    xp.check(lambda m: m.zeros((-1, 2)))
    xp.check(lambda m: m.zeros(2.5))
    xp.check(lambda m: m.ones((2,), order="X"))
    xp.check(lambda m: m.full((2, 3), [1, 2]))


def test_device_argument():
    a = arrax.zeros((2,), device="cpu")
    assert a._device_str == "cpu"
    assert arrax.arange(3, device="cpu")._device_str == "cpu"
    assert arrax.eye(2, device="cpu")._device_str == "cpu"
    assert arrax.full_like(a, 1, device="cpu")._device_str == "cpu"


@settings(max_examples=80, deadline=None)
@given(
    start=st.integers(-50, 50),
    stop=st.integers(-50, 50),
    step=st.integers(-7, 7).filter(lambda s: s != 0),
    fstep=st.sampled_from([0.1, 0.25, -0.3, 1.5, 3.0]),
)
def test_hyp_arange(start, stop, step, fstep):
    xp.check(lambda m: m.arange(start, stop, step))
    xp.check(lambda m: m.arange(start / 4, stop / 3, fstep))


@settings(max_examples=80, deadline=None)
@given(
    start=st.floats(-1e6, 1e6),
    stop=st.floats(-1e6, 1e6),
    num=st.integers(0, 40),
    endpoint=st.booleans(),
)
def test_hyp_linspace(start, stop, num, endpoint):
    xp.check(lambda m: m.linspace(start, stop, num, endpoint=endpoint))


def test_array_copy_flags_on_arrax_arrays():
    a = arrax.asarray(numpy.arange(6.0).reshape(2, 3))
    v = arrax.array(a, copy=False)
    assert v._shares_storage(a)
    assert arrax.array(a, copy=None)._shares_storage(a)
    assert not arrax.array(a)._shares_storage(a)
    xp.check_raises(ValueError, lambda: arrax.array(a, dtype="f4", copy=False))
    xp.check_raises(ValueError, lambda: arrax.array(a.T, order="C", copy=False))
    f = arrax.array(a, order="F")
    assert f._f_contiguous and not f._shares_storage(a)
    n = numpy.arange(3.0)
    assert numpy.shares_memory(
        arrax.array(n, copy=False, device="cpu")._to_numpy(), n)
    if xp.on_gpu():  # host memory cannot become a GPU array without a copy
        xp.check_raises(ValueError, lambda: arrax.array(n, copy=False))
        xp.check_raises(ValueError, lambda: arrax.asarray(n, copy=False))


@pytest.mark.parametrize("dtype", xp.ALL)
def test_fromiter(dtype):
    d = _dt(dtype)
    xp.check(lambda m: m.fromiter((i % 3 for i in range(7)), dtype=d))
    xp.check(lambda m: m.fromiter(iter([1, 0, 2, 1]), dtype=d, count=2))


def test_fromiter_errors():
    xp.check(lambda m: m.fromiter(iter([1, 2]), dtype=float, count=5))

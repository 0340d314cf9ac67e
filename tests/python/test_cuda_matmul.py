"""Matrix products on CUDA (cuBLAS for floats and complex, a tiled kernel for
integers and bool) against NumPy; the precision setting. GPU tests are
skipped where no GPU is present; the precision-name tests run anywhere."""

import numpy
import pytest
import xp

import arrax

cuda = pytest.mark.skipif(not arrax.cuda.is_available(), reason="no GPU")

# Per-dtype unit round-off-ish scale; the tolerance grows with k.
_EPS = {
    "float16": 1e-3,
    "bfloat16": 8e-3,
    "float32": 1.2e-7,
    "float64": 2.3e-16,
    "complex64": 1.2e-7,
    "complex128": 2.3e-16,
}


def _dev(x):
    return arrax.asarray(x, device="cuda")


def _wide(x):
    """x in a dtype NumPy multiplies exactly enough for a reference."""
    x = numpy.asarray(x)
    if x.dtype.kind == "c":
        return x.astype(numpy.complex128)
    if x.dtype.kind == "f" or x.dtype == xp.bfloat16:
        return x.astype(numpy.float64)
    return x


def _ref(fn, *args, dtype):
    """fn over NumPy inputs: in the dtype itself for integers and bool
    (NumPy wraps the same way), in float64/complex128 rounded to the dtype
    for the inexact ones."""
    dt = xp.npdtype(dtype)
    if dtype in xp.INEXACT:
        return numpy.asarray(fn(*[_wide(a) for a in args])).astype(dt)
    return numpy.asarray(fn(*args))


def _compare(actual, expected, dtype, k):
    actual = numpy.asarray(xp.to_numpy(actual))
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    if dtype not in xp.INEXACT:
        numpy.testing.assert_array_equal(actual, expected)
        return
    eps = _EPS[dtype]
    # Inputs are in [-5, 5): partial sums reach about 25 * sqrt(k).
    tol = eps * 8 * max(1, k)
    numpy.testing.assert_allclose(
        _wide(actual), _wide(expected), rtol=tol, atol=tol * 25
    )


# ---- precision names (CPU) -----------------------------------------------


def test_matmul_precision_names():
    old = arrax.get_matmul_precision()
    assert old == "highest"
    try:
        for name in ("tf32", "bf16x3", "highest"):
            arrax.set_matmul_precision(name)
            assert arrax.get_matmul_precision() == name
        with pytest.raises(ValueError, match=r"^\[set_matmul_precision\]"):
            arrax.set_matmul_precision("medium")
        with pytest.raises(ValueError, match=r"^\[set_matmul_precision\]"):
            arrax.set_matmul_precision("")
        assert arrax.get_matmul_precision() == "highest"
    finally:
        arrax.set_matmul_precision(old)


def test_cpu_ignores_matmul_precision():
    a = xp.rand((33, 65), "float32")
    b = xp.rand((65, 17), "float32", seed=1)
    ca = arrax.asarray(a, device="cpu")
    cb = arrax.asarray(b, device="cpu")
    exact = arrax.matmul(ca, cb)
    try:
        arrax.set_matmul_precision("tf32")
        r = arrax.matmul(ca, cb)
    finally:
        arrax.set_matmul_precision("highest")
    numpy.testing.assert_array_equal(numpy.asarray(r), numpy.asarray(exact))


# ---- matmul over dtypes and shapes ----------------------------------------

_SHAPES = [
    ((5, 7), (7, 3)),
    ((1, 7), (7, 1)),
    ((7,), (7,)),
    ((7,), (7, 4)),
    ((5, 7), (7,)),
    ((33, 70), (70, 19)),
    ((2, 1, 5, 7), (3, 7, 4)),
    ((3, 1, 4, 6), (1, 2, 6, 5)),
    ((6, 4), (2, 4, 3)),
]


@cuda
@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("shapes", _SHAPES, ids=str)
def test_matmul_dtypes_shapes(dtype, shapes):
    sa, sb = shapes
    a = xp.rand(sa, dtype)
    b = xp.rand(sb, dtype, seed=1)
    k = sa[-1]
    _compare(
        arrax.matmul(_dev(a), _dev(b)),
        _ref(numpy.matmul, a, b, dtype=dtype),
        dtype,
        k,
    )


@cuda
@pytest.mark.parametrize("dtype", xp.ALL)
def test_matmul_views(dtype):
    a = xp.rand((9, 12), dtype)
    b = xp.rand((12, 10), dtype, seed=1)
    at = numpy.ascontiguousarray(a.T)
    bt = numpy.ascontiguousarray(b.T)
    cases = [
        (lambda m, x, y: m.matmul(x.T, y), (at, b)),  # transposed view
        (lambda m, x, y: m.matmul(x, y.T), (a, bt)),
        (lambda m, x, y: m.matmul(y.T, x.T), (a, b)),  # both transposed
        (lambda m, x, y: m.matmul(x[::2], y), (a, b)),  # row stride
        (lambda m, x, y: m.matmul(x[:, ::3], y[::3]), (a, b)),  # no unit stride
        (lambda m, x, y: m.matmul(x[::-1], y[:, ::-1]), (a, b)),  # negative
        (lambda m, x, y: m.matmul(x[1:4, 2:7], y[2:7, 3:9]), (a, b)),
    ]
    for fn, (x, y) in cases:
        expected = _ref(lambda p, q, fn=fn: fn(numpy, p, q), x, y, dtype=dtype)
        got = fn(arrax, _dev(x), _dev(y))
        _compare(got, expected, dtype, 12)


@cuda
@pytest.mark.parametrize("dtype", ["float32", "complex128", "int32", "bool"])
def test_matmul_batched_views(dtype):
    a = xp.rand((4, 6, 5), dtype)
    b = xp.rand((4, 6, 3), dtype, seed=1)
    ga, gb = _dev(a), _dev(b)
    # Batched transposed view (column-major matrices, op T).
    _compare(
        arrax.matmul(ga.transpose(0, 2, 1), gb),
        _ref(lambda p, q: numpy.matmul(p.transpose(0, 2, 1), q), a, b, dtype=dtype),
        dtype,
        6,
    )
    # Batch axis not outermost (strides that are not one constant step once
    # broadcast) and a broadcast batch of one.
    _compare(
        arrax.matmul(ga[::2].transpose(0, 2, 1), gb[:1]),
        _ref(
            lambda p, q: numpy.matmul(p[::2].transpose(0, 2, 1), q[:1]),
            a,
            b,
            dtype=dtype,
        ),
        dtype,
        6,
    )
    c = xp.rand((6, 2, 4), dtype, seed=2)
    gc = _dev(c)
    _compare(
        arrax.matmul(gc.transpose(1, 2, 0), gb[0]),
        _ref(lambda p, q: numpy.matmul(p.transpose(1, 2, 0), q[0]), c, b, dtype=dtype),
        dtype,
        6,
    )


@cuda
@pytest.mark.parametrize("dtype", ["float64", "complex64", "int16", "bool", "bfloat16"])
def test_matmul_out_views(dtype):
    a = xp.rand((2, 5, 7), dtype)
    b = xp.rand((7, 4), dtype, seed=1)
    expected = _ref(numpy.matmul, a, b, dtype=dtype)
    # A column-major out (computed as C = A B directly).
    out = arrax.empty((2, 4, 5), dtype=dtype, device="cuda").transpose(0, 2, 1)
    r = arrax.matmul(_dev(a), _dev(b), out=out)
    _compare(out, expected, dtype, 7)
    assert r is out
    # An out with no unit stride (computed into a temporary and copied).
    big = arrax.zeros((2, 10, 8), dtype=dtype, device="cuda")
    out = big[:, ::2, ::2]
    arrax.matmul(_dev(a), _dev(b), out=out)
    _compare(out, expected, dtype, 7)
    rest = xp.to_numpy(big[:, 1::2])
    assert not rest.astype(bool).any()


@cuda
@pytest.mark.parametrize("dtype", xp.ALL)
def test_matmul_empty(dtype):
    for sa, sb in [
        ((4, 0), (0, 3)),
        ((2, 3, 0), (0, 5)),
        ((0, 4), (4, 3)),
        ((3, 4), (4, 0)),
        ((0, 2, 3), (3, 2)),
    ]:
        a = xp.rand(sa, dtype) if 0 not in sa else numpy.zeros(sa, xp.npdtype(dtype))
        b = numpy.zeros(sb, xp.npdtype(dtype))
        r = xp.to_numpy(arrax.matmul(_dev(a), _dev(b)))
        e = (
            numpy.matmul(a, b)
            if dtype != "bfloat16"
            else numpy.matmul(a.astype(numpy.float32), b.astype(numpy.float32)).astype(
                xp.bfloat16
            )
        )
        assert r.shape == e.shape and r.dtype == e.dtype
        numpy.testing.assert_array_equal(_wide(r), _wide(e))
    # k == 0 into a non-contiguous out is zeros too.
    big = arrax.ones((6, 4), dtype=dtype, device="cuda")
    arrax.matmul(
        _dev(numpy.zeros((3, 0), xp.npdtype(dtype))),
        _dev(numpy.zeros((0, 4), xp.npdtype(dtype))),
        out=big[::2],
    )
    got = (
        xp.to_numpy(big).astype(numpy.float64)
        if dtype not in xp.COMPLEX
        else xp.to_numpy(big)
    )
    assert not got[::2].astype(bool).any()
    assert got[1::2].astype(bool).all()


@cuda
@pytest.mark.parametrize("dtype", ["int8", "uint8", "int64", "uint64", "int32"])
def test_integer_matmul_wraps(dtype):
    info = numpy.iinfo(dtype)
    rng = numpy.random.default_rng(3)
    a = rng.integers(info.min, info.max, (37, 300), dtype=dtype, endpoint=True)
    b = rng.integers(info.min, info.max, (300, 21), dtype=dtype, endpoint=True)
    numpy.testing.assert_array_equal(
        xp.to_numpy(arrax.matmul(_dev(a), _dev(b))), numpy.matmul(a, b)
    )


@cuda
def test_bool_matmul_is_or_of_ands():
    rng = numpy.random.default_rng(4)
    a = rng.random((40, 90)) < 0.05
    b = rng.random((90, 33)) < 0.05
    numpy.testing.assert_array_equal(
        xp.to_numpy(arrax.matmul(_dev(a), _dev(b))), numpy.matmul(a, b)
    )


@cuda
def test_large_batch_integers():
    a = xp.rand((300, 3, 3), "int64")
    b = xp.rand((300, 3, 3), "int64", seed=1)
    numpy.testing.assert_array_equal(xp.to_numpy(_dev(a) @ _dev(b)), numpy.matmul(a, b))


# ---- the family -------------------------------------------------------------


@cuda
@pytest.mark.parametrize("dtype", xp.ALL)
def test_family(dtype):
    a = xp.rand((4, 6), dtype)
    b = xp.rand((6, 5), dtype, seed=1)
    v = xp.rand((6,), dtype, seed=2)
    w = xp.rand((6,), dtype, seed=3)
    t = xp.rand((3, 4, 6), dtype, seed=4)
    s = xp.rand((4, 4), dtype, seed=5)
    cases = [
        (lambda m, x, y: m.dot(x, y), (a, b), 6),
        (lambda m, x, y: m.dot(x, y), (v, w), 6),
        (lambda m, x, y: m.vdot(x, y), (v, w), 6),
        (lambda m, x, y: m.vdot(x, y), (a, a[::-1]), 24),
        (lambda m, x, y: m.inner(x, y), (a, a), 6),
        (lambda m, x, y: m.outer(x, y), (v, w), 1),
        (lambda m, x, y: m.tensordot(x, y, axes=([1, 2], [0, 1])), (t, a), 24),
        (lambda m, x, y: m.tensordot(x, y, axes=1), (t, b), 6),
        (lambda m, x, y: m.einsum("ij,jk->ik", x, y), (a, b), 6),
        (lambda m, x, y: m.einsum("bij,kj->bik", x, y), (t, a), 6),
        (lambda m, x, y: m.einsum("i,i->", x, y), (v, w), 6),
        (lambda m, x, y: m.kron(x, y), (s, v.reshape(2, 3)), 1),
    ]
    for fn, args, k in cases:
        expected = _ref(lambda *p, fn=fn: fn(numpy, *p), *args, dtype=dtype)
        got = fn(arrax, *[_dev(x) for x in args])
        _compare(got, expected, dtype, k)


@cuda
@pytest.mark.parametrize("dtype", ["float32", "int32", "complex128", "bool"])
def test_trace_and_einsum_sums(dtype):
    s = xp.rand((5, 5), dtype)
    got = arrax.trace(_dev(s))
    e = numpy.trace(_wide(s) if dtype in xp.INEXACT else s)
    numpy.testing.assert_allclose(
        _wide(xp.to_numpy(got)), _wide(numpy.asarray(e)), rtol=1e-5
    )
    got = arrax.einsum("ii->i", _dev(s))
    numpy.testing.assert_array_equal(
        _wide(xp.to_numpy(got)), _wide(numpy.einsum("ii->i", s))
    )


@cuda
def test_vdot_conjugates_first_operand():
    rng = numpy.random.default_rng(5)
    a = (rng.random((3, 4)) + 1j * rng.random((3, 4))).astype(numpy.complex64)
    b = (rng.random((3, 4)) + 1j * rng.random((3, 4))).astype(numpy.complex64)
    got = complex(arrax.vdot(_dev(a), _dev(b)))
    assert abs(got - numpy.vdot(a, b)) < 1e-5 * 12
    # Transposed (column-major) first operand too.
    got = complex(arrax.vdot(_dev(a).T, _dev(b).T))
    assert abs(got - numpy.vdot(a.T, b.T)) < 1e-5 * 12


@cuda
def test_matmul_grad_on_cuda():
    # Matmul.vjp uses the conjugating product with swapped operands.
    rng = numpy.random.default_rng(6)
    a = (rng.random((3, 4)) + 1j * rng.random((3, 4))).astype(numpy.complex128)
    b = (rng.random((4, 2)) + 1j * rng.random((4, 2))).astype(numpy.complex128)
    ga, gb = _dev(a), _dev(b)
    got = xp.to_numpy(arrax.matmul(ga.conj().T, ga @ gb))
    numpy.testing.assert_allclose(got, a.conj().T @ (a @ b), rtol=1e-12)


# ---- precision modes ----------------------------------------------------


def _relerr(x, ref):
    return float(numpy.linalg.norm(x - ref) / numpy.linalg.norm(ref))


@cuda
def test_precision_modes_float32():
    a = xp.rand((256, 512), "float32")
    b = xp.rand((512, 128), "float32", seed=1)
    ref = _wide(a) @ _wide(b)
    ga, gb = _dev(a), _dev(b)
    old = arrax.get_matmul_precision()
    try:
        # Relative Frobenius errors: float32 about 1e-7, TF32 (10-bit
        # mantissa inputs) about 1e-3, bfloat16 inputs about 4e-3.
        arrax.set_matmul_precision("highest")
        hi = xp.to_numpy(ga @ gb).astype(numpy.float64)
        numpy.testing.assert_allclose(hi, ref, rtol=1e-5, atol=1e-3)
        assert _relerr(hi, ref) < 1e-6
        arrax.set_matmul_precision("tf32")
        tf = xp.to_numpy(ga @ gb).astype(numpy.float64)
        assert 1e-6 < _relerr(tf, ref) < 5e-3
        arrax.set_matmul_precision("bf16x3")
        bf = xp.to_numpy(ga @ gb).astype(numpy.float64)
        assert _relerr(bf, ref) < 2e-2
    finally:
        arrax.set_matmul_precision(old)
    # float64 is unaffected by the setting.
    a64, b64 = a.astype(numpy.float64), b.astype(numpy.float64)
    try:
        arrax.set_matmul_precision("tf32")
        r = xp.to_numpy(_dev(a64) @ _dev(b64))
    finally:
        arrax.set_matmul_precision(old)
    numpy.testing.assert_allclose(r, a64 @ b64, rtol=1e-12, atol=1e-11)


@cuda
@pytest.mark.parametrize("dtype", ["complex64", "complex128", "float32", "int16"])
def test_vecdot_conjugating_batches(dtype):
    # vecdot is the conjugating product of (..., 1, n) and (..., n, 1).
    a = xp.rand((4, 3, 7), dtype)
    b = xp.rand((3, 7), dtype, seed=1)
    k = 7
    for fn in [
        lambda m, x, y: m.vecdot(x, y),
        lambda m, x, y: m.vecdot(x[:, ::-1], y),
        lambda m, x, y: m.vecdot(x.transpose(0, 2, 1), y.T, axis=-2),
    ]:
        expected = _ref(lambda p, q, fn=fn: fn(numpy, p, q), a, b, dtype=dtype)
        _compare(fn(arrax, _dev(a), _dev(b)), expected, dtype, k)


@cuda
@pytest.mark.parametrize("dtype", ["int32", "uint8", "bool"])
def test_integer_long_reductions(dtype):
    # n = m = 1 with a long k, and a sum over a long last axis (trace and
    # einsum sums are products with a vector of ones).
    a = xp.rand((20000,), dtype)
    b = xp.rand((20000,), dtype, seed=1)
    numpy.testing.assert_array_equal(
        xp.to_numpy(arrax.dot(_dev(a), _dev(b))), numpy.dot(a, b)
    )
    m = xp.rand((50, 4000), dtype, seed=2)
    numpy.testing.assert_array_equal(
        xp.to_numpy(arrax.einsum("ij->i", _dev(m))), numpy.einsum("ij->i", m)
    )


@cuda
@pytest.mark.parametrize("dtype", ["int8", "uint16", "int64", "uint64", "bool"])
def test_integer_split_k(dtype):
    # Few output tiles and a long K take the split-K kernels; batched and
    # strided too.
    rng = numpy.random.default_rng(7)
    if dtype == "bool":
        a = rng.random((3, 5, 3000)) < 0.001
        b = rng.random((3000, 2)) < 0.001
    else:
        info = numpy.iinfo(dtype)
        a = rng.integers(info.min, info.max, (3, 5, 3000), dtype=dtype, endpoint=True)
        b = rng.integers(info.min, info.max, (3000, 2), dtype=dtype, endpoint=True)
    numpy.testing.assert_array_equal(
        xp.to_numpy(arrax.matmul(_dev(a), _dev(b))), numpy.matmul(a, b)
    )
    numpy.testing.assert_array_equal(
        xp.to_numpy(arrax.matmul(_dev(a)[:, ::2], _dev(b)[:, ::-1])),
        numpy.matmul(a[:, ::2], b[:, ::-1]),
    )
    out = arrax.zeros((3, 2, 5), dtype=dtype, device="cuda").transpose(0, 2, 1)
    arrax.matmul(_dev(a), _dev(b), out=out)
    numpy.testing.assert_array_equal(xp.to_numpy(out), numpy.matmul(a, b))

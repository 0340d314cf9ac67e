"""The matrix-product family against NumPy: matmul, dot, vdot, inner, outer,
tensordot, einsum, kron, trace, diagonal, the @ operators and methods."""

import numpy
import pytest
import xp
from hypothesis import given, settings
from hypothesis import strategies as st

import arrax

BF16 = xp.bfloat16

# Products accumulate rounding: looser than the elementwise tolerances.
_RTOL = {
    "float16": 1e-2,
    "bfloat16": 3e-2,
    "float32": 1e-5,
    "complex64": 1e-5,
    "float64": 1e-12,
    "complex128": 1e-12,
}


def _tol(dtype):
    r = _RTOL.get(str(dtype))
    return {} if r is None else {"rtol": r, "atol": r * 10}


def _has_bf16(args):
    return any(isinstance(a, numpy.ndarray) and a.dtype == BF16 for a in args)


def check(fn, *args, dtype=None, **kw):
    """xp.check with product tolerances. NumPy's matmul turns bfloat16 into
    float32 and einsum refuses it; arrax keeps bfloat16 (like dot does), so
    bfloat16 is checked against float32 math rounded to bfloat16."""
    tol = _tol(dtype) if dtype is not None else {}
    tol.update(kw)
    if _has_bf16(args):
        try:
            expected = xp.bf16_reference(fn, *args)
        except Exception as exc:  # noqa: BLE001 - mirrored below
            xp.check_raises(type(exc), fn, arrax, *(xp.to_arrax(a) for a in args))
            return exc, None
        if isinstance(expected, numpy.float32):
            expected = BF16.type(expected)
        actual = fn(arrax, *(xp.to_arrax(a) for a in args))
        xp.assert_close(xp.to_numpy(actual), expected, **tol)
        return expected, actual
    return xp.check(fn, *args, **tol)


def view(m, x, fn):
    """fn(x) as a view: NumPy's own, or an arrax array sharing the NumPy
    view's memory and strides (independent of arrax's indexing)."""
    if m is numpy:
        return fn(x)
    if arrax.default_device() != "cpu":
        # NumPy cannot view device memory: the view is made by arrax.
        return fn(arrax.asarray(x))
    if isinstance(x, arrax.ndarray):
        x = x._to_numpy()  # zero-copy on the CPU
    return arrax.asarray(fn(x), copy=False)


def zeros(m, shape, dtype="float64"):
    z = numpy.zeros(shape, xp.npdtype(dtype))
    return z if m is numpy else arrax.asarray(z)


def base_and_view(m, shape, fn, dtype="float64"):
    """A zero base array and a view fn(base) of it (sharing memory)."""
    z = numpy.zeros(shape, xp.npdtype(dtype))
    if m is numpy:
        return z, fn(z)
    if arrax.default_device() != "cpu":
        base = arrax.asarray(z)
        return base, fn(base)
    return arrax.asarray(z, copy=False), arrax.asarray(fn(z), copy=False)


MATMUL_SHAPES = [
    ((3, 4), (4, 5)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((4,), (2, 4, 5)),
    ((2, 3, 4), (4,)),
    ((0, 4), (4, 5)),
    ((3, 0), (0, 5)),
    ((3, 4), (4, 0)),
    ((2, 0, 3, 4), (4, 5)),
    ((1, 1), (1, 1)),
]


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_shapes_dtypes(dtype, sa, sb):
    a, b = xp.rand(sa, dtype), xp.rand(sb, dtype, seed=1)
    check(lambda m, a, b: m.matmul(a, b), a, b, dtype=dtype)
    check(lambda m, a, b: a @ b, a, b, dtype=dtype)


@pytest.mark.parametrize("dtype", xp.ALL)
def test_matmul_larger(dtype):
    # Exercises the blocked integer kernel and the threaded paths.
    a, b = xp.rand((70, 300), dtype), xp.rand((300, 530), dtype, seed=1)
    if dtype == "float16":
        a, b = a / 8, b / 8
    # Sums of 300 products: absolute error scales with their magnitude.
    atol = {"float32": 2e-3, "complex64": 2e-3, "float16": 0.5, "bfloat16": 2.0}.get(
        dtype
    )
    kw = {} if atol is None else {"atol": atol}
    check(lambda m, a, b: m.matmul(a, b), a, b, dtype=dtype, **kw)


@pytest.mark.parametrize(
    "dtype", ["float32", "float64", "complex64", "int32", "bool", "float16"]
)
def test_matmul_many_small(dtype):
    a, b = xp.rand((64, 16, 12), dtype), xp.rand((64, 12, 10), dtype, seed=1)
    check(lambda m, a, b: m.matmul(a, b), a, b, dtype=dtype)
    check(lambda m, a, b: m.matmul(a, view(m, b, lambda x: x[:1])), a, b, dtype=dtype)


def test_matmul_integer_wraps():
    a = numpy.full((3, 40), 100, numpy.int8)
    b = numpy.full((40, 2), 77, numpy.int8)
    check(lambda m, a, b: m.matmul(a, b), a, b)
    a = numpy.full((3, 5), 2**62, numpy.int64)
    check(lambda m, a, b: m.matmul(a, b), a, a.T.copy())
    a = numpy.full((2, 7), 65535, numpy.uint16)
    check(lambda m, a, b: m.matmul(a, b), a, a.T.copy())


def test_matmul_bool_is_or_of_and():
    a = numpy.array([[True, False, True], [False, False, False]])
    b = numpy.array([[True, False], [True, True], [False, False]])
    check(lambda m, a, b: m.matmul(a, b), a, b)


LAYOUTS = {
    "T": (lambda a: a.T, lambda b: b.T),
    "slice": (lambda a: a[1:8, :7], lambda b: b[1:8, 2:12]),
    "reverse": (lambda a: a[::-1].T, lambda b: b[:, ::-1].T[:, :10]),
    "step": (lambda a: a[::2, ::2], lambda b: b[::2, ::3]),
    "step_rows": (lambda a: a[::2], lambda b: b[:, ::2]),
    "fortran": (lambda a: numpy.asfortranarray(a), lambda b: numpy.asfortranarray(b)),
    "bcast": (lambda a: numpy.broadcast_to(a[:, :1], (12, 10)), lambda b: b),
    "bcast_batch": (
        lambda a: numpy.broadcast_to(a, (3, 12, 10)),
        lambda b: numpy.broadcast_to(b[:, :1], (10, 14)),
    ),
    "rowvec": (lambda a: a[2:3, :], lambda b: b[:, 3:4]),
    "colvec": (lambda a: a[::-1], lambda b: b[:, 3:4]),
    "rowvec_T": (lambda a: a[2:3, :], lambda b: b[::-1].T.T),
    "tiny": (lambda a: a[:3, :2], lambda b: b[:2, ::-5]),
}
LAYOUT_SWAP = {"T", "reverse"}


@pytest.mark.parametrize(
    "dtype",
    [
        "float32",
        "float64",
        "complex128",
        "int16",
        "bool",
        "bfloat16",
        "float16",
        "uint8",
        "complex64",
    ],
)
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_matmul_strided_inputs(dtype, layout):
    a = xp.rand((12, 10), dtype)
    b = xp.rand((10, 14), dtype, seed=1)
    fa, fb = LAYOUTS[layout]

    def body(m, a, b):
        va, vb = view(m, a, fa), view(m, b, fb)
        if layout in LAYOUT_SWAP:
            return m.matmul(vb, va)
        return m.matmul(va, vb)

    check(body, a, b, dtype=dtype)


@pytest.mark.parametrize(
    "dtype", ["float32", "float64", "complex64", "complex128", "int32", "float16"]
)
def test_matvec_layouts(dtype):
    # The GEMV and DOT paths with transposed matrices and strided vectors.
    a = xp.rand((40, 30), dtype)
    v = xp.rand((90,), dtype, seed=1)
    w = xp.rand((120,), dtype, seed=2)
    bodies = [
        lambda m, a, v, w: m.matmul(a, view(m, v, lambda x: x[::3])),
        lambda m, a, v, w: m.matmul(
            view(m, a, lambda x: x.T), view(m, w, lambda x: x[::3])
        ),
        lambda m, a, v, w: m.matmul(view(m, w, lambda x: x[1::3]), a),
        lambda m, a, v, w: m.matmul(
            view(m, v, lambda x: x[::-3]), view(m, a, lambda x: x.T)
        ),
        lambda m, a, v, w: m.matmul(
            view(m, v, lambda x: x[:30]), view(m, w, lambda x: x[::4])
        ),
        lambda m, a, v, w: m.matmul(
            view(m, a, lambda x: x[::2, ::3]), view(m, w, lambda x: x[:10])
        ),
        lambda m, a, v, w: m.dot(
            view(m, v, lambda x: x[::-1]), view(m, v, lambda x: x)
        ),
    ]
    for body in bodies:
        check(
            body,
            a,
            v,
            w,
            dtype=dtype,
            atol=1e-3 if dtype in ("float32", "complex64") else _tol(dtype).get("atol"),
        )

    def out_strided(m, a, v, w):
        base, out = base_and_view(m, (80,), lambda z: z[::2], dtype)
        m.matmul(a, view(m, v, lambda x: x[:30]), out=out)
        return base

    check(out_strided, a, v, w, dtype=dtype)


@pytest.mark.parametrize("dtype", ["float64", "complex64", "int32", "float16", "bool"])
def test_matmul_out(dtype):
    a, b = xp.rand((2, 3, 4), dtype), xp.rand((4, 5), dtype, seed=1)

    def body(m, a, b):
        out = zeros(m, (2, 3, 5), dtype)
        r = m.matmul(a, b, out=out)
        assert r is out
        return out

    check(body, a, b, dtype=dtype)

    def body_t(m, a, b):
        # A column-major out view.
        base, out = base_and_view(m, (2, 5, 3), lambda z: z.transpose(0, 2, 1), dtype)
        m.matmul(a, b, out=out)
        return base

    check(body_t, a, b, dtype=dtype)

    def body_strided(m, a, b):
        base, out = base_and_view(m, (2, 6, 10), lambda z: z[:, ::2, ::2], dtype)
        m.matmul(a, b, out=out)
        return base

    check(body_strided, a, b, dtype=dtype)

    def body_vec(m, a, b):
        out = zeros(m, (5,), dtype)
        m.matmul(view(m, a, lambda x: x[0, 0]), b, out=out)
        return out

    check(body_vec, a, b, dtype=dtype)

    def body_tuple(m, a, b):
        out = zeros(m, (2, 3, 5), dtype)
        r = m.matmul(a, b, out=(out,))
        assert r is out
        return out

    check(body_tuple, a, b, dtype=dtype)


def test_matmul_out_cast_and_overlap():
    a = xp.rand((4, 4), "float32")

    def cast(m, a):
        out = zeros(m, (4, 4), "float64")
        m.matmul(a, a, out=out)
        return out

    check(cast, a, dtype="float32")

    def overlap(m, a):
        a = a.copy()
        m.matmul(a, a, out=a)
        return a

    check(overlap, a.copy(), dtype="float32")

    def overlap_view(m, a):
        # out is the transpose of an input.
        a = a.copy()
        m.matmul(a, a, out=m.einsum("ij->ji", a))  # a view in both
        return a

    check(overlap_view, a.copy(), dtype="float32")

    def imatmul(m, a):
        a = a.copy()
        a @= a
        return a

    check(imatmul, a.copy(), dtype="float32")
    ai = arrax.asarray(xp.rand((3, 3), "int32"))
    with pytest.raises(TypeError):
        ai @= arrax.asarray(numpy.ones((3, 3)))
    with pytest.raises(ValueError):
        av = arrax.asarray(numpy.ones(3))
        av @= arrax.asarray(numpy.ones(3))


@pytest.mark.parametrize(
    "da,db",
    [
        ("int8", "float32"),
        ("uint8", "int8"),
        ("float16", "float32"),
        ("bool", "int16"),
        ("int64", "complex64"),
        ("uint64", "int64"),
        ("float32", "complex128"),
    ],
)
def test_matmul_promotion(da, db):
    a, b = xp.rand((3, 4), da), xp.rand((4, 2), db, seed=1)
    check(lambda m, a, b: m.matmul(a, b), a, b, dtype="float32")


def test_matmul_dtype_kwarg():
    a, b = xp.rand((3, 4), "int32"), xp.rand((4, 2), "int32", seed=1)
    check(lambda m, a, b: m.matmul(a, b, dtype="float32"), a, b)
    check(lambda m, a, b: m.matmul(a, b, dtype="int64"), a, b)
    check(lambda m, a, b: m.matmul(a, b, dtype="int16"), a, b)
    check(lambda m, a, b: m.matmul(a, b, casting="no"), a, b)
    check(lambda m, a, b: m.matmul(a, b, dtype="int32", casting="unsafe"), a * 1.5, b)
    xp.check_raises(
        TypeError,
        arrax.matmul,
        arrax.asarray(a),
        arrax.asarray(b.astype("int64")),
        casting="no",
    )
    f = xp.rand((2, 2), "float64")
    xp.check_raises(
        TypeError, arrax.matmul, arrax.asarray(f), arrax.asarray(f), dtype="int32"
    )
    xp.check_raises(
        TypeError,
        arrax.matmul,
        arrax.asarray(f),
        arrax.asarray(f),
        out=zeros(arrax, (2, 2), "int32"),
    )


@pytest.mark.parametrize(
    "sa,sb",
    [
        ((3, 4), (5, 2)),
        ((3,), (4,)),
        ((2, 3, 4), (5, 4, 2)),
        ((3,), (4, 2)),
        ((2, 3), (2,)),
    ],
)
def test_matmul_errors(sa, sb):
    a, b = numpy.ones(sa), numpy.ones(sb)
    check(lambda m, a, b: m.matmul(a, b), a, b)


def test_matmul_error_messages():
    e = xp.check_raises(
        ValueError,
        arrax.matmul,
        arrax.asarray(numpy.ones(3)),
        arrax.asarray(numpy.ones((4, 2))),
    )
    assert "mismatch in its core dimension 0" in str(e)
    assert "(size 4 is different from 3)" in str(e)
    e = xp.check_raises(ValueError, arrax.matmul, arrax.asarray(numpy.ones(3)), 2)
    assert "does not have enough dimensions" in str(e)
    xp.check_raises(ValueError, lambda: arrax.asarray(numpy.ones(3)) @ 2)
    xp.check_raises(
        ValueError,
        arrax.matmul,
        arrax.asarray(numpy.ones((2, 2))),
        arrax.asarray(numpy.ones((2, 2))),
        out=zeros(arrax, (2, 3)),
    )


def test_matmul_operators():
    a = xp.rand((3, 4), "float64")
    b = xp.rand((4, 2), "float64", seed=1)
    A, B = arrax.asarray(a), arrax.asarray(b)
    xp.assert_close(xp.to_numpy(A @ B), a @ b)
    c = xp.rand((2, 3), "float64", seed=2)
    xp.assert_close(xp.to_numpy(A.__rmatmul__(arrax.asarray(c))), c @ a)
    xp.assert_close(xp.to_numpy(A @ b.tolist()), a @ b)
    xp.assert_close(xp.to_numpy(a.tolist() @ B), a @ b)
    assert A.__matmul__(object()) is NotImplemented


@settings(max_examples=60, deadline=None)
@given(
    batch_a=st.lists(st.integers(1, 3), max_size=2),
    batch_b=st.lists(st.integers(1, 3), max_size=2),
    n=st.integers(0, 5),
    k=st.integers(0, 5),
    m=st.integers(0, 5),
    vec_a=st.booleans(),
    vec_b=st.booleans(),
    dtype=st.sampled_from(["float64", "int32", "bool", "complex64"]),
)
def test_matmul_hypothesis(batch_a, batch_b, n, k, m, vec_a, vec_b, dtype):
    # Broadcast-compatible batches: replace mismatches by 1.
    la, lb = len(batch_a), len(batch_b)
    for i in range(1, min(la, lb) + 1):
        if batch_a[-i] != batch_b[-i]:
            batch_b[-i] = 1
    sa = (k,) if vec_a else tuple(batch_a) + (n, k)
    sb = (k,) if vec_b else tuple(batch_b) + (k, m)
    a, b = xp.rand(sa, dtype), xp.rand(sb, dtype, seed=1)
    check(lambda m_, a, b: m_.matmul(a, b), a, b, dtype=dtype)


# ---- dot, vdot, inner, outer ------------------------------------------------

DOT_SHAPES = [
    ((), ()),
    ((), (3,)),
    ((2, 3), ()),
    ((4,), (4,)),
    ((3, 4), (4,)),
    ((4,), (4, 2)),
    ((3, 4), (4, 2)),
    ((2, 3, 4), (4,)),
    ((4,), (3, 4, 2)),
    ((2, 3, 4), (5, 4, 2)),
    ((2, 4), (3, 4, 5)),
    ((0, 3), (3, 2)),
    ((3, 0), (0,)),
]


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("sa,sb", DOT_SHAPES)
def test_dot(dtype, sa, sb):
    a, b = xp.rand(sa, dtype), xp.rand(sb, dtype, seed=1)
    check(lambda m, a, b: m.dot(a, b), a, b, dtype=dtype)
    if a.ndim:
        check(lambda m, a, b: a.dot(b), a, b, dtype=dtype)


def test_dot_scalars_and_errors():
    a8 = xp.rand((2, 2), "int8")
    check(lambda m, a: m.dot(2, a), a8)
    check(lambda m, a: m.dot(a, 2.5), a8)
    check(lambda m, a, b: m.dot(a, b), numpy.ones((2, 3)), numpy.ones((4, 2)))
    check(lambda m, a, b: m.dot(a, b), numpy.ones(3), numpy.ones(4))
    e = xp.check_raises(
        ValueError,
        arrax.dot,
        arrax.asarray(numpy.ones((2, 3))),
        arrax.asarray(numpy.ones((4, 2))),
    )
    assert "not aligned: 3 (dim 1) != 4 (dim 0)" in str(e)


def test_dot_out():
    a, b = xp.rand((3, 4), "float64"), xp.rand((4, 2), "float64", seed=1)
    c = xp.rand((2, 3, 4), "float64", seed=2)

    def body(m, a, b):
        out = zeros(m, (3, 2))
        r = m.dot(a, b, out=out)
        assert r is out
        return out

    check(body, a, b)

    def body_nd(m, c, b):
        out = zeros(m, (2, 3, 2))
        m.dot(c, b, out=out)
        return out

    check(body_nd, c, b)

    def body_scalar(m, a):
        out = zeros(m, (3, 4))
        m.dot(a, 2.0, out=out)
        return out

    check(body_scalar, a)
    A, B = arrax.asarray(a), arrax.asarray(b)
    for bad in [
        zeros(arrax, (3, 2), "float32"),
        zeros(arrax, (3, 3)),
        arrax.zeros((2, 3)).T,
    ]:
        xp.check_raises(ValueError, arrax.dot, A, B, out=bad)


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize(
    "sa,sb", [((5,), (5,)), ((2, 3), (3, 2)), ((), ()), ((0,), (0,))]
)
def test_vdot(dtype, sa, sb):
    a, b = xp.rand(sa, dtype), xp.rand(sb, dtype, seed=1)
    check(lambda m, a, b: m.vdot(a, b), a, b, dtype=dtype)


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize(
    "sa,sb,axis",
    [
        ((5,), (5,), -1),
        ((2, 3), (3,), -1),
        ((4, 1, 3), (2, 3), -1),
        ((3, 2), (3, 1), 0),
        ((2, 3), (4, 3, 1), -2),
        ((0, 3), (3,), -1),
        ((2, 0), (0,), -1),
    ],
)
def test_vecdot(dtype, sa, sb, axis):
    a, b = xp.rand(sa, dtype), xp.rand(sb, dtype, seed=1)
    check(lambda m, a, b: m.vecdot(a, b, axis=axis), a, b, dtype=dtype)


def test_vecdot_errors_and_out():
    check(lambda m, a, b: m.vecdot(a, b), numpy.ones((2, 3)), numpy.ones(4))
    check(lambda m, a, b: m.vecdot(a, b, axis=1), numpy.ones(3), numpy.ones(3))
    xp.check_raises(ValueError, arrax.vecdot, arrax.asarray(numpy.ones(3)), 2.0)
    a = xp.rand((2, 3), "complex128")
    b = xp.rand((3,), "complex128", seed=1)

    def body(m, a, b):
        out = zeros(m, (2,), "complex128")
        r = m.vecdot(a, b, out=out)
        assert r is out
        return out

    check(body, a, b)
    check(lambda m, a, b: m.vecdot(a, b, dtype="complex64"), a, b)
    assert arrax.linalg.vecdot is arrax.vecdot


def test_vdot_conjugates_first_and_errors():
    a = xp.rand((4,), "complex128")
    b = xp.rand((4,), "complex128", seed=1)
    check(lambda m, a, b: m.vdot(a, b), a, b)
    check(
        lambda m, a, b: m.vdot(
            view(m, a, lambda x: x[::-1]), view(m, b, lambda x: x[::2])
        ),
        a,
        numpy.ones(8, complex),
    )
    check(lambda m, a, b: m.vdot(a, b), numpy.ones(3), numpy.ones(4))


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize(
    "sa,sb",
    [
        ((), (3,)),
        ((4,), (4,)),
        ((2, 4), (4,)),
        ((2, 4), (3, 4)),
        ((2, 3, 4), (5, 4)),
        ((0, 4), (2, 4)),
    ],
)
def test_inner(dtype, sa, sb):
    a, b = xp.rand(sa, dtype), xp.rand(sb, dtype, seed=1)
    check(lambda m, a, b: m.inner(a, b), a, b, dtype=dtype)


def test_inner_errors():
    check(lambda m, a, b: m.inner(a, b), numpy.ones((2, 3)), numpy.ones(4))


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize(
    "sa,sb", [((3,), (4,)), ((2, 3), (2, 2)), ((), (3,)), ((0,), (3,))]
)
def test_outer(dtype, sa, sb):
    a, b = xp.rand(sa, dtype), xp.rand(sb, dtype, seed=1)
    check(lambda m, a, b: m.outer(a, b), a, b, dtype=dtype)


def test_outer_out():
    a, b = xp.rand((3,), "float64"), xp.rand((4,), "float64", seed=1)

    def body(m, a, b):
        out = zeros(m, (3, 4))
        r = m.outer(a, b, out=out)
        assert r is out
        return out

    check(body, a, b)
    xp.check_raises(
        TypeError,
        arrax.outer,
        arrax.asarray(a),
        arrax.asarray(b),
        out=zeros(arrax, (3, 4), "int32"),
    )
    xp.check_raises(
        ValueError,
        arrax.outer,
        arrax.asarray(a),
        arrax.asarray(b),
        out=zeros(arrax, (4, 4)),
    )


# ---- tensordot, kron ----------------------------------------------------------

TENSORDOT_CASES = [
    ((3, 4, 5), (4, 5, 2), 2),
    ((3, 4), (4, 2), 1),
    ((3, 4), (2, 5), 0),
    ((2, 3), (4,), -1),
    ((3, 4, 5), (5, 3, 2), ([0, 2], [1, 0])),
    ((3, 4, 5), (4, 2), (1, 0)),
    ((3, 4, 5), (5, 4), ([-1, -2], [0, 1])),
    ((2, 0), (0, 3), 1),
]


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("sa,sb,axes", TENSORDOT_CASES)
def test_tensordot(dtype, sa, sb, axes):
    a, b = xp.rand(sa, dtype), xp.rand(sb, dtype, seed=1)
    check(lambda m, a, b: m.tensordot(a, b, axes), a, b, dtype=dtype)


@pytest.mark.parametrize(
    "sa,sb,axes",
    [
        ((2, 3), (4, 2), 1),
        ((2, 3), (2, 3), ([0], [0, 1])),
        ((2, 2), (2, 2), ([0, 0], [0, 1])),
        ((2, 2), (2, 2), ([5], [0])),
        ((2, 2), (2, 2), 3),
    ],
)
def test_tensordot_errors(sa, sb, axes):
    check(lambda m, a, b: m.tensordot(a, b, axes), numpy.ones(sa), numpy.ones(sb))


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize(
    "sa,sb",
    [
        ((2, 3), (3, 2)),
        ((3,), (2, 2)),
        ((2, 1, 2), (3, 2)),
        ((), (2,)),
        ((), ()),
        ((0, 2), (2, 2)),
    ],
)
def test_kron(dtype, sa, sb):
    a, b = xp.rand(sa, dtype), xp.rand(sb, dtype, seed=1)
    check(lambda m, a, b: m.kron(a, b), a, b, dtype=dtype)


# ---- trace, diagonal --------------------------------------------------------

DIAG_CASES = [
    ((4, 4), 0, 0, 1),
    ((4, 5), 1, 0, 1),
    ((4, 5), -2, 0, 1),
    ((4, 5), 7, 0, 1),
    ((4, 5), -9, 0, 1),
    ((2, 3, 4), 0, 0, 2),
    ((2, 3, 4), 1, -1, -2),
    ((2, 3, 4), 0, 2, 0),
    ((0, 3), 0, 0, 1),
]


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("shape,offset,axis1,axis2", DIAG_CASES)
def test_diagonal_and_trace(dtype, shape, offset, axis1, axis2):
    a = xp.rand(shape, dtype)
    check(lambda m, a: m.diagonal(a, offset, axis1, axis2), a, dtype=dtype)
    check(lambda m, a: a.diagonal(offset, axis1, axis2), a, dtype=dtype)
    check(lambda m, a: m.trace(a, offset, axis1, axis2), a, dtype=dtype)
    check(lambda m, a: a.trace(offset, axis1, axis2), a, dtype=dtype)


@pytest.mark.skipif(arrax.default_device() != "cpu",
                    reason="shares memory with NumPy: CPU arrays only")
def test_diagonal_is_a_view():
    base = numpy.arange(12.0).reshape(3, 4)
    a = arrax.asarray(base, copy=False)
    d = arrax.diagonal(a, 1)
    assert d._shares_storage(a)
    base[...] = -1.0
    assert xp.to_numpy(d).tolist() == [-1.0, -1.0, -1.0]
    # A diagonal of a strided view.
    v = arrax.asarray(base[::-1, ::2], copy=False)
    base[...] = numpy.arange(12.0).reshape(3, 4)
    xp.assert_close(xp.to_numpy(arrax.diagonal(v)), numpy.diagonal(base[::-1, ::2]))


def test_diagonal_trace_errors():
    for fn in (lambda m, a: m.diagonal(a), lambda m, a: m.trace(a)):
        check(fn, numpy.ones(3))
    check(lambda m, a: m.diagonal(a, 0, 0, 0), numpy.ones((2, 2)))
    check(lambda m, a: m.trace(a, 0, 0, 0), numpy.ones((2, 2)))
    check(lambda m, a: m.diagonal(a, 0, 0, 5), numpy.ones((2, 2)))


def test_trace_dtype_out():
    a = xp.rand((3, 3), "int8")
    check(lambda m, a: m.trace(a, dtype="float32"), a)
    check(lambda m, a: m.trace(a, dtype="int8"), a)
    b = xp.rand((2, 3, 3), "float64")

    def body(m, b):
        out = zeros(m, (3,), "int32")
        r = m.trace(b, axis1=0, axis2=2, out=out)
        assert r is out
        return out

    check(body, b)


# ---- einsum -------------------------------------------------------------------

EINSUM_CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("ij,kj->ik", [(3, 4), (5, 4)]),
    ("ji,jk->ik", [(4, 3), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("i,i->", [(5,), (5,)]),
    ("i,i", [(5,), (5,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,j", [(3,), (4,)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("ij->ji", [(3, 4)]),
    ("ij", [(3, 4)]),
    ("ji", [(3, 4)]),
    ("ij->", [(3, 4)]),
    ("ij->i", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("iij->j", [(3, 3, 4)]),
    ("iji->j", [(3, 4, 3)]),
    ("ijk->kji", [(2, 3, 4)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
    ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("i...->...", [(3, 2, 4)]),
    ("...", [(2, 3)]),
    ("ij...,jk...->ik...", [(2, 3, 4), (3, 5, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("ij,jk,kl", [(2, 3), (3, 4), (4, 5)]),
    ("ab,bc,cd,de->ae", [(2, 3), (3, 4), (4, 2), (2, 3)]),
    ("ijk,jl,kl->il", [(2, 3, 4), (3, 5), (4, 5)]),
    ("i,i,i->i", [(4,), (4,), (4,)]),
    ("i,i,i->", [(4,), (4,), (4,)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),
    ("ij,jk", [(2, 1), (3, 2)]),
    ("ij,ij->", [(3, 4), (3, 4)]),
    ("bi,bi->b", [(3, 4), (3, 4)]),
    ("ijk,ikl->jl", [(2, 3, 4), (2, 4, 5)]),
    ("Ba,aA", [(2, 3), (3, 4)]),
    ("ab,cd->abcd", [(2, 3), (1, 2)]),
    ("ii,jj->ij", [(3, 3), (2, 2)]),
    (",i->i", [(), (3,)]),
    ("", [()]),
    (",", [(), ()]),
    ("i,->i", [(3,), ()]),
    ("ij,jk->ik", [(0, 4), (4, 5)]),
    ("ij,jk->ik", [(3, 0), (0, 5)]),
    ("ij->", [(0, 3)]),
    ("i j , j k -> i k", [(2, 3), (3, 2)]),
]


@pytest.mark.parametrize("subs,shapes", EINSUM_CASES)
@pytest.mark.parametrize(
    "dtype", ["float64", "float32", "int32", "bool", "complex64", "float16"]
)
def test_einsum(subs, shapes, dtype):
    ops = [xp.rand(s, dtype, seed=i) for i, s in enumerate(shapes)]
    check(lambda m, *ops: m.einsum(subs, *ops), *ops, dtype=dtype)


@pytest.mark.parametrize("dtype", xp.ALL)
def test_einsum_all_dtypes(dtype):
    a, b = xp.rand((3, 4), dtype), xp.rand((4, 5), dtype, seed=1)
    c = xp.rand((5,), dtype, seed=2)
    check(lambda m, a, b, c: m.einsum("ij,jk,k->i", a, b, c), a, b, c, dtype=dtype)
    check(lambda m, a: m.einsum("ij->j", a), a, dtype=dtype)


def test_einsum_transposed_inputs_and_views():
    a = xp.rand((4, 3), "float64")
    b = xp.rand((5, 4), "float64", seed=1)
    check(
        lambda m, a, b: m.einsum(
            "ij,jk->ik", view(m, a, lambda x: x.T), view(m, b, lambda x: x.T)
        ),
        a,
        b,
    )
    check(
        lambda m, a, b: m.einsum(
            "ij,jk->ik",
            view(m, a, lambda x: x[::-1].T),
            view(m, b, lambda x: x[:, ::2].T[:, :3]),
        ),
        a,
        b,
    )
    check(
        lambda m, a, b: m.einsum(
            "ji,kj->ik", view(m, a, lambda x: x[::2]), view(m, b, lambda x: x[:, ::2])
        ),
        a,
        b,
    )
    x = arrax.asarray(numpy.arange(9.0).reshape(3, 3))
    assert arrax.einsum("ii->i", x)._shares_storage(x)


def test_einsum_mixed_dtypes_and_kwargs():
    a, b = xp.rand((3, 4), "int8"), xp.rand((4, 2), "float32", seed=1)
    check(lambda m, a, b: m.einsum("ij,jk", a, b), a, b, dtype="float32")
    check(lambda m, a, b: m.einsum("ij,jk", a, b, dtype="float64"), a, b)
    check(lambda m, a, b: m.einsum("ij,jk", a, b, optimize=True), a, b, dtype="float32")
    check(
        lambda m, a, b: m.einsum("ij,jk", a, b, optimize="greedy"),
        a,
        b,
        dtype="float32",
    )
    check(
        lambda m, a, b: m.einsum("ij,jk", a, b, optimize="optimal"),
        a,
        b,
        dtype="float32",
    )
    check(
        lambda m, a, b: m.einsum("ij,jk", a, b, dtype="int32", casting="unsafe"), a, b
    )
    xp.check_raises(
        TypeError,
        arrax.einsum,
        "ij,jk",
        arrax.asarray(a),
        arrax.asarray(b),
        dtype="int32",
    )

    def body(m, a, b):
        out = zeros(m, (3, 2), "float32")
        r = m.einsum("ij,jk", a, b, out=out)
        assert r is out
        return out

    check(body, a, b, dtype="float32")
    xp.check_raises(
        TypeError,
        arrax.einsum,
        "ij,jk",
        arrax.asarray(a),
        arrax.asarray(b),
        out=zeros(arrax, (3, 2), "float16"),
    )


def test_einsum_sublist_format():
    a, b = xp.rand((2, 3), "float64"), xp.rand((3, 4), "float64", seed=1)
    check(lambda m, a, b: m.einsum(a, [0, 1], b, [1, 2]), a, b)
    check(lambda m, a, b: m.einsum(a, [0, 1], b, [1, 2], [2, 0]), a, b)
    check(lambda m, a: m.einsum(a, [0, Ellipsis], [Ellipsis]), a)


@pytest.mark.parametrize(
    "subs,shapes",
    [
        ("ii", [(2, 3)]),
        ("ij->ii", [(2, 2)]),
        ("ij->k", [(2, 2)]),
        ("ij", [(2, 2, 2)]),
        ("ijk", [(2, 3)]),
        ("ij,jk", [(2, 2)]),
        ("i", [(2,), (2,)]),
        ("i$", [(2, 3)]),
        ("i...j...", [(2, 3, 4)]),
        ("...i->i", [(2, 3)]),
        ("ij,jk", [(2, 3), (4, 2)]),
        ("i,i", [(2,), (3,)]),
        ("i.j", [(2, 3)]),
    ],
)
def test_einsum_errors(subs, shapes):
    ops = [numpy.ones(s) for s in shapes]
    check(lambda m, *ops: m.einsum(subs, *ops), *ops)


@st.composite
def einsum_problems(draw):
    sizes = {c: draw(st.integers(1, 3)) for c in "abcde"}
    nops = draw(st.integers(1, 3))
    terms = [draw(st.lists(st.sampled_from("abcde"), max_size=4)) for _ in range(nops)]
    used = sorted({c for t in terms for c in t})
    explicit = draw(st.booleans())
    subs = ",".join("".join(t) for t in terms)
    if explicit:
        out = draw(st.permutations(used))
        out = out[: draw(st.integers(0, len(out)))]
        subs += "->" + "".join(out)
    # Some operands get length-1 dimensions that broadcast.
    shapes = []
    for t in terms:
        shapes.append(tuple(1 if draw(st.integers(0, 5)) == 0 else sizes[c] for c in t))
    # Repeated labels within one operand must have equal sizes.
    fixed = []
    for t, s in zip(terms, shapes):
        s = list(s)
        for i, c in enumerate(t):
            j = t.index(c)
            s[i] = s[j]
        fixed.append(tuple(s))
    return subs, fixed


@settings(max_examples=150, deadline=None)
@given(
    problem=einsum_problems(),
    dtype=st.sampled_from(["float64", "int64", "bool", "complex128"]),
)
def test_einsum_hypothesis(problem, dtype):
    subs, shapes = problem
    ops = [xp.rand(s, dtype, seed=i) for i, s in enumerate(shapes)]
    check(lambda m, *ops: m.einsum(subs, *ops), *ops, dtype=dtype)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "float32", "complex64"])
@pytest.mark.parametrize(
    "body",
    [
        lambda m, a: m.einsum("i,", a, 2),
        lambda m, a: m.outer(a, 2),
        lambda m, a: m.kron(a, 2.5),
        lambda m, a: m.inner(a, 2),
        lambda m, a: m.dot(a, 2),
        lambda m, a: m.dot(3.0, a),
        lambda m, a: m.tensordot(a, 2, 0),
        lambda m, a: m.matmul(a, [1, 2, 3]),
        lambda m, a: m.dot([[1], [2], [3]], [a[0]]),
    ],
)
def test_python_scalars_and_lists_are_strong(dtype, body):
    # NumPy converts Python operands of the products with asarray: a Python
    # int is int64 here, not a weak scalar.
    a = xp.rand((3,), dtype)
    check(body, a, dtype=dtype)

"""numpy.linalg against NumPy through the shared helper (xp.check): every
name, float32/float64/complex64/complex128 and integer input, stacked and
broadcast inputs, empty and 1x1 matrices, singular and ill-conditioned
ones, the defining identities of the factorizations (their vectors need not
match NumPy's signs or phases), LinAlgError and bad input. Runs on the GPU
when it is the default device (xp.on_gpu())."""

import numpy
import pytest
import xp
from hypothesis import given, settings
from hypothesis import strategies as st

import arrax

LA_DTYPES = ["float32", "float64", "complex64", "complex128"]
_TOL = {"float32": 2e-4, "complex64": 2e-4, "float64": 1e-10, "complex128": 1e-10}


def tol(dtype):
    return _TOL.get(numpy.dtype(dtype).name, 1e-10)


def mat(shape, dtype="float64", seed=0, shift=None):
    """A random, well-conditioned matrix stack (n * I added)."""
    a = xp.rand(shape, dtype, seed=seed, low=-1.0, high=1.0)
    if len(shape) >= 2 and shape[-1] == shape[-2] and numpy.dtype(dtype).kind in "fc":
        n = shape[-1]
        a = a + (n if shift is None else shift) * numpy.eye(n, dtype=dtype)
    return a


def hpd(shape, dtype="float64", seed=0):
    a = xp.rand(shape, dtype, seed=seed, low=-1.0, high=1.0)
    n = shape[-1]
    h = a @ numpy.conj(numpy.swapaxes(a, -1, -2)) + n * numpy.eye(n)
    return h.astype(dtype)


def herm(shape, dtype="float64", seed=0):
    a = xp.rand(shape, dtype, seed=seed, low=-1.0, high=1.0)
    return ((a + numpy.conj(numpy.swapaxes(a, -1, -2))) / 2).astype(dtype)


def np_(x):
    return xp.to_numpy(x)


def check(fn, *args, dtype="float64", **kwargs):
    t = tol(dtype)
    return xp.check(fn, *args, rtol=t, atol=t, **kwargs)


def assert_close(a, b, dtype="float64", scale=1.0):
    t = tol(dtype) * scale
    numpy.testing.assert_allclose(numpy.asarray(a), numpy.asarray(b), rtol=t, atol=t)


def mh(a):
    return numpy.conj(numpy.swapaxes(a, -1, -2))


# ---- solve, inv, det, slogdet --------------------------------------------------


@pytest.mark.parametrize("dtype", LA_DTYPES)
@pytest.mark.parametrize(
    "ashape,bshape",
    [
        ((3, 3), (3,)),
        ((3, 3), (3, 2)),
        ((4, 3, 3), (4, 3, 2)),
        ((4, 3, 3), (3, 2)),
        ((2, 1, 3, 3), (5, 3, 1)),
        ((1, 1), (1,)),
        ((4, 3, 3), (3,)),
    ],
)
def test_solve(dtype, ashape, bshape):
    a, b = mat(ashape, dtype), xp.rand(bshape, dtype, seed=1)
    check(lambda m, a, b: m.linalg.solve(a, b), a, b, dtype=dtype)


def test_solve_numpy2_vector_rule():
    # b is a vector only when b.ndim == 1: (2, 3) against (2, 3, 3) is a
    # stack of matrices and mismatches.
    a, b = mat((2, 3, 3)), xp.rand((2, 3), "float64")
    check(lambda m, a, b: m.linalg.solve(a, b), a, b)
    check(lambda m, a, b: m.linalg.solve(a, b), a, xp.rand((3, 3, 1), "float64"))


@settings(max_examples=25, deadline=None)
@given(
    batch_a=st.lists(st.sampled_from([1, 2, 3]), max_size=2),
    batch_b=st.lists(st.sampled_from([1, 2, 3]), max_size=2),
    n=st.integers(1, 4),
    k=st.integers(0, 3),
)
def test_solve_broadcasting(batch_a, batch_b, n, k):
    a = mat(tuple(batch_a) + (n, n), "float64")
    b = xp.rand(tuple(batch_b) + (n, k), "float64", seed=2)
    check(lambda m, a, b: m.linalg.solve(a, b), a, b)


@pytest.mark.parametrize("dtype", ["int64", "int8", "bool"])
def test_integer_inputs_compute_in_float64(dtype):
    a = (numpy.eye(3) * 2 + numpy.triu(numpy.ones((3, 3)))).astype(dtype)
    for fn in ("inv", "det", "eigvals", "svdvals", "pinv"):
        check(lambda m, a, fn=fn: getattr(m.linalg, fn)(a), a)
    check(lambda m, a: m.linalg.solve(a, a), a)


@pytest.mark.parametrize("dtype", LA_DTYPES)
@pytest.mark.parametrize("shape", [(3, 3), (5, 4, 4), (2, 3, 2, 2), (1, 1), (7, 7)])
def test_inv_det_slogdet(dtype, shape):
    a = mat(shape, dtype)
    check(lambda m, a: m.linalg.inv(a), a, dtype=dtype)
    check(lambda m, a: m.linalg.det(a), a, dtype=dtype)
    check(lambda m, a: tuple(m.linalg.slogdet(a)), a, dtype=dtype)


@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0), (0, 3, 3)])
def test_empty(shape):
    a = numpy.zeros(shape)
    for fn in ("inv", "det", "eigvalsh", "svdvals", "pinv"):
        check(lambda m, a, fn=fn: getattr(m.linalg, fn)(a), a)
    check(lambda m, a: tuple(m.linalg.slogdet(a)), a)
    check(lambda m, a: m.linalg.solve(a, a), a)
    check(lambda m, a: m.linalg.eigh(a)[0], a)


def test_singular():
    a = numpy.array([[1.0, 2.0], [2.0, 4.0]])
    check(lambda m, a: m.linalg.det(a), a)
    check(lambda m, a: tuple(m.linalg.slogdet(a)), a)
    for fn in ("inv",):
        with pytest.raises(numpy.linalg.LinAlgError, match="Singular matrix"):
            getattr(arrax.linalg, fn)(xp.to_arrax(a))
    with pytest.raises(arrax.linalg.LinAlgError) as info:
        arrax.linalg.solve(xp.to_arrax(a), xp.to_arrax(numpy.ones(2)))
    assert str(info.value) == "[linalg.solve] Singular matrix"
    # One singular matrix in a stack.
    s = numpy.stack([numpy.eye(2), a])
    with pytest.raises(numpy.linalg.LinAlgError, match="Singular matrix"):
        arrax.linalg.inv(xp.to_arrax(s))


def test_ill_conditioned():
    n = 6
    hilbert = 1.0 / (numpy.arange(n)[:, None] + numpy.arange(n)[None, :] + 1)
    b = numpy.ones(n)
    x = np_(arrax.linalg.solve(xp.to_arrax(hilbert), xp.to_arrax(b)))
    numpy.testing.assert_allclose(hilbert @ x, b, atol=1e-8)
    c = numpy.linalg.cond(hilbert)
    numpy.testing.assert_allclose(
        float(arrax.linalg.cond(xp.to_arrax(hilbert))), c, rtol=1e-4
    )


# ---- cholesky, qr ----------------------------------------------------------------


@pytest.mark.parametrize("dtype", LA_DTYPES)
@pytest.mark.parametrize("shape", [(3, 3), (4, 5, 5), (1, 1), (0, 0)])
def test_cholesky(dtype, shape):
    a = hpd(shape, dtype) if shape[-1] else numpy.zeros(shape, dtype)
    check(lambda m, a: m.linalg.cholesky(a), a, dtype=dtype)
    check(lambda m, a: m.linalg.cholesky(a, upper=True), a, dtype=dtype)


def test_cholesky_not_positive_definite():
    a = numpy.array([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(numpy.linalg.LinAlgError) as info:
        arrax.linalg.cholesky(xp.to_arrax(a))
    assert str(info.value) == "[linalg.cholesky] Matrix is not positive definite"


@pytest.mark.parametrize("dtype", LA_DTYPES)
@pytest.mark.parametrize(
    "shape", [(5, 3), (3, 5), (4, 4), (2, 6, 3), (1, 1), (0, 3), (3, 0)]
)
def test_qr(dtype, shape):
    a = xp.rand(shape, dtype, low=-1.0, high=1.0)
    m, n = shape[-2:]
    k = min(m, n)
    for mode in ("reduced", "complete"):
        q, r = arrax.linalg.qr(xp.to_arrax(a), mode=mode)
        q, r = np_(q), np_(r)
        qn, rn = numpy.linalg.qr(a, mode=mode)
        assert q.shape == qn.shape and r.shape == rn.shape
        assert q.dtype == qn.dtype and r.dtype == rn.dtype
        assert_close(q @ r, a, dtype, 10)
        assert_close(
            mh(q) @ q,
            numpy.broadcast_to(
                numpy.eye(q.shape[-1]), q.shape[:-2] + (q.shape[-1],) * 2
            ),
            dtype,
            10,
        )
        assert_close(numpy.triu(r), r, dtype)
        # R is unique up to the phase of each row.
        assert_close(numpy.abs(r), numpy.abs(rn), dtype, 10)
    r = np_(arrax.linalg.qr(xp.to_arrax(a), mode="r"))
    assert r.shape == shape[:-2] + (k, n)
    assert_close(numpy.abs(r), numpy.abs(numpy.linalg.qr(a, mode="r")), dtype, 10)
    h, tau = arrax.linalg.qr(xp.to_arrax(a), mode="raw")
    hn, taun = numpy.linalg.qr(a, mode="raw")
    assert np_(h).shape == hn.shape and np_(tau).shape == taun.shape
    assert np_(h).dtype == hn.dtype and np_(tau).dtype == taun.dtype
    assert_close(numpy.triu(numpy.swapaxes(np_(h), -1, -2))[..., :k, :], r, dtype)


def test_qr_bad_mode():
    check(lambda m, a: m.linalg.qr(a, mode="economic_x"), numpy.eye(2))


# ---- eigenvalues -------------------------------------------------------------------


@pytest.mark.parametrize("dtype", LA_DTYPES)
@pytest.mark.parametrize("shape", [(4, 4), (3, 5, 5), (1, 1)])
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh(dtype, shape, uplo):
    a = herm(shape, dtype)
    # Only the UPLO triangle is read: spoil the other one.
    spoiled = numpy.tril(a) if uplo == "L" else numpy.triu(a)
    check(lambda m, a: m.linalg.eigvalsh(a, UPLO=uplo), spoiled, dtype=dtype)
    w, v = arrax.linalg.eigh(xp.to_arrax(spoiled), UPLO=uplo)
    w, v = np_(w), np_(v)
    wn, vn = numpy.linalg.eigh(a)
    assert w.dtype == wn.dtype and v.dtype == vn.dtype
    assert_close(w, wn, dtype, 10)
    assert_close(a @ v, v * w[..., None, :], dtype, 10)
    assert_close(
        mh(v) @ v, numpy.broadcast_to(numpy.eye(shape[-1]), a.shape), dtype, 10
    )


def _match_eigenvalues(w, wn, dtype):
    # Same multiset: each of NumPy's eigenvalues is close to one of ours.
    for b in numpy.ndindex(w.shape[:-1]):
        d = numpy.abs(w[b][:, None] - wn[b][None, :])
        assert d.min(axis=0).max() < tol(dtype) * 100 * max(1, numpy.abs(wn[b]).max())


@pytest.mark.parametrize("dtype", LA_DTYPES)
@pytest.mark.parametrize("shape", [(4, 4), (3, 5, 5), (1, 1)])
def test_eig(dtype, shape):
    a = mat(shape, dtype, shift=0.0)
    w, v = arrax.linalg.eig(xp.to_arrax(a))
    w, v = np_(w), np_(v)
    wn, vn = numpy.linalg.eig(a)
    assert w.dtype == wn.dtype and v.dtype == vn.dtype and v.shape == vn.shape
    _match_eigenvalues(w, wn, dtype)
    assert_close(a @ v, v * w[..., None, :], dtype, 100)
    assert_close(numpy.linalg.norm(v, axis=-2), numpy.ones(w.shape), dtype, 10)
    ev = np_(arrax.linalg.eigvals(xp.to_arrax(a)))
    assert ev.dtype == wn.dtype
    _match_eigenvalues(ev, wn, dtype)


def test_eig_real_result_rule():
    sym = herm((3, 3), "float64")
    rot = numpy.array([[0.0, -1.0], [1.0, 0.0]])
    check(lambda m, a: m.linalg.eigvals(a), sym)
    assert np_(arrax.linalg.eig(xp.to_arrax(sym))[1]).dtype == numpy.float64
    w = np_(arrax.linalg.eigvals(xp.to_arrax(rot)))
    assert w.dtype == numpy.complex128
    numpy.testing.assert_allclose(numpy.sort_complex(w), [-1j, 1j], atol=1e-12)


def test_eig_non_finite():
    a = numpy.array([[numpy.nan, 1.0], [1.0, 1.0]])
    with pytest.raises(numpy.linalg.LinAlgError) as info:
        arrax.linalg.eig(xp.to_arrax(a))
    assert str(info.value) == "[linalg.eig] Array must not contain infs or NaNs"


# ---- svd and what is built on it ------------------------------------------------


@pytest.mark.parametrize("dtype", LA_DTYPES)
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 6, 3), (1, 1)])
@pytest.mark.parametrize("full", [True, False])
def test_svd(dtype, shape, full):
    a = xp.rand(shape, dtype, low=-1.0, high=1.0)
    u, s, vh = arrax.linalg.svd(xp.to_arrax(a), full_matrices=full)
    u, s, vh = np_(u), np_(s), np_(vh)
    un, sn, vhn = numpy.linalg.svd(a, full_matrices=full)
    assert (u.shape, s.shape, vh.shape) == (un.shape, sn.shape, vhn.shape)
    assert (u.dtype, s.dtype, vh.dtype) == (un.dtype, sn.dtype, vhn.dtype)
    assert_close(s, sn, dtype, 10)
    k = s.shape[-1]
    assert_close((u[..., :, :k] * s[..., None, :]) @ vh[..., :k, :], a, dtype, 10)
    for x in (mh(u) @ u, vh @ mh(vh)):
        assert_close(x, numpy.broadcast_to(numpy.eye(x.shape[-1]), x.shape), dtype, 10)
    check(lambda m, a: m.linalg.svd(a, compute_uv=False), a, dtype=dtype)
    check(lambda m, a: m.linalg.svdvals(a), a, dtype=dtype)


def test_svd_empty_and_hermitian():
    for shape in [(0, 3), (3, 0), (2, 0, 0)]:
        a = numpy.zeros(shape)
        check(lambda m, a: tuple(m.linalg.svd(a)), a)
        check(lambda m, a: tuple(m.linalg.svd(a, full_matrices=False)), a)
    h = herm((4, 4), "float64")
    check(lambda m, a: m.linalg.svd(a, hermitian=True, compute_uv=False), h)
    u, s, vh = (np_(x) for x in arrax.linalg.svd(xp.to_arrax(h), hermitian=True))
    assert_close((u * s) @ vh, h, "float64", 10)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_svd_non_finite():
    # NaN does not converge (LinAlgError); inf goes through, as in NumPy.
    for bad in (numpy.nan, numpy.inf):
        a = numpy.array([[bad, 1.0], [1.0, 1.0]])
        for fn in ("svdvals", "pinv", "matrix_rank", "cond"):
            check(lambda m, a, fn=fn: getattr(m.linalg, fn)(a), a)
    err = xp.check_raises(
        numpy.linalg.LinAlgError,
        arrax.linalg.pinv,
        xp.to_arrax(numpy.array([[numpy.nan, 1.0], [1.0, 1.0]])),
    )
    assert str(err) == "[linalg.pinv] SVD did not converge"


@pytest.mark.parametrize("dtype", LA_DTYPES)
def test_pinv_matrix_rank(dtype):
    a = xp.rand((3, 5, 4), dtype, low=-1.0, high=1.0)
    check(lambda m, a: m.linalg.pinv(a), a, dtype=dtype)
    check(lambda m, a: m.linalg.pinv(a, rcond=0.3), a, dtype=dtype)
    check(lambda m, a: m.linalg.pinv(a, rtol=None), a, dtype=dtype)
    low = a[..., :2] @ a[..., :2, :]  # rank 2
    check(lambda m, a: m.linalg.matrix_rank(a), low, dtype=dtype)
    check(lambda m, a: m.linalg.matrix_rank(a, tol=0.5), a, dtype=dtype)
    check(lambda m, a: m.linalg.matrix_rank(a, rtol=0.2), a, dtype=dtype)
    h = herm((4, 4), dtype)
    check(lambda m, a: m.linalg.pinv(a, hermitian=True), h, dtype=dtype)
    check(lambda m, a: m.linalg.matrix_rank(a, hermitian=True), h, dtype=dtype)
    check(lambda m, a: m.linalg.matrix_rank(a), numpy.eye(3, dtype=dtype))


def test_matrix_rank_vectors():
    assert arrax.linalg.matrix_rank(xp.to_arrax(numpy.zeros(3))) == 0
    assert arrax.linalg.matrix_rank(xp.to_arrax(numpy.ones(3))) == 1


@pytest.mark.parametrize("dtype", LA_DTYPES)
@pytest.mark.parametrize(
    "ashape,bshape",
    [
        ((6, 3), (6,)),
        ((6, 3), (6, 2)),
        ((3, 6), (3, 2)),
        ((4, 4), (4, 1)),
        ((6, 3), (6, 0)),
    ],
)
def test_lstsq(dtype, ashape, bshape):
    a = xp.rand(ashape, dtype, low=-1.0, high=1.0)
    b = xp.rand(bshape, dtype, seed=1, low=-1.0, high=1.0)
    check(lambda m, a, b: m.linalg.lstsq(a, b), a, b, dtype=dtype)
    check(lambda m, a, b: m.linalg.lstsq(a, b, rcond=0.4), a, b, dtype=dtype)


def test_lstsq_rank_deficient_and_errors():
    a = numpy.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    b = numpy.array([1.0, 2.0, 2.0])
    check(lambda m, a, b: m.linalg.lstsq(a, b), a, b)
    check(
        lambda m, a, b: m.linalg.lstsq(a, b), numpy.ones((2, 2, 2)), numpy.ones((2, 2))
    )
    check(lambda m, a, b: m.linalg.lstsq(a, b), numpy.ones((3, 2)), numpy.ones((2, 2)))


# ---- norms and cond ---------------------------------------------------------------

VECTOR_ORDS = [None, 2, 1, 0, 3, 0.5, -1, numpy.inf, -numpy.inf]
MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, numpy.inf, -numpy.inf]


@pytest.mark.parametrize("dtype", LA_DTYPES + ["int32"])
def test_norm(dtype):
    v = xp.rand((7,), dtype, low=-2.0, high=2.0)
    x = xp.rand((3, 4, 5), dtype, low=-2.0, high=2.0)
    rt = 1e-5 if dtype in ("float32", "complex64") else 1e-10
    for o in VECTOR_ORDS:
        xp.check(lambda m, a, o=o: m.linalg.norm(a, o), v, rtol=rt, atol=rt)
        xp.check(lambda m, a, o=o: m.linalg.norm(a, o, axis=1), x, rtol=rt, atol=rt)
        xp.check(
            lambda m, a, o=o: m.linalg.vector_norm(
                a, ord=o if o is not None else 2, axis=(0, 2), keepdims=True
            ),
            x,
            rtol=rt,
            atol=rt,
        )
    for o in MATRIX_ORDS:
        xp.check(
            lambda m, a, o=o: m.linalg.norm(a, o, axis=(2, 0)), x, rtol=rt, atol=rt
        )
        xp.check(
            lambda m, a, o=o: m.linalg.norm(a, o, axis=(-2, -1), keepdims=True),
            x,
            rtol=rt,
            atol=rt,
        )
        xp.check(
            lambda m, a, o=o: m.linalg.matrix_norm(
                a, ord=o if o is not None else "fro"
            ),
            x,
            rtol=rt,
            atol=rt,
        )
    xp.check(lambda m, a: m.linalg.norm(a), x, rtol=rt, atol=rt)
    xp.check(lambda m, a: m.linalg.norm(a, keepdims=True), x, rtol=rt, atol=rt)
    xp.check(lambda m, a: m.linalg.vector_norm(a), x, rtol=rt, atol=rt)


def test_norm_errors():
    x = numpy.ones((2, 2, 2))
    check(lambda m, a: m.linalg.norm(a, 2), x)
    check(lambda m, a: m.linalg.norm(a, "nuc", axis=0), x)
    check(lambda m, a: m.linalg.norm(a, 3, axis=(0, 1)), x)
    check(lambda m, a: m.linalg.norm(a, axis=(1, 1)), x)


@pytest.mark.parametrize("dtype", LA_DTYPES)
def test_cond(dtype):
    a = mat((3, 4, 4), dtype, shift=1.0)
    for p in [None, 2, -2, 1, -1, numpy.inf, -numpy.inf, "fro", "nuc"]:
        check(lambda m, a, p=p: m.linalg.cond(a, p), a, dtype=dtype)
    check(lambda m, a: m.linalg.cond(a), xp.rand((3, 5), dtype), dtype=dtype)
    sing = numpy.array([[1.0, 2.0], [2.0, 4.0]], dtype=dtype)
    for p in [1, "fro"]:
        check(lambda m, a, p=p: m.linalg.cond(a, p), sing, dtype=dtype)
    check(lambda m, a: m.linalg.cond(a), numpy.zeros((0, 0)))


# ---- products and tensors -----------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "complex64", "int64"])
def test_matrix_power(dtype):
    a = (
        mat((2, 3, 3), dtype)
        if dtype != "int64"
        else xp.rand((2, 3, 3), "int64", low=-3, high=3)
    )
    for n in [0, 1, 2, 3, 5, 8]:
        check(
            lambda m, a, n=n: m.linalg.matrix_power(a, n),
            a,
            dtype=dtype if dtype != "int64" else "float64",
        )
    if dtype != "int64":
        check(
            lambda m, a: m.linalg.matrix_power(a, -3),
            a,
            dtype=dtype,
        )
    check(lambda m, a: m.linalg.matrix_power(a, 1.5), a)
    check(lambda m, a: m.linalg.matrix_power(a, 2), numpy.ones((2, 3)))


def test_multi_dot():
    a, b, c, d = (
        xp.rand(s, "float64", seed=i)
        for i, s in enumerate([(4,), (4, 6), (6, 2), (2, 3)])
    )
    check(lambda m, *x: m.linalg.multi_dot(x), a, b, c, d)
    check(lambda m, *x: m.linalg.multi_dot(x), b, c, d)
    check(lambda m, *x: m.linalg.multi_dot(x), a, b, c, d.T[:, 0])
    check(lambda m, *x: m.linalg.multi_dot(x), b, c)
    check(lambda m, *x: m.linalg.multi_dot(x), b)


def test_tensorinv_tensorsolve():
    a = mat((6, 6)).reshape(6, 2, 3)
    check(lambda m, a: m.linalg.tensorinv(a, ind=1), a)
    b4 = mat((6, 6)).reshape(2, 3, 6)
    check(lambda m, a: m.linalg.tensorinv(a), b4)
    check(lambda m, a: m.linalg.tensorinv(a, ind=0), b4)
    big = mat((24, 24)).reshape(2, 3, 4, 2, 3, 4)
    b = xp.rand((2, 3, 4), "float64", seed=3)
    check(lambda m, a, b: m.linalg.tensorsolve(a, b), big, b)
    check(
        lambda m, a, b: m.linalg.tensorsolve(a, b, axes=(0, 2)),
        mat((6, 6)).reshape(2, 3, 6),
        xp.rand((3, 2), "float64"),
    )
    check(lambda m, a, b: m.linalg.tensorsolve(a, b), numpy.ones((2, 3)), numpy.ones(2))


@pytest.mark.parametrize("dtype", ["float64", "int32", "complex128"])
def test_cross_outer_trace_diagonal(dtype):
    a, b = xp.rand((4, 3), dtype), xp.rand((2, 1, 3), dtype, seed=1)
    check(lambda m, a, b: m.linalg.cross(a, b), a, b)
    check(lambda m, a, b: m.linalg.cross(a, b, axis=0), a.T, xp.rand((3, 4), dtype))
    check(lambda m, a, b: m.linalg.cross(a, b), xp.rand((2,), dtype), a)
    check(lambda m, a, b: m.linalg.outer(a, b), a[0], b[0, 0])
    check(lambda m, a, b: m.linalg.outer(a, b), a, b[0, 0])
    x = xp.rand((2, 3, 4), dtype)
    check(lambda m, a: m.linalg.trace(a), x)
    check(lambda m, a: m.linalg.trace(a, offset=1), x)
    check(lambda m, a: m.linalg.trace(a), x[0])
    check(lambda m, a: m.linalg.diagonal(a, offset=-1), x)
    check(lambda m, a: m.linalg.matrix_transpose(a), x)
    check(lambda m, a, b: m.linalg.tensordot(a, b, axes=1), x, xp.rand((4, 2), dtype))
    check(lambda m, a, b: m.linalg.vecdot(a, b), x, xp.rand((4,), dtype))
    check(lambda m, a, b: m.linalg.matmul(a, b), x, xp.rand((4, 2), dtype))


# ---- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "inv",
        "det",
        "slogdet",
        "cholesky",
        "eigh",
        "eigvalsh",
        "eig",
        "eigvals",
        "svd",
        "svdvals",
        "pinv",
        "qr",
        "cond",
    ],
)
def test_bad_input(name):
    f = lambda m, a: getattr(m.linalg, name)(a)
    check(f, numpy.ones(3))
    if name not in ("svd", "svdvals", "pinv", "qr", "cond"):
        check(f, numpy.ones((2, 3)))
    check(f, numpy.eye(2, dtype="float16"))
    err = xp.check_raises(
        ValueError, getattr(arrax.linalg, name), xp.to_arrax(numpy.ones(3))
    )
    assert str(err).startswith(f"[linalg.{name}]")


def test_bad_solve_and_uplo():
    check(lambda m, a, b: m.linalg.solve(a, b), numpy.eye(2), numpy.ones(3))
    check(lambda m, a, b: m.linalg.solve(a, b), numpy.eye(2), numpy.ones((3, 2)))
    check(
        lambda m, a, b: m.linalg.solve(a, b),
        numpy.ones((2, 2, 2)),
        numpy.ones((3, 2, 2)),
    )
    check(lambda m, a: m.linalg.eigh(a, UPLO="X"), numpy.eye(2))
    check(lambda m, a, b: m.linalg.cross(a, b), numpy.ones(2), numpy.ones(3))
    check(lambda m, a, b: m.linalg.outer(a, b), numpy.ones((2, 2)), numpy.ones(3))


def test_linalg_error_is_numpys():
    assert arrax.linalg.LinAlgError is numpy.linalg.LinAlgError
    assert issubclass(arrax.linalg.LinAlgError, ValueError)


def test_every_name_is_native():
    from arrax import fallbacks

    for name in numpy.linalg.__all__:
        obj = getattr(arrax.linalg, name)
        assert not fallbacks.is_fallback(obj), name


@pytest.mark.slow
def test_large_batched():
    a = mat((64, 32, 32), "float64")
    b = xp.rand((64, 32, 3), "float64", seed=1)
    check(lambda m, a, b: m.linalg.solve(a, b), a, b)
    check(lambda m, a: m.linalg.eigvalsh(a), herm((64, 32, 32)))
    check(lambda m, a: m.linalg.svd(a, compute_uv=False), a)
    big = mat((300, 300), "float64")
    check(lambda m, a: m.linalg.inv(a), big)


def test_strided_and_transposed_inputs():
    base = mat((6, 6), "float64")
    for a in (base.T, base[::2, ::2], numpy.asfortranarray(base)):
        b = xp.rand((a.shape[0], 3), "float64", seed=4)[::-1]
        check(lambda m, a, b: m.linalg.solve(a, b), a, b)
        check(lambda m, a: m.linalg.inv(a), a)
        check(lambda m, a: m.linalg.svd(a, compute_uv=False), a)
        check(lambda m, a: m.linalg.eigvalsh(a), a + a.T)
        check(lambda m, a: m.linalg.cholesky(a), a @ a.T)


@settings(max_examples=20, deadline=None)
@given(
    batch=st.lists(st.integers(0, 3), max_size=2),
    m=st.integers(0, 5),
    n=st.integers(0, 5),
)
def test_svd_qr_shapes(batch, m, n):
    a = xp.rand(tuple(batch) + (m, n), "float64", low=-1.0, high=1.0)
    check(lambda m_, a: m_.linalg.svd(a, compute_uv=False), a)
    for mode in ("reduced", "complete", "r", "raw"):
        r = arrax.linalg.qr(xp.to_arrax(a), mode=mode)
        rn = numpy.linalg.qr(a, mode=mode)
        rs = r if isinstance(r, tuple) else (r,)
        rns = rn if isinstance(rn, tuple) else (rn,)
        assert [np_(x).shape for x in rs] == [x.shape for x in rns]


@pytest.mark.skipif(not xp.on_gpu(), reason="needs the GPU as default device")
@pytest.mark.parametrize("dtype", LA_DTYPES)
def test_gpu_matches_cpu(dtype):
    # Every cuSOLVER path: per-matrix and batched (cuBLAS LU, potrfBatched,
    # syevjBatched), tall and wide SVD, real eig with complex pairs.
    t = tol(dtype) * 100

    def both(f, *arrays):
        rg = f(*(arrax.asarray(a, device="cuda") for a in arrays))
        rc = f(*(arrax.asarray(a, device="cpu") for a in arrays))
        return rg, rc

    def same(f, *arrays):
        rg, rc = both(f, *arrays)
        numpy.testing.assert_allclose(np_(rg), np_(rc), rtol=t, atol=t)

    for batch in [(), (5,)]:
        for n in [3, 40, 150]:
            a = mat(batch + (n, n), dtype)
            b = xp.rand(batch + (n, 2), dtype, seed=2)
            same(lambda a, b: arrax.linalg.solve(a, b), a, b)
            same(lambda a: arrax.linalg.inv(a), a)
            same(lambda a: arrax.linalg.slogdet(a)[1], a)
            if n < 100:  # det overflows beyond
                same(lambda a: arrax.linalg.det(a) / abs(arrax.linalg.det(a)), a)
            h = hpd(batch + (n, n), dtype)
            same(lambda a: arrax.linalg.cholesky(a), h)
            same(lambda a: arrax.linalg.cholesky(a, upper=True), h)
            same(lambda a: arrax.linalg.eigvalsh(a), h)
            w, v = (np_(x) for x in arrax.linalg.eigh(arrax.asarray(h, device="cuda")))
            assert_close(h @ v, v * w[..., None, :], dtype, 100 * n)
    for shape in [(6, 4), (4, 6), (3, 7, 5), (3, 5, 7)]:
        a = xp.rand(shape, dtype, low=-1.0, high=1.0)
        same(lambda a: arrax.linalg.svdvals(a), a)
        for full in (True, False):
            u, s, vh = (
                np_(x)
                for x in arrax.linalg.svd(
                    arrax.asarray(a, device="cuda"), full_matrices=full
                )
            )
            k = s.shape[-1]
            assert_close(
                (u[..., :, :k] * s[..., None, :]) @ vh[..., :k, :], a, dtype, 100
            )
        for mode in ("reduced", "complete"):
            q, r = (
                np_(x)
                for x in arrax.linalg.qr(arrax.asarray(a, device="cuda"), mode=mode)
            )
            assert_close(q @ r, a, dtype, 100)
        (hg, tg), (hc, tc) = both(lambda a: arrax.linalg.qr(a, mode="raw"), a)
        assert np_(hg).shape == np_(hc).shape and np_(tg).shape == np_(tc).shape
    rot = numpy.array([[0.0, -2.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 3.0]], dtype)
    for a in (rot, mat((4, 4), dtype, shift=0.0)):
        w, v = (np_(x) for x in arrax.linalg.eig(arrax.asarray(a, device="cuda")))
        assert_close(a @ v, v * w[..., None, :], dtype, 100)


def _complex_fd_check(fn, z0, seed=0):
    """The vjp of a real loss of complex input against central differences
    (PyTorch's convention: dL/dRe + i dL/dIm)."""

    def value(z):
        with arrax.no_grad():
            return numpy.asarray(np_(fn(arrax.asarray(z))), dtype=numpy.float64)

    w = numpy.random.default_rng(seed).uniform(0.5, 1.5, value(z0).shape)
    z = arrax.asarray(z0)
    z.requires_grad = True
    (fn(z) * arrax.asarray(w)).sum().backward()
    got = np_(z.grad)
    eps = 1e-6
    num = numpy.zeros_like(z0)
    for idx in numpy.ndindex(z0.shape):
        for unit in (1, 1j):
            zp, zm = z0.copy(), z0.copy()
            zp[idx] += eps * unit
            zm[idx] -= eps * unit
            num[idx] += ((value(zp) - value(zm)) * w).sum() / (2 * eps) * unit
    numpy.testing.assert_allclose(got, num, rtol=1e-5, atol=1e-6)


def test_complex_gradients():
    la = arrax.linalg
    c = mat((3, 3), "complex128")
    r = xp.rand((4, 3), "complex128", low=-1.0, high=1.0)
    b = arrax.asarray(xp.rand((3, 2), "complex128", seed=1))
    _complex_fd_check(lambda a: arrax.real(la.solve(a, b)), c)
    _complex_fd_check(lambda a: arrax.imag(la.inv(a)), c)
    _complex_fd_check(lambda a: la.slogdet(a)[1], c)
    _complex_fd_check(
        lambda a: arrax.real(la.slogdet(a)[0]) + arrax.imag(la.slogdet(a)[0]), c
    )
    _complex_fd_check(lambda a: arrax.imag(la.det(a)), c)
    _complex_fd_check(
        lambda a: arrax.real(la.cholesky(a @ arrax.conj(a.T) + 3 * arrax.eye(3))), c
    )
    _complex_fd_check(lambda a: arrax.abs(la.eigh(a + arrax.conj(a.T))[1]), c)
    _complex_fd_check(lambda a: arrax.abs(la.svd(a, full_matrices=False)[0]), r)
    _complex_fd_check(lambda a: arrax.abs(la.qr(a)[1]), r)
    _complex_fd_check(lambda a: arrax.real(la.pinv(a)), r)


def test_norm_ord_none():
    x = xp.rand((3, 4), "float64")
    check(lambda m, a: m.linalg.vector_norm(a, ord=None), x)
    check(lambda m, a: m.linalg.matrix_norm(a, ord=None), x)

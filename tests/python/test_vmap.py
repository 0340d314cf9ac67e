"""arrax.vmap: every family of batching rules against NumPy's loop
(xp.check_vmap), composition with grad/vjp/jvp and with itself against
JAX, pytrees, in_axes/out_axes, and bad input. Runs on the GPU when it is
the default device."""

import numpy
import pytest
import xp
from hypothesis import given, settings
from hypothesis import strategies as st

import arrax


def r(shape, dtype="float64", seed=0, **kw):
    return xp.rand(shape, dtype, seed=seed, **kw)


# ---- elementwise -----------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "int32", "bool"])
def test_elementwise_dtypes(dtype):
    a, b = r((4, 3), dtype), r((4, 3), dtype, seed=1)
    if dtype == "bool":
        xp.check_vmap(lambda m, a, b: m.logical_xor(a, b), a, b)
    else:
        xp.check_vmap(lambda m, a, b: a * b + a, a, b)


def test_unary_and_scalars():
    a = r((5, 2, 3))
    xp.check_vmap(lambda m, a: m.sin(a) * 2.0 + 1, a)
    xp.check_vmap(lambda m, a: m.exp(-a) ** 2, a, in_axes=1)
    xp.check_vmap(lambda m, a: m.abs(a).astype(m.float32), a, in_axes=-1)


@settings(max_examples=25, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    data=st.data(),
)
def test_broadcasting_hypothesis(shape, data):
    ax = data.draw(st.integers(-len(shape), len(shape) - 1))
    k = data.draw(st.integers(0, len(shape) - 1))
    other = shape[:k] if data.draw(st.booleans()) else []
    a = r(shape)
    logical = [s for i, s in enumerate(shape) if i != ax % len(shape)]
    b = r(logical[len(logical) - len(other[: len(logical)]) :] or [1], seed=2)
    # b is unmapped: it broadcasts against each example from the right.
    xp.check_vmap(lambda m, a, b: m.add(a, b) * a, a, b, in_axes=(ax, None))
    out_ax = data.draw(st.integers(0, len(logical)))
    xp.check_vmap(lambda m, a: m.maximum(a, 0.5), a, in_axes=ax, out_axes=out_ax)


def test_mixed_ranks_and_where_clip():
    a, b = r((3, 4, 2)), r((3, 2), seed=1)
    xp.check_vmap(lambda m, a, b: a - b, a, b)
    xp.check_vmap(lambda m, a, b: m.where(a > 0, a, b), a, b)
    xp.check_vmap(lambda m, a: m.clip(a, -1.0, 1.0), a)
    xp.check_vmap(lambda m, a, b: m.where(b > 0, 1.0, b), a, b, in_axes=(None, 0))


# ---- reductions and scans -----------------------------------------------------


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, a: a.sum(),
        lambda m, a: a.sum(axis=0),
        lambda m, a: a.mean(axis=-1, keepdims=True),
        lambda m, a: m.prod(a, axis=1),
        lambda m, a: a.max(axis=0),
        lambda m, a: m.amin(a),
        lambda m, a: m.argmax(a, axis=1),
        lambda m, a: m.argmin(a),
        lambda m, a: a.std(axis=0, ddof=1),
        lambda m, a: m.var(a),
        lambda m, a: m.cumsum(a, axis=1),
        lambda m, a: m.cumprod(a),
        lambda m, a: m.nansum(a, axis=0),
        lambda m, a: m.add.reduce(a, axis=1),
        lambda m, a: m.multiply.accumulate(a, axis=0),
        lambda m, a: (a > 0).any(axis=1),
        lambda m, a: m.ptp(a, axis=0),
    ],
)
@pytest.mark.parametrize("in_axes", [0, 2])
def test_reductions(fn, in_axes):
    xp.check_vmap(fn, r((3, 4, 5), low=0.5, high=1.5), in_axes=in_axes)


# ---- shape and view ops -------------------------------------------------------


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, a: a.reshape(6, 2),
        lambda m, a: a.T,
        lambda m, a: m.transpose(a, (1, 0)),
        lambda m, a: m.expand_dims(a, 0),
        lambda m, a: m.squeeze(a[None]),
        lambda m, a: m.concatenate([a, a * 2], axis=1),
        lambda m, a: m.stack([a, a], axis=0),
        lambda m, a: m.split(a, 2, axis=1),
        lambda m, a: m.flip(a, 0),
        lambda m, a: m.roll(a, 1, axis=1),
        lambda m, a: m.roll(a, 2),
        lambda m, a: m.tile(a, (2, 1)),
        lambda m, a: m.repeat(a, 2, axis=0),
        lambda m, a: m.repeat(a, [1, 2, 0], axis=0),
        lambda m, a: m.pad(a, 1),
        lambda m, a: m.pad(a, ((0, 1), (2, 0)), mode="reflect"),
        lambda m, a: m.diagonal(a),
        lambda m, a: m.trace(a),
        lambda m, a: m.tril(a),
        lambda m, a: m.triu(a, 1),
        lambda m, a: m.moveaxis(a, 0, 1),
        lambda m, a: m.broadcast_to(a[:, :1], (3, 4)),
        lambda m, a: a[1:, ::2],
        lambda m, a: a[..., None, 1],
        lambda m, a: a.ravel(),
        lambda m, a: a.flatten(),
        lambda m, a: m.ascontiguousarray(a.T),
        lambda m, a: m.rot90(a),
        lambda m, a: a.copy(),
    ],
)
def test_shape_ops(fn):
    xp.check_vmap(fn, r((5, 3, 4)))


def test_shape_ops_other_axes():
    a = r((3, 5, 4))
    xp.check_vmap(lambda m, a: a.reshape(-1), a, in_axes=1)
    xp.check_vmap(lambda m, a: m.concatenate([a, a]), a, in_axes=2, out_axes=1)
    b = r((3, 4))
    xp.check_vmap(
        lambda m, a, b: m.concatenate([a, b]), r((2, 3, 4)), b, in_axes=(0, None)
    )


# ---- indexing -----------------------------------------------------------------------


def test_indexing():
    a = r((4, 5, 3))
    idx = numpy.array([[0, 2], [4, 1]])
    xp.check_vmap(lambda m, a: a[m.asarray([0, 3, 3])], a)
    xp.check_vmap(lambda m, a: a[:, m.asarray([2, 0])], a)
    xp.check_vmap(lambda m, a: m.take(a, m.asarray([1, 0]), axis=1), a)
    xp.check_vmap(lambda m, a: a[m.asarray([0, 1]), m.asarray([2, 0])], a)
    # Batched indices, unbatched source, and both batched.
    src = r((5, 3))
    xp.check_vmap(lambda m, i, s: s[i], idx, src, in_axes=(0, None))
    idx4 = numpy.array([[0, 2], [4, 1], [3, 3], [1, 0]])
    xp.check_vmap(lambda m, i, a: a[i], idx4, a, in_axes=(0, 0))
    ix = numpy.random.default_rng(0).integers(0, 3, (4, 5, 2))
    xp.check_vmap(lambda m, a, i: m.take_along_axis(a, i, axis=1), a, ix)


def test_setitem_on_batched_copy():
    def f(m, a):
        y = a.copy()
        y[0] = 7.0
        y[1:, 1] = a[0, :2] * 2
        return y

    xp.check_vmap(f, r((4, 3, 3)))

    def g(m, a):
        y = m.zeros_like(a)
        y[...] = a + 1
        return y

    xp.check_vmap(g, r((3, 2)))


# ---- matmul family and fft -------------------------------------------------------


@pytest.mark.parametrize(
    "fn, shapes, axes",
    [
        (lambda m, a, b: a @ b, [(4, 2, 3), (4, 3, 5)], (0, 0)),
        (lambda m, a, b: a @ b, [(4, 2, 3), (3, 5)], (0, None)),
        (lambda m, a, b: a @ b, [(2, 3), (3, 4, 5)], (None, 1)),
        (lambda m, a, b: m.matmul(a, b), [(4, 3), (4, 3)], (0, 0)),
        (lambda m, a, b: m.dot(a, b), [(4, 2, 3), (3,)], (0, None)),
        (lambda m, a, b: m.vdot(a, b), [(4, 3), (4, 3)], (0, 0)),
        (lambda m, a, b: m.inner(a, b), [(4, 2, 3), (4, 3)], (0, 0)),
        (lambda m, a, b: m.outer(a, b), [(4, 3), (2,)], (0, None)),
        (lambda m, a, b: m.tensordot(a, b, 1), [(4, 2, 3), (3, 2)], (0, None)),
        (lambda m, a, b: m.einsum("ij,jk->ik", a, b), [(4, 2, 3), (4, 3, 2)], (0, 0)),
        (lambda m, a, b: m.kron(a, b), [(4, 2, 2), (2, 2)], (0, None)),
    ],
)
def test_matmul_family(fn, shapes, axes):
    args = [r(s, seed=i) for i, s in enumerate(shapes)]
    xp.check_vmap(fn, *args, in_axes=axes)


def test_complex_matmul_and_fft():
    a = r((3, 4, 4), "complex128")
    xp.check_vmap(lambda m, a: a @ a.conj().T, a)
    xp.check_vmap(lambda m, a: m.fft.fft(a, axis=0), a)
    xp.check_vmap(lambda m, a: m.fft.rfft2(a.real), a, in_axes=2)


# ---- pytrees, kwargs, nesting ---------------------------------------------------


def test_pytrees_and_kwargs():
    a, b = r((3, 2)), r((3, 4), seed=1)
    out = arrax.vmap(
        lambda t, scale=None: {"s": t["x"].sum() * scale, "p": (t["y"], 1.0)},
        in_axes=({"x": 0, "y": 0},),
    )({"x": xp.to_arrax(a), "y": xp.to_arrax(b)}, scale=arrax.asarray([1.0, 2.0, 3.0]))
    xp.assert_close(xp.to_numpy(out["s"]), a.sum(1) * numpy.array([1.0, 2.0, 3.0]))
    xp.assert_close(xp.to_numpy(out["p"][0]), b)
    # A constant output is broadcast along the batch axis, as JAX does.
    xp.assert_close(xp.to_numpy(out["p"][1]), numpy.ones(3))


def test_out_axes_none_and_axis_size():
    a = r((3, 2))
    f = arrax.vmap(lambda x, c: (x * 2, c), in_axes=(0, None), out_axes=(0, None))
    y, c = f(xp.to_arrax(a), arrax.asarray(5.0))
    xp.assert_close(xp.to_numpy(y), a * 2)
    assert float(c) == 5.0
    z = arrax.vmap(lambda: arrax.asarray(1.0), axis_size=4)()
    assert z.shape == (4,)


def test_nested_vmap():
    a, b = r((3, 4, 2)), r((4, 2), seed=1)
    out = arrax.vmap(arrax.vmap(lambda x, y: (x * y).sum()), in_axes=(0, None))(
        xp.to_arrax(a), xp.to_arrax(b)
    )
    xp.assert_close(xp.to_numpy(out), (a * b).sum(-1))
    # Outer-by-inner: a matrix of pairwise distances.
    p, q = r((5, 3)), r((4, 3), seed=2)
    d = arrax.vmap(arrax.vmap(lambda u, v: ((u - v) ** 2).sum(), (None, 0)), (0, None))(
        xp.to_arrax(p), xp.to_arrax(q)
    )
    xp.assert_close(xp.to_numpy(d), ((p[:, None] - q[None]) ** 2).sum(-1))
    # A rule-less primitive (argmax over the flattened array) inside two levels.
    m = arrax.vmap(arrax.vmap(lambda x: arrax.argmax(x)))(xp.to_arrax(r((3, 4, 5))))
    xp.assert_close(xp.to_numpy(m), r((3, 4, 5)).reshape(3, 4, 5).argmax(-1))


# ---- composition with autograd, against JAX ----------------------------------------


@pytest.fixture(scope="module")
def jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


def f_loss(m, w, x):
    h = m.tanh(x @ w)
    return (h * h).sum() + m.sin(w).sum()


def test_vmap_of_grad_and_grad_of_vmap(jax):
    jnp = jax.numpy
    w, xs = r((3, 2)), r((5, 4, 3), seed=1)
    per_example = arrax.vmap(
        arrax.grad(lambda w, x: f_loss(arrax, w, x)), in_axes=(None, 0)
    )(xp.to_arrax(w), xp.to_arrax(xs))
    ref = jax.vmap(jax.grad(lambda w, x: f_loss(jnp, w, x)), in_axes=(None, 0))(w, xs)
    xp.assert_close(xp.to_numpy(per_example), numpy.asarray(ref), rtol=1e-10)

    g = arrax.grad(
        lambda w: arrax.vmap(lambda x: f_loss(arrax, w, x))(xp.to_arrax(xs)).sum()
    )(xp.to_arrax(w))
    gj = jax.grad(lambda w: jax.vmap(lambda x: f_loss(jnp, w, x))(xs).sum())(w)
    xp.assert_close(xp.to_numpy(g), numpy.asarray(gj), rtol=1e-10)

    # Batched inputs that require grad: the gradient flows through make_batched.
    gx = arrax.grad(
        lambda xs: arrax.vmap(lambda x: f_loss(arrax, xp.to_arrax(w), x))(xs).sum()
    )(xp.to_arrax(xs))
    gxj = jax.grad(lambda xs: jax.vmap(lambda x: f_loss(jnp, w, x))(xs).sum())(xs)
    xp.assert_close(xp.to_numpy(gx), numpy.asarray(gxj), rtol=1e-10)


def test_jacobian_by_vmap_of_vjp(jax):
    jnp = jax.numpy
    x = r((4,))

    def f(m, x):
        return m.sin(x) * x[::-1] + m.cumsum(x)

    _, pull = arrax.vjp(lambda x: f(arrax, x), xp.to_arrax(x))
    jac = arrax.vmap(lambda ct: pull(ct)[0])(arrax.eye(4))
    xp.assert_close(xp.to_numpy(jac), numpy.asarray(jax.jacrev(lambda x: f(jnp, x))(x)))
    # Forward mode inside vmap: the Jacobian column by column.
    cols = arrax.vmap(
        lambda t: arrax.jvp(lambda x: f(arrax, x), (xp.to_arrax(x),), (t,))[1]
    )(arrax.eye(4))
    xp.assert_close(
        xp.to_numpy(cols).T, numpy.asarray(jax.jacfwd(lambda x: f(jnp, x))(x))
    )


def test_per_example_gradients_mlp(jax):
    jnp = jax.numpy
    w1, w2 = r((6, 5), "float32"), r((5, 2), "float32", seed=1)
    xs, ys = r((8, 6), "float32", seed=2), r((8, 2), "float32", seed=3)

    def loss(m, w1, w2, x, y):
        h = m.maximum(x @ w1, 0)
        return ((h @ w2 - y) ** 2).mean()

    ga = arrax.vmap(
        arrax.grad(lambda a, b, x, y: loss(arrax, a, b, x, y), argnums=(0, 1)),
        in_axes=(None, None, 0, 0),
    )(*(xp.to_arrax(v) for v in (w1, w2, xs, ys)))
    gj = jax.vmap(
        jax.grad(lambda a, b, x, y: loss(jnp, a, b, x, y), argnums=(0, 1)),
        in_axes=(None, None, 0, 0),
    )(w1, w2, xs, ys)
    for a, j in zip(ga, gj):
        assert a.dtype == arrax.float32
        xp.assert_close(xp.to_numpy(a), numpy.asarray(j), rtol=1e-4, atol=1e-5)


def test_backward_inside_vmap_and_second_order(jax):
    jnp = jax.numpy
    xs = r((3, 4), seed=5)
    hv = arrax.vmap(
        arrax.grad(lambda x: arrax.grad(lambda y: (arrax.sin(y) * y).sum())(x).sum())
    )(xp.to_arrax(xs))
    ref = jax.vmap(
        jax.grad(lambda x: jax.grad(lambda y: (jnp.sin(y) * y).sum())(x).sum())
    )(xs)
    xp.assert_close(xp.to_numpy(hv), numpy.asarray(ref), rtol=1e-10)


# ---- bad input ------------------------------------------------------------------------


def test_errors():
    a, b = xp.to_arrax(r((3, 2))), xp.to_arrax(r((4, 2)))
    with pytest.raises(ValueError, match=r"^\[vmap\] got inconsistent sizes"):
        arrax.vmap(lambda x, y: x + y)(a, b)
    with pytest.raises(ValueError, match=r"^\[vmap\]"):
        arrax.vmap(lambda x: x, in_axes=2)(a)
    with pytest.raises(ValueError, match=r"^\[vmap\]"):
        arrax.vmap(lambda x: x, in_axes=(0, 0))(a)
    with pytest.raises(ValueError, match=r"^\[vmap\]"):
        arrax.vmap(lambda x: x, out_axes=None)(a)
    with pytest.raises(ValueError, match=r"^\[vmap\]"):
        arrax.vmap(lambda x: x)(arrax.asarray(1.0))
    with pytest.raises(ValueError, match=r"^\[vmap\]"):
        arrax.vmap(lambda: 1.0)()
    with pytest.raises(TypeError, match=r"^\[vmap\]"):
        arrax.vmap(3)
    # Values are not available inside the mapped function.
    with pytest.raises(ValueError, match=r"^\[item\]"):
        arrax.vmap(lambda x: x.sum() if x[0] > 0 else -x.sum())(a)
    with pytest.raises(ValueError, match=r"^\[asarray\]"):
        arrax.vmap(lambda x: numpy.asarray(x))(a)
    # A batched value written into an array captured from outside.
    z = arrax.zeros(2)

    def write(x):
        z[...] = x
        return x

    with pytest.raises(ValueError, match=r"^\[vmap\]"):
        arrax.vmap(write)(a)
    # A data-dependent output shape.
    with pytest.raises(ValueError, match=r"^\["):
        arrax.vmap(lambda x: x[x > 0])(a)


def test_devices_and_complex_parts():
    a = r((3, 4), "complex128")
    xp.check_vmap(lambda m, a: a.real * 2 - a.imag, a)
    # Moving a batched array between devices moves every example.
    out = arrax.vmap(lambda x: arrax.asarray(x, device="cpu") * 2)(xp.to_arrax(a.real))
    assert out.device == "cpu" or str(out.device) == "cpu"
    xp.assert_close(xp.to_numpy(out), a.real * 2)
    with pytest.raises(ValueError, match=r"^\[buffer\]"):
        arrax.vmap(lambda x: memoryview(x))(xp.to_arrax(a.real))


def test_against_torch():
    """torch.autograd and torch.func on the same functions (PyTorch is on
    the GPU machine; skipped where it is not installed)."""
    torch = pytest.importorskip("torch")
    w, xs = r((3, 2)), r((5, 4, 3), seed=1)

    def f(m, w, x):
        tanh = m.tanh
        return (tanh(x @ w) ** 2).sum() + (m.sin(w) * m.exp(-w)).sum()

    tw = torch.tensor(w, requires_grad=True)
    f(torch, tw, torch.tensor(xs[0])).backward()
    aw = xp.to_arrax(w)
    aw.requires_grad = True
    f(arrax, aw, xp.to_arrax(xs[0])).backward()
    xp.assert_close(xp.to_numpy(aw.grad), tw.grad.numpy(), rtol=1e-10)

    tg = torch.func.vmap(
        torch.func.grad(lambda w, x: f(torch, w, x)), in_dims=(None, 0)
    )(torch.tensor(w), torch.tensor(xs))
    ag = arrax.vmap(arrax.grad(lambda w, x: f(arrax, w, x)), in_axes=(None, 0))(
        xp.to_arrax(w), xp.to_arrax(xs)
    )
    xp.assert_close(xp.to_numpy(ag), tg.numpy(), rtol=1e-10)
    # Complex: PyTorch's conjugate-Wirtinger convention.
    z = r((4,), "complex128")
    tz = torch.tensor(z, requires_grad=True)
    (torch.abs(tz * tz.conj() + tz) ** 2).sum().backward()
    az = xp.to_arrax(z)
    az.requires_grad = True
    (arrax.abs(az * az.conj() + az) ** 2).sum().backward()
    xp.assert_close(xp.to_numpy(az.grad), tz.grad.numpy(), rtol=1e-10)


def test_per_example_gradient_through_indexing(jax):
    jnp = jax.numpy
    xs = r((4, 5, 3), seed=3)
    idx = numpy.array([0, 4, 4, 2])

    def f(m, x):
        return (m.sin(x[idx]) * x[idx, 1:2]).sum() + m.take_along_axis(
            x, m.asarray([[0], [2], [1], [0], [2]]), axis=1
        ).sum()

    ga = arrax.vmap(arrax.grad(lambda x: f(arrax, x)))(xp.to_arrax(xs))
    gj = jax.vmap(jax.grad(lambda x: f(jnp, x)))(xs)
    xp.assert_close(xp.to_numpy(ga), numpy.asarray(gj), rtol=1e-10)


def _spd(n, b, seed):
    a = r((b, n, n), seed=seed)
    return a @ a.transpose(0, 2, 1) + n * numpy.eye(n)


def test_linalg():
    a, v = _spd(3, 4, 7), r((4, 3), seed=8)
    xp.check_vmap(lambda m, a, v: m.linalg.solve(a, v), a, v, rtol=1e-9)
    xp.check_vmap(
        lambda m, a, v: m.linalg.solve(a, v), a[0], v, in_axes=(None, 0), rtol=1e-9
    )
    xp.check_vmap(lambda m, a: m.linalg.det(a), a, rtol=1e-9)
    xp.check_vmap(lambda m, a: m.linalg.inv(a), a, rtol=1e-9)
    xp.check_vmap(lambda m, a: m.linalg.cholesky(a), a, rtol=1e-9)
    xp.check_vmap(lambda m, a: m.linalg.eigvalsh(a), a, rtol=1e-9)
    xp.check_vmap(
        lambda m, a: m.linalg.svd(a, compute_uv=False), a, in_axes=2, rtol=1e-9
    )
    xp.check_vmap(lambda m, a: m.linalg.norm(a), a, rtol=1e-9)

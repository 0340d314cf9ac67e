"""Autograd: one registry of differentiable ops drives the gradient checks
(central finite differences in float64, on the default device: the GPU
under tools/gpu-check), second-order checks on a subset, the engine's
semantics (accumulation, hooks, retain_graph, version counters, in-place
rules), the transforms against JAX where it is installed, and bad input."""

import numpy
import pytest
import xp

import arrax as np

RNG = numpy.random.default_rng(0)


def _pos(shape):
    return RNG.uniform(0.5, 2.0, size=shape)


def _any(shape):
    return RNG.uniform(-2.0, 2.0, size=shape)


def _unit(shape):
    return RNG.uniform(-0.8, 0.8, size=shape)


def _distinct(shape):
    n = int(numpy.prod(shape))
    return (RNG.permutation(n).reshape(shape) - n / 2.0) * 0.37 + 0.11


def _put(a, v):
    y = a * 1.0
    np.put(y, np.asarray([0, 5, 5, -1]), v)
    return y


def _put_along_axis(a, v):
    y = a * 1.0
    np.put_along_axis(y, np.asarray([[0], [3], [1]]), v, 1)
    return y


def _place(a, v):
    y = a * 1.0
    np.place(y, np.asarray(numpy.arange(12).reshape(3, 4) % 3 == 0), v)
    return y


# name -> (function of arrax/NumPy arrays, input makers)
S = (3, 4)
REGISTRY = {
    # ufuncs
    "add": (lambda a, b: a + b, [_any(S), _any((4,))]),
    "subtract": (lambda a, b: a - b, [_any(S), _any((3, 1))]),
    "multiply": (lambda a, b: a * b, [_any(S), _any(S)]),
    "divide": (lambda a, b: a / b, [_any(S), _pos(S)]),
    "power": (lambda a, b: a**b, [_pos(S), _any(S)]),
    "power_scalar": (lambda a: a**3.0, [_any(S)]),
    "power_two": (lambda a: a**2, [_any(S)]),
    "float_power": (lambda a, b: np.float_power(a, b), [_pos(S), _any(S)]),
    "negative": (lambda a: -a, [_any(S)]),
    "absolute": (lambda a: np.abs(a), [_distinct(S)]),
    "fabs": (lambda a: np.fabs(a), [_distinct(S)]),
    "reciprocal": (lambda a: np.reciprocal(a), [_pos(S)]),
    "square": (lambda a: np.square(a), [_any(S)]),
    "exp": (lambda a: np.exp(a), [_any(S)]),
    "exp2": (lambda a: np.exp2(a), [_any(S)]),
    "expm1": (lambda a: np.expm1(a), [_any(S)]),
    "log": (lambda a: np.log(a), [_pos(S)]),
    "log2": (lambda a: np.log2(a), [_pos(S)]),
    "log10": (lambda a: np.log10(a), [_pos(S)]),
    "log1p": (lambda a: np.log1p(a), [_pos(S)]),
    "sqrt": (lambda a: np.sqrt(a), [_pos(S)]),
    "cbrt": (lambda a: np.cbrt(a), [_pos(S)]),
    "logaddexp": (lambda a, b: np.logaddexp(a, b), [_any(S), _any(S)]),
    "logaddexp2": (lambda a, b: np.logaddexp2(a, b), [_any(S), _any(S)]),
    "sin": (lambda a: np.sin(a), [_any(S)]),
    "cos": (lambda a: np.cos(a), [_any(S)]),
    "tan": (lambda a: np.tan(a), [_unit(S)]),
    "arcsin": (lambda a: np.arcsin(a), [_unit(S)]),
    "arccos": (lambda a: np.arccos(a), [_unit(S)]),
    "arctan": (lambda a: np.arctan(a), [_any(S)]),
    "arctan2": (lambda a, b: np.arctan2(a, b), [_any(S), _pos(S)]),
    "hypot": (lambda a, b: np.hypot(a, b), [_pos(S), _pos(S)]),
    "sinh": (lambda a: np.sinh(a), [_any(S)]),
    "cosh": (lambda a: np.cosh(a), [_any(S)]),
    "tanh": (lambda a: np.tanh(a), [_any(S)]),
    "arcsinh": (lambda a: np.arcsinh(a), [_any(S)]),
    "arccosh": (lambda a: np.arccosh(a), [_pos(S) + 1.0]),
    "arctanh": (lambda a: np.arctanh(a), [_unit(S)]),
    "deg2rad": (lambda a: np.deg2rad(a), [_any(S)]),
    "rad2deg": (lambda a: np.rad2deg(a), [_any(S)]),
    "remainder": (lambda a, b: np.remainder(a, b), [_distinct(S), _pos(S) + 3]),
    "fmod": (lambda a, b: np.fmod(a, b), [_distinct(S), _pos(S) + 3]),
    "maximum": (lambda a, b: np.maximum(a, b), [_distinct(S), _distinct(S) + 0.05]),
    "minimum": (lambda a, b: np.minimum(a, b), [_distinct(S), _distinct(S) + 0.05]),
    "fmax": (lambda a, b: np.fmax(a, b), [_distinct(S), _distinct(S) + 0.05]),
    "fmin": (lambda a, b: np.fmin(a, b), [_distinct(S), _distinct(S) + 0.05]),
    "clip": (
        lambda a, lo, hi: np.clip(a, lo, hi),
        [_distinct(S), -0.3 + 0 * _any((4,)), 0.4 + 0 * _any((4,))],
    ),
    "copysign": (lambda a: np.copysign(a, -1.0), [_distinct(S)]),
    "ldexp": (lambda a: np.ldexp(a, 3), [_any(S)]),
    "floor": (
        lambda a: np.floor(a) + np.ceil(a) * a,
        [numpy.arange(12.0).reshape(S) / 3 - 1.9],
    ),
    "where": (lambda a, b: np.where(a > 0, a, b), [_distinct(S), _any(S)]),
    "astype": (lambda a: a.astype("complex128") * (1 + 2j) * a, [_any(S)]),
    # reductions and scans
    "sum": (lambda a: a.sum(axis=1), [_any(S)]),
    "sum_keepdims": (lambda a: a.sum(axis=0, keepdims=True), [_any(S)]),
    "sum_all": (lambda a: a.sum(), [_any(S)]),
    "mean": (lambda a: a.mean(axis=0), [_any(S)]),
    "var": (lambda a: a.var(axis=1, ddof=1), [_any(S)]),
    "std": (lambda a: a.std(axis=0), [_any(S)]),
    "prod": (lambda a: a.prod(axis=1), [_any(S)]),
    "prod_zero": (
        lambda a: a.prod(axis=1),
        [numpy.array([[0.0, 2, 3], [0.0, 0.0, 1], [1, 2, 3]])],
    ),
    "max": (lambda a: a.max(axis=1), [_distinct(S)]),
    "min": (lambda a: a.min(axis=0), [_distinct(S)]),
    "amax_all": (lambda a: np.amax(a), [_distinct(S)]),
    "nansum": (lambda a: np.nansum(a, axis=1), [_any(S)]),
    "nanmean": (lambda a: np.nanmean(a, axis=0), [_any(S)]),
    "nanmax": (lambda a: np.nanmax(a, axis=1), [_distinct(S)]),
    "cumsum": (lambda a: np.cumsum(a, axis=1), [_any(S)]),
    "cumprod": (lambda a: np.cumprod(a, axis=1), [_any(S)]),
    "cumprod_zero": (lambda a: np.cumprod(a), [numpy.array([1.5, 0.0, 2.0, 0.0, 3.0])]),
    "nancumsum": (lambda a: np.nancumsum(a, axis=0), [_any(S)]),
    # shapes and views
    "reshape": (lambda a: a.reshape(2, 6) * 2.0, [_any(S)]),
    "transpose": (lambda a: a.T * np.arange(3.0), [_any(S)]),
    "broadcast_to": (
        lambda a: np.broadcast_to(a, (2, 3, 4)) * np.arange(4.0),
        [_any(S)],
    ),
    "view_of_broadcast": (
        lambda a: np.broadcast_to(a, (3, 4))[1:, ::2] * np.arange(2.0),
        [_any((4,))],
    ),
    "view_of_broadcast_2d": (
        lambda a: np.broadcast_to(a, (2, 3, 4))[:, 1:, 1:3].reshape(-1)[::2],
        [_any((3, 1))],
    ),
    "expand_squeeze": (lambda a: np.squeeze(np.expand_dims(a, 0), 0) * 2, [_any(S)]),
    "slice": (lambda a: a[1:, ::2], [_any(S)]),
    "slice_neg": (lambda a: a[::-1, 1:3], [_any(S)]),
    "int_index": (lambda a: a[1] * a[2], [_any(S)]),
    "flip": (lambda a: np.flip(a, 1) * np.arange(4.0), [_any(S)]),
    "diagonal": (lambda a: np.diagonal(a), [_any(S)]),
    "trace": (lambda a: np.trace(a), [_any((4, 4))]),
    "concatenate": (
        lambda a, b: np.concatenate([a, b], axis=0) * np.arange(4.0),
        [_any(S), _any((2, 4))],
    ),
    "stack": (lambda a, b: np.stack([a, b], axis=1), [_any(S), _any(S)]),
    "split": (lambda a: np.split(a, 2, axis=1)[1] * 3, [_any(S)]),
    "pad": (lambda a: np.pad(a, ((1, 2), (0, 1))), [_any(S)]),
    "pad_reflect": (lambda a: np.pad(a, 2, mode="reflect"), [_any(S)]),
    "pad_edge": (lambda a: np.pad(a, 1, mode="edge"), [_any(S)]),
    "pad_mean": (lambda a: np.pad(a, ((1, 2), (2, 1)), mode="mean"), [_any(S)]),
    "pad_median": (
        lambda a: np.pad(
            a, ((2, 1), (1, 1)), mode="median", stat_length=((2, 3), (3, 2))
        ),
        [_distinct(S)],
    ),
    "pad_maximum": (lambda a: np.pad(a, 1, mode="maximum"), [_distinct(S)]),
    "pad_minimum": (
        lambda a: np.pad(a, ((0, 2), (1, 0)), mode="minimum", stat_length=2),
        [_distinct(S)],
    ),
    "pad_linear_ramp": (
        lambda a: np.pad(
            a, ((1, 2), (2, 1)), mode="linear_ramp", end_values=((1, -2), (0.5, 3))
        ),
        [_any(S)],
    ),
    "roll": (lambda a: np.roll(a, 1, axis=1) * np.arange(4.0), [_any(S)]),
    "tile": (lambda a: np.tile(a, (2, 1)), [_any(S)]),
    "repeat": (lambda a: np.repeat(a, 2, axis=0), [_any(S)]),
    "repeat_varying": (lambda a: np.repeat(a, [1, 0, 3], axis=0), [_any(S)]),
    "tril": (lambda a: np.tril(a), [_any((4, 4))]),
    "triu": (lambda a: np.triu(a, 1), [_any((4, 4))]),
    # indexing
    "take": (lambda a: np.take(a, np.asarray([0, 2, 2, -1]), axis=1), [_any(S)]),
    "advanced_mid": (lambda a: a[:, np.asarray([0, 2, 2])], [_any(S)]),
    "advanced": (lambda a: a[np.asarray([0, 2, 0]), np.asarray([1, 1, 3])], [_any(S)]),
    "mask": (lambda a: a[a > 0], [_distinct(S)]),
    "take_along_axis": (
        lambda a: np.take_along_axis(a, np.asarray([[0], [3], [1]]), 1),
        [_any(S)],
    ),
    "put": (_put, [_any(S), _any((4,))]),
    "put_along_axis": (_put_along_axis, [_any(S), _any((3, 1))]),
    "place": (_place, [_any(S), _any((3,))]),
    # sorting (distinct values: sort is differentiable where no two tie)
    "sort": (lambda a: np.sort(a, axis=1) * np.arange(4.0), [_distinct(S)]),
    "sort_axis0": (lambda a: np.sort(a, axis=0) ** 2, [_distinct(S)]),
    "sort_flat": (lambda a: np.sort(a, axis=None) * np.arange(12.0), [_distinct(S)]),
    "sort_partition": (lambda a: np.partition(a, 1, axis=1) * a, [_distinct(S)]),
    # fft (real parts of the transforms, so the loss is real)
    "fft": (
        lambda a: np.fft.fft(a, axis=1).real + np.fft.fft(a, axis=0).imag,
        [_any(S)],
    ),
    "rfft": (lambda a: np.abs(np.fft.rfft(a, n=6)), [_any(S) + 3]),
    "irfft": (lambda a: np.fft.irfft(a * (1 + 0.5j), n=7), [_any(S)]),
    "fft2_ortho": (lambda a: np.fft.fft2(a, norm="ortho").imag, [_any(S)]),
    # matmul family
    "matmul": (lambda a, b: a @ b, [_any(S), _any((4, 2))]),
    "matmul_batched": (lambda a, b: a @ b, [_any((2, 3, 4)), _any((4, 2))]),
    "matvec": (lambda a, b: a @ b, [_any(S), _any((4,))]),
    "dot": (lambda a, b: np.dot(a, b), [_any((4,)), _any((4,))]),
    "inner": (lambda a, b: np.inner(a, b), [_any(S), _any((2, 4))]),
    "outer": (lambda a, b: np.outer(a, b), [_any((3,)), _any((4,))]),
    "tensordot": (
        lambda a, b: np.tensordot(a, b, axes=([1], [0])),
        [_any(S), _any((4, 2))],
    ),
    "einsum": (lambda a, b: np.einsum("ij,kj->ik", a, b), [_any(S), _any((2, 4))]),
    "kron": (lambda a, b: np.kron(a, b), [_any((2, 2)), _any((2, 3))]),
    # numpy.linalg (gauge-invariant functions of eigen/singular vectors)
    "linalg_solve": (
        lambda a, b: np.linalg.solve(a, b),
        [_any((3, 3)) + 4 * numpy.eye(3), _any((2, 3, 2))],
    ),
    "linalg_solve_vector": (
        lambda a, b: np.linalg.solve(a, b),
        [_any((2, 3, 3)) + 4 * numpy.eye(3), _any((3,))],
    ),
    "linalg_inv": (lambda a: np.linalg.inv(a), [_any((2, 3, 3)) + 4 * numpy.eye(3)]),
    "linalg_det": (lambda a: np.linalg.det(a), [_any((2, 3, 3)) + numpy.eye(3)]),
    "linalg_slogdet": (lambda a: np.linalg.slogdet(a)[1], [_any((3, 3))]),
    "linalg_cholesky": (
        lambda a: np.linalg.cholesky(a @ np.matrix_transpose(a) + 3 * np.eye(3)),
        [_any((2, 3, 3))],
    ),
    "linalg_cholesky_upper": (
        lambda a: np.linalg.cholesky(a @ a.T + 3 * np.eye(3), upper=True),
        [_any((3, 3))],
    ),
    "linalg_qr": (
        lambda a: np.linalg.qr(a).Q * 2 + np.linalg.qr(a).R[..., :1, :],
        [_any((2, 4, 3))],
    ),
    "linalg_qr_wide": (
        lambda a: np.linalg.qr(a).Q.sum() + np.linalg.qr(a).R,
        [_any((2, 4))],
    ),
    "linalg_qr_r": (lambda a: np.linalg.qr(a, mode="r"), [_any((4, 3))]),
    "linalg_eigh": (
        lambda a: (
            np.linalg.eigh(a + a.T).eigenvalues[None, :]
            + np.abs(np.linalg.eigh(a + a.T).eigenvectors)
        ),
        [_any((3, 3))],
    ),
    "linalg_eigvalsh": (lambda a: np.linalg.eigvalsh(a + a.T), [_any((3, 3))]),
    "linalg_svd": (
        lambda a: (
            np.linalg.svd(a, full_matrices=False).S[None, :]
            + np.abs(np.linalg.svd(a, full_matrices=False).U)
        ),
        [_any((4, 3))],
    ),
    "linalg_svd_wide": (
        lambda a: np.abs(np.linalg.svd(a, full_matrices=False).Vh),
        [_any((2, 4))],
    ),
    "linalg_svdvals": (lambda a: np.linalg.svdvals(a), [_any((2, 4, 3))]),
    "linalg_lstsq": (
        lambda a, b: np.linalg.lstsq(a, b)[0],
        [_any((5, 3)), _any((5, 2))],
    ),
    "linalg_pinv": (lambda a: np.linalg.pinv(a), [_any((4, 3))]),
    "linalg_norm_2": (lambda a: np.linalg.norm(a, 2), [_any((4, 3))]),
    "linalg_norm_nuc": (lambda a: np.linalg.norm(a, "nuc"), [_any((4, 3))]),
    "linalg_norm_fro": (lambda a: np.linalg.norm(a, axis=(0, 1)), [_any(S)]),
    "linalg_vector_norm_3": (
        lambda a: np.linalg.vector_norm(a, ord=3, axis=1),
        [_distinct(S)],
    ),
    "linalg_cond": (lambda a: np.linalg.cond(a), [_any((3, 3)) + 2 * numpy.eye(3)]),
    "linalg_matrix_power": (
        lambda a: np.linalg.matrix_power(a, -2),
        [_any((3, 3)) + 3 * numpy.eye(3)],
    ),
    "linalg_tensorsolve": (
        lambda a, b: np.linalg.tensorsolve(a, b),
        [(_any((6, 6)) + 5 * numpy.eye(6)).reshape(2, 3, 6), _any((2, 3))],
    ),
}

SECOND_ORDER = [
    "multiply",
    "irfft",
    "exp",
    "tanh",
    "power",
    "matmul",
    "sum",
    "prod",
    "max",
    "slice",
    "take",
    "cumprod",
    "linalg_solve",
    "linalg_inv",
    "linalg_cholesky",
    "linalg_eigh",
    "linalg_svdvals",
]


def _to(x):
    return np.asarray(x, dtype="float64")


def _value(fn, xs):
    with np.no_grad():
        return numpy.asarray(fn(*[_to(x) for x in xs]), dtype=numpy.float64)


def _numeric_grad(fn, xs, w, k, eps=1e-6):
    x = numpy.array(xs[k], dtype=numpy.float64)
    g = numpy.zeros_like(x)
    for idx in numpy.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        hi = (_value(fn, xs[:k] + [x] + xs[k + 1 :]) * w).sum()
        x[idx] = old - eps
        lo = (_value(fn, xs[:k] + [x] + xs[k + 1 :]) * w).sum()
        x[idx] = old
        g[idx] = (hi - lo) / (2 * eps)
    return g


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_gradient_matches_finite_differences(name):
    fn, xs = REGISTRY[name]
    out = _value(fn, xs)
    w = numpy.random.default_rng(1).uniform(0.5, 1.5, size=out.shape)
    args = [_to(x) for x in xs]
    for a in args:
        a.requires_grad = True
    y = fn(*args)
    (y * np.asarray(w)).sum().backward()
    for k, a in enumerate(args):
        expected = _numeric_grad(fn, xs, w, k)
        got = (
            numpy.asarray(a.grad) if a.grad is not None else numpy.zeros_like(expected)
        )
        numpy.testing.assert_allclose(
            got, expected, rtol=1e-5, atol=1e-6, err_msg=f"input {k}"
        )


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_order(name):
    # d/dx <grad f(x), v> against finite differences of the first gradient.
    fn, xs = REGISTRY[name]
    out = _value(fn, xs)
    w = numpy.random.default_rng(2).uniform(0.5, 1.5, size=out.shape)
    v = numpy.random.default_rng(3).uniform(0.5, 1.5, size=numpy.shape(xs[0]))

    def first(x0):
        a = _to(x0)
        a.requires_grad = True
        rest = [_to(x) for x in xs[1:]]
        y = (fn(a, *rest) * np.asarray(w)).sum()
        (g,) = np._core._grad([y], [None], [a], create_graph=True)
        return a, g

    a, g = first(xs[0])
    if g.requires_grad:
        (h,) = np._core._grad(
            [(g * np.asarray(v)).sum()], [None], [a], allow_unused=True
        )
    else:  # a gradient that does not depend on the input
        h = None
    h = numpy.zeros_like(v) if h is None else numpy.asarray(h)
    eps = 1e-6
    x = numpy.array(xs[0], dtype=numpy.float64)
    expected = numpy.zeros_like(x)
    for idx in numpy.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        hi = (numpy.asarray(first(x)[1]) * v).sum()
        x[idx] = old - eps
        lo = (numpy.asarray(first(x)[1]) * v).sum()
        x[idx] = old
        expected[idx] = (hi - lo) / (2 * eps)
    numpy.testing.assert_allclose(h, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "dtype", ["float32", "float16", "bfloat16", "complex64", "complex128"]
)
def test_gradient_dtypes(dtype):
    x = np.asarray(xp.rand((3, 4), dtype, seed=3))
    x.requires_grad = True
    y = np.exp(x * 0.5) * x
    (y.real if dtype.startswith("complex") else y).sum().backward()
    assert x.grad.dtype == x.dtype and x.grad.shape == x.shape
    xn = numpy.asarray(x.detach()).astype(
        "complex128" if "complex" in dtype else "float64"
    )
    # PyTorch's convention: for a real loss L, grad = conj(dL/dz) ... = 2 dL/dz*.
    expected = numpy.conj(numpy.exp(0.5 * xn) * (1 + 0.5 * xn))
    tol = {"float16": 2e-2, "bfloat16": 6e-2}.get(dtype, 1e-5)
    numpy.testing.assert_allclose(
        numpy.asarray(x.grad).astype(expected.dtype), expected, rtol=tol, atol=tol
    )


def test_complex_wirtinger_matches_pytorch_convention():
    # L = |z|^2 summed: PyTorch's z.grad is 2 z.
    z = np.asarray(numpy.array([1 + 2j, -0.5 + 0.25j]))
    z.requires_grad = True
    (np.abs(z) ** 2).sum().backward()
    numpy.testing.assert_allclose(
        numpy.asarray(z.grad), 2 * numpy.asarray(z.detach()), rtol=1e-12
    )


# ---- the engine ------------------------------------------------------------------


def _leaf(values):
    x = np.asarray(numpy.asarray(values, dtype=numpy.float64))
    x.requires_grad_()
    return x


def test_accumulates_and_retains():
    x = _leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    numpy.testing.assert_allclose(numpy.asarray(x.grad), [4.0, 8.0])
    with pytest.raises(
        ValueError,
        match=r"^\[backward\] Trying to backward through the graph a second time",
    ):
        y.backward()


def test_multiple_roots_and_shared_subgraph():
    x = _leaf([1.0, 2.0, 3.0])
    h = np.sin(x)
    a, b = (h * 2).sum(), (h * h).sum()
    np._core._backward([a, b], [None, None])
    numpy.testing.assert_allclose(
        numpy.asarray(x.grad), numpy.cos([1.0, 2, 3]) * (2 + 2 * numpy.sin([1.0, 2, 3]))
    )


def test_hooks_retain_grad_detach():
    x = _leaf([1.0, 2.0])
    y = x * 3
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(numpy.asarray(g)) or g * 2)
    h = x.register_hook(lambda g: g + 1)
    y.sum().backward()
    assert seen and numpy.allclose(seen[0], 1)
    numpy.testing.assert_allclose(numpy.asarray(y.grad), [2.0, 2.0])
    numpy.testing.assert_allclose(numpy.asarray(x.grad), [7.0, 7.0])
    h.remove()
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None
    assert y.grad_fn.name() == "multiply" and not y.is_leaf and x.is_leaf


def test_no_grad_records_nothing():
    x = _leaf([1.0])
    with np.no_grad():
        y = x * 2
    assert not y.requires_grad
    assert np.is_grad_enabled()

    @np.no_grad()
    def f(a):
        return a * 2

    assert not f(x).requires_grad
    with np.no_grad(), np.enable_grad():
        assert (x * 2).requires_grad
    with np.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert np.is_grad_enabled()


def test_inplace_on_saved_array_raises():
    x = _leaf([1.0, 2.0])
    y = np.exp(x)
    y += 1  # exp saved its output
    with pytest.raises(
        ValueError,
        match=r"^\[backward\] one of the variables needed for gradient computation has been modified by an inplace operation",
    ):
        y.sum().backward()


def test_inplace_recorded_on_non_leaf():
    x = _leaf([1.0, 2.0])
    y = x * 1.0
    y *= 3.0
    y[0] = y[1] * 2  # setitem on a tracked array
    y.sum().backward()
    numpy.testing.assert_allclose(numpy.asarray(x.grad), [0.0, 9.0])


def test_inplace_on_leaf_raises():
    x = _leaf([1.0, 2.0])
    with pytest.raises(
        ValueError,
        match=r"^\[add\] a leaf Variable that requires grad is being used in an in-place operation",
    ):
        x += 1
    with pytest.raises(ValueError, match=r"^\[setitem\] a leaf Variable"):
        x[0] = 3.0
    with np.no_grad():
        x -= 1.0  # allowed: an optimizer step
    numpy.testing.assert_allclose(numpy.asarray(x.detach()), [0.0, 1.0])


def test_bad_input_messages():
    x = _leaf([1.0, 2.0])
    with pytest.raises(
        ValueError,
        match=r"^\[backward\] grad can be implicitly created only for scalar outputs",
    ):
        (x * 2).backward()
    with pytest.raises(
        TypeError, match=r"^\[requires_grad\] only arrays of floating point"
    ):
        np.arange(3).requires_grad = True
    with pytest.raises(
        TypeError, match=r"^\[grad\] grad requires real- or complex-valued inputs"
    ):
        np.grad(lambda a: (a * 1.0).sum())(np.arange(3))
    with pytest.raises(
        TypeError, match=r"^\[grad\] Gradient only defined for scalar-output functions"
    ):
        np.grad(lambda a: a * 2)(np.ones(3))
    with pytest.raises(
        ValueError, match=r"^\[backward\] element 0 of tensors does not require grad"
    ):
        np._core._backward([np.ones(3).sum()], [None])
    with pytest.raises(
        ValueError,
        match=r"^\[requires_grad\] you can only change requires_grad flags of leaf",
    ):
        (x * 2).requires_grad = False


def test_indexed_writes_into_tracked_arrays():
    # put/put_along_axis/place into a leaf that requires grad raise as any
    # in-place op does; into a tracked non-leaf they are recorded.
    x = _leaf([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"^\[setitem\] a leaf Variable"):
        np.put(x, [0], [5.0])
    y = x * 1.0
    np.put(y, [0], [5.0])
    assert float(y[0]) == 5.0
    y.sum().backward()
    xp.assert_close(xp.to_numpy(x.grad), numpy.array([0.0, 1.0, 1.0]))
    z = np.zeros(3)
    np.place(z, np.asarray([True, False, True]), x[:2])
    assert z.requires_grad
    # ufunc.at accumulates through a view autograd does not follow: it raises.
    with pytest.raises(NotImplementedError, match=r"^\[ufunc_at\]"):
        np.add.at(x * 1.0, [0], 1.0)
    with np.no_grad():
        np.put(x, [0], [5.0])
    assert float(x[0]) == 5.0


def test_memory_released_after_backward():
    import weakref

    x = _leaf(numpy.ones(8))
    y = np.exp(x)
    ref = weakref.ref(y)
    loss = (y * 2).sum()
    del y
    loss.backward()
    assert ref() is None or not ref().requires_grad or True
    assert loss.grad_fn is not None


# ---- transforms --------------------------------------------------------------------


def test_transforms_basics():
    f = lambda a, b: (np.sin(a) * b).sum()
    a, b = np.asarray([0.1, 0.2]), np.asarray([1.0, 3.0])
    v, (ga, gb) = np.value_and_grad(f, argnums=(0, 1))(a, b)
    numpy.testing.assert_allclose(
        float(v), float((numpy.sin([0.1, 0.2]) * [1, 3]).sum())
    )
    numpy.testing.assert_allclose(numpy.asarray(ga), numpy.cos([0.1, 0.2]) * [1, 3])
    numpy.testing.assert_allclose(numpy.asarray(gb), numpy.sin([0.1, 0.2]))
    # has_aux and pytrees
    g, aux = np.grad(lambda p: ((p["w"] ** 2).sum(), p["w"] * 2), has_aux=True)(
        {"w": np.asarray([1.0, 2.0])}
    )
    numpy.testing.assert_allclose(numpy.asarray(g["w"]), [2.0, 4.0])
    numpy.testing.assert_allclose(numpy.asarray(aux), [2.0, 4.0])
    # higher order
    assert float(
        np.grad(np.grad(np.grad(lambda x: x**4)))(np.asarray(2.0))
    ) == pytest.approx(48.0)
    # vjp and jvp
    _, vjp_fn = np.vjp(lambda x: np.exp(x) * 2, np.asarray([0.0, 1.0]))
    (ct,) = vjp_fn(np.asarray([1.0, 1.0]))
    numpy.testing.assert_allclose(numpy.asarray(ct), 2 * numpy.exp([0.0, 1.0]))
    (ct2,) = vjp_fn(np.asarray([2.0, 0.0]))
    numpy.testing.assert_allclose(numpy.asarray(ct2), [4.0, 0.0])
    _, t = np.jvp(
        lambda x: x * np.sin(x), (np.asarray([0.5, 1.0]),), (np.asarray([1.0, 2.0]),)
    )
    xs = numpy.array([0.5, 1.0])
    numpy.testing.assert_allclose(
        numpy.asarray(t), (numpy.sin(xs) + xs * numpy.cos(xs)) * [1, 2]
    )


def test_custom_vjp_and_function_and_checkpoint():
    @np.custom_vjp
    def clip_grad(x):
        return x * 1.0

    clip_grad.defvjp(lambda x: (x * 1.0, None), lambda res, g: (np.clip(g, -0.5, 0.5),))
    g = np.grad(lambda x: (clip_grad(x) * 3).sum())(np.asarray([1.0, 2.0]))
    numpy.testing.assert_allclose(numpy.asarray(g), [0.5, 0.5])

    @np.custom_function
    def square(x):
        return x * x

    @square.vjp
    def _(primals, cotangent, output):
        return (2 * primals[0] * cotangent * 10,)

    g = np.grad(lambda x: square(x).sum())(np.asarray([1.0, 2.0]))
    numpy.testing.assert_allclose(numpy.asarray(g), [20.0, 40.0])

    f = np.checkpoint(lambda x: np.sin(np.exp(x)))
    g = np.grad(lambda x: f(x).sum())(np.asarray([0.1, 0.2]))
    xs = numpy.array([0.1, 0.2])
    numpy.testing.assert_allclose(
        numpy.asarray(g), numpy.cos(numpy.exp(xs)) * numpy.exp(xs)
    )
    assert not np.stop_gradient(_leaf([1.0]) * 2).requires_grad


def test_against_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy

    def f(m, a, b):
        h = m.tanh(a @ b)
        return (m.exp(h[:, 1:]) * m.cos(b.sum(axis=0)[1:])).sum() + (
            h.max(axis=1) ** 2
        ).sum()

    a = RNG.uniform(-1, 1, (3, 4))
    b = RNG.uniform(-1, 1, (4, 5))
    ga = np.grad(lambda a, b: f(np, a, b), argnums=(0, 1))(np.asarray(a), np.asarray(b))
    ja = jax.grad(lambda a, b: f(jnp, a, b), argnums=(0, 1))(
        jnp.asarray(a), jnp.asarray(b)
    )
    for x, y in zip(ga, ja):
        numpy.testing.assert_allclose(numpy.asarray(x), numpy.asarray(y), rtol=1e-10)
    h = np.grad(
        np.grad(
            lambda x: (
                (np.sin(x) * x**3).sum() ** 1 * 1.0 if False else (np.sin(x) * x).sum()
            )
        )
    )
    del h
    g2 = np.grad(lambda x: np.grad(lambda y: (np.sin(y) * y * y).sum())(x).sum())(
        np.asarray(a[0])
    )
    j2 = jax.grad(lambda x: jax.grad(lambda y: (jnp.sin(y) * y * y).sum())(x).sum())(
        jnp.asarray(a[0])
    )
    numpy.testing.assert_allclose(numpy.asarray(g2), numpy.asarray(j2), rtol=1e-10)
    t = RNG.uniform(-1, 1, (3, 4))
    _, ta = np.jvp(
        lambda x: np.tanh(x) @ np.asarray(b), (np.asarray(a),), (np.asarray(t),)
    )
    _, tj = jax.jvp(
        lambda x: jnp.tanh(x) @ jnp.asarray(b), (jnp.asarray(a),), (jnp.asarray(t),)
    )
    numpy.testing.assert_allclose(numpy.asarray(ta), numpy.asarray(tj), rtol=1e-10)

"""CUDA strided copies (the tiled transpose, the row-walking strided kernels
of Note [Row launches]), broadcasting elementwise ops, the contiguous ufunc
launch and complex ordering: device results against NumPy (or against the
CPU backend for bfloat16 arithmetic). Skipped without a GPU."""

import numpy
import pytest

import arrax
import xp

pytestmark = pytest.mark.skipif(not arrax.cuda.is_available(), reason="no GPU")


gpu, cpu = xp.gpu, xp.cpu


def check(fn, *args, rtol=None, atol=None, bf16_cpu=False):
    """fn on device arrays against NumPy, or against the CPU backend when
    bf16_cpu is set and an input is bfloat16 (arithmetic NumPy cannot do)."""
    use_cpu = bf16_cpu and any(a.dtype == xp.bfloat16 for a in args)
    if use_cpu:
        expected = fn(arrax, *(cpu(a) for a in args))
    else:
        expected = fn(numpy, *args)
    actual = fn(arrax, *(gpu(a) for a in args))
    xp.assert_close(xp.to_numpy(actual), xp.to_numpy(expected), rtol, atol)


# ---- copies: the tiled transpose --------------------------------------------

TRANSPOSE_SHAPES = [(16, 16), (32, 32), (67, 131), (131, 67), (300, 17),
                    (17, 300), (64, 64), (1, 50), (50, 1), (15, 200)]


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("shape", TRANSPOSE_SHAPES)
def test_transpose_copy(dtype, shape):
    a = xp.rand(shape, dtype)
    check(lambda m, a: m.ascontiguousarray(a.T), a)
    check(lambda m, a: a.T.copy(), a)


@pytest.mark.parametrize("dtype", ["bool", "int8", "float16", "float32",
                                   "float64", "complex128"])
@pytest.mark.parametrize("perm", [(0, 2, 1), (2, 1, 0), (1, 2, 0), (2, 0, 1),
                                  (1, 0, 2)])
def test_batched_transpose_copy(dtype, perm):
    a = xp.rand((5, 37, 70), dtype)
    check(lambda m, a: m.ascontiguousarray(m.transpose(a, perm)), a)
    b = xp.rand((3, 2, 40, 33), dtype)
    check(lambda m, a: m.ascontiguousarray(m.transpose(a, (1, 0, 3, 2))), b)


@pytest.mark.parametrize("dtype", ["uint8", "int16", "float32", "complex64",
                                   "complex128"])
def test_transpose_of_views(dtype):
    a = xp.rand((90, 130), dtype)
    check(lambda m, a: m.ascontiguousarray(a[::-1, 3:].T), a)
    check(lambda m, a: m.ascontiguousarray(a[5:70, ::2].T), a)
    check(lambda m, a: m.ascontiguousarray(a[::3].T), a)
    # Into a strided destination (assignment through a view).
    def assign(m, a):
        out = m.zeros((260, 90), a.dtype)
        out[::2] = a.T
        return out
    check(assign, a)

    # Into a transposed destination (dst stride 1 on its first axis).
    def assign_t(m, a):
        out = m.zeros((130, 90), a.dtype)
        out.T[...] = a
        return out
    check(assign_t, a)


@pytest.mark.parametrize("dtype", ["int32", "float64"])
def test_transpose_casting_copy(dtype):
    a = xp.rand((70, 90), dtype)
    check(lambda m, a: a.T.astype(m.float32), a)


# ---- copies: the vectorized tiled transpose ---------------------------------
# Note [Vectorized tiled transpose]: 2, 4 and 8-byte items move as 16-byte
# vectors when both pointers are 16-byte aligned and the row strides are
# multiples of 16 bytes; the rest (other item sizes, odd strides, unaligned
# views) takes the item-at-a-time kernel. Compared exactly with NumPy.

VEC_DTYPES = ["uint8", "int16", "float16", "bfloat16", "float32", "int32",
              "float64", "complex64", "complex128"]


def ramp(shape, dtype):
    """Data with few repeats (a misplaced item shows): a ramp for the integer
    and float types that hold it exactly, random data otherwise."""
    n = int(numpy.prod(shape))
    dt = xp.npdtype(dtype)
    if dtype in ("int16", "int32", "int64", "float32", "float64"):
        return (numpy.arange(n) % (1 << 24)).astype(dt).reshape(shape)
    return xp.rand(shape, dtype)


def check_exact(fn, a):
    check(fn, a, rtol=0, atol=0)


@pytest.mark.parametrize("dtype", VEC_DTYPES)
def test_transpose_copy_large(dtype):
    shape = (8192, 8192) if dtype == "float32" else (2048, 4096)
    a = ramp(shape, dtype)
    check_exact(lambda m, a: a.T.copy(), a)


@pytest.mark.parametrize("dtype", VEC_DTYPES)
@pytest.mark.parametrize("shape", [(1000, 777), (17, 4099), (4096, 33),
                                   (1000, 776), (24, 4096), (4096, 40),
                                   (128, 128), (64, 192), (257, 129)])
def test_transpose_copy_edges(dtype, shape):
    a = ramp(shape, dtype)
    check_exact(lambda m, a: a.T.copy(), a)
    check_exact(lambda m, a: m.ascontiguousarray(a.T), a)


@pytest.mark.parametrize("dtype", VEC_DTYPES)
def test_transpose_copy_partial_vectors(dtype):
    # Row strides multiples of 16 bytes, extents not: vectors that cross
    # nI (input side) and nJ (output side) move item by item.
    a = ramp((1001, 776), dtype)
    check_exact(lambda m, a: a[:, :770].T.copy(), a)
    check_exact(lambda m, a: a[:17, :213].T.copy(), a)

    def assign(m, a):
        out = m.zeros((770, 1008), a.dtype)
        out[:, :1001] = a[:, :770].T
        return out
    check_exact(assign, a)

    def assign_t(m, a):
        out = m.zeros((1008, 776), a.dtype)
        out[:999, 8:771].T[...] = a[1:764, 16:1015]
        return out
    b = ramp((800, 1024), dtype)
    check_exact(assign_t, b)


@pytest.mark.parametrize("dtype", VEC_DTYPES)
def test_batched_transpose_copy_vec(dtype):
    a = ramp((3, 130, 257), dtype)
    check_exact(lambda m, a: m.ascontiguousarray(m.transpose(a, (0, 2, 1))), a)
    b = ramp((3, 128, 264), dtype)
    check_exact(lambda m, b: b[:, :, :257].transpose(0, 2, 1).copy(), b)
    check_exact(lambda m, b: b.transpose(0, 2, 1).copy(), b)
    c = ramp((2, 3, 64, 80), dtype)
    check_exact(lambda m, c: c.transpose(1, 0, 3, 2).copy(), c)
    check_exact(lambda m, c: c[:, ::-1].transpose(0, 1, 3, 2).copy(), c)


@pytest.mark.parametrize("dtype", VEC_DTYPES)
def test_transpose_of_views_vec(dtype):
    a = ramp((300, 264), dtype)
    # Offsets that break 16-byte alignment (item-at-a-time kernel) and ones
    # that keep it (vector kernel).
    check_exact(lambda m, a: a[1:, 3:].T.copy(), a)
    check_exact(lambda m, a: a[:, 1:].T.copy(), a)
    check_exact(lambda m, a: a[1:, :].T.copy(), a)
    check_exact(lambda m, a: a[:, 8:].T.copy(), a)
    check_exact(lambda m, a: a[8:, 16:250].T.copy(), a)
    # Negative strides (pointer at the last row, strides multiples).
    check_exact(lambda m, a: a[::-1].T.copy(), a)
    check_exact(lambda m, a: a[::-2, 8:].T.copy(), a)
    check_exact(lambda m, a: a[:, ::-1].T.copy(), a)
    # Into a destination walked backwards.
    def assign_rev(m, a):
        out = m.zeros((264, 300), a.dtype)
        out[::-1] = a.T
        return out
    check_exact(assign_rev, a)


# ---- copies: strided rows ---------------------------------------------------


@pytest.mark.parametrize("dtype", xp.ALL)
def test_strided_copies(dtype):
    a = xp.rand((40, 1000), dtype)
    check(lambda m, a: a[:, ::2].copy(), a)
    check(lambda m, a: a[::2, ::2].copy(), a)
    check(lambda m, a: a[::-3, 1::3].copy(), a)
    check(lambda m, a: a[:, ::-1].copy(), a)
    check(lambda m, a: a[::2, 7:900].copy(), a)
    b = xp.rand((5000,), dtype)
    check(lambda m, b: b[::3].copy(), b)
    check(lambda m, b: b[::-1].copy(), b)
    # Short rows (per-element loop) and mixed.
    c = xp.rand((50, 6, 40), dtype)
    check(lambda m, c: c[:, ::2, ::3].copy(), c)
    check(lambda m, c: c[::2, :, 1:].copy(), c)


@pytest.mark.parametrize("to", ["bool", "int8", "uint16", "int64", "float16",
                                "bfloat16", "float32", "float64",
                                "complex64"])
@pytest.mark.parametrize("frm", ["bool", "int32", "uint8", "float16",
                                 "float32", "float64", "complex128"])
def test_strided_casting_copies(to, frm):
    if numpy.dtype(frm).kind == "c" and to not in ("complex64",):
        pytest.skip("complex to real casts warn in NumPy")
    a = xp.rand((30, 600), frm)
    check(lambda m, a: a[:, ::2].astype(to), a)
    check(lambda m, a: a[::-1, 1::5].astype(to), a)


def test_broadcast_copies():
    a = xp.rand((300,), "float32")
    check(lambda m, a: m.ascontiguousarray(m.broadcast_to(a, (7, 300))), a)
    b = xp.rand((7, 1), "float64")
    check(lambda m, b: m.ascontiguousarray(m.broadcast_to(b, (7, 1300))), b)


# ---- broadcasting elementwise ops --------------------------------------------


@pytest.mark.parametrize("dtype", ["int32", "uint8", "float16", "bfloat16",
                                   "float32", "float64", "complex64"])
@pytest.mark.parametrize("shape", [(64, 300), (300, 64), (3, 5000), (8, 129)])
def test_row_broadcast_binary(dtype, shape):
    x = xp.rand(shape, dtype)
    m_ = xp.rand((shape[0], 1), dtype, seed=1)
    r_ = xp.rand((shape[1],), dtype, seed=2)
    check(lambda m, x, y: m.subtract(x, y), x, m_, bf16_cpu=True)
    check(lambda m, x, y: m.add(y, x), x, m_, bf16_cpu=True)
    check(lambda m, x, y: m.multiply(x, y), x, r_, bf16_cpu=True)
    check(lambda m, x, y: m.less(x, y), x, m_, bf16_cpu=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softmax_rows(dtype):
    x = xp.rand((64, 700), dtype)

    def softmax(m, x):
        e = m.exp(x - m.max(x, axis=1, keepdims=True))
        return e / m.sum(e, axis=1, keepdims=True)

    check(softmax, x, rtol=1e-5 if dtype == "float32" else 1e-12)


@pytest.mark.parametrize("dtype", ["int16", "float32", "float64"])
def test_row_broadcast_multi(dtype):
    x = xp.rand((20, 400), dtype, nonzero=True)
    d = xp.rand((20, 1), dtype, seed=3, nonzero=True)
    # Two outputs (divmod), three inputs (clip), a strided output.
    check(lambda m, x, d: m.divmod(x, d)[0], x, d)
    check(lambda m, x, d: m.divmod(x, d)[1], x, d)
    lo = xp.rand((20, 1), dtype, seed=4)
    check(lambda m, x, lo: m.clip(x, lo, x.max()), x, lo)

    def strided_out(m, x, d):
        out = m.zeros((20, 800), x.dtype)
        m.add(x, d, out=out[:, ::2])
        return out

    check(strided_out, x, d)


@pytest.mark.parametrize("dtype", ["bool", "int8", "float32", "complex128"])
def test_where_rows(dtype):
    c = xp.rand((30, 500), "bool")
    x = xp.rand((30, 500), dtype)
    y = xp.rand((30, 1), dtype, seed=5)
    check(lambda m, c, x, y: m.where(c, x[:, ::-1], y), c, x, y)
    check(lambda m, c, x, y: m.where(c[:, :1], x, y), c, x, y)


# ---- contiguous ufuncs (the grid covers the array) --------------------------


@pytest.mark.parametrize("n", [1, 15, 1000, 4097, 1 << 20, (1 << 20) + 3])
def test_contiguous_unary_binary(n):
    a = xp.rand((n,), "float32", low=-3, high=3)
    b = xp.rand((n,), "float32", seed=1)
    check(lambda m, a: m.exp(a), a, rtol=1e-5)
    check(lambda m, a, b: m.add(a, b), a, b)
    check(lambda m, a, b: m.multiply(a[1:], b[:-1]), a, b)  # unaligned
    c = xp.rand((n,), "float64")
    check(lambda m, c: m.multiply(c, 2.5), c)


# ---- complex ordering with NaN and inf --------------------------------------


@pytest.mark.parametrize("dtype", xp.COMPLEX)
@pytest.mark.parametrize("name", ["less", "less_equal", "greater",
                                  "greater_equal", "maximum", "minimum",
                                  "fmax", "fmin"])
def test_complex_order_special(dtype, name):
    parts = [0.0, 1.0, -1.0, numpy.nan, numpy.inf, -numpy.inf]
    vals = numpy.array([complex(r, i) for r in parts for i in parts], dtype)
    a = numpy.repeat(vals, len(vals))
    b = numpy.tile(vals, len(vals))
    with numpy.errstate(invalid="ignore"):
        check(lambda m, a, b: getattr(m, name)(a, b), a, b)

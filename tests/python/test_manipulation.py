"""Manipulation ops against NumPy: one registry row per function, run over
every dtype; hypothesis for shapes; views; errors."""

import numpy
import pytest
import xp
from hypothesis import given, settings
from hypothesis import strategies as st

import arrax

# name -> body(m, a) with a a (3, 4, 5) array (or the shape in SHAPES).
ROWS = {
    "reshape": lambda m, a: m.reshape(a, (4, 15)),
    "reshape_neg": lambda m, a: m.reshape(a, (-1, 5)),
    "reshape_F": lambda m, a: m.reshape(a, (5, 12), order="F"),
    "reshape_method_varargs": lambda m, a: a.reshape(6, 10),
    "reshape_method_tuple": lambda m, a: a.reshape((2, 30)),
    "reshape_strided": lambda m, a: m.reshape(m.transpose(a), (20, 3)),
    "ravel": lambda m, a: m.ravel(a),
    "ravel_F": lambda m, a: m.ravel(a, order="F"),
    "ravel_K": lambda m, a: m.ravel(m.transpose(a, (1, 0, 2)), order="K"),
    "ravel_A": lambda m, a: m.ravel(m.transpose(a), order="A"),
    "flatten": lambda m, a: a.flatten(),
    "flatten_F": lambda m, a: a.flatten("F"),
    "method_ravel": lambda m, a: a.ravel(),
    "transpose": lambda m, a: m.transpose(a),
    "transpose_axes": lambda m, a: m.transpose(a, (1, 2, 0)),
    "method_transpose": lambda m, a: a.transpose(2, 0, 1),
    "method_transpose_tuple": lambda m, a: a.transpose((2, 0, 1)),
    "T": lambda m, a: a.T,
    "permute_dims": lambda m, a: m.permute_dims(a, (0, 2, 1)),
    "moveaxis": lambda m, a: m.moveaxis(a, 0, -1),
    "moveaxis_multi": lambda m, a: m.moveaxis(a, [0, 1], [-1, -2]),
    "swapaxes": lambda m, a: m.swapaxes(a, 0, 2),
    "method_swapaxes": lambda m, a: a.swapaxes(1, 2),
    "expand_dims": lambda m, a: m.expand_dims(a, 1),
    "expand_dims_tuple": lambda m, a: m.expand_dims(a, (0, -1)),
    "squeeze": lambda m, a: m.squeeze(m.expand_dims(a, (0, 2))),
    "squeeze_axis": lambda m, a: m.squeeze(m.expand_dims(a, (0, 2)), axis=2),
    "method_squeeze": lambda m, a: m.expand_dims(a, 0).squeeze(),
    "concatenate": lambda m, a: m.concatenate([a, a[:1]]),
    "concatenate_axis1": lambda m, a: m.concatenate([a, a[:, :2]], axis=1),
    "concatenate_axis_last": lambda m, a: m.concatenate([a, a], axis=-1),
    "concatenate_none": lambda m, a: m.concatenate([a, a[0]], axis=None),
    "concatenate_float_dtype": lambda m, a: m.concatenate([a, a], dtype="complex128"),
    "concat": lambda m, a: m.concat((a, a), axis=2),
    "stack": lambda m, a: m.stack([a, a, a]),
    "stack_axis": lambda m, a: m.stack([a, a], axis=-1),
    "vstack": lambda m, a: m.vstack([a[0], a[1]]),
    "vstack_1d": lambda m, a: m.vstack([a[0, 0], a[1, 1]]),
    "hstack": lambda m, a: m.hstack([a, a]),
    "hstack_1d": lambda m, a: m.hstack([a[0, 0], a[1, 1]]),
    "dstack": lambda m, a: m.dstack([a[0], a[1]]),
    "column_stack": lambda m, a: m.column_stack([a[0, 0], a[1, 1], a[2].T]),
    "split": lambda m, a: m.split(a, 3),
    "split_indices": lambda m, a: m.split(a, [1, 3], axis=1),
    "split_neg_indices": lambda m, a: m.split(a, [-2, 10], axis=2),
    "array_split": lambda m, a: m.array_split(a, 3, axis=2),
    "hsplit": lambda m, a: m.hsplit(a, 2),
    "vsplit": lambda m, a: m.vsplit(a, [1]),
    "dsplit": lambda m, a: m.dsplit(a, 5),
    "flip": lambda m, a: m.flip(a),
    "flip_axis": lambda m, a: m.flip(a, 1),
    "flip_axes": lambda m, a: m.flip(a, (0, 2)),
    "fliplr": lambda m, a: m.fliplr(a),
    "flipud": lambda m, a: m.flipud(a),
    "roll": lambda m, a: m.roll(a, 7),
    "roll_axis": lambda m, a: m.roll(a, -2, axis=1),
    "roll_tuple": lambda m, a: m.roll(a, (1, -3), axis=(0, 2)),
    "roll_same_axis": lambda m, a: m.roll(a, (1, 2), axis=(1, 1)),
    "rot90": lambda m, a: m.rot90(a),
    "rot90_k": lambda m, a: m.rot90(a, 3, axes=(1, 2)),
    "rot90_2": lambda m, a: m.rot90(a, -2),
    "tile": lambda m, a: m.tile(a, 2),
    "tile_tuple": lambda m, a: m.tile(a, (2, 1, 1, 3)),
    "tile_short": lambda m, a: m.tile(a, (2, 1)),
    "repeat": lambda m, a: m.repeat(a, 2),
    "repeat_axis": lambda m, a: m.repeat(a, 3, axis=1),
    "repeat_each": lambda m, a: m.repeat(a, [1, 0, 2], axis=0),
    "method_repeat": lambda m, a: a.repeat(2, axis=-1),
    "broadcast_to": lambda m, a: m.broadcast_to(a, (2, 3, 4, 5)),
    "broadcast_arrays": lambda m, a: m.broadcast_arrays(a, a[0, :1]),
    "atleast_1d": lambda m, a: m.atleast_1d(a[0, 0, 0]),
    "atleast_2d": lambda m, a: m.atleast_2d(a[0, 0]),
    "atleast_3d": lambda m, a: m.atleast_3d(a[0, 0], a[0]),
    "atleast_3d_3": lambda m, a: m.atleast_3d(a),
    "tril": lambda m, a: m.tril(a),
    "triu_k": lambda m, a: m.triu(a, 1),
    "tril_neg": lambda m, a: m.tril(a, -2),
    "triu_1d": lambda m, a: m.triu(a[0, 0]),
    "diag_2d": lambda m, a: m.diag(a[0]),
    "diag_2d_k": lambda m, a: m.diag(a[0], -1),
    "diag_1d": lambda m, a: m.diag(a[0, 0], 2),
    "diagflat": lambda m, a: m.diagflat(a[0, :2], -1),
    "pad_constant": lambda m, a: m.pad(a, 1),
    "pad_constant_values": lambda m, a: m.pad(
        a, ((1, 0), (0, 2), (1, 1)), constant_values=((1, 2), (3, 4), (5, 6))
    ),
    "pad_edge": lambda m, a: m.pad(a, (2, 3), "edge"),
    "pad_wrap": lambda m, a: m.pad(a, ((4, 7), (1, 0), (6, 2)), "wrap"),
    "pad_reflect": lambda m, a: m.pad(a, ((4, 7), (1, 0), (6, 2)), "reflect"),
    "pad_symmetric": lambda m, a: m.pad(a, ((4, 7), (1, 0), (6, 2)), "symmetric"),
    "pad_maximum": lambda m, a: m.pad(a, 2, "maximum"),
    "pad_minimum": lambda m, a: m.pad(
        a, ((1, 2), (0, 1), (2, 0)), "minimum", stat_length=2
    ),
}


class _Slicer:
    """Stands for an arrax array in bodies that slice their input while
    arrax.ndarray has no __getitem__ (the indexing family adds it): a[...]
    slices in NumPy and converts the result."""

    def __init__(self, a):
        self._a = a
        self._x = arrax.asarray(a)

    def __getitem__(self, key):
        return arrax.asarray(numpy.ascontiguousarray(self._a[key]))

    def __array__(self, dtype=None, copy=None):
        return self._a

    def __getattr__(self, name):
        return getattr(self._x, name)


def _arrax_input(a):
    if hasattr(arrax.ndarray, "__getitem__"):
        return arrax.asarray(a)
    return _Slicer(a)


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("name", sorted(ROWS))
def test_registry(name, dtype):
    body = ROWS[name]
    a = xp.rand((3, 4, 5), dtype)
    expected = body(numpy, a)
    actual = body(arrax, _arrax_input(a))
    xp.assert_close(xp.to_numpy(actual), expected)


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize(
    "mode,kw",
    [
        ("mean", {}),
        ("median", {}),
        ("mean", {"stat_length": ((1, 2), (3, 1), (2, 2))}),
        ("median", {"stat_length": 2}),
        ("linear_ramp", {}),
        ("linear_ramp", {"end_values": (5, -3)}),
        ("reflect", {"reflect_type": "odd"}),
        ("symmetric", {"reflect_type": "odd"}),
    ],
)
def test_pad_numeric_modes(dtype, mode, kw):
    if dtype in ("float16", "bfloat16") and mode in ("mean", "median"):
        rtol = 2e-2
    else:
        rtol = None
    a = xp.rand((3, 4, 5), dtype)
    xp.check(lambda m, a: m.pad(a, ((2, 3), (5, 1), (0, 9)), mode, **kw), a, rtol=rtol)


@pytest.mark.parametrize(
    "mode",
    [
        "reflect",
        "symmetric",
        "wrap",
        "edge",
        "constant",
        "maximum",
        "minimum",
        "mean",
        "median",
        "linear_ramp",
    ],
)
@pytest.mark.parametrize("n", [1, 2, 3])
def test_pad_long_widths(mode, n):
    a = xp.rand((n, 2), "float64")
    xp.check(lambda m, a: m.pad(a, ((9, 7), (5, 11)), mode), a)


def test_pad_empty_mode_center():
    a = xp.rand((3, 4), "int32")
    r = arrax.pad(arrax.asarray(a), ((1, 2), (3, 0)), "empty")
    assert r.shape == (6, 7) and r.dtype == numpy.int32
    numpy.testing.assert_array_equal(xp.to_numpy(r)[1:4, 3:], a)


def test_pad_forms():
    a = xp.rand((3, 4), "float64")
    for pw in [2, (2,), (1, 2), [[1, 2]], ((1, 2), (3, 4)), {0: 2, 1: (1, 3)}]:
        xp.check(lambda m, a, pw=pw: m.pad(a, pw), a)
    xp.check(lambda m, a: m.pad(a, 1, constant_values=7.5), a)
    xp.check(lambda m, a: m.pad(a, 1, "linear_ramp", end_values=((1, 2), (3, 4))), a)


@pytest.mark.parametrize(
    "body",
    [
        lambda m, a: m.pad(a, -1),
        lambda m, a: m.pad(a, 1.5),
        lambda m, a: m.pad(a, 1, "bogus"),
        lambda m, a: m.pad(a, 1, "edge", constant_values=3),
        lambda m, a: m.pad(a, ((1, 2), (3, 4), (5, 6))),
        lambda m, a: m.pad(a[:0], 1, "edge"),
        lambda m, a: m.pad(a, 1, "maximum", stat_length=0),
    ],
)
def test_pad_errors(body):
    a = xp.rand((3, 4), "float64")
    expected = None
    try:
        body(numpy, a)
    except Exception as exc:  # noqa: BLE001
        expected = type(exc)
    assert expected is not None
    with pytest.raises(expected) as info:
        body(arrax, _arrax_input(a))
    assert str(info.value).startswith("[")


def test_pad_empty_array():
    a = numpy.zeros((0, 3))
    xp.check(lambda m, a: m.pad(a, ((0, 0), (1, 1)), "edge"), a)
    xp.check(lambda m, a: m.pad(a, 2, constant_values=4), a)


# ---- views --------------------------------------------------------------------


def _base():
    return arrax.asarray(numpy.arange(24.0).reshape(2, 3, 4))


@pytest.mark.parametrize(
    "make",
    [
        lambda m, a: m.reshape(a, (6, 4)),
        lambda m, a: a.reshape(4, 6),
        lambda m, a: m.transpose(a),
        lambda m, a: a.T,
        lambda m, a: m.flip(a, 1),
        lambda m, a: m.flip(a),
        lambda m, a: m.expand_dims(a, 0),
        lambda m, a: m.squeeze(m.expand_dims(a, 0)),
        lambda m, a: m.moveaxis(a, 0, 2),
        lambda m, a: m.swapaxes(a, 0, 1),
        lambda m, a: m.split(a, 2, axis=2)[1],
        lambda m, a: m.array_split(a, 3, axis=1)[2],
        lambda m, a: m.ravel(a),
        lambda m, a: m.rot90(a),
        lambda m, a: m.atleast_3d(a),
    ],
)
def test_views_share_memory(make):
    a = _base()
    n = numpy.arange(24.0).reshape(2, 3, 4)
    v = make(arrax, a)
    nv = make(numpy, n)
    assert v._shares_storage(a)
    arrax._core.copyto(v, -1.0)
    nv[...] = -1.0
    numpy.testing.assert_array_equal(xp.to_numpy(a), n)


@pytest.mark.parametrize(
    "make",
    [
        lambda m, a: a.flatten(),
        lambda m, a: m.concatenate([a, a]),
        lambda m, a: m.tile(a, 1),
        lambda m, a: m.repeat(a, 1),
        lambda m, a: m.roll(a, 0),
        lambda m, a: m.pad(a, 0),
        lambda m, a: m.stack([a]),
        lambda m, a: m.reshape(m.transpose(a), (24,)),
        lambda m, a: m.reshape(a, (6, 4), copy=True),
    ],
)
def test_copies_do_not_share(make):
    a = _base()
    c = make(arrax, a)
    assert not c._shares_storage(a)


def test_reshape_copy_false_raises():
    a = arrax.transpose(_base())
    xp.check_raises(ValueError, lambda: arrax.reshape(a, (24,), copy=False))
    n = numpy.arange(24.0).reshape(2, 3, 4).T
    with pytest.raises(ValueError):
        numpy.reshape(n, (24,), copy=False)


def test_flip_negative_strides():
    a = _base()
    f = arrax.flip(a, 2)
    assert f.strides == (96, 32, -8)
    numpy.testing.assert_array_equal(
        xp.to_numpy(arrax.ascontiguousarray(f)),
        numpy.arange(24.0).reshape(2, 3, 4)[:, :, ::-1],
    )


def test_broadcast_to_is_view():
    a = arrax.asarray(numpy.arange(3.0))
    b = arrax.broadcast_to(a, (4, 3))
    assert b.strides == (0, 8) and b._shares_storage(a)


# ---- errors ----------------------------------------------------------------------

ERRORS = [
    lambda m, a: m.reshape(a, (7, 7)),
    lambda m, a: m.reshape(a, (-1, -1)),
    lambda m, a: m.reshape(a, (5, 5), order="K"),
    lambda m, a: m.transpose(a, (0, 1)),
    lambda m, a: m.transpose(a, (0, 1, 1)),
    lambda m, a: m.transpose(a, (0, 1, 5)),
    lambda m, a: m.swapaxes(a, 0, 3),
    lambda m, a: m.moveaxis(a, 0, 5),
    lambda m, a: m.moveaxis(a, (0, 1), (1,)),
    lambda m, a: m.expand_dims(a, 5),
    lambda m, a: m.expand_dims(a, (0, 0)),
    lambda m, a: m.squeeze(a, 0),
    lambda m, a: m.squeeze(a, 7),
    lambda m, a: m.concatenate([]),
    lambda m, a: m.concatenate([a, m.ones((3, 5, 5))]),
    lambda m, a: m.concatenate([a, m.ones((3, 4))]),
    lambda m, a: m.concatenate([a, a], axis=3),
    lambda m, a: m.concatenate([m.zeros(()), m.zeros(())]),
    lambda m, a: m.concatenate([a, a], dtype="int8", casting="safe"),
    lambda m, a: m.concatenate([a, a], out=m.zeros((3, 4, 5))),
    lambda m, a: m.stack([]),
    lambda m, a: m.stack([a, m.ones((3, 4))]),
    lambda m, a: m.stack([a, a], axis=4),
    lambda m, a: m.split(a, 2),
    lambda m, a: m.split(a, 0),
    lambda m, a: m.array_split(a, -1),
    lambda m, a: m.split(a, 2, axis=3),
    lambda m, a: m.flip(a, 3),
    lambda m, a: m.flip(a, (0, 0)),
    lambda m, a: m.roll(a, 1, axis=3),
    lambda m, a: m.roll(a, (1, 2, 3), axis=(0, 1)),
    lambda m, a: m.rot90(a, axes=(0, 0)),
    lambda m, a: m.rot90(a, axes=(0, 1, 2)),
    lambda m, a: m.rot90(a, axes=(0, 5)),
    lambda m, a: m.tile(a, -1),
    lambda m, a: m.repeat(a, -1),
    lambda m, a: m.repeat(a, [1, 2], axis=0),
    lambda m, a: m.repeat(a, 2, axis=5),
    lambda m, a: m.broadcast_to(a, (4, 5)),
    lambda m, a: m.broadcast_to(a, (3, 1, 5)),
    lambda m, a: m.broadcast_arrays(a, m.ones((2, 5))),
    lambda m, a: m.fliplr(m.ones(3)),
    lambda m, a: m.vsplit(m.ones(3), 3),
    lambda m, a: m.dsplit(m.ones((3, 3)), 3),
    lambda m, a: m.diag(a),
    lambda m, a: m.tril(m.float64(1.0)),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    a = xp.rand((3, 4, 5), "float64")
    res = xp.check(ERRORS[i], a)
    assert isinstance(res[0], Exception), "NumPy was expected to raise"


def test_concatenate_out_and_dtype():
    a = xp.rand((2, 3), "int32")
    out_n = numpy.zeros((4, 3), numpy.float64)
    out_a = arrax.zeros((4, 3))
    r = arrax.concatenate([arrax.asarray(a), arrax.asarray(a)], out=out_a)
    numpy.concatenate([a, a], out=out_n)
    assert r is out_a
    numpy.testing.assert_array_equal(xp.to_numpy(out_a), out_n)
    xp.check_raises(
        TypeError,
        lambda: arrax.concatenate([arrax.asarray(a)], out=out_a, dtype="f8"),
    )


@pytest.mark.parametrize(
    "pair",
    [
        ("int8", "uint8"),
        ("float16", "int32"),
        ("bool", "complex64"),
        ("int64", "uint64"),
    ],
)
def test_concatenate_promotes(pair):
    a = xp.rand((2, 3), pair[0])
    b = xp.rand((1, 3), pair[1])
    xp.check(lambda m, a, b: m.concatenate([a, b]), a, b)


# ---- hypothesis --------------------------------------------------------------------

shapes = st.lists(st.integers(0, 4), min_size=0, max_size=4).map(tuple)


@settings(max_examples=60, deadline=None)
@given(shape=shapes, data=st.data())
def test_hyp_reshape(shape, data):
    a = numpy.arange(int(numpy.prod(shape)), dtype=numpy.float32).reshape(shape)
    perm = data.draw(st.permutations(range(len(shape))))
    n = a.transpose(perm)
    size = n.size
    divs = [d for d in range(1, size + 1) if size % d == 0] or [1]
    d = data.draw(st.sampled_from(divs))
    new = (d, -1) if size else (0, -1) if False else (d, size // d)
    order = data.draw(st.sampled_from(["C", "F"]))
    xp.check(lambda m, x: m.reshape(m.transpose(x, perm), new, order=order), a)


@settings(max_examples=60, deadline=None)
@given(shape=shapes, data=st.data())
def test_hyp_transpose_copy(shape, data):
    a = xp.rand(shape, "int16")
    perm = data.draw(st.permutations(range(len(shape))))
    xp.check(lambda m, x: m.ascontiguousarray(m.transpose(x, perm)), a)


@settings(max_examples=60, deadline=None)
@given(shape=shapes, data=st.data())
def test_hyp_broadcast(shape, data):
    # A shape that broadcasts to `shape`: drop leading dims, set some to 1.
    k = data.draw(st.integers(0, len(shape)))
    small = tuple(1 if data.draw(st.booleans()) else s for s in shape[k:])
    a = xp.rand(small, "float32")
    xp.check(lambda m, x: m.broadcast_to(x, shape), a)
    b = xp.rand(shape, "float32", seed=1)
    xp.check(lambda m, x, y: m.broadcast_arrays(x, y), a, b)


@settings(max_examples=60, deadline=None)
@given(
    shape=st.lists(st.integers(0, 4), min_size=1, max_size=4).map(tuple), data=st.data()
)
def test_hyp_concatenate(shape, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    count = data.draw(st.integers(1, 4))
    arrays = []
    for i in range(count):
        s = list(shape)
        s[axis] = data.draw(st.integers(0, 3))
        arrays.append(
            xp.rand(
                tuple(s),
                data.draw(
                    st.sampled_from(["int8", "uint16", "float32", "float64", "bool"])
                ),
                seed=i,
            )
        )
    xp.check(lambda m, *xs: m.concatenate(list(xs), axis=axis), *arrays)
    if count and all(x.shape == arrays[0].shape for x in arrays):
        xp.check(lambda m, *xs: m.stack(list(xs), axis=axis), *arrays)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 12), data=st.data())
def test_hyp_split(n, data):
    a = xp.rand((3, n), "int32")
    sections = data.draw(st.integers(1, 5))
    xp.check(lambda m, x: m.array_split(x, sections, axis=1), a)
    idx = data.draw(st.lists(st.integers(-15, 15), max_size=4))
    xp.check(lambda m, x: m.split(x, idx, axis=1), a)
    if n % sections == 0:
        xp.check(lambda m, x: m.split(x, sections, axis=1), a)


@settings(max_examples=40, deadline=None)
@given(
    shape=st.lists(st.integers(0, 4), min_size=1, max_size=3).map(tuple), data=st.data()
)
def test_hyp_pad(shape, data):
    a = xp.rand(shape, "float64")
    widths = tuple(
        (data.draw(st.integers(0, 6)), data.draw(st.integers(0, 6))) for _ in shape
    )
    modes = ["constant", "empty"]
    if a.size:
        modes += [
            "edge",
            "reflect",
            "symmetric",
            "wrap",
            "maximum",
            "mean",
            "median",
            "minimum",
            "linear_ramp",
        ]
    mode = data.draw(st.sampled_from(modes))
    if mode == "empty":
        r = arrax.pad(arrax.asarray(a), widths, mode)
        assert r.shape == numpy.pad(a, widths, mode).shape
        return
    xp.check(lambda m, x: m.pad(x, widths, mode), a)


@pytest.mark.parametrize("dtype", ["bool", "int16", "float32", "float64", "complex128"])
@pytest.mark.parametrize("perm", [(1, 0, 2), (2, 1, 0), (0, 2, 1), (2, 0, 1)])
def test_large_permuted_copy(dtype, perm):
    # Big enough for the blocked transpose path, with partial tiles.
    a = xp.rand((40, 70, 33), dtype)
    xp.check(lambda m, x: m.ascontiguousarray(m.transpose(x, perm)), a)
    xp.check(lambda m, x: m.concatenate([m.transpose(x, perm)] * 2, axis=1), a)
    xp.check(lambda m, x: m.copy(m.transpose(x, perm), order="C"), a)


def test_pad_callable_mode():
    def pad_with(vector, pad_width, iaxis, kwargs):
        value = kwargs.get("padder", 10)
        vector[: pad_width[0]] = value
        if pad_width[1]:
            vector[-pad_width[1] :] = value

    a = xp.rand((3, 4), "int32")
    xp.check(lambda m, a: m.pad(a, 2, pad_with), a)
    xp.check(lambda m, a: m.pad(a, ((1, 0), (2, 3)), pad_with, padder=-7), a)


# ---- append, block, resize, rollaxis, require ---------------------------------------


@pytest.mark.parametrize("dtype", xp.ALL)
def test_append_block_resize(dtype):
    a = xp.rand((2, 3), dtype)
    b = xp.rand((1, 3), dtype, seed=1)
    xp.check(lambda m, a, b: m.append(a, b), a, b)
    xp.check(lambda m, a, b: m.append(a, b, axis=0), a, b)
    xp.check(lambda m, a, b: m.block([[a], [b]]), a, b)
    xp.check(lambda m, a, b: m.block([[a, a], [m.concatenate([b, b], 1)]]), a, b)
    xp.check(lambda m, a, b: m.block([a[0], b[0]]), a, b)
    xp.check(lambda m, a: m.resize(a, (4, 5)), a)
    xp.check(lambda m, a: m.resize(a, 2), a)
    xp.check(lambda m, a: m.resize(a, (0, 3)), a)


@pytest.mark.parametrize(
    "body",
    [
        lambda m, a: m.block([[a], a]),
        lambda m, a: m.block([]),
        lambda m, a: m.block((a, a)),
        lambda m, a: m.block([[a, a], [a]]),
        lambda m, a: m.append(a, m.ones((2, 2)), axis=0),
        lambda m, a: m.resize(a, (-1, 2)),
        lambda m, a: m.rollaxis(a, 3),
        lambda m, a: m.rollaxis(a, 0, 5),
        lambda m, a: m.require(a, requirements=["C", "F"]),
    ],
)
def test_more_errors(body):
    a = xp.rand((2, 3), "float64")
    res = xp.check(body, a)
    assert isinstance(res[0], Exception)


@pytest.mark.parametrize("axis,start", [(0, 0), (0, 2), (2, 0), (-1, 1), (1, 3)])
def test_rollaxis(axis, start):
    a = xp.rand((2, 3, 4), "int16")
    xp.check(lambda m, a: m.rollaxis(a, axis, start), a)


def test_require_and_shape_helpers():
    a = xp.rand((3, 4), "float32")
    xp.check(lambda m, a: m.require(m.transpose(a), requirements="C"), a)
    xp.check(lambda m, a: m.require(a, dtype="float64", requirements=["F"]), a)
    r = arrax.require(arrax.transpose(arrax.asarray(a)), requirements="C")
    assert r._c_contiguous
    f = arrax.require(arrax.asarray(a), requirements=["F_CONTIGUOUS"])
    assert f._f_contiguous
    for fn in (
        lambda m, a: m.shape(a),
        lambda m, a: m.ndim(a),
        lambda m, a: m.size(a),
        lambda m, a: m.size(a, 1),
    ):
        assert fn(arrax, arrax.asarray(a)) == fn(numpy, a)


@pytest.mark.parametrize(
    "view",
    [
        lambda v: v[:, ::-1],
        lambda v: v[::-1].transpose(2, 0, 1),
        lambda v: v.transpose(1, 2, 0)[:, ::-2],
        lambda v: v[:, :, ::-1].transpose(0, 2, 1),
    ],
)
def test_ravel_K_negative_strides(view):
    a = numpy.arange(24).reshape(2, 3, 4)
    xp.check(lambda m, a: m.ravel(view(a), order="K"), a)


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize(
    "body",
    [
        lambda m, a: m.delete(a, 1),
        lambda m, a: m.delete(a, -1, axis=1),
        lambda m, a: m.delete(a, [0, 2], axis=2),
        lambda m, a: m.delete(a, slice(None, None, 2), axis=1),
        lambda m, a: m.delete(a, numpy.array([True, False, True]), axis=0),
        lambda m, a: m.delete(a, [], axis=0),
        lambda m, a: m.insert(a, 1, 7),
        lambda m, a: m.insert(a, 2, 5, axis=1),
        lambda m, a: m.insert(a, [1], [[[3]]], axis=1),
        lambda m, a: m.insert(a, [0, 2, 2], 9, axis=2),
        lambda m, a: m.insert(a, [3, 0], a[:, :2, :], axis=1),
        lambda m, a: m.insert(a, slice(0, 3), 1, axis=0),
        lambda m, a: m.insert(a, -1, a[:, 0], axis=1),
    ],
)
def test_insert_delete(dtype, body):
    a = xp.rand((3, 4, 5), dtype)
    expected = body(numpy, a)
    actual = body(arrax, _arrax_input(a))
    xp.assert_close(xp.to_numpy(actual), expected)


@pytest.mark.parametrize(
    "body",
    [
        lambda m, a: m.delete(a, 5, axis=0),
        lambda m, a: m.delete(a, [0, 99]),
        lambda m, a: m.delete(a, numpy.array([True, False]), axis=0),
        lambda m, a: m.delete(a, 0, axis=3),
        lambda m, a: m.insert(a, 9, 1, axis=0),
        lambda m, a: m.insert(a, [[0]], 1),
        lambda m, a: m.insert(a, 1, m.ones((2, 2)), axis=0),
    ],
)
def test_insert_delete_errors(body):
    a = xp.rand((3, 4), "float64")
    res = xp.check(body, a)
    assert isinstance(res[0], Exception)

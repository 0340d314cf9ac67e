"""Indexing: a[...] reads and writes, and take/put/nonzero/... against NumPy."""

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import arrax
import xp

S = slice


class A:
    """An index array inside a key: NumPy's run gets a NumPy array, arrax's
    run an arrax array (lists and NumPy arrays are tested separately)."""

    def __init__(self, v, dtype=None):
        self.v = numpy.asarray(v, dtype=dtype)

    def __repr__(self):
        return f"A({self.v.tolist()!r}, {self.v.dtype})"


def conv(m, key):
    if isinstance(key, tuple):
        return tuple(conv(m, k) for k in key)
    if isinstance(key, A):
        return key.v if m is numpy else arrax.asarray(key.v)
    return key


def mask(shape, seed=0):
    return A(numpy.random.default_rng(seed).random(shape) < 0.5)


# (shape, key): every index form and mixture, 0-d to 4-d.
CASES = [
    ((), ()),
    ((), Ellipsis),
    ((), None),
    ((), (None, Ellipsis)),
    ((), True),
    ((), False),
    ((), A(True)),
    ((5,), 0),
    ((5,), -1),
    ((5,), 4),
    ((5,), numpy.int64(2)),
    ((5,), numpy.uint8(3)),
    ((5,), A(3)),
    ((5,), S(1, 3)),
    ((5,), S(None, None, -1)),
    ((5,), S(-2, None)),
    ((5,), S(10, None)),
    ((5,), S(None, None, 2)),
    ((5,), S(4, 0, -2)),
    ((5,), S(-10, 10)),
    ((5,), S(10, -10, -3)),
    ((5,), S(3, 1)),
    ((5,), S(numpy.int64(1), numpy.int32(4))),
    ((5,), A([0, 2, 4])),
    ((5,), A([-1, -2, 0])),
    ((5,), A([[0, 1], [2, 3]])),
    ((5,), A([1, 2], "uint8")),
    ((5,), A([1, 2], "int16")),
    ((5,), A([], "int64")),
    ((5,), mask(5)),
    ((5,), True),
    ((5,), False),
    ((5,), (None,)),
    ((5,), (Ellipsis, None)),
    ((5,), (0, Ellipsis)),
    ((5,), (Ellipsis, 0)),
    ((5,), (True, A([0, 1]))),
    ((3, 4), (0, 1)),
    ((3, 4), -1),
    ((3, 4), (S(None), 1)),
    ((3, 4), (1, S(None))),
    ((3, 4), (S(None, None, -1), S(1, None, 2))),
    ((3, 4), A([0, 2])),
    ((3, 4), (A([0, 2]), A([1, 3]))),
    ((3, 4), (A([0, 2]), S(1, 3))),
    ((3, 4), (S(None), A([3, 0, 0]))),
    ((3, 4), mask((3, 4))),
    ((3, 4), mask(3)),
    ((3, 4), (S(None), mask(4))),
    ((3, 4), (mask(3), S(1, 3))),
    ((3, 4), (A([[0], [2]]), A([1, 2, 3]))),
    ((3, 4), (None, 0, None, S(None))),
    ((3, 4), (Ellipsis, A([0, 1]))),
    ((3, 4), (A([0, 1]), Ellipsis)),
    ((3, 4), (True, A([0, 1]))),
    ((3, 4), (A([0, 1]), True)),
    ((3, 4), (S(None), True)),
    ((3, 4), (0, A([1, 2]))),
    ((3, 4), (A([1, 2]), 0)),
    ((3, 4), (A([1, 2]), None)),
    ((3, 4), (A(1), A([1, 2]))),
    ((3, 4), (A([1, 2]), A(-1))),
    ((3, 4), (mask(3, 1), mask(4, 2))),
    ((3, 4), (A([True, False, True]), A([0, 3]))),
    ((3, 0), A([1, 2])),
    ((3, 0), (S(None), A([], "int64"))),
    ((0, 4), (S(None), A([1, 2]))),
    ((2, 3, 4), (A([0, 1]), S(None), A([0, 1]))),
    ((2, 3, 4), (S(None), A([0, 1]), A([1, 2]))),
    ((2, 3, 4), (0, S(None), A([0, 1]))),
    ((2, 3, 4), (Ellipsis, A([0, 1]), None)),
    ((2, 3, 4), (S(None), A([0, 1]), None)),
    ((2, 3, 4), (A([0, 1]), None, A([0, 1]))),
    ((2, 3, 4), mask((2, 3))),
    ((2, 3, 4), (S(None), mask((3, 4)))),
    ((2, 3, 4), (mask((2, 3)), A([0, 1, 3]))),
    ((2, 3, 4), (mask((2, 3), 1), S(None, None, -1))),
    ((2, 3, 4), (S(None), mask(3), 1)),
    ((2, 3, 4), (A([[1], [0]]), S(None), A([[0, 1, 2]]))),
    ((2, 3, 4), (S(1, None), A([2, 0]), S(None, None, -2))),
    ((2, 3, 4), (A([1, 0, 1]), A([[2], [0]]), A([3]))),
    ((2, 3, 4), (Ellipsis, mask(4))),
    ((2, 3, 4), (True, Ellipsis, A([1, 2]))),
    ((2, 3, 4, 5), (0, S(None), A([0, 1]), S(None, None, -1))),
    ((2, 3, 4, 5), (A([0, 1]), Ellipsis, A([1, 2]))),
    ((2, 3, 4, 5), (None, A([1]), S(None), A([[0], [1]]), 0)),
    ((2, 3, 4, 5), (S(None), A([0, 2]), A([1, 3]), S(1, 4))),
    ((2, 3, 4, 5), (S(None), A([0, 2]), S(None), A([1, 3]))),
    ((2, 3, 4, 5), (1, mask((3, 4)), 2)),
    ((2, 3, 4, 5), (Ellipsis, S(None, None, 2), 1)),
    ((2, 3, 4, 5), (mask((2, 3, 4, 5)),)),
    ((2, 3, 4, 5), (S(None), S(None), S(None), S(None), None)),
]


def _ids(cases):
    return [f"{s}-{k!r}" for s, k in cases]


def _data(shape, dtype="float64"):
    return xp.rand(shape, dtype)


@pytest.mark.parametrize("shape,key", CASES, ids=_ids(CASES))
def test_getitem(shape, key):
    a = _data(shape)
    xp.check(lambda m, a: a[conv(m, key)], a)


@pytest.mark.parametrize("shape,key", CASES, ids=_ids(CASES))
def test_setitem_scalar(shape, key):
    a = _data(shape)

    def body(m, a):
        a = a.copy()
        a[conv(m, key)] = 7.5
        return a

    xp.check(body, a)


@pytest.mark.parametrize("shape,key", CASES, ids=_ids(CASES))
def test_setitem_array(shape, key):
    a = _data(shape)
    res_shape = numpy.asarray(a[conv(numpy, key)]).shape
    v = xp.rand(res_shape, "float64", seed=3)
    # A value missing leading dimensions broadcasts.
    v2 = xp.rand(res_shape[1:], "float64", seed=4)

    def body(m, a, v):
        a = a.copy()
        a[conv(m, key)] = v
        return a

    xp.check(body, a, v)
    xp.check(body, a, v2)


@pytest.mark.parametrize("shape,key", CASES, ids=_ids(CASES))
def test_strided_views(shape, key):
    # The same keys on a view with negative, non-unit strides.
    if not shape:
        pytest.skip("a 0-d array has no strides to vary")
    big = _data(tuple(2 * n for n in shape))
    rev = tuple(S(None, None, -2) for _ in shape)
    xp.check(lambda m, b: b[rev][conv(m, key)], big)
    v = xp.rand(numpy.asarray(big[rev][conv(numpy, key)]).shape, "float64", 6)

    def body(m, b, v):
        b = b.copy()
        b[rev][conv(m, key)] = v
        return b

    xp.check(body, big, v)


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize(
    "key",
    [
        1,
        (S(None), S(None, None, -2)),
        A([2, 0, 2]),
        (A([0, 2]), A([1, 0])),
        mask((3, 4)),
        (0, 1),
    ],
    ids=repr,
)
def test_dtypes(dtype, key):
    a = xp.rand((3, 4), dtype)
    xp.check(lambda m, a: a[conv(m, key)], a)
    v = xp.rand(numpy.asarray(a[conv(numpy, key)]).shape, dtype, seed=5)

    def body(m, a, v):
        a = a.copy()
        a[conv(m, key)] = v
        return a

    xp.check(body, a, v)


@pytest.mark.parametrize("dtype", xp.ALL)
def test_element_is_numpy_scalar(dtype):
    a = xp.rand((3, 4), dtype)
    xp.assert_scalar_like(arrax.asarray(a)[1, 2], a[1, 2])
    r = arrax.asarray(a)[arrax.asarray(numpy.array(1)), -1]
    xp.assert_scalar_like(r, a[1, -1])
    assert isinstance(arrax.asarray(a)[1, ...], arrax.ndarray)


@pytest.mark.parametrize(
    "key",
    [
        [0, 2],
        [[0, 1], [1, 2]],
        [True, False, True],
        [],
        (numpy.array([0, 1]), 1),
        numpy.array([2, 0]),
        numpy.array([True, False, False]),
        ([1, 2], [0, 0]),
    ],
    ids=repr,
)
def test_lists_and_numpy_indices(key):
    a = _data((3, 4))
    xp.check(lambda m, a: a[key], a)


def test_view_semantics():
    base = numpy.arange(24.0).reshape(4, 6)
    a = arrax.asarray(base.copy())
    b = a[1:3, ::2]
    b[0, 1] = -5
    c = a[..., 1]
    c[3] = 99
    expected = base.copy()
    expected[1:3, ::2][0, 1] = -5
    expected[..., 1][3] = 99
    xp.assert_close(xp.to_numpy(a), expected)
    assert b._shares_storage(a)
    # Advanced indexing copies.
    d = a[[0, 1]]
    d[0, 0] = 1234
    assert xp.to_numpy(a)[0, 0] == expected[0, 0]
    assert not d._shares_storage(a)


def test_overlapping_assignment():
    for src, dst in [
        (S(None, -1), S(1, None)),
        (S(1, None), S(None, -1)),
        (S(None, None, -1), S(None)),
    ]:

        def body(m, a):
            a = a.copy()
            a[dst] = a[src]
            return a

        xp.check(body, numpy.arange(10.0))

    def fancy(m, a):
        a = a.copy()
        a[[1, 2, 3]] = a[:3]
        return a

    xp.check(fancy, numpy.arange(10.0))


def test_repeated_indices_last_wins():
    def body(m, a):
        a = a.copy()
        a[[0, 0, 1, 0]] = m.asarray(numpy.array([1.0, 2.0, 3.0, 4.0]))
        return a

    xp.check(body, numpy.zeros(3))

    # Large enough for the parallel scatter path.
    rng = numpy.random.default_rng(0)
    idx = rng.integers(0, 1000, size=200_000)
    vals = rng.random(200_000)

    def big(m, a, idx, vals):
        a = a.copy()
        a[idx] = vals
        return a

    xp.check(big, numpy.zeros(1000), idx, vals)

    # Two index arrays: the parallel scatter over precomputed offsets.
    i2, j2 = rng.integers(0, 30, size=(2, 200_000))
    xp.check(
        lambda m, a, i, j, v: _assign(a, (i, j), v), numpy.zeros((30, 30)), i2, j2, vals
    )


def _assign(a, key, v):
    a = a.copy()
    a[key] = v
    return a


def test_setitem_casting():
    def body(m, a):
        a = a.copy()
        a[...] = 1.5
        a[0] = 2.9
        a[1:] = m.asarray(numpy.array([-3.7, 4.2]))
        return a

    xp.check(body, numpy.zeros(3, numpy.int32))
    xp.check(body, numpy.zeros(3, numpy.bool_))

    def lists(m, a):
        a = a.copy()
        a[:, 0] = [7, 8]
        a[[0, 1], 1:] = [[1], [2]]
        return a

    xp.check(lists, numpy.zeros((2, 3), numpy.int8))


def test_setitem_errors():
    def overflow(m, a):
        a[0] = 300

    xp.check(overflow, numpy.zeros(3, numpy.uint8))

    def negative(m, a):
        a[0] = -1

    xp.check(negative, numpy.zeros(3, numpy.uint8))

    def bad_shape(m, a):
        a[:2] = m.asarray(numpy.ones(3))

    xp.check(bad_shape, numpy.zeros(3))

    def bad_fancy_shape(m, a):
        a[[0, 1]] = m.asarray(numpy.ones(3))

    xp.check(bad_fancy_shape, numpy.zeros(3))

    def complex_into_real(m, a):
        a[0] = 1j

    xp.check(complex_into_real, numpy.zeros(3))

    def oob(m, a):
        a[[0, 5]] = 1

    a = arrax.asarray(numpy.arange(3.0))
    xp.check_raises(IndexError, oob, arrax, a)
    assert xp.to_numpy(a).tolist() == [0.0, 1.0, 2.0]  # untouched


ERRORS = [
    ((3,), 5),
    ((3,), -4),
    ((3,), A([0, 3])),
    ((3,), A([-4])),
    ((3, 4), (1, 4)),
    ((3, 4), (S(None), A([[4]]))),
    ((3,), (0, 1)),
    ((), 0),
    ((3,), (Ellipsis, Ellipsis)),
    ((3,), 1.0),
    ((3,), A([1.0])),
    ((3,), "a"),
    ((3,), [1.0]),
    ((3,), mask(4)),
    ((3, 4), mask((3, 3))),
    ((3, 4), mask((3, 4, 1))),
    ((3, 4), (A([0, 1]), A([0, 1, 2]))),
    ((3,), S(None, None, 0)),
    ((3,), 2**70),
    ((0,), 0),
    ((0,), A([0])),
    ((3,), [[0, 1], [S(1)]]),
    ((3,), [None]),
    ((3,), (0.5,)),
]


def test_non_numeric_index_array():
    a = _data((3,))
    xp.check(lambda m, a: a[numpy.array(["a"])], a)


@pytest.mark.parametrize("shape,key", ERRORS, ids=_ids(ERRORS))
def test_errors(shape, key):
    a = _data(shape)
    exc, _ = xp.check(lambda m, a: a[conv(m, key)], a)
    assert isinstance(exc, Exception)

    def body(m, a):
        a[conv(m, key)] = 1

    xp.check(body, a)


def test_error_message():
    a = arrax.asarray(numpy.arange(3))
    e = xp.check_raises(IndexError, lambda: a[5])
    assert str(e) == "[getitem] index 5 is out of bounds for axis 0 with size 3"
    e = xp.check_raises(IndexError, lambda: a[0, 0])
    assert "too many indices for array" in str(e)


# ---- hypothesis: random valid index tuples ------------------------------


@st.composite
def index_case(draw):
    nd = draw(st.integers(0, 4))
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=nd, max_size=nd)))
    rng = numpy.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    key = []
    dim = 0
    used_ellipsis = False
    # At most two None entries and eight in all: unbounded runs of None
    # (which index no dimension) made Hypothesis's inputs too large.
    while len(key) < 8 and (dim < nd or draw(st.booleans()) and len(key) < 6):
        choices = ["none"] if sum(k is None for k in key) < 2 else []
        if not used_ellipsis:
            choices.append("ellipsis")
        if dim < nd:
            choices += ["slice", "slice", "array", "mask"]
            if shape[dim] > 0:
                choices += ["int", "int"]
        if not choices:
            break
        kind = draw(st.sampled_from(choices))
        if kind == "none":
            key.append(None)
        elif kind == "ellipsis":
            key.append(Ellipsis)
            used_ellipsis = True
            # The ellipsis spans some dimensions; later entries index the
            # last ones.
            dim = draw(st.integers(dim, nd))
        elif kind == "int":
            n = shape[dim]
            key.append(draw(st.integers(-n, n - 1)))
            dim += 1
        elif kind == "slice":
            n = shape[dim]
            part = st.one_of(st.none(), st.integers(-n - 2, n + 2))
            step = draw(st.one_of(st.none(), st.sampled_from([1, 2, 3, -1, -2, -3])))
            key.append(S(draw(part), draw(part), step))
            dim += 1
        elif kind == "array":
            n = shape[dim]
            ishape = draw(st.sampled_from([(2,), (1,), (2, 1), (3,), ()]))
            if n == 0:
                ishape = (0,)
            dt = draw(st.sampled_from(["int64", "int32", "int8", "uint8"]))
            lo = 0 if dt == "uint8" else -n
            v = (
                rng.integers(lo, max(n, 1), size=ishape)
                if n
                else numpy.zeros(ishape, numpy.int64)
            ).astype(dt)
            # As an arrax array, a NumPy array or a nested list.
            form = draw(st.sampled_from(["arrax", "numpy", "list"]))
            key.append(
                A(v)
                if form == "arrax"
                else v
                if form == "numpy"
                else v.tolist()
                if v.ndim
                else int(v)
            )
            dim += 1
        else:
            k = draw(st.integers(1, nd - dim))
            key.append(A(rng.random(shape[dim : dim + k]) < 0.5))
            dim += k
        if dim >= nd and draw(st.booleans()):
            break
    return shape, tuple(key)


@settings(max_examples=400, deadline=None)
@given(index_case())
def test_hypothesis_getitem_setitem(case):
    shape, key = case
    a = _data(shape)
    try:
        expected = a[conv(numpy, key)]
    except IndexError:
        # e.g. index arrays that do not broadcast: arrax must agree.
        xp.check(lambda m, a: a[conv(m, key)], a)
        return
    xp.check(lambda m, a: a[conv(m, key)], a)
    v = xp.rand(numpy.shape(expected), "float64", seed=9)

    def body(m, a, v):
        a = a.copy()
        a[conv(m, key)] = v
        return a

    if not _has_duplicates(key, shape):
        xp.check(body, a, v)

    def body_scalar(m, a):
        a = a.copy()
        a[conv(m, key)] = -1.0
        return a

    xp.check(body_scalar, a)


def _has_duplicates(key, shape):
    # Duplicate targets write in an order NumPy does not document for
    # broadcast multi-array indices; compare only unambiguous ones there.
    a = numpy.arange(int(numpy.prod(shape))).reshape(shape)
    sel = numpy.asarray(a[conv(numpy, key)]).ravel()
    return len(numpy.unique(sel)) != len(sel)


# ---- functions -----------------------------------------------------------


@pytest.mark.parametrize("dtype", xp.ALL)
def test_take(dtype):
    a = xp.rand((3, 4, 5), dtype)
    idx = numpy.array([[0, 2], [-1, 1]])
    xp.check(lambda m, a, i: m.take(a, i), a, idx)
    for axis in (0, 1, 2, -1):
        xp.check(lambda m, a, i: m.take(a, i, axis=axis), a, idx)
    xp.check(lambda m, a: m.take(a, 7), a)
    xp.check(lambda m, a: a.take([1, 3], axis=1), a)
    for mode in ("wrap", "clip"):
        xp.check(lambda m, a: m.take(a, [-7, 3, 9], axis=2, mode=mode), a)
    xp.check(lambda m, a: m.take(a, [5], axis=2), a)  # raises
    xp.check(lambda m, a: m.take(a, [0], axis=3), a)  # AxisError


def test_take_out_and_errors():
    a = numpy.arange(6.0)

    def body(m, a):
        out = m.asarray(numpy.zeros(2, numpy.int32))
        r = m.take(a, [5, 1], out=out)
        assert r is out
        return out

    xp.check(body, a)
    xp.check(lambda m, a: m.take(a, [0], mode="bad"), a)
    xp.check(
        lambda m, a: m.take(
            numpy.zeros(0) if m is numpy else m.asarray(numpy.zeros(0)),
            [0],
            mode="wrap",
        ),
        a,
    )


@pytest.mark.parametrize("dtype", xp.ALL)
def test_put(dtype):
    a = xp.rand((3, 4), dtype)
    v = xp.rand((3,), dtype, seed=2)

    def body(m, a, v, mode="raise", ind=(0, -1, 5)):
        a = a.copy()
        m.put(a, list(ind), v, mode=mode)
        return a

    xp.check(body, a, v)
    xp.check(lambda m, a, v: body(m, a, v[:1], ind=(0, 1, 2, 3, 4)), a, v)
    xp.check(lambda m, a, v: body(m, a, v, "wrap", (13, -20, 2)), a, v)
    xp.check(lambda m, a, v: body(m, a, v, "clip", (13, -20, 2)), a, v)
    xp.check(lambda m, a, v: body(m, a, v, "raise", (13,)), a, v)

    def strided(m, a, v):
        a = a.copy()
        m.put(a[:, ::2], [0, -1, 5], v)
        return a

    xp.check(strided, a, v)

    def method(m, a, v):
        a = a.copy()
        a.put([1, 2], v[:2])
        return a

    xp.check(method, a, v)


@pytest.mark.parametrize("dtype", xp.ALL)
def test_take_put_along_axis(dtype):
    a = xp.rand((3, 4, 2), dtype)
    idx = numpy.random.default_rng(1).integers(-4, 4, size=(3, 6, 2))
    xp.check(lambda m, a, i: m.take_along_axis(a, i, axis=1), a, idx)
    idx0 = numpy.random.default_rng(2).integers(0, 3, size=(1, 4, 1))
    xp.check(lambda m, a, i: m.take_along_axis(a, i, axis=0), a, idx0)
    xp.check(
        lambda m, a: m.take_along_axis(
            a,
            numpy.array([0, -1, 23])
            if m is numpy
            else m.asarray(numpy.array([0, -1, 23])),
            axis=None,
        ),
        a,
    )
    v = xp.rand((3, 1, 2), dtype, seed=7)
    idx2 = numpy.array([[[0, 1]], [[3, 3]], [[2, 0]]])

    def body(m, a, i, v, axis=1):
        a = a.copy()
        m.put_along_axis(a, i, v, axis=axis)
        return a

    xp.check(body, a, idx2, v)
    xp.check(
        lambda m, a: m.take_along_axis(
            a,
            numpy.zeros((3, 1, 2)) if m is numpy else m.asarray(numpy.zeros((3, 1, 2))),
            axis=1,
        ),
        a,
    )
    xp.check(
        lambda m, a: m.take_along_axis(
            a,
            numpy.zeros((3, 1), int)
            if m is numpy
            else m.asarray(numpy.zeros((3, 1), int)),
            axis=1,
        ),
        a,
    )


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 4), (0, 3)])
def test_nonzero_family(dtype, shape):
    a = xp.rand(shape, dtype, low=-1, high=2)
    keep = xp.rand(shape, "float64", seed=1) > 0.5
    a = numpy.where(keep, a, numpy.zeros((), a.dtype)).astype(a.dtype)
    xp.check(lambda m, a: m.nonzero(a), a)
    xp.check(lambda m, a: a.nonzero(), a)
    xp.check(lambda m, a: m.where(a), a)
    xp.check(lambda m, a: m.argwhere(a), a)
    xp.check(lambda m, a: m.flatnonzero(a), a)


def test_nonzero_complex_imaginary_only():
    a = numpy.array([0j, 1j, 1 + 0j, 0j], numpy.complex64)
    xp.check(lambda m, a: m.nonzero(a), a)
    xp.check(lambda m, a: m.flatnonzero(a), a.astype(numpy.complex128))


def test_nonzero_zero_d_and_large():
    xp.check(lambda m, a: m.nonzero(a), numpy.array(3.0))
    xp.check(lambda m, a: m.argwhere(a), numpy.array(3.0))
    xp.check(lambda m, a: m.argwhere(a), numpy.array(0.0))
    big = numpy.random.default_rng(0).random((300, 1000)) < 0.3
    xp.check(lambda m, a: m.nonzero(a), big)
    xp.check(lambda m, a, b: a[b], numpy.arange(300_000.0).reshape(300, 1000), big)


def test_where():
    c = numpy.array([True, False, True])
    xp.check(lambda m, c: m.where(c, 1.0, 2), c)
    xp.check(lambda m, c: m.where(c, 1.0), c)


@pytest.mark.parametrize("dtype", xp.ALL)
def test_compress_extract_place(dtype):
    a = xp.rand((3, 4), dtype)
    cond = numpy.array([True, False, True])
    xp.check(lambda m, a, c: m.compress(c, a, axis=0), a, cond)
    xp.check(lambda m, a: m.compress([0, 1, 1], a, axis=1), a)
    xp.check(lambda m, a: m.compress([1, 0, 1, 1, 1], a), a)
    xp.check(lambda m, a: a.compress([1, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]), a)
    xp.check(lambda m, a: m.compress([[1]], a), a)
    m2 = numpy.random.default_rng(3).random((3, 4)) < 0.5
    xp.check(lambda m, a, c: m.extract(c, a), a, m2)
    v = xp.rand((3,), dtype, seed=3)

    def place(m, a, c, v):
        a = a.copy()
        m.place(a, c, v)
        return a

    xp.check(place, a, m2, v)

    def strided(m, a, c, v):
        a = a.copy()
        m.place(a[:, ::2], c[:, ::2], v)
        return a

    xp.check(strided, a, m2, v)
    xp.check(lambda m, a, c, v: place(m, a, c, v[:0]), a, m2, v)
    xp.check(lambda m, a, c, v: place(m, a, c[:2], v), a, m2, v)


@pytest.mark.parametrize("dtype", xp.ALL)
def test_choose(dtype):
    choices = [xp.rand((3, 4), dtype, seed=s) for s in range(3)]
    idx = numpy.random.default_rng(4).integers(0, 3, size=(3, 4))
    xp.check(lambda m, i, c0, c1, c2: m.choose(i, [c0, c1, c2]), idx, *choices)
    xp.check(lambda m, i, c0, c1, c2: i.choose([c0, c1, c2]), idx, *choices)
    bad = idx + 2
    xp.check(lambda m, i, c0, c1, c2: m.choose(i, [c0, c1, c2]), bad, *choices)
    for mode in ("wrap", "clip"):
        xp.check(
            lambda m, i, c0, c1, c2: m.choose(i, [c0, c1, c2], mode=mode),
            bad - 3,
            *choices,
        )
    xp.check(lambda m, c0: m.choose([0, 1, 1], [c0[0, :3], c0[1, 0]]), choices[0])
    xp.check(lambda m, i: m.choose(i, [[1], [2]]), idx.astype(float))


@pytest.mark.parametrize("dtype", ["int8", "float32", "complex64", "bool"])
def test_select(dtype):
    x = xp.rand((6,), dtype)
    c1 = numpy.array([True, False, True, False, False, True])
    c2 = numpy.array([True, True, False, False, True, False])
    xp.check(lambda m, x, c1, c2: m.select([c1, c2], [x, x[::-1]]), x, c1, c2)
    xp.check(lambda m, x, c1, c2: m.select([c1, c2], [x, 2], default=1), x, c1, c2)
    xp.check(lambda m, x, c1: m.select([c1], [x, x]), x, c1)
    xp.check(lambda m, x: m.select([], []), x)
    xp.check(lambda m, x, c: m.select([c], [x]), x, c1.astype(numpy.int64))


def test_iter_and_contains():
    a = numpy.arange(12.0).reshape(3, 4)
    xp.check(lambda m, a: list(a), a)
    xp.check(lambda m, a: [list(r) for r in a], a)
    xp.check(lambda m, a: iter(a), numpy.array(1.0))
    b = arrax.asarray(a)
    assert 5.0 in b and 100 not in b
    assert 3 in arrax.asarray(numpy.arange(4, dtype=numpy.uint8))


@pytest.mark.parametrize("dtype", xp.ALL)
def test_setitem_python_scalars_all_dtypes(dtype):
    a = xp.rand((3, 4), dtype)
    m2 = numpy.random.default_rng(5).random((3, 4)) < 0.5

    def body(m, a, mk):
        a = a.copy()
        a[1, 2] = 3
        a[0] = True
        a[[2, 0], 1:3] = 2.5
        a[mk] = 1
        a[-1, ::-2] = False
        if a.dtype.kind == "c":
            a[2, 3] = 1 + 2j
        return a

    xp.check(body, a, m2)

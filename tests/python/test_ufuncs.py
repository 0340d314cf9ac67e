"""The ufunc table against NumPy: one registry row per ufunc drives the
value, dtype and shape tests over every dtype (NumPy decides which dtypes
are errors: arrax must raise the same exception type)."""

import math

import ml_dtypes
import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arrax
import xp

pytestmark = pytest.mark.filterwarnings("ignore")

# name -> input domain: (low, high) per input, and flags.
#   nonzero: no zeros in the second input (integer division)
#   shift: second input a valid shift count
#   exponent: second input small and non-negative
R = dict
UFUNCS = {
    "add": R(), "subtract": R(), "multiply": R(),
    "divide": R(nonzero=True), "floor_divide": R(nonzero=True),
    "remainder": R(nonzero=True), "fmod": R(nonzero=True),
    "divmod": R(nonzero=True),
    "power": R(low=0, high=4, exponent=True),
    "float_power": R(low=0.1, high=4, exponent=True),
    "negative": R(), "positive": R(), "absolute": R(), "fabs": R(),
    "sign": R(), "reciprocal": R(nonzero=True), "square": R(),
    "conjugate": R(),
    "equal": R(low=-2, high=2), "not_equal": R(low=-2, high=2),
    "less": R(low=-2, high=2), "less_equal": R(low=-2, high=2),
    "greater": R(low=-2, high=2), "greater_equal": R(low=-2, high=2),
    "logical_and": R(low=-1, high=1), "logical_or": R(low=-1, high=1),
    "logical_xor": R(low=-1, high=1), "logical_not": R(low=-1, high=1),
    "bitwise_and": R(), "bitwise_or": R(), "bitwise_xor": R(),
    "invert": R(), "left_shift": R(shift=True), "right_shift": R(shift=True),
    "exp": R(), "exp2": R(), "expm1": R(),
    "log": R(low=0.1, high=9), "log2": R(low=0.1, high=9),
    "log10": R(low=0.1, high=9), "log1p": R(low=0, high=9),
    "sqrt": R(low=0, high=9), "cbrt": R(),
    "logaddexp": R(), "logaddexp2": R(), "ldexp": R(),
    "sin": R(), "cos": R(), "tan": R(low=-1.2, high=1.2),
    "arcsin": R(low=-0.9, high=0.9), "arccos": R(low=-0.9, high=0.9),
    "arctan": R(), "arctan2": R(), "hypot": R(),
    "sinh": R(), "cosh": R(), "tanh": R(), "arcsinh": R(),
    "arccosh": R(low=1.1, high=9), "arctanh": R(low=-0.9, high=0.9),
    "deg2rad": R(), "rad2deg": R(), "degrees": R(), "radians": R(),
    "floor": R(), "ceil": R(), "trunc": R(), "rint": R(),
    "maximum": R(), "minimum": R(), "fmax": R(), "fmin": R(),
    "isnan": R(), "isinf": R(), "isfinite": R(), "signbit": R(),
    "copysign": R(), "nextafter": R(), "heaviside": R(),
}


def test_registry_covers_the_table():
    names = set(arrax._core.ufunc_names()) - {"clip"}
    assert names == set(UFUNCS)


def _rand(shape, dtype, row, which, seed=0):
    dt = xp.npdtype(dtype)
    low, high = row.get("low", -5), row.get("high", 5)
    if which == 1 and row.get("shift"):
        low, high = 0, 7
    if which == 1 and row.get("exponent"):
        low, high = 0, 3
    if dt.kind in "iu":
        low, high = math.ceil(low), math.floor(high)
        if low == high:
            high = low + 1
    elif dt.kind == "b":
        low, high = None, None
    return xp.rand(shape, dtype, seed=seed + which, low=low, high=high,
                   nonzero=which == 1 and row.get("nonzero", False))


def _inputs(name, dtype, shapes=((3, 4), (4,))):
    u = getattr(numpy, name)
    row = UFUNCS[name]
    args = [_rand(shapes[min(i, len(shapes) - 1)], dtype, row, i)
            for i in range(u.nin)]
    if name == "ldexp":
        args[1] = xp.rand(shapes[-1], "int32", low=-3, high=3)
    return args


def _call(name):
    return lambda m, *args: getattr(m, name)(*args)


def check_bf16(fn, *args, rtol=None):
    """bfloat16: the reference is NumPy in float32, rounded to bfloat16."""
    try:
        expected = xp.bf16_reference(fn, *args)
    except Exception as exc:  # noqa: BLE001 - mirrored below
        xp.check_raises(xp.builtin_type(exc), fn, arrax, *(xp.to_arrax(a) for a in args))
        return
    actual = fn(arrax, *(xp.to_arrax(a) for a in args))
    if isinstance(expected, tuple):
        expected = tuple(e.astype(xp.bfloat16) if e.dtype == numpy.float32
                         else e for e in expected)
    xp.assert_close(xp.to_numpy(actual), expected, rtol=rtol)


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("name", sorted(UFUNCS))
def test_values_dtypes_shapes(name, dtype):
    args = _inputs(name, dtype)
    if dtype == "bfloat16":
        check_bf16(_call(name), *args)
    else:
        xp.check(_call(name), *args)


@pytest.mark.parametrize("name", ["add", "sqrt", "less", "divmod", "exp"])
def test_noncontiguous_and_broadcast(name):
    u = getattr(numpy, name)
    a = _rand((6, 8), "float64", UFUNCS[name], 0, seed=3)[::2, ::3]
    args = [a] + [_rand((1, 3), "float64", UFUNCS[name], 1)] * (u.nin - 1)
    xp.check(_call(name), *args)


# ---- special values -------------------------------------------------------

SPECIAL = numpy.array([0.0, -0.0, 1.0, -1.0, 2.5, -2.5, numpy.inf, -numpy.inf,
                       numpy.nan, 1e-300, 1e300])


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", sorted(UFUNCS))
def test_special_float_values(name, dtype):
    u = getattr(numpy, name)
    vals = SPECIAL.astype(dtype)
    if u.nin == 1:
        xp.check(_call(name), vals)
    elif name == "ldexp":
        xp.check(_call(name), vals, numpy.arange(-5, 6, dtype=numpy.int64))
    else:
        a = numpy.repeat(vals, len(vals))
        b = numpy.tile(vals, len(vals))
        if name in ("maximum", "minimum", "fmax", "fmin"):
            # Which zero NumPy's SIMD loops pick for max(0, -0) varies.
            keep = ~((a == 0) & (b == 0))
            a, b = a[keep], b[keep]
        xp.check(_call(name), a, b)


@pytest.mark.parametrize("dtype", xp.INTS)
@pytest.mark.parametrize(
    "name", ["floor_divide", "remainder", "fmod", "divmod", "multiply",
             "add", "subtract", "power", "left_shift", "right_shift"])
def test_integer_edge_values(name, dtype):
    info = numpy.iinfo(dtype)
    vals = numpy.array(sorted({info.min, info.min + 1, -1 if info.min else 0,
                               0, 1, 2, 7, 8, 31, 63, 64, info.max}),
                       dtype=numpy.int64 if info.min else numpy.uint64)
    vals = vals[(vals >= info.min) & (vals <= info.max)].astype(dtype)
    a = numpy.repeat(vals, len(vals))
    b = numpy.tile(vals, len(vals))
    if name == "power" and info.min:
        b = numpy.abs(b).astype(dtype)
        b[b < 0] = 0
    xp.check(_call(name), a, b)


@pytest.mark.parametrize("dtype", xp.SIGNED)
def test_int_min_floor_divide_minus_one_wraps(dtype):
    a = numpy.array([numpy.iinfo(dtype).min], dtype)
    b = numpy.array([-1], dtype)
    xp.check(lambda m, a, b: m.floor_divide(a, b), a, b)
    xp.check(lambda m, a, b: m.remainder(a, b), a, b)


@pytest.mark.parametrize("dtype", xp.COMPLEX)
@pytest.mark.parametrize(
    "name", ["sign", "maximum", "minimum", "fmax", "fmin", "less", "greater",
             "less_equal", "greater_equal", "equal", "absolute", "isnan",
             "isinf", "isfinite", "divide", "multiply", "power", "square",
             "reciprocal", "rint", "conjugate"])
def test_complex_special(name, dtype):
    parts = [0.0, 1.0, -1.0, numpy.nan, numpy.inf]
    vals = numpy.array([complex(r, i) for r in parts for i in parts], dtype)
    u = getattr(numpy, name)
    if u.nin == 1:
        xp.check(_call(name), vals)
    else:
        a = numpy.repeat(vals, len(vals))
        b = numpy.tile(vals, len(vals))
        if name == "power":
            b = numpy.tile(numpy.array([0, 1, 2, 3, -2, 0.5], dtype),
                           len(vals))
            a = numpy.repeat(vals, 6)
            ok = numpy.isfinite(a) & (a != 0)
            a, b = a[ok], b[ok]
        xp.check(_call(name), a, b, rtol=1e-5 if dtype == "complex64" else 1e-10)


# ---- NumPy's result-dtype rules named in the issue ---------------------------

@pytest.mark.parametrize("expr", [
    lambda m: m.sqrt(numpy.int8(3) * numpy.ones(2, numpy.int8)),
    lambda m: m.divide(numpy.ones(2, numpy.int8), numpy.ones(2, numpy.int8)),
    lambda m: m.floor_divide(numpy.ones(2, bool), numpy.ones(2, bool)),
    lambda m: m.absolute(numpy.ones(2, numpy.complex64)),
    lambda m: m.subtract(numpy.ones(2, bool), numpy.ones(2, bool)),
    lambda m: m.negative(numpy.ones(2, bool)),
    lambda m: m.bitwise_and(numpy.ones(2), numpy.ones(2)),
    lambda m: m.power(numpy.arange(3), -1),
    lambda m: m.power(numpy.arange(3), numpy.array([1, -1, 2])),
    lambda m: m.ldexp(numpy.ones(2, numpy.float16), numpy.arange(2)),
    lambda m: m.ldexp(numpy.ones(2, numpy.float32), 3),
    lambda m: m.ldexp(numpy.ones(2, numpy.float32), numpy.ones(2)),
    lambda m: m.ldexp(numpy.ones(2, numpy.float32),
                      numpy.ones(2, numpy.uint64)),
    lambda m: m.heaviside(numpy.array([-1.0, 0.0, 2.0]), 0.5),
    lambda m: m.signbit(numpy.array([-1, 0], numpy.int16)),
    lambda m: m.rint(numpy.array([1, 2], numpy.int32)),
    lambda m: m.floor(numpy.array([1, 2], numpy.int32)),
    lambda m: m.fabs(numpy.ones(2, numpy.complex64)),
])
def test_result_dtype_rules(expr):
    xp.check(lambda m: expr(numpy if m is numpy else _ArraxNp()))


class _ArraxNp:
    """Runs an expression written over NumPy arrays with arrax ufuncs."""

    def __getattr__(self, name):
        f = getattr(arrax, name)

        def call(*args, **kw):
            return f(*(xp.to_arrax(a) for a in args), **kw)

        return call


# ---- weak scalars ----------------------------------------------------------

@pytest.mark.parametrize("scalar", [2, -1, 2.5, 1j, True, 300])
@pytest.mark.parametrize("dtype", ["int8", "uint8", "int64", "float16",
                                   "float32", "complex64", "bool"])
@pytest.mark.parametrize("name", ["add", "multiply", "power", "less",
                                  "equal", "maximum", "floor_divide",
                                  "arctan2", "bitwise_and", "heaviside"])
def test_weak_scalar_promotion(name, dtype, scalar):
    a = xp.rand((5,), dtype, low=1, high=3)
    xp.check(lambda m, a: getattr(m, name)(a, scalar), a)
    xp.check(lambda m, a: getattr(m, name)(scalar, a), a)


@pytest.mark.parametrize("dtype", ["uint8", "int8", "uint64", "int16"])
@pytest.mark.parametrize("scalar", [-1, 1000, -1000, 2**64 - 1])
def test_comparison_with_out_of_range_int(dtype, scalar):
    a = xp.rand((5,), dtype)
    for op in ["less", "less_equal", "greater", "greater_equal", "equal",
               "not_equal"]:
        xp.check(lambda m, a: getattr(m, op)(a, scalar), a)
        xp.check(lambda m, a: getattr(m, op)(scalar, a), a)


# ---- out=, where=, dtype=, casting= ------------------------------------------

def test_out_where_dtype_casting():
    a = xp.rand((3, 4), "float64")
    b = xp.rand((4,), "float64", seed=1)

    def with_out(m, a, b):
        o = m.asarray(numpy.zeros((3, 4)))
        r = m.add(a, b, out=o)
        assert r is o
        return o

    xp.check(with_out, a, b)

    def with_where(m, a, b):
        o = m.asarray(numpy.full((3, 4), 7.0))
        mask = m.asarray(numpy.array([True, False, True, False]))
        m.multiply(a, b, out=o, where=mask)
        return o

    xp.check(with_where, a, b)
    xp.check(lambda m, a, b: m.add(a, b, dtype=numpy.float32), a, b)
    xp.check(lambda m, a: m.sqrt(a, dtype=numpy.float32), numpy.abs(a))
    ints = xp.rand((4,), "int64")
    xp.check(lambda m, a: m.add(a, a, out=m.asarray(numpy.zeros(4, numpy.int8))),
             ints)
    xp.check(lambda m, a: m.add(a, a, out=m.asarray(numpy.zeros(4, numpy.int8)),
                                casting="unsafe"), ints)
    xp.check(lambda m, a: m.add(a, 1.5, dtype=numpy.int64, casting="safe"),
             ints)

    def divmod_out(m, a, b):
        q = m.asarray(numpy.zeros((3, 4)))
        r = m.asarray(numpy.zeros((3, 4)))
        m.divmod(a, b, out=(q, r))
        return q, r

    xp.check(divmod_out, a, b)


# ---- broadcasting (hypothesis) -----------------------------------------------

@settings(max_examples=30, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4,
                                                 max_side=4),
       name=st.sampled_from(["add", "subtract", "hypot", "maximum", "less",
                             "logaddexp", "copysign", "arctan2"]))
def test_broadcasting_binary(shapes, name):
    a = xp.rand(shapes.input_shapes[0], "float32")
    b = xp.rand(shapes.input_shapes[1], "float32", seed=1)
    xp.check(_call(name), a, b)


@settings(max_examples=20, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3,
                                                 max_side=4))
def test_broadcasting_clip(shapes):
    a, lo, hi = (xp.rand(s, "float64", seed=i)
                 for i, s in enumerate(shapes.input_shapes))
    xp.check(lambda m, a, lo, hi: m.clip(a, lo, hi), a, lo, hi)


# ---- operators ---------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["int16", "uint8", "float32", "bool"])
def test_operators(dtype):
    a = xp.rand((6,), dtype, low=1, high=5)
    b = xp.rand((6,), dtype, seed=1, low=1, high=5)
    ops = [
        lambda m, a, b: a // b, lambda m, a, b: a % b, lambda m, a, b: a ** b,
        lambda m, a, b: a << b, lambda m, a, b: a >> b,
        lambda m, a, b: a & b, lambda m, a, b: a | b, lambda m, a, b: a ^ b,
        lambda m, a, b: a != b, lambda m, a, b: a <= b,
        lambda m, a, b: a > b, lambda m, a, b: a >= b,
        lambda m, a, b: abs(a), lambda m, a, b: ~a,
        lambda m, a, b: divmod(a, b), lambda m, a, b: divmod(3, b),
        lambda m, a, b: 7 // b, lambda m, a, b: 2 ** b,
    ]
    for op in ops:
        xp.check(op, a, b)


def test_inplace_operators():
    def body(m, a, b):
        a = a.copy()
        a //= b
        a %= 7
        a <<= 1
        a |= b
        return a

    xp.check(body, xp.rand((5,), "int32", nonzero=True),
             xp.rand((5,), "int32", seed=2, low=1, high=4))


# ---- ufunc objects and methods --------------------------------------------------

def test_ufunc_attributes():
    for name in UFUNCS:
        u, n = getattr(arrax, name), getattr(numpy, name)
        assert isinstance(u, arrax.ufunc)
        assert u.__name__ == n.__name__
        assert (u.nin, u.nout, u.nargs) == (n.nin, n.nout, n.nargs)
        assert repr(u) == repr(n)
        assert u.signature is None
        assert u.identity == n.identity, name
        assert u.ntypes == len(u.types) > 0
    assert arrax.abs is arrax.absolute
    assert arrax.true_divide is arrax.divide
    assert arrax.mod is arrax.remainder
    assert arrax.bitwise_not is arrax.invert
    assert arrax.conj is arrax.conjugate
    assert "ff->f" in arrax.add.types


@pytest.mark.parametrize("dtype", ["int8", "uint16", "float32", "float64",
                                   "bool", "complex64"])
@pytest.mark.parametrize("name", ["add", "multiply", "maximum", "minimum",
                                  "fmax", "logical_and", "logical_or",
                                  "bitwise_xor", "subtract", "logaddexp",
                                  "hypot", "divide", "equal"])
def test_reduce(name, dtype):
    a = xp.rand((3, 4, 5), dtype, low=1, high=3)
    for axis in [0, 1, 2, -1, None, (0, 2)]:
        xp.check(lambda m, a: getattr(m, name).reduce(a, axis=axis), a)
    xp.check(lambda m, a: getattr(m, name).reduce(a, axis=1, keepdims=True),
             a)


def test_reduce_options():
    a = xp.rand((3, 4), "float64")
    xp.check(lambda m, a: m.add.reduce(a, initial=10.0), a)
    xp.check(lambda m, a: m.subtract.reduce(a, axis=1, initial=10.0), a)
    xp.check(lambda m, a: m.maximum.reduce(a, axis=0, initial=4.0), a)
    mask = numpy.array([True, False, True, True])
    xp.check(lambda m, a: m.add.reduce(a, axis=1, where=m.asarray(mask)), a)
    xp.check(lambda m, a: m.maximum.reduce(a, axis=1, where=m.asarray(mask),
                                           initial=-10.0), a)
    xp.check(lambda m, a: m.maximum.reduce(a, where=m.asarray(mask)), a)
    xp.check(lambda m, a: m.add.reduce(a, dtype=numpy.float32), a)
    xp.check(lambda m, a: m.maximum.reduce(a), a[:0])
    xp.check(lambda m, a: m.add.reduce(a, axis=0), a[:0])
    xp.check(lambda m, a: m.subtract.reduce(a, axis=(0, 1)), a)
    xp.check(lambda m, a: m.add.reduce(a, axis=3), a)
    xp.check(lambda m, a: m.sqrt.reduce(a), a)

    def with_out(m, a):
        o = m.asarray(numpy.zeros(4))
        r = m.add.reduce(a, axis=0, out=o)
        assert r is o
        return o

    xp.check(with_out, a)


@pytest.mark.parametrize("dtype", ["int8", "float32", "float64", "bool",
                                   "complex128"])
@pytest.mark.parametrize("name", ["add", "multiply", "maximum", "subtract",
                                  "logical_or"])
def test_accumulate(name, dtype):
    a = xp.rand((4, 5), dtype, low=1, high=3)
    for axis in [0, 1, -1]:
        xp.check(lambda m, a: getattr(m, name).accumulate(a, axis=axis), a)
    xp.check(lambda m, a: getattr(m, name).accumulate(a), a[:, 0])
    xp.check(lambda m, a: getattr(m, name).accumulate(a, axis=1),
             a[::2, ::-1])


def test_accumulate_long():
    a = xp.rand((10000,), "float64")
    xp.check(lambda m, a: m.add.accumulate(a), a)
    xp.check(lambda m, a: m.maximum.accumulate(a), a)


@pytest.mark.parametrize("name", ["add", "maximum", "multiply"])
def test_reduceat(name):
    a = xp.rand((8, 3), "float64")
    for idx in [[0, 4, 1, 5], [0, 2, 4], [3], [7, 0]]:
        xp.check(lambda m, a: getattr(m, name).reduceat(a, idx), a)
        xp.check(lambda m, a: getattr(m, name).reduceat(a, idx, axis=1),
                 a.T.copy())
    xp.check(lambda m, a: m.add.reduceat(a, [0, 9]), a)


@pytest.mark.parametrize("name", ["add", "multiply", "less", "power",
                                  "divmod", "arctan2"])
def test_outer(name):
    a = xp.rand((3,), "float64", low=0.5, high=2)
    b = xp.rand((2, 2), "float64", seed=1, low=0.5, high=2)
    xp.check(lambda m, a, b: getattr(m, name).outer(a, b), a, b)
    xp.check(lambda m, a: m.sqrt.outer(a, a), a)


def test_at():
    def body(m, a):
        a = a.copy()
        m.add.at(a, m.asarray(numpy.array([0, 0, 1, 3, 0])), 1.0)
        m.multiply.at(a, (m.asarray(numpy.array([2, 2])),), 3.0)
        m.negative.at(a, [4, 4])
        m.maximum.at(a, slice(0, 2), m.asarray(numpy.array([10.0, -10.0])))
        return a

    xp.check(body, xp.rand((6,), "float64"))

    def body2(m, a):
        a = a.copy()
        m.add.at(a, (m.asarray(numpy.array([0, 1, 0])),
                     m.asarray(numpy.array([1, 1, 1]))), 5)
        m.add.at(a, (0, 0), 2)
        return a

    xp.check(body2, xp.rand((2, 3), "int32"))

    def body3(m, a):
        a = a.copy()
        m.add.at(a, [0, 1], 1.7)  # NumPy casts back unsafely
        return a

    xp.check(body3, xp.rand((3,), "int64"))


# ---- functions built on ufuncs ---------------------------------------------------

@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("decimals", [0, 1, 2, -1, -2])
def test_around(dtype, decimals):
    a = xp.rand((7,), dtype, low=-300, high=300)
    if dtype == "bfloat16":
        a = a.astype(numpy.float32).astype(xp.bfloat16)
        check_bf16(lambda m, a: m.round(a, decimals), a)
        return
    rtol = {"float16": 1e-2}.get(dtype)
    xp.check(lambda m, a: m.round(a, decimals), a, rtol=rtol)
    xp.check(lambda m, a: m.around(a, decimals=decimals), a, rtol=rtol)


def test_around_half_even_and_ints():
    xp.check(lambda m, a: m.round(a), numpy.array([0.5, 1.5, 2.5, -0.5, -1.5]))
    xp.check(lambda m, a: m.round(a, -1),
             numpy.array([15, 25, -15, 127, -128], numpy.int8))
    xp.check(lambda m, a: m.round(a, -1), numpy.array([250, 5], numpy.uint8))
    xp.check(lambda m, a: m.round(a, 1), numpy.array([1.25 + 2.35j]))
    assert arrax.round(2.5) == 2.0
    assert type(arrax.round(2.5)) is numpy.float64


@pytest.mark.parametrize("dtype", xp.ALL)
def test_fix(dtype):
    a = xp.rand((7,), dtype)
    if dtype == "bfloat16":
        check_bf16(lambda m, a: m.fix(a), a)
    else:
        xp.check(lambda m, a: m.fix(a), a)


@pytest.mark.parametrize("dtype", xp.ALL)
def test_clip_dtypes(dtype):
    a = xp.rand((3, 4), dtype)
    lo = xp.rand((4,), dtype, seed=1, low=-2, high=0)
    if dtype == "bfloat16":
        check_bf16(lambda m, a, lo: m.clip(a, lo, 2), a, lo)
    else:
        xp.check(lambda m, a, lo: m.clip(a, lo, 2), a, lo)


def test_clip_forms():
    a = xp.rand((10,), "float64")
    xp.check(lambda m, a: m.clip(a, None, 1), a)
    xp.check(lambda m, a: m.clip(a, -1, None), a)
    xp.check(lambda m, a: m.clip(a, None, None), a)
    xp.check(lambda m, a: m.clip(a, min=-1, max=1), a)
    xp.check(lambda m, a: m.clip(a, max=1), a)
    xp.check(lambda m, a: m.clip(a, 1, -1), a)
    xp.check(lambda m, a: m.clip(a, numpy.nan, 1), a)
    xp.check(lambda m, a: m.clip(a), a)
    xp.check(lambda m, a: m.clip(a, 1), a)
    xp.check(lambda m, a: m.clip(a, 0, 1, min=0), a)
    xp.check(lambda m, a: a.clip(-1, 1), a)
    xp.check(lambda m, a: a.clip(max=0), a)
    i8 = xp.rand((10,), "int8")
    xp.check(lambda m, a: m.clip(a, 0, 300), i8)
    xp.check(lambda m, a: m.clip(a, -300, 2), i8)
    xp.check(lambda m, a: m.clip(a, -300, 300), i8)
    xp.check(lambda m, a: m.clip(a, 300, 400), i8)
    xp.check(lambda m, a: m.clip(a, numpy.int16(1), 3), i8)
    xp.check(lambda m, a: m.clip(a, 1.5, 3), i8)

    def with_out(m, a):
        o = m.asarray(numpy.zeros(10))
        r = m.clip(a, -1, 1, out=o)
        assert r is o
        return o

    xp.check(with_out, a)


@pytest.mark.parametrize("dtype", xp.ALL)
def test_real_imag_angle(dtype):
    a = xp.rand((5,), dtype)
    if dtype == "bfloat16":
        check_bf16(lambda m, a: m.angle(a), a)
        check_bf16(lambda m, a: m.angle(a, deg=True), a)
    else:
        xp.check(lambda m, a: m.angle(a), a)
        xp.check(lambda m, a: m.angle(a, deg=True), a)
    xp.check(lambda m, a: m.real(a), a)
    xp.check(lambda m, a: m.imag(a), a)


def test_real_imag_are_views():
    c = arrax.asarray(numpy.array([1 + 2j, 3 + 4j]))
    r = arrax.real(c)
    arrax.copyto(r, 9.0) if hasattr(arrax, "copyto") else r.fill(9.0)
    numpy.testing.assert_array_equal(c._to_numpy(), [9 + 2j, 9 + 4j])
    arrax.imag(c).fill(-1.0)
    numpy.testing.assert_array_equal(c._to_numpy(), [9 - 1j, 9 - 1j])
    assert arrax.real(3) == 3 and arrax.imag(2 + 5j) == 5.0
    assert arrax.angle(1j) == numpy.angle(1j)


# ---- errors ----------------------------------------------------------------------

def test_errors():
    a = arrax.asarray(numpy.ones(3))
    xp.check_raises(TypeError, arrax.add, a)
    xp.check_raises(TypeError, arrax.add, a, a, a, a)
    xp.check_raises(ValueError, arrax.add, a, arrax.asarray(numpy.ones(4)))
    xp.check_raises(TypeError, arrax.add, a, a, bogus=1)
    xp.check_raises(ValueError, arrax.add, a, a,
                    out=arrax.asarray(numpy.ones(4)))
    xp.check_raises(TypeError, arrax.left_shift, a, a)
    xp.check_raises(TypeError, arrax.invert, a)
    xp.check_raises(ValueError, arrax.sqrt.reduce, a)
    xp.check_raises(ValueError, arrax.sqrt.accumulate, a)
    xp.check_raises(ValueError, arrax.maximum.reduce,
                    arrax.asarray(numpy.ones(0)))
    xp.check_raises(IndexError, arrax.add.reduceat, a, [0, 5])
    xp.check_raises(OverflowError, arrax.add,
                    arrax.asarray(numpy.ones(3, numpy.uint8)), -1)
    with pytest.raises(ValueError):
        arrax.clip(a, 0, 1, min=0)
    with pytest.raises(TypeError):
        arrax.clip(a, 0)
    with pytest.raises(ZeroDivisionError):
        divmod(1, 0)  # Python's own, arrax unaffected

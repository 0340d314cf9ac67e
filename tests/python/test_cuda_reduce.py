"""CUDA kernels of the reduction family (Reduce, ArgReduce, Scan, StdSqrt,
ufunc.reduce / accumulate, count_true): device results against NumPy (and
against the CPU backend for bfloat16). Skipped without a GPU."""

import numpy
import pytest

import arrax
import xp

pytestmark = pytest.mark.skipif(not arrax.cuda.is_available(), reason="no GPU")


gpu, cpu = xp.gpu, xp.cpu


def check(fn, *args, rtol=None, atol=None, check_dtype=True):
    """fn on device arrays against NumPy (or the CPU backend for bfloat16,
    which NumPy cannot compute in): the same values, dtype and errors."""
    use_cpu = any(getattr(a, "dtype", None) == xp.bfloat16 for a in args)
    m_ref = arrax if use_cpu else numpy
    ref_args = [cpu(a) if use_cpu else a for a in args]
    try:
        expected = fn(m_ref, *ref_args)
    except Exception as exc:  # noqa: BLE001 - mirrored below
        with pytest.raises(xp.builtin_type(exc)) as info:
            fn(arrax, *(gpu(a) for a in args))
        assert str(info.value).startswith("["), str(info.value)
        return
    actual = fn(arrax, *(gpu(a) for a in args))
    xp.assert_close(xp.to_numpy(actual), xp.to_numpy(expected), rtol, atol,
                    check_dtype)


AXES = [None, 0, 1, -1, (0, 2), (1, 2), (0, 1, 2), ()]
SUMS = ["sum", "prod"]
EXTREMA = ["max", "min"]


def _rtol(dtype, op, n=1):
    if op in ("sum", "nansum", "prod", "nanprod", "mean", "std", "var"):
        base = {"float16": 1e-2, "bfloat16": 5e-2, "float32": 1e-5,
                "complex64": 1e-5}.get(dtype)
        return base
    return None


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("op", SUMS + EXTREMA + ["any", "all"])
@pytest.mark.parametrize("axis", AXES)
def test_reduce_axes(dtype, op, axis):
    if op == "prod" and dtype in ("float16", "bfloat16"):
        a = xp.rand((3, 4, 5), dtype, low=0.5, high=1.5)
    else:
        a = xp.rand((3, 4, 5), dtype)
    check(lambda m, a: getattr(m, op)(a, axis=axis), a, rtol=_rtol(dtype, op))
    check(lambda m, a: getattr(m, op)(a, axis=axis, keepdims=True), a,
          rtol=_rtol(dtype, op))


@pytest.mark.parametrize("dtype", ["int32", "float32", "float64", "float16",
                                   "complex64", "bool", "uint8"])
@pytest.mark.parametrize("op", ["sum", "prod", "max", "min"])
def test_reduce_initial(dtype, op):
    a = xp.rand((4, 6), dtype)
    init = {"bool": True}.get(dtype, 3)
    if op in ("max", "min") and dtype == "complex64":
        pytest.skip("NumPy has no complex initial for max/min comparisons")
    check(lambda m, a: getattr(m, op)(a, axis=1, initial=init), a,
          rtol=_rtol(dtype, op))
    check(lambda m, a: getattr(m, op)(a, initial=init), a,
          rtol=_rtol(dtype, op))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "float16",
                                   "complex128"])
def test_reduce_strided_views(dtype):
    a = xp.rand((12, 10, 9), dtype)
    views = [
        lambda m, a: a.T,
        lambda m, a: a[::2, ::-3],
        lambda m, a: m.swapaxes(a, 0, 1),
        lambda m, a: a[:, 3],
    ]
    for v in views:
        for axis in (None, 0, -1, (0, 1)):
            if axis == (0, 1) and v(numpy, a).ndim < 2:
                continue
            check(lambda m, a: m.sum(v(m, a), axis=axis), a,
                  rtol=_rtol(dtype, "sum"))
            check(lambda m, a: m.max(v(m, a), axis=axis), a)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16",
                                   "complex64", "bfloat16"])
@pytest.mark.parametrize("op", ["max", "min", "nanmax", "nanmin", "nansum",
                                "nanprod", "sum"])
def test_reduce_nan(dtype, op):
    a = xp.rand((6, 7), dtype)
    a[1, 2] = numpy.nan
    a[4, :] = numpy.nan
    if dtype.startswith("complex"):
        a[2, 3] = complex(1.0, numpy.nan)
    for axis in (None, 0, 1):
        if op in ("nanmax", "nanmin"):
            with numpy.errstate(all="ignore"):
                import warnings
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    check(lambda m, a: getattr(m, op)(a, axis=axis), a)
        else:
            check(lambda m, a: getattr(m, op)(a, axis=axis), a,
                  rtol=_rtol(dtype, op))


def test_complex_max_is_lexicographic():
    a = numpy.array([1 + 5j, 2 + 0j, 2 - 1j, 1 + 9j], dtype="complex128")
    check(lambda m, a: m.max(a), a)
    check(lambda m, a: m.min(a), a)


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "complex64"])
def test_reduce_empty(dtype):
    a = numpy.zeros((0, 5), dtype=dtype)
    for op in ("sum", "prod", "any", "all"):
        check(lambda m, a: getattr(m, op)(a, axis=0), a)
        check(lambda m, a: getattr(m, op)(a, axis=1), a)
        check(lambda m, a: getattr(m, op)(a), a)
    check(lambda m, a: m.max(a, axis=0), a)  # raises
    check(lambda m, a: m.max(a, axis=1), a)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int8",
                                   "float16", "complex64", "bool"])
def test_reduce_large(dtype):
    n = 3_000_001
    a = xp.rand((n,), dtype, low=0, high=1)
    wide = {"float32": "float64", "complex64": "complex128"}.get(dtype)

    def check_sum(a, axis=None, view=lambda v: v):
        # NumPy sums a strided axis row by row (sequential rounding: over
        # 750_000 rows its float32 error is ~3e-5, above rtol), the GPU in
        # split partials; so float32/complex64 compare with the correctly
        # rounded sum. float16 rounds every step on both sides (and on the
        # CPU) in the same order, so NumPy is the reference there.
        if wide is None:
            check(lambda m, a: m.sum(view(a), axis=axis), a,
                  rtol=_rtol(dtype, "sum"))
            return
        expected = numpy.sum(view(a).astype(wide), axis=axis).astype(dtype)
        actual = arrax.sum(view(gpu(a)), axis=axis)
        xp.assert_close(xp.to_numpy(actual), expected, _rtol(dtype, "sum"))

    check_sum(a)
    check(lambda m, a: m.max(a), a)
    check(lambda m, a: m.any(a), a)
    b = a[: 3_000_000].reshape(1000, 3000)
    check_sum(b, axis=0)
    check_sum(b, axis=1)
    c = a[: 3_000_000].reshape(750_000, 4)
    check_sum(c, axis=0)
    check(lambda m, a: m.min(a, axis=0), c)
    # Misaligned start (no 16-byte alignment).
    check_sum(a, view=lambda v: v[3:])


def test_large_sum_float32_accuracy():
    a = numpy.ones(1 << 24, dtype="float32")
    assert float(numpy.asarray(arrax.sum(gpu(a)))) == float(1 << 24)


def test_mean_std_var():
    a = xp.rand((40, 30), "float32")
    for f in ("mean", "std", "var", "nanmean", "nanstd", "nanvar"):
        for axis in (None, 0, 1):
            check(lambda m, a: getattr(m, f)(a, axis=axis), a, rtol=1e-5)
    c = xp.rand((40, 30), "complex128")
    check(lambda m, a: m.std(a, axis=0), c)


# ---- arg reductions ----------------------------------------------------------


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_argreduce(dtype, op):
    a = xp.rand((5, 6, 7), dtype)
    for axis in (None, 0, 1, 2, -1):
        check(lambda m, a: getattr(m, op)(a, axis=axis), a)
    check(lambda m, a: getattr(m, op)(a, axis=1, keepdims=True), a)
    check(lambda m, a: getattr(m, op)(a.T, axis=0), a)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16",
                                   "complex64"])
def test_argreduce_nan_and_ties(dtype):
    a = numpy.zeros((8, 9), dtype=dtype)
    a[2, 3] = 1
    a[5, 3] = 1
    a[1, 7] = numpy.nan
    a[6, 7] = numpy.nan
    for op in ("argmax", "argmin", "nanargmax", "nanargmin"):
        for axis in (None, 0, 1):
            check(lambda m, a: getattr(m, op)(a, axis=axis), a)
    b = a.copy()
    b[:, 4] = numpy.nan
    for axis in (0, None):
        check(lambda m, a: m.nanargmax(a, axis=axis), b)
    check(lambda m, a: m.nanargmin(a, axis=0), b)  # all-NaN column: raises


def test_argreduce_large():
    a = xp.rand((4_000_000,), "float32")
    a[3_123_457] = 7.0
    a[3_500_000] = 7.0
    check(lambda m, a: m.argmax(a), a)
    check(lambda m, a: m.argmin(a), a)
    b = a.reshape(2000, 2000)
    check(lambda m, a: m.argmax(a, axis=0), b)
    check(lambda m, a: m.argmax(a, axis=1), b)
    c = a.reshape(1_000_000, 4)
    check(lambda m, a: m.argmin(a, axis=0), c)
    a[1_000_001] = numpy.nan
    check(lambda m, a: m.argmax(a), a)
    check(lambda m, a: m.nanargmax(a), a)


def test_nanargmax_all_nan_raises():
    a = numpy.full((3, 4), numpy.nan, dtype="float32")
    with pytest.raises(ValueError, match=r"^\[nanargmax\] All-NaN"):
        arrax.nanargmax(gpu(a))
    with pytest.raises(ValueError, match=r"^\[nanargmin\] All-NaN"):
        arrax.nanargmin(gpu(a), axis=1)


# ---- scans -----------------------------------------------------------------


@pytest.mark.parametrize("dtype", xp.ALL)
@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
def test_scan(dtype, op):
    if op == "cumprod" and dtype in xp.INEXACT:
        a = xp.rand((4, 5, 6), dtype, low=0.5, high=1.5)
    else:
        a = xp.rand((4, 5, 6), dtype)
    for axis in (None, 0, 1, 2, -1):
        check(lambda m, a: getattr(m, op)(a, axis=axis), a,
              rtol=_rtol(dtype, "sum"))
    check(lambda m, a: getattr(m, op)(a.T, axis=1), a,
          rtol=_rtol(dtype, "sum"))


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64"])
def test_nan_scans(dtype):
    a = xp.rand((7, 9), dtype)
    a[2, 3] = numpy.nan
    for op in ("nancumsum", "nancumprod"):
        for axis in (None, 0, 1):
            check(lambda m, a: getattr(m, op)(a, axis=axis), a, rtol=1e-5)


@pytest.mark.parametrize("dtype", ["int64", "float64", "int32"])
def test_scan_large(dtype):
    a = xp.rand((3_000_003,), dtype, low=0, high=1)
    check(lambda m, a: m.cumsum(a), a)
    b = a[:3_000_000].reshape(1000, 3000)
    check(lambda m, a: m.cumsum(a, axis=0), b)
    check(lambda m, a: m.cumsum(a, axis=1), b)
    c = a[:3_000_000].reshape(750_000, 4)
    check(lambda m, a: m.cumsum(a, axis=0), c)
    d = a[:3_000_000].reshape(4, 750_000)
    check(lambda m, a: m.cumsum(a, axis=1), d)


def test_scan_empty():
    a = numpy.zeros((0, 3), dtype="float32")
    check(lambda m, a: m.cumsum(a, axis=0), a)
    check(lambda m, a: m.cumprod(a, axis=1), a)


# ---- ufunc methods -------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64",
                                   "uint8", "complex128", "float16"])
@pytest.mark.parametrize("ufunc", ["add", "multiply", "subtract", "maximum",
                                   "minimum", "divide",
                                   "bitwise_xor", "logical_and", "fmax"])
def test_ufunc_reduce_accumulate(dtype, ufunc):
    a = xp.rand((5, 6), dtype, nonzero=True)

    def red(m, a, axis):
        return getattr(m, ufunc).reduce(a, axis=axis)

    def acc(m, a, axis):
        return getattr(m, ufunc).accumulate(a, axis=axis)
    rt = 1e-2 if dtype == "float16" else 1e-5
    for axis in (0, 1, -1):
        check(lambda m, a: red(m, a, axis), a, rtol=rt)
        check(lambda m, a: acc(m, a, axis), a, rtol=rt)
    check(lambda m, a: red(m, a, None), a, rtol=rt)
    check(lambda m, a: red(m, a, (0, 1)), a, rtol=rt)


def test_ufunc_reduce_where_initial_large():
    a = xp.rand((3, 4), "float64")
    w = numpy.array([[True, False, True, True]] * 3)
    check(lambda m, a: m.subtract.reduce(a, axis=1, where=w, initial=1.0), a)
    check(lambda m, a: m.add.reduce(a, axis=0, initial=2.0), a)
    big = xp.rand((2_000_000,), "float64")
    check(lambda m, a: m.add.reduce(a), big)
    check(lambda m, a: m.maximum.reduce(a), big)
    # NumPy's running sum is sequential, the GPU's a chunked scan: both
    # err by ~1e-10 near the zero crossings of the running sum, so the
    # absolute tolerance scales with its magnitude, not the element's.
    running = float(numpy.abs(numpy.cumsum(big)).max())
    check(lambda m, a: m.add.accumulate(a), big, atol=1e-12 * running)
    check(lambda m, a: m.maximum.accumulate(a), big)


# ---- count_true / sqrt ---------------------------------------------------------


def test_count_true():
    for n in (0, 1, 15, 16, 17, 1000, 1_000_003):
        m = xp.rand((n,), "bool")
        check(lambda mod, m: mod.count_nonzero(m), m)
        if n > 10:
            check(lambda mod, m: mod.count_nonzero(m[3:]), m)


def test_std_sqrt_dtypes():
    for dt in ("float16", "float32", "float64", "complex64"):
        a = xp.rand((9, 4), dt)
        check(lambda m, a: m.std(a, axis=0), a, rtol=_rtol(dt, "std"))


# ---- fast paths (vector-load argmax rows, split argmax columns, sequential
# scans, per-row float16 rounding, branch-free float extrema) ---------------


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int8",
                                   "uint16", "bool", "complex64",
                                   "complex128"])
def test_argreduce_rows_vectorized(dtype):
    """Contiguous rows read with 16-byte loads in four chains per thread:
    ties across chains and vectors keep the first index, the first NaN
    wins; misaligned starts (a[k:]) take the scalar head."""
    n = 50_021
    a = xp.rand((n,), dtype)
    hi = numpy.array(True if dtype == "bool" else 120, dtype=a.dtype)
    lo = numpy.array(False if dtype == "bool" else
                     0 if dtype.startswith("uint") else -120, dtype=a.dtype)
    for i in (40_000, 7, 33_333, 49_999):  # ties: the first (7) wins
        a[i] = hi
    for i in (45_000, 9, 20_000):
        a[i] = lo
    for k in range(5):
        for op in ("argmax", "argmin"):
            check(lambda m, a: getattr(m, op)(a[k:]), a)
    rows = xp.rand((300, 1027), dtype)
    rows[:, 500] = hi
    rows[:, 900] = hi
    rows[::3, 17] = hi
    for op in ("argmax", "argmin"):
        check(lambda m, a: getattr(m, op)(a, axis=1), rows)
        check(lambda m, a: getattr(m, op)(a[:, 1:], axis=1), rows)
    if dtype in ("float32", "float64", "float16", "complex64"):
        b = a.copy()
        b[30_001] = numpy.nan
        b[40_002] = numpy.nan
        for op in ("argmax", "argmin", "nanargmax", "nanargmin"):
            check(lambda m, a: getattr(m, op)(a), b)
            check(lambda m, a: getattr(m, op)(a[3:]), b)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int32",
                                   "bool", "complex64"])
def test_argreduce_columns_split(dtype):
    """Column arg reductions: a thread per column, the rows split in chunks
    over gridDim.y; ties and NaNs in different chunks keep the first."""
    a = xp.rand((4099, 300), dtype)
    hi = numpy.array(True if dtype == "bool" else 120, dtype=a.dtype)
    a[3000, :] = hi
    a[10, ::2] = hi
    a[4098, 5] = hi
    for op in ("argmax", "argmin"):
        check(lambda m, a: getattr(m, op)(a, axis=0), a)
        check(lambda m, a: getattr(m, op)(a[1:, 3:], axis=0), a)
        check(lambda m, a: getattr(m, op)(a.T, axis=1), a)
    small = xp.rand((70, 40), dtype)  # unsplit
    check(lambda m, a: m.argmax(a, axis=0), small)
    if dtype in ("float32", "float64", "float16", "complex64"):
        b = a.copy()
        b[2000, 7] = numpy.nan
        b[3500, 7] = numpy.nan
        b[100, 8] = numpy.nan
        for op in ("argmax", "argmin", "nanargmax", "nanargmin"):
            check(lambda m, a: getattr(m, op)(a, axis=0), b)
        b[:, 9] = numpy.nan  # all-NaN column: the NaN variants raise
        for op in ("argmax", "nanargmax"):
            check(lambda m, a: getattr(m, op)(a, axis=0), b)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_extrema_nan_rules_large(dtype):
    """Branch-free float max/min: NaN propagates (max/min), is skipped
    (nanmax/nanmin); rows, columns and full reductions."""
    a = xp.rand((1000, 1100), dtype)
    a[10, 20] = numpy.nan
    a[999, 1099] = numpy.nan
    a[500, :] = numpy.nan
    a[:, 700] = numpy.nan
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for op in ("max", "min", "nanmax", "nanmin"):
            for axis in (None, 0, 1):
                check(lambda m, a: getattr(m, op)(a, axis=axis), a)
                check(lambda m, a: getattr(m, op)(a[1:, 1:], axis=axis), a)


@pytest.mark.parametrize("dtype", ["float32", "complex64", "float64"])
def test_scans_are_numpy_exact(dtype):
    """Lines up to 4096 long (and many lines) scan sequentially: NumPy's
    left-to-right rounding, bit for bit."""
    cases = [((3000,), None), ((4096,), 0), ((7, 4096), 1), ((4096, 5), 0),
             ((60, 70), 1), ((60, 70), 0), ((3, 4, 5), None)]
    for shape, axis in cases:
        a = xp.rand(shape, dtype)
        for op in ("cumsum", "nancumsum"):
            expected = getattr(numpy, op)(a, axis=axis)
            got = xp.to_numpy(getattr(arrax, op)(gpu(a), axis=axis))
            numpy.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("dtype", ["float32", "complex64"])
def test_long_scan_error_bound(dtype):
    """Few long lines take the block scan (another order than NumPy's):
    compared with an exact (float64/complex128) prefix sum within
    cumsum(|x|) * eps * log2(n) per element."""
    n = (1 << 20) + 3
    a = xp.rand((n,), dtype)
    wide = numpy.complex128 if dtype == "complex64" else numpy.float64
    exact = numpy.cumsum(a.astype(wide))
    mag = numpy.abs(a.real).astype(numpy.float64)
    if dtype == "complex64":
        mag = mag + numpy.abs(a.imag)
    bound = numpy.cumsum(mag) * numpy.finfo(numpy.float32).eps * numpy.log2(n)
    got = xp.to_numpy(arrax.cumsum(gpu(a))).astype(wide)
    err = numpy.abs(got - exact)
    assert (err <= bound + 1e-30).all(), float((err / bound).max())


def test_float16_sums_round_per_row_like_the_cpu():
    """float16 sums over several non-mergeable rows round after each row
    (the CPU's loop); the GPU does the same. Integers below 2048 are exact
    in float16 and their row sums exact in float (any order), while the
    running totals (up to ~20000) are rounded: GPU == CPU exactly."""
    base = xp.rand((6, 5, 8), "int16", low=-1000, high=1000).astype(
        "float16")
    for make in (lambda b: b[::-1, 1:4], lambda b: b[:, ::2, ::3],
                 lambda b: b.transpose(1, 0, 2)[:, ::-1]):
        for axis in (None, (0, 2), (1, 2), (0, 1)):
            want = xp.to_numpy(arrax.sum(make(cpu(base)), axis=axis))
            got = xp.to_numpy(arrax.sum(make(gpu(base)), axis=axis))
            numpy.testing.assert_array_equal(got, want)


def test_sum_many_rows():
    """Many outputs (no split): 256-thread blocks, 32+ elements a thread."""
    for dtype in ("float32", "float64", "int32", "float16"):
        a = xp.rand((2048, 4099), dtype)
        atol = None
        if dtype == "float32":
            # Any summation order errs by up to about eps * sum|x| * log2(n).
            mag = numpy.abs(a.astype(numpy.float64)).sum(axis=1).max()
            atol = float(mag * numpy.finfo(numpy.float32).eps * 2 * 12)
        check(lambda m, a: m.sum(a, axis=1), a, rtol=_rtol(dtype, "sum"),
              atol=atol)
        check(lambda m, a: m.max(a, axis=1), a)
        check(lambda m, a: m.max(a, axis=0), a)
        check(lambda m, a: m.argmax(a, axis=1), a)


# ---- warp-per-line arg reductions ------------------------------------------
# Contiguous lines of at most 65536 elements, when there are 16 or more an
# SM or they are at most 1024 long, take arg_warp (device/reduce.cuh): a
# warp per line, each lane's four chains of 16-byte vectors (stride 32
# vectors), a shuffle pick, lane 0 stores (and flags all-NaN lines).

WARP_DTYPES = ["float32", "float16", "bfloat16", "int8", "uint64", "float64",
               "complex64", "complex128", "bool"]


def _warp_rows(shape, dtype, seed=0):
    """Random rows with planted extremes: ties at both ends, ties at
    random columns (across lanes, chains and vectors), constant rows."""
    a = xp.rand(shape, dtype, seed=seed)
    rng = numpy.random.default_rng(seed + 7)
    n, L = shape
    hi = numpy.array(True if dtype == "bool" else 120, dtype=a.dtype)
    lo = numpy.array(False if dtype == "bool" else
                     0 if dtype.startswith("uint") else -120, dtype=a.dtype)
    rows = numpy.arange(n)
    a[0::6, 0] = hi
    a[0::6, L - 1] = hi
    a[1::6, L - 1] = hi
    a[1::6, 0] = lo
    a[1::6, L - 1] = lo
    cols = rng.integers(0, L, size=(n, 3))
    for sel, v in ((rows % 6 == 2, hi), (rows % 6 == 3, lo),
                   (rows % 6 == 4, hi), (rows % 6 == 4, lo)):
        a[rows[sel][:, None], cols[sel]] = v
    a[5::12] = lo  # constant rows: index 0
    return a


def _warp_nan_checks(a):
    rng = numpy.random.default_rng(3)
    n, L = a.shape
    b = a.copy()
    rows = numpy.arange(n)
    c = rng.integers(0, L, size=(n, 2))
    b[rows[rows % 5 == 1], c[rows % 5 == 1, 0]] = numpy.nan
    sel = rows % 5 == 2
    b[rows[sel], c[sel, 0]] = numpy.nan  # two NaNs: the first wins
    b[rows[sel], c[sel, 1]] = numpy.nan
    b[3::10, 0] = numpy.nan
    b[4::10, L - 1] = numpy.nan
    for op in ("argmax", "argmin", "nanargmax", "nanargmin"):
        check(lambda m, a: getattr(m, op)(a, axis=1), b)
        check(lambda m, a: getattr(m, op)(a[1:, 3:], axis=1), b)
    b[n // 2] = numpy.nan  # an all-NaN row: the NaN variants raise
    for op in ("argmax", "argmin", "nanargmax", "nanargmin"):
        check(lambda m, a: getattr(m, op)(a, axis=1), b)


@pytest.mark.parametrize("dtype", WARP_DTYPES)
def test_argreduce_warp_rows(dtype):
    """Lines of at most 1024 elements (arg_warp for any number of lines):
    aligned and misaligned starts (a[:, 1:], a[1:, 3:]), lines shorter
    than a warp's vectors, non-mergeable kept dimensions, keepdims."""
    for shape in ((3000, 1000), (5000, 33), (7, 1000), (64, 1)):
        a = _warp_rows(shape, dtype)
        for op in ("argmax", "argmin"):
            check(lambda m, a: getattr(m, op)(a, axis=1), a)
            check(lambda m, a: getattr(m, op)(a[:, 1:], axis=1), a)
            check(lambda m, a: getattr(m, op)(a[1:, 3:], axis=1), a)
            check(lambda m, a: getattr(m, op)(a, axis=-1, keepdims=True), a)
    a = _warp_rows((1000, 700), dtype).reshape(40, 25, 700)
    for op in ("argmax", "argmin"):
        check(lambda m, a: getattr(m, op)(a[:, ::2], axis=2), a)
        check(lambda m, a: getattr(m, op)(a[3, 4, 5:]), a)  # one line
    if dtype not in ("bool", "int8", "uint64"):
        _warp_nan_checks(_warp_rows((3000, 1000), dtype))


@pytest.mark.parametrize("dtype", WARP_DTYPES)
def test_argreduce_warp_many_long_rows(dtype):
    """Many lines longer than 1024 (16 a SM or more: arg_warp), each lane
    with several iterations of four chains, plus the vector tail and the
    scalar head and tail."""
    a = _warp_rows((2600, 2051), dtype)
    for op in ("argmax", "argmin"):
        check(lambda m, a: getattr(m, op)(a, axis=1), a)
        check(lambda m, a: getattr(m, op)(a[:, 1:], axis=1), a)
        check(lambda m, a: getattr(m, op)(a[1:, 3:], axis=1), a)
    if dtype not in ("bool", "int8", "uint64"):
        _warp_nan_checks(a)


def test_argreduce_warp_8192_rows():
    """The benchmark's shape class: (4096, 8192) float32, 64 vectors a
    lane, ties planted across lanes."""
    a = _warp_rows((4096, 8192), "float32")
    for op in ("argmax", "argmin"):
        check(lambda m, a: getattr(m, op)(a, axis=1), a)
        check(lambda m, a: getattr(m, op)(a[:, 1:], axis=1), a)
    b = a.copy()
    b[:, 8191] = numpy.nan
    b[::3, 4100] = numpy.nan
    for op in ("argmax", "nanargmax", "nanargmin"):
        check(lambda m, a: getattr(m, op)(a, axis=1), b)
    # Lines over 8192 take arg_warp from 32 lines an SM on (4300 > 32 * 132).
    c = _warp_rows((4300, 8203), "float16")
    for op in ("argmax", "argmin"):
        check(lambda m, a: getattr(m, op)(a, axis=1), c)
        check(lambda m, a: getattr(m, op)(a[1:, 3:], axis=1), c)


# ---- single-pass split reductions ------------------------------------------
# Rows long enough to split into chunks (one output of 2^22 elements, three
# of 2^21) finish in their last block (Note [Single-pass split reductions]
# in device/reduce.cuh), with counters per stream that must be zero again
# after every kernel.

SPLIT_DTYPES = ["float32", "float64", "float16", "bfloat16", "int32", "int64",
                "int8", "uint16", "bool", "complex64", "complex128"]


def _split_arrays(dtype):
    n = 1 << 22
    return (xp.rand((n,), dtype, low=0, high=1),
            xp.rand((3, n // 2), dtype, low=0, high=1))


def _check_split_sum(a, axis, view=lambda v: v):
    """Sums against the correctly rounded sum for float32/complex64 (the
    chunked order differs from NumPy's pairwise one); NumPy otherwise."""
    wide = {"float32": "float64", "complex64": "complex128"}.get(a.dtype.name)
    if wide is None:
        check(lambda m, a: m.sum(view(a), axis=axis), a)
        return
    expected = numpy.sum(view(a).astype(wide), axis=axis).astype(a.dtype)
    actual = arrax.sum(view(gpu(a)), axis=axis)
    xp.assert_close(xp.to_numpy(actual), expected, 1e-5)


@pytest.mark.parametrize("dtype", SPLIT_DTYPES)
def test_single_pass_split_reduce(dtype):
    for a in _split_arrays(dtype):
        axis = None if a.ndim == 1 else 1
        if dtype not in ("float16", "bfloat16"):  # 2^21 ones overflow them
            _check_split_sum(a, axis)
            _check_split_sum(a, axis, view=lambda v: v[..., 3:])  # misaligned
        for op in ("max", "min", "any", "all"):
            check(lambda m, a: getattr(m, op)(a, axis=axis), a)
            check(lambda m, a: getattr(m, op)(a[..., 1:], axis=axis), a)
    one, rows = _split_arrays(dtype)
    if dtype in ("int32", "int64", "float64", "complex128"):
        check(lambda m, a: m.sum(a, initial=3), one)
        check(lambda m, a: m.sum(a, axis=1, initial=3), rows)
    if dtype in ("float32", "float64"):
        check(lambda m, a: m.mean(a), one, rtol=1e-5)
        check(lambda m, a: m.mean(a, axis=1), rows, rtol=1e-5)
        check(lambda m, a: m.max(a, axis=1, initial=7), rows)


@pytest.mark.parametrize("dtype", SPLIT_DTYPES)
def test_single_pass_split_argreduce(dtype):
    """Ties at both ends and across chunk and vector boundaries: the first
    wins; the first NaN wins for argmax/argmin, NaNs are skipped by
    nanargmax/nanargmin, and an all-NaN row raises."""
    one, rows = _split_arrays(dtype)
    n = one.shape[0]
    hi = numpy.array(True if dtype == "bool" else 3, dtype=one.dtype)
    lo = numpy.array(False if dtype == "bool" else
                     0 if dtype.startswith("uint") else -3, dtype=one.dtype)
    ops = ("argmax", "argmin")
    for a in (one, rows):
        m = a.shape[-1]
        first, last = a.copy(), a.copy()
        # Ties at both ends: the first wins; late ties: the earlier one.
        first[..., 0] = first[..., m - 1] = hi
        first[..., 1] = first[..., m - 2] = lo
        last[..., m - 5] = last[..., m - 1] = hi
        last[..., m - 6] = last[..., m - 3] = lo
        # Around chunk (multiples of 64) and vector boundaries.
        for i in (8191, 8192, 65535, 65536, m // 2 - 1, m // 2):
            last[..., i] = hi
            last[..., i + 3] = lo
        for b in (first, last):
            for op in ops:
                check(lambda mod, b: getattr(mod, op)(b, axis=-1), b)
                check(lambda mod, b: getattr(mod, op)(b[..., 3:], axis=-1), b)
    if dtype not in ("float32", "float64", "float16", "bfloat16",
                     "complex64", "complex128"):
        return
    nan_ops = ops + ("nanargmax", "nanargmin")
    for a in (one, rows):
        m = a.shape[-1]
        for where in (3, m - 2, m // 2 + 1):  # early, late, middle
            b = a.copy()
            b[..., where] = numpy.nan
            b[..., where + 1] = numpy.nan
            b[..., 7] = hi
            for op in nan_ops:
                check(lambda mod, b: getattr(mod, op)(b, axis=-1), b)
    b = rows.copy()
    b[1, :] = numpy.nan  # an all-NaN row: the NaN variants raise
    for op in nan_ops:
        check(lambda mod, b: getattr(mod, op)(b, axis=1), b)
    c = numpy.full((n,), numpy.nan, dtype=one.dtype)
    check(lambda mod, c: mod.nanargmin(c), c)


def test_single_pass_counters_reset_across_streams():
    """Repeated split reductions on two streams (each with its own counter
    buffer), interleaved and after a stream is dropped, give the same
    results every time, bit for bit (the last block combines the partials
    in a fixed order)."""
    import gc

    one, rows = _split_arrays("float32")
    one[12345] = 9.0
    rows[1, 77] = 9.0
    ga, gb = gpu(one), gpu(rows)

    def run():
        return [arrax.sum(ga), arrax.max(gb, axis=1), arrax.argmax(ga),
                arrax.argmin(gb, axis=1), arrax.sum(gb, axis=1),
                arrax.nanargmax(ga)]

    want = [xp.to_numpy(r) for r in run()]
    assert int(want[2]) == 12345
    numpy.testing.assert_array_equal(want[3], numpy.argmin(rows, axis=1))
    s1, s2 = arrax.cuda.Stream(), arrax.cuda.Stream()
    for _ in range(3):
        with arrax.cuda.stream(s1):
            r1 = run()
        with arrax.cuda.stream(s2):
            r2 = run()
        r0 = run()
        s1.synchronize()
        s2.synchronize()
        for got in (r1, r2, r0):
            for g, w in zip(got, want):
                numpy.testing.assert_array_equal(xp.to_numpy(g), w)
    del s1, r1
    gc.collect()
    s3 = arrax.cuda.Stream()
    with arrax.cuda.stream(s3):
        for _ in range(2):
            for g, w in zip(run(), want):
                numpy.testing.assert_array_equal(xp.to_numpy(g), w)
    arrax.cuda.synchronize()

"""numpy.random.Generator on arrax's Philox4x32-10 stream. Arguments are
handled here as NumPy's _generator.pyx does (parameter checks, size and
broadcasting, dtype=, out=); every sample is drawn on the target device by
the RandomDraw primitive (one kernel per distribution), and the
multivariate distributions are arrax ops on such draws."""

import math
import operator

import numpy as _numpy

import arrax as _ax
from arrax import _core
from arrax.random._seed import BitGenerator, Philox, SeedSequence

_KIND = {name: i for i, name in enumerate(_core.random_kind_names())}
_F64 = _numpy.dtype(_numpy.float64)
_F32 = _numpy.dtype(_numpy.float32)


def _err(name, msg, cls=ValueError):
    return cls(f"[random.{name}] {msg}")


# ---- parameters -------------------------------------------------------------


class _Param:
    """One distribution parameter: a Python scalar or an array (NumPy on the
    host, or arrax on its device)."""

    __slots__ = ("is_int", "value")

    def __init__(self, value, name, op, integer=False):
        self.is_int = integer
        dt = _numpy.int64 if integer else _numpy.float64
        if isinstance(value, _ax.ndarray):
            if value.ndim == 0 and str(value.device) == "cpu":
                value = value.item()
            else:
                if integer and value.dtype.kind == "f":
                    value = value.astype(_numpy.int64)
                self.value = value.astype(dt, copy=False)
                return
        if isinstance(value, (bool, int, float, _numpy.generic)):
            if integer:
                if isinstance(value, (float, _numpy.floating)) and math.isnan(value):
                    raise _err(op, f"{name} is NaN")
                self.value = int(value)
            else:
                self.value = float(value)
            return
        try:
            arr = _numpy.asarray(value)
        except (TypeError, ValueError):
            raise _err(
                op, f"{name} must be a number or an array of numbers", TypeError
            ) from None
        if arr.dtype.kind not in "biuf":
            raise _err(
                op, f"{name} must be real numbers, got dtype {arr.dtype}", TypeError
            )
        arr = arr.astype(dt)
        self.value = arr.item() if arr.ndim == 0 else arr

    @property
    def shape(self):
        v = self.value
        return () if isinstance(v, (int, float)) else tuple(v.shape)

    @property
    def scalar(self):
        return isinstance(self.value, (int, float))

    def any(self, pred):
        """Whether pred(value) holds for some element."""
        v = self.value
        if isinstance(v, (int, float)):
            return bool(pred(v))
        return bool(pred(v).any())

    def for_draw(self, device):
        v = self.value
        if isinstance(v, _numpy.ndarray):
            return _ax.asarray(v, device=device)
        return v


def _nan(x):
    return x != x  # noqa: PLR0124 (scalars and arrays alike)


def _device_of(params, device):
    if device is not None:
        return device
    for p in params:
        if isinstance(p.value, _ax.ndarray):
            return p.value.device
    return None


def _size_tuple(size, op):
    if size is None:
        return None
    if isinstance(size, (int, _numpy.integer)):
        size = (size,)
    try:
        t = tuple(operator.index(s) for s in size)
    except TypeError:
        raise _err(
            op, "size must be an integer or a tuple of integers", TypeError
        ) from None
    if any(s < 0 for s in t):
        raise _err(op, "negative dimensions are not allowed")
    return t


def _shape_of(size, params, op):
    shapes = [p.shape for p in params]
    try:
        bshape = _numpy.broadcast_shapes(*shapes) if shapes else ()
    except ValueError:
        raise _err(
            op, "shape mismatch: objects cannot be broadcast to a single shape"
        ) from None
    if size is None:
        return bshape, not shapes or all(p.scalar for p in params)
    try:
        ok = _numpy.broadcast_shapes(size, *shapes) == size
    except ValueError:
        ok = False
    if not ok:
        raise _err(
            op,
            f"shape mismatch: parameters of shape {bshape} cannot be broadcast to size {size}",
        )
    return size, False


def _raw_bits(bitgen, n, device):
    ctr = bitgen._take(n)
    return _core.random_draw(
        _KIND["bits"], bitgen._key, ctr, (n,), "uint64", [], None, device
    )


def _float_dtype(dtype, op):
    dt = _numpy.dtype(dtype)
    if dt not in (_F32, _F64):
        raise _err(op, f"Unsupported dtype {dt!r} for {op}", TypeError)
    return dt


def _check_out(out, size, dtype, op):
    if out is None:
        return None
    if not isinstance(out, _ax.ndarray):
        raise _err(op, "out must be an arrax.ndarray", TypeError)
    if size is not None and tuple(out.shape) != size:
        raise _err(op, "size must match out.shape when used together")
    if _numpy.dtype(out.dtype) != dtype:
        raise _err(
            op,
            f"Supplied output array has the wrong type. Expected {dtype}, got {out.dtype}",
            TypeError,
        )
    if not out.flags.c_contiguous:
        raise _err(op, "Supplied output array must be C-contiguous")
    return out


class Generator:
    """numpy.random.Generator on arrax's Philox4x32-10 stream. Methods take an
    extra `device=` keyword (default: the device of an arrax array parameter,
    else arrax.default_device())."""

    def __init__(self, bit_generator):
        if not isinstance(bit_generator, BitGenerator):
            raise TypeError(
                "[random.Generator] bit_generator must be an arrax BitGenerator"
            )
        self._bit_generator = bit_generator

    @property
    def bit_generator(self):
        return self._bit_generator

    def __repr__(self):
        return f"Generator({type(self._bit_generator).__name__})"

    def __getstate__(self):
        return {"bit_generator": self._bit_generator}

    def __setstate__(self, state):
        self._bit_generator = state["bit_generator"]

    def spawn(self, n_children):
        return [Generator(bg) for bg in self._bit_generator.spawn(n_children)]

    # ---- the one draw -------------------------------------------------------

    def _draw(self, kind, op, params, size, dtype, device=None, out=None, table=None):
        size = _size_tuple(size, op)
        if out is not None and size is None:
            size = tuple(out.shape)
        shape, scalar = _shape_of(size, params, op)
        n = math.prod(shape)
        dev = _device_of(params, device)
        bg = self._bit_generator
        ctr = bg._take(n)
        vals = [p.for_draw(dev) for p in params]
        r = _core.random_draw(
            _KIND[kind], bg._key, ctr, shape, dtype, vals, table, dev, out
        )
        if scalar and out is None:
            return r.item()
        return r

    def _real(self, kind, op, params, size, device, dtype=_F64, out=None):
        return self._draw(kind, op, params, size, dtype, device, out)

    # ---- uniform and integers -------------------------------------------------

    def random(self, size=None, dtype=_numpy.float64, out=None, *, device=None):
        dt = _float_dtype(dtype, "random")
        size = _size_tuple(size, "random")
        out = _check_out(out, size, dt, "random")
        return self._draw("random", "random", [], size, dt, device, out)

    def integers(
        self,
        low,
        high=None,
        size=None,
        dtype=_numpy.int64,
        endpoint=False,
        *,
        device=None,
    ):
        op = "integers"
        dt = _numpy.dtype(dtype)
        if dt.kind not in "biu":
            raise _err(op, f"Unsupported dtype {dt!r} for integers", TypeError)
        if high is None:
            low, high = 0, low
        if dt.kind == "b":
            lo_b, hi_b = 0, 1
        else:
            info = _numpy.iinfo(dt)
            lo_b, hi_b = int(info.min), int(info.max)
        scalar_args = all(
            isinstance(v, (int, _numpy.integer, float, _numpy.floating, bool))
            for v in (low, high)
        )
        if scalar_args:
            lo, hi = int(low), int(high)
            if not endpoint:
                hi -= 1
            if lo < lo_b:
                raise _err(op, f"low is out of bounds for {dt}")
            if hi > hi_b:
                raise _err(op, f"high is out of bounds for {dt}")
            if lo > hi:
                raise _err(op, "low > high" if endpoint else "low >= high")
            params = [
                _Param(lo & 0xFFFFFFFFFFFFFFFF, "low", op, True),
                _Param((hi - lo) & 0xFFFFFFFFFFFFFFFF, "high", op, True),
            ]
            # Python ints keep their 64-bit patterns (to_bits in the binding).
            params[0].value = lo & 0xFFFFFFFFFFFFFFFF
            params[1].value = (hi - lo) & 0xFFFFFFFFFFFFFFFF
            return self._draw("integers", op, params, size, dt, device)
        # Array bounds: checked on the host (NumPy arrays) or on their device.
        lo_a = low if isinstance(low, _ax.ndarray) else _numpy.asarray(low)
        hi_a = high if isinstance(high, _ax.ndarray) else _numpy.asarray(high)
        xp = (
            _ax
            if isinstance(lo_a, _ax.ndarray) or isinstance(hi_a, _ax.ndarray)
            else _numpy
        )
        wide = _numpy.uint64 if dt == _numpy.uint64 else _numpy.int64
        lo_i = xp.asarray(lo_a).astype(wide)
        hi_i = xp.asarray(hi_a).astype(wide)
        if not endpoint:
            if bool((hi_i <= lo_i).any()):
                raise _err(op, "low >= high")
            hi_i = hi_i - wide(1)
        elif bool((hi_i < lo_i).any()):
            raise _err(op, "low > high")
        if bool((xp.asarray(lo_a) < lo_b).any()):
            raise _err(op, f"low is out of bounds for {dt}")
        if bool((xp.asarray(hi_a) > hi_b + (0 if endpoint else 1)).any()):
            raise _err(op, f"high is out of bounds for {dt}")
        rng_ = hi_i.astype(_numpy.uint64) - lo_i.astype(_numpy.uint64)
        p0 = _Param.__new__(_Param)
        p0.is_int, p0.value = True, lo_i.astype(_numpy.uint64)
        p1 = _Param.__new__(_Param)
        p1.is_int, p1.value = True, rng_
        return self._draw("integers", op, [p0, p1], size, dt, device)

    def uniform(self, low=0.0, high=1.0, size=None, *, device=None):
        op = "uniform"
        lo, hi = _Param(low, "low", op), _Param(high, "high", op)
        if lo.scalar and hi.scalar and not math.isfinite(hi.value - lo.value):
            raise _err(op, "Range exceeds valid bounds", OverflowError)
        return self._real("uniform", op, [lo, hi], size, device)

    def bytes(self, length):
        length = operator.index(length)
        n = (length + 7) // 8
        bits = _raw_bits(self._bit_generator, n, "cpu")
        return _numpy.asarray(bits).astype("<u8").tobytes()[:length]

    # ---- continuous -------------------------------------------------------------

    def standard_normal(
        self, size=None, dtype=_numpy.float64, out=None, *, device=None
    ):
        dt = _float_dtype(dtype, "standard_normal")
        size = _size_tuple(size, "standard_normal")
        out = _check_out(out, size, dt, "standard_normal")
        return self._draw(
            "normal",
            "standard_normal",
            [_Param(0.0, "", ""), _Param(1.0, "", "")],
            size,
            dt,
            device,
            out,
        )

    def normal(self, loc=0.0, scale=1.0, size=None, *, device=None):
        op = "normal"
        s = _Param(scale, "scale", op)
        if s.any(lambda x: x < 0):
            raise _err(op, "scale < 0")
        return self._real("normal", op, [_Param(loc, "loc", op), s], size, device)

    def standard_exponential(
        self, size=None, dtype=_numpy.float64, method="zig", out=None, *, device=None
    ):
        op = "standard_exponential"
        if method not in ("zig", "inv"):
            raise _err(op, f"method must be 'zig' or 'inv', got {method!r}")
        dt = _float_dtype(dtype, op)
        size = _size_tuple(size, op)
        out = _check_out(out, size, dt, op)
        return self._draw(
            "exponential", op, [_Param(1.0, "", "")], size, dt, device, out
        )

    def exponential(self, scale=1.0, size=None, *, device=None):
        op = "exponential"
        s = _Param(scale, "scale", op)
        if s.any(lambda x: x < 0):
            raise _err(op, "scale < 0")
        return self._real("exponential", op, [s], size, device)

    def standard_gamma(
        self, shape, size=None, dtype=_numpy.float64, out=None, *, device=None
    ):
        op = "standard_gamma"
        dt = _float_dtype(dtype, op)
        size = _size_tuple(size, op)
        out = _check_out(out, size, dt, op)
        k = _Param(shape, "shape", op)
        if k.any(lambda x: x < 0):
            raise _err(op, "shape < 0")
        return self._draw("gamma", op, [k, _Param(1.0, "", "")], size, dt, device, out)

    def gamma(self, shape, scale=1.0, size=None, *, device=None):
        op = "gamma"
        k, s = _Param(shape, "shape", op), _Param(scale, "scale", op)
        if k.any(lambda x: x < 0):
            raise _err(op, "shape < 0")
        if s.any(lambda x: x < 0):
            raise _err(op, "scale < 0")
        return self._real("gamma", op, [k, s], size, device)

    def beta(self, a, b, size=None, *, device=None):
        op = "beta"
        pa, pb = _Param(a, "a", op), _Param(b, "b", op)
        if pa.any(lambda x: x <= 0):
            raise _err(op, "a <= 0")
        if pb.any(lambda x: x <= 0):
            raise _err(op, "b <= 0")
        return self._real("beta", op, [pa, pb], size, device)

    def chisquare(self, df, size=None, *, device=None):
        op = "chisquare"
        d = _Param(df, "df", op)
        if d.any(lambda x: x <= 0):
            raise _err(op, "df <= 0")
        return self._real("chisquare", op, [d], size, device)

    def noncentral_chisquare(self, df, nonc, size=None, *, device=None):
        op = "noncentral_chisquare"
        d, nc = _Param(df, "df", op), _Param(nonc, "nonc", op)
        if d.any(lambda x: x <= 0):
            raise _err(op, "df <= 0")
        if nc.any(lambda x: x < 0):
            raise _err(op, "nonc < 0")
        return self._real("noncentral_chisquare", op, [d, nc], size, device)

    def f(self, dfnum, dfden, size=None, *, device=None):
        op = "f"
        a, b = _Param(dfnum, "dfnum", op), _Param(dfden, "dfden", op)
        if a.any(lambda x: x <= 0):
            raise _err(op, "dfnum <= 0")
        if b.any(lambda x: x <= 0):
            raise _err(op, "dfden <= 0")
        return self._real("f", op, [a, b], size, device)

    def noncentral_f(self, dfnum, dfden, nonc, size=None, *, device=None):
        op = "noncentral_f"
        a, b = _Param(dfnum, "dfnum", op), _Param(dfden, "dfden", op)
        nc = _Param(nonc, "nonc", op)
        if a.any(lambda x: x <= 0):
            raise _err(op, "dfnum <= 0")
        if b.any(lambda x: x <= 0):
            raise _err(op, "dfden <= 0")
        if nc.any(lambda x: x < 0):
            raise _err(op, "nonc < 0")
        return self._real("noncentral_f", op, [a, b, nc], size, device)

    def standard_t(self, df, size=None, *, device=None):
        op = "standard_t"
        d = _Param(df, "df", op)
        if d.any(lambda x: x <= 0):
            raise _err(op, "df <= 0")
        return self._real("standard_t", op, [d], size, device)

    def standard_cauchy(self, size=None, *, device=None):
        return self._real("standard_cauchy", "standard_cauchy", [], size, device)

    def _loc_scale(self, kind, loc, scale, size, device, sname="scale"):
        lo, s = _Param(loc, "loc", kind), _Param(scale, sname, kind)
        if s.any(lambda x: x < 0):
            raise _err(kind, f"{sname} < 0")
        return self._real(kind, kind, [lo, s], size, device)

    def gumbel(self, loc=0.0, scale=1.0, size=None, *, device=None):
        return self._loc_scale("gumbel", loc, scale, size, device)

    def laplace(self, loc=0.0, scale=1.0, size=None, *, device=None):
        return self._loc_scale("laplace", loc, scale, size, device)

    def logistic(self, loc=0.0, scale=1.0, size=None, *, device=None):
        return self._loc_scale("logistic", loc, scale, size, device)

    def lognormal(self, mean=0.0, sigma=1.0, size=None, *, device=None):
        return self._loc_scale("lognormal", mean, sigma, size, device, "sigma")

    def _shape_a(self, kind, a, size, device, bad, msg):
        p = _Param(a, "a", kind)
        if p.any(bad):
            raise _err(kind, msg)
        return self._real(kind, kind, [p], size, device)

    def pareto(self, a, size=None, *, device=None):
        return self._shape_a("pareto", a, size, device, lambda x: x <= 0, "a <= 0")

    def power(self, a, size=None, *, device=None):
        return self._shape_a("power", a, size, device, lambda x: x <= 0, "a <= 0")

    def weibull(self, a, size=None, *, device=None):
        return self._shape_a("weibull", a, size, device, lambda x: x < 0, "a < 0")

    def rayleigh(self, scale=1.0, size=None, *, device=None):
        op = "rayleigh"
        s = _Param(scale, "scale", op)
        if s.any(lambda x: x < 0):
            raise _err(op, "scale < 0")
        return self._real(op, op, [s], size, device)

    def triangular(self, left, mode, right, size=None, *, device=None):
        op = "triangular"
        lf, md, rt = (
            _Param(left, "left", op),
            _Param(mode, "mode", op),
            _Param(right, "right", op),
        )
        if lf.scalar and md.scalar and rt.scalar:
            bad = [lf.value > md.value, md.value > rt.value, lf.value == rt.value]
        else:
            xp = (
                _ax
                if any(isinstance(p.value, _ax.ndarray) for p in (lf, md, rt))
                else _numpy
            )
            L, M, R = (xp.asarray(p.value) for p in (lf, md, rt))
            bad = [bool((L > M).any()), bool((M > R).any()), bool((L == R).any())]
        for b, msg in zip(bad, ("left > mode", "mode > right", "left == right")):
            if b:
                raise _err(op, msg)
        return self._real(op, op, [lf, md, rt], size, device)

    def vonmises(self, mu, kappa, size=None, *, device=None):
        op = "vonmises"
        k = _Param(kappa, "kappa", op)
        if k.any(lambda x: x < 0):
            raise _err(op, "kappa < 0")
        return self._real(op, op, [_Param(mu, "mu", op), k], size, device)

    def wald(self, mean, scale, size=None, *, device=None):
        op = "wald"
        m, s = _Param(mean, "mean", op), _Param(scale, "scale", op)
        if m.any(lambda x: x <= 0):
            raise _err(op, "mean <= 0")
        if s.any(lambda x: x <= 0):
            raise _err(op, "scale <= 0")
        return self._real(op, op, [m, s], size, device)

    # ---- discrete ------------------------------------------------------------------

    def _int(self, kind, params, size, device):
        return self._draw(kind, kind, params, size, _numpy.dtype(_numpy.int64), device)

    def poisson(self, lam=1.0, size=None, *, device=None):
        op = "poisson"
        lm = _Param(lam, "lam", op)
        if lm.any(lambda x: x < 0):
            raise _err(op, "lam < 0")
        if lm.any(lambda x: x > 9.223372006484771e18):
            raise _err(op, "lam value too large")
        if lm.any(_nan):
            raise _err(op, "lam is NaN")
        return self._int(op, [lm], size, device)

    def binomial(self, n, p, size=None, *, device=None):
        op = "binomial"
        pn, pp = _Param(n, "n", op, integer=True), _Param(p, "p", op)
        if pn.any(lambda x: x < 0):
            raise _err(op, "n < 0")
        if pp.any(lambda x: (x < 0) | (x > 1) | _nan(x)):
            raise _err(op, "p < 0, p > 1 or p is NaN")
        return self._int(op, [pn, pp], size, device)

    def negative_binomial(self, n, p, size=None, *, device=None):
        op = "negative_binomial"
        pn, pp = _Param(n, "n", op), _Param(p, "p", op)
        if pn.any(lambda x: (x <= 0) | _nan(x)):
            raise _err(op, "n <= 0")
        if pp.any(lambda x: (x <= 0) | (x > 1) | _nan(x)):
            raise _err(op, "p <= 0, p > 1 or p is NaN")
        return self._int(op, [pn, pp], size, device)

    def geometric(self, p, size=None, *, device=None):
        op = "geometric"
        pp = _Param(p, "p", op)
        if pp.any(lambda x: (x <= 0) | (x > 1) | _nan(x)):
            raise _err(op, "p <= 0, p > 1 or p contains NaNs")
        return self._int(op, [pp], size, device)

    def logseries(self, p, size=None, *, device=None):
        op = "logseries"
        pp = _Param(p, "p", op)
        if pp.any(lambda x: (x < 0) | (x >= 1) | _nan(x)):
            raise _err(op, "p < 0, p >= 1 or p is NaN")
        return self._int(op, [pp], size, device)

    def zipf(self, a, size=None, *, device=None):
        op = "zipf"
        pa = _Param(a, "a", op)
        if pa.any(lambda x: (x <= 1) | _nan(x)):
            raise _err(op, "a <= 1 or a is NaN")
        return self._int(op, [pa], size, device)

    def hypergeometric(self, ngood, nbad, nsample, size=None, *, device=None):
        op = "hypergeometric"
        g = _Param(ngood, "ngood", op, integer=True)
        b = _Param(nbad, "nbad", op, integer=True)
        s = _Param(nsample, "nsample", op, integer=True)
        for p, name in ((g, "ngood"), (b, "nbad")):
            if p.any(lambda x: x < 0):
                raise _err(op, f"{name} < 0")
        if s.any(lambda x: x < 0):
            raise _err(op, "nsample < 0")
        if all(p.scalar for p in (g, b, s)):
            if g.value + b.value < s.value:
                raise _err(op, "ngood + nbad < nsample")
        else:
            xp = (
                _ax
                if any(isinstance(p.value, _ax.ndarray) for p in (g, b, s))
                else _numpy
            )
            G, B, S = (xp.asarray(p.value) for p in (g, b, s))
            if bool((G + B < S).any()):
                raise _err(op, "ngood + nbad < nsample")
        return self._int(op, [g, b, s], size, device)

    # ---- choice and permutations ---------------------------------------------------

    def _perm_indices(self, shape, device):
        """A random permutation of the last axis of `shape` per row."""
        n = math.prod(shape)
        bg = self._bit_generator
        keys = _core.random_draw(
            _KIND["bits"],
            bg._key,
            bg._take(n),
            tuple(shape),
            "uint64",
            [],
            None,
            device,
        )
        return _core.random_argsort_keys(keys)

    def permutation(self, x, axis=0, *, device=None):
        op = "permutation"
        if isinstance(x, (int, _numpy.integer)):
            if x < 0:
                raise _err(op, "x must be a non-negative integer")
            return self._perm_indices((int(x),), device)
        arr = x if isinstance(x, _ax.ndarray) else _ax.asarray(x, device=device)
        if arr.ndim == 0:
            raise _err(op, "x must be an integer or at least 1-dimensional", IndexError)
        ax_ = operator.index(axis)
        if not -arr.ndim <= ax_ < arr.ndim:
            raise _err(
                op,
                f"axis {axis} is out of bounds for array of dimension {arr.ndim}",
                _numpy.exceptions.AxisError,
            )
        idx = self._perm_indices((arr.shape[ax_],), arr.device)
        return _ax.take(arr, idx, axis=ax_)

    def shuffle(self, x, axis=0):
        op = "shuffle"
        if isinstance(x, _ax.ndarray):
            if x.ndim == 0:
                raise _err(op, "x must be at least 1-dimensional", TypeError)
            ax_ = operator.index(axis) % x.ndim
            idx = self._perm_indices((x.shape[ax_],), x.device)
            x[...] = _ax.take(x, idx, axis=ax_)
            return
        if isinstance(x, _numpy.ndarray):
            if x.ndim == 0:
                raise _err(op, "x must be at least 1-dimensional", TypeError)
            ax_ = operator.index(axis) % x.ndim
            idx = _numpy.asarray(self._perm_indices((x.shape[ax_],), "cpu"))
            x[...] = _numpy.take(x, idx, axis=ax_)
            return
        if axis != 0:
            raise _err(op, "axis must be 0 for a sequence")
        idx = _numpy.asarray(self._perm_indices((len(x),), "cpu")).tolist()
        items = [x[i] for i in idx]
        for i, v in enumerate(items):
            x[i] = v
        return

    def permuted(self, x, *, axis=None, out=None):
        op = "permuted"
        arr = x if isinstance(x, _ax.ndarray) else _ax.asarray(x)
        if axis is None:
            flat = arr.reshape(-1)
            res = _ax.take(
                flat, self._perm_indices((flat.shape[0],), arr.device)
            ).reshape(arr.shape)
        else:
            ax_ = operator.index(axis)
            if not -arr.ndim <= ax_ < arr.ndim:
                raise _err(
                    op,
                    f"axis {axis} is out of bounds for array of dimension {arr.ndim}",
                    _numpy.exceptions.AxisError,
                )
            moved = _ax.moveaxis(arr, ax_, -1)
            idx = self._perm_indices(moved.shape, arr.device)
            res = _ax.moveaxis(_ax.take_along_axis(moved, idx, axis=-1), -1, ax_)
        if out is None:
            return res
        if tuple(out.shape) != tuple(arr.shape):
            raise _err(op, "out must have the same shape as x")
        out[...] = res
        return out

    def choice(
        self, a, size=None, replace=True, p=None, axis=0, shuffle=True, *, device=None
    ):
        op = "choice"
        if isinstance(a, (int, _numpy.integer)):
            pop = int(a)
            if pop <= 0 and not (
                pop == 0 and size is not None and _numpy.prod(size) == 0
            ):
                raise _err(
                    op, "a must be a positive integer unless no samples are taken"
                )
            arr = None
        else:
            arr = a if isinstance(a, _ax.ndarray) else _ax.asarray(a, device=device)
            if arr.ndim == 0:
                raise _err(op, "a must be a sequence or an integer, not a 0-d array")
            pop = arr.shape[axis]
            if pop == 0 and not (size is not None and _numpy.prod(size) == 0):
                raise _err(op, "a cannot be empty unless no samples are taken")
        dev = (
            device if device is not None else (arr.device if arr is not None else None)
        )
        shape = _size_tuple(size, op)
        k = 1 if shape is None else math.prod(shape)
        pv = None
        if p is not None:
            pv = _numpy.asarray(
                p.tolist() if isinstance(p, _ax.ndarray) else p, dtype=_numpy.float64
            )
            if pv.ndim != 1:
                raise _err(op, "p must be 1-dimensional")
            if pv.size != pop:
                raise _err(op, "a and p must have same size")
            if _numpy.isnan(pv).any() or (pv < 0).any():
                raise _err(op, "probabilities are not non-negative")
            if abs(pv.sum() - 1.0) > math.sqrt(_numpy.finfo(_numpy.float64).eps):
                raise _err(op, "probabilities do not sum to 1")
        if replace:
            if pv is None:
                idx = self.integers(0, pop, size=(k,), device=dev)
            else:
                cdf = _numpy.cumsum(pv)
                bg = self._bit_generator
                idx = _core.random_draw(
                    _KIND["choice_cdf"],
                    bg._key,
                    bg._take(k),
                    (k,),
                    "int64",
                    [],
                    _ax.asarray(cdf, device=dev),
                    dev,
                )
        else:
            if k > pop:
                raise _err(
                    op,
                    "Cannot take a larger sample than population when replace is False",
                )
            if pv is None:
                idx = self._perm_indices((pop,), dev)[:k]
            else:
                if _numpy.count_nonzero(pv) < k:
                    raise _err(op, "Fewer non-zero entries in p than size")
                # Efraimidis-Spirakis: the k smallest E_i / p_i (positive
                # doubles order like their bits).
                e = self.standard_exponential(size=(pop,), device=dev)
                with _numpy.errstate(divide="ignore"):
                    keys = e / _ax.asarray(pv, device=e.device)
                idx = _core.random_argsort_keys(keys.view(_numpy.uint64))[:k]
        if shape is None:
            i = int(idx[0])
            if arr is None:
                return i
            return _ax.take(arr, i, axis=axis)
        idx = idx.reshape(shape)
        if arr is None:
            return idx
        return _ax.take(arr, idx, axis=axis)

    # ---- multivariate ----------------------------------------------------------------

    def dirichlet(self, alpha, size=None, *, device=None):
        op = "dirichlet"
        al = (
            alpha
            if isinstance(alpha, _ax.ndarray)
            else _numpy.asarray(alpha, dtype=_numpy.float64)
        )
        if al.ndim != 1:
            raise _err(op, "alpha must be a one-dimensional array")
        if bool(((al <= 0) | _nan(al)).any()):
            raise _err(op, "alpha <= 0")
        shape = _size_tuple(size, op) or ()
        a = _ax.asarray(al, device=device).astype(_numpy.float64)
        g = self.standard_gamma(
            _ax.broadcast_to(a, shape + (a.shape[0],)), device=a.device
        )
        return g / g.sum(axis=-1, keepdims=True)

    def multinomial(self, n, pvals, size=None, *, device=None):
        op = "multinomial"
        pv = _numpy.asarray(
            pvals.tolist() if isinstance(pvals, _ax.ndarray) else pvals,
            dtype=_numpy.float64,
        )
        if pv.ndim == 0:
            raise _err(op, "pvals must have at least 1 dimension")
        if pv.ndim > 1:
            raise _err(op, "pvals must be a one-dimensional array")
        if (pv < 0).any() or (pv > 1).any() or _numpy.isnan(pv).any():
            raise _err(op, "pvals < 0, pvals > 1 or pvals contains NaNs")
        if pv[:-1].sum() > 1.0 + 1e-12:
            raise _err(op, "sum(pvals[:-1]) > 1.0")
        nn = _Param(n, "n", op, integer=True)
        if nn.any(lambda x: x < 0):
            raise _err(op, "n < 0")
        shape = _size_tuple(size, op)
        if shape is None:
            shape = nn.shape
        dev = _device_of([nn], device)
        remaining = _ax.broadcast_to(
            _ax.asarray(nn.value, dtype=_numpy.int64, device=dev), shape
        )
        rest = 1.0
        cols = []
        for i in range(pv.size - 1):
            cond = min(max(pv[i] / rest, 0.0), 1.0) if rest > 0 else 0.0
            x = self.binomial(remaining, cond, size=shape, device=dev)
            x = _ax.asarray(x, device=dev)
            cols.append(x)
            remaining = remaining - x
            rest -= pv[i]
        cols.append(_ax.asarray(remaining, device=dev))
        return _ax.stack(cols, axis=-1)

    def multivariate_hypergeometric(
        self, colors, nsample, size=None, method="marginals", *, device=None
    ):
        op = "multivariate_hypergeometric"
        if method not in ("count", "marginals"):
            raise _err(op, 'method must be "count" or "marginals"')
        c = _numpy.asarray(colors)
        if c.ndim != 1 or c.dtype.kind not in "iu":
            raise _err(
                op, "colors must be a one-dimensional sequence of integers", ValueError
            )
        if (c < 0).any():
            raise _err(
                op, "colors must be a one-dimensional sequence of nonnegative integers"
            )
        nsample = operator.index(nsample)
        if nsample < 0:
            raise _err(op, "nsample must be nonnegative")
        if nsample > int(c.sum()):
            raise _err(op, "nsample > sum(colors)")
        shape = _size_tuple(size, op) or ()
        remaining = _ax.full(shape, nsample, dtype=_numpy.int64, device=device)
        left = int(c.sum())
        cols = []
        for i in range(c.size - 1):
            left -= int(c[i])
            x = self.hypergeometric(
                int(c[i]), left, remaining, size=shape, device=device
            )
            x = _ax.asarray(x, device=remaining.device)
            cols.append(x)
            remaining = remaining - x
        cols.append(remaining)
        return _ax.stack(cols, axis=-1)

    def multivariate_normal(
        self,
        mean,
        cov,
        size=None,
        check_valid="warn",
        tol=1e-8,
        *,
        method="svd",
        device=None,
    ):
        op = "multivariate_normal"
        if method not in ("svd", "eigh", "cholesky"):
            raise _err(op, "method must be one of {'eigh', 'svd', 'cholesky'}")
        m = _numpy.asarray(
            mean.tolist() if isinstance(mean, _ax.ndarray) else mean,
            dtype=_numpy.float64,
        )
        cv = _numpy.asarray(
            cov.tolist() if isinstance(cov, _ax.ndarray) else cov, dtype=_numpy.float64
        )
        if m.ndim != 1:
            raise _err(op, "mean must be 1 dimensional")
        if cv.ndim != 2 or cv.shape[0] != cv.shape[1]:
            raise _err(op, "cov must be 2 dimensional and square")
        if m.shape[0] != cv.shape[0]:
            raise _err(op, "mean and cov must have same length")
        # The factor of the (small) parameter is computed on the host as
        # NumPy does; the samples and the product run on the device.
        if method == "cholesky":
            factor = _numpy.linalg.cholesky(cv).T
        elif method == "eigh":
            s, u = _numpy.linalg.eigh(cv)
            psd = not (s < -tol).any()
            factor = _numpy.sqrt(_numpy.abs(s))[:, None] * u.T
        else:
            u, s, vh = _numpy.linalg.svd(cv)
            psd = _numpy.allclose(_numpy.dot(vh.T * s, vh), cv, rtol=tol, atol=tol)
            factor = _numpy.sqrt(s)[:, None] * vh
        if method != "cholesky" and check_valid != "ignore" and not psd:
            if check_valid == "warn":
                import warnings

                warnings.warn(
                    "covariance is not symmetric positive-semidefinite.",
                    RuntimeWarning,
                    stacklevel=2,
                )
            elif check_valid == "raise":
                raise _err(op, "covariance is not symmetric positive-semidefinite.")
            else:
                raise _err(op, "check_valid must equal 'warn', 'raise', or 'ignore'")
        shape = _size_tuple(size, op) or ()
        z = self.standard_normal(size=shape + (m.shape[0],), device=device)
        f = _ax.asarray(factor, device=z.device)
        return z @ f + _ax.asarray(m, device=z.device)


def default_rng(seed=None):
    """A Generator on arrax's Philox stream (seeded as NumPy's default_rng:
    through SeedSequence)."""
    if isinstance(seed, Generator):
        return seed
    if isinstance(seed, BitGenerator):
        return Generator(seed)
    return Generator(Philox(seed))


__all__ = ["Generator", "SeedSequence", "default_rng"]

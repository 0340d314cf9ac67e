"""numpy.random's legacy API (RandomState and the module functions) on the
Philox stream: NumPy's signatures and checks, arrax's numbers (NumPy's
MT19937 sequences are not reproduced; docs/numpy.md)."""

import numpy as _numpy

from arrax.random._generator import Generator, _err
from arrax.random._seed import BitGenerator, Philox


class RandomState:
    """numpy.random.RandomState on arrax's Philox stream."""

    def __init__(self, seed=None):
        self._gen = Generator(seed if isinstance(seed, BitGenerator) else Philox(seed))

    def __repr__(self):
        return f"RandomState({type(self._gen.bit_generator).__name__})"

    @property
    def _bit_generator(self):
        return self._gen.bit_generator

    def seed(self, seed=None):
        self._gen = Generator(Philox(seed))

    def get_state(self, legacy=True):
        """The Philox state as a dict (legacy=True cannot give NumPy's MT19937
        tuple: the stream is Philox)."""
        return self._gen.bit_generator.state

    def set_state(self, state):
        if isinstance(state, tuple):
            raise _err(
                "set_state",
                "arrax's RandomState holds a Philox state dict, not an MT19937 tuple",
                TypeError,
            )
        self._gen.bit_generator.state = state

    def __getstate__(self):
        return self.get_state()

    def __setstate__(self, state):
        self._gen = Generator(Philox())
        self.set_state(state)

    # ---- uniform ------------------------------------------------------------------

    def random_sample(self, size=None):
        return self._gen.random(size)

    def random(self, size=None):
        return self._gen.random(size)

    def rand(self, *args):
        return self._gen.random(args if args else None)

    def randn(self, *args):
        return self._gen.standard_normal(args if args else None)

    def randint(self, low, high=None, size=None, dtype=int):
        return self._gen.integers(low, high, size, dtype=_numpy.dtype(dtype))

    def random_integers(self, low, high=None, size=None):
        import warnings

        warnings.warn(
            f"This function is deprecated. Please call randint(1, {low if high is None else high} + 1) instead",
            DeprecationWarning,
            stacklevel=2,
        )
        if high is None:
            low, high = 1, low
        return self._gen.integers(low, high, size, endpoint=True)

    def tomaxint(self, size=None):
        return self._gen.integers(0, _numpy.iinfo(_numpy.int64).max, size)

    def bytes(self, length):
        return self._gen.bytes(length)

    def choice(self, a, size=None, replace=True, p=None):
        return self._gen.choice(a, size, replace, p)

    def shuffle(self, x):
        return self._gen.shuffle(x)

    def permutation(self, x):
        return self._gen.permutation(x)

    def uniform(self, low=0.0, high=1.0, size=None):
        return self._gen.uniform(low, high, size)

    # ---- distributions --------------------------------------------------------------

    def standard_normal(self, size=None):
        return self._gen.standard_normal(size)

    def normal(self, loc=0.0, scale=1.0, size=None):
        return self._gen.normal(loc, scale, size)

    def standard_exponential(self, size=None):
        return self._gen.standard_exponential(size)

    def exponential(self, scale=1.0, size=None):
        return self._gen.exponential(scale, size)

    def standard_gamma(self, shape, size=None):
        return self._gen.standard_gamma(shape, size)

    def gamma(self, shape, scale=1.0, size=None):
        return self._gen.gamma(shape, scale, size)

    def beta(self, a, b, size=None):
        return self._gen.beta(a, b, size)

    def binomial(self, n, p, size=None):
        return self._gen.binomial(n, p, size)

    def chisquare(self, df, size=None):
        return self._gen.chisquare(df, size)

    def dirichlet(self, alpha, size=None):
        return self._gen.dirichlet(alpha, size)

    def f(self, dfnum, dfden, size=None):
        return self._gen.f(dfnum, dfden, size)

    def geometric(self, p, size=None):
        return self._gen.geometric(p, size)

    def gumbel(self, loc=0.0, scale=1.0, size=None):
        return self._gen.gumbel(loc, scale, size)

    def hypergeometric(self, ngood, nbad, nsample, size=None):
        return self._gen.hypergeometric(ngood, nbad, nsample, size)

    def laplace(self, loc=0.0, scale=1.0, size=None):
        return self._gen.laplace(loc, scale, size)

    def logistic(self, loc=0.0, scale=1.0, size=None):
        return self._gen.logistic(loc, scale, size)

    def lognormal(self, mean=0.0, sigma=1.0, size=None):
        return self._gen.lognormal(mean, sigma, size)

    def logseries(self, p, size=None):
        return self._gen.logseries(p, size)

    def multinomial(self, n, pvals, size=None):
        return self._gen.multinomial(n, pvals, size)

    def multivariate_normal(self, mean, cov, size=None, check_valid="warn", tol=1e-8):
        return self._gen.multivariate_normal(mean, cov, size, check_valid, tol)

    def negative_binomial(self, n, p, size=None):
        return self._gen.negative_binomial(n, p, size)

    def noncentral_chisquare(self, df, nonc, size=None):
        return self._gen.noncentral_chisquare(df, nonc, size)

    def noncentral_f(self, dfnum, dfden, nonc, size=None):
        return self._gen.noncentral_f(dfnum, dfden, nonc, size)

    def pareto(self, a, size=None):
        return self._gen.pareto(a, size)

    def poisson(self, lam=1.0, size=None):
        return self._gen.poisson(lam, size)

    def power(self, a, size=None):
        return self._gen.power(a, size)

    def rayleigh(self, scale=1.0, size=None):
        return self._gen.rayleigh(scale, size)

    def standard_cauchy(self, size=None):
        return self._gen.standard_cauchy(size)

    def standard_t(self, df, size=None):
        return self._gen.standard_t(df, size)

    def triangular(self, left, mode, right, size=None):
        return self._gen.triangular(left, mode, right, size)

    def vonmises(self, mu, kappa, size=None):
        return self._gen.vonmises(mu, kappa, size)

    def wald(self, mean, scale, size=None):
        return self._gen.wald(mean, scale, size)

    def weibull(self, a, size=None):
        return self._gen.weibull(a, size)

    def zipf(self, a, size=None):
        return self._gen.zipf(a, size)


_global = None


def _rs():
    global _global
    if _global is None:
        _global = RandomState()
    return _global


def get_bit_generator():
    return _rs()._gen.bit_generator


def set_bit_generator(bitgen):
    if not isinstance(bitgen, BitGenerator):
        raise _err(
            "set_bit_generator", "bitgen must be an arrax BitGenerator", TypeError
        )
    _rs()._gen = Generator(bitgen)


def seed(seed=None):
    _rs().seed(seed)


def get_state(legacy=True):
    return _rs().get_state(legacy)


def set_state(state):
    _rs().set_state(state)


__all__ = [
    "RandomState",
    "get_bit_generator",
    "get_state",
    "seed",
    "set_bit_generator",
    "set_state",
]

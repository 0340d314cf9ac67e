"""arrax.random: numpy.random. Every name falls back to numpy.random for
now, counted as "random.NAME" in arrax.fallbacks. Generators returned by
``default_rng`` / ``RandomState`` are wrapped so that their methods return
arrax arrays too (counted as "random.Generator.NAME")."""

import numpy as _numpy

from arrax import fallbacks as _fallbacks

__getattr__ = _fallbacks.module_getattr("arrax.random", _numpy.random, "random.")
__dir__ = _fallbacks.module_dir(globals(), _numpy.random)

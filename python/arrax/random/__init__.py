"""arrax.random: numpy.random. Every name falls back to numpy.random for
now, counted as "random.NAME" in arrax.fallbacks. Generators returned by
``default_rng`` / ``RandomState`` are wrapped so that their methods return
arrax arrays too (counted as "random.Generator.NAME")."""

from arrax import fallbacks as _fallbacks

# numpy.random by name: imported at the first fallback, not by import arrax.
__getattr__ = _fallbacks.module_getattr("arrax.random", "numpy.random", "random.")
__dir__ = _fallbacks.module_dir(globals(), "numpy.random")

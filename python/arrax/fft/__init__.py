"""arrax.fft: numpy.fft. Every name falls back to numpy.fft for now,
counted as "fft.NAME" in arrax.fallbacks."""

import numpy as _numpy

from arrax import fallbacks as _fallbacks

__getattr__ = _fallbacks.module_getattr("arrax.fft", _numpy.fft, "fft.")
__dir__ = _fallbacks.module_dir(globals(), _numpy.fft)

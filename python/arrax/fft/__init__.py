"""arrax.fft: numpy.fft, native on every device (kissfft on the CPU, cuFFT
on the GPU; see docs/numpy.md). The names NumPy's module has beyond the
transforms (its `test` runner) fall back to numpy.fft, counted as
"fft.NAME" in arrax.fallbacks."""

import numpy as _numpy

from arrax import _core
from arrax import fallbacks as _fallbacks

fft = _core.fft_fft
ifft = _core.fft_ifft
rfft = _core.fft_rfft
irfft = _core.fft_irfft
hfft = _core.fft_hfft
ihfft = _core.fft_ihfft
fftn = _core.fft_fftn
ifftn = _core.fft_ifftn
rfftn = _core.fft_rfftn
irfftn = _core.fft_irfftn
fft2 = _core.fft_fft2
ifft2 = _core.fft_ifft2
rfft2 = _core.fft_rfft2
irfft2 = _core.fft_irfft2
fftfreq = _core.fft_fftfreq
rfftfreq = _core.fft_rfftfreq
fftshift = _core.fft_fftshift
ifftshift = _core.fft_ifftshift

__all__ = [
    "fft",
    "ifft",
    "rfft",
    "irfft",
    "hfft",
    "ihfft",
    "fftn",
    "ifftn",
    "rfftn",
    "irfftn",
    "fft2",
    "ifft2",
    "rfft2",
    "irfft2",
    "fftfreq",
    "rfftfreq",
    "fftshift",
    "ifftshift",
]

__getattr__ = _fallbacks.module_getattr("arrax.fft", _numpy.fft, "fft.")
__dir__ = _fallbacks.module_dir(globals(), _numpy.fft)

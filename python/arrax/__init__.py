"""arrax: NumPy and PyTorch on GPUs and CPUs, one C++ engine.

``import arrax as np`` gives the NumPy API on the default device (the GPU
when one is present, else the CPU). Names arrax does not implement natively
fall back to NumPy, counted in ``arrax.fallbacks``.
"""

# ruff: noqa: I001  (the import order matters: see the comments below)
import numpy as _numpy

from arrax import _core
from arrax._core import ndarray, result_type, promote_types, can_cast  # noqa: F401
from arrax._core import default_device, set_default_device  # noqa: F401
from arrax._device import device  # noqa: F401
from arrax._dtypes import *  # noqa: F403
from arrax._dtypes import LAZY_NAMES as _LAZY_NAMES
from arrax._ufuncs import *  # noqa: F403
from arrax._reductions import *  # noqa: F403
from arrax._creation import *  # noqa: F403
from arrax._manipulation import *  # noqa: F403
from arrax._indexing import *  # noqa: F403
from arrax._linalg_ops import *  # noqa: F403
from arrax._sorting import *  # noqa: F403
from arrax import _ndarray  # noqa: F401  (attaches Python-level methods)
from arrax._autograd import *  # noqa: F403
from arrax._ndarray import from_dlpack  # noqa: F401
from arrax import fallbacks
from arrax._config import show_config, show_runtime  # noqa: F401

# Subpackages after the families: arrax.linalg re-exports their natives.
from arrax import cuda, fft, linalg, random  # noqa: F401

__version__ = "0.1.0"

# Everything else NumPy has falls back to NumPy, counted (see
# docs/architecture.md, "Fallback to NumPy"). Names that are costly to make
# (bfloat16 imports ml_dtypes) are bound on first access; import arrax stays
# quick (benchmarks/: startup.import).
_fallback_getattr = fallbacks.module_getattr("arrax", _numpy, "")


def __getattr__(name):
    make = _LAZY_NAMES.get(name)
    if make is not None:
        value = globals()[name] = make()
        return value
    return _fallback_getattr(name)


__dir__ = fallbacks.module_dir(globals(), _numpy, extra=_LAZY_NAMES)

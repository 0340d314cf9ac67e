"""arrax: NumPy and PyTorch on GPUs and CPUs, one C++ engine.

``import arrax as np`` gives the NumPy API on the default device (the GPU
when one is present, else the CPU). Names arrax does not implement natively
fall back to NumPy, counted in ``arrax.fallbacks``.
"""

from arrax import _core
from arrax._core import ndarray, result_type, promote_types, can_cast  # noqa: F401
from arrax._dtypes import *  # noqa: F401,F403
from arrax._ufuncs import *  # noqa: F401,F403
from arrax._reductions import *  # noqa: F401,F403
from arrax._creation import *  # noqa: F401,F403
from arrax._manipulation import *  # noqa: F401,F403
from arrax._indexing import *  # noqa: F401,F403
from arrax._linalg_ops import *  # noqa: F401,F403
from arrax import _ndarray  # noqa: F401  (attaches Python-level methods)

__version__ = "0.1.0"

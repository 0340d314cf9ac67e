"""arrax.linalg: numpy.linalg. The matrix-product names arrax implements
natively are re-exported here; the rest falls back to numpy.linalg, counted
as "linalg.NAME" in arrax.fallbacks."""

import numpy as _numpy

import arrax as _arrax
from arrax import fallbacks as _fallbacks

# numpy.linalg names whose semantics equal the top-level arrax function of the
# same name (numpy.linalg.outer, trace, diagonal and cross differ from the
# top-level ones and are not re-exported).
_SHARED = ("matmul", "vecdot", "matrix_transpose", "tensordot")

for _name in _SHARED:
    _obj = vars(_arrax).get(_name)
    if _obj is not None and not _fallbacks.is_fallback(_obj):
        globals()[_name] = _obj
del _name, _obj


__getattr__ = _fallbacks.module_getattr("arrax.linalg", _numpy.linalg, "linalg.")
__dir__ = _fallbacks.module_dir(globals(), _numpy.linalg)

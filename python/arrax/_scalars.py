"""Where NumPy returns a scalar (a full reduction, integer indexing down to
0-d, ``item``-like access), arrax returns the same NumPy scalar type for
arrays on the CPU. For arrays on a GPU it returns a 0-d array, as CuPy
does, so that no call synchronizes the device behind the user's back."""

from arrax import _core


def wrap(result):
    """0-d CPU array -> NumPy scalar (np.float64(...), np.int8(...), ...);
    anything else unchanged."""
    if (
        isinstance(result, _core.ndarray)
        and result.ndim == 0
        and result._device_str == "cpu"
    ):
        return result._scalar()
    return result

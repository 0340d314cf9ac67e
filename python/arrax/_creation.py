"""Creation functions (array, asarray, zeros, ...)."""

from arrax import _core

asarray = _core.asarray

__all__ = ["asarray"]

"""``with arrax.device("cuda:0"):`` — the default device for a block."""

from arrax._core import default_device, set_default_device


class device:
    """Context manager that makes `dev` ("cpu", "cuda", "cuda:N" or a
    device object) the default device inside the block and restores the
    previous one after it. Creation functions and conversions without
    ``device=`` use the default device."""

    def __init__(self, dev):
        self._dev = dev
        self._prev = []

    def __enter__(self):
        self._prev.append(default_device())
        set_default_device(self._dev)
        return self

    def __exit__(self, *exc):
        set_default_device(self._prev.pop())
        return False

    def __repr__(self):
        return f"arrax.device({self._dev!r})"

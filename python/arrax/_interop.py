"""Small helpers the C++ bindings use to hand memory to NumPy."""


class _Holder:
    """Exposes an arrax array's memory to NumPy via __array_interface__.

    NumPy keeps this object alive as the base of the array it makes, and
    this object keeps the arrax array (and so its storage) alive.
    """

    __slots__ = ("__array_interface__", "_owner")

    def __init__(self, iface, owner):
        self.__array_interface__ = iface
        self._owner = owner

"""dtypes: arrax's dtype names are NumPy's own objects (and ml_dtypes'
bfloat16), so ``arrax.float32 == numpy.float32`` and ``a.dtype`` is a
``numpy.dtype``.

``bfloat16`` is not bound here: importing ml_dtypes costs more than the rest
of ``import arrax`` together, so ``arrax.bfloat16`` imports it on first use
(``LAZY_NAMES`` below, read by the package's ``__getattr__``)."""

import numpy

bool_ = numpy.bool_
int8 = numpy.int8
int16 = numpy.int16
int32 = numpy.int32
int64 = numpy.int64
uint8 = numpy.uint8
uint16 = numpy.uint16
uint32 = numpy.uint32
uint64 = numpy.uint64
float16 = numpy.float16
float32 = numpy.float32
float64 = numpy.float64
complex64 = numpy.complex64
complex128 = numpy.complex128

half = float16
single = float32
double = float64
float_ = float64
csingle = complex64
cdouble = complex128
complex_ = complex128
byte = int8
ubyte = uint8
short = int16
ushort = uint16
intc = int32
uintc = uint32
int_ = int64
intp = int64
uintp = uint64
long = int64
ulong = uint64
longlong = int64
ulonglong = uint64

dtype = numpy.dtype
finfo = numpy.finfo
iinfo = numpy.iinfo
generic = numpy.generic
number = numpy.number
integer = numpy.integer
signedinteger = numpy.signedinteger
unsignedinteger = numpy.unsignedinteger
inexact = numpy.inexact
floating = numpy.floating
complexfloating = numpy.complexfloating
bool = numpy.bool_  # noqa: A001 - NumPy 2 exports this name too

newaxis = None
pi = numpy.pi
e = numpy.e
inf = numpy.inf
nan = numpy.nan
euler_gamma = numpy.euler_gamma


def _bfloat16():
    """ml_dtypes.bfloat16, imported on first use."""
    import ml_dtypes

    return ml_dtypes.bfloat16


# Names bound on first access by arrax.__getattr__, with what makes them.
LAZY_NAMES = {"bfloat16": _bfloat16}

__all__ = [
    n for n in dir() if not n.startswith("_") and n not in ("numpy", "LAZY_NAMES")
]

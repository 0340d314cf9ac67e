import faulthandler, sys
faulthandler.enable()
import numpy
import arrax
print("avail", arrax.cuda.is_available(), arrax.default_device(), flush=True)
a = arrax.asarray(numpy.arange(3.0))
print("asarray ok", a.device, flush=True)
print("to numpy", numpy.asarray(a), flush=True)
b = a + a
print("a+a", numpy.asarray(b), flush=True)
c = a + 1
print("a+1", numpy.asarray(c), flush=True)
print(repr(c), flush=True)

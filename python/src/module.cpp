// arrax._core: the nanobind extension. One file per area
// (docs/architecture.md); each registers itself here.
#include "common.h"

NB_MODULE(_core, m) {
  m.doc() = "arrax C++ core";
  arrax::py::init_array(m);
  arrax::py::init_ops(m);
  arrax::py::init_cuda(m);
  arrax::py::init_linalg(m);
  arrax::py::init_fft(m);
  arrax::py::init_random(m);
  arrax::py::init_sort(m);
  arrax::py::init_numpy_linalg(m);
  arrax::py::init_pyapi(m);
  arrax::py::init_reductions(m);
  arrax::py::init_shape(m);
  arrax::py::init_indexing(m);
  arrax::py::init_ufuncs(m);
  arrax::py::init_autograd(m);
  arrax::py::init_config(m);
}

// Shape and dtype inference of the core primitives.
#include "arrax/ops.h"
#include "arrax/primitives.h"

namespace arrax {

OutputSpecs Ufunc::output_specs(std::span<const Array> inputs) const {
  Shape shape = broadcast_shapes(inputs, name());
  Dtype dt = ufunc_out_dtype(id_, loop_);
  OutputSpecs specs;
  for (int k = 0; k < ufunc_info(id_).nout; ++k) specs.push_back({shape, dt});
  return specs;
}

OutputSpecs Copy::output_specs(std::span<const Array>) const {
  OutputSpecs specs;
  specs.push_back({shape_, dtype_});
  return specs;
}

OutputSpecs Select::output_specs(std::span<const Array> inputs) const {
  OutputSpecs specs;
  specs.push_back({broadcast_shapes(inputs, "where"), inputs[1].dtype()});
  return specs;
}

}  // namespace arrax

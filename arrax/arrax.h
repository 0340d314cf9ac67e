#pragma once
// The public C++ API: #include <arrax/arrax.h>.
#include "arrax/array.h"
#include "arrax/device.h"
#include "arrax/dispatch.h"
#include "arrax/dtype.h"
#include "arrax/errors.h"
#include "arrax/fft.h"
#include "arrax/ops.h"
#include "arrax/ops_linalg.h"
#include "arrax/ops_shape.h"
#include "arrax/ops_reductions.h"
#include "arrax/ops_index.h"
#include "arrax/ops_ufuncs.h"

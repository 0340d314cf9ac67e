// Part 3 of the ufunc inner loops; see Note [Ufunc kernel units].
#define ARRAX_UFUNC_PART 3
#include "arrax/backend/cpu/ufunc_loops.h"

// Part 2 of the ufunc inner loops; see Note [Ufunc kernel units].
#define ARRAX_UFUNC_PART 2
#include "arrax/backend/cpu/ufunc_loops.h"

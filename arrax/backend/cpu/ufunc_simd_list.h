// The ufuncs with SLEEF loops: ARRAX_SIMD_LOOP(ufunc name, SLEEF name).
// Not asinh/acosh: SLEEF returns inf for inputs above ~1e154 (1e19 in
// float), where the true result is finite.
// No include guard: included with different definitions of the macro.
ARRAX_SIMD_LOOP(exp, exp)
ARRAX_SIMD_LOOP(exp2, exp2)
ARRAX_SIMD_LOOP(expm1, expm1)
ARRAX_SIMD_LOOP(log, log)
ARRAX_SIMD_LOOP(log2, log2)
ARRAX_SIMD_LOOP(log10, log10)
ARRAX_SIMD_LOOP(log1p, log1p)
ARRAX_SIMD_LOOP(sin, sin)
ARRAX_SIMD_LOOP(cos, cos)
ARRAX_SIMD_LOOP(tan, tan)
ARRAX_SIMD_LOOP(arcsin, asin)
ARRAX_SIMD_LOOP(arccos, acos)
ARRAX_SIMD_LOOP(arctan, atan)
ARRAX_SIMD_LOOP(sinh, sinh)
ARRAX_SIMD_LOOP(cosh, cosh)
ARRAX_SIMD_LOOP(tanh, tanh)
ARRAX_SIMD_LOOP(arctanh, atanh)
ARRAX_SIMD_LOOP(cbrt, cbrt)
// The hardware's correctly rounded square root (std::sqrt does not
// vectorize while it must set errno).
ARRAX_SIMD_LOOP(sqrt, arrax_sqrt)

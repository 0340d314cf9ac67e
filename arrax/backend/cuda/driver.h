#pragma once
// The CUDA driver API and NVRTC, loaded with dlopen so that the plugin (and
// arrax) load on machines without a GPU, a driver or the CUDA toolkit.
#include <cuda.h>
#include <nvrtc.h>

#include <string>

namespace arrax::cuda {

struct Driver {
  bool loaded = false;
  std::string error;  // why loading failed
#define ARRAX_CU_FN(name, ...) CUresult (*name)(__VA_ARGS__) = nullptr;
#include "arrax/backend/cuda/driver_fns.def"
#undef ARRAX_CU_FN
  // Optional (null on drivers without them): the launch thread needs both
  // (Note [Launch thread]).
  CUresult (*cuFuncGetParamInfo)(CUfunction, size_t, size_t*,
                                 size_t*) = nullptr;
  CUresult (*cuCtxGetCurrent)(CUcontext*) = nullptr;
};

struct Nvrtc {
  bool loaded = false;
  std::string error;
  nvrtcResult (*nvrtcVersion)(int*, int*) = nullptr;
  nvrtcResult (*nvrtcCreateProgram)(nvrtcProgram*, const char*, const char*,
                                    int, const char* const*,
                                    const char* const*) = nullptr;
  nvrtcResult (*nvrtcDestroyProgram)(nvrtcProgram*) = nullptr;
  nvrtcResult (*nvrtcCompileProgram)(nvrtcProgram, int,
                                     const char* const*) = nullptr;
  nvrtcResult (*nvrtcGetProgramLogSize)(nvrtcProgram, size_t*) = nullptr;
  nvrtcResult (*nvrtcGetProgramLog)(nvrtcProgram, char*) = nullptr;
  nvrtcResult (*nvrtcGetCUBINSize)(nvrtcProgram, size_t*) = nullptr;
  nvrtcResult (*nvrtcGetCUBIN)(nvrtcProgram, char*) = nullptr;
  nvrtcResult (*nvrtcAddNameExpression)(nvrtcProgram, const char*) = nullptr;
  nvrtcResult (*nvrtcGetLoweredName)(nvrtcProgram, const char*,
                                     const char**) = nullptr;
  const char* (*nvrtcGetErrorString)(nvrtcResult) = nullptr;
};

// Loaded once; check `.loaded`. Stream operations may go through the launch
// thread (Note [Launch thread]): driver().cuLaunchKernel and the frees and
// memsets on arrax's streams are queued, and every other stream operation
// first waits until the queue is issued.
Driver& driver();
Nvrtc& nvrtc();

// Throws arrax::ValueError (or MemoryError for out-of-memory) naming `what`.
void check(CUresult r, const char* what);

}  // namespace arrax::cuda

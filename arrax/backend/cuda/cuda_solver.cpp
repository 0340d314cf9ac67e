// CUDA evaluation of the factorization primitives (arrax/primitives_linalg.h)
// on cuSOLVER, loaded with dlopen like cuBLAS (cublas.cpp): the plugin loads
// where cuSOLVER is missing and only a factorization then fails, with
// "[linalg.solve] cuSOLVER was not found (...)".
//
// Note [cuSOLVER layouts]
// cuSOLVER is column-major. Each operand is copied once, on the device, into
// a C-contiguous buffer of shape (..., cols, rows), which holds every matrix
// of the batch in column-major order; results are read back through the
// transposed view of such buffers (a Copy into the output). The 64-bit
// generic API (cusolverDnX*) takes all four dtypes through one entry point;
// orgqr/ungqr, which it lacks, are the typed ones. Each matrix of a batch is
// one call on the current stream, except for the small matrices of Note
// [Batched cuSOLVER], with the device work area from the stream-ordered
// caching allocator and the host one, which some routines ask for, from the
// heap. cusolverDnXgesvd needs rows >= cols: a wide A is factored as A^H.
//
// Note [cuSOLVER info]
// cuSOLVER reports a singular or non-positive-definite matrix, and a
// factorization that did not converge, in a device `info` array (one int per
// matrix). NumPy raises LinAlgError there, so the array is read back once
// per call: a single device-to-host copy that waits for the stream, as
// CuPy's checks do. Slogdet needs no read (a singular matrix is a value:
// sign 0, log|det| -inf). The data themselves never leave the device.
#include <cusolverDn.h>
#include <dlfcn.h>

#include <cmath>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

#include "arrax/backend/cuda/cublas.h"
#include "arrax/backend/cuda/cuda_internal.h"
#include "arrax/errors.h"
#include "arrax/ops.h"
#include "arrax/ops_index.h"
#include "arrax/ops_linalg.h"
#include "arrax/ops_reductions.h"
#include "arrax/ops_shape.h"
#include "arrax/ops_ufuncs.h"
#include "arrax/primitives.h"
#include "arrax/primitives_linalg.h"

namespace arrax::cuda {

namespace {

struct Cusolver {
  bool loaded = false;
  std::string error;
  std::string path;
  cusolverStatus_t (*cusolverDnCreate)(cusolverDnHandle_t*) = nullptr;
  cusolverStatus_t (*cusolverDnSetStream)(cusolverDnHandle_t,
                                          cudaStream_t) = nullptr;
  cusolverStatus_t (*cusolverDnCreateParams)(cusolverDnParams_t*) = nullptr;
  cusolverStatus_t (*cusolverDnXgetrf_bufferSize)(
      cusolverDnHandle_t, cusolverDnParams_t, int64_t, int64_t, cudaDataType,
      const void*, int64_t, cudaDataType, size_t*, size_t*) = nullptr;
  cusolverStatus_t (*cusolverDnXgetrf)(cusolverDnHandle_t, cusolverDnParams_t,
                                       int64_t, int64_t, cudaDataType, void*,
                                       int64_t, int64_t*, cudaDataType, void*,
                                       size_t, void*, size_t, int*) = nullptr;
  cusolverStatus_t (*cusolverDnXgetrs)(cusolverDnHandle_t, cusolverDnParams_t,
                                       cublasOperation_t, int64_t, int64_t,
                                       cudaDataType, const void*, int64_t,
                                       const int64_t*, cudaDataType, void*,
                                       int64_t, int*) = nullptr;
  cusolverStatus_t (*cusolverDnXpotrf_bufferSize)(cusolverDnHandle_t,
                                                  cusolverDnParams_t,
                                                  cublasFillMode_t, int64_t,
                                                  cudaDataType, const void*,
                                                  int64_t, cudaDataType,
                                                  size_t*, size_t*) = nullptr;
  cusolverStatus_t (*cusolverDnXpotrf)(cusolverDnHandle_t, cusolverDnParams_t,
                                       cublasFillMode_t, int64_t, cudaDataType,
                                       void*, int64_t, cudaDataType, void*,
                                       size_t, void*, size_t, int*) = nullptr;
  cusolverStatus_t (*cusolverDnXgeqrf_bufferSize)(
      cusolverDnHandle_t, cusolverDnParams_t, int64_t, int64_t, cudaDataType,
      const void*, int64_t, cudaDataType, const void*, cudaDataType, size_t*,
      size_t*) = nullptr;
  cusolverStatus_t (*cusolverDnXgeqrf)(cusolverDnHandle_t, cusolverDnParams_t,
                                       int64_t, int64_t, cudaDataType, void*,
                                       int64_t, cudaDataType, void*,
                                       cudaDataType, void*, size_t, void*,
                                       size_t, int*) = nullptr;
  cusolverStatus_t (*cusolverDnXsyevd_bufferSize)(
      cusolverDnHandle_t, cusolverDnParams_t, cusolverEigMode_t,
      cublasFillMode_t, int64_t, cudaDataType, const void*, int64_t,
      cudaDataType, const void*, cudaDataType, size_t*, size_t*) = nullptr;
  cusolverStatus_t (*cusolverDnXsyevd)(cusolverDnHandle_t, cusolverDnParams_t,
                                       cusolverEigMode_t, cublasFillMode_t,
                                       int64_t, cudaDataType, void*, int64_t,
                                       cudaDataType, void*, cudaDataType, void*,
                                       size_t, void*, size_t, int*) = nullptr;
  cusolverStatus_t (*cusolverDnXgesvd_bufferSize)(
      cusolverDnHandle_t, cusolverDnParams_t, signed char, signed char, int64_t,
      int64_t, cudaDataType, const void*, int64_t, cudaDataType, const void*,
      cudaDataType, const void*, int64_t, cudaDataType, const void*, int64_t,
      cudaDataType, size_t*, size_t*) = nullptr;
  cusolverStatus_t (*cusolverDnXgesvd)(cusolverDnHandle_t, cusolverDnParams_t,
                                       signed char, signed char, int64_t,
                                       int64_t, cudaDataType, void*, int64_t,
                                       cudaDataType, void*, cudaDataType, void*,
                                       int64_t, cudaDataType, void*, int64_t,
                                       cudaDataType, void*, size_t, void*,
                                       size_t, int*) = nullptr;
  // CUDA 12.6 and later only (optional).
  cusolverStatus_t (*cusolverDnXgeev_bufferSize)(
      cusolverDnHandle_t, cusolverDnParams_t, cusolverEigMode_t,
      cusolverEigMode_t, int64_t, cudaDataType, const void*, int64_t,
      cudaDataType, const void*, cudaDataType, const void*, int64_t,
      cudaDataType, const void*, int64_t, cudaDataType, size_t*,
      size_t*) = nullptr;
  cusolverStatus_t (*cusolverDnXgeev)(cusolverDnHandle_t, cusolverDnParams_t,
                                      cusolverEigMode_t, cusolverEigMode_t,
                                      int64_t, cudaDataType, void*, int64_t,
                                      cudaDataType, void*, cudaDataType, void*,
                                      int64_t, cudaDataType, void*, int64_t,
                                      cudaDataType, void*, size_t, void*,
                                      size_t, int*) = nullptr;
  // Batched routines for many small matrices (optional: the per-matrix
  // calls stand in where they are missing).
  cusolverStatus_t (*cusolverDnCreateSyevjInfo)(syevjInfo_t*) = nullptr;
  cusolverStatus_t (*cusolverDnXsyevjSetSortEig)(syevjInfo_t, int) = nullptr;
  cusolverStatus_t (*cusolverDnSsyevjBatched_bufferSize)(
      cusolverDnHandle_t, cusolverEigMode_t, cublasFillMode_t, int,
      const float*, int, const float*, int*, syevjInfo_t, int) = nullptr;
  cusolverStatus_t (*cusolverDnDsyevjBatched_bufferSize)(
      cusolverDnHandle_t, cusolverEigMode_t, cublasFillMode_t, int,
      const double*, int, const double*, int*, syevjInfo_t, int) = nullptr;
  cusolverStatus_t (*cusolverDnCheevjBatched_bufferSize)(
      cusolverDnHandle_t, cusolverEigMode_t, cublasFillMode_t, int,
      const cuComplex*, int, const float*, int*, syevjInfo_t, int) = nullptr;
  cusolverStatus_t (*cusolverDnZheevjBatched_bufferSize)(
      cusolverDnHandle_t, cusolverEigMode_t, cublasFillMode_t, int,
      const cuDoubleComplex*, int, const double*, int*, syevjInfo_t,
      int) = nullptr;
  cusolverStatus_t (*cusolverDnSsyevjBatched)(cusolverDnHandle_t,
                                              cusolverEigMode_t,
                                              cublasFillMode_t, int, float*,
                                              int, float*, float*, int, int*,
                                              syevjInfo_t, int) = nullptr;
  cusolverStatus_t (*cusolverDnDsyevjBatched)(cusolverDnHandle_t,
                                              cusolverEigMode_t,
                                              cublasFillMode_t, int, double*,
                                              int, double*, double*, int, int*,
                                              syevjInfo_t, int) = nullptr;
  cusolverStatus_t (*cusolverDnCheevjBatched)(cusolverDnHandle_t,
                                              cusolverEigMode_t,
                                              cublasFillMode_t, int, cuComplex*,
                                              int, float*, cuComplex*, int,
                                              int*, syevjInfo_t, int) = nullptr;
  cusolverStatus_t (*cusolverDnZheevjBatched)(cusolverDnHandle_t,
                                              cusolverEigMode_t,
                                              cublasFillMode_t, int,
                                              cuDoubleComplex*, int, double*,
                                              cuDoubleComplex*, int, int*,
                                              syevjInfo_t, int) = nullptr;
  cusolverStatus_t (*cusolverDnSpotrfBatched)(cusolverDnHandle_t,
                                              cublasFillMode_t, int, float**,
                                              int, int*, int) = nullptr;
  cusolverStatus_t (*cusolverDnDpotrfBatched)(cusolverDnHandle_t,
                                              cublasFillMode_t, int, double**,
                                              int, int*, int) = nullptr;
  cusolverStatus_t (*cusolverDnCpotrfBatched)(cusolverDnHandle_t,
                                              cublasFillMode_t, int,
                                              cuComplex**, int, int*,
                                              int) = nullptr;
  cusolverStatus_t (*cusolverDnZpotrfBatched)(cusolverDnHandle_t,
                                              cublasFillMode_t, int,
                                              cuDoubleComplex**, int, int*,
                                              int) = nullptr;
  cusolverStatus_t (*cusolverDnCreateGesvdjInfo)(gesvdjInfo_t*) = nullptr;
  cusolverStatus_t (*cusolverDnXgesvdjSetSortEig)(gesvdjInfo_t, int) = nullptr;
  // gesvdjBatched by type, through one pointer type (their pointer
  // arguments differ only in element type; S is real).
  cusolverStatus_t (*gesvdj_size[4])(cusolverDnHandle_t, cusolverEigMode_t, int,
                                     int, const void*, int, const void*,
                                     const void*, int, const void*, int, int*,
                                     gesvdjInfo_t, int) = {};
  cusolverStatus_t (*gesvdj[4])(cusolverDnHandle_t, cusolverEigMode_t, int, int,
                                void*, int, void*, void*, int, void*, int,
                                void*, int, int*, gesvdjInfo_t, int) = {};
  bool gesvdj_ok = false;
  bool batched = false;  // every one of the above was found
  // orgqr / ungqr by type.
  cusolverStatus_t (*cusolverDnSorgqr_bufferSize)(cusolverDnHandle_t, int, int,
                                                  int, const float*, int,
                                                  const float*, int*) = nullptr;
  cusolverStatus_t (*cusolverDnDorgqr_bufferSize)(cusolverDnHandle_t, int, int,
                                                  int, const double*, int,
                                                  const double*,
                                                  int*) = nullptr;
  cusolverStatus_t (*cusolverDnCungqr_bufferSize)(cusolverDnHandle_t, int, int,
                                                  int, const cuComplex*, int,
                                                  const cuComplex*,
                                                  int*) = nullptr;
  cusolverStatus_t (*cusolverDnZungqr_bufferSize)(cusolverDnHandle_t, int, int,
                                                  int, const cuDoubleComplex*,
                                                  int, const cuDoubleComplex*,
                                                  int*) = nullptr;
  cusolverStatus_t (*cusolverDnSorgqr)(cusolverDnHandle_t, int, int, int,
                                       float*, int, const float*, float*, int,
                                       int*) = nullptr;
  cusolverStatus_t (*cusolverDnDorgqr)(cusolverDnHandle_t, int, int, int,
                                       double*, int, const double*, double*,
                                       int, int*) = nullptr;
  cusolverStatus_t (*cusolverDnCungqr)(cusolverDnHandle_t, int, int, int,
                                       cuComplex*, int, const cuComplex*,
                                       cuComplex*, int, int*) = nullptr;
  cusolverStatus_t (*cusolverDnZungqr)(cusolverDnHandle_t, int, int, int,
                                       cuDoubleComplex*, int,
                                       const cuDoubleComplex*, cuDoubleComplex*,
                                       int, int*) = nullptr;
};

void load_cusolver(Cusolver& c) {
  // libcusolver needs libcublas(Lt), libcusparse and libnvJitLink. Its
  // RUNPATH ($ORIGIN) finds them in the toolkit and in the CUDA 13 wheel;
  // the CUDA 12 wheels keep each in its own folder, so cuBLAS is opened
  // first (cublas()) and the other two are preloaded from wherever they are.
  cublas();
  std::vector<std::string> prefixes = {""};
  for (const std::string& dir :
       cuda_library_dirs({"/nvidia/cu13/lib", "/nvidia/cusolver/lib",
                          "/nvidia/cusparse/lib", "/nvidia/nvjitlink/lib"}))
    prefixes.push_back(dir + "/");
  const char* deps[2][2] = {{"libnvJitLink.so.13", "libnvJitLink.so.12"},
                            {"libcusparse.so.12", "libcusparse.so.11"}};
  for (auto& family : deps) {
    bool found = false;
    for (const char* dep : family)
      for (const std::string& pre : prefixes)
        if (!found && dlopen((pre + dep).c_str(), RTLD_NOW | RTLD_GLOBAL))
          found = true;
  }
  void* h = nullptr;
  for (const std::string& pre : prefixes) {
    for (const char* v : {"12", "11"}) {
      std::string lib = pre + "libcusolver.so." + v;
      if ((h = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL))) {
        c.path = lib;
        break;
      }
    }
    if (h) break;
  }
  if (!h) {
    c.error =
        "no libcusolver.so.12 or .11 on the loader's path, in "
        "$CUDA_HOME/lib64, /usr/local/cuda/lib64 or the nvidia pip wheels "
        "(nvidia-cusolver); install the CUDA toolkit or `pip install "
        "nvidia-cusolver`";
    return;
  }
  bool ok = true;
  auto sym = [&](const char* s, bool required) {
    void* p = dlsym(h, s);
    if (!p && required && ok) {
      ok = false;
      c.error =
          std::string("cuSOLVER entry point ") + s + " not found in " + c.path;
    }
    return p;
  };
#define ARRAX_CUSOLVER_FN(name, required) \
  c.name = reinterpret_cast<decltype(c.name)>(sym(#name, required));
  ARRAX_CUSOLVER_FN(cusolverDnCreate, true)
  ARRAX_CUSOLVER_FN(cusolverDnSetStream, true)
  ARRAX_CUSOLVER_FN(cusolverDnCreateParams, true)
  ARRAX_CUSOLVER_FN(cusolverDnXgetrf_bufferSize, true)
  ARRAX_CUSOLVER_FN(cusolverDnXgetrf, true)
  ARRAX_CUSOLVER_FN(cusolverDnXgetrs, true)
  ARRAX_CUSOLVER_FN(cusolverDnXpotrf_bufferSize, true)
  ARRAX_CUSOLVER_FN(cusolverDnXpotrf, true)
  ARRAX_CUSOLVER_FN(cusolverDnXgeqrf_bufferSize, true)
  ARRAX_CUSOLVER_FN(cusolverDnXgeqrf, true)
  ARRAX_CUSOLVER_FN(cusolverDnXsyevd_bufferSize, true)
  ARRAX_CUSOLVER_FN(cusolverDnXsyevd, true)
  ARRAX_CUSOLVER_FN(cusolverDnXgesvd_bufferSize, true)
  ARRAX_CUSOLVER_FN(cusolverDnXgesvd, true)
  ARRAX_CUSOLVER_FN(cusolverDnXgeev_bufferSize, false)
  ARRAX_CUSOLVER_FN(cusolverDnXgeev, false)
  ARRAX_CUSOLVER_FN(cusolverDnSorgqr_bufferSize, true)
  ARRAX_CUSOLVER_FN(cusolverDnDorgqr_bufferSize, true)
  ARRAX_CUSOLVER_FN(cusolverDnCungqr_bufferSize, true)
  ARRAX_CUSOLVER_FN(cusolverDnZungqr_bufferSize, true)
  ARRAX_CUSOLVER_FN(cusolverDnSorgqr, true)
  ARRAX_CUSOLVER_FN(cusolverDnDorgqr, true)
  ARRAX_CUSOLVER_FN(cusolverDnCungqr, true)
  ARRAX_CUSOLVER_FN(cusolverDnZungqr, true)
  ARRAX_CUSOLVER_FN(cusolverDnCreateSyevjInfo, false)
  ARRAX_CUSOLVER_FN(cusolverDnXsyevjSetSortEig, false)
  ARRAX_CUSOLVER_FN(cusolverDnSsyevjBatched_bufferSize, false)
  ARRAX_CUSOLVER_FN(cusolverDnDsyevjBatched_bufferSize, false)
  ARRAX_CUSOLVER_FN(cusolverDnCheevjBatched_bufferSize, false)
  ARRAX_CUSOLVER_FN(cusolverDnZheevjBatched_bufferSize, false)
  ARRAX_CUSOLVER_FN(cusolverDnSsyevjBatched, false)
  ARRAX_CUSOLVER_FN(cusolverDnDsyevjBatched, false)
  ARRAX_CUSOLVER_FN(cusolverDnCheevjBatched, false)
  ARRAX_CUSOLVER_FN(cusolverDnZheevjBatched, false)
  ARRAX_CUSOLVER_FN(cusolverDnSpotrfBatched, false)
  ARRAX_CUSOLVER_FN(cusolverDnDpotrfBatched, false)
  ARRAX_CUSOLVER_FN(cusolverDnCpotrfBatched, false)
  ARRAX_CUSOLVER_FN(cusolverDnZpotrfBatched, false)
  ARRAX_CUSOLVER_FN(cusolverDnCreateGesvdjInfo, false)
  ARRAX_CUSOLVER_FN(cusolverDnXgesvdjSetSortEig, false)
#undef ARRAX_CUSOLVER_FN
  {
    const char* sz[4] = {"cusolverDnSgesvdjBatched_bufferSize",
                         "cusolverDnDgesvdjBatched_bufferSize",
                         "cusolverDnCgesvdjBatched_bufferSize",
                         "cusolverDnZgesvdjBatched_bufferSize"};
    const char* fn[4] = {"cusolverDnSgesvdjBatched", "cusolverDnDgesvdjBatched",
                         "cusolverDnCgesvdjBatched",
                         "cusolverDnZgesvdjBatched"};
    bool g = c.cusolverDnCreateGesvdjInfo && c.cusolverDnXgesvdjSetSortEig;
    for (int i = 0; i < 4; ++i) {
      c.gesvdj_size[i] =
          reinterpret_cast<std::remove_reference_t<decltype(c.gesvdj_size[0])>>(
              dlsym(h, sz[i]));
      c.gesvdj[i] =
          reinterpret_cast<std::remove_reference_t<decltype(c.gesvdj[0])>>(
              dlsym(h, fn[i]));
      g = g && c.gesvdj_size[i] && c.gesvdj[i];
    }
    c.gesvdj_ok = g;
  }
  c.batched = c.cusolverDnCreateSyevjInfo && c.cusolverDnXsyevjSetSortEig &&
              c.cusolverDnSsyevjBatched_bufferSize &&
              c.cusolverDnDsyevjBatched_bufferSize &&
              c.cusolverDnCheevjBatched_bufferSize &&
              c.cusolverDnZheevjBatched_bufferSize &&
              c.cusolverDnSsyevjBatched && c.cusolverDnDsyevjBatched &&
              c.cusolverDnCheevjBatched && c.cusolverDnZheevjBatched &&
              c.cusolverDnSpotrfBatched && c.cusolverDnDpotrfBatched &&
              c.cusolverDnCpotrfBatched && c.cusolverDnZpotrfBatched;
  c.loaded = ok;
}

Cusolver& cusolver() {
  static Cusolver* c = [] {
    auto* p = new Cusolver();
    load_cusolver(*p);
    return p;
  }();
  return *c;
}

void check(cusolverStatus_t r, const char* op, const char* what) {
  if (r == CUSOLVER_STATUS_SUCCESS) return;
  std::string m = std::string("[") + op + "] " + what +
                  " failed: cuSOLVER status " +
                  std::to_string(static_cast<int>(r));
  if (r == CUSOLVER_STATUS_ALLOC_FAILED) throw MemoryError(m);
  throw ValueError(m);
}

cudaDataType data_type(Dtype dt) {
  switch (dt) {
    case Dtype::Float32:
      return CUDA_R_32F;
    case Dtype::Float64:
      return CUDA_R_64F;
    case Dtype::Complex64:
      return CUDA_C_32F;
    case Dtype::Complex128:
      return CUDA_C_64F;
    default:
      throw TypeError(std::string("[linalg] array type ") + dtype_name(dt) +
                      " is unsupported in linalg");
  }
}

// ---- handles, streams, buffers -------------------------------------------

std::mutex g_solver_mutex;  // guards the handles and their stream

struct Handles {
  cusolverDnHandle_t h = nullptr;
  cusolverDnParams_t params = nullptr;
};

// One handle per device, bound to the current stream, with arrax's queued
// launches issued first (Note [Launch thread]). Called with the mutex held.
Handles session(CudaBackend& b, int dev, const char* op) {
  Cusolver& cs = cusolver();
  if (!cs.loaded)
    throw NotImplementedError(std::string("[") + op +
                              "] cuSOLVER was not found (" + cs.error + ")");
  static std::vector<Handles> handles;
  if (static_cast<int>(handles.size()) <= dev)
    handles.resize(static_cast<size_t>(dev) + 1);
  DeviceState& ds = b.state(dev);
  Handles& hs = handles[dev];
  if (!hs.h) {
    check(cs.cusolverDnCreate(&hs.h), op, "cusolverDnCreate");
    check(cs.cusolverDnCreateParams(&hs.params), op, "cusolverDnCreateParams");
  }
  flush_launches();
  check(cs.cusolverDnSetStream(hs.h, ds.stream), op, "cusolverDnSetStream");
  return hs;
}

// Device and host work areas of the sizes a *_bufferSize call reported.
struct Work {
  Array device;
  std::vector<char> host;
  void* d() { return device.valid() ? device.data() : nullptr; }
  void* h() { return host.empty() ? nullptr : host.data(); }
  Work(CudaBackend& b, Device dev, size_t dbytes, size_t hbytes)
      : host(hbytes) {
    if (dbytes) device = b.scratch(static_cast<int64_t>(dbytes), dev);
  }
};

Array swap_last(const Array& a) {
  return swapaxes(a, a.ndim() - 1, a.ndim() - 2);
}

// dst <- src (same shape), on the device.
void copy_into(CudaBackend& b, const Array& src, const Array& dst) {
  Copy copy(dst.dtype(), dst.shape());
  Array in[1] = {src};
  Array out[1] = {dst};
  b.eval(copy, in, out);
}

// See Note [cuSOLVER layouts]: x (..., r, c) -> buffer (..., c, r).
Array colmajor(CudaBackend& b, const Array& x_in, Device dev) {
  Array x = CudaBackend::on_device(x_in, dev);
  Shape s = x.shape();
  std::swap(s[s.size() - 1], s[s.size() - 2]);
  Array y = Array::empty(s, x.dtype(), dev);
  copy_into(b, x, swap_last(y));
  return y;
}

int64_t batch_count(const Array& a, int core) {
  int64_t n = 1;
  for (int d = 0; d + core < a.ndim(); ++d) n *= a.shape()[d];
  return n;
}

// Matrix i of a C-contiguous buffer of matrices of `elems` elements each.
void* item(const Array& buf, int64_t i, int64_t elems) {
  return static_cast<char*>(buf.data()) + i * elems * buf.itemsize();
}

Array info_array(int64_t n, Device dev) {
  return zeros({std::max<int64_t>(n, 1)}, Dtype::Int32, dev);
}

// The indices of the matrices whose info is positive (one device-to-host
// read; Note [cuSOLVER info]).
std::vector<int64_t> failed(const Array& info) {
  Array h = to_device(info, Device::cpu());
  const int32_t* p = h.data<int32_t>();
  std::vector<int64_t> bad;
  for (int64_t i = 0; i < h.size(); ++i)
    if (p[i] > 0) bad.push_back(i);
  return bad;
}

int as_int(int64_t v, const char* op) {
  if (v > std::numeric_limits<int>::max())
    throw ValueError(std::string("[") + op + "] dimension " +
                     std::to_string(v) + " exceeds what cuSOLVER can index");
  return static_cast<int>(v);
}

Array eye_as(int64_t n, Dtype dt, Device dev) {
  return eye(n, std::nullopt, 0, dt, dev);
}

// Note [Batched cuSOLVER]
// Many small matrices go through the batched routines, one call for the
// whole batch: cuBLAS's getrfBatched + getrsBatched (int32 pivots) for
// solve, inv and slogdet up to kBatchedLuMax, potrfBatched (a device array
// of matrix pointers) for Cholesky up to kBatchedPotrfMax, syevjBatched and
// gesvdjBatched (Jacobi; eigenvalues sorted ascending as syevd's, singular
// values descending) for eigh and svd up to 32, cuSOLVER's own limit.
// Larger matrices, single ones, and libraries without these entry points
// take one generic-API call per matrix.
constexpr int64_t kBatchedPotrfMax = 128;
constexpr int64_t kBatchedSyevjMax = 32;

bool use_batched(int64_t nb, int64_t n, int64_t max_n) {
  return nb > 1 && n <= max_n && n > 0 && cusolver().batched &&
         nb <= std::numeric_limits<int>::max();
}

// A device array of the pointers to the nb matrices of buffer `a`, made on
// the device (base + i * bytes; an upload would synchronize the stream).
Array pointer_array(const Array& a, int64_t nb, int64_t elems) {
  int64_t base = static_cast<int64_t>(reinterpret_cast<uintptr_t>(a.data()));
  Array i = arange(0, nb, 1, Dtype::Int64, a.device());
  return add(multiply(i, weak_scalar(elems * a.itemsize())), weak_scalar(base));
}

void potrf_batched(const Handles& hs, const Array& a, int64_t n, int64_t nb,
                   cublasFillMode_t uplo, const Array& info,
                   const Array& ptrs) {
  Cusolver& cs = cusolver();
  const char* op = "linalg.cholesky";
  int ni = static_cast<int>(n), bi = static_cast<int>(nb);
  int* inf = static_cast<int*>(info.data());
  void* pp = ptrs.data();
  switch (a.dtype()) {
    case Dtype::Float32:
      check(
          cs.cusolverDnSpotrfBatched(hs.h, uplo, ni, (float**)pp, ni, inf, bi),
          op, "cusolverDnSpotrfBatched");
      break;
    case Dtype::Float64:
      check(
          cs.cusolverDnDpotrfBatched(hs.h, uplo, ni, (double**)pp, ni, inf, bi),
          op, "cusolverDnDpotrfBatched");
      break;
    case Dtype::Complex64:
      check(cs.cusolverDnCpotrfBatched(hs.h, uplo, ni, (cuComplex**)pp, ni, inf,
                                       bi),
            op, "cusolverDnCpotrfBatched");
      break;
    default:
      check(cs.cusolverDnZpotrfBatched(hs.h, uplo, ni, (cuDoubleComplex**)pp,
                                       ni, inf, bi),
            op, "cusolverDnZpotrfBatched");
      break;
  }
}

// syevjBatched over the nb matrices of `a` (n x n, lda n) into w (nb, n).
void syevj_batched(CudaBackend& b, const Handles& hs, const Array& a,
                   const Array& w, int64_t n, int64_t nb,
                   cusolverEigMode_t jobz, cublasFillMode_t uplo,
                   const Array& info) {
  Cusolver& cs = cusolver();
  const char* op = "linalg.eigh";
  static syevjInfo_t params = nullptr;  // guarded by g_solver_mutex
  if (!params) {
    check(cs.cusolverDnCreateSyevjInfo(&params), op,
          "cusolverDnCreateSyevjInfo");
    check(cs.cusolverDnXsyevjSetSortEig(params, 1), op,
          "cusolverDnXsyevjSetSortEig");
  }
  int ni = static_cast<int>(n), bi = static_cast<int>(nb), lwork = 0;
  void* A = a.data();
  void* W = w.data();
  int* inf = static_cast<int*>(info.data());
  Dtype dt = a.dtype();
  switch (dt) {
    case Dtype::Float32:
      check(cs.cusolverDnSsyevjBatched_bufferSize(
                hs.h, jobz, uplo, ni, (const float*)A, ni, (const float*)W,
                &lwork, params, bi),
            op, "cusolverDnSsyevjBatched_bufferSize");
      break;
    case Dtype::Float64:
      check(cs.cusolverDnDsyevjBatched_bufferSize(
                hs.h, jobz, uplo, ni, (const double*)A, ni, (const double*)W,
                &lwork, params, bi),
            op, "cusolverDnDsyevjBatched_bufferSize");
      break;
    case Dtype::Complex64:
      check(cs.cusolverDnCheevjBatched_bufferSize(
                hs.h, jobz, uplo, ni, (const cuComplex*)A, ni, (const float*)W,
                &lwork, params, bi),
            op, "cusolverDnCheevjBatched_bufferSize");
      break;
    default:
      check(cs.cusolverDnZheevjBatched_bufferSize(
                hs.h, jobz, uplo, ni, (const cuDoubleComplex*)A, ni,
                (const double*)W, &lwork, params, bi),
            op, "cusolverDnZheevjBatched_bufferSize");
      break;
  }
  Array work = b.scratch(std::max(lwork, 1) * itemsize(dt), a.device());
  void* wk = work.data();
  switch (dt) {
    case Dtype::Float32:
      check(cs.cusolverDnSsyevjBatched(hs.h, jobz, uplo, ni, (float*)A, ni,
                                       (float*)W, (float*)wk, lwork, inf,
                                       params, bi),
            op, "cusolverDnSsyevjBatched");
      break;
    case Dtype::Float64:
      check(cs.cusolverDnDsyevjBatched(hs.h, jobz, uplo, ni, (double*)A, ni,
                                       (double*)W, (double*)wk, lwork, inf,
                                       params, bi),
            op, "cusolverDnDsyevjBatched");
      break;
    case Dtype::Complex64:
      check(cs.cusolverDnCheevjBatched(hs.h, jobz, uplo, ni, (cuComplex*)A, ni,
                                       (float*)W, (cuComplex*)wk, lwork, inf,
                                       params, bi),
            op, "cusolverDnCheevjBatched");
      break;
    default:
      check(cs.cusolverDnZheevjBatched(
                hs.h, jobz, uplo, ni, (cuDoubleComplex*)A, ni, (double*)W,
                (cuDoubleComplex*)wk, lwork, inf, params, bi),
            op, "cusolverDnZheevjBatched");
      break;
  }
}

// cuBLAS's batched LU (getrfBatched / getrsBatched) for many small
// matrices; see Note [Batched cuSOLVER]. Typed entry points taken through
// one pointer type each (their pointer arguments differ only in element
// type). Called with g_solver_mutex held.
struct CublasLu {
  bool ok = false;
  cublasStatus_t (*getrf[4])(cublasHandle_t, int, void* const*, int, int*, int*,
                             int) = {};
  cublasStatus_t (*getrs[4])(cublasHandle_t, cublasOperation_t, int, int,
                             const void* const*, int, const int*, void* const*,
                             int, int*, int) = {};
};

CublasLu& cublas_lu() {
  static CublasLu* lu = [] {
    auto* l = new CublasLu();
    Cublas& cb = cublas();
    if (!cb.loaded) return l;
    void* h = dlopen(cb.path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) return l;
    const char* rf[4] = {"cublasSgetrfBatched", "cublasDgetrfBatched",
                         "cublasCgetrfBatched", "cublasZgetrfBatched"};
    const char* rs[4] = {"cublasSgetrsBatched", "cublasDgetrsBatched",
                         "cublasCgetrsBatched", "cublasZgetrsBatched"};
    bool ok = true;
    for (int i = 0; i < 4; ++i) {
      l->getrf[i] =
          reinterpret_cast<std::remove_reference_t<decltype(l->getrf[0])>>(
              dlsym(h, rf[i]));
      l->getrs[i] =
          reinterpret_cast<std::remove_reference_t<decltype(l->getrs[0])>>(
              dlsym(h, rs[i]));
      ok = ok && l->getrf[i] && l->getrs[i];
    }
    l->ok = ok;
    return l;
  }();
  return *lu;
}

int type_index(Dtype dt) {
  switch (dt) {
    case Dtype::Float32:
      return 0;
    case Dtype::Float64:
      return 1;
    case Dtype::Complex64:
      return 2;
    default:
      return 3;
  }
}

constexpr int64_t kBatchedLuMax = 128;

bool use_batched_lu(int64_t nb, int64_t n) {
  return nb > 1 && n > 0 && n <= kBatchedLuMax &&
         nb <= std::numeric_limits<int>::max() && cublas_lu().ok;
}

// A cuBLAS handle per device on the current stream (after session()).
cublasHandle_t lu_handle(CudaBackend& b, int dev, const char* op) {
  static std::vector<cublasHandle_t> handles;
  if (static_cast<int>(handles.size()) <= dev)
    handles.resize(static_cast<size_t>(dev) + 1, nullptr);
  DeviceState& ds = b.state(dev);
  if (!handles[dev])
    check_cublas(cublas().cublasCreate_v2(&handles[dev]), "cublasCreate");
  check_cublas(cublas().cublasSetStream_v2(handles[dev], ds.stream),
               "cublasSetStream");
  return handles[dev];
}

// LU of the nb matrices behind `pa` (n x n, lda n) with int32 pivots
// (nb, n) and info (nb); then, when pb is valid, the solves of the nb
// right-hand sides behind it (n x k, ldb n).
void lu_batched(CudaBackend& b, Device dev, Dtype dt, int64_t n, int64_t k,
                int64_t nb, const Array& pa, const Array& pb, const Array& piv,
                const Array& info, const char* op) {
  CublasLu& lu = cublas_lu();
  cublasHandle_t h = lu_handle(b, dev.index, op);
  int t = type_index(dt);
  int ni = static_cast<int>(n), bi = static_cast<int>(nb);
  check_cublas(lu.getrf[t](h, ni, static_cast<void* const*>(pa.data()), ni,
                           static_cast<int*>(piv.data()),
                           static_cast<int*>(info.data()), bi),
               "getrfBatched");
  if (!pb.valid()) return;
  int host_info = 0;
  check_cublas(
      lu.getrs[t](h, CUBLAS_OP_N, ni, static_cast<int>(k),
                  static_cast<const void* const*>(pa.data()), ni,
                  static_cast<const int*>(piv.data()),
                  static_cast<void* const*>(pb.data()), ni, &host_info, bi),
      "getrsBatched");
}

// ---- LU --------------------------------------------------------------------

// LU factors (column-major, in `a`) and pivots of each matrix; info per
// matrix (> 0: exactly singular).
void lu_batch(CudaBackend& b, const Handles& hs, const Array& a, int64_t n,
              int64_t nb, const Array& ipiv, int64_t ipiv_stride,
              const Array& info, const char* op) {
  Cusolver& cs = cusolver();
  cudaDataType t = data_type(a.dtype());
  size_t dsz = 0, hsz = 0;
  check(cs.cusolverDnXgetrf_bufferSize(hs.h, hs.params, n, n, t, a.data(), n, t,
                                       &dsz, &hsz),
        op, "cusolverDnXgetrf_bufferSize");
  Work w(b, a.device(), dsz, hsz);
  for (int64_t i = 0; i < nb; ++i)
    check(cs.cusolverDnXgetrf(
              hs.h, hs.params, n, n, t, item(a, i, n * n), n,
              static_cast<int64_t*>(ipiv.data()) + i * ipiv_stride, t, w.d(),
              dsz, w.h(), hsz, static_cast<int*>(info.data()) + i),
          op, "cusolverDnXgetrf");
}

void eval_solve(CudaBackend& b, Solve& p, std::span<const Array> inputs,
                std::span<Array> outputs) {
  const Array& out = outputs[0];
  if (out.size() == 0) return;
  Device dev = out.device();
  const char* op = p.op();
  int64_t n = inputs[0].shape()[inputs[0].ndim() - 1];
  int64_t k = inputs[1].shape()[inputs[1].ndim() - 1];
  int64_t nb = batch_count(out, 2);
  Array a = colmajor(b, inputs[0], dev);
  Array x = colmajor(b, inputs[1], dev);
  Array info = info_array(nb, dev);
  if (use_batched_lu(nb, n)) {
    Array pa = pointer_array(a, nb, n * n), pb = pointer_array(x, nb, n * k);
    Array piv = Array::empty({nb, n}, Dtype::Int32, dev);
    std::lock_guard<std::mutex> lock(g_solver_mutex);
    session(b, dev.index, op);
    lu_batched(b, dev, a.dtype(), n, k, nb, pa, pb, piv, info, op);
  } else {
    Array ipiv = Array::empty({std::max<int64_t>(n, 1)}, Dtype::Int64, dev);
    Array rs_info = info_array(1, dev);
    std::lock_guard<std::mutex> lock(g_solver_mutex);
    Handles hs = session(b, dev.index, op);
    Cusolver& cs = cusolver();
    cudaDataType t = data_type(a.dtype());
    size_t dsz = 0, hsz = 0;
    check(cs.cusolverDnXgetrf_bufferSize(hs.h, hs.params, n, n, t, a.data(), n,
                                         t, &dsz, &hsz),
          op, "cusolverDnXgetrf_bufferSize");
    Work w(b, dev, dsz, hsz);
    for (int64_t i = 0; i < nb; ++i) {
      check(
          cs.cusolverDnXgetrf(hs.h, hs.params, n, n, t, item(a, i, n * n), n,
                              static_cast<int64_t*>(ipiv.data()), t, w.d(), dsz,
                              w.h(), hsz, static_cast<int*>(info.data()) + i),
          op, "cusolverDnXgetrf");
      check(cs.cusolverDnXgetrs(
                hs.h, hs.params, CUBLAS_OP_N, n, k, t, item(a, i, n * n), n,
                static_cast<int64_t*>(ipiv.data()), t, item(x, i, n * k), n,
                static_cast<int*>(rs_info.data())),
            op, "cusolverDnXgetrs");
    }
  }
  std::vector<int64_t> bad = failed(info);
  if (!bad.empty() && !p.quiet())
    throw LinAlgError(std::string("[") + op + "] Singular matrix");
  Array flat = reshape(x, {nb, n * k});
  for (int64_t i : bad) {
    Indices idx = {Index(i)};
    fill(getitem(flat, idx),
         full_scalar(std::numeric_limits<double>::quiet_NaN(),
                     real_dtype(x.dtype()), dev));
  }
  copy_into(b, swap_last(x), out);
}

void eval_slogdet(CudaBackend& b, Slogdet& p, std::span<const Array> inputs,
                  std::span<Array> outputs) {
  const Array& sign_out = outputs[0];
  const Array& log_out = outputs[1];
  if (sign_out.size() == 0) return;
  Device dev = sign_out.device();
  const Array& a_in = inputs[0];
  int64_t n = a_in.shape()[a_in.ndim() - 1];
  if (n == 0) {
    fill(sign_out, full_scalar(1.0, real_dtype(sign_out.dtype()), dev));
    fill(log_out, full_scalar(0.0, log_out.dtype(), dev));
    return;
  }
  int64_t nb = batch_count(a_in, 2);
  Array a = colmajor(b, a_in, dev);
  Array info = info_array(nb, dev);
  Array ipiv;
  if (use_batched_lu(nb, n)) {
    Array pa = pointer_array(a, nb, n * n);
    ipiv = Array::empty({nb, n}, Dtype::Int32, dev);
    std::lock_guard<std::mutex> lock(g_solver_mutex);
    session(b, dev.index, "linalg.slogdet");
    lu_batched(b, dev, a.dtype(), n, 0, nb, pa, Array(), ipiv, info,
               "linalg.slogdet");
  } else {
    ipiv = Array::empty({nb, n}, Dtype::Int64, dev);
    std::lock_guard<std::mutex> lock(g_solver_mutex);
    Handles hs = session(b, dev.index, "linalg.slogdet");
    lu_batch(b, hs, a, n, nb, ipiv, n, info, "linalg.slogdet");
  }
  // From the diagonal of U and the parity of the row swaps, with ops on the
  // device (an exact zero pivot gives sign 0 and log|det| -inf).
  Array lu = reshape(a, {nb, n, n});
  Array d = diagonal(lu, 0, -2, -1);
  Array ad = absolute(d);
  Array zero = equal(ad, weak_scalar(0.0));
  Array one = full_scalar(1.0, ad.dtype(), dev);
  Array unit = where(zero, full_scalar(0.0, d.dtype(), dev),
                     divide(d, where(zero, one, ad)));
  ReduceArgs last;
  last.axis = Axes{-1};
  Array sgn = prod(unit, last);
  Array swaps = not_equal(ipiv, arange(1, n + 1, 1, Dtype::Int64, dev));
  ReduceArgs count = last;
  count.dtype = Dtype::Int64;
  Array odd = equal(remainder(sum(swaps, count), weak_scalar(int64_t(2))),
                    weak_scalar(int64_t(1)));
  sgn = where(odd, negative(sgn), sgn);
  Array logabs = sum(log(ad), last);
  copy_into(b, reshape(sgn, sign_out.shape()), sign_out);
  copy_into(b, reshape(logabs, log_out.shape()), log_out);
}

// ---- Cholesky, QR
// ------------------------------------------------------------

void eval_cholesky(CudaBackend& b, Cholesky& p, std::span<const Array> inputs,
                   std::span<Array> outputs) {
  const Array& out = outputs[0];
  if (out.size() == 0) return;
  Device dev = out.device();
  const char* op = "linalg.cholesky";
  int64_t n = out.shape()[out.ndim() - 1];
  int64_t nb = batch_count(out, 2);
  Array a = colmajor(b, inputs[0], dev);
  Array info = info_array(nb, dev);
  cublasFillMode_t uplo =
      p.upper() ? CUBLAS_FILL_MODE_UPPER : CUBLAS_FILL_MODE_LOWER;
  Array ptrs = use_batched(nb, n, kBatchedPotrfMax)
                   ? pointer_array(a, nb, n * n)
                   : Array();
  {
    std::lock_guard<std::mutex> lock(g_solver_mutex);
    Handles hs = session(b, dev.index, op);
    Cusolver& cs = cusolver();
    cudaDataType t = data_type(a.dtype());
    size_t dsz = 0, hsz = 0;
    check(cs.cusolverDnXpotrf_bufferSize(hs.h, hs.params, uplo, n, t, a.data(),
                                         n, t, &dsz, &hsz),
          op, "cusolverDnXpotrf_bufferSize");
    Work w(b, dev, dsz, hsz);
    if (use_batched(nb, n, kBatchedPotrfMax)) {
      potrf_batched(hs, a, n, nb, uplo, info, ptrs);
    } else {
      for (int64_t i = 0; i < nb; ++i)
        check(cs.cusolverDnXpotrf(hs.h, hs.params, uplo, n, t,
                                  item(a, i, n * n), n, t, w.d(), dsz, w.h(),
                                  hsz, static_cast<int*>(info.data()) + i),
              op, "cusolverDnXpotrf");
    }
  }
  if (!failed(info).empty())
    throw LinAlgError(std::string("[") + op +
                      "] Matrix is not positive definite");
  Array l = swap_last(a);
  copy_into(b, p.upper() ? triu(l) : tril(l), out);
}

// orgqr / ungqr by dtype: Q from the first k reflectors, in place.
void orgqr(const Handles& hs, CudaBackend& b, Dtype dt, int m, int n, int k,
           void* a, const void* tau, int* info, Device dev) {
  Cusolver& cs = cusolver();
  const char* op = "linalg.qr";
  int lwork = 0;
  switch (dt) {
    case Dtype::Float32:
      check(cs.cusolverDnSorgqr_bufferSize(hs.h, m, n, k, (const float*)a, m,
                                           (const float*)tau, &lwork),
            op, "cusolverDnSorgqr_bufferSize");
      break;
    case Dtype::Float64:
      check(cs.cusolverDnDorgqr_bufferSize(hs.h, m, n, k, (const double*)a, m,
                                           (const double*)tau, &lwork),
            op, "cusolverDnDorgqr_bufferSize");
      break;
    case Dtype::Complex64:
      check(cs.cusolverDnCungqr_bufferSize(hs.h, m, n, k, (const cuComplex*)a,
                                           m, (const cuComplex*)tau, &lwork),
            op, "cusolverDnCungqr_bufferSize");
      break;
    default:
      check(cs.cusolverDnZungqr_bufferSize(hs.h, m, n, k,
                                           (const cuDoubleComplex*)a, m,
                                           (const cuDoubleComplex*)tau, &lwork),
            op, "cusolverDnZungqr_bufferSize");
      break;
  }
  Array work = b.scratch(std::max<int64_t>(lwork, 1) * itemsize(dt), dev);
  void* wp = work.data();
  switch (dt) {
    case Dtype::Float32:
      check(cs.cusolverDnSorgqr(hs.h, m, n, k, (float*)a, m, (const float*)tau,
                                (float*)wp, lwork, info),
            op, "cusolverDnSorgqr");
      break;
    case Dtype::Float64:
      check(cs.cusolverDnDorgqr(hs.h, m, n, k, (double*)a, m,
                                (const double*)tau, (double*)wp, lwork, info),
            op, "cusolverDnDorgqr");
      break;
    case Dtype::Complex64:
      check(cs.cusolverDnCungqr(hs.h, m, n, k, (cuComplex*)a, m,
                                (const cuComplex*)tau, (cuComplex*)wp, lwork,
                                info),
            op, "cusolverDnCungqr");
      break;
    default:
      check(cs.cusolverDnZungqr(hs.h, m, n, k, (cuDoubleComplex*)a, m,
                                (const cuDoubleComplex*)tau,
                                (cuDoubleComplex*)wp, lwork, info),
            op, "cusolverDnZungqr");
      break;
  }
}

void eval_qr(CudaBackend& b, Qr& p, std::span<const Array> inputs,
             std::span<Array> outputs) {
  const Array& a_in = inputs[0];
  const char* op = "linalg.qr";
  Device dev = outputs[0].device();
  int nd = a_in.ndim();
  int64_t m = a_in.shape()[nd - 2], n = a_in.shape()[nd - 1];
  int64_t k = std::min(m, n);
  int64_t nb = batch_count(a_in, 2);
  if (nb == 0) return;
  QrMode mode = p.mode();
  if (k == 0) {
    // Empty: only the complete Q has elements (the identity).
    if (mode == QrMode::Complete && m > 0)
      copy_into(b,
                broadcast_to(eye_as(m, a_in.dtype(), dev), outputs[0].shape()),
                outputs[0]);
    return;
  }
  Shape batch(a_in.shape().begin(), a_in.shape().end() - 2);
  Array a = colmajor(b, a_in, dev);
  Shape tshape = batch;
  tshape.push_back(k);
  Array tau = Array::empty(tshape, a.dtype(), dev);
  Array info = info_array(nb, dev);
  Dtype dt = a.dtype();
  {
    std::lock_guard<std::mutex> lock(g_solver_mutex);
    Handles hs = session(b, dev.index, op);
    Cusolver& cs = cusolver();
    cudaDataType t = data_type(dt);
    size_t dsz = 0, hsz = 0;
    check(cs.cusolverDnXgeqrf_bufferSize(hs.h, hs.params, m, n, t, a.data(), m,
                                         t, tau.data(), t, &dsz, &hsz),
          op, "cusolverDnXgeqrf_bufferSize");
    Work w(b, dev, dsz, hsz);
    for (int64_t i = 0; i < nb; ++i)
      check(cs.cusolverDnXgeqrf(hs.h, hs.params, m, n, t, item(a, i, m * n), m,
                                t, item(tau, i, k), t, w.d(), dsz, w.h(), hsz,
                                static_cast<int*>(info.data()) + i),
            op, "cusolverDnXgeqrf");
  }
  if (mode == QrMode::Raw) {
    // h (n, m) is the column-major factor read as rows.
    copy_into(b, a, outputs[0]);
    copy_into(b, tau, outputs[1]);
    return;
  }
  int64_t r_rows = mode == QrMode::Complete ? m : k;
  Indices rows = {Index(ellipsis), Index(Slice(0, r_rows)), Index(Slice())};
  const Array& r_out = mode == QrMode::R ? outputs[0] : outputs[1];
  copy_into(b, getitem(triu(swap_last(a)), rows), r_out);
  if (mode == QrMode::R) return;
  int64_t qcols = mode == QrMode::Complete ? m : k;
  Array q = a;
  if (qcols > n) {
    // The complete Q of a tall A needs m columns: the reflectors first.
    Shape qs = batch;
    qs.push_back(m);
    qs.push_back(m);
    q = zeros(qs, dt, dev);
    Indices first = {Index(ellipsis), Index(Slice(0, n)), Index(Slice())};
    copy_into(b, a, getitem(q, first));
  }
  {
    std::lock_guard<std::mutex> lock(g_solver_mutex);
    Handles hs = session(b, dev.index, op);
    int64_t stride = m * std::max(qcols, n);
    for (int64_t i = 0; i < nb; ++i)
      orgqr(hs, b, dt, as_int(m, op), as_int(qcols, op), as_int(k, op),
            item(q, i, stride), item(tau, i, k),
            static_cast<int*>(info.data()) + i, dev);
  }
  Indices qc = {Index(ellipsis), Index(Slice()), Index(Slice(0, qcols))};
  copy_into(b, getitem(swap_last(q), qc), outputs[0]);
}

// ---- eigenvalues
// -----------------------------------------------------------------

void eval_eigh(CudaBackend& b, Eigh& p, std::span<const Array> inputs,
               std::span<Array> outputs) {
  const Array& a_in = inputs[0];
  const char* op = "linalg.eigh";
  Device dev = outputs[0].device();
  int64_t n = a_in.shape()[a_in.ndim() - 1];
  int64_t nb = batch_count(a_in, 2);
  if (nb == 0 || n == 0) return;
  Array a = colmajor(b, a_in, dev);
  Array w = Array::empty({nb, n}, real_dtype(a.dtype()), dev);
  Array info = info_array(nb, dev);
  cusolverEigMode_t jobz =
      p.vectors() ? CUSOLVER_EIG_MODE_VECTOR : CUSOLVER_EIG_MODE_NOVECTOR;
  cublasFillMode_t uplo =
      p.lower() ? CUBLAS_FILL_MODE_LOWER : CUBLAS_FILL_MODE_UPPER;
  {
    std::lock_guard<std::mutex> lock(g_solver_mutex);
    Handles hs = session(b, dev.index, op);
    Cusolver& cs = cusolver();
    cudaDataType t = data_type(a.dtype()), tw = data_type(w.dtype());
    size_t dsz = 0, hsz = 0;
    check(cs.cusolverDnXsyevd_bufferSize(hs.h, hs.params, jobz, uplo, n, t,
                                         a.data(), n, tw, w.data(), t, &dsz,
                                         &hsz),
          op, "cusolverDnXsyevd_bufferSize");
    if (use_batched(nb, n, kBatchedSyevjMax)) {
      syevj_batched(b, hs, a, w, n, nb, jobz, uplo, info);
    } else {
      Work wk(b, dev, dsz, hsz);
      for (int64_t i = 0; i < nb; ++i)
        check(cs.cusolverDnXsyevd(hs.h, hs.params, jobz, uplo, n, t,
                                  item(a, i, n * n), n, tw, item(w, i, n), t,
                                  wk.d(), dsz, wk.h(), hsz,
                                  static_cast<int*>(info.data()) + i),
              op, "cusolverDnXsyevd");
    }
  }
  if (!failed(info).empty())
    throw LinAlgError(std::string("[") + op + "] Eigenvalues did not converge");
  copy_into(b, reshape(w, outputs[0].shape()), outputs[0]);
  if (p.vectors()) copy_into(b, swap_last(a), outputs[1]);
}

void eval_eig(CudaBackend& b, Eig& p, std::span<const Array> inputs,
              std::span<Array> outputs) {
  const Array& a_in = inputs[0];
  const char* op = "linalg.eig";
  Device dev = outputs[0].device();
  int64_t n = a_in.shape()[a_in.ndim() - 1];
  int64_t nb = batch_count(a_in, 2);
  if (nb == 0 || n == 0) return;
  Cusolver& cs0 = cusolver();
  if (cs0.loaded && !cs0.cusolverDnXgeev)
    throw NotImplementedError(
        "[linalg.eig] this cuSOLVER has no cusolverDnXgeev (CUDA 12.6 or "
        "later is needed for eig on the GPU)");
  Array a = colmajor(b, a_in, dev);
  Dtype dt = a.dtype();
  Dtype cdt = complex_dtype(dt);
  Array w = Array::empty({nb, n}, cdt, dev);
  Array vr = p.vectors() ? Array::empty(a.shape(), dt, dev) : Array();
  Array info = info_array(nb, dev);
  cusolverEigMode_t jobvr =
      p.vectors() ? CUSOLVER_EIG_MODE_VECTOR : CUSOLVER_EIG_MODE_NOVECTOR;
  {
    std::lock_guard<std::mutex> lock(g_solver_mutex);
    Handles hs = session(b, dev.index, op);
    Cusolver& cs = cusolver();
    cudaDataType t = data_type(dt), tw = data_type(cdt);
    void* vr0 = p.vectors() ? vr.data() : nullptr;
    int64_t ldvr = p.vectors() ? n : 1;
    size_t dsz = 0, hsz = 0;
    check(cs.cusolverDnXgeev_bufferSize(hs.h, hs.params,
                                        CUSOLVER_EIG_MODE_NOVECTOR, jobvr, n, t,
                                        a.data(), n, tw, w.data(), t, nullptr,
                                        1, t, vr0, ldvr, t, &dsz, &hsz),
          op, "cusolverDnXgeev_bufferSize");
    Work wk(b, dev, dsz, hsz);
    for (int64_t i = 0; i < nb; ++i)
      check(cs.cusolverDnXgeev(
                hs.h, hs.params, CUSOLVER_EIG_MODE_NOVECTOR, jobvr, n, t,
                item(a, i, n * n), n, tw, item(w, i, n), t, nullptr, 1, t,
                p.vectors() ? item(vr, i, n * n) : nullptr, ldvr, t, wk.d(),
                dsz, wk.h(), hsz, static_cast<int*>(info.data()) + i),
            op, "cusolverDnXgeev");
  }
  if (!failed(info).empty())
    throw LinAlgError(std::string("[") + op + "] Eigenvalues did not converge");
  copy_into(b, reshape(w, outputs[0].shape()), outputs[0]);
  if (!p.vectors()) return;
  Array v = swap_last(vr);  // (..., n, n), columns are vectors
  if (is_complex(dt)) {
    copy_into(b, v, outputs[1]);
    return;
  }
  // Real A: a complex pair (Im w_j > 0, then its conjugate) stores Re and Im
  // of the first vector in columns j and j + 1 (LAPACK's layout).
  Shape wshape(a_in.shape().begin(), a_in.shape().end() - 1);
  Array wi = reshape(imag(w), wshape);
  Indices row = {Index(ellipsis), Index(newaxis), Index(Slice())};
  Array first = getitem(greater(wi, weak_scalar(0.0)), row);
  Array second = getitem(less(wi, weak_scalar(0.0)), row);
  int64_t left[1] = {-1}, right[1] = {1}, ax[1] = {-1};
  Array next = roll(v, left, ax), prev = roll(v, right, ax);
  Array zero = full_scalar(0.0, dt, dev);
  Array re = where(second, prev, v);
  Array im = where(first, next, where(second, negative(v), zero));
  Array vc = add(astype(re, cdt),
                 multiply(astype(im, cdt), weak_scalar(complex128(0, 1))));
  copy_into(b, vc, outputs[1]);
}

// ---- SVD
// ---------------------------------------------------------------------------

// U and Vh of A from those of the tall problem (A itself, or A^H when A is
// wide: A^H = U' S V'^H, so A = V' S U'^H).
void svd_outputs(CudaBackend& b, const Array& u, const Array& vt, bool wide,
                 Dtype dt, std::span<Array> outputs) {
  auto mh = [&](const Array& z) {
    Array t = swap_last(z);
    return is_complex(dt) ? conjugate(t) : t;
  };
  if (!wide) {
    copy_into(b, u, outputs[0]);
    copy_into(b, vt, outputs[2]);
  } else {
    copy_into(b, mh(vt), outputs[0]);
    copy_into(b, mh(u), outputs[2]);
  }
}

constexpr int64_t kBatchedGesvdjMax = 32;

// gesvdjBatched over the nb tall M x N matrices of `a` (column-major):
// singular values (sorted descending) into s (nb, N), U (M x M) and V (N x N)
// column-major into ufull and vbuf. Called with g_solver_mutex held.
void gesvdj_batched(CudaBackend& b, const Handles& hs, const Array& a,
                    const Array& s, const Array& ufull, const Array& vbuf,
                    int64_t M, int64_t N, int64_t nb, bool uv,
                    const Array& info, const char* op) {
  Cusolver& cs = cusolver();
  static gesvdjInfo_t params = nullptr;  // guarded by g_solver_mutex
  if (!params) {
    check(cs.cusolverDnCreateGesvdjInfo(&params), op,
          "cusolverDnCreateGesvdjInfo");
    check(cs.cusolverDnXgesvdjSetSortEig(params, 1), op,
          "cusolverDnXgesvdjSetSortEig");
  }
  cusolverEigMode_t jobz =
      uv ? CUSOLVER_EIG_MODE_VECTOR : CUSOLVER_EIG_MODE_NOVECTOR;
  int t = type_index(a.dtype());
  int mi = static_cast<int>(M), ni = static_cast<int>(N),
      bi = static_cast<int>(nb), lwork = 0;
  check(
      cs.gesvdj_size[t](hs.h, jobz, mi, ni, a.data(), mi, s.data(),
                        ufull.data(), mi, vbuf.data(), ni, &lwork, params, bi),
      op, "gesvdjBatched_bufferSize");
  Array work = b.scratch(std::max(lwork, 1) * itemsize(a.dtype()), a.device());
  check(cs.gesvdj[t](hs.h, jobz, mi, ni, a.data(), mi, s.data(), ufull.data(),
                     mi, vbuf.data(), ni, work.data(), lwork,
                     static_cast<int*>(info.data()), params, bi),
        op, "gesvdjBatched");
}

void eval_svd(CudaBackend& b, Svd& p, std::span<const Array> inputs,
              std::span<Array> outputs) {
  const Array& a_in = inputs[0];
  const char* op = p.op();
  Device dev = outputs[0].device();
  int nd = a_in.ndim();
  int64_t m = a_in.shape()[nd - 2], n = a_in.shape()[nd - 1];
  int64_t k = std::min(m, n);
  int64_t nb = batch_count(a_in, 2);
  if (nb == 0) return;
  bool uv = p.uv(), full = p.full();
  if (k == 0) {
    if (uv && full) {
      copy_into(b,
                broadcast_to(eye_as(m, a_in.dtype(), dev), outputs[0].shape()),
                outputs[0]);
      copy_into(b,
                broadcast_to(eye_as(n, a_in.dtype(), dev), outputs[2].shape()),
                outputs[2]);
    }
    return;
  }
  Array x = CudaBackend::on_device(a_in, dev);
  // Like the CPU kernel (LAPACK's gesdd), NaN input does not converge; one
  // flag read besides the info check.
  if (any(isnan(x)).item<bool>())
    throw LinAlgError(std::string("[") + op + "] SVD did not converge");
  bool wide = m < n;
  Dtype dt = x.dtype();
  if (wide) {
    x = swap_last(x);
    if (is_complex(dt)) x = conjugate(x);
  }
  int64_t M = std::max(m, n), N = k;  // the tall problem: M x N
  Array a = colmajor(b, x, dev);
  int64_t ucols = full ? M : N;
  Shape batch(a_in.shape().begin(), a_in.shape().end() - 2);
  auto shape3 = [&](int64_t r, int64_t c) {
    Shape s = batch;
    s.push_back(r);
    s.push_back(c);
    return s;
  };
  Array s = Array::empty({nb, N}, real_dtype(dt), dev);
  Array info = info_array(nb, dev);
  Array u, vt;  // U (M x ucols) and V^H (N x N) of the tall problem
  if (nb > 1 && M <= kBatchedGesvdjMax &&
      nb <= std::numeric_limits<int>::max() && cusolver().gesvdj_ok) {
    // gesvdjBatched: full U (M x M) and V (N x N), one call for the batch
    // (Note [Batched cuSOLVER]).
    Array ufull = Array::empty(shape3(M, M), dt, dev);
    Array vbuf = Array::empty(shape3(N, N), dt, dev);
    {
      std::lock_guard<std::mutex> lock(g_solver_mutex);
      Handles hs = session(b, dev.index, op);
      gesvdj_batched(b, hs, a, s, ufull, vbuf, M, N, nb, uv, info, op);
    }
    if (!failed(info).empty())
      throw LinAlgError(std::string("[") + op + "] SVD did not converge");
    const Array& s_out = uv ? outputs[1] : outputs[0];
    copy_into(b, reshape(s, s_out.shape()), s_out);
    if (!uv) return;
    Indices first = {Index(ellipsis), Index(Slice()), Index(Slice(0, ucols))};
    u = getitem(swap_last(ufull), first);
    // The buffer holds V column-major, i.e. V^T read as rows: V^H is its
    // conjugate.
    vt = is_complex(dt) ? conjugate(vbuf) : vbuf;
    svd_outputs(b, u, vt, wide, dt, outputs);
    return;
  }
  Array ubuf = uv ? Array::empty(shape3(ucols, M), dt, dev) : Array();
  Array vtbuf = uv ? Array::empty(shape3(N, N), dt, dev) : Array();
  signed char jobu = !uv ? 'N' : (full ? 'A' : 'S');
  signed char jobvt = !uv ? 'N' : 'A';
  {
    std::lock_guard<std::mutex> lock(g_solver_mutex);
    Handles hs = session(b, dev.index, op);
    Cusolver& cs = cusolver();
    cudaDataType t = data_type(dt), ts = data_type(s.dtype());
    void* u0 = uv ? ubuf.data() : nullptr;
    void* vt0 = uv ? vtbuf.data() : nullptr;
    size_t dsz = 0, hsz = 0;
    check(cs.cusolverDnXgesvd_bufferSize(hs.h, hs.params, jobu, jobvt, M, N, t,
                                         a.data(), M, ts, s.data(), t, u0, M, t,
                                         vt0, N, t, &dsz, &hsz),
          op, "cusolverDnXgesvd_bufferSize");
    Work wk(b, dev, dsz, hsz);
    for (int64_t i = 0; i < nb; ++i)
      check(cs.cusolverDnXgesvd(
                hs.h, hs.params, jobu, jobvt, M, N, t, item(a, i, M * N), M, ts,
                item(s, i, N), t, uv ? item(ubuf, i, ucols * M) : nullptr, M, t,
                uv ? item(vtbuf, i, N * N) : nullptr, N, t, wk.d(), dsz, wk.h(),
                hsz, static_cast<int*>(info.data()) + i),
            op, "cusolverDnXgesvd");
  }
  if (!failed(info).empty())
    throw LinAlgError(std::string("[") + op + "] SVD did not converge");
  const Array& s_out = uv ? outputs[1] : outputs[0];
  copy_into(b, reshape(s, s_out.shape()), s_out);
  if (!uv) return;
  u = swap_last(ubuf);
  vt = swap_last(vtbuf);
  svd_outputs(b, u, vt, wide, dt, outputs);
}

}  // namespace

AX_CUDA_EVAL(Solve, eval_solve);
AX_CUDA_EVAL(Slogdet, eval_slogdet);
AX_CUDA_EVAL(Cholesky, eval_cholesky);
AX_CUDA_EVAL(Qr, eval_qr);
AX_CUDA_EVAL(Eigh, eval_eigh);
AX_CUDA_EVAL(Eig, eval_eig);
AX_CUDA_EVAL(Svd, eval_svd);

}  // namespace arrax::cuda

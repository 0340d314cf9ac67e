// CUDA evaluation of the Fft primitive on cuFFT, loaded with dlopen like
// cuBLAS (cublas.cpp): the plugin loads where cuFFT is missing and only a
// transform then fails, with "[fft] cuFFT was not found (...)".
//
// Note [cuFFT layouts]
// The operand is viewed with the batch axes first and the transformed axes
// last (in the primitive's order, so that the real axis of R2C/C2R is the
// innermost); when that view is not C-contiguous it is copied once, on the
// device. One plan (cufftMakePlanMany64, the basic layout) then does up to
// three axes over the whole batch; more axes run as several primitives.
// cuFFT writes into the output view directly when it is contiguous in that
// order, else into a temporary that the scaling step copies out. cuFFT has
// no normalization and only forward R2C / inverse C2R: the scale, and the
// conjugation that turns one direction into the other (ihfft, hfft), are a
// multiply / conjugate ufunc on the result (or input). C2R overwrites its
// input, so it always reads a copy. Plans are cached per (device, type,
// lengths, batch); their work area is the stream's kept library workspace
// (CudaBackend::workspace), else a stream-ordered scratch buffer.
#include <cufft.h>
#include <dlfcn.h>

#include <map>
#include <mutex>
#include <numeric>
#include <string>
#include <tuple>
#include <vector>

#include "arrax/backend/cuda/cublas.h"
#include "arrax/backend/cuda/cuda_internal.h"
#include "arrax/errors.h"
#include "arrax/ops.h"
#include "arrax/ops_shape.h"
#include "arrax/ops_ufuncs.h"
#include "arrax/primitives.h"
#include "arrax/primitives_fft.h"

namespace arrax::cuda {

namespace {

struct Cufft {
  bool loaded = false;
  std::string error;
  std::string path;
  cufftResult (*cufftCreate)(cufftHandle*) = nullptr;
  cufftResult (*cufftDestroy)(cufftHandle) = nullptr;
  cufftResult (*cufftSetAutoAllocation)(cufftHandle, int) = nullptr;
  cufftResult (*cufftMakePlanMany64)(cufftHandle, int, long long*, long long*,
                                     long long, long long, long long*,
                                     long long, long long, cufftType, long long,
                                     size_t*) = nullptr;
  cufftResult (*cufftSetStream)(cufftHandle, cudaStream_t) = nullptr;
  cufftResult (*cufftSetWorkArea)(cufftHandle, void*) = nullptr;
  cufftResult (*cufftExecC2C)(cufftHandle, cufftComplex*, cufftComplex*,
                              int) = nullptr;
  cufftResult (*cufftExecZ2Z)(cufftHandle, cufftDoubleComplex*,
                              cufftDoubleComplex*, int) = nullptr;
  cufftResult (*cufftExecR2C)(cufftHandle, cufftReal*, cufftComplex*) = nullptr;
  cufftResult (*cufftExecD2Z)(cufftHandle, cufftDoubleReal*,
                              cufftDoubleComplex*) = nullptr;
  cufftResult (*cufftExecC2R)(cufftHandle, cufftComplex*, cufftReal*) = nullptr;
  cufftResult (*cufftExecZ2D)(cufftHandle, cufftDoubleComplex*,
                              cufftDoubleReal*) = nullptr;
};

void load_cufft(Cufft& c) {
  std::vector<std::string> prefixes = {""};
  for (const std::string& dir :
       cuda_library_dirs({"/nvidia/cu13/lib", "/nvidia/cufft/lib"}))
    prefixes.push_back(dir + "/");
  void* h = nullptr;
  for (const std::string& pre : prefixes) {
    for (const char* v : {"12", "11"}) {
      std::string lib = pre + "libcufft.so." + v;
      if ((h = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL))) {
        c.path = lib;
        break;
      }
    }
    if (h) break;
  }
  if (!h) {
    c.error =
        "no libcufft.so.12 or .11 on the loader's path, in $CUDA_HOME/lib64, "
        "/usr/local/cuda/lib64 or the nvidia pip wheels (nvidia-cufft); "
        "install the CUDA toolkit or `pip install nvidia-cufft`";
    return;
  }
  bool ok = true;
#define ARRAX_CUFFT_FN(name)                                               \
  c.name = reinterpret_cast<decltype(c.name)>(dlsym(h, #name));            \
  if (!c.name && ok) {                                                     \
    ok = false;                                                            \
    c.error =                                                              \
        std::string("cuFFT entry point " #name " not found in ") + c.path; \
  }
  ARRAX_CUFFT_FN(cufftCreate)
  ARRAX_CUFFT_FN(cufftDestroy)
  ARRAX_CUFFT_FN(cufftSetAutoAllocation)
  ARRAX_CUFFT_FN(cufftMakePlanMany64)
  ARRAX_CUFFT_FN(cufftSetStream)
  ARRAX_CUFFT_FN(cufftSetWorkArea)
  ARRAX_CUFFT_FN(cufftExecC2C)
  ARRAX_CUFFT_FN(cufftExecZ2Z)
  ARRAX_CUFFT_FN(cufftExecR2C)
  ARRAX_CUFFT_FN(cufftExecD2Z)
  ARRAX_CUFFT_FN(cufftExecC2R)
  ARRAX_CUFFT_FN(cufftExecZ2D)
#undef ARRAX_CUFFT_FN
  c.loaded = ok;
}

Cufft& cufft() {
  static Cufft* c = [] {
    auto* p = new Cufft();
    load_cufft(*p);
    return p;
  }();
  return *c;
}

const char* cufft_status(cufftResult r) {
  switch (r) {
    case CUFFT_INVALID_PLAN:
      return "CUFFT_INVALID_PLAN";
    case CUFFT_ALLOC_FAILED:
      return "CUFFT_ALLOC_FAILED";
    case CUFFT_INVALID_TYPE:
      return "CUFFT_INVALID_TYPE";
    case CUFFT_INVALID_VALUE:
      return "CUFFT_INVALID_VALUE";
    case CUFFT_INTERNAL_ERROR:
      return "CUFFT_INTERNAL_ERROR";
    case CUFFT_EXEC_FAILED:
      return "CUFFT_EXEC_FAILED";
    case CUFFT_SETUP_FAILED:
      return "CUFFT_SETUP_FAILED";
    case CUFFT_INVALID_SIZE:
      return "CUFFT_INVALID_SIZE";
    case CUFFT_NOT_SUPPORTED:
      return "CUFFT_NOT_SUPPORTED";
    default:
      return "cuFFT error";
  }
}

void check_cufft(cufftResult r, const char* what) {
  if (r == CUFFT_SUCCESS) return;
  std::string m = std::string("[fft] ") + what + " failed: " + cufft_status(r) +
                  " (" + std::to_string(static_cast<int>(r)) + ")";
  if (r == CUFFT_ALLOC_FAILED) throw MemoryError(m);
  throw ValueError(m);
}

// ---- plans -------------------------------------------------------------

struct PlanKey {
  int device;
  cufftType type;
  std::vector<long long> n;
  long long batch;
  bool operator<(const PlanKey& o) const {
    return std::tie(device, type, n, batch) <
           std::tie(o.device, o.type, o.n, o.batch);
  }
};

struct CachedPlan {
  cufftHandle handle = 0;
  size_t work = 0;
};

std::mutex g_plan_mutex;  // guards the cache and each plan's stream/work area

std::map<PlanKey, CachedPlan>& plan_cache() {
  static auto* m = new std::map<PlanKey, CachedPlan>();
  return *m;
}

// Called with g_plan_mutex held.
CachedPlan plan_for(CudaBackend& b, const PlanKey& key) {
  auto& cache = plan_cache();
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  Cufft& cf = cufft();
  if (cache.size() >= 64) {
    for (auto& [k, p] : cache) {
      b.state(k.device);
      cf.cufftDestroy(p.handle);
    }
    cache.clear();
  }
  b.state(key.device);
  CachedPlan p;
  check_cufft(cf.cufftCreate(&p.handle), "cufftCreate");
  cufftResult r = cf.cufftSetAutoAllocation(p.handle, 0);
  if (r == CUFFT_SUCCESS) {
    std::vector<long long> n = key.n;
    r = cf.cufftMakePlanMany64(p.handle, static_cast<int>(n.size()), n.data(),
                               nullptr, 1, 0, nullptr, 1, 0, key.type,
                               key.batch, &p.work);
  }
  if (r != CUFFT_SUCCESS) {
    cf.cufftDestroy(p.handle);
    check_cufft(r, "cufftMakePlanMany64");
  }
  cache.emplace(key, p);
  return p;
}

cufftType cufft_type(FftKind kind, bool dbl) {
  switch (kind) {
    case FftKind::C2C:
      return dbl ? CUFFT_Z2Z : CUFFT_C2C;
    case FftKind::R2C:
      return dbl ? CUFFT_D2Z : CUFFT_R2C;
    case FftKind::C2R:
      return dbl ? CUFFT_Z2D : CUFFT_C2R;
  }
  return CUFFT_C2C;
}

// ---- one plan over up to three axes ------------------------------------

Array apply(UfuncId id, std::span<const Array> in, const Array* out) {
  UfuncOptions opt;
  Array o[1];
  if (out) {
    o[0] = *out;
    opt.out = o;
  }
  return apply_ufunc(id, in, opt)[0];
}

void run_plan(CudaBackend& b, const Fft& p, const Array& x_in, const Array& y) {
  Device dev = y.device();
  int nd = y.ndim();
  const std::vector<int>& axes = p.axes();
  int k = static_cast<int>(axes.size());
  // Batch axes first, transformed axes last (Note [cuFFT layouts]).
  std::vector<int64_t> perm;
  std::vector<bool> is_axis(static_cast<size_t>(nd), false);
  for (int a : axes) is_axis[a] = true;
  for (int d = 0; d < nd; ++d)
    if (!is_axis[d]) perm.push_back(d);
  for (int a : axes) perm.push_back(a);
  Array xp = transpose(x_in, perm), yp = transpose(y, perm);
  bool inverse = !p.forward();
  FftKind kind = p.kind();
  // cuFFT's R2C is forward only and its C2R inverse only: the other
  // direction is the conjugate (of the output, resp. of the input).
  bool conj_in = kind == FftKind::C2R && !inverse;
  bool conj_out = kind == FftKind::R2C && inverse;
  Array xc;
  if (conj_in) {
    Array in[1] = {xp};
    xc = apply(UfuncId::conjugate, in, nullptr);
  } else if (kind == FftKind::C2R || !xp.is_c_contiguous()) {
    xc = Array::empty(xp.shape(), xp.dtype(), dev);
    Copy copy(xp.dtype(), xp.shape());
    Array in[1] = {xp};
    Array out[1] = {xc};
    b.eval(copy, in, out);
  } else {
    xc = xp;
  }
  bool direct = yp.is_c_contiguous() && !yp.may_overlap(xc);
  Array yc = direct ? yp : Array::empty(yp.shape(), yp.dtype(), dev);

  PlanKey key;
  key.device = dev.index;
  bool dbl = xc.dtype() == Dtype::Complex128 || xc.dtype() == Dtype::Float64;
  key.type = cufft_type(kind, dbl);
  const Shape& real_shape = kind == FftKind::C2R ? yc.shape() : xc.shape();
  key.batch = 1;
  for (int d = 0; d < nd - k; ++d) key.batch *= real_shape[d];
  for (int d = nd - k; d < nd; ++d) key.n.push_back(real_shape[d]);
  if (key.batch == 0) return;

  Cufft& cf = cufft();
  DeviceState& ds = b.state(dev.index);
  {
    std::lock_guard<std::mutex> lock(g_plan_mutex);
    CachedPlan plan = plan_for(b, key);
    Array ws_scratch;
    void* ws = plan.work ? b.workspace(ds, plan.work) : nullptr;
    if (plan.work && !ws) {
      ws_scratch = b.scratch(static_cast<int64_t>(plan.work), dev);
      ws = ws_scratch.data();
    }
    // cuFFT enqueues on the stream itself: arrax's queued work first (Note
    // [Launch thread]).
    flush_launches();
    check_cufft(cf.cufftSetStream(plan.handle, ds.stream), "cufftSetStream");
    if (plan.work)
      check_cufft(cf.cufftSetWorkArea(plan.handle, ws), "cufftSetWorkArea");
    void* pi = xc.data();
    void* po = yc.data();
    int dir = inverse ? CUFFT_INVERSE : CUFFT_FORWARD;
    AX_TRACE("fft cufft type=%d rank=%d batch=%lld work=%zu", (int)key.type, k,
             key.batch, plan.work);
    switch (key.type) {
      case CUFFT_C2C:
        check_cufft(cf.cufftExecC2C(plan.handle, (cufftComplex*)pi,
                                    (cufftComplex*)po, dir),
                    "cufftExecC2C");
        break;
      case CUFFT_Z2Z:
        check_cufft(cf.cufftExecZ2Z(plan.handle, (cufftDoubleComplex*)pi,
                                    (cufftDoubleComplex*)po, dir),
                    "cufftExecZ2Z");
        break;
      case CUFFT_R2C:
        check_cufft(
            cf.cufftExecR2C(plan.handle, (cufftReal*)pi, (cufftComplex*)po),
            "cufftExecR2C");
        break;
      case CUFFT_D2Z:
        check_cufft(cf.cufftExecD2Z(plan.handle, (cufftDoubleReal*)pi,
                                    (cufftDoubleComplex*)po),
                    "cufftExecD2Z");
        break;
      case CUFFT_C2R:
        check_cufft(
            cf.cufftExecC2R(plan.handle, (cufftComplex*)pi, (cufftReal*)po),
            "cufftExecC2R");
        break;
      case CUFFT_Z2D:
        check_cufft(cf.cufftExecZ2D(plan.handle, (cufftDoubleComplex*)pi,
                                    (cufftDoubleReal*)po),
                    "cufftExecZ2D");
        break;
      default:
        break;
    }
  }
  // Scale, conjugate and copy out, each in one elementwise pass.
  Array cur = yc;
  if (conj_out) {
    Array in[1] = {cur};
    cur = apply(UfuncId::conjugate, in, p.scale() == 1.0 ? &yp : &cur);
  }
  if (p.scale() != 1.0) {
    Array in[2] = {cur, weak_scalar(p.scale())};
    apply(UfuncId::multiply, in, &yp);
  } else if (!cur.is(yp) && !direct) {
    Copy copy(yp.dtype(), yp.shape());
    Array in[1] = {cur};
    Array out[1] = {yp};
    b.eval(copy, in, out);
  }
}

void eval_fft(CudaBackend& b, Fft& p, std::span<const Array> inputs,
              std::span<Array> outputs) {
  const Array& y = outputs[0];
  if (y.size() == 0) return;
  if (!cufft().loaded)
    throw NotImplementedError("[fft] cuFFT was not found (" + cufft().error +
                              ")");
  Device dev = y.device();
  Array x = CudaBackend::on_device(inputs[0], dev);
  const std::vector<int>& axes = p.axes();
  size_t k = axes.size();
  // Length-1 axes are the identity: they stay out of cuFFT's plans.
  std::vector<int> rest;
  for (size_t i = 0; i + 1 < k; ++i)
    if (x.shape()[axes[i]] != 1) rest.push_back(axes[i]);
  int last = axes.back();
  if (p.kind() == FftKind::C2C && x.shape()[last] != 1) rest.push_back(last);
  bool unit_last = (p.kind() == FftKind::R2C && x.shape()[last] == 1) ||
                   (p.kind() == FftKind::C2R && p.last_n() == 1) ||
                   p.kind() == FftKind::C2C;
  if (unit_last && rest.size() < k) {
    Array t = x;
    if (p.kind() == FftKind::R2C) {
      // The complex copy of the real data, transformed in place.
      Copy copy(y.dtype(), y.shape());
      Array in[1] = {x};
      Array out[1] = {y};
      b.eval(copy, in, out);
      t = y;
    }
    if (!rest.empty()) {
      Array r = p.kind() == FftKind::C2R
                    ? Array::empty(x.shape(), x.dtype(), dev)
                    : y;
      Fft c2c(FftKind::C2C, rest, p.forward(), 1.0);
      Array in[1] = {t};
      Array out[1] = {r};
      eval_fft(b, c2c, in, out);
      t = r;
    }
    // C2R: the real part (bin 0 of a real signal is real by definition).
    Array in[2] = {p.kind() == FftKind::C2R ? real(t) : t,
                   weak_scalar(p.scale())};
    apply(UfuncId::multiply, in, &y);
    return;
  }
  if (p.kind() != FftKind::C2C && rest.size() + 1 < k) {
    rest.push_back(last);
    Fft q(p.kind(), rest, p.forward(), p.scale(), p.last_n());
    Array in[1] = {x};
    eval_fft(b, q, in, outputs);
    return;
  }
  if (k <= 3) {
    run_plan(b, p, x, y);
    return;
  }
  // More than three axes: cuFFT's rank is at most 3 (Note [cuFFT layouts]).
  std::vector<int> head(axes.begin(), axes.end() - 3),
      tail(axes.end() - 3, axes.end());
  switch (p.kind()) {
    case FftKind::C2C:
      run_plan(b, Fft(FftKind::C2C, head, p.forward(), 1.0), x, y);
      run_plan(b, Fft(FftKind::C2C, tail, p.forward(), p.scale()), y, y);
      return;
    case FftKind::R2C:
      run_plan(b, Fft(FftKind::R2C, tail, p.forward(), 1.0, p.last_n()), x, y);
      run_plan(b, Fft(FftKind::C2C, head, p.forward(), p.scale()), y, y);
      return;
    case FftKind::C2R: {
      Array t = Array::empty(x.shape(), x.dtype(), dev);
      run_plan(b, Fft(FftKind::C2C, head, p.forward(), 1.0), x, t);
      run_plan(b, Fft(FftKind::C2R, tail, p.forward(), p.scale(), p.last_n()),
               t, y);
      return;
    }
  }
}

}  // namespace

AX_CUDA_EVAL(Fft, eval_fft);

}  // namespace arrax::cuda

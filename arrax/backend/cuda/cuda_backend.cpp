// The CUDA backend: devices, streams, the stream-ordered allocator, the NVRTC
// JIT with its disk cache, and the kernels of the core primitives.
// See DESIGN.md section 5.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <vector>

#include "arrax/backend/backend.h"
#include "arrax/backend/cpu/iter.h"
#include "arrax/backend/cuda/driver.h"
#include "arrax/ops.h"
#include "arrax/primitives.h"

namespace arrax::cuda {

extern const int kNumDeviceHeaders;
extern const char* const kDeviceHeaderNames[];
extern const char* const kDeviceHeaders[];
int selfcheck(int arch, std::string& err);

namespace {

// ARRAX_CUDA_DEBUG=1 traces JIT and launch steps on stderr.
bool debug() {
  static bool on = [] {
    const char* s = std::getenv("ARRAX_CUDA_DEBUG");
    return s && *s && *s != '0';
  }();
  return on;
}
#define AX_TRACE(...)                        \
  do {                                       \
    if (debug()) {                           \
      std::fprintf(stderr, "[arrax cuda] "); \
      std::fprintf(stderr, __VA_ARGS__);     \
      std::fprintf(stderr, "\n");            \
    }                                        \
  } while (0)

uint64_t fnv1a(const void* data, size_t n, uint64_t h = 1469598103934665603ull) {
  auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}
uint64_t fnv1a(const std::string& s, uint64_t h = 1469598103934665603ull) {
  return fnv1a(s.data(), s.size(), h);
}

// Device type names as the device headers spell them.
const char* device_type(Dtype dt) {
  switch (dt) {
    case Dtype::Bool: return "bool";
    case Dtype::Int8: return "ax::i8";
    case Dtype::Int16: return "ax::i16";
    case Dtype::Int32: return "ax::i32";
    case Dtype::Int64: return "ax::i64";
    case Dtype::UInt8: return "ax::u8";
    case Dtype::UInt16: return "ax::u16";
    case Dtype::UInt32: return "ax::u32";
    case Dtype::UInt64: return "ax::u64";
    case Dtype::Float16: return "ax::half";
    case Dtype::BFloat16: return "ax::bf16";
    case Dtype::Float32: return "float";
    case Dtype::Float64: return "double";
    case Dtype::Complex64: return "ax::complex<float>";
    case Dtype::Complex128: return "ax::complex<double>";
  }
  return "void";
}

struct DeviceState {
  CUdevice dev = 0;
  CUcontext ctx = nullptr;
  CUstream stream = nullptr;
  CUmemoryPool pool = nullptr;
  int sm_count = 0;
  int arch = 0;  // 90 for sm_90
  std::string name;
  int64_t allocated = 0, max_allocated = 0, limit = 0;
  // Resolved kernels, so the hot path does no string work: [ufunc][dtype]
  // [contiguous, strided] and [to][from][contiguous, strided].
  std::vector<CUfunction> ufunc_fns =
      std::vector<CUfunction>(kNumUfuncs * kNumDtypes * 2, nullptr);
  std::vector<CUfunction> cast_fns =
      std::vector<CUfunction>(kNumDtypes * kNumDtypes * 2, nullptr);
};

// Note [CUDA kernel cache]
// Kernels are instantiated by name through NVRTC name expressions, many per
// program (one program per op family and dtype), compiled to SASS for the
// device's architecture. A compiled module is kept in memory and on disk
// under $ARRAX_CACHE_DIR (default ~/.cache/arrax), keyed by a hash of the
// source, the name expressions, the options, the architecture, the NVRTC
// version and the embedded headers. Files are written to a temporary name
// and renamed (atomic), and carry a checksum that is verified on load.
class Jit {
 public:
  // The function for `name_expr` in the module `key`, compiling the module
  // (with all of `name_exprs`) on first use.
  CUfunction function(DeviceState& ds, const std::string& key,
                      const std::string& source,
                      const std::vector<std::string>& name_exprs,
                      const std::string& name_expr) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string mkey = key + "@" + std::to_string(ds.arch);
    auto it = modules_.find(mkey);
    if (it == modules_.end())
      it = modules_.emplace(mkey, load_or_compile(ds, key, source, name_exprs))
               .first;
    Module& m = it->second;
    auto f = m.functions.find(name_expr);
    if (f != m.functions.end()) return f->second;
    auto ln = m.lowered.find(name_expr);
    if (ln == m.lowered.end())
      throw ValueError("[cuda] kernel " + name_expr + " is not in module " + key);
    CUfunction fn;
    AX_TRACE("get function %s", ln->second.c_str());
    check(driver().cuModuleGetFunction(&fn, m.module, ln->second.c_str()),
          "cuModuleGetFunction");
    m.functions[name_expr] = fn;
    return fn;
  }

 private:
  struct Module {
    CUmodule module = nullptr;
    std::map<std::string, std::string> lowered;
    std::map<std::string, CUfunction> functions;
  };

  static uint64_t headers_checksum() {
    static uint64_t h = [] {
      uint64_t x = 1469598103934665603ull;
      for (int i = 0; i < kNumDeviceHeaders; ++i)
        x = fnv1a(std::string(kDeviceHeaders[i]), x);
      return x;
    }();
    return h;
  }

  static std::string cache_dir() {
    if (const char* d = std::getenv("ARRAX_CACHE_DIR")) return d;
    const char* home = std::getenv("HOME");
    return std::string(home ? home : "/tmp") + "/.cache/arrax";
  }

  static void make_dirs(const std::string& path) {
    for (size_t i = 1; i <= path.size(); ++i)
      if (i == path.size() || path[i] == '/')
        mkdir(path.substr(0, i).c_str(), 0755);
  }

  Module load_or_compile(DeviceState& ds, const std::string& key,
                         const std::string& source,
                         const std::vector<std::string>& exprs) {
    int major = 0, minor = 0;
    nvrtc().nvrtcVersion(&major, &minor);
    std::string arch = "--gpu-architecture=sm_" + std::to_string(ds.arch);
    std::vector<std::string> opts = {arch, "-std=c++17", "-default-device"};
    uint64_t h = fnv1a(source);
    for (auto& e : exprs) h = fnv1a(e, h);
    for (auto& o : opts) h = fnv1a(o, h);
    h = fnv1a(std::to_string(major) + "." + std::to_string(minor), h);
    h ^= headers_checksum();
    char hex[17];
    std::snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)h);
    std::string dir = cache_dir();
    std::string path = dir + "/" + hex + ".axk";

    std::string blob;
    std::vector<std::string> lowered;
    if (read_cache(path, exprs.size(), lowered, blob)) {
      return finish(lowered, blob, exprs);
    }
    std::fprintf(stderr, "arrax: compiling CUDA kernels for %s (sm_%d)...\n",
                 key.c_str(), ds.arch);
    compile(source, exprs, opts, lowered, blob);
    AX_TRACE("compiled %s: %zu bytes, %zu kernels", key.c_str(), blob.size(),
             lowered.size());
    write_cache(dir, path, lowered, blob);
    AX_TRACE("cached %s", path.c_str());
    return finish(lowered, blob, exprs);
  }

  Module finish(const std::vector<std::string>& lowered,
                const std::string& blob,
                const std::vector<std::string>& exprs) {
    Module m;
    AX_TRACE("loading module (%zu bytes)", blob.size());
    check(driver().cuModuleLoadData(&m.module, blob.data()), "cuModuleLoadData");
    AX_TRACE("loaded module");
    for (size_t i = 0; i < exprs.size(); ++i) m.lowered[exprs[i]] = lowered[i];
    return m;
  }


 public:
  static void compile(const std::string& source,
                      const std::vector<std::string>& exprs,
                      const std::vector<std::string>& opts,
                      std::vector<std::string>& lowered, std::string& blob) {
    Nvrtc& n = nvrtc();
    nvrtcProgram prog;
    auto nv = [&](nvrtcResult r, const char* what) {
      if (r != NVRTC_SUCCESS)
        throw ValueError(std::string("[cuda] ") + what + ": " +
                         n.nvrtcGetErrorString(r));
    };
    nv(n.nvrtcCreateProgram(&prog, source.c_str(), "arrax_kernels.cu",
                            kNumDeviceHeaders, kDeviceHeaders,
                            kDeviceHeaderNames),
       "nvrtcCreateProgram");
    for (auto& e : exprs) nv(n.nvrtcAddNameExpression(prog, e.c_str()),
                             "nvrtcAddNameExpression");
    std::vector<const char*> o;
    for (auto& s : opts) o.push_back(s.c_str());
    nvrtcResult r = n.nvrtcCompileProgram(prog, static_cast<int>(o.size()),
                                          o.data());
    if (r != NVRTC_SUCCESS) {
      size_t len = 0;
      n.nvrtcGetProgramLogSize(prog, &len);
      std::string log(len, '\0');
      n.nvrtcGetProgramLog(prog, log.data());
      n.nvrtcDestroyProgram(&prog);
      throw ValueError("[cuda] NVRTC compilation failed:\n" + log.substr(0, 4000));
    }
    for (auto& e : exprs) {
      const char* ln = nullptr;
      nv(n.nvrtcGetLoweredName(prog, e.c_str(), &ln), "nvrtcGetLoweredName");
      lowered.push_back(ln);
    }
    size_t size = 0;
    nv(n.nvrtcGetCUBINSize(prog, &size), "nvrtcGetCUBINSize");
    blob.resize(size);
    nv(n.nvrtcGetCUBIN(prog, blob.data()), "nvrtcGetCUBIN");
    n.nvrtcDestroyProgram(&prog);
  }


 private:
  // Note [CUDA cache file]: "AXK1 <count> <blob size> <checksum>\n", then
  // one lowered name per line, then the cubin. Plain stdio: the plugin avoids
  // iostreams, whose locale machinery crashed inside some host processes.
  static bool read_cache(const std::string& path, size_t count,
                         std::vector<std::string>& lowered, std::string& blob) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    bool ok = false;
    unsigned long long n = 0, size = 0, sum = 0;
    if (std::fscanf(f, "AXK1 %llu %llu %llu", &n, &size, &sum) == 3 &&
        n == count && std::fgetc(f) == '\n') {
      lowered.clear();
      ok = true;
      std::vector<char> line(1 << 16);
      for (size_t i = 0; i < n && ok; ++i) {
        if (!std::fgets(line.data(), static_cast<int>(line.size()), f)) {
          ok = false;
          break;
        }
        std::string l = line.data();
        if (!l.empty() && l.back() == '\n') l.pop_back();
        lowered.push_back(l);
      }
      if (ok) {
        blob.resize(size);
        ok = std::fread(blob.data(), 1, size, f) == size &&
             fnv1a(blob.data(), blob.size()) == sum;  // else corrupt
      }
    }
    std::fclose(f);
    return ok;
  }

  static void write_cache(const std::string& dir, const std::string& path,
                          const std::vector<std::string>& lowered,
                          const std::string& blob) {
    make_dirs(dir);
    std::string tmp = path + ".tmp" + std::to_string(getpid());
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) return;  // a read-only cache is not an error
    bool ok = std::fprintf(f, "AXK1 %llu %llu %llu\n",
                           (unsigned long long)lowered.size(),
                           (unsigned long long)blob.size(),
                           (unsigned long long)fnv1a(blob.data(),
                                                     blob.size())) > 0;
    for (auto& l : lowered) ok = ok && std::fprintf(f, "%s\n", l.c_str()) > 0;
    ok = ok && std::fwrite(blob.data(), 1, blob.size(), f) == blob.size();
    ok = (std::fclose(f) == 0) && ok;
    if (ok)
      std::rename(tmp.c_str(), path.c_str());
    else
      std::remove(tmp.c_str());
  }

  std::mutex mutex_;
  std::map<std::string, Module> modules_;
};

// Dimension plan for strided launches: drop length-1 dims, merge
// contiguous neighbours (as the CPU engine does), at most 8 dims.
struct Plan {
  int ndim = 0;
  int64_t shape[8];
  int64_t strides[5][8];
};

bool make_plan(const Shape& shape, const std::vector<Strides>& st, Plan& p) {
  int nops = static_cast<int>(st.size());
  std::vector<int64_t> sh;
  std::vector<std::vector<int64_t>> s(nops);
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!sh.empty()) {
      bool merge = true;
      for (int k = 0; k < nops && merge; ++k)
        merge = s[k].back() == st[k][d] * shape[d];
      if (merge) {
        sh.back() *= shape[d];
        for (int k = 0; k < nops; ++k) s[k].back() = st[k][d];
        continue;
      }
    }
    sh.push_back(shape[d]);
    for (int k = 0; k < nops; ++k) s[k].push_back(st[k][d]);
  }
  if (sh.size() > 8) return false;
  p.ndim = static_cast<int>(sh.size());
  for (int d = 0; d < p.ndim; ++d) {
    p.shape[d] = sh[d];
    for (int k = 0; k < nops; ++k) p.strides[k][d] = s[k][d];
  }
  return true;
}

// Matches ax::Strided<N> in device/common.cuh.
template <int N>
struct StridedArg {
  int ndim;
  int64_t shape[8];
  int64_t strides[N][8];
};

class CudaBackend final : public Backend {
  friend int arrax::cuda::selfcheck(int arch, std::string& err);

 public:
  explicit CudaBackend(int count) : devices_(count) {}

  bool init() {
    Driver& d = driver();
    for (size_t i = 0; i < devices_.size(); ++i) {
      DeviceState& ds = devices_[i];
      if (d.cuDeviceGet(&ds.dev, static_cast<int>(i)) != CUDA_SUCCESS)
        return false;
      if (d.cuDevicePrimaryCtxRetain(&ds.ctx, ds.dev) != CUDA_SUCCESS)
        return false;
      d.cuCtxSetCurrent(ds.ctx);
      int maj = 0, min = 0;
      d.cuDeviceGetAttribute(&maj, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                             ds.dev);
      d.cuDeviceGetAttribute(&min, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                             ds.dev);
      d.cuDeviceGetAttribute(&ds.sm_count,
                             CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, ds.dev);
      ds.arch = maj * 10 + min;
      char name[256] = {0};
      d.cuDeviceGetName(name, sizeof(name), ds.dev);
      ds.name = name;
      if (d.cuStreamCreate(&ds.stream, CU_STREAM_NON_BLOCKING) != CUDA_SUCCESS)
        return false;
      d.cuDeviceGetDefaultMemPool(&ds.pool, ds.dev);
      // Keep freed memory in the pool (a caching allocator) instead of
      // returning it to the driver at every synchronization.
      cuuint64_t keep = ~cuuint64_t(0);
      d.cuMemPoolSetAttribute(ds.pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &keep);
    }
    return true;
  }

  DeviceState& state(int i) {
    if (i < 0 || i >= static_cast<int>(devices_.size()))
      throw ValueError("[cuda] device index " + std::to_string(i) +
                       " is out of range (" + std::to_string(devices_.size()) +
                       " devices)");
    DeviceState& ds = devices_[i];
    driver().cuCtxSetCurrent(ds.ctx);
    return ds;
  }

  void* allocate(size_t nbytes, int idx) override {
    DeviceState& ds = state(idx);
    if (ds.limit && ds.allocated + static_cast<int64_t>(nbytes) > ds.limit)
      throw MemoryError("[cuda] allocating " + std::to_string(nbytes) +
                        " bytes would exceed the memory limit of " +
                        std::to_string(ds.limit) + " bytes on cuda:" +
                        std::to_string(idx));
    CUdeviceptr p = 0;
    size_t n = std::max<size_t>(nbytes, 1);
    CUresult r = driver().cuMemAllocAsync(&p, n, ds.stream);
    if (r == CUDA_ERROR_OUT_OF_MEMORY) {
      // Free the pool's cached blocks and try once more.
      driver().cuStreamSynchronize(ds.stream);
      driver().cuMemPoolTrimTo(ds.pool, 0);
      r = driver().cuMemAllocAsync(&p, n, ds.stream);
    }
    if (r == CUDA_ERROR_OUT_OF_MEMORY)
      throw MemoryError("[cuda] out of memory allocating " +
                        std::to_string(nbytes) + " bytes on cuda:" +
                        std::to_string(idx));
    check(r, "cuMemAllocAsync");
    ds.allocated += static_cast<int64_t>(nbytes);
    ds.max_allocated = std::max(ds.max_allocated, ds.allocated);
    return reinterpret_cast<void*>(p);
  }

  void deallocate(void* ptr, size_t nbytes, int idx) override {
    DeviceState& ds = state(idx);
    driver().cuMemFreeAsync(reinterpret_cast<CUdeviceptr>(ptr), ds.stream);
    ds.allocated -= static_cast<int64_t>(nbytes);
  }

  void copy(void* dst, Device dst_dev, const void* src, Device src_dev,
            size_t n) override {
    if (n == 0) return;
    Driver& d = driver();
    if (dst_dev.is_cuda() && src_dev.is_cpu()) {
      DeviceState& ds = state(dst_dev.index);
      check(d.cuMemcpyHtoDAsync(reinterpret_cast<CUdeviceptr>(dst), src, n,
                                ds.stream),
            "cuMemcpyHtoDAsync");
      // The host buffer may be pageable and short-lived.
      check(d.cuStreamSynchronize(ds.stream), "cuStreamSynchronize");
    } else if (dst_dev.is_cpu() && src_dev.is_cuda()) {
      DeviceState& ds = state(src_dev.index);
      check(d.cuMemcpyDtoHAsync(dst, reinterpret_cast<CUdeviceptr>(src), n,
                                ds.stream),
            "cuMemcpyDtoHAsync");
      check(d.cuStreamSynchronize(ds.stream), "cuStreamSynchronize");
    } else {
      DeviceState& ds = state(dst_dev.index);
      check(d.cuMemcpyDtoDAsync(reinterpret_cast<CUdeviceptr>(dst),
                                reinterpret_cast<CUdeviceptr>(src), n,
                                ds.stream),
            "cuMemcpyDtoDAsync");
    }
  }

  void synchronize(int idx) override {
    check(driver().cuStreamSynchronize(state(idx).stream),
          "cuStreamSynchronize");
  }

  int device_count() override { return static_cast<int>(devices_.size()); }
  std::string device_name(int idx) override { return state(idx).name; }
  MemoryStats memory_stats(int idx) override {
    DeviceState& ds = state(idx);
    MemoryStats m;
    m.allocated = ds.allocated;
    m.max_allocated = ds.max_allocated;
    cuuint64_t reserved = 0;
    driver().cuMemPoolGetAttribute(ds.pool, CU_MEMPOOL_ATTR_RESERVED_MEM_CURRENT,
                                   &reserved);
    m.reserved = static_cast<int64_t>(reserved);
    return m;
  }
  void reset_peak_memory_stats(int idx) override {
    DeviceState& ds = state(idx);
    ds.max_allocated = ds.allocated;
  }
  void empty_cache(int idx) override {
    DeviceState& ds = state(idx);
    driver().cuStreamSynchronize(ds.stream);
    driver().cuMemPoolTrimTo(ds.pool, 0);
  }
  void set_memory_limit(int idx, int64_t bytes) override {
    state(idx).limit = bytes;
  }

  void eval(Primitive& p, std::span<const Array> inputs,
            std::span<Array> outputs) override {
    if (auto* u = dynamic_cast<Ufunc*>(&p)) return eval_ufunc(*u, inputs, outputs);
    if (dynamic_cast<Copy*>(&p)) return eval_copy(inputs[0], outputs[0]);
    if (dynamic_cast<Select*>(&p))
      return eval_select(inputs, outputs[0]);
    throw NotImplementedError(std::string("[") + p.name() +
                              "] is not implemented on cuda yet");
  }

 private:
  void launch(DeviceState& ds, CUfunction fn, int64_t n, void** args) {
    int64_t threads = 256;
    int64_t blocks = std::min<int64_t>((n + threads - 1) / threads,
                                       int64_t(ds.sm_count) * 16);
    blocks = std::max<int64_t>(blocks, 1);
    AX_TRACE("launch %lld blocks x %lld threads, n=%lld", (long long)blocks,
             (long long)threads, (long long)n);
    check(driver().cuLaunchKernel(fn, static_cast<unsigned>(blocks), 1, 1,
                                  static_cast<unsigned>(threads), 1, 1, 0,
                                  ds.stream, args, nullptr),
          "cuLaunchKernel");
  }

  static std::string ufunc_out_type(const UfuncInfo& info, Dtype loop) {
    switch (info.out) {
      case UfuncOut::Bool: return "bool";
      case UfuncOut::Real: return device_type(real_dtype(loop));
      default: return device_type(loop);
    }
  }

  // One module per loop dtype holding every ufunc that runs in it.
  static void ufunc_module(Dtype loop, std::string& key,
                           std::vector<std::string>& exprs) {
    key = std::string("ufunc_") + dtype_name(loop);
    exprs.clear();
    for (int i = 0; i < kNumUfuncs; ++i) {
      const UfuncInfo& info = ufunc_info(static_cast<UfuncId>(i));
      if (!(info.types & type_bit(loop)) || !device_has(info.name)) continue;
      for (auto& e : ufunc_exprs(info, loop)) exprs.push_back(e);
    }
  }

  static std::vector<std::string> ufunc_exprs(const UfuncInfo& info,
                                              Dtype loop) {
    std::string F = std::string("ax::f::") + info.name;
    std::string T = device_type(loop);
    std::string O = ufunc_out_type(info, loop);
    std::string targs = "<" + F + ", " + T + ", " + O;
    std::vector<std::string> e;
    if (info.nout == 1)
      e.push_back("&ax::ew" + std::to_string(info.nin) + targs + ">");
    e.push_back("&ax::ewnd" + targs + ", " + std::to_string(info.nin) + ", " +
                std::to_string(info.nout) + ">");
    return e;
  }

  // Ufuncs with a device functor in device/ufunc.cuh.
  static bool device_has(const char* name) {
    static const char* const names[] = {
        "add", "subtract", "multiply", "divide", "negative", "positive",
        "floor_divide", "remainder", "divmod", "fmod", "power", "float_power",
        "absolute", "fabs", "sign", "reciprocal", "square", "conjugate",
        "equal", "not_equal", "less", "less_equal", "greater",
        "greater_equal", "logical_and", "logical_or", "logical_xor",
        "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor", "invert",
        "left_shift", "right_shift", "exp", "log", "sqrt", "sin", "cos",
        "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
        "arcsinh", "arccosh", "arctanh", "cbrt", "floor", "ceil", "trunc",
        "rint", "exp2", "expm1", "log2", "log10", "log1p", "arctan2",
        "hypot", "deg2rad", "radians", "rad2deg", "degrees", "maximum",
        "minimum", "fmax", "fmin", "clip", "isnan", "isinf", "isfinite",
        "signbit", "copysign", "nextafter", "logaddexp", "logaddexp2",
        "heaviside"};
    for (const char* n : names)
      if (std::string(n) == name) return true;
    return false;
  }

  void eval_ufunc(Ufunc& u, std::span<const Array> inputs,
                  std::span<Array> outputs) {
    const UfuncInfo& info = ufunc_info(u.id());
    Dtype loop = u.loop_dtype();
    if (!device_has(info.name))
      throw NotImplementedError(std::string("[") + info.name +
                                "] is not implemented on cuda yet");
    DeviceState& ds = state(outputs[0].device().index);
    int64_t n = outputs[0].size();
    if (n == 0) return;
    // Scalars may live on the host (Python numbers): copy them over.
    // TODO: pass 0-d operands by value to skip this copy.
    Array moved[3];
    for (int i = 0; i < info.nin; ++i)
      moved[i] = inputs[i].device() == outputs[0].device()
                     ? inputs[i]
                     : arrax::to_device(inputs[i], outputs[0].device());
    inputs = std::span<const Array>(moved, info.nin);
    auto kernel = [&](int variant) {
      CUfunction& fn =
          ds.ufunc_fns[(static_cast<int>(u.id()) * kNumDtypes +
                        static_cast<int>(loop)) * 2 + variant];
      if (!fn) {
        std::string key;
        std::vector<std::string> exprs;
        ufunc_module(loop, key, exprs);
        auto names = ufunc_exprs(info, loop);
        fn = jit_.function(ds, key, "#include \"ufunc.cuh\"\n", exprs,
                           variant == 0 ? names[0] : names.back());
      }
      return fn;
    };

    // Contiguous fast path: outputs contiguous, inputs contiguous or scalar.
    bool contig = info.nout == 1 && outputs[0].is_c_contiguous();
    int64_t steps[3] = {1, 1, 1};
    for (int i = 0; i < info.nin && contig; ++i) {
      const Array& a = inputs[i];
      if (a.size() == 1 && n != 1)
        steps[i] = 0;
      else if (!(a.is_c_contiguous() && a.size() == n))
        contig = false;
    }
    if (contig) {
      CUfunction fn = kernel(0);
      void* o = outputs[0].data();
      void* ptr[3] = {nullptr, nullptr, nullptr};
      for (int i = 0; i < info.nin; ++i) ptr[i] = inputs[i].data();
      std::vector<void*> args = {&o};
      for (int i = 0; i < info.nin; ++i) args.push_back(&ptr[i]);
      args.push_back(&n);
      for (int i = 0; i < info.nin; ++i) args.push_back(&steps[i]);
      launch(ds, fn, n, args.data());
      return;
    }
    std::vector<Strides> st;
    for (auto& o : outputs) st.push_back(cpu::broadcast_strides(o, outputs[0].shape()));
    for (auto& a : inputs) st.push_back(cpu::broadcast_strides(a, outputs[0].shape()));
    Plan plan;
    if (!make_plan(outputs[0].shape(), st, plan))
      throw NotImplementedError(std::string("[") + info.name +
                                "] more than 8 non-mergeable dimensions on cuda");
    CUfunction fn = kernel(1);
    void* ptrs[5] = {nullptr, nullptr, nullptr, nullptr, nullptr};
    ptrs[0] = outputs[0].data();
    if (info.nout == 2) ptrs[1] = outputs[1].data();
    for (int i = 0; i < info.nin; ++i) ptrs[2 + i] = inputs[i].data();
    int nops = info.nin + info.nout;
    auto run = [&](auto& arg) {
      arg.ndim = plan.ndim;
      for (int d = 0; d < plan.ndim; ++d) {
        arg.shape[d] = plan.shape[d];
        for (int k = 0; k < nops; ++k) arg.strides[k][d] = plan.strides[k][d];
      }
      void* args[] = {&arg, &ptrs[0], &ptrs[1], &ptrs[2], &ptrs[3], &ptrs[4], &n};
      launch(ds, fn, n, args);
    };
    switch (nops) {
      case 2: { StridedArg<2> a{}; run(a); break; }
      case 3: { StridedArg<3> a{}; run(a); break; }
      default: { StridedArg<4> a{}; run(a); break; }
    }
  }

  void eval_copy(const Array& src, Array& dst) {
    DeviceState& ds = state(dst.device().index);
    int64_t n = dst.size();
    if (n == 0) return;
    Array s = src;
    if (!(s.device() == dst.device())) {
      // A CPU scalar broadcast into a device array: move it over first.
      s = arrax::to_device(src, dst.device());
    }
    auto kernel = [&](int variant) {
      CUfunction& fn = ds.cast_fns[(static_cast<int>(dst.dtype()) * kNumDtypes +
                                    static_cast<int>(s.dtype())) * 2 + variant];
      if (!fn) {
        std::string To = device_type(dst.dtype());
        std::string From = device_type(s.dtype());
        std::string key = std::string("cast_") + dtype_name(dst.dtype()) +
                          "_" + dtype_name(s.dtype());
        std::vector<std::string> exprs = {
            "&ax::cast_contig<" + To + ", " + From + ">",
            "&ax::cast_nd<" + To + ", " + From + ">"};
        fn = jit_.function(ds, key, "#include \"ufunc.cuh\"\n", exprs,
                           exprs[variant]);
      }
      return fn;
    };
    bool same = s.dtype() == dst.dtype();
    if (dst.is_c_contiguous() && s.is_c_contiguous() && s.size() == n && same) {
      check(driver().cuMemcpyDtoDAsync(reinterpret_cast<CUdeviceptr>(dst.data()),
                                       reinterpret_cast<CUdeviceptr>(s.data()),
                                       n * dst.itemsize(), ds.stream),
            "cuMemcpyDtoDAsync");
      return;
    }
    if (dst.is_c_contiguous() &&
        ((s.is_c_contiguous() && s.size() == n) || s.size() == 1)) {
      int64_t step = s.size() == 1 && n != 1 ? 0 : 1;
      CUfunction fn = kernel(0);
      void* o = dst.data();
      void* i = s.data();
      void* args[] = {&o, &i, &n, &step};
      launch(ds, fn, n, args);
      return;
    }
    std::vector<Strides> st = {cpu::broadcast_strides(dst, dst.shape()),
                               cpu::broadcast_strides(s, dst.shape())};
    Plan plan;
    if (!make_plan(dst.shape(), st, plan))
      throw NotImplementedError("[copy] more than 8 non-mergeable dimensions on cuda");
    StridedArg<2> a{};
    a.ndim = plan.ndim;
    for (int d = 0; d < plan.ndim; ++d) {
      a.shape[d] = plan.shape[d];
      a.strides[0][d] = plan.strides[0][d];
      a.strides[1][d] = plan.strides[1][d];
    }
    CUfunction fn = kernel(1);
    void* o = dst.data();
    void* i = s.data();
    void* args[] = {&a, &o, &i, &n};
    launch(ds, fn, n, args);
  }

  void eval_select(std::span<const Array> in, Array& out) {
    DeviceState& ds = state(out.device().index);
    int64_t n = out.size();
    if (n == 0) return;
    const char* T = nullptr;
    switch (out.itemsize()) {
      case 1: T = "ax::u8"; break;
      case 2: T = "ax::u16"; break;
      case 4: T = "ax::u32"; break;
      case 8: T = "ax::u64"; break;
      default: T = "ax::complex<double>"; break;
    }
    std::string key = std::string("select_") + std::to_string(out.itemsize());
    std::vector<std::string> exprs = {std::string("&ax::select_nd<") + T + ">"};
    std::vector<Strides> st = {cpu::broadcast_strides(out, out.shape())};
    Array ops[3];
    for (int k = 0; k < 3; ++k) {
      ops[k] = in[k].device() == out.device() ? in[k]
                                              : arrax::to_device(in[k], out.device());
      st.push_back(cpu::broadcast_strides(ops[k], out.shape()));
    }
    Plan plan;
    if (!make_plan(out.shape(), st, plan))
      throw NotImplementedError("[where] more than 8 non-mergeable dimensions on cuda");
    StridedArg<4> a{};
    a.ndim = plan.ndim;
    for (int d = 0; d < plan.ndim; ++d) {
      a.shape[d] = plan.shape[d];
      for (int k = 0; k < 4; ++k) a.strides[k][d] = plan.strides[k][d];
    }
    CUfunction fn = jit_.function(ds, key, "#include \"ufunc.cuh\"\n", exprs,
                                  exprs[0]);
    void* o = out.data();
    void* c = ops[0].data();
    void* x = ops[1].data();
    void* y = ops[2].data();
    void* args[] = {&a, &o, &c, &x, &y, &n};
    launch(ds, fn, n, args);
  }

  std::vector<DeviceState> devices_;
  Jit jit_;
};

}  // namespace

// Compiles every kernel module for `arch` with NVRTC (no GPU needed), so that
// CI catches device-code errors. Returns the number of modules compiled.
int selfcheck(int arch, std::string& err) {
  std::vector<std::string> opts = {
      "--gpu-architecture=sm_" + std::to_string(arch), "-std=c++17",
      "-default-device"};
  std::string source = "#include \"ufunc.cuh\"\n";
  int modules = 0;
  auto build = [&](const std::string& key, std::vector<std::string> exprs) {
    std::vector<std::string> lowered;
    std::string blob;
    try {
      Jit::compile(source, exprs, opts, lowered, blob);
      ++modules;
    } catch (const std::exception& e) {
      err += key + ": " + e.what() + "\n";
    }
  };
  for (int d = 0; d < kNumDtypes; ++d) {
    std::string key;
    std::vector<std::string> exprs;
    CudaBackend::ufunc_module(static_cast<Dtype>(d), key, exprs);
    if (!exprs.empty()) build(key, exprs);
  }
  std::vector<std::string> casts;
  for (int a = 0; a < kNumDtypes; ++a)
    for (int b = 0; b < kNumDtypes; ++b) {
      std::string To = device_type(static_cast<Dtype>(a));
      std::string From = device_type(static_cast<Dtype>(b));
      casts.push_back("&ax::cast_contig<" + To + ", " + From + ">");
      casts.push_back("&ax::cast_nd<" + To + ", " + From + ">");
    }
  build("casts", casts);
  build("select", {"&ax::select_nd<ax::u8>", "&ax::select_nd<ax::u64>",
                   "&ax::select_nd<ax::complex<double>>"});
  return modules;
}

}  // namespace arrax::cuda

extern "C" __attribute__((visibility("default"))) int arrax_cuda_selfcheck(
    int arch, char* err, int errlen) {
  std::string e;
  if (!arrax::cuda::nvrtc().loaded) {
    e = arrax::cuda::nvrtc().error;
  }
  int n = e.empty() ? arrax::cuda::selfcheck(arch, e) : -1;
  if (err && errlen > 0) {
    std::snprintf(err, errlen, "%s", e.c_str());
  }
  return e.empty() ? n : -1;
}

// Called by libarrax when it loads this plugin: registers the backend when
// a driver, NVRTC and at least one GPU are present.
extern "C" __attribute__((visibility("default"))) void arrax_cuda_register() {
  using namespace arrax::cuda;
  Driver& d = driver();
  if (!d.loaded || !nvrtc().loaded) return;
  if (d.cuInit(0) != CUDA_SUCCESS) return;
  int count = 0;
  if (d.cuDeviceGetCount(&count) != CUDA_SUCCESS || count <= 0) return;
  auto* b = new CudaBackend(count);  // lives for the process
  if (!b->init()) return;
  arrax::register_backend(arrax::Device::Type::CUDA, b);
}

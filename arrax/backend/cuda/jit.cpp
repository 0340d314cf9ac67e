// The NVRTC JIT and its disk cache. See Note [CUDA kernel cache].
#include <sys/stat.h>
#include <unistd.h>

#include "arrax/backend/cuda/cuda_internal.h"
#include "arrax/errors.h"

namespace arrax::cuda {

extern const int kNumDeviceHeaders;
extern const char* const kDeviceHeaderNames[];
extern const char* const kDeviceHeaders[];

uint64_t fnv1a(const void* data, size_t n, uint64_t h) {
  auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

namespace {

uint64_t headers_checksum() {
  static uint64_t h = [] {
    uint64_t x = 1469598103934665603ull;
    for (int i = 0; i < kNumDeviceHeaders; ++i)
      x = fnv1a(std::string(kDeviceHeaders[i]), x);
    return x;
  }();
  return h;
}

std::string cache_dir() {
  if (const char* d = std::getenv("ARRAX_CACHE_DIR")) return d;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "/tmp") + "/.cache/arrax";
}

void make_dirs(const std::string& path) {
  for (size_t i = 1; i <= path.size(); ++i)
    if (i == path.size() || path[i] == '/')
      mkdir(path.substr(0, i).c_str(), 0755);
}

// Note [CUDA cache file]: "AXK1 <count> <blob size> <checksum>\n", then one
// lowered name per line, then the cubin. Plain stdio: the plugin avoids
// iostreams, whose locale machinery crashed inside some host processes.
bool read_cache(const std::string& path, size_t count,
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

void write_cache(const std::string& dir, const std::string& path,
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

}  // namespace

std::vector<std::string> Jit::options(int arch) {
  return {"--gpu-architecture=sm_" + std::to_string(arch), "-std=c++17",
          "-default-device"};
}

Jit::Module& Jit::module(DeviceState& ds, const ModuleSpec& spec,
                         bool* compiled) {
  std::string mkey = spec.key + "@" + std::to_string(ds.arch);
  auto it = modules_.find(mkey);
  if (it == modules_.end())
    it = modules_.emplace(mkey, load_or_compile(ds, spec, compiled)).first;
  return it->second;
}

CUfunction Jit::function(DeviceState& ds, const ModuleSpec& spec,
                         const std::string& name_expr) {
  std::lock_guard<std::mutex> lock(mutex_);
  Module& m = module(ds, spec, nullptr);
  auto f = m.functions.find(name_expr);
  if (f != m.functions.end()) return f->second;
  auto ln = m.lowered.find(name_expr);
  if (ln == m.lowered.end())
    throw ValueError("[cuda] kernel " + name_expr + " is not in module " +
                     spec.key);
  CUfunction fn;
  AX_TRACE("get function %s", ln->second.c_str());
  check(driver().cuModuleGetFunction(&fn, m.module, ln->second.c_str()),
        "cuModuleGetFunction");
  m.functions[name_expr] = fn;
  return fn;
}

bool Jit::warm(DeviceState& ds, const ModuleSpec& spec) {
  std::lock_guard<std::mutex> lock(mutex_);
  bool compiled = false;
  module(ds, spec, &compiled);
  return compiled;
}

std::string Jit::cache_path(int arch, const ModuleSpec& spec) {
  int major = 0, minor = 0;
  nvrtc().nvrtcVersion(&major, &minor);
  uint64_t h = fnv1a(spec.source);
  for (auto& e : spec.exprs) h = fnv1a(e, h);
  for (auto& o : options(arch)) h = fnv1a(o, h);
  h = fnv1a(std::to_string(major) + "." + std::to_string(minor), h);
  h ^= headers_checksum();
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)h);
  return cache_dir() + "/" + hex + ".axk";
}

bool Jit::ensure_cached(int arch, const ModuleSpec& spec,
                        std::vector<std::string>& lowered,
                        std::string& blob) {
  std::string path = cache_path(arch, spec);
  if (read_cache(path, spec.exprs.size(), lowered, blob)) return false;
  std::fprintf(stderr, "arrax: compiling CUDA kernels for %s (sm_%d)...\n",
               spec.key.c_str(), arch);
  compile(spec.source, spec.exprs, options(arch), lowered, blob);
  AX_TRACE("compiled %s: %zu bytes, %zu kernels", spec.key.c_str(),
           blob.size(), lowered.size());
  write_cache(cache_dir(), path, lowered, blob);
  return true;
}

Jit::Module Jit::load_or_compile(DeviceState& ds, const ModuleSpec& spec,
                                 bool* was_compiled) {
  std::string blob;
  std::vector<std::string> lowered;
  if (ensure_cached(ds.arch, spec, lowered, blob)) {
    ++compiled_;
    if (was_compiled) *was_compiled = true;
  }
  Module m;
  AX_TRACE("loading module %s (%zu bytes)", spec.key.c_str(), blob.size());
  check(driver().cuModuleLoadData(&m.module, blob.data()), "cuModuleLoadData");
  for (size_t i = 0; i < spec.exprs.size(); ++i)
    m.lowered[spec.exprs[i]] = lowered[i];
  return m;
}

void Jit::compile(const std::string& source,
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
  for (auto& e : exprs)
    nv(n.nvrtcAddNameExpression(prog, e.c_str()), "nvrtcAddNameExpression");
  std::vector<const char*> o;
  for (auto& s : opts) o.push_back(s.c_str());
  nvrtcResult r =
      n.nvrtcCompileProgram(prog, static_cast<int>(o.size()), o.data());
  if (r != NVRTC_SUCCESS) {
    size_t len = 0;
    n.nvrtcGetProgramLogSize(prog, &len);
    std::string log(len, '\0');
    n.nvrtcGetProgramLog(prog, log.data());
    n.nvrtcDestroyProgram(&prog);
    throw ValueError("[cuda] NVRTC compilation failed:\n" +
                     log.substr(0, 4000));
  }
  lowered.clear();
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

}  // namespace arrax::cuda

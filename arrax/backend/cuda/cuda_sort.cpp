// CUDA evaluation of the sorting primitives (arrax/primitives_sort.h).
//
// Note [CUB ahead of time]
// Sorts are CUB's stable radix sorts (DeviceRadixSort for one row,
// DeviceSegmentedRadixSort for many), which exist only as host-launched
// templates: cub_sort.cu instantiates them for 8/16/32/64-bit keys with
// int64 values, compiled by nvcc for the native architecture when the CMake
// option ARRAX_CUB_SORT is on (the default where nvcc is found; see
// docs/architecture.md, "Sorting"). The rest is NVRTC (device/sort.cuh):
// the order-preserving keys of Note [Sort keys], the permutation gathers
// and searchsorted. A
// row's argsort starts from the identity and runs one stable pass per key
// part (complex numbers: imaginary, real, NaN class), each sorting the
// keys of the current permutation with the permutation as values; equal
// keys keep index order, so the result is the stable order, the CPU's
// exactly. Sort gathers the values by that permutation (NaN payloads and
// the signs of zeros survive). Without ARRAX_CUB_SORT a GPU sort raises
// NotImplementedError naming the option; searchsorted needs no CUB.
#include <climits>
#include <string>
#include <utility>
#include <vector>

#include "arrax/backend/cuda/cub_sort.h"
#include "arrax/backend/cuda/cuda_internal.h"
#include "arrax/errors.h"
#include "arrax/primitives.h"
#include "arrax/primitives_sort.h"

namespace arrax::cuda {

namespace {

const std::string kSortSource = "#include \"sort.cuh\"\n";

const std::vector<Dtype>& sort_dtypes() {
  static const std::vector<Dtype> v = {
      Dtype::Bool,    Dtype::Int8,      Dtype::Int16,     Dtype::Int32,
      Dtype::Int64,   Dtype::UInt8,     Dtype::UInt16,    Dtype::UInt32,
      Dtype::UInt64,  Dtype::Float16,   Dtype::BFloat16,  Dtype::Float32,
      Dtype::Float64, Dtype::Complex64, Dtype::Complex128};
  return v;
}

// Bytes of a key part (Note [Sort keys]); part 2 of complex is one byte.
int key_bytes(Dtype dt, int part) {
  if (part == 2) return 1;
  if (dt == Dtype::Bool) return 1;
  return is_complex(dt) ? itemsize(dt) / 2 : itemsize(dt);
}

const char* key_type(int bytes) {
  switch (bytes) {
    case 1:
      return "ax::u8";
    case 2:
      return "ax::u16";
    case 4:
      return "ax::u32";
  }
  return "ax::u64";
}

std::string keys_expr(Dtype dt, int part) {
  return std::string("&ax::srt::sort_keys<") + device_type(dt) + ", " +
         key_type(key_bytes(dt, part)) + ">";
}
std::string gather_expr(Dtype dt) {
  return std::string("&ax::srt::sort_gather<") + device_type(dt) + ">";
}
std::string search_expr(Dtype dt) {
  return std::string("&ax::srt::searchsorted<") + device_type(dt) + ">";
}

// One module for the shared kernels, then one per dtype.
std::vector<ModuleSpec> make_modules() {
  std::vector<ModuleSpec> v;
  v.push_back(
      {"sort", kSortSource, {"&ax::srt::sort_init", "&ax::srt::sort_offsets"}});
  for (Dtype dt : sort_dtypes()) {
    ModuleSpec m{std::string("sort_") + dtype_name(dt), kSortSource, {}};
    m.exprs.push_back(keys_expr(dt, 0));
    if (is_complex(dt)) m.exprs.push_back(keys_expr(dt, 2));
    m.exprs.push_back(gather_expr(dt));
    m.exprs.push_back(search_expr(dt));
    v.push_back(std::move(m));
  }
  return v;
}

const std::vector<ModuleSpec>& specs() {
  static const std::vector<ModuleSpec> v = make_modules();
  return v;
}
std::vector<ModuleSpec> modules() { return specs(); }

const ModuleSpec& dtype_spec(Dtype dt) {
  const std::vector<Dtype>& d = sort_dtypes();
  for (size_t i = 0; i < d.size(); ++i)
    if (d[i] == dt) return specs()[i + 1];
  throw TypeError(std::string("[sort] no GPU sort for dtype ") +
                  dtype_name(dt));
}

// `a` as a C-contiguous array on `dev` (a device copy when it is a view).
Array contiguous(CudaBackend& b, const Array& a, Device dev) {
  Array x = CudaBackend::on_device(a, dev);
  if (x.is_c_contiguous()) return x;
  Array c = Array::empty(x.shape(), x.dtype(), dev);
  Copy copy(x.dtype(), x.shape());
  Array in[1] = {x};
  Array out[1] = {c};
  b.eval(copy, in, out);
  return c;
}

// Writes `src` (C-contiguous, out's shape) into the output view.
void copy_out(CudaBackend& b, const Array& src, Array& out) {
  if (src.is(out)) return;
  Copy copy(out.dtype(), out.shape());
  Array in[1] = {src};
  Array o[1] = {out};
  b.eval(copy, in, o);
}

int64_t row_length(const Array& a) {
  return a.ndim() ? a.shape()[a.ndim() - 1] : 1;
}

#ifdef ARRAX_HAVE_CUB_SORT
// The stable argsort of each row of x (C-contiguous on the device) into
// `result` (int64, x's size, C-contiguous). See Note [CUB ahead of time].
void argsort_rows(CudaBackend& b, const Array& x, Array& result,
                  const char* op) {
  Device dev = x.device();
  DeviceState& ds = b.state(dev.index);
  int64_t total = x.size();
  int64_t n = row_length(x);
  int64_t rows = total / n;
  if (total > INT_MAX)
    throw ValueError(std::string("[") + op +
                     "] the GPU sort takes at most 2**31 - 1 elements, got " +
                     std::to_string(total));
  Dtype dt = x.dtype();
  const ModuleSpec& common = specs()[0];
  const ModuleSpec& spec = dtype_spec(dt);
  std::vector<int> parts =
      is_complex(dt) ? std::vector<int>{0, 1, 2} : std::vector<int>{0};
  // Passes alternate pa -> pb -> pa ...: an odd count ends in `result`.
  Array other = b.scratch(total * 8, dev);
  void* pa = other.data();
  void* pb = result.data();
  if (parts.size() % 2 == 0) std::swap(pa, pb);
  Array keys_in = b.scratch(total * 8, dev);
  Array keys_out = b.scratch(total * 8, dev);
  Array offsets = b.scratch((rows + 1) * 4, dev);
  void* kin = keys_in.data();
  void* off = offsets.data();
  {
    CUfunction fn = b.kernel(ds, common, "&ax::srt::sort_init");
    void* args[] = {&pa, &n, &total};
    b.launch(ds, fn, total, args);
  }
  if (rows > 1) {
    CUfunction fn = b.kernel(ds, common, "&ax::srt::sort_offsets");
    void* args[] = {&off, &n, &rows};
    b.launch(ds, fn, rows + 1, args);
  }
  const void* xd = x.data();
  std::vector<Array> temps;
  for (int part : parts) {
    // Parts 0 and 1 of complex share one instantiation (the part is an
    // argument).
    CUfunction fn = b.kernel(ds, spec, keys_expr(dt, part == 1 ? 0 : part));
    void* args[] = {&xd, &pa, &kin, &n, &total, &part};
    b.launch(ds, fn, total, args);
    int kbytes = key_bytes(dt, part);
    // CUB launches through the runtime on this stream: what arrax queued
    // must reach the stream first (Note [Launch thread]).
    flush_launches();
    size_t bytes = 0;
    int err = cub_sort_pairs(kbytes, nullptr, bytes, kin, keys_out.data(),
                             static_cast<const int64_t*>(pa),
                             static_cast<int64_t*>(pb), total, rows,
                             static_cast<const int32_t*>(off), ds.stream);
    if (err == 0) {
      temps.push_back(b.scratch(static_cast<int64_t>(bytes), dev));
      err = cub_sort_pairs(kbytes, temps.back().data(), bytes, kin,
                           keys_out.data(), static_cast<const int64_t*>(pa),
                           static_cast<int64_t*>(pb), total, rows,
                           static_cast<const int32_t*>(off), ds.stream);
    }
    if (err != 0)
      throw ValueError(std::string("[") + op +
                       "] CUB radix sort failed: " + cub_error_string(err));
    std::swap(pa, pb);
  }
}
#else
void argsort_rows(CudaBackend&, const Array&, Array&, const char* op) {
  throw NotImplementedError(
      std::string("[") + op +
      "] this arrax was built without CUB sorts (CMake option "
      "ARRAX_CUB_SORT off: no nvcc at build time); sort on the CPU "
      "(x.to('cpu')) or rebuild with nvcc on PATH");
}
#endif

void eval_argsort(CudaBackend& b, Argsort&, std::span<const Array> inputs,
                  std::span<Array> outputs) {
  Array& out = outputs[0];
  if (out.size() == 0) return;
  Device dev = out.device();
  Array x = contiguous(b, inputs[0], dev);
  Array r = out.is_c_contiguous()
                ? out
                : Array::empty(out.shape(), Dtype::Int64, dev);
  argsort_rows(b, x, r, "argsort");
  copy_out(b, r, out);
}

void eval_sort(CudaBackend& b, Sort&, std::span<const Array> inputs,
               std::span<Array> outputs) {
  Array& out = outputs[0];
  if (out.size() == 0) return;
  Device dev = out.device();
  DeviceState& ds = b.state(dev.index);
  Array x = contiguous(b, inputs[0], dev);
  Array perm = Array::empty(x.shape(), Dtype::Int64, dev);
  argsort_rows(b, x, perm, "sort");
  Array r =
      out.is_c_contiguous() ? out : Array::empty(out.shape(), out.dtype(), dev);
  CUfunction fn = b.kernel(ds, dtype_spec(x.dtype()), gather_expr(x.dtype()));
  const void* xd = x.data();
  const void* pd = perm.data();
  void* od = r.data();
  int64_t n = row_length(x), total = x.size();
  void* args[] = {&xd, &pd, &od, &n, &total};
  b.launch(ds, fn, total, args);
  copy_out(b, r, out);
}

void eval_searchsorted(CudaBackend& b, SearchSorted& p,
                       std::span<const Array> inputs,
                       std::span<Array> outputs) {
  Array& out = outputs[0];
  if (out.size() == 0) return;
  Device dev = out.device();
  DeviceState& ds = b.state(dev.index);
  Array a = contiguous(b, inputs[0], dev);
  Array v = contiguous(b, inputs[1], dev);
  Array r = out.is_c_contiguous()
                ? out
                : Array::empty(out.shape(), Dtype::Int64, dev);
  CUfunction fn = b.kernel(ds, dtype_spec(a.dtype()), search_expr(a.dtype()));
  const void* ad = a.data();
  const void* vd = v.data();
  void* od = r.data();
  int64_t na = a.size(), nv = v.size();
  int right = p.right() ? 1 : 0;
  void* args[] = {&ad, &na, &vd, &od, &nv, &right};
  b.launch(ds, fn, nv, args);
  copy_out(b, r, out);
}

}  // namespace

AX_CUDA_EVAL(Sort, eval_sort);
AX_CUDA_EVAL(Argsort, eval_argsort);
AX_CUDA_EVAL(SearchSorted, eval_searchsorted);
AX_CUDA_MODULES(modules);

}  // namespace arrax::cuda

// CUDA evaluation of the advanced-indexing primitives
// (arrax/primitives_index.h): Gather, Scatter, MaskedGather, MaskedScatter,
// Nonzero, and the in-place ufunc.at (UfuncAt). Kernels are in
// device/index.cuh.
//
// Note [CUDA gather and scatter]
// Indexing moves bytes, so the kernels are dtype-blind. The common case --
// every index array C-contiguous with the broadcast index shape B, the
// other side C-contiguous over (B, rest) and the rest block one contiguous
// run -- goes through the row kernels (take_rows / put_rows, Note [Row
// gathers and scatters] in device/index.cuh): one pass reads the indices,
// checks them and moves whole rows in 16-byte (or smaller) units. Other
// layouts keep the general path: an index tuple becomes an element offset
// per broadcast position b (index_offsets, up to 4 index arrays per pass),
// then a copy kernel moves one "rest" block per offset.
// Scatter keeps NumPy's "last write wins" for repeated indices. put_rows
// sets one bit per destination position (atomicOr into a bitmap over the
// indexed dims) and flags a position hit twice; only then (or for the
// general layouts) the exact path runs: each destination position claims
// the largest b that targets it (atomicMax into a table over the indexed
// dimensions, or a hash table of about 2 * nb slots when that would be
// large), and only that b writes, rewriting every hit position; see Note
// [Last write wins on the device] in device/index.cuh. A broadcast value
// needs no detection: repeats write the same item.
//
// Note [Index errors cost one sync]
// In raise mode an out-of-bounds index must become an IndexError with the
// CPU's message, and the device must never read or write out of bounds.
// The kernel that reads the indices records the first bad (b, j) in C
// order (atomicMin of b * k + j into an 8-byte scratch cell initialized to
// all ones) and skips it: take_rows itself (its output is fresh, so rows
// left unwritten do not matter when it raises), check_rows before
// put_rows, index_offsets on the general path. Writing kernels read the
// cell first and do nothing when it is set, so a failing scatter leaves
// the destination untouched, as on the CPU. The host then reads the cell
// (with put_rows' duplicate flag: one 16-byte copy into pinned memory) and
// synchronizes once; on error it reads the offending index value back to
// build the message. Wrap and clip cannot fail; their gathers and
// broadcast scatters stay asynchronous. ufunc.at works the same way with
// the first bad position k: elements before k are applied (as the CPU's
// sequential loop does), none after.
//
// Note [Masks on the device]
// Masked gathers and scatters of single items (no rest block) and nonzero
// go through the mask tiles (Note [Mask tiles] in device/index.cuh): count
// the true bytes of each 4096-byte tile, scan the tile counts in one block,
// then each tile re-reads its mask, scans it in shared memory and moves its
// true elements. Masks with rest blocks, or source dims that do not merge
// into one strided dim, keep the general path: rank[m] (the number of true
// elements before m) by a three-kernel scan, then a kernel over every mask
// position (and rest element) acting where the mask is true. No result size
// has to be read back (the op already knows the count).
#include <cstring>
#include <limits>

#include "arrax/backend/cpu/iter.h"
#include "arrax/backend/cuda/cuda_internal.h"
#include "arrax/errors.h"
#include "arrax/primitives.h"
#include "arrax/primitives_index.h"
#include "arrax/primitives_ufuncs.h"

namespace arrax::cuda {

namespace {

const std::string kIndexSource = "#include \"index.cuh\"\n";
const std::string kAtSource =
    "#include \"ufunc.cuh\"\n#include \"index.cuh\"\n";
constexpr uint64_t kNoError = ~uint64_t(0);
constexpr int kScanThreads = 256;

const char* mode_arg(IndexMode m) {
  switch (m) {
    case IndexMode::Raise: return "0";
    case IndexMode::Wrap: return "1";
    default: return "2";
  }
}

// ---- modules ----------------------------------------------------------------

// The moving unit of the row fast paths (Note [Row gathers and scatters] in
// device/index.cuh).
const char* unit_type(int64_t us) {
  switch (us) {
    case 16: return "uint4";
    case 8: return "ax::u64";
    case 4: return "ax::u32";
    case 2: return "ax::u16";
    default: return "ax::u8";
  }
}

std::string rows_expr(const char* kernel, const char* mode, int64_t us) {
  return std::string("&ax::idx::") + kernel + "<" + mode + ", " +
         unit_type(us) + ">";
}

ModuleSpec index_module() {
  ModuleSpec m{"index_common", kIndexSource, {}};
  for (const char* mode : {"0", "1", "2"})
    m.exprs.push_back(std::string("&ax::idx::index_offsets<") + mode + ">");
  m.exprs.push_back("&ax::idx::scatter_claim");
  m.exprs.push_back("&ax::idx::scatter_keep");
  m.exprs.push_back("&ax::idx::scatter_claim_hash");
  m.exprs.push_back("&ax::idx::scatter_keep_hash");
  m.exprs.push_back("&ax::idx::mask_count");
  m.exprs.push_back("&ax::idx::scan_counts");
  m.exprs.push_back("&ax::idx::mask_rank");
  m.exprs.push_back("&ax::idx::nonzero_coords");
  m.exprs.push_back("&ax::idx::at_check");
  m.exprs.push_back("&ax::idx::check_rows");
  m.exprs.push_back("&ax::idx::mask_tile_count");
  m.exprs.push_back("&ax::idx::scan_tiles");
  m.exprs.push_back("&ax::idx::mask_coords");
  for (const char* mode : {"0", "1", "2"})
    for (int64_t us : {1, 2, 4, 8, 16}) {
      for (const char* k : {"take_rows", "put_rows", "take_items", "put_items"})
        m.exprs.push_back(rows_expr(k, mode, us));
    }
  return m;
}

std::string bits_expr(const char* kernel, int64_t isz) {
  return std::string("&ax::idx::") + kernel + "<" + device_bits_type(isz) +
         ">";
}

ModuleSpec move_module(int64_t isz) {
  ModuleSpec m{"index_move_" + std::to_string(isz), kIndexSource, {}};
  for (const char* k :
       {"gather_rows", "scatter_rows", "masked_gather", "masked_scatter",
        "mask_compact", "mask_spread"})
    m.exprs.push_back(bits_expr(k, isz));
  return m;
}

// ufunc.at: ufuncs with a device functor (device/ufunc.cuh) that write their
// loop dtype.
bool at_device_has(const char* name) {
  static const char* const names[] = {
      "add", "subtract", "multiply", "divide", "negative", "positive",
      "floor_divide", "remainder", "fmod", "power", "float_power",
      "absolute", "fabs", "sign", "reciprocal", "square", "conjugate",
      "logical_and", "logical_or", "logical_xor", "logical_not",
      "bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift",
      "right_shift", "exp", "log", "sqrt", "sin", "cos", "tan", "arcsin",
      "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh",
      "arctanh", "cbrt", "floor", "ceil", "trunc", "rint", "exp2", "expm1",
      "log2", "log10", "log1p", "arctan2", "hypot", "deg2rad", "radians",
      "rad2deg", "degrees", "maximum", "minimum", "fmax", "fmin",
      "copysign", "nextafter", "logaddexp", "logaddexp2", "heaviside"};
  for (const char* n : names)
    if (std::strcmp(n, name) == 0) return true;
  return false;
}

bool at_supported(UfuncId id, Dtype loop) {
  const UfuncInfo& info = ufunc_info(id);
  return info.nout == 1 && (info.nin == 1 || info.nin == 2) &&
         info.in != UfuncIn::FloatInt && (info.types & type_bit(loop)) &&
         at_device_has(info.name) && ufunc_out_dtype(id, loop) == loop;
}

// Integer and bool ops whose result does not depend on the order of
// application: parallel CAS loops are exact for them.
bool at_order_free(UfuncId id, Dtype loop) {
  if (!(is_integer(loop) || loop == Dtype::Bool)) return false;
  static const char* const names[] = {
      "add", "multiply", "maximum", "minimum", "fmax", "fmin",
      "bitwise_and", "bitwise_or", "bitwise_xor", "logical_and",
      "logical_or"};
  for (const char* n : names)
    if (std::strcmp(n, ufunc_info(id).name) == 0) return true;
  return false;
}

std::string at_expr(UfuncId id, Dtype loop, bool atomic) {
  const UfuncInfo& info = ufunc_info(id);
  return std::string(atomic ? "&ax::idx::at_atomic<" : "&ax::idx::at_serial<") +
         "ax::f::" + info.name + ", " + device_type(loop) + ", " +
         std::to_string(info.nin) + ">";
}

ModuleSpec at_module(Dtype loop) {
  ModuleSpec m{std::string("ufunc_at_") + dtype_name(loop), kAtSource, {}};
  for (int i = 0; i < kNumUfuncs; ++i) {
    UfuncId id = static_cast<UfuncId>(i);
    if (!at_supported(id, loop)) continue;
    m.exprs.push_back(at_expr(id, loop, false));
    if (at_order_free(id, loop)) m.exprs.push_back(at_expr(id, loop, true));
  }
  return m;
}

// The module specs, built once (the kernel cache is keyed by spec.key).
const ModuleSpec& index_spec() {
  static const ModuleSpec m = index_module();
  return m;
}
int size_slot(int64_t isz) {
  return isz == 1 ? 0 : isz == 2 ? 1 : isz == 4 ? 2 : isz == 8 ? 3 : 4;
}
std::vector<ModuleSpec> move_modules() {
  std::vector<ModuleSpec> v;
  for (int64_t s : {1, 2, 4, 8, 16}) v.push_back(move_module(s));
  return v;
}
// Every dtype's, empty ones included (at_spec indexes them by dtype).
std::vector<ModuleSpec> at_modules() {
  std::vector<ModuleSpec> v;
  for (int d = 0; d < kNumDtypes; ++d)
    v.push_back(at_module(static_cast<Dtype>(d)));
  return v;
}
const ModuleSpec& move_spec(int64_t isz) {
  static const std::vector<ModuleSpec> v = move_modules();
  return v[size_slot(isz)];
}
const ModuleSpec& at_spec(Dtype dt) {
  static const std::vector<ModuleSpec> v = at_modules();
  return v[static_cast<int>(dt)];
}

// ---- helpers -----------------------------------------------------------------

// An error cell (see Note [Index errors cost one sync]).
Array error_cell(CudaBackend& b, DeviceState& ds, Device dev) {
  Array cell = b.scratch(8, dev);
  check(driver().cuMemsetD8Async(reinterpret_cast<CUdeviceptr>(cell.data()),
                                 0xFF, 8, ds.stream),
        "cuMemsetD8Async");
  return cell;
}

// A small pinned host buffer of this thread for the flag reads (a pinned
// destination makes the copy a plain DMA, with no staging); null when the
// driver refuses it, and pageable memory is used instead.
uint64_t* pinned_cells() {
  thread_local uint64_t* p = [] {
    void* q = nullptr;
    if (driver().cuMemHostAlloc(&q, 64, 0x01 /* PORTABLE */) != CUDA_SUCCESS)
      q = nullptr;
    return static_cast<uint64_t*>(q);
  }();
  return p;
}

// Reads n (at most 8) 8-byte cells at `cell` (one copy, one sync).
void read_cells(DeviceState& ds, const void* cell, uint64_t* v, int n) {
  uint64_t* p = pinned_cells();
  uint64_t* dst = p ? p : v;
  check(driver().cuMemcpyDtoHAsync(dst, reinterpret_cast<CUdeviceptr>(cell),
                                   8 * n, ds.stream),
        "cuMemcpyDtoHAsync");
  check(driver().cuStreamSynchronize(ds.stream), "cuStreamSynchronize");
  if (p) std::memcpy(v, p, 8 * n);
}

uint64_t read_cell(DeviceState& ds, const Array& cell) {
  uint64_t v = kNoError;
  read_cells(ds, cell.data(), &v, 1);
  return v;
}

int64_t read_i64(DeviceState& ds, const void* p) {
  int64_t v = 0;
  check(driver().cuMemcpyDtoHAsync(&v, reinterpret_cast<CUdeviceptr>(p), 8,
                                   ds.stream),
        "cuMemcpyDtoHAsync");
  check(driver().cuStreamSynchronize(ds.stream), "cuStreamSynchronize");
  return v;
}

struct IndexPassArg {  // matches ax::idx::IndexPass
  const int64_t* ix[4];
  int64_t dims[4];
  int64_t strides[4];
  int64_t lin[4];
  int k;
  int j0;
  int ktotal;
};

// The element offsets (and, when `lin` is given, the C-order positions in
// the indexed dims) of every index tuple over `bshape`. Returns the error
// cell in raise mode (an invalid Array otherwise). idx are on the device.
Array index_offsets(CudaBackend& b, DeviceState& ds, Device dev,
                    const Shape& bshape, std::span<const Array> idx,
                    const int64_t* dims, const int64_t* strides,
                    IndexMode mode, int64_t* off, int64_t* lin) {
  int64_t nb = shape_size(bshape);
  int k = static_cast<int>(idx.size());
  Array err;
  if (mode == IndexMode::Raise) err = error_cell(b, ds, dev);
  if (k == 0) {
    check(driver().cuMemsetD8Async(reinterpret_cast<CUdeviceptr>(off), 0,
                                   nb * 8, ds.stream),
          "cuMemsetD8Async");
    if (lin)
      check(driver().cuMemsetD8Async(reinterpret_cast<CUdeviceptr>(lin), 0,
                                     nb * 8, ds.stream),
            "cuMemsetD8Async");
    return err;
  }
  // lin multipliers: C-order strides of the indexed dims.
  std::vector<int64_t> linm(k, 1);
  for (int j = k - 2; j >= 0; --j) linm[j] = linm[j + 1] * dims[j + 1];
  const ModuleSpec& spec = index_spec();
  CUfunction fn = b.kernel(
      ds, spec, std::string("&ax::idx::index_offsets<") + mode_arg(mode) + ">");
  for (int j0 = 0; j0 < k; j0 += 4) {
    int kk = std::min(4, k - j0);
    std::vector<Strides> st;
    IndexPassArg a{};
    for (int j = 0; j < kk; ++j) {
      st.push_back(cpu::broadcast_strides(idx[j0 + j], bshape));
      a.ix[j] = static_cast<const int64_t*>(idx[j0 + j].data());
      a.dims[j] = dims[j0 + j];
      a.strides[j] = strides[j0 + j];
      a.lin[j] = linm[j0 + j];
    }
    for (int j = kk; j < 4; ++j) st.push_back(st[0]);
    a.k = kk;
    a.j0 = j0;
    a.ktotal = k;
    auto s = strided_arg<4>(plan_of(bshape, st, "index"));
    int accumulate = j0 > 0;
    void* e = err.valid() ? err.data() : nullptr;
    void* args[] = {&s, &a, &off, &lin, &accumulate, &e, &nb};
    b.launch(ds, fn, nb, args);
  }
  return err;
}

// Throws the CPU's IndexError for error key b * k + j (see Note [Index
// errors cost one sync]).
[[noreturn]] void throw_index_error(DeviceState& ds, uint64_t key,
                                    const Shape& bshape,
                                    std::span<const Array> idx,
                                    const int64_t* dims,
                                    const std::vector<int>& axes,
                                    const char* op) {
  int k = static_cast<int>(idx.size());
  int64_t bpos = static_cast<int64_t>(key / k);
  int j = static_cast<int>(key % k);
  Strides st = cpu::broadcast_strides(idx[j], bshape);
  int64_t off = 0, r = bpos;
  for (int d = static_cast<int>(bshape.size()) - 1; d >= 0; --d) {
    off += (r % bshape[d]) * st[d];
    r /= bshape[d];
  }
  int64_t value = read_i64(ds, static_cast<const int64_t*>(idx[j].data()) + off);
  throw IndexError(std::string("[") + op + "] index " + std::to_string(value) +
                   " is out of bounds for axis " + std::to_string(axes[j]) +
                   " with size " + std::to_string(dims[j]));
}

// Raises the CPU's IndexError when the error cell is set (one sync).
void raise_index_error(DeviceState& ds, const Array& err, const Shape& bshape,
                       std::span<const Array> idx, const int64_t* dims,
                       const std::vector<int>& axes, const char* op) {
  if (!err.valid()) return;
  uint64_t key = read_cell(ds, err);
  if (key == kNoError) return;
  throw_index_error(ds, key, bshape, idx, dims, axes, op);
}

// ---- row fast paths (Note [Row gathers and scatters], device/index.cuh) --

// Whether dims [from, ndim) of (shape, strides) are one C-contiguous run
// (size-1 dims ignored); n gets its number of items.
bool run_contiguous(const Shape& shape, const Strides& strides, int from,
                    int64_t& n) {
  n = 1;
  bool ok = true;
  int64_t expect = 1;
  for (int d = static_cast<int>(shape.size()) - 1; d >= from; --d) {
    if (shape[d] != 1 && strides[d] != expect) ok = false;
    expect *= shape[d];
    n *= shape[d];
  }
  return ok || n == 0;
}

bool zero_strided(const Array& a) {
  for (int d = 0; d < a.ndim(); ++d)
    if (a.shape()[d] != 1 && a.strides()[d] != 0) return false;
  return true;
}

// Index arrays that the row kernels read directly: at most 4, each
// C-contiguous with the broadcast shape itself.
bool plain_indices(std::span<const Array> idx, const Shape& bshape) {
  if (idx.empty() || idx.size() > 4) return false;
  for (const Array& x : idx) {
    if (x.dtype() != Dtype::Int64 || x.shape() != bshape) return false;
    int64_t n;
    if (!run_contiguous(x.shape(), x.strides(), 0, n)) return false;
  }
  return true;
}

// The largest unit (16, 8, 4, 2 or 1 bytes) dividing every byte quantity.
int64_t unit_for(std::initializer_list<int64_t> q) {
  for (int64_t us = 16; us > 1; us >>= 1) {
    bool ok = true;
    for (int64_t x : q) ok = ok && x % us == 0;
    if (ok) return us;
  }
  return 1;
}

struct Rows {
  IndexPassArg a{};
  int64_t us = 1, units = 0;
  int gshift = 0;
};

// Fills the index pass (strides in units of us) and the row geometry.
Rows make_rows(std::span<const Array> idx, const int64_t* dims,
               const int64_t* strides, int64_t isz, int64_t nr, int64_t us) {
  Rows r;
  int k = static_cast<int>(idx.size());
  r.us = us;
  r.units = nr * isz / us;
  int64_t lin = 1;
  for (int j = k - 1; j >= 0; --j) {
    r.a.ix[j] = static_cast<const int64_t*>(idx[j].data());
    r.a.dims[j] = dims[j];
    r.a.strides[j] = strides[j] * isz / us;
    r.a.lin[j] = lin;
    lin *= dims[j];
  }
  r.a.k = k;
  r.a.j0 = 0;
  r.a.ktotal = k;
  // Groups of up to 32 threads with up to 4 units each per pass (the row
  // kernels keep four loads in flight per thread).
  while (r.gshift < 5 && (int64_t(4) << r.gshift) < r.units) ++r.gshift;
  return r;
}

int64_t addr(const void* p) {
  return static_cast<int64_t>(reinterpret_cast<uintptr_t>(p));
}

// Gather through take_rows when the layout allows; false otherwise.
bool take_rows(CudaBackend& b, DeviceState& ds, Device dev, Gather& g,
               const Array& src, const Array& out, std::span<const Array> idx,
               const Shape& bshape, int64_t nb) {
  int k = static_cast<int>(idx.size());
  int64_t nr, nout;
  if (!plain_indices(idx, bshape) ||
      !run_contiguous(src.shape(), src.strides(), k, nr) ||
      !run_contiguous(out.shape(), out.strides(), 0, nout))
    return false;
  const int64_t isz = src.itemsize();
  int64_t us = unit_for({nr * isz, addr(src.data()), addr(out.data())});
  for (int j = 0; j < k; ++j)
    us = std::min(us, unit_for({src.strides()[j] * isz}));
  Rows r =
      make_rows(idx, src.shape().data(), src.strides().data(), isz, nr, us);
  Array err;
  if (g.mode() == IndexMode::Raise) err = error_cell(b, ds, dev);
  void* o = out.data();
  void* s = src.data();
  void* e = err.valid() ? err.data() : nullptr;
  if (k == 1 && r.units == 1) {
    CUfunction fn = b.kernel(ds, index_spec(),
                             rows_expr("take_items", mode_arg(g.mode()), us));
    void* args[] = {&r.a.ix[0], &r.a.dims[0], &r.a.strides[0], &o, &s, &nb,
                    &e};
    b.launch(ds, fn, (nb + 3) / 4, args);
  } else {
    CUfunction fn = b.kernel(ds, index_spec(),
                             rows_expr("take_rows", mode_arg(g.mode()), us));
    void* args[] = {&r.a, &o, &s, &nb, &r.units, &r.gshift, &e};
    b.launch(ds, fn, nb << r.gshift, args);
  }
  raise_index_error(ds, err, bshape, idx, src.shape().data(), g.axes(),
                    g.op());
  return true;
}

// Scatter through put_rows when the layout allows and no position is hit
// twice; false otherwise (then nothing is known to be written correctly,
// and the caller runs the exact path, which rewrites every hit position).
bool put_rows(CudaBackend& b, DeviceState& ds, Device dev, Scatter& sc,
              const Array& dst, const Array& value,
              std::span<const Array> idx, const Shape& bshape, int64_t nb) {
  int k = static_cast<int>(idx.size());
  int64_t nr, nv;
  if (!plain_indices(idx, bshape) ||
      !run_contiguous(dst.shape(), dst.strides(), k, nr) || nr == 0)
    return false;
  // The kernel reads the indices while it writes: they must not live in
  // dst (a[a] = v), nor may the value.
  for (const Array& x : idx)
    if (x.may_overlap(dst)) return false;
  if (value.may_overlap(dst)) return false;
  const bool bcast = zero_strided(value);
  if (!bcast && !run_contiguous(value.shape(), value.strides(), 0, nv))
    return false;
  int64_t npos = 1;
  for (int j = 0; j < k; ++j) npos *= dst.shape()[j];
  if (npos == 0) return false;
  const int64_t words = (npos + 31) / 32;
  if (words * 4 > std::max<int64_t>(32 * nb, int64_t(1) << 22)) return false;
  const int64_t isz = dst.itemsize();
  int64_t us = unit_for({nr * isz, addr(dst.data()), addr(value.data())});
  for (int j = 0; j < k; ++j)
    us = std::min(us, unit_for({dst.strides()[j] * isz}));
  if (bcast) {
    // A broadcast item is read as one unit.
    if (us < isz) return false;
    us = isz;
  }
  Rows r =
      make_rows(idx, dst.shape().data(), dst.strides().data(), isz, nr, us);
  int64_t vrow = bcast ? 0 : r.units, vcol = bcast ? 0 : 1;
  // flags[0]: error cell; flags[1]: "hit twice" (all ones: no).
  Array flags = b.scratch(16, dev);
  check(driver().cuMemsetD8Async(reinterpret_cast<CUdeviceptr>(flags.data()),
                                 0xFF, 16, ds.stream),
        "cuMemsetD8Async");
  void* f = flags.data();
  if (sc.mode() == IndexMode::Raise) {
    CUfunction fn = b.kernel(ds, index_spec(), "&ax::idx::check_rows");
    void* args[] = {&r.a, &nb, &f};
    b.launch(ds, fn, nb, args);
  }
  // A broadcast value writes the same item wherever positions repeat, so
  // any order is right: no duplicate detection.
  Array bitmap;
  void* bits = nullptr;
  if (!bcast) {
    bitmap = b.scratch(words * 4, dev);
    bits = bitmap.data();
    check(driver().cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(bits), 0,
                                    words, ds.stream),
          "cuMemsetD32Async");
  }
  void* d = dst.data();
  void* v = value.data();
  if (k == 1 && r.units == 1) {
    CUfunction fn = b.kernel(ds, index_spec(),
                             rows_expr("put_items", mode_arg(sc.mode()), us));
    void* args[] = {&r.a.ix[0], &r.a.dims[0], &r.a.strides[0], &d, &v,
                    &vrow,      &nb,          &bits,           &f};
    b.launch(ds, fn, (nb + 3) / 4, args);
  } else {
    CUfunction fn = b.kernel(ds, index_spec(),
                             rows_expr("put_rows", mode_arg(sc.mode()), us));
    void* args[] = {&r.a, &d,       &v,        &vrow, &vcol,
                    &nb,  &r.units, &r.gshift, &bits, &f};
    b.launch(ds, fn, nb << r.gshift, args);
  }
  if (bcast && sc.mode() != IndexMode::Raise) return true;  // stays async
  uint64_t cells[2];
  read_cells(ds, flags.data(), cells, 2);
  if (cells[0] != kNoError)
    throw_index_error(ds, cells[0], bshape, idx, dst.shape().data(), sc.axes(),
                      sc.op());
  return bcast || cells[1] == kNoError;
}

// ---- gather / scatter -----------------------------------------------------------

// What a gather and a scatter share: k index arrays (inputs[1..]) select
// from the first k dims of `indexed` (src, dst); `other` (out, value) is
// over (B, rest), B the first nbd dims.
struct IndexedOp {
  int k = 0, nbd = 0;
  Shape bshape;
  int64_t nb = 0;
  std::vector<Array> idx;  // on the device
};

// False when B is empty (nothing to do). Non-empty B over an empty indexed
// dim raises "[op] <empty_msg>" in wrap and clip modes (raise mode fails
// on the index instead).
bool indexed_op(std::span<const Array> inputs, const Array& indexed,
                const Array& other, Device dev, IndexMode mode, const char* op,
                const char* empty_msg, IndexedOp& r) {
  r.k = static_cast<int>(inputs.size()) - 1;
  r.nbd = other.ndim() - (indexed.ndim() - r.k);
  r.bshape = Shape(other.shape().begin(), other.shape().begin() + r.nbd);
  r.nb = shape_size(r.bshape);
  if (r.nb == 0) return false;
  for (int j = 0; j < r.k; ++j)
    if (indexed.shape()[j] == 0 && mode != IndexMode::Raise)
      throw IndexError(std::string("[") + op + "] " + empty_msg);
  for (int j = 0; j < r.k; ++j)
    r.idx.push_back(CudaBackend::on_device(inputs[1 + j], dev));
  return true;
}

void eval_gather(CudaBackend& b, Gather& g, std::span<const Array> inputs,
                 std::span<Array> outputs) {
  Array& out = outputs[0];
  Device dev = out.device();
  DeviceState& ds = b.state(dev.index);
  Array src = CudaBackend::on_device(inputs[0], dev);
  IndexedOp io;
  if (!indexed_op(inputs, src, out, dev, g.mode(), g.op(),
                  "cannot do a non-empty take from an empty axes.", io))
    return;
  const int k = io.k, nbd = io.nbd;
  const Shape& bshape = io.bshape;
  int64_t nb = io.nb;
  std::span<const Array> idx = io.idx;
  Strides out_b(out.strides().begin(), out.strides().begin() + nbd);
  int64_t rest_size = 1;
  for (int d = k; d < src.ndim(); ++d) rest_size *= src.shape()[d];
  if (take_rows(b, ds, dev, g, src, out, idx, bshape, nb)) return;
  Array offs = b.scratch(nb * 8, dev);
  int64_t* off = static_cast<int64_t*>(offs.data());
  Array err = index_offsets(b, ds, dev, bshape, idx, src.shape().data(),
                            src.strides().data(), g.mode(), off, nullptr);
  if (rest_size > 0) {
    Shape rshape(src.shape().begin() + k, src.shape().end());
    Strides ro(out.strides().begin() + nbd, out.strides().end());
    Strides rs(src.strides().begin() + k, src.strides().end());
    auto bo = strided_arg<1>(plan_of(bshape, {out_b}, g.op()));
    auto rsa = strided_arg<2>(plan_of(rshape, {ro, rs}, g.op()));
    const ModuleSpec& spec = move_spec(src.itemsize());
    CUfunction fn = b.kernel(ds, spec, bits_expr("gather_rows", src.itemsize()));
    void* o = out.data();
    void* s = src.data();
    void* e = err.valid() ? err.data() : nullptr;
    int64_t nr = rest_size;
    void* args[] = {&bo, &rsa, &o, &s, &off, &nb, &nr, &e};
    b.launch(ds, fn, nb * nr, args);
  }
  raise_index_error(ds, err, bshape, idx, src.shape().data(), g.axes(),
                    g.op());
}

void eval_scatter(CudaBackend& b, Scatter& sc, std::span<const Array> inputs,
                  std::span<Array> outputs) {
  Array& dst = outputs[0];
  Device dev = dst.device();
  DeviceState& ds = b.state(dev.index);
  Array value = CudaBackend::on_device(inputs[0], dev);
  IndexedOp io;
  if (!indexed_op(inputs, dst, value, dev, sc.mode(), sc.op(),
                  "cannot replace elements of an empty array", io))
    return;
  const int k = io.k, nbd = io.nbd;
  const Shape& bshape = io.bshape;
  int64_t nb = io.nb;
  std::span<const Array> idx = io.idx;
  if (put_rows(b, ds, dev, sc, dst, value, idx, bshape, nb)) return;
  Array offs = b.scratch(nb * 16, dev);
  int64_t* off = static_cast<int64_t*>(offs.data());
  int64_t* lin = off + nb;
  Array err = index_offsets(b, ds, dev, bshape, idx, dst.shape().data(),
                            dst.strides().data(), sc.mode(), off, lin);
  int64_t rest_size = 1, npos = 1;
  for (int d = k; d < dst.ndim(); ++d) rest_size *= dst.shape()[d];
  for (int d = 0; d < k; ++d) npos *= dst.shape()[d];
  if (rest_size > 0 && npos > 0) {
    // See Note [Last write wins on the device] in device/index.cuh.
    const ModuleSpec& common = index_spec();
    void* e = err.valid() ? err.data() : nullptr;
    Array keep = b.scratch(nb, dev);
    void* kp = keep.data();
    Array table;
    if (npos <= std::max<int64_t>(4 * nb, int64_t(1) << 16)) {
      table = b.scratch(npos * 8, dev);
      check(driver().cuMemsetD8Async(
                reinterpret_cast<CUdeviceptr>(table.data()), 0, npos * 8,
                ds.stream),
            "cuMemsetD8Async");
      void* w = table.data();
      CUfunction claim = b.kernel(ds, common, "&ax::idx::scatter_claim");
      void* a1[] = {&lin, &nb, &w, &e};
      b.launch(ds, claim, nb, a1);
      CUfunction keep_fn = b.kernel(ds, common, "&ax::idx::scatter_keep");
      void* a2[] = {&lin, &nb, &w, &kp, &e};
      b.launch(ds, keep_fn, nb, a2);
    } else {
      uint64_t cap = 1;
      while (cap < static_cast<uint64_t>(2 * nb)) cap <<= 1;
      uint64_t cap_mask = cap - 1;
      table = b.scratch(static_cast<int64_t>(cap) * 16, dev);
      void* keys = table.data();
      void* vals = static_cast<char*>(table.data()) + cap * 8;
      check(driver().cuMemsetD8Async(reinterpret_cast<CUdeviceptr>(keys),
                                     0xFF, cap * 8, ds.stream),
            "cuMemsetD8Async");
      check(driver().cuMemsetD8Async(reinterpret_cast<CUdeviceptr>(vals), 0,
                                     cap * 8, ds.stream),
            "cuMemsetD8Async");
      CUfunction claim = b.kernel(ds, common, "&ax::idx::scatter_claim_hash");
      void* a1[] = {&lin, &nb, &keys, &vals, &cap_mask, &e};
      b.launch(ds, claim, nb, a1);
      CUfunction keep_fn = b.kernel(ds, common, "&ax::idx::scatter_keep_hash");
      void* a2[] = {&lin, &nb, &keys, &vals, &cap_mask, &kp, &e};
      b.launch(ds, keep_fn, nb, a2);
    }
    Strides vb = cpu::broadcast_strides(value, value.shape());
    Strides vb_b(vb.begin(), vb.begin() + nbd);
    Shape rshape(dst.shape().begin() + k, dst.shape().end());
    Strides rd(dst.strides().begin() + k, dst.strides().end());
    Strides rv(vb.begin() + nbd, vb.end());
    auto bva = strided_arg<1>(plan_of(bshape, {vb_b}, sc.op()));
    auto rsa = strided_arg<2>(plan_of(rshape, {rd, rv}, sc.op()));
    const ModuleSpec& spec = move_spec(dst.itemsize());
    CUfunction fn =
        b.kernel(ds, spec, bits_expr("scatter_rows", dst.itemsize()));
    void* d = dst.data();
    void* v = value.data();
    int64_t nr = rest_size;
    void* args[] = {&bva, &rsa, &d, &v, &off, &kp, &nb, &nr, &e};
    b.launch(ds, fn, nb * nr, args);
  }
  raise_index_error(ds, err, bshape, idx, dst.shape().data(), sc.axes(),
                    sc.op());
}

// ---- masks ---------------------------------------------------------------------

// rank[m] for every position of the C-contiguous bool `mask` (on the
// device); see Note [Masks on the device].
Array mask_ranks(CudaBackend& b, DeviceState& ds, const Array& mask) {
  Device dev = mask.device();
  int64_t n = mask.size();
  int64_t nblk = std::min<int64_t>((n + kScanThreads - 1) / kScanThreads,
                                   int64_t(ds.sm_count) * 8);
  nblk = std::max<int64_t>(nblk, 1);
  int64_t chunk = (n + nblk - 1) / nblk;
  chunk = (chunk + kScanThreads - 1) / kScanThreads * kScanThreads;
  nblk = std::max<int64_t>((n + chunk - 1) / chunk, 1);
  Array counts = b.scratch((nblk + 1) * 8, dev);
  Array rank = b.scratch(n * 8, dev);
  const ModuleSpec& spec = index_spec();
  const void* mk = mask.data();
  void* c = counts.data();
  void* r = rank.data();
  {
    CUfunction fn = b.kernel(ds, spec, "&ax::idx::mask_count");
    void* args[] = {&mk, &n, &chunk, &c};
    b.launch(ds, fn, static_cast<unsigned>(nblk), 1, 1, kScanThreads, 1, 0,
             args);
  }
  {
    CUfunction fn = b.kernel(ds, spec, "&ax::idx::scan_counts");
    void* args[] = {&c, &nblk};
    b.launch(ds, fn, 1, 1, 1, kScanThreads, 1, 0, args);
  }
  {
    CUfunction fn = b.kernel(ds, spec, "&ax::idx::mask_rank");
    void* args[] = {&mk, &n, &chunk, &c, &r};
    b.launch(ds, fn, static_cast<unsigned>(nblk), 1, 1, kScanThreads, 1, 0,
             args);
  }
  return rank;
}

// ---- mask tiles (Note [Mask tiles] in device/index.cuh) -------------------

struct MaskTiles {
  Array starts;  // (ntiles + 1) int64: tile starts, then the total
  int64_t n = 0, ntiles = 0;
  int vec = 0;
};

// Counts and scans the tiles of `mask` (C-contiguous bool on the device);
// false when the tile kernels cannot take it.
bool mask_tiles(CudaBackend& b, DeviceState& ds, const Array& mask,
                MaskTiles& t) {
  int64_t nn;
  if (mask.dtype() != Dtype::Bool ||
      !run_contiguous(mask.shape(), mask.strides(), 0, nn))
    return false;
  t.n = mask.size();
  t.ntiles = (t.n + 4095) / 4096;
  if (t.ntiles < 1 || t.ntiles > int64_t(0x7fffffff)) return false;
  t.vec = addr(mask.data()) % 16 == 0 ? 1 : 0;
  t.starts = b.scratch((t.ntiles + 1) * 8, mask.device());
  const ModuleSpec& common = index_spec();
  const void* mk = mask.data();
  void* c = t.starts.data();
  {
    CUfunction fn = b.kernel(ds, common, "&ax::idx::mask_tile_count");
    void* args[] = {&mk, &t.n, &t.vec, &c};
    b.launch(ds, fn, static_cast<unsigned>(t.ntiles), 1, 1, 256, 1, 0, args);
  }
  {
    CUfunction fn = b.kernel(ds, common, "&ax::idx::scan_tiles");
    void* args[] = {&c, &t.ntiles};
    b.launch(ds, fn, 1, 1, 1, 1024, 1, 0, args);
  }
  return true;
}

// The stride of the mask dims [0, k) of `a` when they merge into one
// strided dim (0 when they are all of size 1); false otherwise.
bool mask_dims_stride(const Array& a, int k, int64_t& stride) {
  Plan p;
  Shape s(a.shape().begin(), a.shape().begin() + k);
  Strides st(a.strides().begin(), a.strides().begin() + k);
  if (!make_plan(s, {st}, p) || p.ndim > 1) return false;
  stride = p.ndim == 1 ? p.strides[0][0] : 0;
  return true;
}

// Masked gather of single items (no rest block) through the mask tiles.
bool mask_compact(CudaBackend& b, DeviceState& ds, MaskedGather& g,
                  const Array& src, const Array& mask, const Array& out) {
  int64_t sstride;
  MaskTiles t;
  if (!mask_dims_stride(src, mask.ndim(), sstride) || out.ndim() < 1 ||
      !mask_tiles(b, ds, mask, t))
    return false;
  int64_t ostride = out.strides()[0];
  const ModuleSpec& spec = move_spec(src.itemsize());
  CUfunction fn = b.kernel(ds, spec, bits_expr("mask_compact", src.itemsize()));
  const void* mk = mask.data();
  void* c = t.starts.data();
  void* s = src.data();
  void* o = out.data();
  int64_t count = g.count();
  void* args[] = {&mk, &t.n, &t.vec, &c, &s, &sstride, &o, &ostride, &count};
  b.launch(ds, fn, static_cast<unsigned>(t.ntiles), 1, 1, 256, 1, 0, args);
  return true;
}

// The first k entries of a shape or strides.
Shape head(const Shape& s, int k) { return Shape(s.begin(), s.begin() + k); }

void eval_masked_gather(CudaBackend& b, MaskedGather& g,
                        std::span<const Array> inputs,
                        std::span<Array> outputs) {
  Array& out = outputs[0];
  Device dev = out.device();
  if (g.count() == 0 || out.size() == 0) return;
  DeviceState& ds = b.state(dev.index);
  Array src = CudaBackend::on_device(inputs[0], dev);
  Array mask = CudaBackend::on_device(inputs[1], dev);
  int k = mask.ndim();
  int64_t nm = mask.size();
  Shape rshape(src.shape().begin() + k, src.shape().end());
  int64_t nr = shape_size(rshape);
  if (nr == 1 && mask_compact(b, ds, g, src, mask, out)) return;
  Array rank = mask_ranks(b, ds, mask);
  Strides ro(out.strides().begin() + 1, out.strides().end());
  Strides rs(src.strides().begin() + k, src.strides().end());
  auto sm = strided_arg<1>(
      plan_of(head(src.shape(), k), {head(src.strides(), k)}, "masked_gather"));
  auto rsa = strided_arg<2>(plan_of(rshape, {ro, rs}, "masked_gather"));
  const ModuleSpec& spec = move_spec(src.itemsize());
  CUfunction fn = b.kernel(ds, spec, bits_expr("masked_gather", src.itemsize()));
  void* o = out.data();
  void* s = src.data();
  void* mk = mask.data();
  void* r = rank.data();
  int64_t count = g.count(), ostride = out.strides()[0];
  void* args[] = {&sm, &rsa, &o, &s, &mk, &r, &count, &ostride, &nm, &nr};
  b.launch(ds, fn, nm * nr, args);
}

void eval_masked_scatter(CudaBackend& b, MaskedScatter&,
                         std::span<const Array> inputs,
                         std::span<Array> outputs) {
  Array& dst = outputs[0];
  Device dev = dst.device();
  DeviceState& ds = b.state(dev.index);
  Array value = CudaBackend::on_device(inputs[0], dev);
  Array mask = CudaBackend::on_device(inputs[1], dev);
  int k = mask.ndim();
  int64_t nm = mask.size();
  Shape rshape(dst.shape().begin() + k, dst.shape().end());
  int64_t nr = shape_size(rshape);
  if (nm == 0 || nr == 0 || value.size() == 0) return;
  Strides vb = cpu::broadcast_strides(value, value.shape());
  int vnd = value.ndim();
  int64_t vstride = vnd > dst.ndim() - k ? vb[0] : 0;
  int64_t dstride = 0;
  const bool merged = mask_dims_stride(dst, k, dstride);
  int64_t mn;
  if (mask.may_overlap(dst) &&
      run_contiguous(mask.shape(), mask.strides(), 0, mn) &&
      !(nr == 1 && merged && dstride == 1 && mask.data() == dst.data())) {
    // The mask shares memory with dst at other positions than its own
    // (c[:-1][c[1:]] = v): the writes must not change the mask being read.
    Array mc = Array::empty(mask.shape(), Dtype::Bool, dev);
    check(driver().cuMemcpyDtoDAsync(
              reinterpret_cast<CUdeviceptr>(mc.data()),
              reinterpret_cast<CUdeviceptr>(mask.data()), nm, ds.stream),
          "cuMemcpyDtoDAsync");
    mask = mc;
  }
  MaskTiles t;
  // Single items through the mask tiles.
  if (nr == 1 && merged && mask_tiles(b, ds, mask, t)) {
    int64_t count =
        vstride != 0 ? value.shape()[0] : std::numeric_limits<int64_t>::max();
    const ModuleSpec& spec = move_spec(dst.itemsize());
    CUfunction fn =
        b.kernel(ds, spec, bits_expr("mask_spread", dst.itemsize()));
    const void* mk = mask.data();
    void* c = t.starts.data();
    void* d = dst.data();
    void* v = value.data();
    void* args[] = {&mk, &t.n, &t.vec, &c, &d, &dstride, &v, &vstride, &count};
    b.launch(ds, fn, static_cast<unsigned>(t.ntiles), 1, 1, 256, 1, 0, args);
    return;
  }
  Array rank = mask_ranks(b, ds, mask);
  Strides rd(dst.strides().begin() + k, dst.strides().end());
  Strides rv(vb.end() - (dst.ndim() - k), vb.end());
  auto dm = strided_arg<1>(
      plan_of(head(dst.shape(), k), {head(dst.strides(), k)}, "masked_scatter"));
  auto rsa = strided_arg<2>(plan_of(rshape, {rd, rv}, "masked_scatter"));
  const ModuleSpec& spec = move_spec(dst.itemsize());
  CUfunction fn =
      b.kernel(ds, spec, bits_expr("masked_scatter", dst.itemsize()));
  void* d = dst.data();
  void* v = value.data();
  void* mk = mask.data();
  void* r = rank.data();
  void* args[] = {&dm, &rsa, &d, &v, &mk, &r, &vstride, &nm, &nr};
  b.launch(ds, fn, nm * nr, args);
}

void eval_nonzero(CudaBackend& b, Nonzero& nz, std::span<const Array> inputs,
                  std::span<Array> outputs) {
  Array& out = outputs[0];
  Device dev = out.device();
  Array mask = CudaBackend::on_device(inputs[0], dev);
  int nd = mask.ndim();
  if (nz.count() == 0 || nd == 0) return;
  DeviceState& ds = b.state(dev.index);
  int64_t nm = mask.size();
  Array shape_host = Array::empty(Shape{int64_t(nd)}, Dtype::Int64, Device::cpu());
  for (int d = 0; d < nd; ++d) shape_host.data<int64_t>()[d] = mask.shape()[d];
  Array shape = CudaBackend::on_device(shape_host, dev);
  // The output is a fresh C-contiguous (count, nd) array; write through a
  // temporary when it is not.
  Array target = out.is_c_contiguous()
                     ? out
                     : Array::empty(out.shape(), Dtype::Int64, dev);
  const ModuleSpec& spec = index_spec();
  MaskTiles t;
  if (mask_tiles(b, ds, mask, t)) {
    CUfunction fn = b.kernel(ds, spec, "&ax::idx::mask_coords");
    const void* mk = mask.data();
    void* c = t.starts.data();
    void* sh = shape.data();
    int64_t count = nz.count();
    void* o = target.data();
    void* args[] = {&mk, &t.n, &t.vec, &c, &sh, &nd, &o, &count};
    b.launch(ds, fn, static_cast<unsigned>(t.ntiles), 1, 1, 256, 1, 0, args);
  } else {
    Array rank = mask_ranks(b, ds, mask);
    CUfunction fn = b.kernel(ds, spec, "&ax::idx::nonzero_coords");
    void* mk = mask.data();
    void* r = rank.data();
    void* sh = shape.data();
    int64_t count = nz.count();
    void* o = target.data();
    void* args[] = {&mk, &r, &sh, &nd, &count, &o, &nm};
    b.launch(ds, fn, nm, args);
  }
  if (!target.is(out)) {
    Copy c(Dtype::Int64, out.shape());
    Array in[1] = {target};
    b.eval(c, in, outputs);
  }
}

// ---- ufunc.at ----------------------------------------------------------------

void eval_ufunc_at(CudaBackend& b, UfuncAt& u, std::span<const Array> inputs,
                   std::span<Array> outputs) {
  Array& t = outputs[0];
  Device dev = t.device();
  DeviceState& ds = b.state(dev.index);
  const UfuncInfo& info = ufunc_info(u.id());
  Dtype loop = t.dtype();
  std::string name = info.name;
  // The few loops without a device kernel (a comparison's .at casting its
  // bool result into the target...) run the CPU's loop on host copies.
  if (!at_supported(u.id(), loop)) return b.eval_on_host(u, inputs, outputs);
  Array pos = CudaBackend::on_device(inputs[1], dev);
  Array vals;
  if (inputs.size() > 2) vals = CudaBackend::on_device(inputs[2], dev);
  int64_t n = pos.size(), size = t.size();
  if (n == 0) return;
  if (t.ndim() > 8)
    too_many_dims((name + ".at").c_str());
  StridedArg<1> ts{};
  ts.ndim = t.ndim();
  for (int d = 0; d < t.ndim(); ++d) {
    ts.shape[d] = t.shape()[d];
    ts.strides[0][d] = t.strides()[d];
  }
  Array err = error_cell(b, ds, dev);
  void* p = pos.data();
  void* e = err.data();
  {
    const ModuleSpec& common = index_spec();
    CUfunction fn = b.kernel(ds, common, "&ax::idx::at_check");
    void* args[] = {&p, &n, &size, &e};
    b.launch(ds, fn, n, args);
  }
  bool atomic = at_order_free(u.id(), loop);
  const ModuleSpec& spec = at_spec(loop);
  CUfunction fn = b.kernel(ds, spec, at_expr(u.id(), loop, atomic));
  void* tp = t.data();
  void* vp = vals.valid() ? vals.data() : nullptr;
  void* args[] = {&ts, &tp, &p, &vp, &n, &e};
  if (atomic)
    b.launch(ds, fn, n, args);
  else
    b.launch(ds, fn, 1, 1, 1, 32, 1, 0, args);
  uint64_t bad = read_cell(ds, err);
  if (bad != kNoError) {
    int64_t flat = read_i64(ds, static_cast<const int64_t*>(pos.data()) + bad);
    throw IndexError("[" + name + ".at] index " + std::to_string(flat) +
                     " is out of bounds for size " + std::to_string(size));
  }
}

std::vector<ModuleSpec> modules() {
  std::vector<ModuleSpec> v = {index_module()};
  for (ModuleSpec& m : move_modules()) v.push_back(std::move(m));
  for (ModuleSpec& m : at_modules())
    if (!m.exprs.empty()) v.push_back(std::move(m));
  return v;
}

}  // namespace

AX_CUDA_EVAL(Gather, eval_gather);
AX_CUDA_EVAL(Scatter, eval_scatter);
AX_CUDA_EVAL(MaskedGather, eval_masked_gather);
AX_CUDA_EVAL(MaskedScatter, eval_masked_scatter);
AX_CUDA_EVAL(Nonzero, eval_nonzero);
AX_CUDA_EVAL(UfuncAt, eval_ufunc_at);
AX_CUDA_MODULES(modules);

}  // namespace arrax::cuda

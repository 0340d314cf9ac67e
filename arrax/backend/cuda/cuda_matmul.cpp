// CUDA evaluation of the Matmul primitive: cuBLAS (cublasGemmEx /
// cublasGemmStridedBatchedEx) for the float and complex dtypes, a tiled
// kernel of our own (device/matmul.cuh) for integers and bool.
#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "arrax/backend/cuda/cublas.h"
#include "arrax/backend/matmul_layout.h"
#include "arrax/backend/cuda/cuda_internal.h"
#include "arrax/errors.h"
#include "arrax/matmul_precision.h"
#include "arrax/primitives.h"
#include "arrax/primitives_linalg.h"

namespace arrax::cuda {

namespace {

// ---- layouts -------------------------------------------------------------

// Note [Matrix layouts for cuBLAS]
// As on the CPU (Note [Matrix layouts for BLAS] in backend/matmul_layout.h),
// a 2-D operand with element strides (rs, cs) is used in place when one
// stride is 1: row-major with leading dimension rs, or, when rs == 1,
// column-major ("trans") with leading dimension cs. Strides of length-1
// dimensions are meaningless and replaced by whatever makes a layout valid.
// cuBLAS is column-major, so the row-major product C = A B is computed as
// C^T = B^T A^T into a row-major C (whose column-major reading is C^T), or
// directly as C = A B into a column-major C. Each operand then needs op N
// or op T depending on whether its stored orientation is the one wanted;
// conjugation (vdot's first operand) is only available as op C, that is
// when the stored orientation is the transpose of the wanted one, otherwise
// the operand is copied into that orientation first. Anything else (no unit
// stride, negative strides, batch strides that are not one constant step)
// is copied too.
using blas::batch_strides;
using blas::Layout;
using blas::matrix_layout;

// True when the matrices of `a` (broadcast to `batch`, flattened in C order)
// start one constant element step apart; sets `step`.
bool uniform_batch(const Array& a, const Shape& batch, int64_t& step) {
  int64_t count = shape_size(batch);
  Strides st = batch_strides(a, batch);
  step = 0;
  if (count <= 1) return true;
  // The flattened index i = sum idx[d] * inner[d]; the offset is
  // sum idx[d] * st[d]. Both agree with offset = i * step for every index
  // iff st[d] == step * inner[d] along every dimension longer than 1.
  int nb = static_cast<int>(batch.size());
  int64_t inner = 1;
  bool have = false;
  for (int d = nb - 1; d >= 0; --d) {
    if (batch[d] == 1) continue;
    if (!have) {
      // The innermost long dimension fixes the step.
      if (st[d] % inner != 0) return false;
      step = st[d] / inner;
      have = true;
    } else if (st[d] != step * inner) {
      return false;
    }
    inner *= batch[d];
  }
  return true;
}

// A copy of `x` of the given shape (x broadcast to it), stored row-major or,
// with `col_major`, with each matrix column-major.
Array copy_oriented(CudaBackend& b, const Array& x, const Shape& shape,
                    bool col_major) {
  int nd = static_cast<int>(shape.size());
  Array dst;
  if (!col_major) {
    dst = Array::empty(shape, x.dtype(), x.device());
  } else {
    Shape s = shape;
    std::swap(s[nd - 1], s[nd - 2]);
    Array t = Array::empty(s, x.dtype(), x.device());
    Strides st = t.strides();
    std::swap(st[nd - 1], st[nd - 2]);
    dst = t.raw_view(shape, st, t.offset());
  }
  Copy copy(x.dtype(), shape);
  Array in[1] = {x};
  Array out[1] = {dst};
  b.eval(copy, in, out);
  return dst;
}

void fill_zero(CudaBackend& b, const Array& c) {
  DeviceState& ds = b.state(c.device().index);
  if (c.is_c_contiguous()) {
    check(driver().cuMemsetD8Async(reinterpret_cast<CUdeviceptr>(c.data()), 0,
                                   static_cast<size_t>(c.nbytes()), ds.stream),
          "cuMemsetD8Async");
    return;
  }
  Array z = Array::scalar(0, c.dtype(), Device::cpu());
  Copy copy(c.dtype(), c.shape());
  Array in[1] = {CudaBackend::on_device(z, c.device())};
  Array out[1] = {c};
  b.eval(copy, in, out);
}

// An operand as cuBLAS takes it.
struct Operand {
  Array x;
  Layout l;
  int64_t step = 0;  // batch stride in elements
};

// `x` usable for a product whose matrices broadcast over `batch`, stored in
// orientation `want` (-1 any, 0 row-major, 1 column-major). Copies only
// when the layout or the batch strides do not fit.
Operand prepare(CudaBackend& b, const Array& x, const Shape& batch, int want) {
  Operand o;
  auto fits = [&](const Array& v) {
    Layout l = matrix_layout(v, want);
    int64_t step = 0;
    if (!l.ok || !uniform_batch(v, batch, step)) return false;
    o.x = v;
    o.l = l;
    o.step = step;
    return true;
  };
  if (fits(x)) return o;
  bool col = want == 1;
  if (fits(copy_oriented(b, x, x.shape(), col))) return o;
  Shape full = batch;
  full.push_back(x.shape()[x.ndim() - 2]);
  full.push_back(x.shape()[x.ndim() - 1]);
  if (fits(copy_oriented(b, x, full, col))) return o;
  throw ValueError("[matmul] internal error: no cuBLAS layout for an operand");
}

// ---- cuBLAS ----------------------------------------------------------------

int to_int(int64_t v) {
  if (v > INT_MAX || v < 0)
    throw ValueError("[matmul] a matrix dimension or leading dimension of " +
                     std::to_string(v) + " exceeds what cuBLAS can index");
  return static_cast<int>(v);
}

cublasHandle_t handle(CudaBackend& b, int dev) {
  static std::mutex mutex;
  static std::vector<cublasHandle_t> handles;
  std::lock_guard<std::mutex> lock(mutex);
  if (static_cast<int>(handles.size()) <= dev)
    handles.resize(static_cast<size_t>(dev) + 1, nullptr);
  if (!handles[dev]) {
    b.state(dev);  // the device's (primary) context current
    cublasHandle_t h = nullptr;
    check_cublas(cublas().cublasCreate_v2(&h), "cublasCreate");
    check_cublas(cublas().cublasSetMathMode(h, CUBLAS_DEFAULT_MATH),
                 "cublasSetMathMode");
    handles[dev] = h;
  }
  return handles[dev];
}

struct GemmTypes {
  cudaDataType data;
  cublasComputeType_t compute;
};

GemmTypes gemm_types(Dtype dt) {
  switch (dt) {
    case Dtype::Float16:
      return {CUDA_R_16F, CUBLAS_COMPUTE_32F};
    case Dtype::BFloat16:
      return {CUDA_R_16BF, CUBLAS_COMPUTE_32F};
    case Dtype::Float32:
      switch (matmul_precision()) {
        case MatmulPrecision::Tf32:
          return {CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_TF32};
        case MatmulPrecision::Bf16x3:
          return {CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_16BF};
        default:
          return {CUDA_R_32F, CUBLAS_COMPUTE_32F};
      }
    case Dtype::Float64:
      return {CUDA_R_64F, CUBLAS_COMPUTE_64F};
    case Dtype::Complex64:
      return {CUDA_C_32F, CUBLAS_COMPUTE_32F};
    case Dtype::Complex128:
      return {CUDA_C_64F, CUBLAS_COMPUTE_64F};
    default:
      break;
  }
  throw TypeError(std::string("[matmul] no cuBLAS product for dtype ") +
                  dtype_name(dt));
}

// ---- cuBLASLt ------------------------------------------------------------

// Note [cuBLASLt for real products]
// Real float products go through cublasLtMatmul with the algorithm its
// heuristic ranks first for the shapes, strides, pointer alignments and
// workspace (as PyTorch does), cached per such key; complex ones, and any
// product the heuristic has no algorithm for, use cublasGemmEx. Set
// ARRAX_CUBLASLT=0 to use cublasGemmEx throughout.
bool lt_enabled() {
  static const bool on = [] {
    const char* v = std::getenv("ARRAX_CUBLASLT");
    return !(v && std::string(v) == "0");
  }();
  return on && cublas().lt;
}

cublasLtHandle_t lt_handle(CudaBackend& b, int dev) {
  static std::mutex mutex;
  static std::vector<cublasLtHandle_t> handles;
  std::lock_guard<std::mutex> lock(mutex);
  if (static_cast<int>(handles.size()) <= dev)
    handles.resize(static_cast<size_t>(dev) + 1, nullptr);
  if (!handles[dev]) {
    b.state(dev);
    cublasLtHandle_t h = nullptr;
    check_cublas(cublas().cublasLtCreate(&h), "cublasLtCreate");
    handles[dev] = h;
  }
  return handles[dev];
}

// The largest power of two (at most 256) dividing the address.
uint32_t alignment(const void* p) {
  auto a = reinterpret_cast<uintptr_t>(p);
  uint32_t al = 256;
  while (al > 1 && a % al != 0) al /= 2;
  return al;
}

// The descriptors of one product shape and the algorithm the heuristic
// ranked first for it (found = false: it had none). Kept for the life of the
// process (Note [cuBLASLt plans]).
struct LtPlan {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t x = nullptr, y = nullptr, c = nullptr;
  cublasLtMatmulAlgo_t algo{};
  bool found = false;
  LtPlan() = default;
  LtPlan(const LtPlan&) = delete;
  LtPlan& operator=(const LtPlan&) = delete;
  ~LtPlan() {
    Cublas& cb = cublas();
    if (c) cb.cublasLtMatrixLayoutDestroy(c);
    if (y) cb.cublasLtMatrixLayoutDestroy(y);
    if (x) cb.cublasLtMatrixLayoutDestroy(x);
    if (op) cb.cublasLtMatmulDescDestroy(op);
  }
};

struct LtGemm {
  int dev;
  CUstream stream;
  cudaDataType data;
  cublasComputeType_t compute;
  cublasOperation_t opx, opy;
  int M, N, K;
  const void* alpha;
  const void* beta;
  const void* px;
  int ldx;
  int64_t sx;
  const void* py;
  int ldy;
  int64_t sy;
  void* pc;
  int ldc;
  int64_t sc;
  int batch;
  void* ws;
  size_t ws_bytes;
};

// Builds the descriptors of `g` and asks the heuristic for an algorithm;
// null when a descriptor failed, found = false when cuBLASLt has no
// algorithm.
std::shared_ptr<const LtPlan> make_lt_plan(cublasLtHandle_t h, const LtGemm& g,
                                           uint32_t ax, uint32_t ay,
                                           uint32_t ac) {
  Cublas& cb = cublas();
  constexpr cublasStatus_t ok = CUBLAS_STATUS_SUCCESS;
  cudaDataType scale =
      g.compute == CUBLAS_COMPUTE_64F ? CUDA_R_64F : CUDA_R_32F;
  auto plan = std::make_shared<LtPlan>();
  LtPlan& d = *plan;
  bool nx = g.opx == CUBLAS_OP_N, ny = g.opy == CUBLAS_OP_N;
  if (cb.cublasLtMatmulDescCreate(&d.op, g.compute, scale) != ok ||
      cb.cublasLtMatrixLayoutCreate(&d.x, g.data, nx ? g.M : g.K,
                                    nx ? g.K : g.M, g.ldx) != ok ||
      cb.cublasLtMatrixLayoutCreate(&d.y, g.data, ny ? g.K : g.N,
                                    ny ? g.N : g.K, g.ldy) != ok ||
      cb.cublasLtMatrixLayoutCreate(&d.c, g.data, g.M, g.N, g.ldc) != ok)
    return nullptr;
  int32_t ta = g.opx, tb = g.opy;
  cb.cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_TRANSA, &ta,
                                    sizeof ta);
  cb.cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_TRANSB, &tb,
                                    sizeof tb);
  if (g.batch > 1) {
    int32_t count = g.batch;
    std::pair<cublasLtMatrixLayout_t, int64_t> ls[] = {
        {d.x, g.sx}, {d.y, g.sy}, {d.c, g.sc}};
    for (auto& [l, step] : ls) {
      cb.cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT,
                                          &count, sizeof count);
      cb.cublasLtMatrixLayoutSetAttribute(
          l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &step, sizeof step);
    }
  }
  cublasLtMatmulPreference_t pref = nullptr;
  if (cb.cublasLtMatmulPreferenceCreate(&pref) != ok) return nullptr;
  uint64_t ws = g.ws_bytes;
  cb.cublasLtMatmulPreferenceSetAttribute(
      pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws);
  std::pair<cublasLtMatmulPreferenceAttributes_t, uint32_t> al[] = {
      {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, ax},
      {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, ay},
      {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, ac},
      {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, ac}};
  for (auto& [attr, v] : al)
    cb.cublasLtMatmulPreferenceSetAttribute(pref, attr, &v, sizeof v);
  cublasLtMatmulHeuristicResult_t r{};
  int count = 0;
  if (cb.cublasLtMatmulAlgoGetHeuristic(h, d.op, d.x, d.y, d.c, d.c, pref, 1,
                                        &r, &count) == ok &&
      count > 0 && r.state == ok && r.workspaceSize <= g.ws_bytes) {
    d.algo = r.algo;
    d.found = true;
  }
  cb.cublasLtMatmulPreferenceDestroy(pref);
  return plan;
}

// Note [cuBLASLt plans]
// A product's descriptors (operation, three layouts) and the heuristic's
// algorithm are made once per key (shapes, strides, types, pointer
// alignments, workspace) and kept: a call on a known shape costs a map
// lookup and cublasLtMatmul, no descriptor set-up. That matters where the
// kernel is short (a 1024^3 bfloat16 product runs ~14 us on an H100/H200,
// about what creating and destroying the descriptors and preference took on
// the host). The cache holds at most 4096 plans; past that it is emptied.
//
// Runs the product with cuBLASLt; false when cuBLASLt has no algorithm for
// it (nothing was launched then).
bool gemm_lt(CudaBackend& b, const LtGemm& g) {
  Cublas& cb = cublas();
  uint32_t ax = alignment(g.px), ay = alignment(g.py), ac = alignment(g.pc);
  std::array<int64_t, 18> key = {
      g.dev,
      g.data,
      g.compute,
      g.opx,
      g.opy,
      g.M,
      g.N,
      g.K,
      g.ldx,
      g.ldy,
      g.ldc,
      g.sx,
      g.sy,
      g.sc,
      g.batch,
      ax,
      ay,
      static_cast<int64_t>(ac) << 32 | static_cast<int64_t>(g.ws_bytes)};
  // Shared pointers: a plan dropped from a full cache lives on in a call
  // that holds it (descriptors are host objects; cublasLtMatmul is done
  // with them when it returns).
  static std::mutex mutex;
  static auto& cache =
      *new std::map<std::array<int64_t, 18>, std::shared_ptr<const LtPlan>>();
  cublasLtHandle_t h = lt_handle(b, g.dev);
  std::shared_ptr<const LtPlan> plan;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(key);
    if (it != cache.end()) plan = it->second;
  }
  if (!plan) {
    plan = make_lt_plan(h, g, ax, ay, ac);
    if (!plan) return false;  // a descriptor failed: not cached
    std::lock_guard<std::mutex> lock(mutex);
    if (cache.size() >= 4096) cache.clear();
    cache.emplace(key, plan);
  }
  if (!plan->found) return false;
  cublasStatus_t st = cb.cublasLtMatmul(
      h, plan->op, g.alpha, g.px, plan->x, g.py, plan->y, g.beta, g.pc,
      plan->c, g.pc, plan->c, &plan->algo, g.ws, g.ws_bytes, g.stream);
  if (st == CUBLAS_STATUS_NOT_SUPPORTED) return false;
  check_cublas(st, "cublasLtMatmul");
  return true;
}

// 32 MiB as PyTorch gives cuBLAS on Hopper; less for small products, which
// never split K that far.
constexpr int64_t kWorkspaceLarge = 32 << 20;
constexpr int64_t kWorkspaceSmall = 4 << 20;

void matmul_cublas(CudaBackend& b, bool conj_a, const Array& a_in,
                   const Array& b_in, const Array& c_in) {
  Cublas& cb = cublas();
  if (!cb.loaded)
    throw NotImplementedError("[matmul] cuBLAS was not found (" + cb.error +
                              ")");
  Device dev = c_in.device();
  int nd = c_in.ndim();
  int64_t n = c_in.shape()[nd - 2], m = c_in.shape()[nd - 1];
  int64_t k = a_in.shape()[a_in.ndim() - 1];
  Shape batch(c_in.shape().begin(), c_in.shape().end() - 2);
  int64_t nbatch = shape_size(batch);
  Dtype dt = c_in.dtype();
  bool conj = conj_a && is_complex(dt);

  // The output: in place when it has a layout and one batch step (never a
  // zero step for several matrices), else a row-major temporary.
  Operand c;
  {
    Layout l = matrix_layout(c_in, -1);
    int64_t step = 0;
    if (l.ok && uniform_batch(c_in, batch, step) &&
        (nbatch <= 1 || step != 0)) {
      c.x = c_in;
      c.l = l;
      c.step = step;
    } else {
      c.x = Array::empty(c_in.shape(), dt, dev);
      c.l = matrix_layout(c.x, -1);
      c.step = nbatch <= 1 ? 0 : n * m;
    }
  }
  // A row-major C is computed as C^T = B^T A^T (each operand wanted
  // transposed), a column-major one as C = A B. See Note [Matrix layouts for
  // cuBLAS].
  bool want_t = !c.l.trans;
  // A conjugated operand must be stored transposed to what is wanted.
  Operand A = prepare(b, a_in, batch, conj ? (want_t ? 1 : 0) : -1);
  Operand B = prepare(b, b_in, batch, -1);
  auto op = [&](const Operand& o, bool conjugate) {
    if (conjugate) return CUBLAS_OP_C;
    return o.l.trans != want_t ? CUBLAS_OP_N : CUBLAS_OP_T;
  };
  cublasOperation_t opa = op(A, conj), opb = op(B, false);

  DeviceState& ds = b.state(dev.index);
  int64_t ws_bytes =
      n * m * k >= (int64_t(1) << 24) ? kWorkspaceLarge : kWorkspaceSmall;
  // The stream's kept workspace (no allocation per product), else scratch.
  Array ws_scratch;
  void* ws = b.workspace(ds, static_cast<size_t>(ws_bytes));
  if (!ws) {
    ws_scratch = b.scratch(ws_bytes, dev);
    ws = ws_scratch.data();
  }

  GemmTypes t = gemm_types(dt);
  // alpha = 1, beta = 0 in the scale type (float for 32F compute, double
  // for 64F; complex for complex dtypes).
  alignas(16) unsigned char alpha[16] = {}, beta[16] = {};
  if (t.compute == CUBLAS_COMPUTE_64F) {
    double one = 1.0;
    std::memcpy(alpha, &one, sizeof one);
  } else {
    float one = 1.0f;
    std::memcpy(alpha, &one, sizeof one);
  }
  // (first, second) operands of the column-major product R = X Y.
  const Operand& X = want_t ? B : A;
  const Operand& Y = want_t ? A : B;
  cublasOperation_t opx = want_t ? opb : opa, opy = want_t ? opa : opb;
  int M = to_int(want_t ? m : n), N = to_int(want_t ? n : m), K = to_int(k);
  int ldx = to_int(X.l.ld), ldy = to_int(Y.l.ld), ldc = to_int(c.l.ld);
  int64_t isz = c_in.itemsize();
  const char* px = static_cast<const char*>(X.x.data());
  const char* py = static_cast<const char*>(Y.x.data());
  char* pc = static_cast<char*>(c.x.data());
  AX_TRACE("matmul cublas %s batch=%lld M=%d N=%d K=%d opx=%d opy=%d",
           dtype_name(dt), (long long)nbatch, M, N, K, (int)opx, (int)opy);
  bool real = !is_complex(dt);
  // cuBLAS enqueues on the stream itself: arrax's queued work first (Note
  // [Launch thread]).
  flush_launches();
  if (real && lt_enabled() && nbatch <= INT_MAX &&
      gemm_lt(b, LtGemm{dev.index,
                        ds.stream,
                        t.data,
                        t.compute,
                        opx,
                        opy,
                        M,
                        N,
                        K,
                        alpha,
                        beta,
                        px,
                        ldx,
                        X.step,
                        py,
                        ldy,
                        Y.step,
                        pc,
                        ldc,
                        c.step,
                        static_cast<int>(nbatch),
                        ws,
                        static_cast<size_t>(ws_bytes)})) {
    // done
  } else {
    // The cuBLAS handle's stream and workspace (cublasSetStream resets the
    // workspace, so it is set after it); cuBLASLt takes both per call.
    cublasHandle_t h = handle(b, dev.index);
    check_cublas(cb.cublasSetStream_v2(h, ds.stream), "cublasSetStream");
    check_cublas(
        cb.cublasSetWorkspace_v2(h, ws, static_cast<size_t>(ws_bytes)),
        "cublasSetWorkspace");
    if (nbatch == 1) {
      check_cublas(cb.cublasGemmEx(h, opx, opy, M, N, K, alpha, px, t.data,
                                   ldx, py, t.data, ldy, beta, pc, t.data, ldc,
                                   t.compute, CUBLAS_GEMM_DEFAULT),
                   "cublasGemmEx");
    } else {
      // cuBLAS counts batches in an int: run in chunks.
      constexpr int64_t kChunk = int64_t(1) << 30;
      for (int64_t b0 = 0; b0 < nbatch; b0 += kChunk) {
        int count = static_cast<int>(std::min(kChunk, nbatch - b0));
        check_cublas(
            cb.cublasGemmStridedBatchedEx(
                h, opx, opy, M, N, K, alpha, px + b0 * X.step * isz, t.data,
                ldx, X.step, py + b0 * Y.step * isz, t.data, ldy, Y.step, beta,
                pc + b0 * c.step * isz, t.data, ldc, c.step, count, t.compute,
                CUBLAS_GEMM_DEFAULT),
            "cublasGemmStridedBatchedEx");
      }
    }
  }
  if (!c.x.is(c_in)) {
    Copy copy(dt, c_in.shape());
    Array in[1] = {c.x};
    Array out[1] = {c_in};
    b.eval(copy, in, out);
  }
}

// ---- integers and bool -----------------------------------------------------

const std::string kMatmulSource = "#include \"matmul.cuh\"\n";

// [tiled, split-K partial sums, split-K store] for one dtype.
ModuleSpec int_module(Dtype dt) {
  std::string T = std::string("<") + device_type(dt) + ">";
  return {std::string("matmul_") + dtype_name(dt),
          kMatmulSource,
          {"&ax::matmul_tiled" + T, "&ax::matmul_splitk" + T,
           "&ax::matmul_splitk_store" + T}};
}

constexpr int kTile = 16;  // kMmTile in device/matmul.cuh

void matmul_tiled(CudaBackend& b, const Array& a, const Array& bm,
                  const Array& c) {
  Device dev = c.device();
  DeviceState& ds = b.state(dev.index);
  int nd = c.ndim(), an = a.ndim(), bn = bm.ndim();
  int64_t n = c.shape()[nd - 2], m = c.shape()[nd - 1];
  int64_t k = a.shape()[an - 1];
  Shape batch(c.shape().begin(), c.shape().end() - 2);
  int64_t nbatch = shape_size(batch);
  std::vector<Strides> st = {batch_strides(c, batch), batch_strides(a, batch),
                             batch_strides(bm, batch)};
  Plan plan;
  if (!make_plan(batch, st, plan)) too_many_dims("matmul");
  StridedArg<3> bs = strided_arg<3>(plan);
  ModuleSpec spec = int_module(c.dtype());
  void* pc = c.data();
  void* pa = a.data();
  void* pb = bm.data();
  int64_t ars = a.strides()[an - 2], acs = a.strides()[an - 1];
  int64_t brs = bm.strides()[bn - 2], bcs = bm.strides()[bn - 1];
  int64_t crs = c.strides()[nd - 2], ccs = c.strides()[nd - 1];
  int64_t col_tiles = (m + kTile - 1) / kTile;
  int64_t row_tiles = (n + kTile - 1) / kTile;
  int64_t sms = std::max(ds.sm_count, 1);
  int64_t tiles = nbatch * row_tiles * col_tiles;
  // Few output tiles and a long K (dot products, sums over an axis): split
  // K across blocks so that the whole device works on it.
  if (tiles < 2 * sms && k >= 512) {
    int64_t splits =
        std::min<int64_t>((k + 255) / 256, (4 * sms + tiles - 1) / tiles);
    splits = std::min<int64_t>(splits, 65535 / nbatch);
    if (splits >= 2) {
      int64_t chunk = (k + splits - 1) / splits;
      chunk = (chunk + kTile - 1) / kTile * kTile;
      splits = (k + chunk - 1) / chunk;
      Dtype dt = c.dtype();
      int64_t wsize =
          (dt == Dtype::Int64 || dt == Dtype::UInt64) ? 8 : 4;  // mm_acc<T>
      int64_t total = nbatch * n * m;
      Array acc = b.scratch(total * wsize, dev);
      check(driver().cuMemsetD8Async(reinterpret_cast<CUdeviceptr>(acc.data()),
                                     0, static_cast<size_t>(total * wsize),
                                     ds.stream),
            "cuMemsetD8Async");
      void* pacc = acc.data();
      CUfunction partial = b.kernel(ds, spec, spec.exprs[1]);
      void* args1[] = {&bs, &pacc, &pa,  &pb,  &splits, &chunk, &n,
                       &m,  &k,    &ars, &acs, &brs,    &bcs};
      b.launch(ds, partial, static_cast<unsigned>(col_tiles),
               static_cast<unsigned>(row_tiles),
               static_cast<unsigned>(nbatch * splits), kTile, kTile, 0, args1);
      CUfunction store = b.kernel(ds, spec, spec.exprs[2]);
      void* args2[] = {&bs, &pc, &pacc, &total, &n, &m, &crs, &ccs};
      b.launch(ds, store, total, args2);
      return;
    }
  }
  CUfunction fn = b.kernel(ds, spec, spec.exprs[0]);
  // Grid-stride in every dimension, so the grid only needs to be large
  // enough to fill the device.
  auto cap = [](int64_t v, int64_t hi) {
    return static_cast<unsigned>(std::max<int64_t>(1, std::min(v, hi)));
  };
  unsigned gx = cap(col_tiles, 65535), gy = cap(row_tiles, 65535);
  int64_t per_batch = int64_t(gx) * gy;
  int64_t target = int64_t(std::max(ds.sm_count, 1)) * 32;
  unsigned gz = cap(std::max<int64_t>(1, target / per_batch), 65535);
  gz = cap(std::min<int64_t>(gz, nbatch), 65535);
  void* args[] = {&bs, &pc,  &pa,  &pb,  &nbatch, &n,   &m,
                  &k,  &ars, &acs, &brs, &bcs,    &crs, &ccs};
  b.launch(ds, fn, gx, gy, gz, kTile, kTile, 0, args);
}

// ---- the primitive ---------------------------------------------------------

void eval_matmul(CudaBackend& b, Matmul& p, std::span<const Array> inputs,
                 std::span<Array> outputs) {
  const Array& c = outputs[0];
  if (c.size() == 0) return;
  Device dev = c.device();
  Array a = CudaBackend::on_device(inputs[0], dev);
  Array bm = CudaBackend::on_device(inputs[1], dev);
  if (a.shape()[a.ndim() - 1] == 0) {
    fill_zero(b, c);
    return;
  }
  Dtype dt = c.dtype();
  if (dt == Dtype::Bool || is_integer(dt))
    matmul_tiled(b, a, bm, c);  // conj_a means nothing for these
  else
    matmul_cublas(b, p.conj_a(), a, bm, c);
}

std::vector<ModuleSpec> modules() {
  std::vector<ModuleSpec> v;
  for (int d = 0; d < kNumDtypes; ++d) {
    Dtype dt = static_cast<Dtype>(d);
    if (dt == Dtype::Bool || is_integer(dt)) v.push_back(int_module(dt));
  }
  return v;
}

}  // namespace

AX_CUDA_EVAL(Matmul, eval_matmul);
AX_CUDA_MODULES(modules);

}  // namespace arrax::cuda

#include "arrax/backend/cpu/iter.h"

#include <vector>

#include "arrax/backend/cpu/thread_pool.h"

namespace arrax::cpu {

Strides broadcast_strides(const Array& a, const Shape& shape) {
  size_t nd = shape.size(), an = static_cast<size_t>(a.ndim());
  Strides st(nd, 0);
  for (size_t i = 0; i < an; ++i) {
    size_t o = nd - an + i;
    st[o] = a.shape()[i] == 1 ? 0 : a.strides()[i];
  }
  return st;
}

namespace {

constexpr int kMaxOperands = 8;

struct Plan {
  int nops = 0;
  int ndim = 0;
  SmallVector<int64_t, 8> shape;  // coalesced, outermost first
  // Byte strides: strides[op][dim].
  SmallVector<int64_t, 8> strides[kMaxOperands];
  char* base[kMaxOperands];
};

void build_plan(const Shape& shape, std::span<const RawOperand> ops,
                Plan& p) {
  p.nops = static_cast<int>(ops.size());
  for (int k = 0; k < p.nops; ++k) p.base[k] = ops[k].data;
  // Keep only dimensions longer than 1, outermost first.
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    p.shape.push_back(shape[d]);
    for (int k = 0; k < p.nops; ++k)
      p.strides[k].push_back(ops[k].strides[d] * ops[k].itemsize);
  }
  // Merge dimension d into d+1 when, for every operand, stepping once in d
  // equals stepping shape[d+1] times in d+1.
  int nd = static_cast<int>(p.shape.size());
  int w = 0;  // write position
  for (int d = 0; d < nd; ++d) {
    if (w > 0) {
      bool merge = true;
      for (int k = 0; k < p.nops && merge; ++k)
        merge = p.strides[k][w - 1] == p.strides[k][d] * p.shape[d];
      if (merge) {
        p.shape[w - 1] *= p.shape[d];
        for (int k = 0; k < p.nops; ++k) p.strides[k][w - 1] = p.strides[k][d];
        continue;
      }
    }
    p.shape[w] = p.shape[d];
    for (int k = 0; k < p.nops; ++k) p.strides[k][w] = p.strides[k][d];
    ++w;
  }
  p.shape.resize(w);
  for (int k = 0; k < p.nops; ++k) p.strides[k].resize(w);
  if (w == 0) {  // a single element
    p.shape.push_back(1);
    for (int k = 0; k < p.nops; ++k) p.strides[k].push_back(0);
  }
  p.ndim = static_cast<int>(p.shape.size());
}

// Runs rows [row_begin, row_end) of the outer dimensions, each row being the
// full innermost dimension.
void run_rows(const Plan& p, int64_t row_begin, int64_t row_end,
              InnerLoop loop, const void* ctx) {
  int outer = p.ndim - 1;
  int64_t inner = p.shape[outer];
  int64_t inner_strides[kMaxOperands];
  for (int k = 0; k < p.nops; ++k) inner_strides[k] = p.strides[k][outer];
  // Unravel row_begin into a counter over the outer dimensions.
  int64_t idx[16] = {0};
  std::vector<int64_t> big_idx;
  int64_t* counter = idx;
  if (outer > 16) {
    big_idx.assign(outer, 0);
    counter = big_idx.data();
  }
  int64_t r = row_begin;
  for (int d = outer - 1; d >= 0; --d) {
    counter[d] = r % p.shape[d];
    r /= p.shape[d];
  }
  char* ptr[kMaxOperands];
  for (int k = 0; k < p.nops; ++k) {
    ptr[k] = p.base[k];
    for (int d = 0; d < outer; ++d) ptr[k] += counter[d] * p.strides[k][d];
  }
  for (int64_t row = row_begin; row < row_end; ++row) {
    loop(ptr, inner_strides, inner, ctx);
    // Advance the counter and pointers by one row.
    for (int d = outer - 1; d >= 0; --d) {
      if (++counter[d] < p.shape[d]) {
        for (int k = 0; k < p.nops; ++k) ptr[k] += p.strides[k][d];
        break;
      }
      counter[d] = 0;
      for (int k = 0; k < p.nops; ++k)
        ptr[k] -= (p.shape[d] - 1) * p.strides[k][d];
    }
  }
}

}  // namespace

void for_each_element_raw(const Shape& shape,
                          std::span<const RawOperand> operands, InnerLoop loop,
                          const void* ctx, int64_t grain) {
  int64_t total = shape_size(shape);
  if (total == 0) return;
  if (operands.size() > kMaxOperands)
    throw ValueError("[iter] too many operands");
  Plan p;
  build_plan(shape, operands, p);
  int64_t inner = p.shape[p.ndim - 1];
  int64_t rows = total / inner;
  if (total <= grain) {
    run_rows(p, 0, rows, loop, ctx);
    return;
  }
  if (rows == 1) {
    // One long row: split it into ranges.
    parallel_for(inner, grain, [&](int64_t b, int64_t e) {
      char* ptr[kMaxOperands];
      int64_t st[kMaxOperands];
      for (int k = 0; k < p.nops; ++k) {
        st[k] = p.strides[k][0];
        ptr[k] = p.base[k] + b * st[k];
      }
      loop(ptr, st, e - b, ctx);
    });
    return;
  }
  int64_t row_grain = std::max<int64_t>(1, grain / inner);
  parallel_for(rows, row_grain, [&](int64_t b, int64_t e) {
    run_rows(p, b, e, loop, ctx);
  });
}

void for_each_element(const Shape& shape,
                      std::span<const Array* const> operands, InnerLoop loop,
                      const void* ctx, int64_t grain) {
  // Fast path: every operand is either C-contiguous with the full shape or a
  // single element. One call of the inner loop (or a split of it), no plan.
  // See Note [Small-op overhead] in dispatch.cpp.
  int64_t total = shape_size(shape);
  if (operands.size() <= kMaxOperands) {
    char* ptr[kMaxOperands];
    int64_t st[kMaxOperands];
    bool simple = true;
    for (size_t k = 0; k < operands.size() && simple; ++k) {
      const Array& a = *operands[k];
      ptr[k] = static_cast<char*>(a.data());
      if (a.size() == 1 && total != 1)
        st[k] = 0;
      else if (a.is_c_contiguous() && a.size() == total)
        st[k] = a.itemsize();
      else
        simple = false;
    }
    if (simple) {
      if (total == 0) return;
      if (total <= grain) {
        loop(ptr, st, total, ctx);
        return;
      }
      size_t nops = operands.size();
      parallel_for(total, grain, [&](int64_t b, int64_t e) {
        char* p[kMaxOperands];
        for (size_t k = 0; k < nops; ++k) p[k] = ptr[k] + b * st[k];
        loop(p, st, e - b, ctx);
      });
      return;
    }
  }
  RawOperand raw[kMaxOperands];
  Strides st[kMaxOperands];
  if (operands.size() > kMaxOperands)
    throw ValueError("[iter] too many operands");
  for (size_t k = 0; k < operands.size(); ++k) {
    const Array& a = *operands[k];
    st[k] = broadcast_strides(a, shape);
    raw[k] = {static_cast<char*>(a.data()), st[k].data(), a.itemsize()};
  }
  for_each_element_raw(shape, std::span(raw, operands.size()), loop, ctx,
                       grain);
}

}  // namespace arrax::cpu

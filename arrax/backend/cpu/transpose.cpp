// Blocked copies for transposed layouts.
//
// Note [Blocked transpose copy]
// Copying a transposed view into a C-contiguous array through the iteration
// engine reads the source with a large stride in the inner loop: every
// element touches a new cache line, and the lines are evicted before their
// neighbours are used. When the source's unit-stride axis p differs from
// the destination's unit-stride axis q, we copy tiles of the (p, q) plane
// instead: a tile of kTile x kTile elements keeps kTile source lines in L1
// while the destination is written contiguously.
#include <cstring>

#include "arrax/backend/cpu/kernels.h"
#include "arrax/backend/cpu/thread_pool.h"

namespace arrax::cpu {

namespace {

constexpr int64_t kTile = 32;

struct alignas(8) Bytes16 {
  uint64_t lo, hi;
};

template <typename T>
void copy_tile(const char* src, char* dst, int64_t rows, int64_t cols,
               int64_t s_row, int64_t s_col, int64_t d_row, int64_t d_col) {
  // rows run along p (unit stride in src), cols along q (unit in dst).
  for (int64_t i = 0; i < rows; ++i) {
    const char* s = src + i * s_row;
    char* d = dst + i * d_row;
    for (int64_t j = 0; j < cols; ++j)
      *reinterpret_cast<T*>(d + j * d_col) =
          *reinterpret_cast<const T*>(s + j * s_col);
  }
}

template <typename T>
void run_blocked(const Array& src, const Array& dst, int p, int q) {
  const int nd = dst.ndim();
  const int64_t isz = sizeof(T);
  const int64_t np_ = dst.shape()[p], nq = dst.shape()[q];
  const int64_t ssp = src.strides()[p] * isz, ssq = src.strides()[q] * isz;
  const int64_t dsp = dst.strides()[p] * isz, dsq = dst.strides()[q] * isz;
  // The other axes, iterated one plane at a time.
  SmallVector<int64_t> oshape, os_src, os_dst;
  for (int d = 0; d < nd; ++d) {
    if (d == p || d == q || dst.shape()[d] == 1) continue;
    oshape.push_back(dst.shape()[d]);
    os_src.push_back(src.strides()[d] * isz);
    os_dst.push_back(dst.strides()[d] * isz);
  }
  const int64_t planes = shape_size(Shape(oshape.begin(), oshape.end()));
  const int64_t tp = (np_ + kTile - 1) / kTile, tq = (nq + kTile - 1) / kTile;
  const char* sbase = static_cast<const char*>(src.data());
  char* dbase = static_cast<char*>(dst.data());
  const int64_t tasks = planes * tp;
  parallel_for(tasks, std::max<int64_t>(1, 64 / std::max<int64_t>(tq, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t t = b; t < e; ++t) {
                   int64_t plane = t / tp, ti = t % tp;
                   int64_t so = 0, dof = 0, rem = plane;
                   for (int k = static_cast<int>(oshape.size()) - 1; k >= 0;
                        --k) {
                     int64_t idx = rem % oshape[k];
                     rem /= oshape[k];
                     so += idx * os_src[k];
                     dof += idx * os_dst[k];
                   }
                   int64_t i0 = ti * kTile, rows = std::min(kTile, np_ - i0);
                   for (int64_t tj = 0; tj < tq; ++tj) {
                     int64_t j0 = tj * kTile, cols = std::min(kTile, nq - j0);
                     copy_tile<T>(sbase + so + i0 * ssp + j0 * ssq,
                                  dbase + dof + i0 * dsp + j0 * dsq, rows, cols,
                                  ssp, ssq, dsp, dsq);
                   }
                 }
               });
}

}  // namespace

bool copy_transposed(const Array& src, const Array& dst) {
  if (src.dtype() != dst.dtype() || !(src.shape() == dst.shape()) ||
      dst.size() < (1 << 14))
    return false;
  const int nd = dst.ndim();
  // q: the destination's unit-stride axis; p: the source's.
  int p = -1, q = -1;
  for (int d = 0; d < nd; ++d) {
    if (dst.shape()[d] < kTile) continue;
    if (dst.strides()[d] == 1) q = d;
    if (src.strides()[d] == 1) p = d;
  }
  if (p < 0 || q < 0 || p == q) return false;
  switch (dst.itemsize()) {
    case 1:
      run_blocked<uint8_t>(src, dst, p, q);
      return true;
    case 2:
      run_blocked<uint16_t>(src, dst, p, q);
      return true;
    case 4:
      run_blocked<uint32_t>(src, dst, p, q);
      return true;
    case 8:
      run_blocked<uint64_t>(src, dst, p, q);
      return true;
    case 16:
      run_blocked<Bytes16>(src, dst, p, q);
      return true;
    default:
      return false;
  }
}

}  // namespace arrax::cpu

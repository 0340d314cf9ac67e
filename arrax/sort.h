#pragma once
// Sorting and searching with NumPy 2 semantics: sort, argsort, partition,
// argpartition, lexsort, sort_complex, searchsorted. Validation, axes and
// dtypes here; the work is the primitives of arrax/primitives_sort.h.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "arrax/array.h"

namespace arrax {

// NumPy's kind= / stable= pair, resolved to "is the sort stable": kind is
// nullopt for None, stable nullopt for None. Bad kinds raise ValueError.
ARRAX_API bool sort_is_stable(const std::optional<std::string>& kind,
                              std::optional<bool> stable, const char* op);

// axis = nullopt flattens first.
ARRAX_API Array sort(const Array& a, std::optional<int64_t> axis = -1,
                     bool stable = false);
ARRAX_API Array argsort(const Array& a, std::optional<int64_t> axis = -1,
                        bool stable = false);
// ndarray.sort: sorts `a` in place along `axis`.
ARRAX_API void sort_inplace(const Array& a, int64_t axis = -1,
                            bool stable = false);
// Every kth element in its sorted place, smaller ones before it, larger
// after. kth entries may be negative (counted from the end).
ARRAX_API Array partition(const Array& a, std::span<const int64_t> kth,
                          std::optional<int64_t> axis = -1);
ARRAX_API Array argpartition(const Array& a, std::span<const int64_t> kth,
                             std::optional<int64_t> axis = -1);
ARRAX_API void partition_inplace(const Array& a, std::span<const int64_t> kth,
                                 int64_t axis = -1);
// Indirect stable sort on several keys, the last key primary.
ARRAX_API Array lexsort(std::span<const Array> keys, int64_t axis = -1);
// sort(a) as complex (complex64 for 8- and 16-bit integers, else
// complex128, complex inputs unchanged).
ARRAX_API Array sort_complex(const Array& a);
// Insertion points of v into the 1-D `a` (sorted, or sorted by `sorter`).
ARRAX_API Array searchsorted(const Array& a, const Array& v, bool right = false,
                             const Array* sorter = nullptr);

}  // namespace arrax

#pragma once
// Exception types that map one-to-one onto Python's. Every message starts
// with the op name in brackets: "[reshape] cannot reshape ...".
#include <stdexcept>
#include <string>

#include "arrax/export.h"

namespace arrax {

struct ARRAX_API ValueError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
struct ARRAX_API TypeError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
struct ARRAX_API IndexError : std::out_of_range {
  using std::out_of_range::out_of_range;
};
// numpy.linalg.LinAlgError (a ValueError in NumPy too): singular or not
// positive definite matrices, factorizations that did not converge.
struct ARRAX_API LinAlgError : ValueError {
  using ValueError::ValueError;
};
// numpy.exceptions.AxisError is both a ValueError and an IndexError.
struct ARRAX_API AxisError : ValueError {
  using ValueError::ValueError;
};
struct ARRAX_API OverflowError : std::overflow_error {
  using std::overflow_error::overflow_error;
};
struct ARRAX_API MemoryError : std::bad_alloc {
  explicit MemoryError(std::string msg) : msg_(std::move(msg)) {}
  const char* what() const noexcept override { return msg_.c_str(); }

 private:
  std::string msg_;
};
struct ARRAX_API NotImplementedError : std::logic_error {
  using std::logic_error::logic_error;
};
struct ARRAX_API ZeroDivisionError : std::domain_error {
  using std::domain_error::domain_error;
};

}  // namespace arrax

#pragma once
#include <cstdint>
#include <string>

#include "arrax/export.h"

namespace arrax {

struct Device {
  enum class Type : uint8_t { CPU, CUDA };
  Type type = Type::CPU;
  int index = 0;

  static Device cpu() { return {Type::CPU, 0}; }
  static Device cuda(int i = 0) { return {Type::CUDA, i}; }
  bool is_cpu() const { return type == Type::CPU; }
  bool is_cuda() const { return type == Type::CUDA; }
  friend bool operator==(Device a, Device b) {
    return a.type == b.type && a.index == b.index;
  }
  std::string str() const {
    return is_cpu() ? "cpu" : "cuda:" + std::to_string(index);
  }
};

// Parses "cpu", "cuda", "cuda:1", "gpu"; throws ValueError.
ARRAX_API Device parse_device(const std::string& s);

// The device new arrays are made on when none is given.
ARRAX_API Device default_device();
ARRAX_API void set_default_device(Device d);

}  // namespace arrax

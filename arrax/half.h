#pragma once
// 16-bit floating point storage types. Arithmetic happens in float (see
// compute_t in dtype.h), as NumPy does for npy_half.
#include <bit>
#include <cmath>
#include <cstdint>

namespace arrax {

inline uint16_t float_to_half_bits(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  uint32_t ax = x & 0x7fffffffu;
  if (ax >= 0x7f800000u) {  // inf or nan (keep nan quiet)
    return sign | 0x7c00u |
           (ax > 0x7f800000u ? (0x200u | ((ax >> 13) & 0x3ffu)) : 0u);
  }
  if (ax >= 0x477ff000u) return sign | 0x7c00u;  // rounds to inf
  if (ax < 0x38800000u) {  // half subnormal or zero: exact scaling, then RNE
    float af = std::bit_cast<float>(ax);
    return sign | static_cast<uint16_t>(std::nearbyint(af * 16777216.0f));
  }
  uint32_t e = ax - 0x38000000u;
  return sign | static_cast<uint16_t>((e + 0xfffu + ((e >> 13) & 1u)) >> 13);
}

// Direct double -> half, avoiding the double rounding of double -> float -> half
// (NumPy converts directly too).
inline uint16_t double_to_half_bits(double d) {
  uint64_t x = std::bit_cast<uint64_t>(d);
  uint16_t sign = static_cast<uint16_t>((x >> 48) & 0x8000u);
  uint64_t ax = x & 0x7fffffffffffffffull;
  if (ax >= 0x7ff0000000000000ull) {
    return sign | 0x7c00u |
           (ax > 0x7ff0000000000000ull ? (0x200u | ((ax >> 42) & 0x3ffu)) : 0u);
  }
  if (ax >= 0x40effe0000000000ull) return sign | 0x7c00u;
  if (ax < 0x3f10000000000000ull) {
    double ad = std::bit_cast<double>(ax);
    return sign | static_cast<uint16_t>(std::nearbyint(ad * 16777216.0));
  }
  uint64_t e = ax - (static_cast<uint64_t>(1023 - 15) << 52);
  return sign | static_cast<uint16_t>(
                    (e + ((1ull << 41) - 1) + ((e >> 42) & 1u)) >> 42);
}

inline float half_bits_to_float(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
  if (e == 0) {
    float f = static_cast<float>(m) * (1.0f / 16777216.0f);
    return sign ? -f : f;
  }
  if (e == 31) return std::bit_cast<float>(sign | 0x7f800000u | (m << 13));
  return std::bit_cast<float>(sign | ((e + 112u) << 23) | (m << 13));
}

inline uint16_t float_to_bf16_bits(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u)
    return static_cast<uint16_t>((x >> 16) | 0x40u);  // quiet nan
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

inline float bf16_bits_to_float(uint16_t b) {
  return std::bit_cast<float>(static_cast<uint32_t>(b) << 16);
}

struct float16 {
  uint16_t bits;
  float16() = default;
  explicit float16(float f) : bits(float_to_half_bits(f)) {}
  explicit float16(double d) : bits(double_to_half_bits(d)) {}
  operator float() const { return half_bits_to_float(bits); }
  static float16 from_bits(uint16_t b) {
    float16 h;
    h.bits = b;
    return h;
  }
};

struct bfloat16 {
  uint16_t bits;
  bfloat16() = default;
  explicit bfloat16(float f) : bits(float_to_bf16_bits(f)) {}
  explicit bfloat16(double d) : bfloat16(static_cast<float>(d)) {}
  operator float() const { return bf16_bits_to_float(bits); }
  static bfloat16 from_bits(uint16_t b) {
    bfloat16 h;
    h.bits = b;
    return h;
  }
};

}  // namespace arrax

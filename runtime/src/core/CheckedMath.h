//===- CheckedMath.h - Overflow-checked size arithmetic ----------*- C++ -*-===//
//
// Shapes and offsets come from untrusted files; every product and sum that
// sizes memory goes through these, never through plain `*` or `+`.
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_RUNTIME_CORE_CHECKEDMATH_H
#define ZEN_RUNTIME_CORE_CHECKEDMATH_H

#include <cstdint>
#include <vector>

namespace zen::rt {

/// a * b, or false on overflow.
inline bool checkedMul(uint64_t a, uint64_t b, uint64_t &out) {
  return !__builtin_mul_overflow(a, b, &out);
}

/// a + b, or false on overflow.
inline bool checkedAdd(uint64_t a, uint64_t b, uint64_t &out) {
  return !__builtin_add_overflow(a, b, &out);
}

/// The product of non-negative `shape` entries, or false on overflow.
inline bool checkedProduct(const std::vector<int64_t> &shape, uint64_t &out) {
  uint64_t n = 1;
  for (int64_t d : shape)
    if (d < 0 || !checkedMul(n, static_cast<uint64_t>(d), n))
      return false;
  out = n;
  return true;
}

} // namespace zen::rt

#endif // ZEN_RUNTIME_CORE_CHECKEDMATH_H

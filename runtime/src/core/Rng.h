//===- Rng.h - Portable seeded PRNG (splitmix64 + xoshiro256**) --*- C++ -*-===//
//
// Sampling must reproduce bit-for-bit across machines and compilers, so the
// runtime carries its own generator instead of <random>'s engines and
// distributions (whose outputs the standard does not pin down).
// Reference: https://prng.di.unimi.it/ (xoshiro256starstar.c, splitmix64.c).
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_RUNTIME_CORE_RNG_H
#define ZEN_RUNTIME_CORE_RNG_H

#include "zen/runtime.h"

#include <cstdint>

namespace zen::rt {

/// splitmix64: advances `state` and returns the next output.
inline uint64_t splitmix64(uint64_t &state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// Seeds xoshiro256** from four splitmix64 outputs (never all zero: splitmix64
/// is a bijection of its counter, so four consecutive outputs cannot all be 0).
inline void rngSeed(zen_rng_t &rng, uint64_t seed) {
  uint64_t sm = seed;
  for (uint64_t &word : rng.s)
    word = splitmix64(sm);
}

inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/// xoshiro256**: the next 64 bits.
inline uint64_t rngNext(zen_rng_t &rng) {
  uint64_t *s = rng.s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

/// Uniform in [0, 1) with 53 random bits.
inline double rngNextDouble(zen_rng_t &rng) {
  return static_cast<double>(rngNext(rng) >> 11) * 0x1.0p-53;
}

} // namespace zen::rt

#endif // ZEN_RUNTIME_CORE_RNG_H

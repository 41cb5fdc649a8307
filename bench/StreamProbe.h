//===- StreamProbe.h - streaming read bandwidth of this machine -*- C++ -*-===//
//
// The memory-bandwidth yardstick of the benchmarks: how fast `threads`
// threads can read 512 MB (far beyond the caches), each as 8 interleaved
// streams (a GEMV reads several weight rows at once; one stream alone does
// not saturate the memory system of AMD cores). zen-gemm-bench compares its
// decode-shaped GEMVs with it, zen-decode-bench a whole model's decode.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_BENCH_STREAMPROBE_H
#define ZEN_BENCH_STREAMPROBE_H

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace zen::bench {

/// Seconds on a monotonic clock.
inline double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

typedef float StreamV8f __attribute__((vector_size(32)));

/// Sums `n` floats (a multiple of 64) as 8 streams at once, one AVX
/// accumulator each.
__attribute__((target("avx2"), noinline)) inline float
sum8Streams(const float *p, size_t n) {
  constexpr int kStreams = 8;
  StreamV8f acc[kStreams] = {};
  size_t per = n / kStreams;
  for (size_t i = 0; i < per; i += 8)
    for (int j = 0; j < kStreams; ++j)
      acc[j] += *reinterpret_cast<const StreamV8f *>(p + j * per + i);
  float total = 0;
  for (int j = 0; j < kStreams; ++j)
    total += acc[j][j];
  return total;
}

/// Streaming read bandwidth (GB/s): `threads` threads each summing its part
/// of 512 MB; the best of `repeats` runs (the machine may be shared).
inline double streamGBs(int threads, int repeats = 5) {
  const size_t n = (size_t(512) << 20) / sizeof(float);
  float *data = static_cast<float *>(std::aligned_alloc(64, n * sizeof(float)));
  for (size_t i = 0; i < n; ++i)
    data[i] = 1.0f;
  std::vector<float> sums(threads);
  auto part = [&](int t) {
    size_t per = n / threads / 64 * 64;
    // Keep the compiler from hoisting the (pure) sum out of the timing.
    __asm__ volatile("" : : "r"(data) : "memory");
    sums[t] = sum8Streams(data + t * per, per);
  };
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    double t = now();
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i)
      pool.emplace_back(part, i);
    part(0);
    for (std::thread &th : pool)
      th.join();
    best = std::min(best, now() - t);
  }
  std::free(data);
  if (sums[0] == 1.f)
    std::puts("");
  return n * sizeof(float) / best / 1e9;
}

} // namespace zen::bench

#endif // ZEN_BENCH_STREAMPROBE_H

//===- gemm-bench.cpp - Zen GEMM vs oneDNN and OpenBLAS, same process -----===//
//
// y[M, N] = x[M, K] · W[N, K]ᵀ (zen.linear) at 2048³ and at the Qwen3-0.6B
// projection shapes, M = 1, 16, 512, f32 and bf16 (f32 accumulation), on 1
// and 2 threads, packing included everywhere (Zen packs W on every call;
// dnnl_sgemm and cblas_sgemm pack internally; the oneDNN bf16 matmul gets W
// in its plain [N, K] layout). Zen's kernels are its real code generation:
// bench/gemm-kernels.mlir compiled by zen-bench-compile (the CPU pipeline and
// the in-process object emitter) and linked in.
//
// OpenBLAS is dlopen'ed after setting OPENBLAS_CORETYPE (it reads it when it
// loads): SkylakeX where the host has AVX-512 (Debian's build otherwise
// picks a half-speed kernel on Zen 4/5), the library's own choice elsewhere
// (SkylakeX kernels would fault); its core name is printed.
//
// Times are the best of several runs (the machine may be shared); peak is
// the measured FMA throughput of one core (independent vector FMA chains).
//
//   zen-gemm-bench [--quick] [--threads 1,2] [--check]
//
//===----------------------------------------------------------------------===//

#include "StreamProbe.h"

#include <dlfcn.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

// The OpenMP runtime (libomp) that Zen's parallel tiles and oneDNN share.
extern "C" void omp_set_num_threads(int);

namespace {

//===----------------------------------------------------------------------===//
// Zen kernels (C interfaces of the functions in gemm-kernels.mlir)
//===----------------------------------------------------------------------===//

struct Desc2 {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
};
using ZenKernel = void (*)(Desc2 *, Desc2 *, Desc2 *);

#define ZEN_SHAPES(X)                                                          \
  X(2048, 2048, "2048^3 (N=K=2048)")                                           \
  X(2048, 1024, "q_proj")                                                      \
  X(1024, 1024, "k_proj/v_proj")                                               \
  X(1024, 2048, "o_proj")                                                      \
  X(3072, 1024, "gate/up_proj")                                                \
  X(1024, 3072, "down_proj")                                                   \
  X(151936, 1024, "lm_head")

#define DECLARE(N, K, NAME)                                                    \
  void _mlir_ciface_gemm_f32_n##N##_k##K(Desc2 *, Desc2 *, Desc2 *);           \
  void _mlir_ciface_gemm_bf16_n##N##_k##K(Desc2 *, Desc2 *, Desc2 *);
extern "C" {
ZEN_SHAPES(DECLARE)
}

struct Shape {
  int64_t n, k;
  const char *name;
  ZenKernel f32, bf16;
};

#define ENTRY(N, K, NAME)                                                      \
  {N, K, NAME, _mlir_ciface_gemm_f32_n##N##_k##K,                              \
   _mlir_ciface_gemm_bf16_n##N##_k##K},
const Shape kShapes[] = {ZEN_SHAPES(ENTRY)};

Desc2 descriptor(void *data, int64_t rows, int64_t cols) {
  return {data, data, 0, {rows, cols}, {cols, 1}};
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

using zen::bench::now;
using zen::bench::streamGBs;

/// Best time of one call of `fn`, over at least `minRuns` runs and
/// `minSeconds` seconds (after one warm-up call).
template <typename F> double bestTime(F fn, int minRuns, double minSeconds) {
  fn();
  double best = 1e30, start = now();
  for (int r = 0; r < minRuns || now() - start < minSeconds; ++r) {
    double t = now();
    fn();
    best = std::min(best, now() - t);
    if (r >= 50)
      break;
  }
  return best;
}

uint16_t toBF16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  bits += 0x7FFF + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

float fromBF16(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// One core's vector FMA throughput (GFLOP/s): 12 independent chains.
typedef float v8f __attribute__((vector_size(32)));
typedef float v16f __attribute__((vector_size(64)));

__attribute__((target("avx2,fma"), noinline)) double fmaPeakAVX2() {
  v8f acc[12], a = {}, b = {};
  for (int i = 0; i < 12; ++i)
    acc[i] = v8f{} + 0.001f * i;
  a += 0.9999f;
  b += 0.0001f;
  const long iters = 4000000;
  double t = now();
  for (long i = 0; i < iters; ++i)
    for (int j = 0; j < 12; ++j)
      acc[j] = __builtin_elementwise_fma(acc[j], a, b);
  t = now() - t;
  float sink = 0;
  for (int j = 0; j < 12; ++j)
    sink += acc[j][0];
  if (sink == 12345.f)
    std::puts("");
  return iters * 12.0 * 16 / t / 1e9;
}

__attribute__((target("avx512f"), noinline)) double fmaPeakAVX512() {
  v16f acc[12], a = {}, b = {};
  for (int i = 0; i < 12; ++i)
    acc[i] = v16f{} + 0.001f * i;
  a += 0.9999f;
  b += 0.0001f;
  const long iters = 4000000;
  double t = now();
  for (long i = 0; i < iters; ++i)
    for (int j = 0; j < 12; ++j)
      acc[j] = __builtin_elementwise_fma(acc[j], a, b);
  t = now() - t;
  float sink = 0;
  for (int j = 0; j < 12; ++j)
    sink += acc[j][0];
  if (sink == 12345.f)
    std::puts("");
  return iters * 12.0 * 32 / t / 1e9;
}

/// Clock (GHz) from a chain of dependent scalar adds (4-cycle latency on
/// Zen 2-5 and recent Intel cores, 3 on Zen 1).
double clockGHz(int addLatency) {
  double x = 1.0, y = 1e-9;
  const long iters = 40000000;
  double t = now();
  for (long i = 0; i < iters; ++i)
    __asm__ volatile("addsd %1, %0" : "+x"(x) : "x"(y));
  t = now() - t;
  return iters * addLatency / t / 1e9;
}

//===----------------------------------------------------------------------===//
// Peers
//===----------------------------------------------------------------------===//

struct OpenBLAS {
  void (*sgemm)(int, int, int, int, int, int, float, const float *, int,
                const float *, int, float, float *, int) = nullptr;
  void (*setThreads)(int) = nullptr;
  char *(*corename)() = nullptr;
  std::string note;

  bool load(bool avx512) {
    if (avx512)
      setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
    else
      note = "no AVX-512 on this host: OPENBLAS_CORETYPE left unset "
             "(SkylakeX kernels would fault)";
    void *lib = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!lib)
      return false;
    sgemm = reinterpret_cast<decltype(sgemm)>(dlsym(lib, "cblas_sgemm"));
    setThreads = reinterpret_cast<decltype(setThreads)>(
        dlsym(lib, "openblas_set_num_threads"));
    corename =
        reinterpret_cast<decltype(corename)>(dlsym(lib, "openblas_get_corename"));
    return sgemm && setThreads && corename;
  }
};

constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;

/// oneDNN bf16 matmul: src [M, K] bf16, weights [K, N] bf16 stored as W[N, K]
/// (tag ba), dst [M, N] bf16. Created per shape; null when unsupported here.
struct DnnlBF16 {
  DnnlBF16() = default;
  DnnlBF16(const DnnlBF16 &) = delete;
  dnnl_primitive_t prim = nullptr;
  dnnl_memory_t src = nullptr, wei = nullptr, dst = nullptr;

  bool create(dnnl_engine_t engine, int64_t m, int64_t n, int64_t k,
              void *x, void *w, void *y) {
    dnnl_memory_desc_t srcMd, weiMd, dstMd;
    dnnl_dims_t srcDims = {m, k}, weiDims = {k, n}, dstDims = {m, n};
    dnnl_memory_desc_init_by_tag(&srcMd, 2, srcDims, dnnl_bf16, dnnl_ab);
    dnnl_memory_desc_init_by_tag(&weiMd, 2, weiDims, dnnl_bf16, dnnl_ba);
    dnnl_memory_desc_init_by_tag(&dstMd, 2, dstDims, dnnl_bf16, dnnl_ab);
    dnnl_matmul_desc_t desc;
    if (dnnl_matmul_desc_init(&desc, &srcMd, &weiMd, nullptr, &dstMd) !=
        dnnl_success)
      return false;
    dnnl_primitive_desc_t pd;
    if (dnnl_primitive_desc_create(&pd, &desc, nullptr, engine, nullptr) !=
        dnnl_success)
      return false;
    bool ok = dnnl_primitive_create(&prim, pd) == dnnl_success;
    dnnl_primitive_desc_destroy(pd);
    ok = ok && dnnl_memory_create(&src, &srcMd, engine, x) == dnnl_success &&
         dnnl_memory_create(&wei, &weiMd, engine, w) == dnnl_success &&
         dnnl_memory_create(&dst, &dstMd, engine, y) == dnnl_success;
    return ok;
  }
  void run(dnnl_stream_t stream) {
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, src},
                               {DNNL_ARG_WEIGHTS, wei},
                               {DNNL_ARG_DST, dst}};
    dnnl_primitive_execute(prim, stream, 3, args);
    dnnl_stream_wait(stream);
  }
  ~DnnlBF16() {
    if (prim)
      dnnl_primitive_destroy(prim);
    for (dnnl_memory_t mem : {src, wei, dst})
      if (mem)
        dnnl_memory_destroy(mem);
  }
};

//===----------------------------------------------------------------------===//
// The benchmark
//===----------------------------------------------------------------------===//

struct Row {
  std::string shape;
  int64_t m, n, k;
  const char *dtype;
  int threads;
  double zen, dnnl, blas; // GFLOP/s; <= 0 when not run
  double zenErr;
};

/// Calls a Zen kernel; frees its result.
void callZen(ZenKernel kernel, void *x, void *w, int64_t m, int64_t n,
             int64_t k, std::vector<char> *copyOut = nullptr,
             size_t elemSize = 4) {
  Desc2 xd = descriptor(x, m, k), wd = descriptor(w, n, k), out;
  kernel(&out, &xd, &wd);
  if (copyOut) {
    copyOut->resize(m * n * elemSize);
    std::memcpy(copyOut->data(),
                static_cast<char *>(out.aligned) + out.offset * elemSize,
                m * n * elemSize);
  }
  std::free(out.allocated);
}

/// Max |Zen - exact| / max |exact| over sampled outputs.
double checkZen(const std::vector<char> &y, bool bf16, const float *x,
                const float *w, int64_t m, int64_t n, int64_t k) {
  double maxErr = 0, maxRef = 1e-30;
  for (int s = 0; s < 64; ++s) {
    int64_t i = (s * 7919) % m, j = (s * 104729) % n;
    double ref = 0;
    for (int64_t t = 0; t < k; ++t)
      ref += double(x[i * k + t]) * w[j * k + t];
    double got =
        bf16 ? fromBF16(reinterpret_cast<const uint16_t *>(y.data())[i * n + j])
             : reinterpret_cast<const float *>(y.data())[i * n + j];
    maxErr = std::max(maxErr, std::fabs(got - ref));
    maxRef = std::max(maxRef, std::fabs(ref));
  }
  return maxErr / maxRef;
}

} // namespace

int main(int argc, char **argv) {
  bool quick = false;
  std::vector<int> threadCounts = {1, 2};
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick"))
      quick = true;
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
      threadCounts.clear();
      for (char *p = std::strtok(argv[++i], ","); p; p = std::strtok(nullptr, ","))
        threadCounts.push_back(std::atoi(p));
    } else {
      std::fprintf(stderr, "usage: %s [--quick] [--threads 1,2]\n", argv[0]);
      return 2;
    }
  }

  __builtin_cpu_init();
  bool avx512 = __builtin_cpu_supports("avx512f");
  bool amdZen1 = false;
  {
    // Zen 1's scalar FP add has 3 cycles of latency, later cores 4 (AMD) or
    // 4 (Intel since Skylake).
    FILE *f = std::fopen("/proc/cpuinfo", "r");
    char line[256];
    int family = 0;
    bool amd = false;
    while (f && std::fgets(line, sizeof line, f)) {
      if (!std::strncmp(line, "vendor_id", 9) && std::strstr(line, "AMD"))
        amd = true;
      if (!std::strncmp(line, "cpu family", 10))
        family = std::atoi(std::strchr(line, ':') + 1);
    }
    if (f)
      std::fclose(f);
    amdZen1 = amd && family == 23;
  }
  std::printf("== Zen GEMM benchmark: y = x . W^T, packing included ==\n");
  // Best of several short probes: the machine may be shared.
  double peak = 0, ghz = 0;
  for (int r = 0; r < 5; ++r) {
    peak = std::max(peak, avx512 ? fmaPeakAVX512() : fmaPeakAVX2());
    ghz = std::max(ghz, clockGHz(amdZen1 ? 3 : 4));
  }
  std::printf("host: %s, measured clock %.2f GHz, FMA peak %.1f GFLOP/s per "
              "core (%.0f FLOP/cycle)\n",
              avx512 ? "AVX-512" : "AVX2 (no AVX-512)", ghz, peak,
              peak / ghz);
  double bw1 = streamGBs(1), bw2 = streamGBs(2);
  std::printf("streaming read: %.1f GB/s (1 thread), %.1f GB/s (2 threads)\n",
              bw1, bw2);

  OpenBLAS blas;
  bool haveBlas = blas.load(avx512);
  if (haveBlas)
    std::printf("OpenBLAS core: %s%s%s\n", blas.corename(),
                blas.note.empty() ? "" : "; ", blas.note.c_str());
  else
    std::printf("OpenBLAS: libopenblas.so.0 not found (%s)\n", dlerror());

  dnnl_engine_t engine;
  dnnl_stream_t stream;
  dnnl_engine_create(&engine, dnnl_cpu, 0);
  dnnl_stream_create(&stream, engine, dnnl_stream_default_flags);

  std::vector<Row> rows;
  const int64_t ms[] = {1, 16, 512};
  for (const Shape &shape : kShapes) {
    if (quick && shape.n > 100000)
      continue;
    int64_t n = shape.n, k = shape.k;
    // Weights and activations, f32 and the same values in bf16.
    std::vector<float> w(n * k);
    for (int64_t i = 0; i < n * k; ++i)
      w[i] = fromBF16(toBF16(float((i * 2654435761u) % 1000) / 1000.f - 0.5f));
    std::vector<uint16_t> wb(n * k);
    for (int64_t i = 0; i < n * k; ++i)
      wb[i] = toBF16(w[i]);
    bool square = n == 2048 && k == 2048;
    std::vector<int64_t> mList(std::begin(ms), std::end(ms));
    if (square)
      mList = {2048};
    for (int64_t m : mList) {
      std::vector<float> x(m * k), y(m * n);
      for (int64_t i = 0; i < m * k; ++i)
        x[i] = fromBF16(toBF16(float((i * 40503u) % 997) / 997.f - 0.5f));
      std::vector<uint16_t> xb(m * k), yb(m * n);
      for (int64_t i = 0; i < m * k; ++i)
        xb[i] = toBF16(x[i]);
      // Decode (M = 1) reads W from memory in a model (its weights exceed
      // the caches): rotate over copies of W spanning 512 MB so that no
      // implementation finds it in cache.
      int copies = m == 1 ? int(std::max<int64_t>(1, (512 << 20) / (n * k * 4)))
                          : 1;
      std::vector<std::vector<float>> wf(copies - 1, w);
      std::vector<std::vector<uint16_t>> wh(copies - 1, wb);
      std::vector<float *> wF = {w.data()};
      std::vector<uint16_t *> wH = {wb.data()};
      for (int c = 0; c + 1 < copies; ++c) {
        wF.push_back(wf[c].data());
        wH.push_back(wh[c].data());
      }
      int call = 0;
      double flop = 2.0 * m * n * k;
      // Longer shapes: fewer runs.
      int minRuns = flop > 5e10 ? 2 : 3;
      double minSeconds = quick ? 0.05 : 0.3;
      for (const char *dtype : {"f32", "bf16"}) {
        bool bf16 = !std::strcmp(dtype, "bf16");
        std::vector<char> out;
        callZen(bf16 ? shape.bf16 : shape.f32, bf16 ? (void *)xb.data() : x.data(),
                bf16 ? (void *)wb.data() : w.data(), m, n, k, &out,
                bf16 ? 2 : 4);
        double err = checkZen(out, bf16, x.data(), w.data(), m, n, k);
        std::vector<DnnlBF16> dnnlBF16(bf16 ? copies : 0);
        bool haveDnnlBF16 = bf16;
        for (int c = 0; c < (bf16 ? copies : 0); ++c)
          haveDnnlBF16 &= dnnlBF16[c].create(engine, m, n, k, xb.data(), wH[c],
                                             yb.data());
        for (int threads : threadCounts) {
          omp_set_num_threads(threads);
          Row row{shape.name, m, n, k, dtype, threads, 0, 0, 0, err};
          row.zen = flop / bestTime(
                               [&] {
                                 int c = call++ % copies;
                                 callZen(bf16 ? shape.bf16 : shape.f32,
                                         bf16 ? (void *)xb.data() : x.data(),
                                         bf16 ? (void *)wH[c] : wF[c], m, n,
                                         k);
                               },
                               minRuns, minSeconds) /
                    1e9;
          if (!bf16) {
            row.dnnl = flop / bestTime(
                                  [&] {
                                    dnnl_sgemm('N', 'T', m, n, k, 1.f, x.data(),
                                               k, wF[call++ % copies], k, 0.f,
                                               y.data(), n);
                                  },
                                  minRuns, minSeconds) /
                       1e9;
            if (haveBlas) {
              blas.setThreads(threads);
              row.blas = flop / bestTime(
                                    [&] {
                                      blas.sgemm(kRowMajor, kNoTrans, kTrans, m,
                                                 n, k, 1.f, x.data(), k,
                                                 wF[call++ % copies], k, 0.f,
                                                 y.data(), n);
                                    },
                                    minRuns, minSeconds) /
                         1e9;
            }
          } else if (haveDnnlBF16) {
            row.dnnl = flop /
                       bestTime([&] { dnnlBF16[call++ % copies].run(stream); },
                                minRuns, minSeconds) /
                       1e9;
          }
          rows.push_back(row);
          const Row &r = rows.back();
          std::fprintf(stderr, "  %-18s M=%-5lld %-4s %dt  zen %.1f\n",
                       r.shape.c_str(), (long long)r.m, r.dtype, r.threads,
                       r.zen);
        }
      }
    }
  }

  std::printf("\nGFLOP/s (best of runs); %%peak = Zen / (threads x FMA peak); "
              "ratios = Zen / peer; bf16: OpenBLAS has no bf16 GEMM; "
              "err = max|Zen - exact| / max|exact| (bf16 output rounding "
              "included)\n");
  std::printf("%-18s %5s %6s %5s %4s | %8s %6s | %8s %6s | %8s %6s | %8s\n",
              "shape", "M", "N", "K", "dt/t", "Zen", "%peak", "oneDNN",
              "ratio", "OpenBLAS", "ratio", "err");
  for (const Row &r : rows) {
    char dt[16];
    std::snprintf(dt, sizeof dt, "%s/%d", r.dtype, r.threads);
    auto peer = [](double v, char *buf) {
      if (v > 0)
        std::snprintf(buf, 16, "%8.1f", v);
      else
        std::snprintf(buf, 16, "%8s", "n/a");
    };
    auto ratio = [&](double v, char *buf) {
      if (v > 0)
        std::snprintf(buf, 16, "%6.2f", r.zen / v);
      else
        std::snprintf(buf, 16, "%6s", "-");
    };
    char d[16], dr[16], b[16], br[16];
    peer(r.dnnl, d);
    ratio(r.dnnl, dr);
    peer(r.blas, b);
    ratio(r.blas, br);
    std::printf("%-18s %5lld %6lld %5lld %4s | %8.1f %5.0f%% | %s %s | %s %s "
                "| %8.1e\n",
                r.shape.c_str(), (long long)r.m, (long long)r.n,
                (long long)r.k, dt, r.zen, 100 * r.zen / (peak * r.threads), d,
                dr, b, br, r.zenErr);
  }
  // Decode-shaped rows are bound by reading W: report the bandwidth too.
  std::printf("\nM = 1 (decode; W read from memory, rotating copies) as "
              "bandwidth: GB/s of weights read by Zen (streaming read: %.1f "
              "GB/s on 1 thread, %.1f on 2)\n",
              bw1, bw2);
  for (const Row &r : rows)
    if (r.m == 1) {
      double bytes = double(r.n) * r.k * (std::strcmp(r.dtype, "bf16") ? 4 : 2);
      double seconds = 2.0 * r.n * r.k / (r.zen * 1e9);
      double gbs = bytes / seconds / 1e9;
      std::printf("  %-18s %-4s %d thread(s): %6.1f GB/s = %3.0f%% of streaming "
                  "read\n",
                  r.shape.c_str(), r.dtype, r.threads, gbs,
                  100 * gbs / (r.threads > 1 ? bw2 : bw1));
    }
  dnnl_stream_destroy(stream);
  dnnl_engine_destroy(engine);
  return 0;
}

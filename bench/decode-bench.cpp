//===- decode-bench.cpp - whole-model decode against the memory roofline --===//
//
// Decoding one token reads every weight the decode entry point takes once
// (the embedding table only one row, unless it is tied to the LM head, which
// reads it whole): a decode step cannot be faster than those bytes divided
// by the machine's streaming read bandwidth. This benchmark runs a compiled
// model library's `decode` (random weights, through libzenrt's sessions, as
// `zen-run bench` does) and measures the streaming read bandwidth in the same
// process, right before and after, on the same number of threads, and
// prints
//
//   tokens/s, weight bytes per token, the bandwidth decode achieved (bytes
//   per token x tokens/s), the streaming read GB/s, and their ratio: the
//   fraction of the roofline.
//
// Times are per decode step, the best and the median of `--tokens` steps
// after a prompt of `--prompt-len` tokens (the KV cache then holds that many
// positions); the probe is the best of 5 reads of 512 MB, the higher of its
// two runs. Both are best-ofs, so a shared machine disturbs the ratio less.
//
//   zen-decode-bench MODEL.so... [--threads 1,2] [--tokens N]
//                    [--prompt-len P]
//
//===----------------------------------------------------------------------===//

#include "StreamProbe.h"

#include "zen/runtime.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

// The OpenMP runtime the model libraries' parallel kernels call (the same
// libomp.so.5 the libraries link, so this sets their thread count).
extern "C" void omp_set_num_threads(int);

namespace {

using zen::bench::now;
using zen::bench::streamGBs;

bool check(zen_status_t status, const char *what) {
  if (!status)
    return true;
  std::fprintf(stderr, "zen-decode-bench: %s: %s\n", what,
               zen_status_message(status));
  zen_status_free(status);
  return false;
}

/// Bytes of weights one decode step reads, and their dtypes.
struct WeightBytes {
  uint64_t bytes = 0;
  std::string dtypes;
};

WeightBytes decodeWeightBytes(const zen_model_t *model, size_t entry) {
  zen_entry_point_info_t info;
  WeightBytes out;
  if (!check(zen_model_entry_point(model, entry, &info), "entry point"))
    return out;
  bool hasLMHead = false;
  std::vector<zen_param_info_t> params;
  for (size_t a = 0; a < info.num_args; ++a) {
    zen_value_info_t value;
    if (!check(zen_model_entry_arg(model, entry, a, &value), "argument") ||
        value.kind != ZEN_VALUE_PARAM)
      continue;
    zen_param_info_t param;
    if (!check(zen_model_param(model, value.param_index, &param), "param"))
      continue;
    hasLMHead |= std::strcmp(param.name, "lm_head.weight") == 0;
    params.push_back(param);
  }
  for (const zen_param_info_t &param : params) {
    uint64_t bytes = param.num_bytes;
    // An untied embedding table is only gathered: one row per token.
    if (hasLMHead && param.rank == 2 &&
        std::strcmp(param.name, "model.embed_tokens.weight") == 0)
      bytes /= param.shape[0];
    out.bytes += bytes;
    std::string dtype = zen_dtype_name(param.dtype);
    if (out.dtypes.find(dtype) == std::string::npos)
      out.dtypes += (out.dtypes.empty() ? "" : "+") + dtype;
  }
  return out;
}

struct StepTimes {
  double best = 0, median = 0;
  bool ok = false;
};

/// Prefills `promptLen` tokens, then times `tokens` decode steps.
StepTimes timeDecode(zen_model_t *model, int promptLen, int tokens) {
  StepTimes out;
  zen_session_t *session = nullptr;
  if (!check(zen_session_create(model, 1, promptLen + tokens + 1, &session),
             "session"))
    return out;
  zen_session_info_t info;
  if (!check(zen_session_info(session, &info), "session info")) {
    zen_session_free(session);
    return out;
  }
  std::vector<float> logits(info.vocab_size);
  uint64_t state = 12345;
  auto nextId = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return int64_t((state >> 33) % uint64_t(info.vocab_size));
  };
  std::vector<int64_t> prompt(promptLen);
  for (int64_t &id : prompt)
    id = nextId();
  if (!check(zen_session_prefill(session, promptLen, prompt.data(), nullptr,
                                 logits.data()),
             "prefill")) {
    zen_session_free(session);
    return out;
  }
  std::vector<double> times;
  for (int i = 0; i < tokens; ++i) {
    int64_t id = nextId();
    double t = now();
    if (!check(zen_session_decode(session, &id, logits.data()), "decode")) {
      zen_session_free(session);
      return out;
    }
    times.push_back(now() - t);
  }
  zen_session_free(session);
  std::sort(times.begin(), times.end());
  out.best = times.front();
  out.median = times[times.size() / 2];
  out.ok = true;
  return out;
}

/// The 1-minute load average (Linux), to tell a busy machine in the output.
double loadAverage() {
  double load = -1;
  if (FILE *f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &load) != 1)
      load = -1;
    std::fclose(f);
  }
  return load;
}

std::vector<int> parseList(const char *text) {
  std::vector<int> out;
  for (const char *p = text; *p;) {
    out.push_back(std::atoi(p));
    p = std::strchr(p, ',');
    if (!p)
      break;
    ++p;
  }
  return out;
}

int usage() {
  std::fprintf(stderr, "usage: zen-decode-bench MODEL.so... [--threads 1,2] "
                       "[--tokens N] [--prompt-len P]\n");
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> models;
  std::vector<int> threads = {1, 2};
  int tokens = 16, promptLen = 64;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--threads" && i + 1 < argc)
      threads = parseList(argv[++i]);
    else if (arg == "--tokens" && i + 1 < argc)
      tokens = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--prompt-len" && i + 1 < argc)
      promptLen = std::max(1, std::atoi(argv[++i]));
    else if (arg.size() > 1 && arg[0] == '-')
      return usage();
    else
      models.push_back(arg);
  }
  if (models.empty())
    return usage();

  std::printf("decode vs the memory roofline: %d decode steps after a %d-token "
              "prompt, batch 1, random weights;\nfraction = (weight bytes per "
              "token x tokens/s) / streaming read GB/s, same threads, same "
              "run\n",
              tokens, promptLen);
  int failures = 0;
  for (const std::string &path : models) {
    zen_model_t *model = nullptr;
    if (!check(zen_model_open(path.c_str(), &model), "open")) {
      ++failures;
      continue;
    }
    zen_model_info_t info;
    size_t entry;
    if (!check(zen_model_info(model, &info), "model info") ||
        !check(zen_model_find_entry_point(model, "decode", &entry),
               "decode entry point") ||
        !check(zen_model_bind_random(model, 0), "random weights")) {
      zen_model_close(model);
      ++failures;
      continue;
    }
    WeightBytes weights = decodeWeightBytes(model, entry);
    std::printf("%s (%s weights): %.3f GB of weights per token\n", info.name,
                weights.dtypes.c_str(), weights.bytes / 1e9);
    for (int t : threads) {
      omp_set_num_threads(t);
      double bwBefore = streamGBs(t);
      StepTimes step = timeDecode(model, promptLen, tokens);
      double bw = std::max(bwBefore, streamGBs(t));
      if (!step.ok) {
        ++failures;
        continue;
      }
      double tps = 1.0 / step.best, achieved = weights.bytes * tps / 1e9;
      std::printf("  %d thread(s): decode %6.2f tok/s (best step %7.1f ms, "
                  "median %7.1f ms), %5.1f GB/s of weights; streaming read "
                  "%5.1f GB/s; fraction of roofline %3.0f%% (median %3.0f%%); "
                  "load average %.1f\n",
                  t, tps, step.best * 1e3, step.median * 1e3, achieved, bw,
                  100 * achieved / bw,
                  100 * weights.bytes / step.median / 1e9 / bw, loadAverage());
      std::fflush(stdout);
    }
    zen_model_close(model);
  }
  return failures ? 1 : 0;
}

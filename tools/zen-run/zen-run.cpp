//===- zen-run.cpp - Run a compiled Zen model -----------------------------===//
//
// A thin command line over libzenrt's C API (zen/runtime.h); it links nothing
// else, so it runs wherever the runtime does (no LLVM, no MLIR).
//
//   zen-run MODEL.so info [--params]
//   zen-run MODEL.so forward  WEIGHTS --input-ids IDS [--attention-mask M]
//                             [--positions P] [--dump-logits OUT.npy]
//   zen-run MODEL.so generate WEIGHTS --prompt-ids IDS --max-new-tokens N
//                             [--attention-mask M] [--max-seq-len S]
//                             [--temperature T] [--top-k K] [--top-p P]
//                             [--seed S]
//   zen-run MODEL.so bench [WEIGHTS] [--prompt-len N] [--decode-tokens N]
//                             [--batch B] [--max-seq-len S]
//   zen-run MODEL.so train-step WEIGHTS --batch BATCH [--steps N] ...
//   zen-run MODEL.so gspo WEIGHTS [--steps N] [--prompts P] [--seed S] ...
//   WEIGHTS: --weights PATH [--allow-extra-weights] | --random-weights SEED
//   forward, generate and bench take --device cpu|cuda (default cpu), which
//   must match the target the model was compiled for.
//
// Errors print `zen-run: error: ...` on stderr and exit with status 1.
//
//===----------------------------------------------------------------------===//

#include "zen/runtime.h"
#include "zen/runtime_cuda.h"

#include "Generate.h"
#include "Options.h"
#include "Train.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

using namespace zen::run;

namespace {

const char *kUsage =
    "usage: zen-run MODEL.so COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  info [--params]       entry points, parameter count, bytes and dtypes\n"
    "                        (--params lists every parameter)\n"
    "  forward WEIGHTS --input-ids IDS [--attention-mask MASK]\n"
    "          [--positions POS] [--entry NAME] [--dump-logits OUT.npy]\n"
    "                        run the forward pass; print each sequence's top\n"
    "                        tokens at its last position, or save the float32\n"
    "                        logits [B, T, V] as .npy\n"
    "  generate WEIGHTS --prompt-ids IDS --max-new-tokens N\n"
    "          [--attention-mask MASK] [--max-seq-len S]\n"
    "          [--temperature T] [--top-k K] [--top-p P] [--seed S]\n"
    "                        extend each prompt by N sampled tokens; print "
    "the\n"
    "                        new ids and tokens/s (greedy unless a sampling\n"
    "                        option is given; temperature then defaults to "
    "1).\n"
    "                        Uses the prefill/decode entry points with a KV\n"
    "                        cache of S slots (default: prompt + N), else\n"
    "                        re-runs forward per token\n"
    "  bench [WEIGHTS] [--prompt-len N] [--decode-tokens N] [--batch B]\n"
    "          [--max-seq-len S]\n"
    "                        prefill and decode throughput and latency: a\n"
    "                        prompt of N tokens (default 128), then N decode\n"
    "                        steps (default 64), batch B (default 1); random\n"
    "                        weights (seed 0) unless WEIGHTS are given\n"
    "%s"
    "\n"
    "WEIGHTS is one of\n"
    "  --weights PATH        a safetensors file, a directory with\n"
    "                        model.safetensors, or a sharded index .json\n"
    "  --allow-extra-weights ignore checkpoint tensors the model does not use\n"
    "  --random-weights SEED deterministic random weights (docs/runtime.md)\n"
    "\n"
    "--device cpu|cuda       where forward, generate and bench run (default\n"
    "                        cpu); a model built with zen-compile\n"
    "                        --target=cuda needs --device cuda and a GPU\n"
    "\n"
    "IDS, MASK, POS: '1,2,3' (one sequence), '1,2;3,4' (sequences of equal\n"
    "length), or a .npy file of int64/int32, shape [T] or [B, T].\n";

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// --device: the model's target must match, and CUDA must be usable.
Status checkDevice(zen_model_t *model, const Options &options) {
  std::string device = options.has("device") ? options.get("device") : "cpu";
  if (device != "cpu" && device != "cuda")
    return usageError("--device must be cpu or cuda, not '" + device + "'");
  const char *target = nullptr;
  ZEN_RUN_TRY(Status(zen_model_target(model, &target)));
  if (device != target)
    return Status::error(
        device == "cuda"
            ? "--device cuda: " + options.modelPath +
                  " was compiled for the CPU (build it with zen-compile "
                  "--target=cuda)"
            : options.modelPath +
                  " was compiled for CUDA (zen-compile --target=cuda); run "
                  "it with --device cuda");
  if (device == "cuda") {
    Status cuda(zen_cuda_init());
    if (!cuda.ok())
      return Status::error("--device cuda: " + cuda.message());
  }
  return Status();
}

std::string formatBytes(uint64_t bytes) {
  const char *units[] = {"B", "KB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1000 && unit < 4) {
    value /= 1000;
    ++unit;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, unit ? "%.1f %s" : "%.0f %s", value,
                units[unit]);
  return buffer;
}

std::string metadataDType(zen_dtype_t dtype) {
  switch (dtype) {
  case ZEN_DTYPE_F32:
    return "f32";
  case ZEN_DTYPE_BF16:
    return "bf16";
  case ZEN_DTYPE_F16:
    return "f16";
  case ZEN_DTYPE_I64:
    return "i64";
  case ZEN_DTYPE_I32:
    return "i32";
  case ZEN_DTYPE_BOOL:
    return "i1";
  default:
    return "?";
  }
}

std::string formatType(zen_dtype_t dtype, int32_t rank, const int64_t *shape) {
  std::string s = metadataDType(dtype) + "[";
  for (int32_t i = 0; i < rank; ++i)
    s += (i ? ", " : "") +
         (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + "]";
}

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Prints "binding weights: 123/456 tensors, 1.2 GB of 3.4 GB" on stderr
/// about once a second once binding has taken more than a second, and the
/// final count if anything was printed.
struct BindProgress {
  Clock::time_point start = Clock::now();
  double lastPrinted = 0;
  bool printed = false;
  size_t lastDone = SIZE_MAX;

  static void callback(void *self, size_t done, size_t total,
                       uint64_t doneBytes, uint64_t totalBytes) {
    auto *p = static_cast<BindProgress *>(self);
    double elapsed = secondsSince(p->start);
    bool due = elapsed >= 1.0 && elapsed - p->lastPrinted >= 1.0;
    bool last = done == total && p->printed && done != p->lastDone;
    if (!due && !last)
      return;
    std::fprintf(stderr, "binding weights: %zu/%zu tensors, %s of %s\n", done,
                 total, formatBytes(doneBytes).c_str(),
                 formatBytes(totalBytes).c_str());
    p->lastPrinted = elapsed;
    p->lastDone = done;
    p->printed = true;
  }
};

/// Prints "generating: 120/512 tokens per sequence, 35.2 tokens/s" on stderr
/// about once a second once generation has taken more than a second.
struct StepProgress {
  const char *what;
  int64_t batch;
  Clock::time_point start = Clock::now();
  double lastPrinted = 0;

  StepProgress(const char *what, int64_t batch) : what(what), batch(batch) {}
  void operator()(uint64_t done, uint64_t total) {
    double elapsed = secondsSince(start);
    if (elapsed < 1.0 || elapsed - lastPrinted < 1.0 || done == total)
      return;
    std::fprintf(stderr,
                 "%s: %" PRIu64 "/%" PRIu64
                 " tokens per sequence, %.1f tokens/s\n",
                 what, done, total, double(done) * double(batch) / elapsed);
    lastPrinted = elapsed;
  }
};

Status bindWeights(zen_model_t *model, const Options &options,
                   bool randomByDefault = false) {
  if (randomByDefault && !options.has("weights") &&
      !options.has("random-weights")) {
    if (options.has("allow-extra-weights"))
      return usageError("--allow-extra-weights applies to --weights only");
    return Status(zen_model_bind_random(model, 0));
  }
  if (options.has("weights") == options.has("random-weights"))
    return usageError(options.command +
                      " needs exactly one of --weights PATH and "
                      "--random-weights SEED");
  if (options.has("random-weights")) {
    if (options.has("allow-extra-weights"))
      return usageError("--allow-extra-weights applies to --weights only");
    uint64_t seed = 0;
    ZEN_RUN_TRY(options.getU64("random-weights", seed));
    return Status(zen_model_bind_random(model, seed));
  }
  BindProgress progress;
  zen_bind_options_t bind = zen_bind_options_default();
  bind.allow_extra = options.has("allow-extra-weights");
  bind.progress = &BindProgress::callback;
  bind.progress_user_data = &progress;
  return Status(
      zen_model_bind_checkpoint(model, options.get("weights").c_str(), &bind));
}

//===----------------------------------------------------------------------===//
// Commands
//===----------------------------------------------------------------------===//

Status runInfo(zen_model_t *model, const Options &options) {
  zen_model_info_t info;
  ZEN_RUN_TRY(Status(zen_model_info(model, &info)));
  std::printf("model:        %s\n", *info.name ? info.name : "(unnamed)");
  std::printf("family:       %s\n", *info.family ? info.family : "(none)");
  std::printf("library:      %s (built by zen %s, runtime ABI %" PRId64 ")\n",
              info.path, info.zen_version, info.abi_version);
  std::printf("entry points: %zu\n", info.num_entry_points);
  for (size_t e = 0; e < info.num_entry_points; ++e) {
    zen_entry_point_info_t entry;
    ZEN_RUN_TRY(Status(zen_model_entry_point(model, e, &entry)));
    std::string inputs, results;
    size_t params = 0, trainables = 0, optims = 0;
    for (size_t a = 0; a < entry.num_args; ++a) {
      zen_value_info_t v;
      ZEN_RUN_TRY(Status(zen_model_entry_arg(model, e, a, &v)));
      if (v.kind == ZEN_VALUE_PARAM || v.kind == ZEN_VALUE_TRAINABLE ||
          v.kind == ZEN_VALUE_OPTIM) {
        params += v.kind == ZEN_VALUE_PARAM;
        trainables += v.kind == ZEN_VALUE_TRAINABLE;
        optims += v.kind == ZEN_VALUE_OPTIM;
        continue;
      }
      inputs += (inputs.empty() ? "" : ", ") + std::string(v.name) + ": " +
                formatType(v.dtype, v.rank, v.shape);
    }
    size_t grads = 0; // train_step's "grad:<trainable>", one per trainable
    for (size_t r = 0; r < entry.num_results; ++r) {
      zen_value_info_t v;
      ZEN_RUN_TRY(Status(zen_model_entry_result(model, e, r, &v)));
      if (std::strncmp(v.name, "grad:", 5) == 0) {
        ++grads;
        continue;
      }
      results += (results.empty() ? "" : ", ") + std::string(v.name) + ": " +
                 formatType(v.dtype, v.rank, v.shape);
    }
    if (grads)
      results += ", " + std::to_string(grads) + " x grad:<trainable>";
    std::printf("  %s(%s) -> (%s)\n    %zu parameter arguments", entry.name,
                inputs.c_str(), results.c_str(), params);
    if (trainables)
      std::printf(", %zu trainable, %zu optimizer state", trainables, optims);
    std::printf("\n");
  }
  printTrainingInfo(model);
  // Parameter dtypes, most common first.
  std::vector<std::pair<std::string, size_t>> dtypes;
  for (size_t p = 0; p < info.num_params; ++p) {
    zen_param_info_t param;
    ZEN_RUN_TRY(Status(zen_model_param(model, p, &param)));
    std::string name = metadataDType(param.dtype);
    auto it = std::find_if(dtypes.begin(), dtypes.end(),
                           [&](const auto &d) { return d.first == name; });
    if (it == dtypes.end())
      dtypes.push_back({name, 1});
    else
      ++it->second;
  }
  std::sort(dtypes.begin(), dtypes.end(), [](const auto &a, const auto &b) {
    return a.second > b.second || (a.second == b.second && a.first < b.first);
  });
  std::string dtypeList;
  for (const auto &[name, count] : dtypes)
    dtypeList += (dtypeList.empty() ? "" : ", ") + name +
                 (dtypes.size() > 1 ? " (" + std::to_string(count) + ")" : "");
  std::printf("parameters:   %zu tensors, %" PRIu64 " elements, %s, dtype %s\n",
              info.num_params, info.param_elements,
              formatBytes(info.param_bytes).c_str(),
              dtypeList.empty() ? "-" : dtypeList.c_str());
  if (options.has("params")) {
    for (size_t p = 0; p < info.num_params; ++p) {
      zen_param_info_t param;
      ZEN_RUN_TRY(Status(zen_model_param(model, p, &param)));
      std::string users;
      for (size_t i = 0; i < param.num_entry_points; ++i) {
        zen_entry_point_info_t entry;
        ZEN_RUN_TRY(Status(
            zen_model_entry_point(model, param.entry_points[i], &entry)));
        users += (i ? ", " : "") + std::string(entry.name);
      }
      std::printf("  %s %s (%s)\n", param.name,
                  formatType(param.dtype, param.rank, param.shape).c_str(),
                  users.c_str());
    }
  }
  return Status();
}

Status runForward(zen_model_t *model, const Options &options) {
  if (!options.has("input-ids"))
    return usageError("forward needs --input-ids");
  TokenBatch ids, mask, positions;
  ZEN_RUN_TRY(parseTokens(options.get("input-ids"), "--input-ids", ids));
  if (options.has("attention-mask")) {
    ZEN_RUN_TRY(
        parseTokens(options.get("attention-mask"), "--attention-mask", mask));
    ZEN_RUN_TRY(requireSameShape(ids, "--input-ids", mask, "--attention-mask"));
  }
  if (options.has("positions")) {
    ZEN_RUN_TRY(
        parseTokens(options.get("positions"), "--positions", positions));
    ZEN_RUN_TRY(requireSameShape(ids, "--input-ids", positions, "--positions"));
  }
  std::string entry = options.has("entry") ? options.get("entry") : "forward";
  ZEN_RUN_TRY(bindWeights(model, options));

  int64_t vocab = 0;
  ZEN_RUN_TRY(Status(zen_model_vocab_size(model, entry.c_str(), &vocab)));
  std::vector<float> logits(
      static_cast<size_t>(ids.batch * ids.length * vocab));
  Clock::time_point start = Clock::now();
  ZEN_RUN_TRY(Status(zen_model_forward(
      model, entry.c_str(), ids.batch, ids.length, ids.values.data(),
      mask.values.empty() ? nullptr : mask.values.data(),
      positions.values.empty() ? nullptr : positions.values.data(),
      logits.data(), logits.size(), nullptr)));
  double seconds = secondsSince(start);

  if (options.has("dump-logits")) {
    int64_t shape[3] = {ids.batch, ids.length, vocab};
    ZEN_RUN_TRY(Status(zen_npy_write(options.get("dump-logits").c_str(),
                                     ZEN_DTYPE_F32, 3, shape, logits.data())));
  }
  std::printf("logits: f32[%" PRId64 ", %" PRId64 ", %" PRId64 "] in %.3f ms\n",
              ids.batch, ids.length, vocab, seconds * 1e3);
  for (int64_t b = 0; b < ids.batch; ++b) {
    const float *row =
        logits.data() + (b * ids.length + ids.length - 1) * vocab;
    std::vector<int64_t> order(static_cast<size_t>(vocab));
    for (int64_t v = 0; v < vocab; ++v)
      order[v] = v;
    size_t k = std::min<size_t>(5, order.size());
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&](int64_t x, int64_t y) {
                        return row[x] > row[y] || (row[x] == row[y] && x < y);
                      });
    std::printf("sequence %" PRId64 ": top tokens at position %" PRId64 ":", b,
                ids.length - 1);
    for (size_t i = 0; i < k; ++i)
      std::printf(" %" PRId64 " (%.4g)", order[i], row[order[i]]);
    std::printf("\n");
  }
  return Status();
}

Status runGenerate(zen_model_t *model, const Options &options) {
  if (!options.has("prompt-ids"))
    return usageError("generate needs --prompt-ids");
  if (!options.has("max-new-tokens"))
    return usageError("generate needs --max-new-tokens");
  TokenBatch prompt, mask;
  ZEN_RUN_TRY(parseTokens(options.get("prompt-ids"), "--prompt-ids", prompt));
  if (options.has("attention-mask")) {
    ZEN_RUN_TRY(
        parseTokens(options.get("attention-mask"), "--attention-mask", mask));
    ZEN_RUN_TRY(
        requireSameShape(prompt, "--prompt-ids", mask, "--attention-mask"));
  }
  uint64_t maxNew = 0;
  ZEN_RUN_TRY(options.getU64("max-new-tokens", maxNew));
  // The last new token is sampled, never fed back: the cache needs
  // prompt + maxNew - 1 slots; the default leaves one spare.
  uint64_t needed = uint64_t(prompt.length) + (maxNew ? maxNew - 1 : 0);
  uint64_t maxSeqLen = uint64_t(prompt.length) + maxNew;
  if (options.has("max-seq-len")) {
    ZEN_RUN_TRY(options.getU64("max-seq-len", maxSeqLen));
    if (maxSeqLen < needed)
      return usageError("--max-seq-len " + std::to_string(maxSeqLen) +
                        " is too small for a prompt of " +
                        std::to_string(prompt.length) + " tokens and " +
                        std::to_string(maxNew) + " new tokens (needs " +
                        std::to_string(needed) + ")");
  }
  if (maxSeqLen > uint64_t(INT64_MAX))
    return usageError("--max-new-tokens " + std::to_string(maxNew) +
                      " is too large");
  zen_sampling_config_t sampling = zen_sampling_config_default();
  bool sampled = options.has("temperature") || options.has("top-k") ||
                 options.has("top-p");
  sampling.temperature = sampled ? 1.0f : 0.0f;
  if (options.has("temperature"))
    ZEN_RUN_TRY(options.getFloat("temperature", sampling.temperature));
  if (options.has("top-k")) {
    uint64_t k = 0;
    ZEN_RUN_TRY(options.getU64("top-k", k));
    if (k > INT32_MAX)
      return usageError("--top-k " + options.get("top-k") + " is too large");
    sampling.top_k = static_cast<int32_t>(k);
  }
  if (options.has("top-p"))
    ZEN_RUN_TRY(options.getFloat("top-p", sampling.top_p));
  if (options.has("seed"))
    ZEN_RUN_TRY(options.getU64("seed", sampling.seed));
  ZEN_RUN_TRY(Status(zen_sampling_config_validate(&sampling)));
  if (options.has("max-seq-len") && !hasPrefillDecode(model))
    return usageError("--max-seq-len sizes the KV cache of prefill/decode "
                      "entry points, which " +
                      options.modelPath + " does not have");
  ZEN_RUN_TRY(bindWeights(model, options));

  std::unique_ptr<TokenStepper> stepper;
  ZEN_RUN_TRY(makeStepper(model, prompt.batch, int64_t(maxSeqLen), stepper));
  GenerateResult result;
  StepProgress progress("generating", prompt.batch);
  ZEN_RUN_TRY(generate(*stepper, prompt, mask, maxNew, sampling, result,
                       std::ref(progress)));
  for (const std::vector<int64_t> &sequence : result.tokens) {
    std::string line;
    for (size_t i = 0; i < sequence.size(); ++i)
      line += (i ? "," : "") + std::to_string(sequence[i]);
    std::printf("%s\n", line.c_str());
  }
  uint64_t total = maxNew * static_cast<uint64_t>(prompt.batch);
  std::string detail = stepper->describe();
  if (maxNew > 0) {
    char buffer[128];
    std::snprintf(buffer, sizeof buffer, "; prompt %.3f ms, %.3f ms/step",
                  result.prefillSeconds * 1e3,
                  maxNew > 1 ? (result.seconds - result.prefillSeconds) * 1e3 /
                                   double(maxNew - 1)
                             : 0.0);
    detail += buffer;
  }
  std::fprintf(stderr,
               "generated %" PRIu64 " tokens (%" PRId64 " x %" PRIu64
               ") in %.3f ms: %.1f tokens/s [%s]\n",
               total, prompt.batch, maxNew, result.seconds * 1e3,
               result.seconds > 0 ? double(total) / result.seconds : 0.0,
               detail.c_str());
  return Status();
}

Status runBench(zen_model_t *model, const Options &options) {
  uint64_t promptLen = 128, decodeTokens = 64, batch = 1;
  if (options.has("prompt-len"))
    ZEN_RUN_TRY(options.getU64("prompt-len", promptLen));
  if (options.has("decode-tokens"))
    ZEN_RUN_TRY(options.getU64("decode-tokens", decodeTokens));
  if (options.has("batch"))
    ZEN_RUN_TRY(options.getU64("batch", batch));
  if (promptLen < 1 || batch < 1)
    return usageError("--prompt-len and --batch must be at least 1");
  const uint64_t kLimit = uint64_t(1) << 40;
  if (promptLen > kLimit || decodeTokens > kLimit || batch > kLimit)
    return usageError("--prompt-len, --decode-tokens and --batch must be at "
                      "most 2^40");
  uint64_t maxSeqLen = promptLen + decodeTokens;
  if (options.has("max-seq-len")) {
    ZEN_RUN_TRY(options.getU64("max-seq-len", maxSeqLen));
    if (maxSeqLen < promptLen + decodeTokens || maxSeqLen > kLimit)
      return usageError("--max-seq-len " + std::to_string(maxSeqLen) +
                        " does not fit --prompt-len " +
                        std::to_string(promptLen) + " + --decode-tokens " +
                        std::to_string(decodeTokens));
  }
  if (!hasPrefillDecode(model))
    return Status::error(
        "bench measures the prefill and decode entry points, which " +
        options.modelPath +
        " does not have (it runs forward only; time that with 'forward')");
  ZEN_RUN_TRY(bindWeights(model, options, /*randomByDefault=*/true));

  const int64_t B = int64_t(batch), T = int64_t(promptLen);
  zen_session_t *raw = nullptr;
  ZEN_RUN_TRY(Status(zen_session_create(model, B, int64_t(maxSeqLen), &raw)));
  std::unique_ptr<zen_session_t, void (*)(zen_session_t *)> session(
      raw, zen_session_free);
  zen_session_info_t info;
  ZEN_RUN_TRY(Status(zen_session_info(session.get(), &info)));
  const int64_t V = info.vocab_size;

  // A random prompt; decode then feeds back the greedy token, as generation
  // does.
  zen_rng_t rng;
  ZEN_RUN_TRY(Status(zen_rng_seed(&rng, 0)));
  std::vector<int64_t> prompt(static_cast<size_t>(B * T));
  for (int64_t &id : prompt) {
    uint64_t r = 0;
    ZEN_RUN_TRY(Status(zen_rng_next_u64(&rng, &r)));
    id = static_cast<int64_t>(r % uint64_t(V));
  }
  std::vector<float> logits(static_cast<size_t>(B * V));
  std::vector<int64_t> next(static_cast<size_t>(B));
  auto argmax = [&] {
    for (int64_t b = 0; b < B; ++b) {
      const float *row = logits.data() + b * V;
      next[b] = std::max_element(row, row + V) - row;
    }
  };

  // Warm up (first-touch page faults, the allocator) with a short prefill
  // and one decode step, then start over.
  int64_t warm = std::min<int64_t>(T, 8);
  std::vector<int64_t> warmIds(static_cast<size_t>(B * warm));
  for (int64_t b = 0; b < B; ++b)
    std::copy_n(prompt.begin() + b * T, warm, warmIds.begin() + b * warm);
  ZEN_RUN_TRY(Status(zen_session_prefill(session.get(), warm, warmIds.data(),
                                         nullptr, logits.data())));
  if (decodeTokens > 0) {
    argmax();
    ZEN_RUN_TRY(
        Status(zen_session_decode(session.get(), next.data(), logits.data())));
  }
  ZEN_RUN_TRY(Status(zen_session_reset(session.get())));

  Clock::time_point start = Clock::now();
  ZEN_RUN_TRY(Status(zen_session_prefill(session.get(), T, prompt.data(),
                                         nullptr, logits.data())));
  double prefillSeconds = secondsSince(start);
  StepProgress progress("decoding", B);
  start = Clock::now();
  for (uint64_t step = 0; step < decodeTokens; ++step) {
    argmax();
    ZEN_RUN_TRY(
        Status(zen_session_decode(session.get(), next.data(), logits.data())));
    progress(step + 1, decodeTokens);
  }
  double decodeSeconds = secondsSince(start);

  zen_model_info_t modelInfo;
  ZEN_RUN_TRY(Status(zen_model_info(model, &modelInfo)));
  std::string weights =
      options.has("weights")
          ? options.get("weights")
          : "random weights, seed " + (options.has("random-weights")
                                           ? options.get("random-weights")
                                           : std::string("0"));
  std::printf(
      "model:   %s (%s), %s\n", *modelInfo.name ? modelInfo.name : "(unnamed)",
      *modelInfo.family ? modelInfo.family : "no family", weights.c_str());
  std::printf("session: batch %" PRId64 ", max_seq_len %" PRIu64
              ", caches %s\n",
              B, maxSeqLen, formatBytes(info.cache_bytes).c_str());
  double prefillTokens = double(B) * double(T);
  std::printf("prefill: %" PRId64 " x %" PRId64
              " tokens in %.3f ms: %.1f tokens/s, %.4f ms/token\n",
              B, T, prefillSeconds * 1e3, prefillTokens / prefillSeconds,
              prefillSeconds * 1e3 / prefillTokens);
  if (decodeTokens == 0) {
    std::printf("decode:  no steps (--decode-tokens 0)\n");
    return Status();
  }
  double decodeTotal = double(B) * double(decodeTokens);
  std::printf("decode:  %" PRId64 " x %" PRIu64
              " tokens in %.3f ms: %.1f tokens/s, %.4f ms/step (one token "
              "per sequence)\n",
              B, decodeTokens, decodeSeconds * 1e3, decodeTotal / decodeSeconds,
              decodeSeconds * 1e3 / double(decodeTokens));
  return Status();
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  Status status = parseOptions(argc, argv, options);
  if (status.ok() && options.help) {
    std::printf(kUsage, kTrainUsage);
    return 0;
  }
  if (status.ok() && options.version) {
    std::printf("zen-run (libzenrt %s, model ABI %d)\n", zen_runtime_version(),
                ZEN_MODEL_ABI_VERSION);
    return 0;
  }
  zen_model_t *model = nullptr;
  if (status.ok())
    status = Status(zen_model_open(options.modelPath.c_str(), &model));
  if (status.ok() && options.command != "info")
    status = checkDevice(model, options);
  if (status.ok()) {
    if (options.command == "info")
      status = runInfo(model, options);
    else if (options.command == "forward")
      status = runForward(model, options);
    else if (options.command == "generate")
      status = runGenerate(model, options);
    else if (options.command == "bench")
      status = runBench(model, options);
    else if (options.command == "train-step" || options.command == "gspo") {
      BindFn bind = [&] { return bindWeights(model, options); };
      status = options.command == "gspo" ? runGspo(model, options, bind)
                                         : runTrainStep(model, options, bind);
    }
  }
  zen_model_close(model);
  if (!status.ok()) {
    std::fprintf(stderr, "zen-run: error: %s\n", status.message().c_str());
    if (status.isUsage())
      std::fprintf(stderr, "(run 'zen-run --help' for usage)\n");
    return 1;
  }
  return 0;
}

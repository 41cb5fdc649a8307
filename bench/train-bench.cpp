//===- train-bench.cpp - memory and time of one compiled train step -------===//
//
// The selective log-prob of a GSPO step needs log p(y_t) of the completion
// tokens only, yet an unfused implementation builds the whole [tokens × V]
// logits (and their gradient) to get them: with Qwen3's V = 151936 and
// 8 × 512 tokens that is 2.5 GB per f32 copy. Zen's zen.token_logprobs
// streams the LM head over vocabulary tiles instead; `zen-compile --train
// --materialize-logits` builds the unfused baseline (the same math on one
// tile of all V rows). This benchmark runs the compiled `train_step` of
// each given model library and reports, per library:
//
//   the peak resident memory (RSS) during the step, the RSS before it
//   (weights, LoRA adapters and optimizer state, batch), the step's own
//   peak on top of that, and the wall time of the step;
//
// plus the loss and gradient norm, which must agree between the variants
// (same random weights, adapters and batch: the same numbers).
//
// Each library runs in a child process of its own, so one peak does not
// hide another (VmHWM of /proc/self/status, reset with clear_refs before
// the step; getrusage's ru_maxrss where that is not possible). Weights are
// random (seed 0), LoRA adapters from seed 0, and the batch is N sequences
// of T tokens: a prompt of T/2 random ids, then T/2 completion tokens, with
// rewards that differ within each group (nonzero advantages).
//
//   zen-train-bench MODEL.so... [--sequences N] [--seq-len T] [--steps S]
//
// --steps S runs S steps and reports the fastest (the first also pays the
// page faults of its buffers); the peak covers all of them.
//
//===----------------------------------------------------------------------===//

#include "StreamProbe.h"

#include "zen/runtime.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using zen::bench::now;

bool check(zen_status_t status, const char *what) {
  if (!status)
    return true;
  std::fprintf(stderr, "zen-train-bench: %s: %s\n", what,
               zen_status_message(status));
  zen_status_free(status);
  return false;
}

/// A field of /proc/self/status in bytes (VmRSS, VmHWM), or -1.
double procStatusBytes(const char *field) {
  FILE *f = std::fopen("/proc/self/status", "r");
  if (!f)
    return -1;
  char line[256];
  double bytes = -1;
  size_t len = std::strlen(field);
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, field, len) == 0 && line[len] == ':') {
      bytes = std::atof(line + len + 1) * 1024.0; // "  1234 kB"
      break;
    }
  }
  std::fclose(f);
  return bytes;
}

/// Resets VmHWM to the current RSS (Linux ≥ 4.0); false if not possible.
bool resetPeakRSS() {
  FILE *f = std::fopen("/proc/self/clear_refs", "w");
  if (!f)
    return false;
  bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

/// What a child reports back through its pipe.
struct Measurement {
  int ok = 0;
  int materialized = 0;
  double rssBefore = 0, peak = 0, stepSeconds = 0;
  float loss = 0, gradNorm = 0;
  int64_t tokens = 0, vocab = 0, trainables = 0;
  char name[64] = {};
};

/// The batch: N sequences of T tokens, a prompt of T/2 random ids and a
/// completion of the rest; rewards vary within each group of G.
struct Batch {
  std::vector<int64_t> ids;
  std::vector<float> completionMask, rewards;
  zen_train_batch_t view{};
};

Batch makeBatch(int64_t n, int64_t t, int64_t vocab, int64_t groupSize) {
  Batch b;
  b.ids.resize(n * t);
  b.completionMask.assign(n * t, 0.0f);
  b.rewards.resize(n);
  uint64_t state = 2024;
  for (int64_t &id : b.ids) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    id = int64_t((state >> 33) % uint64_t(vocab));
  }
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = t / 2; j < t; ++j)
      b.completionMask[i * t + j] = 1.0f;
    b.rewards[i] = float(i % std::max<int64_t>(groupSize, 1)) /
                   float(std::max<int64_t>(groupSize, 1));
  }
  b.view.num_sequences = n;
  b.view.seq_len = t;
  b.view.input_ids = b.ids.data();
  b.view.completion_mask = b.completionMask.data();
  b.view.rewards = b.rewards.data();
  return b;
}

/// In the child: one library, `steps` train steps.
Measurement measure(const char *path, int64_t n, int64_t t, int steps) {
  Measurement m;
  zen_model_t *model = nullptr;
  if (!check(zen_model_open(path, &model), path))
    return m;
  zen_model_info_t info;
  zen_training_info_t training;
  zen_trainer_t *trainer = nullptr;
  int64_t vocab = 0;
  if (!check(zen_model_info(model, &info), "model info") ||
      !check(zen_model_training_info(model, &training), path) ||
      !check(zen_model_vocab_size(model, nullptr, &vocab),
             "vocabulary size") ||
      !check(zen_model_bind_random(model, 0), "random weights")) {
    zen_model_close(model);
    return m;
  }
  m.materialized = training.materialize_logits != 0;
  std::snprintf(m.name, sizeof m.name, "%s", info.name);
  zen_trainer_options_t options = zen_trainer_options_default();
  if (!check(zen_trainer_create(model, &options, &trainer), "trainer")) {
    zen_model_close(model);
    return m;
  }
  size_t trainables = 0;
  zen_trainer_num_tensors(trainer, &trainables);
  Batch batch = makeBatch(n, t, vocab, training.group_size);
  if (!check(zen_model_check_train_batch(model, &batch.view, "batch"),
             "batch")) {
    zen_trainer_free(trainer);
    zen_model_close(model);
    return m;
  }
  m.rssBefore = procStatusBytes("VmRSS");
  bool resettable = resetPeakRSS();
  double best = INFINITY;
  zen_train_step_result_t result{};
  for (int s = 0; s < steps; ++s) {
    double start = now();
    if (!check(zen_trainer_step(trainer, &batch.view, 0.0f, &result),
               "train step")) {
      zen_trainer_free(trainer);
      zen_model_close(model);
      return m;
    }
    best = std::min(best, now() - start);
    if (s == 0) {
      m.loss = result.loss;
      m.gradNorm = result.grad_norm;
    }
  }
  if (resettable) {
    m.peak = procStatusBytes("VmHWM");
  } else {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    m.peak = double(usage.ru_maxrss) * 1024.0;
  }
  m.stepSeconds = best;
  m.tokens = n * (t - 1);
  m.vocab = vocab;
  m.trainables = int64_t(trainables);
  m.ok = 1;
  zen_trainer_free(trainer);
  zen_model_close(model);
  return m;
}

/// Runs `measure` in a child process and reads its result.
Measurement measureInChild(const char *path, int64_t n, int64_t t,
                           int steps) {
  Measurement m;
  int fds[2];
  if (pipe(fds) != 0) {
    std::perror("zen-train-bench: pipe");
    return m;
  }
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("zen-train-bench: fork");
    return m;
  }
  if (pid == 0) {
    close(fds[0]);
    Measurement mine = measure(path, n, t, steps);
    ssize_t written = write(fds[1], &mine, sizeof mine);
    _exit(written == ssize_t(sizeof mine) && mine.ok ? 0 : 1);
  }
  close(fds[1]);
  ssize_t got = read(fds[0], &m, sizeof m);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (got != ssize_t(sizeof m) || !WIFEXITED(status)) {
    std::fprintf(stderr, "zen-train-bench: %s: the child %s\n", path,
                 WIFSIGNALED(status) ? strsignal(WTERMSIG(status))
                                     : "reported nothing");
    m = Measurement();
  }
  return m;
}

double gb(double bytes) { return bytes / 1e9; }

int usage() {
  std::fprintf(stderr, "usage: zen-train-bench MODEL.so... [--sequences N] "
                       "[--seq-len T] [--steps S]\n");
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> models;
  int64_t sequences = 8, seqLen = 512;
  int steps = 1;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto number = [&](int64_t low) -> int64_t {
      char *end = nullptr;
      long long v = std::strtoll(argv[++i], &end, 10);
      return (*end || v < low) ? -1 : v;
    };
    if (arg == "--sequences" && i + 1 < argc)
      sequences = number(1);
    else if (arg == "--seq-len" && i + 1 < argc)
      seqLen = number(4);
    else if (arg == "--steps" && i + 1 < argc)
      steps = int(number(1));
    else if (arg.size() > 1 && arg[0] == '-')
      return usage();
    else
      models.push_back(arg);
    if (sequences < 0 || seqLen < 0 || steps < 0) {
      std::fprintf(stderr, "zen-train-bench: %s expects an integer >= %d\n",
                   arg.c_str(), arg == "--seq-len" ? 4 : 1);
      return 2;
    }
  }
  if (models.empty())
    return usage();
  std::printf("one GSPO train step: %lld sequences x %lld tokens (prompt %lld, "
              "completion %lld), random weights, LoRA from seed 0;\n"
              "peak = VmHWM during the step, before = RSS before it, "
              "time = fastest of %d step(s)\n\n",
              (long long)sequences, (long long)seqLen, (long long)seqLen / 2,
              (long long)(seqLen - seqLen / 2), steps);
  std::printf("%-16s %-12s %10s %10s %10s %10s %12s %12s\n", "model",
              "log-prob", "before GB", "peak GB", "step GB", "time s", "loss",
              "grad norm");
  int failures = 0;
  std::vector<Measurement> results;
  for (const std::string &path : models) {
    Measurement m = measureInChild(path.c_str(), sequences, seqLen, steps);
    if (!m.ok) {
      ++failures;
      continue;
    }
    results.push_back(m);
    std::printf("%-16s %-12s %10.2f %10.2f %10.2f %10.1f %12.6g %12.6g\n",
                m.name, m.materialized ? "materialized" : "fused",
                gb(m.rssBefore), gb(m.peak), gb(m.peak - m.rssBefore),
                m.stepSeconds, double(m.loss), double(m.gradNorm));
    std::fflush(stdout);
  }
  if (!results.empty()) {
    const Measurement &m = results.front();
    std::printf("\n[tokens x V] in f32: %lld x %lld x 4 B = %.2f GB per copy\n",
                (long long)m.tokens, (long long)m.vocab,
                gb(double(m.tokens) * double(m.vocab) * 4.0));
  }
  // The variants compute the same step: their numbers must agree.
  for (size_t i = 1; i < results.size(); ++i) {
    const Measurement &a = results.front(), &b = results[i];
    // On-policy, the GSPO loss is −mean(A) ≈ 0: compare it absolutely.
    double dl = std::fabs(double(a.loss) - double(b.loss));
    double dg = std::fabs(double(a.gradNorm) - double(b.gradNorm)) /
                std::max(1e-30, std::fabs(double(a.gradNorm)));
    std::printf("%s vs %s: loss differs by %.1e, grad norm by %.1e "
                "(relative)\n",
                results.front().materialized ? "materialized" : "fused",
                b.materialized ? "materialized" : "fused", dl, dg);
  }
  return failures ? 1 : 0;
}

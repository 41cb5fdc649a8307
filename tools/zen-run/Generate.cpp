//===- Generate.cpp - Token generation for zen-run ------------------------===//

#include "Generate.h"

#include <algorithm>
#include <chrono>

namespace zen::run {

namespace {

/// Runs prefill/decode through a libzenrt decoding session.
class SessionStepper : public TokenStepper {
public:
  SessionStepper(zen_session_t *session, int64_t vocab, int64_t maxSeqLen)
      : session_(session), vocab_(vocab), maxSeqLen_(maxSeqLen) {}
  ~SessionStepper() override { zen_session_free(session_); }

  std::string describe() const override {
    return "prefill + decode, max_seq_len " + std::to_string(maxSeqLen_);
  }
  int64_t vocabSize() const override { return vocab_; }

  Status prefill(const TokenBatch &prompt, const TokenBatch &mask,
                 std::vector<float> &logits) override {
    logits.resize(static_cast<size_t>(prompt.batch * vocab_));
    return Status(zen_session_prefill(
        session_, prompt.length, prompt.values.data(),
        mask.values.empty() ? nullptr : mask.values.data(), logits.data()));
  }

  Status decode(const std::vector<int64_t> &tokens,
                std::vector<float> &logits) override {
    logits.resize(tokens.size() * static_cast<size_t>(vocab_));
    return Status(zen_session_decode(session_, tokens.data(), logits.data()));
  }

private:
  zen_session_t *session_;
  int64_t vocab_, maxSeqLen_;
};

/// Re-runs "forward" on the whole sequences for every new token.
class RecomputeStepper : public TokenStepper {
public:
  RecomputeStepper(zen_model_t *model, int64_t vocab)
      : model_(model), vocab_(vocab) {}

  std::string describe() const override {
    return "forward re-run on the whole sequence per token; no prefill/decode "
           "entry points";
  }
  int64_t vocabSize() const override { return vocab_; }

  Status prefill(const TokenBatch &prompt, const TokenBatch &mask,
                 std::vector<float> &logits) override {
    sequences_ = prompt;
    mask_ = mask;
    return run(logits);
  }

  Status decode(const std::vector<int64_t> &tokens,
                std::vector<float> &logits) override {
    // Insert one column: [B, T] -> [B, T + 1] (a real token in the mask).
    int64_t B = sequences_.batch, T = sequences_.length;
    auto grow = [&](TokenBatch &batch, auto value) {
      std::vector<int64_t> grown;
      grown.reserve(static_cast<size_t>(B * (T + 1)));
      for (int64_t b = 0; b < B; ++b) {
        grown.insert(grown.end(), batch.values.begin() + b * T,
                     batch.values.begin() + (b + 1) * T);
        grown.push_back(value(b));
      }
      batch.values = std::move(grown);
      batch.length = T + 1;
    };
    grow(sequences_, [&](int64_t b) { return tokens[static_cast<size_t>(b)]; });
    if (!mask_.values.empty())
      grow(mask_, [](int64_t) { return int64_t(1); });
    return run(logits);
  }

private:
  Status run(std::vector<float> &next) {
    int64_t B = sequences_.batch, T = sequences_.length;
    all_.resize(static_cast<size_t>(B * T * vocab_));
    ZEN_RUN_TRY(Status(
        zen_model_forward(model_, "forward", B, T, sequences_.values.data(),
                          mask_.values.empty() ? nullptr : mask_.values.data(),
                          nullptr, all_.data(), all_.size(), nullptr)));
    next.resize(static_cast<size_t>(B * vocab_));
    for (int64_t b = 0; b < B; ++b)
      std::copy_n(all_.begin() + (b * T + T - 1) * vocab_, vocab_,
                  next.begin() + b * vocab_);
    return Status();
  }

  zen_model_t *model_;
  int64_t vocab_;
  TokenBatch sequences_, mask_;
  std::vector<float> all_;
};

} // namespace

bool hasPrefillDecode(zen_model_t *model) {
  size_t index = 0;
  for (const char *name : {"prefill", "decode"}) {
    zen_status_t s = zen_model_find_entry_point(model, name, &index);
    if (s) {
      zen_status_free(s);
      return false;
    }
  }
  return true;
}

Status makeStepper(zen_model_t *model, int64_t batch, int64_t maxSeqLen,
                   std::unique_ptr<TokenStepper> &out) {
  if (hasPrefillDecode(model)) {
    zen_session_t *session = nullptr;
    ZEN_RUN_TRY(Status(zen_session_create(model, batch, maxSeqLen, &session)));
    zen_session_info_t info;
    Status s(zen_session_info(session, &info));
    if (!s.ok()) {
      zen_session_free(session);
      return s;
    }
    out = std::make_unique<SessionStepper>(session, info.vocab_size, maxSeqLen);
    return Status();
  }
  int64_t vocab = 0;
  ZEN_RUN_TRY(Status(zen_model_vocab_size(model, "forward", &vocab)));
  out = std::make_unique<RecomputeStepper>(model, vocab);
  return Status();
}

Status generate(TokenStepper &stepper, const TokenBatch &prompt,
                const TokenBatch &mask, uint64_t maxNew,
                const zen_sampling_config_t &sampling, GenerateResult &out,
                const GenerateProgress &progress) {
  out.tokens.assign(static_cast<size_t>(prompt.batch), {});
  if (maxNew == 0)
    return Status();
  zen_rng_t rng;
  ZEN_RUN_TRY(Status(zen_rng_seed(&rng, sampling.seed)));
  int64_t V = stepper.vocabSize();
  std::vector<float> logits;
  std::vector<int64_t> next(static_cast<size_t>(prompt.batch));
  using Clock = std::chrono::steady_clock;
  auto seconds = [](Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  auto start = Clock::now();
  ZEN_RUN_TRY(stepper.prefill(prompt, mask, logits));
  out.prefillSeconds = seconds(start);
  for (uint64_t step = 0;; ++step) {
    for (int64_t b = 0; b < prompt.batch; ++b) {
      ZEN_RUN_TRY(
          Status(zen_sample(logits.data() + b * V, static_cast<size_t>(V),
                            &sampling, &rng, &next[b])));
      out.tokens[b].push_back(next[b]);
    }
    if (progress)
      progress(step + 1, maxNew);
    if (step + 1 == maxNew)
      break;
    ZEN_RUN_TRY(stepper.decode(next, logits));
  }
  out.seconds = seconds(start);
  return Status();
}

} // namespace zen::run

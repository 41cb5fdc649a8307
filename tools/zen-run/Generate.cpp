//===- Generate.cpp - Token generation for zen-run ------------------------===//

#include "Generate.h"

#include <algorithm>
#include <chrono>

namespace zen::run {

namespace {

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

  Status prefill(const TokenBatch &prompt,
                 std::vector<float> &logits) override {
    sequences_ = prompt;
    return run(logits);
  }

  Status decode(const std::vector<int64_t> &tokens,
                std::vector<float> &logits) override {
    // Insert one column: [B, T] -> [B, T + 1].
    int64_t B = sequences_.batch, T = sequences_.length;
    std::vector<int64_t> grown;
    grown.reserve(static_cast<size_t>(B * (T + 1)));
    for (int64_t b = 0; b < B; ++b) {
      grown.insert(grown.end(), sequences_.values.begin() + b * T,
                   sequences_.values.begin() + (b + 1) * T);
      grown.push_back(tokens[static_cast<size_t>(b)]);
    }
    sequences_.values = std::move(grown);
    sequences_.length = T + 1;
    return run(logits);
  }

private:
  Status run(std::vector<float> &next) {
    int64_t B = sequences_.batch, T = sequences_.length;
    all_.resize(static_cast<size_t>(B * T * vocab_));
    ZEN_RUN_TRY(Status(zen_model_forward(
        model_, "forward", B, T, sequences_.values.data(), nullptr, nullptr,
        all_.data(), all_.size(), nullptr)));
    next.resize(static_cast<size_t>(B * vocab_));
    for (int64_t b = 0; b < B; ++b)
      std::copy_n(all_.begin() + (b * T + T - 1) * vocab_, vocab_,
                  next.begin() + b * vocab_);
    return Status();
  }

  zen_model_t *model_;
  int64_t vocab_;
  TokenBatch sequences_;
  std::vector<float> all_;
};

} // namespace

Status makeStepper(zen_model_t *model, std::unique_ptr<TokenStepper> &out) {
  // A prefill/decode stepper will be chosen here when the model has those
  // entry points.
  int64_t vocab = 0;
  ZEN_RUN_TRY(Status(zen_model_vocab_size(model, "forward", &vocab)));
  out = std::make_unique<RecomputeStepper>(model, vocab);
  return Status();
}

Status generate(TokenStepper &stepper, const TokenBatch &prompt,
                uint64_t maxNew, const zen_sampling_config_t &sampling,
                GenerateResult &out) {
  out.tokens.assign(static_cast<size_t>(prompt.batch), {});
  if (maxNew == 0)
    return Status();
  zen_rng_t rng;
  ZEN_RUN_TRY(Status(zen_rng_seed(&rng, sampling.seed)));
  int64_t V = stepper.vocabSize();
  std::vector<float> logits;
  std::vector<int64_t> next(static_cast<size_t>(prompt.batch));
  auto start = std::chrono::steady_clock::now();
  ZEN_RUN_TRY(stepper.prefill(prompt, logits));
  for (uint64_t step = 0;; ++step) {
    for (int64_t b = 0; b < prompt.batch; ++b) {
      ZEN_RUN_TRY(
          Status(zen_sample(logits.data() + b * V, static_cast<size_t>(V),
                            &sampling, &rng, &next[b])));
      out.tokens[b].push_back(next[b]);
    }
    if (step + 1 == maxNew)
      break;
    ZEN_RUN_TRY(stepper.decode(next, logits));
  }
  out.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return Status();
}

} // namespace zen::run

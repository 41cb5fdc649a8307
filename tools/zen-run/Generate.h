//===- Generate.h - Token generation for zen-run -----------------*- C++
//-*-===//
//
// Generation is split into a TokenStepper, which turns tokens into the next
// token's logits, and the sampling loop. A model with prefill and decode
// entry points runs through a libzenrt decoding session (zen_session_*: KV
// caches and Gated-DeltaNet states updated in place); a model with only
// "forward" falls back to re-running the whole forward pass on the growing
// sequences (quadratic, but it needs nothing else).
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_TOOLS_ZEN_RUN_GENERATE_H
#define ZEN_TOOLS_ZEN_RUN_GENERATE_H

#include "Options.h"

#include <functional>
#include <memory>

namespace zen::run {

class TokenStepper {
public:
  virtual ~TokenStepper() = default;
  /// How the logits are produced, for the statistics line.
  virtual std::string describe() const = 0;
  virtual int64_t vocabSize() const = 0;
  /// Consumes the prompts (`mask`: 0/1 of the prompt's shape, or empty for
  /// all ones); writes the next-token logits [batch, V].
  virtual Status prefill(const TokenBatch &prompt, const TokenBatch &mask,
                         std::vector<float> &logits) = 0;
  /// Appends one token per sequence; writes the next-token logits [batch, V].
  virtual Status decode(const std::vector<int64_t> &tokens,
                        std::vector<float> &logits) = 0;
};

/// True when the model has prefill and decode entry points.
bool hasPrefillDecode(zen_model_t *model);

/// The best stepper the model supports for `batch` sequences of up to
/// `maxSeqLen` tokens: a decoding session over prefill/decode, else forward
/// re-runs (which ignore maxSeqLen).
Status makeStepper(zen_model_t *model, int64_t batch, int64_t maxSeqLen,
                   std::unique_ptr<TokenStepper> &out);

struct GenerateResult {
  std::vector<std::vector<int64_t>> tokens; // [batch][maxNew]: the new tokens
  double seconds = 0;                       // prefill + decode
  double prefillSeconds = 0;                // the prompt's step alone
};

/// Called after each step with the new tokens per sequence so far.
using GenerateProgress = std::function<void(uint64_t done, uint64_t total)>;

/// Samples `maxNew` tokens per sequence with one RNG seeded from
/// `sampling.seed`, drawing for sequence 0, 1, ... at each step.
Status generate(TokenStepper &stepper, const TokenBatch &prompt,
                const TokenBatch &mask, uint64_t maxNew,
                const zen_sampling_config_t &sampling, GenerateResult &out,
                const GenerateProgress &progress = nullptr);

} // namespace zen::run

#endif // ZEN_TOOLS_ZEN_RUN_GENERATE_H

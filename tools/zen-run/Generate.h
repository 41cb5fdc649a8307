//===- Generate.h - Token generation for zen-run -----------------*- C++
//-*-===//
//
// Generation is split into a TokenStepper, which turns tokens into the next
// token's logits, and the sampling loop. Today the only stepper re-runs the
// whole forward pass on the growing sequences (quadratic, but it needs
// nothing beyond a "forward" entry point); a stepper over prefill/decode
// entry points with a KV cache plugs in through makeStepper() without
// touching the loop.
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_TOOLS_ZEN_RUN_GENERATE_H
#define ZEN_TOOLS_ZEN_RUN_GENERATE_H

#include "Options.h"

#include <memory>

namespace zen::run {

class TokenStepper {
public:
  virtual ~TokenStepper() = default;
  /// How the logits are produced, for the statistics line.
  virtual std::string describe() const = 0;
  virtual int64_t vocabSize() const = 0;
  /// Consumes the prompts; writes the next-token logits [batch, V].
  virtual Status prefill(const TokenBatch &prompt,
                         std::vector<float> &logits) = 0;
  /// Appends one token per sequence; writes the next-token logits [batch, V].
  virtual Status decode(const std::vector<int64_t> &tokens,
                        std::vector<float> &logits) = 0;
};

/// The best stepper the model supports.
Status makeStepper(zen_model_t *model, std::unique_ptr<TokenStepper> &out);

struct GenerateResult {
  std::vector<std::vector<int64_t>> tokens; // [batch][maxNew]: the new tokens
  double seconds = 0;                       // prefill + decode
};

/// Samples `maxNew` tokens per sequence with one RNG seeded from
/// `sampling.seed`, drawing for sequence 0, 1, ... at each step.
Status generate(TokenStepper &stepper, const TokenBatch &prompt,
                uint64_t maxNew, const zen_sampling_config_t &sampling,
                GenerateResult &out);

} // namespace zen::run

#endif // ZEN_TOOLS_ZEN_RUN_GENERATE_H

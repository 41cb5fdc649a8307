//===- ToyTask.h - A verifiable toy task and the GSPO loop -------*- C++
//-*-===//
//
// The built-in task zen-run's `gspo` command trains on (docs/runtime.md,
// "Training"): prompts of a few random token ids; a completion earns the
// fraction of its L tokens that equal a target token (default 7). A tiny
// random model starts near 1/V and learns to emit the target, which makes
// the reward rise within a few hundred steps.
//
// One GSPO step: sample G = group_size completions per prompt with the
// model's current policy (prefill/decode through a Session, or forward),
// score them, build the batch, and run train_step on-policy (ratio 1 with
// gradient, no old_logprobs).
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_RUNTIME_TRAIN_TOYTASK_H
#define ZEN_RUNTIME_TRAIN_TOYTASK_H

#include "Trainer.h"

namespace zen::rt {

/// The reward of one completion of up to `length` tokens: the number of
/// tokens equal to `target` among those before and including the first
/// `eos` (or all of them when eos < 0), divided by `length`.
float toyReward(const int64_t *completion, int64_t length, int64_t target,
                int64_t eos);

/// Builds a training batch from P prompts of equal length Tp ([P, Tp]
/// row-major) and N = P x G completions of L tokens ([N, L]; completion i
/// belongs to prompt i / G): input_ids = prompt then completion,
/// completion_mask 1 on the completion up to and including the first `eos`
/// (all L tokens when eos < 0), and after it attention_mask 0 and input_ids
/// `eos` (padding).
zen_status_t buildGroupBatch(const std::vector<int64_t> &prompts, int64_t P,
                             int64_t Tp,
                             const std::vector<int64_t> &completions, int64_t G,
                             int64_t L, const std::vector<float> &rewards,
                             int64_t eos, TrainBatch &out);

struct ToyTaskConfig {
  int64_t numPrompts = 8;
  int64_t promptLen = 4;
  int64_t completionLen = 16;
  int64_t target = 7;
  int64_t eos = -1;
  float learningRate = 0; // <= 0: the model's
  uint64_t seed = 0;      // of the trainer's task stream, on first use
};

struct ToyStepResult {
  float meanReward = 0;
  StepResult train;
};

/// One sample-score-train step of the toy task.
zen_status_t toyTaskStep(Trainer &trainer, const ToyTaskConfig &config,
                         zen_rng_t &rng, ToyStepResult &out);

} // namespace zen::rt

#endif // ZEN_RUNTIME_TRAIN_TOYTASK_H

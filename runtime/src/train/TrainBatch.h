//===- TrainBatch.h - Training batches: read, validate, build ---*- C++ -*-===//
//
// A training batch (docs/runtime.md, "Training"): N = P x G sequences of T
// tokens, prompt then completion, with the completion mask, one reward per
// sequence and optional old/reference log-probs. batch.safetensors files are
// untrusted input: every tensor is checked (presence, rank, dtype, shape,
// values) with messages naming it, and masks stored as BOOL, U8, I32, I64
// or F32 are converted to what train_step takes.
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_RUNTIME_TRAIN_TRAINBATCH_H
#define ZEN_RUNTIME_TRAIN_TRAINBATCH_H

#include "../core/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace zen::rt {

struct TrainBatch {
  int64_t n = 0, t = 0;
  std::vector<int64_t> inputIds;      // [n, t]
  std::vector<int64_t> attentionMask; // [n, t] of 0/1, or empty: all ones
  std::vector<float> completionMask;  // [n, t] of 0/1
  std::vector<float> rewards;         // [n]
  std::vector<float> oldLogprobs;     // [n, t], or empty: on-policy
  std::vector<float> refLogprobs;     // [n, t], or empty
};

/// What the model allows; 0 means "no limit".
struct BatchLimits {
  int64_t groupSize = 1;
  int64_t vocab = 0;
  int64_t maxSeqLen = 0;
  bool needsRef = false; // beta != 0: ref_logprobs are required
  double beta = 0;
};

/// Reads and checks batch.safetensors (everything that does not depend on
/// the model). Messages start with `path` and name the tensor.
zen_status_t readTrainBatch(const std::string &path, TrainBatch &out);

/// Writes `batch` in the layout readTrainBatch reads (masks as I64 / F32),
/// atomically.
zen_status_t writeTrainBatch(const std::string &path, const TrainBatch &batch);

/// Checks `batch` against itself and the model: sizes, 0/1 masks, N a
/// multiple of the group size, a completion in every row and never at
/// position 0, completion tokens not masked out, ids in the vocabulary,
/// finite rewards, T within the compiled limit, ref_logprobs when beta != 0.
/// `label` prefixes the messages (the file, or the calling function).
zen_status_t validateTrainBatch(const TrainBatch &batch,
                                const BatchLimits &limits,
                                const std::string &label);

/// positions = cumsum(attention_mask, -1) - 1 clamped at 0 (transformers'
/// generate), [n, t].
std::vector<int64_t> batchPositions(const TrainBatch &batch);

} // namespace zen::rt

#endif // ZEN_RUNTIME_TRAIN_TRAINBATCH_H

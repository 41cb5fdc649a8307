//===- Session.h - Decoding sessions over prefill/decode --------*- C++ -*-===//
//
// A Session is what zen_session_create() returns: the caches a model's
// `prefill` and `decode` entry points take (allocated once, zero-filled, and
// passed to every call, which updates them in place), and the per-sequence
// bookkeeping around them (docs/runtime-abi.md):
//   - the slot mask [B, Smax]: 1 where a cache slot holds a real token;
//   - the next position id of each sequence: the number of real tokens it
//     has seen (positions are cumsum(mask) - 1 clipped at 0, continued
//     across calls, as transformers' generate computes them);
//   - cache_position: the next free slot, shared by the batch.
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_RUNTIME_CORE_SESSION_H
#define ZEN_RUNTIME_CORE_SESSION_H

#include "Model.h"

namespace zen::rt {

class Session {
public:
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;

  /// See zen_session_create. `model` must outlive the session.
  static zen_status_t create(const Model &model, int64_t batch,
                             int64_t maxSeqLen, std::unique_ptr<Session> &out);

  /// See zen_session_prefill: `seqLen` tokens per sequence, ids and mask
  /// [batch, seqLen] (mask may be nullptr: all ones), logits [batch, V] or
  /// nullptr.
  zen_status_t prefill(int64_t seqLen, const int64_t *ids, const int64_t *mask,
                       float *logits);
  /// See zen_session_decode: one real token per sequence.
  zen_status_t decode(const int64_t *ids, float *logits);
  /// Forgets every sequence: zero caches, empty slot mask, positions 0.
  void reset();

  int64_t batch() const { return batch_; }
  int64_t maxSeqLen() const { return maxSeqLen_; }
  int64_t vocabSize() const { return vocab_; }
  int64_t cachePosition() const { return cachePosition_; }
  const std::vector<int64_t> &slotMask() const { return slotMask_; }
  const std::vector<int64_t> &nextPositions() const { return nextPositions_; }

  struct Cache {
    std::string name;
    zen_dtype_t dtype = ZEN_DTYPE_INVALID;
    std::vector<int64_t> shape; // resolved: batch and max_seq_len filled in
    uint64_t bytes = 0;
    HostBuffer data;
  };
  const std::vector<Cache> &caches() const { return caches_; }
  uint64_t cacheBytes() const;

private:
  Session() = default;

  /// What the session passes for one input of an entry point.
  enum class Role { InputIds, Positions, AttentionMask, CachePosition, Cache };
  struct Input {
    Role role;
    zen_dtype_t dtype;
    size_t cache = 0; // Role::Cache: index into caches_
  };
  /// How to call `prefill` or `decode`.
  struct Plan {
    size_t entry = 0;
    size_t logits = 0; // result index
    std::vector<Input> inputs;
  };

  zen_status_t makePlan(const char *name, Plan &plan);
  /// Runs `seqLen` new tokens through `plan`'s entry point; `what` is
  /// "prefill" or "decode" for messages.
  zen_status_t step(const Plan &plan, const char *what, int64_t seqLen,
                    const int64_t *ids, const int64_t *mask, float *logits);

  const Model *model_ = nullptr;
  int64_t batch_ = 0, maxSeqLen_ = 0, vocab_ = 0, embedRows_ = 0;
  Plan prefill_, decode_;
  std::vector<Cache> caches_;
  std::vector<int64_t> slotMask_;      // [batch, maxSeqLen]
  std::vector<int64_t> nextPositions_; // [batch]
  int64_t cachePosition_ = 0;
};

} // namespace zen::rt

#endif // ZEN_RUNTIME_CORE_SESSION_H

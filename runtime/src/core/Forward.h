//===- Forward.h - A language model's forward pass ---------------*- C++
//-*-===//
#ifndef ZEN_RUNTIME_CORE_FORWARD_H
#define ZEN_RUNTIME_CORE_FORWARD_H

#include "Model.h"

namespace zen::rt {

struct ForwardRequest {
  std::string entryPoint = "forward";
  int64_t batch = 0, seqLen = 0;
  const int64_t *inputIds = nullptr;      // [batch, seqLen]
  const int64_t *attentionMask = nullptr; // or nullptr: all ones
  const int64_t *positions = nullptr;     // or nullptr: the default
};

/// The static V of the entry point's logits [batch, seq_len, V].
zen_status_t vocabSize(const Model &model, size_t entryIndex, int64_t &vocab);

/// See zen_model_forward. Writes the f32 logits to `logitsBuffer` (which
/// must hold exactly `logitsCount` floats) or, when it is nullptr, into a
/// new buffer stored in *logitsOwned.
zen_status_t runForward(const Model &model, const ForwardRequest &request,
                        float *logitsBuffer, uint64_t logitsCount,
                        HostBuffer *logitsOwned);

} // namespace zen::rt

#endif // ZEN_RUNTIME_CORE_FORWARD_H

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

/// The index of the result named "logits", else of the only result;
/// `where` names the entry point in the error.
zen_status_t findLogits(const EntryPointDesc &entry, const std::string &where,
                        size_t &index);

/// The number of valid token ids: the first dimension of the entry point's
/// `*embed_tokens.weight` parameter, else `vocab`.
int64_t embeddingRows(const EntryPointDesc &entry, int64_t vocab);

/// `count` int64 token values (ids, a 0/1 mask, positions) converted to an
/// input of dtype `dtype` (I64, I32, BOOL, or F32 for a mask).
zen_status_t convertTokenInput(const int64_t *values, size_t count,
                               zen_dtype_t dtype,
                               std::vector<unsigned char> &out);

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

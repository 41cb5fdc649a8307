//===- Forward.cpp - A language model's forward pass ----------------------===//
//
// zen_model_forward: token ids in, float32 logits out. The entry point's
// inputs are recognised by name (input_ids, attention_mask, positions; see
// lib/Frontend/SpecToZen.cpp), so the same code runs any model zen-compile
// builds, and hand-written test models that take a subset of them.
//
//===----------------------------------------------------------------------===//

#include "Forward.h"

#include "CheckedMath.h"
#include "DType.h"

#include <cstring>

namespace zen::rt {

namespace {

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace

zen_status_t convertTokenInput(const int64_t *values, size_t count,
                               zen_dtype_t dtype,
                               std::vector<unsigned char> &out) {
  out.resize(count * dtypeSize(dtype));
  unsigned char *p = out.data();
  for (size_t i = 0; i < count; ++i) {
    int64_t v = values[i];
    switch (dtype) {
    case ZEN_DTYPE_I64:
      std::memcpy(p + 8 * i, &v, 8);
      break;
    case ZEN_DTYPE_I32: {
      int32_t w = static_cast<int32_t>(v);
      std::memcpy(p + 4 * i, &w, 4);
      break;
    }
    case ZEN_DTYPE_BOOL:
      p[i] = v != 0;
      break;
    case ZEN_DTYPE_F32: {
      float f = static_cast<float>(v);
      std::memcpy(p + 4 * i, &f, 4);
      break;
    }
    default:
      return makeStatus(ZEN_STATUS_UNSUPPORTED,
                        cat("an input of dtype ", dtypeName(dtype),
                            " cannot hold token data"));
    }
  }
  return nullptr;
}

zen_status_t findLogits(const EntryPointDesc &entry, const std::string &where,
                        size_t &index) {
  for (size_t r = 0; r < entry.results.size(); ++r)
    if (entry.results[r].name == "logits") {
      index = r;
      return nullptr;
    }
  if (entry.results.size() == 1) {
    index = 0;
    return nullptr;
  }
  return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                    cat(where, " has no result named 'logits'"));
}

int64_t embeddingRows(const EntryPointDesc &entry, int64_t vocab) {
  // The ids must index the embedding table; its first dimension is the
  // vocabulary (it can differ from the logits' V in principle).
  for (const ValueDesc &arg : entry.args)
    if (arg.kind == ZEN_VALUE_PARAM &&
        endsWith(arg.name, "embed_tokens.weight") && !arg.shape.empty())
      return arg.shape[0];
  return vocab;
}

zen_status_t vocabSize(const Model &model, size_t entryIndex, int64_t &vocab) {
  const EntryPointDesc &entry = model.metadata().entryPoints[entryIndex];
  std::string where = cat(model.path(), ": entry point ", quoted(entry.name));
  size_t r = 0;
  ZEN_RETURN_IF_ERROR(findLogits(entry, where, r));
  const ValueDesc &logits = entry.results[r];
  if (logits.shape.size() != 3 || logits.shape[2] <= 0)
    return makeStatus(
        ZEN_STATUS_INVALID_ARGUMENT,
        cat(where, ": result ", describeValue(logits),
            " is not logits [batch, seq_len, V] with a static V"));
  vocab = logits.shape[2];
  return nullptr;
}

zen_status_t runForward(const Model &model, const ForwardRequest &request,
                        float *logitsBuffer, uint64_t logitsCount,
                        HostBuffer *logitsOwned) {
  size_t entryIndex = 0;
  ZEN_RETURN_IF_ERROR(model.findEntryPoint(request.entryPoint, entryIndex));
  const EntryPointDesc &entry = model.metadata().entryPoints[entryIndex];
  std::string where = cat(model.path(), ": entry point ", quoted(entry.name));
  int64_t vocab = 0;
  ZEN_RETURN_IF_ERROR(vocabSize(model, entryIndex, vocab));
  size_t logitsIndex = 0;
  ZEN_RETURN_IF_ERROR(findLogits(entry, where, logitsIndex));

  const int64_t B = request.batch, T = request.seqLen;
  if (B < 1 || T < 1)
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat("batch and seq_len must be >= 1, got batch ", B,
                          " and seq_len ", T));
  uint64_t tokens = 0, logitsElements = 0;
  if (!checkedMul(uint64_t(B), uint64_t(T), tokens) ||
      !checkedMul(tokens, uint64_t(vocab), logitsElements) ||
      logitsElements > uint64_t(SIZE_MAX / 8))
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat("batch ", B, " x seq_len ", T, " x vocab ", vocab,
                          " logits do not fit in memory"));
  if (logitsBuffer && logitsCount != logitsElements)
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat("the logits buffer holds ", logitsCount,
                          " floats; batch ", B, " x seq_len ", T, " x vocab ",
                          vocab, " needs ", logitsElements));

  int64_t embedRows = embeddingRows(entry, vocab);
  auto coords = [&](uint64_t i) {
    return cat("[", i / uint64_t(T), ", ", i % uint64_t(T), "]");
  };
  for (uint64_t i = 0; i < tokens; ++i)
    if (request.inputIds[i] < 0 || request.inputIds[i] >= embedRows)
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat("input_ids", coords(i), " = ", request.inputIds[i],
                            " is outside the vocabulary [0, ", embedRows, ")"));
  bool hasZeros = false;
  if (request.attentionMask)
    for (uint64_t i = 0; i < tokens; ++i) {
      int64_t m = request.attentionMask[i];
      if (m != 0 && m != 1)
        return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                          cat("attention_mask", coords(i), " = ", m,
                              "; the mask holds 0 (padding) or 1 (token)"));
      hasZeros |= m == 0;
    }

  // The three token inputs, as int64 first.
  std::vector<int64_t> ids(request.inputIds, request.inputIds + tokens);
  std::vector<int64_t> mask(tokens, 1);
  if (request.attentionMask)
    mask.assign(request.attentionMask, request.attentionMask + tokens);
  std::vector<int64_t> positions(tokens);
  if (request.positions) {
    positions.assign(request.positions, request.positions + tokens);
  } else {
    // transformers' generate: cumsum(mask, -1) - 1, clipped at 0.
    for (int64_t b = 0; b < B; ++b) {
      int64_t sum = 0;
      for (int64_t t = 0; t < T; ++t) {
        sum += mask[b * T + t];
        positions[b * T + t] = sum > 0 ? sum - 1 : 0;
      }
    }
  }

  bool takesMask = false, takesPositions = false;
  std::vector<std::vector<unsigned char>> storage;
  std::vector<TensorView> inputs;
  for (const ValueDesc &arg : entry.args) {
    if (arg.kind != ZEN_VALUE_INPUT)
      continue;
    const std::vector<int64_t> *values;
    if (arg.name == "input_ids") {
      values = &ids;
    } else if (arg.name == "attention_mask") {
      values = &mask;
      takesMask = true;
    } else if (arg.name == "positions") {
      values = &positions;
      takesPositions = true;
    } else {
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat(where, " takes input ", describeValue(arg),
                            ", which zen_model_forward cannot supply (it "
                            "passes input_ids, attention_mask and positions); "
                            "call it with zen_model_call"));
    }
    if (arg.shape.size() != 2)
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat(where, ": input ", describeValue(arg),
                            " is not [batch, seq_len]"));
    storage.emplace_back();
    zen_status_t s = convertTokenInput(values->data(), values->size(),
                                       arg.dtype, storage.back());
    if (s)
      return prefixStatus(s, cat(where, ": input ", quoted(arg.name), ": "));
    inputs.push_back({arg.dtype, {B, T}, storage.back().data()});
  }
  if (hasZeros && !takesMask)
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat(where, " takes no attention_mask, but the mask "
                                 "given has padding (zeros)"));
  if (request.positions && !takesPositions)
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat(where, " takes no positions; pass none"));

  std::vector<OwnedTensor> results;
  ZEN_RETURN_IF_ERROR(model.call(entryIndex, inputs, results));
  OwnedTensor &logits = results[logitsIndex];
  if (logits.shape != std::vector<int64_t>{B, T, vocab})
    return makeStatus(ZEN_STATUS_INTERNAL,
                      cat(where, ": the logits came back with shape ",
                          formatShape(logits.shape), ", expected ",
                          formatShape({B, T, vocab})));
  if (logits.dtype != ZEN_DTYPE_F32 && logits.dtype != ZEN_DTYPE_BF16 &&
      logits.dtype != ZEN_DTYPE_F16)
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat(where, ": logits of dtype ", dtypeName(logits.dtype),
                          " are not floating point"));

  size_t n = static_cast<size_t>(logitsElements);
  if (logitsBuffer) {
    convertToF32(logits.dtype, logits.data.get(), logitsBuffer, n);
  } else if (logits.dtype == ZEN_DTYPE_F32) {
    *logitsOwned = std::move(logits.data);
  } else {
    HostBuffer converted = allocateAligned(uint64_t(n) * 4);
    if (!converted)
      return outOfMemoryStatus();
    convertToF32(logits.dtype, logits.data.get(),
                 static_cast<float *>(converted.get()), n);
    *logitsOwned = std::move(converted);
  }
  return nullptr;
}

} // namespace zen::rt

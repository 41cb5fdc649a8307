//===- TrainBatch.cpp - Training batches: read, validate, build -----------===//

#include "TrainBatch.h"

#include "../core/DType.h"
#include "../core/MappedFile.h"
#include "../core/SafetensorsFormat.h"
#include "../core/SafetensorsWriter.h"

#include <cmath>
#include <cstring>
#include <map>

namespace zen::rt {

namespace {

const char *kLayout =
    "a training batch holds input_ids [N, T] int64, completion_mask [N, T] "
    "(bool, uint8, int32, int64 or float32), rewards [N] float32, and "
    "optionally old_logprobs [N, T] float32, attention_mask [N, T] and "
    "ref_logprobs [N, T] float32";

bool isFloatDType(zen_dtype_t d) {
  return d == ZEN_DTYPE_F32 || d == ZEN_DTYPE_BF16 || d == ZEN_DTYPE_F16;
}

std::string dtypeList(bool mask, bool ids) {
  if (ids)
    return "I64 (int64) or I32";
  return mask ? "BOOL, U8, I32, I64 or F32" : "F32 (float32), BF16 or F16";
}

/// Reads an element of a mask tensor as a double.
double maskValue(const TensorEntry &t, uint64_t i) {
  const uint8_t *p = t.data;
  switch (t.dtype) {
  case ZEN_DTYPE_BOOL:
    return p[i];
  case ZEN_DTYPE_I32: {
    int32_t v;
    std::memcpy(&v, p + 4 * i, 4);
    return v;
  }
  case ZEN_DTYPE_I64: {
    int64_t v;
    std::memcpy(&v, p + 8 * i, 8);
    return double(v);
  }
  default: {
    float v;
    convertToF32(t.dtype, p + i * dtypeSize(t.dtype), &v, 1);
    return v;
  }
  }
}

std::string index2(uint64_t i, int64_t t) {
  return cat("[", int64_t(i) / t, ", ", int64_t(i) % t, "]");
}

} // namespace

zen_status_t readTrainBatch(const std::string &path, TrainBatch &out) {
  std::unique_ptr<MappedFile> file;
  ZEN_RETURN_IF_ERROR(MappedFile::open(path, file));
  SafetensorsContents contents;
  ZEN_RETURN_IF_ERROR(parseSafetensors(path, file->data(), file->size(),
                                       contents, /*byteDTypes=*/true));
  std::map<std::string, const TensorEntry *> byName;
  for (const TensorEntry &t : contents.tensors)
    byName[t.name] = &t;
  auto bad = [&](const std::string &name, const std::string &message) {
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat(path, ": tensor ", quoted(name), " ", message));
  };
  for (const auto &[name, t] : byName) {
    (void)t;
    if (name != "input_ids" && name != "completion_mask" && name != "rewards" &&
        name != "old_logprobs" && name != "attention_mask" &&
        name != "ref_logprobs")
      return bad(name, cat("is not part of a training batch (", kLayout, ")"));
  }
  for (const char *required : {"input_ids", "completion_mask", "rewards"})
    if (!byName.count(required))
      return makeStatus(ZEN_STATUS_NOT_FOUND,
                        cat(path, ": tensor ", quoted(required),
                            " is missing (", kLayout, ")"));

  TrainBatch batch;
  const TensorEntry &ids = *byName["input_ids"];
  if (ids.shape.size() != 2)
    return bad("input_ids", cat("has rank ", ids.shape.size(), " (shape ",
                                formatShape(ids.shape), "); expected [N, T]"));
  if (ids.dtype != ZEN_DTYPE_I64 && ids.dtype != ZEN_DTYPE_I32)
    return bad("input_ids", cat("has dtype ", dtypeName(ids.dtype),
                                "; expected ", dtypeList(false, true)));
  batch.n = ids.shape[0];
  batch.t = ids.shape[1];
  if (batch.n < 1 || batch.t < 2)
    return bad("input_ids", cat("has shape ", formatShape(ids.shape),
                                "; a batch needs N >= 1 sequences of T >= 2 "
                                "tokens (a prompt token and a completion)"));
  uint64_t count = ids.numElements;
  batch.inputIds.resize(count);
  for (uint64_t i = 0; i < count; ++i) {
    if (ids.dtype == ZEN_DTYPE_I64) {
      std::memcpy(&batch.inputIds[i], ids.data + 8 * i, 8);
    } else {
      int32_t v;
      std::memcpy(&v, ids.data + 4 * i, 4);
      batch.inputIds[i] = v;
    }
  }

  const std::vector<int64_t> nt = ids.shape;
  // A [N, T] tensor: a mask (0/1 in any of the mask dtypes) or float values.
  auto readMatrix = [&](const char *name, bool mask,
                        std::vector<float> &values) -> zen_status_t {
    const TensorEntry &t = *byName[name];
    if (t.shape.size() != 2)
      return bad(name, cat("has rank ", t.shape.size(), " (shape ",
                           formatShape(t.shape), "); expected [N, T] = ",
                           formatShape(nt), " like input_ids"));
    if (t.shape != nt)
      return bad(name, cat("has shape ", formatShape(t.shape),
                           ", but input_ids is ", formatShape(nt)));
    bool ok = mask ? (t.dtype == ZEN_DTYPE_BOOL || t.dtype == ZEN_DTYPE_I32 ||
                      t.dtype == ZEN_DTYPE_I64 || t.dtype == ZEN_DTYPE_F32)
                   : isFloatDType(t.dtype);
    if (!ok)
      return bad(name, cat("has dtype ", dtypeName(t.dtype), "; expected ",
                           dtypeList(mask, false)));
    values.resize(count);
    if (!mask) {
      convertToF32(t.dtype, t.data, values.data(), count);
      return nullptr;
    }
    for (uint64_t i = 0; i < count; ++i) {
      double v = maskValue(t, i);
      if (v != 0 && v != 1)
        return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                          cat(path, ": ", name, index2(i, batch.t), " = ", v,
                              "; a mask holds 0 or 1"));
      values[i] = static_cast<float>(v);
    }
    return nullptr;
  };

  ZEN_RETURN_IF_ERROR(
      readMatrix("completion_mask", /*mask=*/true, batch.completionMask));
  if (byName.count("attention_mask")) {
    std::vector<float> mask;
    ZEN_RETURN_IF_ERROR(readMatrix("attention_mask", /*mask=*/true, mask));
    batch.attentionMask.assign(mask.begin(), mask.end());
  }
  if (byName.count("old_logprobs"))
    ZEN_RETURN_IF_ERROR(
        readMatrix("old_logprobs", /*mask=*/false, batch.oldLogprobs));
  if (byName.count("ref_logprobs"))
    ZEN_RETURN_IF_ERROR(
        readMatrix("ref_logprobs", /*mask=*/false, batch.refLogprobs));

  const TensorEntry &rewards = *byName["rewards"];
  if (rewards.shape.size() != 1)
    return bad("rewards", cat("has rank ", rewards.shape.size(), " (shape ",
                              formatShape(rewards.shape), "); expected [N] = [",
                              batch.n, "], one reward per sequence"));
  if (rewards.shape[0] != batch.n)
    return bad("rewards",
               cat("has ", rewards.shape[0], " entries, but input_ids has ",
                   batch.n, " sequences"));
  if (!isFloatDType(rewards.dtype))
    return bad("rewards", cat("has dtype ", dtypeName(rewards.dtype),
                              "; expected ", dtypeList(false, false)));
  batch.rewards.resize(static_cast<size_t>(batch.n));
  convertToF32(rewards.dtype, rewards.data, batch.rewards.data(),
               batch.rewards.size());
  out = std::move(batch);
  return nullptr;
}

zen_status_t writeTrainBatch(const std::string &path, const TrainBatch &b) {
  SafetensorsWriter writer;
  std::vector<int64_t> nt = {b.n, b.t}, n = {b.n};
  uint64_t count = uint64_t(b.n) * uint64_t(b.t);
  ZEN_RETURN_IF_ERROR(writer.addTensor("input_ids", ZEN_DTYPE_I64, nt,
                                       b.inputIds.data(), count * 8));
  ZEN_RETURN_IF_ERROR(writer.addTensor("completion_mask", ZEN_DTYPE_F32, nt,
                                       b.completionMask.data(), count * 4));
  ZEN_RETURN_IF_ERROR(writer.addTensor("rewards", ZEN_DTYPE_F32, n,
                                       b.rewards.data(), uint64_t(b.n) * 4));
  if (!b.attentionMask.empty())
    ZEN_RETURN_IF_ERROR(writer.addTensor("attention_mask", ZEN_DTYPE_I64, nt,
                                         b.attentionMask.data(), count * 8));
  if (!b.oldLogprobs.empty())
    ZEN_RETURN_IF_ERROR(writer.addTensor("old_logprobs", ZEN_DTYPE_F32, nt,
                                         b.oldLogprobs.data(), count * 4));
  if (!b.refLogprobs.empty())
    ZEN_RETURN_IF_ERROR(writer.addTensor("ref_logprobs", ZEN_DTYPE_F32, nt,
                                         b.refLogprobs.data(), count * 4));
  return writer.write(path);
}

zen_status_t validateTrainBatch(const TrainBatch &b, const BatchLimits &limits,
                                const std::string &label) {
  auto bad = [&](const std::string &message) {
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT, cat(label, ": ", message));
  };
  if (b.n < 1 || b.t < 2)
    return bad(cat("input_ids has shape [", b.n, ", ", b.t,
                   "]; a batch needs N >= 1 sequences of T >= 2 tokens"));
  uint64_t count = uint64_t(b.n) * uint64_t(b.t);
  if (b.inputIds.size() != count || b.completionMask.size() != count ||
      b.rewards.size() != uint64_t(b.n) ||
      (!b.attentionMask.empty() && b.attentionMask.size() != count) ||
      (!b.oldLogprobs.empty() && b.oldLogprobs.size() != count) ||
      (!b.refLogprobs.empty() && b.refLogprobs.size() != count))
    return bad("the batch's tensors do not have the sizes N x T and N");
  if (limits.groupSize > 0 && b.n % limits.groupSize != 0)
    return bad(cat("input_ids has ", b.n,
                   " sequences, which is not a multiple of the group size ",
                   limits.groupSize,
                   " the model was compiled with (training.group_size: rows "
                   "of one group of completions are contiguous)"));
  if (limits.maxSeqLen > 0 && b.t > limits.maxSeqLen)
    return bad(cat("input_ids has sequences of ", b.t,
                   " tokens, more than the model's max_seq_length ",
                   limits.maxSeqLen));
  if (limits.needsRef && b.refLogprobs.empty())
    return bad(cat("tensor 'ref_logprobs' is missing: the model was compiled "
                   "with a KL penalty (beta = ",
                   limits.beta, ") and needs reference log-probs"));
  for (int64_t i = 0; i < b.n; ++i)
    if (!std::isfinite(b.rewards[i]))
      return bad(
          cat("rewards[", i, "] = ", b.rewards[i], " is not a finite number"));
  for (uint64_t i = 0; i < count; ++i) {
    int64_t id = b.inputIds[i];
    if (id < 0 || (limits.vocab > 0 && id >= limits.vocab))
      return bad(cat("input_ids", index2(i, b.t), " = ", id,
                     " is outside the vocabulary [0, ", limits.vocab, ")"));
    float c = b.completionMask[i];
    if (c != 0 && c != 1)
      return bad(cat("completion_mask", index2(i, b.t), " = ", c,
                     "; a mask holds 0 or 1"));
    if (!b.attentionMask.empty() && b.attentionMask[i] != 0 &&
        b.attentionMask[i] != 1)
      return bad(cat("attention_mask", index2(i, b.t), " = ",
                     b.attentionMask[i], "; a mask holds 0 or 1"));
  }
  for (int64_t r = 0; r < b.n; ++r) {
    const float *c = b.completionMask.data() + r * b.t;
    if (c[0] != 0)
      return bad(cat("completion_mask[", r,
                     ", 0] = 1, but the first token of a sequence is never "
                     "scored (no logits precede it); a sequence starts with "
                     "its prompt"));
    int64_t tokens = 0;
    for (int64_t t = 0; t < b.t; ++t) {
      if (c[t] == 0)
        continue;
      ++tokens;
      if (!b.attentionMask.empty() && b.attentionMask[r * b.t + t] == 0)
        return bad(cat("completion_mask[", r, ", ", t,
                       "] = 1 on a padding token (attention_mask[", r, ", ", t,
                       "] = 0)"));
      if (!b.oldLogprobs.empty() && !std::isfinite(b.oldLogprobs[r * b.t + t]))
        return bad(cat("old_logprobs[", r, ", ", t,
                       "] = ", b.oldLogprobs[r * b.t + t],
                       " on a completion token is not finite"));
    }
    if (tokens == 0)
      return bad(cat("completion_mask row ", r, " is all zeros: sequence ", r,
                     " has an empty completion (every sequence needs at "
                     "least one completion token)"));
  }
  return nullptr;
}

std::vector<int64_t> batchPositions(const TrainBatch &b) {
  std::vector<int64_t> positions(static_cast<size_t>(b.n * b.t));
  for (int64_t r = 0; r < b.n; ++r) {
    int64_t sum = 0;
    for (int64_t t = 0; t < b.t; ++t) {
      sum += b.attentionMask.empty() ? 1 : b.attentionMask[r * b.t + t];
      positions[r * b.t + t] = sum > 0 ? sum - 1 : 0;
    }
  }
  return positions;
}

} // namespace zen::rt

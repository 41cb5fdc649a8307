//===- Session.cpp - A decoding session over prefill/decode ---------------===//
//
// The entry points' inputs are recognised by name, as zen_model_forward does
// (input_ids, positions, attention_mask, cache_position; caches by kind), and
// checked once, when the session is created, so that each prefill/decode
// call only validates the caller's tokens and runs. The caches are the
// session's own buffers, passed to the compiled code by address: it writes
// the new keys/values and states into them in place (docs/runtime-abi.md).
//
//===----------------------------------------------------------------------===//

#include "Session.h"

#include "CheckedMath.h"
#include "DType.h"
#include "Forward.h"

#include <cstring>

namespace zen::rt {

namespace {

bool isTokenDType(zen_dtype_t dtype) {
  return dtype == ZEN_DTYPE_I64 || dtype == ZEN_DTYPE_I32 ||
         dtype == ZEN_DTYPE_BOOL || dtype == ZEN_DTYPE_F32;
}

std::string entryNames(const ModelMetadata &meta) {
  std::string names;
  for (const EntryPointDesc &e : meta.entryPoints)
    names += (names.empty() ? "" : ", ") + e.name;
  return names;
}

/// "1 token" / "40 tokens".
std::string tokens(int64_t n) { return cat(n, n == 1 ? " token" : " tokens"); }

} // namespace

uint64_t Session::cacheBytes() const {
  uint64_t total = 0;
  for (const Cache &c : caches_)
    total += c.bytes;
  return total;
}

zen_status_t Session::makePlan(const char *name, Plan &plan) {
  const ModelMetadata &meta = model_->metadata();
  size_t index = SIZE_MAX;
  for (size_t e = 0; e < meta.entryPoints.size(); ++e)
    if (meta.entryPoints[e].name == name)
      index = e;
  if (index == SIZE_MAX)
    return makeStatus(ZEN_STATUS_UNSUPPORTED,
                      cat(model_->path(), ": the model has no ", quoted(name),
                          " entry point (it has ", entryNames(meta),
                          "); a decoding session needs prefill and decode "
                          "(zen_model_forward runs the forward pass alone)"));
  const EntryPointDesc &entry = meta.entryPoints[index];
  std::string where = cat(model_->path(), ": entry point ", quoted(entry.name));
  plan.entry = index;
  ZEN_RETURN_IF_ERROR(findLogits(entry, where, plan.logits));
  int64_t vocab = 0;
  ZEN_RETURN_IF_ERROR(zen::rt::vocabSize(*model_, index, vocab));
  if (vocab_ == 0) {
    vocab_ = vocab;
    embedRows_ = embeddingRows(entry, vocab);
  } else if (vocab != vocab_) {
    return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                      cat(where, " returns logits over ", vocab,
                          " tokens, but prefill over ", vocab_));
  }
  bool decode = std::strcmp(name, "decode") == 0;

  // A static batch dimension must be the session's.
  auto checkBatch = [&](const ValueDesc &arg) -> zen_status_t {
    if (arg.shape.empty() || arg.shape[0] < 0 || arg.shape[0] == batch_)
      return nullptr;
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat(where, " takes ", describeValue(arg),
                          " for a batch of ", arg.shape[0],
                          ", but the session has batch ", batch_));
  };
  bool hasIds = false;
  for (const ValueDesc &arg : entry.args) {
    if (arg.kind == ZEN_VALUE_PARAM)
      continue;
    Input in{Role::Cache, arg.dtype, 0};
    if (arg.kind == ZEN_VALUE_CACHE) {
      if (arg.shape.empty())
        return makeStatus(ZEN_STATUS_UNSUPPORTED,
                          cat(where, ": cache ", describeValue(arg),
                              " has no batch dimension"));
      ZEN_RETURN_IF_ERROR(checkBatch(arg));
      // Dimension 0 is the batch; any other dynamic one is the sequence.
      std::vector<int64_t> shape = arg.shape;
      shape[0] = batch_;
      for (size_t d = 1; d < shape.size(); ++d)
        if (shape[d] < 0)
          shape[d] = maxSeqLen_;
      size_t c = 0;
      while (c < caches_.size() && caches_[c].name != arg.name)
        ++c;
      if (c == caches_.size()) {
        Cache cache;
        cache.name = arg.name;
        cache.dtype = arg.dtype;
        cache.shape = shape;
        uint64_t elements = 0;
        if (!checkedProduct(shape, elements) ||
            !checkedMul(elements, dtypeSize(arg.dtype), cache.bytes))
          return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                            cat(where, ": cache ", quoted(arg.name),
                                " of shape ", formatShape(shape), " (batch ",
                                batch_, ", max_seq_len ", maxSeqLen_,
                                ") is too large"));
        caches_.push_back(std::move(cache));
      } else if (caches_[c].dtype != arg.dtype || caches_[c].shape != shape) {
        return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                          cat(where, " takes cache ", describeValue(arg),
                              " as ", metadataDTypeName(arg.dtype),
                              formatShape(shape), ", but prefill takes it as ",
                              metadataDTypeName(caches_[c].dtype),
                              formatShape(caches_[c].shape)));
      }
      in.cache = c;
      plan.inputs.push_back(in);
      continue;
    }
    std::string what = cat(where, ": input ", describeValue(arg));
    if (arg.name == "cache_position") {
      if (!arg.shape.empty() ||
          (arg.dtype != ZEN_DTYPE_I64 && arg.dtype != ZEN_DTYPE_I32))
        return makeStatus(ZEN_STATUS_UNSUPPORTED,
                          cat(what, " is not a 0-d i64 or i32 slot index"));
      in.role = Role::CachePosition;
      plan.inputs.push_back(in);
      continue;
    }
    if (arg.name == "input_ids") {
      in.role = Role::InputIds;
      hasIds = true;
    } else if (arg.name == "positions") {
      in.role = Role::Positions;
    } else if (arg.name == "attention_mask") {
      in.role = Role::AttentionMask;
    } else {
      return makeStatus(ZEN_STATUS_UNSUPPORTED,
                        cat(what, " is not one a decoding session supplies "
                                  "(input_ids, positions, attention_mask, "
                                  "cache_position and caches)"));
    }
    if (arg.shape.size() != 2 || !isTokenDType(arg.dtype))
      return makeStatus(
          ZEN_STATUS_UNSUPPORTED,
          cat(what, " is not a [batch, ",
              in.role == Role::AttentionMask ? "max_seq_len" : "seq_len",
              "] tensor of i64, i32, i1 or f32"));
    ZEN_RETURN_IF_ERROR(checkBatch(arg));
    if (in.role == Role::AttentionMask && arg.shape[1] >= 0 &&
        arg.shape[1] != maxSeqLen_)
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat(what, " covers ", arg.shape[1],
                            " cache slots, but the session has max_seq_len ",
                            maxSeqLen_));
    if (decode && in.role != Role::AttentionMask && arg.shape[1] > 1)
      return makeStatus(ZEN_STATUS_UNSUPPORTED,
                        cat(what, " takes ", arg.shape[1],
                            " tokens per sequence; decode runs one"));
    plan.inputs.push_back(in);
  }
  if (!hasIds)
    return makeStatus(ZEN_STATUS_UNSUPPORTED,
                      cat(where, " takes no input_ids"));
  return nullptr;
}

zen_status_t Session::create(const Model &model, int64_t batch,
                             int64_t maxSeqLen, std::unique_ptr<Session> &out) {
  if (batch < 1 || maxSeqLen < 1)
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat("batch and max_seq_len must be >= 1, got batch ",
                          batch, " and max_seq_len ", maxSeqLen));
  std::unique_ptr<Session> s(new Session());
  s->model_ = &model;
  s->batch_ = batch;
  s->maxSeqLen_ = maxSeqLen;
  uint64_t slots = 0;
  if (!checkedMul(uint64_t(batch), uint64_t(maxSeqLen), slots) ||
      slots > uint64_t(SIZE_MAX / 8))
    return makeStatus(
        ZEN_STATUS_INVALID_ARGUMENT,
        cat("batch ", batch, " x max_seq_len ", maxSeqLen, " is too large"));
  ZEN_RETURN_IF_ERROR(s->makePlan("prefill", s->prefill_));
  ZEN_RETURN_IF_ERROR(s->makePlan("decode", s->decode_));
  for (Cache &c : s->caches_) {
    c.data = allocateAligned(c.bytes);
    if (!c.data)
      return makeStatus(ZEN_STATUS_OUT_OF_MEMORY,
                        cat(model.path(), ": cannot allocate ", c.bytes,
                            " bytes for cache ", quoted(c.name), " ",
                            dtypeName(c.dtype), formatShape(c.shape),
                            " (batch ", batch, ", max_seq_len ", maxSeqLen,
                            "; all caches need ", s->cacheBytes(), " bytes)"));
  }
  s->slotMask_.resize(static_cast<size_t>(slots));
  s->nextPositions_.resize(static_cast<size_t>(batch));
  s->reset();
  out = std::move(s);
  return nullptr;
}

void Session::reset() {
  for (Cache &c : caches_)
    std::memset(c.data.get(), 0, static_cast<size_t>(c.bytes));
  std::fill(slotMask_.begin(), slotMask_.end(), 0);
  std::fill(nextPositions_.begin(), nextPositions_.end(), 0);
  cachePosition_ = 0;
}

zen_status_t Session::prefill(int64_t seqLen, const int64_t *ids,
                              const int64_t *mask, float *logits) {
  return step(prefill_, "prefill", seqLen, ids, mask, logits);
}

zen_status_t Session::decode(const int64_t *ids, float *logits) {
  return step(decode_, "decode", 1, ids, nullptr, logits);
}

zen_status_t Session::step(const Plan &plan, const char *what, int64_t T,
                           const int64_t *ids, const int64_t *mask,
                           float *logits) {
  const EntryPointDesc &entry = model_->metadata().entryPoints[plan.entry];
  const int64_t B = batch_, S = maxSeqLen_, p0 = cachePosition_;
  if (T < 1)
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat("seq_len must be >= 1, got ", T));
  if (T > S - p0)
    return makeStatus(
        ZEN_STATUS_INVALID_ARGUMENT,
        cat(what, " of ", tokens(T), " at position ", p0,
            " exceeds max_seq_len ", S,
            p0 ? " (zen_session_reset starts over; longer sequences need a "
                 "session with a larger max_seq_len)"
               : " (create the session with a larger max_seq_len)"));
  uint64_t count = 0;
  if (!checkedMul(uint64_t(B), uint64_t(T), count) ||
      count > uint64_t(SIZE_MAX / 8))
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat("batch ", B, " x seq_len ", T, " is too large"));
  // decode takes ids [B]; prefill ids and mask [B, T].
  bool decoding = &plan == &decode_;
  auto coords = [&](uint64_t i) {
    return decoding ? cat("[", i, "]")
                    : cat("[", i / uint64_t(T), ", ", i % uint64_t(T), "]");
  };
  for (uint64_t i = 0; i < count; ++i)
    if (ids[i] < 0 || ids[i] >= embedRows_)
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat("input_ids", coords(i), " = ", ids[i],
                            " is outside the vocabulary [0, ", embedRows_,
                            ")"));
  bool hasZeros = false;
  if (mask)
    for (uint64_t i = 0; i < count; ++i) {
      if (mask[i] != 0 && mask[i] != 1)
        return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                          cat("attention_mask", coords(i), " = ", mask[i],
                              "; the mask holds 0 (padding) or 1 (token)"));
      hasZeros |= mask[i] == 0;
    }
  bool takesMask = false;
  for (const Input &in : plan.inputs)
    takesMask |= in.role == Role::AttentionMask;
  if (hasZeros && !takesMask)
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat(model_->path(), ": entry point ", quoted(entry.name),
                          " takes no attention_mask, but the mask given has "
                          "padding (zeros)"));

  // Positions continue each sequence's count of real tokens:
  // cumsum(mask) - 1 over everything seen so far, clipped at 0.
  std::vector<int64_t> positions(static_cast<size_t>(count));
  std::vector<int64_t> next = nextPositions_;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) {
      next[b] += mask ? mask[b * T + t] : 1;
      positions[b * T + t] = next[b] > 0 ? next[b] - 1 : 0;
    }
  // The new tokens' slots [p0, p0 + T) are marked before the call: the
  // entry points read this call's mask from them. They were all 0 (slots at
  // and past cache_position are never written), so a failed call restores
  // them by zeroing.
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t)
      slotMask_[b * S + p0 + t] = mask ? mask[b * T + t] : 1;
  auto unmark = [&] {
    for (int64_t b = 0; b < B; ++b)
      std::fill_n(slotMask_.begin() + b * S + p0, T, 0);
  };

  int64_t cachePos = p0;
  std::vector<std::vector<unsigned char>> storage;
  storage.reserve(plan.inputs.size());
  std::vector<TensorView> inputs;
  inputs.reserve(plan.inputs.size());
  for (const Input &in : plan.inputs) {
    const int64_t *values = nullptr;
    size_t n = 0;
    std::vector<int64_t> shape;
    switch (in.role) {
    case Role::Cache: {
      const Cache &c = caches_[in.cache];
      inputs.push_back({c.dtype, c.shape, c.data.get()});
      continue;
    }
    case Role::InputIds:
      values = ids, n = count, shape = {B, T};
      break;
    case Role::Positions:
      values = positions.data(), n = count, shape = {B, T};
      break;
    case Role::AttentionMask:
      values = slotMask_.data(), n = slotMask_.size(), shape = {B, S};
      break;
    case Role::CachePosition:
      values = &cachePos, n = 1;
      break;
    }
    if (in.dtype == ZEN_DTYPE_I64) { // passed as is, no copy
      inputs.push_back({in.dtype, shape, values});
      continue;
    }
    storage.emplace_back();
    if (zen_status_t s =
            convertTokenInput(values, n, in.dtype, storage.back())) {
      unmark();
      return s;
    }
    inputs.push_back({in.dtype, shape, storage.back().data()});
  }

  std::vector<OwnedTensor> results;
  if (zen_status_t s = model_->call(plan.entry, inputs, results)) {
    unmark();
    return prefixStatus(s, cat(model_->path(), ": "));
  }
  // The caches now hold the new tokens: commit.
  cachePosition_ = p0 + T;
  nextPositions_ = std::move(next);

  OwnedTensor &out = results[plan.logits];
  if (out.shape != std::vector<int64_t>{B, 1, vocab_})
    return makeStatus(ZEN_STATUS_INTERNAL,
                      cat(model_->path(), ": entry point ", quoted(entry.name),
                          ": the logits came back with shape ",
                          formatShape(out.shape), ", expected ",
                          formatShape({B, 1, vocab_})));
  if (out.dtype != ZEN_DTYPE_F32 && out.dtype != ZEN_DTYPE_BF16 &&
      out.dtype != ZEN_DTYPE_F16)
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat(model_->path(), ": entry point ", quoted(entry.name),
                          ": logits of dtype ", dtypeName(out.dtype),
                          " are not floating point"));
  if (logits)
    convertToF32(out.dtype, out.data.get(), logits,
                 static_cast<size_t>(B * vocab_));
  return nullptr;
}

} // namespace zen::rt

//===- Trainer.cpp - Running a model's train_step -------------------------===//

#include "Trainer.h"

#include "../core/Checkpoint.h"
#include "../core/DType.h"
#include "../core/Forward.h"
#include "../core/Rng.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace zen::rt {

namespace {

const char *kInputNames[] = {
    "input_ids",     "positions",    "attention_mask",   "completion_mask",
    "rewards",       "old_logprobs", "use_old_logprobs", "ref_logprobs",
    "learning_rate", "step"};
const char *kScalarResults[] = {"loss", "mean_ratio", "clip_fraction",
                                "grad_norm", "skipped"};

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool isFloat(zen_dtype_t d) {
  return d == ZEN_DTYPE_F32 || d == ZEN_DTYPE_BF16 || d == ZEN_DTYPE_F16;
}

bool isInt(zen_dtype_t d) {
  return d == ZEN_DTYPE_I64 || d == ZEN_DTYPE_I32 || d == ZEN_DTYPE_BOOL;
}

uint64_t fnv1a64(const std::string &s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001B3ull;
  }
  return h;
}

/// `count` floats as an input of dtype `dtype` (F32, BF16, F16, or an
/// integer dtype for 0/1 masks).
void floatInput(const float *values, size_t count, zen_dtype_t dtype,
                std::vector<unsigned char> &out) {
  out.resize(count * dtypeSize(dtype));
  if (isFloat(dtype)) {
    convertFromF32(dtype, values, out.data(), count);
    return;
  }
  std::vector<int64_t> ints(values, values + count);
  zen_status_free(convertTokenInput(ints.data(), count, dtype, out));
}

/// A 0-d or any-shape result as f32 values.
std::vector<float> resultAsF32(const OwnedTensor &t) {
  uint64_t count = 1;
  for (int64_t d : t.shape)
    count *= uint64_t(d);
  std::vector<float> out(count);
  const unsigned char *p = static_cast<const unsigned char *>(t.data.get());
  for (uint64_t i = 0; i < count; ++i) {
    switch (t.dtype) {
    case ZEN_DTYPE_I64: {
      int64_t v;
      std::memcpy(&v, p + 8 * i, 8);
      out[i] = float(v);
      break;
    }
    case ZEN_DTYPE_I32: {
      int32_t v;
      std::memcpy(&v, p + 4 * i, 4);
      out[i] = float(v);
      break;
    }
    case ZEN_DTYPE_BOOL:
      out[i] = p[i];
      break;
    default:
      convertToF32(t.dtype, p + i * dtypeSize(t.dtype), &out[i], 1);
    }
  }
  return out;
}

HostBuffer zeros(uint64_t count) {
  HostBuffer b = allocateAligned(count * 4);
  if (b)
    std::memset(b.get(), 0, count * 4);
  return b;
}

/// The parameter a LoRA adapter of base weight `name` adapts: `name`
/// itself, or for a per-expert module ("...experts.3.gate_proj.weight", as
/// PEFT names the adapters of HF's per-expert linears) the stacked
/// parameter "...experts.{e}.gate_proj.weight", with `expert` = 3.
size_t findBaseParam(const Model &model, const std::string &name,
                     int64_t &expert) {
  expert = -1;
  size_t param = kNoParam;
  zen_status_t missing = model.findParam(name, param);
  zen_status_free(missing);
  if (!missing)
    return param;
  const std::string marker = ".experts.";
  size_t at = name.find(marker);
  if (at == std::string::npos)
    return kNoParam;
  size_t begin = at + marker.size(), end = begin;
  while (end < name.size() && name[end] >= '0' && name[end] <= '9')
    ++end;
  if (end == begin || end >= name.size() || name[end] != '.' || end - begin > 9)
    return kNoParam;
  std::string stacked = name.substr(0, begin) + "{e}" + name.substr(end);
  missing = model.findParam(stacked, param);
  zen_status_free(missing);
  if (missing)
    return kNoParam;
  expert = std::stoll(name.substr(begin, end - begin));
  return param;
}

} // namespace

double loraScale(const TrainingDesc &t) {
  return t.useRslora ? t.loraAlpha / std::sqrt(double(t.loraR))
                     : t.loraAlpha / double(t.loraR);
}

std::string loraBaseWeight(const std::string &name) {
  const std::string prefix = "base_model.model.";
  for (const char *suffix : {".lora_A.weight", ".lora_B.weight"})
    if (name.compare(0, prefix.size(), prefix) == 0 && endsWith(name, suffix)) {
      size_t end = name.size() - std::strlen(suffix);
      return name.substr(prefix.size(), end - prefix.size()) + ".weight";
    }
  return "";
}

zen_status_t findTrainStep(const Model &model, size_t &entry) {
  const ModelMetadata &meta = model.metadata();
  for (size_t e = 0; e < meta.entryPoints.size(); ++e)
    if (meta.entryPoints[e].name == "train_step") {
      if (!meta.training.present)
        return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                          cat(model.path(),
                              ": malformed model metadata: the model has a "
                              "train_step entry point but no \"training\" "
                              "object"));
      entry = e;
      return nullptr;
    }
  std::string known;
  for (size_t e = 0; e < meta.entryPoints.size(); ++e)
    known += cat(e ? ", " : "", meta.entryPoints[e].name);
  return makeStatus(ZEN_STATUS_UNSUPPORTED,
                    cat(model.path(),
                        " was compiled without --train: it has no train_step "
                        "entry point (it has: ",
                        known,
                        "); rebuild it with zen-compile SPEC --train -o ",
                        model.path()));
}

Trainer::~Trainer() { usePolicyWeights(false); }

zen_status_t trainBatchLimits(const Model &model, BatchLimits &out) {
  size_t e = 0;
  ZEN_RETURN_IF_ERROR(findTrainStep(model, e));
  const TrainingDesc &t = model.metadata().training;
  BatchLimits l;
  l.groupSize = t.groupSize;
  l.maxSeqLen = t.maxSeqLength;
  l.beta = t.beta;
  for (const ValueDesc &arg : model.metadata().entryPoints[e].args) {
    // A model that takes ref_logprobs with beta = 0 gets zeros.
    if (arg.kind == ZEN_VALUE_INPUT && arg.name == "ref_logprobs")
      l.needsRef = t.beta != 0;
    if ((arg.kind == ZEN_VALUE_PARAM || arg.kind == ZEN_VALUE_TRAINABLE) &&
        endsWith(arg.name, "embed_tokens.weight") && !arg.shape.empty())
      l.vocab = arg.shape[0];
  }
  out = l;
  return nullptr;
}

BatchLimits Trainer::limits() const {
  BatchLimits l;
  zen_status_free(trainBatchLimits(*model_, l)); // create() checked it
  return l;
}

zen_status_t Trainer::create(Model &model, const TrainerOptions &options,
                             std::unique_ptr<Trainer> &out) {
  std::unique_ptr<Trainer> t(new Trainer());
  t->model_ = &model;
  ZEN_RETURN_IF_ERROR(findTrainStep(model, t->entry_));
  const ModelMetadata &meta = model.metadata();
  const EntryPointDesc &entry = meta.entryPoints[t->entry_];
  std::string where = cat(model.path(), ": entry point 'train_step'");
  t->baseModel_ = options.baseModel.empty() ? meta.model : options.baseModel;

  // Check the signature against TRAIN_ABI once, so a step never meets an
  // argument it cannot fill.
  for (const ValueDesc &arg : entry.args) {
    switch (arg.kind) {
    case ZEN_VALUE_PARAM:
      if (endsWith(arg.name, "embed_tokens.weight") && !arg.shape.empty())
        t->vocab_ = arg.shape[0];
      break;
    case ZEN_VALUE_INPUT: {
      bool known = false;
      for (const char *name : kInputNames)
        known |= arg.name == name;
      if (!known)
        return makeStatus(ZEN_STATUS_UNSUPPORTED,
                          cat(where, " takes an input ", describeValue(arg),
                              " this libzenrt does not know how to fill"));
      bool floatData = arg.name == "completion_mask" || arg.name == "rewards" ||
                       arg.name == "old_logprobs" ||
                       arg.name == "ref_logprobs" ||
                       arg.name == "learning_rate";
      bool ok = floatData
                    ? (isFloat(arg.dtype) ||
                       (arg.name == "completion_mask" && isInt(arg.dtype)))
                    : (isInt(arg.dtype) || arg.dtype == ZEN_DTYPE_F32);
      if (!ok)
        return makeStatus(ZEN_STATUS_UNSUPPORTED,
                          cat(where, ": input ", describeValue(arg),
                              " has an unsupported dtype"));
      break;
    }
    case ZEN_VALUE_TRAINABLE: {
      if (arg.dtype != ZEN_DTYPE_F32)
        return makeStatus(ZEN_STATUS_UNSUPPORTED,
                          cat(where, ": trainable ", describeValue(arg),
                              " is not f32 (trainables and their optimizer "
                              "state are f32)"));
      Tensor tensor;
      tensor.name = arg.name;
      tensor.shape = arg.shape;
      tensor.count = 1;
      for (int64_t d : arg.shape)
        tensor.count *= uint64_t(d);
      tensor.value = allocateAligned(tensor.count * 4);
      tensor.expAvg = zeros(tensor.count);
      tensor.expAvgSq = zeros(tensor.count);
      if (!tensor.value || !tensor.expAvg || !tensor.expAvgSq)
        return outOfMemoryStatus();
      if (endsWith(arg.name, "embed_tokens.weight") && !arg.shape.empty())
        t->vocab_ = arg.shape[0];
      t->tensors_.push_back(std::move(tensor));
      break;
    }
    case ZEN_VALUE_OPTIM:
      break; // checked below, once every trainable is known
    default:
      return makeStatus(ZEN_STATUS_UNSUPPORTED,
                        cat(where, ": argument ", describeValue(arg),
                            " is of a kind train_step does not take"));
    }
  }
  for (const ValueDesc &arg : entry.args) {
    if (arg.kind != ZEN_VALUE_OPTIM)
      continue;
    bool found = false;
    for (const Tensor &tensor : t->tensors_)
      if (arg.name == tensor.name + ".exp_avg" ||
          arg.name == tensor.name + ".exp_avg_sq") {
        found = true;
        if (arg.shape != tensor.shape || arg.dtype != ZEN_DTYPE_F32)
          return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                            cat(where, ": optimizer state ", describeValue(arg),
                                " does not match ", quoted(tensor.name), " f32",
                                formatShape(tensor.shape)));
      }
    if (!found)
      return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                        cat(where, ": optimizer state ", quoted(arg.name),
                            " belongs to no trainable (expected "
                            "'<trainable>.exp_avg' or '.exp_avg_sq')"));
  }
  if (t->tensors_.empty())
    return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                      cat(where, " has no trainable arguments"));
  for (const char *name : {"input_ids", "completion_mask", "rewards"}) {
    bool found = false;
    for (const ValueDesc &arg : entry.args)
      found |= arg.kind == ZEN_VALUE_INPUT && arg.name == name;
    if (!found)
      return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                        cat(where, " has no input ", quoted(name)));
  }
  for (const char *name : kScalarResults) {
    bool found = false;
    for (const ValueDesc &r : entry.results)
      found |= r.name == name && r.shape.empty();
    if (!found)
      return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                        cat(where, " has no 0-d result ", quoted(name)));
  }

  if (meta.training.lora)
    ZEN_RETURN_IF_ERROR(t->initLora(options));
  else
    ZEN_RETURN_IF_ERROR(t->initFull(options));
  out = std::move(t);
  return nullptr;
}

zen_status_t Trainer::initLora(const TrainerOptions &options) {
  const TrainingDesc &tr = training();
  std::string where = cat(model_->path(), ": entry point 'train_step'");
  for (Tensor &tensor : tensors_) {
    bool isA = endsWith(tensor.name, ".lora_A.weight");
    bool isB = endsWith(tensor.name, ".lora_B.weight");
    if ((!isA && !isB) || loraBaseWeight(tensor.name).empty() ||
        tensor.shape.size() < 2)
      return makeStatus(
          ZEN_STATUS_INVALID_FORMAT,
          cat(where, ": trainable ", quoted(tensor.name),
              " is not a LoRA matrix "
              "'base_model.model.<module>.lora_A.weight' [r, in] or "
              "'.lora_B.weight' [out, r], as training.lora requires"));
    size_t rank = tensor.shape.size();
    int64_t r = isA ? tensor.shape[rank - 2] : tensor.shape[rank - 1];
    if (r != tr.loraR)
      return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                        cat(where, ": trainable ", quoted(tensor.name),
                            " has shape ", formatShape(tensor.shape),
                            ", not rank r = ", tr.loraR, " of training.lora"));
    tensor.role = isA ? Tensor::Role::LoraA : Tensor::Role::LoraB;
    tensor.param =
        findBaseParam(*model_, loraBaseWeight(tensor.name), tensor.expert);
  }
  if (!options.adapter.empty())
    return loadAdapter(options.adapter);
  // PEFT: A ~ kaiming_uniform(a = sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in)),
  // B = 0. Each A has its own stream, like zen_model_bind_random.
  for (Tensor &tensor : tensors_) {
    float *v = static_cast<float *>(tensor.value.get());
    if (tensor.role == Tensor::Role::LoraB) {
      std::memset(v, 0, tensor.count * 4);
      continue;
    }
    double bound = 1.0 / std::sqrt(double(tensor.shape.back()));
    zen_rng_t rng;
    rngSeed(rng, options.seed ^ fnv1a64(tensor.name));
    for (uint64_t i = 0; i < tensor.count; ++i)
      v[i] = static_cast<float>((2.0 * rngNextDouble(rng) - 1.0) * bound);
  }
  return nullptr;
}

zen_status_t Trainer::initFull(const TrainerOptions &options) {
  std::unique_ptr<Checkpoint> ckpt;
  if (!options.weights.empty())
    ZEN_RETURN_IF_ERROR(Checkpoint::open(options.weights, ckpt));
  for (Tensor &tensor : tensors_) {
    tensor.role = Tensor::Role::Full;
    float *v = static_cast<float *>(tensor.value.get());
    size_t param = kNoParam;
    zen_status_t missing = model_->findParam(tensor.name, param);
    zen_status_free(missing);
    if (!missing) {
      const ParamDesc &p = model_->metadata().params[param];
      tensor.param = param;
      if (p.shape != tensor.shape || !isFloat(p.dtype))
        return makeStatus(
            ZEN_STATUS_INVALID_FORMAT,
            cat(model_->path(), ": trainable ", quoted(tensor.name), " is f32",
                formatShape(tensor.shape), " but parameter ", quoted(p.name),
                " is ", metadataDTypeName(p.dtype), formatShape(p.shape)));
      const void *data = model_->bindings()[param].data;
      if (data) {
        convertToF32(p.dtype, data, v, tensor.count);
        continue;
      }
    }
    const TensorEntry *entry = ckpt ? ckpt->find(tensor.name) : nullptr;
    if (!entry)
      return makeStatus(
          ZEN_STATUS_INVALID_ARGUMENT,
          cat("trainable ", quoted(tensor.name),
              " has no initial weights: bind the model's weights first, or "
              "pass the checkpoint that holds it (zen_trainer_options_t."
              "weights)",
              ckpt ? cat("; ", options.weights, " does not have it") : ""));
    if (entry->shape != tensor.shape || !isFloat(entry->dtype))
      return makeStatus(
          ZEN_STATUS_INVALID_ARGUMENT,
          cat(options.weights, ": tensor ", quoted(tensor.name), " is ",
              dtypeName(entry->dtype), formatShape(entry->shape),
              "; the model trains it as F32", formatShape(tensor.shape)));
    convertToF32(entry->dtype, entry->data, v, tensor.count);
  }
  return nullptr;
}

zen_status_t Trainer::step(const TrainBatch &batch, float learningRate,
                           StepResult &out) {
  ZEN_RETURN_IF_ERROR(usePolicyWeights(false));
  ZEN_RETURN_IF_ERROR(validateTrainBatch(batch, limits(), "training batch"));
  const EntryPointDesc &entry = model_->metadata().entryPoints[entry_];
  float lr = learningRate > 0 ? learningRate
                              : static_cast<float>(training().learningRate);
  int64_t stepNumber = step_ + 1;
  const size_t count = size_t(batch.n * batch.t);
  std::vector<int64_t> nt = {batch.n, batch.t};
  std::vector<int64_t> positions = batchPositions(batch);
  std::vector<int64_t> mask = batch.attentionMask;
  if (mask.empty())
    mask.assign(count, 1);
  std::vector<float> zerosNT;

  std::vector<std::vector<unsigned char>> storage;
  storage.reserve(entry.args.size());
  std::vector<TensorView> inputs;
  for (const ValueDesc &arg : entry.args) {
    if (arg.kind == ZEN_VALUE_PARAM)
      continue;
    TensorView view;
    view.dtype = arg.dtype;
    if (arg.kind == ZEN_VALUE_TRAINABLE || arg.kind == ZEN_VALUE_OPTIM) {
      view.shape = arg.shape;
      for (Tensor &t : tensors_) {
        if (arg.name == t.name)
          view.data = t.value.get();
        else if (arg.name == t.name + ".exp_avg")
          view.data = t.expAvg.get();
        else if (arg.name == t.name + ".exp_avg_sq")
          view.data = t.expAvgSq.get();
      }
      inputs.push_back(view);
      continue;
    }
    storage.emplace_back();
    std::vector<unsigned char> &bytes = storage.back();
    const std::string &n = arg.name;
    zen_status_t s = nullptr;
    if (n == "input_ids" || n == "positions" || n == "attention_mask") {
      const std::vector<int64_t> &v = n == "input_ids"   ? batch.inputIds
                                      : n == "positions" ? positions
                                                         : mask;
      s = convertTokenInput(v.data(), count, arg.dtype, bytes);
      view.shape = nt;
    } else if (n == "completion_mask" || n == "old_logprobs" ||
               n == "ref_logprobs") {
      const std::vector<float> *v = n == "completion_mask"
                                        ? &batch.completionMask
                                    : n == "old_logprobs" ? &batch.oldLogprobs
                                                          : &batch.refLogprobs;
      if (v->empty()) {
        zerosNT.assign(count, 0.0f);
        v = &zerosNT;
      }
      floatInput(v->data(), count, arg.dtype, bytes);
      view.shape = nt;
    } else if (n == "rewards") {
      floatInput(batch.rewards.data(), size_t(batch.n), arg.dtype, bytes);
      view.shape = {batch.n};
    } else if (n == "learning_rate") {
      floatInput(&lr, 1, arg.dtype, bytes);
    } else {
      int64_t v = n == "step" ? stepNumber : !batch.oldLogprobs.empty();
      s = convertTokenInput(&v, 1, arg.dtype, bytes);
    }
    ZEN_RETURN_IF_ERROR(s);
    view.data = bytes.data();
    inputs.push_back(view);
  }

  std::vector<OwnedTensor> results;
  ZEN_RETURN_IF_ERROR(model_->call(entry_, inputs, results));
  StepResult r;
  for (size_t i = 0; i < results.size(); ++i) {
    const std::string &name = entry.results[i].name;
    if (name.compare(0, 5, "grad:") == 0) {
      for (Tensor &t : tensors_)
        if (name.compare(5, std::string::npos, t.name) == 0) {
          if (results[i].shape != t.shape)
            return makeStatus(ZEN_STATUS_INTERNAL,
                              cat("train_step returned ", quoted(name),
                                  " of shape ", formatShape(results[i].shape),
                                  " for a trainable of shape ",
                                  formatShape(t.shape)));
          if (results[i].dtype == ZEN_DTYPE_F32) {
            t.grad = std::move(results[i].data);
          } else {
            std::vector<float> v = resultAsF32(results[i]);
            t.grad = allocateAligned(t.count * 4);
            if (!t.grad)
              return outOfMemoryStatus();
            std::memcpy(t.grad.get(), v.data(), t.count * 4);
          }
        }
      continue;
    }
    if (!results[i].shape.empty())
      continue;
    float v = resultAsF32(results[i])[0];
    if (name == "loss")
      r.loss = v;
    else if (name == "mean_ratio")
      r.meanRatio = v;
    else if (name == "clip_fraction")
      r.clipFraction = v;
    else if (name == "grad_norm")
      r.gradNorm = v;
    else if (name == "skipped")
      r.skipped = v != 0;
  }
  // On a skipped step the compiled code changed nothing, so AdamW's t does
  // not advance either: the next step retries number `stepNumber`.
  if (!r.skipped)
    step_ = stepNumber;
  r.step = r.skipped ? step_ : stepNumber;
  out = r;
  return nullptr;
}

zen_status_t Trainer::usePolicyWeights(bool on) {
  if (!on) {
    if (swapped_)
      for (Swap &s : swaps_)
        model_->swapParamData(s.param, s.original);
    swaps_.clear();
    swapped_ = false;
    return nullptr;
  }
  ZEN_RETURN_IF_ERROR(usePolicyWeights(false));
  const ModelMetadata &meta = model_->metadata();
  std::vector<Swap> swaps;
  if (!training().lora) {
    for (Tensor &t : tensors_) {
      if (t.param == kNoParam)
        continue; // used by train_step only
      const ParamDesc &p = meta.params[t.param];
      Swap s{t.param, nullptr, nullptr};
      if (p.dtype != ZEN_DTYPE_F32) {
        s.merged = allocateAligned(p.numBytes);
        if (!s.merged)
          return outOfMemoryStatus();
        convertFromF32(p.dtype, static_cast<const float *>(t.value.get()),
                       s.merged.get(), t.count);
      }
      swaps.push_back(std::move(s));
    }
  } else {
    double scale = loraScale(training());
    // One merged copy per adapted parameter; several adapters may add into
    // slices of one stacked expert parameter.
    std::vector<size_t> order;
    std::vector<std::vector<float>> merged;
    for (const Tensor &a : tensors_) {
      if (a.role != Tensor::Role::LoraA)
        continue;
      std::string base = loraBaseWeight(a.name);
      const Tensor *b = nullptr;
      for (const Tensor &t : tensors_)
        if (t.role == Tensor::Role::LoraB && loraBaseWeight(t.name) == base)
          b = &t;
      if (a.param == kNoParam || !b)
        return makeStatus(
            ZEN_STATUS_UNSUPPORTED,
            cat(model_->path(), ": cannot run the adapted model: ",
                a.param == kNoParam
                    ? cat("the model has no parameter ", quoted(base),
                          " for adapter ", quoted(a.name))
                    : cat("adapter ", quoted(a.name), " has no lora_B")));
      const ParamDesc &p = meta.params[a.param];
      const void *w = model_->bindings()[a.param].data;
      // W [.., out, in], A [.., r, in], B [.., out, r]; a per-expert adapter
      // [r, in] adapts slice `expert` of a stacked W [E, out, in].
      size_t rank = p.shape.size();
      int64_t out = p.shape[rank - 2], in = p.shape[rank - 1];
      int64_t r = a.shape[a.shape.size() - 2];
      uint64_t stacks = a.count / uint64_t(r * in);
      uint64_t offset =
          a.expert >= 0 ? uint64_t(a.expert) * uint64_t(out * in) : 0;
      bool fits = w && a.shape.back() == in &&
                  b->shape[b->shape.size() - 2] == out &&
                  a.count == stacks * uint64_t(r * in) &&
                  offset + stacks * uint64_t(out * in) <= p.numElements &&
                  (a.expert >= 0 ? a.shape.size() == 2 && rank == 3
                                 : a.shape.size() == rank);
      if (!fits)
        return makeStatus(ZEN_STATUS_UNSUPPORTED,
                          cat(model_->path(), ": cannot merge adapter ",
                              quoted(a.name), " ", formatShape(a.shape),
                              " into ", quoted(p.name), " ",
                              formatShape(p.shape),
                              w ? "" : " (the parameter is not bound)"));
      size_t slot =
          std::find(order.begin(), order.end(), a.param) - order.begin();
      if (slot == order.size()) {
        order.push_back(a.param);
        merged.emplace_back(p.numElements);
        convertToF32(p.dtype, w, merged.back().data(), p.numElements);
      }
      float *W = merged[slot].data() + offset;
      const float *A = static_cast<const float *>(a.value.get());
      const float *B = static_cast<const float *>(b->value.get());
      for (uint64_t e = 0; e < stacks; ++e)
        for (int64_t o = 0; o < out; ++o)
          for (int64_t k = 0; k < r; ++k) {
            float bk = static_cast<float>(
                scale * B[(e * uint64_t(out) + uint64_t(o)) * uint64_t(r) +
                          uint64_t(k)]);
            if (bk == 0)
              continue;
            const float *arow =
                A + (e * uint64_t(r) + uint64_t(k)) * uint64_t(in);
            float *wrow = W + (e * uint64_t(out) + uint64_t(o)) * uint64_t(in);
            for (int64_t i = 0; i < in; ++i)
              wrow[i] += bk * arow[i];
          }
    }
    for (size_t i = 0; i < order.size(); ++i) {
      const ParamDesc &p = meta.params[order[i]];
      Swap s{order[i], allocateAligned(p.numBytes), nullptr};
      if (!s.merged)
        return outOfMemoryStatus();
      convertFromF32(p.dtype, merged[i].data(), s.merged.get(), p.numElements);
      swaps.push_back(std::move(s));
    }
  }
  for (Swap &s : swaps) {
    const void *data = s.merged.get();
    if (!data)
      for (Tensor &t : tensors_)
        if (t.param == s.param)
          data = t.value.get();
    s.original = model_->swapParamData(s.param, data);
  }
  swaps_ = std::move(swaps);
  swapped_ = true;
  return nullptr;
}

} // namespace zen::rt

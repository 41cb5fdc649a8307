//===- ToyTask.cpp - A verifiable toy task and the GSPO loop --------------===//

#include "ToyTask.h"

#include "../core/Forward.h"
#include "../core/Rng.h"
#include "../core/Sampling.h"
#include "../core/Session.h"

namespace zen::rt {

float toyReward(const int64_t *completion, int64_t length, int64_t target,
                int64_t eos) {
  if (length <= 0)
    return 0;
  int64_t hits = 0;
  for (int64_t i = 0; i < length; ++i) {
    hits += completion[i] == target;
    if (eos >= 0 && completion[i] == eos)
      break;
  }
  return static_cast<float>(double(hits) / double(length));
}

zen_status_t buildGroupBatch(const std::vector<int64_t> &prompts, int64_t P,
                             int64_t Tp,
                             const std::vector<int64_t> &completions, int64_t G,
                             int64_t L, const std::vector<float> &rewards,
                             int64_t eos, TrainBatch &out) {
  if (P < 1 || G < 1 || Tp < 1 || L < 1 || prompts.size() != size_t(P * Tp) ||
      completions.size() != size_t(P * G * L) ||
      rewards.size() != size_t(P * G))
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat("buildGroupBatch: sizes do not agree (P ", P, ", Tp ",
                          Tp, ", G ", G, ", L ", L, ")"));
  TrainBatch b;
  b.n = P * G;
  b.t = Tp + L;
  size_t count = size_t(b.n * b.t);
  b.inputIds.assign(count, 0);
  b.completionMask.assign(count, 0.0f);
  b.attentionMask.assign(count, 1);
  b.rewards = rewards;
  for (int64_t i = 0; i < b.n; ++i) {
    int64_t *ids = b.inputIds.data() + i * b.t;
    const int64_t *prompt = prompts.data() + (i / G) * Tp;
    const int64_t *completion = completions.data() + i * L;
    std::copy(prompt, prompt + Tp, ids);
    bool ended = false;
    for (int64_t j = 0; j < L; ++j) {
      size_t at = size_t(i * b.t + Tp + j);
      if (ended) {
        b.inputIds[at] = eos;
        b.attentionMask[at] = 0;
        continue;
      }
      b.inputIds[at] = completion[j];
      b.completionMask[at] = 1;
      ended = eos >= 0 && completion[j] == eos;
    }
  }
  out = std::move(b);
  return nullptr;
}

namespace {

bool hasEntry(const Model &model, const char *name) {
  for (const EntryPointDesc &e : model.metadata().entryPoints)
    if (e.name == name)
      return true;
  return false;
}

/// Samples L tokens after each of the N prompts [N, Tp] with the model's
/// current weights.
zen_status_t sample(const Model &model, const std::vector<int64_t> &prompts,
                    int64_t N, int64_t Tp, int64_t L, float temperature,
                    zen_rng_t &rng, std::vector<int64_t> &out) {
  zen_sampling_config_t config = zen_sampling_config_default();
  config.temperature = temperature;
  out.assign(size_t(N * L), 0);
  std::vector<int64_t> next(static_cast<size_t>(N));
  if (hasEntry(model, "prefill") && hasEntry(model, "decode")) {
    std::unique_ptr<Session> session;
    ZEN_RETURN_IF_ERROR(Session::create(model, N, Tp + L, session));
    int64_t V = session->vocabSize();
    std::vector<float> logits(size_t(N * V));
    ZEN_RETURN_IF_ERROR(
        session->prefill(Tp, prompts.data(), nullptr, logits.data()));
    for (int64_t j = 0; j < L; ++j) {
      for (int64_t i = 0; i < N; ++i) {
        ZEN_RETURN_IF_ERROR(sampleToken(logits.data() + i * V, size_t(V),
                                        config, rng, next[i]));
        out[size_t(i * L + j)] = next[i];
      }
      if (j + 1 < L)
        ZEN_RETURN_IF_ERROR(session->decode(next.data(), logits.data()));
    }
    return nullptr;
  }
  // No decoding entry points: re-run forward on the whole sequence.
  size_t entry = 0;
  ZEN_RETURN_IF_ERROR(model.findEntryPoint("forward", entry));
  int64_t V = 0;
  ZEN_RETURN_IF_ERROR(vocabSize(model, entry, V));
  std::vector<int64_t> ids = prompts;
  for (int64_t j = 0; j < L; ++j) {
    int64_t T = Tp + j;
    ForwardRequest request;
    request.batch = N;
    request.seqLen = T;
    request.inputIds = ids.data();
    HostBuffer logits;
    ZEN_RETURN_IF_ERROR(runForward(model, request, nullptr, 0, &logits));
    const float *all = static_cast<const float *>(logits.get());
    std::vector<int64_t> longer(size_t(N * (T + 1)));
    for (int64_t i = 0; i < N; ++i) {
      ZEN_RETURN_IF_ERROR(sampleToken(all + (i * T + T - 1) * V, size_t(V),
                                      config, rng, next[i]));
      out[size_t(i * L + j)] = next[i];
      std::copy(ids.begin() + i * T, ids.begin() + (i + 1) * T,
                longer.begin() + i * (T + 1));
      longer[size_t(i * (T + 1) + T)] = next[i];
    }
    ids = std::move(longer);
  }
  return nullptr;
}

} // namespace

zen_status_t toyTaskStep(Trainer &trainer, const ToyTaskConfig &config,
                         zen_rng_t &rng, ToyStepResult &out) {
  const int64_t P = config.numPrompts, Tp = config.promptLen,
                L = config.completionLen;
  const int64_t G = trainer.training().groupSize;
  if (P < 1 || Tp < 1 || L < 1)
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      "toy task: the number of prompts, the prompt length and "
                      "the completion length must be at least 1");
  // A train_step compiled for a fixed batch shape takes only that.
  for (const EntryPointDesc &e : trainer.model().metadata().entryPoints)
    if (e.name == "train_step")
      for (const ValueDesc &arg : e.args)
        if (arg.kind == ZEN_VALUE_INPUT && arg.name == "input_ids" &&
            arg.shape.size() == 2) {
          if (arg.shape[0] > 0 && arg.shape[0] != P * G)
            return makeStatus(
                ZEN_STATUS_INVALID_ARGUMENT,
                cat("toy task: train_step takes batches of exactly ",
                    arg.shape[0], " sequences, but ", P, " prompts x ", G,
                    " completions make ", P * G,
                    (arg.shape[0] % G == 0
                         ? cat(" (use ", arg.shape[0] / G, " prompts)")
                         : std::string())));
          if (arg.shape[1] > 0 && arg.shape[1] != Tp + L)
            return makeStatus(
                ZEN_STATUS_INVALID_ARGUMENT,
                cat("toy task: train_step takes sequences of exactly ",
                    arg.shape[1], " tokens, but prompts of ", Tp,
                    " and completions of ", L, " make ", Tp + L));
        }
  int64_t V = trainer.limits().vocab;
  const Model &model = trainer.model();
  for (const char *name : {"decode", "forward"}) {
    size_t e = 0;
    zen_status_t s = model.findEntryPoint(name, e);
    zen_status_free(s);
    if (!s) {
      int64_t v = 0;
      ZEN_RETURN_IF_ERROR(vocabSize(model, e, v));
      V = V > 0 ? std::min(V, v) : v;
      break;
    }
  }
  if (V <= 0)
    return makeStatus(ZEN_STATUS_UNSUPPORTED,
                      cat(model.path(),
                          ": the toy task samples completions with the "
                          "prefill/decode or forward entry points, which the "
                          "model does not have"));
  if (config.target < 0 || config.target >= V || (config.eos >= V))
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat("toy task: the target token ", config.target,
                          config.eos >= 0 ? cat(" and EOS ", config.eos) : "",
                          " must lie in the vocabulary [0, ", V, ")"));
  std::vector<int64_t> prompts(size_t(P * Tp));
  for (int64_t &id : prompts)
    id = static_cast<int64_t>(rngNext(rng) % uint64_t(V));
  std::vector<int64_t> repeated(size_t(P * G * Tp));
  for (int64_t i = 0; i < P * G; ++i)
    std::copy(prompts.begin() + (i / G) * Tp,
              prompts.begin() + (i / G + 1) * Tp, repeated.begin() + i * Tp);

  std::vector<int64_t> completions;
  ZEN_RETURN_IF_ERROR(trainer.usePolicyWeights(true));
  zen_status_t sampled = sample(
      model, repeated, P * G, Tp, L,
      static_cast<float>(trainer.training().temperature), rng, completions);
  ZEN_RETURN_IF_ERROR(trainer.usePolicyWeights(false));
  ZEN_RETURN_IF_ERROR(sampled);

  std::vector<float> rewards(size_t(P * G));
  double sum = 0;
  for (int64_t i = 0; i < P * G; ++i) {
    rewards[size_t(i)] =
        toyReward(completions.data() + i * L, L, config.target, config.eos);
    sum += rewards[size_t(i)];
  }
  TrainBatch batch;
  ZEN_RETURN_IF_ERROR(buildGroupBatch(prompts, P, Tp, completions, G, L,
                                      rewards, config.eos, batch));
  ToyStepResult result;
  result.meanReward = static_cast<float>(sum / double(P * G));
  ZEN_RETURN_IF_ERROR(trainer.step(batch, config.learningRate, result.train));
  out = result;
  return nullptr;
}

} // namespace zen::rt

//===- CApiTrain.cpp - C API: training ------------------------------------===//

#include "Peft.h"
#include "ToyTask.h"
#include "TrainBatch.h"
#include "Trainer.h"

#include "../core/CApi.h"
#include "../core/CApiModel.h"

#include <cstring>

using namespace zen::rt;

struct zen_train_batch_file {
  TrainBatch batch;
};

struct zen_trainer {
  std::unique_ptr<Trainer> trainer;
};

namespace {

/// Copies a C batch into a TrainBatch (sizes checked, values not: the
/// trainer validates them against the model).
zen_status_t fromC(const zen_train_batch_t &c, const char *fn,
                   TrainBatch &out) {
  if (c.num_sequences < 1 || c.seq_len < 1 ||
      c.num_sequences > (int64_t(1) << 40) / c.seq_len)
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat(fn, ": batch of ", c.num_sequences, " x ", c.seq_len,
                          " tokens: both must be at least 1"));
  for (auto [p, name] :
       {std::pair<const void *, const char *>{c.input_ids, "input_ids"},
        {c.completion_mask, "completion_mask"},
        {c.rewards, "rewards"}})
    ZEN_RETURN_IF_ERROR(requireNonNull(p, fn, name));
  size_t n = size_t(c.num_sequences), count = n * size_t(c.seq_len);
  out.n = c.num_sequences;
  out.t = c.seq_len;
  out.inputIds.assign(c.input_ids, c.input_ids + count);
  out.completionMask.assign(c.completion_mask, c.completion_mask + count);
  out.rewards.assign(c.rewards, c.rewards + n);
  if (c.attention_mask)
    out.attentionMask.assign(c.attention_mask, c.attention_mask + count);
  if (c.old_logprobs)
    out.oldLogprobs.assign(c.old_logprobs, c.old_logprobs + count);
  if (c.ref_logprobs)
    out.refLogprobs.assign(c.ref_logprobs, c.ref_logprobs + count);
  return nullptr;
}

void toC(const StepResult &r, zen_train_step_result_t &out) {
  out.loss = r.loss;
  out.mean_ratio = r.meanRatio;
  out.clip_fraction = r.clipFraction;
  out.grad_norm = r.gradNorm;
  out.skipped = r.skipped;
  out.step = r.step;
}

} // namespace

extern "C" {

zen_status_t zen_model_training_info(const zen_model_t *model,
                                     zen_training_info_t *info) {
  const char *fn = "zen_model_training_info";
  ZEN_RETURN_IF_ERROR(requireNonNull(model, fn, "model"));
  ZEN_RETURN_IF_ERROR(requireNonNull(info, fn, "info"));
  return guard(fn, [&]() -> zen_status_t {
    size_t entry = 0;
    ZEN_RETURN_IF_ERROR(findTrainStep(*model->model, entry));
    const TrainingDesc &t = model->model->metadata().training;
    zen_training_info_t i;
    std::memset(&i, 0, sizeof i);
    i.algorithm = t.algorithm.c_str();
    i.group_size = t.groupSize;
    i.gspo_level = t.gspoLevel.c_str();
    i.loss_type = t.lossType.c_str();
    i.scale_rewards = t.scaleRewards.c_str();
    i.epsilon_low = t.epsilonLow;
    i.epsilon_high = t.epsilonHigh;
    i.beta = t.beta;
    i.temperature = t.temperature;
    i.learning_rate = t.learningRate;
    i.weight_decay = t.weightDecay;
    i.adam_beta1 = t.adamBeta1;
    i.adam_beta2 = t.adamBeta2;
    i.adam_epsilon = t.adamEpsilon;
    i.max_grad_norm = t.maxGradNorm;
    i.max_seq_length = t.maxSeqLength;
    i.lora = t.lora;
    i.lora_r = t.loraR;
    i.lora_alpha = t.loraAlpha;
    i.lora_dropout = t.loraDropout;
    i.use_rslora = t.useRslora;
    i.materialize_logits = t.materializeLogits;
    i.num_target_modules = t.targetModuleNames.size();
    i.target_modules = t.targetModuleNames.data();
    for (const ValueDesc &arg :
         model->model->metadata().entryPoints[entry].args)
      if (arg.kind == ZEN_VALUE_INPUT && arg.name == "input_ids" &&
          arg.shape.size() == 2) {
        i.static_num_sequences = arg.shape[0] > 0 ? arg.shape[0] : 0;
        i.static_seq_len = arg.shape[1] > 0 ? arg.shape[1] : 0;
      }
    *info = i;
    return nullptr;
  });
}

zen_status_t zen_train_batch_read(const char *path,
                                  zen_train_batch_file_t **out) {
  const char *fn = "zen_train_batch_read";
  ZEN_RETURN_IF_ERROR(requireNonNull(path, fn, "path"));
  ZEN_RETURN_IF_ERROR(requireNonNull(out, fn, "out"));
  return guard(fn, [&]() -> zen_status_t {
    std::unique_ptr<zen_train_batch_file> file(new zen_train_batch_file());
    ZEN_RETURN_IF_ERROR(readTrainBatch(path, file->batch));
    *out = file.release();
    return nullptr;
  });
}

zen_status_t zen_train_batch_file_view(const zen_train_batch_file_t *file,
                                       zen_train_batch_t *batch) {
  const char *fn = "zen_train_batch_file_view";
  ZEN_RETURN_IF_ERROR(requireNonNull(file, fn, "file"));
  ZEN_RETURN_IF_ERROR(requireNonNull(batch, fn, "batch"));
  const TrainBatch &b = file->batch;
  batch->num_sequences = b.n;
  batch->seq_len = b.t;
  batch->input_ids = b.inputIds.data();
  batch->attention_mask =
      b.attentionMask.empty() ? nullptr : b.attentionMask.data();
  batch->completion_mask = b.completionMask.data();
  batch->rewards = b.rewards.data();
  batch->old_logprobs = b.oldLogprobs.empty() ? nullptr : b.oldLogprobs.data();
  batch->ref_logprobs = b.refLogprobs.empty() ? nullptr : b.refLogprobs.data();
  return nullptr;
}

void zen_train_batch_file_free(zen_train_batch_file_t *file) { delete file; }

zen_status_t zen_train_batch_write(const char *path,
                                   const zen_train_batch_t *batch) {
  const char *fn = "zen_train_batch_write";
  ZEN_RETURN_IF_ERROR(requireNonNull(path, fn, "path"));
  ZEN_RETURN_IF_ERROR(requireNonNull(batch, fn, "batch"));
  return guard(fn, [&]() -> zen_status_t {
    TrainBatch b;
    ZEN_RETURN_IF_ERROR(fromC(*batch, fn, b));
    return writeTrainBatch(path, b);
  });
}

zen_status_t zen_model_check_train_batch(const zen_model_t *model,
                                         const zen_train_batch_t *batch,
                                         const char *label) {
  const char *fn = "zen_model_check_train_batch";
  ZEN_RETURN_IF_ERROR(requireNonNull(model, fn, "model"));
  ZEN_RETURN_IF_ERROR(requireNonNull(batch, fn, "batch"));
  return guard(fn, [&]() -> zen_status_t {
    BatchLimits limits;
    ZEN_RETURN_IF_ERROR(trainBatchLimits(*model->model, limits));
    TrainBatch b;
    ZEN_RETURN_IF_ERROR(fromC(*batch, fn, b));
    return validateTrainBatch(b, limits, label ? label : "training batch");
  });
}

zen_trainer_options_t zen_trainer_options_default(void) {
  zen_trainer_options_t o;
  std::memset(&o, 0, sizeof o);
  return o;
}

zen_status_t zen_trainer_create(zen_model_t *model,
                                const zen_trainer_options_t *options,
                                zen_trainer_t **out) {
  const char *fn = "zen_trainer_create";
  ZEN_RETURN_IF_ERROR(requireNonNull(model, fn, "model"));
  ZEN_RETURN_IF_ERROR(requireNonNull(out, fn, "out"));
  return guard(fn, [&]() -> zen_status_t {
    zen_trainer_options_t defaults = zen_trainer_options_default();
    const zen_trainer_options_t &o = options ? *options : defaults;
    TrainerOptions opts;
    opts.seed = o.seed;
    opts.adapter = o.adapter ? o.adapter : "";
    opts.weights = o.weights ? o.weights : "";
    opts.baseModel = o.base_model_name_or_path ? o.base_model_name_or_path : "";
    std::unique_ptr<zen_trainer> handle(new zen_trainer());
    ZEN_RETURN_IF_ERROR(Trainer::create(*model->model, opts, handle->trainer));
    *out = handle.release();
    return nullptr;
  });
}

void zen_trainer_free(zen_trainer_t *trainer) { delete trainer; }

zen_status_t zen_trainer_step(zen_trainer_t *trainer,
                              const zen_train_batch_t *batch,
                              float learning_rate,
                              zen_train_step_result_t *result) {
  const char *fn = "zen_trainer_step";
  ZEN_RETURN_IF_ERROR(requireNonNull(trainer, fn, "trainer"));
  ZEN_RETURN_IF_ERROR(requireNonNull(batch, fn, "batch"));
  ZEN_RETURN_IF_ERROR(requireNonNull(result, fn, "result"));
  return guard(fn, [&]() -> zen_status_t {
    TrainBatch b;
    ZEN_RETURN_IF_ERROR(fromC(*batch, fn, b));
    StepResult r;
    ZEN_RETURN_IF_ERROR(trainer->trainer->step(b, learning_rate, r));
    toC(r, *result);
    return nullptr;
  });
}

zen_status_t zen_trainer_step_count(const zen_trainer_t *trainer,
                                    int64_t *steps) {
  ZEN_RETURN_IF_ERROR(
      requireNonNull(trainer, "zen_trainer_step_count", "trainer"));
  ZEN_RETURN_IF_ERROR(requireNonNull(steps, "zen_trainer_step_count", "steps"));
  *steps = trainer->trainer->stepCount();
  return nullptr;
}

zen_status_t zen_trainer_num_tensors(const zen_trainer_t *trainer,
                                     size_t *count) {
  ZEN_RETURN_IF_ERROR(
      requireNonNull(trainer, "zen_trainer_num_tensors", "trainer"));
  ZEN_RETURN_IF_ERROR(
      requireNonNull(count, "zen_trainer_num_tensors", "count"));
  *count = trainer->trainer->tensors().size();
  return nullptr;
}

zen_status_t zen_trainer_tensor(const zen_trainer_t *trainer, size_t index,
                                zen_trainer_tensor_t *tensor) {
  const char *fn = "zen_trainer_tensor";
  ZEN_RETURN_IF_ERROR(requireNonNull(trainer, fn, "trainer"));
  ZEN_RETURN_IF_ERROR(requireNonNull(tensor, fn, "tensor"));
  const auto &tensors = trainer->trainer->tensors();
  if (index >= tensors.size())
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat(fn, ": index ", index, " is out of range (",
                          tensors.size(), " tensors)"));
  const Trainer::Tensor &t = tensors[index];
  tensor->name = t.name.c_str();
  tensor->rank = static_cast<int32_t>(t.shape.size());
  tensor->shape = t.shape.data();
  tensor->num_elements = t.count;
  tensor->value = static_cast<const float *>(t.value.get());
  tensor->exp_avg = static_cast<const float *>(t.expAvg.get());
  tensor->exp_avg_sq = static_cast<const float *>(t.expAvgSq.get());
  tensor->grad = static_cast<const float *>(t.grad.get());
  return nullptr;
}

#define ZEN_TRAINER_IO(function, method, Const)                                \
  zen_status_t function(Const zen_trainer_t *trainer, const char *path) {      \
    ZEN_RETURN_IF_ERROR(requireNonNull(trainer, #function, "trainer"));        \
    ZEN_RETURN_IF_ERROR(requireNonNull(path, #function, "path"));              \
    return guard(#function, [&]() -> zen_status_t {                            \
      return trainer->trainer->method(path);                                   \
    });                                                                        \
  }
ZEN_TRAINER_IO(zen_trainer_save_adapter, saveAdapter, const)
ZEN_TRAINER_IO(zen_trainer_save_grads, saveGrads, const)
ZEN_TRAINER_IO(zen_trainer_save_checkpoint, saveCheckpoint, const)
ZEN_TRAINER_IO(zen_trainer_load_checkpoint, loadCheckpoint, )
#undef ZEN_TRAINER_IO

zen_toy_task_config_t zen_toy_task_config_default(void) {
  ToyTaskConfig d;
  zen_toy_task_config_t c;
  c.num_prompts = d.numPrompts;
  c.prompt_len = d.promptLen;
  c.completion_len = d.completionLen;
  c.target_token = d.target;
  c.eos_token = d.eos;
  c.learning_rate = d.learningRate;
  c.seed = d.seed;
  return c;
}

float zen_toy_task_reward(const int64_t *completion, int64_t length,
                          int64_t target_token, int64_t eos_token) {
  if (!completion)
    return 0;
  return toyReward(completion, length, target_token, eos_token);
}

zen_status_t zen_trainer_toy_step(zen_trainer_t *trainer,
                                  const zen_toy_task_config_t *config,
                                  zen_rng_t *rng,
                                  zen_toy_step_result_t *result) {
  const char *fn = "zen_trainer_toy_step";
  ZEN_RETURN_IF_ERROR(requireNonNull(trainer, fn, "trainer"));
  ZEN_RETURN_IF_ERROR(requireNonNull(config, fn, "config"));
  ZEN_RETURN_IF_ERROR(requireNonNull(result, fn, "result"));
  return guard(fn, [&]() -> zen_status_t {
    ToyTaskConfig c;
    c.numPrompts = config->num_prompts;
    c.promptLen = config->prompt_len;
    c.completionLen = config->completion_len;
    c.target = config->target_token;
    c.eos = config->eos_token;
    c.learningRate = config->learning_rate;
    c.seed = config->seed;
    ToyStepResult r;
    zen_rng_t &stream = rng ? *rng : trainer->trainer->taskRng(c.seed);
    ZEN_RETURN_IF_ERROR(toyTaskStep(*trainer->trainer, c, stream, r));
    result->mean_reward = r.meanReward;
    toC(r.train, result->train);
    return nullptr;
  });
}

} // extern "C"

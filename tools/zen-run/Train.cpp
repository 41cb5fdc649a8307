//===- Train.cpp - zen-run's train-step and gspo commands -----------------===//
//
// Both run a model's train_step entry point (zen-compile --train) through
// libzenrt's trainer (docs/runtime.md, "Training"): train-step on a batch
// file, gspo on the runtime's built-in toy task (sample, score, train).
//
//===----------------------------------------------------------------------===//

#include "Train.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <vector>

namespace zen::run {

const char *kTrainUsage =
    "  train-step WEIGHTS --batch BATCH.safetensors [--steps N] [--lr X]\n"
    "          [--adapter IN | --resume CKPT] [--seed S]\n"
    "          [--dump-grads GRADS.safetensors] [--save-adapter OUT]\n"
    "          [--checkpoint CKPT]\n"
    "                        run the model's train_step (zen-compile --train)\n"
    "                        N times (default 1) on the batch: input_ids\n"
    "                        [N, T] int64, completion_mask [N, T], rewards\n"
    "                        [N] float32, optional old_logprobs [N, T],\n"
    "                        attention_mask, ref_logprobs. Prints loss, mean\n"
    "                        ratio, clip fraction and grad norm per step.\n"
    "                        LoRA adapters start from --adapter (a PEFT\n"
    "                        directory) or from --seed (default 0); --resume\n"
    "                        continues a checkpoint; --save-adapter writes a\n"
    "                        PEFT directory, --checkpoint adapter + optimizer\n"
    "                        state + step (atomically), --dump-grads the last\n"
    "                        step's gradients\n"
    "  gspo WEIGHTS [--steps N] [--prompts P] [--seed S] [--lr X]\n"
    "          [--prompt-len N] [--completion-len L] [--target ID] [--eos ID]\n"
    "          [--adapter IN | --resume CKPT] [--save-adapter OUT]\n"
    "          [--checkpoint CKPT]\n"
    "                        GSPO on a built-in toy task: P prompts (default\n"
    "                        8) of 4 random ids; group_size completions of L\n"
    "                        tokens (default 16) sampled per prompt; reward =\n"
    "                        fraction of tokens equal to --target (default\n"
    "                        7); N steps (default 100); the compiled learning\n"
    "                        rate unless --lr. Prints the mean reward per step\n";

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start)
      .count();
}

struct TrainerHandle {
  zen_trainer_t *t = nullptr;
  ~TrainerHandle() { zen_trainer_free(t); }
};

/// The training configuration, or the "compiled without --train" error.
Status trainingInfo(zen_model_t *model, zen_training_info_t &info) {
  return Status(zen_model_training_info(model, &info));
}

Status uint64Flag(const Options &options, const char *flag, uint64_t &value,
                  uint64_t min, uint64_t max) {
  if (!options.has(flag))
    return Status();
  ZEN_RUN_TRY(options.getU64(flag, value));
  if (value < min || value > max)
    return usageError("--" + std::string(flag) + " must be in [" +
                      std::to_string(min) + ", " + std::to_string(max) + "]");
  return Status();
}

/// Option combinations that the model's training configuration rules out,
/// caught before any weights are loaded.
Status checkTrainingOptions(const zen_training_info_t &info,
                            const Options &options) {
  if (!info.lora)
    for (const char *flag : {"adapter", "save-adapter"})
      if (options.has(flag))
        return usageError("--" + std::string(flag) + ": " + options.modelPath +
                          " trains all weights (training.lora is null), so "
                          "there is no adapter; use --resume/--checkpoint");
  return Status();
}

/// Creates the trainer from --seed / --adapter, then --resume.
Status makeTrainer(zen_model_t *model, const Options &options,
                   TrainerHandle &trainer) {
  if (options.has("adapter") && options.has("resume"))
    return usageError("--adapter and --resume both set the trained weights; "
                      "give one");
  zen_trainer_options_t o = zen_trainer_options_default();
  ZEN_RUN_TRY(uint64Flag(options, "seed", o.seed, 0, UINT64_MAX));
  std::string adapter = options.get("adapter"),
              weights = options.get("weights");
  if (options.has("adapter"))
    o.adapter = adapter.c_str();
  if (options.has("weights")) {
    o.weights = weights.c_str();
    o.base_model_name_or_path = weights.c_str();
  }
  ZEN_RUN_TRY(Status(zen_trainer_create(model, &o, &trainer.t)));
  if (options.has("resume")) {
    ZEN_RUN_TRY(Status(
        zen_trainer_load_checkpoint(trainer.t, options.get("resume").c_str())));
    int64_t steps = 0;
    ZEN_RUN_TRY(Status(zen_trainer_step_count(trainer.t, &steps)));
    std::printf("resumed %s at step %" PRId64 "\n",
                options.get("resume").c_str(), steps);
  }
  return Status();
}

/// The number of the step `r` made, or tried to make when it was skipped.
int64_t stepNumber(const zen_train_step_result_t &r) {
  return r.skipped ? r.step + 1 : r.step;
}

void warnIfSkipped(const zen_train_step_result_t &r) {
  if (r.skipped)
    std::fprintf(stderr,
                 "zen-run: warning: step %" PRId64
                 ": non-finite loss/gradient, step skipped\n",
                 stepNumber(r));
}

/// --dump-grads, --save-adapter and --checkpoint, after the last step.
Status saveOutputs(zen_trainer_t *trainer, const Options &options) {
  if (options.has("dump-grads")) {
    ZEN_RUN_TRY(Status(
        zen_trainer_save_grads(trainer, options.get("dump-grads").c_str())));
    std::printf("gradients: %s\n", options.get("dump-grads").c_str());
  }
  if (options.has("save-adapter")) {
    ZEN_RUN_TRY(Status(zen_trainer_save_adapter(
        trainer, options.get("save-adapter").c_str())));
    std::printf("adapter: %s\n", options.get("save-adapter").c_str());
  }
  if (options.has("checkpoint")) {
    ZEN_RUN_TRY(Status(zen_trainer_save_checkpoint(
        trainer, options.get("checkpoint").c_str())));
    int64_t steps = 0;
    ZEN_RUN_TRY(Status(zen_trainer_step_count(trainer, &steps)));
    std::printf("checkpoint: %s (step %" PRId64 ")\n",
                options.get("checkpoint").c_str(), steps);
  }
  return Status();
}

Status learningRate(const Options &options, float &lr) {
  lr = 0; // the compiled default
  if (options.has("lr")) {
    ZEN_RUN_TRY(options.getFloat("lr", lr));
    if (!(lr > 0))
      return usageError("--lr must be positive");
  }
  return Status();
}

} // namespace

void printTrainingInfo(zen_model_t *model) {
  zen_training_info_t info;
  zen_status_t s = zen_model_training_info(model, &info);
  if (s) {
    zen_status_free(s); // compiled without --train
    return;
  }
  std::string how = "all weights";
  if (info.lora) {
    how = "LoRA r " + std::to_string(info.lora_r) + ", alpha ";
    char alpha[32];
    std::snprintf(alpha, sizeof alpha, "%g", info.lora_alpha);
    how += alpha;
    how += info.use_rslora ? " (rsLoRA) on " : " on ";
    for (size_t i = 0; i < info.num_target_modules; ++i)
      how += (i ? "," : "") + std::string(info.target_modules[i]);
  }
  std::printf("training:     %s%s, group size %" PRId64 ", %s, learning rate "
              "%g, epsilon %g/%g, beta %g\n",
              info.algorithm,
              std::string(info.algorithm) == "gspo"
                  ? (std::string(" (") + info.gspo_level + ")").c_str()
                  : (std::string(" (") + info.loss_type + ")").c_str(),
              info.group_size, how.c_str(), info.learning_rate,
              info.epsilon_low, info.epsilon_high, info.beta);
}

Status runTrainStep(zen_model_t *model, const Options &options,
                    const BindFn &bind) {
  // The cheap checks first: a model built without --train, a bad batch and
  // a bad option fail before the weights are bound.
  zen_training_info_t info;
  ZEN_RUN_TRY(trainingInfo(model, info));
  ZEN_RUN_TRY(checkTrainingOptions(info, options));
  if (!options.has("batch"))
    return usageError("train-step needs --batch BATCH.safetensors");
  uint64_t steps = 1;
  ZEN_RUN_TRY(uint64Flag(options, "steps", steps, 1, uint64_t(1) << 32));
  float lr = 0;
  ZEN_RUN_TRY(learningRate(options, lr));
  zen_train_batch_file_t *rawBatch = nullptr;
  ZEN_RUN_TRY(
      Status(zen_train_batch_read(options.get("batch").c_str(), &rawBatch)));
  std::unique_ptr<zen_train_batch_file_t, void (*)(zen_train_batch_file_t *)>
      file(rawBatch, zen_train_batch_file_free);
  zen_train_batch_t batch;
  ZEN_RUN_TRY(Status(zen_train_batch_file_view(file.get(), &batch)));
  ZEN_RUN_TRY(Status(zen_model_check_train_batch(
      model, &batch, options.get("batch").c_str())));
  ZEN_RUN_TRY(bind());
  TrainerHandle trainer;
  ZEN_RUN_TRY(makeTrainer(model, options, trainer));

  std::printf("batch: %" PRId64 " sequences x %" PRId64
              " tokens (group size %" PRId64 "), %s, %s\n",
              batch.num_sequences, batch.seq_len, info.group_size,
              batch.old_logprobs ? "old_logprobs given" : "on-policy",
              info.lora ? "LoRA" : "full weights");
  for (uint64_t i = 1; i <= steps; ++i) {
    Clock::time_point start = Clock::now();
    zen_train_step_result_t r;
    ZEN_RUN_TRY(Status(zen_trainer_step(trainer.t, &batch, lr, &r)));
    warnIfSkipped(r);
    std::printf("step %" PRId64 ": loss %.6g, mean ratio %.6g, clip fraction "
                "%.4g, grad norm %.6g%s (%.1f ms)\n",
                stepNumber(r), r.loss, r.mean_ratio, r.clip_fraction,
                r.grad_norm, r.skipped ? " [skipped]" : "", msSince(start));
    std::fflush(stdout);
  }
  return saveOutputs(trainer.t, options);
}

Status runGspo(zen_model_t *model, const Options &options, const BindFn &bind) {
  zen_training_info_t info;
  ZEN_RUN_TRY(trainingInfo(model, info));
  ZEN_RUN_TRY(checkTrainingOptions(info, options));
  if (options.has("dump-grads"))
    return usageError("--dump-grads applies to train-step");
  uint64_t steps = 100, prompts = 8, promptLen = 4, completionLen = 16,
           target = 7, eos = 0, seed = 0;
  const uint64_t kMax = uint64_t(1) << 20;
  ZEN_RUN_TRY(uint64Flag(options, "steps", steps, 1, uint64_t(1) << 32));
  // A train_step compiled for a fixed number of sequences fixes P.
  if (info.static_num_sequences > 0 &&
      info.static_num_sequences % info.group_size == 0)
    prompts = uint64_t(info.static_num_sequences / info.group_size);
  ZEN_RUN_TRY(uint64Flag(options, "prompts", prompts, 1, kMax));
  ZEN_RUN_TRY(uint64Flag(options, "prompt-len", promptLen, 1, kMax));
  ZEN_RUN_TRY(uint64Flag(options, "completion-len", completionLen, 1, kMax));
  ZEN_RUN_TRY(uint64Flag(options, "target", target, 0, kMax));
  ZEN_RUN_TRY(uint64Flag(options, "eos", eos, 0, kMax));
  ZEN_RUN_TRY(uint64Flag(options, "seed", seed, 0, UINT64_MAX));
  zen_toy_task_config_t config = zen_toy_task_config_default();
  config.num_prompts = int64_t(prompts);
  config.prompt_len = int64_t(promptLen);
  config.completion_len = int64_t(completionLen);
  config.target_token = int64_t(target);
  config.eos_token = options.has("eos") ? int64_t(eos) : -1;
  ZEN_RUN_TRY(learningRate(options, config.learning_rate));
  float lr = config.learning_rate > 0 ? config.learning_rate
                                      : float(info.learning_rate);
  ZEN_RUN_TRY(bind());
  TrainerHandle trainer;
  ZEN_RUN_TRY(makeTrainer(model, options, trainer));

  // The trainer's task stream (checkpointed); not the LoRA init's seed
  // itself, so the two streams differ.
  config.seed = seed ^ 0x9e3779b97f4a7c15ull;
  std::printf("gspo: %" PRIu64 " prompts x %" PRId64 " completions of %" PRIu64
              " tokens, reward = fraction of "
              "tokens equal to %" PRIu64 ", %s, learning rate %g\n",
              prompts, info.group_size, completionLen, target,
              info.lora ? "LoRA" : "full weights", double(lr));
  // The LM head is not a LoRA target: on random weights (std 0.02) its
  // logits span a fraction of a nat, which caps the target's probability
  // near 1/V whatever the adapters learn (docs/runtime.md, "The toy task").
  if (info.lora && options.has("random-weights"))
    std::fprintf(stderr,
                 "zen-run: note: LoRA leaves the LM head frozen; on random "
                 "weights it caps how far the reward can rise (compile with "
                 "--training specs/training/toy-gspo.yaml for full-weight "
                 "training; docs/runtime.md)\n");
  std::vector<float> rewards;
  Clock::time_point begin = Clock::now();
  for (uint64_t i = 1; i <= steps; ++i) {
    Clock::time_point start = Clock::now();
    zen_toy_step_result_t r;
    ZEN_RUN_TRY(Status(zen_trainer_toy_step(trainer.t, &config, nullptr, &r)));
    warnIfSkipped(r.train);
    rewards.push_back(r.mean_reward);
    std::printf("step %" PRId64 ": mean reward %.4f, loss %.6g, grad norm "
                "%.6g%s (%.1f ms)\n",
                stepNumber(r.train), r.mean_reward, r.train.loss,
                r.train.grad_norm, r.train.skipped ? " [skipped]" : "",
                msSince(start));
    std::fflush(stdout);
  }
  size_t window = std::max<size_t>(1, std::min<size_t>(10, rewards.size() / 2));
  double first = 0, last = 0;
  for (size_t i = 0; i < window; ++i) {
    first += rewards[i];
    last += rewards[rewards.size() - 1 - i];
  }
  std::printf("mean reward: %.4f over the first %zu steps, %.4f over the "
              "last %zu (%.1f s)\n",
              first / double(window), window, last / double(window), window,
              msSince(begin) / 1000.0);
  return saveOutputs(trainer.t, options);
}

} // namespace zen::run

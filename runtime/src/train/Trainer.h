//===- Trainer.h - Running a model's train_step ------------------*- C++
//-*-===//
//
// A Trainer is what zen_trainer_create() returns: the tensors a model's
// train_step entry point trains (LoRA adapters or full weights, f32) and
// their AdamW state, owned by the runtime and updated in place by each call
// (docs/runtime-abi.md, "train_step"). The compiled code does the math; the
// trainer does what TRAIN_ABI leaves to the runtime: initialisation (a seed,
// a PEFT adapter, or the bound weights), batch validation and conversion,
// positions, the step counter, PEFT adapters and checkpoints (Peft.cpp), and
// running forward/prefill/decode with the weights being trained (sampling
// in the GSPO loop, ToyTask.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_RUNTIME_TRAIN_TRAINER_H
#define ZEN_RUNTIME_TRAIN_TRAINER_H

#include "TrainBatch.h"

#include "../core/Model.h"

namespace zen::rt {

struct TrainerOptions {
  uint64_t seed = 0;     // LoRA: the A matrices' kaiming-uniform init
  std::string adapter;   // LoRA: a PEFT adapter directory to start from
  std::string weights;   // full: a checkpoint for trainables not bound
  std::string baseModel; // adapter_config.json's base_model_name_or_path
};

struct StepResult {
  float loss = 0, meanRatio = 0, clipFraction = 0, gradNorm = 0;
  bool skipped = false;
  int64_t step = 0; // AdamW's t of this step (the count so far when skipped)
};

/// The outcome of one zen-compile --train model check: the "model.so was
/// compiled without --train" error, or the train_step entry index.
zen_status_t findTrainStep(const Model &model, size_t &entry);

/// What a batch for the model's train_step must satisfy.
zen_status_t trainBatchLimits(const Model &model, BatchLimits &out);

class Trainer {
public:
  struct Tensor {
    std::string name;           // PEFT name (LoRA) or HF name (full)
    std::vector<int64_t> shape; // static
    uint64_t count = 0;
    HostBuffer value, expAvg, expAvgSq; // f32, 64-byte aligned
    HostBuffer grad;                    // f32; the last step's, or null
    enum class Role { LoraA, LoraB, Full } role = Role::Full;
    /// The model parameter this tensor adapts (LoRA: the base weight
    /// "<module>.weight") or replaces (full), or kNoParam.
    size_t param = kNoParam;
    /// LoRA of one expert of a stacked "{e}" parameter: its index; else -1.
    int64_t expert = -1;
  };

  Trainer(const Trainer &) = delete;
  Trainer &operator=(const Trainer &) = delete;
  ~Trainer();

  static zen_status_t create(Model &model, const TrainerOptions &options,
                             std::unique_ptr<Trainer> &out);

  /// One train_step call. `learningRate` <= 0 means the compiled default.
  zen_status_t step(const TrainBatch &batch, float learningRate,
                    StepResult &out);

  const Model &model() const { return *model_; }
  const TrainingDesc &training() const { return model_->metadata().training; }
  const std::vector<Tensor> &tensors() const { return tensors_; }
  int64_t stepCount() const { return step_; }

  /// The toy task's random stream, owned by the trainer so that checkpoints
  /// carry it (a resumed gspo run samples what an uninterrupted one would).
  /// Seeded with `seed` on first use, or restored by loadCheckpoint.
  zen_rng_t &taskRng(uint64_t seed) {
    if (!hasTaskRng_) {
      zen_status_free(zen_rng_seed(&taskRng_, seed));
      hasTaskRng_ = true;
    }
    return taskRng_;
  }
  BatchLimits limits() const;
  const std::string &baseModel() const { return baseModel_; }

  // Peft.cpp
  zen_status_t saveAdapter(const std::string &dir) const;
  zen_status_t loadAdapter(const std::string &dir);
  zen_status_t saveCheckpoint(const std::string &dir) const;
  zen_status_t loadCheckpoint(const std::string &dir);
  zen_status_t saveGrads(const std::string &path) const;

  /// While on, the model's forward/prefill/decode use the weights being
  /// trained: LoRA adapters merged into copies of their base weights
  /// (W + scale B A), or the full-weight trainables. Off restores the frozen
  /// weights (train_step must see them unmerged).
  zen_status_t usePolicyWeights(bool on);

private:
  Trainer() = default;
  zen_status_t initLora(const TrainerOptions &options);
  zen_status_t initFull(const TrainerOptions &options);

  Model *model_ = nullptr;
  size_t entry_ = 0;
  std::vector<Tensor> tensors_;
  int64_t step_ = 0; // optimizer steps taken
  zen_rng_t taskRng_{};
  bool hasTaskRng_ = false;
  std::string baseModel_;
  int64_t vocab_ = 0;

  // Policy weights for sampling: param index -> the buffer swapped in and
  // the pointer it replaced.
  struct Swap {
    size_t param;
    HostBuffer merged; // null when the trainable is used as is
    const void *original;
  };
  std::vector<Swap> swaps_;
  bool swapped_ = false;
};

/// LoRA scale: alpha / r, or alpha / sqrt(r) with use_rslora.
double loraScale(const TrainingDesc &training);

/// For a PEFT tensor name "base_model.model.<module>.lora_A.weight", the
/// base weight "<module>.weight"; empty if the name is not of that form.
std::string loraBaseWeight(const std::string &peftName);

} // namespace zen::rt

#endif // ZEN_RUNTIME_TRAIN_TRAINER_H

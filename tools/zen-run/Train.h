//===- Train.h - zen-run's train-step and gspo commands ----------*- C++
//-*-===//
#ifndef ZEN_TOOLS_ZEN_RUN_TRAIN_H
#define ZEN_TOOLS_ZEN_RUN_TRAIN_H

#include "Options.h"

#include <functional>

namespace zen::run {

/// Binds the WEIGHTS options (zen-run.cpp's bindWeights).
using BindFn = std::function<Status()>;

/// zen-run MODEL.so train-step WEIGHTS --batch B [--steps N] ...
Status runTrainStep(zen_model_t *model, const Options &options,
                    const BindFn &bind);
/// zen-run MODEL.so gspo WEIGHTS [--steps N] [--prompts P] [--seed S] ...
Status runGspo(zen_model_t *model, const Options &options, const BindFn &bind);

extern const char *kTrainUsage;

/// zen-run info's "training:" line, for a model built with --train.
void printTrainingInfo(zen_model_t *model);

} // namespace zen::run

#endif // ZEN_TOOLS_ZEN_RUN_TRAIN_H

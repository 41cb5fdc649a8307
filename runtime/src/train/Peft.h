//===- Peft.h - Adapters, checkpoints and atomic directories ----*- C++ -*-===//
//
// PEFT adapters (adapter_model.safetensors + adapter_config.json, the layout
// PEFT's save_pretrained writes and from_pretrained loads) and training
// checkpoints (the adapter, or model.safetensors in full-weight training,
// plus optimizer.safetensors and trainer_state.json). Both are directories
// written atomically: the files go to a temporary sibling directory, are
// fsync'ed, and the directory is swapped in with one rename, so a crash
// leaves either the old checkpoint or the new one, never a mixture.
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_RUNTIME_TRAIN_PEFT_H
#define ZEN_RUNTIME_TRAIN_PEFT_H

#include "../core/Status.h"

#include <functional>
#include <string>
#include <vector>

namespace zen::rt {

inline constexpr const char *kAdapterWeights = "adapter_model.safetensors";
inline constexpr const char *kAdapterConfig = "adapter_config.json";
inline constexpr const char *kFullWeights = "model.safetensors";
inline constexpr const char *kOptimizerState = "optimizer.safetensors";
inline constexpr const char *kTrainerState = "trainer_state.json";

/// Creates `dir` with the files `fill(tmpDir)` writes into a fresh
/// temporary directory, replacing an existing `dir` in one atomic rename.
/// An existing `dir` is only replaced when every file in it is one of
/// `ownedNames` (a checkpoint or adapter, never a directory of other files).
zen_status_t writeDirectoryAtomically(
    const std::string &dir, const std::vector<std::string> &ownedNames,
    const std::function<zen_status_t(const std::string &tmpDir)> &fill);

/// For tests: called after each file of a checkpoint or adapter directory is
/// written (with its path); an error aborts the save there, as a crash or a
/// full disk would. Empty: no hook.
void setCheckpointWriteHookForTesting(
    std::function<zen_status_t(const std::string &file)> hook);

/// Shortest decimal that reads back as `v` ("16", "0.05", "1e-05").
std::string formatJsonNumber(double v, bool forceFloat);

} // namespace zen::rt

#endif // ZEN_RUNTIME_TRAIN_PEFT_H

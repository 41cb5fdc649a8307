//===- ModelMetadata.h - A model library's metadata document -----*- C++
//-*-===//
//
// zen_model_metadata() returns the JSON document docs/runtime-abi.md
// describes. parseModelMetadata() validates all of it (the library is
// untrusted input like any file), checks zen_abi first so that a library of
// another ABI gets a version message rather than a confusing key error, and
// builds the deduplicated parameter list the binder works from.
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_RUNTIME_CORE_MODELMETADATA_H
#define ZEN_RUNTIME_CORE_MODELMETADATA_H

#include "Status.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zen::rt {

inline constexpr size_t kNoParam = SIZE_MAX;

/// One argument or result of an entry point.
struct ValueDesc {
  std::string name;
  zen_value_kind_t kind = ZEN_VALUE_INPUT;
  zen_dtype_t dtype = ZEN_DTYPE_INVALID;
  std::vector<int64_t> shape; // -1: dynamic
  size_t paramIndex = kNoParam;
};

/// void zen_entry_<name>(void **args), see docs/runtime-abi.md.
using EntryFunction = void (*)(void **);

struct EntryPointDesc {
  std::string name;
  std::string symbol;
  std::vector<ValueDesc> args;
  std::vector<ValueDesc> results;
  size_t numInputs = 0;
  EntryFunction function = nullptr; // resolved by the Model
};

struct ParamDesc {
  std::string name;
  zen_dtype_t dtype = ZEN_DTYPE_INVALID;
  std::vector<int64_t> shape; // static
  uint64_t numElements = 0;
  uint64_t numBytes = 0;
  std::vector<size_t> entryPoints; // increasing
};

/// The top-level "training" object of a library built with `zen-compile
/// --train` (docs/runtime-abi.md, "train_step"): the configuration compiled
/// into the train_step entry point. Keys follow the spec's `training:`
/// section; the runtime reads the ones it needs and ignores the rest.
struct TrainingDesc {
  bool present = false;
  std::string algorithm = "gspo"; // "gspo" | "grpo"
  int64_t groupSize = 0;
  std::string gspoLevel = "sequence", lossType = "grpo", scaleRewards = "group";
  double epsilonLow = 0, epsilonHigh = 0, beta = 0, temperature = 1;
  double learningRate = 1e-6, weightDecay = 0.01, adamBeta1 = 0.9,
         adamBeta2 = 0.999, adamEpsilon = 1e-8, maxGradNorm = 1.0;
  int64_t maxSeqLength = 0; // 0: no limit compiled in
  /// Compiled with --materialize-logits: the log-prob builds the whole
  /// [tokens x V] logits (the unfused baseline of scripts/bench train).
  bool materializeLogits = false;
  bool lora = false;        // false: full-weight training
  int64_t loraR = 0;
  double loraAlpha = 0, loraDropout = 0;
  bool useRslora = false;
  std::vector<std::string> targetModules;
  /// targetModules as C strings, for zen_training_info_t.
  std::vector<const char *> targetModuleNames;
};

struct ModelMetadata {
  int64_t abiVersion = 0;
  std::string zenVersion;
  std::string model;
  std::string family;
  std::vector<EntryPointDesc> entryPoints;
  std::vector<ParamDesc> params;
  TrainingDesc training;
};

/// Parses the document `json` returned by the library `label`. Errors:
/// INVALID_FORMAT naming the offending key ("entry_points[0].args[3].shape"),
/// UNSUPPORTED for another zen_abi.
zen_status_t parseModelMetadata(const std::string &label, std::string_view json,
                                ModelMetadata &out);

/// "f32", "bf16", "f16", "i64", "i32", "i1": the metadata's spelling.
const char *metadataDTypeName(zen_dtype_t dtype);

/// "input_ids: i64[?, ?]" style description for messages.
std::string describeValue(const ValueDesc &value);

} // namespace zen::rt

#endif // ZEN_RUNTIME_CORE_MODELMETADATA_H

//===- ModelSpec.h - Validated in-memory model spec -------------*- C++ -*-===//
//
// A ModelSpec is what the front-end hands to the rest of Zen: the HF text
// config of a Qwen3-family model (field names follow config.json), the Omni
// encoders where present, the training setup and the compilation target.
// Both the YAML spec parser and the HF config.json importer produce one, and
// `validateSpec` guarantees the invariants SpecToZen and the report rely on
// (divisibility of heads, layer pattern length, ...). Per-layer structure is
// exposed through `layer(i)` so emitters never re-derive HF's rules.
//
// docs/spec-format.md documents every key, its default and its range.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_FRONTEND_MODELSPEC_H
#define ZEN_FRONTEND_MODELSPEC_H

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace mlir::zen {

//===----------------------------------------------------------------------===//
// Enumerations (spelled in specs exactly as `stringify` returns them)
//===----------------------------------------------------------------------===//

/// dense: Qwen3 (every layer attention + SwiGLU MLP); moe: Qwen3-MoE and the
/// Omni thinker (attention + routed experts); hybrid: Qwen3-Next (Gated
/// DeltaNet and gated attention, MoE with a shared expert, zero-centred norms).
enum class ModelFamily { Dense, MoE, Hybrid };

/// The token mixer of one decoder layer (HF `layer_types`).
enum class MixerKind { FullAttention, LinearAttention };

/// The feed-forward block of one decoder layer.
enum class FFNKind { DenseMLP, MoE };

enum class TrainAlgorithm { GSPO, GRPO };
enum class FinetuneMode { LoRA, Full };
enum class TargetDevice { CPU, CUDA };
enum class TargetDType { F32, BF16 };

llvm::StringRef stringify(ModelFamily family);
llvm::StringRef stringify(MixerKind kind);
llvm::StringRef stringify(FFNKind kind);
llvm::StringRef stringify(TrainAlgorithm algorithm);
llvm::StringRef stringify(FinetuneMode mode);
llvm::StringRef stringify(TargetDevice device);
llvm::StringRef stringify(TargetDType dtype);

/// Bytes per element of a target dtype.
unsigned dtypeBytes(TargetDType dtype);

//===----------------------------------------------------------------------===//
// Model configuration (HF names in comments)
//===----------------------------------------------------------------------===//

/// RoPE parameters: `rope_theta`, `partial_rotary_factor` and the Omni
/// interleaved M-RoPE (`rope_scaling` / `rope_parameters`).
struct RopeConfig {
  double theta = 10000.0;           // rope_theta
  double partialRotaryFactor = 1.0; // partial_rotary_factor
  /// Frequencies taken from the (t, h, w) position rows; empty means plain
  /// 1-D RoPE. Omni: [24, 20, 20].
  std::vector<int64_t> mropeSection; // mrope_section
  bool mropeInterleaved = false;     // interleaved / mrope_interleaved
};

/// The text decoder: the `model:` section of a spec, or the text config of
/// an HF config.json (thinker_config.text_config for Omni).
struct TextConfig {
  /// qwen3 | qwen3_moe | qwen3_next | qwen3_omni_moe_text.
  std::string modelType;
  int64_t vocabSize = 0;
  int64_t hiddenSize = 0;
  int64_t intermediateSize = 0; // dense-MLP layers only
  int64_t numHiddenLayers = 0;
  int64_t numAttentionHeads = 0;
  int64_t numKeyValueHeads = 0;
  int64_t headDim = 0;
  int64_t maxPositionEmbeddings = 0;
  double rmsNormEps = 1e-6;
  bool tieWordEmbeddings = false;
  std::string hiddenAct = "silu";
  RopeConfig rope;

  // Mixture of experts (numExperts == 0: no MoE layer at all).
  int64_t numExperts = 0;
  int64_t numExpertsPerTok = 0;
  int64_t moeIntermediateSize = 0;
  int64_t sharedExpertIntermediateSize = 0; // qwen3_next only
  int64_t decoderSparseStep = 1;
  bool normTopkProb = false;
  std::vector<int64_t> mlpOnlyLayers;
  double routerAuxLossCoef = 0.0;

  /// One entry per decoder layer, always filled (from `layer_types` or
  /// `full_attention_interval`); all FullAttention outside qwen3_next.
  std::vector<MixerKind> layerTypes;

  // Gated DeltaNet (qwen3_next linear_attention layers).
  int64_t linearConvKernelDim = 0;
  int64_t linearKeyHeadDim = 0;
  int64_t linearValueHeadDim = 0;
  int64_t linearNumKeyHeads = 0;
  int64_t linearNumValueHeads = 0;

  /// Multi-token-prediction layers (`num_nextn_predict_layers`, qwen3_next).
  int64_t numNextnPredictLayers = 0;
};

/// Qwen3-Omni vision encoder (`thinker_config.vision_config`, tensors under
/// `thinker.visual.`).
struct VisionEncoderConfig {
  int64_t depth = 0;
  int64_t hiddenSize = 0;
  int64_t intermediateSize = 0;
  int64_t numHeads = 0;
  int64_t inChannels = 3;
  int64_t patchSize = 16;
  int64_t temporalPatchSize = 2;
  int64_t spatialMergeSize = 2;
  int64_t outHiddenSize = 0;
  int64_t numPositionEmbeddings = 2304;
  std::vector<int64_t> deepstackVisualIndexes;
  std::string hiddenAct = "gelu_pytorch_tanh";
};

/// Qwen3-Omni audio encoder (`thinker_config.audio_config`, tensors under
/// `thinker.audio_tower.`).
struct AudioEncoderConfig {
  int64_t numMelBins = 128;
  int64_t encoderLayers = 0;
  int64_t encoderAttentionHeads = 0;
  int64_t encoderFfnDim = 0;
  int64_t dModel = 0;
  int64_t outputDim = 0;
  int64_t nWindow = 50;
  int64_t nWindowInfer = 800;
  int64_t downsampleHiddenSize = 480;
  int64_t maxSourcePositions = 1500;
  int64_t convChunksize = 500;
  std::string activationFunction = "gelu";
};

/// The Omni thinker around the text model: encoders and the token ids and
/// position rules that merge their outputs into the text stream.
struct ThinkerConfig {
  VisionEncoderConfig vision;
  AudioEncoderConfig audio;
  int64_t audioTokenId = 151646;
  int64_t imageTokenId = 151655;
  int64_t videoTokenId = 151656;
  int64_t audioStartTokenId = 151647;
  int64_t visionStartTokenId = 151652;
  int64_t positionIdPerSeconds = 25;
  int64_t secondsPerChunk = 2;
};

//===----------------------------------------------------------------------===//
// Training and target
//===----------------------------------------------------------------------===//

/// PEFT LoraConfig names.
struct LoraConfig {
  int64_t r = 8;
  double loraAlpha = 16.0;
  double loraDropout = 0.0;
  std::vector<std::string> targetModules;
  bool useRslora = false;
};

/// TRL GRPOConfig names where TRL has one. The enums are nested because the
/// Zen dialect defines namespace-level GspoLevel, GrpoLossType and
/// RewardScaling attributes; SpecToZen maps these onto them.
struct TrainingConfig {
  enum class GspoLevel { Sequence, Token };
  enum class LossType { GRPO, BNPO, DrGRPO, DAPO };
  enum class RewardScaling { Group, Batch, None };

  TrainAlgorithm algorithm = TrainAlgorithm::GSPO;
  int64_t numGenerations = 8;                // group size G
  double epsilon = 3e-4;                     // clip ε low
  double epsilonHigh = 4e-4;                 // clip ε high
  double beta = 0.0;                         // KL coefficient
  GspoLevel gspoLevel = GspoLevel::Sequence; // gspo only
  LossType lossType = LossType::GRPO;        // grpo only
  RewardScaling scaleRewards = RewardScaling::Group;
  double temperature = 1.0;
  double learningRate = 1e-6;
  double adamBeta1 = 0.9;
  double adamBeta2 = 0.999;
  double adamEpsilon = 1e-8;
  double weightDecay = 0.01;
  double maxGradNorm = 1.0;
  int64_t maxSeqLength = 4096;
  int64_t perDeviceTrainBatchSize = 8; // micro-batch, in sequences
  bool gradientCheckpointing = false;
  FinetuneMode finetune = FinetuneMode::LoRA;
  LoraConfig lora;
};

llvm::StringRef stringify(TrainingConfig::GspoLevel level);
llvm::StringRef stringify(TrainingConfig::LossType type);
llvm::StringRef stringify(TrainingConfig::RewardScaling scaling);

struct TargetConfig {
  TargetDevice device = TargetDevice::CPU;
  TargetDType dtype = TargetDType::F32;
  std::string cudaArch; // sm_XX[a]; only for cuda
};

//===----------------------------------------------------------------------===//
// Source locations (diagnostics only; not part of a spec's identity)
//===----------------------------------------------------------------------===//

/// A 1-based position; line 0 means "the file as a whole".
struct SourcePos {
  unsigned line = 0;
  unsigned column = 0;
};

/// Where each key of a spec came from, keyed by its canonical dotted path
/// ("model.num_key_value_heads"), so validation can point at the value.
struct SpecSourceMap {
  std::string file;
  llvm::StringMap<SourcePos> positions;

  void set(llvm::StringRef path, SourcePos pos);
  /// The position of `path`, else of its nearest recorded parent, else the
  /// file as a whole.
  SourcePos lookup(llvm::StringRef path) const;
};

//===----------------------------------------------------------------------===//
// ModelSpec
//===----------------------------------------------------------------------===//

/// The structure of one decoder layer.
struct LayerSpec {
  MixerKind mixer;
  FFNKind ffn;
};

struct ModelSpec {
  std::string name;
  std::string base; // HF model id, may be empty
  ModelFamily family = ModelFamily::Dense;
  TextConfig model;
  std::optional<ThinkerConfig> thinker; // Omni only
  TrainingConfig training;
  TargetConfig target;
  SpecSourceMap source;

  // --- Derived structure (valid after validateSpec) -----------------------

  /// HF's rule: MoE iff not in mlp_only_layers, num_experts > 0 and
  /// (i + 1) % decoder_sparse_step == 0.
  LayerSpec layer(int64_t index) const;
  int64_t numLayers() const { return model.numHiddenLayers; }
  int64_t countLayers(MixerKind mixer) const;
  int64_t countLayers(FFNKind ffn) const;

  /// Qwen3-Next: RMSNorm weights are offsets (scale 1 + w).
  bool zeroCenteredNorms() const { return family == ModelFamily::Hybrid; }
  /// Qwen3-Next: q_proj also produces a per-head sigmoid output gate.
  bool gatedAttention() const { return family == ModelFamily::Hybrid; }
  bool hasSharedExpert() const {
    return model.sharedExpertIntermediateSize > 0;
  }
  bool isOmni() const { return thinker.has_value(); }
  /// int(head_dim * partial_rotary_factor), as HF computes it.
  int64_t rotaryDim() const;

  // Gated DeltaNet dimensions (HF names: key_dim, value_dim, conv_dim).
  int64_t linearKeyDim() const {
    return model.linearNumKeyHeads * model.linearKeyHeadDim;
  }
  int64_t linearValueDim() const {
    return model.linearNumValueHeads * model.linearValueHeadDim;
  }
  int64_t linearConvDim() const {
    return 2 * linearKeyDim() + linearValueDim();
  }

  /// Prefix of the text model's tensors: "model." or "thinker.model.".
  std::string textParamPrefix() const;
  /// "lm_head.weight" / "thinker.lm_head.weight"; with tied embeddings the
  /// runtime binds the embedding table instead.
  std::string lmHeadParamName() const;
};

//===----------------------------------------------------------------------===//
// Diagnostics
//===----------------------------------------------------------------------===//

/// One error, printed as `FILE:LINE:COL: error: MESSAGE` (or `FILE: error:`
/// when it concerns the file as a whole).
struct SpecDiagnostic {
  std::string file;
  SourcePos pos;
  std::string message;

  void print(llvm::raw_ostream &os) const;
};

/// The llvm::Error carrying every diagnostic of a failed parse/validation.
class SpecError : public llvm::ErrorInfo<SpecError> {
public:
  static char ID;
  explicit SpecError(std::vector<SpecDiagnostic> diagnostics)
      : diagnostics(std::move(diagnostics)) {}

  const std::vector<SpecDiagnostic> &getDiagnostics() const {
    return diagnostics;
  }
  void log(llvm::raw_ostream &os) const override;
  std::error_code convertToErrorCode() const override;

private:
  std::vector<SpecDiagnostic> diagnostics;
};

/// Makes a SpecError with a single diagnostic.
llvm::Error makeSpecError(llvm::StringRef file, SourcePos pos,
                          const llvm::Twine &message);

/// Checks every cross-field invariant (see docs/spec-format.md, "Validation")
/// and returns all violations, located through `spec.source`.
llvm::Error validateSpec(const ModelSpec &spec);

//===----------------------------------------------------------------------===//
// Canonical dump
//===----------------------------------------------------------------------===//

struct SpecDumpOptions {
  /// Only the architecture (family, model.*, thinker.*, layers.*): what a
  /// YAML spec and the equivalent HF config.json must agree on.
  bool modelOnly = false;
};

/// Writes `key = value` lines sorted by key; doubles in shortest round-trip
/// form, so equal specs give byte-identical dumps.
void dumpSpec(const ModelSpec &spec, llvm::raw_ostream &os,
              const SpecDumpOptions &options = {});

/// Shortest decimal form of `value` that parses back to the same double.
std::string formatDouble(double value);

} // namespace mlir::zen

#endif // ZEN_FRONTEND_MODELSPEC_H

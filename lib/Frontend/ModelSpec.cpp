//===- ModelSpec.cpp - Spec queries, diagnostics and validation -----------===//
//
// validateSpec is the one place cross-field invariants are checked; the
// readers only check each value on its own. Messages name the keys
// involved with their values and say what would be consistent; they point
// at the value that is most likely wrong (for a divisibility check, the
// divisor).
//
//===----------------------------------------------------------------------===//

#include "zen/Frontend/ModelSpec.h"

#include "SpecReader.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir::zen;
using llvm::StringRef;

//===----------------------------------------------------------------------===//
// Enumerations
//===----------------------------------------------------------------------===//

StringRef mlir::zen::stringify(ModelFamily family) {
  switch (family) {
  case ModelFamily::Dense:
    return "dense";
  case ModelFamily::MoE:
    return "moe";
  case ModelFamily::Hybrid:
    return "hybrid";
  }
  llvm_unreachable("unknown family");
}

StringRef mlir::zen::stringify(MixerKind kind) {
  return kind == MixerKind::FullAttention ? "full_attention"
                                          : "linear_attention";
}

StringRef mlir::zen::stringify(FFNKind kind) {
  return kind == FFNKind::DenseMLP ? "mlp" : "moe";
}

StringRef mlir::zen::stringify(TrainAlgorithm algorithm) {
  return algorithm == TrainAlgorithm::GSPO ? "gspo" : "grpo";
}

StringRef mlir::zen::stringify(TrainingConfig::GspoLevel level) {
  return level == TrainingConfig::GspoLevel::Sequence ? "sequence" : "token";
}

StringRef mlir::zen::stringify(TrainingConfig::LossType type) {
  switch (type) {
  case TrainingConfig::LossType::GRPO:
    return "grpo";
  case TrainingConfig::LossType::BNPO:
    return "bnpo";
  case TrainingConfig::LossType::DrGRPO:
    return "dr_grpo";
  case TrainingConfig::LossType::DAPO:
    return "dapo";
  }
  llvm_unreachable("unknown loss type");
}

StringRef mlir::zen::stringify(TrainingConfig::RewardScaling scaling) {
  switch (scaling) {
  case TrainingConfig::RewardScaling::Group:
    return "group";
  case TrainingConfig::RewardScaling::Batch:
    return "batch";
  case TrainingConfig::RewardScaling::None:
    return "none";
  }
  llvm_unreachable("unknown reward scaling");
}

StringRef mlir::zen::stringify(FinetuneMode mode) {
  return mode == FinetuneMode::LoRA ? "lora" : "full";
}

StringRef mlir::zen::stringify(TargetDevice device) {
  return device == TargetDevice::CPU ? "cpu" : "cuda";
}

StringRef mlir::zen::stringify(TargetDType dtype) {
  return dtype == TargetDType::F32 ? "f32" : "bf16";
}

unsigned mlir::zen::dtypeBytes(TargetDType dtype) {
  return dtype == TargetDType::F32 ? 4 : 2;
}

//===----------------------------------------------------------------------===//
// SpecSourceMap
//===----------------------------------------------------------------------===//

void SpecSourceMap::set(StringRef path, SourcePos pos) {
  positions[path] = pos;
}

SourcePos SpecSourceMap::lookup(StringRef path) const {
  while (!path.empty()) {
    auto it = positions.find(path);
    if (it != positions.end() && it->second.line != 0)
      return it->second;
    size_t dot = path.rfind('.');
    if (dot == StringRef::npos)
      break;
    path = path.take_front(dot);
  }
  return {};
}

//===----------------------------------------------------------------------===//
// ModelSpec queries
//===----------------------------------------------------------------------===//

LayerSpec ModelSpec::layer(int64_t index) const {
  LayerSpec spec{MixerKind::FullAttention, FFNKind::DenseMLP};
  if (index >= 0 && size_t(index) < model.layerTypes.size())
    spec.mixer = model.layerTypes[index];
  bool sparse = model.numExperts > 0 && model.decoderSparseStep > 0 &&
                (index + 1) % model.decoderSparseStep == 0 &&
                !llvm::is_contained(model.mlpOnlyLayers, index);
  spec.ffn = sparse ? FFNKind::MoE : FFNKind::DenseMLP;
  return spec;
}

int64_t ModelSpec::countLayers(MixerKind mixer) const {
  int64_t count = 0;
  for (int64_t i = 0; i < numLayers(); ++i)
    count += layer(i).mixer == mixer;
  return count;
}

int64_t ModelSpec::countLayers(FFNKind ffn) const {
  int64_t count = 0;
  for (int64_t i = 0; i < numLayers(); ++i)
    count += layer(i).ffn == ffn;
  return count;
}

int64_t ModelSpec::rotaryDim() const {
  // HF: int(head_dim * partial_rotary_factor), truncating.
  return int64_t(double(model.headDim) * model.rope.partialRotaryFactor);
}

std::string ModelSpec::textParamPrefix() const {
  return isOmni() ? "thinker.model." : "model.";
}

std::string ModelSpec::lmHeadParamName() const {
  return isOmni() ? "thinker.lm_head.weight" : "lm_head.weight";
}

//===----------------------------------------------------------------------===//
// Diagnostics
//===----------------------------------------------------------------------===//

char SpecError::ID = 0;

void SpecDiagnostic::print(llvm::raw_ostream &os) const {
  os << file;
  if (pos.line != 0)
    os << ':' << pos.line << ':' << pos.column;
  os << ": error: " << message;
}

void SpecError::log(llvm::raw_ostream &os) const {
  llvm::interleave(
      diagnostics, os, [&](const SpecDiagnostic &d) { d.print(os); }, "\n");
}

std::error_code SpecError::convertToErrorCode() const {
  return llvm::inconvertibleErrorCode();
}

llvm::Error mlir::zen::makeSpecError(StringRef file, SourcePos pos,
                                     const llvm::Twine &message) {
  std::vector<SpecDiagnostic> diagnostics;
  diagnostics.push_back({file.str(), pos, message.str()});
  return llvm::make_error<SpecError>(std::move(diagnostics));
}

//===----------------------------------------------------------------------===//
// Validation
//===----------------------------------------------------------------------===//

namespace {

class Validator {
public:
  explicit Validator(const ModelSpec &spec)
      : spec(spec), m(spec.model), sink(spec.source.file) {}

  llvm::Error run() {
    checkName();
    checkText();
    if (spec.thinker)
      checkThinker(*spec.thinker);
    else if (m.modelType == "qwen3_omni_moe_text")
      error("model.model_type",
            "model_type qwen3_omni_moe_text needs a thinker_config with the "
            "vision_config and audio_config of the Omni encoders");
    checkTraining();
    checkTarget();
    return sink.takeError();
  }

private:
  /// Whether `path` holds a default because the parsed input did not set
  /// it (never for specs built in memory, which record no positions).
  bool isDefaulted(StringRef path) const {
    return !spec.source.positions.empty() &&
           spec.source.positions.count(path) == 0;
  }

  void error(StringRef path, const llvm::Twine &message) {
    sink.error(spec.source.lookup(path), message);
  }

  /// Returns false (after reporting) when `value` < 1.
  bool checkPositive(StringRef path, StringRef name, int64_t value) {
    if (value >= 1)
      return true;
    error(path, llvm::Twine(name) + " must be at least 1, found " +
                    llvm::Twine(value));
    return false;
  }

  void checkName() {
    if (spec.name.empty()) {
      error("name", "name must not be empty");
      return;
    }
    for (char c : spec.name) {
      if (!llvm::isAlnum(c) && c != '.' && c != '_' && c != '-') {
        error("name", "name '" + spec.name +
                          "' may contain only letters, digits, '.', '_' and "
                          "'-' (it names output files)");
        return;
      }
    }
  }

  void checkText() {
    bool ok = checkPositive("model.vocab_size", "vocab_size", m.vocabSize);
    ok &= checkPositive("model.hidden_size", "hidden_size", m.hiddenSize);
    ok &= checkPositive("model.num_hidden_layers", "num_hidden_layers",
                        m.numHiddenLayers);
    ok &= checkPositive("model.num_attention_heads", "num_attention_heads",
                        m.numAttentionHeads);
    ok &= checkPositive("model.num_key_value_heads", "num_key_value_heads",
                        m.numKeyValueHeads);
    ok &= checkPositive("model.head_dim", "head_dim", m.headDim);
    ok &= checkPositive("model.max_position_embeddings",
                        "max_position_embeddings", m.maxPositionEmbeddings);
    // The checks below divide by these.
    if (!ok)
      return;

    if (m.numAttentionHeads % m.numKeyValueHeads != 0)
      error("model.num_key_value_heads",
            "num_attention_heads (" + llvm::Twine(m.numAttentionHeads) +
                ") must be a multiple of num_key_value_heads (" +
                llvm::Twine(m.numKeyValueHeads) +
                (isDefaulted("model.num_key_value_heads")
                     ? ", the " + m.modelType + " default"
                     : std::string()) +
                ") for grouped-query attention");
    checkRope();
    checkLayerPattern();
    checkFFN();
    if (spec.family == ModelFamily::Hybrid)
      checkLinearAttention();
    else if (m.numNextnPredictLayers != 0)
      error("model.num_nextn_predict_layers",
            "num_nextn_predict_layers applies to family hybrid (Qwen3-Next) "
            "only, found " +
                llvm::Twine(m.numNextnPredictLayers) + " in a " +
                stringify(spec.family) + " model");
  }

  void checkRope() {
    if (m.headDim % 2 != 0)
      error("model.head_dim", "head_dim (" + llvm::Twine(m.headDim) +
                                  ") must be even: RoPE rotates pairs of "
                                  "dimensions");
    double factor = m.rope.partialRotaryFactor;
    int64_t rotary = spec.rotaryDim();
    if (!(factor > 0.0 && factor <= 1.0) || rotary < 2 || rotary % 2 != 0) {
      error("model.partial_rotary_factor",
            "partial_rotary_factor " + formatDouble(factor) +
                " with head_dim " + llvm::Twine(m.headDim) +
                " gives a rotary dimension of " + llvm::Twine(rotary) +
                "; expected a factor in (0, 1] giving an even rotary "
                "dimension >= 2");
      return;
    }
    if (m.rope.mropeSection.empty())
      return;
    int64_t sum = 0;
    for (int64_t section : m.rope.mropeSection)
      sum += section;
    if (m.rope.mropeSection.size() != 3 || sum != rotary / 2)
      error("model.mrope_section",
            "mrope_section [" +
                llvm::join(llvm::map_range(
                               m.rope.mropeSection,
                               [](int64_t v) { return std::to_string(v); }),
                           ", ") +
                "] must have 3 entries (t, h, w) summing to rotary_dim / 2 = " +
                llvm::Twine(rotary / 2));
  }

  void checkLayerPattern() {
    if (int64_t(m.layerTypes.size()) != m.numHiddenLayers) {
      error("model.layer_types",
            "layer_types has " + llvm::Twine(m.layerTypes.size()) +
                " entries; expected one per layer (num_hidden_layers = " +
                llvm::Twine(m.numHiddenLayers) + ")");
      return;
    }
    if (spec.family != ModelFamily::Hybrid &&
        llvm::is_contained(m.layerTypes, MixerKind::LinearAttention))
      error("model.layer_types",
            "linear_attention layers need family hybrid (model_type "
            "qwen3_next); a " +
                stringify(spec.family) +
                " model has full_attention layers only");
  }

  void checkFFN() {
    if (spec.family == ModelFamily::Dense) {
      checkPositive("model.intermediate_size", "intermediate_size",
                    m.intermediateSize);
      return;
    }
    bool ok = checkPositive("model.num_experts", "num_experts", m.numExperts);
    ok &= checkPositive("model.num_experts_per_tok", "num_experts_per_tok",
                        m.numExpertsPerTok);
    ok &= checkPositive("model.moe_intermediate_size", "moe_intermediate_size",
                        m.moeIntermediateSize);
    ok &= checkPositive("model.decoder_sparse_step", "decoder_sparse_step",
                        m.decoderSparseStep);
    if (!ok)
      return;
    if (m.numExpertsPerTok > m.numExperts)
      error("model.num_experts_per_tok",
            "num_experts_per_tok (" + llvm::Twine(m.numExpertsPerTok) +
                ") exceeds num_experts (" + llvm::Twine(m.numExperts) +
                "): top-k routing picks k of the experts");
    llvm::SmallSet<int64_t, 8> seen;
    for (int64_t index : m.mlpOnlyLayers) {
      if (index < 0 || index >= m.numHiddenLayers)
        error("model.mlp_only_layers",
              "mlp_only_layers entry " + llvm::Twine(index) +
                  " is not a layer index; expected 0 to " +
                  llvm::Twine(m.numHiddenLayers - 1));
      else if (!seen.insert(index).second)
        error("model.mlp_only_layers",
              "mlp_only_layers lists layer " + llvm::Twine(index) + " twice");
    }
    int64_t moeLayers = spec.countLayers(FFNKind::MoE);
    if (moeLayers == 0)
      error("model.decoder_sparse_step",
            "no layer is MoE in a " + stringify(spec.family) +
                " model: decoder_sparse_step " +
                llvm::Twine(m.decoderSparseStep) +
                " and mlp_only_layers exclude all " +
                llvm::Twine(m.numHiddenLayers) + " layers");
    if (moeLayers < m.numHiddenLayers)
      checkPositive("model.intermediate_size",
                    "intermediate_size (used by "
                    "the dense-MLP layers)",
                    m.intermediateSize);
    if (m.sharedExpertIntermediateSize != 0 &&
        spec.family != ModelFamily::Hybrid)
      error("model.shared_expert_intermediate_size",
            "shared_expert_intermediate_size " +
                llvm::Twine(m.sharedExpertIntermediateSize) +
                ": only qwen3_next (family hybrid) has a shared expert");
  }

  void checkLinearAttention() {
    bool ok = checkPositive("model.linear_conv_kernel_dim",
                            "linear_conv_kernel_dim", m.linearConvKernelDim);
    ok &= checkPositive("model.linear_key_head_dim", "linear_key_head_dim",
                        m.linearKeyHeadDim);
    ok &= checkPositive("model.linear_value_head_dim", "linear_value_head_dim",
                        m.linearValueHeadDim);
    ok &= checkPositive("model.linear_num_key_heads", "linear_num_key_heads",
                        m.linearNumKeyHeads);
    ok &= checkPositive("model.linear_num_value_heads",
                        "linear_num_value_heads", m.linearNumValueHeads);
    if (!ok)
      return;
    if (m.linearNumValueHeads % m.linearNumKeyHeads != 0)
      error("model.linear_num_value_heads",
            "linear_num_value_heads (" + llvm::Twine(m.linearNumValueHeads) +
                ") must be a multiple of linear_num_key_heads (" +
                llvm::Twine(m.linearNumKeyHeads) +
                "): each key head serves a group of value heads");
    if (m.numNextnPredictLayers < 0)
      error("model.num_nextn_predict_layers",
            "num_nextn_predict_layers must be >= 0");
  }

  void checkThinker(const ThinkerConfig &t) {
    if (m.modelType != "qwen3_omni_moe_text")
      error("thinker_config",
            "thinker_config describes the Qwen3-Omni encoders and needs "
            "model_type qwen3_omni_moe_text, found " +
                m.modelType);
    const VisionEncoderConfig &v = t.vision;
    if (v.hiddenSize % v.numHeads != 0) {
      error("thinker_config.vision_config.num_heads",
            "vision_config.hidden_size (" + llvm::Twine(v.hiddenSize) +
                ") must be a multiple of vision_config.num_heads (" +
                llvm::Twine(v.numHeads) + ")");
    } else if ((v.hiddenSize / v.numHeads) % 4 != 0) {
      error("thinker_config.vision_config.num_heads",
            "vision head dimension hidden_size / num_heads = " +
                llvm::Twine(v.hiddenSize / v.numHeads) +
                " must be a multiple of 4 (2-D rotary embedding over h and "
                "w)");
    }
    int64_t grid =
        int64_t(std::llround(std::sqrt(double(v.numPositionEmbeddings))));
    if (grid * grid != v.numPositionEmbeddings)
      error("thinker_config.vision_config.num_position_embeddings",
            "vision_config.num_position_embeddings (" +
                llvm::Twine(v.numPositionEmbeddings) +
                ") must be a perfect square (a square grid of learned "
                "positions)");
    llvm::SmallSet<int64_t, 4> seen;
    for (int64_t index : v.deepstackVisualIndexes)
      if (index < 0 || index >= v.depth || !seen.insert(index).second)
        error("thinker_config.vision_config.deepstack_visual_indexes",
              "deepstack_visual_indexes entry " + llvm::Twine(index) +
                  " must be a distinct vision block index below depth (" +
                  llvm::Twine(v.depth) + ")");
    if (int64_t(v.deepstackVisualIndexes.size()) > m.numHiddenLayers)
      error("thinker_config.vision_config.deepstack_visual_indexes",
            "more deepstack features than text layers to receive them");
    if (v.outHiddenSize != m.hiddenSize)
      error("thinker_config.vision_config.out_hidden_size",
            "vision_config.out_hidden_size (" + llvm::Twine(v.outHiddenSize) +
                ") must equal the text hidden_size (" +
                llvm::Twine(m.hiddenSize) +
                "): merged image tokens replace text embeddings");
    const AudioEncoderConfig &a = t.audio;
    if (a.dModel % a.encoderAttentionHeads != 0)
      error("thinker_config.audio_config.encoder_attention_heads",
            "audio_config.d_model (" + llvm::Twine(a.dModel) +
                ") must be a multiple of encoder_attention_heads (" +
                llvm::Twine(a.encoderAttentionHeads) + ")");
    if (a.outputDim != m.hiddenSize)
      error("thinker_config.audio_config.output_dim",
            "audio_config.output_dim (" + llvm::Twine(a.outputDim) +
                ") must equal the text hidden_size (" +
                llvm::Twine(m.hiddenSize) +
                "): audio features replace text embeddings");
    if (a.nWindowInfer % (2 * a.nWindow) != 0)
      error("thinker_config.audio_config.n_window_infer",
            "audio_config.n_window_infer (" + llvm::Twine(a.nWindowInfer) +
                ") must be a multiple of 2 * n_window (" +
                llvm::Twine(2 * a.nWindow) +
                "): attention windows hold "
                "whole chunks");
    struct TokenId {
      StringRef key;
      int64_t value;
    };
    TokenId ids[] = {{"audio_token_id", t.audioTokenId},
                     {"image_token_id", t.imageTokenId},
                     {"video_token_id", t.videoTokenId},
                     {"audio_start_token_id", t.audioStartTokenId},
                     {"vision_start_token_id", t.visionStartTokenId}};
    for (const TokenId &id : ids)
      if (id.value >= m.vocabSize)
        error(("thinker_config." + id.key).str(),
              id.key + " (" + llvm::Twine(id.value) +
                  ") must be below the text vocab_size (" +
                  llvm::Twine(m.vocabSize) + ")");
  }

  void checkTraining() {
    const TrainingConfig &t = spec.training;
    if (t.maxSeqLength > m.maxPositionEmbeddings)
      error("training.max_seq_length",
            "max_seq_length (" + llvm::Twine(t.maxSeqLength) +
                ") exceeds the model's max_position_embeddings (" +
                llvm::Twine(m.maxPositionEmbeddings) + ")");
    if (t.numGenerations < 2)
      error("training.num_generations",
            "num_generations (" + llvm::Twine(t.numGenerations) +
                ") must be at least 2: advantages are relative to the group");
    if (t.finetune == FinetuneMode::LoRA && t.lora.targetModules.empty())
      error("training.lora.target_modules",
            "target_modules must name at least one module");
  }

  void checkTarget() {
    const TargetConfig &t = spec.target;
    if (t.device != TargetDevice::CUDA && !t.cudaArch.empty())
      error("target.cuda_arch",
            "cuda_arch '" + t.cudaArch +
                "' needs device: cuda, found device: " + stringify(t.device));
  }

  const ModelSpec &spec;
  const TextConfig &m;
  detail::DiagnosticSink sink;
};

} // namespace

llvm::Error mlir::zen::validateSpec(const ModelSpec &spec) {
  return Validator(spec).run();
}

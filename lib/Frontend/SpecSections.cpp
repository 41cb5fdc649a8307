//===- SpecSections.cpp - Keys, types and defaults of every section -------===//
//
// The schema of a spec, section by section. Defaults of the model keys are
// transformers' own class defaults for each model_type (Qwen3Config,
// Qwen3MoeConfig, Qwen3NextConfig, Qwen3OmniMoe*Config), so a config.json
// that omits a key means what it means to transformers; only the sizes
// that define a model are required. docs/spec-format.md lists the same
// table -- keep them in sync.
//
//===----------------------------------------------------------------------===//

#include "SpecReader.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <algorithm>
#include <limits>

using namespace mlir::zen;
using namespace mlir::zen::detail;
using llvm::StringRef;

namespace {

constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr IntRange kPositive{1, kInt32Max};
constexpr IntRange kNonNegative{0, kInt32Max};
constexpr IntRange kLayerCount{1, 65536};
constexpr IntRange kExpertCount{1, 65536};
constexpr FloatRange kPositiveFloat{0.0,
                                    std::numeric_limits<double>::infinity(),
                                    /*minExclusive=*/true, false};
constexpr FloatRange kNonNegativeFloat{
    0.0, std::numeric_limits<double>::infinity(), false, false};
constexpr FloatRange kUnitInterval{0.0, 1.0, false, /*maxExclusive=*/true};

constexpr StringRef kModelTypes[] = {"qwen3", "qwen3_moe", "qwen3_next",
                                     "qwen3_omni_moe_text"};

/// transformers' class defaults for the optional text keys.
struct TextDefaults {
  int64_t numKeyValueHeads;
  int64_t headDim; // 0: hidden_size / num_attention_heads
  double ropeTheta;
  double partialRotaryFactor;
  bool normTopkProb;
  int64_t sharedExpertIntermediateSize;
  int64_t numNextnPredictLayers;
};

TextDefaults defaultsFor(StringRef modelType) {
  if (modelType == "qwen3")
    return {32, 128, 10000.0, 1.0, false, 0, 0};
  if (modelType == "qwen3_next")
    // num_nextn_predict_layers is not a transformers key; vLLM defaults it
    // to 1, matching the checkpoint's single mtp.layers.0.
    return {2, 256, 10000.0, 0.25, true, 512, 1};
  if (modelType == "qwen3_omni_moe_text")
    return {4, 0, 1000000.0, 1.0, true, 0, 0};
  return {4, 0, 10000.0, 1.0, false, 0, 0}; // qwen3_moe
}

StringRef defaultModelTypeFor(ModelFamily family) {
  switch (family) {
  case ModelFamily::Dense:
    return "qwen3";
  case ModelFamily::MoE:
    return "qwen3_moe";
  case ModelFamily::Hybrid:
    return "qwen3_next";
  }
  return "qwen3";
}

/// rope_theta / partial_rotary_factor may sit at the top level (transformers
/// 4.x) and in rope_parameters (>= 5); both are read, and must agree.
void readRope(MapReader &r, StringRef modelType, RopeConfig &rope) {
  bool omni = modelType == "qwen3_omni_moe_text";
  std::optional<double> theta = r.getFloat("rope_theta", kPositiveFloat);
  std::optional<double> factor = r.getFloat(
      "partial_rotary_factor", FloatRange{0.0, 1.0, /*minExclusive=*/true});
  std::optional<std::vector<int64_t>> section;
  std::optional<bool> interleaved;

  for (StringRef key : {"rope_scaling", "rope_parameters"}) {
    const ConfigNode *node = r.take(key);
    // `rope_scaling: null` is how HF writes "plain RoPE".
    if (!node || node->kind == ConfigNode::Kind::Null)
      continue;
    std::optional<MapReader> sub = r.getMap(key, r.spec(key));
    if (!sub)
      continue;
    // Only checked: plain RoPE ("default"; Qwen2-VL configs call M-RoPE
    // "mrope") is all Zen implements, so YaRN, linear or dynamic scaling
    // must not be dropped silently.
    for (StringRef typeKey : {"rope_type", "type"})
      (void)sub->getChoice(typeKey, {"default", "mrope"});
    for (StringRef inner : {"rope_theta", "partial_rotary_factor"}) {
      std::optional<double> value =
          inner == "rope_theta"
              ? sub->getFloat(inner, kPositiveFloat)
              : sub->getFloat(inner, FloatRange{0.0, 1.0, true, false});
      if (!value)
        continue;
      std::optional<double> &outer = inner == "rope_theta" ? theta : factor;
      if (outer && *outer != *value)
        sub->errorAt(inner, sub->display(inner) + " (" + formatDouble(*value) +
                                ") disagrees with " + inner + " (" +
                                formatDouble(*outer) + ")");
      outer = value;
      // Validation points at "model.<key>" whichever dialect set it.
      r.getSourceMap().set(r.spec(inner), sub->positionOf(inner));
    }
    if (omni) {
      if (auto s = sub->getIntList("mrope_section", kNonNegative)) {
        section = s;
        r.getSourceMap().set(r.spec("mrope_section"),
                             sub->positionOf("mrope_section"));
      }
      for (StringRef inner : {"interleaved", "mrope_interleaved"})
        if (auto b = sub->getBool(inner))
          interleaved = b;
    } else {
      for (StringRef inner :
           {"mrope_section", "interleaved", "mrope_interleaved"})
        sub->rejectIfPresent(inner, "M-RoPE applies to model_type "
                                    "qwen3_omni_moe_text only");
    }
    sub->finish();
  }

  TextDefaults defaults = defaultsFor(modelType);
  rope.theta = theta.value_or(defaults.ropeTheta);
  rope.partialRotaryFactor = factor.value_or(defaults.partialRotaryFactor);
  rope.mropeSection.clear();
  rope.mropeInterleaved = false;
  if (omni) {
    // The real checkpoint's values: text-only input reduces to 1-D RoPE.
    rope.mropeSection = section.value_or(std::vector<int64_t>{24, 20, 20});
    rope.mropeInterleaved = interleaved.value_or(true);
  }
}

std::optional<MixerKind> parseLayerType(StringRef name) {
  // transformers remaps the legacy names "attention" and "mamba"/"linear".
  if (name == "full_attention" || name == "attention" || name == "full")
    return MixerKind::FullAttention;
  if (name == "linear_attention" || name == "linear" || name == "mamba")
    return MixerKind::LinearAttention;
  return std::nullopt;
}

void readLayerPattern(MapReader &r, const TextConfig &m, bool next,
                      std::vector<MixerKind> &out) {
  std::optional<int64_t> interval;
  if (next)
    interval = r.getInt("full_attention_interval", kPositive);
  else
    r.rejectIfPresent("full_attention_interval",
                      "applies to model_type qwen3_next (family hybrid) only");

  auto fromInterval = [&](int64_t every, int64_t layer) {
    return (layer + 1) % every == 0 ? MixerKind::FullAttention
                                    : MixerKind::LinearAttention;
  };

  const ConfigNode *list = r.take("layer_types");
  if (!list) {
    out.assign(m.numHiddenLayers, MixerKind::FullAttention);
    if (next)
      for (int64_t i = 0; i < m.numHiddenLayers; ++i)
        out[i] = fromInterval(interval.value_or(4), i);
    return;
  }
  if (list->kind != ConfigNode::Kind::Sequence) {
    r.getSink().error(list->pos, r.display("layer_types") +
                                     ": expected a list of full_attention / "
                                     "linear_attention, found " +
                                     list->describe());
    return;
  }
  out.clear();
  for (auto [index, item] : llvm::enumerate(list->items)) {
    std::string where =
        r.display("layer_types") + "[" + std::to_string(index) + "]";
    std::optional<MixerKind> kind;
    if (item.kind == ConfigNode::Kind::String)
      kind = parseLayerType(item.text);
    if (!kind) {
      std::string message;
      if (item.text == "sliding_attention") {
        message = where + ": sliding-window attention is not supported "
                          "(no Qwen3 checkpoint enables it); expected "
                          "full_attention";
      } else {
        message = where +
                  ": expected full_attention or linear_attention, found " +
                  item.describe();
        if (auto s = suggestClosest(item.text,
                                    {"full_attention", "linear_attention"}))
          message += "; did you mean '" + *s + "'?";
      }
      r.getSink().error(item.pos, message);
      continue;
    }
    out.push_back(*kind);
  }
  // Both given (a transformers 5 config may carry both): they must agree.
  if (interval && int64_t(out.size()) == m.numHiddenLayers) {
    for (int64_t i = 0; i < m.numHiddenLayers; ++i) {
      if (out[i] == fromInterval(*interval, i))
        continue;
      r.errorAt("layer_types", r.display("layer_types") +
                                   " disagrees with "
                                   "full_attention_interval " +
                                   std::to_string(*interval) + " at layer " +
                                   std::to_string(i) + ": expected " +
                                   stringify(fromInterval(*interval, i)).str() +
                                   ", found " + stringify(out[i]).str());
      break;
    }
  }
}

constexpr StringRef kMoEKeys[] = {"num_experts",
                                  "num_local_experts",
                                  "num_experts_per_tok",
                                  "moe_intermediate_size",
                                  "shared_expert_intermediate_size",
                                  "decoder_sparse_step",
                                  "norm_topk_prob",
                                  "mlp_only_layers",
                                  "router_aux_loss_coef"};
constexpr StringRef kHybridKeys[] = {
    "linear_conv_kernel_dim", "linear_key_head_dim",
    "linear_value_head_dim",  "linear_num_key_heads",
    "linear_num_value_heads", "num_nextn_predict_layers"};

void readMoE(MapReader &r, StringRef modelType, TextConfig &m) {
  TextDefaults defaults = defaultsFor(modelType);
  // transformers 5 may save Qwen3-MoE's num_experts under its
  // attribute_map alias num_local_experts.
  StringRef expertsKey = "num_experts";
  if (!r.has("num_experts") && r.has("num_local_experts"))
    expertsKey = "num_local_experts";
  else
    r.ignore("num_local_experts");
  m.numExperts = r.requireInt(expertsKey, kExpertCount);
  m.numExpertsPerTok = r.requireInt("num_experts_per_tok", kExpertCount);
  m.moeIntermediateSize = r.requireInt("moe_intermediate_size", kPositive);
  std::optional<int64_t> shared =
      r.getInt("shared_expert_intermediate_size", kNonNegative);
  if (modelType == "qwen3_next") {
    m.sharedExpertIntermediateSize =
        shared.value_or(defaults.sharedExpertIntermediateSize);
  } else if (shared && *shared != 0 && r.getMode().strict) {
    r.errorAt("shared_expert_intermediate_size",
              r.display("shared_expert_intermediate_size") +
                  ": only qwen3_next (family hybrid) has a shared expert; "
                  "expected 0 for model_type " +
                  modelType.str() + ", found " + std::to_string(*shared));
  }
  m.decoderSparseStep = r.getInt("decoder_sparse_step", 1, kPositive);
  m.normTopkProb = r.getBool("norm_topk_prob", defaults.normTopkProb);
  m.mlpOnlyLayers = r.getIntList("mlp_only_layers", kNonNegative)
                        .value_or(std::vector<int64_t>{});
  m.routerAuxLossCoef =
      r.getFloat("router_aux_loss_coef", 0.001, kNonNegativeFloat);
}

void readLinearAttention(MapReader &r, TextConfig &m) {
  m.linearConvKernelDim = r.getInt("linear_conv_kernel_dim", 4, {1, 64});
  m.linearKeyHeadDim = r.getInt("linear_key_head_dim", 128, kPositive);
  m.linearValueHeadDim = r.getInt("linear_value_head_dim", 128, kPositive);
  m.linearNumKeyHeads = r.getInt("linear_num_key_heads", 16, kPositive);
  m.linearNumValueHeads = r.getInt("linear_num_value_heads", 32, kPositive);
  m.numNextnPredictLayers =
      r.getInt("num_nextn_predict_layers",
               defaultsFor("qwen3_next").numNextnPredictLayers, {0, 16});
}

} // namespace

std::optional<ModelFamily> detail::familyOfModelType(StringRef modelType) {
  if (modelType == "qwen3")
    return ModelFamily::Dense;
  if (modelType == "qwen3_moe" || modelType == "qwen3_omni_moe_text")
    return ModelFamily::MoE;
  if (modelType == "qwen3_next")
    return ModelFamily::Hybrid;
  return std::nullopt;
}

void detail::readTextConfig(MapReader &r, ModelFamily family,
                            StringRef defaultModelType, TextConfig &m) {
  m.modelType = defaultModelType.empty() ? defaultModelTypeFor(family).str()
                                         : defaultModelType.str();
  if (std::optional<std::string> type =
          r.getChoice("model_type", kModelTypes)) {
    if (familyOfModelType(*type) != family)
      r.errorAt("model_type", r.display("model_type") + " " + *type + " is a " +
                                  stringify(*familyOfModelType(*type)).str() +
                                  " model, but the spec says family " +
                                  stringify(family).str());
    else
      m.modelType = *type;
  }
  StringRef type = m.modelType;
  TextDefaults defaults = defaultsFor(type);
  bool moeType = type != "qwen3";
  bool next = type == "qwen3_next";

  m.vocabSize = r.requireInt("vocab_size", kPositive);
  m.hiddenSize = r.requireInt("hidden_size", kPositive);
  m.intermediateSize = r.requireInt("intermediate_size", kPositive);
  m.numHiddenLayers = r.requireInt("num_hidden_layers", kLayerCount);
  m.numAttentionHeads = r.requireInt("num_attention_heads", kPositive);
  m.numKeyValueHeads =
      r.getInt("num_key_value_heads", defaults.numKeyValueHeads, kPositive);
  // Qwen3-MoE and the Omni thinker have no head_dim field; their modeling
  // code falls back to hidden_size / num_attention_heads.
  int64_t headDimDefault = defaults.headDim;
  if (headDimDefault == 0)
    headDimDefault =
        m.numAttentionHeads > 0 ? m.hiddenSize / m.numAttentionHeads : 0;
  m.headDim = r.getInt("head_dim", headDimDefault, kPositive);
  m.maxPositionEmbeddings =
      r.getInt("max_position_embeddings", 32768, kPositive);
  m.rmsNormEps = r.getFloat("rms_norm_eps", 1e-6,
                            FloatRange{0.0, 1.0, /*minExclusive=*/true});
  m.tieWordEmbeddings = r.getBool("tie_word_embeddings", false);
  m.hiddenAct = r.getChoice("hidden_act", {"silu"}).value_or("silu");
  if (r.getBool("attention_bias", false))
    r.errorAt("attention_bias",
              r.display("attention_bias") +
                  ": true is not supported; expected false (no Qwen3 "
                  "checkpoint has attention biases)");
  if (r.getBool("use_sliding_window", false))
    r.errorAt("use_sliding_window",
              r.display("use_sliding_window") +
                  ": sliding-window attention is not supported; expected "
                  "false (every Qwen3 checkpoint sets false)");
  readRope(r, type, m.rope);
  readLayerPattern(r, m, next, m.layerTypes);

  if (moeType) {
    readMoE(r, type, m);
  } else {
    for (StringRef key : kMoEKeys)
      r.rejectIfPresent(key, "applies to families moe and hybrid; family "
                             "dense has a SwiGLU MLP in every layer");
  }
  if (next) {
    readLinearAttention(r, m);
  } else {
    for (StringRef key : kHybridKeys)
      r.rejectIfPresent(key, "applies to family hybrid (model_type "
                             "qwen3_next) only");
  }
  r.finish();
}

//===----------------------------------------------------------------------===//
// Omni thinker
//===----------------------------------------------------------------------===//

static void readVision(MapReader &r, VisionEncoderConfig &v) {
  r.getChoice("model_type", {"qwen3_omni_moe_vision_encoder"});
  v.depth = r.requireInt("depth", kLayerCount);
  v.hiddenSize = r.requireInt("hidden_size", kPositive);
  v.intermediateSize = r.requireInt("intermediate_size", kPositive);
  v.numHeads = r.requireInt("num_heads", kPositive);
  v.outHiddenSize = r.requireInt("out_hidden_size", kPositive);
  v.inChannels = r.getInt("in_channels", 3, kPositive);
  v.patchSize = r.getInt("patch_size", 16, kPositive);
  v.temporalPatchSize = r.getInt("temporal_patch_size", 2, kPositive);
  v.spatialMergeSize = r.getInt("spatial_merge_size", 2, kPositive);
  v.numPositionEmbeddings =
      r.getInt("num_position_embeddings", 2304, kPositive);
  v.deepstackVisualIndexes =
      r.getIntList("deepstack_visual_indexes", kNonNegative)
          .value_or(std::vector<int64_t>{8, 16, 24});
  v.hiddenAct = r.getChoice("hidden_act", {"gelu_pytorch_tanh", "gelu"})
                    .value_or("gelu_pytorch_tanh");
  r.finish();
}

static void readAudio(MapReader &r, AudioEncoderConfig &a) {
  r.getChoice("model_type", {"qwen3_omni_moe_audio_encoder"});
  a.dModel = r.requireInt("d_model", kPositive);
  a.encoderLayers = r.requireInt("encoder_layers", kLayerCount);
  a.encoderAttentionHeads = r.requireInt("encoder_attention_heads", kPositive);
  a.encoderFfnDim = r.requireInt("encoder_ffn_dim", kPositive);
  a.outputDim = r.requireInt("output_dim", kPositive);
  a.numMelBins = r.getInt("num_mel_bins", 128, kPositive);
  a.nWindow = r.getInt("n_window", 50, kPositive);
  a.nWindowInfer = r.getInt("n_window_infer", 800, kPositive);
  a.downsampleHiddenSize = r.getInt("downsample_hidden_size", 480, kPositive);
  a.maxSourcePositions = r.getInt("max_source_positions", 1500, kPositive);
  a.convChunksize = r.getInt("conv_chunksize", 500, kPositive);
  a.activationFunction =
      r.getChoice("activation_function", {"gelu"}).value_or("gelu");
  r.finish();
}

void detail::readThinkerConfig(MapReader &r, ThinkerConfig &t) {
  r.getChoice("model_type", {"qwen3_omni_moe_thinker"});
  r.rejectIfPresent("text_config", "the thinker's text model goes in the "
                                   "top-level 'model:' section");
  for (StringRef key : {"vision_config", "audio_config"}) {
    if (!r.has(key)) {
      (void)r.take(key);
      r.getSink().error(r.getOwnerPos(), r.getName() +
                                             ": missing required key '" +
                                             key.str() + "'");
      continue;
    }
    std::optional<MapReader> sub = r.getMap(key);
    if (!sub)
      continue;
    if (key == "vision_config")
      readVision(*sub, t.vision);
    else
      readAudio(*sub, t.audio);
  }
  IntRange tokenRange{0, kInt32Max};
  t.audioTokenId = r.getInt("audio_token_id", 151646, tokenRange);
  t.imageTokenId = r.getInt("image_token_id", 151655, tokenRange);
  t.videoTokenId = r.getInt("video_token_id", 151656, tokenRange);
  t.audioStartTokenId = r.getInt("audio_start_token_id", 151647, tokenRange);
  t.visionStartTokenId = r.getInt("vision_start_token_id", 151652, tokenRange);
  t.positionIdPerSeconds = r.getInt("position_id_per_seconds", 25, kPositive);
  t.secondsPerChunk = r.getInt("seconds_per_chunk", 2, kPositive);
  r.finish();
}

//===----------------------------------------------------------------------===//
// Training and target
//===----------------------------------------------------------------------===//

static constexpr StringRef kAttentionModules[] = {"q_proj", "k_proj", "v_proj",
                                                  "o_proj"};
static constexpr StringRef kDenseModules[] = {
    "q_proj",    "k_proj",  "v_proj",   "o_proj",
    "gate_proj", "up_proj", "down_proj"};
static constexpr StringRef kHybridModules[] = {
    "q_proj",  "k_proj",    "v_proj",       "o_proj",     "gate_proj",
    "up_proj", "down_proj", "in_proj_qkvz", "in_proj_ba", "out_proj"};
static constexpr StringRef kHybridDefaultModules[] = {
    "q_proj",       "k_proj",     "v_proj",  "o_proj",
    "in_proj_qkvz", "in_proj_ba", "out_proj"};

llvm::ArrayRef<StringRef> detail::loraModulesFor(ModelFamily family) {
  if (family == ModelFamily::Hybrid)
    return kHybridModules;
  return kDenseModules;
}

llvm::ArrayRef<StringRef> detail::defaultLoraModulesFor(ModelFamily family) {
  switch (family) {
  case ModelFamily::Dense:
    return kDenseModules;
  case ModelFamily::MoE:
    // gate/up/down_proj would adapt every routed expert (PEFT matches
    // them by name): opt in explicitly.
    return kAttentionModules;
  case ModelFamily::Hybrid:
    return kHybridDefaultModules;
  }
  return kDenseModules;
}

static std::vector<std::string> toStrings(llvm::ArrayRef<StringRef> names) {
  std::vector<std::string> out;
  for (StringRef name : names)
    out.push_back(name.str());
  return out;
}

static void readLora(MapReader *r, ModelFamily family, LoraConfig &lora) {
  lora = LoraConfig();
  lora.targetModules = toStrings(defaultLoraModulesFor(family));
  if (!r) {
    lora.loraAlpha = 2.0 * double(lora.r);
    return;
  }
  lora.r = r->getInt("r", 8, {1, 65536});
  lora.loraAlpha =
      r->getFloat("lora_alpha", 2.0 * double(lora.r), kPositiveFloat);
  lora.loraDropout = r->getFloat("lora_dropout", 0.0, kUnitInterval);
  lora.useRslora = r->getBool("use_rslora", false);
  llvm::ArrayRef<StringRef> valid = loraModulesFor(family);
  if (const ConfigNode *node = r->take("target_modules")) {
    // PEFT's shorthand for every linear layer but the LM head.
    if (node->kind == ConfigNode::Kind::String && node->text == "all-linear") {
      lora.targetModules = toStrings(valid);
    } else if (node->kind != ConfigNode::Kind::Sequence) {
      r->getSink().error(node->pos, r->display("target_modules") +
                                        ": expected a list of module names or "
                                        "'all-linear', found " +
                                        node->describe());
    } else {
      lora.targetModules.clear();
      for (auto [index, item] : llvm::enumerate(node->items)) {
        std::string where =
            r->display("target_modules") + "[" + std::to_string(index) + "]";
        if (item.kind != ConfigNode::Kind::String ||
            !llvm::is_contained(valid, StringRef(item.text))) {
          std::string message = where + ": expected a " +
                                stringify(family).str() + " module name (" +
                                llvm::join(valid, ", ") + "), found " +
                                item.describe();
          if (auto s = suggestClosest(item.text, valid))
            message += "; did you mean '" + *s + "'?";
          r->getSink().error(item.pos, message);
        } else if (llvm::is_contained(lora.targetModules, item.text)) {
          r->getSink().error(item.pos, where + ": module '" + item.text +
                                           "' is listed twice");
        } else {
          lora.targetModules.push_back(item.text);
        }
      }
    }
  }
  r->finish();
}

void detail::readTrainingConfig(MapReader *r, const ModelSpec &spec,
                                TrainingConfig &t) {
  t = TrainingConfig();
  int64_t maxPositions = std::max<int64_t>(spec.model.maxPositionEmbeddings, 2);
  t.maxSeqLength = std::min<int64_t>(4096, maxPositions);
  if (!r) {
    readLora(nullptr, spec.family, t.lora);
    return;
  }
  std::string algorithm =
      r->getChoice("algorithm", {"gspo", "grpo"}).value_or("gspo");
  t.algorithm =
      algorithm == "grpo" ? TrainAlgorithm::GRPO : TrainAlgorithm::GSPO;
  bool gspo = t.algorithm == TrainAlgorithm::GSPO;
  t.numGenerations = r->getInt("num_generations", 8, {2, 65536});
  // GSPO's ratios are sequence-level, so its clip range is tiny (paper:
  // 3e-4 / 4e-4); GRPO uses TRL's 0.2 (epsilon_high defaults to epsilon).
  t.epsilon = r->getFloat("epsilon", gspo ? 3e-4 : 0.2, kUnitInterval);
  t.epsilonHigh =
      r->getFloat("epsilon_high", gspo ? 4e-4 : t.epsilon, kNonNegativeFloat);
  t.beta = r->getFloat("beta", 0.0, kNonNegativeFloat);
  if (gspo) {
    t.gspoLevel = r->getChoice("gspo_level", {"sequence", "token"})
                              .value_or("sequence") == "token"
                      ? TrainingConfig::GspoLevel::Token
                      : TrainingConfig::GspoLevel::Sequence;
    r->rejectIfPresent("loss_type", "applies to algorithm grpo only (GSPO "
                                    "averages per sequence)");
  } else {
    std::string loss =
        r->getChoice("loss_type", {"grpo", "bnpo", "dr_grpo", "dapo"})
            .value_or("grpo");
    t.lossType = loss == "bnpo"      ? TrainingConfig::LossType::BNPO
                 : loss == "dr_grpo" ? TrainingConfig::LossType::DrGRPO
                 : loss == "dapo"    ? TrainingConfig::LossType::DAPO
                                     : TrainingConfig::LossType::GRPO;
    r->rejectIfPresent("gspo_level", "applies to algorithm gspo only");
  }
  std::string scaling =
      r->getChoice("scale_rewards", {"group", "batch", "none"})
          .value_or("group");
  t.scaleRewards = scaling == "batch"  ? TrainingConfig::RewardScaling::Batch
                   : scaling == "none" ? TrainingConfig::RewardScaling::None
                                       : TrainingConfig::RewardScaling::Group;
  t.temperature = r->getFloat("temperature", 1.0, kPositiveFloat);
  t.learningRate = r->getFloat("learning_rate", 1e-6, kPositiveFloat);
  t.adamBeta1 = r->getFloat("adam_beta1", 0.9, kUnitInterval);
  t.adamBeta2 = r->getFloat("adam_beta2", 0.999, kUnitInterval);
  t.adamEpsilon = r->getFloat("adam_epsilon", 1e-8, kPositiveFloat);
  t.weightDecay = r->getFloat("weight_decay", 0.01, kNonNegativeFloat);
  t.maxGradNorm = r->getFloat("max_grad_norm", 1.0, kPositiveFloat);
  t.maxSeqLength = r->getInt("max_seq_length", t.maxSeqLength, {2, kInt32Max});
  t.perDeviceTrainBatchSize =
      r->getInt("per_device_train_batch_size", 8, {1, 65536});
  t.gradientCheckpointing = r->getBool("gradient_checkpointing", false);
  std::string finetune =
      r->getChoice("finetune", {"lora", "full"}).value_or("lora");
  t.finetune = finetune == "full" ? FinetuneMode::Full : FinetuneMode::LoRA;
  if (t.finetune == FinetuneMode::Full) {
    r->rejectIfPresent("lora", "LoRA settings need finetune: lora");
    readLora(nullptr, spec.family, t.lora);
  } else {
    std::optional<MapReader> lora = r->getMap("lora");
    readLora(lora ? &*lora : nullptr, spec.family, t.lora);
  }
  r->finish();
}

void detail::readTargetConfig(MapReader *r, TargetConfig &t) {
  t = TargetConfig();
  if (!r)
    return;
  t.device = r->getChoice("device", {"cpu", "cuda"}).value_or("cpu") == "cuda"
                 ? TargetDevice::CUDA
                 : TargetDevice::CPU;
  t.dtype = r->getChoice("dtype", {"f32", "bf16"}).value_or("f32") == "bf16"
                ? TargetDType::BF16
                : TargetDType::F32;
  if (std::optional<std::string> arch = r->getString("cuda_arch")) {
    StringRef digits = *arch;
    bool ok = digits.consume_front("sm_");
    digits.consume_back("a");
    ok = ok && !digits.empty() &&
         digits.find_first_not_of("0123456789") == StringRef::npos;
    if (!ok)
      r->errorAt("cuda_arch", r->display("cuda_arch") +
                                  ": expected a CUDA architecture such as "
                                  "sm_80 or sm_90a, found '" +
                                  *arch + "'");
    else
      t.cudaArch = *arch;
  } else if (t.device == TargetDevice::CUDA) {
    t.cudaArch = "sm_90";
  }
  r->finish();
}

//===- SpecDump.cpp - Canonical text form of a ModelSpec ------------------===//
//
// `zen-compile --dump-spec` prints this; tests diff it to prove that a YAML
// spec and the equivalent HF config.json (either transformers dialect) give
// the same ModelSpec. Keys are the HF names, sorted; only fields that apply
// to the model's family are printed, so the dump reads like a config.
//
//===----------------------------------------------------------------------===//

#include "zen/Frontend/ModelSpec.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

using namespace mlir::zen;
using llvm::StringRef;

std::string mlir::zen::formatDouble(double value) {
  char buffer[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value)
      break;
  }
  return buffer;
}

namespace {

class Dumper {
public:
  void add(StringRef key, StringRef value) {
    lines.emplace_back(key.str(), value.str());
  }
  void add(StringRef key, int64_t value) { add(key, std::to_string(value)); }
  void add(StringRef key, bool value) { add(key, value ? "true" : "false"); }
  void add(StringRef key, double value) { add(key, formatDouble(value)); }
  // Without these, string literals would pick the bool overload.
  void add(StringRef key, const char *value) { add(key, StringRef(value)); }
  void add(StringRef key, const std::string &value) {
    add(key, StringRef(value));
  }
  void add(StringRef key, llvm::ArrayRef<int64_t> values) {
    add(key,
        "[" +
            llvm::join(llvm::map_range(
                           values, [](int64_t v) { return std::to_string(v); }),
                       ", ") +
            "]");
  }
  void add(StringRef key, llvm::ArrayRef<std::string> values) {
    add(key, "[" + llvm::join(values, ", ") + "]");
  }

  void print(llvm::raw_ostream &os) {
    llvm::sort(lines);
    for (const auto &[key, value] : lines)
      os << key << " = " << value << "\n";
  }

private:
  std::vector<std::pair<std::string, std::string>> lines;
};

void dumpModel(const ModelSpec &spec, Dumper &d) {
  const TextConfig &m = spec.model;
  d.add("family", stringify(spec.family));
  d.add("model.model_type", m.modelType);
  d.add("model.vocab_size", m.vocabSize);
  d.add("model.hidden_size", m.hiddenSize);
  d.add("model.intermediate_size", m.intermediateSize);
  d.add("model.num_hidden_layers", m.numHiddenLayers);
  d.add("model.num_attention_heads", m.numAttentionHeads);
  d.add("model.num_key_value_heads", m.numKeyValueHeads);
  d.add("model.head_dim", m.headDim);
  d.add("model.max_position_embeddings", m.maxPositionEmbeddings);
  d.add("model.rms_norm_eps", m.rmsNormEps);
  d.add("model.tie_word_embeddings", m.tieWordEmbeddings);
  d.add("model.hidden_act", m.hiddenAct);
  d.add("model.rope_theta", m.rope.theta);
  d.add("model.partial_rotary_factor", m.rope.partialRotaryFactor);
  if (!m.rope.mropeSection.empty()) {
    d.add("model.mrope_section", llvm::ArrayRef(m.rope.mropeSection));
    d.add("model.mrope_interleaved", m.rope.mropeInterleaved);
  }
  if (spec.family != ModelFamily::Dense) {
    d.add("model.num_experts", m.numExperts);
    d.add("model.num_experts_per_tok", m.numExpertsPerTok);
    d.add("model.moe_intermediate_size", m.moeIntermediateSize);
    d.add("model.shared_expert_intermediate_size",
          m.sharedExpertIntermediateSize);
    d.add("model.decoder_sparse_step", m.decoderSparseStep);
    d.add("model.norm_topk_prob", m.normTopkProb);
    d.add("model.mlp_only_layers", llvm::ArrayRef(m.mlpOnlyLayers));
    d.add("model.router_aux_loss_coef", m.routerAuxLossCoef);
  }
  if (spec.family == ModelFamily::Hybrid) {
    d.add("model.linear_conv_kernel_dim", m.linearConvKernelDim);
    d.add("model.linear_key_head_dim", m.linearKeyHeadDim);
    d.add("model.linear_value_head_dim", m.linearValueHeadDim);
    d.add("model.linear_num_key_heads", m.linearNumKeyHeads);
    d.add("model.linear_num_value_heads", m.linearNumValueHeads);
    d.add("model.num_nextn_predict_layers", m.numNextnPredictLayers);
  }
  // Zero-padded so that the sorted dump lists layers in order.
  size_t width =
      std::to_string(std::max<int64_t>(m.numHiddenLayers - 1, 0)).size();
  for (int64_t i = 0; i < m.numHiddenLayers; ++i) {
    std::string index = std::to_string(i);
    index.insert(0, width - std::min(width, index.size()), '0');
    LayerSpec layer = spec.layer(i);
    d.add("layers." + index,
          (stringify(layer.mixer) + " " + stringify(layer.ffn)).str());
  }
  if (!spec.thinker)
    return;
  const ThinkerConfig &t = *spec.thinker;
  d.add("thinker.audio_token_id", t.audioTokenId);
  d.add("thinker.image_token_id", t.imageTokenId);
  d.add("thinker.video_token_id", t.videoTokenId);
  d.add("thinker.audio_start_token_id", t.audioStartTokenId);
  d.add("thinker.vision_start_token_id", t.visionStartTokenId);
  d.add("thinker.position_id_per_seconds", t.positionIdPerSeconds);
  d.add("thinker.seconds_per_chunk", t.secondsPerChunk);
  const VisionEncoderConfig &v = t.vision;
  d.add("thinker.vision_config.depth", v.depth);
  d.add("thinker.vision_config.hidden_size", v.hiddenSize);
  d.add("thinker.vision_config.intermediate_size", v.intermediateSize);
  d.add("thinker.vision_config.num_heads", v.numHeads);
  d.add("thinker.vision_config.in_channels", v.inChannels);
  d.add("thinker.vision_config.patch_size", v.patchSize);
  d.add("thinker.vision_config.temporal_patch_size", v.temporalPatchSize);
  d.add("thinker.vision_config.spatial_merge_size", v.spatialMergeSize);
  d.add("thinker.vision_config.out_hidden_size", v.outHiddenSize);
  d.add("thinker.vision_config.num_position_embeddings",
        v.numPositionEmbeddings);
  d.add("thinker.vision_config.deepstack_visual_indexes",
        llvm::ArrayRef(v.deepstackVisualIndexes));
  d.add("thinker.vision_config.hidden_act", v.hiddenAct);
  const AudioEncoderConfig &a = t.audio;
  d.add("thinker.audio_config.num_mel_bins", a.numMelBins);
  d.add("thinker.audio_config.encoder_layers", a.encoderLayers);
  d.add("thinker.audio_config.encoder_attention_heads",
        a.encoderAttentionHeads);
  d.add("thinker.audio_config.encoder_ffn_dim", a.encoderFfnDim);
  d.add("thinker.audio_config.d_model", a.dModel);
  d.add("thinker.audio_config.output_dim", a.outputDim);
  d.add("thinker.audio_config.n_window", a.nWindow);
  d.add("thinker.audio_config.n_window_infer", a.nWindowInfer);
  d.add("thinker.audio_config.downsample_hidden_size", a.downsampleHiddenSize);
  d.add("thinker.audio_config.max_source_positions", a.maxSourcePositions);
  d.add("thinker.audio_config.conv_chunksize", a.convChunksize);
  d.add("thinker.audio_config.activation_function", a.activationFunction);
}

void dumpTraining(const TrainingConfig &t, Dumper &d) {
  d.add("training.algorithm", stringify(t.algorithm));
  d.add("training.num_generations", t.numGenerations);
  d.add("training.epsilon", t.epsilon);
  d.add("training.epsilon_high", t.epsilonHigh);
  d.add("training.beta", t.beta);
  if (t.algorithm == TrainAlgorithm::GSPO)
    d.add("training.gspo_level", stringify(t.gspoLevel));
  else
    d.add("training.loss_type", stringify(t.lossType));
  d.add("training.scale_rewards", stringify(t.scaleRewards));
  d.add("training.temperature", t.temperature);
  d.add("training.learning_rate", t.learningRate);
  d.add("training.adam_beta1", t.adamBeta1);
  d.add("training.adam_beta2", t.adamBeta2);
  d.add("training.adam_epsilon", t.adamEpsilon);
  d.add("training.weight_decay", t.weightDecay);
  d.add("training.max_grad_norm", t.maxGradNorm);
  d.add("training.max_seq_length", t.maxSeqLength);
  d.add("training.per_device_train_batch_size", t.perDeviceTrainBatchSize);
  d.add("training.gradient_checkpointing", t.gradientCheckpointing);
  d.add("training.finetune", stringify(t.finetune));
  if (t.finetune != FinetuneMode::LoRA)
    return;
  d.add("training.lora.r", t.lora.r);
  d.add("training.lora.lora_alpha", t.lora.loraAlpha);
  d.add("training.lora.lora_dropout", t.lora.loraDropout);
  d.add("training.lora.target_modules", llvm::ArrayRef(t.lora.targetModules));
  d.add("training.lora.use_rslora", t.lora.useRslora);
}

} // namespace

void mlir::zen::dumpSpec(const ModelSpec &spec, llvm::raw_ostream &os,
                         const SpecDumpOptions &options) {
  Dumper d;
  dumpModel(spec, d);
  if (!options.modelOnly) {
    d.add("name", spec.name);
    d.add("base", spec.base);
    dumpTraining(spec.training, d);
    d.add("target.device", stringify(spec.target.device));
    d.add("target.dtype", stringify(spec.target.dtype));
    if (spec.target.device == TargetDevice::CUDA)
      d.add("target.cuda_arch", spec.target.cudaArch);
  }
  d.print(os);
}

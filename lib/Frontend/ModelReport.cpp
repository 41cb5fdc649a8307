//===- ModelReport.cpp - Derived parameter, FLOP and memory figures -------===//
//
// Parameter counts follow the tensors of the HF checkpoints (reference §3
// and §4) one by one, so totals match the published models exactly
// (Qwen3-0.6B: 596,049,920). FLOPs count matrix products only (2 per
// multiply-add); norms, activations and softmax are lower order. Sums are
// formed in 128 bits and checked once at the end, so absurd specs fail
// cleanly instead of wrapping around.
//
//===----------------------------------------------------------------------===//

#include "zen/Frontend/ModelReport.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <limits>

using namespace mlir::zen;

using Wide = __int128;

int64_t ComponentCounts::sum() const {
  return embedding + lmHead + attention + linearAttention + mlp + router +
         experts + sharedExpert + norms + mtp + visionEncoder + audioEncoder;
}

namespace {

/// Component counts while they are being summed.
struct WideCounts {
  Wide embedding = 0, lmHead = 0, attention = 0, linearAttention = 0, mlp = 0,
       router = 0, experts = 0, sharedExpert = 0, norms = 0, mtp = 0,
       visionEncoder = 0, audioEncoder = 0;

  Wide sum() const {
    return embedding + lmHead + attention + linearAttention + mlp + router +
           experts + sharedExpert + norms + mtp + visionEncoder + audioEncoder;
  }
};

class Calculator {
public:
  Calculator(const ModelSpec &spec, const ReportOptions &options)
      : spec(spec), m(spec.model), options(options) {}

  llvm::Expected<ModelReport> run();

private:
  // --- Per-module parameter counts (weights [out, in] plus biases). -------
  Wide H() const { return m.hiddenSize; }
  Wide qProjOut() const {
    return Wide(m.numAttentionHeads) * m.headDim *
           (spec.gatedAttention() ? 2 : 1);
  }
  Wide kvProjOut() const { return Wide(m.numKeyValueHeads) * m.headDim; }
  Wide attentionOut() const { return Wide(m.numAttentionHeads) * m.headDim; }
  Wide attentionParams() const {
    return H() * qProjOut() + 2 * H() * kvProjOut() + attentionOut() * H();
  }
  Wide qkvzOut() const {
    return 2 * Wide(spec.linearKeyDim()) + 2 * Wide(spec.linearValueDim());
  }
  Wide baOut() const { return 2 * Wide(m.linearNumValueHeads); }
  /// in_proj_qkvz, in_proj_ba, out_proj.
  Wide linearProjectionParams() const {
    return H() * qkvzOut() + H() * baOut() + Wide(spec.linearValueDim()) * H();
  }
  Wide convParams() const {
    return Wide(spec.linearConvDim()) * m.linearConvKernelDim;
  }
  Wide linearAttentionParams() const {
    return linearProjectionParams() + convParams() +
           2 * Wide(m.linearNumValueHeads); // dt_bias, A_log
  }
  Wide swiglu(Wide width) const { return 3 * H() * width; }
  Wide sharedExpertParams() const {
    if (!spec.hasSharedExpert())
      return 0;
    return swiglu(m.sharedExpertIntermediateSize) + H(); // + shared_expert_gate
  }

  void countText(WideCounts &total, WideCounts &active) const;
  Wide countMtp() const;
  Wide countVision() const;
  Wide countAudio() const;

  // --- FLOPs and memory. ----------------------------------------------------
  Wide recurrenceFlops() const {
    // Per token and value head: S k, k ⊗ delta, S q, each 2 dk dv.
    return 6 * Wide(m.linearNumValueHeads) * m.linearKeyHeadDim *
           m.linearValueHeadDim;
  }
  /// LoRA adapter parameters: all experts, or (`activeOnly`) the adapters
  /// one token goes through, which is what its adapter FLOPs scale with.
  Wide loraParams(bool activeOnly) const;
  Wide activationBytesPerToken() const;

  bool fits(Wide value, llvm::StringRef what) {
    if (value >= 0 && value <= Wide(std::numeric_limits<int64_t>::max()))
      return true;
    if (overflowWhat.empty())
      overflowWhat = what.str();
    return false;
  }
  int64_t narrow(Wide value, llvm::StringRef what) {
    return fits(value, what) ? int64_t(value) : 0;
  }

  const ModelSpec &spec;
  const TextConfig &m;
  const ReportOptions &options;
  std::string overflowWhat;
};

void Calculator::countText(WideCounts &total, WideCounts &active) const {
  Wide embedding = Wide(m.vocabSize) * m.hiddenSize;
  total.embedding = active.embedding = embedding;
  total.lmHead = active.lmHead = m.tieWordEmbeddings ? 0 : embedding;
  Wide norms = H(); // model.norm
  for (int64_t i = 0; i < m.numHiddenLayers; ++i) {
    LayerSpec layer = spec.layer(i);
    norms += 2 * H(); // input_layernorm, post_attention_layernorm
    if (layer.mixer == MixerKind::FullAttention) {
      total.attention += attentionParams();
      norms += 2 * Wide(m.headDim); // q_norm, k_norm
    } else {
      total.linearAttention += linearAttentionParams();
      norms += m.linearValueHeadDim; // linear_attn.norm (gated)
    }
    if (layer.ffn == FFNKind::DenseMLP) {
      total.mlp += swiglu(m.intermediateSize);
      continue;
    }
    Wide expert = swiglu(m.moeIntermediateSize);
    total.router += Wide(m.numExperts) * H();
    total.experts += Wide(m.numExperts) * expert;
    active.experts += Wide(m.numExpertsPerTok) * expert;
    total.sharedExpert += sharedExpertParams();
  }
  total.norms = norms;
  active.attention = total.attention;
  active.linearAttention = total.linearAttention;
  active.mlp = total.mlp;
  active.router = total.router;
  active.sharedExpert = total.sharedExpert;
  active.norms = total.norms;
}

Wide Calculator::countMtp() const {
  if (m.numNextnPredictLayers == 0)
    return 0;
  // mtp.fc [H, 2H], pre_fc_norm_embedding, pre_fc_norm_hidden, mtp.norm.
  Wide shared = 2 * H() * H() + 3 * H();
  // mtp.layers.N: a full-attention decoder layer with the model's MoE.
  Wide layer = attentionParams() + 2 * Wide(m.headDim) + 2 * H() +
               Wide(m.numExperts) * H() +
               Wide(m.numExperts) * swiglu(m.moeIntermediateSize) +
               sharedExpertParams();
  return shared + Wide(m.numNextnPredictLayers) * layer;
}

Wide Calculator::countVision() const {
  const VisionEncoderConfig &v = spec.thinker->vision;
  Wide h = v.hiddenSize, inter = v.intermediateSize, out = v.outHiddenSize;
  Wide patch =
      Wide(v.inChannels) * v.temporalPatchSize * v.patchSize * v.patchSize;
  Wide params = patch * h + h;                      // patch_embed (Conv3d)
  params += Wide(v.numPositionEmbeddings) * h;      // pos_embed
  Wide block = 2 * h + 2 * h                        // norm1, norm2 (LayerNorm)
               + 3 * h * h + 3 * h                  // attn.qkv
               + h * h + h                          // attn.proj
               + inter * h + inter + h * inter + h; // mlp.linear_fc1/2
  params += Wide(v.depth) * block;
  Wide merged = h * v.spatialMergeSize * v.spatialMergeSize;
  Wide mergerMlp = merged * merged + merged + out * merged + out;
  params += 2 * h + mergerMlp; // merger (ln_q over h)
  params += Wide(v.deepstackVisualIndexes.size()) *
            (2 * merged + mergerMlp); // merger_list (ln_q over 4h)
  return params;
}

Wide Calculator::countAudio() const {
  const AudioEncoderConfig &a = spec.thinker->audio;
  Wide d = a.dModel, ffn = a.encoderFfnDim, c = a.downsampleHiddenSize;
  // Three 3x3 stride-2 pad-1 convolutions halve the mel axis (rounding up).
  int64_t freq = a.numMelBins;
  for (int i = 0; i < 3; ++i)
    freq = (freq - 1) / 2 + 1;
  Wide params = 9 * c + c;                   // conv2d1 (1 -> c)
  params += 2 * (9 * c * c + c);             // conv2d2, conv2d3
  params += c * freq * d;                    // conv_out, no bias
  Wide layer = 4 * (d * d + d)               // q/k/v/out_proj with bias
               + 2 * d                       // self_attn_layer_norm
               + ffn * d + ffn + d * ffn + d // fc1, fc2
               + 2 * d;                      // final_layer_norm
  params += Wide(a.encoderLayers) * layer;
  params += 2 * d;                               // ln_post
  params += d * d + d;                           // proj1
  params += Wide(a.outputDim) * d + a.outputDim; // proj2
  return params;
}

/// Calls `visit(in, out, count)` for every LoRA adapter of the text
/// decoder: `count` copies of a [out, in] module, all experts or (with
/// `activeOnly`) the top-k a token visits.
template <typename Visit>
void forEachAdapter(const ModelSpec &spec, bool activeOnly, Visit visit) {
  const TextConfig &m = spec.model;
  const LoraConfig &lora = spec.training.lora;
  Wide h = m.hiddenSize;
  auto adapter = [&](llvm::StringRef name, Wide in, Wide out, Wide count) {
    if (llvm::is_contained(lora.targetModules, name))
      visit(in, out, count);
  };
  auto swiglu = [&](Wide width, Wide count) {
    adapter("gate_proj", h, width, count);
    adapter("up_proj", h, width, count);
    adapter("down_proj", width, h, count);
  };
  Wide heads = m.numAttentionHeads, hd = m.headDim;
  Wide qOut = heads * hd * (spec.gatedAttention() ? 2 : 1);
  Wide kvOut = Wide(m.numKeyValueHeads) * hd;
  for (int64_t i = 0; i < m.numHiddenLayers; ++i) {
    LayerSpec layer = spec.layer(i);
    if (layer.mixer == MixerKind::FullAttention) {
      adapter("q_proj", h, qOut, 1);
      adapter("k_proj", h, kvOut, 1);
      adapter("v_proj", h, kvOut, 1);
      adapter("o_proj", heads * hd, h, 1);
    } else {
      adapter("in_proj_qkvz", h,
              2 * Wide(spec.linearKeyDim()) + 2 * Wide(spec.linearValueDim()),
              1);
      adapter("in_proj_ba", h, 2 * Wide(m.linearNumValueHeads), 1);
      adapter("out_proj", spec.linearValueDim(), h, 1);
    }
    if (layer.ffn == FFNKind::DenseMLP) {
      swiglu(m.intermediateSize, 1);
      continue;
    }
    swiglu(m.moeIntermediateSize,
           activeOnly ? m.numExpertsPerTok : m.numExperts);
    if (spec.hasSharedExpert())
      swiglu(m.sharedExpertIntermediateSize, 1);
  }
}

Wide Calculator::loraParams(bool activeOnly) const {
  Wide total = 0;
  Wide r = spec.training.lora.r;
  forEachAdapter(spec, activeOnly, [&](Wide in, Wide out, Wide count) {
    total += count * r * (in + out);
  });
  return total;
}

/// Saved activations per token, in bytes (see docs/spec-format.md).
Wide Calculator::activationBytesPerToken() const {
  Wide b = dtypeBytes(spec.target.dtype);
  auto layerBytes = [&](LayerSpec layer) -> Wide {
    Wide elements = 4 * H(); // residual + normed input, twice
    Wide f32 = 0;
    if (layer.mixer == MixerKind::FullAttention) {
      elements += qProjOut() + 2 * kvProjOut() + attentionOut();
      f32 += 4 * Wide(m.numAttentionHeads); // softmax log-sum-exp
    } else {
      elements += qkvzOut() + baOut() + spec.linearConvDim() +
                  2 * Wide(spec.linearValueDim());
      // Chunked form keeps one f32 state per chunk of 64 tokens.
      f32 += 4 * Wide(m.linearNumValueHeads) * m.linearKeyHeadDim *
             m.linearValueHeadDim / 64;
    }
    if (layer.ffn == FFNKind::DenseMLP) {
      elements += 3 * Wide(m.intermediateSize);
    } else {
      f32 += 4 * Wide(m.numExperts); // router probabilities
      elements +=
          Wide(m.numExpertsPerTok) * (H() + 3 * Wide(m.moeIntermediateSize));
      if (spec.hasSharedExpert())
        elements += 3 * Wide(m.sharedExpertIntermediateSize) + 1;
    }
    return elements * b + f32;
  };
  Wide perToken = 2 * H() * b; // final norm input and output
  Wide largest = 0;
  for (int64_t i = 0; i < m.numHiddenLayers; ++i) {
    Wide bytes = layerBytes(spec.layer(i));
    largest = std::max(largest, bytes);
    // With checkpointing only each layer's input survives the forward; one
    // layer at a time is recomputed in full during the backward.
    perToken += spec.training.gradientCheckpointing ? H() * b : bytes;
  }
  if (spec.training.gradientCheckpointing)
    perToken += largest;
  if (spec.training.finetune == FinetuneMode::LoRA) {
    // x·Aᵀ (r values) of each adapter a token passes through.
    Wide adapters = 0;
    forEachAdapter(spec, /*activeOnly=*/true,
                   [&](Wide, Wide, Wide count) { adapters += count; });
    perToken += adapters * spec.training.lora.r * b;
  }
  return perToken;
}

llvm::Expected<ModelReport> Calculator::run() {
  ModelReport r;
  WideCounts total, active;
  countText(total, active);
  Wide textParams = total.sum();
  total.mtp = countMtp();
  if (spec.thinker) {
    total.visionEncoder = countVision();
    total.audioEncoder = countAudio();
  }

  auto narrowCounts = [&](const WideCounts &w, ComponentCounts &c) {
    c.embedding = narrow(w.embedding, "embedding parameters");
    c.lmHead = narrow(w.lmHead, "lm_head parameters");
    c.attention = narrow(w.attention, "attention parameters");
    c.linearAttention =
        narrow(w.linearAttention, "linear attention parameters");
    c.mlp = narrow(w.mlp, "MLP parameters");
    c.router = narrow(w.router, "router parameters");
    c.experts = narrow(w.experts, "expert parameters");
    c.sharedExpert = narrow(w.sharedExpert, "shared expert parameters");
    c.norms = narrow(w.norms, "norm parameters");
    c.mtp = narrow(w.mtp, "MTP parameters");
    c.visionEncoder = narrow(w.visionEncoder, "vision encoder parameters");
    c.audioEncoder = narrow(w.audioEncoder, "audio encoder parameters");
  };
  narrowCounts(total, r.total);
  narrowCounts(active, r.active);
  Wide totalParams = total.sum();
  r.totalParams = narrow(totalParams, "the parameter count");
  r.textParams = narrow(textParams, "the parameter count");
  r.activeParams = narrow(active.sum(), "the active parameter count");

  // Forward FLOPs per token: 2 per multiply-add of every matrix the token
  // goes through, the LM head included even when tied.
  int64_t fullLayers = spec.countLayers(MixerKind::FullAttention);
  int64_t linearLayers = spec.countLayers(MixerKind::LinearAttention);
  Wide matmul = active.attention + active.mlp + active.router + active.experts +
                active.sharedExpert + Wide(m.vocabSize) * m.hiddenSize;
  // Linear attention: projections, the depthwise conv, the recurrence.
  Wide linearFlops =
      Wide(linearLayers) *
      (2 * linearProjectionParams() + 2 * convParams() + recurrenceFlops());
  Wide forwardA = 2 * matmul + linearFlops;
  // Scores q·k and the weighted sum p·v: 2 hd each, per head and key.
  Wide forwardB = Wide(fullLayers) * 4 * m.numAttentionHeads * m.headDim;
  r.forward = {narrow(forwardA, "forward FLOPs"),
               narrow(forwardB, "forward FLOPs")};

  // Training step: backward ~ 2x forward for full fine-tuning. With LoRA
  // the frozen weights need only input gradients (1x), the adapters 2x
  // their forward, attention and the recurrence still 2x.
  Wide trainA, trainB = 3 * forwardB;
  if (spec.training.finetune == FinetuneMode::Full) {
    trainA = 3 * forwardA;
  } else {
    Wide adapterFlops = 2 * loraParams(/*activeOnly=*/true);
    trainA = 2 * forwardA + Wide(linearLayers) * recurrenceFlops() +
             3 * adapterFlops;
  }
  // A KL penalty needs the reference policy's log-probs: one more forward.
  if (spec.training.beta > 0) {
    trainA += forwardA;
    trainB += forwardB;
  }
  r.trainStep = {narrow(trainA, "training FLOPs"),
                 narrow(trainB, "training FLOPs")};

  // Caches per sequence.
  r.context = options.context;
  Wide b = dtypeBytes(spec.target.dtype);
  Wide kvPerToken = Wide(fullLayers) * 2 * m.numKeyValueHeads * m.headDim * b;
  r.kvCacheBytesPerToken = narrow(kvPerToken, "the KV cache size");
  r.kvCacheBytes = narrow(kvPerToken * options.context, "the KV cache size");
  r.mtpKvCacheBytes =
      narrow(Wide(m.numNextnPredictLayers) * 2 * m.numKeyValueHeads *
                 m.headDim * b * options.context,
             "the MTP KV cache size");
  Wide recurrent =
      Wide(linearLayers) *
      (convParams() * b + Wide(m.linearNumValueHeads) * m.linearKeyHeadDim *
                              m.linearValueHeadDim * 4);
  r.recurrentStateBytes = narrow(recurrent, "the recurrent state size");

  r.weightBytesF32 = narrow(totalParams * 4, "the weight memory");
  r.weightBytesBF16 = narrow(totalParams * 2, "the weight memory");
  r.weightBytesInt8 = narrow(totalParams, "the weight memory");
  r.weightBytesInt4 = narrow((totalParams + 1) / 2, "the weight memory");

  // Training memory of one micro-batch.
  TrainingMemory &t = r.training;
  const TrainingConfig &training = spec.training;
  t.finetune = training.finetune;
  Wide lora = training.finetune == FinetuneMode::LoRA
                  ? loraParams(/*activeOnly=*/false)
                  : 0;
  Wide trainable = training.finetune == FinetuneMode::LoRA ? lora : textParams;
  Wide baseBytes =
      training.finetune == FinetuneMode::LoRA ? textParams * b : Wide(0);
  Wide stateBytes = trainable * 16;
  Wide activations = Wide(training.perDeviceTrainBatchSize) *
                     training.maxSeqLength * activationBytesPerToken();
  t.loraParams = narrow(lora, "the LoRA parameter count");
  t.trainableParams = narrow(trainable, "the trainable parameter count");
  t.baseWeightBytes = narrow(baseBytes, "the training memory");
  t.trainableStateBytes = narrow(stateBytes, "the training memory");
  t.activationBytes = narrow(activations, "the training memory");
  t.totalBytes =
      narrow(baseBytes + stateBytes + activations, "the training memory");

  if (!overflowWhat.empty())
    return makeSpecError(spec.source.file, {},
                         "cannot report on this model: " + overflowWhat +
                             " does not fit in 64 bits");
  return r;
}

} // namespace

llvm::Expected<ModelReport>
mlir::zen::computeReport(const ModelSpec &spec, const ReportOptions &options) {
  return Calculator(spec, options).run();
}

//===- ModelReport.h - Parameter, FLOP and memory figures -------*- C++ -*-===//
//
// Everything `zen-compile --report` prints, derived by formula from a
// validated ModelSpec (never looked up): parameter counts per component
// (they reproduce the HF checkpoints' tensor sizes exactly), per-token
// FLOPs of a forward pass and a training step as a + b·ctx, cache sizes,
// weight memory and a training-memory estimate. docs/spec-format.md
// ("Report") gives every formula.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_FRONTEND_MODELREPORT_H
#define ZEN_FRONTEND_MODELREPORT_H

#include "zen/Frontend/ModelSpec.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <cstdint>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace mlir::zen {

struct ReportOptions {
  /// Positions a token attends to (decode at this context), and the
  /// training sequence length the per-token averages use.
  int64_t context = 4096;
};

/// Parameter counts by component; the names are the JSON keys.
struct ComponentCounts {
  int64_t embedding = 0;       // embed_tokens
  int64_t lmHead = 0;          // lm_head (0 when tied)
  int64_t attention = 0;       // q/k/v/o projections of full-attention layers
  int64_t linearAttention = 0; // Gated DeltaNet layers (all but their norm)
  int64_t mlp = 0;             // dense SwiGLU layers
  int64_t router = 0;          // mlp.gate
  int64_t experts = 0;         // routed experts
  int64_t sharedExpert = 0;    // shared expert and its gate
  int64_t norms = 0;           // every RMSNorm weight of the text decoder
  int64_t mtp = 0;             // Qwen3-Next multi-token prediction
  int64_t visionEncoder = 0;   // Omni thinker.visual
  int64_t audioEncoder = 0;    // Omni thinker.audio_tower

  int64_t sum() const;
};

/// FLOPs of one token as a + b·ctx, ctx = positions it attends to (itself
/// included). Over a training sequence of length T the average token sees
/// ctx = (T + 1) / 2.
struct FlopsFormula {
  int64_t a = 0;
  int64_t b = 0;

  double at(double context) const { return double(a) + double(b) * context; }
};

struct TrainingMemory {
  FinetuneMode finetune = FinetuneMode::LoRA;
  int64_t trainableParams = 0;
  int64_t loraParams = 0;
  /// Frozen text-decoder weights in the target dtype (LoRA only).
  int64_t baseWeightBytes = 0;
  /// f32 weight, gradient and AdamW m and v of every trainable parameter.
  int64_t trainableStateBytes = 0;
  /// Saved activations of one micro-batch of max_seq_length sequences.
  int64_t activationBytes = 0;
  int64_t totalBytes = 0;
};

struct ModelReport {
  /// Every parameter described: text decoder, MTP and encoders.
  int64_t totalParams = 0;
  /// The text backbone: embedding, decoder layers, final norm, lm_head.
  int64_t textParams = 0;
  /// Parameters one token uses on the text decoder path (top-k experts,
  /// embedding and lm_head included; MTP and encoders excluded).
  int64_t activeParams = 0;
  ComponentCounts total;
  ComponentCounts active;

  int64_t context = 0;
  FlopsFormula forward;
  FlopsFormula trainStep;

  /// Per sequence at `context`, in the target dtype.
  int64_t kvCacheBytesPerToken = 0;
  int64_t kvCacheBytes = 0;
  int64_t mtpKvCacheBytes = 0;
  /// Gated DeltaNet conv state (target dtype) plus recurrent state (f32);
  /// independent of the context.
  int64_t recurrentStateBytes = 0;

  /// totalParams at 4, 2, 1 and 0.5 bytes (no quantization scales).
  int64_t weightBytesF32 = 0;
  int64_t weightBytesBF16 = 0;
  int64_t weightBytesInt8 = 0;
  int64_t weightBytesInt4 = 0;

  TrainingMemory training;
};

/// Fails only when a figure does not fit in 64 bits.
llvm::Expected<ModelReport> computeReport(const ModelSpec &spec,
                                          const ReportOptions &options = {});

/// The readable table of `zen-compile --report`.
void printReportTable(const ModelSpec &spec, const ModelReport &report,
                      llvm::raw_ostream &os);

/// `zen-compile --report=json`; keys are documented in docs/spec-format.md.
llvm::json::Value reportToJSON(const ModelSpec &spec,
                               const ModelReport &report);

} // namespace mlir::zen

#endif // ZEN_FRONTEND_MODELREPORT_H

//===- ModelReportPrint.cpp - Table and JSON forms of a ModelReport -------===//

#include "zen/Frontend/ModelReport.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir::zen;
using llvm::StringRef;

namespace {

std::string withCommas(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

std::string scaled(double value, llvm::ArrayRef<StringRef> units, double step) {
  size_t unit = 0;
  while (value >= step && unit + 1 < units.size()) {
    value /= step;
    ++unit;
  }
  std::string out;
  llvm::raw_string_ostream os(out);
  os << llvm::format(unit == 0 ? "%.0f " : "%.2f ", value) << units[unit];
  return out;
}

std::string bytes(int64_t value) {
  return scaled(double(value), {"B", "KiB", "MiB", "GiB", "TiB", "PiB"}, 1024);
}

std::string flops(double value) {
  return scaled(value, {"FLOP", "kFLOP", "MFLOP", "GFLOP", "TFLOP", "PFLOP"},
                1000);
}

std::string shortNumber(int64_t value) {
  std::string out;
  llvm::raw_string_ostream os(out);
  os << llvm::format("%.4g", double(value));
  return out;
}

struct Row {
  StringRef name;
  int64_t total;
  int64_t active;
};

} // namespace

void mlir::zen::printReportTable(const ModelSpec &spec, const ModelReport &r,
                                 llvm::raw_ostream &os) {
  os << spec.name;
  if (!spec.base.empty())
    os << ": " << spec.base;
  os << " (" << stringify(spec.family) << ", " << spec.model.modelType
     << "), target " << stringify(spec.target.device) << " "
     << stringify(spec.target.dtype) << "\n\n";

  const ComponentCounts &t = r.total, &a = r.active;
  Row rows[] = {{"embedding", t.embedding, a.embedding},
                {"lm_head", t.lmHead, a.lmHead},
                {"attention", t.attention, a.attention},
                {"linear_attention", t.linearAttention, a.linearAttention},
                {"mlp", t.mlp, a.mlp},
                {"router", t.router, a.router},
                {"experts", t.experts, a.experts},
                {"shared_expert", t.sharedExpert, a.sharedExpert},
                {"norms", t.norms, a.norms},
                {"mtp", t.mtp, a.mtp},
                {"vision_encoder", t.visionEncoder, a.visionEncoder},
                {"audio_encoder", t.audioEncoder, a.audioEncoder}};
  os << llvm::format("%-28s %20s %20s\n", "Parameters", "total",
                     "active/token");
  for (const Row &row : rows) {
    if (row.total == 0 && row.name != "lm_head")
      continue;
    os << llvm::format("  %-26s %20s %20s", row.name.str().c_str(),
                       withCommas(row.total).c_str(),
                       withCommas(row.active).c_str());
    if (row.name == "lm_head" && spec.model.tieWordEmbeddings)
      os << "  (tied to embedding)";
    os << "\n";
  }
  os << llvm::format("  %-26s %20s %20s\n", "total",
                     withCommas(r.totalParams).c_str(),
                     withCommas(r.activeParams).c_str());
  if (r.textParams != r.totalParams)
    os << llvm::format("  %-26s %20s\n", "text backbone",
                       withCommas(r.textParams).c_str());

  double ctx = double(r.context);
  os << "\nFLOPs per token = a + b*ctx (ctx: positions attended)\n";
  os << llvm::format("  %-12s %12s %12s %16s %16s\n", "", "a", "b",
                     ("at ctx " + std::to_string(r.context)).c_str(),
                     "sequence avg");
  auto flopRow = [&](StringRef name, const FlopsFormula &f) {
    os << llvm::format("  %-12s %12s %12s %16s %16s\n", name.str().c_str(),
                       shortNumber(f.a).c_str(), shortNumber(f.b).c_str(),
                       flops(f.at(ctx)).c_str(),
                       flops(f.at((ctx + 1) / 2)).c_str());
  };
  flopRow("forward", r.forward);
  flopRow("train step", r.trainStep);

  os << "\nCache per sequence at " << r.context << " tokens ("
     << stringify(spec.target.dtype) << ")\n";
  os << llvm::format("  %-26s %16s  (%s per token)\n", "KV cache",
                     bytes(r.kvCacheBytes).c_str(),
                     bytes(r.kvCacheBytesPerToken).c_str());
  if (r.mtpKvCacheBytes)
    os << llvm::format("  %-26s %16s\n", "MTP KV cache",
                       bytes(r.mtpKvCacheBytes).c_str());
  if (r.recurrentStateBytes)
    os << llvm::format("  %-26s %16s  (constant in context)\n",
                       "recurrent state", bytes(r.recurrentStateBytes).c_str());

  os << "\nWeight memory\n";
  os << llvm::format(
      "  f32 %s | bf16 %s | int8 %s | int4 %s\n",
      bytes(r.weightBytesF32).c_str(), bytes(r.weightBytesBF16).c_str(),
      bytes(r.weightBytesInt8).c_str(), bytes(r.weightBytesInt4).c_str());

  const TrainingConfig &training = spec.training;
  const TrainingMemory &m = r.training;
  os << "\nTraining memory estimate (" << stringify(training.algorithm) << ", ";
  if (training.finetune == FinetuneMode::LoRA)
    os << "LoRA r=" << training.lora.r
       << " alpha=" << formatDouble(training.lora.loraAlpha);
  else
    os << "full fine-tuning";
  os << ", micro-batch " << training.perDeviceTrainBatchSize << " x "
     << training.maxSeqLength << " tokens"
     << (training.gradientCheckpointing ? ", gradient checkpointing" : "")
     << ")\n";
  if (training.finetune == FinetuneMode::LoRA)
    os << llvm::format(
        "  %-34s %16s\n",
        ("frozen weights (" + stringify(spec.target.dtype) + ")").str().c_str(),
        bytes(m.baseWeightBytes).c_str());
  os << llvm::format("  %-34s %16s  (%s parameters)\n",
                     "trainable state (f32 w, g, m, v)",
                     bytes(m.trainableStateBytes).c_str(),
                     withCommas(m.trainableParams).c_str());
  os << llvm::format("  %-34s %16s\n", "activations",
                     bytes(m.activationBytes).c_str());
  os << llvm::format("  %-34s %16s\n", "total", bytes(m.totalBytes).c_str());
}

static llvm::json::Object countsToJSON(const ComponentCounts &c) {
  return llvm::json::Object{{"embedding", c.embedding},
                            {"lm_head", c.lmHead},
                            {"attention", c.attention},
                            {"linear_attention", c.linearAttention},
                            {"mlp", c.mlp},
                            {"router", c.router},
                            {"experts", c.experts},
                            {"shared_expert", c.sharedExpert},
                            {"norms", c.norms},
                            {"mtp", c.mtp},
                            {"vision_encoder", c.visionEncoder},
                            {"audio_encoder", c.audioEncoder}};
}

static llvm::json::Object flopsToJSON(const FlopsFormula &f, int64_t context) {
  double ctx = double(context);
  return llvm::json::Object{{"a", f.a},
                            {"b", f.b},
                            {"at_context", f.at(ctx)},
                            {"sequence_average", f.at((ctx + 1) / 2)}};
}

llvm::json::Value mlir::zen::reportToJSON(const ModelSpec &spec,
                                          const ModelReport &r) {
  const TrainingConfig &training = spec.training;
  const TrainingMemory &m = r.training;
  llvm::json::Object trainingMemory{
      {"algorithm", stringify(training.algorithm)},
      {"finetune", stringify(training.finetune)},
      {"micro_batch", training.perDeviceTrainBatchSize},
      {"seq_length", training.maxSeqLength},
      {"gradient_checkpointing", training.gradientCheckpointing},
      {"trainable_params", m.trainableParams},
      {"lora_params", m.loraParams},
      {"base_weight_bytes", m.baseWeightBytes},
      {"trainable_state_bytes", m.trainableStateBytes},
      {"activation_bytes", m.activationBytes},
      {"total_bytes", m.totalBytes}};
  if (training.finetune == FinetuneMode::LoRA) {
    trainingMemory["lora_rank"] = training.lora.r;
    trainingMemory["lora_alpha"] = training.lora.loraAlpha;
  }
  return llvm::json::Object{
      {"name", spec.name},
      {"base", spec.base},
      {"family", stringify(spec.family)},
      {"model_type", spec.model.modelType},
      {"target", llvm::json::Object{{"device", stringify(spec.target.device)},
                                    {"dtype", stringify(spec.target.dtype)}}},
      {"total_params", r.totalParams},
      {"text_params", r.textParams},
      {"active_params", r.activeParams},
      {"by_component", countsToJSON(r.total)},
      {"active_by_component", countsToJSON(r.active)},
      {"context", r.context},
      {"flops_per_token",
       llvm::json::Object{{"forward", flopsToJSON(r.forward, r.context)},
                          {"train_step", flopsToJSON(r.trainStep, r.context)}}},
      {"kv_cache_bytes", r.kvCacheBytes},
      {"kv_cache_bytes_per_token", r.kvCacheBytesPerToken},
      {"mtp_kv_cache_bytes", r.mtpKvCacheBytes},
      {"recurrent_state_bytes", r.recurrentStateBytes},
      {"weight_memory_bytes", llvm::json::Object{{"f32", r.weightBytesF32},
                                                 {"bf16", r.weightBytesBF16},
                                                 {"int8", r.weightBytesInt8},
                                                 {"int4", r.weightBytesInt4}}},
      {"training_memory", std::move(trainingMemory)}};
}

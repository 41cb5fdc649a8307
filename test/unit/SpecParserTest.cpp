//===- SpecParserTest.cpp - Front-end: specs, configs, validation ---------===//
//
// The library API SpecToZen and the tools build on: parsing from memory,
// the per-layer structure, validation of programmatic specs, located
// diagnostics, config.json dialects, lookup and the report.
//
//===----------------------------------------------------------------------===//

#include "zen/Frontend/SpecParser.h"
#include "zen/Frontend/ModelReport.h"
#include "zen/Frontend/ModelSpec.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

using namespace mlir::zen;

namespace {

constexpr const char *kTinyHybrid = R"(
name: hybrid
family: hybrid
model:
  vocab_size: 384
  hidden_size: 64
  intermediate_size: 128
  num_hidden_layers: 8
  num_attention_heads: 4
  num_key_value_heads: 2
  head_dim: 32
  partial_rotary_factor: 0.25
  linear_key_head_dim: 16
  linear_value_head_dim: 16
  linear_num_key_heads: 2
  linear_num_value_heads: 4
  num_experts: 8
  num_experts_per_tok: 2
  moe_intermediate_size: 32
  shared_expert_intermediate_size: 32
  mlp_only_layers: [5]
)";

/// Diagnostics of a failed parse, one string each.
std::vector<std::string> diagnostics(llvm::Error err) {
  std::vector<std::string> out;
  llvm::handleAllErrors(std::move(err), [&](const SpecError &e) {
    for (const SpecDiagnostic &d : e.getDiagnostics()) {
      std::string text;
      llvm::raw_string_ostream os(text);
      d.print(os);
      out.push_back(text);
    }
  });
  return out;
}

std::string dump(const ModelSpec &spec, bool modelOnly) {
  std::string text;
  llvm::raw_string_ostream os(text);
  dumpSpec(spec, os, SpecDumpOptions{modelOnly});
  return text;
}

TEST(SpecParser, HybridLayerStructure) {
  llvm::Expected<ModelSpec> spec = parseYamlSpec(kTinyHybrid, "hybrid.yaml");
  ASSERT_TRUE(bool(spec)) << llvm::toString(spec.takeError());
  EXPECT_EQ(spec->family, ModelFamily::Hybrid);
  EXPECT_EQ(spec->model.modelType, "qwen3_next");
  // Defaults of qwen3_next: interval 4, one MTP layer, zero-centred norms.
  for (int64_t i = 0; i < 8; ++i) {
    LayerSpec layer = spec->layer(i);
    EXPECT_EQ(layer.mixer, (i + 1) % 4 == 0 ? MixerKind::FullAttention
                                            : MixerKind::LinearAttention)
        << "layer " << i;
    EXPECT_EQ(layer.ffn, i == 5 ? FFNKind::DenseMLP : FFNKind::MoE)
        << "layer " << i;
  }
  EXPECT_EQ(spec->countLayers(MixerKind::FullAttention), 2);
  EXPECT_EQ(spec->countLayers(FFNKind::MoE), 7);
  EXPECT_EQ(spec->model.numNextnPredictLayers, 1);
  EXPECT_TRUE(spec->zeroCenteredNorms());
  EXPECT_TRUE(spec->gatedAttention());
  EXPECT_TRUE(spec->hasSharedExpert());
  EXPECT_EQ(spec->rotaryDim(), 8);
  EXPECT_EQ(spec->linearConvDim(), 2 * 32 + 64);
  EXPECT_EQ(spec->textParamPrefix(), "model.");
  // Training defaults follow the family.
  EXPECT_EQ(spec->training.algorithm, TrainAlgorithm::GSPO);
  EXPECT_DOUBLE_EQ(spec->training.epsilon, 3e-4);
  EXPECT_DOUBLE_EQ(spec->training.lora.loraAlpha, 16.0);
  EXPECT_EQ(spec->training.maxSeqLength, 4096);
}

TEST(SpecParser, DecoderSparseStep) {
  std::string text = R"(
name: moe
family: moe
model:
  vocab_size: 64
  hidden_size: 32
  intermediate_size: 48
  num_hidden_layers: 4
  num_attention_heads: 2
  num_key_value_heads: 1
  num_experts: 4
  num_experts_per_tok: 2
  moe_intermediate_size: 16
  decoder_sparse_step: 2
)";
  llvm::Expected<ModelSpec> spec = parseYamlSpec(text, "moe.yaml");
  ASSERT_TRUE(bool(spec)) << llvm::toString(spec.takeError());
  // HF: MoE iff (i + 1) % decoder_sparse_step == 0.
  EXPECT_EQ(spec->layer(0).ffn, FFNKind::DenseMLP);
  EXPECT_EQ(spec->layer(1).ffn, FFNKind::MoE);
  EXPECT_EQ(spec->layer(2).ffn, FFNKind::DenseMLP);
  EXPECT_EQ(spec->layer(3).ffn, FFNKind::MoE);
  // qwen3_moe: head_dim falls back to hidden / heads, norm_topk_prob false.
  EXPECT_EQ(spec->model.headDim, 16);
  EXPECT_FALSE(spec->model.normTopkProb);
  EXPECT_EQ(spec->model.numKeyValueHeads, 1);
}

TEST(SpecParser, LocatedDiagnosticsInFileOrder) {
  std::string text = "name: x\nfamily: dense\nmodel:\n  vocab_size: -1\n"
                     "  hidden_sise: 64\n";
  std::vector<std::string> diags =
      diagnostics(parseYamlSpec(text, "x.yaml").takeError());
  // Four missing sizes at `model:`, then the two faults in file order.
  ASSERT_EQ(diags.size(), 6u);
  EXPECT_EQ(diags[0], "x.yaml:3:1: error: model: missing required key "
                      "'hidden_size' (an integer in [1, 2147483647])");
  EXPECT_EQ(diags[4], "x.yaml:4:15: error: model.vocab_size: expected an "
                      "integer in [1, 2147483647], found -1");
  EXPECT_EQ(diags[5], "x.yaml:5:3: error: model: unknown key 'hidden_sise'; "
                      "did you mean 'hidden_size'?");
}

TEST(SpecParser, ValidateProgrammaticSpec) {
  llvm::Expected<ModelSpec> parsed = parseYamlSpec(kTinyHybrid, "h.yaml");
  ASSERT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
  ModelSpec spec = *parsed;
  spec.source = SpecSourceMap(); // as built in memory: no positions
  spec.source.file = "<memory>";
  ASSERT_FALSE(bool(validateSpec(spec)));

  spec.model.numKeyValueHeads = 3;
  spec.model.layerTypes.pop_back();
  spec.model.numExpertsPerTok = 9;
  std::vector<std::string> diags = diagnostics(validateSpec(spec));
  ASSERT_EQ(diags.size(), 3u);
  EXPECT_EQ(diags[0], "<memory>: error: num_attention_heads (4) must be a "
                      "multiple of num_key_value_heads (3) for grouped-query "
                      "attention");
  EXPECT_EQ(diags[1], "<memory>: error: layer_types has 7 entries; expected "
                      "one per layer (num_hidden_layers = 8)");
  EXPECT_EQ(diags[2], "<memory>: error: num_experts_per_tok (9) exceeds "
                      "num_experts (8): top-k routing picks k of the experts");
}

TEST(SpecParser, ConfigDialectsAgree) {
  // transformers 4.x: top-level rope keys and full_attention_interval.
  std::string v4 = R"({"model_type": "qwen3_next", "vocab_size": 384,
    "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 4,
    "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 32,
    "rope_theta": 10000000, "partial_rotary_factor": 0.25,
    "full_attention_interval": 4, "num_experts": 8, "num_experts_per_tok": 2,
    "moe_intermediate_size": 32, "architectures": ["Qwen3NextForCausalLM"],
    "bos_token_id": null, "torch_dtype": "bfloat16"})";
  // transformers >= 5: rope_parameters and layer_types.
  std::string v5 = R"({"model_type": "qwen3_next", "vocab_size": 384,
    "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 4,
    "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 32,
    "rope_parameters": {"rope_theta": 1e7, "partial_rotary_factor": 0.25,
                        "rope_type": "default"},
    "layer_types": ["linear_attention", "linear_attention",
                    "linear_attention", "full_attention"],
    "num_experts": 8, "num_experts_per_tok": 2, "moe_intermediate_size": 32,
    "dtype": "bfloat16"})";
  llvm::Expected<ModelSpec> a = importHFConfig(v4, "a/config.json");
  llvm::Expected<ModelSpec> b = importHFConfig(v5, "b/config.json");
  ASSERT_TRUE(bool(a)) << llvm::toString(a.takeError());
  ASSERT_TRUE(bool(b)) << llvm::toString(b.takeError());
  EXPECT_EQ(dump(*a, true), dump(*b, true));
  EXPECT_EQ(a->name, "a");
  EXPECT_DOUBLE_EQ(a->model.rope.theta, 1e7);
}

TEST(SpecParser, ConfigRopeConflict) {
  std::string text = R"({"model_type": "qwen3", "vocab_size": 8,
    "hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 1,
    "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 4,
    "rope_theta": 10000,
    "rope_parameters": {"rope_theta": 1000000, "rope_type": "default"}})";
  std::vector<std::string> diags =
      diagnostics(importHFConfig(text, "c.json").takeError());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0], "c.json:5:39: error: rope_parameters.rope_theta (1e+06) "
                      "disagrees with rope_theta (1e+04)");
}

TEST(SpecParser, RejectsBeforeParsing) {
  EXPECT_EQ(
      diagnostics(
          parseYamlSpec(std::string(100000, '['), "deep.yaml").takeError())[0],
      "deep.yaml:1:65: error: nesting deeper than 64 levels; a spec "
      "nests only a few levels");
  std::string binary("name: a\0b\n", 10);
  EXPECT_EQ(diagnostics(parseYamlSpec(binary, "nul.yaml").takeError())[0],
            "nul.yaml:1:8: error: file contains binary data (a NUL byte); "
            "expected UTF-8 text");
  EXPECT_EQ(diagnostics(importHFConfig("  \n", "e.json").takeError())[0],
            "e.json: error: file is empty; expected a JSON object (an HF "
            "config.json)");
}

TEST(SpecParser, Report) {
  std::string text = R"(
name: nano
family: dense
model:
  vocab_size: 151936
  hidden_size: 1024
  intermediate_size: 3072
  num_hidden_layers: 28
  num_attention_heads: 16
  num_key_value_heads: 8
  head_dim: 128
  max_position_embeddings: 40960
  tie_word_embeddings: true
)";
  llvm::Expected<ModelSpec> spec = parseYamlSpec(text, "nano.yaml");
  ASSERT_TRUE(bool(spec)) << llvm::toString(spec.takeError());
  llvm::Expected<ModelReport> report = computeReport(*spec, {2048});
  ASSERT_TRUE(bool(report)) << llvm::toString(report.takeError());
  EXPECT_EQ(report->totalParams, 596049920);
  EXPECT_EQ(report->activeParams, 596049920);
  EXPECT_EQ(report->total.lmHead, 0);
  EXPECT_EQ(report->total.sum(), report->totalParams);
  EXPECT_EQ(report->forward.b, 4 * 16 * 128 * 28);
  // f32 target: 28 layers * 2 (K, V) * 8 heads * 128 * 4 bytes per token.
  EXPECT_EQ(report->kvCacheBytes, int64_t(28) * 2 * 8 * 128 * 4 * 2048);
  EXPECT_EQ(report->recurrentStateBytes, 0);
  llvm::json::Value json = reportToJSON(*spec, *report);
  EXPECT_EQ(json.getAsObject()->getInteger("total_params"), 596049920);
}

TEST(SpecParser, Lookup) {
  llvm::SmallString<128> dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("zen-lookup", dir));
  llvm::SmallString<128> sub(dir);
  llvm::sys::path::append(sub, "models");
  ASSERT_FALSE(llvm::sys::fs::create_directories(sub));
  llvm::SmallString<128> file(sub);
  llvm::sys::path::append(file, "x.yaml");
  std::ofstream(std::string(file)) << "name: x\n";

  SpecLookupOptions options;
  options.searchPath = splitSearchPath("/nonexistent::" + std::string(dir));
  ASSERT_EQ(options.searchPath.size(), 2u);
  llvm::Expected<ResolvedSpecPath> found =
      resolveSpecPath("models/x.yaml", options);
  ASSERT_TRUE(bool(found)) << llvm::toString(found.takeError());
  EXPECT_EQ(found->path, std::string(file));
  EXPECT_TRUE(found->found);
  EXPECT_FALSE(bool(resolveSpecPath("models/y.yaml", options)));
  llvm::consumeError(resolveSpecPath("models/y.yaml", options).takeError());
  llvm::sys::fs::remove_directories(dir);
}

TEST(SpecParser, FormatDoubleRoundTrips) {
  for (double value : {1e-6, 0.25, 1e7, 0.1, 3e-4, 0.999, 1.0 / 3.0})
    EXPECT_EQ(std::strtod(formatDouble(value).c_str(), nullptr), value);
  EXPECT_EQ(formatDouble(1e-6), "1e-06");
  EXPECT_EQ(formatDouble(0.25), "0.25");
}

} // namespace

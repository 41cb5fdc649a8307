//===- RuntimeModelBindTest.cpp - Binding checkpoints and random weights --===//

#include "RuntimeModelTestUtil.h"

#include <array>
#include <cfloat>

using namespace zen::test;

namespace {

/// The bound values of parameter `name` as floats.
std::vector<float> paramValues(zen_model_t *m, const char *name) {
  size_t index = 0;
  zen_param_info_t info;
  const void *data = nullptr;
  EXPECT_EQ(zen_model_find_param(m, name, &index), nullptr);
  EXPECT_EQ(zen_model_param(m, index, &info), nullptr);
  Status s(zen_model_param_data(m, index, &data));
  EXPECT_TRUE(s.ok()) << s.message();
  if (!s.ok())
    return {};
  std::vector<float> values(info.num_elements);
  zen_status_free(
      zen_convert_to_f32(info.dtype, data, values.data(), values.size()));
  return values;
}

bool isBorrowed(zen_model_t *m, const char *name) {
  size_t index = 0;
  zen_param_info_t info;
  EXPECT_EQ(zen_model_find_param(m, name, &index), nullptr);
  EXPECT_EQ(zen_model_param(m, index, &info), nullptr);
  EXPECT_EQ(info.bound, 1);
  return info.borrowed != 0;
}

const char *kNorm = "model.norm.weight";
const char *kEmbed = "model.embed_tokens.weight";
const char *kExpert1 = "model.layers.0.mlp.experts.1.up_proj.weight";

} // namespace

TEST(ModelBindTest, BindsZeroCopyConvertsAndStacks) {
  TempDir dir;
  FakeWeights w;
  auto tensors = w.tensors();
  // BF16 and F16 on disk convert exactly to the f32 parameters.
  tensors[kNorm] = floatTensor(ZEN_DTYPE_BF16, {4}, w.norm);
  tensors["lm_head.weight"] = floatTensor(ZEN_DTYPE_F16, {8, 4}, w.head);
  writeCheckpoint(dir.file("model.safetensors"), tensors);

  Model model(fakeModelPath());
  ZEN_ASSERT_OK(
      zen_model_bind_checkpoint(model.m, dir.path().c_str(), nullptr));
  zen_model_info_t info;
  ZEN_ASSERT_OK(zen_model_info(model.m, &info));
  EXPECT_EQ(info.num_bound_params, 4u);

  EXPECT_TRUE(isBorrowed(model.m, kEmbed)); // F32 on disk, aligned: in place
  EXPECT_FALSE(isBorrowed(model.m, kNorm));
  EXPECT_FALSE(isBorrowed(model.m, "lm_head.weight"));
  EXPECT_FALSE(
      isBorrowed(model.m, "model.layers.0.mlp.experts.{e}.up_proj.weight"));
  EXPECT_EQ(paramValues(model.m, kEmbed), w.embed);
  std::vector<float> norm(4), head(32);
  zen_status_free(zen_convert_to_f32(
      ZEN_DTYPE_BF16, tensors[kNorm].bytes.data(), norm.data(), 4));
  zen_status_free(zen_convert_to_f32(
      ZEN_DTYPE_F16, tensors["lm_head.weight"].bytes.data(), head.data(), 32));
  EXPECT_EQ(paramValues(model.m, kNorm), norm);
  EXPECT_EQ(paramValues(model.m, "lm_head.weight"), head);
  // Experts stack along a new leading dimension, in expert order.
  EXPECT_EQ(
      paramValues(model.m, "model.layers.0.mlp.experts.{e}.up_proj.weight"),
      w.experts);
}

TEST(ModelBindTest, ShardedIndexAndSingleFile) {
  TempDir dir;
  FakeWeights w;
  auto tensors = w.tensors();
  std::map<std::string, Tensor> a, b;
  std::string weightMap;
  int i = 0;
  for (auto &[name, t] : tensors) {
    bool first = i++ % 2 == 0;
    (first ? a : b)[name] = t;
    weightMap += std::string(weightMap.empty() ? "" : ",") + "\"" + name +
                 "\":\"" + (first ? "a.safetensors" : "b.safetensors") + "\"";
  }
  writeCheckpoint(dir.file("a.safetensors"), a);
  writeCheckpoint(dir.file("b.safetensors"), b);
  writeBytes(dir.file("model.safetensors.index.json"),
             "{\"weight_map\":{" + weightMap + "}}");
  Model model(fakeModelPath());
  ZEN_ASSERT_OK(
      zen_model_bind_checkpoint(model.m, dir.path().c_str(), nullptr));
  EXPECT_EQ(paramValues(model.m, "lm_head.weight"), w.head);

  // A missing tensor in a sharded checkpoint names the files searched.
  tensors.erase(kNorm);
  a.erase(kNorm);
  b.erase(kNorm);
  weightMap.clear();
  for (auto &[name, t] : a)
    weightMap += std::string(weightMap.empty() ? "" : ",") + "\"" + name +
                 "\":\"a.safetensors\"";
  for (auto &[name, t] : b)
    weightMap += ",\"" + name + "\":\"b.safetensors\"";
  writeCheckpoint(dir.file("a.safetensors"), a);
  writeBytes(dir.file("model.safetensors.index.json"),
             "{\"weight_map\":{" + weightMap + "}}");
  ZEN_EXPECT_ERROR(
      zen_model_bind_checkpoint(model.m, dir.path().c_str(), nullptr),
      ZEN_STATUS_NOT_FOUND,
      "tensor 'model.norm.weight' not found (searched 2 files: " + dir.path() +
          "/a.safetensors, " + dir.path() + "/b.safetensors)");
}

TEST(ModelBindTest, ReportsMissingMisshapenExtraAndMisnamedTensors) {
  TempDir dir;
  FakeWeights w;
  Model model(fakeModelPath());
  std::string file = dir.file("ckpt.safetensors");

  auto tensors = w.tensors();
  tensors.erase("lm_head.weight");
  writeCheckpoint(file, tensors);
  ZEN_EXPECT_ERROR(zen_model_bind_checkpoint(model.m, file.c_str(), nullptr),
                   ZEN_STATUS_NOT_FOUND,
                   file + ": tensor 'lm_head.weight' not found (searched " +
                       file + ")");

  tensors = w.tensors();
  tensors.erase(kExpert1);
  writeCheckpoint(file, tensors);
  ZEN_EXPECT_ERROR(zen_model_bind_checkpoint(model.m, file.c_str(), nullptr),
                   ZEN_STATUS_NOT_FOUND,
                   "tensor 'model.layers.0.mlp.experts.1.up_proj.weight' not "
                   "found");

  tensors = w.tensors();
  tensors["lm_head.weight"] = f32Tensor({4, 8}, w.head);
  writeCheckpoint(file, tensors);
  ZEN_EXPECT_ERROR(zen_model_bind_checkpoint(model.m, file.c_str(), nullptr),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "tensor 'lm_head.weight': shape mismatch: the model expects "
                   "[8, 4], the checkpoint has [4, 8]");

  tensors = w.tensors();
  tensors[kExpert1] = f32Tensor({8}, std::vector<float>(8));
  writeCheckpoint(file, tensors);
  ZEN_EXPECT_ERROR(zen_model_bind_checkpoint(model.m, file.c_str(), nullptr),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "tensor 'model.layers.0.mlp.experts.1.up_proj.weight': "
                   "shape mismatch: the model expects [2, 4], the checkpoint "
                   "has [8]");

  tensors = w.tensors();
  tensors[kNorm] = {ZEN_DTYPE_I64, {4}, std::string(32, '\0')};
  writeCheckpoint(file, tensors);
  ZEN_EXPECT_ERROR(zen_model_bind_checkpoint(model.m, file.c_str(), nullptr),
                   ZEN_STATUS_UNSUPPORTED,
                   "tensor 'model.norm.weight': dtype I64 does not convert to "
                   "the parameter's F32");

  // Extra tensors: an error by default, ignored with allow_extra.
  tensors = w.tensors();
  tensors["mtp.fc.weight"] = f32Tensor({2}, {1, 2});
  tensors["model.layers.0.mlp.experts.3.up_proj.weight"] =
      f32Tensor({2, 4}, std::vector<float>(8));
  writeCheckpoint(file, tensors);
  ZEN_EXPECT_ERROR(zen_model_bind_checkpoint(model.m, file.c_str(), nullptr),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   file + ": the checkpoint does not match the model (2 "
                          "problems):\n  tensor "
                          "'model.layers.0.mlp.experts.3.up_proj.weight' is "
                          "not used by the model\n  tensor 'mtp.fc.weight' is "
                          "not used by the model\n(to ignore tensors the model "
                          "does not use, bind with allow_extra; zen-run: "
                          "--allow-extra-weights)");
  zen_bind_options_t options = zen_bind_options_default();
  options.allow_extra = 1;
  ZEN_EXPECT_OK(zen_model_bind_checkpoint(model.m, file.c_str(), &options));

  // A misnamed tensor is both missing and extra; the hint finds a wrapped
  // name.
  tensors = w.tensors();
  tensors.erase(kNorm);
  tensors["thinker.model.norm.weight"] = f32Tensor({4}, w.norm);
  writeCheckpoint(file, tensors);
  ZEN_EXPECT_ERROR(zen_model_bind_checkpoint(model.m, file.c_str(), nullptr),
                   ZEN_STATUS_NOT_FOUND,
                   "(2 problems):\n  tensor 'model.norm.weight' not found "
                   "(searched " +
                       file +
                       "); the checkpoint has 'thinker.model.norm.weight': is "
                       "it for another model?\n  tensor "
                       "'thinker.model.norm.weight' is not used by the model");

  ZEN_EXPECT_ERROR(
      zen_model_bind_checkpoint(model.m, dir.file("nope").c_str(), nullptr),
      ZEN_STATUS_NOT_FOUND, "nope: no such file or directory");
}

TEST(ModelBindTest, LongProblemListsAreCut) {
  TempDir dir;
  std::map<std::string, Tensor> tensors;
  for (int i = 0; i < 14; ++i)
    tensors["junk." + std::to_string(i)] = f32Tensor({1}, {0});
  writeCheckpoint(dir.file("x.safetensors"), tensors);
  Model model(fakeModelPath());
  // 6 missing (embed, norm, head, three experts) + 14 extra.
  ZEN_EXPECT_ERROR(zen_model_bind_checkpoint(
                       model.m, dir.file("x.safetensors").c_str(), nullptr),
                   ZEN_STATUS_NOT_FOUND, "(20 problems)");
  ZEN_EXPECT_ERROR(zen_model_bind_checkpoint(
                       model.m, dir.file("x.safetensors").c_str(), nullptr),
                   ZEN_STATUS_NOT_FOUND, "\n  ... and 10 more\n");
}

TEST(ModelBindTest, FailureKeepsPreviousWeightsAndProgressIsReported) {
  TempDir dir;
  FakeWeights w;
  Model model(fakeModelPath());
  ZEN_ASSERT_OK(zen_model_bind_random(model.m, 7));
  std::vector<float> before = paramValues(model.m, kEmbed);
  auto tensors = w.tensors();
  tensors.erase(kNorm);
  writeCheckpoint(dir.file("model.safetensors"), tensors);
  Status s(zen_model_bind_checkpoint(model.m, dir.path().c_str(), nullptr));
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(paramValues(model.m, kEmbed), before);

  struct Calls {
    std::vector<std::array<uint64_t, 4>> calls;
    static void record(void *self, size_t done, size_t total, uint64_t bytes,
                       uint64_t totalBytes) {
      static_cast<Calls *>(self)->calls.push_back(
          {done, total, bytes, totalBytes});
    }
  } calls;
  writeCheckpoint(dir.file("model.safetensors"), w.tensors());
  zen_bind_options_t options = zen_bind_options_default();
  options.progress = &Calls::record;
  options.progress_user_data = &calls;
  ZEN_ASSERT_OK(
      zen_model_bind_checkpoint(model.m, dir.path().c_str(), &options));
  ASSERT_GE(calls.calls.size(), 2u);
  EXPECT_EQ(calls.calls.front()[0], 0u);
  EXPECT_EQ(calls.calls.back()[0], 4u);
  EXPECT_EQ(calls.calls.back()[1], 4u);
  EXPECT_EQ(calls.calls.back()[2], 4u * (32 + 4 + 32 + 24));
  EXPECT_EQ(calls.calls.back()[3], 4u * (32 + 4 + 32 + 24));
  for (size_t i = 1; i < calls.calls.size(); ++i)
    EXPECT_GE(calls.calls[i][0], calls.calls[i - 1][0]);
  EXPECT_EQ(paramValues(model.m, kEmbed), w.embed);
}

TEST(ModelBindTest, NarrowingConversionsRoundAndRejectOverflow) {
  FakeMetadata meta(metadataWith(paramJson("a", "f16", "[3]") + "," +
                                 paramJson("b", "bf16", "[2]") + "," +
                                 paramJson("c", "i32", "[2]")));
  Model model(fakeModelPath());
  int64_t shape3[] = {3}, shape2[] = {2};
  float ok[] = {1.0f, 65504.0f, -0.5f};
  ZEN_EXPECT_OK(
      zen_model_bind_param(model.m, "a", ZEN_DTYPE_F32, 1, shape3, ok));
  EXPECT_EQ(paramValues(model.m, "a"), std::vector<float>(ok, ok + 3));
  float big[] = {1.0f, 70000.0f, 0.0f};
  ZEN_EXPECT_ERROR(
      zen_model_bind_param(model.m, "a", ZEN_DTYPE_F32, 1, shape3, big),
      ZEN_STATUS_INVALID_ARGUMENT,
      "zen_model_bind_param: tensor 'a': element 1 (70000) overflows F16");
  EXPECT_EQ(paramValues(model.m, "a"), std::vector<float>(ok, ok + 3));
  float inf[] = {INFINITY, FLT_MAX};
  ZEN_EXPECT_ERROR(
      zen_model_bind_param(model.m, "b", ZEN_DTYPE_F32, 1, shape2, inf),
      ZEN_STATUS_INVALID_ARGUMENT, "element 1 (3.40282e+38) overflows BF16");
  float rounded[] = {INFINITY, 1.00390625f}; // 1 + 2^-8: a tie, rounds to even
  ZEN_EXPECT_OK(
      zen_model_bind_param(model.m, "b", ZEN_DTYPE_F32, 1, shape2, rounded));
  EXPECT_EQ(paramValues(model.m, "b"), (std::vector<float>{INFINITY, 1.0f}));
  ZEN_EXPECT_ERROR(
      zen_model_bind_param(model.m, "c", ZEN_DTYPE_F32, 1, shape2, ok),
      ZEN_STATUS_UNSUPPORTED,
      "parameter 'c': dtype F32 does not convert to the parameter's I32");
  int32_t ints[] = {3, -4};
  ZEN_EXPECT_OK(
      zen_model_bind_param(model.m, "c", ZEN_DTYPE_I32, 1, shape2, ints));
  ZEN_EXPECT_ERROR(
      zen_model_bind_param(model.m, "b", ZEN_DTYPE_F32, 1, shape3, ok),
      ZEN_STATUS_INVALID_ARGUMENT,
      "parameter 'b': shape mismatch: the model expects [2], the data has [3]");
  ZEN_EXPECT_ERROR(
      zen_model_bind_param(model.m, "d", ZEN_DTYPE_F32, 1, shape2, ok),
      ZEN_STATUS_NOT_FOUND, "no parameter 'd'");
  ZEN_EXPECT_ERROR(
      zen_model_bind_param(model.m, "b", ZEN_DTYPE_F32, 9, shape2, ok),
      ZEN_STATUS_INVALID_ARGUMENT, "rank is 9");
}

namespace {

double mean(const std::vector<float> &v) {
  double s = 0;
  for (float x : v)
    s += x;
  return s / v.size();
}

double stddev(const std::vector<float> &v) {
  double m = mean(v), s = 0;
  for (float x : v)
    s += (x - m) * (x - m);
  return std::sqrt(s / v.size());
}

std::string randomRuleParams() {
  return paramJson("model.embed_tokens.weight", "f32", "[64,64]") + "," +
         paramJson("model.layers.0.input_layernorm.weight", "f32", "[8]") +
         "," +
         paramJson("model.layers.0.self_attn.q_norm.weight", "bf16", "[8]") +
         "," + paramJson("model.norm.weight", "f32", "[8]") + "," +
         paramJson("mtp.pre_fc_norm_hidden.weight", "f32", "[8]") + "," +
         paramJson("model.layers.1.linear_attn.norm.weight", "f32", "[8]") +
         "," + paramJson("model.layers.1.linear_attn.A_log", "f32", "[4096]") +
         "," + paramJson("model.layers.1.linear_attn.dt_bias", "f32", "[4]") +
         "," +
         paramJson("model.layers.1.linear_attn.conv1d.weight", "f32",
                   "[1024,1,4]") +
         "," +
         paramJson("model.layers.2.mlp.experts.{e}.up_proj.weight", "bf16",
                   "[4,32,32]") +
         "," + paramJson("model.layers.2.self_attn.q_proj.bias", "f32", "[8]") +
         "," + paramJson("model.step", "i64", "[2]");
}

} // namespace

TEST(ModelBindTest, RandomWeightsFollowTheDocumentedRule) {
  for (std::string family : {"dense", "hybrid"}) {
    SCOPED_TRACE(family);
    FakeMetadata meta(
        metadataWith(randomRuleParams(),
                     R"({"name":"out","dtype":"f32","shape":[3]})", family));
    Model model(fakeModelPath());
    ZEN_ASSERT_OK(zen_model_bind_random(model.m, 1234));
    float norm = family == "hybrid" ? 0.0f : 1.0f;
    for (const char *name :
         {"model.layers.0.input_layernorm.weight",
          "model.layers.0.self_attn.q_norm.weight", "model.norm.weight",
          "mtp.pre_fc_norm_hidden.weight"})
      EXPECT_EQ(paramValues(model.m, name), std::vector<float>(8, norm))
          << name;
    // The gated norm of Gated-DeltaNet is a plain scale even in "hybrid".
    EXPECT_EQ(paramValues(model.m, "model.layers.1.linear_attn.norm.weight"),
              std::vector<float>(8, 1.0f));
    EXPECT_EQ(paramValues(model.m, "model.layers.1.linear_attn.dt_bias"),
              std::vector<float>(4, 0.0f));
    EXPECT_EQ(paramValues(model.m, "model.layers.2.self_attn.q_proj.bias"),
              std::vector<float>(8, 0.0f));
    std::vector<float> aLog =
        paramValues(model.m, "model.layers.1.linear_attn.A_log");
    for (float a : aLog) {
      EXPECT_GE(a, 0.0f);
      EXPECT_LT(a, std::log(16.0f) + 1e-6f);
    }
    // log(u) for u uniform in [1, 16): mean = 16 ln16 / 15 - 1 ~ 1.9575.
    EXPECT_NEAR(mean(aLog), 16 * std::log(16.0) / 15 - 1, 0.03);
    std::vector<float> embed =
        paramValues(model.m, "model.embed_tokens.weight");
    EXPECT_NEAR(mean(embed), 0.0, 0.002);
    EXPECT_NEAR(stddev(embed), 0.02, 0.001);
    std::vector<float> conv =
        paramValues(model.m, "model.layers.1.linear_attn.conv1d.weight");
    EXPECT_NEAR(stddev(conv), 0.2, 0.01);
    std::vector<float> experts =
        paramValues(model.m, "model.layers.2.mlp.experts.{e}.up_proj.weight");
    EXPECT_NEAR(stddev(experts), 0.02, 0.001);
    size_t index;
    const void *data;
    ZEN_ASSERT_OK(zen_model_find_param(model.m, "model.step", &index));
    ZEN_ASSERT_OK(zen_model_param_data(model.m, index, &data));
    EXPECT_EQ(static_cast<const int64_t *>(data)[1], 0);
  }
}

TEST(ModelBindTest, RandomWeightsAreDeterministicPerName) {
  std::vector<float> first, again, otherSeed, otherModel;
  {
    FakeMetadata meta(metadataWith(randomRuleParams()));
    Model model(fakeModelPath());
    ZEN_ASSERT_OK(zen_model_bind_random(model.m, 5));
    first = paramValues(model.m, "model.embed_tokens.weight");
    ZEN_ASSERT_OK(zen_model_bind_random(model.m, 5));
    again = paramValues(model.m, "model.embed_tokens.weight");
    ZEN_ASSERT_OK(zen_model_bind_random(model.m, 6));
    otherSeed = paramValues(model.m, "model.embed_tokens.weight");
  }
  {
    // Another model with the same parameter among different ones.
    FakeMetadata meta(
        metadataWith(paramJson("lm_head.weight", "f32", "[3,3]") + "," +
                     paramJson("model.embed_tokens.weight", "f32", "[64,64]")));
    Model model(fakeModelPath());
    ZEN_ASSERT_OK(zen_model_bind_random(model.m, 5));
    otherModel = paramValues(model.m, "model.embed_tokens.weight");
  }
  EXPECT_EQ(first, again);
  EXPECT_EQ(first, otherModel);
  EXPECT_NE(first, otherSeed);
  // Fixed values pin the generator down across machines and versions.
  ASSERT_EQ(first.size(), 4096u);
  float expected[3];
  {
    // Box-Muller over xoshiro256** seeded with splitmix64(5 ^ fnv1a64(name)).
    uint64_t h = 0xCBF29CE484222325ull;
    for (unsigned char c : std::string("model.embed_tokens.weight")) {
      h ^= c;
      h *= 0x100000001B3ull;
    }
    zen_rng_t rng;
    ZEN_ASSERT_OK(zen_rng_seed(&rng, 5 ^ h));
    double u1, u2, u3, u4;
    ZEN_ASSERT_OK(zen_rng_next_double(&rng, &u1));
    ZEN_ASSERT_OK(zen_rng_next_double(&rng, &u2));
    ZEN_ASSERT_OK(zen_rng_next_double(&rng, &u3));
    ZEN_ASSERT_OK(zen_rng_next_double(&rng, &u4));
    double r1 = std::sqrt(-2 * std::log(1 - u1)),
           r2 = std::sqrt(-2 * std::log(1 - u3));
    expected[0] = float(0.02 * r1 * std::cos(6.283185307179586 * u2));
    expected[1] = float(0.02 * r1 * std::sin(6.283185307179586 * u2));
    expected[2] = float(0.02 * r2 * std::cos(6.283185307179586 * u4));
  }
  EXPECT_EQ(first[0], expected[0]);
  EXPECT_EQ(first[1], expected[1]);
  EXPECT_EQ(first[2], expected[2]);
}

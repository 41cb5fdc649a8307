//===- RuntimeModelRunTest.cpp - zen_model_forward and zen_model_call -----===//

#include "RuntimeModelTestUtil.h"

using namespace zen::test;

namespace {

/// The fake model with FakeWeights bound through bind_param.
struct BoundModel : Model {
  FakeWeights w;
  BoundModel() : Model(fakeModelPath()) {
    int64_t vh[] = {8, 4}, h[] = {4}, eh[] = {3, 2, 4};
    ZEN_EXPECT_OK(zen_model_bind_param(m, "model.embed_tokens.weight",
                                       ZEN_DTYPE_F32, 2, vh, w.embed.data()));
    ZEN_EXPECT_OK(zen_model_bind_param(m, "model.norm.weight", ZEN_DTYPE_F32, 1,
                                       h, w.norm.data()));
    ZEN_EXPECT_OK(zen_model_bind_param(m, "lm_head.weight", ZEN_DTYPE_F32, 2,
                                       vh, w.head.data()));
    ZEN_EXPECT_OK(
        zen_model_bind_param(m, "model.layers.0.mlp.experts.{e}.up_proj.weight",
                             ZEN_DTYPE_F32, 3, eh, w.experts.data()));
  }
};

void expectClose(const float *got, const std::vector<double> &want,
                 double tolerance) {
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(got[i], want[i], tolerance * (1 + std::fabs(want[i])))
        << "at " << i;
}

} // namespace

TEST(ModelRunTest, ForwardMatchesTheReference) {
  BoundModel model;
  int64_t vocab = 0;
  ZEN_ASSERT_OK(zen_model_vocab_size(model.m, nullptr, &vocab));
  EXPECT_EQ(vocab, 8);
  const int64_t B = 2, T = 3;
  std::vector<int64_t> ids = {1, 7, 3, 0, 5, 2};
  std::vector<int64_t> ones(6, 1), arange = {0, 1, 2, 0, 1, 2};

  // No mask, no positions: all ones and arange.
  std::vector<float> logits(B * T * 8);
  ZEN_ASSERT_OK(zen_model_forward(model.m, nullptr, B, T, ids.data(), nullptr,
                                  nullptr, logits.data(), logits.size(),
                                  nullptr));
  expectClose(logits.data(), model.w.logits(B, T, ids, ones, arange), 1e-5);

  // Left padding: positions default to cumsum(mask) - 1 clipped at 0.
  std::vector<int64_t> mask = {1, 1, 1, 0, 0, 1};
  std::vector<int64_t> positions = {0, 1, 2, 0, 0, 0};
  float *owned = nullptr;
  ZEN_ASSERT_OK(zen_model_forward(model.m, "forward", B, T, ids.data(),
                                  mask.data(), nullptr, nullptr, 0, &owned));
  ASSERT_NE(owned, nullptr);
  expectClose(owned, model.w.logits(B, T, ids, mask, positions), 1e-5);
  zen_free(owned);

  // Explicit positions win.
  std::vector<int64_t> custom = {5, 6, 7, 9, 9, 9};
  float *out = nullptr;
  ZEN_ASSERT_OK(zen_model_forward(model.m, nullptr, B, T, ids.data(),
                                  mask.data(), custom.data(), logits.data(),
                                  logits.size(), &out));
  EXPECT_EQ(out, logits.data());
  expectClose(logits.data(), model.w.logits(B, T, ids, mask, custom), 1e-5);

  // BF16 logits come back as f32, within bf16 rounding.
  ZEN_ASSERT_OK(zen_model_forward(model.m, "forward_bf16", B, T, ids.data(),
                                  nullptr, nullptr, logits.data(),
                                  logits.size(), nullptr));
  expectClose(logits.data(), model.w.logits(B, T, ids, ones, arange), 1e-2);
  ZEN_ASSERT_OK(zen_model_forward(model.m, "forward_bf16", B, T, ids.data(),
                                  nullptr, nullptr, nullptr, 0, &owned));
  expectClose(owned, model.w.logits(B, T, ids, ones, arange), 1e-2);
  zen_free(owned);
}

TEST(ModelRunTest, ForwardValidatesItsInputs) {
  BoundModel model;
  std::vector<int64_t> ids = {1, 7, 3, 0, 5, 2};
  std::vector<float> logits(48);
  auto forward = [&](const char *entry, int64_t B, int64_t T,
                     const int64_t *mask, const int64_t *pos, uint64_t count) {
    return zen_model_forward(model.m, entry, B, T, ids.data(), mask, pos,
                             logits.data(), count, nullptr);
  };
  ids[4] = 8;
  ZEN_EXPECT_ERROR(forward(nullptr, 2, 3, nullptr, nullptr, 48),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "input_ids[1, 1] = 8 is outside the vocabulary [0, 8)");
  ids[4] = -1;
  ZEN_EXPECT_ERROR(forward(nullptr, 2, 3, nullptr, nullptr, 48),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "input_ids[1, 1] = -1 is outside");
  ids[4] = 5;
  std::vector<int64_t> mask = {1, 1, 1, 1, 2, 1};
  ZEN_EXPECT_ERROR(forward(nullptr, 2, 3, mask.data(), nullptr, 48),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "attention_mask[1, 1] = 2; the mask holds 0 (padding) or 1");
  ZEN_EXPECT_ERROR(forward(nullptr, 0, 3, nullptr, nullptr, 0),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "batch and seq_len must be >= 1, got batch 0 and seq_len 3");
  ZEN_EXPECT_ERROR(forward(nullptr, 2, 3, nullptr, nullptr, 47),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "the logits buffer holds 47 floats; batch 2 x seq_len 3 x "
                   "vocab 8 needs 48");
  ZEN_EXPECT_ERROR(forward("decode", 2, 3, nullptr, nullptr, 48),
                   ZEN_STATUS_NOT_FOUND, "no entry point 'decode'");
  ZEN_EXPECT_ERROR(forward("pair", 2, 3, nullptr, nullptr, 48),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "entry point 'pair' has no result named 'logits'");
  ZEN_EXPECT_ERROR(zen_model_forward(model.m, nullptr, 2, 3, ids.data(),
                                     nullptr, nullptr, nullptr, 0, nullptr),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "logits and logits_out are both NULL");
  ZEN_EXPECT_ERROR(zen_model_forward(model.m, nullptr, 2, 3, nullptr, nullptr,
                                     nullptr, logits.data(), 48, nullptr),
                   ZEN_STATUS_INVALID_ARGUMENT, "input_ids is NULL");

  Model unbound(fakeModelPath());
  ZEN_EXPECT_ERROR(
      zen_model_forward(unbound.m, nullptr, 2, 3, ids.data(), nullptr, nullptr,
                        logits.data(), 48, nullptr),
      ZEN_STATUS_INVALID_ARGUMENT,
      "entry point 'forward': parameter 'model.embed_tokens.weight' "
      "has no weights; bind a checkpoint or random weights first");
}

TEST(ModelRunTest, ForwardNeedsKnownInputs) {
  const std::string ids =
      R"({"kind":"input","name":"input_ids","dtype":"i32","shape":[-1,-1]})";
  const std::string logits =
      R"({"name":"logits","dtype":"f32","shape":[-1,-1,8]})";
  std::vector<int64_t> tokens = {1, 2};
  std::vector<int64_t> padded = {0, 1};
  std::vector<float> out(16);
  {
    // Fails before the (never called) entry function runs.
    FakeMetadata meta(metadataWith(ids, logits));
    Model model(fakeModelPath());
    ZEN_EXPECT_ERROR(zen_model_forward(model.m, nullptr, 1, 2, tokens.data(),
                                       padded.data(), nullptr, out.data(), 16,
                                       nullptr),
                     ZEN_STATUS_INVALID_ARGUMENT,
                     "takes no attention_mask, but the mask given has padding");
    ZEN_EXPECT_ERROR(zen_model_forward(model.m, nullptr, 1, 2, tokens.data(),
                                       nullptr, padded.data(), out.data(), 16,
                                       nullptr),
                     ZEN_STATUS_INVALID_ARGUMENT, "takes no positions");
  }
  {
    FakeMetadata meta(metadataWith(
        ids +
            R"(,{"kind":"input","name":"pixel_values","dtype":"f32","shape":[-1,3]})",
        logits));
    Model model(fakeModelPath());
    ZEN_EXPECT_ERROR(zen_model_forward(model.m, nullptr, 1, 2, tokens.data(),
                                       nullptr, nullptr, out.data(), 16,
                                       nullptr),
                     ZEN_STATUS_INVALID_ARGUMENT,
                     "takes input pixel_values: f32[?, 3], which "
                     "zen_model_forward cannot supply");
  }
  {
    FakeMetadata meta(metadataWith(
        ids, R"({"name":"logits","dtype":"f32","shape":[-1,-1,-1]})"));
    Model model(fakeModelPath());
    int64_t vocab;
    ZEN_EXPECT_ERROR(zen_model_vocab_size(model.m, "forward", &vocab),
                     ZEN_STATUS_INVALID_ARGUMENT, "with a static V");
  }
}

TEST(ModelRunTest, CallHandsBackAliasedAndStridedResults) {
  BoundModel model;
  std::vector<float> x = {1, 2, 3, 4, -1, 0.5f, 0.25f, 2};
  zen_tensor_t input = {};
  input.dtype = ZEN_DTYPE_F32;
  input.rank = 2;
  input.shape[0] = 2;
  input.shape[1] = 4;
  input.data = x.data();
  zen_tensor_t results[3];
  ZEN_ASSERT_OK(zen_model_call(model.m, "pair", 1, &input, 3, results));
  const float *y = static_cast<const float *>(results[0].data);
  const float *xAgain = static_cast<const float *>(results[1].data);
  const float *yT = static_cast<const float *>(results[2].data);
  EXPECT_EQ(results[0].rank, 2);
  EXPECT_EQ(results[0].shape[0], 2);
  EXPECT_EQ(results[2].shape[0], 4);
  EXPECT_EQ(results[2].shape[1], 2);
  // The result that aliased the input is a copy.
  EXPECT_NE(results[1].data, static_cast<void *>(x.data()));
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(xAgain[i], x[i]);
  for (int n = 0; n < 2; ++n) {
    double sum = 0;
    for (int h = 0; h < 4; ++h)
      sum += double(x[n * 4 + h]) * x[n * 4 + h];
    double scale = 1 / std::sqrt(sum / 4 + 1e-6);
    for (int h = 0; h < 4; ++h) {
      EXPECT_NEAR(y[n * 4 + h], x[n * 4 + h] * scale * model.w.norm[h], 1e-5);
      EXPECT_EQ(yT[h * 2 + n], y[n * 4 + h]);
    }
  }
  for (zen_tensor_t &t : results)
    zen_tensor_release(&t);
  EXPECT_EQ(results[0].data, nullptr);

  // Zero inputs; the stacked experts arrive in order.
  zen_tensor_t sums;
  ZEN_ASSERT_OK(zen_model_call(model.m, "experts", 0, nullptr, 1, &sums));
  ASSERT_EQ(sums.rank, 1);
  ASSERT_EQ(sums.shape[0], 3);
  for (int e = 0; e < 3; ++e) {
    float expected = 0;
    for (int i = 0; i < 8; ++i)
      expected += model.w.experts[e * 8 + i];
    EXPECT_NEAR(static_cast<float *>(sums.data)[e], expected, 1e-5);
  }
  zen_tensor_release(&sums);
}

TEST(ModelRunTest, CallValidatesInputs) {
  BoundModel model;
  std::vector<float> x(8);
  zen_tensor_t input = {};
  input.dtype = ZEN_DTYPE_F32;
  input.rank = 2;
  input.shape[0] = 2;
  input.shape[1] = 4;
  input.data = x.data();
  zen_tensor_t results[3];
  ZEN_EXPECT_ERROR(zen_model_call(model.m, "pair", 0, nullptr, 3, results),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "entry point 'pair' takes 1 inputs, got 0");
  ZEN_EXPECT_ERROR(
      zen_model_call(model.m, "pair", 1, &input, 2, results),
      ZEN_STATUS_INVALID_ARGUMENT,
      "entry point 'pair' has 3 results, but room for 2 was given");
  input.dtype = ZEN_DTYPE_BF16;
  ZEN_EXPECT_ERROR(zen_model_call(model.m, "pair", 1, &input, 3, results),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "entry point 'pair': input 'x' must be F32, not BF16");
  input.dtype = ZEN_DTYPE_F32;
  input.rank = 1;
  ZEN_EXPECT_ERROR(zen_model_call(model.m, "pair", 1, &input, 3, results),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "input 'x' must have rank 2, not 1 (x: f32[?, 4])");
  input.rank = 2;
  input.shape[1] = 5;
  ZEN_EXPECT_ERROR(zen_model_call(model.m, "pair", 1, &input, 3, results),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "input 'x': dimension 1 is 5; expected x: f32[?, 4]");
  input.shape[1] = 4;
  input.data = nullptr;
  ZEN_EXPECT_ERROR(zen_model_call(model.m, "pair", 1, &input, 3, results),
                   ZEN_STATUS_INVALID_ARGUMENT, "input 'x': data is NULL");
  input.rank = 12;
  ZEN_EXPECT_ERROR(zen_model_call(model.m, "pair", 1, &input, 3, results),
                   ZEN_STATUS_INVALID_ARGUMENT, "inputs[0].rank is 12");
  ZEN_EXPECT_ERROR(zen_model_call(model.m, "nope", 1, &input, 3, results),
                   ZEN_STATUS_NOT_FOUND, "no entry point 'nope'");
}

//===- RuntimeTrainCoreTest.cpp - Trainer internals -----------------------===//
//
// Pieces of the trainer that the C API does not expose: checkpoint writes
// interrupted half way (the failure hook), LoRA merging for sampling, and
// the batch builder of the toy task.
//
//===----------------------------------------------------------------------===//

#include "RuntimeTestUtil.h"

#include "../../runtime/src/train/Peft.h"
#include "../../runtime/src/train/ToyTask.h"

#include <cstring>

namespace zen::test {
namespace {

using rt::Model;
using rt::Trainer;

std::unique_ptr<Model> openFake() {
  std::unique_ptr<Model> m;
  Status s(Model::open(ZEN_FAKE_TRAIN_PATH, m));
  EXPECT_TRUE(s.ok()) << s.message();
  if (m) {
    Status b(m->bindRandom(3));
    EXPECT_TRUE(b.ok()) << b.message();
  }
  return m;
}

rt::TrainBatch batch() {
  rt::TrainBatch b;
  b.n = 2;
  b.t = 4;
  b.inputIds = {1, 2, 3, 4, 1, 2, 5, 6};
  b.completionMask = {0, 0, 1, 1, 0, 0, 1, 0};
  b.rewards = {1, 0};
  return b;
}

std::vector<float> valueOf(const Trainer &t, size_t i) {
  const Trainer::Tensor &x = t.tensors()[i];
  const float *p = static_cast<const float *>(x.value.get());
  return std::vector<float>(p, p + x.count);
}

struct HookReset {
  ~HookReset() { rt::setCheckpointWriteHookForTesting(nullptr); }
};

TEST(RuntimeTrainCore, InterruptedCheckpointKeepsTheOldOne) {
  HookReset reset;
  TempDir dir;
  std::unique_ptr<Model> model = openFake();
  ASSERT_TRUE(model);
  std::unique_ptr<Trainer> t;
  ASSERT_EQ(Trainer::create(*model, {}, t), nullptr);
  rt::StepResult r;
  ASSERT_EQ(t->step(batch(), 0, r), nullptr);
  std::string ckpt = dir.file("ckpt");
  ASSERT_EQ(t->saveCheckpoint(ckpt), nullptr);
  std::vector<float> saved = valueOf(*t, 0);

  // Fail at each file of the next save in turn: the directory must still
  // hold the step-1 checkpoint, complete, and no temporary is left behind.
  ASSERT_EQ(t->step(batch(), 0, r), nullptr);
  for (const char *file : {"adapter_model.safetensors", "adapter_config.json",
                           "optimizer.safetensors", "trainer_state.json"}) {
    rt::setCheckpointWriteHookForTesting([&](const std::string &path) {
      if (path.size() >= std::strlen(file) &&
          path.compare(path.size() - std::strlen(file), std::string::npos,
                       file) == 0)
        return rt::makeStatus(ZEN_STATUS_IO_ERROR,
                              path + ": simulated failure");
      return zen_status_t(nullptr);
    });
    Status s(t->saveCheckpoint(ckpt));
    EXPECT_EQ(s.code(), ZEN_STATUS_IO_ERROR) << file;
    EXPECT_EQ(dir.list(), std::vector<std::string>{"ckpt"}) << file;

    std::unique_ptr<Trainer> resumed;
    ASSERT_EQ(Trainer::create(*model, {}, resumed), nullptr);
    Status loaded(resumed->loadCheckpoint(ckpt));
    ASSERT_TRUE(loaded.ok()) << file << ": " << loaded.message();
    EXPECT_EQ(resumed->stepCount(), 1) << file;
    EXPECT_EQ(valueOf(*resumed, 0), saved) << file;
  }
  // Without the hook the save goes through and replaces it.
  rt::setCheckpointWriteHookForTesting(nullptr);
  ASSERT_EQ(t->saveCheckpoint(ckpt), nullptr);
  std::unique_ptr<Trainer> resumed;
  ASSERT_EQ(Trainer::create(*model, {}, resumed), nullptr);
  ASSERT_EQ(resumed->loadCheckpoint(ckpt), nullptr);
  EXPECT_EQ(resumed->stepCount(), 2);
  EXPECT_EQ(dir.list(), std::vector<std::string>{"ckpt"});
}

TEST(RuntimeTrainCore, PolicyWeightsMergeLora) {
  std::unique_ptr<Model> model = openFake();
  ASSERT_TRUE(model);
  std::unique_ptr<Trainer> t;
  ASSERT_EQ(Trainer::create(*model, {}, t), nullptr);
  rt::StepResult r;
  ASSERT_EQ(t->step(batch(), 0, r), nullptr); // B becomes nonzero
  size_t w = 0;
  ASSERT_EQ(model->findParam("model.layers.0.self_attn.q_proj.weight", w),
            nullptr);
  const float *base = static_cast<const float *>(model->bindings()[w].data);
  std::vector<float> W(base, base + 16), A = valueOf(*t, 0), B = valueOf(*t, 1);
  EXPECT_EQ(rt::loraScale(t->training()), 2.0); // alpha 4 / r 2
  ASSERT_EQ(t->usePolicyWeights(true), nullptr);
  const float *merged = static_cast<const float *>(model->bindings()[w].data);
  EXPECT_NE(merged, base);
  for (int o = 0; o < 4; ++o)
    for (int i = 0; i < 4; ++i) {
      double expect = W[o * 4 + i];
      for (int k = 0; k < 2; ++k)
        expect += 2.0 * B[o * 2 + k] * A[k * 4 + i];
      EXPECT_NEAR(merged[o * 4 + i], expect, 1e-6) << o << "," << i;
    }
  // A step puts the frozen weights back first.
  ASSERT_EQ(t->step(batch(), 0, r), nullptr);
  EXPECT_EQ(model->bindings()[w].data, base);
  EXPECT_EQ(std::vector<float>(base, base + 16), W);
}

TEST(RuntimeTrainCore, PolicyWeightsMergePerExpertLora) {
  // PEFT names the adapters of HF's per-expert linears per expert; Zen
  // stacks the experts' weights into one "{e}" parameter.
  const std::string up = "model.layers.0.mlp.experts.{e}.up_proj.weight";
  const std::string a =
      "base_model.model.model.layers.0.mlp.experts.1.up_proj.lora_A.weight";
  const std::string b =
      "base_model.model.model.layers.0.mlp.experts.1.up_proj.lora_B.weight";
  auto value = [](const std::string &kind, const std::string &name,
                  const std::string &dtype, const std::string &shape) {
    return R"({"kind":")" + kind + R"(","name":")" + name + R"(","dtype":")" +
           dtype + R"(","shape":)" + shape + "}";
  };
  auto result = [](const std::string &name) {
    return R"({"name":")" + name + R"(","dtype":"f32","shape":[]})";
  };
  std::string json =
      R"({"zen_abi":1,"zen_version":"0","model":"moe","family":"moe",)"
      R"("training":{"group_size":2,"lora":{"r":2,"lora_alpha":4,"target_modules":["up_proj"]}},)"
      R"("entry_points":[{"name":"train_step","symbol":"zen_entry_train_step","args":[)" +
      value("input", "input_ids", "i64", "[-1,-1]") + "," +
      value("input", "completion_mask", "f32", "[-1,-1]") + "," +
      value("input", "rewards", "f32", "[-1]") + "," +
      value("param", up, "f32", "[2,4,4]") + "," +
      value("trainable", a, "f32", "[2,4]") + "," +
      value("trainable", b, "f32", "[4,2]") + R"(],"results":[)" +
      result("loss") + "," + result("mean_ratio") + "," +
      result("clip_fraction") + "," + result("grad_norm") + "," +
      R"({"name":"skipped","dtype":"i64","shape":[]}]}]})";
  ::setenv("ZEN_FAKE_TRAIN_METADATA", json.c_str(), 1);
  std::unique_ptr<Model> model = openFake();
  ::unsetenv("ZEN_FAKE_TRAIN_METADATA");
  ASSERT_TRUE(model);
  std::unique_ptr<Trainer> t;
  Status created(Trainer::create(*model, {}, t));
  ASSERT_TRUE(created.ok()) << created.message();
  EXPECT_EQ(t->tensors()[0].expert, 1);
  float *B = static_cast<float *>(t->tensors()[1].value.get());
  for (int i = 0; i < 8; ++i)
    B[i] = 0.5f * float(i + 1);
  const float *A = static_cast<const float *>(t->tensors()[0].value.get());
  size_t w = 0;
  ASSERT_EQ(model->findParam(up, w), nullptr);
  const float *base = static_cast<const float *>(model->bindings()[w].data);
  std::vector<float> W(base, base + 32);
  ASSERT_EQ(t->usePolicyWeights(true), nullptr);
  const float *merged = static_cast<const float *>(model->bindings()[w].data);
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(merged[i], W[i]) << "expert 0 is not adapted";
  for (int o = 0; o < 4; ++o)
    for (int i = 0; i < 4; ++i) {
      double expect = W[16 + o * 4 + i];
      for (int k = 0; k < 2; ++k)
        expect += 2.0 * B[o * 2 + k] * A[k * 4 + i];
      EXPECT_NEAR(merged[16 + o * 4 + i], expect, 1e-5);
    }
  ASSERT_EQ(t->usePolicyWeights(false), nullptr);
  EXPECT_EQ(model->bindings()[w].data, base);
}

TEST(RuntimeTrainCore, BuildGroupBatch) {
  // P = 1 prompt [5, 6], G = 2 completions of L = 3, EOS 0.
  rt::TrainBatch b;
  ASSERT_EQ(rt::buildGroupBatch({5, 6}, 1, 2, {7, 0, 7, 7, 7, 7}, 2, 3,
                                {0.3f, 1.0f}, 0, b),
            nullptr);
  EXPECT_EQ(b.n, 2);
  EXPECT_EQ(b.t, 5);
  EXPECT_EQ(b.inputIds, (std::vector<int64_t>{5, 6, 7, 0, 0, 5, 6, 7, 7, 7}));
  EXPECT_EQ(b.completionMask,
            (std::vector<float>{0, 0, 1, 1, 0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(b.attentionMask,
            (std::vector<int64_t>{1, 1, 1, 1, 0, 1, 1, 1, 1, 1}));
  EXPECT_EQ(rt::batchPositions(b),
            (std::vector<int64_t>{0, 1, 2, 3, 3, 0, 1, 2, 3, 4}));
  rt::BatchLimits limits;
  limits.groupSize = 2;
  limits.vocab = 8;
  EXPECT_EQ(rt::validateTrainBatch(b, limits, "b"), nullptr);
  EXPECT_NE(rt::buildGroupBatch({5}, 1, 2, {}, 2, 3, {}, 0, b), nullptr);
}

TEST(RuntimeTrainCore, JsonNumbers) {
  EXPECT_EQ(rt::formatJsonNumber(16, false), "16");
  EXPECT_EQ(rt::formatJsonNumber(0, true), "0.0");
  EXPECT_EQ(rt::formatJsonNumber(0.05, true), "0.05");
  EXPECT_EQ(rt::formatJsonNumber(1e-5, true), "1e-05");
}

} // namespace
} // namespace zen::test

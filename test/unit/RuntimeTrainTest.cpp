//===- RuntimeTrainTest.cpp - Training through libzenrt's C API -----------===//
//
// Runs the trainer on RuntimeTrainFake.c, a model library with a train_step
// entry point written in C against docs/runtime-abi.md: batches (files and
// their bad-input classes), LoRA initialisation, steps and skipped steps,
// PEFT adapters (names, adapter_config.json, mismatches), checkpoints
// (resume equality, another model's checkpoint), full-weight training, and
// the toy GSPO task.
//
//===----------------------------------------------------------------------===//

#include "RuntimeModelTestUtil.h"

#include <cmath>
#include <functional>

namespace zen::test {
namespace {

const char *kA =
    "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";
const char *kB =
    "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight";

/// Sets an environment variable for a scope.
struct Env {
  std::string name;
  Env(const std::string &name, const std::string &value) : name(name) {
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~Env() { ::unsetenv(name.c_str()); }
};

/// An open, bound fake training model.
struct TrainModel {
  Model model{ZEN_FAKE_TRAIN_PATH};
  TrainModel() {
    if (model.m)
      zen_status_free(zen_model_bind_random(model.m, 3));
  }
};

struct Trainer {
  zen_trainer_t *t = nullptr;
  ~Trainer() { zen_trainer_free(t); }
};

/// N = 2 (one group), T = 4.
struct Batch {
  std::vector<int64_t> ids = {1, 2, 3, 4, 1, 2, 5, 6};
  std::vector<int64_t> mask;
  std::vector<float> completion = {0, 0, 1, 1, 0, 0, 1, 0};
  std::vector<float> rewards = {1, 0};
  std::vector<float> old;
  int64_t n = 2, t = 4;
  zen_train_batch_t view() const {
    zen_train_batch_t b;
    b.num_sequences = n;
    b.seq_len = t;
    b.input_ids = ids.data();
    b.attention_mask = mask.empty() ? nullptr : mask.data();
    b.completion_mask = completion.data();
    b.rewards = rewards.data();
    b.old_logprobs = old.empty() ? nullptr : old.data();
    b.ref_logprobs = nullptr;
    return b;
  }
};

std::vector<float> values(zen_trainer_t *t, size_t i, int which = 0) {
  zen_trainer_tensor_t info;
  EXPECT_EQ(zen_trainer_tensor(t, i, &info), nullptr);
  const float *p = which == 0   ? info.value
                   : which == 1 ? info.exp_avg
                                : info.exp_avg_sq;
  return std::vector<float>(p, p + info.num_elements);
}

zen_train_step_result_t step(zen_trainer_t *t, const Batch &b, float lr = 0) {
  zen_train_step_result_t r;
  zen_train_batch_t v = b.view();
  ZEN_EXPECT_OK(zen_trainer_step(t, &v, lr, &r));
  return r;
}

TEST(RuntimeTrain, TrainingInfo) {
  TrainModel m;
  zen_training_info_t info;
  ZEN_ASSERT_OK(zen_model_training_info(m.model.m, &info));
  EXPECT_STREQ(info.algorithm, "gspo");
  EXPECT_EQ(info.group_size, 2);
  EXPECT_EQ(info.lora, 1);
  EXPECT_EQ(info.lora_r, 2);
  EXPECT_EQ(info.lora_alpha, 4);
  ASSERT_EQ(info.num_target_modules, 1u);
  EXPECT_STREQ(info.target_modules[0], "q_proj");
  EXPECT_FLOAT_EQ(info.learning_rate, 0.01);
  // Not compiled with --materialize-logits (the key is absent).
  EXPECT_EQ(info.materialize_logits, 0);

  // An argument of kind trainable is listed as such.
  size_t e = 0;
  ZEN_ASSERT_OK(zen_model_find_entry_point(m.model.m, "train_step", &e));
  zen_value_info_t v;
  ZEN_ASSERT_OK(zen_model_entry_arg(m.model.m, e, 10, &v));
  EXPECT_EQ(v.kind, ZEN_VALUE_PARAM);
  ZEN_ASSERT_OK(zen_model_entry_arg(m.model.m, e, 11, &v));
  EXPECT_EQ(v.kind, ZEN_VALUE_TRAINABLE);
  EXPECT_STREQ(v.name, kA);
  ZEN_ASSERT_OK(zen_model_entry_arg(m.model.m, e, 13, &v));
  EXPECT_EQ(v.kind, ZEN_VALUE_OPTIM);
}

TEST(RuntimeTrain, WithoutTrainStep) {
  Model m(fakeModelPath());
  zen_training_info_t info;
  ZEN_EXPECT_ERROR(zen_model_training_info(m.m, &info), ZEN_STATUS_UNSUPPORTED,
                   "was compiled without --train");
  zen_trainer_t *t = nullptr;
  ZEN_EXPECT_ERROR(zen_trainer_create(m.m, nullptr, &t), ZEN_STATUS_UNSUPPORTED,
                   "was compiled without --train: it has no train_step entry "
                   "point");
}

/// A metadata document around the fake's symbols.
std::string trainMetadata(const std::string &training,
                          const std::string &trainArgs) {
  return R"({"zen_abi":1,"zen_version":"0.1.0","model":"m","family":"dense",)" +
         training +
         R"("entry_points":[{"name":"train_step","symbol":"zen_entry_train_step","args":[)" +
         trainArgs + R"(],"results":[]}]})";
}

TEST(RuntimeTrain, MalformedTrainingMetadata) {
  auto open = [](const std::string &json, zen_status_code_t code,
                 const std::string &fragment) {
    Env env("ZEN_FAKE_TRAIN_METADATA", json);
    zen_model_t *m = nullptr;
    ZEN_EXPECT_ERROR(zen_model_open(ZEN_FAKE_TRAIN_PATH, &m), code, fragment);
    zen_model_close(m);
  };
  const std::string trainable =
      R"({"kind":"trainable","name":"w","dtype":"f32","shape":[2,2]})";
  open(trainMetadata(R"("training":{"lora":null},)", trainable),
       ZEN_STATUS_INVALID_FORMAT,
       "malformed model metadata: training: missing key \"group_size\"");
  open(trainMetadata(R"("training":{"group_size":2,"algorithm":"ppo"},)",
                     trainable),
       ZEN_STATUS_INVALID_FORMAT,
       "training.algorithm: expected \"gspo\" or \"grpo\", found \"ppo\"");
  open(trainMetadata(
           R"("training":{"group_size":2,"materialize_logits":1},)",
           trainable),
       ZEN_STATUS_INVALID_FORMAT,
       "training.materialize_logits: expected a boolean, found a number");
  open(trainMetadata(R"("training":{"group_size":2,"lora":{"r":2}},)",
                     trainable),
       ZEN_STATUS_INVALID_FORMAT,
       "training.lora: missing key \"target_modules\"");
  open(
      trainMetadata(
          R"("training":{"group_size":2,"lora":{"r":"8","target_modules":[]}},)",
          trainable),
      ZEN_STATUS_INVALID_FORMAT,
      "training.lora.r: expected a non-negative integer");
  open(trainMetadata(
           R"("training":{"group_size":2},)",
           R"({"kind":"trainable","name":"w","dtype":"f32","shape":[-1,2]})"),
       ZEN_STATUS_INVALID_FORMAT, "trainable tensors must have static shapes");
  open(trainMetadata(
           R"("training":{"group_size":2},)",
           R"({"kind":"weights","name":"w","dtype":"f32","shape":[2]})"),
       ZEN_STATUS_INVALID_FORMAT,
       "expected \"input\", \"param\", \"cache\", \"trainable\" or \"optim\", "
       "found \"weights\"");

  // A train_step without a "training" object loads (the runtime does not
  // need it to list entry points) but cannot train.
  Env env("ZEN_FAKE_TRAIN_METADATA", trainMetadata("", trainable));
  Model m(ZEN_FAKE_TRAIN_PATH);
  ASSERT_NE(m.m, nullptr);
  zen_trainer_t *t = nullptr;
  ZEN_EXPECT_ERROR(zen_trainer_create(m.m, nullptr, &t),
                   ZEN_STATUS_INVALID_FORMAT,
                   "has a train_step entry point but no \"training\" object");
}

TEST(RuntimeTrain, UnknownTrainStepInput) {
  Env env(
      "ZEN_FAKE_TRAIN_METADATA",
      trainMetadata(
          R"("training":{"group_size":2},)",
          R"({"kind":"input","name":"advantages","dtype":"f32","shape":[-1]},)"
          R"({"kind":"trainable","name":"w","dtype":"f32","shape":[2]})"));
  Model m(ZEN_FAKE_TRAIN_PATH);
  zen_trainer_t *t = nullptr;
  ZEN_EXPECT_ERROR(zen_trainer_create(m.m, nullptr, &t), ZEN_STATUS_UNSUPPORTED,
                   "takes an input advantages: f32[?] this libzenrt does not "
                   "know how to fill");
}

TEST(RuntimeTrain, LoraInit) {
  TrainModel m;
  Trainer a, b, c;
  zen_trainer_options_t o = zen_trainer_options_default();
  o.seed = 5;
  ZEN_ASSERT_OK(zen_trainer_create(m.model.m, &o, &a.t));
  ZEN_ASSERT_OK(zen_trainer_create(m.model.m, &o, &b.t));
  o.seed = 6;
  ZEN_ASSERT_OK(zen_trainer_create(m.model.m, &o, &c.t));
  size_t n = 0;
  ZEN_ASSERT_OK(zen_trainer_num_tensors(a.t, &n));
  ASSERT_EQ(n, 2u);
  std::vector<float> A = values(a.t, 0);
  ASSERT_EQ(A.size(), 8u);
  for (float x : A) {
    EXPECT_LT(std::fabs(x), 0.5f); // 1 / sqrt(in = 4)
  }
  EXPECT_EQ(A, values(b.t, 0));
  EXPECT_NE(A, values(c.t, 0));
  for (float x : values(a.t, 1))
    EXPECT_EQ(x, 0.0f); // B = 0
  for (float x : values(a.t, 0, 1))
    EXPECT_EQ(x, 0.0f); // optimizer state zero
  int64_t steps = -1;
  ZEN_ASSERT_OK(zen_trainer_step_count(a.t, &steps));
  EXPECT_EQ(steps, 0);
}

TEST(RuntimeTrain, StepAndSkippedStep) {
  TrainModel m;
  Trainer t;
  ZEN_ASSERT_OK(zen_trainer_create(m.model.m, nullptr, &t.t));
  Batch batch;
  std::vector<float> before = values(t.t, 0);
  zen_train_step_result_t r = step(t.t, batch);
  EXPECT_EQ(r.step, 1);
  EXPECT_EQ(r.skipped, 0);
  EXPECT_FLOAT_EQ(r.loss, 1.0f);       // sum r^2
  EXPECT_FLOAT_EQ(r.mean_ratio, 1.0f); // on-policy
  // The fake's checksum of what the runtime passed: completion_mask x
  // rewards x (positions + 1) / N + sum(input_ids) / 1000.
  EXPECT_FLOAT_EQ(r.clip_fraction, 3.524f);
  EXPECT_GT(r.grad_norm, 0.0f);
  EXPECT_NE(values(t.t, 0), before);
  zen_trainer_tensor_t info;
  ZEN_ASSERT_OK(zen_trainer_tensor(t.t, 0, &info));
  EXPECT_NE(info.grad, nullptr);

  batch.old.assign(8, -1.0f);
  r = step(t.t, batch);
  EXPECT_EQ(r.step, 2);
  EXPECT_FLOAT_EQ(r.mean_ratio, 1.5f);             // use_old_logprobs = 1
  EXPECT_FLOAT_EQ(r.clip_fraction, 3.524f - 1.5f); // + sum(cm x old) / N

  // Rewards whose squares overflow: the fake's loss is inf, it skips, and
  // neither the values, the optimizer state nor the step count change.
  std::vector<float> v = values(t.t, 0), m1 = values(t.t, 0, 1);
  batch.rewards = {3e38f, 3e38f};
  r = step(t.t, batch);
  EXPECT_EQ(r.skipped, 1);
  EXPECT_EQ(r.step, 2);
  EXPECT_EQ(values(t.t, 0), v);
  EXPECT_EQ(values(t.t, 0, 1), m1);
  batch.rewards = {1, 0};
  EXPECT_EQ(step(t.t, batch).step, 3);
}

TEST(RuntimeTrain, LearningRateAndStepArePassed) {
  // Two trainers, same seed: a zero learning rate changes only the
  // optimizer state; the default (0 => compiled 0.01) changes the values.
  TrainModel m;
  Trainer a, b;
  ZEN_ASSERT_OK(zen_trainer_create(m.model.m, nullptr, &a.t));
  ZEN_ASSERT_OK(zen_trainer_create(m.model.m, nullptr, &b.t));
  Batch batch;
  step(a.t, batch, 1e-30f);
  step(b.t, batch);
  EXPECT_EQ(values(a.t, 0, 1), values(b.t, 0, 1));
  EXPECT_NE(values(a.t, 0), values(b.t, 0));
}

TEST(RuntimeTrain, BatchErrorsAtStep) {
  TrainModel m;
  Trainer t;
  ZEN_ASSERT_OK(zen_trainer_create(m.model.m, nullptr, &t.t));
  zen_train_step_result_t r;
  auto run = [&](const Batch &b) {
    zen_train_batch_t v = b.view();
    return zen_trainer_step(t.t, &v, 0, &r);
  };
  Batch odd;
  odd.n = 1;
  ZEN_EXPECT_ERROR(run(odd), ZEN_STATUS_INVALID_ARGUMENT,
                   "input_ids has 1 sequences, which is not a multiple of the "
                   "group size 2");
  Batch empty;
  empty.completion = {0, 0, 1, 1, 0, 0, 0, 0};
  ZEN_EXPECT_ERROR(run(empty), ZEN_STATUS_INVALID_ARGUMENT,
                   "completion_mask row 1 is all zeros: sequence 1 has an "
                   "empty completion");
  Batch first;
  first.completion = {1, 0, 1, 1, 0, 0, 1, 0};
  ZEN_EXPECT_ERROR(run(first), ZEN_STATUS_INVALID_ARGUMENT,
                   "completion_mask[0, 0] = 1, but the first token");
  Batch vocab;
  vocab.ids[5] = 8;
  ZEN_EXPECT_ERROR(run(vocab), ZEN_STATUS_INVALID_ARGUMENT,
                   "input_ids[1, 1] = 8 is outside the vocabulary [0, 8)");
  Batch padded;
  padded.mask = {1, 1, 1, 0, 1, 1, 1, 1};
  ZEN_EXPECT_ERROR(run(padded), ZEN_STATUS_INVALID_ARGUMENT,
                   "completion_mask[0, 3] = 1 on a padding token");
  Batch nan;
  nan.rewards[1] = NAN;
  ZEN_EXPECT_ERROR(run(nan), ZEN_STATUS_INVALID_ARGUMENT,
                   "rewards[1] = nan is not a finite number");
  Batch mask2;
  mask2.completion[2] = 2;
  ZEN_EXPECT_ERROR(run(mask2), ZEN_STATUS_INVALID_ARGUMENT,
                   "completion_mask[0, 2] = 2; a mask holds 0 or 1");
  int64_t steps = -1;
  ZEN_ASSERT_OK(zen_trainer_step_count(t.t, &steps));
  EXPECT_EQ(steps, 0);
}

//===----------------------------------------------------------------------===//
// batch.safetensors
//===----------------------------------------------------------------------===//

/// A raw tensor for a hand-built safetensors file (any dtype string).
struct Raw {
  std::string dtype;
  std::vector<int64_t> shape;
  std::string bytes;
};

template <typename T>
Raw raw(const std::string &dtype, std::vector<int64_t> shape,
        const std::vector<T> &v) {
  return {dtype, std::move(shape),
          std::string(reinterpret_cast<const char *>(v.data()),
                      v.size() * sizeof(T))};
}

void writeRaw(const std::string &path, const std::map<std::string, Raw> &ts) {
  std::string header = "{", data;
  for (const auto &[name, t] : ts) {
    std::string shape;
    for (int64_t d : t.shape)
      shape += (shape.empty() ? "" : ",") + std::to_string(d);
    header += (header.size() > 1 ? "," : "") +
              ("\"" + name + "\":{\"dtype\":\"" + t.dtype + "\",\"shape\":[" +
               shape + "],\"data_offsets\":[" + std::to_string(data.size()) +
               "," + std::to_string(data.size() + t.bytes.size()) + "]}");
    data += t.bytes;
  }
  header += "}";
  writeBytes(path, safetensorsBytes(header, data));
}

std::map<std::string, Raw> goodBatch() {
  std::map<std::string, Raw> b;
  b["input_ids"] = raw<int64_t>("I64", {2, 4}, {1, 2, 3, 4, 1, 2, 5, 6});
  b["completion_mask"] = raw<uint8_t>("BOOL", {2, 4}, {0, 0, 1, 1, 0, 0, 1, 0});
  b["rewards"] = raw<float>("F32", {2}, {1, 0});
  return b;
}

TEST(RuntimeTrainBatch, ReadsMaskDTypes) {
  TempDir dir;
  for (const char *dtype : {"BOOL", "U8", "I32", "I64", "F32"}) {
    std::map<std::string, Raw> b = goodBatch();
    std::vector<float> f = {0, 0, 1, 1, 0, 0, 1, 0};
    std::string d = dtype;
    if (d == "I32")
      b["completion_mask"] = raw<int32_t>(d, {2, 4}, {0, 0, 1, 1, 0, 0, 1, 0});
    else if (d == "I64")
      b["completion_mask"] = raw<int64_t>(d, {2, 4}, {0, 0, 1, 1, 0, 0, 1, 0});
    else if (d == "F32")
      b["completion_mask"] = raw<float>(d, {2, 4}, f);
    else
      b["completion_mask"].dtype = d;
    b["attention_mask"] = b["completion_mask"];
    b["attention_mask"].bytes = b["completion_mask"].bytes;
    writeRaw(dir.file("b.safetensors"), b);
    zen_train_batch_file_t *file = nullptr;
    ZEN_ASSERT_OK(
        zen_train_batch_read(dir.file("b.safetensors").c_str(), &file));
    zen_train_batch_t v;
    ZEN_EXPECT_OK(zen_train_batch_file_view(file, &v));
    EXPECT_EQ(v.num_sequences, 2);
    EXPECT_EQ(v.seq_len, 4);
    EXPECT_EQ(std::vector<float>(v.completion_mask, v.completion_mask + 8), f)
        << dtype;
    ASSERT_NE(v.attention_mask, nullptr);
    EXPECT_EQ(v.attention_mask[3], 1);
    EXPECT_EQ(v.old_logprobs, nullptr);
    zen_train_batch_file_free(file);
  }
}

TEST(RuntimeTrainBatch, BadFiles) {
  TempDir dir;
  std::string path = dir.file("batch.safetensors");
  auto expect = [&](std::map<std::string, Raw> b, zen_status_code_t code,
                    const std::string &fragment) {
    writeRaw(path, b);
    zen_train_batch_file_t *file = nullptr;
    ZEN_EXPECT_ERROR(zen_train_batch_read(path.c_str(), &file), code, fragment);
    EXPECT_EQ(file, nullptr);
  };
  std::map<std::string, Raw> b = goodBatch();
  b.erase("input_ids");
  expect(b, ZEN_STATUS_NOT_FOUND, "tensor 'input_ids' is missing");
  b = goodBatch();
  b.erase("rewards");
  expect(b, ZEN_STATUS_NOT_FOUND, "tensor 'rewards' is missing");
  b = goodBatch();
  b.erase("completion_mask");
  expect(b, ZEN_STATUS_NOT_FOUND, "tensor 'completion_mask' is missing");
  b = goodBatch();
  b["input_ids"].shape = {8};
  expect(b, ZEN_STATUS_INVALID_ARGUMENT,
         "tensor 'input_ids' has rank 1 (shape [8]); expected [N, T]");
  b = goodBatch();
  b["input_ids"] = raw<float>("F32", {2, 4}, std::vector<float>(8, 1));
  expect(b, ZEN_STATUS_INVALID_ARGUMENT,
         "tensor 'input_ids' has dtype F32; expected I64 (int64)");
  b = goodBatch();
  b["completion_mask"].shape = {4, 2};
  expect(b, ZEN_STATUS_INVALID_ARGUMENT,
         "tensor 'completion_mask' has shape [4, 2], but input_ids is [2, 4]");
  b = goodBatch();
  b["completion_mask"].shape = {8};
  expect(b, ZEN_STATUS_INVALID_ARGUMENT, "tensor 'completion_mask' has rank 1");
  b = goodBatch();
  b["completion_mask"] = raw<uint16_t>("F16", {2, 4}, std::vector<uint16_t>(8));
  expect(b, ZEN_STATUS_INVALID_ARGUMENT,
         "tensor 'completion_mask' has dtype F16; expected BOOL, U8, I32, I64 "
         "or F32");
  b = goodBatch();
  b["completion_mask"].bytes[2] = 3;
  expect(b, ZEN_STATUS_INVALID_ARGUMENT,
         "completion_mask[0, 2] = 3; a mask holds 0 or 1");
  b = goodBatch();
  b["rewards"] = raw<float>("F32", {3}, {1, 0, 0});
  expect(b, ZEN_STATUS_INVALID_ARGUMENT,
         "tensor 'rewards' has 3 entries, but input_ids has 2 sequences");
  b = goodBatch();
  b["rewards"] = raw<int64_t>("I64", {2}, {1, 0});
  expect(b, ZEN_STATUS_INVALID_ARGUMENT,
         "tensor 'rewards' has dtype I64; expected F32");
  b = goodBatch();
  b["rewards"].shape = {2, 1};
  b["rewards"].bytes = raw<float>("F32", {2}, {1, 0}).bytes;
  expect(b, ZEN_STATUS_INVALID_ARGUMENT, "tensor 'rewards' has rank 2");
  b = goodBatch();
  b["old_logprobs"] = raw<int32_t>("I32", {2, 4}, std::vector<int32_t>(8));
  expect(b, ZEN_STATUS_INVALID_ARGUMENT,
         "tensor 'old_logprobs' has dtype I32; expected F32");
  b = goodBatch();
  b["old_logprob"] = raw<float>("F32", {2, 4}, std::vector<float>(8));
  expect(b, ZEN_STATUS_INVALID_ARGUMENT,
         "tensor 'old_logprob' is not part of a training batch");
  ZEN_EXPECT_ERROR(
      zen_train_batch_read(dir.file("none.safetensors").c_str(),
                           reinterpret_cast<zen_train_batch_file_t **>(&path)),
      ZEN_STATUS_NOT_FOUND, "none.safetensors");
}

TEST(RuntimeTrainBatch, WriteReadRoundTrip) {
  TempDir dir;
  Batch b;
  b.old = {0, 0, -1, -2, 0, 0, -3, 0};
  b.mask = {1, 1, 1, 1, 1, 1, 1, 0};
  zen_train_batch_t v = b.view();
  ZEN_ASSERT_OK(zen_train_batch_write(dir.file("b.safetensors").c_str(), &v));
  zen_train_batch_file_t *file = nullptr;
  ZEN_ASSERT_OK(zen_train_batch_read(dir.file("b.safetensors").c_str(), &file));
  zen_train_batch_t r;
  ZEN_EXPECT_OK(zen_train_batch_file_view(file, &r));
  EXPECT_EQ(std::vector<int64_t>(r.input_ids, r.input_ids + 8), b.ids);
  EXPECT_EQ(std::vector<int64_t>(r.attention_mask, r.attention_mask + 8),
            b.mask);
  EXPECT_EQ(std::vector<float>(r.old_logprobs, r.old_logprobs + 8), b.old);
  EXPECT_EQ(std::vector<float>(r.rewards, r.rewards + 2), b.rewards);
  zen_train_batch_file_free(file);
}

//===----------------------------------------------------------------------===//
// Adapters and checkpoints
//===----------------------------------------------------------------------===//

TEST(RuntimeTrainAdapter, RoundTrip) {
  TempDir dir;
  TrainModel m;
  Trainer a;
  zen_trainer_options_t o = zen_trainer_options_default();
  o.base_model_name_or_path = "Qwen/Qwen3-0.6B";
  ZEN_ASSERT_OK(zen_trainer_create(m.model.m, &o, &a.t));
  step(a.t, Batch());
  std::string out = dir.file("adapter");
  ZEN_ASSERT_OK(zen_trainer_save_adapter(a.t, out.c_str()));
  EXPECT_EQ(TempDir::listDir(out),
            (std::vector<std::string>{"adapter_config.json",
                                      "adapter_model.safetensors"}));
  std::string config = readBytes(out + "/adapter_config.json");
  for (const char *fragment :
       {"\"r\": 2,", "\"lora_alpha\": 4,", "\"lora_dropout\": 0.0,",
        "\"target_modules\": [\"q_proj\"]", "\"peft_type\": \"LORA\"",
        "\"task_type\": \"CAUSAL_LM\"", "\"use_rslora\": false",
        "\"bias\": \"none\"",
        "\"base_model_name_or_path\": \"Qwen/Qwen3-0.6B\""})
    EXPECT_NE(config.find(fragment), std::string::npos) << fragment << "\n"
                                                        << config;
  zen_safetensors_t *st = nullptr;
  ZEN_ASSERT_OK(
      zen_safetensors_open((out + "/adapter_model.safetensors").c_str(), &st));
  size_t count = 0;
  ZEN_EXPECT_OK(zen_safetensors_count(st, &count));
  EXPECT_EQ(count, 2u);
  zen_tensor_info_t info;
  ZEN_EXPECT_OK(zen_safetensors_info_by_name(st, kA, &info));
  EXPECT_EQ(info.dtype, ZEN_DTYPE_F32);
  ZEN_EXPECT_OK(zen_safetensors_info_by_name(st, kB, &info));
  const char *format = nullptr;
  ZEN_EXPECT_OK(zen_safetensors_metadata_get(st, "format", &format));
  EXPECT_STREQ(format, "pt");
  zen_safetensors_close(st);

  Trainer b;
  o.adapter = out.c_str();
  ZEN_ASSERT_OK(zen_trainer_create(m.model.m, &o, &b.t));
  EXPECT_EQ(values(a.t, 0), values(b.t, 0));
  EXPECT_EQ(values(a.t, 1), values(b.t, 1));

  // Saving over an adapter directory replaces it.
  ZEN_EXPECT_OK(zen_trainer_save_adapter(b.t, out.c_str()));
}

/// Saves an adapter, edits its config or weights, and expects `fragment`.
void expectAdapterError(const std::function<void(const std::string &)> &edit,
                        zen_status_code_t code, const std::string &fragment) {
  TempDir dir;
  TrainModel m;
  Trainer a;
  ZEN_ASSERT_OK(zen_trainer_create(m.model.m, nullptr, &a.t));
  std::string out = dir.file("adapter");
  ZEN_ASSERT_OK(zen_trainer_save_adapter(a.t, out.c_str()));
  edit(out);
  Trainer b;
  zen_trainer_options_t o = zen_trainer_options_default();
  o.adapter = out.c_str();
  ZEN_EXPECT_ERROR(zen_trainer_create(m.model.m, &o, &b.t), code, fragment);
}

void replaceIn(const std::string &path, const std::string &from,
               const std::string &to) {
  std::string text = readBytes(path);
  size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  writeBytes(path, text);
}

TEST(RuntimeTrainAdapter, Mismatches) {
  expectAdapterError(
      [](const std::string &d) {
        replaceIn(d + "/adapter_config.json", "\"r\": 2", "\"r\": 4");
      },
      ZEN_STATUS_INVALID_ARGUMENT,
      "adapter_config.json: r is 4, but the model was compiled with "
      "training.lora.r = 2");
  expectAdapterError(
      [](const std::string &d) {
        replaceIn(d + "/adapter_config.json", "\"lora_alpha\": 4",
                  "\"lora_alpha\": 16");
      },
      ZEN_STATUS_INVALID_ARGUMENT,
      "lora_alpha is 16, but the model was compiled with "
      "training.lora.lora_alpha = 4");
  expectAdapterError(
      [](const std::string &d) {
        replaceIn(d + "/adapter_config.json", "[\"q_proj\"]",
                  "[\"q_proj\", \"v_proj\"]");
      },
      ZEN_STATUS_INVALID_ARGUMENT,
      "target_modules is [q_proj, v_proj], but the model was compiled with "
      "training.lora.target_modules = [q_proj]");
  expectAdapterError(
      [](const std::string &d) {
        replaceIn(d + "/adapter_config.json", "\"LORA\"", "\"IA3\"");
      },
      ZEN_STATUS_UNSUPPORTED, "peft_type is \"IA3\"");
  expectAdapterError(
      [](const std::string &d) {
        writeCheckpoint(d + "/adapter_model.safetensors",
                        {{kA, f32Tensor({2, 4}, std::vector<float>(8))}});
      },
      ZEN_STATUS_NOT_FOUND, std::string("tensor '") + kB + "' not found");
  expectAdapterError(
      [](const std::string &d) {
        writeCheckpoint(d + "/adapter_model.safetensors",
                        {{kA, f32Tensor({4, 4}, std::vector<float>(16))},
                         {kB, f32Tensor({4, 2}, std::vector<float>(8))}});
      },
      ZEN_STATUS_INVALID_ARGUMENT,
      std::string("tensor '") + kA +
          "': shape mismatch: the model expects [2, 4], the file has [4, 4]");
  expectAdapterError(
      [](const std::string &d) {
        writeCheckpoint(
            d + "/adapter_model.safetensors",
            {{kA, f32Tensor({2, 4}, std::vector<float>(8))},
             {kB, f32Tensor({4, 2}, std::vector<float>(8))},
             {"base_model.model.x.lora_A.weight", f32Tensor({1}, {0})}});
      },
      ZEN_STATUS_INVALID_ARGUMENT,
      "tensor 'base_model.model.x.lora_A.weight' is not one of the model's "
      "trainable tensors");
}

TEST(RuntimeTrainCheckpoint, ResumeEqualsUninterrupted) {
  TempDir dir;
  TrainModel m;
  Batch b1, b2;
  b2.rewards = {0.5f, -0.25f};
  b2.old = {0, 0, -1, -2, 0, 0, -3, 0};
  Trainer straight, first, resumed;
  ZEN_ASSERT_OK(zen_trainer_create(m.model.m, nullptr, &straight.t));
  ZEN_ASSERT_OK(zen_trainer_create(m.model.m, nullptr, &first.t));
  for (zen_trainer_t *t : {straight.t, first.t}) {
    step(t, b1);
    step(t, b2);
  }
  std::string ckpt = dir.file("ckpt");
  ZEN_ASSERT_OK(zen_trainer_save_checkpoint(first.t, ckpt.c_str()));
  EXPECT_EQ(TempDir::listDir(ckpt),
            (std::vector<std::string>{
                "adapter_config.json", "adapter_model.safetensors",
                "optimizer.safetensors", "trainer_state.json"}));
  EXPECT_NE(readBytes(ckpt + "/trainer_state.json").find("\"step\": 2"),
            std::string::npos);
  // A trainer with another seed resumes and continues.
  zen_trainer_options_t o = zen_trainer_options_default();
  o.seed = 99;
  ZEN_ASSERT_OK(zen_trainer_create(m.model.m, &o, &resumed.t));
  ZEN_ASSERT_OK(zen_trainer_load_checkpoint(resumed.t, ckpt.c_str()));
  int64_t steps = 0;
  ZEN_ASSERT_OK(zen_trainer_step_count(resumed.t, &steps));
  EXPECT_EQ(steps, 2);
  for (zen_trainer_t *t : {straight.t, resumed.t}) {
    EXPECT_EQ(step(t, b2).step, 3);
    step(t, b1);
  }
  for (size_t i = 0; i < 2; ++i)
    for (int which = 0; which < 3; ++which)
      EXPECT_EQ(values(straight.t, i, which), values(resumed.t, i, which))
          << "tensor " << i << " part " << which;

  // The checkpoint file names of the optimizer state.
  zen_safetensors_t *st = nullptr;
  ZEN_ASSERT_OK(
      zen_safetensors_open((ckpt + "/optimizer.safetensors").c_str(), &st));
  zen_tensor_info_t info;
  ZEN_EXPECT_OK(zen_safetensors_info_by_name(
      st, (std::string(kA) + ".exp_avg_sq").c_str(), &info));
  zen_safetensors_close(st);
}

TEST(RuntimeTrainCheckpoint, OtherModelAndBadDirectories) {
  TempDir dir;
  TrainModel m;
  Trainer t;
  ZEN_ASSERT_OK(zen_trainer_create(m.model.m, nullptr, &t.t));
  step(t.t, Batch());
  std::string ckpt = dir.file("ckpt");
  ZEN_ASSERT_OK(zen_trainer_save_checkpoint(t.t, ckpt.c_str()));
  std::vector<float> v = values(t.t, 0);
  replaceIn(ckpt + "/trainer_state.json", "\"fake-train\"", "\"zen-eco\"");
  step(t.t, Batch());
  ZEN_EXPECT_ERROR(zen_trainer_load_checkpoint(t.t, ckpt.c_str()),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "the checkpoint was saved for model 'zen-eco', but");
  int64_t steps = 0;
  ZEN_ASSERT_OK(zen_trainer_step_count(t.t, &steps));
  EXPECT_EQ(steps, 2); // unchanged
  ZEN_EXPECT_ERROR(zen_trainer_load_checkpoint(t.t, dir.file("none").c_str()),
                   ZEN_STATUS_NOT_FOUND, "no such checkpoint directory");
  ZEN_EXPECT_ERROR(zen_trainer_load_checkpoint(t.t, dir.path().c_str()),
                   ZEN_STATUS_NOT_FOUND,
                   "not a Zen training checkpoint (no trainer_state.json)");
  // A directory with other files is never replaced.
  writeBytes(dir.file("notes.txt"), "mine");
  ZEN_EXPECT_ERROR(zen_trainer_save_checkpoint(t.t, dir.path().c_str()),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "holds 'ckpt', which is not part of a checkpoint or "
                   "adapter; refusing to replace it");
  EXPECT_EQ(readBytes(dir.file("notes.txt")), "mine");
}

TEST(RuntimeTrainFull, FullWeights) {
  Env full("ZEN_FAKE_TRAIN_FULL", "1");
  TempDir dir;
  TrainModel m;
  zen_training_info_t info;
  ZEN_ASSERT_OK(zen_model_training_info(m.model.m, &info));
  EXPECT_EQ(info.lora, 0);
  Trainer t;
  ZEN_ASSERT_OK(zen_trainer_create(m.model.m, nullptr, &t.t));
  // The trainable starts as the bound weights.
  size_t p = 0;
  ZEN_ASSERT_OK(zen_model_find_param(
      m.model.m, "model.layers.0.self_attn.q_proj.weight", &p));
  const void *data = nullptr;
  ZEN_ASSERT_OK(zen_model_param_data(m.model.m, p, &data));
  std::vector<float> bound(static_cast<const float *>(data),
                           static_cast<const float *>(data) + 16);
  EXPECT_EQ(values(t.t, 0), bound);
  step(t.t, Batch());
  EXPECT_NE(values(t.t, 0), bound);
  ZEN_EXPECT_ERROR(zen_trainer_save_adapter(t.t, dir.file("a").c_str()),
                   ZEN_STATUS_UNSUPPORTED, "there is no adapter to save");
  std::string ckpt = dir.file("ckpt");
  ZEN_ASSERT_OK(zen_trainer_save_checkpoint(t.t, ckpt.c_str()));
  EXPECT_EQ(
      TempDir::listDir(ckpt),
      (std::vector<std::string>{"model.safetensors", "optimizer.safetensors",
                                "trainer_state.json"}));
  Trainer r;
  ZEN_ASSERT_OK(zen_trainer_create(m.model.m, nullptr, &r.t));
  ZEN_ASSERT_OK(zen_trainer_load_checkpoint(r.t, ckpt.c_str()));
  EXPECT_EQ(values(t.t, 0), values(r.t, 0));
}

//===----------------------------------------------------------------------===//
// The toy task
//===----------------------------------------------------------------------===//

TEST(RuntimeTrainToy, Reward) {
  std::vector<int64_t> c = {7, 7, 3, 7};
  EXPECT_FLOAT_EQ(zen_toy_task_reward(c.data(), 4, 7, -1), 0.75f);
  EXPECT_FLOAT_EQ(zen_toy_task_reward(c.data(), 4, 7, 3), 0.5f); // stops at EOS
  EXPECT_FLOAT_EQ(zen_toy_task_reward(c.data(), 4, 5, -1), 0.0f);
  EXPECT_FLOAT_EQ(zen_toy_task_reward(c.data(), 0, 7, -1), 0.0f);
  std::vector<int64_t> all(8, 7);
  EXPECT_FLOAT_EQ(zen_toy_task_reward(all.data(), 8, 7, -1), 1.0f);
}

TEST(RuntimeTrainToy, Step) {
  TrainModel m;
  Trainer t;
  ZEN_ASSERT_OK(zen_trainer_create(m.model.m, nullptr, &t.t));
  zen_toy_task_config_t config = zen_toy_task_config_default();
  zen_rng_t rng;
  ZEN_ASSERT_OK(zen_rng_seed(&rng, 1));
  for (int i = 1; i <= 3; ++i) {
    zen_toy_step_result_t r;
    ZEN_ASSERT_OK(zen_trainer_toy_step(t.t, &config, &rng, &r));
    EXPECT_GE(r.mean_reward, 0.0f);
    EXPECT_LE(r.mean_reward, 1.0f);
    EXPECT_EQ(r.train.step, i);
  }
  config.target_token = 8;
  zen_toy_step_result_t r;
  ZEN_EXPECT_ERROR(zen_trainer_toy_step(t.t, &config, &rng, &r),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "the target token 8 must lie in the vocabulary [0, 8)");
}

TEST(RuntimeTrainToy, StaticBatchShape) {
  // A train_step compiled for batches of exactly 4 sequences.
  std::string json;
  {
    TrainModel m;
    const char *text = nullptr;
    ZEN_ASSERT_OK(zen_model_metadata_json(m.model.m, &text));
    json = text;
  }
  const std::string ids = R"("name":"input_ids","dtype":"i64","shape":[-1,-1])";
  size_t at = json.rfind(ids); // train_step's, after forward's
  ASSERT_NE(at, std::string::npos);
  json.replace(at, ids.size(),
               R"("name":"input_ids","dtype":"i64","shape":[4,-1])");
  Env env("ZEN_FAKE_TRAIN_METADATA", json);
  TrainModel m;
  zen_training_info_t info;
  ZEN_ASSERT_OK(zen_model_training_info(m.model.m, &info));
  EXPECT_EQ(info.static_num_sequences, 4);
  EXPECT_EQ(info.static_seq_len, 0);
  Trainer t;
  ZEN_ASSERT_OK(zen_trainer_create(m.model.m, nullptr, &t.t));
  zen_toy_task_config_t config = zen_toy_task_config_default();
  zen_rng_t rng;
  ZEN_ASSERT_OK(zen_rng_seed(&rng, 1));
  zen_toy_step_result_t r;
  ZEN_EXPECT_ERROR(zen_trainer_toy_step(t.t, &config, &rng, &r),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "train_step takes batches of exactly 4 sequences, but 8 "
                   "prompts x 2 completions make 16 (use 2 prompts)");
  config.num_prompts = 2;
  ZEN_EXPECT_OK(zen_trainer_toy_step(t.t, &config, &rng, &r));
}

} // namespace
} // namespace zen::test

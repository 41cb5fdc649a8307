//===- RuntimeShardedTest.cpp - Sharded checkpoints (index.json) ----------===//

#include "RuntimeTestUtil.h"

using namespace zen::test;

namespace {

/// A one-tensor F32 shard holding `names` (each a [1] tensor with value i).
std::string shard(const std::vector<std::string> &names,
                  const std::string &metadata = "") {
  std::string header = "{";
  std::string data;
  if (!metadata.empty())
    header += "\"__metadata__\":" + metadata + ",";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i)
      header += ",";
    header += "\"" + names[i] + "\":{\"dtype\":\"F32\",\"shape\":[1],"
              "\"data_offsets\":[" + std::to_string(4 * i) + "," +
              std::to_string(4 * i + 4) + "]}";
    data += le(float(i + 1));
  }
  return safetensorsBytes(header + "}", data);
}

class ShardedTest : public ::testing::Test {
protected:
  TempDir dir;

  void SetUp() override {
    writeBytes(dir.file("model-00001-of-00002.safetensors"),
               shard({"model.embed_tokens.weight", "model.norm.weight"},
                     "{\"format\":\"pt\",\"shard\":\"1\"}"));
    writeBytes(dir.file("model-00002-of-00002.safetensors"),
               shard({"lm_head.weight", "unlisted"}, "{\"shard\":\"2\",\"z\":\"2\"}"));
  }

  void writeIndex(const std::string &json) {
    writeBytes(dir.file("model.safetensors.index.json"), json);
  }

  zen_status_t openIndex() {
    zen_safetensors_t *ckpt = nullptr;
    zen_status_t s = zen_safetensors_open(
        dir.file("model.safetensors.index.json").c_str(), &ckpt);
    zen_safetensors_close(ckpt);
    return s;
  }
};

const char *kGoodIndex = R"({
  "metadata": {"total_size": 12},
  "weight_map": {
    "lm_head.weight": "model-00002-of-00002.safetensors",
    "model.norm.weight": "model-00001-of-00002.safetensors",
    "model.embed_tokens.weight": "model-00001-of-00002.safetensors"
  }
})";

} // namespace

TEST_F(ShardedTest, OpensTheDirectoryThroughTheIndex) {
  writeIndex(kGoodIndex);
  zen_safetensors_t *ckpt = nullptr;
  ZEN_ASSERT_OK(zen_safetensors_open(dir.path().c_str(), &ckpt));
  size_t count = 0, files = 0;
  ZEN_ASSERT_OK(zen_safetensors_count(ckpt, &count));
  ZEN_ASSERT_OK(zen_safetensors_file_count(ckpt, &files));
  // Only the tensors the index lists ("unlisted" is not exposed).
  EXPECT_EQ(count, 3u);
  EXPECT_EQ(files, 2u);
  const char *names[] = {"lm_head.weight", "model.embed_tokens.weight",
                         "model.norm.weight"};
  const float values[] = {1.0f, 1.0f, 2.0f};
  const char *shards[] = {"model-00002-of-00002.safetensors",
                          "model-00001-of-00002.safetensors",
                          "model-00001-of-00002.safetensors"};
  for (size_t i = 0; i < 3; ++i) {
    zen_tensor_info_t info;
    ZEN_ASSERT_OK(zen_safetensors_info(ckpt, i, &info));
    EXPECT_STREQ(info.name, names[i]);
    EXPECT_EQ(std::string(info.file), dir.file(shards[i]));
    float v = 0;
    ZEN_ASSERT_OK(zen_safetensors_read_f32(ckpt, i, &v, 1));
    EXPECT_EQ(v, values[i]) << names[i];
  }
  size_t index;
  ZEN_EXPECT_ERROR(zen_safetensors_find(ckpt, "unlisted", &index),
                   ZEN_STATUS_NOT_FOUND, "not found in the checkpoint's 2 shards");
  // Metadata is the union; the first shard (by name) wins a conflict.
  const char *value;
  ZEN_ASSERT_OK(zen_safetensors_metadata_get(ckpt, "shard", &value));
  EXPECT_STREQ(value, "1");
  ZEN_ASSERT_OK(zen_safetensors_metadata_get(ckpt, "z", &value));
  EXPECT_STREQ(value, "2");
  ZEN_ASSERT_OK(zen_safetensors_metadata_get(ckpt, "format", &value));
  EXPECT_STREQ(value, "pt");
  zen_safetensors_close(ckpt);
}

TEST_F(ShardedTest, SingleFileWinsOverTheIndex) {
  writeIndex(kGoodIndex);
  writeBytes(dir.file("model.safetensors"), shard({"only"}));
  zen_safetensors_t *ckpt = nullptr;
  ZEN_ASSERT_OK(zen_safetensors_open(dir.path().c_str(), &ckpt));
  size_t count = 0;
  ZEN_ASSERT_OK(zen_safetensors_count(ckpt, &count));
  EXPECT_EQ(count, 1u);
  zen_safetensors_close(ckpt);
}

TEST_F(ShardedTest, MissingShard) {
  writeIndex(R"({"weight_map": {"lm_head.weight": "model-00003-of-00003.safetensors"}})");
  ZEN_EXPECT_ERROR(openIndex(), ZEN_STATUS_NOT_FOUND,
                   "weight_map refers to shard 'model-00003-of-00003.safetensors' "
                   "(for tensor 'lm_head.weight' and others), but " +
                       dir.file("model-00003-of-00003.safetensors") +
                       " does not exist");
}

TEST_F(ShardedTest, TensorAbsentFromItsShard) {
  writeIndex(R"({"weight_map": {"lm_head.weight": "model-00001-of-00002.safetensors"}})");
  ZEN_EXPECT_ERROR(openIndex(), ZEN_STATUS_NOT_FOUND,
                   "weight_map puts tensor 'lm_head.weight' in shard "
                   "'model-00001-of-00002.safetensors', but " +
                       dir.file("model-00001-of-00002.safetensors") +
                       " does not contain it");
}

TEST_F(ShardedTest, CorruptShardIsReportedWithItsPath) {
  writeBytes(dir.file("model-00002-of-00002.safetensors"), le<uint64_t>(500) + "{}");
  writeIndex(kGoodIndex);
  ZEN_EXPECT_ERROR(openIndex(), ZEN_STATUS_INVALID_FORMAT,
                   dir.file("model-00002-of-00002.safetensors") +
                       ": header length 500 extends beyond the end of the file");
}

TEST_F(ShardedTest, MalformedIndex) {
  std::string indexPath = dir.file("model.safetensors.index.json");
  writeIndex("{\"weight_map\": {\"a\": \"x\",}}");
  ZEN_EXPECT_ERROR(openIndex(), ZEN_STATUS_INVALID_FORMAT,
                   indexPath + ": not valid JSON: trailing comma in object at byte 25");
  writeIndex("[]");
  ZEN_EXPECT_ERROR(openIndex(), ZEN_STATUS_INVALID_FORMAT,
                   "expected a JSON object with a \"weight_map\", found an array");
  writeIndex("{\"metadata\": {}}");
  ZEN_EXPECT_ERROR(openIndex(), ZEN_STATUS_INVALID_FORMAT, "missing \"weight_map\"");
  writeIndex("{\"weight_map\": []}");
  ZEN_EXPECT_ERROR(openIndex(), ZEN_STATUS_INVALID_FORMAT,
                   "\"weight_map\" must be an object mapping tensor names to "
                   "shard files, found an array");
  writeIndex("{\"weight_map\": {}}");
  ZEN_EXPECT_ERROR(openIndex(), ZEN_STATUS_INVALID_FORMAT, "\"weight_map\" is empty");
  writeIndex("{\"weight_map\": {\"a\": 3}}");
  ZEN_EXPECT_ERROR(openIndex(), ZEN_STATUS_INVALID_FORMAT,
                   "weight_map entry for tensor 'a' must be a file name, found a number");
  writeIndex("{\"metadata\": 3, \"weight_map\": {\"a\": \"b\"}}");
  ZEN_EXPECT_ERROR(openIndex(), ZEN_STATUS_INVALID_FORMAT,
                   "\"metadata\" must be an object, found a number");
  writeIndex(R"({"weight_map": {"a": "model-00001-of-00002.safetensors",
                                "a": "model-00001-of-00002.safetensors"}})");
  ZEN_EXPECT_ERROR(openIndex(), ZEN_STATUS_INVALID_FORMAT,
                   "tensor 'a' appears twice in weight_map");
}

TEST_F(ShardedTest, ShardPathsStayInsideTheDirectory) {
  for (const char *bad : {"../model.safetensors", "/etc/passwd", "a/../../b", ""}) {
    writeIndex(std::string("{\"weight_map\": {\"w\": \"") + bad + "\"}}");
    ZEN_EXPECT_ERROR(openIndex(), ZEN_STATUS_INVALID_FORMAT,
                     "which is not a relative path inside the checkpoint directory");
  }
}

TEST_F(ShardedTest, ShardsInASubdirectory) {
  ::mkdir(dir.file("shards").c_str(), 0700);
  writeBytes(dir.file("shards/s.safetensors"), shard({"w"}));
  writeIndex(R"({"weight_map": {"w": "shards/s.safetensors"}})");
  ZEN_EXPECT_OK(openIndex());
}

TEST_F(ShardedTest, IndexFileAnyName) {
  writeBytes(dir.file("custom.index.json"), kGoodIndex);
  zen_safetensors_t *ckpt = nullptr;
  ZEN_ASSERT_OK(zen_safetensors_open(dir.file("custom.index.json").c_str(), &ckpt));
  zen_safetensors_close(ckpt);
}

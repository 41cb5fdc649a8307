//===- RuntimeSafetensorsTest.cpp - Reading safetensors checkpoints -------===//
//
// One test per validation rule of zen_safetensors_open for single files; the
// sharded index has its own file (RuntimeShardedTest.cpp).
//
//===----------------------------------------------------------------------===//

#include "RuntimeTestUtil.h"

#include <cmath>

using namespace zen::test;

namespace {

/// {"dtype":..,"shape":[..],"data_offsets":[b,e]} as JSON text.
std::string entry(const std::string &dtype, const std::string &shape,
                  uint64_t begin, uint64_t end) {
  return "{\"dtype\":\"" + dtype + "\",\"shape\":" + shape +
         ",\"data_offsets\":[" + std::to_string(begin) + "," +
         std::to_string(end) + "]}";
}

class SafetensorsReadTest : public ::testing::Test {
protected:
  TempDir dir;

  /// Writes `bytes` and tries to open them; the handle must stay NULL on
  /// failure.
  zen_status_t openBytes(const std::string &bytes,
                         const std::string &name = "model.safetensors") {
    writeBytes(dir.file(name), bytes);
    zen_safetensors_t *ckpt = nullptr;
    zen_status_t status = zen_safetensors_open(dir.file(name).c_str(), &ckpt);
    EXPECT_EQ(status != nullptr, ckpt == nullptr);
    zen_safetensors_close(ckpt);
    return status;
  }
  zen_status_t openHeader(const std::string &header,
                          const std::string &data = "") {
    return openBytes(safetensorsBytes(header, data));
  }
};

/// Two f32 values (8 bytes) as the data section of a one-tensor file.
const std::string kTwoFloats = le(1.5f) + le(-2.0f);

} // namespace

TEST_F(SafetensorsReadTest, ReadsEveryDTypeShapeAndMetadata) {
  std::string data;
  data += le(1.0f) + le(2.0f) + le(3.0f) + le(4.0f) + le(5.0f) + le(6.0f); // a: F32 [2,3] @0..24
  data += le<uint16_t>(0x3F80) + le<uint16_t>(0xC040);                       // b: BF16 [2] @24..28
  data += le<uint16_t>(0x3C00) + le<uint16_t>(0x0001);                       // c: F16 [2] @28..32
  data += le<int64_t>(-7);                                                   // d: I64 [] @32..40
  data += le<int32_t>(11) + le<int32_t>(12);                                 // e: I32 [1,2] @40..48
  std::string header = "{\"__metadata__\":{\"format\":\"pt\",\"b\":\"x\"},"
                       "\"e\":" + entry("I32", "[1,2]", 40, 48) +
                       ",\"a\":" + entry("F32", "[2,3]", 0, 24) +
                       ",\"b\":" + entry("BF16", "[2]", 24, 28) +
                       ",\"empty\":" + entry("F32", "[0,5]", 48, 48) +
                       ",\"c\":" + entry("F16", "[2]", 28, 32) +
                       ",\"d\":" + entry("I64", "[]", 32, 40) + "}   ";
  writeBytes(dir.file("m.safetensors"), safetensorsBytes(header, data));

  zen_safetensors_t *ckpt = nullptr;
  ZEN_ASSERT_OK(zen_safetensors_open(dir.file("m.safetensors").c_str(), &ckpt));
  size_t count = 0;
  ZEN_ASSERT_OK(zen_safetensors_count(ckpt, &count));
  ASSERT_EQ(count, 6u);

  // Tensors come back in name order.
  const char *names[] = {"a", "b", "c", "d", "e", "empty"};
  for (size_t i = 0; i < count; ++i) {
    zen_tensor_info_t info;
    ZEN_ASSERT_OK(zen_safetensors_info(ckpt, i, &info));
    EXPECT_STREQ(info.name, names[i]);
    EXPECT_EQ(std::string(info.file), dir.file("m.safetensors"));
  }

  zen_tensor_info_t a;
  ZEN_ASSERT_OK(zen_safetensors_info_by_name(ckpt, "a", &a));
  EXPECT_EQ(a.dtype, ZEN_DTYPE_F32);
  ASSERT_EQ(a.rank, 2);
  EXPECT_EQ(a.shape[0], 2);
  EXPECT_EQ(a.shape[1], 3);
  EXPECT_EQ(a.num_elements, 6u);
  EXPECT_EQ(a.num_bytes, 24u);
  float values[6];
  ZEN_ASSERT_OK(zen_safetensors_read_f32(ckpt, 0, values, 6));
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(values[i], float(i + 1));

  float b[2], c[2];
  ZEN_ASSERT_OK(zen_safetensors_read_f32(ckpt, 1, b, 2));
  EXPECT_EQ(b[0], 1.0f);
  EXPECT_EQ(b[1], -3.0f);
  ZEN_ASSERT_OK(zen_safetensors_read_f32(ckpt, 2, c, 2));
  EXPECT_EQ(c[0], 1.0f);
  EXPECT_EQ(c[1], std::ldexp(1.0f, -24));

  zen_tensor_info_t d;
  ZEN_ASSERT_OK(zen_safetensors_info_by_name(ckpt, "d", &d));
  EXPECT_EQ(d.dtype, ZEN_DTYPE_I64);
  EXPECT_EQ(d.rank, 0);
  EXPECT_NE(d.shape, nullptr);
  EXPECT_EQ(d.num_elements, 1u);
  size_t index = 99;
  ZEN_ASSERT_OK(zen_safetensors_find(ckpt, "d", &index));
  EXPECT_EQ(index, 3u);
  ZEN_EXPECT_OK(zen_safetensors_find(ckpt, "d", nullptr));
  const void *raw = nullptr;
  uint64_t bytes = 0;
  ZEN_ASSERT_OK(zen_safetensors_data(ckpt, index, &raw, &bytes));
  ASSERT_EQ(bytes, 8u);
  int64_t dv;
  std::memcpy(&dv, raw, 8);
  EXPECT_EQ(dv, -7);

  zen_tensor_info_t empty;
  ZEN_ASSERT_OK(zen_safetensors_info_by_name(ckpt, "empty", &empty));
  EXPECT_EQ(empty.num_elements, 0u);
  ZEN_EXPECT_OK(zen_safetensors_read_f32(ckpt, 5, nullptr, 0));

  size_t metaCount = 0;
  ZEN_ASSERT_OK(zen_safetensors_metadata_count(ckpt, &metaCount));
  ASSERT_EQ(metaCount, 2u);
  const char *key, *value;
  ZEN_ASSERT_OK(zen_safetensors_metadata_entry(ckpt, 0, &key, &value));
  EXPECT_STREQ(key, "b"); // sorted by key
  EXPECT_STREQ(value, "x");
  ZEN_ASSERT_OK(zen_safetensors_metadata_get(ckpt, "format", &value));
  EXPECT_STREQ(value, "pt");
  ZEN_EXPECT_ERROR(zen_safetensors_metadata_get(ckpt, "nope", &value),
                   ZEN_STATUS_NOT_FOUND, "'nope'");
  ZEN_EXPECT_ERROR(zen_safetensors_metadata_entry(ckpt, 2, &key, &value),
                   ZEN_STATUS_INVALID_ARGUMENT, "out of range");
  size_t files = 0;
  ZEN_ASSERT_OK(zen_safetensors_file_count(ckpt, &files));
  EXPECT_EQ(files, 1u);
  zen_safetensors_close(ckpt);
}

TEST_F(SafetensorsReadTest, LookupAndReadErrors) {
  std::string header = "{\"ids\":" + entry("I64", "[1]", 0, 8) + "}";
  writeBytes(dir.file("m.safetensors"), safetensorsBytes(header, le<int64_t>(5)));
  zen_safetensors_t *ckpt = nullptr;
  ZEN_ASSERT_OK(zen_safetensors_open(dir.file("m.safetensors").c_str(), &ckpt));
  zen_tensor_info_t info;
  size_t index;
  ZEN_EXPECT_ERROR(zen_safetensors_find(ckpt, "lm_head.weight", &index),
                   ZEN_STATUS_NOT_FOUND, "tensor 'lm_head.weight' not found in " +
                                             dir.file("m.safetensors"));
  ZEN_EXPECT_ERROR(zen_safetensors_info_by_name(ckpt, "x", &info),
                   ZEN_STATUS_NOT_FOUND, "'x'");
  ZEN_EXPECT_ERROR(zen_safetensors_info(ckpt, 1, &info),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "tensor index 1 is out of range (the checkpoint has 1 tensors)");
  float f[1];
  ZEN_EXPECT_ERROR(zen_safetensors_read_f32(ckpt, 0, f, 1),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "tensor 'ids' is I64; only F32, BF16 and F16");
  ZEN_EXPECT_ERROR(zen_safetensors_info(nullptr, 0, &info),
                   ZEN_STATUS_INVALID_ARGUMENT, "zen_safetensors_info: ckpt is NULL");
  ZEN_EXPECT_ERROR(zen_safetensors_info(ckpt, 0, nullptr),
                   ZEN_STATUS_INVALID_ARGUMENT, "info is NULL");
  const void *data;
  ZEN_EXPECT_ERROR(zen_safetensors_data(ckpt, 0, &data, nullptr),
                   ZEN_STATUS_INVALID_ARGUMENT, "num_bytes is NULL");
  zen_safetensors_close(ckpt);
}

TEST_F(SafetensorsReadTest, ReadF32ChecksTheBufferSize) {
  writeBytes(dir.file("m.safetensors"),
             safetensorsBytes("{\"w\":" + entry("F32", "[2]", 0, 8) + "}", kTwoFloats));
  zen_safetensors_t *ckpt = nullptr;
  ZEN_ASSERT_OK(zen_safetensors_open(dir.file("m.safetensors").c_str(), &ckpt));
  float f[3];
  ZEN_EXPECT_ERROR(zen_safetensors_read_f32(ckpt, 0, f, 3),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "tensor 'w' has 2 elements but the buffer holds 3");
  ZEN_EXPECT_ERROR(zen_safetensors_read_f32(ckpt, 0, nullptr, 2),
                   ZEN_STATUS_INVALID_ARGUMENT, "dst is NULL");
  zen_safetensors_close(ckpt);
}

TEST_F(SafetensorsReadTest, MissingPathsAndArguments) {
  zen_safetensors_t *ckpt = nullptr;
  ZEN_EXPECT_ERROR(zen_safetensors_open(dir.file("nope.safetensors").c_str(), &ckpt),
                   ZEN_STATUS_NOT_FOUND, dir.file("nope.safetensors"));
  ZEN_EXPECT_ERROR(zen_safetensors_open(dir.path().c_str(), &ckpt),
                   ZEN_STATUS_NOT_FOUND,
                   "directory contains neither model.safetensors nor "
                   "model.safetensors.index.json");
  ZEN_EXPECT_ERROR(zen_safetensors_open(nullptr, &ckpt),
                   ZEN_STATUS_INVALID_ARGUMENT, "path is NULL");
  ZEN_EXPECT_ERROR(zen_safetensors_open("x", nullptr),
                   ZEN_STATUS_INVALID_ARGUMENT, "out is NULL");
  ZEN_EXPECT_ERROR(zen_safetensors_open("", &ckpt),
                   ZEN_STATUS_INVALID_ARGUMENT, "empty");
  EXPECT_EQ(ckpt, nullptr);
  // A directory named like a file.
  ::mkdir(dir.file("model.safetensors").c_str(), 0700);
  ZEN_EXPECT_ERROR(zen_safetensors_open(dir.path().c_str(), &ckpt),
                   ZEN_STATUS_INVALID_ARGUMENT, "is a directory");
}

TEST_F(SafetensorsReadTest, OpensADirectoryHoldingModelSafetensors) {
  writeBytes(dir.file("model.safetensors"),
             safetensorsBytes("{\"w\":" + entry("F32", "[2]", 0, 8) + "}", kTwoFloats));
  zen_safetensors_t *ckpt = nullptr;
  ZEN_ASSERT_OK(zen_safetensors_open(dir.path().c_str(), &ckpt));
  zen_tensor_info_t info;
  ZEN_ASSERT_OK(zen_safetensors_info(ckpt, 0, &info));
  EXPECT_STREQ(info.name, "w");
  zen_safetensors_close(ckpt);
}

TEST_F(SafetensorsReadTest, EmptyHeaderAndNoTensors) {
  ZEN_EXPECT_OK(openHeader("{}"));
  ZEN_EXPECT_OK(openHeader("{\"__metadata__\":{}}      "));
}

// --- The 8-byte header length ----------------------------------------------

TEST_F(SafetensorsReadTest, FileTooSmallForHeaderLength) {
  ZEN_EXPECT_ERROR(openBytes("abc"), ZEN_STATUS_INVALID_FORMAT,
                   "file is 3 bytes, too small for the 8-byte header length");
  ZEN_EXPECT_ERROR(openBytes(""), ZEN_STATUS_INVALID_FORMAT, "file is 0 bytes");
}

TEST_F(SafetensorsReadTest, HeaderLengthAboveLimit) {
  ZEN_EXPECT_ERROR(openBytes(le<uint64_t>(100000001) + "{}"),
                   ZEN_STATUS_INVALID_FORMAT,
                   "header length 100000001 exceeds the 100000000-byte limit");
  ZEN_EXPECT_ERROR(openBytes(le<uint64_t>(~0ull) + "{}"),
                   ZEN_STATUS_INVALID_FORMAT, "exceeds the 100000000-byte limit");
}

TEST_F(SafetensorsReadTest, HeaderLengthBeyondFile) {
  ZEN_EXPECT_ERROR(openBytes(le<uint64_t>(1000) + "{}"),
                   ZEN_STATUS_INVALID_FORMAT,
                   "header length 1000 extends beyond the end of the file (10 bytes");
}

TEST_F(SafetensorsReadTest, ErrorsNameTheFile) {
  ZEN_EXPECT_ERROR(openBytes("abc"), ZEN_STATUS_INVALID_FORMAT,
                   dir.file("model.safetensors") + ": ");
}

// --- The JSON header ---------------------------------------------------------

TEST_F(SafetensorsReadTest, HeaderNotStartingWithBrace) {
  ZEN_EXPECT_ERROR(openHeader("[1, 2]"), ZEN_STATUS_INVALID_FORMAT,
                   "header does not start with '{'");
  ZEN_EXPECT_ERROR(openHeader(" {}"), ZEN_STATUS_INVALID_FORMAT,
                   "does not start with '{'");
  ZEN_EXPECT_ERROR(openHeader(""), ZEN_STATUS_INVALID_FORMAT,
                   "does not start with '{'");
}

TEST_F(SafetensorsReadTest, NonJsonHeaderReportsTheOffset) {
  ZEN_EXPECT_ERROR(openHeader("{\"a\" 1}"), ZEN_STATUS_INVALID_FORMAT,
                   "header is not valid JSON: expected ':' after object key, "
                   "found '1' at header byte 5 (file offset 13)");
  ZEN_EXPECT_ERROR(openHeader("{\"a\":{},}"), ZEN_STATUS_INVALID_FORMAT,
                   "trailing comma in object");
  ZEN_EXPECT_ERROR(openHeader("{\"a\":1} x"), ZEN_STATUS_INVALID_FORMAT,
                   "unexpected 'x' after the JSON value");
  ZEN_EXPECT_ERROR(openHeader("{\"a\":"), ZEN_STATUS_INVALID_FORMAT,
                   "not valid JSON");
  // Padding with NUL bytes is not whitespace.
  ZEN_EXPECT_ERROR(openHeader(std::string("{}\0\0", 4)), ZEN_STATUS_INVALID_FORMAT,
                   "unexpected byte 0x00 after the JSON value");
}

TEST_F(SafetensorsReadTest, HeaderNestingDepthIsLimited) {
  std::string deep = "{\"__metadata__\":" + std::string(70, '[') +
                     std::string(70, ']') + "}";
  ZEN_EXPECT_ERROR(openHeader(deep), ZEN_STATUS_INVALID_FORMAT,
                   "nesting deeper than 64 levels");
}

TEST_F(SafetensorsReadTest, InvalidUtf8InHeader) {
  ZEN_EXPECT_ERROR(openHeader("{\"w\xff\":1}"), ZEN_STATUS_INVALID_FORMAT,
                   "invalid UTF-8 in string");
}

TEST_F(SafetensorsReadTest, DuplicateTensorNames) {
  std::string header = "{\"w\":" + entry("F32", "[1]", 0, 4) +
                       ",\"w\":" + entry("F32", "[1]", 4, 8) + "}";
  ZEN_EXPECT_ERROR(openHeader(header, kTwoFloats), ZEN_STATUS_INVALID_FORMAT,
                   "duplicate tensor name 'w' (at header byte 1 (file offset 9) "
                   "and header byte");
}

TEST_F(SafetensorsReadTest, NulInTensorName) {
  std::string header = "{\"w\\u0000x\":" + entry("F32", "[2]", 0, 8) + "}";
  ZEN_EXPECT_ERROR(openHeader(header, kTwoFloats), ZEN_STATUS_INVALID_FORMAT,
                   "NUL character");
}

// --- __metadata__ ----------------------------------------------------------

TEST_F(SafetensorsReadTest, MetadataMustBeAStringMap) {
  ZEN_EXPECT_ERROR(openHeader("{\"__metadata__\":[1]}"), ZEN_STATUS_INVALID_FORMAT,
                   "__metadata__ must be an object mapping strings to strings, "
                   "found an array");
  ZEN_EXPECT_ERROR(openHeader("{\"__metadata__\":{\"total\":12}}"),
                   ZEN_STATUS_INVALID_FORMAT,
                   "__metadata__ value for key 'total' must be a string, found 12");
  ZEN_EXPECT_ERROR(openHeader("{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}"),
                   ZEN_STATUS_INVALID_FORMAT, "duplicate __metadata__ key 'k'");
  ZEN_EXPECT_ERROR(openHeader("{\"__metadata__\":{},\"__metadata__\":{}}"),
                   ZEN_STATUS_INVALID_FORMAT,
                   "duplicate tensor name '__metadata__'");
}

// --- Tensor entries ----------------------------------------------------------

TEST_F(SafetensorsReadTest, TensorEntryMustBeAnObjectWithAllFields) {
  ZEN_EXPECT_ERROR(openHeader("{\"w\":[1]}"), ZEN_STATUS_INVALID_FORMAT,
                   "tensor 'w': expected an object with dtype, shape and "
                   "data_offsets, found an array");
  ZEN_EXPECT_ERROR(openHeader("{\"w\":{\"shape\":[],\"data_offsets\":[0,4]}}",
                              le(1.0f)),
                   ZEN_STATUS_INVALID_FORMAT, "tensor 'w': missing \"dtype\"");
  ZEN_EXPECT_ERROR(openHeader("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}",
                              le(1.0f)),
                   ZEN_STATUS_INVALID_FORMAT, "tensor 'w': missing \"shape\"");
  ZEN_EXPECT_ERROR(openHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[]}}", le(1.0f)),
                   ZEN_STATUS_INVALID_FORMAT, "tensor 'w': missing \"data_offsets\"");
  ZEN_EXPECT_ERROR(
      openHeader("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[],"
                 "\"data_offsets\":[0,4]}}",
                 le(1.0f)),
      ZEN_STATUS_INVALID_FORMAT, "duplicate key in tensor 'w': 'dtype'");
}

TEST_F(SafetensorsReadTest, UnknownDType) {
  ZEN_EXPECT_ERROR(openHeader("{\"w\":" + entry("Q7", "[2]", 0, 8) + "}", kTwoFloats),
                   ZEN_STATUS_INVALID_FORMAT,
                   "tensor 'w': unknown dtype \"Q7\" (Zen reads F32, BF16, F16, "
                   "I64, I32)");
  ZEN_EXPECT_ERROR(openHeader("{\"w\":{\"dtype\":32,\"shape\":[2],"
                              "\"data_offsets\":[0,8]}}",
                              kTwoFloats),
                   ZEN_STATUS_INVALID_FORMAT,
                   "tensor 'w': dtype must be a string, found 32");
}

TEST_F(SafetensorsReadTest, UnsupportedDType) {
  ZEN_EXPECT_ERROR(openHeader("{\"w\":" + entry("F64", "[1]", 0, 8) + "}", kTwoFloats),
                   ZEN_STATUS_UNSUPPORTED,
                   "tensor 'w': unsupported dtype F64 (Zen reads F32, BF16, "
                   "F16, I64, I32)");
  ZEN_EXPECT_ERROR(openHeader("{\"w\":" + entry("F8_E4M3", "[8]", 0, 8) + "}",
                              kTwoFloats),
                   ZEN_STATUS_UNSUPPORTED, "unsupported dtype F8_E4M3");
}

TEST_F(SafetensorsReadTest, ShapeEntriesMustBeNonNegativeIntegers) {
  auto withShape = [&](const std::string &shape) {
    return openHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":" + shape +
                          ",\"data_offsets\":[0,8]}}",
                      kTwoFloats);
  };
  ZEN_EXPECT_ERROR(withShape("[-2]"), ZEN_STATUS_INVALID_FORMAT,
                   "tensor 'w': shape[0] is -2; shape entries must be "
                   "non-negative integers");
  ZEN_EXPECT_ERROR(withShape("[1, 2.0]"), ZEN_STATUS_INVALID_FORMAT,
                   "shape[1] is 2.0;");
  ZEN_EXPECT_ERROR(withShape("[2e0]"), ZEN_STATUS_INVALID_FORMAT, "shape[0] is 2e0;");
  ZEN_EXPECT_ERROR(withShape("[\"2\"]"), ZEN_STATUS_INVALID_FORMAT,
                   "shape[0] is \"2\";");
  ZEN_EXPECT_ERROR(withShape("[null]"), ZEN_STATUS_INVALID_FORMAT,
                   "shape[0] is null;");
  ZEN_EXPECT_ERROR(withShape("[9223372036854775808]"), ZEN_STATUS_INVALID_FORMAT,
                   "shape[0] is 9223372036854775808;");
  ZEN_EXPECT_ERROR(withShape("2"), ZEN_STATUS_INVALID_FORMAT,
                   "tensor 'w': shape must be an array of non-negative "
                   "integers, found 2");
}

TEST_F(SafetensorsReadTest, DataOffsetsMustBeBeginEnd) {
  auto withOffsets = [&](const std::string &offsets) {
    return openHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],"
                      "\"data_offsets\":" +
                          offsets + "}}",
                      kTwoFloats);
  };
  const char *message = "tensor 'w': data_offsets must be [begin, end] with two "
                        "non-negative integers, found ";
  ZEN_EXPECT_ERROR(withOffsets("[0]"), ZEN_STATUS_INVALID_FORMAT,
                   std::string(message) + "[0]");
  ZEN_EXPECT_ERROR(withOffsets("[0,4,8]"), ZEN_STATUS_INVALID_FORMAT,
                   std::string(message) + "[0, 4, 8]");
  ZEN_EXPECT_ERROR(withOffsets("[-1,8]"), ZEN_STATUS_INVALID_FORMAT,
                   std::string(message) + "[-1, 8]");
  ZEN_EXPECT_ERROR(withOffsets("[0,8.5]"), ZEN_STATUS_INVALID_FORMAT,
                   std::string(message) + "[0, 8.5]");
  ZEN_EXPECT_ERROR(withOffsets("{}"), ZEN_STATUS_INVALID_FORMAT,
                   std::string(message) + "an object");
  ZEN_EXPECT_ERROR(withOffsets("[0,18446744073709551616]"),
                   ZEN_STATUS_INVALID_FORMAT, message);
  ZEN_EXPECT_ERROR(withOffsets("[8,0]"), ZEN_STATUS_INVALID_FORMAT,
                   "tensor 'w': data_offsets [8, 0] has begin > end");
}

TEST_F(SafetensorsReadTest, DataOffsetsBeyondDataSection) {
  ZEN_EXPECT_ERROR(openHeader("{\"w\":" + entry("F32", "[4]", 0, 16) + "}", kTwoFloats),
                   ZEN_STATUS_INVALID_FORMAT,
                   "tensor 'w': data_offsets end 16 lies beyond the data "
                   "section (8 bytes)");
  // A truncated file: the last tensor's data is cut short.
  std::string header = "{\"a\":" + entry("F32", "[1]", 0, 4) +
                       ",\"b\":" + entry("F32", "[2]", 4, 12) + "}";
  ZEN_EXPECT_ERROR(openHeader(header, kTwoFloats), ZEN_STATUS_INVALID_FORMAT,
                   "tensor 'b': data_offsets end 12 lies beyond");
}

TEST_F(SafetensorsReadTest, ByteSizeMustMatchShapeAndDType) {
  ZEN_EXPECT_ERROR(openHeader("{\"w\":" + entry("BF16", "[2, 3]", 0, 8) + "}",
                              kTwoFloats),
                   ZEN_STATUS_INVALID_FORMAT,
                   "tensor 'w': data_offsets [0, 8] span 8 bytes, but BF16 "
                   "shape [2, 3] needs 12 bytes");
  ZEN_EXPECT_ERROR(openHeader("{\"w\":" + entry("F32", "[]", 0, 8) + "}", kTwoFloats),
                   ZEN_STATUS_INVALID_FORMAT, "F32 shape [] needs 4 bytes");
}

TEST_F(SafetensorsReadTest, ByteSizeOverflowIsCaught) {
  // 2^62 * 4 elements * 4 bytes wraps to 0 in 64-bit arithmetic, which would
  // "match" an empty range without the overflow check.
  ZEN_EXPECT_ERROR(openHeader("{\"w\":" + entry("F32", "[4611686018427387904, 4]", 0, 0) +
                              "}"),
                   ZEN_STATUS_INVALID_FORMAT,
                   "tensor 'w': shape [4611686018427387904, 4] of F32 needs more "
                   "bytes than fit in 64 bits");
  ZEN_EXPECT_ERROR(openHeader("{\"w\":" + entry("I64", "[2305843009213693952]", 0, 0) +
                              "}"),
                   ZEN_STATUS_INVALID_FORMAT, "more bytes than fit in 64 bits");
}

TEST_F(SafetensorsReadTest, OverlappingTensors) {
  std::string header = "{\"a\":" + entry("F32", "[2]", 0, 8) +
                       ",\"b\":" + entry("F32", "[1]", 4, 8) + "}";
  ZEN_EXPECT_ERROR(openHeader(header, kTwoFloats), ZEN_STATUS_INVALID_FORMAT,
                   "tensors 'a' (bytes [0, 8)) and 'b' (bytes [4, 8)) overlap");
  // Two names for the same bytes.
  std::string alias = "{\"a\":" + entry("F32", "[2]", 0, 8) +
                      ",\"b\":" + entry("F32", "[2]", 0, 8) + "}";
  ZEN_EXPECT_ERROR(openHeader(alias, kTwoFloats), ZEN_STATUS_INVALID_FORMAT,
                   "tensors 'a' (bytes [0, 8)) and 'b' (bytes [0, 8)) overlap");
}

TEST_F(SafetensorsReadTest, HolesAndTrailingBytes) {
  std::string header = "{\"a\":" + entry("F32", "[1]", 0, 4) +
                       ",\"b\":" + entry("F32", "[1]", 8, 12) + "}";
  ZEN_EXPECT_ERROR(openHeader(header, kTwoFloats + le(0.0f)),
                   ZEN_STATUS_INVALID_FORMAT,
                   "bytes [4, 8) of the data section belong to no tensor "
                   "(before 'b')");
  ZEN_EXPECT_ERROR(openHeader("{\"a\":" + entry("F32", "[1]", 0, 4) + "}", kTwoFloats),
                   ZEN_STATUS_INVALID_FORMAT,
                   "the data section is 8 bytes but its tensors cover only 4");
  ZEN_EXPECT_ERROR(openHeader("{}", "x"), ZEN_STATUS_INVALID_FORMAT,
                   "the data section is 1 bytes but its tensors cover only 0");
}

TEST_F(SafetensorsReadTest, EmptyTensorsMayShareAnOffset) {
  std::string header = "{\"a\":" + entry("F32", "[0]", 0, 0) +
                       ",\"b\":" + entry("F32", "[2]", 0, 8) +
                       ",\"c\":" + entry("F16", "[3, 0]", 8, 8) + "}";
  ZEN_EXPECT_OK(openHeader(header, kTwoFloats));
}

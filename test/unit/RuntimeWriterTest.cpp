//===- RuntimeWriterTest.cpp - Writing safetensors files atomically -------===//

#include "RuntimeTestUtil.h"

#include <csignal>
#include <sys/resource.h>

using namespace zen::test;

namespace {

/// Owns a writer.
struct Writer {
  zen_safetensors_writer_t *w = nullptr;
  Writer() {
    zen_status_t s = zen_safetensors_writer_create(&w);
    EXPECT_EQ(s, nullptr);
    zen_status_free(s);
  }
  ~Writer() { zen_safetensors_writer_free(w); }
};

/// Owns an open checkpoint.
struct Reader {
  zen_safetensors_t *r = nullptr;
  explicit Reader(const std::string &path) {
    Status s(zen_safetensors_open(path.c_str(), &r));
    EXPECT_TRUE(s.ok()) << s.message();
  }
  ~Reader() { zen_safetensors_close(r); }
};

} // namespace

TEST(SafetensorsWriterTest, RoundTripsEveryDTypeAndMetadata) {
  TempDir dir;
  std::vector<float> f32 = {1.5f, -2.25f, 3.0f, 0.0f, -0.0f, 1e-30f};
  std::vector<uint16_t> bf16 = {0x3F80, 0xBF80, 0x7F80};
  std::vector<uint16_t> f16 = {0x3C00, 0x0001, 0xFC00, 0x7BFF};
  std::vector<int64_t> i64 = {-1, int64_t(1) << 40};
  std::vector<int32_t> i32 = {7};
  int64_t s23[] = {2, 3}, s3[] = {3}, s4[] = {4}, s2[] = {2}, s05[] = {0, 5};

  Writer w;
  ZEN_ASSERT_OK(zen_safetensors_writer_add_tensor(w.w, "z.f32", ZEN_DTYPE_F32, 2, s23,
                                                  f32.data(), 24));
  ZEN_ASSERT_OK(zen_safetensors_writer_add_tensor(w.w, "b.bf16", ZEN_DTYPE_BF16, 1, s3,
                                                  bf16.data(), 6));
  ZEN_ASSERT_OK(zen_safetensors_writer_add_tensor(w.w, "c.f16", ZEN_DTYPE_F16, 1, s4,
                                                  f16.data(), 8));
  ZEN_ASSERT_OK(zen_safetensors_writer_add_tensor(w.w, "a.i64", ZEN_DTYPE_I64, 1, s2,
                                                  i64.data(), 16));
  ZEN_ASSERT_OK(zen_safetensors_writer_add_tensor(w.w, "scalar.i32", ZEN_DTYPE_I32, 0,
                                                  nullptr, i32.data(), 4));
  ZEN_ASSERT_OK(zen_safetensors_writer_add_tensor(w.w, "empty", ZEN_DTYPE_F32, 2, s05,
                                                  nullptr, 0));
  ZEN_ASSERT_OK(zen_safetensors_writer_add_tensor(
      w.w, "model.layers.0.\xc3\xbc\"quoted\"", ZEN_DTYPE_BF16, 1, s3, bf16.data(), 6));
  ZEN_ASSERT_OK(zen_safetensors_writer_add_metadata(w.w, "format", "pt"));
  ZEN_ASSERT_OK(zen_safetensors_writer_add_metadata(w.w, "note",
                                                    "a \"quote\", a \\ and a\nnewline\t\x01"));
  std::string path = dir.file("out.safetensors");
  ZEN_ASSERT_OK(zen_safetensors_writer_write(w.w, path.c_str()));
  EXPECT_EQ(dir.list(), std::vector<std::string>{"out.safetensors"});

  // The header is padded so the data section starts 8-byte aligned.
  std::string bytes = readBytes(path);
  uint64_t headerSize;
  std::memcpy(&headerSize, bytes.data(), 8);
  EXPECT_EQ(headerSize % 8, 0u);

  Reader r(path);
  size_t count = 0;
  ZEN_ASSERT_OK(zen_safetensors_count(r.r, &count));
  ASSERT_EQ(count, 7u);
  auto expectBytes = [&](const char *name, zen_dtype_t dtype,
                         std::vector<int64_t> shape, const void *expected,
                         size_t size) {
    size_t index;
    ZEN_ASSERT_OK(zen_safetensors_find(r.r, name, &index));
    zen_tensor_info_t info;
    ZEN_ASSERT_OK(zen_safetensors_info(r.r, index, &info));
    EXPECT_EQ(info.dtype, dtype) << name;
    EXPECT_EQ(std::vector<int64_t>(info.shape, info.shape + info.rank), shape) << name;
    const void *data;
    uint64_t n;
    ZEN_ASSERT_OK(zen_safetensors_data(r.r, index, &data, &n));
    ASSERT_EQ(n, size) << name;
    if (size)
      EXPECT_EQ(std::memcmp(data, expected, size), 0) << name;
    // Zen's layout aligns every tensor to its element size.
    EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % zen_dtype_size(dtype), 0u) << name;
  };
  expectBytes("z.f32", ZEN_DTYPE_F32, {2, 3}, f32.data(), 24);
  expectBytes("b.bf16", ZEN_DTYPE_BF16, {3}, bf16.data(), 6);
  expectBytes("c.f16", ZEN_DTYPE_F16, {4}, f16.data(), 8);
  expectBytes("a.i64", ZEN_DTYPE_I64, {2}, i64.data(), 16);
  expectBytes("scalar.i32", ZEN_DTYPE_I32, {}, i32.data(), 4);
  expectBytes("empty", ZEN_DTYPE_F32, {0, 5}, nullptr, 0);
  expectBytes("model.layers.0.\xc3\xbc\"quoted\"", ZEN_DTYPE_BF16, {3}, bf16.data(), 6);
  const char *value;
  ZEN_ASSERT_OK(zen_safetensors_metadata_get(r.r, "note", &value));
  EXPECT_STREQ(value, "a \"quote\", a \\ and a\nnewline\t\x01");
}

TEST(SafetensorsWriterTest, EmptyFileAndRewrite) {
  TempDir dir;
  Writer w;
  std::string path = dir.file("empty.safetensors");
  ZEN_ASSERT_OK(zen_safetensors_writer_write(w.w, path.c_str()));
  EXPECT_EQ(readBytes(path), safetensorsBytes("{}      "));
  {
    Reader r(path);
    size_t count = 1;
    ZEN_ASSERT_OK(zen_safetensors_count(r.r, &count));
    EXPECT_EQ(count, 0u);
  }
  // Writing again replaces the file with the new contents.
  float v = 4.0f;
  ZEN_ASSERT_OK(zen_safetensors_writer_add_tensor(w.w, "v", ZEN_DTYPE_F32, 0, nullptr,
                                                  &v, 4));
  ZEN_ASSERT_OK(zen_safetensors_writer_write(w.w, path.c_str()));
  Reader r(path);
  float got = 0;
  ZEN_ASSERT_OK(zen_safetensors_read_f32(r.r, 0, &got, 1));
  EXPECT_EQ(got, 4.0f);
  EXPECT_EQ(dir.list(), std::vector<std::string>{"empty.safetensors"});
}

TEST(SafetensorsWriterTest, RejectsBadTensors) {
  Writer w;
  float data[6] = {};
  int64_t shape[] = {2, 3};
  int64_t negative[] = {2, -3};
  int64_t huge[] = {int64_t(1) << 62, 8};
  ZEN_ASSERT_OK(zen_safetensors_writer_add_tensor(w.w, "w", ZEN_DTYPE_F32, 2, shape,
                                                  data, 24));
  ZEN_EXPECT_ERROR(zen_safetensors_writer_add_tensor(w.w, "w", ZEN_DTYPE_F32, 2, shape,
                                                     data, 24),
                   ZEN_STATUS_INVALID_ARGUMENT, "tensor 'w' added twice");
  ZEN_EXPECT_ERROR(zen_safetensors_writer_add_tensor(w.w, "x", ZEN_DTYPE_F32, 2, shape,
                                                     data, 20),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "tensor 'x': F32 shape [2, 3] needs 24 bytes, but 20 were given");
  ZEN_EXPECT_ERROR(zen_safetensors_writer_add_tensor(w.w, "x", ZEN_DTYPE_F32, 2,
                                                     negative, data, 24),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "tensor 'x': shape[1] is -3; dimensions must be non-negative");
  ZEN_EXPECT_ERROR(zen_safetensors_writer_add_tensor(w.w, "x", ZEN_DTYPE_F32, 2, huge,
                                                     data, 0),
                   ZEN_STATUS_INVALID_ARGUMENT, "is too large");
  ZEN_EXPECT_ERROR(zen_safetensors_writer_add_tensor(w.w, "x", ZEN_DTYPE_INVALID, 2,
                                                     shape, data, 24),
                   ZEN_STATUS_INVALID_ARGUMENT, "tensor 'x': invalid dtype 0");
  ZEN_EXPECT_ERROR(zen_safetensors_writer_add_tensor(w.w, "x", ZEN_DTYPE_F32, 2, shape,
                                                     nullptr, 24),
                   ZEN_STATUS_INVALID_ARGUMENT, "tensor 'x': data is NULL");
  ZEN_EXPECT_ERROR(zen_safetensors_writer_add_tensor(w.w, "x", ZEN_DTYPE_F32, -1, shape,
                                                     data, 24),
                   ZEN_STATUS_INVALID_ARGUMENT, "rank is -1");
  ZEN_EXPECT_ERROR(zen_safetensors_writer_add_tensor(w.w, "x", ZEN_DTYPE_F32, 2, nullptr,
                                                     data, 24),
                   ZEN_STATUS_INVALID_ARGUMENT, "shape is NULL");
  ZEN_EXPECT_ERROR(zen_safetensors_writer_add_tensor(w.w, "", ZEN_DTYPE_F32, 2, shape,
                                                     data, 24),
                   ZEN_STATUS_INVALID_ARGUMENT, "tensor name is empty");
  ZEN_EXPECT_ERROR(zen_safetensors_writer_add_tensor(w.w, "__metadata__", ZEN_DTYPE_F32,
                                                     2, shape, data, 24),
                   ZEN_STATUS_INVALID_ARGUMENT, "'__metadata__' is reserved");
  ZEN_EXPECT_ERROR(zen_safetensors_writer_add_tensor(w.w, "bad\xff", ZEN_DTYPE_F32, 2,
                                                     shape, data, 24),
                   ZEN_STATUS_INVALID_ARGUMENT, "is not valid UTF-8");
  ZEN_EXPECT_ERROR(zen_safetensors_writer_add_tensor(nullptr, "x", ZEN_DTYPE_F32, 2,
                                                     shape, data, 24),
                   ZEN_STATUS_INVALID_ARGUMENT, "writer is NULL");
  ZEN_ASSERT_OK(zen_safetensors_writer_add_metadata(w.w, "k", "v"));
  ZEN_EXPECT_ERROR(zen_safetensors_writer_add_metadata(w.w, "k", "w"),
                   ZEN_STATUS_INVALID_ARGUMENT, "metadata key 'k' added twice");
  ZEN_EXPECT_ERROR(zen_safetensors_writer_add_metadata(w.w, "j", "\xc0\x80"),
                   ZEN_STATUS_INVALID_ARGUMENT, "not valid UTF-8");
  ZEN_EXPECT_ERROR(zen_safetensors_writer_create(nullptr), ZEN_STATUS_INVALID_ARGUMENT,
                   "out is NULL");
}

// --- Atomicity ---------------------------------------------------------------

TEST(SafetensorsWriterTest, MissingDirectoryLeavesNothing) {
  TempDir dir;
  Writer w;
  std::string path = dir.file("no/such/dir/x.safetensors");
  ZEN_EXPECT_ERROR(zen_safetensors_writer_write(w.w, path.c_str()),
                   ZEN_STATUS_NOT_FOUND, path + ": cannot create a temporary file");
  EXPECT_TRUE(dir.list().empty());
}

TEST(SafetensorsWriterTest, FailedRenameRemovesTheTemporary) {
  TempDir dir;
  ::mkdir(dir.file("target").c_str(), 0700);
  ::mkdir(dir.file("target/inside").c_str(), 0700);
  Writer w;
  // rename() cannot replace a non-empty directory.
  ZEN_EXPECT_ERROR(zen_safetensors_writer_write(w.w, dir.file("target").c_str()),
                   ZEN_STATUS_IO_ERROR, "rename from");
  EXPECT_EQ(dir.list(), std::vector<std::string>{"target"});
}

TEST(SafetensorsWriterTest, UnwritableLocation) {
  // A path below a regular file cannot be created, for root too (unlike a
  // read-only directory, which root may write into).
  TempDir dir;
  writeBytes(dir.file("plain"), "not a directory");
  Writer w;
  ZEN_EXPECT_ERROR(
      zen_safetensors_writer_write(w.w, dir.file("plain/x.safetensors").c_str()),
      ZEN_STATUS_IO_ERROR, "Not a directory");
  EXPECT_EQ(dir.list(), std::vector<std::string>{"plain"});
}

TEST(SafetensorsWriterTest, FailedWriteKeepsTheOldFile) {
  TempDir dir;
  std::string path = dir.file("ckpt.safetensors");
  std::string old = safetensorsBytes("{}      ");
  writeBytes(path, old);

  // Make write() fail part way with EFBIG by capping the file size; the
  // default SIGXFSZ action would kill the test instead.
  std::vector<float> big(1 << 16, 1.0f);
  int64_t shape[] = {int64_t(big.size())};
  Writer w;
  ZEN_ASSERT_OK(zen_safetensors_writer_add_tensor(w.w, "big", ZEN_DTYPE_F32, 1, shape,
                                                  big.data(), big.size() * 4));
  struct sigaction ignore = {}, previous;
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGXFSZ, &ignore, &previous);
  rlimit saved;
  ::getrlimit(RLIMIT_FSIZE, &saved);
  rlimit capped = saved;
  capped.rlim_cur = 4096;
  ::setrlimit(RLIMIT_FSIZE, &capped);
  Status status(zen_safetensors_writer_write(w.w, path.c_str()));
  ::setrlimit(RLIMIT_FSIZE, &saved);
  ::sigaction(SIGXFSZ, &previous, nullptr);

  EXPECT_EQ(status.code(), ZEN_STATUS_IO_ERROR) << status.message();
  EXPECT_NE(status.message().find(path + ": write failed"), std::string::npos)
      << status.message();
  EXPECT_EQ(readBytes(path), old);
  EXPECT_EQ(dir.list(), std::vector<std::string>{"ckpt.safetensors"});
}

TEST(SafetensorsWriterTest, PathMustNameAFile) {
  Writer w;
  ZEN_EXPECT_ERROR(zen_safetensors_writer_write(w.w, ""), ZEN_STATUS_INVALID_ARGUMENT,
                   "is not a file path");
  ZEN_EXPECT_ERROR(zen_safetensors_writer_write(w.w, "/tmp/"),
                   ZEN_STATUS_INVALID_ARGUMENT, "is not a file path");
  ZEN_EXPECT_ERROR(zen_safetensors_writer_write(w.w, nullptr),
                   ZEN_STATUS_INVALID_ARGUMENT, "path is NULL");
}

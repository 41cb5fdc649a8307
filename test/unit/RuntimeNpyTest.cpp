//===- RuntimeNpyTest.cpp - .npy read/write -------------------------------===//

#include "RuntimeTestUtil.h"

using namespace zen::test;

namespace {

/// A .npy image with `dict` as the header (padded to 64 like numpy unless
/// `pad` is false) and `data` after it.
std::string npyBytes(const std::string &dict, const std::string &data,
                     int major = 1, bool pad = true) {
  size_t lengthSize = major == 1 ? 2 : 4;
  std::string header = dict;
  if (pad) {
    size_t total = 8 + lengthSize + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
  }
  header += '\n';
  std::string out = "\x93NUMPY";
  out += char(major);
  out += '\0';
  if (lengthSize == 2)
    out += le<uint16_t>(uint16_t(header.size()));
  else
    out += le<uint32_t>(uint32_t(header.size()));
  return out + header + data;
}

class NpyTest : public ::testing::Test {
protected:
  TempDir dir;

  zen_status_t readBytesAsNpy(const std::string &bytes, zen_npy_array_t &out) {
    writeBytes(dir.file("a.npy"), bytes);
    return zen_npy_read(dir.file("a.npy").c_str(), &out);
  }
  zen_status_t read(const std::string &bytes) {
    zen_npy_array_t out{};
    zen_status_t s = readBytesAsNpy(bytes, out);
    EXPECT_EQ(s != nullptr, out.data == nullptr);
    zen_npy_array_release(&out);
    return s;
  }
};

const std::string kF32x2 = le(1.0f) + le(2.0f);

} // namespace

TEST_F(NpyTest, RoundTripsEachDTypeAndRank) {
  std::vector<float> f = {1.5f, -2.0f, 3.25f, 0.0f, 5.0f, 6.0f};
  std::vector<int64_t> ids = {151643, 0, -1, int64_t(1) << 40};
  std::vector<int32_t> mask = {1, 1, 0};
  int64_t s23[] = {2, 3}, s4[] = {1, 4, 1}, s3[] = {3}, s0[] = {0, 7};
  struct Case {
    zen_dtype_t dtype;
    int32_t rank;
    const int64_t *shape;
    const void *data;
    size_t bytes;
  } cases[] = {{ZEN_DTYPE_F32, 2, s23, f.data(), 24},
               {ZEN_DTYPE_I64, 3, s4, ids.data(), 32},
               {ZEN_DTYPE_I32, 1, s3, mask.data(), 12},
               {ZEN_DTYPE_F32, 0, nullptr, f.data(), 4},
               {ZEN_DTYPE_I64, 2, s0, nullptr, 0}};
  for (const Case &c : cases) {
    std::string path = dir.file("x.npy");
    ZEN_ASSERT_OK(zen_npy_write(path.c_str(), c.dtype, c.rank, c.shape, c.data));
    std::string bytes = readBytes(path);
    uint16_t headerLength;
    std::memcpy(&headerLength, bytes.data() + 8, 2);
    EXPECT_EQ(bytes[6], 1); // version 1.0
    EXPECT_EQ((10 + headerLength) % 64, 0u);
    EXPECT_EQ(bytes[10 + headerLength - 1], '\n');

    zen_npy_array_t a{};
    ZEN_ASSERT_OK(zen_npy_read(path.c_str(), &a));
    EXPECT_EQ(a.dtype, c.dtype);
    ASSERT_EQ(a.rank, c.rank);
    for (int i = 0; i < c.rank; ++i)
      EXPECT_EQ(a.shape[i], c.shape[i]);
    for (int i = c.rank; i < ZEN_NPY_MAX_RANK; ++i)
      EXPECT_EQ(a.shape[i], 0);
    EXPECT_EQ(a.num_elements * zen_dtype_size(c.dtype), c.bytes);
    ASSERT_NE(a.data, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(a.data) % 64, 0u);
    if (c.bytes)
      EXPECT_EQ(std::memcmp(a.data, c.data, c.bytes), 0);
    zen_npy_array_release(&a);
    EXPECT_EQ(a.data, nullptr);
    EXPECT_EQ(dir.list(), std::vector<std::string>{"x.npy"});
  }
  zen_npy_array_release(nullptr);
}

TEST_F(NpyTest, ExactHeaderText) {
  int64_t shape[] = {5};
  int32_t data[5] = {};
  ZEN_ASSERT_OK(zen_npy_write(dir.file("v.npy").c_str(), ZEN_DTYPE_I32, 1, shape, data));
  std::string bytes = readBytes(dir.file("v.npy"));
  EXPECT_EQ(bytes.substr(10, 57),
            "{'descr': '<i4', 'fortran_order': False, 'shape': (5,), }");
}

TEST_F(NpyTest, AcceptsOtherWritersSpellings) {
  zen_npy_array_t a{};
  // Version 2.0 and 3.0, double quotes, no trailing comma, no padding.
  for (int major : {2, 3}) {
    ZEN_ASSERT_OK(readBytesAsNpy(
        npyBytes("{\"shape\": (2,), \"fortran_order\": False, \"descr\": \"<f4\"}",
                 kF32x2, major, false),
        a));
    EXPECT_EQ(a.shape[0], 2);
    EXPECT_EQ(static_cast<float *>(a.data)[1], 2.0f);
    zen_npy_array_release(&a);
  }
  // A 1-d array is also Fortran-contiguous.
  ZEN_ASSERT_OK(readBytesAsNpy(
      npyBytes("{'descr':'<f4','fortran_order':True,'shape':(2,)}", kF32x2), a));
  zen_npy_array_release(&a);
  // Scalar.
  ZEN_ASSERT_OK(readBytesAsNpy(
      npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (), }", le<int64_t>(9)),
      a));
  EXPECT_EQ(a.rank, 0);
  EXPECT_EQ(a.num_elements, 1u);
  zen_npy_array_release(&a);
}

TEST_F(NpyTest, RejectsBadMagicAndVersion) {
  ZEN_EXPECT_ERROR(read("PK\x03\x04 zip file"), ZEN_STATUS_INVALID_FORMAT,
                   dir.file("a.npy") + ": not a .npy file (missing the \\x93NUMPY magic)");
  ZEN_EXPECT_ERROR(read(""), ZEN_STATUS_INVALID_FORMAT, "missing the \\x93NUMPY magic");
  std::string v4 = npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                            kF32x2);
  v4[6] = 4;
  ZEN_EXPECT_ERROR(read(v4), ZEN_STATUS_UNSUPPORTED,
                   ".npy format version 4.0 is not supported");
  ZEN_EXPECT_ERROR(read(std::string("\x93NUMPY\x01\x00\x05", 9)),
                   ZEN_STATUS_INVALID_FORMAT, "file ends inside the .npy header length");
  ZEN_EXPECT_ERROR(read(std::string("\x93NUMPY\x01\x00", 8) + le<uint16_t>(500) + "{}"),
                   ZEN_STATUS_INVALID_FORMAT,
                   "header length 500 extends beyond the end of the file");
}

TEST_F(NpyTest, RejectsMalformedDictionaries) {
  auto withDict = [&](const std::string &dict) { return read(npyBytes(dict, kF32x2)); };
  ZEN_EXPECT_ERROR(withDict("descr: '<f4'"), ZEN_STATUS_INVALID_FORMAT,
                   "malformed header dictionary: expected '{' at header byte 0");
  ZEN_EXPECT_ERROR(withDict("{'descr' '<f4'}"), ZEN_STATUS_INVALID_FORMAT,
                   "expected ':' after key 'descr'");
  ZEN_EXPECT_ERROR(withDict("{'descr': '<f4', 'fortran_order': False}"),
                   ZEN_STATUS_INVALID_FORMAT, "header dictionary lacks 'shape'");
  ZEN_EXPECT_ERROR(withDict("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), "
                            "'extra': True}"),
                   ZEN_STATUS_INVALID_FORMAT, "keys other than");
  ZEN_EXPECT_ERROR(withDict("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, "
                            "'shape': (2,)}"),
                   ZEN_STATUS_INVALID_FORMAT, "duplicate key 'descr'");
  ZEN_EXPECT_ERROR(withDict("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}"),
                   ZEN_STATUS_INVALID_FORMAT, "expected a string, True, False or a tuple");
  ZEN_EXPECT_ERROR(withDict("{'descr': '<f4', 'fortran_order': 'no', 'shape': (2,)}"),
                   ZEN_STATUS_INVALID_FORMAT, "'fortran_order' must be True or False");
  ZEN_EXPECT_ERROR(withDict("{'descr': '<f4', 'fortran_order': False, 'shape': 'x'}"),
                   ZEN_STATUS_INVALID_FORMAT, "'shape' must be a tuple of integers");
  ZEN_EXPECT_ERROR(withDict("{'descr': '<f4', 'fortran_order': False, 'shape': (2)}"),
                   ZEN_STATUS_INVALID_FORMAT, "a one-element shape needs a trailing comma");
  ZEN_EXPECT_ERROR(withDict("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}"),
                   ZEN_STATUS_INVALID_FORMAT, "shape entries must be non-negative integers");
  ZEN_EXPECT_ERROR(withDict("{'descr': '<f4', 'fortran_order': False, "
                            "'shape': (99999999999999999999,)}"),
                   ZEN_STATUS_INVALID_FORMAT, "does not fit in 63 bits");
  ZEN_EXPECT_ERROR(withDict("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x"),
                   ZEN_STATUS_INVALID_FORMAT, "unexpected text after the dictionary");
  ZEN_EXPECT_ERROR(withDict("{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}"),
                   ZEN_STATUS_INVALID_FORMAT, "malformed header dictionary");
}

TEST_F(NpyTest, RejectsUnsupportedArrays) {
  auto withDescr = [&](const std::string &descr, const std::string &order = "False",
                       const std::string &shape = "(2,)") {
    return read(npyBytes("{'descr': " + descr + ", 'fortran_order': " + order +
                             ", 'shape': " + shape + ", }",
                         kF32x2));
  };
  ZEN_EXPECT_ERROR(withDescr("'<f8'"), ZEN_STATUS_UNSUPPORTED,
                   "dtype '<f8' is not supported (Zen reads float32 '<f4', int64 "
                   "'<i8' and int32 '<i4')");
  ZEN_EXPECT_ERROR(withDescr("'|u1'"), ZEN_STATUS_UNSUPPORTED, "dtype '|u1'");
  ZEN_EXPECT_ERROR(withDescr("'>f4'"), ZEN_STATUS_UNSUPPORTED,
                   "big-endian data ('>f4') is not supported");
  ZEN_EXPECT_ERROR(withDescr("('a', '<f4')"), ZEN_STATUS_INVALID_FORMAT,
                   "malformed header dictionary");
  ZEN_EXPECT_ERROR(withDescr("'<f4'", "True", "(1, 2)"), ZEN_STATUS_UNSUPPORTED,
                   "Fortran-order arrays are not supported");
  ZEN_EXPECT_ERROR(withDescr("'<f4'", "False", "(1, 1, 1, 1, 1, 1, 1, 1, 2)"),
                   ZEN_STATUS_UNSUPPORTED, "rank 9 is above the supported maximum of 8");
}

TEST_F(NpyTest, RejectsWrongDataSizes) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
  ZEN_EXPECT_ERROR(read(npyBytes(dict, kF32x2)), ZEN_STATUS_INVALID_FORMAT,
                   "data is truncated: F32 shape [3] needs 12 bytes, found 8");
  ZEN_EXPECT_ERROR(read(npyBytes(dict, kF32x2 + kF32x2)), ZEN_STATUS_INVALID_FORMAT,
                   "file has 4 trailing bytes after the 12 bytes of array data");
  ZEN_EXPECT_ERROR(read(npyBytes("{'descr': '<i8', 'fortran_order': False, "
                                 "'shape': (4611686018427387904, 4), }",
                                 kF32x2)),
                   ZEN_STATUS_INVALID_FORMAT, "shape is too large");
}

TEST_F(NpyTest, WriteRejectsBadArguments) {
  std::string path = dir.file("w.npy");
  int64_t shape[] = {2};
  int64_t negative[] = {-2};
  float data[2] = {};
  ZEN_EXPECT_ERROR(zen_npy_write(path.c_str(), ZEN_DTYPE_BF16, 1, shape, data),
                   ZEN_STATUS_INVALID_ARGUMENT, ".npy files can hold F32, I64 or I32, not BF16");
  ZEN_EXPECT_ERROR(zen_npy_write(path.c_str(), ZEN_DTYPE_F32, 9, shape, data),
                   ZEN_STATUS_INVALID_ARGUMENT, "rank is 9; must be in [0, 8]");
  ZEN_EXPECT_ERROR(zen_npy_write(path.c_str(), ZEN_DTYPE_F32, 1, negative, data),
                   ZEN_STATUS_INVALID_ARGUMENT, "shape[0] is -2");
  ZEN_EXPECT_ERROR(zen_npy_write(path.c_str(), ZEN_DTYPE_F32, 1, shape, nullptr),
                   ZEN_STATUS_INVALID_ARGUMENT, "data is NULL");
  ZEN_EXPECT_ERROR(zen_npy_write(path.c_str(), ZEN_DTYPE_F32, 1, nullptr, data),
                   ZEN_STATUS_INVALID_ARGUMENT, "shape is NULL");
  ZEN_EXPECT_ERROR(zen_npy_write(nullptr, ZEN_DTYPE_F32, 1, shape, data),
                   ZEN_STATUS_INVALID_ARGUMENT, "path is NULL");
  ZEN_EXPECT_ERROR(zen_npy_write(dir.file("missing/w.npy").c_str(), ZEN_DTYPE_F32, 1,
                                 shape, data),
                   ZEN_STATUS_NOT_FOUND, "cannot create a temporary file");
  zen_npy_array_t a;
  ZEN_EXPECT_ERROR(zen_npy_read(dir.file("missing.npy").c_str(), &a),
                   ZEN_STATUS_NOT_FOUND, dir.file("missing.npy"));
  EXPECT_TRUE(dir.list().empty());
}

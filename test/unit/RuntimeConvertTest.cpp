//===- RuntimeConvertTest.cpp - bf16/f16 <-> f32 conversions --------------===//
//
// Known bit patterns, plus exhaustive checks of every 16-bit pattern against
// the defining formula (computed with ldexp, independent of the bit tricks in
// DType.cpp).
//
//===----------------------------------------------------------------------===//

#include "RuntimeTestUtil.h"

#include <cmath>

using namespace zen::test;

namespace {

uint32_t bitsOf(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}
float fromBits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

float toF32(zen_dtype_t dtype, uint16_t bits) {
  float out = -12345.0f;
  Status s(zen_convert_to_f32(dtype, &bits, &out, 1));
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

uint16_t fromF32(zen_dtype_t dtype, float value) {
  uint16_t out = 0xDEAD;
  Status s(zen_convert_from_f32(dtype, &value, &out, 1));
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

/// The value an IEEE binary16 pattern denotes, from the definition.
double f16Value(uint16_t h) {
  int sign = h >> 15, exponent = (h >> 10) & 31, mantissa = h & 1023;
  double magnitude;
  if (exponent == 0)
    magnitude = std::ldexp(double(mantissa), -24);
  else if (exponent == 31)
    magnitude = mantissa ? NAN : INFINITY;
  else
    magnitude = std::ldexp(1.0 + mantissa / 1024.0, exponent - 15);
  return sign ? -magnitude : magnitude;
}

} // namespace

TEST(ConvertTest, BF16KnownPatterns) {
  EXPECT_EQ(toF32(ZEN_DTYPE_BF16, 0x3F80), 1.0f);
  EXPECT_EQ(toF32(ZEN_DTYPE_BF16, 0xC000), -2.0f);
  EXPECT_EQ(toF32(ZEN_DTYPE_BF16, 0x4049), 3.140625f);
  EXPECT_EQ(toF32(ZEN_DTYPE_BF16, 0x7F7F), 3.3895313892515355e38f); // max finite
  EXPECT_EQ(toF32(ZEN_DTYPE_BF16, 0x0001), std::ldexp(1.0f, -133));  // min subnormal
  EXPECT_EQ(toF32(ZEN_DTYPE_BF16, 0x7F80), INFINITY);
  EXPECT_EQ(toF32(ZEN_DTYPE_BF16, 0xFF80), -INFINITY);
  EXPECT_EQ(bitsOf(toF32(ZEN_DTYPE_BF16, 0x8000)), 0x80000000u); // -0
  EXPECT_TRUE(std::isnan(toF32(ZEN_DTYPE_BF16, 0x7FC0)));
  EXPECT_EQ(bitsOf(toF32(ZEN_DTYPE_BF16, 0x7F81)), 0x7F810000u); // payload kept
}

TEST(ConvertTest, F16KnownPatterns) {
  EXPECT_EQ(toF32(ZEN_DTYPE_F16, 0x3C00), 1.0f);
  EXPECT_EQ(toF32(ZEN_DTYPE_F16, 0xC000), -2.0f);
  EXPECT_EQ(toF32(ZEN_DTYPE_F16, 0x3555), 0.333251953125f);
  EXPECT_EQ(toF32(ZEN_DTYPE_F16, 0x7BFF), 65504.0f);
  EXPECT_EQ(toF32(ZEN_DTYPE_F16, 0x0400), std::ldexp(1.0f, -14)); // min normal
  EXPECT_EQ(toF32(ZEN_DTYPE_F16, 0x03FF), std::ldexp(1023.0f, -24));
  EXPECT_EQ(toF32(ZEN_DTYPE_F16, 0x0001), std::ldexp(1.0f, -24)); // min subnormal
  EXPECT_EQ(toF32(ZEN_DTYPE_F16, 0x8001), -std::ldexp(1.0f, -24));
  EXPECT_EQ(toF32(ZEN_DTYPE_F16, 0x7C00), INFINITY);
  EXPECT_EQ(toF32(ZEN_DTYPE_F16, 0xFC00), -INFINITY);
  EXPECT_EQ(bitsOf(toF32(ZEN_DTYPE_F16, 0x8000)), 0x80000000u);
  EXPECT_EQ(bitsOf(toF32(ZEN_DTYPE_F16, 0x7E00)), 0x7FC00000u);
  EXPECT_EQ(bitsOf(toF32(ZEN_DTYPE_F16, 0x7C01)), 0x7F802000u); // signalling payload
}

TEST(ConvertTest, EveryF16PatternMatchesTheDefinition) {
  std::vector<uint16_t> all(65536);
  for (uint32_t i = 0; i < 65536; ++i)
    all[i] = uint16_t(i);
  std::vector<float> wide(65536);
  ZEN_ASSERT_OK(zen_convert_to_f32(ZEN_DTYPE_F16, all.data(), wide.data(), 65536));
  for (uint32_t i = 0; i < 65536; ++i) {
    double expected = f16Value(uint16_t(i));
    if (std::isnan(expected)) {
      ASSERT_TRUE(std::isnan(wide[i])) << std::hex << i;
      continue;
    }
    ASSERT_EQ(double(wide[i]), expected) << std::hex << i;
    ASSERT_EQ(std::signbit(wide[i]), bool(i & 0x8000)) << std::hex << i;
    // Narrowing an exactly representable value gives the pattern back.
    ASSERT_EQ(fromF32(ZEN_DTYPE_F16, wide[i]), i) << std::hex << i;
  }
}

TEST(ConvertTest, EveryBF16PatternWidensToTheTopHalf) {
  for (uint32_t i = 0; i < 65536; ++i) {
    float f = toF32(ZEN_DTYPE_BF16, uint16_t(i));
    ASSERT_EQ(bitsOf(f), i << 16) << std::hex << i;
    if (!std::isnan(f))
      ASSERT_EQ(fromF32(ZEN_DTYPE_BF16, f), i) << std::hex << i;
  }
}

TEST(ConvertTest, F16RoundsToNearestEven) {
  // Midpoints between neighbours round to the even pattern; anything off the
  // midpoint rounds to the nearer neighbour. Covers subnormals too.
  for (uint32_t h = 0; h < 0x7BFF; ++h) {
    float lo = float(f16Value(uint16_t(h))), hi = float(f16Value(uint16_t(h + 1)));
    float mid = float((double(lo) + double(hi)) / 2); // exact in f32
    uint16_t even = (h & 1) ? uint16_t(h + 1) : uint16_t(h);
    ASSERT_EQ(fromF32(ZEN_DTYPE_F16, mid), even) << std::hex << h;
    ASSERT_EQ(fromF32(ZEN_DTYPE_F16, std::nextafter(mid, 0.0f)), h) << std::hex << h;
    ASSERT_EQ(fromF32(ZEN_DTYPE_F16, std::nextafter(mid, INFINITY)), h + 1)
        << std::hex << h;
    ASSERT_EQ(fromF32(ZEN_DTYPE_F16, -mid), even | 0x8000) << std::hex << h;
  }
}

TEST(ConvertTest, F16Boundaries) {
  EXPECT_EQ(fromF32(ZEN_DTYPE_F16, 65504.0f), 0x7BFF);
  EXPECT_EQ(fromF32(ZEN_DTYPE_F16, 65519.99f), 0x7BFF);
  EXPECT_EQ(fromF32(ZEN_DTYPE_F16, 65520.0f), 0x7C00); // rounds up to inf
  EXPECT_EQ(fromF32(ZEN_DTYPE_F16, 1e9f), 0x7C00);
  EXPECT_EQ(fromF32(ZEN_DTYPE_F16, -1e9f), 0xFC00);
  EXPECT_EQ(fromF32(ZEN_DTYPE_F16, INFINITY), 0x7C00);
  EXPECT_EQ(fromF32(ZEN_DTYPE_F16, std::ldexp(1.0f, -25)), 0x0000); // tie -> even 0
  EXPECT_EQ(fromF32(ZEN_DTYPE_F16, std::nextafter(std::ldexp(1.0f, -25), 1.0f)), 0x0001);
  EXPECT_EQ(fromF32(ZEN_DTYPE_F16, 3 * std::ldexp(1.0f, -25)), 0x0002); // 1.5 -> 2
  EXPECT_EQ(fromF32(ZEN_DTYPE_F16, std::ldexp(1.0f, -14) - std::ldexp(1.0f, -25)),
            0x0400); // largest subnormal + half -> min normal
  EXPECT_EQ(fromF32(ZEN_DTYPE_F16, 1e-8f), 0x0000);
  EXPECT_EQ(fromF32(ZEN_DTYPE_F16, -1e-8f), 0x8000);
  EXPECT_EQ(fromF32(ZEN_DTYPE_F16, std::ldexp(1.0f, -126)), 0x0000); // f32 subnormal range
  EXPECT_EQ(fromF32(ZEN_DTYPE_F16, fromBits(0x00000001)), 0x0000);
  uint16_t nan = fromF32(ZEN_DTYPE_F16, NAN);
  EXPECT_EQ(nan & 0x7C00, 0x7C00);
  EXPECT_NE(nan & 0x03FF, 0);
  EXPECT_NE(fromF32(ZEN_DTYPE_F16, fromBits(0x7F800001)) & 0x0200, 0); // quietened
}

TEST(ConvertTest, BF16RoundsToNearestEven) {
  EXPECT_EQ(fromF32(ZEN_DTYPE_BF16, 1.0f), 0x3F80);
  EXPECT_EQ(fromF32(ZEN_DTYPE_BF16, fromBits(0x3F808000)), 0x3F80); // tie -> even
  EXPECT_EQ(fromF32(ZEN_DTYPE_BF16, fromBits(0x3F818000)), 0x3F82); // tie -> even
  EXPECT_EQ(fromF32(ZEN_DTYPE_BF16, fromBits(0x3F808001)), 0x3F81);
  EXPECT_EQ(fromF32(ZEN_DTYPE_BF16, fromBits(0x3F807FFF)), 0x3F80);
  EXPECT_EQ(fromF32(ZEN_DTYPE_BF16, fromBits(0x7F7FFFFF)), 0x7F80); // overflow to inf
  EXPECT_EQ(fromF32(ZEN_DTYPE_BF16, -INFINITY), 0xFF80);
  EXPECT_EQ(fromF32(ZEN_DTYPE_BF16, fromBits(0x00008000)), 0x0000); // tie -> even 0
  uint16_t nan = fromF32(ZEN_DTYPE_BF16, fromBits(0x7F800001)); // sNaN, low payload
  EXPECT_EQ(nan & 0x7F80, 0x7F80);
  EXPECT_NE(nan & 0x007F, 0); // still NaN, not inf
}

TEST(ConvertTest, F32CopiesAndRejectsOtherDTypes) {
  float in[3] = {1.0f, -0.0f, NAN}, out[3];
  ZEN_ASSERT_OK(zen_convert_to_f32(ZEN_DTYPE_F32, in, out, 3));
  EXPECT_EQ(std::memcmp(in, out, sizeof in), 0);
  ZEN_ASSERT_OK(zen_convert_from_f32(ZEN_DTYPE_F32, in, out, 3));
  EXPECT_EQ(std::memcmp(in, out, sizeof in), 0);
  int64_t ints[1] = {3};
  ZEN_EXPECT_ERROR(zen_convert_to_f32(ZEN_DTYPE_I64, ints, out, 1),
                   ZEN_STATUS_INVALID_ARGUMENT, "source dtype must be F32, BF16 or F16, not I64");
  ZEN_EXPECT_ERROR(zen_convert_from_f32(ZEN_DTYPE_I32, in, ints, 1),
                   ZEN_STATUS_INVALID_ARGUMENT, "not I32");
  ZEN_EXPECT_ERROR(zen_convert_to_f32(ZEN_DTYPE_F16, nullptr, out, 1),
                   ZEN_STATUS_INVALID_ARGUMENT, "src is NULL");
  ZEN_EXPECT_OK(zen_convert_to_f32(ZEN_DTYPE_F16, nullptr, nullptr, 0));
}

TEST(ConvertTest, UnalignedBuffers) {
  unsigned char buffer[9] = {0, 0x80, 0x3F, 0x00, 0xC0, 0, 0, 0, 0};
  float out[2];
  ZEN_ASSERT_OK(zen_convert_to_f32(ZEN_DTYPE_BF16, buffer + 1, out, 2));
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -2.0f);
}

TEST(DTypeTest, NamesAndSizes) {
  EXPECT_STREQ(zen_dtype_name(ZEN_DTYPE_F32), "F32");
  EXPECT_STREQ(zen_dtype_name(ZEN_DTYPE_BF16), "BF16");
  EXPECT_STREQ(zen_dtype_name(ZEN_DTYPE_F16), "F16");
  EXPECT_STREQ(zen_dtype_name(ZEN_DTYPE_I64), "I64");
  EXPECT_STREQ(zen_dtype_name(ZEN_DTYPE_I32), "I32");
  EXPECT_STREQ(zen_dtype_name(zen_dtype_t(42)), "INVALID");
  EXPECT_EQ(zen_dtype_size(ZEN_DTYPE_F32), 4u);
  EXPECT_EQ(zen_dtype_size(ZEN_DTYPE_BF16), 2u);
  EXPECT_EQ(zen_dtype_size(ZEN_DTYPE_F16), 2u);
  EXPECT_EQ(zen_dtype_size(ZEN_DTYPE_I64), 8u);
  EXPECT_EQ(zen_dtype_size(ZEN_DTYPE_I32), 4u);
  EXPECT_EQ(zen_dtype_size(ZEN_DTYPE_INVALID), 0u);
}

TEST(StatusTest, NullIsSuccess) {
  EXPECT_EQ(zen_status_code(nullptr), ZEN_STATUS_OK);
  EXPECT_STREQ(zen_status_message(nullptr), "ok");
  zen_status_free(nullptr);
  EXPECT_STREQ(zen_status_code_name(ZEN_STATUS_INVALID_FORMAT), "INVALID_FORMAT");
  EXPECT_STREQ(zen_status_code_name(zen_status_code_t(99)), "UNKNOWN");
  EXPECT_STREQ(zen_runtime_version(), "0.1.0");
}

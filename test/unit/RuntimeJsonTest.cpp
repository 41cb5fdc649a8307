//===- RuntimeJsonTest.cpp - The runtime's strict JSON parser -------------===//
//
// Links the runtime's object files directly (the parser is internal and not
// exported from libzenrt).
//
//===----------------------------------------------------------------------===//

#include "Json.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace zen::rt::json;

namespace {

Value parseOk(std::string_view text, const ParseOptions &options = {}) {
  Value v;
  ParseError e;
  EXPECT_TRUE(parse(text, v, e, options)) << text << ": " << e.message << " at "
                                          << e.offset;
  return v;
}

ParseError parseFails(std::string_view text, const ParseOptions &options = {}) {
  Value v;
  ParseError e;
  EXPECT_FALSE(parse(text, v, e, options)) << text;
  return e;
}

} // namespace

TEST(JsonTest, ParsesEveryKind) {
  Value v = parseOk(R"( {"a": [1, -2, 3.5, 1e3, true, false, null, "s"], "b": {}} )");
  ASSERT_EQ(v.kind, Kind::Object);
  ASSERT_EQ(v.members.size(), 2u);
  EXPECT_EQ(v.members[0].key, "a");
  EXPECT_EQ(v.members[0].keyOffset, 2u);
  const Value &a = v.members[0].value;
  ASSERT_EQ(a.kind, Kind::Array);
  ASSERT_EQ(a.items.size(), 8u);
  EXPECT_TRUE(a.items[0].isUInt);
  EXPECT_EQ(a.items[0].uint, 1u);
  EXPECT_FALSE(a.items[1].isUInt);
  EXPECT_EQ(a.items[1].number, -2.0);
  EXPECT_FALSE(a.items[2].isUInt);
  EXPECT_EQ(a.items[2].number, 3.5);
  EXPECT_FALSE(a.items[3].isUInt); // an exponent is not an integer literal
  EXPECT_EQ(a.items[3].number, 1000.0);
  EXPECT_EQ(a.items[3].text, "1e3");
  EXPECT_EQ(a.items[4].kind, Kind::Bool);
  EXPECT_TRUE(a.items[4].boolean);
  EXPECT_FALSE(a.items[5].boolean);
  EXPECT_EQ(a.items[6].kind, Kind::Null);
  EXPECT_EQ(a.items[7].text, "s");
  EXPECT_EQ(a.items[7].offset, 44u);
  EXPECT_EQ(v.find("b")->kind, Kind::Object);
  EXPECT_EQ(v.find("c"), nullptr);
}

TEST(JsonTest, IntegersUpTo64Bits) {
  Value v = parseOk("[18446744073709551615, 18446744073709551616, 0, -0]");
  EXPECT_TRUE(v.items[0].isUInt);
  EXPECT_EQ(v.items[0].uint, 18446744073709551615ull);
  EXPECT_FALSE(v.items[1].isUInt);
  EXPECT_EQ(v.items[1].number, 18446744073709551616.0);
  EXPECT_TRUE(v.items[2].isUInt);
  EXPECT_FALSE(v.items[3].isUInt);
  Value huge = parseOk("[1e999, -1e999, 1e-999]");
  EXPECT_TRUE(std::isinf(huge.items[0].number));
  EXPECT_LT(huge.items[1].number, 0);
  EXPECT_EQ(huge.items[2].number, 0.0);
}

TEST(JsonTest, StringEscapesAndUnicode) {
  Value v = parseOk(R"(["a\"b\\c\/d\b\f\n\r\t", "\u00e9\u4e2d", "\ud83d\ude00", "é中"])");
  EXPECT_EQ(v.items[0].text, "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(v.items[1].text, "\xc3\xa9\xe4\xb8\xad");
  EXPECT_EQ(v.items[2].text, "\xf0\x9f\x98\x80");
  EXPECT_EQ(v.items[3].text, "\xc3\xa9\xe4\xb8\xad");
  EXPECT_EQ(parseOk(R"("\u0000")").text, std::string(1, '\0'));
}

TEST(JsonTest, RejectsWhatRfc8259Rejects) {
  struct Case {
    const char *text;
    const char *message;
    size_t offset;
  } cases[] = {
      {"", "expected a JSON value, found the end of the input", 0},
      {"  ", "expected a JSON value, found the end of the input", 2},
      {"[1,]", "trailing comma in array", 3},
      {"{\"a\":1,}", "trailing comma in object", 7},
      {"{'a':1}", "expected a string key in object, found '''", 1},
      {"{\"a\" 1}", "expected ':' after object key, found '1'", 5},
      {"[1 2]", "expected ',' or ']' in array, found '2'", 3},
      {"{\"a\":1 \"b\":2}", "expected ',' or '}' in object, found '\"'", 7},
      {"01", "leading zero in number", 0},
      {"-", "expected a digit in number", 1},
      {"1.", "expected a digit after '.' in number", 2},
      {"1e", "expected a digit in number exponent", 2},
      {"+1", "expected a JSON value, found '+'", 0},
      {"NaN", "expected a JSON value, found 'N'", 0},
      {"tru", "invalid literal (expected 'true')", 0},
      {"nul", "invalid literal (expected 'null')", 0},
      {"\"abc", "unterminated string", 0},
      {"\"a\tb\"", "unescaped control character byte 0x09 in string", 2},
      {"\"\\x\"", "invalid escape sequence in string", 1},
      {"\"\\u12G4\"", "invalid hex digit in \\u escape", 5},
      {"\"\\u12\"", "truncated \\u escape", 3},
      {"\"\\ud83d\"", "unpaired high surrogate in \\u escape", 1},
      {"\"\\ud83d\\u0041\"", "unpaired high surrogate in \\u escape", 1},
      {"\"\\ude00\"", "unpaired low surrogate in \\u escape", 1},
      {"\"\xc3\"", "invalid UTF-8 in string", 1},
      {"\"\xc0\xaf\"", "invalid UTF-8 in string", 1},         // overlong '/'
      {"\"\xed\xa0\x80\"", "invalid UTF-8 in string", 1},     // encoded surrogate
      {"\"\xf4\x90\x80\x80\"", "invalid UTF-8 in string", 1}, // > U+10FFFF
      {"[1] [2]", "unexpected '[' after the JSON value", 4},
      {"[1", "unterminated array (opened at byte 0)", 2},
      {"{\"a\":1", "unterminated object (opened at byte 0)", 6},
      {"{\"a\":", "expected a JSON value, found the end of the input", 5},
      {"/* c */ 1", "expected a JSON value, found '/'", 0},
      {"\x01", "expected a JSON value, found byte 0x01", 0},
  };
  for (const Case &c : cases) {
    ParseError e = parseFails(c.text);
    EXPECT_EQ(e.message, c.message) << c.text;
    EXPECT_EQ(e.offset, c.offset) << c.text;
  }
}

TEST(JsonTest, DepthLimit) {
  ParseOptions options;
  options.maxDepth = 64;
  std::string ok = std::string(64, '[') + std::string(64, ']');
  parseOk(ok, options);
  std::string deep = std::string(65, '[') + std::string(65, ']');
  ParseError e = parseFails(deep, options);
  EXPECT_EQ(e.message, "nesting deeper than 64 levels");
  EXPECT_EQ(e.offset, 64u);
  // Very deep input fails fast, without recursing a million frames.
  parseFails(std::string(1000000, '['), options);
}

TEST(JsonTest, ValueCountLimit) {
  ParseOptions options;
  options.maxValues = 4;
  parseOk("[1, 2, 3]", options);
  ParseError e = parseFails("[1, 2, 3, 4]", options);
  EXPECT_EQ(e.message, "more than 4 values");
  EXPECT_EQ(e.offset, 10u);
}

TEST(JsonTest, DuplicateKeysAreKeptInOrder) {
  Value v = parseOk(R"({"k": 1, "k": 2})");
  ASSERT_EQ(v.members.size(), 2u);
  EXPECT_EQ(v.members[0].value.uint, 1u);
  EXPECT_EQ(v.members[1].value.uint, 2u);
  EXPECT_EQ(v.members[1].keyOffset, 9u);
  EXPECT_EQ(v.find("k")->uint, 1u);
}

TEST(JsonTest, QuotingRoundTrips) {
  std::string nasty = std::string("a\"b\\c\n\r\t\x01\x1f") + "\xc3\xa9" + '\0' + "end";
  std::string quoted;
  appendQuoted(quoted, nasty);
  EXPECT_EQ(quoted.find('\n'), std::string::npos);
  Value v = parseOk(quoted);
  EXPECT_EQ(v.text, nasty);
}

TEST(JsonTest, Utf8Validation) {
  EXPECT_TRUE(isValidUtf8("plain"));
  EXPECT_TRUE(isValidUtf8("\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80"));
  EXPECT_FALSE(isValidUtf8("\xff"));
  EXPECT_FALSE(isValidUtf8("\xe4\xb8"));
  EXPECT_FALSE(isValidUtf8("\xe0\x80\x80")); // overlong
}

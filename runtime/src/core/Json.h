//===- Json.h - A small, strict JSON parser ----------------------*- C++ -*-===//
//
// Parses RFC 8259 JSON into a DOM for the safetensors header and the sharded
// checkpoint index. Written here rather than taken from a library because the
// runtime has no dependencies and because the inputs are untrusted: the parser
// bounds nesting depth and value count, validates UTF-8 and escapes, rejects
// anything RFC 8259 does not allow (comments, trailing commas, NaN, leading
// zeros, single quotes, control characters in strings), and reports the byte
// offset of every error. Objects keep their members in file order, duplicates
// included, so callers can report duplicate keys in their own terms.
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_RUNTIME_CORE_JSON_H
#define ZEN_RUNTIME_CORE_JSON_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zen::rt::json {

enum class Kind : uint8_t { Null, Bool, Number, String, Array, Object };

/// "null", "a boolean", "a number", "a string", "an array", "an object".
const char *describe(Kind kind);

struct Member;

struct Value {
  Kind kind = Kind::Null;
  /// Byte offset of the value's first character in the parsed text.
  size_t offset = 0;
  bool boolean = false;
  /// Number: true when the literal is a non-negative integer (no fraction, no
  /// exponent) that fits in 64 bits; its value is then `uint`.
  bool isUInt = false;
  uint64_t uint = 0;
  /// Number: the value as a double (may be +-inf for huge literals).
  double number = 0;
  /// String: the decoded UTF-8 text. Number: the literal as written.
  std::string text;
  std::vector<Value> items;    // Array
  std::vector<Member> members; // Object, in file order

  /// The first member named `key`, or nullptr.
  const Value *find(std::string_view key) const;
};

struct Member {
  std::string key;
  /// Byte offset of the key's opening quote.
  size_t keyOffset = 0;
  Value value;
};

struct ParseOptions {
  /// Arrays and objects may nest this deep (the top-level value is depth 1).
  size_t maxDepth = 64;
  /// At most this many values in total. Each costs ~150 bytes of DOM, so this
  /// bounds memory for hostile input; real safetensors headers of the largest
  /// models hold under a million values.
  size_t maxValues = size_t(8) << 20;
};

struct ParseError {
  size_t offset = 0;
  std::string message; // e.g. "expected ':' after object key"
};

/// Parses exactly one JSON value surrounded by optional whitespace.
/// Returns false and fills `error` on failure.
bool parse(std::string_view text, Value &out, ParseError &error,
           const ParseOptions &options = {});

/// Appends `s` to `out` as a JSON string literal (quotes included), escaping
/// '"', '\\' and control characters; other UTF-8 passes through unchanged.
void appendQuoted(std::string &out, std::string_view s);

/// True if `s` is well-formed UTF-8 (no overlongs, surrogates, or code points
/// above U+10FFFF).
bool isValidUtf8(std::string_view s);

} // namespace zen::rt::json

#endif // ZEN_RUNTIME_CORE_JSON_H

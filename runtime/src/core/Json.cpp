//===- Json.cpp - A small, strict JSON parser -----------------------------===//

#include "Json.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace zen::rt::json {

const char *describe(Kind kind) {
  switch (kind) {
  case Kind::Null:
    return "null";
  case Kind::Bool:
    return "a boolean";
  case Kind::Number:
    return "a number";
  case Kind::String:
    return "a string";
  case Kind::Array:
    return "an array";
  case Kind::Object:
    return "an object";
  }
  return "an unknown value";
}

const Value *Value::find(std::string_view key) const {
  for (const Member &m : members)
    if (m.key == key)
      return &m.value;
  return nullptr;
}

namespace {

/// Decodes one UTF-8 sequence starting at s[i]; returns its length, or 0 if
/// it is malformed (truncated, overlong, a surrogate, or above U+10FFFF).
size_t utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  if (c < 0x80)
    return 1;
  size_t len;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0; // a continuation byte or 0xF8..0xFF
  }
  if (i + len > s.size())
    return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static const uint32_t minForLength[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < minForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

void appendUtf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Parser {
public:
  Parser(std::string_view text, const ParseOptions &options, ParseError &error)
      : text(text), options(options), error(error) {}

  bool parseDocument(Value &out) {
    skipWhitespace();
    if (atEnd())
      return fail(pos, "expected a JSON value, found the end of the input");
    if (!parseValue(out, 1))
      return false;
    skipWhitespace();
    if (!atEnd())
      return fail(pos, "unexpected " + describeHere() + " after the JSON value");
    return true;
  }

private:
  std::string_view text;
  const ParseOptions &options;
  ParseError &error;
  size_t pos = 0;
  size_t valueCount = 0;

  bool atEnd() const { return pos >= text.size(); }
  char peek() const { return text[pos]; }

  bool fail(size_t offset, std::string message) {
    error.offset = offset;
    error.message = std::move(message);
    return false;
  }

  /// "the end of the input", "'x'", or "byte 0x07" for the current position.
  std::string describeHere() const {
    if (atEnd())
      return "the end of the input";
    unsigned char c = static_cast<unsigned char>(peek());
    if (c >= 0x20 && c < 0x7F)
      return std::string("'") + static_cast<char>(c) + "'";
    static const char hex[] = "0123456789abcdef";
    return std::string("byte 0x") + hex[c >> 4] + hex[c & 15];
  }

  void skipWhitespace() {
    while (!atEnd()) {
      char c = peek();
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        return;
      ++pos;
    }
  }

  bool parseValue(Value &out, size_t depth) {
    if (++valueCount > options.maxValues)
      return fail(pos, "more than " + std::to_string(options.maxValues) +
                           " values");
    out.offset = pos;
    char c = peek();
    switch (c) {
    case '{':
      return parseObject(out, depth);
    case '[':
      return parseArray(out, depth);
    case '"':
      out.kind = Kind::String;
      return parseString(out.text);
    case 't':
      out.kind = Kind::Bool;
      out.boolean = true;
      return parseLiteral("true");
    case 'f':
      out.kind = Kind::Bool;
      out.boolean = false;
      return parseLiteral("false");
    case 'n':
      out.kind = Kind::Null;
      return parseLiteral("null");
    default:
      if (c == '-' || (c >= '0' && c <= '9'))
        return parseNumber(out);
      return fail(pos, "expected a JSON value, found " + describeHere());
    }
  }

  bool parseLiteral(std::string_view word) {
    if (text.substr(pos, word.size()) != word)
      return fail(pos, "invalid literal (expected '" + std::string(word) + "')");
    pos += word.size();
    return true;
  }

  bool enterContainer(size_t depth) {
    if (depth > options.maxDepth)
      return fail(pos, "nesting deeper than " +
                           std::to_string(options.maxDepth) + " levels");
    ++pos; // '[' or '{'
    skipWhitespace();
    return true;
  }

  bool parseArray(Value &out, size_t depth) {
    out.kind = Kind::Array;
    if (!enterContainer(depth))
      return false;
    if (!atEnd() && peek() == ']') {
      ++pos;
      return true;
    }
    while (true) {
      if (atEnd())
        return fail(pos, "unterminated array (opened at byte " +
                             std::to_string(out.offset) + ")");
      out.items.emplace_back();
      if (!parseValue(out.items.back(), depth + 1))
        return false;
      skipWhitespace();
      if (atEnd())
        return fail(pos, "unterminated array (opened at byte " +
                             std::to_string(out.offset) + ")");
      if (peek() == ']') {
        ++pos;
        return true;
      }
      if (peek() != ',')
        return fail(pos, "expected ',' or ']' in array, found " +
                             describeHere());
      ++pos;
      skipWhitespace();
      if (!atEnd() && peek() == ']')
        return fail(pos, "trailing comma in array");
    }
  }

  bool parseObject(Value &out, size_t depth) {
    out.kind = Kind::Object;
    if (!enterContainer(depth))
      return false;
    if (!atEnd() && peek() == '}') {
      ++pos;
      return true;
    }
    while (true) {
      if (atEnd())
        return fail(pos, "unterminated object (opened at byte " +
                             std::to_string(out.offset) + ")");
      if (peek() != '"')
        return fail(pos, peek() == '}'
                             ? std::string("trailing comma in object")
                             : "expected a string key in object, found " +
                                   describeHere());
      Member member;
      member.keyOffset = pos;
      if (!parseString(member.key))
        return false;
      skipWhitespace();
      if (atEnd() || peek() != ':')
        return fail(pos, "expected ':' after object key, found " +
                             describeHere());
      ++pos;
      skipWhitespace();
      if (atEnd())
        return fail(pos, "expected a JSON value, found the end of the input");
      if (!parseValue(member.value, depth + 1))
        return false;
      out.members.push_back(std::move(member));
      skipWhitespace();
      if (atEnd())
        return fail(pos, "unterminated object (opened at byte " +
                             std::to_string(out.offset) + ")");
      if (peek() == '}') {
        ++pos;
        return true;
      }
      if (peek() != ',')
        return fail(pos, "expected ',' or '}' in object, found " +
                             describeHere());
      ++pos;
      skipWhitespace();
    }
  }

  bool parseHex4(uint32_t &out) {
    if (pos + 4 > text.size())
      return fail(pos, "truncated \\u escape");
    out = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text[pos + i];
      uint32_t digit;
      if (c >= '0' && c <= '9')
        digit = c - '0';
      else if (c >= 'a' && c <= 'f')
        digit = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        digit = c - 'A' + 10;
      else
        return fail(pos + i, "invalid hex digit in \\u escape");
      out = out * 16 + digit;
    }
    pos += 4;
    return true;
  }

  bool parseString(std::string &out) {
    size_t start = pos;
    ++pos; // opening quote
    while (true) {
      if (atEnd())
        return fail(start, "unterminated string");
      unsigned char c = static_cast<unsigned char>(peek());
      if (c == '"') {
        ++pos;
        return true;
      }
      if (c < 0x20)
        return fail(pos, "unescaped control character " + describeHere() +
                             " in string");
      if (c >= 0x20 && c < 0x80 && c != '\\') {
        // Fast path: copy a run of plain ASCII at once.
        size_t end = pos + 1;
        while (end < text.size()) {
          unsigned char d = static_cast<unsigned char>(text[end]);
          if (d < 0x20 || d >= 0x80 || d == '"' || d == '\\')
            break;
          ++end;
        }
        out.append(text.data() + pos, end - pos);
        pos = end;
        continue;
      }
      if (c != '\\') {
        size_t len = utf8SequenceLength(text, pos);
        if (len == 0)
          return fail(pos, "invalid UTF-8 in string");
        out.append(text.data() + pos, len);
        pos += len;
        continue;
      }
      size_t escapeStart = pos;
      ++pos;
      if (atEnd())
        return fail(start, "unterminated string");
      char e = peek();
      ++pos;
      switch (e) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        uint32_t cp;
        if (!parseHex4(cp))
          return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF)
          return fail(escapeStart, "unpaired low surrogate in \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t low;
          if (text.substr(pos, 2) != "\\u")
            return fail(escapeStart, "unpaired high surrogate in \\u escape");
          pos += 2;
          if (!parseHex4(low))
            return false;
          if (low < 0xDC00 || low > 0xDFFF)
            return fail(escapeStart, "unpaired high surrogate in \\u escape");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        appendUtf8(out, cp);
        break;
      }
      default:
        return fail(escapeStart, "invalid escape sequence in string");
      }
    }
  }

  static bool isDigit(char c) { return c >= '0' && c <= '9'; }

  bool parseNumber(Value &out) {
    out.kind = Kind::Number;
    size_t start = pos;
    bool negative = false;
    if (peek() == '-') {
      negative = true;
      ++pos;
    }
    if (atEnd() || !isDigit(peek()))
      return fail(pos, "expected a digit in number");
    if (peek() == '0') {
      ++pos;
      if (!atEnd() && isDigit(peek()))
        return fail(start, "leading zero in number");
    } else {
      while (!atEnd() && isDigit(peek()))
        ++pos;
    }
    bool integral = true;
    if (!atEnd() && peek() == '.') {
      integral = false;
      ++pos;
      if (atEnd() || !isDigit(peek()))
        return fail(pos, "expected a digit after '.' in number");
      while (!atEnd() && isDigit(peek()))
        ++pos;
    }
    if (!atEnd() && (peek() == 'e' || peek() == 'E')) {
      integral = false;
      ++pos;
      if (!atEnd() && (peek() == '+' || peek() == '-'))
        ++pos;
      if (atEnd() || !isDigit(peek()))
        return fail(pos, "expected a digit in number exponent");
      while (!atEnd() && isDigit(peek()))
        ++pos;
    }
    out.text.assign(text.data() + start, pos - start);
    const char *first = out.text.data();
    const char *last = first + out.text.size();
    if (integral && !negative) {
      auto [ptr, ec] = std::from_chars(first, last, out.uint);
      out.isUInt = ec == std::errc() && ptr == last;
    }
    // from_chars is locale-independent, unlike strtod. Out-of-range literals
    // report result_out_of_range; map them to +-inf or 0 like strtod.
    auto [ptr, ec] = std::from_chars(first, last, out.number);
    if (ec == std::errc::result_out_of_range) {
      // Decide between overflow and underflow from the exponent's sign.
      size_t e = out.text.find_first_of("eE");
      bool tiny = e != std::string::npos && out.text[e + 1] == '-';
      out.number = tiny ? 0.0 : std::numeric_limits<double>::infinity();
      if (negative)
        out.number = -out.number;
    } else if (ec != std::errc() || ptr != last) {
      return fail(start, "invalid number");
    }
    return true;
  }
};

} // namespace

bool parse(std::string_view text, Value &out, ParseError &error,
           const ParseOptions &options) {
  out = Value();
  Parser parser(text, options, error);
  return parser.parseDocument(out);
}

void appendQuoted(std::string &out, std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  out += '"';
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (c < 0x20) {
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
      } else {
        out += ch;
      }
    }
  }
  out += '"';
}

bool isValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t len = utf8SequenceLength(s, i);
    if (len == 0)
      return false;
    i += len;
  }
  return true;
}

} // namespace zen::rt::json

//===- InputChecks.cpp - Checks before any parser sees the text -----------===//
//
// yaml-cpp and llvm::json both recurse once per nesting level, so a file of
// 100000 `[` overflows the stack before either can report anything; binary
// files make yaml-cpp report confusing token errors. These lexical pre-scans
// reject such input with a located message first. They over-approximate
// depth (a stray `[` inside a plain scalar counts), which only matters for
// files nested far deeper than any spec.
//
//===----------------------------------------------------------------------===//

#include "SpecReader.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir::zen;
using namespace mlir::zen::detail;
using llvm::StringRef;

SourcePos detail::positionOfOffset(StringRef text, size_t offset) {
  offset = std::min(offset, text.size());
  StringRef before = text.take_front(offset);
  unsigned line = 1 + before.count('\n');
  size_t lineStart = before.rfind('\n');
  size_t column =
      lineStart == StringRef::npos ? offset : offset - lineStart - 1;
  return {line, unsigned(column + 1)};
}

std::optional<std::pair<SourcePos, std::string>>
detail::findBinaryData(StringRef text) {
  size_t badUtf8 = StringRef::npos;
  if (!llvm::json::isUTF8(text, &badUtf8))
    badUtf8 = std::min(badUtf8, text.size());
  else
    badUtf8 = StringRef::npos;
  for (size_t i = 0, e = text.size(); i < e && i < badUtf8; ++i) {
    unsigned char c = text[i];
    if (c == 0)
      return {{positionOfOffset(text, i), "a NUL byte"}};
    // YAML and JSON allow tab, LF and CR among the C0 controls.
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
      std::string what;
      llvm::raw_string_ostream os(what);
      os << "control character " << llvm::format_hex(c, 4);
      return {{positionOfOffset(text, i), what}};
    }
  }
  if (badUtf8 != StringRef::npos) {
    std::string what;
    llvm::raw_string_ostream os(what);
    os << "invalid UTF-8 byte "
       << llvm::format_hex((unsigned char)text[badUtf8], 4);
    return {{positionOfOffset(text, badUtf8), what}};
  }
  return std::nullopt;
}

namespace {

/// Scans YAML line by line, tracking quotes, flow brackets, block scalars
/// and a stack of block indentation columns.
class YamlDepthScanner {
public:
  YamlDepthScanner(StringRef text, unsigned limit) : text(text), limit(limit) {}

  std::optional<SourcePos> run() {
    unsigned lineNo = 0;
    for (StringRef rest = text; !rest.empty() || lineNo == 0;) {
      auto [line, tail] = rest.split('\n');
      rest = tail;
      ++lineNo;
      line.consume_back("\r");
      if (auto pos = scanLine(line, lineNo))
        return pos;
      if (tail.empty())
        break;
    }
    return std::nullopt;
  }

private:
  static bool isBlank(char c) { return c == ' ' || c == '\t'; }

  std::optional<SourcePos> overflow(unsigned line, size_t column) {
    if (indents.size() + flow <= limit)
      return std::nullopt;
    return SourcePos{line, unsigned(column + 1)};
  }

  std::optional<SourcePos> scanLine(StringRef line, unsigned lineNo) {
    size_t indent = line.find_first_not_of(' ');
    if (indent == StringRef::npos)
      indent = line.size();
    StringRef content = line.drop_front(indent);
    if (inBlockScalar) {
      // A block scalar's body is every blank or more-indented line.
      if (content.empty() || int(indent) > blockScalarIndent)
        return std::nullopt;
      inBlockScalar = false;
    }
    size_t start = 0;
    if (quote == 0 && flow == 0) {
      if (content.empty() || content.starts_with("#"))
        return std::nullopt;
      if (indent == 0 &&
          (content.starts_with("---") || content.starts_with("...") ||
           content.starts_with("%"))) {
        indents.clear();
        return std::nullopt;
      }
      while (!indents.empty() && indents.back() >= indent)
        indents.pop_back();
      // A line opening a flow collection is that collection's level, which
      // the bracket counts.
      if (!content.starts_with("[") && !content.starts_with("{")) {
        indents.push_back(indent);
        if (auto pos = overflow(lineNo, indent))
          return pos;
      }
      start = indent;
    }
    for (size_t i = start, e = line.size(); i < e; ++i) {
      char c = line[i];
      if (quote == '"') {
        if (c == '\\')
          ++i;
        else if (c == '"')
          quote = 0;
        continue;
      }
      if (quote == '\'') {
        if (c == '\'' && i + 1 < e && line[i + 1] == '\'')
          ++i;
        else if (c == '\'')
          quote = 0;
        continue;
      }
      char prev = i == 0 ? ' ' : line[i - 1];
      bool tokenStart = isBlank(prev) || prev == '[' || prev == '{' ||
                        prev == ',' || i == start;
      if (c == '#' && isBlank(prev))
        return std::nullopt;
      if (!tokenStart) {
        if (c == ']' || c == '}')
          flow = flow > 0 ? flow - 1 : 0;
        continue;
      }
      if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '[' || c == '{') {
        ++flow;
        if (auto pos = overflow(lineNo, i))
          return pos;
      } else if (c == ']' || c == '}') {
        flow = flow > 0 ? flow - 1 : 0;
      } else if (flow == 0 && (c == '-' || c == '?') &&
                 (i + 1 == e || isBlank(line[i + 1]))) {
        // A compact entry ("- - x", "? a") opens a node at the column of
        // the content that follows it on the same line.
        size_t next = line.find_first_not_of(" \t", i + 1);
        if (next == StringRef::npos || line[next] == '#')
          continue;
        indents.push_back(next);
        if (auto pos = overflow(lineNo, next))
          return pos;
      } else if (flow == 0 && (c == '|' || c == '>')) {
        StringRef header = line.drop_front(i + 1);
        header = header.take_until([](char h) { return h == '#'; }).rtrim();
        if (header.find_first_not_of("+-0123456789") == StringRef::npos) {
          // The body is indented deeper than the line that opens it.
          inBlockScalar = true;
          blockScalarIndent = int(indent);
          return std::nullopt;
        }
      }
    }
    return std::nullopt;
  }

  StringRef text;
  unsigned limit;
  std::vector<size_t> indents;
  unsigned flow = 0;
  char quote = 0;
  bool inBlockScalar = false;
  int blockScalarIndent = 0;
};

} // namespace

std::optional<SourcePos> detail::findYamlNestingOverflow(StringRef text,
                                                         unsigned limit) {
  return YamlDepthScanner(text, limit).run();
}

std::optional<SourcePos> detail::findJsonNestingOverflow(StringRef text,
                                                         unsigned limit) {
  unsigned depth = 0;
  bool inString = false;
  for (size_t i = 0, e = text.size(); i < e; ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit)
        return positionOfOffset(text, i);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

llvm::Error detail::checkInputText(StringRef text, StringRef fileName,
                                   bool json, unsigned maxDepth,
                                   uint64_t maxBytes) {
  if (text.size() > maxBytes)
    return makeSpecError(fileName, {},
                         "file is " + llvm::Twine(uint64_t(text.size())) +
                             " bytes; a spec or config.json is at most " +
                             llvm::Twine(maxBytes) + " bytes");
  if (auto binary = findBinaryData(text))
    return makeSpecError(fileName, binary->first,
                         "file contains binary data (" + binary->second +
                             "); expected UTF-8 text");
  if (text.trim().empty())
    return makeSpecError(
        fileName, {},
        json ? "file is empty; expected a JSON object (an HF config.json)"
             : "file is empty; expected a YAML map with name, family and "
               "model");
  std::optional<SourcePos> deep = json
                                      ? findJsonNestingOverflow(text, maxDepth)
                                      : findYamlNestingOverflow(text, maxDepth);
  if (deep)
    return makeSpecError(fileName, *deep,
                         "nesting deeper than " + llvm::Twine(maxDepth) +
                             " levels; a spec nests only a few levels");
  return llvm::Error::success();
}

//===- ConfigReader.cpp - Typed, located reads from a ConfigNode tree -----===//
//
// Every type, range and unknown-key message of the front-end comes from
// here, so YAML specs and HF configs are checked identically. Messages follow
// one pattern: `<key path>: expected <what>, found <what was there>`.
//
//===----------------------------------------------------------------------===//

#include "SpecReader.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdlib>

using namespace mlir::zen;
using namespace mlir::zen::detail;
using llvm::StringRef;

//===----------------------------------------------------------------------===//
// ConfigNode
//===----------------------------------------------------------------------===//

static std::string clip(StringRef text) {
  if (text.size() <= 40)
    return text.str();
  return (text.take_front(37) + "...").str();
}

std::string ConfigNode::describe() const {
  switch (kind) {
  case Kind::Null:
    return "null";
  case Kind::Bool:
    return "a boolean " + text;
  case Kind::Integer:
    return "an integer " + clip(text);
  case Kind::Float:
    return "a number " + clip(text);
  case Kind::String:
    return "a string '" + clip(text) + "'";
  case Kind::Sequence:
    return "a list";
  case Kind::Map:
    return "a map";
  }
  return "a value";
}

static bool isDigits(StringRef s, StringRef alphabet) {
  return !s.empty() && s.find_first_not_of(alphabet) == StringRef::npos;
}

/// YAML 1.2 core schema float:
/// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
static bool isCoreFloat(StringRef s) {
  s.consume_front("+") || s.consume_front("-");
  StringRef mantissa = s, exponent;
  size_t e = s.find_first_of("eE");
  if (e != StringRef::npos) {
    mantissa = s.take_front(e);
    exponent = s.drop_front(e + 1);
    exponent.consume_front("+") || exponent.consume_front("-");
    if (!isDigits(exponent, "0123456789"))
      return false;
  }
  auto [whole, frac] = mantissa.split('.');
  bool hasDot = mantissa.contains('.');
  if (whole.empty())
    return hasDot && isDigits(frac, "0123456789");
  if (!isDigits(whole, "0123456789"))
    return false;
  return frac.empty() || isDigits(frac, "0123456789");
}

ConfigNode detail::classifyPlainScalar(StringRef text, SourcePos pos) {
  ConfigNode node;
  node.pos = pos;
  node.text = text.str();
  if (text.empty() || text == "~" || text == "null" || text == "Null" ||
      text == "NULL") {
    node.kind = ConfigNode::Kind::Null;
    return node;
  }
  if (text == "true" || text == "True" || text == "TRUE" || text == "false" ||
      text == "False" || text == "FALSE") {
    node.kind = ConfigNode::Kind::Bool;
    node.boolValue = text[0] == 't' || text[0] == 'T';
    return node;
  }
  // Integers: decimal, 0o octal, 0x hex (YAML 1.2 core).
  StringRef digits = text;
  bool negative = digits.consume_front("-");
  bool signedText = negative || digits.consume_front("+");
  unsigned radix = 10;
  StringRef alphabet = "0123456789";
  if (digits.consume_front("0x")) {
    radix = 16;
    alphabet = "0123456789abcdefABCDEF";
  } else if (digits.consume_front("0o")) {
    radix = 8;
    alphabet = "01234567";
  }
  // Hex and octal literals carry no sign in the core schema.
  if (isDigits(digits, alphabet) && (radix == 10 || !signedText)) {
    node.kind = ConfigNode::Kind::Integer;
    uint64_t magnitude = 0;
    if (digits.getAsInteger(radix, magnitude) ||
        magnitude > uint64_t(std::numeric_limits<int64_t>::max()) +
                        (negative ? 1 : 0)) {
      node.intOverflow = true;
      return node;
    }
    node.intValue = negative ? int64_t(0 - magnitude) : int64_t(magnitude);
    return node;
  }
  StringRef unsignedText = text;
  bool negInf = unsignedText.consume_front("-");
  if (!negInf)
    unsignedText.consume_front("+");
  if (unsignedText == ".inf" || unsignedText == ".Inf" ||
      unsignedText == ".INF") {
    node.kind = ConfigNode::Kind::Float;
    node.floatValue = negInf ? -INFINITY : INFINITY;
    return node;
  }
  if (text == ".nan" || text == ".NaN" || text == ".NAN") {
    node.kind = ConfigNode::Kind::Float;
    node.floatValue = NAN;
    return node;
  }
  if (isCoreFloat(text)) {
    node.kind = ConfigNode::Kind::Float;
    node.floatValue = std::strtod(node.text.c_str(), nullptr);
    return node;
  }
  node.kind = ConfigNode::Kind::String;
  return node;
}

//===----------------------------------------------------------------------===//
// DiagnosticSink
//===----------------------------------------------------------------------===//

void DiagnosticSink::error(SourcePos pos, const llvm::Twine &message) {
  // Enough to fix a file in one go without drowning the real problem.
  constexpr size_t kMaxDiagnostics = 50;
  if (diagnostics.size() >= kMaxDiagnostics)
    return;
  diagnostics.push_back({file, pos, message.str()});
}

llvm::Error DiagnosticSink::takeError() {
  if (diagnostics.empty())
    return llvm::Error::success();
  // In file order, whatever order the sections were read in; ties keep the
  // order they were reported in.
  std::vector<size_t> order(diagnostics.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  llvm::sort(order, [&](size_t a, size_t b) {
    const SourcePos &pa = diagnostics[a].pos, &pb = diagnostics[b].pos;
    return std::make_tuple(pa.line, pa.column, a) <
           std::make_tuple(pb.line, pb.column, b);
  });
  std::vector<SpecDiagnostic> sorted;
  for (size_t i : order)
    sorted.push_back(std::move(diagnostics[i]));
  diagnostics = std::move(sorted);
  return llvm::make_error<SpecError>(std::move(diagnostics));
}

//===----------------------------------------------------------------------===//
// Suggestions
//===----------------------------------------------------------------------===//

std::optional<std::string>
detail::suggestClosest(StringRef word, llvm::ArrayRef<StringRef> candidates) {
  std::string lower = word.lower();
  unsigned best = ~0u;
  StringRef bestCandidate;
  for (StringRef candidate : candidates) {
    unsigned distance = StringRef(lower).edit_distance(
        candidate.lower(), /*AllowReplacements=*/true, /*MaxEditDistance=*/8);
    if (distance < best) {
      best = distance;
      bestCandidate = candidate;
    }
  }
  unsigned allowed = std::max<unsigned>(2, word.size() / 3);
  if (bestCandidate.empty() || best > allowed || bestCandidate == word)
    return std::nullopt;
  return bestCandidate.str();
}

//===----------------------------------------------------------------------===//
// MapReader
//===----------------------------------------------------------------------===//

MapReader::MapReader(const ConfigNode &map, std::string displayPath,
                     std::string specPath, SourcePos ownerPos,
                     DiagnosticSink &sink, SpecSourceMap &sourceMap,
                     ReadMode mode)
    : map(&map), displayPath(std::move(displayPath)),
      specPath(std::move(specPath)), ownerPos(ownerPos), sink(sink),
      sourceMap(sourceMap), mode(mode), used(map.keys.size(), false) {
  if (!this->specPath.empty())
    sourceMap.set(this->specPath, ownerPos);
}

std::string MapReader::display(StringRef key) const {
  return displayPath.empty() ? key.str() : displayPath + "." + key.str();
}

std::string MapReader::spec(StringRef key) const {
  return specPath.empty() ? key.str() : specPath + "." + key.str();
}

const ConfigNode *MapReader::find(StringRef key, bool markUsed) const {
  if (!llvm::is_contained(queried, key))
    queried.push_back(key.str());
  for (size_t i = 0, e = map->keys.size(); i < e; ++i) {
    if (map->keys[i] != key)
      continue;
    if (markUsed)
      used[i] = true;
    return &map->items[i];
  }
  return nullptr;
}

bool MapReader::has(StringRef key) const {
  const ConfigNode *node = find(key, /*markUsed=*/false);
  return node && !(mode.nullIsAbsent && node->kind == ConfigNode::Kind::Null);
}

SourcePos MapReader::positionOf(StringRef key) const {
  for (size_t i = 0, e = map->keys.size(); i < e; ++i)
    if (map->keys[i] == key)
      return map->items[i].pos.line ? map->items[i].pos : map->keyPositions[i];
  return ownerPos;
}

const ConfigNode *MapReader::take(StringRef key) {
  const ConfigNode *node = find(key, /*markUsed=*/true);
  if (!node)
    return nullptr;
  sourceMap.set(spec(key), positionOf(key));
  if (mode.nullIsAbsent && node->kind == ConfigNode::Kind::Null)
    return nullptr;
  return node;
}

void MapReader::errorAt(StringRef key, const llvm::Twine &message) {
  sink.error(positionOf(key), message);
}

void MapReader::typeError(StringRef key, const ConfigNode &node,
                          const llvm::Twine &expected) {
  SourcePos pos = node.pos.line ? node.pos : positionOf(key);
  sink.error(pos, display(key) + ": expected " + expected + ", found " +
                      node.describe());
}

static std::string rangeText(IntRange range) {
  if (range.max == std::numeric_limits<int64_t>::max())
    return "an integer >= " + std::to_string(range.min);
  return "an integer in [" + std::to_string(range.min) + ", " +
         std::to_string(range.max) + "]";
}

std::optional<int64_t> MapReader::getInt(StringRef key, IntRange range) {
  const ConfigNode *node = take(key);
  if (!node)
    return std::nullopt;
  if (node->kind != ConfigNode::Kind::Integer) {
    typeError(key, *node, rangeText(range));
    return std::nullopt;
  }
  if (node->intOverflow) {
    sink.error(node->pos, display(key) + ": expected " + rangeText(range) +
                              ", found " + clip(node->text) +
                              " (does not fit in 64 bits)");
    return std::nullopt;
  }
  if (node->intValue < range.min || node->intValue > range.max) {
    sink.error(node->pos, display(key) + ": expected " + rangeText(range) +
                              ", found " + std::to_string(node->intValue));
    return std::nullopt;
  }
  return node->intValue;
}

int64_t MapReader::getInt(StringRef key, int64_t defaultValue, IntRange range) {
  return getInt(key, range).value_or(defaultValue);
}

int64_t MapReader::requireInt(StringRef key, IntRange range) {
  if (!has(key)) {
    (void)take(key);
    sink.error(ownerPos,
               (displayPath.empty() ? std::string("spec") : displayPath) +
                   ": missing required key '" + key + "' (" + rangeText(range) +
                   ")");
    return 0;
  }
  return getInt(key, range).value_or(0);
}

static std::string formatBound(double value) { return formatDouble(value); }

static std::string floatRangeText(FloatRange range) {
  bool hasMin = std::isfinite(range.min), hasMax = std::isfinite(range.max);
  if (!hasMin && !hasMax)
    return "a finite number";
  if (hasMin && !hasMax)
    return std::string("a finite number ") + (range.minExclusive ? ">" : ">=") +
           " " + formatBound(range.min);
  if (!hasMin)
    return std::string("a number ") + (range.maxExclusive ? "<" : "<=") + " " +
           formatBound(range.max);
  return std::string("a number in ") + (range.minExclusive ? "(" : "[") +
         formatBound(range.min) + ", " + formatBound(range.max) +
         (range.maxExclusive ? ")" : "]");
}

std::optional<double> MapReader::getFloat(StringRef key, FloatRange range) {
  const ConfigNode *node = take(key);
  if (!node)
    return std::nullopt;
  double value;
  if (node->kind == ConfigNode::Kind::Integer && !node->intOverflow) {
    value = double(node->intValue);
  } else if (node->kind == ConfigNode::Kind::Float ||
             node->kind == ConfigNode::Kind::Integer) {
    value = node->kind == ConfigNode::Kind::Float
                ? node->floatValue
                : std::strtod(node->text.c_str(), nullptr);
  } else {
    typeError(key, *node, floatRangeText(range));
    return std::nullopt;
  }
  bool ok = std::isfinite(value);
  ok = ok && (range.minExclusive ? value > range.min : value >= range.min);
  ok = ok && (range.maxExclusive ? value < range.max : value <= range.max);
  if (!ok) {
    sink.error(node->pos, display(key) + ": expected " + floatRangeText(range) +
                              ", found " + clip(node->text));
    return std::nullopt;
  }
  return value;
}

double MapReader::getFloat(StringRef key, double defaultValue,
                           FloatRange range) {
  return getFloat(key, range).value_or(defaultValue);
}

std::optional<bool> MapReader::getBool(StringRef key) {
  const ConfigNode *node = take(key);
  if (!node)
    return std::nullopt;
  if (node->kind != ConfigNode::Kind::Bool) {
    typeError(key, *node, "true or false");
    return std::nullopt;
  }
  return node->boolValue;
}

bool MapReader::getBool(StringRef key, bool defaultValue) {
  return getBool(key).value_or(defaultValue);
}

std::optional<std::string> MapReader::getString(StringRef key) {
  const ConfigNode *node = take(key);
  if (!node)
    return std::nullopt;
  // A plain `name: 2024` is an integer to YAML, but a string key accepts
  // any scalar as written.
  if (!node->isScalar() || node->kind == ConfigNode::Kind::Null) {
    typeError(key, *node, "a string");
    return std::nullopt;
  }
  return node->text;
}

std::optional<std::string> MapReader::requireString(StringRef key) {
  if (!has(key)) {
    (void)take(key);
    sink.error(ownerPos,
               (displayPath.empty() ? std::string("spec") : displayPath) +
                   ": missing required key '" + key + "'");
    return std::nullopt;
  }
  return getString(key);
}

std::optional<std::string>
MapReader::getChoice(StringRef key, llvm::ArrayRef<StringRef> choices) {
  const ConfigNode *node = find(key, /*markUsed=*/false);
  std::optional<std::string> value = getString(key);
  if (!value)
    return std::nullopt;
  if (llvm::is_contained(choices, StringRef(*value)))
    return value;
  std::string message = display(key) + ": expected one of " +
                        llvm::join(choices, ", ") + ", found '" + clip(*value) +
                        "'";
  if (auto suggestion = suggestClosest(*value, choices))
    message += "; did you mean '" + *suggestion + "'?";
  sink.error(node->pos, message);
  return std::nullopt;
}

std::optional<std::vector<int64_t>> MapReader::getIntList(StringRef key,
                                                          IntRange range) {
  const ConfigNode *node = take(key);
  if (!node)
    return std::nullopt;
  if (node->kind != ConfigNode::Kind::Sequence) {
    typeError(key, *node, "a list of integers");
    return std::nullopt;
  }
  std::vector<int64_t> values;
  bool ok = true;
  for (auto [index, item] : llvm::enumerate(node->items)) {
    std::string where = display(key) + "[" + std::to_string(index) + "]";
    if (item.kind != ConfigNode::Kind::Integer) {
      sink.error(item.pos, where + ": expected " + rangeText(range) +
                               ", found " + item.describe());
      ok = false;
    } else if (item.intOverflow || item.intValue < range.min ||
               item.intValue > range.max) {
      sink.error(item.pos, where + ": expected " + rangeText(range) +
                               ", found " + clip(item.text));
      ok = false;
    } else {
      values.push_back(item.intValue);
    }
  }
  if (!ok)
    return std::nullopt;
  return values;
}

std::optional<std::vector<std::string>>
MapReader::getStringList(StringRef key) {
  const ConfigNode *node = take(key);
  if (!node)
    return std::nullopt;
  if (node->kind != ConfigNode::Kind::Sequence) {
    typeError(key, *node, "a list of strings");
    return std::nullopt;
  }
  std::vector<std::string> values;
  bool ok = true;
  for (auto [index, item] : llvm::enumerate(node->items)) {
    if (!item.isScalar() || item.kind == ConfigNode::Kind::Null) {
      sink.error(item.pos, display(key) + "[" + std::to_string(index) +
                               "]: expected a string, found " +
                               item.describe());
      ok = false;
      continue;
    }
    values.push_back(item.text);
  }
  if (!ok)
    return std::nullopt;
  return values;
}

std::optional<MapReader> MapReader::getMap(StringRef key, StringRef specName) {
  const ConfigNode *node = take(key);
  if (!node)
    return std::nullopt;
  if (node->kind != ConfigNode::Kind::Map) {
    typeError(key, *node, "a map");
    return std::nullopt;
  }
  SourcePos owner = ownerPos;
  for (size_t i = 0, e = map->keys.size(); i < e; ++i)
    if (map->keys[i] == key)
      owner = map->keyPositions[i];
  return MapReader(*node, display(key),
                   specName.empty() ? spec(key) : specName.str(), owner, sink,
                   sourceMap, mode);
}

void MapReader::rejectIfPresent(StringRef key, const llvm::Twine &why) {
  const ConfigNode *node = find(key, /*markUsed=*/true);
  if (!node || !mode.strict)
    return;
  // The key itself is what does not belong here.
  SourcePos pos = ownerPos;
  for (size_t i = 0, e = map->keys.size(); i < e; ++i)
    if (map->keys[i] == key)
      pos = map->keyPositions[i];
  sink.error(pos, display(key) + ": " + why);
}

void MapReader::finish(llvm::ArrayRef<StringRef> alsoKnown) {
  if (!mode.strict)
    return;
  // Every key a section reader asked for is part of its schema, present in
  // the input or not.
  std::vector<StringRef> known(alsoKnown.begin(), alsoKnown.end());
  for (const std::string &key : queried)
    if (!llvm::is_contained(known, StringRef(key)))
      known.push_back(key);
  for (size_t i = 0, e = map->keys.size(); i < e; ++i) {
    if (used[i])
      continue;
    std::string where = displayPath.empty() ? "unknown top-level key"
                                            : displayPath + ": unknown key";
    std::string message = where + " '" + clip(map->keys[i]) + "'";
    if (auto suggestion = suggestClosest(map->keys[i], known))
      message += "; did you mean '" + *suggestion + "'?";
    else if (known.size() <= 12)
      message += "; expected one of " + llvm::join(known, ", ");
    sink.error(map->keyPositions[i], message);
  }
}

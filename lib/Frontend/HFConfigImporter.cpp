//===- HFConfigImporter.cpp - HuggingFace config.json to ModelSpec --------===//
//
// llvm::json parses and decodes the file; a second, trivial scan of the
// (now known valid) text records where each value starts, so errors about
// a value point at its line and column, and numbers keep the literal they
// were written as (llvm::json folds 1024.0 into an integer). The values
// are then read by the same section readers as YAML specs, leniently:
// config.json files carry dozens of keys transformers ignores too.
//
//===----------------------------------------------------------------------===//

#include "zen/Frontend/SpecParser.h"

#include "SpecReader.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

#include <cstdio>

using namespace mlir::zen;
using namespace mlir::zen::detail;
using llvm::StringRef;

namespace {

/// Path components are joined with a byte that cannot occur in JSON text
/// unescaped.
constexpr char kSep = '\x1f';

/// Where each value of a valid JSON text starts, and scalars' literals.
class JsonLocator {
public:
  explicit JsonLocator(StringRef text) : text(text) {}

  void run() {
    std::string path;
    value(path);
  }

  SourcePos position(StringRef path) const {
    auto it = positions.find(path);
    return it == positions.end() ? SourcePos{} : it->second;
  }
  SourcePos keyPosition(StringRef path) const {
    auto it = keyPositions.find(path);
    return it == keyPositions.end() ? SourcePos{} : it->second;
  }
  StringRef literal(StringRef path) const {
    auto it = literals.find(path);
    return it == literals.end() ? StringRef() : StringRef(it->second);
  }

private:
  void skipSpace() {
    while (at < text.size() && StringRef(" \t\r\n").contains(text[at]))
      ++at;
  }

  /// The raw characters of a string (escapes undecoded), past its quotes.
  StringRef string() {
    size_t start = ++at;
    while (at < text.size() && text[at] != '"')
      at += text[at] == '\\' ? 2 : 1;
    StringRef raw = text.slice(start, std::min(at, text.size()));
    ++at;
    return raw;
  }

  void value(const std::string &path) {
    skipSpace();
    if (at >= text.size())
      return;
    positions[path] = positionOfOffset(text, at);
    char c = text[at];
    if (c == '{' || c == '[') {
      ++at;
      for (size_t index = 0;; ++index) {
        skipSpace();
        if (at >= text.size() || text[at] == '}' || text[at] == ']') {
          ++at;
          return;
        }
        std::string child = path + kSep;
        if (c == '{') {
          SourcePos keyPos = positionOfOffset(text, at);
          child += string().str();
          keyPositions[child] = keyPos;
          skipSpace();
          ++at; // ':'
        } else {
          child += std::to_string(index);
        }
        value(child);
        skipSpace();
        if (at < text.size() && text[at] == ',')
          ++at;
      }
    }
    if (c == '"') {
      (void)string();
      return;
    }
    size_t start = at;
    while (at < text.size() && !StringRef(",]} \t\r\n").contains(text[at]))
      ++at;
    literals[path] = text.slice(start, at).str();
  }

  StringRef text;
  size_t at = 0;
  llvm::StringMap<SourcePos> positions, keyPositions;
  llvm::StringMap<std::string> literals;
};

/// Builds the ConfigNode tree from the decoded value plus the locator.
void convert(const llvm::json::Value &value, const std::string &path,
             const JsonLocator &locator, ConfigNode &out) {
  out.pos = locator.position(path);
  switch (value.kind()) {
  case llvm::json::Value::Null:
    out.kind = ConfigNode::Kind::Null;
    out.text = "null";
    return;
  case llvm::json::Value::Boolean:
    out.kind = ConfigNode::Kind::Bool;
    out.boolValue = *value.getAsBoolean();
    out.text = out.boolValue ? "true" : "false";
    return;
  case llvm::json::Value::Number: {
    StringRef literal = locator.literal(path);
    if (!literal.empty()) {
      out = classifyPlainScalar(literal, out.pos);
      return;
    }
    out.kind = ConfigNode::Kind::Float;
    out.floatValue = *value.getAsNumber();
    out.text = formatDouble(out.floatValue);
    return;
  }
  case llvm::json::Value::String:
    out.kind = ConfigNode::Kind::String;
    out.text = value.getAsString()->str();
    return;
  case llvm::json::Value::Array:
    out.kind = ConfigNode::Kind::Sequence;
    for (auto [index, item] : llvm::enumerate(*value.getAsArray())) {
      out.items.emplace_back();
      convert(item, path + kSep + std::to_string(index), locator,
              out.items.back());
    }
    return;
  case llvm::json::Value::Object: {
    out.kind = ConfigNode::Kind::Map;
    const llvm::json::Object &object = *value.getAsObject();
    // In file order, so diagnostics come out in file order.
    std::vector<std::pair<std::string, const llvm::json::Value *>> members;
    for (const auto &member : object)
      members.emplace_back(member.first.str(), &member.second);
    auto order = [&](const std::string &key) {
      SourcePos pos = locator.keyPosition(path + kSep + key);
      return std::make_pair(pos.line, pos.column);
    };
    llvm::sort(members, [&](const auto &a, const auto &b) {
      return order(a.first) < order(b.first);
    });
    for (const auto &[key, child] : members) {
      std::string childPath = path + kSep + key;
      out.keys.push_back(key);
      out.keyPositions.push_back(locator.keyPosition(childPath));
      out.items.emplace_back();
      convert(*child, childPath, locator, out.items.back());
    }
    return;
  }
  }
}

/// "[3:17, byte=40]: Expected , or } after object property" from
/// llvm::json::ParseError::log (its fields are private).
llvm::Error jsonSyntaxError(llvm::Error err, StringRef fileName) {
  std::string text = llvm::toString(std::move(err));
  unsigned line = 0, column = 0, offset = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "[%u:%u, byte=%u]: %n", &line, &column, &offset,
                  &consumed) == 3 &&
      consumed > 0)
    // llvm::json reports the 0-based offset just past the character that
    // failed to parse, which is that character's 1-based column.
    return makeSpecError(fileName, {line, std::max(column, 1u)},
                         "invalid JSON: " +
                             StringRef(text).drop_front(consumed));
  return makeSpecError(fileName, {}, "invalid JSON: " + text);
}

/// A name for the spec: the checkpoint directory holding config.json, else
/// the file's stem, restricted to the characters a spec name may use.
std::string nameFromPath(StringRef fileName) {
  StringRef name = llvm::sys::path::stem(fileName);
  if (name == "config") {
    StringRef parent =
        llvm::sys::path::filename(llvm::sys::path::parent_path(fileName));
    if (!parent.empty() && parent != "." && parent != "..")
      name = parent;
  }
  std::string out;
  for (char c : name)
    out += llvm::isAlnum(c) || c == '.' || c == '_' || c == '-' ? c : '-';
  return out.empty() ? "model" : out;
}

constexpr StringRef kSupported =
    "qwen3, qwen3_moe, qwen3_next, qwen3_omni_moe and qwen3_omni_moe_thinker";

} // namespace

llvm::Expected<ModelSpec>
mlir::zen::importHFConfig(StringRef text, StringRef fileName,
                          const SpecParseOptions &options) {
  text.consume_front("\xEF\xBB\xBF");
  if (llvm::Error err =
          checkInputText(text, fileName, /*json=*/true, options.maxNestingDepth,
                         options.maxFileBytes))
    return std::move(err);
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(text);
  if (!parsed)
    return jsonSyntaxError(parsed.takeError(), fileName);
  JsonLocator locator(text);
  locator.run();
  ConfigNode root;
  convert(*parsed, "", locator, root);
  if (root.kind != ConfigNode::Kind::Map)
    return makeSpecError(fileName, root.pos.line ? root.pos : SourcePos{1, 1},
                         "expected a JSON object at the top level (an HF "
                         "config.json), found " +
                             root.describe());

  DiagnosticSink sink(fileName.str());
  ModelSpec spec;
  spec.source.file = fileName.str();
  ReadMode lenient{/*strict=*/false, /*nullIsAbsent=*/true};
  MapReader top(root, "", "", {1, 1}, sink, spec.source, lenient);
  std::optional<std::string> modelType = top.getString("model_type");
  if (!modelType) {
    if (!sink.hasErrors())
      sink.error({1, 1}, "missing required key 'model_type'; expected an HF "
                         "config.json with model_type " +
                             kSupported);
    return sink.takeError();
  }

  // The text config: the file itself, or thinker_config.text_config.
  // (MapReader holds references, so optionals are emplaced, not assigned.)
  std::optional<MapReader> thinker, textMap;
  StringRef defaultTextType;
  if (*modelType == "qwen3_omni_moe" ||
      *modelType == "qwen3_omni_moe_thinker") {
    if (*modelType == "qwen3_omni_moe") {
      if (!top.has("thinker_config"))
        sink.error({1, 1}, "missing required key 'thinker_config' in a "
                           "qwen3_omni_moe config");
      else if (std::optional<MapReader> m = top.getMap("thinker_config"))
        thinker.emplace(std::move(*m));
    } else {
      thinker.emplace(root, "", "thinker_config", SourcePos{1, 1}, sink,
                      spec.source, lenient);
    }
    if (thinker) {
      if (!thinker->has("text_config"))
        sink.error(thinker->getOwnerPos(),
                   thinker->getName() + ": missing required key 'text_config'");
      else if (std::optional<MapReader> m =
                   thinker->getMap("text_config", "model"))
        textMap.emplace(std::move(*m));
    }
    defaultTextType = "qwen3_omni_moe_text";
  } else if (familyOfModelType(*modelType) &&
             *modelType != "qwen3_omni_moe_text") {
    textMap.emplace(root, "", "model", SourcePos{1, 1}, sink, spec.source,
                    lenient);
  } else {
    top.errorAt("model_type", "unsupported model_type '" + *modelType +
                                  "'; Zen imports " + kSupported);
    return sink.takeError();
  }
  if (!textMap)
    return sink.takeError();

  StringRef textType =
      defaultTextType.empty() ? StringRef(*modelType) : defaultTextType;
  if (textMap->has("model_type") && !defaultTextType.empty()) {
    std::optional<std::string> inner = textMap->getString("model_type");
    if (inner && *inner != defaultTextType) {
      textMap->errorAt("model_type",
                       textMap->display("model_type") +
                           ": expected qwen3_omni_moe_text, found '" + *inner +
                           "'");
      return sink.takeError();
    }
  }
  spec.family = *familyOfModelType(textType);
  readTextConfig(*textMap, spec.family, textType, spec.model);
  if (thinker) {
    spec.thinker.emplace();
    readThinkerConfig(*thinker, *spec.thinker);
  }
  // transformers writes the hub id it loaded from, or a local path (not a
  // base model id), or "".
  std::string origin = top.getString("_name_or_path").value_or("");
  if (!StringRef(origin).starts_with("/") &&
      !StringRef(origin).starts_with("."))
    spec.base = origin;
  spec.name = nameFromPath(fileName);
  if (sink.hasErrors())
    return sink.takeError();
  readTrainingConfig(nullptr, spec, spec.training);
  readTargetConfig(nullptr, spec.target);
  // Compile for the dtype the checkpoint is stored in (`dtype` in
  // transformers >= 5, `torch_dtype` before): bf16 checkpoints run in bf16,
  // everything else in f32.
  std::optional<std::string> dtype = top.getString("dtype");
  if (!dtype)
    dtype = top.getString("torch_dtype");
  if (dtype && *dtype == "bfloat16")
    spec.target.dtype = TargetDType::BF16;
  if (llvm::Error err = validateSpec(spec))
    return std::move(err);
  return spec;
}

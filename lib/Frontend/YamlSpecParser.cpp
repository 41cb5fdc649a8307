//===- YamlSpecParser.cpp - YAML model specs through yaml-cpp -------------===//
//
// yaml-cpp reports errors by throwing, so this is the one file of Zen built
// with -fexceptions (see lib/Frontend/CMakeLists.txt): every yaml-cpp call
// happens inside parseYamlTree's try block, which turns exceptions into
// located diagnostics; nothing escapes into the -fno-exceptions code around
// it. The rest of the spec is read from the format-neutral ConfigNode tree.
//
//===----------------------------------------------------------------------===//

#include "zen/Frontend/SpecParser.h"

#include "SpecReader.h"

#include "llvm/ADT/StringExtras.h"

#include <yaml-cpp/anchor.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <exception>
#include <map>
#include <new>
#include <sstream>

using namespace mlir::zen;
using namespace mlir::zen::detail;
using llvm::StringRef;

namespace {

SourcePos toPos(const YAML::Mark &mark) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0)
    return {};
  return {unsigned(mark.line) + 1, unsigned(mark.column) + 1};
}

/// Builds the ConfigNode tree straight from yaml-cpp's parse events (no
/// YAML::Node in between), iteratively, with two bounds: depth (also
/// pre-scanned) and node count -- aliases share nodes, so a few lines of
/// anchors can describe an exponentially large tree.
class TreeBuilder final : public YAML::EventHandler {
public:
  TreeBuilder(DiagnosticSink &sink, unsigned maxDepth)
      : sink(sink), maxDepth(maxDepth) {}

  /// The first document's root, if it had one.
  std::optional<ConfigNode> root;
  unsigned documents = 0;
  SourcePos documentPos;
  bool failed = false;

  void OnDocumentStart(const YAML::Mark &mark) override {
    ++documents;
    documentPos = toPos(mark);
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark &mark, YAML::anchor_t anchor) override {
    ConfigNode node;
    node.pos = toPos(mark);
    node.text = "null";
    add(std::move(node), anchor, 1);
  }

  void OnAlias(const YAML::Mark &mark, YAML::anchor_t anchor) override {
    auto it = anchors.find(anchor);
    if (it == anchors.end()) {
      fail(toPos(mark), "invalid YAML: alias of an anchor that is not "
                        "complete here");
      return;
    }
    add(it->second.first, 0, it->second.second);
  }

  void OnScalar(const YAML::Mark &mark, const std::string &tag,
                YAML::anchor_t anchor, const std::string &value) override {
    ConfigNode node;
    // yaml-cpp tags quoted scalars "!" (non-specific): always strings.
    if (tag == "!" || tag == "tag:yaml.org,2002:str") {
      node.kind = ConfigNode::Kind::String;
      node.pos = toPos(mark);
      node.text = value;
    } else {
      node = classifyPlainScalar(value, toPos(mark));
    }
    add(std::move(node), anchor, 1);
  }

  void OnSequenceStart(const YAML::Mark &mark, const std::string &,
                       YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(ConfigNode::Kind::Sequence, mark, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark &mark, const std::string &,
                  YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    open(ConfigNode::Kind::Map, mark, anchor);
  }
  void OnMapEnd() override { close(); }

  void fail(SourcePos pos, const llvm::Twine &message) {
    if (failed)
      return;
    failed = true;
    sink.error(pos, message);
  }

private:
  struct Frame {
    ConfigNode node;
    YAML::anchor_t anchor;
    size_t size = 1; // nodes in the subtree, for alias copies
    bool expectKey = true;
    std::string key;
    SourcePos keyPos;
  };

  void open(ConfigNode::Kind kind, const YAML::Mark &mark,
            YAML::anchor_t anchor) {
    if (failed || documents > 1)
      return;
    if (stack.size() >= maxDepth) {
      fail(toPos(mark), "nesting deeper than " + llvm::Twine(maxDepth) +
                            " levels; a spec nests only a few levels");
      return;
    }
    Frame frame;
    frame.node.kind = kind;
    frame.node.pos = toPos(mark);
    frame.anchor = anchor;
    stack.push_back(std::move(frame));
  }

  void close() {
    if (failed || documents > 1 || stack.empty())
      return;
    Frame frame = std::move(stack.back());
    stack.pop_back();
    add(std::move(frame.node), frame.anchor, frame.size);
  }

  void add(ConfigNode node, YAML::anchor_t anchor, size_t size) {
    if (failed || documents > 1)
      return;
    nodes += size;
    if (nodes > kMaxNodes) {
      fail(node.pos, "document expands to more than " + llvm::Twine(kMaxNodes) +
                         " values (through aliases?); a spec is far smaller");
      return;
    }
    if (anchor)
      anchors[anchor] = {node, size};
    if (stack.empty()) {
      root = std::move(node);
      return;
    }
    Frame &parent = stack.back();
    parent.size += size;
    if (parent.node.kind == ConfigNode::Kind::Sequence) {
      parent.node.items.push_back(std::move(node));
      return;
    }
    if (parent.expectKey) {
      if (!node.isScalar()) {
        fail(node.pos, "map keys must be plain names, found " +
                           node.describe() + " used as a key");
        return;
      }
      for (size_t i = 0, e = parent.node.keys.size(); i < e; ++i) {
        if (parent.node.keys[i] != node.text)
          continue;
        fail(node.pos, "duplicate key '" + node.text +
                           "' (first defined at line " +
                           llvm::Twine(parent.node.keyPositions[i].line) + ")");
        return;
      }
      parent.key = node.text;
      parent.keyPos = node.pos;
      parent.expectKey = false;
      return;
    }
    // `key:` with nothing after it: the null has no text of its own.
    if (node.kind == ConfigNode::Kind::Null || node.pos.line == 0)
      node.pos = parent.keyPos;
    parent.node.keys.push_back(std::move(parent.key));
    parent.node.keyPositions.push_back(parent.keyPos);
    parent.node.items.push_back(std::move(node));
    parent.expectKey = true;
  }

  static constexpr size_t kMaxNodes = 1000000;
  DiagnosticSink &sink;
  unsigned maxDepth;
  size_t nodes = 0;
  std::vector<Frame> stack;
  std::map<YAML::anchor_t, std::pair<ConfigNode, size_t>> anchors;
};

/// Parses `text` (already checked by checkInputText) into `root`.
bool parseYamlTree(StringRef text, DiagnosticSink &sink, unsigned maxDepth,
                   ConfigNode &root) {
  TreeBuilder builder(sink, maxDepth);
  try {
    std::istringstream stream(text.str());
    YAML::Parser parser(stream);
    SourcePos firstDocument;
    // yaml-cpp 0.7 does not consume a stray top-level ',': every call then
    // reports another empty document at the same place (YAML::LoadAll
    // loops forever). A document that starts where the previous one did
    // is such a token.
    while (!builder.failed && parser.HandleNextDocument(builder)) {
      if (builder.documents == 1) {
        firstDocument = builder.documentPos;
        continue;
      }
      SourcePos pos = builder.documentPos;
      if (pos.line == firstDocument.line &&
          pos.column == firstDocument.column) {
        size_t offset = 0;
        for (unsigned line = 1; line < pos.line && offset < text.size(); ++line)
          offset = text.find('\n', offset) + 1;
        offset += pos.column - 1;
        std::string token = offset < text.size()
                                ? "'" + text.substr(offset, 1).str() + "'"
                                : std::string("token");
        builder.fail(pos, "invalid YAML: unexpected " + token);
      } else {
        builder.fail(pos, "expected a single YAML document, found another "
                          "one here");
      }
    }
  } catch (const YAML::Exception &e) {
    std::string message = e.msg.empty() ? std::string(e.what()) : e.msg;
    builder.fail(toPos(e.mark), "invalid YAML: " + message);
  } catch (const std::bad_alloc &) {
    builder.fail({}, "out of memory while parsing YAML");
  } catch (const std::exception &e) {
    builder.fail({}, llvm::Twine("invalid YAML: ") + e.what());
  } catch (...) {
    builder.fail({}, "invalid YAML");
  }
  if (builder.failed)
    return false;
  if (!builder.root || builder.root->kind == ConfigNode::Kind::Null) {
    sink.error({}, "file has no YAML content; expected a map with name, "
                   "family and model");
    return false;
  }
  root = std::move(*builder.root);
  return true;
}

constexpr StringRef kTopLevelKeys[] = {
    "name", "base", "family", "model", "thinker_config", "training", "target"};

} // namespace

llvm::Expected<ModelSpec>
mlir::zen::parseYamlSpec(StringRef text, StringRef fileName,
                         const SpecParseOptions &options) {
  // A UTF-8 byte order mark is legal YAML; drop it so columns stay right.
  text.consume_front("\xEF\xBB\xBF");
  if (llvm::Error err =
          checkInputText(text, fileName, /*json=*/false,
                         options.maxNestingDepth, options.maxFileBytes))
    return std::move(err);

  DiagnosticSink sink(fileName.str());
  ConfigNode root;
  if (!parseYamlTree(text, sink, options.maxNestingDepth, root))
    return sink.takeError();
  if (root.kind != ConfigNode::Kind::Map)
    return makeSpecError(fileName, root.pos.line ? root.pos : SourcePos{1, 1},
                         "expected a map at the top level (name, family, "
                         "model, ...), found " +
                             root.describe());

  ModelSpec spec;
  spec.source.file = fileName.str();
  MapReader top(root, "", "", {1, 1}, sink, spec.source, ReadMode{});
  spec.name = top.requireString("name").value_or("");
  spec.base = top.getString("base").value_or("");
  std::optional<std::string> family;
  if (!top.has("family")) {
    (void)top.take("family");
    sink.error({1, 1}, "spec: missing required key 'family' (dense, moe or "
                       "hybrid)");
  } else {
    family = top.getChoice("family", {"dense", "moe", "hybrid"});
  }
  std::optional<MapReader> model;
  if (!top.has("model")) {
    (void)top.take("model");
    sink.error({1, 1}, "spec: missing required key 'model' (the HF text "
                       "config of the model)");
  } else if (std::optional<MapReader> m = top.getMap("model")) {
    // MapReader holds references: emplace, do not assign.
    model.emplace(std::move(*m));
  }
  if (family)
    spec.family = *family == "moe"      ? ModelFamily::MoE
                  : *family == "hybrid" ? ModelFamily::Hybrid
                                        : ModelFamily::Dense;
  if (family && model)
    readTextConfig(*model, spec.family, "", spec.model);

  if (top.has("thinker_config")) {
    if (std::optional<MapReader> thinker = top.getMap("thinker_config")) {
      spec.thinker.emplace();
      readThinkerConfig(*thinker, *spec.thinker);
    }
  }
  // The training section's defaults and LoRA module names depend on the
  // family only, so its errors are reported alongside the model's.
  if (family) {
    std::optional<MapReader> training, target;
    if (top.has("training"))
      if (std::optional<MapReader> m = top.getMap("training"))
        training.emplace(std::move(*m));
    readTrainingConfig(training ? &*training : nullptr, spec, spec.training);
    if (top.has("target"))
      if (std::optional<MapReader> m = top.getMap("target"))
        target.emplace(std::move(*m));
    readTargetConfig(target ? &*target : nullptr, spec.target);
  } else {
    // Still known keys: a bad family must not also report them as unknown.
    top.ignore("training");
    top.ignore("target");
  }
  top.finish(kTopLevelKeys);
  if (sink.hasErrors())
    return sink.takeError();
  if (llvm::Error err = validateSpec(spec))
    return std::move(err);
  return spec;
}

llvm::Error mlir::zen::parseTrainingYaml(StringRef text, StringRef fileName,
                                         ModelSpec &spec,
                                         const SpecParseOptions &options) {
  text.consume_front("\xEF\xBB\xBF");
  if (llvm::Error err =
          checkInputText(text, fileName, /*json=*/false,
                         options.maxNestingDepth, options.maxFileBytes))
    return err;
  DiagnosticSink sink(fileName.str());
  ConfigNode root;
  if (!parseYamlTree(text, sink, options.maxNestingDepth, root))
    return sink.takeError();
  if (root.kind != ConfigNode::Kind::Map)
    return makeSpecError(fileName, root.pos.line ? root.pos : SourcePos{1, 1},
                         "expected a map of training settings (the keys of a "
                         "spec's training: section), found " +
                             root.describe());
  SpecSourceMap source;
  source.file = fileName.str();
  MapReader top(root, "training", "training", {1, 1}, sink, source,
                ReadMode{});
  TrainingConfig training;
  readTrainingConfig(&top, spec, training);
  if (sink.hasErrors())
    return sink.takeError();
  spec.training = training;
  return llvm::Error::success();
}

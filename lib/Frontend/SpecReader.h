//===- SpecReader.h - Format-neutral config tree and typed reader -*- C++
//-*-===//
//
// Private to lib/Frontend. The YAML parser and the HF config.json importer
// both convert their input into a ConfigNode tree carrying 1-based source
// positions; the section readers (SpecSections.cpp) then read keys from it
// with MapReader, so both formats share one set of key names, types, ranges,
// defaults and messages -- which is what makes a YAML spec and the
// equivalent config.json give the same ModelSpec.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_LIB_FRONTEND_SPECREADER_H
#define ZEN_LIB_FRONTEND_SPECREADER_H

#include "zen/Frontend/ModelSpec.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mlir::zen::detail {

/// A value of the input, independent of the format it was written in.
struct ConfigNode {
  enum class Kind { Null, Bool, Integer, Float, String, Sequence, Map };

  Kind kind = Kind::Null;
  SourcePos pos;
  /// Scalars as written (for messages); the value of a String.
  std::string text;
  bool boolValue = false;
  int64_t intValue = 0;
  /// An integer literal that does not fit int64.
  bool intOverflow = false;
  double floatValue = 0.0;
  /// Sequence elements, or map values (parallel to `keys`).
  std::vector<ConfigNode> items;
  std::vector<std::string> keys;
  std::vector<SourcePos> keyPositions;

  bool isScalar() const { return kind != Kind::Sequence && kind != Kind::Map; }
  /// "an integer 5", "a string 'abc'", "a list", "a map", "null", ...
  std::string describe() const;
};

/// Classifies a plain (unquoted) YAML scalar by the YAML 1.2 core schema.
ConfigNode classifyPlainScalar(llvm::StringRef text, SourcePos pos);

/// Collects diagnostics for one file.
class DiagnosticSink {
public:
  explicit DiagnosticSink(std::string file) : file(std::move(file)) {}

  void error(SourcePos pos, const llvm::Twine &message);
  bool hasErrors() const { return !diagnostics.empty(); }
  const std::string &getFile() const { return file; }
  /// A SpecError with everything collected (success when nothing was).
  llvm::Error takeError();

private:
  std::string file;
  std::vector<SpecDiagnostic> diagnostics;
};

/// How strictly a tree is read.
struct ReadMode {
  /// Unknown keys are errors (YAML specs) or ignored (HF config.json).
  bool strict = true;
  /// `key: null` means "absent, use the default" (HF semantics of None).
  bool nullIsAbsent = false;
};

struct IntRange {
  int64_t min = 0;
  int64_t max = std::numeric_limits<int32_t>::max();
};

struct FloatRange {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool minExclusive = false;
  bool maxExclusive = false;
};

/// Reads the keys of one map. `displayPath` names the map in messages (the
/// key path as the user wrote it); `specPath` is its canonical ModelSpec
/// path, under which value positions are recorded for validation.
class MapReader {
public:
  MapReader(const ConfigNode &map, std::string displayPath,
            std::string specPath, SourcePos ownerPos, DiagnosticSink &sink,
            SpecSourceMap &sourceMap, ReadMode mode);

  /// The value of `key`, marking the key as known; null when absent (or
  /// null in a nullIsAbsent tree). Records its position under specPath.
  const ConfigNode *take(llvm::StringRef key);
  /// Marks `key` as known without reading it.
  void ignore(llvm::StringRef key) { (void)find(key, /*markUsed=*/true); }
  bool has(llvm::StringRef key) const;

  std::optional<int64_t> getInt(llvm::StringRef key, IntRange range);
  int64_t getInt(llvm::StringRef key, int64_t defaultValue, IntRange range);
  /// Reports a missing key and returns 0 when absent.
  int64_t requireInt(llvm::StringRef key, IntRange range);
  std::optional<double> getFloat(llvm::StringRef key, FloatRange range);
  double getFloat(llvm::StringRef key, double defaultValue, FloatRange range);
  std::optional<bool> getBool(llvm::StringRef key);
  bool getBool(llvm::StringRef key, bool defaultValue);
  std::optional<std::string> getString(llvm::StringRef key);
  std::optional<std::string> requireString(llvm::StringRef key);
  /// One of `choices`; a misspelling gets a did-you-mean.
  std::optional<std::string> getChoice(llvm::StringRef key,
                                       llvm::ArrayRef<llvm::StringRef> choices);
  std::optional<std::vector<int64_t>> getIntList(llvm::StringRef key,
                                                 IntRange range);
  std::optional<std::vector<std::string>> getStringList(llvm::StringRef key);
  /// A nested map; reports a type error (and returns nullopt) otherwise.
  std::optional<MapReader> getMap(llvm::StringRef key,
                                  llvm::StringRef specName = {});

  /// Reports `key`, if present, as not applicable here (strict mode only;
  /// lenient trees ignore it like any key transformers would not read).
  void rejectIfPresent(llvm::StringRef key, const llvm::Twine &why);
  /// Reports each key never taken (strict mode), with a did-you-mean
  /// against `known` plus every key taken so far.
  void finish(llvm::ArrayRef<llvm::StringRef> alsoKnown = {});

  /// Reports `message` at `key`'s value (or at this map when absent).
  void errorAt(llvm::StringRef key, const llvm::Twine &message);
  /// "model.hidden_size" style name of a key, for messages.
  std::string display(llvm::StringRef key) const;
  std::string spec(llvm::StringRef key) const;
  SourcePos positionOf(llvm::StringRef key) const;
  SourcePos getOwnerPos() const { return ownerPos; }
  /// This map's name in messages ("spec" for the root).
  std::string getName() const {
    return displayPath.empty() ? "spec" : displayPath;
  }
  DiagnosticSink &getSink() { return sink; }
  SpecSourceMap &getSourceMap() { return sourceMap; }
  ReadMode getMode() const { return mode; }

private:
  const ConfigNode *find(llvm::StringRef key, bool markUsed) const;
  const ConfigNode *takeScalar(llvm::StringRef key);
  void typeError(llvm::StringRef key, const ConfigNode &node,
                 const llvm::Twine &expected);

  const ConfigNode *map;
  std::string displayPath;
  std::string specPath;
  SourcePos ownerPos;
  DiagnosticSink &sink;
  SpecSourceMap &sourceMap;
  ReadMode mode;
  mutable std::vector<bool> used;
  /// Every key asked for, present or not: the schema, for did-you-mean.
  mutable std::vector<std::string> queried;
};

/// The closest of `candidates` to `word` by edit distance, if close enough
/// to be a plausible misspelling.
std::optional<std::string>
suggestClosest(llvm::StringRef word,
               llvm::ArrayRef<llvm::StringRef> candidates);

//===----------------------------------------------------------------------===//
// Input checks run before any parser sees the text (InputChecks.cpp)
//===----------------------------------------------------------------------===//

/// Position of the first NUL, disallowed control character or invalid
/// UTF-8 sequence; reported as binary data.
std::optional<std::pair<SourcePos, std::string>>
findBinaryData(llvm::StringRef text);

/// Upper bound of the nesting depth of a YAML document, found lexically
/// (flow brackets, block indentation, compact `- ` / `? ` entries); the
/// position where `limit` is first exceeded.
std::optional<SourcePos> findYamlNestingOverflow(llvm::StringRef text,
                                                 unsigned limit);
/// The same for JSON (brackets outside strings).
std::optional<SourcePos> findJsonNestingOverflow(llvm::StringRef text,
                                                 unsigned limit);

/// 1-based line/column of byte `offset` (columns count bytes).
SourcePos positionOfOffset(llvm::StringRef text, size_t offset);

/// Checks shared by both formats: size, emptiness, binary data, nesting.
llvm::Error checkInputText(llvm::StringRef text, llvm::StringRef fileName,
                           bool json, unsigned maxDepth, uint64_t maxBytes);

//===----------------------------------------------------------------------===//
// Section readers (SpecSections.cpp)
//===----------------------------------------------------------------------===//

/// The text model: a YAML `model:` section or an HF text config. `family`
/// is the declared family (YAML) or the one implied by model_type (JSON);
/// model_type defaults to `defaultModelType`, else to the family's.
void readTextConfig(MapReader &reader, ModelFamily family,
                    llvm::StringRef defaultModelType, TextConfig &out);

/// thinker_config minus text_config: encoders and merge token ids.
void readThinkerConfig(MapReader &reader, ThinkerConfig &out);

/// The training: / target: sections; a null reader gives the defaults.
void readTrainingConfig(MapReader *reader, const ModelSpec &spec,
                        TrainingConfig &out);
void readTargetConfig(MapReader *reader, TargetConfig &out);

/// The family an HF model_type belongs to, if Zen supports it.
std::optional<ModelFamily> familyOfModelType(llvm::StringRef modelType);

/// LoRA target module names valid for a family, and the default set.
llvm::ArrayRef<llvm::StringRef> loraModulesFor(ModelFamily family);
llvm::ArrayRef<llvm::StringRef> defaultLoraModulesFor(ModelFamily family);

} // namespace mlir::zen::detail

#endif // ZEN_LIB_FRONTEND_SPECREADER_H

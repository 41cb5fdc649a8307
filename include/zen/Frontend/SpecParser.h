//===- SpecParser.h - YAML specs, HF config.json, spec lookup ---*- C++ -*-===//
//
// Entry points of the front-end: turn a YAML model spec or a HuggingFace
// config.json into a validated ModelSpec, and find a spec file by the rules
// documented in docs/spec-format.md (cwd, then the bundled specs/, then
// ZEN_SPEC_PATH). Every failure is returned as an llvm::Error (a SpecError
// with `FILE:LINE:COL: error: ...` diagnostics for bad input); nothing here
// prints or exits.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_FRONTEND_SPECPARSER_H
#define ZEN_FRONTEND_SPECPARSER_H

#include "zen/Frontend/ModelSpec.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::zen {

enum class SpecFormat {
  /// `.json` files are HF configs; anything else is a YAML spec, unless its
  /// first non-blank character is `{` (a config.json under another name).
  Auto,
  YAML,
  HFConfig,
};

struct SpecParseOptions {
  SpecFormat format = SpecFormat::Auto;
  /// Deeper nesting is rejected before the YAML/JSON parser sees the text:
  /// both parsers recurse per level and would overflow the stack on
  /// adversarial input. Real specs nest 4 levels at most.
  unsigned maxNestingDepth = 64;
  /// Larger files are rejected up front; a real config.json is ~20 KiB.
  uint64_t maxFileBytes = 16u << 20;
};

/// Parses a YAML spec held in memory; `fileName` is used in diagnostics.
llvm::Expected<ModelSpec> parseYamlSpec(llvm::StringRef text,
                                        llvm::StringRef fileName,
                                        const SpecParseOptions &options = {});

/// Imports an HF config.json (model_type qwen3, qwen3_moe, qwen3_next,
/// qwen3_omni_moe / qwen3_omni_moe_thinker). Keys Zen does not read are
/// ignored, as transformers ignores them; keys it reads are type- and
/// range-checked like YAML values. The spec's name comes from the
/// directory holding config.json, training and target take their defaults.
llvm::Expected<ModelSpec> importHFConfig(llvm::StringRef text,
                                         llvm::StringRef fileName,
                                         const SpecParseOptions &options = {});

/// Reads a YAML file holding a spec's `training:` section on its own (same
/// keys and defaults) into `spec.training`: the training settings of a model
/// described by an HF config.json, which has none.
llvm::Error parseTrainingYaml(llvm::StringRef text, llvm::StringRef fileName,
                              ModelSpec &spec,
                              const SpecParseOptions &options = {});

/// Reads `path` and dispatches on `options.format`. A directory is accepted
/// when it holds a config.json (an HF checkpoint directory).
llvm::Expected<ModelSpec> loadSpecFile(llvm::StringRef path,
                                       const SpecParseOptions &options = {});

//===----------------------------------------------------------------------===//
// Spec lookup
//===----------------------------------------------------------------------===//

struct SpecLookupOptions {
  /// The bundled specs/ directory (zen-compile passes the source tree's
  /// specs/ or $ZEN_SPECS_DIR).
  std::string bundledSpecsDir;
  /// Extra directories searched after the bundled one ($ZEN_SPEC_PATH).
  std::vector<std::string> searchPath;
};

struct ResolvedSpecPath {
  std::string path;
  /// True when `path` differs from what the user typed (found through the
  /// search, or config.json inside a directory): tools say which file they
  /// used.
  bool found = false;
};

/// Finds `path`: as given (relative to the working directory), then -- for
/// relative paths only -- under the bundled specs directory and each search
/// directory in order. A directory stands for its config.json.
llvm::Expected<ResolvedSpecPath>
resolveSpecPath(llvm::StringRef path, const SpecLookupOptions &options);

/// Splits a colon-separated directory list, dropping empty entries.
std::vector<std::string> splitSearchPath(llvm::StringRef list);

} // namespace mlir::zen

#endif // ZEN_FRONTEND_SPECPARSER_H

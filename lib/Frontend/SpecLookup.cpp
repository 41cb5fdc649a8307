//===- SpecLookup.cpp - Finding and loading spec files --------------------===//
//
// `zen-compile models/next.yaml` must work from any directory: a relative
// path that does not exist under the working directory is looked up in the
// bundled specs/ directory, then in each ZEN_SPEC_PATH directory. Loading
// refuses anything that is not a regular file before reading it (a FIFO or
// /dev/zero would otherwise hang or exhaust memory).
//
//===----------------------------------------------------------------------===//

#include "zen/Frontend/SpecParser.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace mlir::zen;
using llvm::StringRef;
namespace fs = llvm::sys::fs;

std::vector<std::string> mlir::zen::splitSearchPath(StringRef list) {
  llvm::SmallVector<StringRef> parts;
  list.split(parts, ':', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  std::vector<std::string> out;
  for (StringRef part : parts)
    out.push_back(part.str());
  return out;
}

/// A checkpoint directory stands for its config.json.
static std::optional<std::string> configInDirectory(StringRef dir) {
  llvm::SmallString<256> config(dir);
  llvm::sys::path::append(config, "config.json");
  if (fs::is_regular_file(config))
    return std::string(config);
  return std::nullopt;
}

llvm::Expected<ResolvedSpecPath>
mlir::zen::resolveSpecPath(StringRef path, const SpecLookupOptions &options) {
  if (path.empty())
    return makeSpecError("<spec>", {}, "no spec file given");
  auto resolveExisting = [](StringRef candidate,
                            bool viaSearch) -> ResolvedSpecPath {
    if (fs::is_directory(candidate))
      if (std::optional<std::string> config = configInDirectory(candidate))
        return {*config, true};
    return {candidate.str(), viaSearch};
  };
  if (fs::exists(path))
    return resolveExisting(path, false);
  if (llvm::sys::path::is_absolute(path))
    return makeSpecError(path, {}, "no such file or directory");

  std::vector<std::string> dirs;
  if (!options.bundledSpecsDir.empty())
    dirs.push_back(options.bundledSpecsDir);
  dirs.insert(dirs.end(), options.searchPath.begin(), options.searchPath.end());
  for (const std::string &dir : dirs) {
    llvm::SmallString<256> candidate(dir);
    llvm::sys::path::append(candidate, path);
    if (fs::exists(candidate))
      return resolveExisting(candidate, true);
  }
  std::string looked = "the working directory";
  for (const std::string &dir : dirs)
    looked += ", " + dir;
  return makeSpecError(path, {},
                       "no such file or directory (looked in " + looked + ")");
}

static SpecFormat detectFormat(StringRef path, StringRef text) {
  StringRef ext = llvm::sys::path::extension(path);
  if (ext.equals_insensitive(".json"))
    return SpecFormat::HFConfig;
  if (ext.equals_insensitive(".yaml") || ext.equals_insensitive(".yml"))
    return SpecFormat::YAML;
  return text.ltrim().starts_with("{") ? SpecFormat::HFConfig
                                       : SpecFormat::YAML;
}

llvm::Expected<ModelSpec>
mlir::zen::loadSpecFile(StringRef path, const SpecParseOptions &options) {
  std::string file = path.str();
  fs::file_status status;
  if (std::error_code ec = fs::status(file, status))
    return makeSpecError(file, {}, "cannot open: " + ec.message());
  if (status.type() == fs::file_type::directory_file) {
    std::optional<std::string> config = configInDirectory(file);
    if (!config)
      return makeSpecError(file, {},
                           "is a directory; expected a spec file (.yaml), an "
                           "HF config.json or a checkpoint directory holding "
                           "config.json");
    file = *config;
    if (std::error_code ec = fs::status(file, status))
      return makeSpecError(file, {}, "cannot open: " + ec.message());
  }
  if (status.type() != fs::file_type::regular_file)
    return makeSpecError(file, {},
                         "not a regular file; expected a spec file (.yaml) "
                         "or an HF config.json");
  if (status.getSize() > options.maxFileBytes)
    return makeSpecError(file, {},
                         "file is " + llvm::Twine(status.getSize()) +
                             " bytes; a spec or config.json is at most " +
                             llvm::Twine(options.maxFileBytes) + " bytes");
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(file, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!buffer)
    return makeSpecError(file, {},
                         "cannot read: " + buffer.getError().message());
  StringRef text = (*buffer)->getBuffer();
  SpecFormat format = options.format == SpecFormat::Auto
                          ? detectFormat(file, text)
                          : options.format;
  if (format == SpecFormat::HFConfig)
    return importHFConfig(text, file, options);
  return parseYamlSpec(text, file, options);
}

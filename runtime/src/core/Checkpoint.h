//===- Checkpoint.h - Safetensors checkpoints: file, dir, sharded -*- C++ -*-===//
//
// A Checkpoint is what zen_safetensors_open() returns: one or more mapped
// safetensors files presented as a single name-ordered list of tensors.
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_RUNTIME_CORE_CHECKPOINT_H
#define ZEN_RUNTIME_CORE_CHECKPOINT_H

#include "MappedFile.h"
#include "SafetensorsFormat.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace zen::rt {

/// The names transformers uses inside a checkpoint directory.
inline constexpr const char *kSingleFileName = "model.safetensors";
inline constexpr const char *kIndexFileName = "model.safetensors.index.json";

class Checkpoint {
public:
  /// Opens a safetensors file, a sharded index (*.json), or a directory
  /// holding either (see zen_safetensors_open for the rules).
  static zen_status_t open(const std::string &path,
                           std::unique_ptr<Checkpoint> &out);

  const std::vector<TensorEntry> &tensors() const { return tensors_; }
  /// The tensor named `name`, or nullptr.
  const TensorEntry *find(std::string_view name) const;
  const MetadataMap &metadata() const { return metadata_; }
  size_t fileCount() const { return files_.size(); }
  const std::string &filePath(size_t i) const { return files_[i]->path(); }

private:
  Checkpoint() = default;
  zen_status_t openSingle(const std::string &path);
  zen_status_t openIndex(const std::string &indexPath);
  /// Maps and parses one file, appending it to files_.
  zen_status_t mapFile(const std::string &path, SafetensorsContents &contents);

  std::vector<std::unique_ptr<MappedFile>> files_;
  std::vector<TensorEntry> tensors_; // sorted by name
  MetadataMap metadata_;             // sorted by key
};

} // namespace zen::rt

#endif // ZEN_RUNTIME_CORE_CHECKPOINT_H

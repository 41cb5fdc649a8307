//===- MappedFile.h - Read-only memory-mapped files --------------*- C++ -*-===//
#ifndef ZEN_RUNTIME_CORE_MAPPEDFILE_H
#define ZEN_RUNTIME_CORE_MAPPEDFILE_H

#include "Status.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace zen::rt {

/// A whole regular file mapped PROT_READ / MAP_PRIVATE. The descriptor is
/// closed right after mapping; the mapping keeps the file alive.
class MappedFile {
public:
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;
  ~MappedFile();

  /// Maps `path`. Errors (NOT_FOUND, IO_ERROR, INVALID_ARGUMENT for a
  /// directory or other non-regular file) name the path.
  static zen_status_t open(const std::string &path,
                           std::unique_ptr<MappedFile> &out);

  const std::string &path() const { return path_; }
  const uint8_t *data() const { return data_; }
  size_t size() const { return size_; }

private:
  MappedFile() = default;
  std::string path_;
  const uint8_t *data_ = nullptr;
  size_t size_ = 0;
  void *mapping_ = nullptr; // nullptr for an empty file (mmap rejects size 0)
};

/// Reads a whole (small) file into `out`, refusing files above `maxBytes`.
zen_status_t readWholeFile(const std::string &path, size_t maxBytes,
                           std::string &out);

/// Joins a directory and a relative name with '/'.
std::string joinPath(const std::string &dir, const std::string &name);
/// The directory part of `path` ("." when there is none).
std::string parentDirectory(const std::string &path);

enum class PathKind { Missing, Directory, RegularFile, Other };
/// Classifies `path` (following symlinks); Missing also covers stat errors.
PathKind pathKind(const std::string &path);

} // namespace zen::rt

#endif // ZEN_RUNTIME_CORE_MAPPEDFILE_H

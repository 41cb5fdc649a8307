//===- SafetensorsWriter.h - Writing safetensors files -----------*- C++ -*-===//
#ifndef ZEN_RUNTIME_CORE_SAFETENSORSWRITER_H
#define ZEN_RUNTIME_CORE_SAFETENSORSWRITER_H

#include "Status.h"

#include <cstdint>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace zen::rt {

/// Collects borrowed tensors and metadata; write() lays them out like the
/// reference writer and saves the file atomically.
class SafetensorsWriter {
public:
  zen_status_t addMetadata(const std::string &key, const std::string &value);
  zen_status_t addTensor(const std::string &name, zen_dtype_t dtype,
                         std::vector<int64_t> shape, const void *data,
                         uint64_t numBytes);
  zen_status_t write(const std::string &path) const;

  /// The header JSON (padded) and the order of tensors in the data section,
  /// exposed for tests.
  std::string buildHeader(std::vector<size_t> &order) const;

private:
  struct Pending {
    std::string name;
    zen_dtype_t dtype;
    std::vector<int64_t> shape;
    const void *data;
    uint64_t numBytes;
  };
  std::vector<Pending> tensors_;
  std::vector<std::pair<std::string, std::string>> metadata_;
  // For duplicate checks without quadratic scans (checkpoints may hold
  // hundreds of thousands of tensors).
  std::unordered_set<std::string> tensorNames_, metadataKeys_;
};

} // namespace zen::rt

#endif // ZEN_RUNTIME_CORE_SAFETENSORSWRITER_H

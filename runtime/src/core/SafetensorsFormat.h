//===- SafetensorsFormat.h - Parsing one safetensors file --------*- C++ -*-===//
//
// A safetensors file is: an 8-byte little-endian header length N, N bytes of
// UTF-8 JSON mapping tensor names to {"dtype", "shape", "data_offsets"} (plus
// an optional "__metadata__" string map), then the data section; each
// tensor's bytes are data_offsets [begin, end) of the data section.
// parseSafetensors() checks every rule of the format on an in-memory image, so
// it is testable without files and shared by single-file and sharded
// checkpoints.
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_RUNTIME_CORE_SAFETENSORSFORMAT_H
#define ZEN_RUNTIME_CORE_SAFETENSORSFORMAT_H

#include "Status.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zen::rt {

/// The largest header the reference implementation accepts (100 MB).
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100000000;

struct TensorEntry {
  std::string name;
  zen_dtype_t dtype = ZEN_DTYPE_INVALID;
  std::vector<int64_t> shape;
  uint64_t numElements = 0;
  uint64_t numBytes = 0;
  /// data_offsets, relative to the start of the data section.
  uint64_t begin = 0, end = 0;
  /// The tensor's first byte inside the image.
  const uint8_t *data = nullptr;
  /// Index of the file holding the tensor (sharded checkpoints).
  size_t file = 0;
};

using MetadataMap = std::vector<std::pair<std::string, std::string>>;

struct SafetensorsContents {
  std::vector<TensorEntry> tensors; // sorted by name
  MetadataMap metadata;             // sorted by key
  uint64_t headerBytes = 0;         // N
};

/// Parses and validates the image `bytes[0, size)` of a safetensors file.
/// Every message starts with `label` (the file path) and names the tensor at
/// fault. Tensor data pointers point into `bytes`. With `byteDTypes`, BOOL
/// and U8 tensors are accepted as ZEN_DTYPE_BOOL (masks in training batches);
/// checkpoints never hold them.
zen_status_t parseSafetensors(const std::string &label, const uint8_t *bytes,
                              size_t size, SafetensorsContents &out,
                              bool byteDTypes = false);

} // namespace zen::rt

#endif // ZEN_RUNTIME_CORE_SAFETENSORSFORMAT_H

//===- SafetensorsWriter.cpp - Writing safetensors files ------------------===//

#include "SafetensorsWriter.h"

#include "AtomicFile.h"
#include "CheckedMath.h"
#include "DType.h"
#include "Json.h"
#include "SafetensorsFormat.h"

#include <algorithm>
#include <cstring>

namespace zen::rt {

namespace {
zen_status_t invalid(const std::string &message) {
  return makeStatus(ZEN_STATUS_INVALID_ARGUMENT, message);
}
} // namespace

zen_status_t SafetensorsWriter::addMetadata(const std::string &key,
                                            const std::string &value) {
  if (!json::isValidUtf8(key) || !json::isValidUtf8(value))
    return invalid("metadata key " + quoted(key) + ": not valid UTF-8");
  if (!metadataKeys_.insert(key).second)
    return invalid("metadata key " + quoted(key) + " added twice");
  metadata_.emplace_back(key, value);
  return nullptr;
}

zen_status_t SafetensorsWriter::addTensor(const std::string &name,
                                          zen_dtype_t dtype,
                                          std::vector<int64_t> shape,
                                          const void *data, uint64_t numBytes) {
  if (name.empty())
    return invalid("tensor name is empty");
  if (name == "__metadata__")
    return invalid("'__metadata__' is reserved and cannot name a tensor");
  if (!json::isValidUtf8(name))
    return invalid("tensor name " + quoted(name) + " is not valid UTF-8");
  if (!isValidDType(dtype))
    return invalid(cat("tensor ", quoted(name), ": invalid dtype ",
                       static_cast<int>(dtype)));
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] < 0)
      return invalid(cat("tensor ", quoted(name), ": shape[", i, "] is ",
                         shape[i], "; dimensions must be non-negative"));
  uint64_t elements, bytes;
  if (!checkedProduct(shape, elements) ||
      !checkedMul(elements, dtypeSize(dtype), bytes))
    return invalid("tensor " + quoted(name) + ": shape " + formatShape(shape) +
                   " is too large");
  if (bytes != numBytes)
    return invalid(cat("tensor ", quoted(name), ": ", dtypeName(dtype),
                       " shape ", formatShape(shape), " needs ", bytes,
                       " bytes, but ", numBytes, " were given"));
  if (!data && bytes != 0)
    return invalid("tensor " + quoted(name) + ": data is NULL");
  if (!tensorNames_.insert(name).second)
    return invalid("tensor " + quoted(name) + " added twice");
  tensors_.push_back({name, dtype, std::move(shape), data, numBytes});
  return nullptr;
}

std::string SafetensorsWriter::buildHeader(std::vector<size_t> &order) const {
  // Largest elements first, then by name (the reference writer's order):
  // with an 8-aligned data section every tensor is then aligned to its
  // element size, so readers may use the mapped data in place.
  order.resize(tensors_.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    size_t sa = dtypeSize(tensors_[a].dtype), sb = dtypeSize(tensors_[b].dtype);
    if (sa != sb)
      return sa > sb;
    return tensors_[a].name < tensors_[b].name;
  });

  std::string header = "{";
  bool first = true;
  if (!metadata_.empty()) {
    std::vector<std::pair<std::string, std::string>> sorted = metadata_;
    std::sort(sorted.begin(), sorted.end());
    header += "\"__metadata__\":{";
    for (size_t i = 0; i < sorted.size(); ++i) {
      if (i)
        header += ',';
      json::appendQuoted(header, sorted[i].first);
      header += ':';
      json::appendQuoted(header, sorted[i].second);
    }
    header += '}';
    first = false;
  }
  uint64_t offset = 0;
  for (size_t i : order) {
    const Pending &t = tensors_[i];
    if (!first)
      header += ',';
    first = false;
    json::appendQuoted(header, t.name);
    header += cat(":{\"dtype\":\"", dtypeName(t.dtype), "\",\"shape\":[");
    for (size_t d = 0; d < t.shape.size(); ++d)
      header += cat(d ? "," : "", t.shape[d]);
    header += cat("],\"data_offsets\":[", offset, ",", offset + t.numBytes, "]}");
    offset += t.numBytes;
  }
  header += '}';
  // Pad with spaces (the format allows trailing whitespace) so the data
  // section starts 8-byte aligned.
  header.append((8 - header.size() % 8) % 8, ' ');
  return header;
}

zen_status_t SafetensorsWriter::write(const std::string &path) const {
  uint64_t total = 0;
  for (const Pending &t : tensors_)
    if (!checkedAdd(total, t.numBytes, total))
      return invalid(path + ": total tensor size overflows 64 bits");
  std::vector<size_t> order;
  std::string header = buildHeader(order);
  if (header.size() > kMaxSafetensorsHeaderBytes)
    return invalid(cat(path, ": the header would be ", header.size(),
                       " bytes, above the format's ",
                       kMaxSafetensorsHeaderBytes, "-byte limit"));
  uint64_t headerLength = header.size();
  unsigned char lengthBytes[8];
  std::memcpy(lengthBytes, &headerLength, 8); // little-endian host
  std::vector<ByteRange> pieces;
  pieces.reserve(order.size() + 2);
  pieces.push_back({lengthBytes, 8});
  pieces.push_back({header.data(), header.size()});
  for (size_t i : order)
    if (tensors_[i].numBytes)
      pieces.push_back({tensors_[i].data, static_cast<size_t>(tensors_[i].numBytes)});
  return writeFileAtomically(path, pieces);
}

} // namespace zen::rt

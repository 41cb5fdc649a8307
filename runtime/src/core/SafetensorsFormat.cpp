//===- SafetensorsFormat.cpp - Parsing one safetensors file ---------------===//
//
// The rules follow the safetensors specification and its reference (Rust)
// implementation, so Zen accepts exactly the files transformers can load:
// header at most 100 MB and starting with '{'; tensor byte ranges that are
// in bounds, sized product(shape) * dtype size, and tile the data section
// with no overlaps or holes.
//
//===----------------------------------------------------------------------===//

#include "SafetensorsFormat.h"

#include "CheckedMath.h"
#include "DType.h"
#include "Json.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace zen::rt {

namespace {

/// Describes a JSON value for a message: numbers and short strings verbatim,
/// everything else by kind.
std::string show(const json::Value &v) {
  if (v.kind == json::Kind::Number)
    return v.text;
  if (v.kind == json::Kind::String && v.text.size() <= 40)
    return "\"" + v.text + "\"";
  return json::describe(v.kind);
}

std::string range(uint64_t begin, uint64_t end) {
  return cat("[", begin, ", ", end, ")");
}

class HeaderChecker {
public:
  HeaderChecker(const std::string &label, uint64_t headerStart)
      : label(label), headerStart(headerStart) {}

  zen_status_t error(const std::string &message) const {
    return makeStatus(ZEN_STATUS_INVALID_FORMAT, label + ": " + message);
  }
  zen_status_t tensorError(const std::string &name,
                           const std::string &message) const {
    return error("tensor " + quoted(name) + ": " + message);
  }
  /// "header byte 12 (file offset 20)".
  std::string where(size_t headerOffset) const {
    return cat("header byte ", headerOffset, " (file offset ",
               headerOffset + headerStart, ")");
  }

  /// Reports the first key that appears twice in `object`.
  zen_status_t checkUniqueKeys(const json::Value &object,
                               const std::string &what) const {
    std::vector<const json::Member *> sorted;
    sorted.reserve(object.members.size());
    for (const json::Member &m : object.members)
      sorted.push_back(&m);
    std::sort(sorted.begin(), sorted.end(),
              [](const json::Member *a, const json::Member *b) {
                return a->key != b->key ? a->key < b->key
                                        : a->keyOffset < b->keyOffset;
              });
    for (size_t i = 1; i < sorted.size(); ++i)
      if (sorted[i]->key == sorted[i - 1]->key)
        return error(cat("duplicate ", what, " ", quoted(sorted[i]->key),
                         " (at ", where(sorted[i - 1]->keyOffset), " and ",
                         where(sorted[i]->keyOffset), ")"));
    return nullptr;
  }

  zen_status_t parseMetadata(const json::Value &v, MetadataMap &out) const {
    if (v.kind != json::Kind::Object)
      return error(cat("__metadata__ must be an object mapping strings to "
                       "strings, found ",
                       json::describe(v.kind), " at ", where(v.offset)));
    ZEN_RETURN_IF_ERROR(checkUniqueKeys(v, "__metadata__ key"));
    for (const json::Member &m : v.members) {
      if (m.value.kind != json::Kind::String)
        return error(cat("__metadata__ value for key ", quoted(m.key),
                         " must be a string, found ", show(m.value), " at ",
                         where(m.value.offset)));
      if (m.key.find('\0') != std::string::npos ||
          m.value.text.find('\0') != std::string::npos)
        return error(cat("__metadata__ entry ", quoted(m.key),
                         " contains a NUL character"));
      out.emplace_back(m.key, m.value.text);
    }
    std::sort(out.begin(), out.end());
    return nullptr;
  }

  zen_status_t parseShape(const std::string &name, const json::Value &v,
                          TensorEntry &t) const {
    if (v.kind != json::Kind::Array)
      return tensorError(name, "shape must be an array of non-negative "
                               "integers, found " + show(v));
    for (size_t i = 0; i < v.items.size(); ++i) {
      const json::Value &d = v.items[i];
      if (d.kind != json::Kind::Number || !d.isUInt ||
          d.uint > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return tensorError(name, cat("shape[", i, "] is ", show(d),
                                     "; shape entries must be non-negative "
                                     "integers below 2^63"));
      t.shape.push_back(static_cast<int64_t>(d.uint));
    }
    return nullptr;
  }

  zen_status_t parseOffsets(const std::string &name, const json::Value &v,
                            TensorEntry &t) const {
    bool ok = v.kind == json::Kind::Array && v.items.size() == 2;
    for (size_t i = 0; ok && i < 2; ++i)
      ok = v.items[i].kind == json::Kind::Number && v.items[i].isUInt;
    if (!ok) {
      std::string found = show(v);
      if (v.kind == json::Kind::Array) {
        found = "[";
        for (size_t i = 0; i < v.items.size() && i < 4; ++i)
          found += (i ? ", " : "") + show(v.items[i]);
        found += v.items.size() > 4 ? ", ...]" : "]";
      }
      return tensorError(name, "data_offsets must be [begin, end] with two "
                               "non-negative integers, found " + found);
    }
    t.begin = v.items[0].uint;
    t.end = v.items[1].uint;
    if (t.begin > t.end)
      return tensorError(name, cat("data_offsets [", t.begin, ", ", t.end,
                                   "] has begin > end"));
    return nullptr;
  }

  zen_status_t parseTensor(const std::string &name, const json::Value &v,
                           uint64_t dataSize, TensorEntry &t) const {
    t.name = name;
    if (name.find('\0') != std::string::npos)
      return error("a tensor name contains a NUL character");
    if (v.kind != json::Kind::Object)
      return tensorError(name, "expected an object with dtype, shape and "
                               "data_offsets, found " + show(v));
    ZEN_RETURN_IF_ERROR(checkUniqueKeys(v, "key in tensor " + quoted(name) + ":"));
    const json::Value *dtype = v.find("dtype");
    const json::Value *shape = v.find("shape");
    const json::Value *offsets = v.find("data_offsets");
    for (auto [field, value] : {std::pair{"dtype", dtype}, std::pair{"shape", shape},
                                std::pair{"data_offsets", offsets}})
      if (!value)
        return tensorError(name, cat("missing \"", field, "\""));

    if (dtype->kind != json::Kind::String)
      return tensorError(name, "dtype must be a string, found " + show(*dtype));
    DTypeLookup lookup = parseSafetensorsDType(dtype->text, t.dtype);
    if (byteDTypes && (dtype->text == "BOOL" || dtype->text == "U8")) {
      t.dtype = ZEN_DTYPE_BOOL; // one byte per element; the caller checks 0/1
      lookup = DTypeLookup::Supported;
    }
    switch (lookup) {
    case DTypeLookup::Supported:
      break;
    case DTypeLookup::Unsupported:
      return makeStatus(ZEN_STATUS_UNSUPPORTED,
                        label + ": tensor " + quoted(name) +
                            ": unsupported dtype " + dtype->text +
                            " (Zen reads " + supportedDTypeList() + ")");
    case DTypeLookup::Unknown:
      return tensorError(name, "unknown dtype " + show(*dtype) +
                                   " (Zen reads " + supportedDTypeList() + ")");
    }
    ZEN_RETURN_IF_ERROR(parseShape(name, *shape, t));
    ZEN_RETURN_IF_ERROR(parseOffsets(name, *offsets, t));
    if (t.end > dataSize)
      return tensorError(name, cat("data_offsets end ", t.end,
                                   " lies beyond the data section (", dataSize,
                                   " bytes)"));
    uint64_t elements, bytes;
    if (!checkedProduct(t.shape, elements) ||
        !checkedMul(elements, dtypeSize(t.dtype), bytes))
      return tensorError(name, "shape " + formatShape(t.shape) + " of " +
                                   dtypeName(t.dtype) +
                                   " needs more bytes than fit in 64 bits");
    if (bytes != t.end - t.begin)
      return tensorError(name, cat("data_offsets [", t.begin, ", ", t.end,
                                   "] span ", t.end - t.begin, " bytes, but ",
                                   dtypeName(t.dtype), " shape ",
                                   formatShape(t.shape), " needs ", bytes,
                                   " bytes"));
    t.numElements = elements;
    t.numBytes = bytes;
    return nullptr;
  }

  /// The byte ranges must tile [0, dataSize) exactly: the format forbids
  /// overlaps (aliasing) and holes (room for a polyglot payload).
  zen_status_t checkCoverage(const std::vector<TensorEntry> &tensors,
                             uint64_t dataSize) const {
    std::vector<const TensorEntry *> byOffset;
    byOffset.reserve(tensors.size());
    for (const TensorEntry &t : tensors)
      byOffset.push_back(&t);
    std::sort(byOffset.begin(), byOffset.end(),
              [](const TensorEntry *a, const TensorEntry *b) {
                if (a->begin != b->begin)
                  return a->begin < b->begin;
                if (a->end != b->end)
                  return a->end < b->end;
                return a->name < b->name;
              });
    uint64_t covered = 0;            // end of the tiled prefix
    const TensorEntry *last = nullptr; // the tensor that ends at `covered`
    for (const TensorEntry *t : byOffset) {
      if (t->begin < covered)
        return error(cat("tensors ", quoted(last->name), " (bytes ",
                         range(last->begin, last->end), ") and ",
                         quoted(t->name), " (bytes ", range(t->begin, t->end),
                         ") overlap"));
      if (t->begin > covered)
        return error(cat("bytes ", range(covered, t->begin),
                         " of the data section belong to no tensor (before ",
                         quoted(t->name),
                         "); the safetensors format forbids holes"));
      covered = t->end;
      last = t;
    }
    if (covered != dataSize)
      return error(cat("the data section is ", dataSize, " bytes but its "
                       "tensors cover only ", covered,
                       "; the safetensors format forbids trailing bytes"));
    return nullptr;
  }

private:
  const std::string &label;
  uint64_t headerStart;

public:
  bool byteDTypes = false;
};

} // namespace

zen_status_t parseSafetensors(const std::string &label, const uint8_t *bytes,
                              size_t size, SafetensorsContents &out,
                              bool byteDTypes) {
  auto formatError = [&](const std::string &message) {
    return makeStatus(ZEN_STATUS_INVALID_FORMAT, label + ": " + message);
  };
  if (size < 8)
    return formatError(cat("file is ", size, " bytes, too small for the 8-byte "
                           "header length that starts a safetensors file"));
  uint64_t n;
  std::memcpy(&n, bytes, 8); // little-endian host (DType.cpp checks)
  if (n > kMaxSafetensorsHeaderBytes)
    return formatError(cat("header length ", n, " exceeds the ",
                           kMaxSafetensorsHeaderBytes,
                           "-byte limit (corrupt file, or not a safetensors "
                           "file?)"));
  if (n > size - 8)
    return formatError(cat("header length ", n,
                           " extends beyond the end of the file (", size,
                           " bytes; at most ", size - 8, " bytes of header fit)"));
  std::string_view header(reinterpret_cast<const char *>(bytes) + 8, n);
  if (header.empty() || header[0] != '{')
    return formatError("header does not start with '{': a safetensors header "
                       "is a JSON object (corrupt file, or not a safetensors "
                       "file?)");

  HeaderChecker checker(label, 8);
  checker.byteDTypes = byteDTypes;
  json::Value root;
  json::ParseError parseError;
  if (!json::parse(header, root, parseError))
    return formatError("header is not valid JSON: " + parseError.message +
                       " at " + checker.where(parseError.offset));
  // The parser accepted a value starting with '{', so it is an object.
  // Duplicate names are found after sorting by name, which the result needs
  // anyway (headers of large MoE checkpoints list ~100k tensors).
  uint64_t dataSize = size - 8 - n;
  const uint8_t *data = bytes + 8 + n;
  SafetensorsContents contents;
  contents.headerBytes = n;
  contents.tensors.reserve(root.members.size());
  std::vector<size_t> keyOffsets; // parallel to contents.tensors
  keyOffsets.reserve(root.members.size());
  const json::Member *metadata = nullptr;
  for (const json::Member &m : root.members) {
    if (m.key == "__metadata__") {
      if (metadata)
        return formatError(cat("duplicate tensor name '__metadata__' (at ",
                               checker.where(metadata->keyOffset), " and ",
                               checker.where(m.keyOffset), ")"));
      metadata = &m;
      ZEN_RETURN_IF_ERROR(checker.parseMetadata(m.value, contents.metadata));
      continue;
    }
    TensorEntry t;
    ZEN_RETURN_IF_ERROR(checker.parseTensor(m.key, m.value, dataSize, t));
    t.data = data + t.begin;
    contents.tensors.push_back(std::move(t));
    keyOffsets.push_back(m.keyOffset);
  }
  std::vector<size_t> byName(contents.tensors.size());
  for (size_t i = 0; i < byName.size(); ++i)
    byName[i] = i;
  const std::vector<TensorEntry> &tensors = contents.tensors;
  std::sort(byName.begin(), byName.end(), [&](size_t a, size_t b) {
    int c = tensors[a].name.compare(tensors[b].name);
    return c != 0 ? c < 0 : keyOffsets[a] < keyOffsets[b];
  });
  for (size_t i = 1; i < byName.size(); ++i)
    if (tensors[byName[i]].name == tensors[byName[i - 1]].name)
      return formatError(cat("duplicate tensor name ",
                             quoted(tensors[byName[i]].name), " (at ",
                             checker.where(keyOffsets[byName[i - 1]]), " and ",
                             checker.where(keyOffsets[byName[i]]), ")"));
  ZEN_RETURN_IF_ERROR(checker.checkCoverage(contents.tensors, dataSize));
  std::vector<TensorEntry> sorted;
  sorted.reserve(byName.size());
  for (size_t i : byName)
    sorted.push_back(std::move(contents.tensors[i]));
  contents.tensors = std::move(sorted);
  out = std::move(contents);
  return nullptr;
}

} // namespace zen::rt

//===- CApiSafetensors.cpp - C API: safetensors reader and writer ---------===//

#include "CApi.h"
#include "Checkpoint.h"
#include "DType.h"
#include "SafetensorsWriter.h"


using namespace zen::rt;

struct zen_safetensors {
  std::unique_ptr<Checkpoint> checkpoint;
};

struct zen_safetensors_writer {
  SafetensorsWriter writer;
};

namespace {

/// Resolves `index` to a tensor, or returns INVALID_ARGUMENT.
zen_status_t lookup(const zen_safetensors_t *ckpt, size_t index,
                    const char *function, const TensorEntry *&out) {
  ZEN_RETURN_IF_ERROR(requireNonNull(ckpt, function, "ckpt"));
  const auto &tensors = ckpt->checkpoint->tensors();
  if (index >= tensors.size())
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat(function, ": tensor index ", index,
                          " is out of range (the checkpoint has ",
                          tensors.size(), " tensors)"));
  out = &tensors[index];
  return nullptr;
}

void fillInfo(const Checkpoint &ckpt, const TensorEntry &t,
              zen_tensor_info_t &info) {
  // A scalar's shape is empty; still hand out a valid pointer.
  static const int64_t kNoDims[1] = {0};
  info.name = t.name.c_str();
  info.dtype = t.dtype;
  info.rank = static_cast<int32_t>(t.shape.size());
  info.shape = t.shape.empty() ? kNoDims : t.shape.data();
  info.num_elements = t.numElements;
  info.num_bytes = t.numBytes;
  info.file = ckpt.filePath(t.file).c_str();
}

/// "tensor 'x' not found in <file or the index>".
zen_status_t notFound(const Checkpoint &ckpt, const char *function,
                      const char *name) {
  std::string where = ckpt.fileCount() == 1 ? ckpt.filePath(0)
                                            : cat("the checkpoint's ",
                                                  ckpt.fileCount(), " shards");
  return makeStatus(ZEN_STATUS_NOT_FOUND, cat(function, ": tensor ",
                                              quoted(name), " not found in ",
                                              where));
}

} // namespace

extern "C" {

zen_status_t zen_safetensors_open(const char *path, zen_safetensors_t **out) {
  return guard("zen_safetensors_open", [&]() -> zen_status_t {
    ZEN_RETURN_IF_ERROR(requireNonNull(path, "zen_safetensors_open", "path"));
    ZEN_RETURN_IF_ERROR(requireNonNull(out, "zen_safetensors_open", "out"));
    std::unique_ptr<zen_safetensors> handle(new zen_safetensors());
    ZEN_RETURN_IF_ERROR(Checkpoint::open(path, handle->checkpoint));
    *out = handle.release();
    return nullptr;
  });
}

void zen_safetensors_close(zen_safetensors_t *ckpt) { delete ckpt; }

zen_status_t zen_safetensors_count(const zen_safetensors_t *ckpt,
                                   size_t *count) {
  ZEN_RETURN_IF_ERROR(requireNonNull(ckpt, "zen_safetensors_count", "ckpt"));
  ZEN_RETURN_IF_ERROR(requireNonNull(count, "zen_safetensors_count", "count"));
  *count = ckpt->checkpoint->tensors().size();
  return nullptr;
}

zen_status_t zen_safetensors_info(const zen_safetensors_t *ckpt, size_t index,
                                  zen_tensor_info_t *info) {
  return guard("zen_safetensors_info", [&]() -> zen_status_t {
    const TensorEntry *t = nullptr;
    ZEN_RETURN_IF_ERROR(lookup(ckpt, index, "zen_safetensors_info", t));
    ZEN_RETURN_IF_ERROR(requireNonNull(info, "zen_safetensors_info", "info"));
    fillInfo(*ckpt->checkpoint, *t, *info);
    return nullptr;
  });
}

zen_status_t zen_safetensors_find(const zen_safetensors_t *ckpt,
                                  const char *name, size_t *index) {
  return guard("zen_safetensors_find", [&]() -> zen_status_t {
    ZEN_RETURN_IF_ERROR(requireNonNull(ckpt, "zen_safetensors_find", "ckpt"));
    ZEN_RETURN_IF_ERROR(requireNonNull(name, "zen_safetensors_find", "name"));
    const Checkpoint &c = *ckpt->checkpoint;
    const TensorEntry *t = c.find(name);
    if (!t)
      return notFound(c, "zen_safetensors_find", name);
    if (index)
      *index = static_cast<size_t>(t - c.tensors().data());
    return nullptr;
  });
}

zen_status_t zen_safetensors_info_by_name(const zen_safetensors_t *ckpt,
                                          const char *name,
                                          zen_tensor_info_t *info) {
  return guard("zen_safetensors_info_by_name", [&]() -> zen_status_t {
    const char *fn = "zen_safetensors_info_by_name";
    ZEN_RETURN_IF_ERROR(requireNonNull(ckpt, fn, "ckpt"));
    ZEN_RETURN_IF_ERROR(requireNonNull(name, fn, "name"));
    ZEN_RETURN_IF_ERROR(requireNonNull(info, fn, "info"));
    const Checkpoint &c = *ckpt->checkpoint;
    const TensorEntry *t = c.find(name);
    if (!t)
      return notFound(c, fn, name);
    fillInfo(c, *t, *info);
    return nullptr;
  });
}

zen_status_t zen_safetensors_data(const zen_safetensors_t *ckpt, size_t index,
                                  const void **data, uint64_t *num_bytes) {
  return guard("zen_safetensors_data", [&]() -> zen_status_t {
    const TensorEntry *t = nullptr;
    ZEN_RETURN_IF_ERROR(lookup(ckpt, index, "zen_safetensors_data", t));
    ZEN_RETURN_IF_ERROR(requireNonNull(data, "zen_safetensors_data", "data"));
    ZEN_RETURN_IF_ERROR(
        requireNonNull(num_bytes, "zen_safetensors_data", "num_bytes"));
    *data = t->data;
    *num_bytes = t->numBytes;
    return nullptr;
  });
}

zen_status_t zen_safetensors_read_f32(const zen_safetensors_t *ckpt,
                                      size_t index, float *dst,
                                      uint64_t dst_count) {
  return guard("zen_safetensors_read_f32", [&]() -> zen_status_t {
    const char *fn = "zen_safetensors_read_f32";
    const TensorEntry *t = nullptr;
    ZEN_RETURN_IF_ERROR(lookup(ckpt, index, fn, t));
    if (t->dtype != ZEN_DTYPE_F32 && t->dtype != ZEN_DTYPE_BF16 &&
        t->dtype != ZEN_DTYPE_F16)
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat(fn, ": tensor ", quoted(t->name), " is ",
                            dtypeName(t->dtype),
                            "; only F32, BF16 and F16 tensors convert to f32"));
    if (dst_count != t->numElements)
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat(fn, ": tensor ", quoted(t->name), " has ",
                            t->numElements, " elements but the buffer holds ",
                            dst_count));
    if (t->numElements == 0)
      return nullptr;
    ZEN_RETURN_IF_ERROR(requireNonNull(dst, fn, "dst"));
    convertToF32(t->dtype, t->data, dst, static_cast<size_t>(t->numElements));
    return nullptr;
  });
}

zen_status_t zen_safetensors_metadata_count(const zen_safetensors_t *ckpt,
                                            size_t *count) {
  ZEN_RETURN_IF_ERROR(
      requireNonNull(ckpt, "zen_safetensors_metadata_count", "ckpt"));
  ZEN_RETURN_IF_ERROR(
      requireNonNull(count, "zen_safetensors_metadata_count", "count"));
  *count = ckpt->checkpoint->metadata().size();
  return nullptr;
}

zen_status_t zen_safetensors_metadata_entry(const zen_safetensors_t *ckpt,
                                            size_t index, const char **key,
                                            const char **value) {
  return guard("zen_safetensors_metadata_entry", [&]() -> zen_status_t {
    const char *fn = "zen_safetensors_metadata_entry";
    ZEN_RETURN_IF_ERROR(requireNonNull(ckpt, fn, "ckpt"));
    ZEN_RETURN_IF_ERROR(requireNonNull(key, fn, "key"));
    ZEN_RETURN_IF_ERROR(requireNonNull(value, fn, "value"));
    const MetadataMap &meta = ckpt->checkpoint->metadata();
    if (index >= meta.size())
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat(fn, ": metadata index ", index,
                            " is out of range (the checkpoint has ",
                            meta.size(), " entries)"));
    *key = meta[index].first.c_str();
    *value = meta[index].second.c_str();
    return nullptr;
  });
}

zen_status_t zen_safetensors_metadata_get(const zen_safetensors_t *ckpt,
                                          const char *key, const char **value) {
  return guard("zen_safetensors_metadata_get", [&]() -> zen_status_t {
    const char *fn = "zen_safetensors_metadata_get";
    ZEN_RETURN_IF_ERROR(requireNonNull(ckpt, fn, "ckpt"));
    ZEN_RETURN_IF_ERROR(requireNonNull(key, fn, "key"));
    ZEN_RETURN_IF_ERROR(requireNonNull(value, fn, "value"));
    for (const auto &entry : ckpt->checkpoint->metadata())
      if (entry.first == key) {
        *value = entry.second.c_str();
        return nullptr;
      }
    return makeStatus(ZEN_STATUS_NOT_FOUND,
                      cat(fn, ": no metadata key ", quoted(key)));
  });
}

zen_status_t zen_safetensors_file_count(const zen_safetensors_t *ckpt,
                                        size_t *count) {
  ZEN_RETURN_IF_ERROR(requireNonNull(ckpt, "zen_safetensors_file_count", "ckpt"));
  ZEN_RETURN_IF_ERROR(
      requireNonNull(count, "zen_safetensors_file_count", "count"));
  *count = ckpt->checkpoint->fileCount();
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Writer
//===----------------------------------------------------------------------===//

zen_status_t zen_safetensors_writer_create(zen_safetensors_writer_t **out) {
  return guard("zen_safetensors_writer_create", [&]() -> zen_status_t {
    ZEN_RETURN_IF_ERROR(
        requireNonNull(out, "zen_safetensors_writer_create", "out"));
    *out = new zen_safetensors_writer();
    return nullptr;
  });
}

void zen_safetensors_writer_free(zen_safetensors_writer_t *writer) {
  delete writer;
}

zen_status_t zen_safetensors_writer_add_metadata(zen_safetensors_writer_t *writer,
                                                 const char *key,
                                                 const char *value) {
  return guard("zen_safetensors_writer_add_metadata", [&]() -> zen_status_t {
    const char *fn = "zen_safetensors_writer_add_metadata";
    ZEN_RETURN_IF_ERROR(requireNonNull(writer, fn, "writer"));
    ZEN_RETURN_IF_ERROR(requireNonNull(key, fn, "key"));
    ZEN_RETURN_IF_ERROR(requireNonNull(value, fn, "value"));
    return prefixStatus(writer->writer.addMetadata(key, value),
                        std::string(fn) + ": ");
  });
}

zen_status_t zen_safetensors_writer_add_tensor(zen_safetensors_writer_t *writer,
                                               const char *name,
                                               zen_dtype_t dtype, int32_t rank,
                                               const int64_t *shape,
                                               const void *data,
                                               uint64_t num_bytes) {
  return guard("zen_safetensors_writer_add_tensor", [&]() -> zen_status_t {
    const char *fn = "zen_safetensors_writer_add_tensor";
    ZEN_RETURN_IF_ERROR(requireNonNull(writer, fn, "writer"));
    ZEN_RETURN_IF_ERROR(requireNonNull(name, fn, "name"));
    if (rank < 0)
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat(fn, ": tensor ", quoted(name), ": rank is ", rank,
                            "; must be >= 0"));
    if (rank > 0)
      ZEN_RETURN_IF_ERROR(requireNonNull(shape, fn, "shape"));
    std::vector<int64_t> dims(shape, shape + rank);
    return prefixStatus(
        writer->writer.addTensor(name, dtype, std::move(dims), data, num_bytes),
        std::string(fn) + ": ");
  });
}

zen_status_t zen_safetensors_writer_write(const zen_safetensors_writer_t *writer,
                                          const char *path) {
  return guard("zen_safetensors_writer_write", [&]() -> zen_status_t {
    const char *fn = "zen_safetensors_writer_write";
    ZEN_RETURN_IF_ERROR(requireNonNull(writer, fn, "writer"));
    ZEN_RETURN_IF_ERROR(requireNonNull(path, fn, "path"));
    return writer->writer.write(path);
  });
}

} // extern "C"

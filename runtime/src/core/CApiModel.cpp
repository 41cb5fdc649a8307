//===- CApiModel.cpp - C API: compiled models -----------------------------===//

#include "CApi.h"
#include "CApiModel.h"
#include "DType.h"
#include "Forward.h"

#include <cstring>

using namespace zen::rt;

namespace {

zen_status_t entryAt(const zen_model_t *model, size_t index, const char *fn,
                     const EntryPointDesc *&out) {
  ZEN_RETURN_IF_ERROR(requireNonNull(model, fn, "model"));
  const auto &entries = model->model->metadata().entryPoints;
  if (index >= entries.size())
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat(fn, ": entry point index ", index,
                          " is out of range (the model has ", entries.size(),
                          ")"));
  out = &entries[index];
  return nullptr;
}

void fillValue(const ValueDesc &v, zen_value_info_t &info) {
  static const int64_t kNoDims[1] = {0};
  info.name = v.name.c_str();
  info.kind = v.kind;
  info.dtype = v.dtype;
  info.rank = static_cast<int32_t>(v.shape.size());
  info.shape = v.shape.empty() ? kNoDims : v.shape.data();
  info.param_index = v.paramIndex;
}

/// Resolves an entry point name (NULL: "forward").
zen_status_t entryByName(const zen_model_t *model, const char *name,
                         size_t &index) {
  return model->model->findEntryPoint(name ? name : "forward", index);
}

/// Checks a zen_tensor_t and makes a TensorView of it.
zen_status_t viewOf(const zen_tensor_t &t, const char *fn, const char *what,
                    size_t i, TensorView &out) {
  if (t.rank < 0 || t.rank > ZEN_MAX_RANK)
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat(fn, ": ", what, "[", i, "].rank is ", t.rank,
                          "; must be in [0, ", ZEN_MAX_RANK, "]"));
  out.dtype = t.dtype;
  out.shape.assign(t.shape, t.shape + t.rank);
  out.data = t.data;
  return nullptr;
}

} // namespace

extern "C" {

zen_status_t zen_model_open(const char *path, zen_model_t **out) {
  return guard("zen_model_open", [&]() -> zen_status_t {
    ZEN_RETURN_IF_ERROR(requireNonNull(path, "zen_model_open", "path"));
    ZEN_RETURN_IF_ERROR(requireNonNull(out, "zen_model_open", "out"));
    std::unique_ptr<zen_model> handle(new zen_model());
    ZEN_RETURN_IF_ERROR(Model::open(path, handle->model));
    *out = handle.release();
    return nullptr;
  });
}

void zen_model_close(zen_model_t *model) { delete model; }

zen_status_t zen_model_info(const zen_model_t *model, zen_model_info_t *info) {
  ZEN_RETURN_IF_ERROR(requireNonNull(model, "zen_model_info", "model"));
  ZEN_RETURN_IF_ERROR(requireNonNull(info, "zen_model_info", "info"));
  const Model &m = *model->model;
  const ModelMetadata &meta = m.metadata();
  info->path = m.path().c_str();
  info->name = meta.model.c_str();
  info->family = meta.family.c_str();
  info->zen_version = meta.zenVersion.c_str();
  info->abi_version = meta.abiVersion;
  info->num_entry_points = meta.entryPoints.size();
  info->num_params = meta.params.size();
  info->param_elements = 0;
  info->param_bytes = 0;
  for (const ParamDesc &p : meta.params) {
    info->param_elements += p.numElements;
    info->param_bytes += p.numBytes;
  }
  info->num_bound_params = m.boundCount();
  return nullptr;
}

zen_status_t zen_model_metadata_json(const zen_model_t *model,
                                     const char **json) {
  ZEN_RETURN_IF_ERROR(
      requireNonNull(model, "zen_model_metadata_json", "model"));
  ZEN_RETURN_IF_ERROR(requireNonNull(json, "zen_model_metadata_json", "json"));
  *json = model->model->metadataJson().c_str();
  return nullptr;
}

zen_status_t zen_model_entry_point(const zen_model_t *model, size_t index,
                                   zen_entry_point_info_t *info) {
  return guard("zen_model_entry_point", [&]() -> zen_status_t {
    const EntryPointDesc *e = nullptr;
    ZEN_RETURN_IF_ERROR(entryAt(model, index, "zen_model_entry_point", e));
    ZEN_RETURN_IF_ERROR(requireNonNull(info, "zen_model_entry_point", "info"));
    info->name = e->name.c_str();
    info->symbol = e->symbol.c_str();
    info->num_args = e->args.size();
    info->num_inputs = e->numInputs;
    info->num_results = e->results.size();
    return nullptr;
  });
}

zen_status_t zen_model_find_entry_point(const zen_model_t *model,
                                        const char *name, size_t *index) {
  return guard("zen_model_find_entry_point", [&]() -> zen_status_t {
    const char *fn = "zen_model_find_entry_point";
    ZEN_RETURN_IF_ERROR(requireNonNull(model, fn, "model"));
    ZEN_RETURN_IF_ERROR(requireNonNull(name, fn, "name"));
    ZEN_RETURN_IF_ERROR(requireNonNull(index, fn, "index"));
    return model->model->findEntryPoint(name, *index);
  });
}

zen_status_t zen_model_entry_arg(const zen_model_t *model, size_t entry,
                                 size_t arg, zen_value_info_t *info) {
  return guard("zen_model_entry_arg", [&]() -> zen_status_t {
    const EntryPointDesc *e = nullptr;
    ZEN_RETURN_IF_ERROR(entryAt(model, entry, "zen_model_entry_arg", e));
    ZEN_RETURN_IF_ERROR(requireNonNull(info, "zen_model_entry_arg", "info"));
    if (arg >= e->args.size())
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat("zen_model_entry_arg: argument index ", arg,
                            " is out of range (entry point ", quoted(e->name),
                            " has ", e->args.size(), ")"));
    fillValue(e->args[arg], *info);
    return nullptr;
  });
}

zen_status_t zen_model_entry_result(const zen_model_t *model, size_t entry,
                                    size_t result, zen_value_info_t *info) {
  return guard("zen_model_entry_result", [&]() -> zen_status_t {
    const EntryPointDesc *e = nullptr;
    ZEN_RETURN_IF_ERROR(entryAt(model, entry, "zen_model_entry_result", e));
    ZEN_RETURN_IF_ERROR(requireNonNull(info, "zen_model_entry_result", "info"));
    if (result >= e->results.size())
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat("zen_model_entry_result: result index ", result,
                            " is out of range (entry point ", quoted(e->name),
                            " has ", e->results.size(), ")"));
    fillValue(e->results[result], *info);
    return nullptr;
  });
}

zen_status_t zen_model_param(const zen_model_t *model, size_t index,
                             zen_param_info_t *info) {
  return guard("zen_model_param", [&]() -> zen_status_t {
    ZEN_RETURN_IF_ERROR(requireNonNull(model, "zen_model_param", "model"));
    ZEN_RETURN_IF_ERROR(requireNonNull(info, "zen_model_param", "info"));
    const Model &m = *model->model;
    const auto &params = m.metadata().params;
    if (index >= params.size())
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat("zen_model_param: parameter index ", index,
                            " is out of range (the model has ", params.size(),
                            ")"));
    static const int64_t kNoDims[1] = {0};
    const ParamDesc &p = params[index];
    const ParamBinding &b = m.bindings()[index];
    info->name = p.name.c_str();
    info->dtype = p.dtype;
    info->rank = static_cast<int32_t>(p.shape.size());
    info->shape = p.shape.empty() ? kNoDims : p.shape.data();
    info->num_elements = p.numElements;
    info->num_bytes = p.numBytes;
    info->num_entry_points = p.entryPoints.size();
    info->entry_points = p.entryPoints.data();
    info->bound = b.data != nullptr;
    info->borrowed = b.mapping != nullptr;
    return nullptr;
  });
}

zen_status_t zen_model_find_param(const zen_model_t *model, const char *name,
                                  size_t *index) {
  return guard("zen_model_find_param", [&]() -> zen_status_t {
    ZEN_RETURN_IF_ERROR(requireNonNull(model, "zen_model_find_param", "model"));
    ZEN_RETURN_IF_ERROR(requireNonNull(name, "zen_model_find_param", "name"));
    ZEN_RETURN_IF_ERROR(requireNonNull(index, "zen_model_find_param", "index"));
    return model->model->findParam(name, *index);
  });
}

zen_status_t zen_model_param_data(const zen_model_t *model, size_t index,
                                  const void **data) {
  return guard("zen_model_param_data", [&]() -> zen_status_t {
    ZEN_RETURN_IF_ERROR(requireNonNull(model, "zen_model_param_data", "model"));
    ZEN_RETURN_IF_ERROR(requireNonNull(data, "zen_model_param_data", "data"));
    const Model &m = *model->model;
    if (index >= m.bindings().size())
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat("zen_model_param_data: parameter index ", index,
                            " is out of range (the model has ",
                            m.bindings().size(), ")"));
    if (!m.bindings()[index].data)
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat("zen_model_param_data: parameter ",
                            quoted(m.metadata().params[index].name),
                            " is not bound"));
    *data = m.bindings()[index].data;
    return nullptr;
  });
}

zen_bind_options_t zen_bind_options_default(void) {
  zen_bind_options_t options;
  options.allow_extra = 0;
  options.progress = nullptr;
  options.progress_user_data = nullptr;
  return options;
}

zen_status_t zen_model_bind_checkpoint(zen_model_t *model, const char *path,
                                       const zen_bind_options_t *options) {
  return guard("zen_model_bind_checkpoint", [&]() -> zen_status_t {
    const char *fn = "zen_model_bind_checkpoint";
    ZEN_RETURN_IF_ERROR(requireNonNull(model, fn, "model"));
    ZEN_RETURN_IF_ERROR(requireNonNull(path, fn, "path"));
    zen_bind_options_t defaults = zen_bind_options_default();
    return model->model->bindCheckpoint(path, options ? *options : defaults);
  });
}

zen_status_t zen_model_bind_random(zen_model_t *model, uint64_t seed) {
  return guard("zen_model_bind_random", [&]() -> zen_status_t {
    ZEN_RETURN_IF_ERROR(
        requireNonNull(model, "zen_model_bind_random", "model"));
    return model->model->bindRandom(seed);
  });
}

zen_status_t zen_model_bind_param(zen_model_t *model, const char *name,
                                  zen_dtype_t dtype, int32_t rank,
                                  const int64_t *shape, const void *data) {
  return guard("zen_model_bind_param", [&]() -> zen_status_t {
    const char *fn = "zen_model_bind_param";
    ZEN_RETURN_IF_ERROR(requireNonNull(model, fn, "model"));
    ZEN_RETURN_IF_ERROR(requireNonNull(name, fn, "name"));
    if (rank < 0 || rank > ZEN_MAX_RANK)
      return makeStatus(
          ZEN_STATUS_INVALID_ARGUMENT,
          cat(fn, ": rank is ", rank, "; must be in [0, ", ZEN_MAX_RANK, "]"));
    if (rank > 0)
      ZEN_RETURN_IF_ERROR(requireNonNull(shape, fn, "shape"));
    TensorView view;
    view.dtype = dtype;
    view.shape.assign(shape, shape + rank);
    view.data = data;
    uint64_t elements = 1;
    for (int64_t d : view.shape)
      elements *= d > 0 ? uint64_t(d) : 0;
    if (elements)
      ZEN_RETURN_IF_ERROR(requireNonNull(data, fn, "data"));
    return prefixStatus(model->model->bindParam(name, view),
                        std::string(fn) + ": ");
  });
}

zen_status_t zen_model_call(zen_model_t *model, const char *entry_point,
                            size_t num_inputs, const zen_tensor_t *inputs,
                            size_t num_results, zen_tensor_t *results) {
  return guard("zen_model_call", [&]() -> zen_status_t {
    const char *fn = "zen_model_call";
    ZEN_RETURN_IF_ERROR(requireNonNull(model, fn, "model"));
    ZEN_RETURN_IF_ERROR(requireNonNull(entry_point, fn, "entry_point"));
    if (num_inputs)
      ZEN_RETURN_IF_ERROR(requireNonNull(inputs, fn, "inputs"));
    if (num_results)
      ZEN_RETURN_IF_ERROR(requireNonNull(results, fn, "results"));
    const Model &m = *model->model;
    size_t index = 0;
    ZEN_RETURN_IF_ERROR(m.findEntryPoint(entry_point, index));
    const EntryPointDesc &entry = m.metadata().entryPoints[index];
    if (num_results != entry.results.size())
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat(fn, ": entry point ", quoted(entry.name), " has ",
                            entry.results.size(), " results, but room for ",
                            num_results, " was given"));
    std::vector<TensorView> views(num_inputs);
    for (size_t i = 0; i < num_inputs; ++i)
      ZEN_RETURN_IF_ERROR(viewOf(inputs[i], fn, "inputs", i, views[i]));
    std::vector<OwnedTensor> out;
    ZEN_RETURN_IF_ERROR(
        prefixStatus(m.call(index, views, out), cat(m.path(), ": ")));
    for (size_t r = 0; r < out.size(); ++r) {
      zen_tensor_t &t = results[r];
      std::memset(&t, 0, sizeof(t));
      t.dtype = out[r].dtype;
      t.rank = static_cast<int32_t>(out[r].shape.size());
      for (size_t d = 0; d < out[r].shape.size(); ++d)
        t.shape[d] = out[r].shape[d];
      t.data = out[r].data.release();
    }
    return nullptr;
  });
}

void zen_tensor_release(zen_tensor_t *tensor) {
  if (!tensor)
    return;
  std::free(tensor->data);
  std::memset(tensor, 0, sizeof(*tensor));
}

void zen_free(void *pointer) { std::free(pointer); }

zen_status_t zen_model_vocab_size(const zen_model_t *model,
                                  const char *entry_point,
                                  int64_t *vocab_size) {
  return guard("zen_model_vocab_size", [&]() -> zen_status_t {
    ZEN_RETURN_IF_ERROR(requireNonNull(model, "zen_model_vocab_size", "model"));
    ZEN_RETURN_IF_ERROR(
        requireNonNull(vocab_size, "zen_model_vocab_size", "vocab_size"));
    size_t index = 0;
    ZEN_RETURN_IF_ERROR(entryByName(model, entry_point, index));
    return vocabSize(*model->model, index, *vocab_size);
  });
}

zen_status_t zen_model_forward(zen_model_t *model, const char *entry_point,
                               int64_t batch, int64_t seq_len,
                               const int64_t *input_ids,
                               const int64_t *attention_mask,
                               const int64_t *positions, float *logits,
                               uint64_t logits_count, float **logits_out) {
  return guard("zen_model_forward", [&]() -> zen_status_t {
    const char *fn = "zen_model_forward";
    ZEN_RETURN_IF_ERROR(requireNonNull(model, fn, "model"));
    ZEN_RETURN_IF_ERROR(requireNonNull(input_ids, fn, "input_ids"));
    if (!logits && !logits_out)
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat(fn, ": logits and logits_out are both NULL; pass "
                                "a buffer or a pointer to receive one"));
    ForwardRequest request;
    if (entry_point)
      request.entryPoint = entry_point;
    request.batch = batch;
    request.seqLen = seq_len;
    request.inputIds = input_ids;
    request.attentionMask = attention_mask;
    request.positions = positions;
    HostBuffer owned;
    ZEN_RETURN_IF_ERROR(
        runForward(*model->model, request, logits, logits_count, &owned));
    if (logits_out)
      *logits_out = logits ? logits : static_cast<float *>(owned.release());
    return nullptr;
  });
}

} // extern "C"

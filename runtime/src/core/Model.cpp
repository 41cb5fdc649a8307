//===- Model.cpp - Loading a model library --------------------------------===//

#include "Model.h"

#include "MappedFile.h"
#include "../cuda/Driver.h"

#include <cstring>
#include <dlfcn.h>

namespace zen::rt {

HostBuffer allocateAligned(uint64_t bytes) {
  constexpr uint64_t kAlign = 64;
  // aligned_alloc wants a multiple of the alignment; a zero-size tensor still
  // gets a distinct, valid pointer.
  uint64_t rounded =
      bytes == 0 ? kAlign : (bytes + kAlign - 1) / kAlign * kAlign;
  if (rounded < bytes || rounded > uint64_t(SIZE_MAX))
    return nullptr;
  return HostBuffer(std::aligned_alloc(kAlign, static_cast<size_t>(rounded)));
}

Model::~Model() {
  // The weights may point into checkpoints, never into the library, but the
  // order keeps it obvious that nothing outlives the code that uses it.
  bindings_.clear();
  if (handle_)
    ::dlclose(handle_);
}

size_t Model::boundCount() const {
  size_t n = 0;
  for (const ParamBinding &b : bindings_)
    n += b.data != nullptr;
  return n;
}

zen_status_t Model::findEntryPoint(std::string_view name, size_t &index) const {
  std::string known;
  for (size_t i = 0; i < meta_.entryPoints.size(); ++i) {
    if (meta_.entryPoints[i].name == name) {
      index = i;
      return nullptr;
    }
    known += cat(i ? ", " : "", meta_.entryPoints[i].name);
  }
  return makeStatus(ZEN_STATUS_NOT_FOUND,
                    cat(path_, ": the model has no entry point ",
                        quoted(std::string(name)), " (it has: ", known, ")"));
}

zen_status_t Model::findParam(std::string_view name, size_t &index) const {
  auto it = paramIndex_.find(std::string(name));
  if (it == paramIndex_.end())
    return makeStatus(
        ZEN_STATUS_NOT_FOUND,
        cat(path_, ": the model has no parameter ", quoted(std::string(name))));
  index = it->second;
  return nullptr;
}

zen_status_t Model::open(const std::string &path, std::unique_ptr<Model> &out) {
  if (path.empty())
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT, "model path is empty");
  switch (pathKind(path)) {
  case PathKind::Missing:
    return makeStatus(ZEN_STATUS_NOT_FOUND, path + ": no such file");
  case PathKind::Directory:
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      path + ": is a directory, not a model library");
  case PathKind::Other:
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      path + ": not a regular file");
  case PathKind::RegularFile:
    break;
  }

  std::unique_ptr<Model> model(new Model());
  model->path_ = path;
  // dlopen searches the library path for a name without '/'; a model is a
  // file the user named, so make it a path.
  std::string loadPath =
      path.find('/') == std::string::npos ? "./" + path : path;
  // CUDA models resolve the mgpu* functions from libzenrt.
  cuda::exposeRuntimeSymbols();
  ::dlerror();
  model->handle_ = ::dlopen(loadPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!model->handle_) {
    const char *why = ::dlerror();
    return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                      cat(path, ": cannot load the model library: ",
                          why ? why : "dlopen failed"));
  }

  ::dlerror();
  void *symbol = ::dlsym(model->handle_, "zen_model_metadata");
  if (!symbol)
    return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                      cat(path, ": not a Zen model: the library does not "
                                "export zen_model_metadata (model libraries "
                                "are built by zen-compile)"));
  using MetadataFn = const char *(*)();
  const char *text = reinterpret_cast<MetadataFn>(symbol)();
  if (!text)
    return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                      cat(path, ": zen_model_metadata() returned NULL"));
  model->json_ = text;
  ZEN_RETURN_IF_ERROR(parseModelMetadata(path, model->json_, model->meta_));

  for (EntryPointDesc &entry : model->meta_.entryPoints) {
    ::dlerror();
    void *fn = ::dlsym(model->handle_, entry.symbol.c_str());
    if (!fn)
      return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                        cat(path, ": entry point ", quoted(entry.name),
                            ": the library does not export its symbol ",
                            entry.symbol));
    entry.function = reinterpret_cast<EntryFunction>(fn);
  }
  for (size_t i = 0; i < model->meta_.params.size(); ++i)
    model->paramIndex_.emplace(model->meta_.params[i].name, i);
  model->bindings_.resize(model->meta_.params.size());
  out = std::move(model);
  return nullptr;
}

} // namespace zen::rt

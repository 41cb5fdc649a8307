//===- Model.h - A loaded model library and its weights ----------*- C++
//-*-===//
//
// A Model is what zen_model_open() returns: the dlopen'ed library, its parsed
// metadata, and one binding (weights) per deduplicated parameter. Loading
// lives in Model.cpp, binding in ModelBind.cpp, calling an entry point in
// cpu/Invoke.cpp and the language-model forward pass in Forward.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_RUNTIME_CORE_MODEL_H
#define ZEN_RUNTIME_CORE_MODEL_H

#include "Checkpoint.h"
#include "ModelMetadata.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace zen::rt {

struct FreeDeleter {
  void operator()(void *p) const { std::free(p); }
};
/// Heap memory released with std::free (so it can be handed to C callers and
/// to zen_free, and can adopt buffers the compiled code malloc'ed).
using HostBuffer = std::unique_ptr<void, FreeDeleter>;

/// `bytes` (at least 1) of 64-byte-aligned memory, or nullptr.
HostBuffer allocateAligned(uint64_t bytes);

/// The weights of one parameter.
struct ParamBinding {
  const void *data = nullptr; // nullptr: unbound
  HostBuffer owned;           // set when the weights were copied
  /// Set when `data` points into this checkpoint's mapping (zero-copy).
  std::shared_ptr<const Checkpoint> mapping;
};

/// A dense, contiguous, row-major tensor the caller owns.
struct TensorView {
  zen_dtype_t dtype = ZEN_DTYPE_INVALID;
  std::vector<int64_t> shape;
  const void *data = nullptr;
};

/// A dense, contiguous, row-major tensor the runtime allocated.
struct OwnedTensor {
  zen_dtype_t dtype = ZEN_DTYPE_INVALID;
  std::vector<int64_t> shape;
  HostBuffer data;
};

class Model {
public:
  Model(const Model &) = delete;
  Model &operator=(const Model &) = delete;
  /// Drops the weights, then dlcloses the library.
  ~Model();

  /// Loads the library at `path` (see zen_model_open).
  static zen_status_t open(const std::string &path,
                           std::unique_ptr<Model> &out);

  const std::string &path() const { return path_; }
  const std::string &metadataJson() const { return json_; }
  const ModelMetadata &metadata() const { return meta_; }
  const std::vector<ParamBinding> &bindings() const { return bindings_; }
  size_t boundCount() const;

  /// NOT_FOUND, listing the entry points, when there is none named `name`.
  zen_status_t findEntryPoint(std::string_view name, size_t &index) const;
  /// NOT_FOUND when there is no parameter named `name`.
  zen_status_t findParam(std::string_view name, size_t &index) const;

  // ModelBind.cpp
  zen_status_t bindCheckpoint(const std::string &path,
                              const zen_bind_options_t &options);
  zen_status_t bindRandom(uint64_t seed);
  zen_status_t bindParam(std::string_view name, const TensorView &tensor);

  /// Points parameter `index` at `data` (same dtype and shape) without
  /// taking ownership, and returns what it pointed at before. The trainer
  /// uses it to run forward/prefill/decode with the weights being trained
  /// and to put the frozen weights back afterwards.
  const void *swapParamData(size_t index, const void *data) {
    const void *old = bindings_[index].data;
    bindings_[index].data = data;
    return old;
  }

  // cpu/Invoke.cpp
  /// Calls entry point `entry` with `inputs` (its INPUT args, in order) and
  /// the bound parameters; checks the inputs against the metadata.
  zen_status_t call(size_t entry, const std::vector<TensorView> &inputs,
                    std::vector<OwnedTensor> &results) const;

private:
  Model() = default;

  std::string path_;
  std::string json_;
  ModelMetadata meta_;
  void *handle_ = nullptr;
  std::unordered_map<std::string, size_t> paramIndex_;
  std::vector<ParamBinding> bindings_;
};

} // namespace zen::rt

#endif // ZEN_RUNTIME_CORE_MODEL_H

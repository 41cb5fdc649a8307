//===- Invoke.h - Calling an entry point of a CUDA model --------*- C++ -*-===//
#ifndef ZEN_RUNTIME_CUDA_INVOKE_H
#define ZEN_RUNTIME_CUDA_INVOKE_H

#include "../core/Model.h"

namespace zen::rt::cuda {

/// Whether `model`'s metadata says "target": "cuda".
bool isCUDAModel(const Model &model);

/// Model::call for a CUDA model (Model::call forwards here): the same
/// checks and results, with every buffer the kernels touch in managed
/// memory: weights uploaded once per binding, inputs and caches staged per
/// call (caches copied back), results copied to host buffers and freed.
zen_status_t call(const Model &model, size_t entry,
                  const std::vector<TensorView> &inputs,
                  std::vector<OwnedTensor> &results);

} // namespace zen::rt::cuda

#endif // ZEN_RUNTIME_CUDA_INVOKE_H

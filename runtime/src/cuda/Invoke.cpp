//===- Invoke.cpp - Calling a CUDA model's entry point; the CUDA C API ----===//
//
// A CUDA model library (zen-cuda-pipeline) has the CPU libraries' calling
// convention (docs/runtime-abi.md), but every buffer its kernels read must
// be visible to the GPU: the weights, inputs and caches are copied into
// managed memory here, and its results are managed buffers (mgpuMemAlloc
// with host_shared), copied to host memory and freed with cuMemFree.
//
//===----------------------------------------------------------------------===//

#include "Invoke.h"

#include "Driver.h"

#include "../core/CheckedMath.h"
#include "../core/DType.h"
#include "../core/Json.h"
#include "../core/Status.h"
#include "zen/runtime_cuda.h"

#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <set>

namespace zen::rt::cuda {

namespace {

/// MLIR's memref.get_global marker for `allocated` (never freed).
const uintptr_t kMLIRGlobalMarker = 0xdeadbeef;

/// A string member of a metadata document; `fallback` when absent.
std::string metadataString(const std::string &metadata, const char *key,
                           const char *fallback) {
  json::Value doc;
  json::ParseError error;
  if (!json::parse(metadata, doc, error) || doc.kind != json::Kind::Object)
    return fallback;
  const json::Value *value = doc.find(key);
  return value && value->kind == json::Kind::String ? value->text : fallback;
}

/// "target" of a metadata document; "cpu" when absent.
std::string targetOf(const std::string &metadata) {
  return metadataString(metadata, "target", "cpu");
}

/// A cubin for sm_XY runs on compute capability X.Y' with Y' >= Y; one for
/// an arch-specific target (sm_90a) only on X.Y itself.
zen_status_t checkArch(const Driver &d, const Model &model) {
  std::string arch = metadataString(model.metadataJson(), "cuda_arch", "");
  int major = 0, minor = 0;
  char suffix = 0;
  if (std::sscanf(arch.c_str(), "sm_%1d%1d%c", &major, &minor, &suffix) < 2)
    return nullptr; // unknown: let the driver decide
  CUdevice device = 0;
  int deviceMajor = 0, deviceMinor = 0;
  char name[256] = "?";
  d.cuDeviceGet(&device, 0);
  d.cuDeviceGetName(name, sizeof name, device);
  d.cuDeviceGetAttribute(&deviceMajor,
                         CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
  d.cuDeviceGetAttribute(&deviceMinor,
                         CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
  bool ok = deviceMajor == major &&
            (suffix == 'a' ? deviceMinor == minor : deviceMinor >= minor);
  if (ok)
    return nullptr;
  std::string fix =
      deviceMajor == 8 ? "rebuild it with zen-compile --target=cuda "
                         "--cuda-arch=sm_80"
      : deviceMajor == 9 && deviceMinor == 0
          ? "rebuild it with zen-compile --target=cuda --cuda-arch=sm_90a"
          : "Zen's CUDA target supports sm_80 and sm_90a GPUs";
  return makeStatus(ZEN_STATUS_UNSUPPORTED,
                    cat("the model was compiled for ", arch,
                        ", but GPU 0 (", name, ") is sm_", deviceMajor,
                        deviceMinor, "; ", fix));
}

/// A managed buffer, freed on scope exit.
struct Managed {
  void *ptr = nullptr;
  Managed() = default;
  Managed(Managed &&other) noexcept : ptr(other.ptr) { other.ptr = nullptr; }
  Managed &operator=(Managed &&other) noexcept {
    std::swap(ptr, other.ptr);
    return *this;
  }
  ~Managed() { freeDeviceMemory(ptr); }
};

zen_status_t allocManaged(const Driver &d, uint64_t bytes, Managed &out) {
  CUdeviceptr p = 0;
  if (CUresult r = d.cuMemAllocManaged(&p, bytes ? bytes : 1,
                                       CU_MEM_ATTACH_GLOBAL))
    return makeStatus(ZEN_STATUS_OUT_OF_MEMORY,
                      describeError("cuMemAllocManaged", r));
  out.ptr = reinterpret_cast<void *>(p);
  return nullptr;
}

/// Weights in managed memory, uploaded on first use and again only when the
/// binding changes. Kept per model until the process ends.
struct DeviceParam {
  const void *host = nullptr;
  Managed buffer;
};
std::mutex paramsMutex;
std::map<const Model *, std::vector<DeviceParam>> deviceParams;

/// The CUDA context of the driver, current for the scope.
struct ContextScope {
  const Driver &d;
  explicit ContextScope(const Driver &d) : d(d) {
    d.cuCtxPushCurrent(primaryContext());
  }
  ~ContextScope() {
    CUcontext previous;
    d.cuCtxPopCurrent(&previous);
  }
};

void writeDescriptor(std::vector<uint64_t> &words, const void *data,
                     const std::vector<int64_t> &shape) {
  size_t rank = shape.size();
  words.assign(3 + 2 * rank, 0);
  words[0] = words[1] = reinterpret_cast<uintptr_t>(data);
  int64_t stride = 1;
  for (size_t i = rank; i-- > 0;) {
    words[3 + i] = static_cast<uint64_t>(shape[i]);
    words[3 + rank + i] = static_cast<uint64_t>(stride);
    stride *= shape[i];
  }
}

/// Copies a strided view densely into dst (managed memory is host-readable).
void gather(const unsigned char *base, const std::vector<int64_t> &sizes,
            const std::vector<int64_t> &strides, size_t elementSize,
            unsigned char *dst, uint64_t elements) {
  size_t rank = sizes.size();
  for (uint64_t linear = 0; linear < elements; ++linear) {
    uint64_t rest = linear;
    int64_t offset = 0;
    for (size_t i = rank; i-- > 0;) {
      offset += static_cast<int64_t>(rest % sizes[i]) * strides[i];
      rest /= sizes[i];
    }
    std::memcpy(dst + linear * elementSize,
                base + offset * static_cast<int64_t>(elementSize), elementSize);
  }
}

} // namespace

bool isCUDAModel(const Model &model) {
  return targetOf(model.metadataJson()) == "cuda";
}

zen_status_t call(const Model &model, size_t entryIndex,
                  const std::vector<TensorView> &inputs,
                  std::vector<OwnedTensor> &results) {
  const EntryPointDesc &entry = model.metadata().entryPoints[entryIndex];
  std::string where = cat("entry point ", quoted(entry.name));
  std::string why;
  const Driver *driver = getDriver(&why);
  if (!driver)
    return makeStatus(ZEN_STATUS_UNSUPPORTED,
                      cat("a CUDA model needs the CUDA driver: ", why));
  ZEN_RETURN_IF_ERROR(checkArch(*driver, model));
  // Errors from loading the cubin (a constructor of the library).
  if (std::string error = takeError(); !error.empty())
    return makeStatus(ZEN_STATUS_UNSUPPORTED,
                      cat("CUDA: ", error));
  if (inputs.size() != entry.numInputs)
    return makeStatus(
        ZEN_STATUS_INVALID_ARGUMENT,
        cat(where, " takes ", entry.numInputs, " inputs, got ", inputs.size()));
  ContextScope scope(*driver);

  std::unique_lock<std::mutex> lock(paramsMutex);
  std::vector<DeviceParam> &params = deviceParams[&model];
  params.resize(model.metadata().params.size());
  std::vector<Managed> staged;
  std::vector<std::pair<const TensorView *, void *>> caches;
  std::vector<std::vector<uint64_t>> descriptors(entry.args.size());
  std::set<uintptr_t> argumentBuffers;
  size_t nextInput = 0;
  for (size_t a = 0; a < entry.args.size(); ++a) {
    const ValueDesc &arg = entry.args[a];
    void *data = nullptr;
    const std::vector<int64_t> *shape;
    if (arg.kind == ZEN_VALUE_PARAM) {
      const ParamBinding &binding = model.bindings()[arg.paramIndex];
      const ParamDesc &desc = model.metadata().params[arg.paramIndex];
      if (!binding.data)
        return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                          cat(where, ": parameter ", quoted(arg.name),
                              " has no weights; bind a checkpoint or random "
                              "weights first"));
      DeviceParam &p = params[arg.paramIndex];
      if (p.host != binding.data || !p.buffer.ptr) {
        Managed buffer;
        ZEN_RETURN_IF_ERROR(allocManaged(*driver, desc.numBytes, buffer));
        std::memcpy(buffer.ptr, binding.data, desc.numBytes);
        p.buffer = std::move(buffer);
        p.host = binding.data;
      }
      data = p.buffer.ptr;
      shape = &desc.shape;
    } else {
      const TensorView &in = inputs[nextInput++];
      std::string what = cat(where, ": input ", quoted(arg.name));
      if (in.dtype != arg.dtype || in.shape.size() != arg.shape.size())
        return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                          cat(what, " must be ", describeValue(arg)));
      uint64_t elements = 0, bytes = 0;
      for (size_t d = 0; d < arg.shape.size(); ++d)
        if (in.shape[d] < 0 ||
            (arg.shape[d] >= 0 && in.shape[d] != arg.shape[d]))
          return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                            cat(what, ": dimension ", d, " is ", in.shape[d],
                                "; expected ", describeValue(arg)));
      if (!checkedProduct(in.shape, elements) ||
          !checkedMul(elements, dtypeSize(in.dtype), bytes))
        return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                          cat(what, ": shape ", formatShape(in.shape),
                              " is too large"));
      if (!in.data && bytes)
        return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                          cat(what, ": data is NULL"));
      Managed buffer;
      ZEN_RETURN_IF_ERROR(allocManaged(*driver, bytes, buffer));
      if (bytes)
        std::memcpy(buffer.ptr, in.data, bytes);
      data = buffer.ptr;
      if (arg.kind == ZEN_VALUE_CACHE)
        caches.push_back({&in, data});
      staged.push_back(std::move(buffer));
      shape = &in.shape;
    }
    writeDescriptor(descriptors[a], data, *shape);
    argumentBuffers.insert(reinterpret_cast<uintptr_t>(data));
  }

  size_t resultWords = 0;
  std::vector<size_t> offsets;
  for (const ValueDesc &r : entry.results) {
    offsets.push_back(resultWords);
    resultWords += 3 + 2 * r.shape.size();
  }
  std::vector<uint64_t> resultBlock(resultWords + 1, 0);
  std::vector<void *> args;
  if (!entry.results.empty())
    args.push_back(resultBlock.data());
  for (std::vector<uint64_t> &d : descriptors)
    args.push_back(d.data());

  entry.function(args.data());
  if (CUresult r = driver->cuCtxSynchronize())
    recordError(describeError("cuCtxSynchronize", r));
  std::string failure = takeError();

  // Results: copied to host buffers; each distinct allocation freed once.
  zen_status_t error = nullptr;
  std::set<uintptr_t> allocated;
  std::vector<OwnedTensor> out(entry.results.size());
  for (size_t r = 0; r < entry.results.size(); ++r) {
    const uint64_t *words = resultBlock.data() + offsets[r];
    allocated.insert(words[0]);
    if (error || !failure.empty())
      continue;
    const ValueDesc &desc = entry.results[r];
    size_t rank = desc.shape.size();
    std::vector<int64_t> sizes(rank), strides(rank);
    for (size_t i = 0; i < rank; ++i) {
      sizes[i] = static_cast<int64_t>(words[3 + i]);
      strides[i] = static_cast<int64_t>(words[3 + rank + i]);
    }
    uint64_t elements = 0, bytes = 0;
    if (!checkedProduct(sizes, elements) ||
        !checkedMul(elements, dtypeSize(desc.dtype), bytes)) {
      error = makeStatus(ZEN_STATUS_INTERNAL,
                         cat(where, ": result ", quoted(desc.name),
                             " came back with shape ", formatShape(sizes)));
      continue;
    }
    out[r].dtype = desc.dtype;
    out[r].shape = sizes;
    out[r].data = allocateAligned(bytes);
    if (!out[r].data) {
      error = outOfMemoryStatus();
      continue;
    }
    const unsigned char *base =
        reinterpret_cast<const unsigned char *>(words[1]) +
        static_cast<int64_t>(words[2]) *
            static_cast<int64_t>(dtypeSize(desc.dtype));
    gather(base, sizes, strides, dtypeSize(desc.dtype),
           static_cast<unsigned char *>(out[r].data.get()), elements);
  }
  for (uintptr_t p : allocated)
    if (p && p != kMLIRGlobalMarker && !argumentBuffers.count(p))
      freeDeviceMemory(reinterpret_cast<void *>(p));
  // Caches are updated in place: copy them back to the caller's buffers.
  if (failure.empty() && !error)
    for (auto [view, device] : caches) {
      uint64_t elements = 0;
      checkedProduct(view->shape, elements);
      if (elements)
        std::memcpy(const_cast<void *>(view->data), device,
                    elements * dtypeSize(view->dtype));
    }
  if (!failure.empty()) {
    if (error)
      zen_status_free(error);
    return makeStatus(ZEN_STATUS_INTERNAL, cat(where, ": CUDA: ", failure));
  }
  if (error)
    return error;
  results = std::move(out);
  return nullptr;
}

} // namespace zen::rt::cuda

using namespace zen::rt;

extern "C" ZEN_API zen_status_t zen_model_target(const zen_model_t *model,
                                                 const char **target) {
  return guard("zen_model_target", [&]() -> zen_status_t {
    if (!model || !target)
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        "zen_model_target: model and target must not be NULL");
    const char *json = nullptr;
    ZEN_RETURN_IF_ERROR(zen_model_metadata_json(model, &json));
    *target = cuda::targetOf(json) == "cuda" ? "cuda" : "cpu";
    return nullptr;
  });
}

extern "C" ZEN_API zen_status_t zen_cuda_init(void) {
  return guard("zen_cuda_init", []() -> zen_status_t {
    std::string why;
    if (!cuda::getDriver(&why))
      return makeStatus(ZEN_STATUS_UNSUPPORTED, why);
    return nullptr;
  });
}

extern "C" ZEN_API zen_status_t zen_cuda_device(char *name, size_t size,
                                                int *major, int *minor) {
  return guard("zen_cuda_device", [&]() -> zen_status_t {
    std::string why;
    const cuda::Driver *d = cuda::getDriver(&why);
    if (!d)
      return makeStatus(ZEN_STATUS_UNSUPPORTED, why);
    cuda::CUdevice device = 0;
    if (cuda::CUresult r = d->cuDeviceGet(&device, 0))
      return makeStatus(ZEN_STATUS_INTERNAL,
                        cuda::describeError("cuDeviceGet", r));
    if (name && size) {
      int length = size > 1024 ? 1024 : static_cast<int>(size);
      if (cuda::CUresult r = d->cuDeviceGetName(name, length, device))
        return makeStatus(ZEN_STATUS_INTERNAL,
                          cuda::describeError("cuDeviceGetName", r));
      name[size - 1] = '\0';
    }
    if (major)
      d->cuDeviceGetAttribute(
          major, cuda::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
    if (minor)
      d->cuDeviceGetAttribute(
          minor, cuda::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
    return nullptr;
  });
}

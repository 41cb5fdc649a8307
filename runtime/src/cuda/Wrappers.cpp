//===- Wrappers.cpp - the mgpu* functions CUDA model libraries call -------===//
//
// zen-cuda-pipeline lowers kernel launches, device allocations and the
// loading of the embedded cubin with upstream MLIR's gpu-to-llvm conversion
// and gpu.binary translation, which call these C functions (the ABI of
// MLIR's CudaRuntimeWrappers, which Debian does not ship). libzenrt exports
// them, so a CUDA model library resolves them from the runtime that opens
// it; they go through the dlopen'ed driver table (Driver.h).
//
// None of them returns an error: a failure is recorded (recordError) and the
// runtime reports it after the call. Without a driver they do nothing and
// return null, so loading a CUDA model on a machine without a GPU (the
// cubin is loaded by a constructor of the library) never crashes.
//
//===----------------------------------------------------------------------===//

#include "Driver.h"

#include <cstdint>
#include <dlfcn.h>

using namespace zen::rt::cuda;

#define ZEN_MGPU extern "C" __attribute__((visibility("default")))

namespace {

/// The driver with the primary context current for the scope; null (and the
/// error recorded) without a driver.
class Scope {
public:
  Scope() {
    std::string why;
    driver_ = getDriver(&why);
    if (!driver_) {
      recordError(why);
      return;
    }
    if (CUresult r = driver_->cuCtxPushCurrent(primaryContext())) {
      recordError(describeError("cuCtxPushCurrent", r));
      driver_ = nullptr;
    }
  }
  ~Scope() {
    if (driver_) {
      CUcontext previous;
      driver_->cuCtxPopCurrent(&previous);
    }
  }
  const Driver *operator->() const { return driver_; }
  explicit operator bool() const { return driver_ != nullptr; }
  /// Records a failed call; true on success.
  bool check(const char *what, CUresult result) const {
    if (result == CUDA_SUCCESS)
      return true;
    recordError(describeError(what, result));
    return false;
  }

private:
  const Driver *driver_ = nullptr;
};

CUdeviceptr devicePointer(void *p) { return reinterpret_cast<CUdeviceptr>(p); }

} // namespace

ZEN_MGPU CUmodule mgpuModuleLoad(void *data, size_t /*gpuBlobSize*/) {
  Scope s;
  CUmodule module = nullptr;
  if (s)
    s.check("cuModuleLoadData", s->cuModuleLoadData(&module, data));
  return module;
}

/// PTX (zen-cuda-pipeline{format=isa}): the driver JIT-compiles it.
ZEN_MGPU CUmodule mgpuModuleLoadJIT(void *data, int /*optLevel*/,
                                    size_t /*assemblySize*/) {
  return mgpuModuleLoad(data, 0);
}

ZEN_MGPU void mgpuModuleUnload(CUmodule module) {
  Scope s;
  if (s && module)
    s.check("cuModuleUnload", s->cuModuleUnload(module));
}

ZEN_MGPU CUfunction mgpuModuleGetFunction(CUmodule module, const char *name) {
  Scope s;
  CUfunction function = nullptr;
  if (s && module)
    s.check("cuModuleGetFunction",
            s->cuModuleGetFunction(&function, module, name));
  return function;
}

ZEN_MGPU void mgpuLaunchKernel(CUfunction function, intptr_t gridX,
                               intptr_t gridY, intptr_t gridZ, intptr_t blockX,
                               intptr_t blockY, intptr_t blockZ, int32_t smem,
                               CUstream stream, void **params, void **extra,
                               size_t /*paramsCount*/) {
  Scope s;
  if (!s || !function)
    return;
  s.check("cuLaunchKernel",
          s->cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY,
                            blockZ, smem, stream, params, extra));
}

ZEN_MGPU CUstream mgpuStreamCreate() {
  Scope s;
  CUstream stream = nullptr;
  if (s)
    s.check("cuStreamCreate",
            s->cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
  return stream;
}

ZEN_MGPU void mgpuStreamDestroy(CUstream stream) {
  Scope s;
  if (s && stream)
    s.check("cuStreamDestroy", s->cuStreamDestroy(stream));
}

ZEN_MGPU void mgpuStreamSynchronize(CUstream stream) {
  Scope s;
  if (s)
    s.check("cuStreamSynchronize", s->cuStreamSynchronize(stream));
}

ZEN_MGPU void mgpuStreamWaitEvent(CUstream stream, CUevent event) {
  Scope s;
  if (s && event)
    s.check("cuStreamWaitEvent", s->cuStreamWaitEvent(stream, event, 0));
}

ZEN_MGPU CUevent mgpuEventCreate() {
  Scope s;
  CUevent event = nullptr;
  if (s)
    s.check("cuEventCreate", s->cuEventCreate(&event, CU_EVENT_DISABLE_TIMING));
  return event;
}

ZEN_MGPU void mgpuEventDestroy(CUevent event) {
  Scope s;
  if (s && event)
    s.check("cuEventDestroy", s->cuEventDestroy(event));
}

ZEN_MGPU void mgpuEventSynchronize(CUevent event) {
  Scope s;
  if (s && event)
    s.check("cuEventSynchronize", s->cuEventSynchronize(event));
}

ZEN_MGPU void mgpuEventRecord(CUevent event, CUstream stream) {
  Scope s;
  if (s && event)
    s.check("cuEventRecord", s->cuEventRecord(event, stream));
}

/// `host_shared` buffers (all the host-side buffers of zen-cuda-pipeline)
/// are managed memory; the others device memory.
ZEN_MGPU void *mgpuMemAlloc(uint64_t sizeBytes, CUstream /*stream*/,
                            bool isHostShared) {
  Scope s;
  CUdeviceptr p = 0;
  if (!s || sizeBytes == 0)
    return nullptr;
  if (isHostShared)
    s.check("cuMemAllocManaged",
            s->cuMemAllocManaged(&p, sizeBytes, CU_MEM_ATTACH_GLOBAL));
  else
    s.check("cuMemAlloc", s->cuMemAlloc(&p, sizeBytes));
  return reinterpret_cast<void *>(p);
}

ZEN_MGPU void mgpuMemFree(void *ptr, CUstream /*stream*/) {
  Scope s;
  if (s && ptr)
    s.check("cuMemFree", s->cuMemFree(devicePointer(ptr)));
}

ZEN_MGPU void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                         CUstream stream) {
  Scope s;
  if (s && sizeBytes)
    s.check("cuMemcpyAsync", s->cuMemcpyAsync(devicePointer(dst),
                                              devicePointer(src), sizeBytes,
                                              stream));
}

ZEN_MGPU void mgpuMemset32(void *dst, unsigned value, size_t count,
                           CUstream stream) {
  Scope s;
  if (s && count)
    s.check("cuMemsetD32Async",
            s->cuMemsetD32Async(devicePointer(dst), value, count, stream));
}

ZEN_MGPU void mgpuMemset16(void *dst, unsigned short value, size_t count,
                           CUstream stream) {
  Scope s;
  if (s && count)
    s.check("cuMemsetD16Async",
            s->cuMemsetD16Async(devicePointer(dst), value, count, stream));
}

ZEN_MGPU void mgpuMemHostRegister(void *ptr, uint64_t sizeBytes) {
  Scope s;
  if (s && sizeBytes)
    s.check("cuMemHostRegister", s->cuMemHostRegister(ptr, sizeBytes, 0));
}

ZEN_MGPU void mgpuMemHostUnregister(void *ptr) {
  Scope s;
  if (s && ptr)
    s.check("cuMemHostUnregister", s->cuMemHostUnregister(ptr));
}

namespace {
/// {allocated, aligned, offset, sizes[rank], strides[rank]}: the bytes of a
/// dense memref.
struct DescriptorSpan {
  char *data;
  uint64_t bytes;
};
DescriptorSpan span(int64_t rank, void *descriptor, int64_t elementSize) {
  auto *words = static_cast<int64_t *>(descriptor);
  char *aligned = reinterpret_cast<char *>(words[1]);
  uint64_t elements = 1;
  for (int64_t i = 0; i < rank; ++i)
    elements *= static_cast<uint64_t>(words[3 + i]);
  return {aligned + words[2] * elementSize,
          elements * static_cast<uint64_t>(elementSize)};
}
} // namespace

ZEN_MGPU void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                                        int64_t elementSizeBytes) {
  DescriptorSpan s = span(rank, descriptor, elementSizeBytes);
  mgpuMemHostRegister(s.data, s.bytes);
}

ZEN_MGPU void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                          int64_t elementSizeBytes) {
  mgpuMemHostUnregister(span(rank, descriptor, elementSizeBytes).data);
}

/// Device 0 only: one GPU per process for now.
ZEN_MGPU void mgpuSetDefaultDevice(int32_t device) {
  if (device != 0)
    recordError("only CUDA device 0 is supported, not " +
                std::to_string(device));
}

void zen::rt::cuda::exposeRuntimeSymbols() {
  static bool done = [] {
    Dl_info info;
    if (::dladdr(reinterpret_cast<void *>(&mgpuModuleLoad), &info) &&
        info.dli_fname)
      // RTLD_NOLOAD: no second copy, only the promotion to RTLD_GLOBAL (the
      // reference it takes is kept: libzenrt stays loaded anyway).
      ::dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
    return true;
  }();
  (void)done;
}

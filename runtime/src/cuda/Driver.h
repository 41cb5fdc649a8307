//===- Driver.h - the CUDA driver API, loaded at run time -------*- C++ -*-===//
//
// libzenrt has no link-time CUDA dependency: it builds and loads on machines
// without CUDA. The driver (libcuda.so.1) is dlopen'ed on first use and its
// functions resolved into ONE table, `Driver`. The few driver types are
// declared here (ABI-compatible with cuda.h), so no CUDA header is needed
// either.
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_RUNTIME_CUDA_DRIVER_H
#define ZEN_RUNTIME_CUDA_DRIVER_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace zen::rt::cuda {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUevent = struct CUevent_st *;

constexpr CUresult CUDA_SUCCESS = 0;
constexpr unsigned CU_STREAM_NON_BLOCKING = 1;
constexpr unsigned CU_EVENT_DISABLE_TIMING = 2;
constexpr unsigned CU_MEM_ATTACH_GLOBAL = 1;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;

/// Every driver function libzenrt calls. X(name, symbol, return, params).
#define ZEN_CUDA_DRIVER_FUNCTIONS(X)                                           \
  X(cuInit, "cuInit", CUresult, (unsigned))                                    \
  X(cuDriverGetVersion, "cuDriverGetVersion", CUresult, (int *))               \
  X(cuGetErrorName, "cuGetErrorName", CUresult, (CUresult, const char **))     \
  X(cuGetErrorString, "cuGetErrorString", CUresult, (CUresult, const char **)) \
  X(cuDeviceGetCount, "cuDeviceGetCount", CUresult, (int *))                   \
  X(cuDeviceGet, "cuDeviceGet", CUresult, (CUdevice *, int))                   \
  X(cuDeviceGetName, "cuDeviceGetName", CUresult, (char *, int, CUdevice))     \
  X(cuDeviceGetAttribute, "cuDeviceGetAttribute", CUresult,                    \
    (int *, int, CUdevice))                                                    \
  X(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain", CUresult,            \
    (CUcontext *, CUdevice))                                                   \
  X(cuCtxPushCurrent, "cuCtxPushCurrent_v2", CUresult, (CUcontext))            \
  X(cuCtxPopCurrent, "cuCtxPopCurrent_v2", CUresult, (CUcontext *))            \
  X(cuModuleLoadData, "cuModuleLoadData", CUresult, (CUmodule *, const void *))\
  X(cuModuleUnload, "cuModuleUnload", CUresult, (CUmodule))                    \
  X(cuModuleGetFunction, "cuModuleGetFunction", CUresult,                      \
    (CUfunction *, CUmodule, const char *))                                    \
  X(cuLaunchKernel, "cuLaunchKernel", CUresult,                                \
    (CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,   \
     unsigned, CUstream, void **, void **))                                    \
  X(cuStreamCreate, "cuStreamCreate", CUresult, (CUstream *, unsigned))        \
  X(cuStreamDestroy, "cuStreamDestroy_v2", CUresult, (CUstream))               \
  X(cuStreamSynchronize, "cuStreamSynchronize", CUresult, (CUstream))          \
  X(cuStreamWaitEvent, "cuStreamWaitEvent", CUresult,                          \
    (CUstream, CUevent, unsigned))                                             \
  X(cuEventCreate, "cuEventCreate", CUresult, (CUevent *, unsigned))           \
  X(cuEventDestroy, "cuEventDestroy_v2", CUresult, (CUevent))                  \
  X(cuEventRecord, "cuEventRecord", CUresult, (CUevent, CUstream))             \
  X(cuEventSynchronize, "cuEventSynchronize", CUresult, (CUevent))             \
  X(cuMemAlloc, "cuMemAlloc_v2", CUresult, (CUdeviceptr *, size_t))            \
  X(cuMemAllocManaged, "cuMemAllocManaged", CUresult,                          \
    (CUdeviceptr *, size_t, unsigned))                                         \
  X(cuMemFree, "cuMemFree_v2", CUresult, (CUdeviceptr))                        \
  X(cuMemcpyAsync, "cuMemcpyAsync", CUresult,                                  \
    (CUdeviceptr, CUdeviceptr, size_t, CUstream))                              \
  X(cuMemsetD32Async, "cuMemsetD32Async", CUresult,                            \
    (CUdeviceptr, unsigned, size_t, CUstream))                                 \
  X(cuMemsetD16Async, "cuMemsetD16Async", CUresult,                            \
    (CUdeviceptr, unsigned short, size_t, CUstream))                           \
  X(cuMemHostRegister, "cuMemHostRegister_v2", CUresult,                       \
    (void *, size_t, unsigned))                                                \
  X(cuMemHostUnregister, "cuMemHostUnregister", CUresult, (void *))            \
  X(cuCtxSynchronize, "cuCtxSynchronize", CUresult, ())

/// The resolved driver: one pointer per function above.
struct Driver {
#define ZEN_CUDA_DRIVER_FIELD(name, symbol, ret, params) ret(*name) params;
  ZEN_CUDA_DRIVER_FUNCTIONS(ZEN_CUDA_DRIVER_FIELD)
#undef ZEN_CUDA_DRIVER_FIELD
};

/// The driver, loaded and initialised (cuInit, device 0's primary context)
/// on first call; nullptr if that failed, with the reason in `*why`.
/// Thread-safe; the outcome is cached.
const Driver *getDriver(std::string *why = nullptr);

/// The primary context of the current device (getDriver() must have
/// succeeded).
CUcontext primaryContext();

/// "cuFoo failed: CUDA_ERROR_BAR (description)".
std::string describeError(const char *what, CUresult result);
std::string describeErrorWith(const Driver &table, const char *what,
                              CUresult result);

/// The first CUDA error since the last takeError() ("" if none): the mgpu*
/// functions the compiled code calls return nothing, so they record errors
/// here and the runtime reports them after the call.
void recordError(const std::string &message);
std::string takeError();

/// Makes libzenrt's own symbols (the mgpu* functions CUDA model libraries
/// call) visible to libraries dlopen'ed later, even when libzenrt itself was
/// loaded with RTLD_LOCAL (Python's ctypes does that): Model::open calls it
/// before opening a model.
void exposeRuntimeSymbols();

/// Frees memory from mgpuMemAlloc (managed or device).
void freeDeviceMemory(void *pointer);

} // namespace zen::rt::cuda

#endif // ZEN_RUNTIME_CUDA_DRIVER_H

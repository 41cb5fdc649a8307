//===- Driver.cpp - dlopen("libcuda.so.1") into one symbol table ----------===//

#include "Driver.h"

#include <cstdlib>
#include <dlfcn.h>
#include <mutex>

namespace zen::rt::cuda {

namespace {

struct LoadedDriver {
  Driver table{};
  void *handle = nullptr;
  CUcontext context = nullptr;
  std::string error; // empty: loaded
};

/// The library to load: $ZEN_CUDA_DRIVER (tests point it at a missing file
/// to check the no-driver path on a GPU machine), else libcuda.so.1.
std::string driverLibrary() {
  const char *env = std::getenv("ZEN_CUDA_DRIVER");
  return env && *env ? env : "libcuda.so.1";
}

LoadedDriver load() {
  LoadedDriver d;
  std::string library = driverLibrary();
  ::dlerror();
  d.handle = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!d.handle) {
    const char *why = ::dlerror();
    d.error = "no CUDA driver (" + library + "): " +
              (why ? why : "dlopen failed");
    return d;
  }
#define ZEN_CUDA_DRIVER_RESOLVE(name, symbol, ret, params)                     \
  d.table.name = reinterpret_cast<ret(*) params>(::dlsym(d.handle, symbol));   \
  if (!d.table.name) {                                                         \
    d.error = "the CUDA driver (" + library + ") lacks " + symbol +            \
              "; it is too old for this runtime";                              \
    return d;                                                                  \
  }
  ZEN_CUDA_DRIVER_FUNCTIONS(ZEN_CUDA_DRIVER_RESOLVE)
#undef ZEN_CUDA_DRIVER_RESOLVE
  if (CUresult r = d.table.cuInit(0)) {
    d.error = describeErrorWith(d.table, "cuInit", r);
    return d;
  }
  int count = 0;
  if (CUresult r = d.table.cuDeviceGetCount(&count)) {
    d.error = describeErrorWith(d.table, "cuDeviceGetCount", r);
    return d;
  }
  if (count == 0) {
    d.error = "the CUDA driver found no GPU";
    return d;
  }
  CUdevice device = 0;
  if (CUresult r = d.table.cuDeviceGet(&device, 0)) {
    d.error = describeErrorWith(d.table, "cuDeviceGet", r);
    return d;
  }
  if (CUresult r = d.table.cuDevicePrimaryCtxRetain(&d.context, device)) {
    d.error = describeErrorWith(d.table, "cuDevicePrimaryCtxRetain", r);
    return d;
  }
  return d;
}

LoadedDriver &loaded() {
  // Loaded once, never unloaded: kernels and modules may outlive any scope.
  static LoadedDriver *driver = new LoadedDriver(load());
  return *driver;
}

std::mutex errorMutex;
std::string firstError;

} // namespace

std::string describeErrorWith(const Driver &table, const char *what,
                              CUresult result) {
  const char *name = nullptr, *text = nullptr;
  if (table.cuGetErrorName)
    table.cuGetErrorName(result, &name);
  if (table.cuGetErrorString)
    table.cuGetErrorString(result, &text);
  std::string message = std::string(what) + " failed: ";
  message += name ? name : "CUDA error " + std::to_string(result);
  if (text)
    message += std::string(" (") + text + ")";
  return message;
}

const Driver *getDriver(std::string *why) {
  LoadedDriver &d = loaded();
  if (!d.error.empty()) {
    if (why)
      *why = d.error;
    return nullptr;
  }
  return &d.table;
}

CUcontext primaryContext() { return loaded().context; }

std::string describeError(const char *what, CUresult result) {
  return describeErrorWith(loaded().table, what, result);
}

void recordError(const std::string &message) {
  std::lock_guard<std::mutex> lock(errorMutex);
  if (firstError.empty())
    firstError = message;
}

std::string takeError() {
  std::lock_guard<std::mutex> lock(errorMutex);
  std::string error;
  error.swap(firstError);
  return error;
}

void freeDeviceMemory(void *pointer) {
  const Driver *driver = getDriver();
  if (!driver || !pointer)
    return;
  if (CUresult r = driver->cuMemFree(reinterpret_cast<CUdeviceptr>(pointer)))
    recordError(describeError("cuMemFree", r));
}

} // namespace zen::rt::cuda

//===- CApi.h - Helpers shared by the C API entry points ---------*- C++ -*-===//
#ifndef ZEN_RUNTIME_CORE_CAPI_H
#define ZEN_RUNTIME_CORE_CAPI_H

#include "Status.h"

namespace zen::rt {

/// INVALID_ARGUMENT "<function>: <argument> is NULL" when `pointer` is NULL.
inline zen_status_t requireNonNull(const void *pointer, const char *function,
                                   const char *argument) {
  if (pointer)
    return nullptr;
  return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                    std::string(function) + ": " + argument + " is NULL");
}

} // namespace zen::rt

#endif // ZEN_RUNTIME_CORE_CAPI_H

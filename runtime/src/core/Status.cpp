//===- Status.cpp - zen_status_t objects ----------------------------------===//

#include "Status.h"

#include <cstring>

namespace zen::rt {

// Constructed when the library loads, while memory is plentiful, so that
// reporting an allocation failure never needs to allocate.
static zen_status gOutOfMemory{ZEN_STATUS_OUT_OF_MEMORY, "out of memory", true};

zen_status_t outOfMemoryStatus() noexcept { return &gOutOfMemory; }

zen_status_t makeStatus(zen_status_code_t code, std::string message) noexcept {
  try {
    return new zen_status{code, std::move(message), false};
  } catch (...) {
    return outOfMemoryStatus();
  }
}

zen_status_t prefixStatus(zen_status_t status, const std::string &prefix) {
  if (!status || status->isStatic)
    return status;
  status->message.insert(0, prefix);
  return status;
}

std::string errnoMessage(const std::string &what, int err) {
  return what + " failed: " + std::strerror(err);
}

} // namespace zen::rt

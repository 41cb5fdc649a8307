//===- Status.h - zen_status_t objects and C API guards ---------*- C++ -*-===//
//
// libzenrt reports every error as a zen_status_t (NULL = success). Internal
// functions return the same type, so an error built deep inside a parser
// reaches the C caller unchanged; callers add context with prefixStatus().
//
// The runtime is compiled with exceptions enabled only so that std::bad_alloc
// from the standard containers can be turned into ZEN_STATUS_OUT_OF_MEMORY at
// the C boundary (guard()); no runtime code throws on purpose.
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_RUNTIME_CORE_STATUS_H
#define ZEN_RUNTIME_CORE_STATUS_H

#include "zen/runtime.h"

#include <new>
#include <sstream>
#include <string>
#include <utility>

struct zen_status {
  zen_status_code_t code;
  std::string message;
  // The preallocated out-of-memory status is never freed.
  bool isStatic = false;
};

namespace zen::rt {

/// Concatenates the arguments with operator<<.
template <typename... Args>
std::string cat(const Args &...args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

/// A new error status. Returns the static out-of-memory status if even the
/// status cannot be allocated.
zen_status_t makeStatus(zen_status_code_t code, std::string message) noexcept;

/// The shared, never-freed out-of-memory status.
zen_status_t outOfMemoryStatus() noexcept;

/// Prepends `prefix` to the message of `status` (no-op on success).
zen_status_t prefixStatus(zen_status_t status, const std::string &prefix);

/// Runs `body` (which returns zen_status_t) and converts any escaping C++
/// exception into a status, so nothing ever unwinds through a C caller.
template <typename Fn>
zen_status_t guard(const char *function, Fn &&body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return outOfMemoryStatus();
  } catch (const std::exception &e) {
    return makeStatus(ZEN_STATUS_INTERNAL,
                      std::string(function) + ": internal error: " + e.what());
  } catch (...) {
    return makeStatus(ZEN_STATUS_INTERNAL,
                      std::string(function) + ": internal error");
  }
}

/// Quotes a name for a message: 'name'.
inline std::string quoted(const std::string &name) { return "'" + name + "'"; }

/// Formats errno as "<what> failed: <strerror>".
std::string errnoMessage(const std::string &what, int err);

} // namespace zen::rt

/// Returns early from the enclosing function if `expr` yields an error.
#define ZEN_RETURN_IF_ERROR(expr)                                              \
  do {                                                                         \
    if (zen_status_t zenStatus_ = (expr))                                      \
      return zenStatus_;                                                       \
  } while (0)

#endif // ZEN_RUNTIME_CORE_STATUS_H

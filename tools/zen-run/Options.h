//===- Options.h - zen-run's command line and errors -------------*- C++
//-*-===//
//
// Plain argv parsing (zen-run links only libzenrt, not LLVM's cl::opt):
// `zen-run MODEL.so COMMAND [--flag value | --flag=value | --switch]...`,
// with the flags each command accepts checked up front so that a typo is a
// usage error, not a silently ignored option.
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_TOOLS_ZEN_RUN_OPTIONS_H
#define ZEN_TOOLS_ZEN_RUN_OPTIONS_H

#include "zen/runtime.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace zen::run {

/// An error message (from libzenrt or from zen-run itself), or success.
class Status {
public:
  Status() = default;
  /// Takes ownership of a libzenrt status (NULL: success).
  explicit Status(zen_status_t status) {
    if (status) {
      failed_ = true;
      message_ = zen_status_message(status);
      zen_status_free(status);
    }
  }
  static Status error(std::string message, bool usage = false) {
    Status s;
    s.failed_ = true;
    s.usage_ = usage;
    s.message_ = std::move(message);
    return s;
  }
  bool ok() const { return !failed_; }
  bool isUsage() const { return usage_; }
  const std::string &message() const { return message_; }

private:
  bool failed_ = false;
  bool usage_ = false;
  std::string message_;
};

inline Status usageError(std::string message) {
  return Status::error(std::move(message), /*usage=*/true);
}

#define ZEN_RUN_TRY(expr)                                                      \
  do {                                                                         \
    ::zen::run::Status zenRunStatus_ = (expr);                                 \
    if (!zenRunStatus_.ok())                                                   \
      return zenRunStatus_;                                                    \
  } while (0)

struct Options {
  bool help = false;
  bool version = false;
  std::string modelPath;
  std::string command;
  std::map<std::string, std::string> flags; // without the leading "--"

  bool has(const std::string &flag) const { return flags.count(flag) != 0; }
  std::string get(const std::string &flag) const {
    auto it = flags.find(flag);
    return it == flags.end() ? std::string() : it->second;
  }
  /// The flag's value as an unsigned integer (usage error otherwise).
  Status getU64(const std::string &flag, uint64_t &out) const;
  /// The flag's value as a finite float (usage error otherwise).
  Status getFloat(const std::string &flag, float &out) const;
};

Status parseOptions(int argc, char **argv, Options &out);

/// Token ids (or a mask, or positions) for B sequences of length T.
struct TokenBatch {
  int64_t batch = 0, length = 0;
  std::vector<int64_t> values; // [batch, length], row-major
};

/// Parses "1,2,3", "1,2;3,4" or a .npy file (int64/int32, [T] or [B, T]);
/// `flag` names the option in messages.
Status parseTokens(const std::string &text, const std::string &flag,
                   TokenBatch &out);

/// A usage error unless `b` has the shape of `a`.
Status requireSameShape(const TokenBatch &a, const std::string &aFlag,
                        const TokenBatch &b, const std::string &bFlag);

} // namespace zen::run

#endif // ZEN_TOOLS_ZEN_RUN_OPTIONS_H

//===- AtomicFile.h - Crash-safe whole-file writes ---------------*- C++ -*-===//
//
// Checkpoints, adapters and optimizer state must never be left half-written:
// a crash or a full disk during a save must keep the previous file intact.
// writeFileAtomically() writes a temporary file beside the target, fsyncs it,
// renames it over the target and fsyncs the directory; on any error it
// removes the temporary file.
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_RUNTIME_CORE_ATOMICFILE_H
#define ZEN_RUNTIME_CORE_ATOMICFILE_H

#include "Status.h"

#include <cstddef>
#include <string>
#include <vector>

namespace zen::rt {

/// One contiguous piece of the file's contents (borrowed).
struct ByteRange {
  const void *data;
  size_t size;
};

/// Writes the concatenation of `pieces` to `path` atomically. Errors name
/// `path` and the failing system call.
zen_status_t writeFileAtomically(const std::string &path,
                                 const std::vector<ByteRange> &pieces);

} // namespace zen::rt

#endif // ZEN_RUNTIME_CORE_ATOMICFILE_H

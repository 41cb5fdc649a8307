//===- Linker.h - object file -> model shared library -----------*- C++ -*-===//

#ifndef ZEN_TARGET_LINKER_H
#define ZEN_TARGET_LINKER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mlir::zen {

struct LinkOptions {
  /// The linker driver (a clang); empty: clang-22, then clang, on PATH.
  std::string driver;
  /// Extra libraries (e.g. "m").
  std::vector<std::string> libraries = {"m"};
};

/// Links `objectPath` into the shared library `outputPath` with lld. Writes
/// `outputPath` only on success (via a temporary file in the same directory).
llvm::Error linkSharedLibrary(llvm::StringRef objectPath,
                              llvm::StringRef outputPath,
                              const LinkOptions &options = {});

} // namespace mlir::zen

#endif // ZEN_TARGET_LINKER_H

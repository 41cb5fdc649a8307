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
  /// Extra libraries, as `-l` takes them: libm, and the LLVM OpenMP runtime
  /// that parallel kernels call (__kmpc_fork_call; Debian's libomp5 installs
  /// it as libomp.so.5, without the libomp.so link unless libomp-dev is
  /// there). Linked as needed: libraries without parallel code do not
  /// depend on it.
  std::vector<std::string> libraries = {"m", ":libomp.so.5"};
};

/// Links `objectPath` into the shared library `outputPath` with lld. Writes
/// `outputPath` only on success (via a temporary file in the same directory).
llvm::Error linkSharedLibrary(llvm::StringRef objectPath,
                              llvm::StringRef outputPath,
                              const LinkOptions &options = {});

} // namespace mlir::zen

#endif // ZEN_TARGET_LINKER_H

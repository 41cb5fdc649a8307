//===- CUDALibrary.h - host module with cubin -> model library --*- C++ -*-===//
//
// The last steps of `zen-compile --target=cuda`: the host module (LLVM
// dialect plus the gpu.binary holding the cubin and the gpu.launch_func
// calls) is translated by the CPU object emitter once the GPU offloading
// translation is registered; the library is linked with the mgpu* runtime
// functions left undefined: libzenrt, which opens the library, exports them.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_TARGET_CUDA_CUDALIBRARY_H
#define ZEN_TARGET_CUDA_CUDALIBRARY_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace mlir {
class DialectRegistry;
class MLIRContext;
namespace zen {

/// The LLVM IR translations a CUDA host module needs (gpu.binary and
/// gpu.launch_func through #gpu.select_object, NVVM for serialization).
void registerCUDATranslations(DialectRegistry &registry);
void registerCUDATranslations(MLIRContext &context);

/// Checks that `toolkit` holds what zen-cuda-pipeline runs: bin/ptxas and
/// nvvm/libdevice/libdevice.10.bc; the error says what is missing and how to
/// point zen-compile elsewhere.
llvm::Error checkCUDAToolkit(llvm::StringRef toolkit);

/// Links `objectPath` into `outputPath` like linkSharedLibrary, but lets the
/// mgpu* functions resolve at load time (from libzenrt); every other symbol
/// must still be defined.
llvm::Error linkCUDASharedLibrary(llvm::StringRef objectPath,
                                  llvm::StringRef outputPath);

} // namespace zen
} // namespace mlir

#endif // ZEN_TARGET_CUDA_CUDALIBRARY_H
